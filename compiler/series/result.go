package series

import (
	"fmt"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
)

// perfectHorizon is the last index (beyond β₂'s index 1) whose coefficient is examined for
// the perfect flag when a series has infinitely many possibly non-zero terms; a series
// that is a polynomial in h is examined up to its last term.
const perfectHorizon = 4

// Propensity is the N-expansion of one propensity: a = N·(β₀ + β₁/N + β₂/N² + …).
type Propensity struct {
	// Density holds the order p of E(a) (Infinite if a is structurally zero), β₀…β₂ (β_k is
	// the coefficient of h^{k−1}), and the flags: Perfect (every β_k, k ≥ 1, that was
	// examined is structurally zero) and Smooth (no condition or floor/ceil argument in β₀
	// depends on a density).
	ir.Density
	// Rough is the node of β₀ that makes it non-smooth (a Select, or a floor or ceil), or
	// ir.None. Its position is that of the construct it came from, e.g. the ind(...).
	Rough ir.NodeID
}

// Propensity expands the count-form propensity node. label names the transition and pos
// is the propensity's position, both for E602. The diagnostic is E602 (the propensity
// grows faster than N at fixed density) or E603 (a rule failed, positioned at the
// innermost failing node); on a diagnostic the result is nil. An order p ≥ 0 means β₀ ≡ 0:
// the caller reports W601 or E604, and W602 when Smooth is false (see NonSmooth).
func (e *Expander) Propensity(node ir.NodeID, label string, pos diag.Pos) (*Propensity, *diag.Diagnostic) {
	saved := e.g.At
	defer func() { e.g.At = saved }()
	s, err := e.expand(node)
	if err != nil {
		return nil, err
	}
	p, lead, ok := e.lead(s)
	if !ok {
		p = Infinite
	}
	if p < -1 {
		return nil, e.tooFast(node, label, pos, p, lead)
	}
	r := &Propensity{Density: ir.Density{Order: p}}
	for k := range r.Beta {
		r.Beta[k] = e.coef(s, k-1)
	}
	r.Perfect = true
	last := perfectHorizon
	if s.hi < unbounded {
		last = s.hi
	}
	for k := 0; k <= last; k++ {
		if !e.g.IsZero(e.coef(s, k)) {
			r.Perfect = false
			break
		}
	}
	r.Rough = e.Rough(r.Beta[0])
	r.Smooth = r.Rough == ir.None
	return r, nil
}

// tooFast builds E602 for a propensity of order p < −1 with leading coefficient lead.
func (e *Expander) tooFast(node ir.NodeID, label string, pos diag.Pos, p int, lead ir.NodeID) *diag.Diagnostic {
	term := e.str(lead)
	switch e.g.Node(lead).Op {
	case ir.OpAdd, ir.OpSelect:
		term = "(" + term + ")"
	}
	// The hint divides the rate as written (without its guard) by N^(−p−1).
	rate := node
	if n := e.g.Node(node); n.Op == ir.OpSelect && e.g.IsZero(n.Args[2]) {
		rate = n.Args[1]
	}
	return diag.Errorf(pos, "E602", "divide by "+e.growth(-p-1)+": "+e.over(rate, -p-1),
		"propensity of '%s' grows like %s at fixed density (leading term %s*%s)",
		label, e.growth(-p), term, e.growth(-p))
}

// Observable expands the count-form observable node: its order p (−1 for a count, 0 for a
// density) and the coefficients of h^p, h^(p+1), h^(p+2). A structurally zero observable
// has order 0 and zero coefficients. The diagnostic is E603 when a rule fails.
func (e *Expander) Observable(node ir.NodeID) (ir.Series, *diag.Diagnostic) {
	saved := e.g.At
	defer func() { e.g.At = saved }()
	s, err := e.expand(node)
	if err != nil {
		return ir.Series{}, err
	}
	p, _, ok := e.lead(s)
	if !ok {
		p = 0
	}
	out := ir.Series{Order: p}
	for i := range out.Coef {
		out.Coef[i] = e.coef(s, p+i)
	}
	return out, nil
}

// ExpandPropensity expands one propensity with a fresh Expander. To expand a whole model,
// share one Expander (New) so that common subexpressions are expanded once.
func ExpandPropensity(g *ir.Graph, names *ir.Names, node ir.NodeID, label string, pos diag.Pos) (*Propensity, *diag.Diagnostic) {
	return New(g, names).Propensity(node, label, pos)
}

// ExpandObservable expands one observable with a fresh Expander.
func ExpandObservable(g *ir.Graph, names *ir.Names, node ir.NodeID) (ir.Series, *diag.Diagnostic) {
	return New(g, names).Observable(node)
}

// NonSmooth builds W602 for a transition whose β₀ is not smooth; rough is
// Propensity.Rough, which names the construct ("ind", "if", "floor", "ceil") and its
// position in the message. guard is the position of the transition's 'when' condition
// (zero without one): the Select that folds the guard into the propensity is built there,
// so a rough node at that position is the guard, named as such (docs/language.md §6.3).
func NonSmooth(g *ir.Graph, label string, pos diag.Pos, rough ir.NodeID, guard diag.Pos) *diag.Diagnostic {
	what := "if"
	n := g.Node(rough)
	switch {
	case guard.Line > 0 && n.Op == ir.OpSelect && g.Pos(rough) == guard:
		what = "its guard 'when'"
	case n.Op == ir.OpFn:
		what = ir.Fn(n.Aux).String()
	case n.Op == ir.OpSelect && isConst(g, n.Args[1], 1) && isConst(g, n.Args[2], 0):
		what = "ind"
	}
	return diag.Warnf(pos, "W602", "use a smooth rate if the refinements matter; the mean field and the exact tools are unaffected",
		"β₀ of '%s' is not smooth in the densities (%s at %s); refinements assume C² rates",
		label, what, g.Pos(rough).Short())
}

// NoDrift builds W601 for a transition with β₀ ≡ 0 (order p ≥ 0).
func NoDrift(label string, pos diag.Pos) *diag.Diagnostic {
	return diag.Warnf(pos, "W601", "multiply the propensity by the scale if it should act in the mean-field ODE",
		"'%s' has β₀ ≡ 0 and does not affect the mean-field ODE", label)
}

func isConst(g *ir.Graph, id ir.NodeID, v float64) bool {
	c, ok := g.IsConst(id)
	return ok && c == v
}

// String renders the expansion for reports: order, β₀…β₂ and flags.
func (p *Propensity) String(g *ir.Graph, names *ir.Names) string {
	return fmt.Sprintf("order %d, β0 = %s, β1 = %s, β2 = %s, perfect=%v smooth=%v", p.Order,
		g.String(p.Beta[0], names), g.String(p.Beta[1], names), g.String(p.Beta[2], names), p.Perfect, p.Smooth)
}
