package compiler

import (
	"cmp"
	"path/filepath"
	"strings"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang"
	"github.com/mfcproject/mfc/lang/diag"
)

// Options control a compile.
type Options struct {
	// Overrides replace parameter defaults (and the scale's), applied before the remaining
	// defaults are evaluated in declaration order (docs/language.md §5.1).
	Overrides Overrides
	// Scale, if positive, sets the scale whatever its name (the --N flag); it wins over an
	// override of the scale by name.
	Scale float64
	// Strict turns warnings into errors.
	Strict bool
	// FreezeTime admits stationary measures in a model whose propensities depend on t
	// (E706 otherwise): the runtime evaluates them on the chain frozen at one time (mfc exact
	// --freeze T, docs/language.md §6.6).
	FreezeTime bool
	// MaxEnvStates bounds the environment space 𝒴 (E405); 0 means 1 000 000.
	MaxEnvStates int
	// MaxElements bounds the elements of one declared family and the number of
	// transition instances (E406); 0 means DefaultMaxElements.
	MaxElements int
	// MaxInput bounds the size of a model file read by CompileFile, in bytes (E100); 0 means
	// lang.DefaultMaxInput (10 MB).
	MaxInput int64
	// MaxErrors bounds the errors returned: past it, one last error counts the rest
	// (diag.List.Limit). 0 means diag.MaxErrors (10); a negative value returns every error.
	// The syntax errors of lang.Parse are always limited to diag.MaxErrors.
	MaxErrors int
}

// DefaultMaxElements is the default of Options.MaxElements.
const DefaultMaxElements = 1_000_000

func (o Options) maxElements() int {
	if o.MaxElements > 0 {
		return o.MaxElements
	}
	return DefaultMaxElements
}

// compiler holds the state of one compile.
type compiler struct {
	opts Options
	errs diag.List
	file string

	// bound counts the loop bindings visited (loops, sums, products); past
	// 2·MaxElements the expansion stops with E406 (tooBig).
	bound   int
	tooBig  bool
	tooDeep bool // E406 for the let chain was reported

	syms      map[string]*symbol
	ast       *lang.File          // the file being compiled, for laterPos
	later     map[string]diag.Pos // built by laterPos on the first unknown name
	seq       int
	order     []*symbol
	labels    map[string]diag.Pos
	autoCount map[int]int

	discrete  bool
	timePos   diag.Pos
	firstBody diag.Pos
	modelPos  diag.Pos // the name in the 'model' header, if any
	scale     *symbol
	scalePos  diag.Pos

	params, species, envs, lets, observables, regions, measures []*symbol
	loops                                                       []loopItem
	inits                                                       []*initDecl
	assumes                                                     []*assumeDecl
	assumeLabels                                                map[string]diag.Pos

	// expansion
	g           *ir.Graph
	model       *ir.Model
	paramVals   []float64
	paramSet    []bool
	nEnv        int
	letMemo     map[letKey]ir.NodeID
	instance    string    // "c=2, b=11" while expanding a loop instance
	initTuples  [][]int   // support of the initial environment law
	initWeights []float64 // its weights
	partial     *partial
	nameTable   *ir.Names
	updates     [][]int           // per instance: u(y) by 𝒴 index, -1 where the guard is definitely false
	transLabel  string            // label of the transition being lowered, for messages
	context     letContext        // what inlines the let being lowered
	exprs       exprArena         // the nodes of converted expressions
	symbols     lang.Slab[symbol] // the symbols of newSymbol
	letDepth    int
	transDone   bool // the transitions are built: drift can be lowered
	driftCost   int  // nodes that drift may copy, so far (chargeDrift)

	// constMemo holds evalConstNode's values by node.
	constMemo map[ir.NodeID]float64
}

// letContext names what inlines the let being lowered, for messages: transition 'decay'. Its
// parts are joined only for a message (a file may have 400 000 observables).
type letContext struct{ kind, name string }

type letKey struct {
	s   *symbol
	idx string
}

// CompileFile reads (at most Options.MaxInput bytes), parses and compiles a model file.
func CompileFile(path string, opts Options) (*ir.Model, diag.List) {
	src, d := lang.ReadSource(path, opts.MaxInput)
	if d != nil {
		return nil, diag.List{d}
	}
	return CompileSource(path, src, opts)
}

// CompileSource parses and compiles the source of one model. The returned diagnostics
// hold every error and warning, sorted; the model is nil if there is any error.
func CompileSource(filename string, src []byte, opts Options) (*ir.Model, diag.List) {
	f, errs := lang.Parse(filename, src)
	if errs.HasErrors() {
		return nil, errs
	}
	return Compile(f, opts)
}

// Compile compiles a parsed file (docs/language.md §7.1, stages 2–10).
func Compile(f *lang.File, opts Options) (*ir.Model, diag.List) {
	// The symbol table holds one entry per declared name; sized at once, a file of many
	// declarations does not rehash it as it grows.
	n := lang.Count(f)
	names := n.Params + n.Species + n.Env + n.Lets + n.Observables + n.Regions + n.Measures + 1
	c := &compiler{
		opts:         opts,
		syms:         make(map[string]*symbol, names),
		order:        make([]*symbol, 0, names),
		labels:       map[string]diag.Pos{},
		assumeLabels: map[string]diag.Pos{},
		autoCount:    map[int]int{},
		letMemo:      map[letKey]ir.NodeID{},
	}
	c.file = f.Name
	name := strings.TrimSuffix(filepath.Base(f.Name), filepath.Ext(f.Name))
	if f.Model != nil {
		name = f.Model.Name
		c.modelPos = c.at(f.Model.Pos)
	}
	c.declarations(f)
	// The checker, the only reader of the syntax tree, is done: let the collector have the
	// tree (of a 10 MB file, 100 MB or more) while the model is built.
	c.ast, f = nil, nil
	if !c.errs.HasErrors() {
		c.checkOverrides()
	}
	if !c.errs.HasErrors() {
		c.expand(name)
	}
	if !c.errs.HasErrors() {
		c.unused()
	}
	if opts.Strict {
		for _, d := range c.errs {
			d.Severity = diag.Error
		}
	}
	c.errs.Dedup()
	if c.errs.HasErrors() {
		if opts.MaxErrors >= 0 {
			return nil, c.errs.Limit(cmp.Or(opts.MaxErrors, diag.MaxErrors))
		}
		return nil, c.errs
	}
	c.model.Diagnostics = c.errs
	return c.model, c.errs
}

// unused reports parameters and lets that nothing reads (W101).
func (c *compiler) unused() {
	for _, s := range c.order {
		if !s.used && (s.kind == symParam || s.kind == symLet) {
			if _, over := c.opts.Overrides[s.name]; over {
				continue
			}
			// Not formatted with fmt: a file may have 400 000 unused parameters.
			c.errs.Add(&diag.Diagnostic{Pos: s.pos, Severity: diag.Warning, Code: "W101",
				Msg: s.kind.String() + " '" + s.name + "' is never used", Hint: "remove it, or use it"})
		}
	}
}
