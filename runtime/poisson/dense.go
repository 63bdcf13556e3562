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
// so that K K⁺ = K⁺ K = I − 1π, K⁺1 = 0 and πK⁺ = 0. pi is π when the caller has it (it is
// used as given), or nil: then it is computed from the bordered LU of −K + σ1e_mᵀ. k may have
// transient states; with several recurrent classes the error is ErrSingular. dst is resized
// when empty and must otherwise be m×m (else it panics). The inverse is formed (mat.Inverse,
// an LU): O(m³) time, O(m²) memory, meant for the small fast environments of two-timescale
// models; use a Chain for large chains.
func GroupInverse(dst, k *mat.Dense, pi []float64) error {
	m, c := k.Dims()
	if m != c {
		panic("poisson: GroupInverse of a non-square matrix")
	}
	if dst.IsEmpty() {
		dst.ReuseAs(m, m)
	} else if r, c := dst.Dims(); r != m || c != m {
		panic("poisson: GroupInverse destination has the wrong size")
	}
	if pi == nil {
		pi = make([]float64, m)
		if err := generatorStationary(k, pi); err != nil {
			return err
		}
	}
	e := mat.NewDense(m, m, nil)
	for y := 0; y < m; y++ {
		for z := 0; z < m; z++ {
			e.Set(y, z, k.At(y, z)+pi[z])
		}
	}
	if err := dst.Inverse(e); err != nil {
		return ErrSingular
	}
	for y := 0; y < m; y++ {
		for z := 0; z < m; z++ {
			dst.Set(y, z, dst.At(y, z)-pi[z])
		}
	}
	return nil
}

// generatorStationary sets pi to the stationary law of the dense generator k by the bordered
// LU of −K + σ1e_mᵀ. O(m³).
func generatorStationary(k *mat.Dense, pi []float64) error {
	m := len(pi)
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
	_, err = stationary(context.Background(), f, pi, m-1)
	return err
}
