package analysis_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestRunMeasures: mfc run evaluates the model's measures by the refined mean field: a
// stationary measure of an observable is the observable's stationary refined value, a
// transient one its value on the refined trajectory at the measure's time (checked against
// refine --transient there, bit for bit: the same computation); other measures are null
// with a note.
func TestRunMeasures(t *testing.T) {
	t.Parallel()
	const src = `
scale N = 100
param beta = 2, gamma = 1
species S, I
infect: S + I -> 2I @ beta * S * I / N
recover: I -> S @ gamma * I
observable infected = I / N
init density { S = 0.9, I = 0.1 }
measure inf_ss = stationary(infected)
measure inf_t2 = transient(infected, 2)
measure total = cumulative(infected, 2)
measure raw = stationary(S / N)
`
	m := loadtest.Source(t, src, compiler.Options{})
	rep, err := analysis.Lookup("run").Run(context.Background(), &analysis.Problem{Model: m}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.(*analysis.RefineReport)
	if len(r.Measures) != 4 {
		t.Fatalf("measures %+v", r.Measures)
	}
	ob := r.Observables[0]
	if ms := r.Measures[0]; ms.MeanField.Value != ob.MeanField || ms.Refined1.Value != ob.Refined1 || ms.Refined2.Value != *ob.Refined2 {
		t.Errorf("inf_ss %+v, observable %+v", ms, ob)
	}
	tr, err := analysis.Lookup("refine").Run(context.Background(), &analysis.Problem{Model: m}, &analysis.RefineSettings{Order: 2, Transient: 2, Steps: 1})
	if err != nil {
		t.Fatal(err)
	}
	at2 := tr.(*analysis.RefineReport).ObservablesT[1][0]
	if ms := r.Measures[1]; ms.Refined2.Value != *at2.Refined2 || ms.MeanField.Value != at2.MeanField {
		t.Errorf("inf_t2 %+v, refine --transient 2: %+v", ms, at2)
	}
	for _, ms := range r.Measures[2:] {
		if ms.MeanField.OK() || ms.Note == "" {
			t.Errorf("%s: %+v, want no value and a note", ms.Name, ms)
		}
	}
	if txt, _ := analysis.Render(rep, "text"); !strings.Contains(string(txt), "inf_t2               transient") {
		t.Errorf("text:\n%s", txt)
	}
}

// TestRunAbsorption: run on an SIS epidemic without importation warns (W606) that the
// finite chain ends absorbed at I = 0 while the mean field is endemic; with importation
// (@sir, external infection rate a > 0) it does not.
func TestRunAbsorption(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{"@sis": true, "@sir": false} {
		m := loadtest.Model(t, name, compiler.Options{})
		rep, err := analysis.Lookup("run").Run(context.Background(), &analysis.Problem{Model: m}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, w := range rep.(*analysis.RefineReport).Warnings {
			if w.Code == "W606" && w.Quantity == "I" {
				got = true
			}
		}
		if got != want {
			t.Errorf("%s: W606 on I %v, want %v", name, got, want)
		}
	}
}
