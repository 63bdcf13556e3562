package trunc

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/mfcproject/mfc/runtime/linalg"
)

// toggleRef is the digest's reference law of the toggle switch (seed-003 §5.2.2): TA with the
// middle re-entry state on L = 238 (28 441 states), whose tail is astronomically small.
// TestToggleReference checks it against the digest's values.
var toggleRef = sync.OnceValues(func() (*Truncation, []float64) {
	tr := toggleTruncation(238, 20)
	res, err := Run(context.Background(), "ta", tr, &Options{Reentry: "middle"})
	if err != nil {
		panic(err)
	}
	return tr, res.Distribution
})

// refOn returns the reference law on the states of tr, and the reference mass outside them
// (summed directly, not as 1 − π(S)).
func refOn(tr *Truncation) (p []float64, tail float64) {
	rt, ref := toggleRef()
	p = make([]float64, tr.NumStates())
	for x := range p {
		p[x] = ref[rt.Index(tr.Key(x))]
	}
	for y, v := range ref {
		if tr.Index(rt.Key(y)) < 0 {
			tail += v
		}
	}
	return p, tail
}

// toggleMoment is the assumption π((x1+x2)⁶) ≤ 1.8e7 of the paper (seed-003 §5.2.1) on the
// sublevel truncation {(x1+x2)⁶ < L⁶}.
func toggleMoment(tr *Truncation, L int) *Moment {
	w := make([]float64, tr.NumStates())
	for x := range w {
		k := tr.Key(x)
		w[x] = math.Pow(float64(k[0]+k[1]), 6)
	}
	return &Moment{Label: "moment", W: w, C: 1.8e7, R: math.Pow(float64(L), 6)}
}

// TestToggleReference checks the reference law against the digest (seed-003 §5.2.3, T9–T11,
// acceptance 6: tolerance half a unit of the last digit given), its P1 marginal at all 41
// values i = 0…40, and the exact identity E[x1x2] + E[x1] = 20 (to 1e-10).
func TestToggleReference(t *testing.T) {
	t.Parallel()
	tr, ref := toggleRef()
	var m1, m11, m12, w, below40 float64
	marg := make([]float64, 41)
	for x, p := range ref {
		k := tr.Key(x)
		x1, x2 := float64(k[0]), float64(k[1])
		m1 += x1 * p
		m11 += x1 * x1 * p
		m12 += x1 * x2 * p
		w += math.Pow(x1+x2, 6) * p
		if k[0]+k[1] < 40 {
			below40 += p
		}
		if k[0] <= 40 {
			marg[k[0]] += p
		}
	}
	for _, c := range []struct {
		name           string
		got, want, rel float64 // rel: half a unit of the last digit given
	}{
		{"E[x1]", m1, 5.7225083961, 1e-10}, {"Var[x1]", m11 - m1*m1, 28.0413754046, 1e-10}, {"E[x1x2]", m12, 14.2774916039, 1e-10},
		{"π(w)", w, 1.47104509e7, 5e-9}, {"P(x1+x2<40)", below40, 0.999997769160, 1e-11},
		{"π(0,0)", ref[tr.Index([]int32{0, 0})], 3.33483226e-7, 5e-9}, {"π(4,4)", ref[tr.Index([]int32{4, 4})], 0.0175605329, 5e-9},
	} {
		if !relClose(c.got, c.want, c.rel) {
			t.Errorf("%s = %.12g, want %.12g", c.name, c.got, c.want)
		}
	}
	if math.Abs(m12+m1-20) > 1e-10 {
		t.Errorf("E[x1x2] + E[x1] = %.15g, want 20", m12+m1)
	}
	// The P1 marginal π̂(i), i = 0…40 (acceptance 6), 7 significant digits given: the
	// tolerance is half a unit of the 7th digit of each value, plus 1e-12 relative for the
	// round-off of the sums (acceptance tolerances).
	for i, want := range toggleMarginalRef {
		half := 0.5e-6 * math.Pow(10, math.Floor(math.Log10(want)))
		if math.Abs(marg[i]-want) > half+1e-12*want {
			t.Errorf("π̂(%d) = %.10g, want %.7g (±%.1g)", i, marg[i], want, half)
		}
	}
}

// toggleMarginalRef is the reference P1 marginal π̂(i), i = 0…40, of the toggle switch
// (seed-003 §5.2.3 [REPRO], 7 significant digits).
var toggleMarginalRef = [41]float64{
	8.986658e-02, 1.205939e-01, 1.204211e-01, 1.080840e-01, 9.242721e-02, 7.720731e-02, // 0–5
	6.382449e-02, 5.261677e-02, 4.347277e-02, 3.612108e-02, 3.025867e-02, 2.559980e-02, // 6–11
	2.188942e-02, 1.890437e-02, 1.645315e-02, 1.437737e-02, 1.255407e-02, 1.089699e-02, // 12–17
	9.355035e-03, 7.907419e-03, 6.555835e-03, 5.315188e-03, 4.204522e-03, 3.239702e-03, // 18–23
	2.428800e-03, 1.770369e-03, 1.254144e-03, 8.633296e-04, 5.775183e-04, 3.754828e-04, // 24–29
	2.373392e-04, 1.459005e-04, 8.726242e-05, 5.080105e-05, 2.880018e-05, 1.590753e-05, // 30–35
	8.564599e-06, 4.496972e-06, 2.303845e-06, 1.152166e-06, 5.627443e-07, // 36–40
}

// toggleRow is a row of the digest's §5.2.4–5.2.5 tables: ℓ¹ errors over S_r against the
// reference and the computable errors of ITA (§5.2.5, 4 digits).
type toggleRow struct {
	L                               int
	cr, m, taMid, ldqbd, itaU, itaL float64
	itaTV, itaUS                    float64 // 1 − l(S), u(S) − 1
	tvHi, tvU                       float64 // (3.20) TV bound of u, true TV error of u (3.19)
	rel                             float64
}

// TestToggleSweep checks TA-middle, LDQBDP and ITA on the toggle switch against the digest's
// tables (seed-003 §5.2.4–5.2.5, T13, T14, acceptance 8 and 9): 5 digits at L = 24 and 42
// (tolerance 1e-4 relative), 4 digits elsewhere (5e-4, half a unit of the 4th digit);
// c/r = 1.8e7/L⁶ and the tail mass m_r of the reference; every ITA column of §5.2.5.
func TestToggleSweep(t *testing.T) {
	t.Parallel()
	rows := []toggleRow{
		{17, 7.457e-01, 1.299e-01, 3.585e-01, 3.110e-01, 1.361e+00, 7.436e-01, 8.735e-01, 1.231e+00, 1.977e+00, 1.361e+00, 5e-4},
		{20, 2.812e-01, 6.129e-02, 2.814e-01, 2.366e-01, 8.498e-01, 4.744e-01, 5.357e-01, 7.885e-01, 1.070e+00, 8.498e-01, 5e-4},
		{24, 9.4190e-02, 1.7242e-02, 0.17119, 0.13860, 0.45468, 0.26795, 0.28520, 0.43743, 5.316e-01, 4.547e-01, 1e-4},
		{28, 3.735e-02, 3.321e-03, 7.063e-02, 5.552e-02, 1.833e-01, 1.208e-01, 1.241e-01, 1.799e-01, 2.173e-01, 1.833e-01, 5e-4},
		{30, 2.469e-02, 1.254e-03, 3.733e-02, 2.910e-02, 9.722e-02, 7.053e-02, 7.178e-02, 9.596e-02, 1.206e-01, 9.722e-02, 5e-4},
		{35, 9.792e-03, 7.114e-05, 4.091e-03, 3.178e-03, 1.086e-02, 1.494e-02, 1.502e-02, 1.079e-02, 2.058e-02, 1.086e-02, 5e-4},
		{40, 4.394e-03, 2.231e-06, 2.033e-04, 1.586e-04, 5.522e-04, 4.647e-03, 4.650e-03, 5.499e-04, 4.945e-03, 5.522e-04, 5e-4},
		{42, 3.2793e-03, 4.7764e-07, 5.0537e-05, 3.9486e-05, 1.3865e-04, 3.3417e-03, 3.342e-03, 1.382e-04, 3.417e-03, 1.387e-04, 1e-4},
		{45, 2.168e-03, 4.038e-08, 5.211e-06, 4.079e-06, 1.451e-05, 2.174e-03, 2.174e-03, 1.447e-05, 2.182e-03, 1.451e-05, 5e-4},
		{50, 1.152e-03, 4.409e-10, 7.518e-08, 5.902e-08, 2.147e-07, 1.152e-03, 1.152e-03, 2.143e-07, 1.152e-03, 2.147e-07, 5e-4},
	}
	for _, c := range rows {
		t.Run(fmt.Sprint("L=", c.L), func(t *testing.T) {
			t.Parallel()
			tr := toggleTruncation(c.L, 20)
			ref, m := refOn(tr)
			o := &Options{Moment: toggleMoment(tr, c.L)}
			ta, err := Run(context.Background(), "ta", tr, &Options{Reentry: "middle"})
			if err != nil {
				t.Fatal(err)
			}
			ld, err := Run(context.Background(), "ldqbd", tr, nil)
			if err != nil {
				t.Fatal(err)
			}
			ita, err := Run(context.Background(), "ita", tr, o)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []struct {
				name      string
				got, want float64
			}{
				{"c/r", ita.Error.TailBound.Value, c.cr}, {"m_r", m, c.m},
				{"TA-mid", L1Diff(ta.Distribution, ref), c.taMid}, {"LDQBDP", L1Diff(ld.Distribution, ref), c.ldqbd},
				{"ITA-u", L1Diff(ita.Upper, ref), c.itaU}, {"ITA-l", L1Diff(ita.Lower, ref), c.itaL},
				{"ITA 1 − l(S)", ita.Error.TVLower.Value, c.itaTV}, {"ITA u(S) − 1", ita.Error.Mass.Value - 1, c.itaUS},
			} {
				rel := c.rel
				if q.name[0] == 'I' && q.name[4] != '-' {
					rel = 5e-4 // §5.2.5 gives 4 digits
				}
				if !relClose(q.got, q.want, rel) {
					t.Errorf("%s = %.5g, want %.5g", q.name, q.got, q.want)
				}
			}
			// §5.2.5 (4 digits): the (3.20) TV bound of u, max(u(S) − 1 + c/r, c/r), and the
			// true TV error of u (3.19), max(u(S) − 1 + m_r, m_r) (u ≥ π on S, u = 0 outside).
			tvU := max(ita.Error.Mass.Value-1+m, m)
			if !relClose(ita.Error.TVUpper.Value, c.tvHi, 5e-4) || !relClose(tvU, c.tvU, 5e-4) {
				t.Errorf("TV bound of u = %.5g, true TV of u = %.5g; want %.4g, %.4g", ita.Error.TVUpper.Value, tvU, c.tvHi, c.tvU)
			}
			// Against the TV norm of u − π computed directly (the mass outside S as one point);
			// 1e-13 absolute: round-off of sums of order 1 (u(S) − 1 cancels).
			full := append(append([]float64(nil), ita.Upper...), 0)
			if d := TVDiff(full, append(append([]float64(nil), ref...), m)); math.Abs(d-tvU) > 1e-13 {
				t.Errorf("TV(u − π) = %.15g, (3.19) gives %.15g", d, tvU)
			}
			for x := range ref {
				if ita.Lower[x] > ref[x]*(1+1e-12) || ref[x] > ita.Upper[x]*(1+1e-12) {
					t.Fatalf("state %s: π = %g outside [%g, %g]", tr.StateString(x), ref[x], ita.Lower[x], ita.Upper[x])
				}
			}
		})
	}
}

// TestToggleMarginals24 checks the P1 marginals at L = 24 against the digest's table
// (seed-003 §5.2.6, acceptance 8: TA-middle, LDQBDP, ITA l̂ and û, 7 digits given: tolerance
// 5e-6 relative).
func TestToggleMarginals24(t *testing.T) {
	t.Parallel()
	want := [][4]float64{ // TA mid, LDQBDP, ITA l̂, ITA û
		{6.599206e-02, 7.378685e-02, 4.787575e-02, 1.363578e-01},
		{1.096770e-01, 1.173145e-01, 7.971598e-02, 1.601800e-01},
		{1.239090e-01, 1.277630e-01, 9.056033e-02, 1.541715e-01},
		{1.200500e-01, 1.196870e-01, 8.876473e-02, 1.341979e-01},
		{1.074489e-01, 1.041023e-01, 8.106720e-02, 1.113967e-01},
		{9.175071e-02, 8.702498e-02, 6.792043e-02, 9.200493e-02},
		{7.605103e-02, 7.122025e-02, 5.352804e-02, 7.634889e-02},
		{6.189647e-02, 5.768872e-02, 4.216675e-02, 6.360501e-02},
		{4.990846e-02, 4.657453e-02, 3.334232e-02, 5.330368e-02},
		{4.016939e-02, 3.765794e-02, 2.654089e-02, 4.499856e-02},
		{3.247279e-02, 3.059855e-02, 2.131338e-02, 3.836769e-02},
		{2.649085e-02, 2.504265e-02, 1.729088e-02, 3.308631e-02},
		{1.956179e-02, 2.066420e-02, 1.417609e-02, 2.888102e-02},
		{1.597968e-02, 1.717839e-02, 1.173068e-02, 2.545440e-02},
		{1.326324e-02, 1.434607e-02, 9.765623e-03, 2.263643e-02},
		{1.103774e-02, 1.197611e-02, 8.135337e-03, 2.050747e-02},
		{9.132139e-03, 9.926204e-03, 6.733910e-03, 1.866730e-02},
		{7.445191e-03, 8.101034e-03, 5.491266e-03, 1.701429e-02},
		{5.921409e-03, 6.446941e-03, 4.367940e-03, 1.547792e-02},
		{4.538613e-03, 4.943150e-03, 3.348152e-03, 1.401813e-02},
		{3.296311e-03, 3.590842e-03, 2.431796e-03, 1.262109e-02},
		{2.204757e-03, 2.402041e-03, 1.626558e-03, 1.129285e-02},
		{1.276566e-03, 1.390902e-03, 9.417999e-04, 1.005487e-02},
		{5.258526e-04, 5.729867e-04, 3.879577e-04, 8.965482e-03},
	}
	tr := toggleTruncation(24, 20)
	ta, _ := Run(context.Background(), "ta", tr, &Options{Reentry: "middle"})
	ld, _ := Run(context.Background(), "ldqbd", tr, nil)
	ita, err := Run(context.Background(), "ita", tr, &Options{Moment: toggleMoment(tr, 24)})
	if err != nil {
		t.Fatal(err)
	}
	margTA, margLD := make([]float64, 24), make([]float64, 24)
	for x := range ta.Distribution {
		i := tr.Key(x)[0]
		margTA[i] += ta.Distribution[x]
		margLD[i] += ld.Distribution[x]
	}
	mg := ita.Marginals["P1"]
	if len(mg.Values) != 24 || mg.UpperIsBound {
		t.Fatalf("ITA marginal: %d values, upper_is_bound %v", len(mg.Values), mg.UpperIsBound)
	}
	for i, w := range want {
		got := [4]float64{margTA[i], margLD[i], mg.Lower[i], mg.Upper[i]}
		for k := range w {
			if !relClose(got[k], w[k], 5e-6) {
				t.Errorf("i = %d, column %d: %.7g, want %.7g", i, k, got[k], w[k])
			}
		}
	}
}

// TestLDQBDEqualsTA is T15 (acceptance 10): with R^L = 0 and a single level-0 state, LDQBDP is
// TA with re-entry at (0,0), to ℓ¹ 1e-14, at L = 2, 5, 9, 24. Both are also checked against a
// dense GTH solve of the augmented chain Q_r + q_o·e_z (linalg.StationaryGTH, an independent
// algorithm) to 1e-13 in ℓ¹.
func TestLDQBDEqualsTA(t *testing.T) {
	t.Parallel()
	for _, L := range []int{2, 5, 9, 24} {
		tr := toggleTruncation(L, 20)
		ta, err := Run(context.Background(), "ta", tr, &Options{Reentry: "level0"})
		if err != nil {
			t.Fatal(err)
		}
		ld, err := Run(context.Background(), "ldqbd", tr, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := L1Diff(ta.Distribution, ld.Distribution); d > 1e-14 {
			t.Errorf("L = %d: ℓ¹(TA level0 − LDQBDP) = %g", L, d)
		}
		gth := make([]float64, tr.NumStates())
		if err := linalg.StationaryGTH(gth, augmentSingle(tr, tr.Index([]int32{0, 0}))); err != nil {
			t.Fatal(err)
		}
		if d := L1Diff(ta.Distribution, gth); d > 1e-13 {
			t.Errorf("L = %d: ℓ¹(TA − dense GTH) = %g", L, d)
		}
	}
}

// augmentSingle returns the augmented generator Q_r + q_o·e_z (re-entry at z) as a CSR.
func augmentSingle(tr *Truncation, z int) *linalg.CSR {
	n := tr.NumStates()
	q := &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, n+1)}
	for x := 0; x < n; x++ {
		row := map[int32]float64{}
		for p := tr.Q.RowPtr[x]; p < tr.Q.RowPtr[x+1]; p++ {
			row[tr.Q.Col[p]] += tr.Q.Val[p]
		}
		row[int32(z)] += tr.Out[x]
		for j := int32(0); j < int32(n); j++ {
			if v, ok := row[j]; ok {
				q.Col = append(q.Col, j)
				q.Val = append(q.Val, v)
			}
		}
		q.RowPtr[x+1] = len(q.Col)
	}
	return q
}

// TestLDQBDLeastSquares checks the least-squares level-0 solve: for L ≥ 15 its ℓ¹ error is
// practically that of the normalised one (seed-003 §5.2.2), here within 1 %.
func TestLDQBDLeastSquares(t *testing.T) {
	t.Parallel()
	tr := toggleTruncation(24, 20)
	ref, _ := refOn(tr)
	norm, _ := Run(context.Background(), "ldqbd", tr, nil)
	lsq, err := Run(context.Background(), "ldqbd", tr, &Options{LDQBDSolve: "lsq"})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := L1Diff(norm.Distribution, ref), L1Diff(lsq.Distribution, ref); !relClose(b, a, 0.01) {
		t.Errorf("ℓ¹ error: lsq %g, norm %g", b, a)
	}
	if _, err := Run(context.Background(), "ldqbd", tr, &Options{LDQBDSolve: "qr"}); err == nil {
		t.Error("unknown level-0 solve accepted")
	}
}

// TestITACertificate238 is T12 (acceptance 7): ITA on L = 238 (28 441 states) with the moment
// bound c = 1.8e7 certifies 1 − l(S) = c/r = 9.904003e-8 < 1e-7 (7 digits: 5e-7 relative),
// with u(S) − 1 ≤ 1e-13.
func TestITACertificate238(t *testing.T) {
	t.Parallel()
	tr, _ := toggleRef()
	res, err := Run(context.Background(), "ita", tr, &Options{Moment: toggleMoment(tr, 238)})
	if err != nil {
		t.Fatal(err)
	}
	if v := res.Error.TVLower.Value; !relClose(v, 9.904003e-8, 5e-7) || v >= 1e-7 || !res.Error.TVLower.Certified {
		t.Errorf("1 − l(S) = %.7g, want 9.904003e-8", v)
	}
	if u := res.Error.Mass.Value - 1; u > 1e-13 {
		t.Errorf("u(S) − 1 = %g", u)
	}
}

// BenchmarkToggle238 times the schemes on the toggle switch at L = 238 (28 441 states), the
// issue's speed targets: ta (one z) < 0.5 s, ita (238 z) < 1 s, ldqbd < 1 s.
func BenchmarkToggle238(b *testing.B) {
	tr := toggleTruncation(238, 20)
	for _, scheme := range []string{"ta", "ita", "ldqbd"} {
		b.Run(scheme, func(b *testing.B) {
			for b.Loop() {
				if _, err := Run(context.Background(), scheme, tr, &Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
