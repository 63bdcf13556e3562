package slow

import (
	"context"
	"math"

	"github.com/mfcproject/mfc/runtime/poisson"
)

// Discounted expands κ = E Σ_{j≥0} e^{−αj} r(X_j) for P_j = P(t₀ + j − 1) around the first
// step (seed-004 §3.3 eq. (5) and the corrected eq. (18), §3.6), with R = (I − qP̃)⁻¹,
// q = e^{−α}, P̃ = P(t₀), P⁽¹⁾ = m.D1 = dP/dt and P⁽²⁾ = m.D2 = d²P/dt² (or their finite
// differences):
//
//	term 0   μRr
//	term 1   q² μP̃R²P⁽¹⁾Rr
//	term 2   ½q² μP̃(2R³ − R²)P⁽²⁾Rr + q³ μP̃(2R³ − R²)P⁽¹⁾RP⁽¹⁾Rr + q³ μP̃R²P⁽¹⁾R²P⁽¹⁾Rr
//
// with one factorisation of I − qP̃ (poisson.NewDiscountedDTMC) and, instead of the 11
// column solves of the pseudo-code of §3.7, three column solves ν = Rr, ν₁ = RP⁽¹⁾ν,
// ν₂ = Rν₁ and three row solves a_k = μP̃R^k, k = 1..3, the terms being the dot products
//
//	term 1   q² a₂·P⁽¹⁾ν
//	term 2   ½q² (2a₃ − a₂)·P⁽²⁾ν + q³ (2a₃ − a₂)·P⁽¹⁾ν₁ + q³ a₂·P⁽¹⁾ν₂
//
// (the same products, associated from the left). Orders 0..2. Cost: one factorisation and
// 1, 3 or 6 solves.
func Discounted(ctx context.Context, m Matrices, mu, r []float64, alpha float64, order int, o *poisson.Options) (*Result, error) {
	if err := checkOrder("discounted", order, 2, "the paper gives orders 0 to 2"); err != nil {
		return nil, err
	}
	q := math.Exp(-alpha)
	res, err := poisson.NewDiscountedDTMC(ctx, m.P, q, o)
	if err != nil {
		return nil, err
	}
	l := &lin{ctx: ctx}
	R, RT := res.Solve, res.SolveRow
	nu := l.s(R, r)
	terms := []float64{dot(mu, nu)}
	if order == 0 {
		return l.result(terms...)
	}
	a1 := l.s(RT, vmul(mu, m.P)) // μP̃R
	a2 := l.s(RT, a1)            // μP̃R²
	d1nu := mul(m.D1, nu)
	terms = append(terms, q*q*dot(a2, d1nu))
	if order == 1 {
		return l.result(terms...)
	}
	a3 := l.s(RT, a2) // μP̃R³
	nu1 := l.s(R, d1nu)
	nu2 := l.s(R, nu1)
	b := axpby(2, a3, -1, a2) // μP̃(2R³ − R²)
	t2 := 0.5*q*q*dot(b, mul(m.D2, nu)) + q*q*q*dot(b, mul(m.D1, nu1)) + q*q*q*dot(a2, mul(m.D1, nu2))
	return l.result(append(terms, t2)...)
}

// Sensitivity is Theorem 1 with a_{i1} ≡ 1 (seed-004 §3.3): for a stationary chain P(θ)
// the derivative of κ(θ) = μ(I − qP(θ))⁻¹r is q μRP′Rr, with P′ = m.D1 = dP/dθ. It returns
// κ and the derivative. One factorisation, 3 solves (one of them a row solve).
func Sensitivity(ctx context.Context, m Matrices, mu, r []float64, alpha float64, o *poisson.Options) (value, deriv float64, err error) {
	q := math.Exp(-alpha)
	res, err := poisson.NewDiscountedDTMC(ctx, m.P, q, o)
	if err != nil {
		return 0, 0, err
	}
	l := &lin{ctx: ctx}
	nu := l.s(res.Solve, r)
	muR := l.s(res.SolveRow, mu)
	if l.err != nil {
		return 0, 0, l.err
	}
	return dot(mu, nu), q * dot(muR, mul(m.D1, nu)), nil
}

// Hitting expands δ = E Σ_{j=0}^{T} r(X_j), T the first step in the target set (the reward
// at the hitting step included), for P_j = P(t₀ + j − 1) around the first step (seed-004
// §4.1, Theorem 3 corrected), with C = {i : inC[i]}, B̃ and B⁽¹⁾ the C×C blocks of P̃ and
// m.D1, G = (I − B̃)⁻¹, r̃ = r_C + P̃_{C,Cᶜ}r_{Cᶜ} and r̃⁽¹⁾ = P⁽¹⁾_{C,Cᶜ}r_{Cᶜ}:
//
//	term 0   μGr̃
//	term 1   μB̃G²B⁽¹⁾Gr̃ + μB̃G²r̃⁽¹⁾
//
// The mass of μ on the target adds μ_{Cᶜ}r_{Cᶜ} to term 0 (T = 0 there). First order only
// (the paper gives no second order). One factorisation of I − B̃ (poisson.NewTaboo, which
// refuses a C that is not left with probability 1), 3 solves.
func Hitting(ctx context.Context, m Matrices, mu, r []float64, inC []bool, order int, o *poisson.Options) (*Result, error) {
	if err := checkOrder("until (hitting)", order, 1, "the paper gives the first order only (Theorem 3)"); err != nil {
		return nil, err
	}
	g, err := poisson.NewTaboo(ctx, m.P, inC, o)
	if err != nil {
		return nil, err
	}
	idx := poisson.Taboo(inC)
	pos := make([]int, len(inC))
	for k, i := range idx {
		pos[i] = k
	}
	// r̃, r̃⁽¹⁾ and the products with the C×C blocks, over C.
	exit := func(a []float64, withR bool, src func(i int) (cols []int32, vals []float64)) {
		for k, i := range idx {
			cols, vals := src(i)
			s := 0.0
			if withR {
				s = r[i]
			}
			for p, j := range cols {
				if !inC[j] {
					s += vals[p] * r[j]
				}
			}
			a[k] = s
		}
	}
	rowOf := func(a Matrices, which int) func(i int) ([]int32, []float64) {
		mat := a.P
		if which == 1 {
			mat = a.D1
		}
		return func(i int) ([]int32, []float64) {
			return mat.Col[mat.RowPtr[i]:mat.RowPtr[i+1]], mat.Val[mat.RowPtr[i]:mat.RowPtr[i+1]]
		}
	}
	// blockMul returns (block of a on C×C) x, x over C.
	blockMul := func(which int, x []float64) []float64 {
		y := make([]float64, len(idx))
		src := rowOf(m, which)
		for k, i := range idx {
			cols, vals := src(i)
			for p, j := range cols {
				if inC[j] {
					y[k] += vals[p] * x[pos[j]]
				}
			}
		}
		return y
	}
	nc := len(idx)
	rt, rt1 := make([]float64, nc), make([]float64, nc)
	exit(rt, true, rowOf(m, 0))
	exit(rt1, false, rowOf(m, 1))
	muC := make([]float64, nc)
	t0 := 0.0
	for i, v := range mu {
		if inC[i] {
			muC[pos[i]] = v
		} else {
			t0 += v * r[i]
		}
	}
	l := &lin{ctx: ctx}
	w0 := l.s(g.Solve, rt)
	terms := []float64{t0 + dot(muC, w0)}
	if order == 0 {
		return l.result(terms...)
	}
	b1w := blockMul(1, w0)
	for k := range b1w {
		b1w[k] += rt1[k]
	}
	w1 := l.s(g.Solve, b1w)
	w2 := l.s(g.Solve, w1)
	// μ_C B̃, as a row over C.
	muB := make([]float64, nc)
	for k, i := range idx {
		if muC[k] == 0 {
			continue
		}
		cols, vals := m.P.Col[m.P.RowPtr[i]:m.P.RowPtr[i+1]], m.P.Val[m.P.RowPtr[i]:m.P.RowPtr[i+1]]
		for p, j := range cols {
			if inC[j] {
				muB[pos[j]] += muC[k] * vals[p]
			}
		}
	}
	return l.result(append(terms, dot(muB, w2))...)
}
