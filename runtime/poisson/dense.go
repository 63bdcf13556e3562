package poisson

import (
	"context"
	"math"

	"gonum.org/v1/gonum/mat"
)

// maxCond is the largest condition number of a dense M accepted as nonsingular.
const maxCond = 1e14

// denseFactor is gonum's LU of M with partial pivoting.
type denseFactor struct {
	lu mat.LU
}

// newDenseFactor factorises m in place of a copy. O(n³).
func newDenseFactor(m *mat.Dense) (*denseFactor, error) {
	f := &denseFactor{}
	f.lu.Factorize(m)
	if c := f.lu.Cond(); c > maxCond || math.IsNaN(c) {
		return nil, ErrSingular
	}
	return f, nil
}

// solve sets x = M⁻¹b (M⁻ᵀb). O(n²).
func (f *denseFactor) solve(_ context.Context, x, b []float64, trans bool) (int, error) {
	xv := mat.NewVecDense(len(x), x)
	if err := f.lu.SolveVecTo(xv, trans, mat.NewVecDense(len(b), b)); err != nil {
		return 0, ErrSingular
	}
	return 0, nil
}

// GroupInverse sets dst to the group inverse of the generator k (m×m, rows summing to 0),
//
//	K⁺ = (K + 1π)⁻¹ − 1π = −D,
//
// with π the stationary law of k (πK = 0, π1 = 1) and D its deviation matrix (package doc),
// so that K K⁺ = K⁺ K = I − 1π, K⁺1 = 0 and πK⁺ = 0. k may have transient states; it must
// have one recurrent class, else the error is ErrSingular. dst is resized when empty and
// must otherwise be m×m (else it panics). One LU of M = −K + σ1e_mᵀ and m + 1 solves:
// O(m³) time, O(m²) memory.
func GroupInverse(dst, k *mat.Dense) error {
	m, c := k.Dims()
	if m != c {
		panic("poisson: GroupInverse of a non-square matrix")
	}
	if dst.IsEmpty() {
		dst.ReuseAs(m, m)
	} else if r, c := dst.Dims(); r != m || c != m {
		panic("poisson: GroupInverse destination has the wrong size")
	}
	bm := mat.NewDense(m, m, nil)
	bm.Scale(-1, k)
	sigma := 0.0
	for i := 0; i < m; i++ {
		sigma = math.Max(sigma, math.Abs(bm.At(i, i)))
	}
	if sigma == 0 || math.IsNaN(sigma) || math.IsInf(sigma, 0) {
		sigma = 1
	}
	for i := 0; i < m; i++ {
		bm.Set(i, m-1, bm.At(i, m-1)+sigma)
	}
	f, err := newDenseFactor(bm)
	if err != nil {
		return err
	}
	pi := make([]float64, m)
	if _, err := stationary(context.Background(), f, pi, m-1); err != nil {
		return err
	}
	// X = M⁻¹(I − 1π) solves A X = I − 1π column by column; D = X − 1(πX); K⁺ = −D.
	rhs := mat.NewDense(m, m, nil)
	for i := 0; i < m; i++ {
		row := rhs.RawRowView(i)
		for j := range row {
			row[j] = -pi[j]
		}
		row[i]++
	}
	if err := f.lu.SolveTo(dst, false, rhs); err != nil {
		return ErrSingular
	}
	px := make([]float64, m)
	mat.NewVecDense(m, px).MulVec(dst.T(), mat.NewVecDense(m, pi))
	for i := 0; i < m; i++ {
		row := dst.RawRowView(i)
		for j := range row {
			row[j] = px[j] - row[j]
		}
	}
	return nil
}
