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
