package linalg

import (
	"errors"
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// SingularError means the Lyapunov operator X ↦ AX + XAᵀ is singular: λ_i + λ_j ≈ 0 for two
// eigenvalues of A (a marginal or non-hyperbolic fixed point). No stationary covariance
// exists; check the fixed point's stability or a missing conservation law.
type SingularError struct{ Block [2]int }

// Error names the diagonal blocks whose Sylvester system is singular.
func (e *SingularError) Error() string {
	return fmt.Sprintf("linalg: singular Lyapunov equation at Schur blocks %v (λ_i + λ_j ≈ 0): is the fixed point stable and every conservation law declared?", e.Block)
}

// Lyapunov solves A W + W Aᵀ + Q = 0 for a symmetric Q by the Bartels–Stewart method on the
// real Schur form A = Z T Zᵀ (see Schur): with Y = Zᵀ W Z and C = Zᵀ Q Z, it solves
//
//	T Y + Y Tᵀ = −C
//
// block by block, bottom-right to top-left, each pair of 1×1 or 2×2 diagonal blocks being a
// Sylvester system of order ≤ 4; then W = Z Y Zᵀ, symmetrised. It needs no
// diagonalisation, so it stays accurate for strongly non-normal A. It returns a
// *SingularError when λ_i + λ_j ≈ 0 for eigenvalues of A. Cost O(d³) time, O(d²) memory.
// Dimension mismatches return an error.
func Lyapunov(a *mat.Dense, q mat.Symmetric) (*mat.SymDense, error) {
	n, c := a.Dims()
	if n != c || q.SymmetricDim() != n {
		return nil, errors.New("linalg: Lyapunov: dimension mismatch")
	}
	if n == 0 {
		return mat.NewSymDense(0, nil), nil
	}
	w, err := bartelsStewart(a, q, true)
	if err != nil {
		return nil, err
	}
	out := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			out.SetSym(i, j, (w.At(i, j)+w.At(j, i))/2)
		}
	}
	return out, nil
}

// LyapunovGeneral solves A X + X Aᵀ + C = 0 for any square C (X is symmetric only when C
// is), by the Bartels–Stewart method of Lyapunov. Cost O(d³).
func LyapunovGeneral(a *mat.Dense, c mat.Matrix) (*mat.Dense, error) {
	n, k := a.Dims()
	if r, cc := c.Dims(); n != k || r != n || cc != n {
		return nil, errors.New("linalg: LyapunovGeneral: dimension mismatch")
	}
	if n == 0 {
		return &mat.Dense{}, nil
	}
	return bartelsStewart(a, c, false)
}

// bartelsStewart returns Z Y Zᵀ where T Y + Y Tᵀ = −Zᵀ C Z, for a square non-empty a;
// symmetric says that c is symmetric (then so is Y: half the Sylvester work).
func bartelsStewart(a *mat.Dense, c mat.Matrix, symmetric bool) (*mat.Dense, error) {
	t, z, err := schur(a)
	if err != nil {
		return nil, err
	}
	var cm, tmp mat.Dense
	if _, ok := c.(*mat.Dense); !ok {
		// gonum multiplies a symmetric matrix with a serial Dsymm; a Dense copy (O(n²))
		// takes its blocked, parallel Dgemm.
		c = mat.DenseCopyOf(c)
	}
	tmp.Mul(c, z)
	cm.Mul(z.T(), &tmp)
	cm.Scale(-1, &cm)
	if symmetric { // the products leave round-off asymmetry; solve with the symmetric part
		raw := cm.RawMatrix()
		for i := 0; i < raw.Rows; i++ {
			for j := i + 1; j < raw.Cols; j++ {
				v := (raw.Data[i*raw.Stride+j] + raw.Data[j*raw.Stride+i]) / 2
				raw.Data[i*raw.Stride+j], raw.Data[j*raw.Stride+i] = v, v
			}
		}
	}
	y, err := sylvesterQuasiTriangular(t, &cm, symmetric)
	if err != nil {
		return nil, err
	}
	var w, yz mat.Dense
	yz.Mul(y, z.T())
	w.Mul(z, &yz)
	return &w, nil
}

// LyapunovKron solves A W + W Aᵀ + Q = 0 by the vectorized system (I⊗A + A⊗I) vec W = −vec Q,
// a dense d²×d² LU: O(d⁶) time, O(d⁴) memory. It is a reference for tests and small d
// (refused for d > 30).
func LyapunovKron(a *mat.Dense, q mat.Symmetric) (*mat.SymDense, error) {
	n, _ := a.Dims()
	if n > 30 {
		return nil, errors.New("linalg: LyapunovKron: d > 30")
	}
	k := mat.NewDense(n*n, n*n, nil)
	rhs := mat.NewVecDense(n*n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			row := i*n + j // W_ij
			rhs.SetVec(row, -q.At(i, j))
			for m := 0; m < n; m++ {
				k.Set(row, m*n+j, k.At(row, m*n+j)+a.At(i, m)) // (A W)_ij
				k.Set(row, i*n+m, k.At(row, i*n+m)+a.At(j, m)) // (W Aᵀ)_ij
			}
		}
	}
	var sol mat.VecDense
	if err := sol.SolveVec(k, rhs); err != nil {
		return nil, &SingularError{}
	}
	out := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			out.SetSym(i, j, (sol.AtVec(i*n+j)+sol.AtVec(j*n+i))/2)
		}
	}
	return out, nil
}
