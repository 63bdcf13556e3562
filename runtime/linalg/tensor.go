package linalg

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Tensor3 is a dense n×n×n array, entry (i, j, k) at (i·n + j)·n + k.
type Tensor3 struct {
	N    int
	Data []float64
}

// NewTensor3 returns a zero n×n×n tensor.
func NewTensor3(n int) *Tensor3 { return &Tensor3{N: n, Data: make([]float64, n*n*n)} }

// At returns the entry (i, j, k).
func (t *Tensor3) At(i, j, k int) float64 { return t.Data[(i*t.N+j)*t.N+k] }

// SetSym writes x at (i, j, k) and its five permutations.
func (t *Tensor3) SetSym(i, j, k int, x float64) {
	n := t.N
	t.Data[(i*n+j)*n+k] = x
	t.Data[(i*n+k)*n+j] = x
	t.Data[(j*n+i)*n+k] = x
	t.Data[(j*n+k)*n+i] = x
	t.Data[(k*n+i)*n+j] = x
	t.Data[(k*n+j)*n+i] = x
}

// Transform returns X ×₁ B ×₂ B ×₃ B, (X ×₁ B)_ijk = Σ_a B_ia X_ajk, for an m×n matrix B
// (or Bᵀ, n×m, when trans): three matrix products, O(m n³ + m² n² + m³ n).
func Transform(x *Tensor3, b *mat.Dense, trans bool) *Tensor3 {
	var bb mat.Matrix = b
	if trans {
		bb = b.T()
	}
	m, n := bb.Dims()
	if n != x.N {
		panic("linalg: Transform: dimension mismatch")
	}
	// Mode 3: X (n²×n) · Bᵀ → n²×m.
	y3 := make([]float64, n*n*m)
	mat.NewDense(n*n, m, y3).Mul(mat.NewDense(n*n, n, x.Data), bb.T())
	// Mode 2: for each i, B · X_i (n×m) → m×m.
	y2 := make([]float64, n*m*m)
	for i := 0; i < n; i++ {
		mat.NewDense(m, m, y2[i*m*m:(i+1)*m*m]).Mul(bb, mat.NewDense(n, m, y3[i*n*m:(i+1)*n*m]))
	}
	// Mode 1: B · X (n × m²) → m×m², into y3's storage when the sizes agree (y3 is no
	// longer needed): two tensors allocated instead of three.
	out := &Tensor3{N: m}
	if m == n {
		out.Data = y3
	} else {
		out.Data = make([]float64, m*m*m)
	}
	mat.NewDense(m, m*m, out.Data).Mul(bb, mat.NewDense(n, m*m, y2))
	return out
}

// TensorSylvester returns the symmetric M solving the tensor Sylvester equation
//
//	Σ_a (J_ia M_ajk + J_ja M_iak + J_ka M_ija) = −R_ijk
//
// for a symmetric R, i.e. (J⊗I⊗I + I⊗J⊗I + I⊗I⊗J) vec M = −vec R, without forming the
// n³×n³ operator. With the real Schur form J = Z T Zᵀ (O(n³)), R̃ = R ×Zᵀ (three modes,
// O(n⁴)), the quasi-triangular system for M̃ is solved block triple by block triple over
// the sorted triples I ≤ J ≤ K of diagonal blocks, last first: each has at most 8 unknowns
// (a system of order ≤ 8 with the diagonal blocks of T) after the known contributions of
// later blocks are subtracted (unit-stride dot products, M̃ being stored with all its
// permutations), about n⁴/4 multiply-adds in all since only sorted triples are
// computed (M̃ is symmetric); then M = M̃ ×Z, O(n⁴). The equation is solvable when no sum
// of three eigenvalues of J vanishes, which holds when J is stable.
func TensorSylvester(j *mat.Dense, r *Tensor3) (*Tensor3, error) {
	n := r.N
	t, z, start, size, err := Schur(j)
	if err != nil {
		return nil, err
	}
	rt := Transform(r, z, true)
	mt := NewTensor3(n)
	tv := t.RawMatrix()
	tt := func(a, b int) float64 { return tv.Data[a*tv.Stride+b] }
	trow := func(a int) []float64 { return tv.Data[a*tv.Stride : a*tv.Stride+n] }
	fibre := func(a, b int) []float64 { return mt.Data[(a*n+b)*n : (a*n+b+1)*n] }
	scale := math.Max(mat.Norm(t, math.Inf(1)), 1e-300)
	nb := len(start)
	var sys [64]float64
	var rhs [8]float64
	for bi := nb - 1; bi >= 0; bi-- {
		for bj := nb - 1; bj >= bi; bj-- {
			for bk := nb - 1; bk >= bj; bk-- {
				i0, ni := start[bi], size[bi]
				j0, nj := start[bj], size[bj]
				k0, nk := start[bk], size[bk]
				ei, ej, ek := i0+ni, j0+nj, k0+nk
				p := ni * nj * nk
				// Right-hand side with the known terms of later rows.
				for a := 0; a < ni; a++ {
					for b := 0; b < nj; b++ {
						for c := 0; c < nk; c++ {
							i, jj, k := i0+a, j0+b, k0+c
							// M̃ is stored with every permutation, so M̃_qjk = M̃_jkq and
							// M̃_iqk = M̃_ikq: each sum is a unit-stride dot product of a
							// row of T with a fibre of M̃ along its last index.
							s := -rt.At(i, jj, k)
							s -= floats.Dot(trow(i)[ei:], fibre(jj, k)[ei:])
							s -= floats.Dot(trow(jj)[ej:], fibre(i, k)[ej:])
							s -= floats.Dot(trow(k)[ek:], fibre(i, jj)[ek:])
							rhs[(a*nj+b)*nk+c] = s
						}
					}
				}
				// The block system (T_II⊗I⊗I + I⊗T_JJ⊗I + I⊗I⊗T_KK) m = rhs.
				for e := range sys[:p*p] {
					sys[e] = 0
				}
				for a := 0; a < ni; a++ {
					for b := 0; b < nj; b++ {
						for c := 0; c < nk; c++ {
							row := (a*nj + b) * nk
							row += c
							for a2 := 0; a2 < ni; a2++ {
								sys[row*p+(a2*nj+b)*nk+c] += tt(i0+a, i0+a2)
							}
							for b2 := 0; b2 < nj; b2++ {
								sys[row*p+(a*nj+b2)*nk+c] += tt(j0+b, j0+b2)
							}
							for c2 := 0; c2 < nk; c2++ {
								sys[row*p+(a*nj+b)*nk+c2] += tt(k0+c, k0+c2)
							}
						}
					}
				}
				sol, ok := solveSmall(sys[:p*p], rhs[:p], p, scale)
				if !ok {
					return nil, fmt.Errorf("linalg: TensorSylvester: singular equation (a sum of three eigenvalues of the Jacobian vanishes near block %d,%d,%d)", bi, bj, bk)
				}
				for a := 0; a < ni; a++ {
					for b := 0; b < nj; b++ {
						for c := 0; c < nk; c++ {
							mt.SetSym(i0+a, j0+b, k0+c, sol[(a*nj+b)*nk+c])
						}
					}
				}
			}
		}
	}
	return Transform(mt, z, false), nil
}

// solveSmall solves the p×p system a x = b (p ≤ 8) by Gaussian elimination with partial
// pivoting; ok is false when a pivot is below 1e-13·scale.
func solveSmall(a, b []float64, p int, scale float64) (x [8]float64, ok bool) {
	var m [64]float64
	copy(m[:], a)
	copy(x[:], b)
	for c := 0; c < p; c++ {
		piv := c
		for r := c + 1; r < p; r++ {
			if math.Abs(m[r*p+c]) > math.Abs(m[piv*p+c]) {
				piv = r
			}
		}
		if math.Abs(m[piv*p+c]) <= 1e-13*scale {
			return x, false
		}
		if piv != c {
			for k := 0; k < p; k++ {
				m[c*p+k], m[piv*p+k] = m[piv*p+k], m[c*p+k]
			}
			x[c], x[piv] = x[piv], x[c]
		}
		for r := c + 1; r < p; r++ {
			f := m[r*p+c] / m[c*p+c]
			if f == 0 {
				continue
			}
			for k := c; k < p; k++ {
				m[r*p+k] -= f * m[c*p+k]
			}
			x[r] -= f * x[c]
		}
	}
	for c := p - 1; c >= 0; c-- {
		s := x[c]
		for k := c + 1; k < p; k++ {
			s -= m[c*p+k] * x[k]
		}
		x[c] = s / m[c*p+c]
	}
	return x, true
}
