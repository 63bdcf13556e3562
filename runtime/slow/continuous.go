package slow

import (
	"context"

	"github.com/mfcproject/mfc/runtime/poisson"
)

// Transient expands E r(X(t)) of a continuous-time chain around the evaluation time t
// (seed-004 §5.2–5.3, Theorem 9 and the corrected Theorem 10), with Q̃ = Q(t), Q̇, Q̈ = m.P,
// m.D1, m.D2 and D = (Π̃ − Q̃)⁻¹ (package poisson's Z of the factorised generator c; not its
// deviation matrix):
//
//	term 0   π̃r
//	term 1   −π̃Q̇D²r
//	term 2   π̃Q̈D³r + π̃Q̇(D²Q̇D² + 2DQ̇D³)r        (no ½ on Q̈: erratum 9)
//
// The uniformisation rate drops out. Every term is a row vector times r, so only row
// solves are used (y D = x, 10 for order 2): on large chains with unbounded rewards (a
// queue length) the row systems converge in a few GMRES iterations where the column ones,
// whose solutions grow with the state, take hundreds. Orders 0..2.
func Transient(ctx context.Context, c *poisson.Chain, m Matrices, r []float64, order int) (*Result, error) {
	pi, terms, err := stationaryTerm(c, r, "continuous-time transient", order, 2, "Theorem 10 is the highest order of the paper")
	if err != nil {
		return nil, err
	}
	if order == 0 {
		return &Result{Terms: terms}, nil
	}
	l := &lin{ctx: ctx}
	D := func(x []float64, k int) []float64 {
		for ; k > 0; k-- {
			x = l.s(c.ZRow, x)
		}
		return x
	}
	s1 := D(vmul(pi, m.D1), 1) // π̃Q̇D
	s2 := D(s1, 1)             // π̃Q̇D²
	terms = append(terms, -dot(s2, r))
	if order == 1 {
		return l.result(terms...)
	}
	a3 := D(vmul(pi, m.D2), 3) // π̃Q̈D³
	b2 := D(vmul(s2, m.D1), 2) // π̃Q̇D²Q̇D²
	c3 := D(vmul(s1, m.D1), 3) // π̃Q̇DQ̇D³
	return l.result(append(terms, dot(a3, r)+dot(b2, r)+2*dot(c3, r))...)
}

// PMFCorrection returns the first-order correction of the law, p⁽¹⁾ = −π̇D with
// π̇ = π̃Q̇D, the derivative of the pointwise stationary law (seed-004 §5.4, the
// Massey–Whitt form): p(t) ≈ π̃ + p⁽¹⁾, with p⁽¹⁾Q̃ = π̇ and p⁽¹⁾1 = 0. 2 row solves.
func PMFCorrection(ctx context.Context, c *poisson.Chain, m Matrices) (pdot, p1 []float64, err error) {
	l := &lin{ctx: ctx}
	pdot = l.s(c.ZRow, vmul(c.Pi(), m.D1))
	p1 = l.s(c.ZRow, pdot)
	for i := range p1 {
		p1[i] = -p1[i]
	}
	return pdot, p1, l.err
}

// DiscountedContinuous expands κ_c = E ∫₀^∞ e^{−αs} r(X(s)) ds for Q(s) around s = 0
// (seed-004 §5.5: derived, not in the paper), with R = (αI − Q̃)⁻¹:
//
//	term 0   μRr
//	term 1   μR²Q̇Rr
//	term 2   μR³Q̈Rr + 2μR³Q̇RQ̇Rr + μR²Q̇R²Q̇Rr
//
// One factorisation of αI − Q̃ (poisson.NewDiscountedCTMC); 3 row and up to 4 column solves.
func DiscountedContinuous(ctx context.Context, m Matrices, mu, r []float64, alpha float64, order int, o *poisson.Options) (*Result, error) {
	if err := checkOrder("continuous-time discounted", order, 2, "the derived expansion (§5.5) has orders 0 to 2"); err != nil {
		return nil, err
	}
	res, err := poisson.NewDiscountedCTMC(ctx, m.P, alpha, o)
	if err != nil {
		return nil, err
	}
	l := &lin{ctx: ctx}
	nu := l.s(res.Solve, r)
	terms := []float64{dot(mu, nu)}
	if order == 0 {
		return l.result(terms...)
	}
	m1 := l.s(res.SolveRow, mu)
	m2 := l.s(res.SolveRow, m1)
	q1nu := mul(m.D1, nu)
	terms = append(terms, dot(m2, q1nu))
	if order == 1 {
		return l.result(terms...)
	}
	m3 := l.s(res.SolveRow, m2)
	x := l.s(res.Solve, q1nu)
	rx := l.s(res.Solve, x)
	t2 := dot(m3, mul(m.D2, nu)) + 2*dot(m3, mul(m.D1, x)) + dot(m2, mul(m.D1, rx))
	return l.result(append(terms, t2)...)
}
