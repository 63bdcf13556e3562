package trunc

import (
	"os"
	"sync"
	"testing"

	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/lp"
)

// needLP skips a test when this binary has no LP solver; under CI it fails instead.
func needLP(tb testing.TB) {
	tb.Helper()
	if err := lp.Available(); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%v (CI requires it)", err)
		}
		tb.Skip(err)
	}
}

var toggleRefLP struct {
	once sync.Once
	tr   *Truncation
	pi   []float64
	err  error
}

// toggleRefL is the size of the reference truncation. The digest's reference is at L = 238
// (28 441 states, 2.6 s here by banded GTH); at L = 120 (7 260 states, 0.2 s) the tail mass
// is below 1e-40 (it is 4e-10 at L = 50 and falls faster than geometrically), so both are
// the true law to double precision on the truncations tested (L ≤ 50);
// BenchmarkToggleReference238 checks that they agree.
const toggleRefL = 120

// toggleReference is the toggle switch's stationary law on S_{L⁶}, L = toggleRefL: the
// truncated chain with the exits dropped (a jump that would leave S is not taken), solved
// by banded GTH elimination in the level order (bandwidth L + 1), subtraction-free.
func toggleReference(tb testing.TB) (*Truncation, []float64) {
	toggleRefLP.once.Do(func() {
		toggleRefLP.tr, toggleRefLP.pi, toggleRefLP.err = toggleDropLaw(toggleRefL)
	})
	if toggleRefLP.err != nil {
		tb.Fatal(toggleRefLP.err)
	}
	return toggleRefLP.tr, toggleRefLP.pi
}

// toggleDropLaw solves the toggle switch on S_{L⁶} with the exits dropped by banded GTH.
// O(L⁴).
func toggleDropLaw(L int) (*Truncation, []float64, error) {
	tr := toggleTruncation(L, 20)
	n := tr.NumStates()
	q := &linalg.CSR{Rows: n, Cols: n, RowPtr: append([]int(nil), tr.Q.RowPtr...), Col: tr.Q.Col, Val: append([]float64(nil), tr.Q.Val...)}
	for x := 0; x < n; x++ {
		for k := q.RowPtr[x]; k < q.RowPtr[x+1]; k++ {
			if int(q.Col[k]) == x {
				q.Val[k] += tr.Out[x]
			}
		}
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	bl, bu := linalg.Bandwidths(q, perm)
	pi := make([]float64, n)
	err := linalg.StationaryGTHBanded(pi, q, perm, bl, bu)
	return tr, pi, err
}

// restrictTo returns the reference law on the states of tr.
func restrictTo(tb testing.TB, tr *Truncation) []float64 {
	ref, pi := toggleReference(tb)
	out := make([]float64, tr.NumStates())
	for x := range out {
		j := ref.Index(tr.Key(x))
		if j < 0 {
			tb.Fatalf("state %s not in the reference", tr.StateString(x))
		}
		out[x] = pi[j]
	}
	return out
}

// setInBoundary recomputes B_i of t from an explicit list of outside states that contains
// every predecessor of S outside S (gen finds only those reached by an exit).
func setInBoundary(t *Truncation, outside [][]int32, jumps func(x []int32) ([][]int32, []float64)) {
	in := make([]bool, t.NumStates())
	for _, y := range outside {
		if t.Index(y) >= 0 {
			continue
		}
		tg, rates := jumps(y)
		for k, x := range tg {
			if j := t.Index(x); j >= 0 && rates[k] > 0 {
				in[j] = true
			}
		}
	}
	t.In = t.In[:0]
	for x, b := range in {
		if b {
			t.In = append(t.In, x)
		}
	}
}

// simplexStates lists {x ∈ ℕ² : x1 + x2 < L} by level, then x1, with the levels.
func simplexStates(L int) (states [][]int32, level []int32) {
	for l := 0; l < L; l++ {
		for x1 := 0; x1 <= l; x1++ {
			states = append(states, []int32{int32(x1), int32(l - x1)})
			level = append(level, int32(l))
		}
	}
	return
}

// parityTruncation is the parity network ∅ → 2S1 @ 1, 2S1 → ∅ @ x1(x1−1)/2, S2 → ∅ @ x2
// (seed-003 §5.3, T19) on the region x1 + x2 < L enumerated point by point, with the
// assumption stationary(x1 + x2) <= 3 (acceptance: derived from v = x1 + 2x2) on the
// sublevel set {x1 + x2 < L}. Its closed classes are the even and the odd x1 with x2 = 0.
func parityTruncation(L int) (*Truncation, *Moment) {
	states, level := simplexStates(L)
	jumps := func(x []int32) ([][]int32, []float64) {
		x1, x2 := x[0], x[1]
		return [][]int32{{x1 + 2, x2}, {x1 - 2, x2}, {x1, x2 - 1}},
			[]float64{1, float64(x1) * float64(x1-1) / 2, float64(x2)}
	}
	t := gen([]string{"S1", "S2"}, states, jumps)
	t.Level, t.LevelFunc = level, "x1 + x2"
	var outside [][]int32
	for l := L; l < L+2; l++ {
		for x1 := 0; x1 <= l; x1++ {
			outside = append(outside, []int32{int32(x1), int32(l - x1)})
		}
	}
	setInBoundary(t, outside, jumps)
	w := make([]float64, t.NumStates())
	for x := range w {
		w[x] = float64(t.Counts(x)[0] + t.Counts(x)[1])
	}
	return t, &Moment{Label: "moment", W: w, C: 3, R: float64(L)}
}
