package analysis_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestFastEnvironment runs every registered analysis on toy model T1, whose environment is
// fast: each one either refuses it, saying why, or gives the two-timescale answer (fixed
// point 0.421364298533 of seed digest 000 §5.1), never the mean field frozen in one
// environment state (0.5296).
func TestFastEnvironment(t *testing.T) {
	const x = 0.421364298533 // digest 000 §5.1, printed to 12 digits
	// What each analysis does with the model: "average" (the two-timescale answer at
	// fixed_point.0 or the averaged ODE), "refuse", or "other" (an analysis that does not use
	// the mean field: exact chains, simulation, the model's description).
	behaviour := map[string]string{
		"run": "average", "refine": "average", "fixpoint": "average", "ode": "average",
		"converge": "refuse", "exact": "other", "ssa": "other", "show": "other", "validate": "average",
		// truncate works on the chain of a region; T1 declares none.
		"truncate": "noregion",
		"slow":     "other",
		"perturb":  "refuse",
	}
	for _, a := range analysis.All() {
		a := a
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			want := behaviour[a.Name]
			if want == "" {
				t.Fatalf("TestFastEnvironment does not say what %s does with a fast environment", a.Name)
			}
			m := loadtest.Model(t, "@t1_sis_env", compiler.Options{})
			s := a.NewSettings()
			switch a.Name {
			case "ssa":
				analysis.SetFlag(s, "runs", "10")
			case "validate":
				analysis.SetFlag(s, "ssa-t", "0")
			case "truncate":
				analysis.SetFlag(s, "region", "trunc")
				analysis.SetFlag(s, "scheme", "test-augment")
			}
			at := func(n float64) (*runtime.Model, error) {
				return loadtest.Model(t, "@t1_sis_env", compiler.Options{Scale: n}), nil
			}
			rep, err := a.Run(context.Background(), &analysis.Problem{Model: m, Load: at, Scales: []float64{20}}, s)
			switch want {
			case "refuse":
				if err == nil || !strings.Contains(err.Error(), "environment") {
					t.Fatalf("%s on a fast environment: err = %v, want a refusal that names the environment", a.Name, err)
				}
				return
			case "other":
				if err != nil {
					t.Fatal(err)
				}
				return
			case "noregion":
				if err == nil || !strings.Contains(err.Error(), "declares no region") {
					t.Fatalf("%s on a model without regions: err = %v", a.Name, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got float64
			switch a.Name {
			case "ode":
				if r := rep.(*analysis.ODEReport); !strings.Contains(r.Method, "average") {
					t.Fatalf("ode integrated %q", r.Method)
				}
				return
			case "validate":
				got, err = analysis.Quantity(rep, "observables.0.mean_field.0")
			default:
				got, err = analysis.Quantity(rep, "fixed_point.0")
			}
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-x) > 5e-13 {
				t.Errorf("%s: x = %.12g, want the two-timescale %.12g", a.Name, got, x)
			}
		})
	}
}

// TestNoMeanField: analyses that need a mean field refuse a model without one with the
// reason (E601 for a model without a scale); run falls back to the exact chain.
func TestNoMeanField(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "@mm1k", compiler.Options{})
	for _, a := range analysis.All() {
		if !a.MeanField {
			continue
		}
		_, err := a.Run(context.Background(), &analysis.Problem{Model: m}, nil)
		var nomf *analysis.NoMeanFieldError
		if !errors.As(err, &nomf) || len(nomf.Diagnostics) == 0 || nomf.Diagnostics[0].Code != "E601" {
			t.Errorf("%s: err = %v, want a NoMeanFieldError with E601", a.Name, err)
		}
	}
	var notes []string
	rep, err := analysis.Lookup("run").Run(context.Background(), &analysis.Problem{Model: m, Notify: func(s string) { notes = append(notes, s) }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rep.(*analysis.ExactReport); !ok || len(notes) != 1 {
		t.Errorf("run without a mean field: %T, notes %q", rep, notes)
	}
}

// TestRenderNonFinite: a report holding a NaN or an infinity is refused in JSON with the
// quantity's name, never printed as an empty line.
func TestRenderNonFinite(t *testing.T) {
	t.Parallel()
	r2 := math.Inf(1)
	rep := &analysis.RefineReport{Model: "m", Species: []string{"S"}, FixedPoint: []float64{0.5}, V: []float64{math.NaN()},
		Observables: []analysis.ObservableValue{{Name: "o", Refined2: &r2}}}
	_, err := analysis.Render(rep, "json")
	var nf *analysis.NonFiniteError
	if !errors.As(err, &nf) || nf.Path != "V[0]" {
		t.Fatalf("err = %v, want a NonFiniteError at V[0]", err)
	}
	rep.V[0] = 1
	if _, err := analysis.Render(rep, "json"); !errors.As(err, &nf) || nf.Path != "observables[0].refined2" {
		t.Fatalf("err = %v, want a NonFiniteError at observables[0].refined2", err)
	}
	r2 = 2
	data, err := analysis.Render(rep, "json")
	if err != nil || !strings.Contains(string(data), `"refined2": 2`) {
		t.Fatalf("finite report: %v\n%s", err, data)
	}
	if _, err := analysis.Render(rep, "xml"); err == nil {
		t.Error("format xml accepted")
	}
}

// TestCancel: a context cancelled during a long analysis stops it within a second with
// context.Canceled, through the registry (the CLI cancels on Ctrl-C).
func TestCancel(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "@sir", compiler.Options{})
	for _, tc := range []struct {
		name  string
		flags map[string]string
	}{
		{"ssa", map[string]string{"runs": "1000000", "t": "1000"}},
		{"validate", map[string]string{"ssa-t": "1e7", "max-states": "10"}}, // within the event budget
	} {
		a := analysis.Lookup(tc.name)
		s := a.NewSettings()
		for k, v := range tc.flags {
			if err := analysis.SetFlag(s, k, v); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		start := time.Now()
		_, err := a.Run(ctx, &analysis.Problem{Model: m}, s)
		cancel()
		if d := time.Since(start); d > 1100*time.Millisecond {
			t.Errorf("%s: the cancelled run took %v", tc.name, d)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: err = %v, want the context's error", tc.name, err)
		}
	}
}

// TestSettings: SetFlag and the registry's settings types agree with the flags mfc shows.
func TestSettings(t *testing.T) {
	t.Parallel()
	s := analysis.Lookup("refine").NewSettings()
	if err := analysis.SetFlag(s, "order", "2"); err != nil {
		t.Fatal(err)
	}
	if s.(*analysis.RefineSettings).Order != 2 {
		t.Error("SetFlag did not set the order")
	}
	if err := analysis.SetFlag(s, "order", "two"); err == nil {
		t.Error("order=two accepted")
	}
	if err := analysis.SetFlag(s, "nosuch", "1"); err == nil {
		t.Error("unknown flag accepted")
	}
	if _, err := analysis.Lookup("refine").Run(context.Background(), &analysis.Problem{Model: loadtest.Model(t, "@sir", compiler.Options{})}, &analysis.RefineSettings{Order: 3}); err == nil {
		t.Error("order 3 accepted")
	}
	c := analysis.Lookup("converge").NewSettings()
	if err := analysis.SetFlag(c, "exact", "10,20"); err != nil || len(c.(*analysis.ConvergeSettings).Exact) != 2 {
		t.Errorf("exact list: %v", err)
	}
}

// TestSettingsRanges: Analysis.Run refuses a setting outside its range with a *UsageError
// naming the flag and the value, before it looks at the model; the command line refuses the
// same values through the same check (CheckSettings).
func TestSettingsRanges(t *testing.T) {
	t.Parallel()
	cases := []struct{ analysis, flag, value, want string }{
		{"ssa", "steps", "-1", "--steps -1: must be an integer in [1, 1000000]"},
		{"ssa", "steps", "0", "--steps 0: must be an integer in [1, 1000000]"},
		{"ssa", "runs", "1000000000000", "--runs 1000000000000: must be an integer in [2, 1000000000]"},
		{"ssa", "runs", "0", "--runs 0: must be"},
		{"ssa", "runs", "-1", "--runs -1: must be"},
		{"ssa", "t", "NaN", "--t NaN: must be a finite number in (0, inf)"},
		{"ssa", "workers", "-1", "--workers -1: must be"},
		{"ode", "rtol", "-1", "--rtol -1: must be a finite number in (0, 1)"},
		{"ode", "atol", "Inf", "--atol inf: must be"},
		{"ode", "steps", "0", "--steps 0: must be"},
		{"ode", "t", "-1", "--t -1: must be"},
		{"refine", "t", "NaN", "--t NaN: must be"},
		{"refine", "steps", "10000000", "--steps 10000000: must be"},
		{"refine", "order", "3", "--order 3: must be an integer in [1, 2]"},
		{"run", "max-states", "0", "--max-states 0: must be an integer in [1, 1000000000]"},
		{"exact", "max-states", "-5", "--max-states -5: must be"},
		{"fixpoint", "starts", "1000000000", "--starts 1000000000: must be"},
		{"converge", "samples", "0", "--samples 0: must be"},
		{"converge", "max-states", "0", "--max-states 0: must be"},
		{"validate", "burnin", "NaN", "--burnin NaN: must be -1 or a finite number in [0, inf)"},
		{"validate", "burnin", "-2", "--burnin -2: must be"},
		{"validate", "batches", "1", "--batches 1: must be an integer in [2, 100000]"},
		{"validate", "runs", "1", "--runs 1: must be 0 or an integer in [2, 1000000000]"},
		{"validate", "ssa-t", "-Inf", "--ssa-t -inf: must be"},
		{"validate", "t", "NaN", "--t NaN: must be"},
		{"validate", "max-states", "0", "--max-states 0: must be"},
	}
	for _, c := range cases {
		a := analysis.Lookup(c.analysis)
		s := a.NewSettings()
		if err := analysis.SetFlag(s, c.flag, c.value); err != nil {
			t.Errorf("%s --%s %s: %v", c.analysis, c.flag, c.value, err)
			continue
		}
		_, err := a.Run(context.Background(), &analysis.Problem{}, s)
		var usage *analysis.UsageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s --%s %s: err = %v, want a usage error %q", c.analysis, c.flag, c.value, err, c.want)
		}
		if err := analysis.CheckSettings(a.NewSettings()); err != nil {
			t.Errorf("%s: the defaults are out of range: %v", c.analysis, err)
		}
	}
}

// TestEveryNumericSettingHasRange: every integer and float flag of every analysis has a
// range tag (seeds, which take any uint64, excepted), so that CheckSettings checks it.
func TestEveryNumericSettingHasRange(t *testing.T) {
	t.Parallel()
	for _, a := range analysis.All() {
		typ := reflect.TypeOf(a.NewSettings()).Elem()
		for _, f := range reflect.VisibleFields(typ) {
			if f.Tag.Get("flag") == "" {
				continue
			}
			switch f.Type.Kind() {
			case reflect.Int, reflect.Float64, reflect.Slice:
				if f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.String {
					continue // repeated text flags (--seed S=v,..., --measure a,b) have no numeric range
				}
				if _, ok := f.Tag.Lookup("range"); !ok {
					t.Errorf("%s: --%s has no range tag", a.Name, f.Tag.Get("flag"))
				}
			}
		}
	}
}

// nanReport is a report with a NaN in it, and a quantity without a value.
type nanReport struct {
	X    []float64      `json:"x"`
	CI   analysis.Maybe `json:"ci"`
	Rest analysis.Maybe `json:"rest"`
}

func (r *nanReport) Text() string {
	return fmt.Sprintf("x = %v, ci = %v, rest = %v\n", r.X, r.CI, r.Rest)
}
func (r *nanReport) CSV() string { return fmt.Sprintf("x,%v\nci,%v\n", r.X, r.CI) }

// TestRenderNoSilentNaN: no format carries a silent NaN: a non-finite quantity is an error
// naming it in text, CSV and JSON alike; a quantity the analysis legitimately lacks
// (Missing) is null in JSON and — in text, with its reason in both.
func TestRenderNoSilentNaN(t *testing.T) {
	t.Parallel()
	bad := &nanReport{X: []float64{1, math.NaN()}, CI: analysis.Known(2), Rest: analysis.Known(3)}
	for _, f := range analysis.Formats {
		_, err := analysis.Render(bad, f)
		var nf *analysis.NonFiniteError
		if !errors.As(err, &nf) || nf.Path != "x[1]" {
			t.Errorf("%s: err = %v, want a NonFiniteError at x[1]", f, err)
		}
	}
	if _, err := analysis.Render(&nanReport{CI: analysis.Known(math.Inf(1))}, "text"); err == nil {
		t.Errorf("a Known(+Inf) was rendered")
	}
	ok := &nanReport{X: []float64{1}, CI: analysis.Missing("one run: no confidence interval"), Rest: analysis.Known(0.5)}
	js, err := analysis.Render(ok, "json")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"ci": null`, `"rest": 0.5`, `"missing": {`, `"ci": "one run: no confidence interval"`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON lacks %s:\n%s", want, js)
		}
	}
	var back map[string]any
	if err := json.Unmarshal(js, &back); err != nil {
		t.Errorf("invalid JSON: %v\n%s", err, js)
	}
	text, err := analysis.Render(ok, "text")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ci = —", "rest = 0.5", "— ci: one run: no confidence interval"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if x, err := analysis.Quantity(ok, "rest"); err != nil || x != 0.5 {
		t.Errorf("Quantity(rest) = %v, %v", x, err)
	}
	if _, err := analysis.Quantity(ok, "ci"); err == nil || !strings.Contains(err.Error(), "one run") {
		t.Errorf("Quantity(ci): err = %v, want the reason", err)
	}
}
