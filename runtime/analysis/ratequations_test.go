package analysis_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
	"github.com/mfcproject/mfc/runtime/meanfield"
)

// TestRateEquations: ode on a model without a scale integrates the reaction-rate equations
// of the counts. For the birth–death process below x_A(t) = k/g + (x0 − k/g)e^{−g t}
// (which is also E[X(t)], the propensities being linear); the tolerance 1e-7 is the
// integrator's at rtol 1e-10. A propensity negative between integer counts counts as 0; a
// network whose propensities switch with the counts, and a discrete-time model, are refused.
func TestRateEquations(t *testing.T) {
	t.Parallel()
	const src = `
param k = 3, g = 0.5
species A
birth: 0 -> A @ k
death: A -> 0 @ g * A
init { A = 10 }
`
	m := loadtest.Source(t, src, compiler.Options{})
	rep, err := analysis.Lookup("ode").Run(context.Background(), &analysis.Problem{Model: m}, &analysis.ODESettings{T: 4, Steps: 4, Method: "auto", RelTol: 1e-10, AbsTol: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.(*analysis.ODEReport)
	if r.Equations == "" {
		t.Error("the report does not say that x are counts of the reaction-rate equations")
	}
	for i, tt := range r.Time {
		want := 6 + (10-6)*math.Exp(-0.5*tt)
		if math.Abs(r.X[i][0]-want) > 1e-7 {
			t.Errorf("x_A(%g) = %.10g, want %.10g", tt, r.X[i][0], want)
		}
	}
	// A falling factorial is negative on 0 < x < 1: it counts as 0 there (x' = b until x = 1).
	const ff = `
species A
feed: 0 -> A @ 0.5
pair: 2A -> A @ A * (A - 1)
init { A = 0 }
`
	m = loadtest.Source(t, ff, compiler.Options{})
	rep, err = analysis.Lookup("ode").Run(context.Background(), &analysis.Problem{Model: m}, &analysis.ODESettings{T: 1, Steps: 2, Method: "auto", RelTol: 1e-10, AbsTol: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	if x := rep.(*analysis.ODEReport).X[1][0]; math.Abs(x-0.25) > 1e-9 {
		t.Errorf("x(0.5) = %.12g, want 0.25", x)
	}
	// Queues switch at an empty buffer: refused, naming the transition.
	var se *meanfield.SwitchingError
	m = loadtest.Model(t, "@quarter_plane", compiler.Options{})
	if _, err := analysis.Lookup("ode").Run(context.Background(), &analysis.Problem{Model: m}, nil); !errors.As(err, &se) || se.Label == "" {
		t.Errorf("a guarded network: %v, want a SwitchingError", err)
	}
	const discrete = `
time discrete
species A
grow: 0 -> A @ 0.5
init { A = 0 }
`
	m = loadtest.Source(t, discrete, compiler.Options{})
	var nm *analysis.NoMeanFieldError
	if _, err := analysis.Lookup("ode").Run(context.Background(), &analysis.Problem{Model: m}, nil); !errors.As(err, &nm) {
		t.Errorf("a discrete-time model: %v, want a NoMeanFieldError", err)
	}
}

// TestTrajectoryObservables: ode and refine --transient report the observables along the
// trajectory, not only the species: on SIR, 'infected' = x_I at every time (h₀ of an
// observable of the densities), in JSON, text and CSV.
func TestTrajectoryObservables(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "@sir", compiler.Options{})
	rep, err := analysis.Lookup("ode").Run(context.Background(), &analysis.Problem{Model: m}, &analysis.ODESettings{T: 2, Steps: 4, Method: "auto", RelTol: 1e-8, AbsTol: 1e-10})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.(*analysis.ODEReport)
	if len(r.Observables) != 3 || r.Observables[1].Name != "infected" {
		t.Fatalf("observables %+v", r.Observables)
	}
	for k := range r.Time {
		if r.Observables[1].Values[k] != r.X[k][1] {
			t.Errorf("infected(%g) = %g, x_I = %g", r.Time[k], r.Observables[1].Values[k], r.X[k][1])
		}
	}
	if txt, _ := analysis.Render(rep, "text"); !strings.Contains(string(txt), "t S I R susceptible infected recovered") {
		t.Errorf("text header:\n%s", txt)
	}
	rep, err = analysis.Lookup("refine").Run(context.Background(), &analysis.Problem{Model: m}, &analysis.RefineSettings{Order: 2, Transient: 1, Steps: 2})
	if err != nil {
		t.Fatal(err)
	}
	txt, _ := analysis.Render(rep, "text")
	csv, _ := analysis.Render(rep, "csv")
	if !strings.Contains(string(txt), "infected") || !strings.Contains(string(csv), `,observable,"infected",`) {
		t.Errorf("transient refine without its observables:\n%s\n%s", txt, csv)
	}
}

// TestRenderDigits: text and CSV print 10 significant digits (0.9, not 0.90000000000000002)
// and a subnormal round-off (−4e−316) as 0; JSON keeps every digit.
func TestRenderDigits(t *testing.T) {
	t.Parallel()
	rep := &analysis.ODEReport{Model: "m", Species: []string{"a", "b"}, Time: []float64{0}, X: [][]float64{{0.9, -4e-316}}}
	txt, _ := analysis.Render(rep, "text")
	csv, _ := analysis.Render(rep, "csv")
	if !strings.Contains(string(txt), "\n0 0.9 0\n") || !strings.Contains(string(csv), "\n0,0.9,0\n") {
		t.Errorf("text:\n%s\ncsv:\n%s", txt, csv)
	}
	rep = &analysis.ODEReport{Model: "m", Species: []string{"a"}, Time: []float64{0}, X: [][]float64{{0.28741195077917076}}}
	csv, _ = analysis.Render(rep, "csv")
	js, _ := analysis.Render(rep, "json")
	if !strings.Contains(string(csv), "\n0,0.2874119508\n") || !strings.Contains(string(js), "0.28741195077917076") {
		t.Errorf("csv:\n%s\njson:\n%s", csv, js)
	}
}

// TestRenderDoesNotChangeReport: rendering text or CSV, which prints subnormals as 0, leaves
// the report as it was, so that JSON rendered afterwards keeps every digit.
func TestRenderDoesNotChangeReport(t *testing.T) {
	t.Parallel()
	rep := &analysis.ODEReport{Model: "m", Species: []string{"a"}, Time: []float64{0}, X: [][]float64{{4.7e-314}}}
	if _, err := analysis.Render(rep, "text"); err != nil {
		t.Fatal(err)
	}
	js, _ := analysis.Render(rep, "json")
	if rep.X[0][0] != 4.7e-314 || !strings.Contains(string(js), "4.7e-314") {
		t.Errorf("after text, X = %g and JSON\n%s", rep.X[0][0], js)
	}
}
