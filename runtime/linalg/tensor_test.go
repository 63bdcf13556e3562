package linalg

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// randomSym3 returns a random symmetric n×n×n tensor.
func randomSym3(rng *rand.Rand, n int) *Tensor3 {
	r := NewTensor3(n)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			for k := j; k < n; k++ {
				r.SetSym(i, j, k, rng.NormFloat64())
			}
		}
	}
	return r
}

// sylvester3Residual returns max |Σ_modes J·M + R| / max |R|.
func sylvester3Residual(j *mat.Dense, m, r *Tensor3) float64 {
	n := r.N
	worst, rmax := 0.0, 0.0
	for a := 0; a < n; a++ {
		for b := 0; b < n; b++ {
			for c := 0; c < n; c++ {
				s := r.At(a, b, c)
				for q := 0; q < n; q++ {
					s += j.At(a, q)*m.At(q, b, c) + j.At(b, q)*m.At(a, q, c) + j.At(c, q)*m.At(a, b, q)
				}
				worst = math.Max(worst, math.Abs(s))
				rmax = math.Max(rmax, math.Abs(r.At(a, b, c)))
			}
		}
	}
	return worst / rmax
}

// The tensor Sylvester solver against its definition (the residual, which for these
// well-conditioned random systems must be at rounding level: 1e-12 relative) and against a
// direct dense solve of the n³×n³ Kronecker system for n = 4 (1e-10, the Kronecker system's
// condition number times rounding). The matrices have complex eigenvalue pairs, so 2×2
// Schur blocks occur in every position of the block triples.
func TestTensorSylvester(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 4, 7, 12} {
		j := mat.NewDense(n, n, nil)
		for a := 0; a < n; a++ {
			for b := 0; b < n; b++ {
				j.Set(a, b, rng.NormFloat64())
			}
			j.Set(a, a, j.At(a, a)-float64(n)-2)
		}
		r := randomSym3(rng, n)
		m, err := TensorSylvester(j, r)
		if err != nil {
			t.Fatal(err)
		}
		if res := sylvester3Residual(j, m, r); res > 1e-12 {
			t.Errorf("n = %d: relative residual %.3g", n, res)
		}
		// Symmetry of the solution.
		for a := 0; a < n; a++ {
			for b := 0; b < n; b++ {
				for c := 0; c < n; c++ {
					if d := math.Abs(m.At(a, b, c) - m.At(b, c, a)); d > 1e-12*(1+math.Abs(m.At(a, b, c))) {
						t.Fatalf("n = %d: M not symmetric at %d,%d,%d", n, a, b, c)
					}
				}
			}
		}
		if n != 4 {
			continue
		}
		n3 := n * n * n
		k := mat.NewDense(n3, n3, nil)
		rhs := mat.NewVecDense(n3, nil)
		for a := 0; a < n; a++ {
			for b := 0; b < n; b++ {
				for c := 0; c < n; c++ {
					row := (a*n+b)*n + c
					rhs.SetVec(row, -r.At(a, b, c))
					for q := 0; q < n; q++ {
						k.Set(row, (q*n+b)*n+c, k.At(row, (q*n+b)*n+c)+j.At(a, q))
						k.Set(row, (a*n+q)*n+c, k.At(row, (a*n+q)*n+c)+j.At(b, q))
						k.Set(row, (a*n+b)*n+q, k.At(row, (a*n+b)*n+q)+j.At(c, q))
					}
				}
			}
		}
		var x mat.VecDense
		if err := x.SolveVec(k, rhs); err != nil {
			t.Fatal(err)
		}
		for e := 0; e < n3; e++ {
			if d := math.Abs(x.AtVec(e) - m.Data[e]); d > 1e-10 {
				t.Fatalf("Kronecker solve differs at %d by %.3g", e, d)
			}
		}
	}
}
