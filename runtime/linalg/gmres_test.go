package linalg

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// nonsymmetric returns a random sparse n×n matrix with every diagonal stored: four
// off-diagonal elements a row in [−1, 1] and a diagonal of 2 + [0, 1), so that the matrix
// is non-symmetric, not diagonally dominant in every row, and well conditioned enough
// (checked against the dense solve) for the tolerances of the tests below.
func nonsymmetric(rng *rand.Rand, n int) *CSR {
	d := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		d.Set(i, i, 2+rng.Float64())
		for e := 0; e < 4; e++ {
			if j := rng.IntN(n); j != i {
				d.Set(i, j, 2*rng.Float64()-1)
			}
		}
	}
	return FromDense(d)
}

// denseSolve returns a⁻¹b (aᵀ⁻¹b when trans) by gonum's LU, the reference of the tests.
func denseSolve(t *testing.T, a *CSR, b []float64, trans bool) []float64 {
	var d mat.Dense
	a.ToDense(&d)
	var m mat.Matrix = &d
	if trans {
		m = d.T()
	}
	var x mat.VecDense
	if err := x.SolveVec(m, mat.NewVecDense(len(b), b)); err != nil {
		t.Fatalf("dense solve: %v", err)
	}
	return x.RawVector().Data
}

// TestILU0SolveTrans checks SolveTrans against Solve through the adjoint identity
// ⟨v, (LU)⁻¹u⟩ = ⟨(LU)⁻ᵀv, u⟩ on a matrix where ILU(0) is not exact, and against a dense
// solve of aᵀx = b on a tridiagonal matrix, where it is (no fill-in). Tolerance 1e-12
// relative: O(n) operations on entries of order one.
func TestILU0SolveTrans(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const n = 40
	a := nonsymmetric(rng, n)
	f, err := NewILU0(a)
	if err != nil {
		t.Fatal(err)
	}
	u, v := make([]float64, n), make([]float64, n)
	for i := range u {
		u[i], v[i] = rng.Float64()-0.5, rng.Float64()-0.5
	}
	fu, ftv := make([]float64, n), make([]float64, n)
	f.Solve(fu, u)
	f.SolveTrans(ftv, v)
	lhs, rhs := floats.Dot(v, fu), floats.Dot(ftv, u)
	if math.Abs(lhs-rhs) > 1e-12*math.Max(1, math.Abs(lhs)) {
		t.Errorf("⟨v, (LU)⁻¹u⟩ = %.17g, ⟨(LU)⁻ᵀv, u⟩ = %.17g", lhs, rhs)
	}
	// In place, as the doc allows.
	w := append([]float64(nil), v...)
	f.Trans().Solve(w, w)
	if !floats.EqualApprox(w, ftv, 1e-15) {
		t.Error("SolveTrans in place differs")
	}

	tri := &CSR{Rows: n, Cols: n, RowPtr: make([]int, n+1)}
	for i := 0; i < n; i++ {
		for j := max(i-1, 0); j <= min(i+1, n-1); j++ {
			tri.Col = append(tri.Col, int32(j))
			tri.Val = append(tri.Val, map[int]float64{-1: -1 - rng.Float64(), 0: 4, 1: rng.Float64()}[j-i])
		}
		tri.RowPtr[i+1] = len(tri.Val)
	}
	ft, err := NewILU0(tri)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, n)
	ft.SolveTrans(x, u)
	want := denseSolve(t, tri, u, true)
	for i := range x {
		if math.Abs(x[i]-want[i]) > 1e-12*math.Max(1, math.Abs(want[i])) {
			t.Fatalf("tridiagonal: x[%d] = %g, want %g (dense LU of aᵀ)", i, x[i], want[i])
		}
	}
}

// TestGMRES solves a x = b and aᵀ x = b for a random non-symmetric sparse matrix (n = 60)
// and compares with gonum's dense LU. The default test stops at a normwise backward error
// of 1e-12 with Norm2 = √(‖a‖₁‖a‖∞); the forward error is then at most about cond(a)·1e-12,
// and cond₂(a) (4.3 for this matrix) makes 1e-9 on x, relative to max(1, ‖x‖∞), a safe bound.
// A restart of 5 makes the small cases go through many cycles.
func TestGMRES(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 60
	a := nonsymmetric(rng, n)
	at := a.Transpose()
	f, err := NewILU0(a)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]float64, n)
	for i := range b {
		b[i] = rng.Float64() - 0.5
	}
	norm2 := math.Sqrt(a.NormInf() * at.NormInf())
	cases := []struct {
		name  string
		trans bool
		set   *GMRESSettings
	}{
		{"no preconditioner, defaults", false, nil},
		{"ILU(0)", false, &GMRESSettings{M: f, Norm2: norm2}},
		{"ILU(0), restart 5", false, &GMRESSettings{M: f, Norm2: norm2, Restart: 5}},
		{"no preconditioner, restart 5", false, &GMRESSettings{Norm2: norm2, Restart: 5}},
		{"transpose, ILU(0) transposed", true, &GMRESSettings{M: f.Trans(), Norm2: norm2}},
	}
	for _, c := range cases {
		op, want := a, denseSolve(t, a, b, false)
		if c.trans {
			op, want = at, denseSolve(t, a, b, true)
		}
		x := make([]float64, n)
		res, err := GMRES(context.Background(), op, b, x, c.set)
		if err != nil || !res.Converged || !(res.Backward <= 1e-12) {
			t.Errorf("%s: %+v, %v", c.name, res, err)
			continue
		}
		scale := math.Max(1, floats.Norm(want, math.Inf(1)))
		if d := floats.Distance(x, want, math.Inf(1)); d > 1e-9*scale {
			t.Errorf("%s: ‖x − x_dense‖∞ = %.3g after %d iterations", c.name, d, res.Iterations)
		}
		t.Logf("%s: %d iterations, backward error %.3g", c.name, res.Iterations, res.Backward)
	}
}

// TestGMRESStops checks the outcomes other than convergence: MaxIter reached (not an
// error), a cancelled context (an error wrapping context.Canceled), a caller's backward
// error test, and b = 0 (x set to 0).
func TestGMRESStops(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 60
	a := nonsymmetric(rng, n)
	b := make([]float64, n)
	for i := range b {
		b[i] = rng.Float64()
	}
	x := make([]float64, n)
	res, err := GMRES(context.Background(), a, b, x, &GMRESSettings{MaxIter: 3})
	if err != nil || res.Converged || res.Iterations != 3 || !(res.Backward > 1e-12) {
		t.Errorf("MaxIter 3: %+v, %v", res, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := GMRES(ctx, a, b, make([]float64, n), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	calls := 0
	loose := func(x, b, r []float64) float64 {
		calls++
		return floats.Norm(r, math.Inf(1)) / floats.Norm(b, math.Inf(1))
	}
	res, err = GMRES(context.Background(), a, b, make([]float64, n), &GMRESSettings{Tol: 1e-3, Backward: loose})
	if err != nil || !res.Converged || !(res.Backward <= 1e-3) || calls == 0 {
		t.Errorf("caller's test: %+v, %v (%d calls)", res, err, calls)
	}
	res, err = GMRES(context.Background(), a, make([]float64, n), x, nil)
	if err != nil || !res.Converged || res.Iterations != 0 || floats.Norm(x, math.Inf(1)) != 0 {
		t.Errorf("b = 0: %+v, %v, x %v", res, err, x)
	}
}
