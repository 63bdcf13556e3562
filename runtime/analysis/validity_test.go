package analysis_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

const validitySIS = `scale N = 10
param beta = 1.5, gamma = 1
species S, I
infect:  S + I -> 2I @ N * beta * (S/N) * (I/N)
recover: I -> S      @ N * gamma * I/N
init density { S = 0.9, I = 0.1 }
`

// The refined result says where it cannot be trusted: at N = 10 the SIS expansion's order-2
// densities leave [0, 1] (W603) and its terms grow (W604); at R0 = 1.0005 and N = 1000 the
// fixed point is near the transcritical point (W605). The library's models at their own
// parameters get no warning but W606 for the epidemics without importation (csma at N = 10
// is within N·|Re λ| < 1 and gets W605).
func TestValidityWarnings(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, src, lib string, opts compiler.Options) *analysis.RefineReport {
		t.Helper()
		m := loadtest.Model(t, lib, opts)
		if src != "" {
			m = loadtest.Source(t, src, opts)
		}
		a := analysis.Lookup("run")
		rep, err := a.Run(context.Background(), &analysis.Problem{Model: m}, a.NewSettings())
		if err != nil {
			t.Fatal(err)
		}
		return rep.(*analysis.RefineReport)
	}
	codes := func(r *analysis.RefineReport) string {
		var c []string
		for _, w := range r.Warnings {
			c = append(c, w.Code+":"+w.Quantity)
		}
		return strings.Join(c, " ")
	}
	r := run(t, validitySIS, "@sis", compiler.Options{})
	if got := codes(r); got != "W603:S.refined2 W604:S W603:I.refined2 W604:I W606:I" {
		t.Errorf("SIS at N = 10: warnings %q", got)
	}
	js, err := analysis.Render(r, "json")
	if err != nil || !strings.Contains(string(js), `"code": "W603"`) {
		t.Errorf("JSON warnings: %v\n%s", err, js)
	}
	r = run(t, validitySIS, "@sis", compiler.Options{Scale: 1000, Overrides: compiler.Overrides{"beta": {1.0005}}})
	if got := codes(r); !strings.Contains(got, "W605:eigenvalues") {
		t.Errorf("SIS at R0 = 1.0005: warnings %q", got)
	}
	// The epidemics without importation (@sis, @sirs) end absorbed at I = 0 at any finite
	// N: W606 says that their refined values approximate the quasi-stationary law.
	for lib, want := range map[string]string{"@sir": "", "@sis": "W606:I", "@jsq": "", "@cache": "", "@bike": "", "@sirs": "W606:I", "@t1_sis_env": ""} {
		if got := codes(run(t, "", lib, compiler.Options{})); got != want {
			t.Errorf("%s: warnings %q at its own parameters, want %q", lib, got, want)
		}
	}
}

// mfc exact --measures: all (the default), none, a list (the others are not computed, not
// reported as failures), and an unknown name as a usage error naming the measures there are.
func TestExactMeasuresSelection(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "@sir", compiler.Options{Scale: 20})
	a := analysis.Lookup("exact")
	for _, tc := range []struct {
		sel  string
		want []string
		err  string
	}{
		{"all", []string{"infected_ss", "infected_t5", "recovered_ss", "susceptible_ss"}, ""},
		{"none", nil, ""},
		{"infected_t5, susceptible_ss", []string{"infected_t5", "susceptible_ss"}, ""},
		{"nosuch", nil, `no measure "nosuch" (it has: susceptible_ss, infected_ss, recovered_ss, infected_t5)`},
	} {
		s := a.NewSettings()
		if err := analysis.SetFlag(s, "measures", tc.sel); err != nil {
			t.Fatal(err)
		}
		rep, err := a.Run(context.Background(), &analysis.Problem{Model: m}, s)
		if tc.err != "" {
			var ue *analysis.UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("--measures %s: %v", tc.sel, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		r := rep.(*analysis.ExactReport)
		var got []string
		for k := range r.Measures {
			got = append(got, k)
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) || len(r.MeasuresNotComputed) != 0 {
			t.Errorf("--measures %s: measures %v, not computed %v; want %v", tc.sel, got, r.MeasuresNotComputed, tc.want)
		}
	}
}

// TestValidityNamedModels: the models users reported with untrustworthy refined values —
// an SEIR with vaccination at N = 10 (testdata/trust) and JSQ(2) with K = 5 at N = 5 —
// get warnings that the expansion does not converge (W604), and JSQ that its fixed point
// is near a bifurcation at that N (W605).
func TestValidityNamedModels(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		model string
		opts  compiler.Options
		want  []string
	}{
		{"testdata/trust/seir_vaccination.mf", compiler.Options{}, []string{"W604:I"}},
		{"@jsq", compiler.Options{Scale: 5, Overrides: compiler.Overrides{"K": {5}}}, []string{"W604:Q[5]", "W605:eigenvalues"}},
	} {
		m := loadtest.Model(t, c.model, c.opts)
		rep, err := analysis.Lookup("run").Run(context.Background(), &analysis.Problem{Model: m}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, w := range rep.(*analysis.RefineReport).Warnings {
			got = append(got, w.Code+":"+w.Quantity)
		}
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: warnings %v, want %s", c.model, got, w)
			}
		}
	}
}
