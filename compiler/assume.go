package compiler

import (
	"fmt"
	"math"
	"strconv"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang"
	"github.com/mfcproject/mfc/lang/diag"
)

// assumeDecl is a checked 'assume LABEL: stationary(w) <= c' (docs/language.md §5.7).
type assumeDecl struct {
	label string
	pos   diag.Pos // 'assume'
	w, c  *expr
}

// assumeDecl checks an assumption: w a number that reads no 't' and no scale, c a number that
// reads literals and parameters only (E708), and a label used once (E204). Without a label
// the k-th assumption is called assume<k>.
func (c *compiler) assumeDecl(d *lang.AssumeDecl) {
	a := &assumeDecl{pos: c.at(d.Pos), w: c.convExpr(d.W), c: c.convExpr(d.C)}
	a.label = "assume" + strconv.Itoa(len(c.assumes)+1)
	at := a.pos
	if d.Label != nil {
		a.label, at = d.Label.Name, c.at(d.Label.Pos)
	}
	if p, dup := c.assumeLabels[a.label]; dup {
		c.errorf(at, "E204", "give each assumption its own label", "assumption label '%s' is already used (%s)", a.label, p.Short())
	} else {
		c.assumeLabels[a.label] = at
	}
	c.checkWant(a.w, nil, false, numT)
	c.checkWant(a.c, nil, false, numT)
	c.assumeUses(a.w, a.label, false)
	c.assumeUses(a.c, a.label, true)
	c.assumes = append(c.assumes, a)
}

// assumeUses reports E708 at each reference of e that makes it unfit for its place in the
// assumption called label: 't' or the scale in the function w; besides those, the state (species,
// aliases, environment components) and drift in the bound c (bound true). A reference to a
// let, observable or region is reported when its definition uses such a name, "through" it.
func (c *compiler) assumeUses(e *expr, label string, bound bool) {
	seen := map[*symbol]string{}
	e.walk(func(x *expr) {
		bad := c.assumeBad(x, bound, seen)
		if bad == "" {
			return
		}
		if x.kind == eRef && x.sym != nil && (x.sym.kind == symLet || x.sym.kind == symObservable || x.sym.kind == symRegion) {
			bad += " (through '" + x.sym.name + "')"
		}
		if bound {
			c.errorf(c.at(x.pos), "E708", "the bound c of stationary(w) <= c uses literals and parameters only",
				"the bound of '%s' must be a parameter expression; it uses %s", label, bad)
			return
		}
		c.errorf(c.at(x.pos), "E708", "w is a function of the state: counts, environment values and parameters, without t or the scale",
			"the function of '%s' must be a state expression; it uses %s", label, bad)
	})
}

// assumeBad returns what the node x (not its operands) uses that assumeUses refuses, or "".
// Lets are looked into once each (seen).
func (c *compiler) assumeBad(x *expr, bound bool, seen map[*symbol]string) string {
	switch {
	case x.kind == eCall && x.name == "drift" && bound:
		return "drift(...), which reads the state"
	case x.kind != eRef || x.bind || x.isSt:
		return ""
	case x.sym == nil && x.name == "t":
		return "the time 't'"
	case x.sym == nil:
		return ""
	}
	s := x.sym
	switch s.kind {
	case symScale:
		return fmt.Sprintf("the scale '%s'", s.name)
	case symSpecies, symAlias, symEnv:
		if bound {
			return fmt.Sprintf("the %s '%s'", s.kind, s.name)
		}
	case symLet, symObservable, symRegion:
		if bad, ok := seen[s]; ok {
			return bad
		}
		seen[s] = ""
		bad := ""
		s.value.walk(func(y *expr) {
			if bad == "" {
				bad = c.assumeBad(y, bound, seen)
			}
		})
		seen[s] = bad
		return bad
	}
	return ""
}

// assumptions lowers the assumptions (after the transitions: w may use drift).
func (c *compiler) assumptions() {
	for _, a := range c.assumes {
		c.context = letContext{"assumption", a.label}
		w, bound := c.lower(a.w, nil), c.lower(a.c, nil)
		c.model.Assumptions = append(c.model.Assumptions, ir.Assumption{Label: a.label, W: w, C: bound, Pos: a.pos})
	}
	c.context = letContext{}
}

// maxDriftMoves bounds the environment moves that one drift(e) expands (each is a copy of e
// with the environment fixed): beyond it, drift is refused (E305).
const maxDriftMoves = 10_000

// lowerDrift builds drift(e) = Σ_j a_j(n, y)·(e(n + ℓ_j, u_j(y)) − e(n, y)) (docs/language.md
// §6.11): the node of e with the counts shifted by each jump ℓ (ir.Graph.ShiftCounts) and,
// for a transition that changes the environment, the environment fixed to u_j(y) in each
// environment state y that it leaves (ir.Graph.FixEnv, selected by a test of y), weighted by
// the propensity. Transitions with the same jump and no environment update share
// e(n + ℓ) − e(n), their propensities added first. In discrete time this is (P − I)e, the
// implicit self-loop adding 0. The transitions must be known: drift is refused (E305) in a
// transition, a guard or the initial state. Cost: O(|e|) nodes per distinct jump and per
// environment move.
func (c *compiler) lowerDrift(e *expr, b *bindings) ir.NodeID {
	g := c.g
	at := c.at(e.pos)
	if !c.transDone {
		c.errorf(at, "E305", "use drift in a let, observable, region, measure or assumption that no transition, guard or init reads",
			"drift(...) needs the model's transitions; it cannot be used in %s", c.driftContext())
		return g.Const(math.NaN())
	}
	moves := 0
	for _, t := range c.model.Transitions {
		if t.Update != nil {
			moves += len(t.Moves)
		}
	}
	if moves > maxDriftMoves {
		c.errorf(at, "E305", fmt.Sprintf("drift copies its argument once per environment move; the limit is %d", maxDriftMoves),
			"drift(...) of a model with %d environment moves is not supported", moves)
		return g.Const(math.NaN())
	}
	v := c.lower1(e.args[0], b)
	g.At = at
	if !c.chargeDrift(e, v, moves) {
		return g.Const(math.NaN())
	}
	type group struct {
		jump  []ir.Jump
		props []ir.NodeID
	}
	var groups []*group
	byJump := map[string]*group{}
	var terms []ir.NodeID
	for _, t := range c.model.Transitions {
		if t.Update != nil {
			if d := c.envDrift(t, v); !g.IsZero(d) {
				terms = append(terms, g.Mul(t.Propensity, d))
			}
			continue
		}
		if len(t.Jump) == 0 {
			continue // no count changes, no environment update: e(x + 0) − e(x) = 0
		}
		key := fmt.Sprint(t.Jump)
		gr := byJump[key]
		if gr == nil {
			gr = &group{jump: t.Jump}
			byJump[key] = gr
			groups = append(groups, gr)
		}
		gr.props = append(gr.props, t.Propensity)
	}
	for _, gr := range groups {
		diff := g.Sub(g.ShiftCounts(v, gr.jump), v)
		if g.IsZero(diff) {
			continue
		}
		terms = append(terms, g.Mul(g.Add(gr.props...), diff))
	}
	return g.Add(terms...)
}

// chargeDrift counts the nodes that drift(e) may copy — the nodes of e that read a count or
// the environment, once per distinct jump and once per environment move — against a budget
// of 4 × Options.MaxElements for the whole model, so that nested drifts of a large model
// cannot exhaust memory: beyond it, E406. It reports whether the drift may be built.
func (c *compiler) chargeDrift(e *expr, v ir.NodeID, moves int) bool {
	g := c.g
	size := 0
	seen := map[ir.NodeID]bool{}
	var walk func(id ir.NodeID)
	walk = func(id ir.NodeID) {
		if seen[id] || g.Dep(id)&(ir.DepCount|ir.DepEnv) == 0 {
			return
		}
		seen[id] = true
		size++
		for _, a := range g.Node(id).Args {
			walk(a)
		}
	}
	walk(v)
	jumps := map[string]bool{}
	for _, t := range c.model.Transitions {
		if t.Update == nil && len(t.Jump) > 0 {
			jumps[fmt.Sprint(t.Jump)] = true
		}
	}
	c.driftCost += size * (len(jumps) + moves)
	if limit := 4 * c.opts.maxElements(); c.driftCost > limit {
		c.errorf(c.at(e.pos), "E406", fmt.Sprintf("simplify the argument, or nest fewer drifts (the limit is %d copied nodes, 4 × Options.MaxElements)", limit),
			"drift(...) would copy more than %d nodes", limit)
		return false
	}
	return true
}

// envDrift returns e(n + ℓ, u(y)) − e(n, y) for the transition t, which has an environment
// update u: a chain of Selects on the environment state y over the moves of t that change
// it, and e(n + ℓ, y) in the others (where the environment stays, or where the guard is
// false and the propensity 0).
func (c *compiler) envDrift(t ir.Transition, v ir.NodeID) ir.NodeID {
	g := c.g
	shifted := g.ShiftCounts(v, t.Jump)
	out := shifted
	space := c.model.Env.Space
	for i := len(t.Moves) - 1; i >= 0; i-- {
		mv := t.Moves[i]
		if mv.To == mv.From {
			continue
		}
		after := g.FixEnv(shifted, space[mv.To])
		if after == out {
			continue
		}
		conds := make([]ir.NodeID, len(space[mv.From]))
		for k, val := range space[mv.From] {
			conds[k] = g.Compare(ir.CmpEq, g.EnvVal(k), g.Const(float64(val)))
		}
		out = g.Select(g.And(conds...), after, out)
	}
	return g.Sub(out, v)
}

// driftContext names where a drift was met before the transitions were built.
func (c *compiler) driftContext() string {
	if c.context.kind == "transition" {
		return "transition '" + c.context.name + "'"
	}
	return "a transition, a guard or the initial state"
}
