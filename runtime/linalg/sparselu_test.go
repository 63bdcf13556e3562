package linalg

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// SparseLU against gonum's dense LU (partial pivoting) on the reduced systems of chains of
// the shapes the coarse correction sees: a grid (two-dimensional, nested dissection
// splits it many times), a birth–death chain (one-dimensional) and a random chain (no
// geometry, much fill). The matrices are ± column diagonally dominant M-matrices, for which
// elimination without pivoting is backward stable, so both solutions agree to a few
// hundred ulps of the condition number times ε: 1e-9 relative in ℓ∞ leaves a wide margin
// (the reduced grid of 900 states has a condition number below 1e5).
func TestSparseLUDense(t *testing.T) {
	t.Parallel()
	bd, _ := birthDeath(300, func(k int) float64 { return 2 + math.Sin(float64(k)) },
		func(k int) float64 { return math.Pow(float64(k), 0.7) })
	rng := rand.New(rand.NewPCG(3, 4))
	const nr = 150
	rates := make(map[[2]int]float64)
	for i := 0; i < nr; i++ {
		rates[[2]int{i, (i + 1) % nr}] = 0.1 + rng.Float64()
		for e := 0; e < 4; e++ {
			if j := rng.IntN(nr); j != i {
				rates[[2]int{i, j}] += rng.Float64()
			}
		}
	}
	random := generator(nr, func(i, j int) float64 { return rates[[2]int{i, j}] })
	// The pivot left out is a state of large probability, as the solvers choose it (the
	// birth–death law peaks near k = 6 and falls by 10¹⁹ towards 300).
	for _, tc := range []struct {
		name  string
		q     *CSR
		pivot int
	}{
		{"grid 30×30", rotatingGrid(30), 450},
		{"birth-death 300", bd, 6},
		{"random 150", random, 75},
	} {
		a, _ := dropPivot(tc.q.Transpose(), tc.pivot)
		n := a.Rows
		f, err := NewSparseLU(a, 1<<30, 1e12)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		b := make([]float64, n)
		for i := range b {
			b[i] = rng.Float64() - 0.5
		}
		x := make([]float64, n)
		f.Solve(x, b)
		d := mat.NewDense(n, n, nil)
		for i := 0; i < n; i++ {
			for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
				d.Set(i, int(a.Col[p]), a.Val[p])
			}
		}
		var lu mat.LU
		lu.Factorize(d)
		var want mat.VecDense
		if err := lu.SolveVecTo(&want, false, mat.NewVecDense(n, b)); err != nil {
			t.Fatalf("%s: dense LU: %v", tc.name, err)
		}
		diff, scale := 0.0, 0.0
		for i := range x {
			diff = max(diff, math.Abs(x[i]-want.AtVec(i)))
			scale = max(scale, math.Abs(want.AtVec(i)))
		}
		if diff > 1e-9*scale {
			t.Errorf("%s: max |x − x_dense| = %.3g, scale %.3g", tc.name, diff, scale)
		}
		// x and b may be the same slice.
		f.Solve(b, b)
		for i := range x {
			if b[i] != x[i] {
				t.Fatalf("%s: in-place solve differs at %d", tc.name, i)
			}
		}
		t.Logf("%s: %d states, %d entries in L and U, max error %.3g of %.3g", tc.name, n, f.Entries(), diff, scale)
	}
}

// Nested dissection keeps the fill of a grid far below the band of the best ordering: on
// the 100×100 grid the band holds n·(2·100+1) ≈ 2·10⁶ entries, the dissection (measured)
// about 4·10⁵; the bound 7·10⁵ fails if the ordering degrades to a band. The budgets are
// honoured: a budget below the fill is refused.
func TestSparseLUFill(t *testing.T) {
	t.Parallel()
	q := rotatingGrid(100)
	a, _ := dropPivot(q.Transpose(), 0)
	f, err := NewSparseLU(a, 1<<30, 1e12)
	if err != nil {
		t.Fatal(err)
	}
	if f.Entries() > 700_000 {
		t.Errorf("%d entries in L and U, want at most 7e5 (the RCM band holds about 2e6)", f.Entries())
	}
	seen := make([]bool, a.Rows)
	for _, p := range f.perm {
		if seen[p] {
			t.Fatalf("state %d twice in the order", p)
		}
		seen[p] = true
	}
	if _, err := NewSparseLU(a, f.Entries()/2, 1e12); err == nil {
		t.Errorf("a budget of half the fill was accepted")
	}
	t.Logf("100×100 grid: %d entries", f.Entries())
}

// StationaryResidualDD against the exact residual of the stored π, computed in big.Float
// with 300 bits (exact for these sums of products of doubles): the double-double sums
// leave a relative error of a few ε, far below what float64 sums leave (about
// ε·Σπ_i|Q_ii|/‖πQ‖₁, here 10⁻³ relative and more).
func TestStationaryResidualExact(t *testing.T) {
	t.Parallel()
	q := rotatingGrid(40)
	n := q.Rows
	pi := make([]float64, n)
	ref := make([]float64, n)
	perm := RCM(q)
	bl, bu := Bandwidths(q, perm)
	if err := StationaryGTHBanded(ref, q, perm, bl, bu); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range pi {
		pi[i] = ref[i] * (1 + 1e-12*(rng.Float64()-0.5)) // a residual of order 1e-12
	}
	acc := make([]*big.Float, n)
	for j := range acc {
		acc[j] = new(big.Float).SetPrec(300)
	}
	for i := 0; i < n; i++ {
		for p := q.RowPtr[i]; p < q.RowPtr[i+1]; p++ {
			prod := new(big.Float).SetPrec(300).SetFloat64(pi[i])
			prod.Mul(prod, new(big.Float).SetPrec(300).SetFloat64(q.Val[p]))
			acc[q.Col[p]].Add(acc[q.Col[p]], prod)
		}
	}
	want := 0.0
	for _, v := range acc {
		f, _ := v.Float64()
		want += math.Abs(f)
	}
	got := StationaryResidualDD(q, pi)
	if math.Abs(got-want) > 1e-13*want {
		t.Errorf("residual %.17g, exact %.17g (relative error %.3g)", got, want, math.Abs(got-want)/want)
	}
	t.Logf("residual %.6g, exact %.6g", got, want)
}

// Below the residual the first pass reaches, StationaryIterative refines in double-double.
// Asked for 2e-16 on the rotating grid of 22 500 states (one pass stops near 4e-16, the
// round-off floor of its float64 residuals), it must run refinement passes (measured: 3,
// to 3.0e-16), end without error on a π no worse than 1e-15 (a refinement that went astray
// would raise it) and stay within 1e-11 of the GTH law in ℓ₁ (as in
// TestStationaryTwoLevelGrid).
func TestStationaryRefinement(t *testing.T) {
	t.Parallel()
	const L = 150
	q := rotatingGrid(L)
	ref := make([]float64, q.Rows)
	perm := RCM(q)
	bl, bu := Bandwidths(q, perm)
	if err := StationaryGTHBanded(ref, q, perm, bl, bu); err != nil {
		t.Fatal(err)
	}
	pi := make([]float64, q.Rows)
	info, err := StationaryIterative(t.Context(), pi, q, &StationarySettings{Tol: 2e-16})
	if err != nil {
		t.Fatal(err)
	}
	res := StationaryResidualDD(q, pi)
	if res > 1e-15 || info.Passes < 2 {
		t.Errorf("residual %.3g after %d iterations in %d passes: want at most 1e-15 and refinement", res, info.Iterations, info.Passes)
	}
	d := 0.0
	for i := range pi {
		d += math.Abs(pi[i] - ref[i])
	}
	if d > 1e-11 {
		t.Errorf("‖π − π_GTH‖₁ = %.3g", d)
	}
	t.Logf("residual %.3g, %d iterations in %d passes, ‖π − π_GTH‖₁ = %.3g", res, info.Iterations, info.Passes, d)
}
