package fit

import (
	"math"
	"testing"
)

// Exact power laws give their exponent to rounding (1e-12); zero errors are skipped; a
// single point gives NaN.
func TestOrder(t *testing.T) {
	ns := []float64{10, 20, 40, 80, 160}
	for _, p := range []float64{-1, -2, -3, 0.5} {
		errs := make([]float64, len(ns))
		for i, n := range ns {
			errs[i] = -3.7 * math.Pow(n, p)
		}
		if s, k := Order(ns, errs); math.Abs(s-p) > 1e-12 || k != len(ns) {
			t.Errorf("p = %g: slope %g from %d points", p, s, k)
		}
	}
	if s, k := Order([]float64{1, 2, 3}, []float64{0, 0, 1}); !math.IsNaN(s) || k != 1 {
		t.Errorf("one usable point: slope %g, %d points", s, k)
	}
	if s, b := Line([]float64{0, 1, 2}, []float64{1, 3, 5}); s != 2 || b != 1 {
		t.Errorf("Line: %g, %g", s, b)
	}
}

// TestOrderCorrected: an error 2·n^−2·(1 + 10/n) over n = 50 … 200 has a plain fitted
// slope biased by the 10/n term, while the corrected fit recovers −2 up to the neglected
// −50/n² of log(1 + 10/n) (checked to 0.01); fewer than four points give NaN.
func TestOrderCorrected(t *testing.T) {
	ns := []float64{50, 71, 100, 141, 200}
	var es []float64
	for _, n := range ns {
		es = append(es, 2*math.Pow(n, -2)*(1+10/n))
	}
	plain, _ := Order(ns, es)
	p, k := OrderCorrected(ns, es)
	if k != 5 || math.Abs(p+2) > 0.01 || math.Abs(plain+2) < 0.05 {
		t.Errorf("corrected %.4f (%d points), plain %.4f", p, k, plain)
	}
	if p, _ := OrderCorrected(ns[:3], es[:3]); !math.IsNaN(p) {
		t.Errorf("three points: %g, want NaN", p)
	}
}
