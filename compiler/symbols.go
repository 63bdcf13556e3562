package compiler

import (
	"fmt"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/stdlib"
)

// symKind is the kind of a global name (docs/language.md §4.2).
type symKind uint8

const (
	symScale symKind = iota
	symParam
	symSpecies
	symAlias
	symEnv
	symLet
	symObservable
	symRegion
	symMeasure
)

var symNames = [...]string{"scale", "param", "species", "alias", "env", "let", "observable", "region", "measure"}

func (k symKind) String() string { return symNames[k] }

// typKind is a value type (docs/language.md §4.3).
type typKind uint8

const (
	tInvalid typKind = iota
	tNum
	tBool
	tState
)

// typ is num, bool, or state(E) for the environment type E.
type typ struct {
	k   typKind
	env *symbol // for tState: the environment declaration that defines the states
}

var (
	numT  = typ{k: tNum}
	boolT = typ{k: tBool}
	badT  = typ{}
)

func (t typ) String() string {
	switch t.k {
	case tNum:
		return "number"
	case tBool:
		return "condition"
	case tState:
		return "state of '" + t.env.name + "'"
	}
	return "invalid"
}

func (t typ) eq(u typ) bool { return t.k == u.k && t.env == u.env }

// symbol is one global declaration.
type symbol struct {
	name  string
	kind  symKind
	pos   diag.Pos
	seq   int      // declaration order
	shape *binders // family dimensions; nil for a scalar
	dims  []ir.Range
	used  bool

	// param
	paramDecl  *paramDecl
	boolParam  bool
	structural bool
	offset     int // first flat index: params, species, environment components
	size       int

	// alias
	target *symbol

	// env
	states []string // named states; nil for an integer environment
	rng    *binder  // integer range (lo, hi)
	envLo  []int    // per component instance: integer bounds
	envHi  []int

	// let, observable, region
	value   *expr
	vtyp    typ
	lowered bool      // node is set: a scalar is lowered once (lowerLet)
	node    ir.NodeID // its node
	// params read by the right-hand side of a let, directly or through other lets (nil
	// for none: most declarations read no parameter, and a file may have 400 000 of them)
	reads map[*symbol]bool

	// measure
	measure *measureDecl
}

// newSymbol returns a zero symbol from a block of them (lang.Slab): a file may declare
// 400 000 names.
func (c *compiler) newSymbol() *symbol { return c.symbols.Alloc() }

// addRead records that s reads the parameter p.
func (s *symbol) addRead(p *symbol) {
	if s.reads == nil {
		s.reads = map[*symbol]bool{}
	}
	s.reads[p] = true
}

// nDims returns the number of indices the name takes.
func (s *symbol) nDims() int {
	if s.shape == nil {
		return 0
	}
	return len(s.shape.list)
}

func (s *symbol) describe() string {
	return fmt.Sprintf("%s, %s", s.kind, s.pos.Short())
}

// flat returns the row-major flat index of the element at idx (already range-checked).
func (s *symbol) flat(idx []int) int {
	f := 0
	for d, i := range idx {
		f = f*s.dims[d].Len() + (i - s.dims[d].Lo)
	}
	return f
}

// instanceName returns name[i,j] for an element of a family.
func instanceName(name string, idx []int) string {
	if len(idx) == 0 {
		return name
	}
	s := name + "["
	for i, v := range idx {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprint(v)
	}
	return s + "]"
}

// forEachIndex calls f for every index tuple of dims in row-major order.
func forEachIndex(dims []ir.Range, f func(idx []int)) {
	idx := make([]int, len(dims))
	for d := range dims {
		if dims[d].Len() == 0 {
			return
		}
		idx[d] = dims[d].Lo
	}
	for {
		f(append([]int(nil), idx...))
		d := len(dims) - 1
		for d >= 0 {
			idx[d]++
			if idx[d] <= dims[d].Hi {
				break
			}
			idx[d] = dims[d].Lo
			d--
		}
		if d < 0 {
			return
		}
	}
}

// reserved reports why a name cannot be declared (E203), or "".
func reserved(name string) string {
	switch name {
	case "t":
		return "it denotes time"
	case "pi":
		return "it denotes the constant π"
	case "_":
		return "it is the default arm of match"
	}
	if _, ok := stdlib.Lookup(name); ok {
		return "it is a built-in function"
	}
	return ""
}
