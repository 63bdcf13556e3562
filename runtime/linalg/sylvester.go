package linalg

import (
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// sylvesterQuasiTriangular solves T Y + Y Tᵀ = R for a quasi-upper-triangular T (the
// Sylvester kernel of Bartels–Stewart). Block (k,l) depends only on blocks (i,l), i > k,
// and (k,j), j > l:  T_kk Y_kl + Y_kl T_llᵀ = R_kl − Σ_{i>k} T_ki Y_il − Σ_{j>l} Y_kj T_ljᵀ.
//
// The column blocks are solved from the last to the first. For column block l, one pass
// over the rows subtracts the finished columns, G = R_{:,l} − Y_{:,j>l} T_{l,j>l}ᵀ (row
// dot products, contiguous in the row-major Y and T), then a back substitution up the
// column subtracts Σ_{i>k} T_ki Y_il from a contiguous copy of the column, each diagonal
// block being a system of order p·q ≤ 4 (solveSmall; singular when a pivot is below
// 1e-13‖T‖∞, that is λ_k + λ_l ≈ 0). About n³ multiply-adds in all, in
// two unit-stride dot products: O(n³) time, O(n²) memory.
//
// With symmetric set, R must be symmetric, and so is Y: only the blocks on and above the
// diagonal are solved (Y_kl for k ≤ l; the column's entries below the diagonal block are
// Y_lk, solved with an earlier column), which halves the work; Y is mirrored at the end.
func sylvesterQuasiTriangular(t, r *mat.Dense, symmetric bool) (*mat.Dense, error) {
	n, _ := t.Dims()
	y := mat.NewDense(n, n, nil)
	st, sz := blocks(t)
	scale := math.Max(mat.Norm(t, math.Inf(1)), 1e-300)
	tr, rr, yr := t.RawMatrix(), r.RawMatrix(), y.RawMatrix()
	trow := func(i int) []float64 { return tr.Data[i*tr.Stride : i*tr.Stride+n] }
	yrow := func(i int) []float64 { return yr.Data[i*yr.Stride : i*yr.Stride+n] }
	g := make([]float64, 2*n)   // G, column b of the block at g[b*n:]
	col := make([]float64, 2*n) // the block's columns of Y, column b at col[b*n:]
	var m [16]float64
	var rhs [4]float64
	for l := len(st) - 1; l >= 0; l-- {
		l0, q := st[l], sz[l]
		rows, kTop := n, len(st)-1 // the rows of G needed, the first row block solved
		if symmetric {
			rows, kTop = l0+q, l
			for b := 0; b < q; b++ {
				copy(col[b*n+l0+q:(b+1)*n], yrow(l0 + b)[l0+q:]) // Y_il = Y_li, i > l
			}
		}
		for b := 0; b < q; b++ {
			tl := trow(l0 + b)[l0+q:]
			gb := g[b*n : (b+1)*n]
			for k := 0; k < rows; k++ {
				gb[k] = rr.Data[k*rr.Stride+l0+b] - floats.Dot(yrow(k)[l0+q:], tl)
			}
		}
		for k := kTop; k >= 0; k-- {
			k0, p := st[k], sz[k]
			for b := 0; b < q; b++ {
				cb := col[b*n : (b+1)*n]
				for a := 0; a < p; a++ {
					rhs[b*p+a] = g[b*n+k0+a] - floats.Dot(trow(k0 + a)[k0+p:], cb[k0+p:])
				}
			}
			// (I_q ⊗ T_kk + T_ll ⊗ I_p) vec(Y_kl) = vec(rhs), column-major vec.
			s := p * q
			for i := range m[:s*s] {
				m[i] = 0
			}
			for b := 0; b < q; b++ {
				for a := 0; a < p; a++ {
					row := b*p + a
					for a2 := 0; a2 < p; a2++ {
						m[row*s+b*p+a2] += tr.Data[(k0+a)*tr.Stride+k0+a2]
					}
					for b2 := 0; b2 < q; b2++ {
						m[row*s+b2*p+a] += tr.Data[(l0+b)*tr.Stride+l0+b2]
					}
				}
			}
			var sol [8]float64
			if s == 1 {
				// The common case, a pair of real eigenvalues: λ_k + λ_l.
				if d := m[0]; math.Abs(d) > 1e-13*scale {
					sol[0] = rhs[0] / d
				} else {
					return nil, &SingularError{Block: [2]int{k0, l0}}
				}
			} else {
				var ok bool
				if sol, ok = solveSmall(m[:s*s], rhs[:s], s, scale); !ok {
					return nil, &SingularError{Block: [2]int{k0, l0}}
				}
			}
			for b := 0; b < q; b++ {
				for a := 0; a < p; a++ {
					v := sol[b*p+a]
					col[b*n+k0+a] = v
					yr.Data[(k0+a)*yr.Stride+l0+b] = v
				}
			}
		}
	}
	if symmetric {
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				yr.Data[j*yr.Stride+i] = yr.Data[i*yr.Stride+j]
			}
		}
	}
	return y, nil
}
