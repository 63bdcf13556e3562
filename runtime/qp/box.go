package qp

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"

	"github.com/mfcproject/mfc/runtime/linalg"
)

// RateFunc is the rate of the jump (i, j) at (n1, n2).
type RateFunc func(n1, n2, i, j int) float64

// Box is the walk truncated to the box {0..N}² with the jumps that leave the box dropped
// (digest 002 §3.8): the same chain as `mfc exact --region box --reentry drop` on a model
// whose region box is n1 ≤ N and n2 ≤ N, built here directly from the rate tables. The
// generator grounded at the origin (its row and column deleted) is factorised once by a
// banded LU without pivoting in the natural ordering n1(N+1) + n2 (bandwidth N + 2; the
// negated grounded generator is a non-singular M-matrix, for which elimination without
// pivoting is stable), and π and the relative value functions are solved with it.
type Box struct {
	N    int
	rate RateFunc
	lu   *bandLU
	pi   []float64
	// Residual is ‖πQ‖₁ / max|q_ii| of the computed law.
	Residual float64
	// q is the generator (NewBoxLaw), g the grounded generator and ilu its ILU(0) factor,
	// built by the first iterative Relative.
	q   *linalg.CSR
	g   *linalg.CSR
	ilu *linalg.ILU0
	// RelBackward is the backward error ‖r‖₁/(‖G‖₁‖x‖₁ + ‖b‖₁) of the last Relative
	// solve (0 after the banded LU, whose solve is backward stable), and RelIterations
	// the BiCGSTAB iterations it took.
	RelBackward   float64
	RelIterations int
	// refined is set when the law has been refined on the grounded system (refineLaw).
	refined bool
}

// Index returns the state index of (n1, n2): n1(N+1) + n2.
func (b *Box) Index(n1, n2 int) int { return n1*(b.N+1) + n2 }

// MaxBoxBytes bounds the memory of the band factors (about 8(N+1)²(2N+5) bytes).
const MaxBoxBytes = 2 << 30

// NewBox builds the truncated generator and factorises it: (N+1)² states; the LU costs
// O(N⁴) flops and O(N³) memory (N = 200: about 3·10⁹ flops and 130 MB).
func NewBox(ctx context.Context, rate RateFunc, N int) (*Box, error) {
	if N < 1 {
		return nil, fmt.Errorf("truncation level %d: must be ≥ 1", N)
	}
	n := (N+1)*(N+1) - 1
	k := N + 2
	if bytes := 8 * float64(n) * float64(2*k+1); bytes > MaxBoxBytes {
		return nil, fmt.Errorf("the truncated chain on {0..%d}² needs %.1f GB for its band factors (limit %.1f GB): use a smaller N", N, bytes/(1<<30), float64(MaxBoxBytes)/(1<<30))
	}
	b := &Box{N: N, rate: rate}
	// Grounded generator G: states 1..n (state 0, the origin, deleted), row i−1 for state i.
	lu := newBandLU(n, k)
	out := boxOut(rate, N)
	row0 := make([]float64, n) // π_0 Q_{0,j}, the right side of the transposed solve
	for n1 := 0; n1 <= N; n1++ {
		for n2 := 0; n2 <= N; n2++ {
			s := b.Index(n1, n2)
			for i := -1; i <= 1; i++ {
				for j := -1; j <= 1; j++ {
					m1, m2 := n1+i, n2+j
					if m1 < 0 || m2 < 0 || m1 > N || m2 > N {
						continue
					}
					t := b.Index(m1, m2)
					x := -out(n1, n2)
					if i != 0 || j != 0 {
						x = rate(n1, n2, i, j)
					}
					switch {
					case s == 0 && t != 0:
						row0[t-1] = x
					case s != 0 && t != 0:
						lu.set(s-1, t-1, x)
					}
				}
			}
		}
	}
	if err := lu.factor(ctx); err != nil {
		return nil, fmt.Errorf("truncated chain on {0..%d}²: %w", N, err)
	}
	b.lu = lu
	// π_{≠0} G = −π_0 Q_{0,≠0} with π_0 = 1, then normalise.
	for i := range row0 {
		row0[i] = -row0[i]
	}
	x := lu.solveT(row0)
	b.pi = make([]float64, n+1)
	b.pi[0] = 1
	copy(b.pi[1:], x)
	sum := 0.0
	for _, p := range b.pi {
		sum += p
	}
	for i := range b.pi {
		b.pi[i] /= sum
	}
	b.Residual = b.residual(out)
	return b, nil
}

// residual returns ‖πQ‖₁ / max_i q_i.
func (b *Box) residual(out func(n1, n2 int) float64) float64 {
	N := b.N
	r := make([]float64, len(b.pi))
	qmax := 0.0
	for n1 := 0; n1 <= N; n1++ {
		for n2 := 0; n2 <= N; n2++ {
			s := b.Index(n1, n2)
			o := out(n1, n2)
			qmax = max(qmax, o)
			r[s] -= b.pi[s] * o
			for i := -1; i <= 1; i++ {
				for j := -1; j <= 1; j++ {
					m1, m2 := n1+i, n2+j
					if (i != 0 || j != 0) && m1 >= 0 && m2 >= 0 && m1 <= N && m2 <= N {
						r[b.Index(m1, m2)] += b.pi[s] * b.rate(n1, n2, i, j)
					}
				}
			}
		}
	}
	s := 0.0
	for _, x := range r {
		s += math.Abs(x)
	}
	return s / qmax
}

// NewBoxLaw is NewBox without the banded factorisation: the stationary law by
// ILU(0)-preconditioned BiCGSTAB on the generator (linalg.StationaryBiCGSTAB,
// the iterative path of mfc exact) to a residual ‖πQ‖₁ ≤ 1e-13: O(nnz) per iteration and
// memory, where the banded LU is O(N⁴) time and O(N³) memory (the box {0..400}² of
// --check-truncation 200 took 19 s and 1.2 GB by LU). The law is accurate in norm, which
// is what the truncation check's expectations and boundary mass need. Relative then solves
// the grounded Poisson equation iteratively too.
func NewBoxLaw(ctx context.Context, rate RateFunc, N int) (*Box, error) {
	if N < 1 {
		return nil, fmt.Errorf("truncation level %d: must be ≥ 1", N)
	}
	b := &Box{N: N, rate: rate}
	n := (N + 1) * (N + 1)
	q := &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, n+1)}
	out := boxOut(rate, N)
	for n1 := 0; n1 <= N; n1++ {
		for n2 := 0; n2 <= N; n2++ {
			// Columns in increasing order: (m1, m2) lexicographic is the index order.
			for i := -1; i <= 1; i++ {
				for j := -1; j <= 1; j++ {
					m1, m2 := n1+i, n2+j
					if m1 < 0 || m2 < 0 || m1 > N || m2 > N {
						continue
					}
					x := -out(n1, n2)
					if i != 0 || j != 0 {
						if x = rate(n1, n2, i, j); x == 0 {
							continue
						}
					}
					q.Col = append(q.Col, int32(b.Index(m1, m2)))
					q.Val = append(q.Val, x)
				}
			}
			q.RowPtr[b.Index(n1, n2)+1] = len(q.Col)
		}
	}
	b.q = q
	b.pi = make([]float64, n)
	if _, err := linalg.StationaryBiCGSTAB(ctx, b.pi, q, &linalg.StationarySettings{Tol: 1e-13}); err != nil {
		return nil, fmt.Errorf("truncated chain on {0..%d}²: %w", N, err)
	}
	b.Residual = b.residual(out)
	return b, nil
}

// boxOut returns the total rate of the jumps from (n1, n2) that stay in {0..N}², the
// negated diagonal of the truncated generator. O(1) a call.
func boxOut(rate RateFunc, N int) func(n1, n2 int) float64 {
	return func(n1, n2 int) float64 {
		s := 0.0
		for i := -1; i <= 1; i++ {
			for j := -1; j <= 1; j++ {
				m1, m2 := n1+i, n2+j
				if (i != 0 || j != 0) && m1 >= 0 && m2 >= 0 && m1 <= N && m2 <= N {
					s += rate(n1, n2, i, j)
				}
			}
		}
		return s
	}
}

// Pi returns π(n1, n2) of the truncated chain.
func (b *Box) Pi(n1, n2 int) float64 { return b.pi[b.Index(n1, n2)] }

// Expect returns Σ π(n) F(n) over the box. O(N²).
func (b *Box) Expect(f func(n1, n2 int) float64) float64 {
	s := 0.0
	for n1 := 0; n1 <= b.N; n1++ {
		for n2 := 0; n2 <= b.N; n2++ {
			s += b.pi[b.Index(n1, n2)] * f(n1, n2)
		}
	}
	return s
}

// BoundaryMass returns the mass of the states with n1 = N or n2 = N, the monitor of the
// truncation error. O(N).
func (b *Box) BoundaryMass() float64 {
	s := 0.0
	for k := 0; k <= b.N; k++ {
		s += b.Pi(b.N, k)
		if k < b.N {
			s += b.Pi(k, b.N)
		}
	}
	return s
}

// RelativeTol is the backward error ‖r‖₁/(‖G‖₁‖x‖₁ + ‖b‖₁) to which an iterative Relative
// solves the grounded Poisson equation.
const RelativeTol = 1e-13

// Relative returns the relative value function V with QV = 𝓕 − F on the box, normalised
// by V(0, 0) = 0: the grounded solve G V_{≠0} = 𝓕 − F_{≠0}, where G is the generator
// without the origin's row and column (minus a non-singular M-matrix, the chain being
// irreducible). A box from NewBox solves with its band factors, O(N³); one from NewBoxLaw
// by ILU(0)-preconditioned BiCGSTAB (the factor is built once and kept) to the backward
// error RelativeTol, O(N²) per iteration, and records the backward error reached and the
// iterations in RelBackward and RelIterations; before its first solve it refines the law
// (refineLaw: Pi and Expect return the refined law from then on). Missing the target is an
// error that says what to try.
func (b *Box) Relative(ctx context.Context, f func(n1, n2 int) float64) ([]float64, error) {
	if b.lu == nil && !b.refined {
		if err := b.refineLaw(ctx); err != nil {
			return nil, fmt.Errorf("Poisson equation on {0..%d}²: %w", b.N, err)
		}
	}
	fbar := b.Expect(f)
	rhs := make([]float64, len(b.pi)-1)
	for n1 := 0; n1 <= b.N; n1++ {
		for n2 := 0; n2 <= b.N; n2++ {
			if s := b.Index(n1, n2); s > 0 {
				rhs[s-1] = fbar - f(n1, n2)
			}
		}
	}
	if b.lu != nil {
		b.RelBackward, b.RelIterations = 0, 0
		return append([]float64{0}, b.lu.solve(rhs)...), nil
	}
	x, err := b.relativeIter(ctx, rhs)
	if err != nil {
		return nil, fmt.Errorf("Poisson equation on {0..%d}²: %w", b.N, err)
	}
	return append([]float64{0}, x...), nil
}

// relativeIter solves G x = rhs by ILU(0)-BiCGSTAB, in passes whose absolute target
// RelativeTol·(‖G‖₁‖x‖₁ + ‖b‖₁) is renewed with the current x (BiCGSTAB stops on ‖r‖₁).
func (b *Box) relativeIter(ctx context.Context, rhs []float64) ([]float64, error) {
	if b.g == nil {
		if err := b.ground(); err != nil {
			return nil, err
		}
	}
	g := b.g
	colSum := make([]float64, g.Cols)
	for k, c := range g.Col {
		colSum[c] += math.Abs(g.Val[k])
	}
	gNorm := 0.0
	for _, s := range colSum {
		gNorm = max(gNorm, s)
	}
	bNorm := 0.0
	for _, v := range rhs {
		bNorm += math.Abs(v)
	}
	x := make([]float64, len(rhs))
	backward := func() float64 {
		xNorm := 0.0
		for _, v := range x {
			xNorm += math.Abs(v)
		}
		return linalg.Residual1(g, x, rhs) / (gNorm*xNorm + bNorm)
	}
	b.RelIterations = 0
	eta := math.Inf(1)
	// BiCGSTAB stops on an absolute ‖r‖₁, whose target RelativeTol·(‖G‖₁‖x‖₁ + ‖b‖₁)
	// depends on the solution: short passes renew it with the current x (a pass restarts
	// the short recurrence, which costs little).
	for pass := 0; pass < 200 && eta > RelativeTol; pass++ {
		xNorm := 0.0
		for _, v := range x {
			xNorm += math.Abs(v)
		}
		// 0.5: the recurrence residual BiCGSTAB stops on runs ahead of the true one.
		abs := 0.5 * RelativeTol * (gNorm*xNorm + bNorm)
		it, err := linalg.BiCGSTAB(ctx, g, rhs, x, &linalg.BiCGSTABSettings{M: b.ilu, Abs: abs, MaxIter: 200})
		b.RelIterations += it
		if err != nil {
			return nil, err
		}
		eta = backward()
	}
	// Iterative refinement with residuals in double-double: the backward error bounds the
	// residual by RelativeTol·‖G‖₁‖x‖₁, and ‖x‖₁ is dominated by the states far out (V
	// grows like n² for F = n1), so V near the origin, which the oracle weighs, can still
	// be off by cond(G)·1e-13 relative on a slowly mixing box (Table A r = 0.9). Each step
	// solves G d = b − G x, that residual computed with exact products (FMA) and
	// compensated sums, to 1e-8 relative, and adds d.
	if eta <= RelativeTol {
		it, err := refineDD(ctx, g, b.ilu, x, rhs, 4)
		b.RelIterations += it
		if err != nil {
			return nil, err
		}
		eta = backward()
	}
	b.RelBackward = eta
	if eta > RelativeTol || math.IsNaN(eta) {
		return nil, fmt.Errorf("ILU(0)-BiCGSTAB reached the backward error %.3g after %d iterations, not %.0e: use a smaller N", eta, b.RelIterations, RelativeTol)
	}
	return x, nil
}

// refineDD improves x for a·x = rhs by at most steps corrections x += d, a·d = r, the
// residual r = rhs − a·x computed in double-double (linalg.ResidualDD), each correction solved by
// BiCGSTAB with the preconditioner m to 1e-8 relative; it stops early when the residual
// is 0 or a correction is below 1e-15 of x, and returns the iterations. O(nnz) per
// iteration.
func refineDD(ctx context.Context, a *linalg.CSR, m linalg.Preconditioner, x, rhs []float64, steps int) (int, error) {
	r, d := make([]float64, len(x)), make([]float64, len(x))
	iters := 0
	for step := 0; step < steps; step++ {
		rNorm := linalg.ResidualDD(r, a, x, rhs)
		if rNorm == 0 {
			break
		}
		clear(d)
		it, err := linalg.BiCGSTAB(ctx, a, r, d, &linalg.BiCGSTABSettings{M: m, Abs: 1e-8 * rNorm, MaxIter: 4000})
		iters += it
		if err != nil {
			return iters, err
		}
		dNorm, xNorm := 0.0, 0.0
		for i := range x {
			x[i] += d[i]
			dNorm += math.Abs(d[i])
			xNorm += math.Abs(x[i])
		}
		if dNorm <= 1e-15*xNorm {
			break
		}
	}
	return iters, nil
}

// refineLaw refines the law of a NewBoxLaw box for the oracle: π_{≠0}/π_0 = y solves
// Gᵀy = −Q_{0,≠0}ᵀ, refined from the current law by steps y += d, G d = r with the
// residual r in double-double (linalg.ResidualDD), each solved by ILU(0)-BiCGSTAB (G's factor,
// transposed) to 1e-8 relative. A residual ‖πQ‖₁ ≤ 1e-13 leaves π(0,0) off by up to
// cond·1e-13, which on a slowly mixing box (Table A r = 0.9, N = 750) is 1e-8 and shows in
// the identity; the truncation check does not need this. O(nnz) per iteration.
func (b *Box) refineLaw(ctx context.Context) error {
	if b.g == nil {
		if err := b.ground(); err != nil {
			return err
		}
	}
	gt := b.g.Transpose()
	q := b.q
	n := gt.Rows
	c := make([]float64, n)
	for k := q.RowPtr[0]; k < q.RowPtr[1]; k++ {
		if t := q.Col[k]; t != 0 {
			c[t-1] = -q.Val[k]
		}
	}
	y := make([]float64, n)
	for i := range y {
		y[i] = b.pi[i+1] / b.pi[0]
	}
	if _, err := refineDD(ctx, gt, b.ilu.Trans(), y, c, 6); err != nil {
		return err
	}
	sum := 1.0
	for _, v := range y {
		sum += v
	}
	if !(sum > 0) || math.IsInf(sum, 0) {
		return fmt.Errorf("refining the law: Σπ/π(0,0) = %g", sum)
	}
	b.pi[0] = 1 / sum
	for i, v := range y {
		b.pi[i+1] = v / sum
	}
	b.refined = true
	return nil
}

// ground builds G, the generator without the origin's row and column (state s at row
// s − 1), and its ILU(0) factor. O(nnz).
func (b *Box) ground() error {
	q := b.q
	n := q.Rows - 1
	g := &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, n+1)}
	for s := 1; s <= n; s++ {
		for k := q.RowPtr[s]; k < q.RowPtr[s+1]; k++ {
			if c := q.Col[k]; c != 0 {
				g.Col = append(g.Col, c-1)
				g.Val = append(g.Val, q.Val[k])
			}
		}
		g.RowPtr[s] = len(g.Col)
	}
	m, err := linalg.NewILU0(g)
	if err != nil {
		return err
	}
	b.g, b.ilu = g, m
	return nil
}

// bandLU is a banded LU factorisation without pivoting of an n×n matrix with k sub- and
// super-diagonals, stored by rows: element (i, j) at a[i*(2k+1) + j − i + k].
type bandLU struct {
	n, k int
	a    []float64
}

func newBandLU(n, k int) *bandLU {
	return &bandLU{n: n, k: k, a: make([]float64, n*(2*k+1))}
}

func (m *bandLU) set(i, j int, x float64) { m.a[i*(2*m.k+1)+j-i+m.k] = x }

// factor overwrites the band with L (unit lower, below the diagonal) and U. O(n k²).
func (m *bandLU) factor(ctx context.Context) error {
	w := 2*m.k + 1
	for p := 0; p < m.n; p++ {
		if p%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rp := m.a[p*w : (p+1)*w]
		piv := rp[m.k]
		if piv == 0 || math.IsNaN(piv) {
			return fmt.Errorf("zero pivot at state %d: the truncated chain is not irreducible", p+1)
		}
		hi := min(p+m.k, m.n-1)
		up := rp[m.k+1 : m.k+1+hi-p] // U(p, p+1..hi)
		for i := p + 1; i <= hi; i++ {
			ri := m.a[i*w : (i+1)*w]
			off := p - i + m.k // column p in row i
			l := ri[off]
			if l == 0 {
				continue
			}
			l /= piv
			ri[off] = l
			floats.AddScaled(ri[off+1:off+1+len(up)], -l, up) // assembly AXPY

		}
	}
	return nil
}

// solve returns x with (LU) x = b. O(n k).
func (m *bandLU) solve(b []float64) []float64 {
	w := 2*m.k + 1
	x := append([]float64(nil), b...)
	for i := 0; i < m.n; i++ {
		ri := m.a[i*w:]
		for j := max(0, i-m.k); j < i; j++ {
			x[i] -= ri[j-i+m.k] * x[j]
		}
	}
	for i := m.n - 1; i >= 0; i-- {
		ri := m.a[i*w:]
		for j := i + 1; j <= min(i+m.k, m.n-1); j++ {
			x[i] -= ri[j-i+m.k] * x[j]
		}
		x[i] /= ri[m.k]
	}
	return x
}

// solveT returns y with yᵀ(LU) = bᵀ: Uᵀ z = b, then Lᵀ y = z. O(n k).
func (m *bandLU) solveT(b []float64) []float64 {
	w := 2*m.k + 1
	y := append([]float64(nil), b...)
	for i := 0; i < m.n; i++ {
		y[i] /= m.a[i*w+m.k]
		ri := m.a[i*w:]
		for j := i + 1; j <= min(i+m.k, m.n-1); j++ {
			y[j] -= ri[j-i+m.k] * y[i]
		}
	}
	for i := m.n - 1; i >= 0; i-- {
		ri := m.a[i*w:]
		for j := max(0, i-m.k); j < i; j++ {
			y[j] -= ri[j-i+m.k] * y[i]
		}
	}
	return y
}
