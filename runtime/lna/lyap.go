package lna

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/mat"
)

// SingularError means the Lyapunov operator X ↦ AX + XAᵀ is singular: λ_i + λ_j ≈ 0 for two
// eigenvalues of A (a marginal or non-hyperbolic fixed point). No stationary covariance exists;
// check the fixed point's stability or a missing conservation law.
type SingularError struct{ Block [2]int }

// Error names the diagonal blocks whose Sylvester system is singular.
func (e *SingularError) Error() string {
	return fmt.Sprintf("lna: singular Lyapunov equation at Schur blocks %v (λ_i + λ_j ≈ 0): is the fixed point stable and every conservation law declared?", e.Block)
}

// Lyapunov solves A W + W Aᵀ + Q = 0 by the Bartels–Stewart method on the real Schur form
// A = Z T Zᵀ (gonum's Dgehrd, Dorghr, Dhseqr): with Y = Zᵀ W Z and C = Zᵀ Q Z, it solves
// T Y + Y Tᵀ = -C block by block, bottom-right to top-left, each 1×1 or 2×2 diagonal block
// pair being a Sylvester system of order ≤ 4; then W = Z Y Zᵀ. Cost O(d³).
func Lyapunov(a *mat.Dense, q mat.Symmetric) (*mat.SymDense, error) {
	n, c := a.Dims()
	if n != c || q.SymmetricDim() != n {
		return nil, errors.New("lna: Lyapunov: dimension mismatch")
	}
	if n == 0 {
		return mat.NewSymDense(0, nil), nil
	}
	t, z, err := schur(a)
	if err != nil {
		return nil, err
	}
	var cm, tmp mat.Dense
	tmp.Mul(q, z)
	cm.Mul(z.T(), &tmp)
	cm.Scale(-1, &cm)
	y, err := solveQuasiTriangular(t, &cm)
	if err != nil {
		return nil, err
	}
	var w, yz mat.Dense
	yz.Mul(y, z.T())
	w.Mul(z, &yz)
	out := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			out.SetSym(i, j, (w.At(i, j)+w.At(j, i))/2)
		}
	}
	return out, nil
}

// schur returns the real Schur form T (quasi-upper-triangular, 2×2 blocks for complex pairs)
// and the orthogonal Z with A = Z T Zᵀ.
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
		return nil, nil, fmt.Errorf("lna: real Schur form did not converge (%d eigenvalues)", unc)
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

// solveQuasiTriangular solves T Y + Y Tᵀ = R. Block (k,l) depends only on blocks (i,l), i > k,
// and (k,j), j > l:  T_kk Y_kl + Y_kl T_llᵀ = R_kl − Σ_{i>k} T_ki Y_il − Σ_{j>l} Y_kj T_ljᵀ.
func solveQuasiTriangular(t, r *mat.Dense) (*mat.Dense, error) {
	n, _ := t.Dims()
	y := mat.NewDense(n, n, nil)
	st, sz := blocks(t)
	nb := len(st)
	scale := math.Max(mat.Norm(t, math.Inf(1)), 1e-300)
	for k := nb - 1; k >= 0; k-- {
		k0, p := st[k], sz[k]
		for l := nb - 1; l >= 0; l-- {
			l0, q := st[l], sz[l]
			// Right-hand side.
			rhs := make([]float64, p*q) // column-major vec of the p×q block
			for a := 0; a < p; a++ {
				for b := 0; b < q; b++ {
					s := r.At(k0+a, l0+b)
					for i := k0 + p; i < n; i++ {
						s -= t.At(k0+a, i) * y.At(i, l0+b)
					}
					for j := l0 + q; j < n; j++ {
						s -= y.At(k0+a, j) * t.At(l0+b, j)
					}
					rhs[b*p+a] = s
				}
			}
			// (I_q ⊗ T_kk + T_ll ⊗ I_p) vec(Y_kl) = vec(rhs).
			m := mat.NewDense(p*q, p*q, nil)
			for b := 0; b < q; b++ {
				for a := 0; a < p; a++ {
					row := b*p + a
					for a2 := 0; a2 < p; a2++ {
						m.Set(row, b*p+a2, m.At(row, b*p+a2)+t.At(k0+a, k0+a2))
					}
					for b2 := 0; b2 < q; b2++ {
						m.Set(row, b2*p+a, m.At(row, b2*p+a)+t.At(l0+b, l0+b2))
					}
				}
			}
			var lu mat.LU
			lu.Factorize(m)
			if c := lu.Cond(); c > 1e14 || math.IsNaN(c) || mat.Norm(m, math.Inf(1)) < 1e-14*scale {
				return nil, &SingularError{Block: [2]int{k0, l0}}
			}
			sol := mat.NewVecDense(p*q, nil)
			if err := lu.SolveVecTo(sol, false, mat.NewVecDense(p*q, rhs)); err != nil {
				return nil, &SingularError{Block: [2]int{k0, l0}}
			}
			for a := 0; a < p; a++ {
				for b := 0; b < q; b++ {
					y.Set(k0+a, l0+b, sol.AtVec(b*p+a))
				}
			}
		}
	}
	return y, nil
}

// LyapunovKron solves A W + W Aᵀ + Q = 0 by the vectorized system (I⊗A + A⊗I) vec W = −vec Q,
// a dense d²×d² LU: O(d⁶) time, O(d⁴) memory. It is a reference for tests and small d
// (refused for d > 30).
func LyapunovKron(a *mat.Dense, q mat.Symmetric) (*mat.SymDense, error) {
	n, _ := a.Dims()
	if n > 30 {
		return nil, errors.New("lna: LyapunovKron: d > 30")
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

// Schur returns the real Schur form A = Z T Zᵀ: T quasi-upper-triangular (a 2×2 diagonal
// block for each complex pair) and Z orthogonal, with the diagonal blocks' start indices and
// sizes (1 or 2). Cost O(d³).
func Schur(a *mat.Dense) (t, z *mat.Dense, start, size []int, err error) {
	if n, c := a.Dims(); n != c || n == 0 {
		return nil, nil, nil, nil, errors.New("lna: Schur: matrix must be square and non-empty")
	}
	t, z, err = schur(a)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	start, size = blocks(t)
	return t, z, start, size, nil
}
