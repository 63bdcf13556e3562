package poisson

import (
	"context"
	"math"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// maxCond is the largest condition number of a dense M accepted as nonsingular.
const maxCond = 1e14

// denseFactor is the LU of M with partial pivoting by LAPACK's Getrf (gonum), with its
// condition number estimated as mat.LU does (Gecon in the ∞-norm).
type denseFactor struct {
	n    int
	lu   []float64 // the packed factors, row-major: L below the diagonal (unit), U on and above
	ipiv []int     // the row interchanges of Getrf
	ok   bool      // no exact zero pivot
}

// newDenseFactor factorises m, in place: m is overwritten (every caller passes a matrix of
// its own). O(n³).
func newDenseFactor(m *mat.Dense) (*denseFactor, error) {
	n, c := m.Dims()
	if n != c {
		panic("poisson: dense factor of a non-square matrix")
	}
	f := &denseFactor{n: n, ipiv: make([]int, n)}
	if raw := m.RawMatrix(); raw.Stride == n {
		f.lu = raw.Data[:n*n]
	} else {
		f.lu = make([]float64, n*n)
		for i := 0; i < n; i++ {
			copy(f.lu[i*n:(i+1)*n], raw.Data[i*raw.Stride:i*raw.Stride+n])
		}
	}
	a := blas64.General{Rows: n, Cols: n, Stride: n, Data: f.lu}
	work := make([]float64, 4*n)
	anorm := lapack64.Lange(mat.CondNorm, a, work)
	f.ok = lapack64.Getrf(a, f.ipiv)
	cond := 1 / lapack64.Gecon(mat.CondNorm, a, anorm, work, make([]int, n))
	if cond > maxCond || math.IsNaN(cond) {
		return nil, ErrSingular
	}
	return f, nil
}

// solve sets x = M⁻¹b (M⁻ᵀb). It is LAPACK's Getrs for one right-hand side with the
// triangular solves written out: the same operations in the same order as gonum's
// Dgetrs, whose Dtrsm spends most of its time calling a vector kernel on vectors of
// length 1. O(n²).
func (f *denseFactor) solve(_ context.Context, x, b []float64, trans bool) (int, error) {
	n, a, piv := f.n, f.lu, f.ipiv
	if len(x) != n || len(b) != n {
		panic("poisson: dense solve of the wrong length")
	}
	if !f.ok {
		return 0, ErrSingular
	}
	copy(x, b)
	if !trans {
		for k := 0; k < n; k++ {
			if p := piv[k]; p != k {
				x[k], x[p] = x[p], x[k]
			}
		}
		// L x = b, L unit lower triangular, by rows.
		for i := 0; i < n; i++ {
			x[i] = dotSub(x[i], a[i*n:i*n+i], x)
		}
		// U x = b, by rows from the last.
		for i := n - 1; i >= 0; i-- {
			x[i] = dotSub(x[i], a[i*n+i+1:i*n+n], x[i+1:]) * (1 / a[i*n+i])
		}
		return 0, nil
	}
	// Uᵀ x = b, by columns of Uᵀ.
	for k := 0; k < n; k++ {
		xk := x[k] * (1 / a[k*n+k])
		x[k] = xk
		axpySub(x[k+1:n], a[k*n+k+1:k*n+n], xk)
	}
	// Lᵀ x = b, L unit lower, by columns of Lᵀ from the last.
	for k := n - 1; k >= 0; k-- {
		axpySub(x, a[k*n:k*n+k], x[k])
	}
	for k := n - 1; k >= 0; k-- {
		if p := piv[k]; p != k {
			x[k], x[p] = x[p], x[k]
		}
	}
	return 0, nil
}

// dotSub returns s − Σ_k row[k]·x[k] over the non-zero row[k], subtracted one at a time in
// the order of k (the loops of the triangular solves, unrolled by four: the same
// operations in the same order; s − p is s + (−p) in IEEE arithmetic, and −(r·x) = (−r)·x,
// so this is Getrs's s += −r·x bit for bit). len(x) ≥ len(row).
func dotSub(s float64, row, x []float64) float64 {
	x = x[:len(row)]
	k := 0
	for ; k+4 <= len(row); k += 4 {
		r, y := row[k:k+4:k+4], x[k:k+4:k+4]
		if r[0] != 0 {
			s -= float64(r[0] * y[0])
		}
		if r[1] != 0 {
			s -= float64(r[1] * y[1])
		}
		if r[2] != 0 {
			s -= float64(r[2] * y[2])
		}
		if r[3] != 0 {
			s -= float64(r[3] * y[3])
		}
	}
	for ; k < len(row); k++ {
		if v := row[k]; v != 0 {
			s -= float64(v * x[k])
		}
	}
	return s
}

// axpySub sets y[i] −= row[i]·a for the non-zero row[i] (bit for bit y[i] += −row[i]·a, as
// for dotSub), unrolled by four. len(y) ≥ len(row).
func axpySub(y, row []float64, a float64) {
	y = y[:len(row)]
	i := 0
	for ; i+4 <= len(row); i += 4 {
		r, z := row[i:i+4:i+4], y[i:i+4:i+4]
		if r[0] != 0 {
			z[0] -= float64(r[0] * a)
		}
		if r[1] != 0 {
			z[1] -= float64(r[1] * a)
		}
		if r[2] != 0 {
			z[2] -= float64(r[2] * a)
		}
		if r[3] != 0 {
			z[3] -= float64(r[3] * a)
		}
	}
	for ; i < len(row); i++ {
		if v := row[i]; v != 0 {
			y[i] -= float64(v * a)
		}
	}
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
