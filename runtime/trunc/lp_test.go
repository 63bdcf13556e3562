package trunc

import (
	"context"
	"math"
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

// toggleMoment is the toggle switch's moment assumption (seed-003 §5.2.1): w = (x1 + x2)⁶,
// c = 1.8e7 (the paper's SDP bound), on the sublevel truncation S = {w < L⁶}.
func toggleMoment(tr *Truncation, L int) *Moment {
	w := make([]float64, tr.NumStates())
	for x := range w {
		k := tr.Counts(x)
		w[x] = math.Pow(float64(k[0]+k[1]), 6)
	}
	return &Moment{Label: "moment", W: w, C: 1.8e7, R: math.Pow(float64(L), 6)}
}

var toggleRef struct {
	once sync.Once
	tr   *Truncation
	pi   []float64
	err  error
}

// toggleReference is the toggle switch's stationary law on S_{238⁶} (28 441 states): the
// truncated chain with the exits dropped (a jump that would leave S is not taken), solved
// by banded GTH elimination in the level order (bandwidth L + 1). Its tail mass is
// astronomically small (seed-003 §5.2.2: ≈ 1e-100 and below), so on every smaller
// truncation it is the true law to double precision; the digest's reference (TA with the
// middle re-entry at L = 238) agrees with LDQBDP there to ℓ¹ 2e-15.
func toggleReference(tb testing.TB) (*Truncation, []float64) {
	toggleRef.once.Do(func() {
		const L = 238
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
		toggleRef.err = linalg.StationaryGTHBanded(pi, q, perm, bl, bu)
		toggleRef.tr, toggleRef.pi = tr, pi
	})
	if toggleRef.err != nil {
		tb.Fatal(toggleRef.err)
	}
	return toggleRef.tr, toggleRef.pi
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

func TestExplore(t *testing.T) {
	needLP(t)
	ref, pi := toggleReference(t)
	_ = ref
	e1 := 0.0
	for x := range pi {
		k := ref.Counts(x)
		e1 += float64(k[0]) * pi[x]
	}
	t.Logf("E[x1] = %.10f", e1)
	for _, L := range []int{20, 24} {
		tr := toggleTruncation(L, 20)
		o := &Options{Moment: toggleMoment(tr, L), Targets: "states"}
		res, err := runILP(context.Background(), tr, o, formAuto)
		if err != nil {
			t.Fatal(err)
		}
		p := restrictTo(t, tr)
		mr := 1 - massOf(p)
		t.Logf("L=%d m_r=%.5g ILP-u l1 %.5g  ILP-l l1 %.5g  1-l(S)=%.5g u(S)-1=%.5g  lp %+v notes %v", L, mr, L1Diff(res.Upper, p)+mr, L1Diff(res.Lower, p)+mr, 1-massOf(res.Lower), massOf(res.Upper)-1, *res.Diagnostics.LP, res.Notes)
		x0 := tr.Index([]int32{0, 0})
		t.Logf("(0,0): [%.7g, %.7g] solver [%.7g %.7g]", res.Lower[x0], res.Upper[x0], res.LowerSolver[x0], res.UpperSolver[x0])
		res2, err := runILP(context.Background(), tr, o, formDirect)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("direct (0,0): [%.7g, %.7g] solver [%.7g %.7g] %+v", res2.Lower[x0], res2.Upper[x0], res2.LowerSolver[x0], res2.UpperSolver[x0], *res2.Diagnostics.LP)
		d := 0.0
		for x := range res.Lower {
			d = math.Max(d, math.Abs(res.Lower[x]-res2.Lower[x]))
			d = math.Max(d, math.Abs(res.Upper[x]-res2.Upper[x]))
		}
		gap := 0.0
		for x := range res.Lower {
			gap = math.Max(gap, math.Abs(res.Lower[x]-res.LowerSolver[x]))
			gap = math.Max(gap, math.Abs(res.Upper[x]-res.UpperSolver[x]))
		}
		t.Logf("max diff %g, max gap bound-value %g", d, gap)
	}
}
