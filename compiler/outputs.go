package compiler

import (
	"math"
	"slices"

	"github.com/mfcproject/mfc/compiler/ir"
)

// outputs lowers observables, regions, measures (every family instance) and assumptions, and decides
// time homogeneity (E706 for a stationary measure of a time-dependent model).
func (c *compiler) outputs() {
	m := c.model
	c.transDone = true
	m.TimeHomogeneous = true
	var timeDep *ir.Transition
	for i := range m.Transitions {
		t := &m.Transitions[i]
		if c.g.Dep(t.Propensity)&ir.DepTime != 0 {
			m.TimeHomogeneous = false
			if timeDep == nil {
				timeDep = t
			}
		}
	}
	// One element per scalar at least: a file of many observables does not grow the slices
	// by copying.
	m.Observables = slices.Grow(m.Observables, len(c.observables))
	m.Regions = slices.Grow(m.Regions, len(c.regions))
	for _, s := range c.observables {
		c.eachInstance(s, func(name string, idx []int) {
			c.context = letContext{"observable", name}
			m.Observables = append(m.Observables, ir.Observable{Name: name, Node: c.lowerLet(s, idx), Pos: s.pos})
		})
	}
	for _, s := range c.regions {
		c.eachInstance(s, func(name string, idx []int) {
			m.Regions = append(m.Regions, ir.Region{Name: name, Node: c.lowerLet(s, idx), Pos: s.pos})
		})
	}
	for _, s := range c.measures {
		kind := map[string]ir.MeasureKind{"stationary": ir.Stationary, "transient": ir.Transient,
			"cumulative": ir.Cumulative, "discounted": ir.Discounted, "until": ir.Until}[s.measure.kind]
		if kind == ir.Stationary && timeDep != nil && !c.opts.FreezeTime {
			c.errorf(s.pos, "E706", "remove t, or freeze time: mfc exact --freeze T (or mfc run --freeze T)",
				"stationary measure '%s' needs a time-homogeneous model; '%s' (%s) depends on t", s.name, timeDep.Label, timeDep.Pos.Short())
		}
		c.eachInstance(s, func(name string, idx []int) {
			b := c.shapeBindings(s, idx)
			ms := ir.Measure{Name: name, Kind: kind, Pos: s.pos}
			for _, a := range s.measure.args {
				ms.Args = append(ms.Args, c.lower(a, b))
			}
			if len(ms.Args) == 2 && !c.measureArg(s, kind, name, ms.Args[1]) {
				return
			}
			if c.discrete && (kind == ir.Transient || kind == ir.Cumulative) && len(ms.Args) == 2 {
				if v, ok := c.g.IsConst(ms.Args[1]); ok && v != math.Trunc(v) {
					c.errorf(c.at(s.measure.args[1].pos), "E705", "a discrete-time horizon counts steps", "discrete-time horizon must be an integer, got %s", fmtNum(v))
				}
			}
			m.Measures = append(m.Measures, ms)
		})
	}
	c.instance = ""
	c.assumptions()
}

// measureArg checks the horizon T or discount rate a of a measure instance at the values of
// the parameters (docs/language.md §6.10): T finite and ≥ 0, a finite and > 0 (E705). It
// reports whether the argument is valid; arguments that failed earlier checks are skipped.
func (c *compiler) measureArg(s *symbol, kind ir.MeasureKind, name string, arg ir.NodeID) bool {
	if kind != ir.Transient && kind != ir.Cumulative && kind != ir.Discounted {
		return true
	}
	if c.g.Dep(arg)&^(ir.DepParam|ir.DepScale) != 0 || c.errs.HasErrors() {
		return true
	}
	v := c.evalConstNode(arg)
	at := s.measure.args[1].pos
	finite := !math.IsNaN(v) && !math.IsInf(v, 0)
	switch {
	case kind == ir.Discounted && !(finite && v > 0):
		c.errorf(c.at(at), "E705", measureHint("discounted"), "discount rate of '%s' must be a finite number > 0, got %s%s", name, fmtNum(v), c.inst())
	case kind != ir.Discounted && !(finite && v >= 0):
		k := s.measure.kind
		c.errorf(c.at(at), "E705", "write "+k+"(f, T) with a horizon T ≥ 0", "horizon of '%s' must be a finite number ≥ 0, got %s%s", name, fmtNum(v), c.inst())
	default:
		return true
	}
	return false
}

// eachInstance calls f for every element of a (possibly family) declaration.
func (c *compiler) eachInstance(s *symbol, f func(name string, idx []int)) {
	if s.shape == nil {
		f(s.name, nil)
		return
	}
	forEachIndex(s.dims, func(idx []int) {
		c.instance = c.shapeBindings(s, idx).describe()
		f(instanceName(s.name, idx), idx)
	})
}
