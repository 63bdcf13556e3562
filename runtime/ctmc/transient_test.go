package ctmc

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// poissonPMF is the Poisson probability computed directly in log space, independently of
// the recursion of FoxGlynn.
func poissonPMF(k int, lambda float64) float64 {
	lg, _ := math.Lgamma(float64(k) + 1)
	return math.Exp(float64(k)*math.Log(lambda) - lambda - lg)
}

func TestFoxGlynn(t *testing.T) {
	for _, tc := range []struct {
		lambda, eps float64
		// relTol is the relative tolerance of each weight against the log-space pmf: the
		// recursion loses about one ulp per step from the mode and the log-space formula
		// about ulp·|k ln λ|, so 1e-12 for λ ≤ 300 and 1e-8 at λ = 1e5 (k ln λ ≈ 1.2e6).
		relTol float64
	}{
		{0.01, 1e-12, 1e-12},
		{0.5, 1e-12, 1e-12},
		{3, 1e-14, 1e-12},
		{30, 1e-10, 1e-12},
		{250, 1e-12, 1e-12},
		{1e5, 1e-12, 1e-8},
	} {
		fg, err := FoxGlynn(tc.lambda, tc.eps)
		if err != nil {
			t.Fatal(err)
		}
		sum, mass, maxRel := 0.0, 0.0, 0.0
		for i, w := range fg.Weights {
			k := fg.Left + i
			p := poissonPMF(k, tc.lambda)
			sum += w
			mass += p
			maxRel = math.Max(maxRel, math.Abs(w-p)/p)
		}
		// The weights are normalised: their sum is 1 up to n·ulp.
		if math.Abs(sum-1) > 1e-13 {
			t.Errorf("λ=%g: weights sum to 1%+.3g", tc.lambda, sum-1)
		}
		// The mass outside the window is at most the reported bound, which is at most ε.
		if 1-mass > fg.Epsilon+1e-13 || fg.Epsilon > tc.eps {
			t.Errorf("λ=%g: mass outside [%d, %d] = %.3g, bound %.3g, ε %.3g", tc.lambda, fg.Left, fg.Right, 1-mass, fg.Epsilon, tc.eps)
		}
		// Weights are relative to the kept mass, so they exceed the pmf by ≤ ε.
		if maxRel > tc.relTol+tc.eps {
			t.Errorf("λ=%g: max relative deviation from the pmf %.3g", tc.lambda, maxRel)
		}
		t.Logf("λ=%g: window [%d, %d], ε bound %.2g, max rel. deviation %.2g, 1−Σ %.2g", tc.lambda, fg.Left, fg.Right, fg.Epsilon, maxRel, 1-sum)
	}
	for _, bad := range [][2]float64{{-1, 1e-10}, {math.NaN(), 1e-10}, {1, 0}, {1, 1}} {
		if _, err := FoxGlynn(bad[0], bad[1]); err == nil {
			t.Errorf("FoxGlynn(%v, %v) succeeded", bad[0], bad[1])
		}
	}
}

const twoState = `model two
param a = 1.3
param b = 0.4
species X
on:  0 -> X when X < 1 @ a
off: X -> 0 when X > 0 @ b
init { X = 0 }
`

// The two-state chain 0 ⇄ 1 (rates a, b) from state 0: p₁(t) = a/(a+b)·(1 − e^{−(a+b)t}),
// ∫₀^T p₁ = a/(a+b)·(T − (1 − e^{−(a+b)T})/(a+b)) and ∫₀^∞ e^{−δt} p₁ = a/(a+b)·(1/δ −
// 1/(δ+a+b)).
func TestTransientTwoState(t *testing.T) {
	m := loadtest.Source(t, twoState, compiler.Options{})
	c, err := explore(t, m, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := 1.3, 0.4
	s := a + b
	i1 := c.Index([]int{1}, 0)
	p0, err := InitialDistribution(c)
	if err != nil {
		t.Fatal(err)
	}
	times := []float64{0, 0.1, 0.1, 1, 10, 300, 8e4} // q·Δt ≈ 1e5 in the last step
	r, err := Transient(context.Background(), c, p0, times, &TransientSettings{Cumulative: true, Epsilon: 1e-13})
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range times {
		want := a / s * (1 - math.Exp(-s*tt))
		wantCum := a / s * (tt - (1-math.Exp(-s*tt))/s)
		// 1e-10 is the accuracy target; the truncation bound is ≤ 1e-13 and
		// round-off over ≤ 1e5 products (errors damp out in a 2-state chain) is below 1e-13.
		if d := math.Abs(r.P[i][i1] - want); d > 1e-10 || r.Epsilon[i] > 1e-13 {
			t.Errorf("p₁(%g) = %.15g, want %.15g (bound %.2g)", tt, r.P[i][i1], want, r.Epsilon[i])
		}
		// The cumulative error scales with T: 1e-10·max(1, T) (the sum over ~qT products).
		if d := math.Abs(r.Cumulative[i][i1] - wantCum); d > 1e-10*math.Max(1, tt) {
			t.Errorf("∫p₁(0..%g) = %.15g, want %.15g", tt, r.Cumulative[i][i1], wantCum)
		}
		t.Logf("t=%g: |Δp₁| = %.2g, |Δ∫p₁| = %.2g, bounds %.2g, %.2g", tt, math.Abs(r.P[i][i1]-want), math.Abs(r.Cumulative[i][i1]-wantCum), r.Epsilon[i], r.CumulativeEpsilon[i])
	}
	for _, tc := range []struct {
		name     string
		denseMax int
	}{{"dense", 0}, {"iterative", -1}} {
		for _, delta := range []float64{0.05, 1, 20} {
			d, err := Discounted(context.Background(), c, p0, delta, &Settings{DenseMax: tc.denseMax, Tol: 1e-14})
			if err != nil {
				t.Fatal(err)
			}
			want := a / s * (1/delta - 1/(delta+s))
			// Relative 1e-12: the solve's relative residual is ≤ 1e-14 and the system is
			// well conditioned (diagonally dominant with margin δ).
			if math.Abs(d.X[i1]-want) > 1e-12*math.Max(1, want) {
				t.Errorf("%s δ=%g: x₁ = %.15g, want %.15g", tc.name, delta, d.X[i1], want)
			}
		}
	}
	if _, err := Transient(context.Background(), c, p0, []float64{1, 0.5}, nil); err == nil {
		t.Error("decreasing times accepted")
	}
}

// The pure birth process with rate λ is Poisson: P(X_t = n) = e^{−λt}(λt)^n/n!, and
// ∫₀^∞ e^{−δt} P(X_t = n) dt = λ^n/(λ+δ)^{n+1}. The cap K = 80 is beyond reach (P(X_5 ≥ 80)
// < 1e-40 at λt = 10) except for the largest horizon, whose states n ≤ 40 are still exact
// to 1e-10 (the cap only changes the law above K).
func TestTransientPoisson(t *testing.T) {
	src := `model birth
param lam = 2
species X
b: 0 -> X when X < 80 @ lam
init { X = 0 }
`
	m := loadtest.Source(t, src, compiler.Options{})
	c, err := explore(t, m, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	p0, _ := InitialDistribution(c)
	times := []float64{0.25, 5, 20}
	r, err := Transient(context.Background(), c, p0, times, &TransientSettings{Cumulative: true})
	if err != nil {
		t.Fatal(err)
	}
	lam := 2.0
	for i, tt := range times {
		maxErr := 0.0
		for n := 0; n <= 40; n++ {
			maxErr = math.Max(maxErr, math.Abs(r.P[i][c.Index([]int{n}, 0)]-poissonPMF(n, lam*tt)))
		}
		// 1e-10 absolute: truncation bound 1e-12, round-off ~1e-15 per product.
		if maxErr > 1e-10 {
			t.Errorf("t=%g: max |p_n − Poisson| = %.3g", tt, maxErr)
		}
		// ∫₀^T P(X_s = 0) ds = (1 − e^{−λT})/λ.
		want0 := (1 - math.Exp(-lam*tt)) / lam
		got0 := r.Cumulative[i][c.Index([]int{0}, 0)]
		if math.Abs(got0-want0) > 1e-10 {
			t.Errorf("∫₀^%g P(X=0) = %.15g, want %.15g", tt, got0, want0)
		}
		t.Logf("t=%g: max |Δp| = %.2g, |Δ∫p₀| = %.2g", tt, maxErr, math.Abs(got0-want0))
	}
	for _, dm := range []int{0, -1} {
		d, err := Discounted(context.Background(), c, p0, 0.5, &Settings{DenseMax: dm, Tol: 1e-13})
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n <= 20; n++ {
			want := math.Pow(lam, float64(n)) / math.Pow(lam+0.5, float64(n+1))
			// 1e-12 absolute: relative residual 1e-13 of a system with ‖x‖₁ = 2.
			if got := d.X[c.Index([]int{n}, 0)]; math.Abs(got-want) > 1e-12 {
				t.Errorf("DenseMax %d: discounted x_%d = %.15g, want %.15g", dm, n, got, want)
			}
		}
	}
}

// expmDense returns e^{A} by gonum's Padé scaling-and-squaring, independent of
// uniformisation.
func expmDense(a *mat.Dense) *mat.Dense {
	var e mat.Dense
	e.Exp(a)
	return &e
}

// M/M/1/K from the empty queue against e^{Qt} and, for the cumulative law, the top-right
// block of exp([[Q, I], [0, 0]]·T), which is ∫₀^T e^{Qs} ds (Van Loan).
func TestTransientMM1K(t *testing.T) {
	m := loadtest.Source(t, mm1k, compiler.Options{})
	c, err := explore(t, m, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	n := c.NumStates()
	q := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for p := c.Q.RowPtr[i]; p < c.Q.RowPtr[i+1]; p++ {
			q.Set(i, int(c.Q.Col[p]), c.Q.Val[p])
		}
	}
	p0, _ := InitialDistribution(c)
	times := []float64{0.5, 2, 10, 40}
	r, err := Transient(context.Background(), c, p0, times, &TransientSettings{Cumulative: true, Epsilon: 1e-13})
	if err != nil {
		t.Fatal(err)
	}
	start := c.Initial[0]
	for i, tt := range times {
		var qt mat.Dense
		qt.Scale(tt, q)
		e := expmDense(&qt)
		big := mat.NewDense(2*n, 2*n, nil)
		for a := 0; a < n; a++ {
			for b := 0; b < n; b++ {
				big.Set(a, b, q.At(a, b)*tt)
			}
			big.Set(a, n+a, tt)
		}
		eb := expmDense(big)
		errP, errC := 0.0, 0.0
		for j := 0; j < n; j++ {
			errP += math.Abs(r.P[i][j] - e.At(start, j))
			errC += math.Abs(r.Cumulative[i][j] - eb.At(start, n+j))
		}
		// ℓ₁ error 1e-10: Padé exp is accurate to ~1e-14 relative for ‖Qt‖ ≤ 70 after
		// scaling, uniformisation to its bound 1e-13 plus round-off.
		if errP > 1e-10 {
			t.Errorf("t=%g: ‖p − p₀e^{Qt}‖₁ = %.3g", tt, errP)
		}
		// The cumulative vector has mass t: 1e-10·t.
		if errC > 1e-10*tt {
			t.Errorf("t=%g: ‖∫p − Van Loan‖₁ = %.3g", tt, errC)
		}
		t.Logf("t=%g: ℓ₁ errors %.2g (transient), %.2g (cumulative); %d products in all", tt, errP, errC, r.Products)
	}
}
