package trunc

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/mfcproject/mfc/runtime/lp"
)

// schloglRef is the stationary law of Schlögl's model by bdp on {0..2999} (a) or {0..399}
// (b), where the tail is below 1e-370 (seed-003 §5.1.2); checked against the digest by
// TestBDPSchloglReference.
var schloglRef = sync.OnceValue(func() map[byte][]float64 {
	ref := map[byte][]float64{}
	for set, r := range map[byte]int{'a': 3000, 'b': 400} {
		res, err := Run(context.Background(), "bdp", schloglTruncation(set, r), nil)
		if err != nil {
			panic(err)
		}
		ref[set] = res.Distribution
	}
	return ref
})

// tvToRef returns the TV distance between p on {0..len(p)−1} (zero-padded) and the reference
// law, and the reference tail m_r beyond len(p) summed directly.
func tvToRef(p, ref []float64) (tv, tail float64) {
	for _, v := range ref[len(p):] {
		tail += v
	}
	return TVDiffTail(p, ref[:len(p)], tail), tail
}

func runTA(t testing.TB, tr *Truncation, o *Options) *Result {
	t.Helper()
	res, err := Run(context.Background(), "ta", tr, o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestTASchloglTable checks TA on Schlögl's model against the digest's mpmath table (seed-003
// §5.1.3, T5–T7, acceptance 4; 6 digits given: tolerance 5e-6 relative, half a unit in the last digit):
//   - z = r−1 gives the conditional law π(·|S) state by state (to 1e-12 relative: the level
//     elimination is subtraction-free in one dimension), so its TV error is m_r, the
//     reference tail summed directly;
//   - the TV error of z = 0, computed as max(Σρ⁺, Σρ⁻) from float64 vectors, is checked where
//     it is above 1e-10: below, the rounding of the vectors themselves (≈1e-16 per unit of
//     mass) exceeds the error (TestTASchloglTableDD checks those rows in double-double);
//   - the outflow O_r for both re-entry states (accurate at any size: a product of a
//     probability and a rate).
func TestTASchloglTable(t *testing.T) {
	t.Parallel()
	ref := schloglRef()
	cases := []struct {
		set          byte
		r            int
		m, tv0       float64
		out0, outTop float64
	}{
		{'a', 400, 0.748594, 0.884199, 3.25784e-10, 103.412},
		{'a', 450, 0.250283, 0.884199, 3.25784e-10, 66.3701},
		{'a', 500, 0.0120051, 0.884199, 3.25784e-10, 6.67015},
		{'a', 550, 4.90042e-5, 0.884199, 3.25784e-10, 0.0539882},
		{'a', 600, 1.41540e-8, 0.884131, 3.25759e-10, 2.66009e-5},
		{'a', 650, 2.77291e-13, 0.298774, 1.10084e-10, 8.06901e-10},
		{'a', 700, 3.76456e-19, 1.07269e-6, 3.95232e-16, 1.58982e-15},
		{'a', 800, 2.90113e-34, 1.98976e-21, 7.33129e-31, 2.26868e-30},
		{'b', 20, 0.345459, 0.813769, 7.01729, 283.395},
		{'b', 30, 5.82976e-3, 0.390052, 3.35239, 21.1844},
		{'b', 40, 5.20604e-6, 3.39812e-3, 0.0291846, 0.0588508},
		{'b', 50, 4.34267e-10, 7.92018e-7, 6.80033e-6, 1.11190e-5},
		{'b', 60, 5.20460e-15, 2.00438e-11, 1.72075e-10, 2.52463e-10},
		{'b', 70, 1.21847e-20, 8.49640e-17, 7.29356e-16, 9.99308e-16},
	}
	const tol = 5e-6 // half a unit in the 6th digit
	for _, c := range cases {
		t.Run(fmt.Sprintf("%c/r=%d", c.set, c.r), func(t *testing.T) {
			t.Parallel()
			p := ref[c.set]
			tr := schloglTruncation(c.set, c.r)
			top := runTA(t, tr, &Options{Reentry: fmt.Sprintf("state:X=%d", c.r-1)})
			zero := runTA(t, tr, &Options{Reentry: "state:X=0"})
			tv, tail := tvToRef(top.Distribution, p)
			if !relClose(tail, c.m, tol) {
				t.Errorf("m_r = %.6g, want %.6g", tail, c.m)
			}
			if c.m > 1e-10 && !relClose(tv, c.m, tol) {
				t.Errorf("TV(z = r−1) = %.6g, want m_r = %.6g", tv, c.m)
			}
			for x, v := range top.Distribution {
				if want := p[x] / (1 - tail); want > 1e-300 && !relClose(v, want, 1e-12) {
					t.Fatalf("z = r−1: π(%d) = %.15g, want π(%d|S) = %.15g", x, v, x, want)
				}
			}
			if tv0, _ := tvToRef(zero.Distribution, p); c.tv0 > 1e-10 && !relClose(tv0, c.tv0, tol) {
				t.Errorf("TV(z = 0) = %.6g, want %.6g", tv0, c.tv0)
			}
			if o := *zero.Error.Outflow; !relClose(o, c.out0, tol) {
				t.Errorf("O_r(z = 0) = %.6g, want %.6g", o, c.out0)
			}
			if o := *top.Error.Outflow; !relClose(o, c.outTop, tol) {
				t.Errorf("O_r(z = r−1) = %.6g, want %.6g", o, c.outTop)
			}
		})
	}
}

// TestTAPrecision is T8 (acceptance 5): Schlögl (a), r = 600, z = 599: TV = 1.41540e-8 to 4
// digits. The digest's plain tridiagonal elimination gave 3.05e-7: any subtraction on the
// diagonal fails this test.
func TestTAPrecision(t *testing.T) {
	t.Parallel()
	res := runTA(t, schloglTruncation('a', 600), &Options{Reentry: "state:X=599"})
	if tv, _ := tvToRef(res.Distribution, schloglRef()['a']); !relClose(tv, 1.41540e-8, 1e-4) {
		t.Errorf("TV = %.6g, want 1.41540e-8", tv)
	}
}

// schloglLyapunov returns v = x^k and its drift Qv(x) = a₊(x)(v(x+1) − v(x)) + a₋(x)(v(x−1)
// − v(x)) on {0..r−1}.
func schloglLyapunov(set byte, r, k int) (v, qv []float64) {
	birth, death := schlogl(set)
	pow := func(x float64) float64 { return math.Pow(x, float64(k)) }
	v, qv = make([]float64, r), make([]float64, r)
	for x := range v {
		fx := float64(x)
		v[x] = pow(fx)
		qv[x] = birth(fx)*(pow(fx+1)-pow(fx)) + death(fx)*(pow(fx-1)-pow(fx))
	}
	return v, qv
}

// TestLyapunovSets is T4 (acceptance 3): F = {Qv > −1} closed to an interval, and the naive
// d = max_F Qv + 1, for v = x, x², x³ (seed-003 §5.1.2; d to its 7–10 given digits, F
// exactly). The truncation {0..599} (a) / {0..59} (b) contains F.
func TestLyapunovSets(t *testing.T) {
	t.Parallel()
	cases := []struct {
		set  byte
		r, k int
		maxF int
		d    float64
		rel  float64
	}{
		{'a', 600, 1, 437, 258.9477352, 1e-9},
		{'a', 600, 2, 439, 178825.9626, 1e-9},
		{'a', 600, 3, 441, 98709647.83, 1e-9},
		{'b', 60, 1, 19, 376, 1e-12},
		{'b', 60, 2, 20, 12963, 1e-12},
		{'b', 60, 3, 21, 392972, 1e-12},
	}
	for _, c := range cases {
		v, qv := schloglLyapunov(c.set, c.r, c.k)
		F, d, err := lyapunovSet(schloglTruncation(c.set, c.r), v, qv)
		if err != nil {
			t.Fatal(err)
		}
		if len(F) != c.maxF+1 || F[0] != 0 || F[len(F)-1] != c.maxF || !relClose(d, c.d, c.rel) {
			t.Errorf("(%c) v = x^%d: F = {%d..%d} (%d states), d = %.10g; want {0..%d}, %.10g", c.set, c.k, F[0], F[len(F)-1], len(F), d, c.maxF, c.d)
		}
	}
	// F reaching the exit state is refused: (b) with r = 20 has Qv(19) > −1 for v = x.
	v, qv := schloglLyapunov('b', 20, 1)
	if _, _, err := lyapunovSet(schloglTruncation('b', 20), v, qv); err == nil {
		t.Error("F ∋ exit state accepted")
	}
}

// bound429 returns the bound (4.29) of a ta result: ta_bound itself, or TABound.Other when
// ta_bound holds the better (C.7), which it must whenever an LP solver is available; it
// checks that pair ((C.7) ≤ (4.29), both certified, the variants named).
func bound429(t *testing.T, res *Result) *TABound {
	t.Helper()
	b := res.Error.TABound
	if b == nil {
		return nil
	}
	if lp.Available() != nil {
		if b.Variant != "4.29" || b.Other != nil {
			t.Errorf("without an LP solver: ta_bound %+v", b)
		}
		return b
	}
	if b.Variant != "C.7" || b.Other == nil || b.Other.Variant != "4.29" || !(b.Value <= b.Other.Value) || !b.Certified || !b.Other.Certified {
		t.Errorf("ta_bound %+v, other %+v: want (C.7) ≤ (4.29)", b, b.Other)
		return b
	}
	return b.Other
}

// TestTABoundRegression is T20 (acceptance 15): the (4.29) bound with the literal φ̄, naive d,
// v = x, z = 0 on Schlögl (b): 1.0053e-2 at r = 50 with β* ≈ 20, 43.142 at r = 40 (the
// digest's Go reproduction, 5 digits: tolerance 1e-4 relative; β* on the 10^0.05 grid:
// 19.95).
func TestTABoundRegression(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		r     int
		bound float64
	}{{50, 1.0053e-2}, {40, 43.142}} {
		v, qv := schloglLyapunov('b', c.r, 1)
		res := runTA(t, schloglTruncation('b', c.r), &Options{Reentry: "state:X=0", Lyapunov: v, LyapunovQv: qv})
		b := bound429(t, res)
		if b == nil || !relClose(b.Value, c.bound, 1e-4) || !b.Certified || b.PhiIndex != "literal" {
			t.Fatalf("r = %d: bound %+v, want %g", c.r, b, c.bound)
		}
		if c.r == 50 && math.Abs(math.Log10(b.Beta/20)) > 0.026 {
			t.Errorf("β* = %g, want ≈ 20", b.Beta)
		}
		if res.Error.Uncertified.ConvergenceFactor == nil {
			t.Error("no convergence factor")
		}
	}
}

// TestTABoundValid checks that the bound (4.29) is ≥ the true TV error over (a) r ∈ {500,
// 550, …, 700} and (b) r ∈ {40, 50, 60}, v = x, x², x³, z ∈ {0, r−1}, and that its LP
// refinement (C.7), from the same β grid and φ̄, lies between the true error and (4.29) in
// every case (acceptance 15; (C.7) only with an LP solver). The true error of z = r−1 is
// m_r (TestTASchloglTable), summed from the reference tail.
func TestTABoundValid(t *testing.T) {
	t.Parallel()
	withLP := lp.Available() == nil
	type run struct {
		set byte
		r   int
	}
	var runs []run
	for r := 500; r <= 700; r += 50 {
		runs = append(runs, run{'a', r})
	}
	runs = append(runs, run{'b', 40}, run{'b', 50}, run{'b', 60})
	for _, c := range runs {
		t.Run(fmt.Sprintf("%c/r=%d", c.set, c.r), func(t *testing.T) {
			t.Parallel()
			tr := schloglTruncation(c.set, c.r)
			for _, z := range []int{0, c.r - 1} {
				ta := runTA(t, tr, &Options{Reentry: fmt.Sprintf("state:X=%d", z)})
				tv, tail := tvToRef(ta.Distribution, schloglRef()[c.set])
				if z == c.r-1 {
					tv = tail
				}
				for k := 1; k <= 3; k++ {
					_, in, bound, _ := schloglTABound(t, c.set, c.r, z, k)
					if in.Outflow != *ta.Error.Outflow || bound < tv {
						t.Errorf("z = %d, v = x^%d: bound %g below the true TV %g (O_r %g, ta's %g)", z, k, bound, tv, in.Outflow, *ta.Error.Outflow)
					}
					if !withLP {
						continue
					}
					c7, err := RefineTABound(context.Background(), tr, in)
					if err != nil || !(c7.Value <= bound) || !(c7.Value >= tv) {
						t.Errorf("z = %d, v = x^%d: (C.7) %+v (%v) not in [true TV %g, (4.29) %g]", z, k, c7, err, tv, bound)
					}
				}
			}
		})
	}
}

// BenchmarkTABoundSchloglB is the speed target of the (4.29) bound: Schlögl (b), r = 50,
// 141 β values, < 0.1 s.
func BenchmarkTABoundSchloglB(b *testing.B) {
	tr := schloglTruncation('b', 50)
	v, qv := schloglLyapunov('b', 50, 1)
	o := &Options{Reentry: "state:X=0", Lyapunov: v, LyapunovQv: qv}
	for b.Loop() {
		if _, err := solveTA(context.Background(), tr, o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPhiBarSchloglA times one φ̄ on Schlögl (a), r = 600, v = x (|F| = 438).
func BenchmarkPhiBarSchloglA(b *testing.B) {
	tr := schloglTruncation('a', 600)
	sys, _ := newLevelSystem(tr)
	v, qv := schloglLyapunov('a', 600, 1)
	F, _, _ := lyapunovSet(tr, v, qv)
	for b.Loop() {
		phiBar(sys, F, 0.5)
	}
}

// TestPhiBarTridiagonal checks the O(|S|) semiseparable φ̄ against the |F| column solves of
// the level factorisation (an independent computation of the same numbers, to 1e-10
// relative: the log-space products over ~600 levels lose ~1e-13).
func TestPhiBarTridiagonal(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		set byte
		r   int
	}{{'a', 600}, {'b', 50}} {
		tr := schloglTruncation(c.set, c.r)
		sys, _ := newLevelSystem(tr)
		v, qv := schloglLyapunov(c.set, c.r, 2)
		F, _, _ := lyapunovSet(tr, v, qv)
		for _, beta := range []float64{1e-3, 0.56, 20, 1e4} {
			fast, ok := phiBarTridiagonal(sys, F, beta)
			slow, err := phiBarBlocks(sys, F, beta)
			if !ok || err != nil || !relClose(fast, slow, 1e-10) {
				t.Errorf("(%c) r = %d, β = %g: φ̄ = %.15g (fast, %v) vs %.15g (%v)", c.set, c.r, beta, fast, ok, slow, err)
			}
		}
	}
}

// schloglRefDD is schloglRef in double-double arithmetic (bdp's recursion, ~30 digits).
var schloglRefDD = sync.OnceValue(func() map[byte][]dd {
	ref := map[byte][]dd{}
	for set, r := range map[byte]int{'a': 3000, 'b': 400} {
		bd, err := detectBirthDeath(schloglTruncation(set, r))
		if err != nil {
			panic(err)
		}
		ref[set], _ = bd.conditionalDD()
	}
	return ref
})

// tvDD is tvToRef in double-double arithmetic.
func tvDD(p, ref []dd) float64 {
	pos, neg := dd{}, dd{}
	for _, v := range ref[len(p):] {
		neg = neg.add(v)
	}
	for x := range p {
		if d := p[x].add(ref[x].neg()); d.hi > 0 {
			pos = pos.add(d)
		} else {
			neg = neg.add(d.neg())
		}
	}
	return max(pos.float(), neg.float())
}

// TestTASchloglTableDD checks the rows of the §5.1.3 table that float64 vectors cannot
// resolve, TV errors down to 1e-21, with TA and the reference law both in double-double
// (--precision dd; 5e-6 relative, half a unit of the 6th digit): z = 0 at (a) r = 800 and
// (b) r = 60, 70, z = r−1 (TV = m_r) at (a) r = 650, 700 and (b) r = 60, 70; and other rows
// again. Only m_r = 2.9e-34 at (a) r = 800 is below double-double's resolution.
func TestTASchloglTableDD(t *testing.T) {
	t.Parallel()
	cases := []struct {
		set    byte
		r      int
		m, tv0 float64
	}{
		{'a', 400, 0.748594, 0.884199}, {'a', 500, 0.0120051, 0.884199}, {'a', 600, 1.41540e-8, 0.884131},
		{'a', 650, 2.77291e-13, 0.298774}, {'a', 700, 3.76456e-19, 1.07269e-6}, {'a', 800, 2.90113e-34, 1.98976e-21},
		{'b', 20, 0.345459, 0.813769}, {'b', 40, 5.20604e-6, 3.39812e-3}, {'b', 50, 4.34267e-10, 7.92018e-7},
		{'b', 60, 5.20460e-15, 2.00438e-11}, {'b', 70, 1.21847e-20, 8.49640e-17},
	}
	for _, c := range cases {
		tr := schloglTruncation(c.set, c.r)
		sys, err := newLevelSystem(tr)
		if err != nil {
			t.Fatal(err)
		}
		ref := schloglRefDD()[c.set]
		for _, z := range []int{0, c.r - 1} {
			p, ok := taTridiagonalDD(sys, z)
			if !ok {
				t.Fatal("not tridiagonal")
			}
			want := c.tv0
			if z > 0 {
				want = c.m
				if want < 1e-28 {
					continue // below double-double's ~1e-31 resolution; m_r is checked by its tail sum
				}
			}
			if tv := tvDD(p, ref); !relClose(tv, want, 5e-6) {
				t.Errorf("(%c) r = %d, z = %d: TV = %.6g, want %.6g", c.set, c.r, z, tv, want)
			}
		}
	}
	// The scheme with --precision dd returns the same vector, rounded.
	res := runTA(t, schloglTruncation('b', 40), &Options{Reentry: "state:X=0", Precision: "dd"})
	if o := *res.Error.Outflow; res.Diagnostics.Precision != "dd" || !relClose(o, 0.0291846, 5e-6) {
		t.Errorf("dd scheme: precision %q, O_r %g", res.Diagnostics.Precision, o)
	}
	if _, err := Run(context.Background(), "ta", toggleTruncation(5, 20), &Options{Precision: "dd"}); err == nil {
		t.Error("--precision dd accepted on a two-dimensional chain")
	}
}

// TestTABoundRatios checks the ratio (4.29) bound / true TV error against the digest's Go
// reproduction (seed-003 §5.1.4, column A: literal φ̄, naive d), to half a unit of the last
// digit given, and the best β (0.56 in (a), 20 or 17.8 in (b), on the 10^0.05 grid). The
// true error of z = r−1 is m_r (the reference tail).
func TestTABoundRatios(t *testing.T) {
	t.Parallel()
	cases := []struct {
		set     byte
		r, k    int
		top     bool
		ratio   float64
		digits  int
		betaLog float64 // log10 of the best β
	}{
		{'a', 500, 1, false, 348, 3, -0.25}, {'a', 600, 1, false, 348, 3, -0.25}, {'a', 700, 1, false, 348, 3, -0.25},
		{'a', 600, 2, false, 2.4e5, 2, -0.25}, {'a', 600, 3, false, 1.33e8, 3, -0.25},
		{'a', 600, 1, true, 1.77e15, 3, -0.25}, {'a', 600, 2, true, 1.22e18, 3, -0.25}, {'a', 600, 3, true, 6.8e20, 2, -0.25},
		{'b', 40, 1, false, 1.27e4, 3, 1.3}, {'b', 60, 1, false, 1.27e4, 3, 1.3}, {'b', 50, 2, false, 4.9e5, 2, 1.3},
		{'b', 50, 3, false, 1.65e7, 3, 1.25}, {'b', 50, 1, true, 3.9e7, 2, 1.3}, {'b', 50, 2, true, 1.5e9, 2, 1.3},
		{'b', 50, 3, true, 5.2e10, 2, 1.25},
	}
	for _, c := range cases {
		z := 0
		if c.top {
			z = c.r - 1
		}
		v, qv := schloglLyapunov(c.set, c.r, c.k)
		res := runTA(t, schloglTruncation(c.set, c.r), &Options{Reentry: fmt.Sprintf("state:X=%d", z), Lyapunov: v, LyapunovQv: qv})
		tv, tail := tvToRef(res.Distribution, schloglRef()[c.set])
		if c.top {
			tv = tail
		}
		b := bound429(t, res)
		unit := math.Pow(10, math.Floor(math.Log10(c.ratio))-float64(c.digits-1))
		if got := b.Value / tv; math.Abs(got-c.ratio) > unit/2 || math.Abs(math.Log10(b.Beta)-c.betaLog) > 1e-9 {
			t.Errorf("(%c) r = %d, v = x^%d, z = %d: ratio %.4g at β = %.4g, want %.*g at 10^%g", c.set, c.r, c.k, z, got, b.Beta, c.digits, c.ratio, c.betaLog)
		}
	}
}
