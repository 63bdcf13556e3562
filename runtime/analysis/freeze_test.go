package analysis_test

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// mtInf is an M_t/M/∞ queue, births at rate lam0·(1 + t), deaths at rate mu per customer,
// truncated at 60 customers, far in the tail of the laws below (Poisson with mean ≤ 6: the
// truncation moves them by less than 1e-30).
const mtInf = `model mtinf
param lam0 = 2
param mu = 1.5
species X
birth: 0 -> X when X < 60 @ lam0 * (1 + t)
death: X -> 0 @ mu * X
init { X = 0 }
measure ss = stationary(X)
measure tr = transient(X, 1)
`

// --freeze T: the chain frozen at t = T is an M/M/∞ queue with arrival rate lam0·(1 + T),
// whose stationary law is Poisson with mean ρ = lam0·(1 + T)/mu, so E X = ρ and dE X/dlam0 =
// (1 + T)/mu (to 1e-12, the accuracy of the banded GTH solve). The transient measure still
// follows the time-varying chain from t = 0: E X(1) = lam0·∫₀¹ (1 + s) e^{−mu(1−s)} ds =
// lam0·[2(1 − e^{−mu})/mu − 1/mu² + e^{−mu}/mu + e^{−mu}/mu²] (the mean of an infinite-server queue),
// whatever T, to the integration's bound (1e-11 times sup X = 60).
func TestExactFreeze(t *testing.T) {
	t.Parallel()
	m := loadtest.Source(t, mtInf, compiler.Options{FreezeTime: true})
	const lam0, mu = 2.0, 1.5
	e := math.Exp(-mu)
	tr := lam0 * (2*(1-e)/mu - 1/(mu*mu) + e/mu + e/(mu*mu))
	for _, T := range []float64{0, 1.5} {
		rep, err := analysis.Lookup("exact").Run(context.Background(), &analysis.Problem{Model: m},
			&analysis.ExactSettings{MaxStates: 1000, Measures: "all", Sensitivity: "lam0", Freeze: formatT(T)})
		if err != nil {
			t.Fatal(err)
		}
		r := rep.(*analysis.ExactReport)
		rho := lam0 * (1 + T) / mu
		if r.FrozenAt == nil || *r.FrozenAt != T {
			t.Errorf("T = %g: frozen_at %v", T, r.FrozenAt)
		}
		if !strings.Contains(r.Note, "frozen at t = "+formatT(T)) {
			t.Errorf("T = %g: note %q", T, r.Note)
		}
		checks := []struct {
			what      string
			got, want float64
			tol       float64
		}{
			{"E X", r.Mean[0], rho, 1e-12},
			{"stationary measure", r.Measures["ss"], rho, 1e-12},
			{"dE X/dlam0", r.Sensitivity["lam0"].Mean[0], (1 + T) / mu, 1e-10},
			{"transient from t = 0", r.Measures["tr"], tr, r.MeasureBounds["tr"] + 1e-13},
		}
		for _, c := range checks {
			if math.Abs(c.got-c.want) > c.tol {
				t.Errorf("T = %g: %s = %.15g, want %.15g", T, c.what, c.got, c.want)
			}
		}
	}
	if _, err := analysis.Lookup("exact").Run(context.Background(), &analysis.Problem{Model: m}, &analysis.ExactSettings{MaxStates: 10, Freeze: "-1"}); err == nil {
		t.Error("--freeze -1 was accepted")
	}
	// Compiled without FreezeTime, the stationary measure is E706; the exact chain of a
	// stationary measure left in the IR without --freeze is refused, not frozen silently.
	rep, err := analysis.Lookup("exact").Run(context.Background(), &analysis.Problem{Model: m}, &analysis.ExactSettings{MaxStates: 1000, Measures: "ss"})
	if err != nil {
		t.Fatal(err)
	}
	if why := rep.(*analysis.ExactReport).MeasuresNotComputed["ss"]; !strings.Contains(why, "--freeze") {
		t.Errorf("stationary measure without --freeze: %q, want a refusal naming --freeze", why)
	}
	// run: a model without a mean field is frozen as by exact; one with a mean field refuses.
	rr, err := analysis.Lookup("run").Run(context.Background(), &analysis.Problem{Model: m}, &analysis.RunSettings{RefineSettings: analysis.RefineSettings{Order: 2, Steps: 10, Starts: 1}, MaxStates: 1000, Freeze: "1.5"})
	if err != nil {
		t.Fatal(err)
	}
	if got := rr.(*analysis.ExactReport).Measures["ss"]; math.Abs(got-lam0*2.5/mu) > 1e-12 {
		t.Errorf("run --freeze 1.5: ss = %.15g, want %.15g", got, lam0*2.5/mu)
	}
	sir := loadtest.Model(t, "@sir", compiler.Options{})
	if _, err := analysis.Lookup("run").Run(context.Background(), &analysis.Problem{Model: sir}, &analysis.RunSettings{RefineSettings: analysis.RefineSettings{Order: 2, Steps: 10, Starts: 1}, MaxStates: 1000, Freeze: "1"}); err == nil || !strings.Contains(err.Error(), "mean field") {
		t.Errorf("run --freeze on a mean-field model: %v", err)
	}
}

func formatT(t float64) string { return strconv.FormatFloat(t, 'g', -1, 64) }

// mfc ssa --rate-bound B simulates slow_ctmc.mf (rates Q(εt), ε = 0.02) by thinning: every
// exit rate of Q(θ) is at most 2, so B = 2 bounds the sum of the time-dependent propensities
// at every state. The mean of r(X(50)) over 4000 runs must agree with the exact reference
// E r(X(1/ε)) of the time-varying chain (Flow; the digest's C1 value 1.536542028919 at
// ε = 0.02) within two 95% half-widths (about four standard errors; the seed makes the
// check deterministic). A bound below the propensities is refused with a hint naming
// --rate-bound.
func TestSSARateBoundAgainstExact(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "@slow_ctmc", compiler.Options{})
	rep, err := analysis.Lookup("exact").Run(context.Background(), &analysis.Problem{Model: m}, &analysis.ExactSettings{MaxStates: 100, Measures: "at_end"})
	if err != nil {
		t.Fatal(err)
	}
	exact := rep.(*analysis.ExactReport).Measures["at_end"]
	if math.Abs(exact-1.536542028919) > 1e-11 {
		t.Fatalf("exact reference %.13g, want the digest's 1.536542028919", exact)
	}
	s := &analysis.SSASettings{Runs: 4000, T: 50, Steps: 1, Seed: 1, Workers: 2, Method: "auto", Condition: "none", RateBound: 2}
	sr, err := analysis.Lookup("ssa").Run(context.Background(), &analysis.Problem{Model: m}, s)
	if err != nil {
		t.Fatal(err)
	}
	r := sr.(*analysis.SSAReport)
	k := len(r.Time) - 1
	q := slices.Index(r.Names, "r")
	if r.Time[k] != 50 || q < 0 {
		t.Fatalf("times %v, names %v", r.Time, r.Names)
	}
	t.Logf("SSA E r(X(50)) = %.5f ± %.4f (95%%), exact %.10f", r.Mean[k][q], r.CI[k][q], exact)
	if d := math.Abs(r.Mean[k][q] - exact); d > 2*r.CI[k][q] {
		t.Errorf("SSA mean %.5f ± %.4f is %.3g from the exact %.10f", r.Mean[k][q], r.CI[k][q], d, exact)
	}
	s.RateBound, s.Runs = 1, 40
	if _, err := analysis.Lookup("ssa").Run(context.Background(), &analysis.Problem{Model: m}, s); err == nil || !strings.Contains(err.Error(), "--rate-bound") {
		t.Errorf("rate bound 1 below the propensities: %v, want a refusal naming --rate-bound", err)
	}
}
