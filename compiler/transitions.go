package compiler

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mfcproject/mfc/compiler/ir"
)

// finishTransitions builds the IR transitions: environment moves and kinds, the guarded
// propensity, and the static checks of docs/language.md §6.5 (E501, E506, W103).
func (c *compiler) finishTransitions(insts []*instance) {
	m := c.model
	g := c.g
	hasEnv := c.nEnv > 0
	var moves []ir.EnvMove // scratch, reused by every instance
	m.Transitions = slices.Grow(m.Transitions, len(insts))
	for i, in := range insts {
		// The Select that folds the guard in stands for the guard (docs/language.md §6.3):
		// it carries the guard's position, which W602 recognises (series.NonSmooth).
		g.At = c.at(in.decl.rate.pos)
		if in.guardPos.Line > 0 {
			g.At = in.guardPos
		}
		prop := g.Select(in.guard, in.rate, g.Const(0))
		t := ir.Transition{Label: in.label, Pos: in.decl.pos, RatePos: in.ratePos, GuardPos: in.guardPos, Guard: in.guard, Propensity: prop}
		t.Jump = sortedJumps(in.jump)
		t.Reactants = sortedJumps(in.react)
		if c.updates[i] != nil {
			t.Update = c.updates[i]
		}
		for k := range m.Env.Space {
			if hasEnv {
				c.partial.at(m.Env.Space[k])
				if v, ok := c.partial.eval(in.guard); ok && v == 0 {
					continue
				}
			}
			to := k
			if t.Update != nil {
				to = t.Update[k]
				if to < 0 {
					continue
				}
			}
			kind := ir.Slow
			switch {
			case to != k && len(t.Jump) == 0:
				kind = ir.Fast
			case to != k:
				kind = ir.Coupled
			case len(t.Jump) == 0 && !c.discrete:
				continue // no effect: dropped silently (docs/language.md §6.2)
			}
			moves = append(moves, ir.EnvMove{From: k, To: to, Kind: kind})
		}
		if len(moves) > 0 {
			t.Moves = slices.Clone(moves) // exact size: 𝒴 may have 10^6 states
			moves = moves[:0]
		}
		if !hasEnv && len(m.Env.Space) == 0 {
			t.Moves = nil
		}
		c.constantPropensity(in, prop)
		c.nonNegative(in, prop)
		m.Transitions = append(m.Transitions, t)
	}
}

func sortedJumps(m map[int]int) []ir.Jump {
	out := make([]ir.Jump, 0, len(m))
	for i, k := range m {
		out = append(out, ir.Jump{Species: i, Delta: k})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Species < out[b].Species })
	return out
}

// constantPropensity reports a propensity that folds to an invalid constant (E506): a
// negative one (in discrete time, one outside [0, 1]) or a NaN or infinite one. A
// propensity of parameters and the scale only is also evaluated at their values: NaN or
// infinite there is E506 as well (docs/language.md §6.5).
func (c *compiler) constantPropensity(in *instance, prop ir.NodeID) {
	at := in.ratePos
	v, ok := c.g.IsConst(prop)
	if !ok {
		if c.g.Dep(prop)&^(ir.DepParam|ir.DepScale) != 0 || c.errs.HasErrors() {
			return
		}
		if v := c.evalConstNode(prop); math.IsNaN(v) || math.IsInf(v, 0) {
			c.errorf(at, "E506", "propensities are finite and ≥ 0: check the parameters (and --set)",
				"propensity is %s at the parameters' values%s", fmtNum(v), instSuffix(in))
		}
		return
	}
	if math.IsNaN(v) && c.errs.HasErrors() {
		return // a NaN constant also marks a lowering error, already reported
	}
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		c.errorf(at, "E506", "propensities are finite and ≥ 0", "propensity is the constant %s%s", fmtNum(v), instSuffix(in))
	case c.discrete && (v < 0 || v > 1):
		c.errorf(at, "E506", "probabilities lie in [0, 1]", "probability is the constant %s%s", fmtNum(v), instSuffix(in))
	case v < 0:
		c.errorf(at, "E506", "propensities are ≥ 0", "propensity is the constant %s%s", fmtNum(v), instSuffix(in))
	}
}

// nonNegative runs the static check of docs/language.md §6.5 on one transition instance.
func (c *compiler) nonNegative(in *instance, prop ir.NodeID) {
	m := c.model
	ys := [][]int{nil}
	if c.nEnv > 0 {
		ys = c.distinctOn(prop, m.Env.Space)
	}
	species := make([]int, 0, len(in.react)+len(in.jump))
	for i := range in.react {
		species = append(species, i)
	}
	for i := range in.jump {
		if _, ok := in.react[i]; !ok {
			species = append(species, i)
		}
	}
	sort.Ints(species)
	for _, i := range species {
		consumed := -in.jump[i]
		need := max(consumed, in.react[i])
		for v := 0; v < need; v++ {
			// A huge coefficient is checked at its first and last maxCountsChecked counts
			// (the rest is left to the run-time check E801): a substitution per count
			// would take minutes at 10⁷.
			if v == maxCountsChecked && need > 2*maxCountsChecked {
				v = need - maxCountsChecked
			}
			for _, y := range ys {
				r := c.substitute(prop, i, float64(v), y)
				// Below what is consumed, a propensity that still depends on other counts
				// is checked at run time (E801); below the left coefficient only, nothing
				// goes negative and nothing checks it later, so any propensity that is not
				// 0 there may fire without the reactant (W103).
				if c.g.IsZero(r) || v < consumed && c.g.Dep(r)&ir.DepCount != 0 || c.zeroAtValues(r) {
					continue
				}
				name := m.Species[i].Name
				at := fmt.Sprintf("%s = %d", name, v)
				if y != nil {
					at += ", " + c.describeEnv(y)
				}
				if v < consumed {
					c.errorf(in.decl.pos, "E501", vanishHint(name, consumed),
						"'%s' can fire at %s and make %s negative (propensity there: %s)", in.label, at, name, c.g.String(r, c.names()))
				} else {
					c.warnf(in.decl.pos, "W103", fmt.Sprintf("add 'when %s >= %d' if %s is required", name, in.react[i], name),
						"'%s' may fire when %s although %s is a reactant", in.label, at, name)
				}
				return
			}
		}
	}
}

// vanishHint is E501's hint for a species consumed c times (docs/language.md §6.5): the
// propensity must vanish at every count below c, which a factor S does for c = 1 and the
// falling factorial ff(S, c) = S*(S-1)*...*(S-c+1) does for any c (§6.4).
func vanishHint(name string, c int) string {
	if c == 1 {
		return fmt.Sprintf("add 'when %s > 0', or use a propensity that vanishes at 0 (e.g. a factor %s)", name, name)
	}
	if c > 4 {
		return fmt.Sprintf("add 'when %s >= %d', or use a propensity that vanishes at %s = 0, …, %d (e.g. a factor ff(%s, %d), the falling factorial)", name, c, name, c-1, name, c)
	}
	counts := make([]string, c)
	factors := make([]string, c)
	for v := range c {
		counts[v] = strconv.Itoa(v)
		factors[v] = fmt.Sprintf("(%s-%d)", name, v)
	}
	factors[0] = name
	at := strings.Join(counts[:c-1], ", ") + " and " + counts[c-1]
	return fmt.Sprintf("add 'when %s >= %d', or use a propensity that vanishes at %s = %s (e.g. a factor ff(%s, %d), that is %s)",
		name, c, name, at, name, c, strings.Join(factors, "*"))
}

// distinctOn returns the first state of 𝒴 for each combination of the values of the
// environment components that root reads: the static check of one propensity gives the
// same verdict in states that agree on them, so 2^19 states read through one binary
// component cost two substitutions, not 2^19.
func (c *compiler) distinctOn(root ir.NodeID, space [][]int) [][]int {
	g := c.g
	if g.Dep(root)&ir.DepEnv == 0 {
		return space[:min(1, len(space))]
	}
	var comps []int
	seen := map[ir.NodeID]bool{}
	var walk func(id ir.NodeID)
	walk = func(id ir.NodeID) {
		if seen[id] || g.Dep(id)&ir.DepEnv == 0 {
			return
		}
		seen[id] = true
		n := g.Node(id)
		if n.Op == ir.OpEnvVal || n.Op == ir.OpEnvIs {
			comps = append(comps, int(n.Aux))
		}
		for _, a := range n.Args {
			walk(a)
		}
	}
	walk(root)
	sort.Ints(comps)
	comps = slices.Compact(comps)
	if len(comps) == c.nEnv {
		return space
	}
	var out [][]int
	keys := map[string]bool{}
	var buf []byte
	for _, y := range space {
		buf = buf[:0]
		for _, k := range comps {
			buf = strconv.AppendInt(buf, int64(y[k]), 10)
			buf = append(buf, ',')
		}
		if !keys[string(buf)] {
			keys[string(buf)] = true
			out = append(out, y)
		}
	}
	return out
}

func (c *compiler) describeEnv(y []int) string {
	parts := make([]string, len(y))
	for i, v := range y {
		comp := c.model.Env.Components[i]
		s := fmt.Sprint(v)
		if comp.States != nil {
			s = comp.States[v]
		}
		parts[i] = comp.Name + " = " + s
	}
	return strings.Join(parts, ", ")
}

// substitute rebuilds root with count i set to v and the environment set to y (if not nil),
// folding as it goes.
func (c *compiler) substitute(root ir.NodeID, i int, v float64, y []int) ir.NodeID {
	g := c.g
	memo := map[ir.NodeID]ir.NodeID{}
	var sub func(id ir.NodeID) ir.NodeID
	sub = func(id ir.NodeID) ir.NodeID {
		if r, ok := memo[id]; ok {
			return r
		}
		n := *g.Node(id)
		var r ir.NodeID
		switch {
		case n.Op == ir.OpCount && int(n.Aux) == i:
			r = g.Const(v)
		case n.Op == ir.OpEnvVal && y != nil:
			r = g.Const(float64(y[n.Aux]))
		case n.Op == ir.OpEnvIs && y != nil:
			r = g.BoolConst(float64(y[n.Aux]) == n.Val)
		case n.Op.IsLeaf():
			r = id
		case g.Dep(id)&(ir.DepCount|ir.DepEnv) == 0:
			r = id
		default:
			args := make([]ir.NodeID, len(n.Args))
			for k, a := range n.Args {
				args[k] = sub(a)
			}
			r = rebuild(g, &n, args)
		}
		memo[id] = r
		return r
	}
	return sub(root)
}

// rebuild creates a node like n over new operands through the folding builders, with the
// static check's rule 0/e = 0 (docs/language.md §6.5).
func rebuild(g *ir.Graph, n *ir.Node, a []ir.NodeID) ir.NodeID {
	if n.Op == ir.OpDiv && g.IsZero(a[0]) {
		return a[0] // the §6.5 rule 0/e = 0; where e is also 0, run time reports E802
	}
	return g.Rebuild(n, a)
}

// names returns the printable names of the graph's leaves.
func (c *compiler) names() *ir.Names {
	if c.nameTable == nil {
		c.nameTable = c.model.Names()
	}
	return c.nameTable
}

// zeroAtValues reports whether r, which reads no count, density, time or environment, is 0
// at the parameters and scale of this compile: 'when S > N/2' at S = 0 is 0 > N/2, false
// for the positive scale, though the graph cannot fold it.
func (c *compiler) zeroAtValues(r ir.NodeID) bool {
	if c.g.Dep(r)&(ir.DepCount|ir.DepDensity|ir.DepTime|ir.DepEnv) != 0 {
		return false
	}
	in := &ir.Inputs{Params: c.model.ParamValues}
	if c.model.Scale != nil {
		in.Scale = c.model.Scale.Value
	} else if c.g.Dep(r)&ir.DepScale != 0 {
		return false
	}
	t := c.g.Compile([]ir.NodeID{r})
	vals := make([]float64, t.Len())
	t.Eval(vals, in)
	return t.Output(vals, 0) == 0
}

// maxCountsChecked bounds the counts below a reactant's coefficient at which nonNegative
// evaluates a propensity, at each end of the range.
const maxCountsChecked = 256
