package compiler

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
)

// expand runs stages 4–10 of docs/language.md §7.1: parameters, families, the graph, the environment
// space, transitions, initial state, measures and conservation laws.
func (c *compiler) expand(name string) {
	c.g = ir.NewGraph()
	m := &ir.Model{Name: name, Graph: c.g}
	if c.discrete {
		m.Time = ir.Discrete
	}
	c.model = m
	if c.evalParams(); c.errs.HasErrors() {
		return
	}
	c.flattenSpecies()
	c.flattenEnv()
	if c.errs.HasErrors() {
		return
	}
	insts := c.expandTransitions()
	if c.errs.HasErrors() {
		return
	}
	c.initialState()
	if c.errs.HasErrors() {
		return
	}
	c.envSpace(insts)
	if c.errs.HasErrors() {
		return
	}
	c.finishTransitions(insts)
	c.outputs()
	laws, err := conservationLaws(len(m.Species), m.Transitions, 16*c.opts.maxElements())
	if err != nil {
		c.errorf(c.wholeModelPos(), "E406", "use fewer species, or fewer independent ones (the limit is 16 × Options.MaxElements coefficients)",
			"the conservation laws cannot be stored: %v", err)
		return
	}
	m.Conservation = laws
	c.meanField()
}

// evalShape evaluates the ranges of a declaration shape (W104 for an empty one).
func (c *compiler) evalShape(s *symbol) bool {
	if s.shape == nil {
		return true
	}
	s.dims = s.dims[:0]
	for _, d := range s.shape.list {
		lo, ok1 := c.cint(d.lo, nil, "range bound")
		hi, ok2 := c.cint(d.hi, nil, "range bound")
		if !ok1 || !ok2 {
			return false
		}
		if hi < lo {
			c.warnf(c.at(d.lo.pos), "W104", "check the bounds", "range %d..%d of '%s' is empty", lo, hi, s.name)
		}
		s.dims = append(s.dims, ir.Range{Lo: lo, Hi: hi})
	}
	limit, n := c.opts.maxElements(), 1
	for _, d := range s.dims {
		if l := d.Len(); l > 0 {
			if n > limit/l {
				c.errorf(s.pos, "E406", "check the ranges of the declaration (the limit is Options.MaxElements)",
					"'%s' has more than %d elements", s.name, limit)
				return false
			}
			n *= l
		} else {
			n = 0
		}
	}
	return true
}

func sizeOf(dims []ir.Range) int {
	n := 1
	for _, d := range dims {
		n *= d.Len()
	}
	return n
}

// evalParams applies the overrides, then evaluates the remaining defaults in declaration
// order (docs/language.md §5.1).
func (c *compiler) evalParams() {
	elems := map[string][][2]any{} // name -> element overrides
	for k, v := range c.opts.Overrides {
		name, idx, _ := splitKey(k)
		if idx != nil {
			elems[name] = append(elems[name], [2]any{idx, v})
		}
	}
	c.model.Params = make([]ir.Param, 0, len(c.params))
	for _, s := range c.params {
		if !c.evalShape(s) {
			continue
		}
		s.size, s.offset = sizeOf(s.dims), len(c.paramVals)
		vals := make([]float64, s.size)
		c.paramVals = append(c.paramVals, vals...)
		vals = c.paramVals[s.offset:]
		if over, ok := c.opts.Overrides[s.name]; ok {
			switch {
			case len(over) == s.size:
				copy(vals, over)
			case len(over) == 1:
				for i := range vals {
					vals[i] = over[0]
				}
			default:
				c.errorf(s.pos, "E403", fmt.Sprintf("give %d values, or override the size together with '%s'", s.size, s.name),
					"--set %s has %d values but '%s' has %d elements", s.name, len(over), s.name, s.size)
			}
		} else {
			c.paramDefaultValues(s, vals)
		}
		for _, e := range elems[s.name] {
			idx, v := e[0].([]int), e[1].([]float64)
			if !c.inShape(s, idx) || len(v) != 1 {
				c.errorf(s.pos, "E401", "check the element's indices", "--set %s%v: no such element of '%s'", s.name, idx, s.name)
				continue
			}
			vals[s.flat(idx)] = v[0]
		}
		var reads []string
		if _, over := c.opts.Overrides[s.name]; !over {
			reads = symbolNames(s.reads)
		}
		m := c.model
		m.Params = append(m.Params, ir.Param{Name: s.name, Shape: s.dims, Offset: s.offset, Size: s.size,
			Bool: s.boolParam, Structural: s.structural, Reads: reads, Pos: s.pos})
	}
	c.model.ParamValues = c.paramVals
	if c.scale != nil {
		v, ok := 0.0, true
		if over, set := c.opts.Overrides[c.scale.name]; set {
			v = over[0]
		}
		if c.opts.Scale > 0 {
			v = c.opts.Scale
		} else if _, set := c.opts.Overrides[c.scale.name]; !set {
			v, ok = c.ceval(c.scale.value, nil, "the scale's default")
		}
		switch {
		case ok && !(v > 0):
			c.errorf(c.scale.pos, "E309", "the scale is a positive system size", "scale '%s' must be positive, got %s", c.scale.name, fmtNum(v))
		case ok && math.IsInf(v, 0):
			c.errorf(c.scale.pos, "E309", "the scale is a positive system size", "scale '%s' must be finite, got %s", c.scale.name, fmtNum(v))
		}
		var reads []string
		if _, set := c.opts.Overrides[c.scale.name]; !set && c.opts.Scale <= 0 {
			reads = c.paramsRead(c.scale.value)
		}
		c.model.Scale = &ir.Scale{Name: c.scale.name, Value: v, Reads: reads, Pos: c.scale.pos}
	}
}

func (c *compiler) inShape(s *symbol, idx []int) bool {
	if len(idx) != len(s.dims) {
		return false
	}
	for d, v := range idx {
		if v < s.dims[d].Lo || v > s.dims[d].Hi {
			return false
		}
	}
	return true
}

func (c *compiler) paramDefaultValues(s *symbol, vals []float64) {
	pd := s.paramDecl
	what := "default of '" + s.name + "'"
	if pd.value != nil {
		i := 0
		forEachIndex(s.dims, func(idx []int) {
			v, _ := c.ceval(pd.value, c.shapeBindings(s, idx), what)
			vals[i] = v
			i++
		})
		if s.shape == nil {
			v, _ := c.ceval(pd.value, nil, what)
			vals[0] = v
		}
		return
	}
	var flat []float64
	if c.arrayShape(s, pd.array, 0, &flat) && len(flat) == len(vals) {
		copy(vals, flat)
	}
}

// arrayShape checks an array literal against the declared shape (E403) and flattens it.
func (c *compiler) arrayShape(s *symbol, a *arrayLit, d int, flat *[]float64) bool {
	if d >= len(s.dims) {
		c.errorf(a.pos, "E403", "give one value per element", "'%s' has %d %s, but its value nests deeper", s.name, len(s.dims), plural(len(s.dims), "dimension", "dimensions"))
		return false
	}
	if n := s.dims[d].Len(); len(a.elems) != n {
		c.errorf(a.pos, "E403", fmt.Sprintf("give %d values, or override the size together with %s", n, s.name),
			"'%s' has %d values but its range %s..%s has %d", s.name, len(a.elems), exprString(s.shape.list[d].lo), exprString(s.shape.list[d].hi), n)
		return false
	}
	for _, el := range a.elems {
		switch {
		case el.value != nil && d == len(s.dims)-1:
			v, ok := c.ceval(el.value, nil, fmt.Sprintf("value of '%s'", s.name))
			if !ok {
				return false
			}
			*flat = append(*flat, v)
		case el.value != nil:
			c.errorf(el.pos, "E403", "write one bracketed row per element of the outer range", "'%s' needs a row here, found a single value", s.name)
			return false
		default:
			if !c.arrayShape(s, el, d+1, flat) {
				return false
			}
		}
	}
	return true
}

func (c *compiler) flattenSpecies() {
	for _, s := range c.species {
		if !c.evalShape(s) {
			continue
		}
		s.offset, s.size = len(c.model.Species), sizeOf(s.dims)
		if s.shape == nil {
			c.model.Species = append(c.model.Species, ir.Species{Name: s.name, Pos: s.pos})
			continue
		}
		forEachIndex(s.dims, func(idx []int) {
			c.model.Species = append(c.model.Species, ir.Species{Name: instanceName(s.name, idx), Pos: s.pos})
		})
	}
	for _, s := range c.order {
		if s.kind == symAlias {
			s.dims = s.target.dims
		}
	}
	for _, s := range append(append(append([]*symbol{}, c.lets...), c.observables...), append(c.regions, c.measures...)...) {
		c.evalShape(s)
	}
}

func (c *compiler) flattenEnv() {
	env := &c.model.Env
	for _, s := range c.envs {
		if !c.evalShape(s) {
			continue
		}
		s.offset, s.size = len(env.Components), sizeOf(s.dims)
		add := func(idx []int) {
			comp := ir.EnvComponent{Name: instanceName(s.name, idx), States: s.states, Pos: s.pos}
			if s.states != nil {
				comp.Lo, comp.Hi = 0, len(s.states)-1
			} else {
				b := c.shapeBindings(s, idx)
				lo, ok1 := c.cint(s.rng.lo, b, "environment bound")
				hi, ok2 := c.cint(s.rng.hi, b, "environment bound")
				if !ok1 || !ok2 {
					return
				}
				if hi < lo {
					c.errorf(s.rng.pos, "E309", "an integer environment needs lo <= hi", "range %d..%d of '%s' is empty", lo, hi, comp.Name)
				}
				comp.Lo, comp.Hi = lo, hi
			}
			env.Components = append(env.Components, comp)
		}
		if s.shape == nil {
			add(nil)
		} else {
			forEachIndex(s.dims, add)
		}
	}
	c.nEnv = len(env.Components)
}

func (c *compiler) envBounds(comp int) (int, int) {
	x := c.model.Env.Components[comp]
	return x.Lo, x.Hi
}

// instance is one expanded transition before the environment space is known.
type instance struct {
	decl     *transDecl
	label    string
	jump     map[int]int
	react    map[int]int
	sets     []setInst
	guard    ir.NodeID
	rate     ir.NodeID
	ratePos  diag.Pos // first token of the propensity
	guardPos diag.Pos // first token of the guard's condition; zero without a guard
	instance string
}

type setInst struct {
	comp  int
	value ir.NodeID
	pos   diag.Pos // the assignment
	text  string   // 'L = 11' with the value as evaluated, for E504
}

// expandTransitions expands loops and reversible pairs into transition instances.
func (c *compiler) expandTransitions() []*instance {
	var out []*instance
	var walk func(items []loopItem, b *bindings)
	limit, over := c.opts.maxElements(), false
	walk = func(items []loopItem, b *bindings) {
		for _, it := range items {
			if over {
				return
			}
			if it.trans != nil {
				out = append(out, c.instantiate(it.trans, b)...)
				if len(out) > limit {
					over = true
					c.errorf(it.trans.pos, "E406", "check the loop ranges (the limit is Options.MaxElements)",
						"the loops expand to more than %d transition instances", limit)
				}
				continue
			}
			c.eachBinding(it.loop.binders, b, func(inner *bindings) {
				walk(it.loop.body, inner)
			})
		}
	}
	walk(c.loops, nil)
	c.instance, c.context = "", letContext{}
	return out
}

func (c *compiler) instantiate(d *transDecl, b *bindings) []*instance {
	c.instance = b.describe()
	label := d.label
	if b != nil {
		label += "[" + strings.ReplaceAll(c.instance, " ", "") + "]"
	}
	c.transLabel = label
	c.context = letContext{"transition", label}
	lhs, rhs := c.sideCounts(d.lhs, b), c.sideCounts(d.rhs, b)
	mk := func(l string, from, to map[int]int, rate *expr) *instance {
		in := &instance{decl: d, label: l, react: from, jump: map[int]int{}, instance: c.instance}
		for i, k := range to {
			in.jump[i] += k
		}
		for i, k := range from {
			in.jump[i] -= k
		}
		for i, k := range in.jump {
			if k == 0 {
				delete(in.jump, i)
			}
		}
		in.guard = c.g.True()
		if d.when != nil {
			in.guard = c.lower(d.when, b)
			in.guardPos = c.at(leftmost(d.when))
		}
		in.rate = c.lower(rate, b)
		in.ratePos = c.at(leftmost(rate))
		return in
	}
	if d.arrow == "<->" {
		return []*instance{mk(label+".fwd", lhs, rhs, d.rate), mk(label+".rev", rhs, lhs, d.rev)}
	}
	in := mk(label, lhs, rhs, d.rate)
	in.sets = c.setInstances(d, b)
	return []*instance{in}
}

// sideCounts evaluates the coefficients and species of a reaction side.
func (c *compiler) sideCounts(side []termDecl, b *bindings) map[int]int {
	out := map[int]int{}
	for _, t := range side {
		if t.species == nil {
			continue
		}
		k := t.coef
		if t.coefName != nil {
			v, ok := c.cint(t.coefName, b, "coefficient")
			if !ok {
				continue
			}
			if v <= 0 {
				c.errorf(t.pos, "E502", "reaction sides list species, e.g. 2S1", "coefficient must be a positive integer, got %d%s", v, c.inst())
				continue
			}
			k = v
		}
		s := t.species.sym
		if s == nil || s.kind != symSpecies {
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					if _, is := r.(constErr); !is {
						panic(r)
					}
				}
			}()
			idx := c.lowerIndex(t.species, s, b)
			out[s.offset+s.flat(idx)] += k
		}()
	}
	return out
}

// setInstances lowers the 'set' clause: the values may depend only on the environment,
// parameters and binders (E504).
func (c *compiler) setInstances(d *transDecl, b *bindings) []setInst {
	var out []setInst
	seen := map[int]bool{}
	for _, a := range d.sets {
		s := a.target.sym
		if s == nil || s.kind != symEnv {
			continue
		}
		comp := -1
		func() {
			defer func() {
				if r := recover(); r != nil {
					if _, is := r.(constErr); !is {
						panic(r)
					}
				}
			}()
			comp = s.offset + s.flat(c.lowerIndex(a.target, s, b))
		}()
		if comp < 0 {
			continue
		}
		name := c.model.Env.Components[comp].Name
		if seen[comp] {
			c.errorf(c.at(a.target.pos), "E504", "each component appears at most once in a 'set'", "'%s' assigned twice%s", name, c.inst())
			continue
		}
		seen[comp] = true
		v := c.lower(a.value, b)
		if bad := c.g.Dep(v) &^ (ir.DepEnv | ir.DepParam); bad != 0 {
			c.errorf(c.at(a.value.pos), "E504", "set values may depend only on the environment, parameters and binders",
				"set value depends on %s%s", c.stateRef(a.value, b), c.inst())
			continue
		}
		out = append(out, setInst{comp: comp, value: v, pos: a.pos})
	}
	return out
}

// stateRef names the first species, time or scale reference in e: "the species 'S'".
func (c *compiler) stateRef(e *expr, b *bindings) string {
	out := "the state"
	found := false
	e.walk(func(x *expr) {
		if found || x.kind != eRef || x.bind {
			return
		}
		switch {
		case x.sym == nil && x.name == "t":
			out, found = "the time 't'", true
		case x.sym == nil:
		case x.sym.kind == symSpecies || x.sym.kind == symAlias:
			out, found = fmt.Sprintf("the %s '%s'", kindNoun(x.sym), c.refName(x, b)), true
		case x.sym.kind == symScale:
			out, found = fmt.Sprintf("the scale '%s'", x.name), true
		}
	})
	return out
}

func depNoun(d ir.Dep) string {
	switch {
	case d&ir.DepCount != 0:
		return "a species"
	case d&ir.DepTime != 0:
		return "the time 't'"
	case d&ir.DepScale != 0:
		return "the scale"
	}
	return "the state"
}

// checkNum reports NaN constants produced by failed lowering; they are already reported.
func isNaNConst(g *ir.Graph, id ir.NodeID) bool {
	v, ok := g.IsConst(id)
	return ok && math.IsNaN(v)
}

// paramsRead returns the sorted names of the parameters e reads, directly or through lets
// and observables.
func (c *compiler) paramsRead(e *expr) []string {
	set := map[*symbol]bool{}
	e.walk(func(x *expr) {
		if x.kind != eRef || x.bind || x.sym == nil {
			return
		}
		switch x.sym.kind {
		case symParam:
			set[x.sym] = true
		case symLet, symObservable, symRegion:
			for p := range x.sym.reads {
				set[p] = true
			}
		}
	})
	return symbolNames(set)
}

// symbolNames returns the sorted names of the symbols of set (nil for none).
func symbolNames(set map[*symbol]bool) []string {
	var out []string
	for s := range set {
		out = append(out, s.name)
	}
	sort.Strings(out)
	return out
}
