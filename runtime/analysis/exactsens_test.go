package analysis_test

import (
	"context"
	"math"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestExactSensitivityClosedForm: for A ⇄ B with 10 molecules the stationary law is
// binomial, E[A] = 10 k2/(k1 + k2), so dE[A]/dk1 = −10 k2/(k1 + k2)²; the dense path
// solves it to round-off (1e-12). An observable reading k1 adds E[∂f/∂k1].
func TestExactSensitivityClosedForm(t *testing.T) {
	t.Parallel()
	const src = `
param k1 = 2, k2 = 3
species A, B
ab: A -> B @ k1 * A
ba: B -> A @ k2 * B
observable a = A
observable ak = A * k1
init { A = 10 }
`
	m := loadtest.Source(t, src, compiler.Options{})
	rep, err := analysis.Lookup("exact").Run(context.Background(), &analysis.Problem{Model: m}, &analysis.ExactSettings{MaxStates: 100, Measures: "all", Sensitivity: "k1,k2"})
	if err != nil {
		t.Fatal(err)
	}
	sv := rep.(*analysis.ExactReport).Sensitivity
	if got, want := sv["k1"].Mean[0], -10*3.0/25; math.Abs(got-want) > 1e-12 {
		t.Errorf("dE[A]/dk1 = %.15g, want %.15g", got, want)
	}
	if got, want := sv["k2"].Observables["a"], 10*2.0/25; math.Abs(got-want) > 1e-12 {
		t.Errorf("dE[a]/dk2 = %.15g, want %.15g", got, want)
	}
	// An observable that reads the parameter: d/dk1 E[k1 A] = E[A] + k1 dE[A]/dk1 = 6 − 2.4.
	if got := sv["k1"].Observables["ak"]; math.Abs(got-3.6) > 1e-12 {
		t.Errorf("dE[k1 A]/dk1 = %.15g, want 3.6", got)
	}
}

// TestExactSensitivityCentralDifferences compares every derivative of the exact stationary
// values of SIR (mean counts, observables, stationary measures) with central differences
// (h = 1e-5 relative; their error h²|f”'|/6 + 1e-15/h stays below 1e-9 here), at N = 20
// (231 states, dense solve) and N = 80 (3321 states, the iterative solve to 1e-12); the
// tolerance 1e-7 relative to max(1, |value|) covers both.
func TestExactSensitivityCentralDifferences(t *testing.T) {
	t.Parallel()
	for _, n := range []float64{20, 80} {
		exact := func(over map[string][]float64, sens string) *analysis.ExactReport {
			m := loadtest.Model(t, "@sir", compiler.Options{Overrides: over, Scale: n})
			rep, err := analysis.Lookup("exact").Run(context.Background(), &analysis.Problem{Model: m}, &analysis.ExactSettings{MaxStates: 1e5, Measures: "infected_ss", Sensitivity: sens})
			if err != nil {
				t.Fatal(err)
			}
			return rep.(*analysis.ExactReport)
		}
		base := exact(nil, "beta,delta")
		for p, p0 := range map[string]float64{"beta": 2, "delta": 3} {
			h := 1e-5 * p0
			hi, lo := exact(map[string][]float64{p: {p0 + h}}, ""), exact(map[string][]float64{p: {p0 - h}}, "")
			check := func(what string, got, a, b float64) {
				t.Helper()
				fd := (a - b) / (2 * h)
				if math.Abs(got-fd) > 1e-7*math.Max(1, math.Abs(fd)) {
					t.Errorf("N = %g: d%s/d%s = %.10g, central difference %.10g", n, what, p, got, fd)
				}
			}
			sv := base.Sensitivity[p]
			for i := range base.Mean {
				check("E[count "+base.Species[i]+"]", sv.Mean[i], hi.Mean[i], lo.Mean[i])
			}
			for k, v := range sv.Observables {
				check(k, v, hi.Observables[k], lo.Observables[k])
			}
			check("infected_ss", sv.Measures["infected_ss"], hi.Measures["infected_ss"], lo.Measures["infected_ss"])
		}
	}
}
