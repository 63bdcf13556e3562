package linalg

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestPacked checks the packed layout on a 3×3 example written out by hand, the round trip
// UnpackSym(PackSym(a)) = a, PackSymSum against M + Mᵀ + Q formed densely, and Rows. Exact
// comparisons: the functions only copy, and PackSymSum adds in the order written.
func TestPacked(t *testing.T) {
	a := mat.NewSymDense(3, []float64{
		1, 2, 3,
		2, 4, 5,
		3, 5, 6,
	})
	v := make([]float64, 6)
	PackSym(v, a)
	for k, want := range []float64{1, 2, 3, 4, 5, 6} {
		if v[k] != want {
			t.Fatalf("PackSym: v = %v, want 1…6", v)
		}
	}
	b := mat.NewSymDense(3, nil)
	UnpackSym(b, v)
	if !mat.Equal(a, b) {
		t.Errorf("UnpackSym(PackSym(a)) = %v, want %v", mat.Formatted(b), mat.Formatted(a))
	}

	rng := rand.New(rand.NewPCG(1, 2))
	const d = 5
	m := mat.NewDense(d, d, nil)
	q := mat.NewSymDense(d, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			m.Set(i, j, rng.NormFloat64())
			if j >= i {
				q.SetSym(i, j, rng.NormFloat64())
			}
		}
	}
	var s mat.Dense
	s.Add(m, m.T())
	s.Add(&s, q)
	got := make([]float64, d*(d+1)/2)
	PackSymSum(got, m, q)
	w := mat.NewSymDense(d, nil)
	UnpackSym(w, got)
	if !mat.EqualApprox(w, &s, 1e-15) {
		t.Errorf("PackSymSum = %v, want %v", mat.Formatted(w), mat.Formatted(&s))
	}

	r := Rows(m.Slice(1, 3, 0, 5))
	if len(r) != 2 || len(r[0]) != 5 || r[1][4] != m.At(2, 4) {
		t.Errorf("Rows of a 2×5 view: %v", r)
	}
}
