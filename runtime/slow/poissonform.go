package slow

import (
	"context"

	"github.com/mfcproject/mfc/runtime/poisson"
)

// TransientStart expands χ_n = E r(X_n) for P_j = P(t₀ + j − 1) around the first step
// (seed-004 §4.2, Theorem 4), with Z = (I − P̃ + Π̃)⁻¹ of the factorised frozen chain c and
// P⁽¹⁾ = m.D1:
//
//	term 0   π̃r
//	term 1   n π̃P⁽¹⁾Zr − π̃P⁽¹⁾Z²r
//
// First order only (the paper gives no second order); the error is O(ε²n³), so n must be
// ≪ ε^{−1/3} and ≫ the relaxation time. 2 solves with c.
func TransientStart(ctx context.Context, c *poisson.Chain, m Matrices, r []float64, n float64, order int) (*Result, error) {
	pi, terms, err := stationaryTerm(c, r, "transient expanded at the start", order, 1, "the paper gives the first order only (Theorem 4); expand at the end (--expand end) for order 2")
	if err != nil {
		return nil, err
	}
	if order == 0 {
		return &Result{Terms: terms}, nil
	}
	l := &lin{ctx: ctx}
	z1 := l.s(c.Z, r)
	z2 := l.s(c.Z, z1)
	rho := vmul(pi, m.D1)
	return l.result(append(terms, n*dot(rho, z1)-dot(rho, z2))...)
}

// TransientEnd expands χ_n = E r(X_n) around the last step (seed-004 §4.3–4.4, Theorem 5
// and the corrected Theorem 6), with P̃ = P_n the matrix of the last transition, P⁽¹⁾ and P⁽²⁾
// its forward derivatives there and Z of the factorised frozen chain c:
//
//	term 0   π̃r
//	term 1   −π̃P⁽¹⁾Z²P̃r
//	term 2   π̃P⁽¹⁾Z²P⁽¹⁾Z²P̃r + (½π̃P⁽²⁾ + π̃P⁽¹⁾ZP⁽¹⁾)(2Z³ − Z²)P̃r
//
// by the solve recipe of §4.4 (form (37): 5 column solves and one row solve with c). The
// result does not depend on the initial law. Orders 0..2.
func TransientEnd(ctx context.Context, c *poisson.Chain, m Matrices, r []float64, order int) (*Result, error) {
	return transientEnd(ctx, c, m, r, order, c.Z, c.ZRow)
}

// TransientEndPoisson is TransientEnd through the function-form Poisson equations (38),
// (I − P̃)h₁ = P̃r − (π̃P̃r)1, (I − P̃)h₂ = h₁ − (π̃h₁)1, …, solved with c.Solve and c.SolveRow,
// with consts[k] (if given) added to the k-th solution: every term is invariant under these
// constants because the derivative matrices have zero row sums (pitfall 4), which the
// tests check.
func TransientEndPoisson(ctx context.Context, c *poisson.Chain, m Matrices, r []float64, order int, consts []float64) (*Result, error) {
	k := 0
	shift := func(f solveFn) solveFn {
		return func(ctx context.Context, dst, b []float64) (poisson.Stats, error) {
			st, err := f(ctx, dst, b)
			if k < len(consts) {
				for i := range dst {
					dst[i] += consts[k]
				}
			}
			k++
			return st, err
		}
	}
	return transientEnd(ctx, c, m, r, order, shift(c.Solve), c.SolveRow)
}

func transientEnd(ctx context.Context, c *poisson.Chain, m Matrices, r []float64, order int, z, zrow solveFn) (*Result, error) {
	pi, terms, err := stationaryTerm(c, r, "transient expanded at the end", order, 2, "Theorem 6 is the highest order of the paper")
	if err != nil {
		return nil, err
	}
	if order == 0 {
		return &Result{Terms: terms}, nil
	}
	l := &lin{ctx: ctx}
	h1 := l.s(z, mul(m.P, r))
	h2 := l.s(z, h1)
	rho1 := vmul(pi, m.D1)
	terms = append(terms, -dot(rho1, h2))
	if order == 1 {
		return l.result(terms...)
	}
	h3 := l.s(z, h2)
	g1 := l.s(z, mul(m.D1, h2))
	g2 := l.s(z, g1)
	sigma := l.s(zrow, rho1)
	row := axpby(0.5, vmul(pi, m.D2), 1, vmul(sigma, m.D1))
	return l.result(append(terms, dot(rho1, g2)+dot(row, axpby(2, h3, -1, h2)))...)
}

// Cumulative expands τ_n = E Σ_{j=0}^{n−1} r(X_j) for P_j = P(t₀ + j − 1) around the first
// step (seed-004 §4.6, Theorem 8 corrected), with Z of the factorised frozen chain c:
//
//	term 0   (n − 1)π̃r + μZr
//	term 1   μ(P̃ − Π̃)Z²P⁽¹⁾Zr + ((n−1)(n−2)/2)π̃P⁽¹⁾Zr − (n − 1)π̃P⁽¹⁾Z²P̃r + π̃P⁽¹⁾Z³P̃r
//
// First order only; the error is O(ε²n⁴), so n must be ≪ ε^{−1/4}. 5 column and 2 row
// solves with c.
func Cumulative(ctx context.Context, c *poisson.Chain, m Matrices, mu, r []float64, n float64, order int) (*Result, error) {
	if err := checkOrder("cumulative", order, 1, "the paper gives the first order only (Theorem 8)"); err != nil {
		return nil, err
	}
	pi := c.Pi()
	l := &lin{ctx: ctx}
	z1 := l.s(c.Z, r)
	terms := []float64{(n-1)*dot(pi, r) + dot(mu, z1)}
	if order == 0 {
		return l.result(terms...)
	}
	k1 := l.s(c.Z, mul(m.P, r))
	k2 := l.s(c.Z, k1)
	k3 := l.s(c.Z, k2)
	rho := vmul(pi, m.D1)
	v := vmul(mu, m.P)
	s := 0.0
	for _, x := range mu {
		s += x
	}
	for i := range v {
		v[i] -= s * pi[i]
	}
	v1 := l.s(c.ZRow, v)
	v2 := l.s(c.ZRow, v1)
	t1 := dot(v2, mul(m.D1, z1)) + (n-1)*(n-2)/2*dot(rho, z1) - (n-1)*dot(rho, k2) + dot(rho, k3)
	return l.result(append(terms, t1)...)
}
