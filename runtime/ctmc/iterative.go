package ctmc

import (
	"fmt"
	"math"
)

// ilu0 is an incomplete LU factorisation with the sparsity pattern of the matrix: L is unit
// lower triangular and U upper triangular, stored together in one CSR value array.
type ilu0 struct {
	a    *CSR
	lu   []float64
	diag []int // position of the diagonal in each row
}

// newILU0 factorises a (square, sorted columns, every diagonal stored). O(Σ_i Σ_{k∈row i}
// |row k|) time, O(nnz) memory.
func newILU0(a *CSR) (*ilu0, error) {
	n := a.Rows
	f := &ilu0{a: a, lu: append([]float64(nil), a.Val...), diag: make([]int, n)}
	pos := make([]int, n)
	for i := range pos {
		pos[i] = -1
	}
	for i := 0; i < n; i++ {
		f.diag[i] = -1
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			pos[a.Col[p]] = p
			if int(a.Col[p]) == i {
				f.diag[i] = p
			}
		}
		if f.diag[i] < 0 {
			return nil, fmt.Errorf("ctmc: ILU(0): row %d has no diagonal", i)
		}
		for p := a.RowPtr[i]; p < f.diag[i]; p++ {
			k := int(a.Col[p])
			f.lu[p] /= f.lu[f.diag[k]]
			lik := f.lu[p]
			for q := f.diag[k] + 1; q < a.RowPtr[k+1]; q++ {
				if t := pos[a.Col[q]]; t >= 0 {
					f.lu[t] -= lik * f.lu[q]
				}
			}
		}
		if f.lu[f.diag[i]] == 0 {
			return nil, fmt.Errorf("ctmc: ILU(0): zero pivot in row %d", i)
		}
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			pos[a.Col[p]] = -1
		}
	}
	return f, nil
}

// solve sets x = (LU)⁻¹ b; x and b may be the same slice.
func (f *ilu0) solve(x, b []float64) {
	a := f.a
	n := a.Rows
	for i := 0; i < n; i++ {
		s := b[i]
		for p := a.RowPtr[i]; p < f.diag[i]; p++ {
			s -= f.lu[p] * x[a.Col[p]]
		}
		x[i] = s
	}
	for i := n - 1; i >= 0; i-- {
		s := x[i]
		for p := f.diag[i] + 1; p < a.RowPtr[i+1]; p++ {
			s -= f.lu[p] * x[a.Col[p]]
		}
		x[i] = s / f.lu[f.diag[i]]
	}
}

// mulVec sets dst = a x.
func (a *CSR) mulVec(dst, x []float64) {
	for i := 0; i < a.Rows; i++ {
		s := 0.0
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			s += a.Val[p] * x[a.Col[p]]
		}
		dst[i] = s
	}
}

func dot(x, y []float64) float64 {
	s := 0.0
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// n1 returns 1 + Σx.
func n1(x []float64) float64 {
	s := 1.0
	for _, v := range x {
		s += v
	}
	return s
}

func norm1(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += math.Abs(v)
	}
	return s
}

// bicgstab solves a x = b with right preconditioner m, starting from x, until
// ‖b − a x‖₁ ≤ rel·(1 + Σx) or maxIter iterations. The test uses the recurrence residual,
// confirmed (and, every 25 iterations, replaced) by the true residual, which the
// recurrence can drift away from. It returns the iterations used.
func bicgstab(a *CSR, m *ilu0, x, b []float64, rel float64, maxIter int) int {
	n := len(b)
	r := make([]float64, n)
	rhat := make([]float64, n)
	p := make([]float64, n)
	v := make([]float64, n)
	ph := make([]float64, n)
	sh := make([]float64, n)
	t := make([]float64, n)
	a.mulVec(r, x)
	for i := range r {
		r[i] = b[i] - r[i]
	}
	copy(rhat, r)
	rho, alpha, omega := 1.0, 1.0, 1.0
	it := 0
	tr := make([]float64, n)
	// converged checks the true residual of x.
	converged := func() bool {
		a.mulVec(tr, x)
		sum, res := 1.0, 0.0
		for i := range tr {
			sum += x[i]
			res += math.Abs(b[i] - tr[i])
		}
		return res <= rel*sum
	}
	for it < maxIter {
		if (norm1(r) <= rel*n1(x) || it%25 == 0) && converged() {
			break
		}
		it++
		rhoNew := dot(rhat, r)
		if rhoNew == 0 || omega == 0 || math.IsNaN(rhoNew) {
			// Breakdown: restart with the current residual as shadow vector.
			copy(rhat, r)
			for i := range p {
				p[i], v[i] = 0, 0
			}
			rho, alpha, omega = 1, 1, 1
			rhoNew = dot(rhat, r)
		}
		beta := (rhoNew / rho) * (alpha / omega)
		for i := range p {
			p[i] = r[i] + beta*(p[i]-omega*v[i])
		}
		m.solve(ph, p)
		a.mulVec(v, ph)
		alpha = rhoNew / dot(rhat, v)
		rho = rhoNew
		for i := range r {
			r[i] -= alpha * v[i] // r now holds s
		}
		if norm1(r) <= rel*n1(x) {
			for i := range x {
				x[i] += alpha * ph[i]
			}
			if converged() {
				break
			}
			continue
		}
		m.solve(sh, r)
		a.mulVec(t, sh)
		tt := dot(t, t)
		if tt == 0 {
			omega = 0
		} else {
			omega = dot(t, r) / tt
		}
		for i := range x {
			x[i] += alpha*ph[i] + omega*sh[i]
			r[i] -= omega * t[i]
		}
	}
	return it
}

// gaussSeidel runs symmetric Gauss–Seidel sweeps on Qᵀπ = 0 (qt = Qᵀ), normalising π after
// each sweep. It serves as a cheap first guess to choose a pivot of large probability.
func gaussSeidel(qt *CSR, pi []float64, sweeps int) {
	n := qt.Rows
	step := func(i int) {
		s, d := 0.0, 0.0
		for p := qt.RowPtr[i]; p < qt.RowPtr[i+1]; p++ {
			if j := int(qt.Col[p]); j == i {
				d = qt.Val[p]
			} else {
				s += qt.Val[p] * pi[j]
			}
		}
		if d != 0 {
			pi[i] = -s / d
		}
	}
	for k := 0; k < sweeps; k++ {
		for i := 0; i < n; i++ {
			step(i)
		}
		for i := n - 1; i >= 0; i-- {
			step(i)
		}
		_ = normalise(pi)
	}
}

// solveIterative solves πQ = 0, Σπ = 1 for an irreducible generator q. It fixes π_k = 1 at
// a pivot k of large probability, solves the remaining nonsingular equations of Qᵀπ = 0
// (one equation is redundant) with ILU(0)-preconditioned BiCGSTAB, re-pivots at the
// largest component and refines until ‖πQ‖₁ ≤ tol for the normalised π.
func solveIterative(q *CSR, set Settings) ([]float64, int, error) {
	n := q.Rows
	qt := q.Transpose()
	pi := make([]float64, n)
	for i := range pi {
		pi[i] = 1 / float64(n)
	}
	gaussSeidel(qt, pi, 20)
	iters := 0
	for pass := 0; pass < 8; pass++ {
		k := 0
		for i, v := range pi {
			if v > pi[k] {
				k = i
			}
		}
		// Reduced system: drop row and column k of Qᵀ; b_i = −Qᵀ[i][k] (π_k = 1).
		a := &CSR{Rows: n - 1, Cols: n - 1, RowPtr: make([]int, 1, n)}
		b := make([]float64, 0, n-1)
		for i := 0; i < n; i++ {
			if i == k {
				continue
			}
			bi := 0.0
			for p := qt.RowPtr[i]; p < qt.RowPtr[i+1]; p++ {
				j := int(qt.Col[p])
				switch {
				case j == k:
					bi = -qt.Val[p]
				case j > k:
					a.Col = append(a.Col, int32(j-1))
					a.Val = append(a.Val, qt.Val[p])
				default:
					a.Col = append(a.Col, int32(j))
					a.Val = append(a.Val, qt.Val[p])
				}
			}
			b = append(b, bi)
			a.RowPtr = append(a.RowPtr, len(a.Col))
		}
		m, err := newILU0(a)
		if err != nil {
			return nil, iters, err
		}
		x := make([]float64, n-1)
		sum := 0.0
		for i := 0; i < n; i++ {
			if i != k {
				x[i-btoi(i > k)] = pi[i] / pi[k]
				sum += pi[i] / pi[k]
			}
		}
		// ‖πQ‖₁ ≤ 2‖r‖₁ / Σx for the normalised π, since the dropped equation is minus the
		// sum of the others.
		iters += bicgstab(a, m, x, b, 0.4*set.Tol, set.MaxIter)
		for i := 0; i < n; i++ {
			switch {
			case i == k:
				pi[i] = 1
			case i > k:
				pi[i] = x[i-1]
			default:
				pi[i] = x[i]
			}
		}
		if err := normalise(pi); err != nil {
			return nil, iters, err
		}
		if residual(q, pi) <= set.Tol {
			return pi, iters, nil
		}
	}
	return pi, iters, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
