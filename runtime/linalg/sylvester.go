package linalg

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// sylvesterQuasiTriangular solves T Y + Y Tᵀ = R for a quasi-upper-triangular T (the
// Sylvester kernel of Bartels–Stewart). Cost O(n³). Block (k,l) depends only on blocks (i,l), i > k,
// and (k,j), j > l:  T_kk Y_kl + Y_kl T_llᵀ = R_kl − Σ_{i>k} T_ki Y_il − Σ_{j>l} Y_kj T_ljᵀ.
func sylvesterQuasiTriangular(t, r *mat.Dense) (*mat.Dense, error) {
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
