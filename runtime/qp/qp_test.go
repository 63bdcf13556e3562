package qp

import (
	"math"
	"testing"
)

// jointDeparture is the walk of digest 002 §3.1.
func jointDeparture(lam, mu, mus float64) *Walk {
	w := &Walk{}
	set := func(t *Table, i, j int, x float64) { t[i+1][j+1] = x }
	set(&w.Q, 1, 0, lam)
	set(&w.Q, 0, 1, lam)
	set(&w.Q, -1, -1, mu)
	set(&w.H, 1, 0, lam)
	set(&w.H, 0, 1, lam)
	set(&w.H, -1, 0, mus)
	set(&w.V, 1, 0, lam)
	set(&w.V, 0, 1, lam)
	set(&w.V, 0, -1, mus)
	set(&w.R, 1, 0, lam)
	set(&w.R, 0, 1, lam)
	return w
}

// generic is the walk of digest 002 §3.7.
func generic() *Walk {
	w := &Walk{}
	set := func(t *Table, i, j int, x float64) { t[i+1][j+1] = x }
	set(&w.Q, 1, 0, .15)
	set(&w.Q, 0, 1, .10)
	set(&w.Q, 1, 1, .05)
	set(&w.Q, -1, 0, .20)
	set(&w.Q, 0, -1, .15)
	set(&w.Q, -1, -1, .10)
	set(&w.Q, -1, 1, .05)
	set(&w.Q, 1, -1, .05)
	set(&w.H, 1, 0, .15)
	set(&w.H, -1, 0, .25)
	set(&w.H, 0, 1, .10)
	set(&w.H, 1, 1, .05)
	set(&w.H, -1, 1, .02)
	set(&w.V, 0, 1, .10)
	set(&w.V, 0, -1, .20)
	set(&w.V, 1, 0, .15)
	set(&w.V, 1, 1, .05)
	set(&w.V, 1, -1, .03)
	set(&w.R, 1, 0, .15)
	set(&w.R, 0, 1, .10)
	set(&w.R, 1, 1, .05)
	return w
}

func near(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if math.Abs(got-want) > rel*max(math.Abs(want), 1e-300) && math.Abs(got-want) > 1e-300 {
		t.Errorf("%s = %.17g, want %.17g (rel. tol. %g)", what, got, want, rel)
	}
}

// auto builds the inhomogeneous perturbation of the paper's example choice: Q∩H, Q∩V,
// c1 = c2, the original outward rates.
func auto(t *testing.T, w *Walk) *Perturbed {
	t.Helper()
	qh, qv := w.IntersectQH(), w.IntersectQV()
	if len(qh) != 1 || len(qv) != 1 {
		t.Fatalf("Q∩H = %v, Q∩V = %v: want one point each", qh, qv)
	}
	pts := []Point{qh[0], qv[0]}
	c, err := Normalise(pts, []float64{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPerturbed(w, pts, c, w.H.At(1, 0), w.V.At(0, 1))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDetailedValues: digest 002 §3.6 "Detailed values" (λ = 0.2, μ = 0.6, μ* = 0.18),
// closed forms to 1e-12 relative (the digest's values are reproductions from the same
// formulas in double precision).
func TestDetailedValues(t *testing.T) {
	t.Parallel()
	w := jointDeparture(0.2, 0.6, 0.18)
	p := auto(t, w)
	tr := p.Terms
	near(t, "ρ1", tr[0].Rho, 0.588748759667329, 1e-12)
	near(t, "σ1", tr[0].Sigma, 0.380246370823251, 1e-12)
	near(t, "ρ2", tr[1].Rho, 0.380246370823251, 1e-12)
	near(t, "c", tr[0].C, 0.12743722434980612, 1e-12)
	near(t, "c2", tr[1].C, 0.12743722434980612, 1e-12)
	near(t, "α", tr[0].Alpha, 0.06567825248588466, 1e-12)
	near(t, "β", tr[1].Beta, 0.06567825248588466, 1e-12)
	th, tv := p.Thresholds()
	near(t, "threshold h", th, 0.2, 1e-12)
	near(t, "threshold v", tv, 0.2, 1e-12)
	h1, _ := p.HMinus(1)
	h2, _ := p.HMinus(2)
	near(t, "h̄(1)", h1, 0.27417914097398804, 1e-12)
	near(t, "h̄(2)", h2, 0.2506434778224618, 1e-12)
	lh, lv, _ := p.Limits()
	near(t, "limit h", lh, 0.18, 1e-12)
	near(t, "limit v", lv, 0.18, 1e-12)
	near(t, "r^h_1", tr[0].RH, 0.18, 1e-12)
	near(t, "r^h_2", tr[1].RH, 0.42, 1e-12)
	b := &Bias{B1: []float64{1 / 0.18}, B2: []float64{1 / 0.18}, B3: 1 / 0.18}
	e := p.Bound(b)
	near(t, "g(1)", e.G1, 0.10425119442203917, 1e-12)
	near(t, "g(2)", e.G2, 0.10425119442203917, 1e-12)
	near(t, "err", e.Total, 0.20850238884407835, 1e-12)
	if e.G3 != 0 || !e.PremiseHolds || e.Formula != "9" {
		t.Errorf("g(3) = %g, premise %v, formula %s: want 0, true, 9", e.G3, e.PremiseHolds, e.Formula)
	}
	ind := &Reward{Ind: 1}
	n1 := &Reward{}
	n1.P[1][0] = 1
	near(t, "π̄(0,0)", ind.Mean(p), 0.25487444869961223, 1e-12)
	near(t, "Ē[N1]", n1.Mean(p), 1.0225740060835458, 1e-12)
	// Homogeneous: the diagonal root, c = (1 − ρ)².
	d := w.Diagonal()
	if len(d) != 1 {
		t.Fatalf("diagonal roots %v", d)
	}
	ph, err := NewPerturbed(w, d, []float64{(1 - d[0].Rho) * (1 - d[0].Sigma)}, 0.2, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "ρ hom", d[0].Rho, 0.4574271077563381, 1e-12)
	near(t, "hom bound B = 1/μ*", ph.Bound(b).Total, 0.3309167317946793, 1e-12)
	pf, _, _ := w.PrintedHomogeneous(d[0].Rho)
	near(t, "printed homogeneous formula", pf, 0.23164171225627556, 1e-12)
	near(t, "π̄ hom(0,0)", ind.Mean(ph), 0.2943853433976523, 1e-12)
	near(t, "Ē hom[N1]", n1.Mean(ph), 0.8430703308172536, 1e-12)
}

// TestGenericCase: digest 002 §3.7 (terms not pairwise coupled, every delta non-zero, M = 1).
func TestGenericCase(t *testing.T) {
	t.Parallel()
	w := generic()
	pts := []Point{{0.75, 0.6708799312799236}, {0.9, 0.6358947992452972}}
	for _, pt := range pts {
		s := w.SigmaOnQ(pt.Rho)
		if len(s) == 0 {
			t.Fatalf("no σ on Q at ρ = %g", pt.Rho)
		}
		near(t, "σ on Q (smaller root)", s[0], pt.Sigma, 1e-13)
	}
	c := []float64{0.6 * (1 - pts[0].Rho) * (1 - pts[0].Sigma), 0.4 * (1 - pts[1].Rho) * (1 - pts[1].Sigma)}
	p, err := NewPerturbed(w, pts, c, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "c1", p.Terms[0].C, 0.049368010308011454, 1e-12)
	near(t, "c2", p.Terms[1].C, 0.014564208030188108, 1e-12)
	near(t, "α1", p.Terms[0].Alpha, 0.004326686710022287, 1e-12)
	near(t, "α2", p.Terms[1].Alpha, 0.012057759334167695, 1e-12)
	near(t, "β1", p.Terms[0].Beta, -0.006212733221304556, 1e-12)
	near(t, "β2", p.Terms[1].Beta, -0.05799695438655761, 1e-12)
	th, tv := p.Thresholds()
	near(t, "threshold h", th, 0.3335198340075093, 1e-12)
	near(t, "threshold v", tv, 0.12151192097191277, 1e-12)
	p.SetOutward(th, tv)
	for k, want := range map[int]float64{1: 0.3810076153946875, 2: 0.3744974894283416, 3: 0.36749133151187285, 10: 0.3127551326559032} {
		got, _ := p.HMinus(k)
		near(t, "h̄(n)", got, want, 1e-12)
	}
	for k, want := range map[int]float64{1: 0.2328602981857466, 2: 0.23150572117077106, 3: 0.23019263639396775, 10: 0.2221431612189588} {
		got, _ := p.VMinus(k)
		near(t, "v̄(n)", got, want, 1e-12)
	}
	lh, lv, _ := p.Limits()
	near(t, "limit h", lh, 0.25, 1e-12)
	near(t, "limit v", lv, 0.2, 1e-12)
	dh, dv, dr := p.Deltas()
	near(t, "δ_h", dh, 0.03, 1e-12)
	near(t, "δ_v", dv, 0.02, 1e-12)
	near(t, "δ_r", dr, 0.20503175497942205, 1e-12)
	b := &Bias{B1: []float64{1, 0.5}, B2: []float64{2, 0.25}, B3: 3}
	e := p.Bound(b)
	near(t, "g(1)", e.G1, 0.34161070461117005, 1e-12)
	near(t, "g(2)", e.G2, 0.024640806274758155, 1e-12)
	near(t, "g(3)", e.G3, 0.03932440477682594, 1e-12)
	near(t, "err", e.Total, 0.40557591566275414, 1e-12)
	if e.Formula != "8" {
		t.Errorf("formula %s, want 8", e.Formula)
	}
	g1, _ := p.sumAxis(b.B1, dh+math.Abs(p.HBar10-0.15), 0.25, false)
	g2, _ := p.sumAxis(b.B2, dv+math.Abs(p.VBar01-0.10), 0.20, true)
	near(t, "(7) g(1)", g1, e.G1, 1e-12)
	near(t, "(7) g(2)", g2, e.G2, 1e-12)
	one := p.Bound(&Bias{B1: []float64{1}, B2: []float64{1}, B3: 1})
	near(t, "Cor 4.3, B = 1", one.Total, 0.10804885058386965, 1e-12)
	ind := &Reward{Ind: 1}
	n1 := &Reward{}
	n1.P[1][0] = 1
	near(t, "𝓕̄(1{0})", ind.Mean(p), 0.06393221833819956, 1e-12)
	near(t, "𝓕̄(n1)", n1.Mean(p), 5.4, 1e-12)
}

// TestRewardNonNegative: the error interval is cut at 0 only for rewards that are certainly
// non-negative on ℕ² (a reward n1 − n2 has negative means, and its interval must not be cut).
func TestRewardNonNegative(t *testing.T) {
	t.Parallel()
	var ind, diff, shifted Reward
	ind.Ind = 1
	diff.P[1][0], diff.P[0][1] = 1, -1
	shifted.Ind, shifted.P[0][0] = -1, 1 // F(0,0) = 0, F = 1 elsewhere
	for _, c := range []struct {
		name string
		r    Reward
		want bool
	}{{"origin indicator", ind, true}, {"n1 - n2", diff, false}, {"1 - 1{0}", shifted, true}} {
		if got := c.r.NonNegative(); got != c.want {
			t.Errorf("%s: NonNegative = %v, want %v", c.name, got, c.want)
		}
	}
}
