package trunc

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// build builds the truncation of a model file (relative to the repository) or source.
func build(t *testing.T, model string, over compiler.Overrides, spec Spec) (*Truncation, error) {
	t.Helper()
	opts := compiler.Options{Overrides: over}
	m := loadtest.Model(t, model, opts)
	return FromModel(context.Background(), m, m.Inputs(), spec)
}

// TestFromModelToggle compares the truncation of examples/toggle.mf at L = 24 with the
// independent construction of the test helper (rates written out by hand), and checks the
// digest's structure (acceptance 17): |S| = 300, |B_i| = |B_o| = 24, levels of sizes
// 1..24 with f = P1 + P2, an LDQBD process, one closed component that leaks.
func TestFromModelToggle(t *testing.T) {
	t.Parallel()
	tr, err := build(t, "examples/toggle.mf", nil, Spec{Region: "trunc"})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Check(); err != nil {
		t.Fatal(err)
	}
	ref := toggleTruncation(24, 20)
	if tr.NumStates() != 300 || len(tr.In) != 24 || len(tr.OutBoundary()) != 24 || len(tr.Exits) != 48 {
		t.Fatalf("|S| = %d, |B_i| = %d, |B_o| = %d, exits %d; want 300, 24, 24, 48 (two births from each state of level 23)", tr.NumStates(), len(tr.In), len(tr.OutBoundary()), len(tr.Exits))
	}
	// Same generator entry by entry, up to the order of the states (exact: the same
	// floating-point operations a/(1+x) and x).
	for x := 0; x < tr.NumStates(); x++ {
		rx := ref.Index(tr.Key(x))
		if rx < 0 {
			t.Fatalf("state [%s] not in the reference", tr.StateString(x))
		}
		if tr.Out[x] != ref.Out[rx] {
			t.Errorf("q_o[%s] = %g, want %g", tr.StateString(x), tr.Out[x], ref.Out[rx])
		}
		for p := tr.Q.RowPtr[x]; p < tr.Q.RowPtr[x+1]; p++ {
			y := int(tr.Q.Col[p])
			if got, want := tr.Q.Val[p], ref.Q.At(rx, ref.Index(tr.Key(y))); math.Abs(got-want) > 1e-13*math.Abs(want) {
				t.Errorf("Q[%s][%s] = %g, want %g", tr.StateString(x), tr.StateString(y), got, want)
			}
		}
	}
	for _, x := range tr.In {
		if k := tr.Counts(x); k[0]+k[1] != 23 {
			t.Errorf("in-boundary state [%s] is not on level 23", tr.StateString(x))
		}
	}
	s := Describe(tr, nil)
	if s.LevelFunction == nil || *s.LevelFunction != "P1 + P2" || !s.LDQBD || s.BirthDeath {
		t.Errorf("levels %v, LDQBD %v, birth–death %v", s.LevelFunction, s.LDQBD, s.BirthDeath)
	}
	for l, n := range s.Levels {
		if n != l+1 {
			t.Errorf("level %d has %d states, want %d", l, n, l+1)
		}
	}
	if len(s.Levels) != 24 || s.InteriorEquations != 276 {
		t.Errorf("%d levels, |N_r| = %d; want 24, 276", len(s.Levels), s.InteriorEquations)
	}
	if len(s.Components) != 1 || s.Components[0].Size != 300 || !s.Components[0].Leaks {
		t.Errorf("components %+v, want one of 300 states that leaks", s.Components)
	}
}

// TestFromModelSchloglBirthDeath: Schlögl's truncation {0..r−1} is a birth–death chain
// (acceptance 17), entered from outside only at r − 1 and left only from r − 1.
func TestFromModelSchloglBirthDeath(t *testing.T) {
	t.Parallel()
	tr, err := build(t, "examples/schlogl.mf", compiler.Overrides{"r": {50}}, Spec{Region: "trunc"})
	if err != nil {
		t.Fatal(err)
	}
	s := Describe(tr, nil)
	if s.States != 50 || !s.BirthDeath || s.LevelFunction == nil || *s.LevelFunction != "S" {
		t.Errorf("structure %+v", s)
	}
	if len(tr.In) != 1 || tr.Counts(tr.In[0])[0] != 49 || len(tr.Exits) != 1 || tr.Counts(tr.Exits[0].From)[0] != 49 {
		t.Errorf("B_i = %v, exits %+v", tr.In, tr.Exits)
	}
}

// TestAugmentDropSchlogl: for a birth–death chain, dropping the exits of {0..r−1} gives the
// law of the chain conditioned on S (digest §3.3, BDP case), known in closed form from the
// product γ(x) = Π a₊(k−1)/a₋(k). Set (b) at r = 60: the GTH solve of the augmented
// generator must agree to 1e-12 relative in every state (both are subtraction-free).
func TestAugmentDropSchlogl(t *testing.T) {
	t.Parallel()
	tr, err := build(t, "examples/schlogl.mf", compiler.Overrides{"r": {60}, "k1": {6}, "k2": {1.0 / 3}, "k3": {50}, "k4": {3}}, Spec{Region: "trunc"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := tr.Augment("drop")
	if err != nil {
		t.Fatal(err)
	}
	pi := make([]float64, tr.NumStates())
	if err := linalg.StationaryGTH(pi, q); err != nil {
		t.Fatal(err)
	}
	birth, death := schlogl('b')
	g := make([]float64, 60)
	g[0] = 1
	sum := 1.0
	for x := 1; x < 60; x++ {
		g[x] = g[x-1] * birth(float64(x-1)) / death(float64(x))
		sum += g[x]
	}
	for x := 0; x < tr.NumStates(); x++ {
		k := tr.Counts(x)[0]
		if want := g[k] / sum; math.Abs(pi[x]-want) > 1e-12*want {
			t.Errorf("π(%d) = %.15g, want %.15g", k, pi[x], want)
		}
	}
}

// TestReentryRules checks the re-entry states of the rules on the toggle truncation at
// L = 24 (issue 13 item 3): middle is (11, 12); level0 is (0, 0); nearest re-enters at the
// exit state itself (B_o = B_i); state:P1=3,P2=4; uniform spreads q_o over the 24 states of
// B_i. Every augmented generator has rows summing to 0 and one closed class.
func TestReentryRules(t *testing.T) {
	t.Parallel()
	tr, err := build(t, "examples/toggle.mf", nil, Spec{Region: "trunc"})
	if err != nil {
		t.Fatal(err)
	}
	x := tr.Exits[0].From
	for _, c := range []struct {
		rule string
		want string // the re-entry state of the first exit state, "" for uniform
	}{
		{"middle", "P1=11, P2=12"},
		{"level0", "P1=0, P2=0"},
		{"nearest", tr.StateString(x)},
		{"drop", tr.StateString(x)},
		{"state:P1=3,P2=4", "P1=3, P2=4"},
		{"uniform", ""},
	} {
		r, err := ParseReentry(tr, c.rule)
		if err != nil {
			t.Fatalf("%s: %v", c.rule, err)
		}
		if c.want != "" {
			if got := tr.StateString(r.single(x)); got != c.want {
				t.Errorf("%s: re-entry at [%s], want [%s]", c.rule, got, c.want)
			}
		}
		q, err := tr.AugmentWith(r)
		if err != nil {
			t.Fatalf("%s: %v", c.rule, err)
		}
		for i := 0; i < q.Rows; i++ {
			s, scale := 0.0, 0.0
			for p := q.RowPtr[i]; p < q.RowPtr[i+1]; p++ {
				s += q.Val[p]
				scale += math.Abs(q.Val[p])
			}
			if math.Abs(s) > 1e-13*scale {
				t.Errorf("%s: row %d sums to %g", c.rule, i, s)
			}
		}
		if c.rule == "uniform" {
			want := tr.Out[x] / 24
			for _, z := range tr.In {
				if z == x {
					continue
				}
				if got := q.At(x, z) - tr.Q.At(x, z); math.Abs(got-want) > 1e-14*want {
					t.Errorf("uniform: added rate %g to [%s], want %g", got, tr.StateString(z), want)
				}
			}
		}
	}
	for _, bad := range []string{"state:P1=30,P2=0", "state:P9=1", "sideways", "state:P1=3"} {
		if _, err := tr.Augment(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// TestNonUniqueC2 is acceptance 13 (digest App. C.2): on the truncation {1, 3} of the two
// three-state chains, the re-entry at 3 of the pure-death chain and the drop rule of the
// walk both make 1 and 3 absorbing; the error names both.
func TestNonUniqueC2(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ file, rule string }{
		{"testdata/trunc/c2_death.mf", "state:X=3"},
		{"testdata/trunc/c2_walk.mf", "drop"},
	} {
		tr, err := build(t, c.file, nil, Spec{Region: "trunc"})
		if err != nil {
			t.Fatal(err)
		}
		if tr.NumStates() != 2 {
			t.Fatalf("%s: |S| = %d, want 2 (X = 1 and 3)", c.file, tr.NumStates())
		}
		_, err = tr.Augment(c.rule)
		var nu *NonUniqueError
		if !errors.As(err, &nu) {
			t.Fatalf("%s, %s: error %v, want a *NonUniqueError", c.file, c.rule, err)
		}
		if len(nu.Classes) != 2 || nu.Classes[0].State != "X=1" || nu.Classes[1].State != "X=3" {
			t.Errorf("%s: classes %+v, want the absorbing states X=1 and X=3", c.file, nu.Classes)
		}
		if msg := err.Error(); !strings.Contains(msg, "absorbing state [X=1]") || !strings.Contains(msg, "absorbing state [X=3]") {
			t.Errorf("%s: message %q", c.file, msg)
		}
	}
	// A re-entry law independent of the exit state on the irreducible walk: unique.
	tr, err := build(t, "testdata/trunc/c2_walk.mf", nil, Spec{Region: "trunc"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Augment("state:X=3"); err != nil {
		t.Errorf("walk, state:X=3: %v", err)
	}
}

// TestEnumerateParity: the region x1 + x2 < 12 of the parity network holds 78 lattice
// points; explored from (0, 0) it gives only the 6 even states with x2 = 0, enumerated all
// 78, whose truncated graph has two closed components (odd and even x1 on x2 = 0), the
// rest being transient.
func TestEnumerateParity(t *testing.T) {
	t.Parallel()
	tr, err := build(t, "examples/parity.mf", nil, Spec{Region: "trunc"})
	if err != nil {
		t.Fatal(err)
	}
	if tr.NumStates() != 6 {
		t.Errorf("explored: |S| = %d, want 6", tr.NumStates())
	}
	tr, err = build(t, "examples/parity.mf", nil, Spec{Region: "trunc", Enumerate: true})
	if err != nil {
		t.Fatal(err)
	}
	if tr.NumStates() != 78 {
		t.Errorf("enumerated: |S| = %d, want 78", tr.NumStates())
	}
	if tr.Level != nil {
		t.Errorf("level function %s found, but S1 jumps by 2", tr.LevelFunc)
	}
	s := Describe(tr, nil)
	if len(s.Components) != 2 || s.Components[0].Representative != "S1=0, S2=0" || s.Components[1].Representative != "S1=1, S2=0" {
		t.Errorf("components %+v", s.Components)
	}
	for _, c := range s.Components {
		if c.Size != 6 || !c.Leaks {
			t.Errorf("component %+v: want 6 states, leaking", c)
		}
	}
	// Seeds: one odd state explores the odd class too.
	tr, err = build(t, "examples/parity.mf", nil, Spec{Region: "trunc", Seeds: [][]int{{1, 0}}})
	if err != nil {
		t.Fatal(err)
	}
	if tr.NumStates() != 12 {
		t.Errorf("seeded: |S| = %d, want 12", tr.NumStates())
	}
}

// TestFromModelErrors: an unknown region, a seed outside the region, a non-linear region
// with --enumerate, the state limit, and E802 at an outside predecessor (the death rate
// x(3.5 − x) is negative at x = 4, which jumps into S = {0..3}).
func TestFromModelErrors(t *testing.T) {
	t.Parallel()
	src := "model m\nspecies X as x\nb: 0 -> X @ 1\nd: X -> 0 @ x * (3.5 - x)\nregion small = x < 4\nregion sq = x^2 < 9\ninit { X = 0 }\n"
	m := loadtest.Source(t, src, compiler.Options{})
	ctx := context.Background()
	_, err := FromModel(ctx, m, m.Inputs(), Spec{Region: "small"})
	var d *diag.Diagnostic
	if !errors.As(err, &d) || d.Code != "E802" || !strings.Contains(err.Error(), "X=4") {
		t.Errorf("outside predecessor: %v, want E802 at X=4", err)
	}
	for _, c := range []struct {
		spec Spec
		want string
	}{
		{Spec{Region: "nope"}, "no region \"nope\""},
		{Spec{Region: "sq", Seeds: [][]int{{5}}}, "does not satisfy region sq"},
		{Spec{Region: "sq", Enumerate: true}, "linear inequalities"},
	} {
		if _, err := FromModel(ctx, m, m.Inputs(), c.spec); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.spec, err, c.want)
		}
	}
	tm := loadtest.Model(t, "examples/toggle.mf", compiler.Options{})
	_, err = FromModel(ctx, tm, tm.Inputs(), Spec{Region: "trunc", MaxStates: 100})
	var le *ctmc.LimitError
	if !errors.As(err, &le) {
		t.Errorf("state limit: %v, want a *ctmc.LimitError", err)
	}
}

// TestLevelsAndMatrixReentry: --levels forms on the toggle truncation (P1 + P2 as detected;
// max(P1, P2) is also a level function there, every jump changing the maximum by at most
// one; 2*P1 is not, a birth of P1 changing it by 2); a re-entry matrix with e_r(x, ·) = δ_x
// gives the generator of drop exactly; State reports the constant re-entry states only.
func TestLevelsAndMatrixReentry(t *testing.T) {
	t.Parallel()
	tr, err := build(t, "examples/toggle.mf", compiler.Overrides{"L": {10}}, Spec{Region: "trunc"})
	if err != nil {
		t.Fatal(err)
	}
	auto := append([]int32(nil), tr.Level...)
	if err := ParseLevels(tr, "P1 + P2"); err != nil || !slices.Equal(auto, tr.Level) {
		t.Errorf("P1 + P2: %v, levels differ from the detected ones", err)
	}
	if err := ParseLevels(tr, "max(P1, P2)"); err != nil || tr.LevelSizes()[0] != 1 || len(tr.LevelSizes()) != 10 {
		t.Errorf("max(P1, P2): %v, sizes %v", err, tr.LevelSizes())
	}
	for _, bad := range []string{"2*P1", "P3", "max(P1, Q)", "x*P1"} {
		if err := ParseLevels(tr, bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	n := tr.NumStates()
	id := &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, n+1)}
	for x := 0; x < n; x++ {
		id.Col = append(id.Col, int32(x))
		id.Val = append(id.Val, 1)
		id.RowPtr[x+1] = len(id.Col)
	}
	r, err := ReentryOf(tr, &Options{ReentryMatrix: id}, "middle")
	if err != nil {
		t.Fatal(err)
	}
	qm, err1 := tr.AugmentWith(r)
	qd, err2 := tr.Augment("drop")
	if err1 != nil || err2 != nil || !slices.Equal(qm.Val, qd.Val) || !slices.Equal(qm.Col, qd.Col) {
		t.Errorf("identity matrix ≠ drop (%v, %v)", err1, err2)
	}
	if _, ok := r.State(); ok {
		t.Errorf("a matrix law reports a single re-entry state")
	}
	r, _ = ReentryOf(tr, &Options{}, "middle")
	if z, ok := r.State(); !ok || tr.StateString(z) != "P1=4, P2=5" {
		t.Errorf("middle at L = 10: %d %v, want (4, 5)", z, ok)
	}
	id.Val[tr.Exits[0].From] = 0.5 // the row of an exit state no longer sums to 1
	if _, err := MatrixReentry(tr, id); err == nil {
		t.Errorf("a row summing to 0.5 was accepted")
	}
}

// BenchmarkFromModelToggle238 builds the toggle truncation of the digest's reference,
// L = 238 (28 441 states), with its in-boundary and levels: the part of every scheme's
// time spent before the scheme.
func BenchmarkFromModelToggle238(b *testing.B) {
	m := loadtest.Model(b, "examples/toggle.mf", compiler.Options{Overrides: compiler.Overrides{"L": {238}}})
	for range b.N {
		tr, err := FromModel(context.Background(), m, m.Inputs(), Spec{Region: "trunc"})
		if err != nil {
			b.Fatal(err)
		}
		if tr.NumStates() != 28441 || len(tr.In) != 238 {
			b.Fatalf("|S| = %d, |B_i| = %d", tr.NumStates(), len(tr.In))
		}
	}
}

// TestEnumerateLinear: the box of a linear region comes from bounds propagated through
// mixed signs. x1 − x2 <= 2 and x2 <= 3 has 3 + 4 + 5 + 6 = 18 lattice points (x2 = 0..3,
// x1 = 0..x2+2); x1 == 2 and x2 < 3 has 3; x1 >= x2 alone is unbounded and refused.
func TestEnumerateLinear(t *testing.T) {
	t.Parallel()
	src := "model m\nspecies A as x1, B as x2\nA -> 0 @ x1\nB -> 0 @ x2\nregion skew = x1 - x2 <= 2 and x2 <= 3\nregion line = x1 == 2 and x2 < 3\nregion open = x1 >= x2\ninit { A = 0, B = 0 }\n"
	m := loadtest.Source(t, src, compiler.Options{})
	for _, c := range []struct {
		region string
		want   int
	}{{"skew", 18}, {"line", 3}} {
		tr, err := FromModel(context.Background(), m, m.Inputs(), Spec{Region: c.region, Enumerate: true})
		if err != nil {
			t.Fatalf("%s: %v", c.region, err)
		}
		if tr.NumStates() != c.want {
			t.Errorf("%s: |S| = %d, want %d", c.region, tr.NumStates(), c.want)
		}
	}
	if _, err := FromModel(context.Background(), m, m.Inputs(), Spec{Region: "open", Enumerate: true}); err == nil || !strings.Contains(err.Error(), "does not bound") {
		t.Errorf("unbounded region: %v", err)
	}
}
