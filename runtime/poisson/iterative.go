package poisson

import (
	"context"
	"fmt"
	"gonum.org/v1/gonum/floats"
	"math"

	"github.com/mfcproject/mfc/runtime/linalg"
)

// krylov solves with M = A + σ1e_kᵀ by GMRES(restart) preconditioned on the right by
// ILU(0) of M. The states k and n−1 are swapped so that the bordered column comes last in
// the elimination; k must be a state of large probability, else the incomplete factors grow
// like π_k⁻¹ (for an M/M/1/K queue at load ρ < 1 bordered at state K, like ρ^{−K}). It is
// the one place that chooses the iterative method: when runtime/linalg has its own sparse
// solver, solve is the line to change.
type krylov struct {
	k       int         // the bordered state, swapped with n−1
	m, mt   *linalg.CSR // M and Mᵀ, in the swapped order
	ilu     *ilu0
	normA   [2]float64 // ‖A‖∞ and ‖Aᵀ‖∞
	tol     float64
	maxIter int
	restart int
}

func newKrylov(a *linalg.CSR, k int, sigma float64, o Options) (*krylov, error) {
	m := bordered(swapStates(a, k), sigma)
	f, err := factorILU0(m)
	if err != nil {
		return nil, err
	}
	return &krylov{k: k, m: m, mt: m.Transpose(), ilu: f, normA: [2]float64{normInf(a), normInf(a.Transpose())},
		tol: o.Tol, maxIter: o.MaxIter, restart: o.Restart}, nil
}

// solve sets x = M⁻¹b (M⁻ᵀb) from the initial guess 0.
func (k *krylov) solve(ctx context.Context, x, b []float64, trans bool) (int, error) {
	op := &operator{m: k.m, ilu: k.ilu, normA: k.normA[0], norm2: math.Sqrt(k.normA[0] * k.normA[1])}
	if trans {
		op.m, op.trans, op.normA = k.mt, true, k.normA[1]
	}
	n := len(x)
	pb, px := make([]float64, n), make([]float64, n)
	for i := range pb {
		pb[swapped(i, k.k, n)] = b[i]
	}
	it, err := gmres(ctx, op, px, pb, k.tol, k.restart, k.maxIter)
	for i := range x {
		x[i] = px[swapped(i, k.k, n)]
	}
	return it, err
}

// swapped returns the index of state i when states k and n−1 trade places.
func swapped(i, k, n int) int {
	switch i {
	case k:
		return n - 1
	case n - 1:
		return k
	}
	return i
}

// swapStates returns P A Pᵀ for the permutation that swaps states k and n−1. O(nnz·row).
func swapStates(a *linalg.CSR, k int) *linalg.CSR {
	n := a.Rows
	s := &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, n+1),
		Col: make([]int32, 0, a.NNZ()), Val: make([]float64, 0, a.NNZ())}
	for r := 0; r < n; r++ {
		i := swapped(r, k, n)
		start := len(s.Col)
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			s.Col = append(s.Col, int32(swapped(int(a.Col[p]), k, n)))
			s.Val = append(s.Val, a.Val[p])
		}
		sortRow(s.Col[start:], s.Val[start:])
		s.RowPtr[r+1] = len(s.Col)
	}
	return s
}

// sortRow sorts one row by column (insertion sort: rows are short and nearly sorted).
func sortRow(col []int32, val []float64) {
	for i := 1; i < len(col); i++ {
		for j := i; j > 0 && col[j] < col[j-1]; j-- {
			col[j], col[j-1] = col[j-1], col[j]
			val[j], val[j-1] = val[j-1], val[j]
		}
	}
}

// heavyState returns a state of large stationary probability: the largest component after
// symmetric Gauss–Seidel sweeps on πA = 0 (at = Aᵀ) from the uniform law. O(sweeps·nnz).
func heavyState(at *linalg.CSR, sweeps int) int {
	n := at.Rows
	pi := make([]float64, n)
	for i := range pi {
		pi[i] = 1
	}
	// relax zeroes equation i of πA = 0 by correcting π_i (A_ii > 0 by construction).
	relax := func(i int) {
		r := 0.0
		for p := at.RowPtr[i]; p < at.RowPtr[i+1]; p++ {
			r += at.Val[p] * pi[at.Col[p]]
		}
		pi[i] -= r / at.At(i, i)
	}
	for s := 0; s < sweeps; s++ {
		for i := 0; i < n; i++ {
			relax(i)
		}
		for i := n - 1; i >= 0; i-- {
			relax(i)
		}
		floats.Scale(float64(n)/floats.Sum(pi), pi)
	}
	return floats.MaxIdx(pi)
}

// operator is M (or Mᵀ) with its preconditioner: ILU(0) ≈ LU, or ≈ UᵀLᵀ for Mᵀ.
type operator struct {
	m            *linalg.CSR
	ilu          *ilu0
	trans        bool
	normA, norm2 float64 // ‖A‖∞ (‖Aᵀ‖∞ for Mᵀ), and √(‖A‖₁‖A‖∞) ≥ ‖A‖₂
}

// backward returns the backward error ‖r‖∞/(‖A‖∞‖x‖∞ + ‖b‖∞) of x, r = b − op x, measured with
// A rather than M (the border σ1e_kᵀ is exact, and for Mᵀ its row of n elements σ would
// otherwise dominate the norm). For Mᵀ the last equation, the normalisation y1 (re-imposed
// after the solve) is left out: for π it is the only one with a right side, whose size would
// otherwise set the scale of a solution n times smaller.
func (o *operator) backward(x, b, r []float64) float64 {
	m := len(r)
	if o.trans {
		m--
	}
	if d := o.normA*floats.Norm(x, math.Inf(1)) + floats.Norm(b[:m], math.Inf(1)); d > 0 {
		return floats.Norm(r[:m], math.Inf(1)) / d
	}
	return floats.Norm(r, math.Inf(1))
}

func (o *operator) mul(dst, x []float64) { o.m.MulVec(dst, x) }

func (o *operator) precondition(dst, x []float64) {
	if o.trans {
		o.ilu.solveTrans(dst, x)
	} else {
		o.ilu.solve(dst, x)
	}
}

// gmres solves op x = b, from the given x, by restarted GMRES with right preconditioning:
// the Arnoldi process runs on op·P⁻¹ with modified Gram–Schmidt and Givens rotations, so the
// least-squares residual it minimises is the true residual ‖b − op x‖₂, and each restart
// recomputes that residual directly. It stops when the normwise backward error
// (operator.backward) is at most tol (a relative residual ‖b − op x‖/‖b‖ cannot fall below
// about ε·cond(op)), returning the iterations (products with op) used, or a
// *ConvergenceError after maxIter of them, or the context's error. A cycle ends when the
// same test in 2-norms holds for the least-squares residual; when that proves looser than
// the ∞-norm test, later cycles aim ten times lower. Memory O(restart·n); an iteration costs one product, one preconditioner
// solve and O(j·n) for the orthogonalisation against j basis vectors.
func gmres(ctx context.Context, op *operator, x, b []float64, tol float64, restart, maxIter int) (int, error) {
	n := len(b)
	bnorm := floats.Norm(b, 2)
	if bnorm == 0 {
		return 0, nil
	}
	aim := tol                        // the 2-norm target of a cycle
	v := make([][]float64, restart+1) // the Krylov basis, allocated as it grows
	v[0] = make([]float64, n)
	h := make([][]float64, restart+1) // h[i][j], the Hessenberg matrix
	for i := range h {
		h[i] = make([]float64, restart)
	}
	cs, sn, g, y := make([]float64, restart), make([]float64, restart), make([]float64, restart+1), make([]float64, restart)
	z, w := make([]float64, n), make([]float64, n)
	it := 0
	for {
		op.mul(w, x)
		for i := range w {
			v[0][i] = b[i] - w[i]
		}
		be := op.backward(x, b, v[0])
		if be <= tol {
			return it, nil
		}
		if it >= maxIter {
			return it, &ConvergenceError{Iterations: it, Residual: be, Tol: tol}
		}
		beta := floats.Norm(v[0], 2)
		bound := aim * (op.norm2*floats.Norm(x, 2) + bnorm)
		if beta <= bound {
			aim /= 10
			bound /= 10
		}
		if err := ctx.Err(); err != nil {
			return it, err
		}
		floats.Scale(1/beta, v[0])
		for i := range g {
			g[i] = 0
		}
		g[0] = beta
		j := 0
		for j < restart && it < maxIter {
			op.precondition(z, v[j])
			op.mul(w, z)
			it++
			for i := 0; i <= j; i++ {
				h[i][j] = floats.Dot(w, v[i])
				floats.AddScaled(w, -h[i][j], v[i])
			}
			h[j+1][j] = floats.Norm(w, 2)
			breakdown := h[j+1][j] == 0
			if !breakdown {
				if v[j+1] == nil {
					v[j+1] = make([]float64, n)
				}
				for i := range w {
					v[j+1][i] = w[i] / h[j+1][j]
				}
			}
			for i := 0; i < j; i++ {
				h[i][j], h[i+1][j] = cs[i]*h[i][j]+sn[i]*h[i+1][j], -sn[i]*h[i][j]+cs[i]*h[i+1][j]
			}
			r := math.Hypot(h[j][j], h[j+1][j])
			cs[j], sn[j] = h[j][j]/r, h[j+1][j]/r
			h[j][j], h[j+1][j] = r, 0
			g[j], g[j+1] = cs[j]*g[j], -sn[j]*g[j]
			j++
			if breakdown || math.Abs(g[j]) <= bound {
				break
			}
			if j%10 == 0 && ctx.Err() != nil {
				break
			}
		}
		// y = H⁻¹g (upper triangular j×j); x += P⁻¹ V y.
		for i := j - 1; i >= 0; i-- {
			s := g[i]
			for l := i + 1; l < j; l++ {
				s -= h[i][l] * y[l]
			}
			y[i] = s / h[i][i]
		}
		for i := range w {
			w[i] = 0
		}
		for l := 0; l < j; l++ {
			floats.AddScaled(w, y[l], v[l])
		}
		op.precondition(z, w)
		floats.AddScaled(x, 1, z)
		if xn := floats.Norm(x, math.Inf(1)); math.IsNaN(xn) || math.IsInf(xn, 0) {
			return it, fmt.Errorf("poisson: GMRES produced NaN after %d iterations", it)
		}
	}
}

// normInf returns ‖a‖∞, the largest absolute row sum.
func normInf(a *linalg.CSR) float64 {
	s := 0.0
	for i := 0; i < a.Rows; i++ {
		s = math.Max(s, floats.Norm(a.Val[a.RowPtr[i]:a.RowPtr[i+1]], 1))
	}
	return s
}

// ilu0 holds the incomplete factors M ≈ LU on the pattern of M: L unit lower triangular
// (strictly lower part of val), U upper triangular (diagonal and upper part).
type ilu0 struct {
	m    *linalg.CSR
	val  []float64
	diag []int // index of (i, i) in row i
}

// factorILU0 computes ILU(0) row by row (Saad 2003, Algorithm 10.4), scattering row i into
// a dense work row so that an update lands only where M has an element. Every diagonal
// must be stored. O(Σ_i Σ_{k<i, (i,k)∈M} |row k|).
func factorILU0(m *linalg.CSR) (*ilu0, error) {
	n := m.Rows
	f := &ilu0{m: m, val: append([]float64(nil), m.Val...), diag: make([]int, n)}
	work := make([]float64, n)
	owner := make([]int, n) // owner[j] = i+1 while row i holds column j
	for i := 0; i < n; i++ {
		lo, hi := m.RowPtr[i], m.RowPtr[i+1]
		f.diag[i] = -1
		for p := lo; p < hi; p++ {
			j := int(m.Col[p])
			work[j], owner[j] = f.val[p], i+1
			if j == i {
				f.diag[i] = p
			}
		}
		if f.diag[i] < 0 {
			return nil, fmt.Errorf("poisson: ILU(0): row %d has no diagonal", i)
		}
		for p := lo; p < f.diag[i]; p++ {
			k := int(m.Col[p])
			l := work[k] / f.val[f.diag[k]]
			work[k] = l
			for q := f.diag[k] + 1; q < m.RowPtr[k+1]; q++ {
				if j := int(m.Col[q]); owner[j] == i+1 {
					work[j] -= l * f.val[q]
				}
			}
		}
		for p := lo; p < hi; p++ {
			f.val[p] = work[m.Col[p]]
		}
		if d := f.val[f.diag[i]]; d == 0 || math.IsNaN(d) {
			return nil, fmt.Errorf("poisson: ILU(0): pivot %g in row %d", d, i)
		}
	}
	return f, nil
}

// solve sets x = (LU)⁻¹b: forward substitution with L, back substitution with U, row by
// row. x and b may be the same slice. O(nnz).
func (f *ilu0) solve(x, b []float64) {
	m := f.m
	for i := 0; i < m.Rows; i++ {
		s := b[i]
		for p := m.RowPtr[i]; p < f.diag[i]; p++ {
			s -= f.val[p] * x[m.Col[p]]
		}
		x[i] = s
	}
	for i := m.Rows - 1; i >= 0; i-- {
		s := x[i]
		for p := f.diag[i] + 1; p < m.RowPtr[i+1]; p++ {
			s -= f.val[p] * x[m.Col[p]]
		}
		x[i] = s / f.val[f.diag[i]]
	}
}

// solveTrans sets x = (LU)⁻ᵀb = L⁻ᵀU⁻ᵀb, the rows of U and L used as columns of Uᵀ and Lᵀ
// (column-oriented substitution). x and b may be the same slice. O(nnz).
func (f *ilu0) solveTrans(x, b []float64) {
	m := f.m
	copy(x, b)
	for i := 0; i < m.Rows; i++ { // Uᵀ, lower triangular
		x[i] /= f.val[f.diag[i]]
		for p := f.diag[i] + 1; p < m.RowPtr[i+1]; p++ {
			x[m.Col[p]] -= f.val[p] * x[i]
		}
	}
	for i := m.Rows - 1; i >= 0; i-- { // Lᵀ, unit upper triangular
		for p := m.RowPtr[i]; p < f.diag[i]; p++ {
			x[m.Col[p]] -= f.val[p] * x[i]
		}
	}
}
