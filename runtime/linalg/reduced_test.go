package linalg

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// NullBasis on law matrices with a known null space: P has orthonormal columns, C P = 0,
// and r = d − rank(C) (a repeated law does not count twice). Tolerance 1e-14.
func TestNullBasis(t *testing.T) {
	cases := []struct {
		name string
		laws [][]int64
		d, r int
	}{
		{"no law", nil, 3, 3},
		{"one law (SIR)", [][]int64{{1, 1, 1}}, 3, 2},
		{"a repeated law", [][]int64{{1, 1, 0}, {2, 2, 0}}, 3, 2},
		{"two laws", [][]int64{{1, 1, 0, 0}, {0, 0, 1, 1}}, 4, 2},
		{"the laws fix the state", [][]int64{{1, 0}, {0, 1}}, 2, 0},
	}
	for _, c := range cases {
		b := NullBasis(c.laws, c.d)
		d, r := b.Dims()
		if d != c.d || r != c.r {
			t.Errorf("%s: Dims = %d, %d, want %d, %d", c.name, d, r, c.d, c.r)
			continue
		}
		if r == 0 {
			if b.P != nil {
				t.Errorf("%s: P = %v, want nil", c.name, b.P)
			}
			continue
		}
		var ptp mat.Dense
		ptp.Mul(b.P.T(), b.P)
		for i := 0; i < r; i++ {
			for j := 0; j < r; j++ {
				want := 0.0
				if i == j {
					want = 1
				}
				if math.Abs(ptp.At(i, j)-want) > 1e-14 {
					t.Errorf("%s: PᵀP[%d,%d] = %g", c.name, i, j, ptp.At(i, j))
				}
			}
		}
		for _, l := range c.laws {
			for j := 0; j < r; j++ {
				s := 0.0
				for i, v := range l {
					s += float64(v) * b.P.At(i, j)
				}
				if math.Abs(s) > 1e-14 {
					t.Errorf("%s: C P ≠ 0 (%g)", c.name, s)
				}
			}
		}
	}
}

// The reduced Lyapunov solve of a tangent-space problem (SIR-like: one law x₀+x₁+x₂) gives
// a full W that satisfies A W + W Aᵀ + Q = 0 and C W = 0 (1e-13), and Solve inverts A on
// range(P).
func TestBasisLyapunovAndSolve(t *testing.T) {
	// A with every column in range(P) = {v : v₀ + v₁ + v₂ = 0}: the Jacobian of a closed
	// three-state system.
	a := mat.NewDense(3, 3, []float64{
		-2, 0.5, 1,
		1.5, -1, 0.5,
		0.5, 0.5, -1.5,
	})
	q := mat.NewSymDense(3, []float64{
		2, -1, -1,
		-1, 3, -2,
		-1, -2, 3,
	})
	b := NullBasis([][]int64{{1, 1, 1}}, 3)
	ar := b.Reduce(a)
	w, wr, err := b.Lyapunov(ar, q)
	if err != nil {
		t.Fatal(err)
	}
	if wr.SymmetricDim() != 2 {
		t.Fatalf("W_r is %d×%d", wr.SymmetricDim(), wr.SymmetricDim())
	}
	var aw, res mat.Dense
	aw.Mul(a, w)
	res.Add(&aw, aw.T())
	res.Add(&res, q)
	if n := mat.Norm(&res, math.Inf(1)); n > 1e-13 {
		t.Errorf("residual %g", n)
	}
	for j := 0; j < 3; j++ {
		if s := w.At(0, j) + w.At(1, j) + w.At(2, j); math.Abs(s) > 1e-13 {
			t.Errorf("C W column %d = %g", j, s)
		}
	}
	v := []float64{1, -0.25, -0.75}
	z, err := b.Solve(ar, v)
	if err != nil {
		t.Fatal(err)
	}
	az := make([]float64, 3)
	mat.NewVecDense(3, az).MulVec(a, mat.NewVecDense(3, z))
	for i := range v {
		if math.Abs(az[i]-v[i]) > 1e-13 {
			t.Errorf("A z = %v, want %v", az, v)
			break
		}
	}
}

// Classify: the margin is StabilityTol·max(1, ‖J_r‖∞) unless a tolerance is given.
func TestClassify(t *testing.T) {
	jr := mat.NewDense(1, 1, []float64{-100})
	cases := []struct {
		ev   []complex128
		tol  float64
		want Stability
	}{
		{[]complex128{-1}, 0, Stable},
		{[]complex128{1}, 0, Unstable},
		{[]complex128{-5e-8}, 0, Marginal}, // within 1e-9·100
		{[]complex128{-2e-7}, 0, Stable},
		{[]complex128{-2e-7}, 1e-6, Marginal},
		{nil, 0, Marginal},
	}
	for _, c := range cases {
		if got := Classify(c.ev, jr, c.tol); got != c.want {
			t.Errorf("Classify(%v, tol %g) = %v, want %v", c.ev, c.tol, got, c.want)
		}
	}
}
