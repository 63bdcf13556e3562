package series

import (
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/stdlib"
)

// Cond returns the leading form of the condition id (docs/language.md §6.8): a comparison a ⋈ b becomes
// lead(E(a − b)) ⋈ 0, And/Or/Not/Select map through, and conditions free of N are
// unchanged. For example S < N/2 becomes x_S < 0.5 and S >= 1 becomes x_S >= 0.
func (e *Expander) Cond(id ir.NodeID) (ir.NodeID, *diag.Diagnostic) {
	saved := e.g.At
	defer func() { e.g.At = saved }()
	return e.cond(id)
}

func (e *Expander) cond(id ir.NodeID) (ir.NodeID, *diag.Diagnostic) {
	if m, ok := e.conds[id]; ok {
		return m.c, m.err
	}
	c, err := e.buildCond(id)
	e.conds[id] = condEntry{c, err}
	return c, err
}

func (e *Expander) buildCond(id ir.NodeID) (ir.NodeID, *diag.Diagnostic) {
	g := e.g
	if g.Dep(id)&nFree == 0 {
		return id, nil
	}
	n := g.Node(id)
	pos := g.Pos(id)
	switch n.Op {
	case ir.OpCmp:
		a, b := n.Args[0], n.Args[1]
		op := ir.Cmp(n.Aux)
		if g.Node(a).Type == ir.Bool {
			ca, err := e.cond(a)
			if err != nil {
				return ir.None, err
			}
			cb, err := e.cond(b)
			if err != nil {
				return ir.None, err
			}
			g.At = pos
			return g.Compare(op, ca, cb), nil
		}
		sa, sb, err := e.expand2(a, b)
		if err != nil {
			return ir.None, err
		}
		d := e.add(pos, sa, e.neg(pos, sb))
		_, l, _ := e.lead(d) // l is 0 if every coefficient is structurally zero
		g.At = pos
		return e.compareZero(op, l), nil
	case ir.OpAnd, ir.OpOr:
		cs := make([]ir.NodeID, len(n.Args))
		for i, a := range n.Args {
			c, err := e.cond(a)
			if err != nil {
				return ir.None, err
			}
			cs[i] = c
		}
		g.At = pos
		if n.Op == ir.OpAnd {
			return g.And(cs...), nil
		}
		return g.Or(cs...), nil
	case ir.OpNot:
		c, err := e.cond(n.Args[0])
		if err != nil {
			return ir.None, err
		}
		g.At = pos
		return g.Not(c), nil
	case ir.OpSelect:
		if n.Type == ir.Bool {
			var cs [3]ir.NodeID
			for i, a := range n.Args {
				c, err := e.cond(a)
				if err != nil {
					return ir.None, err
				}
				cs[i] = c
			}
			g.At = pos
			return g.Select(cs[0], cs[1], cs[2]), nil
		}
	}
	// A number used as a condition holds where it is not zero.
	s, err := e.expand(id)
	if err != nil {
		return ir.None, err
	}
	_, l, _ := e.lead(s)
	g.At = pos
	return g.Compare(ir.CmpNe, l, e.zero), nil
}

// compareZero builds l ⋈ 0, moving a constant term of l to the right-hand side
// (x − 0.5 < 0 becomes x < 0.5).
func (e *Expander) compareZero(op ir.Cmp, l ir.NodeID) ir.NodeID {
	g := e.g
	n := g.Node(l)
	if n.Op == ir.OpAdd {
		var rest []ir.NodeID
		c := 0.0
		for _, a := range n.Args {
			if v, ok := g.IsConst(a); ok {
				c += v
			} else {
				rest = append(rest, a)
			}
		}
		if c != 0 {
			return g.Compare(op, g.Add(rest...), g.Const(-c))
		}
	}
	return g.Compare(op, l, e.zero)
}

// Rough returns a node of the subgraph of id that makes it non-smooth in the densities: a
// Select whose condition, or a floor or ceil whose argument, depends on a density leaf.
// It returns ir.None if there is none.
func (e *Expander) Rough(id ir.NodeID) ir.NodeID {
	if r, ok := e.rough[id]; ok {
		return r
	}
	g := e.g
	r := ir.None
	n := g.Node(id)
	switch {
	case g.Dep(id)&ir.DepDensity == 0:
	case n.Op == ir.OpSelect && g.Dep(n.Args[0])&ir.DepDensity != 0:
		r = id
	case n.Op == ir.OpFn && ir.Fn(n.Aux).Builtin().Kind == stdlib.Step:
		r = id
	default:
		for _, a := range n.Args {
			if r = e.Rough(a); r != ir.None {
				break
			}
		}
	}
	e.rough[id] = r
	return r
}
