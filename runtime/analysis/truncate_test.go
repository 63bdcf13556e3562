package analysis_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
	"github.com/mfcproject/mfc/runtime/trunc"
	"github.com/mfcproject/mfc/runtime/trunc/trunctest"
)

// These two schemes, registered for the
// tests only, exercise the command's wiring. test-augment solves the augmented chain of
// the re-entry rule (default middle) by dense GTH; test-tail reports the certified error
// 2^−|S| (the tail mass of the geometric law of ratio 1/2 outside {0..|S|−1}), to drive
// the adaptive loop. seen keeps the options of the last run.
var (
	seenMu sync.Mutex
	seen   = map[string]*trunc.Options{}
)

func init() {
	trunc.Register("test-augment", func(ctx context.Context, t *trunc.Truncation, o *trunc.Options) (*trunc.Result, error) {
		res, err := trunctest.Augment(ctx, t, o)
		if err == nil {
			seenMu.Lock()
			seen[t.Region+"/"+*res.Reentry] = o
			seenMu.Unlock()
		}
		return res, err
	})
	trunc.Register("test-tail", func(ctx context.Context, t *trunc.Truncation, o *trunc.Options) (*trunc.Result, error) {
		return &trunc.Result{Error: &trunc.ErrorReport{TVUpper: &trunc.Number{Value: math.Pow(2, -float64(t.NumStates())), Certified: true}}}, nil
	})
}

func truncate(t *testing.T, file string, over compiler.Overrides, s *analysis.TruncateSettings) (*analysis.TruncateReport, error) {
	t.Helper()
	m := loadtest.Model(t, file, compiler.Options{Overrides: over})
	a := analysis.Lookup("truncate")
	set := a.NewSettings().(*analysis.TruncateSettings)
	set.Region, set.Scheme, set.Reentry, set.Levels, set.Lyapunov = s.Region, s.Scheme, s.Reentry, s.Levels, s.Lyapunov
	set.Seed, set.Enumerate, set.Adaptive, set.Tol, set.TailRatio, set.Moment = s.Seed, s.Enumerate, s.Adaptive, s.Tol, s.TailRatio, s.Moment
	if set.Levels == "" {
		set.Levels = "auto"
	}
	rep, err := a.Run(context.Background(), &analysis.Problem{Model: m}, set)
	if err != nil {
		return nil, err
	}
	return rep.(*analysis.TruncateReport), nil
}

// TestTruncateToggle runs the command on the toggle switch at L = 24: the structure block
// is acceptance 17 (|S| = 300, |B_i| = 24, levels 1..24 of P1 + P2, LDQBD), the
// distribution is aligned with states_list (its mean equals that of mfc exact --region
// --reentry middle, the same chain solved by another path, to 1e-12), and the options
// carry the measures (indicators: f ≥ 0 outside S) and the drift of --lyapunov mean1,
// Qv(x) = 20/(1 + x2) − x1 at every state (exactly).
func TestTruncateToggle(t *testing.T) {
	t.Parallel()
	rep, err := truncate(t, "examples/toggle.mf", nil, &analysis.TruncateSettings{Region: "trunc", Scheme: "test-augment", Reentry: "middle", Lyapunov: "mean1"})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Structure
	if s.States != 300 || s.InBoundary != 24 || s.OutBoundary != 24 || s.LevelFunction == nil || *s.LevelFunction != "P1 + P2" || !s.LDQBD || len(s.Levels) != 24 {
		t.Errorf("structure %+v", s)
	}
	for l, n := range s.Levels {
		if n != l+1 {
			t.Errorf("level %d: %d states", l, n)
		}
	}
	ex, err := exactRegion(t, "examples/toggle.mf", nil, &analysis.ExactSettings{Region: "trunc", Reentry: "middle"})
	if err != nil {
		t.Fatal(err)
	}
	mean, mass := 0.0, 0.0
	for x, p := range rep.Distribution {
		mean += p * float64(rep.States[x]["P1"])
		mass += p
	}
	if math.Abs(mean-ex.Mean[0]) > 1e-12*ex.Mean[0] || math.Abs(mass-1) > 1e-13 {
		t.Errorf("E[P1] = %.15g (mass %.15g), exact --region gives %.15g", mean, mass, ex.Mean[0])
	}
	if rep.Model != "toggle" || rep.Scheme != "test-augment" || rep.Region != "trunc" || rep.Parameters["L"] != 24 || rep.Assumptions == nil {
		t.Errorf("header: %q %q %q %v %v", rep.Model, rep.Scheme, rep.Region, rep.Parameters, rep.Assumptions)
	}
	seenMu.Lock()
	o := seen["trunc/middle"]
	seenMu.Unlock()
	if o == nil || o.LyapunovName != "mean1" || len(o.LyapunovQv) != 300 {
		t.Fatalf("options %+v", o)
	}
	for x, st := range rep.States {
		want := 20/(1+float64(st["P2"])) - float64(st["P1"])
		if math.Abs(o.LyapunovQv[x]-want) > 1e-13*math.Abs(want)+1e-13 {
			t.Errorf("Qv at %v = %g, want %g", st, o.LyapunovQv[x], want)
		}
	}
	signs := map[string]int{}
	for _, f := range o.Functions {
		signs[f.Name] = f.SignOutside
	}
	if len(o.Functions) != 6 || signs["origin_ss"] != 1 || signs["w_ss"] != 1 || signs["cross_ss"] != 1 {
		t.Errorf("functions: %v", signs)
	}
	for _, format := range []string{"text", "json", "csv"} {
		out, err := analysis.Render(rep, format)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if format == "json" && !strings.Contains(string(out), `"level_function": "P1 + P2"`) {
			t.Errorf("json: no level function in\n%.400s", out)
		}
		if format == "csv" && !strings.Contains(string(out), "structure.states,300") {
			t.Errorf("csv:\n%.400s", out)
		}
		if format == "text" && !strings.Contains(string(out), "|B_i| = 24") {
			t.Errorf("text:\n%s", out)
		}
	}
}

// TestTruncateLevelsAndErrors: --levels with an observable (x1 alone changes by at most 1:
// 24 levels of sizes 24, 23, ..., 1; (x1 + x2)^6 does not qualify); Schlögl is a
// birth–death chain (acceptance 17); unknown scheme, missing region and --moment without
// assumptions are usage errors.
func TestTruncateLevelsAndErrors(t *testing.T) {
	t.Parallel()
	rep, err := truncate(t, "examples/toggle.mf", nil, &analysis.TruncateSettings{Region: "trunc", Scheme: "test-augment", Reentry: "uniform", Levels: "mean1"})
	if err != nil {
		t.Fatal(err)
	}
	for l, n := range rep.Structure.Levels {
		if n != 24-l {
			t.Errorf("level %d of mean1: %d states, want %d", l, n, 24-l)
		}
	}
	if _, err := truncate(t, "examples/toggle.mf", nil, &analysis.TruncateSettings{Region: "trunc", Scheme: "test-augment", Levels: "w"}); err == nil || !strings.Contains(err.Error(), "changes by") {
		t.Errorf("--levels w: %v", err)
	}
	rep, err = truncate(t, "examples/schlogl.mf", compiler.Overrides{"r": {100}}, &analysis.TruncateSettings{Region: "trunc", Scheme: "test-augment", Reentry: "drop"})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Structure.BirthDeath || rep.Structure.States != 100 {
		t.Errorf("Schlögl structure %+v", rep.Structure)
	}
	var ue *analysis.UsageError
	for _, s := range []*analysis.TruncateSettings{
		{Region: "trunc", Scheme: "nope"},
		{Scheme: "test-augment"},
		{Region: "trunc", Scheme: "test-augment", Moment: "nosuch"},
		{Region: "trunc", Scheme: "test-augment", TailRatio: []string{"nosuch=2"}},
		{Region: "trunc", Scheme: "test-augment", Adaptive: "L"},
	} {
		if _, err := truncate(t, "examples/toggle.mf", nil, s); !errors.As(err, &ue) {
			t.Errorf("%+v: %v, want a usage error", s, err)
		}
	}
}

// TestTruncateAdaptive: with a certified error 2^−|S| on the region x < r, the driver grows
// r by 1 from 3 and must stop at the first r with 2^−r ≤ 1e-3, r = 10, reporting every
// truncation.
func TestTruncateAdaptive(t *testing.T) {
	t.Parallel()
	src := "testdata/trunc/geometric.mf"
	rep, err := truncate(t, src, nil, &analysis.TruncateSettings{Region: "trunc", Scheme: "test-tail", Adaptive: "r", Tol: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rep.Adaptive); n != 8 || rep.Adaptive[n-1].Value != 10 || rep.Adaptive[0].Value != 3 || !rep.Adaptive[n-1].Certified {
		t.Errorf("adaptive steps %+v", rep.Adaptive)
	}
	if rep.Structure.States != 10 {
		t.Errorf("final |S| = %d, want 10", rep.Structure.States)
	}
}

// TestTruncateAdaptiveToggle is acceptance 16: the toggle switch with ITA and --tol 1e-3
// grows L by 1 from the model's 24 and stops at L = 52 (1 378 states), the first L whose
// certified TV error, 1 − l(S) with the tail bound c/L⁶ of the model's assumption
// (c = 1.8e7), is at most 1e-3 (at L = 51 the tail bound alone is 1.023e-3).
func TestTruncateAdaptiveToggle(t *testing.T) {
	t.Parallel()
	rep, err := truncate(t, "@toggle", nil, &analysis.TruncateSettings{Region: "trunc", Scheme: "ita", Adaptive: "L", Tol: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	last := rep.Adaptive[len(rep.Adaptive)-1]
	if last.Value != 52 || last.States != 1378 || !last.Certified || last.CertifiedError > 1e-3 {
		t.Errorf("adaptive stopped at %+v, want L = 52, 1378 states, certified error ≤ 1e-3", last)
	}
	if prev := rep.Adaptive[len(rep.Adaptive)-2]; prev.Value != 51 || prev.CertifiedError <= 1e-3 {
		t.Errorf("the step before is %+v, want L = 51 with an error above 1e-3", prev)
	}
	if tb := rep.Error.TailBound; tb == nil || !tb.Certified || tb.Given != "moment" || math.Abs(tb.Value-1.8e7/math.Pow(52, 6)) > 1e-12*tb.Value {
		t.Errorf("tail bound %+v, want c/L⁶ = %g certified given moment", tb, 1.8e7/math.Pow(52, 6))
	}
}

// TestTruncateNonUnique is acceptance 13 through the command: on both App. C.2 chains
// (re-entry state:X=3 on the pure-death chain, drop on the walk) the report gives no
// distribution and names the two absorbing states X=1 and X=3 as the closed classes.
func TestTruncateNonUnique(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ file, rule string }{
		{"testdata/trunc/c2_death.mf", "state:X=3"},
		{"testdata/trunc/c2_walk.mf", "drop"},
	} {
		rep, err := truncate(t, c.file, nil, &analysis.TruncateSettings{Region: "trunc", Scheme: "test-augment", Reentry: c.rule})
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		u := rep.Uniqueness
		if rep.Distribution != nil || u == nil || u.Certified || len(u.Candidates) != 2 ||
			u.Candidates[0].Representative != "X=1" || u.Candidates[1].Representative != "X=3" {
			t.Errorf("%s, %s: distribution %v, uniqueness %+v", c.file, c.rule, rep.Distribution, u)
		}
	}
}
