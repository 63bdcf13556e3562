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
		"state:Q=1,P1=2": "no species", "sideways": "unknown re-entry rule"} {
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

// TestTAAugmented checks ta's path for the exit-dependent re-entry laws (drop, nearest), on
// the augmented chain of Truncation.AugmentWith solved by banded GTH:
//   - on a birth–death truncation, drop (a leaving jump stays at r − 1) gives the reflected
//     chain, whose law is the conditional law π(·|S) of bdp, to 1e-12 relative state by
//     state (Schlögl (b), r = 40);
//   - on the toggle switch the law must solve πQ^{e_r} = 0 to a residual of 1e-13 and
//     agree with dense GTH on the same generator to 1e-12 in ℓ¹.
func TestTAAugmented(t *testing.T) {
	t.Parallel()
	birth, death := schlogl('b')
	bd := birthDeathTruncation(40, birth, death)
	drop := runTA(t, bd, &Options{Reentry: "drop"})
	cond, err := Run(context.Background(), "bdp", bd, nil)
	if err != nil {
		t.Fatal(err)
	}
	for x, p := range cond.Upper {
		if !relClose(drop.Distribution[x], p, 1e-12) {
			t.Fatalf("drop, state %d: %.17g, conditional law %.17g", x, drop.Distribution[x], p)
		}
	}
	if !strings.Contains(drop.Diagnostics.Solver, "augmented") || *drop.Reentry != "drop" {
		t.Errorf("drop: solver %q, re-entry %q", drop.Diagnostics.Solver, *drop.Reentry)
	}
	for _, rule := range []string{"drop", "nearest"} {
		for _, L := range []int{10, 24} {
			tr := toggleTruncation(L, 20)
			got := runTA(t, tr, &Options{Reentry: rule})
			q, err := tr.Augment(rule)
			if err != nil {
				t.Fatal(err)
			}
			dense := make([]float64, tr.NumStates())
			if err := linalg.StationaryGTH(dense, q); err != nil {
				t.Fatal(err)
			}
			if r := *got.Diagnostics.Residual; !(r < 1e-13) || L1Diff(got.Distribution, dense) > 1e-12 {
				t.Errorf("%s, L = %d: residual %g, ℓ¹ difference to dense GTH %g", rule, L, r, L1Diff(got.Distribution, dense))
			}
		}
	}
}
