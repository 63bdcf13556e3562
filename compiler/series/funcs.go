package series

import (
	"fmt"
	"math"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
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
		switch len(buf) {
		case 0:
			return e.zero
		case 1:
			return buf[0]
		}
		return e.g.Add(buf...)
	}
	return s
}

func factorial(j int) float64 {
	f := 1.0
	for i := 2; i <= j; i++ {
		f *= float64(i)
	}
	return f
}

// binomial returns C(r, j) = r(r−1)…(r−j+1)/j! for a real r.
func binomial(r float64, j int) float64 {
	c := 1.0
	for i := 0; i < j; i++ {
		c *= (r - float64(i)) / float64(i+1)
	}
	return c
}

func sign(j int) float64 { return 1 - 2*float64(j&1) } // (−1)^j

// derivOf returns the Taylor coefficient builder of a unary smooth built-in.
func (e *Expander) derivOf(f ir.Fn) deriv {
	g := e.g
	over := func(num, a0 ir.NodeID, j int) ir.NodeID { // num / a0^j
		return g.Div(num, g.Pow(a0, g.Const(float64(j))))
	}
	switch f {
	case ir.FnExp:
		return func(a0 ir.NodeID, j int) ir.NodeID {
			return g.Mul(g.Const(1/factorial(j)), g.Call(ir.FnExp, a0))
		}
	case ir.FnLog:
		return func(a0 ir.NodeID, j int) ir.NodeID {
			if j == 0 {
				return g.Call(ir.FnLog, a0)
			}
			return over(g.Const(-sign(j)/float64(j)), a0, j) // (−1)^{j−1} / (j a0^j)
		}
	case ir.FnSqrt:
		return func(a0 ir.NodeID, j int) ir.NodeID { // C(1/2, j) sqrt(a0) / a0^j
			return over(g.Mul(g.Const(binomial(0.5, j)), g.Call(ir.FnSqrt, a0)), a0, j)
		}
	case ir.FnSin, ir.FnCos:
		shift := 0
		if f == ir.FnCos {
			shift = 1
		}
		return func(a0 ir.NodeID, j int) ir.NodeID {
			// The derivatives of sin cycle through sin, cos, −sin, −cos.
			c := 1 / factorial(j)
			fn := ir.FnSin
			switch (j + shift) % 4 {
			case 1:
				fn = ir.FnCos
			case 2:
				c = -c
			case 3:
				fn, c = ir.FnCos, -c
			}
			return g.Mul(g.Const(c), g.Call(fn, a0))
		}
	case ir.FnTan, ir.FnTanh:
		sg := 1.0 // tan' = 1 + tan², tanh' = 1 − tanh²
		if f == ir.FnTanh {
			sg = -1
		}
		return func(a0 ir.NodeID, j int) ir.NodeID {
			return e.polyNode(tanPoly(j, sg), 1/factorial(j), g.Call(f, a0))
		}
	}
	panic(fmt.Sprintf("series: no derivative rule for %v", f))
}

// tanPoly returns the coefficients (by power of t) of the polynomial P_j with
// f^{(j)} = P_j(f) for f' = 1 + sg·f²: P_0 = t, P_{j+1} = P_j'(t)·(1 + sg·t²).
func tanPoly(j int, sg float64) []float64 {
	p := []float64{0, 1}
	for ; j > 0; j-- {
		q := make([]float64, len(p)+1)
		for i := 1; i < len(p); i++ {
			d := float64(i) * p[i] // coefficient of t^{i-1} in P'
			q[i-1] += d
			q[i+1] += sg * d
		}
		p = q
	}
	return p
}

// polyNode builds Σ_i scale·c[i] t^i.
func (e *Expander) polyNode(c []float64, scale float64, t ir.NodeID) ir.NodeID {
	var terms []ir.NodeID
	for i, ci := range c {
		if ci != 0 {
			terms = append(terms, e.g.Mul(e.g.Const(scale*ci), e.g.Pow(t, e.g.Const(float64(i)))))
		}
	}
	if len(terms) == 0 {
		return e.zero
	}
	return e.g.Add(terms...)
}

// powDeriv is the binomial-series coefficient builder of a ↦ a^b for b free of N:
// C(b, j)·a0^(b−j), with C(b, j) = b(b−1)…(b−j+1)/j!.
func (e *Expander) powDeriv(b ir.NodeID) deriv {
	g := e.g
	return func(a0 ir.NodeID, j int) ir.NodeID {
		ff := []ir.NodeID{g.Const(1 / factorial(j)), g.Pow(a0, g.Add(b, g.Const(-float64(j))))}
		for i := 0; i < j; i++ {
			ff = append(ff, g.Add(b, g.Const(-float64(i))))
		}
		return g.Mul(ff...)
	}
}

// poissonDeriv is the Taylor coefficient builder in m of poisson_pmf(k, m) or
// poisson_cdf(k, m): d/dm pmf(k, m) = pmf(k−1, m) − pmf(k, m), so the j-th derivative of
// the pmf is Σ_i C(j, i) (−1)^{j−i} pmf(k−i, m); d/dm cdf(k, m) = −pmf(k, m).
func (e *Expander) poissonDeriv(f ir.Fn, k ir.NodeID) deriv {
	g := e.g
	pmfDeriv := func(m0 ir.NodeID, j int, scale float64) ir.NodeID {
		terms := make([]ir.NodeID, 0, j+1)
		for i := 0; i <= j; i++ {
			c := scale * binomial(float64(j), i) * sign(j-i)
			terms = append(terms, g.Mul(g.Const(c), g.Call(ir.FnPoissonPMF, g.Add(k, g.Const(-float64(i))), m0)))
		}
		return g.Add(terms...)
	}
	if f == ir.FnPoissonPMF {
		return func(m0 ir.NodeID, j int) ir.NodeID { return pmfDeriv(m0, j, 1/factorial(j)) }
	}
	return func(m0 ir.NodeID, j int) ir.NodeID {
		if j == 0 {
			return g.Call(ir.FnPoissonCDF, k, m0)
		}
		return pmfDeriv(m0, j-1, -1/factorial(j))
	}
}

// buildFn expands a built-in function call.
func (e *Expander) buildFn(id ir.NodeID, pos diag.Pos, f ir.Fn, args []ir.NodeID) (*ser, *diag.Diagnostic) {
	arg := args[0]
	var fd deriv
	if f == ir.FnPoissonPMF || f == ir.FnPoissonCDF {
		if e.g.Dep(args[0])&nFree != 0 {
			return nil, e.fail(id, "its k depends on N", "k must be free of N (parameters, environment, t); only m may depend on the counts")
		}
		arg = args[1]
		fd = e.poissonDeriv(f, args[0])
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
	switch f {
	case ir.FnLog, ir.FnSqrt:
		if !ok || p > 0 {
			return nil, e.fail(id, "its argument "+e.vanish(p, ok),
				f.String()+" of a vanishing argument is not a power of 1/"+e.scaleName()+"; its argument needs a non-zero limit at fixed density")
		}
	case ir.FnFloor, ir.FnCeil:
		e.g.At = pos
		return e.leaf(e.g.Call(f, e.coef(a, 0)), 0), nil
	}
	if fd == nil {
		fd = e.derivOf(f)
	}
	e.g.At = pos
	return e.taylor(pos, a, fd), nil
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
	prod := e.mul(pos, sb, e.taylor(pos, sa, e.derivOf(ir.FnLog)))
	if q, _, ok := e.lead(prod); ok && q < 0 {
		return nil, e.fail(id, "its exponent times the log of its base grows like "+e.growth(-q),
			"keep the exponent of order 1 at fixed density, e.g. use a density")
	}
	g.At = pos
	return e.taylor(pos, prod, e.derivOf(ir.FnExp)), nil
}

// fail builds E603 at node id.
func (e *Expander) fail(id ir.NodeID, why, hint string) *diag.Diagnostic {
	return diag.Errorf(e.g.Pos[id], "E603", hint, "%s has no expansion in powers of 1/%s: %s",
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
