package linalg

import "gonum.org/v1/gonum/mat"

// The moment equations integrate symmetric d×d matrices (covariances, second moments) as
// ODE unknowns packed as their upper triangle row by row,
//
//	v = (w₀₀, w₀₁, …, w₀,d−1, w₁₁, …, w_{d−1,d−1}),   d(d+1)/2 entries,
//
// the layout of PackSym, PackSymSum and UnpackSym.

// PackSym sets dst[:d(d+1)/2] to the packed upper triangle of a (d×d). O(d²).
func PackSym(dst []float64, a mat.Symmetric) {
	d := a.SymmetricDim()
	k := 0
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			dst[k] = a.At(i, j)
			k++
		}
	}
}

// PackSymSum sets dst[:d(d+1)/2] to the packed upper triangle of m + mᵀ + q, for m d×d and
// q symmetric d×d: with m = AW, the right side AW + WAᵀ + Q of the Lyapunov differential
// equation Ẇ = AW + WAᵀ + Q. It panics with mat.ErrShape when m is not square. O(d²).
func PackSymSum(dst []float64, m mat.Matrix, q mat.Symmetric) {
	d := q.SymmetricDim()
	if r, c := m.Dims(); r != d || c != d {
		panic(mat.ErrShape)
	}
	k := 0
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			dst[k] = m.At(i, j) + m.At(j, i) + q.At(i, j)
			k++
		}
	}
}

// UnpackSym sets the symmetric matrix dst (d×d) from v, its packed upper triangle;
// len(v) ≥ d(d+1)/2. O(d²).
func UnpackSym(dst *mat.SymDense, v []float64) {
	d := dst.SymmetricDim()
	k := 0
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			dst.SetSym(i, j, v[k])
			k++
		}
	}
}

// Rows returns the elements of a as nested slices, one a row (for reports and JSON).
// O(rows·cols).
func Rows(a mat.Matrix) [][]float64 {
	r, c := a.Dims()
	out := make([][]float64, r)
	for i := range out {
		out[i] = make([]float64, c)
		for j := range out[i] {
			out[i][j] = a.At(i, j)
		}
	}
	return out
}
