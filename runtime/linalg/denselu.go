package linalg

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// SolveDenseLU sets x to the solution of a x = b, a square, by dense LU with partial
// pivoting (gonum mat.LU) and one step of iterative refinement. An ill-conditioned a
// (mat.Condition) is not an error: the caller checks the residual. O(n³) time, O(n²)
// memory; for the small systems of the chain analyses (up to a few thousand states).
func SolveDenseLU(x []float64, a *CSR, b []float64) error {
	n := a.Rows
	if a.Cols != n || len(b) != n || len(x) != n {
		panic("linalg: SolveDenseLU: dimension mismatch")
	}
	if n == 0 {
		return nil
	}
	var d mat.Dense
	a.ToDense(&d)
	var lu mat.LU
	lu.Factorize(&d)
	var xv mat.VecDense
	if err := lu.SolveVecTo(&xv, false, mat.NewVecDense(n, append([]float64(nil), b...))); err != nil {
		if _, ok := err.(mat.Condition); !ok {
			return fmt.Errorf("linalg: dense LU failed: %w", err)
		}
	}
	for i := range x {
		x[i] = xv.AtVec(i)
	}
	r := make([]float64, n)
	a.MulVec(r, x)
	for i := range r {
		r[i] = b[i] - r[i]
	}
	var dx mat.VecDense
	if err := lu.SolveVecTo(&dx, false, mat.NewVecDense(n, r)); err == nil {
		for i := range x {
			x[i] += dx.AtVec(i)
		}
	}
	return nil
}
