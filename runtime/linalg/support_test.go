package linalg

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// reducible returns a random Hurwitz n×n A whose coordinates s (m of them, chosen at random)
// are closed under its pattern (A_ji = 0 for i ∈ s, j ∉ s; the other blocks dense), and
// the sorted s. With the coordinates permuted so that s comes first, A is block upper
// triangular [B₁₁ B₁₂; 0 B₂₂].
func reducible(rng *rand.Rand, n, m int) (*mat.Dense, []int) {
	perm := rng.Perm(n)
	in := make([]bool, n)
	for _, i := range perm[:m] {
		in[i] = true
	}
	a := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if in[j] && !in[i] {
				continue
			}
			a.Set(i, j, rng.NormFloat64())
		}
	}
	var e mat.Eigen
	e.Factorize(a, mat.EigenNone)
	mx := math.Inf(-1)
	for _, v := range e.Values(nil) {
		mx = math.Max(mx, real(v))
	}
	for i := 0; i < n; i++ {
		a.Set(i, i, a.At(i, i)-mx-0.5)
	}
	s := append([]int(nil), perm[:m]...)
	slices.Sort(s)
	return a, s
}

// LyapunovStable against LyapunovKron, the dense Kronecker solve of the whole equation (an
// independent method: no Schur form; 1e-10 relative as in TestLyapunovRandom), when the noise
// enters at two coordinates of a closed set s of 5 out of 12: the closure must be s exactly,
// W must be exactly 0 off s×s (the reference is 0 there up to its rounding, 1e-14 relative);
// and the residual of A W + W Aᵀ + Q must be at rounding level (1e-12 relative).
func TestLyapunovStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 10; trial++ {
		const n, m = 12, 5
		a, s := reducible(rng, n, m)
		b := mat.NewDense(n, 2, nil)
		for c := 0; c < 2; c++ {
			b.Set(s[rng.IntN(m)], c, rng.NormFloat64())
			b.Set(s[rng.IntN(m)], c, rng.NormFloat64())
		}
		q := mat.NewSymDense(n, nil)
		q.SymOuterK(1, b)
		seed := make([]bool, n)
		for i := 0; i < n; i++ {
			seed[i] = q.At(i, i) != 0
		}
		if got := closure(a, seed); !slices.Equal(got, s) {
			t.Fatalf("trial %d: closure %v, want %v", trial, got, s)
		}
		w, err := LyapunovStable(a, q)
		if err != nil {
			t.Fatal(err)
		}
		wk, err := LyapunovKron(a, q)
		if err != nil {
			t.Fatal(err)
		}
		var diff mat.Dense
		diff.Sub(w, wk)
		scale := mat.Norm(wk, math.Inf(1))
		if r := mat.Norm(&diff, math.Inf(1)) / scale; r > 1e-10 {
			t.Errorf("trial %d: relative difference to the Kronecker solve %g", trial, r)
		}
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if slices.Contains(s, i) && slices.Contains(s, j) {
					continue
				}
				if w.At(i, j) != 0 {
					t.Fatalf("trial %d: W(%d,%d) = %g off the closed set", trial, i, j, w.At(i, j))
				}
				if math.Abs(wk.At(i, j)) > 1e-14*scale {
					t.Fatalf("trial %d: the reference has W(%d,%d) = %g off the closed set", trial, i, j, wk.At(i, j))
				}
			}
		}
		var aw, res mat.Dense
		aw.Mul(a, w)
		res.Add(&aw, aw.T())
		res.Add(&res, q)
		if r := mat.Norm(&res, math.Inf(1)) / mat.Norm(q, math.Inf(1)); r > 1e-12 {
			t.Errorf("trial %d: residual %g", trial, r)
		}
	}
}

// The two ends of LyapunovStable: noise everywhere (the closure is every index: the result is
// Lyapunov's, bit for bit) and no noise (W = 0 exactly, no solve).
func TestLyapunovStableEnds(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	a, _ := reducible(rng, 9, 4)
	q := mat.NewSymDense(9, nil)
	for i := 0; i < 9; i++ {
		q.SetSym(i, i, 1+rng.Float64())
	}
	w, err := LyapunovStable(a, q)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := Lyapunov(a, q)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(w, ref) {
		t.Error("full support: LyapunovStable differs from Lyapunov")
	}
	w, err = LyapunovStable(a, mat.NewSymDense(9, nil))
	if err != nil {
		t.Fatal(err)
	}
	if mat.Norm(w, 1) != 0 {
		t.Error("Q = 0: W is not 0")
	}
}

// TensorSylvesterStable against TensorSylvester on the whole space (itself checked against
// the Kronecker system in TestTensorSylvester): R symmetric on two coordinates of a closed set
// of 3 out of 7; the results agree to 1e-12 relative (two Schur forms, rounding), M is exactly
// 0 off the closed set, and the residual of the equation is at rounding level (1e-12).
func TestTensorSylvesterStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < 5; trial++ {
		const n, m = 7, 3
		j, s := reducible(rng, n, m)
		r := NewTensor3(n)
		u, v := s[rng.IntN(m)], s[rng.IntN(m)]
		r.SetSym(u, u, v, rng.NormFloat64())
		r.SetSym(u, v, v, rng.NormFloat64())
		r.SetSym(u, u, u, rng.NormFloat64())
		got, err := TensorSylvesterStable(j, r)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := TensorSylvester(j, r)
		if err != nil {
			t.Fatal(err)
		}
		scale := 0.0
		for _, x := range ref.Data {
			scale = math.Max(scale, math.Abs(x))
		}
		for a := 0; a < n; a++ {
			for b := 0; b < n; b++ {
				for c := 0; c < n; c++ {
					x, y := got.At(a, b, c), ref.At(a, b, c)
					if math.Abs(x-y) > 1e-12*scale {
						t.Fatalf("trial %d: M(%d,%d,%d) = %g, TensorSylvester %g", trial, a, b, c, x, y)
					}
					inside := slices.Contains(s, a) && slices.Contains(s, b) && slices.Contains(s, c)
					if !inside && x != 0 {
						t.Fatalf("trial %d: M(%d,%d,%d) = %g off the closed set", trial, a, b, c, x)
					}
				}
			}
		}
		if res := sylvester3Residual(j, got, r); res > 1e-12 {
			t.Errorf("trial %d: relative residual %.3g", trial, res)
		}
	}
}
