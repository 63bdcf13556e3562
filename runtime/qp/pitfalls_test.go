package qp

import (
	"math"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestRecognize: the example's tables are those of digest 002 §3.1; the perturbed variant
// is refused with the transition and the two states; the generic example gives the §3.7
// tables.
func TestRecognize(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "@quarter_plane", compiler.Options{})
	w, err := Recognize(m, [2]int{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := jointDeparture(0.2, 0.6, 0.18); *w != *want {
		t.Errorf("tables\n%v\nwant\n%v", w, want)
	}
	if g := w.Gamma(); math.Abs(g-1) > 1e-15 {
		t.Errorf("γ = %g, want 1 (2λ + μ)", g)
	}
	m = loadtest.Model(t, "@quarter_plane", compiler.Options{Overrides: compiler.Overrides{"perturbed": {1}}})
	_, err = Recognize(m, [2]int{0, 1})
	if err == nil || !strings.Contains(err.Error(), "'axis1' has rate 0.274179141 at (1,0) and 0.2506434778 at (2,0)") {
		t.Errorf("perturbed variant: %v; want the refusal naming axis1, (1,0) and (2,0)", err)
	}
	m = loadtest.Model(t, "examples/quarter_plane_generic.mf", compiler.Options{})
	if w, err = Recognize(m, [2]int{0, 1}); err != nil {
		t.Fatal(err)
	}
	if want := generic(); *w != *want {
		t.Errorf("generic tables\n%v\nwant\n%v", w, want)
	}
}

// TestPitfalls: digest 002 §4.2, one case each.
func TestPitfalls(t *testing.T) {
	t.Parallel()
	t.Run("premise fails: (7)", func(t *testing.T) {
		t.Parallel()
		// η = 0.7: h̄(n) < μ* for every n; (8) would be negative (digest §3.3).
		p, _, _ := Build(jointDeparture(0.2, 0.6, 0.42), Spec{})
		B := 1 / 0.42
		b := &Bias{B1: []float64{B}, B2: []float64{B}, B3: B}
		e := p.Bound(b)
		if e.Formula != "7" || e.PremiseHolds || e.Total <= 0 {
			t.Fatalf("formula %s, premise %v, total %g", e.Formula, e.PremiseHolds, e.Total)
		}
		if g8 := p.closedAxis(b.B1, 0, 0.42, false); g8 >= 0 {
			t.Errorf("(8) at η = 0.7 is %g, expected negative (the reason for the fallback)", g8)
		}
		closeTo(t, "(7) at η = 0.7", e.Total, 0.208502, 5e-7) // Table B
	})
	t.Run("negative c warned and scanned", func(t *testing.T) {
		t.Parallel()
		w := generic()
		pts := []Point{{0.75, 0.6708799312799236}, {0.9, 0.6358947992452972}}
		c, _ := Normalise(pts, []float64{1, -0.01})
		p, err := NewPerturbed(w, pts, c, 0.3335198340075093, 0.12151192097191277)
		if err != nil {
			t.Fatal(err)
		}
		d := p.Diagnose()
		if !strings.Contains(strings.Join(d.Warnings, "\n"), "c_k < 0") {
			t.Errorf("warnings %q lack the negative-weight warning", d.Warnings)
		}
		ph, _ := p.CheckPremise()
		if !strings.Contains(ph.How, "scan") {
			t.Errorf("premise checked by %q, want the scan", ph.How)
		}
	})
	t.Run("negative rate reported", func(t *testing.T) {
		t.Parallel()
		// h̄_{1,0} = 0 makes r^h_k = −α_k/(1 − ρ_k) < 0.
		p, _, _ := Build(jointDeparture(0.2, 0.6, 0.18), Spec{H: Outward{Kind: "value", Value: 0}})
		d := p.Diagnose()
		if d.MinHMinus >= 0 || !strings.Contains(strings.Join(d.Warnings, "\n"), "negative rate") {
			t.Errorf("min h̄ = %g, warnings %q", d.MinHMinus, d.Warnings)
		}
	})
	t.Run("no underflow far out", func(t *testing.T) {
		t.Parallel()
		// Table A, r = 0.05: ρ1 ≈ 0.144, ρ1^700 underflows to 0 in double precision.
		mu := 1 / 1.1
		p, _, _ := Build(jointDeparture(0.05*mu, mu, 0.3*mu), Spec{})
		if math.Pow(p.Terms[0].Rho, 700) != 0 {
			t.Fatal("ρ1^700 does not underflow: the test does not test anything")
		}
		h, ok := p.HMinus(700)
		lim, _, _ := p.Limits()
		if !ok || math.Abs(h-lim) > 1e-15 {
			t.Errorf("h̄(700) = %.17g, limit %.17g", h, lim)
		}
	})
	t.Run("spurious root never returned", func(t *testing.T) {
		t.Parallel()
		// Q∩H always contains (1, λ/μ) for this walk (digest §3.3).
		for _, row := range tableB {
			w := jointDeparture(0.2, 0.6, 0.6*row[0])
			if w.QCurve(1, 0.2/0.6) > 1e-15 {
				t.Fatal("(1, λ/μ) is not on Q")
			}
			for _, pt := range append(w.IntersectQH(), w.IntersectQV()...) {
				if pt.Rho > 1-1e-6 || pt.Sigma > 1-1e-6 {
					t.Errorf("η = %g: boundary point %v returned", row[0], pt)
				}
			}
		}
	})
	t.Run("off-curve terms refused", func(t *testing.T) {
		t.Parallel()
		w := generic()
		_, err := NewPerturbed(w, []Point{{0.75, 0.67}}, []float64{0.33 * 0.25}, 0.1, 0.1)
		if err == nil || !strings.Contains(err.Error(), "not on the curve Q") {
			t.Errorf("err = %v", err)
		}
	})
}

// BenchmarkClosedForms: one parameter point, both perturbations, terms, rates and bound
// (target < 1 ms).
func BenchmarkClosedForms(b *testing.B) {
	w := jointDeparture(0.2, 0.6, 0.18)
	bias := &Bias{B1: []float64{1 / 0.18}, B2: []float64{1 / 0.18}, B3: 1 / 0.18}
	for b.Loop() {
		p, _, _ := Build(w, Spec{})
		ph, _, _ := BuildHomogeneous(w, nil, Outward{}, Outward{})
		p.Bound(bias)
		ph.Bound(bias)
		indicator.Mean(p)
	}
}

// BenchmarkTablesAB: all 30 points of Tables A and B, both perturbations, both rewards
// (target < 50 ms).
func BenchmarkTablesAB(b *testing.B) {
	for b.Loop() {
		for k := range len(tableA) + len(tableB) {
			var w *Walk
			var B float64
			if k < len(tableA) {
				r := tableA[k][0]
				mu := 1 / (1 + 2*r)
				w, B = jointDeparture(r*mu, mu, 0.3*mu), 1/(0.3*mu)
			} else {
				eta := tableB[k-len(tableA)][0]
				w, B = jointDeparture(0.2, 0.6, 0.6*eta), 1/(0.6*eta)
			}
			bias := &Bias{B1: []float64{B}, B2: []float64{B}, B3: B}
			p, _, _ := Build(w, Spec{})
			ph, _, _ := BuildHomogeneous(w, nil, Outward{}, Outward{})
			for _, pp := range []*Perturbed{p, ph} {
				pp.Bound(bias)
				indicator.Mean(pp)
				queue1.Mean(pp)
			}
		}
	}
}

// BenchmarkBruteForce7: (7) at η = 0.95 (σ1 ≈ 0.905) to a tail below 1e-16 (target < 10 ms).
func BenchmarkBruteForce7(b *testing.B) {
	p, _, _ := Build(jointDeparture(0.2, 0.6, 0.57), Spec{})
	bias := &Bias{B1: []float64{1 / 0.57}, B2: []float64{1 / 0.57}, B3: 1 / 0.57}
	for b.Loop() {
		p.Bound(bias)
	}
}

// BenchmarkBox: the truncated chain at N = 200 with π and one Poisson solve (targets:
// --check-truncation 200 < 1 s, --oracle 150 < 2 s).
func BenchmarkBox(b *testing.B) {
	w := jointDeparture(0.2, 0.6, 0.18)
	for b.Loop() {
		box, err := NewBox(b.Context(), w.Rate, 200)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := box.Relative(b.Context(), queue1.Eval); err != nil {
			b.Fatal(err)
		}
	}
}
