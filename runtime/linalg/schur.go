package linalg

import (
	"errors"
	"fmt"

	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/mat"
)

// Schur returns the real Schur form A = Z T Zᵀ of a square, non-empty A: T
// quasi-upper-triangular (a 2×2 diagonal block for each complex pair of eigenvalues) and Z
// orthogonal, with the start indices and sizes (1 or 2) of T's diagonal blocks in
// increasing order. It uses gonum's LAPACK routines Dgehrd, Dorghr and Dhseqr (gonum has
// no Dgees). Cost O(d³).
func Schur(a *mat.Dense) (t, z *mat.Dense, start, size []int, err error) {
	if n, c := a.Dims(); n != c || n == 0 {
		return nil, nil, nil, nil, errors.New("linalg: Schur: matrix must be square and non-empty")
	}
	t, z, err = schur(a)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	start, size = blocks(t)
	return t, z, start, size, nil
}

// schur returns T and Z of Schur for a square, non-empty a.
func schur(a *mat.Dense) (t, z *mat.Dense, err error) {
	n, _ := a.Dims()
	if n == 1 {
		return mat.NewDense(1, 1, []float64{a.At(0, 0)}), mat.NewDense(1, 1, []float64{1}), nil
	}
	var impl gonum.Implementation
	h := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			h[i*n+j] = a.At(i, j)
		}
	}
	tau := make([]float64, n-1)
	work := make([]float64, 1)
	impl.Dgehrd(n, 0, n-1, h, n, tau, work, -1)
	work = make([]float64, max(int(work[0]), 1))
	impl.Dgehrd(n, 0, n-1, h, n, tau, work, len(work))
	zz := append([]float64(nil), h...)
	work = make([]float64, 1)
	impl.Dorghr(n, 0, n-1, zz, n, tau, work, -1)
	work = make([]float64, max(int(work[0]), 1))
	impl.Dorghr(n, 0, n-1, zz, n, tau, work, len(work))
	for i := 0; i < n; i++ {
		for j := 0; j < i-1; j++ {
			h[i*n+j] = 0
		}
	}
	wr, wi := make([]float64, n), make([]float64, n)
	work = make([]float64, 1)
	impl.Dhseqr(lapack.EigenvaluesAndSchur, lapack.SchurOrig, n, 0, n-1, h, n, wr, wi, zz, n, work, -1)
	work = make([]float64, max(int(work[0]), n))
	if unc := impl.Dhseqr(lapack.EigenvaluesAndSchur, lapack.SchurOrig, n, 0, n-1, h, n, wr, wi, zz, n, work, len(work)); unc > 0 {
		return nil, nil, fmt.Errorf("linalg: real Schur form did not converge (%d eigenvalues)", unc)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < i-1; j++ {
			h[i*n+j] = 0
		}
	}
	return mat.NewDense(n, n, h), mat.NewDense(n, n, zz), nil
}

// blocks returns the start indices and sizes of the diagonal blocks of a quasi-triangular T.
func blocks(t *mat.Dense) (start, size []int) {
	n, _ := t.Dims()
	for i := 0; i < n; {
		if i+1 < n && t.At(i+1, i) != 0 {
			start, size = append(start, i), append(size, 2)
			i += 2
		} else {
			start, size = append(start, i), append(size, 1)
			i++
		}
	}
	return start, size
}
