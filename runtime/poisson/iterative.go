package poisson

import (
	"context"
	"math"

	"github.com/mfcproject/mfc/runtime/linalg"
	"gonum.org/v1/gonum/floats"
)

// krylov solves with M = A + σ1e_kᵀ by linalg.GMRES(restart) preconditioned on the right by
// linalg.ILU0 of M (its transposed factors for Mᵀ). The states k and n−1 are swapped so that
// the bordered column comes last in the elimination; k must be a state of large
// probability, else the incomplete factors grow like π_k⁻¹ (for an M/M/1/K queue at load
// ρ < 1 bordered at state K, like ρ^{−K}).
type krylov struct {
	k       int         // the bordered state, swapped with n−1
	m, mt   *linalg.CSR // M and Mᵀ, in the swapped order
	ilu     *linalg.ILU0
	normA   [2]float64 // ‖A‖∞ and ‖Aᵀ‖∞
	tol     float64
	maxIter int
	restart int
	plain   bool // M is not bordered: every equation of Mᵀ counts in the backward error
}

func newKrylov(a *linalg.CSR, k int, sigma float64, o Options) (*krylov, error) {
	m := bordered(swapStates(a, k), sigma)
	f, err := linalg.NewILU0(m)
	if err != nil {
		return nil, err
	}
	return &krylov{k: k, m: m, mt: m.Transpose(), ilu: f, normA: [2]float64{a.NormInf(), a.Transpose().NormInf()},
		tol: o.Tol, maxIter: o.MaxIter, restart: o.Restart}, nil
}

// solve sets x = M⁻¹b (M⁻ᵀb) from the initial guess 0.
func (k *krylov) solve(ctx context.Context, x, b []float64, trans bool) (int, error) {
	set := &linalg.GMRESSettings{M: k.ilu, Restart: k.restart, MaxIter: k.maxIter, Tol: k.tol,
		Norm2: math.Sqrt(k.normA[0] * k.normA[1]), Backward: backward(k.normA[0], false)}
	op := k.m
	if trans {
		op, set.M, set.Backward = k.mt, k.ilu.Trans(), backward(k.normA[1], !k.plain)
	}
	n := len(x)
	pb, px := make([]float64, n), make([]float64, n)
	for i := range pb {
		pb[swapped(i, k.k, n)] = b[i]
	}
	res, err := linalg.GMRES(ctx, op, pb, px, set)
	for i := range x {
		x[i] = px[swapped(i, k.k, n)]
	}
	if err == nil && !res.Converged {
		err = &ConvergenceError{Iterations: res.Iterations, Residual: res.Backward, Tol: k.tol}
	}
	return res.Iterations, err
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

// backward returns the backward error ‖r‖∞/(‖A‖∞‖x‖∞ + ‖b‖∞) of x, r = b − M x (trans:
// Mᵀ, with normA = ‖Aᵀ‖∞), measured with A rather than M (the border σ1e_kᵀ is exact, and
// for Mᵀ its row of n elements σ would otherwise dominate the norm). For Mᵀ the last
// equation, the normalisation y1 (re-imposed after the solve) is left out: for π it is the
// only one with a right side, whose size would otherwise set the scale of a solution n times
// smaller.
func backward(normA float64, trans bool) func(x, b, r []float64) float64 {
	return func(x, b, r []float64) float64 {
		m := len(r)
		if trans {
			m--
		}
		if d := normA*floats.Norm(x, math.Inf(1)) + floats.Norm(b[:m], math.Inf(1)); d > 0 {
			return floats.Norm(r[:m], math.Inf(1)) / d
		}
		return floats.Norm(r, math.Inf(1))
	}
}
