package trunc

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/runtime/linalg"
)

// TestReentryRules checks the re-entry rules on the toggle switch at L = 24: middle is
// (11, 12) (the convention, ⌊(L−1)/2⌋), level0 is (0, 0), state:… parses, and the
// uniform law equals the average of the single-state TA vectors weighted by their
// normalisers (π ∝ Σ_z α_z y_z with y_z = e_z(−Q_r)^{-1}), here checked through its defining
// equation π Q_r = −O_r·α to a residual of 1e-13. Bad rules are refused with a reason.
func TestTAReentryRules(t *testing.T) {
	t.Parallel()
	tr := toggleTruncation(24, 20)
	for rule, want := range map[string]string{"": "middle: P1=11, P2=12", "middle": "middle: P1=11, P2=12",
		"level0": "level0: P1=0, P2=0", "state:P2=3, P1=20": "state: P1=20, P2=3"} {
		res := runTA(t, tr, &Options{Reentry: rule})
		if *res.Reentry != want {
			t.Errorf("%q: re-entry %q, want %q", rule, *res.Reentry, want)
		}
	}
	res := runTA(t, tr, &Options{Reentry: "uniform"})
	if r := *res.Diagnostics.Residual; !(r < 1e-13) || !strings.HasPrefix(*res.Reentry, "uniform on the 24") {
		t.Errorf("uniform: residual %g, %q", r, *res.Reentry)
	}
	for rule, msg := range map[string]string{"state:P1=30,P2=0": "not in the truncation", "state:P1=3": "does not give P2",
		"state:Q=1,P1=2": "no species", "drop": "augmented chain", "sideways": "unknown re-entry rule"} {
		if _, err := Run(context.Background(), "ta", tr, &Options{Reentry: rule}); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: %v, want %q", rule, err, msg)
		}
	}
}

// TestTABreadthFirstLevels checks the block elimination on levels of its own: the toggle
// truncation without its level function gets breadth-first levels from (0, 0), and the TA
// vector must equal the one on the levels x1 + x2 to 1e-14 in ℓ¹.
func TestTABreadthFirstLevels(t *testing.T) {
	t.Parallel()
	tr := toggleTruncation(20, 20)
	own := runTA(t, tr, &Options{Reentry: "middle"})
	tr.Level, tr.LevelFunc = nil, ""
	bfs := runTA(t, tr, &Options{Reentry: "middle"})
	if d := L1Diff(own.Distribution, bfs.Distribution); d > 1e-14 || !strings.Contains(bfs.Diagnostics.Solver, "breadth-first") {
		t.Errorf("ℓ¹ difference %g (%s)", d, bfs.Diagnostics.Solver)
	}
	if _, err := Run(context.Background(), "ldqbd", tr, nil); err == nil {
		t.Error("ldqbd ran without a level function")
	}
}

// TestTAClosedClass is App. C.2 (T18): states {1, 2, 3} with death to 1 (q(2,1) = q(3,2) = 1)
// on the truncation {1, 3}: state 1 never leaves S, Q_r is singular, and TA and ITA refuse
// with the state named instead of returning a vector.
func TestTAClosedClass(t *testing.T) {
	t.Parallel()
	tr := gen([]string{"X"}, [][]int32{{1}, {3}}, func(x []int32) ([][]int32, []float64) {
		if x[0] == 1 {
			return nil, nil
		}
		return [][]int32{{x[0] - 1}}, []float64{1}
	})
	for _, scheme := range []string{"ta", "ita"} {
		_, err := Run(context.Background(), scheme, tr, &Options{Reentry: "state:X=3"})
		if err == nil || !strings.Contains(err.Error(), "X=1") || !strings.Contains(err.Error(), "not unique") {
			t.Errorf("%s: %v", scheme, err)
		}
	}
}

// TestTABoundToggle checks the bound (4.29) on a two-dimensional chain, through the |F|
// column solves of the level factorisation: the toggle switch at L = 28 with v = x1 + x2
// (Qv = 20/(1+x2) + 20/(1+x1) − x1 − x2, so F lies below level 22 and inside S) must bound
// the true TV error of TA-middle against the reference law.
func TestTABoundToggle(t *testing.T) {
	t.Parallel()
	tr := toggleTruncation(28, 20)
	n := tr.NumStates()
	v, qv := make([]float64, n), make([]float64, n)
	for x := range v {
		k := tr.Key(x)
		x1, x2 := float64(k[0]), float64(k[1])
		v[x], qv[x] = x1+x2, 20/(1+x2)+20/(1+x1)-x1-x2
	}
	res := runTA(t, tr, &Options{Reentry: "middle", Lyapunov: v, LyapunovQv: qv, BetaLo: -2, BetaHi: 3, BetaStep: 0.25})
	ref, tail := refOn(tr)
	tv := TVDiffTail(res.Distribution, ref, tail)
	b := res.Error.TABound
	if b == nil || !(b.Value >= tv) || math.IsInf(b.Value, 0) {
		t.Fatalf("bound %+v below the true TV %g", b, tv)
	}
	if b429 := bound429(t, res); !(b429.Value >= b.Value) {
		t.Errorf("(4.29) %g below ta_bound %g", b429.Value, b.Value)
	}
	t.Logf("L = 28: TV %.4g, bound %.4g at β = %.3g", tv, b.Value, b.Beta)
}

// TestITAMeasures checks the averages (4.36)–(4.37) and (4.38)/(4.40) on the toggle switch at
// L = 42 for f = x1 (reference E[x1] = 5.7225083961, seed-003 §5.2.3): f ≥ 0 outside S gives
// a lower bound (4.38); |x1| ≤ (x1+x2) ≤ w/L⁵ outside S gives K = 1/L⁵ and a two-sided
// interval (4.40). Both must contain the reference value.
func TestITAMeasures(t *testing.T) {
	t.Parallel()
	L := 42
	tr := toggleTruncation(L, 20)
	f := make([]float64, tr.NumStates())
	for x := range f {
		f[x] = float64(tr.Key(x)[0])
	}
	o := &Options{Moment: toggleMoment(tr, L), Functions: []Function{
		{Name: "x1", F: f, SignOutside: 1},
		{Name: "x1K", F: f, K: 1 / math.Pow(float64(L), 5)},
	}}
	res, err := Run(context.Background(), "ita", tr, o)
	if err != nil {
		t.Fatal(err)
	}
	const mean = 5.7225083961
	lo := res.Measures["x1"]
	if lo.Rule != "4.38" || lo.Lower == nil || *lo.Lower > mean || !lo.Certified {
		t.Errorf("x1: %+v", lo)
	}
	two := res.Measures["x1K"]
	if two.Rule != "4.40" || *two.Lower > mean || *two.Upper < mean || !relClose(*two.Midpoint, (*two.Lower+*two.Upper)/2, 1e-15) {
		t.Errorf("x1K: [%g, %g]", *two.Lower, *two.Upper)
	}
}

// TestTAAugmentedHook checks ta's path for the exit-dependent re-entry laws through the
// TAAugment hook, with a stand-in that augments by a single re-entry state (augmentSingle,
// a law independent of the exit state, so that ta's own row solve is the reference): dense
// GTH on Q^{e_r} must give TA's vector to 1e-12 in ℓ¹ (both subtraction-free; 4e-16 seen)
// and the same outflow, at L = 10 and 24. Without the hook the rules are refused. Not
// parallel: it sets the package's hook.
func TestTAAugmentedHook(t *testing.T) {
	if _, err := Run(context.Background(), "ta", toggleTruncation(5, 20), &Options{Reentry: "nearest"}); err == nil || !strings.Contains(err.Error(), "augmented chain") {
		t.Errorf("nearest without the hook: %v", err)
	}
	TAAugment = func(tr *Truncation, o *Options) (*linalg.CSR, string, error) {
		re, err := parseReentry(tr, "middle")
		if err != nil {
			return nil, "", err
		}
		return augmentSingle(tr, re.z), "stand-in: " + re.desc, nil
	}
	defer func() { TAAugment = nil }()
	for _, L := range []int{10, 24} {
		tr := toggleTruncation(L, 20)
		want := runTA(t, tr, &Options{Reentry: "middle"})
		got := runTA(t, tr, &Options{Reentry: "drop"})
		if d := L1Diff(got.Distribution, want.Distribution); d > 1e-12 || !strings.HasPrefix(*got.Reentry, "stand-in: middle") ||
			!relClose(*got.Error.Outflow, *want.Error.Outflow, 1e-12) || !strings.Contains(got.Diagnostics.Solver, "augmented") {
			t.Errorf("L = %d: ℓ¹ difference %g, outflow %g vs %g, %q", L, d, *got.Error.Outflow, *want.Error.Outflow, *got.Reentry)
		}
	}
}
