package series

import (
	"fmt"
	"math"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/stdlib"
)

// deriv builds the Taylor coefficient f^{(j)}(a0)/j! of a function f at the constant
// term a0, as a node.
type deriv func(a0 ir.NodeID, j int) ir.NodeID

// taylor returns f(a) = Σ_j f^{(j)}(a₀) δ^j / j!, with a = a₀ + δ. The caller has checked
// that a has order ≥ 0 (lead raised a.lo to at least 0).
func (e *Expander) taylor(pos diag.Pos, a *ser, f deriv) *ser {
	a0 := e.coef(a, 0)
	var ts []ir.NodeID // f^{(j)}(a₀)/j!, built on demand
	t := func(j int) ir.NodeID {
		for len(ts) <= j {
			ts = append(ts, ir.None)
		}
		if ts[j] == ir.None {
			ts[j] = f(a0, j)
		}
		return ts[j]
	}
	if a.hi < 1 {
		return e.leaf(t(0), 0)
	}
	d := &ser{lo: max(a.lo, 1), hi: a.hi, pos: pos, gen: func(k int) ir.NodeID { return e.coef(a, k) }}
	pw := []*ser{nil, d} // pw[j] = δ^j
	var buf []ir.NodeID
	s := &ser{lo: 0, hi: unbounded, pos: pos}
	s.gen = func(k int) ir.NodeID {
		if k == 0 {
			return t(0)
		}
		buf = buf[:0]
		for j := 1; j <= k; j++ {
			for len(pw) <= j {
				pw = append(pw, e.mul(pos, pw[len(pw)-1], d))
			}
			if pw[j].lo > k {
				break
			}
			if c := e.coef(pw[j], k); !e.g.IsZero(c) {
				buf = append(buf, e.g.Mul(t(j), c))
			}
		}
		return e.sum(buf)
	}
	return s
}

// derivOf returns the Taylor coefficient builder of the smooth built-in f from the
// symbolic rule of its table entry; params are the parameter arguments of the call (the
// k of poisson_*).
func (e *Expander) derivOf(f ir.Fn, params []ir.NodeID) deriv {
	rule := f.Builtin().Taylor
	var terms []stdlib.Term
	return func(a0 ir.NodeID, j int) ir.NodeID {
		terms = rule(terms[:0], j)
		buf := make([]ir.NodeID, len(terms))
		for i, t := range terms {
			buf[i] = e.term(t, params, a0)
		}
		return e.sum(buf)
	}
}

// term builds Coef · F(p₀ − Shift, …, a₀)^FnPow · a₀^ArgPow (see stdlib.Term).
func (e *Expander) term(t stdlib.Term, params []ir.NodeID, a0 ir.NodeID) ir.NodeID {
	g := e.g
	num := []ir.NodeID{g.Const(t.Coef)}
	if t.FnPow != 0 {
		args := append(append([]ir.NodeID(nil), params...), a0)
		if t.Shift != 0 {
			args[0] = g.Add(args[0], g.Const(-t.Shift))
		}
		num = append(num, g.Pow(g.Call(t.Fn, args...), g.Const(float64(t.FnPow))))
	}
	n := g.Mul(num...)
	switch {
	case t.ArgPow < 0:
		return g.Div(n, g.Pow(a0, g.Const(float64(-t.ArgPow))))
	case t.ArgPow > 0:
		return g.Mul(n, g.Pow(a0, g.Const(float64(t.ArgPow))))
	}
	return n
}

// powDeriv is the binomial-series coefficient builder of a ↦ a^b for b free of N:
// C(b, j)·a0^(b−j), with C(b, j) = b(b−1)…(b−j+1)/j!.
func (e *Expander) powDeriv(b ir.NodeID) deriv {
	g := e.g
	return func(a0 ir.NodeID, j int) ir.NodeID {
		ff := []ir.NodeID{g.Const(1 / stdlib.Factorial(j)), g.Pow(a0, g.Add(b, g.Const(-float64(j))))}
		for i := 0; i < j; i++ {
			ff = append(ff, g.Add(b, g.Const(-float64(i))))
		}
		return g.Mul(ff...)
	}
}

// buildFn expands a call of a smooth or step built-in in its last argument; the
// parameter arguments before it must be free of N.
func (e *Expander) buildFn(id ir.NodeID, pos diag.Pos, f ir.Fn, args []ir.NodeID) (*ser, *diag.Diagnostic) {
	b := f.Builtin()
	params, arg := args[:b.Params], args[b.Params]
	for i, p := range params {
		if e.g.Dep(p)&nFree != 0 {
			k, m := b.Args[i].Name, b.Args[b.Params].Name
			return nil, e.fail(id, "its "+k+" depends on N",
				k+" must be free of N (parameters, environment, t); only "+m+" may depend on the counts")
		}
	}
	a, err := e.expand(arg)
	if err != nil {
		return nil, err
	}
	p, _, ok := e.lead(a)
	if ok && p < 0 {
		return nil, e.fail(id, "its argument grows like "+e.growth(-p),
			"apply it to a density: "+e.callText(f, args, arg, -p))
	}
	switch {
	case b.Kind == stdlib.Step:
		e.g.At = pos
		return e.leaf(e.g.Call(f, append(params[:len(params):len(params)], e.coef(a, 0))...), 0), nil
	case b.SingularAtZero && (!ok || p > 0):
		return nil, e.fail(id, "its argument "+e.vanish(p, ok),
			f.String()+" of a vanishing argument is not a power of 1/"+e.scaleName()+"; its argument needs a non-zero limit at fixed density")
	}
	e.g.At = pos
	return e.taylor(pos, a, e.derivOf(f, params)), nil
}

// buildPow expands a ^ b.
func (e *Expander) buildPow(id ir.NodeID, pos diag.Pos, a, b ir.NodeID) (*ser, *diag.Diagnostic) {
	sa, err := e.expand(a)
	if err != nil {
		return nil, err
	}
	g := e.g
	if bv, ok := g.IsConst(b); ok && bv == math.Trunc(bv) && math.Abs(bv) <= 1<<16 {
		s, ok := e.powInt(pos, sa, int(bv))
		if !ok {
			return nil, e.fail(id, "its base is structurally zero and the exponent is negative",
				"the base needs a non-zero leading term at fixed density")
		}
		return s, nil
	}
	p, _, ok := e.lead(sa)
	if g.Dep(b)&nFree == 0 {
		if !ok || p != 0 {
			hint := "raise a quantity with a non-zero limit at fixed density"
			if ok && p < 0 {
				hint = "raise a density instead: (" + e.over(a, -p) + ")^" + e.str(b)
			}
			return nil, e.fail(id, "its base "+e.vanish(p, ok), hint)
		}
		g.At = pos
		return e.taylor(pos, sa, e.powDeriv(b)), nil
	}
	// b depends on N: a^b = exp(b·log a).
	if !ok || p != 0 {
		return nil, e.fail(id, "its exponent depends on N and its base "+e.vanish(p, ok),
			"with an exponent that depends on N, the base needs a non-zero limit at fixed density")
	}
	sb, err := e.expand(b)
	if err != nil {
		return nil, err
	}
	g.At = pos
	prod := e.mul(pos, sb, e.taylor(pos, sa, e.derivOf(stdlib.FnLog, nil)))
	if q, _, ok := e.lead(prod); ok && q < 0 {
		return nil, e.fail(id, "its exponent times the log of its base grows like "+e.growth(-q),
			"keep the exponent of order 1 at fixed density, e.g. use a density")
	}
	g.At = pos
	return e.taylor(pos, prod, e.derivOf(stdlib.FnExp, nil)), nil
}

// fail builds E603 at node id.
func (e *Expander) fail(id ir.NodeID, why, hint string) *diag.Diagnostic {
	return diag.Errorf(e.g.Pos(id), "E603", hint, "%s has no expansion in powers of 1/%s: %s",
		e.str(id), e.scaleName(), why)
}

func (e *Expander) str(id ir.NodeID) string { return e.g.String(id, e.names) }

func (e *Expander) scaleName() string {
	if e.names != nil && e.names.Scale != "" {
		return e.names.Scale
	}
	return "N"
}

// growth renders N^m ("N" for m = 1).
func (e *Expander) growth(m int) string {
	if m == 1 {
		return e.scaleName()
	}
	return fmt.Sprintf("%s^%d", e.scaleName(), m)
}

// vanish describes a base or argument of order p ≠ 0 (ok false: structurally zero).
func (e *Expander) vanish(p int, ok bool) string {
	switch {
	case !ok:
		return "is structurally zero"
	case p < 0:
		return "grows like " + e.growth(-p)
	}
	return "vanishes like 1/" + e.growth(p)
}

// over renders id/N^m, with parentheses where the operator needs them.
func (e *Expander) over(id ir.NodeID, m int) string {
	s := e.str(id)
	switch e.g.Node(id).Op {
	case ir.OpAdd, ir.OpNeg, ir.OpSelect, ir.OpCmp, ir.OpAnd, ir.OpOr, ir.OpNot:
		s = "(" + s + ")"
	}
	return s + "/" + e.growth(m)
}

// callText renders f(args) with the argument arg divided by N^m.
func (e *Expander) callText(f ir.Fn, args []ir.NodeID, arg ir.NodeID, m int) string {
	s := f.String() + "("
	for i, a := range args {
		if i > 0 {
			s += ", "
		}
		if a == arg {
			s += e.over(a, m)
		} else {
			s += e.str(a)
		}
	}
	return s + ")"
}
