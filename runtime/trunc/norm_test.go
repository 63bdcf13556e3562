package trunc

import (
	"math"
	"testing"
)

// TestNorms checks the norms on vectors whose norms are known by hand, and the relations
// (3.9) ½ℓ¹ ≤ TV ≤ ℓ¹ ≤ ‖·‖_w (w ≥ 1) with equality on the left exactly for a difference of
// probability vectors and on the right for one-signed vectors (seed-003 §2.1).
func TestNorms(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name         string
		rho, w       []float64
		tv, l1, wn   float64
		halfL1Equals bool
	}{
		// difference of the probability vectors (0.5, 0.5, 0) and (0.2, 0.3, 0.5)
		{"difference of laws", []float64{0.3, 0.2, -0.5}, []float64{1, 2, 3}, 0.5, 1.0, 0.3 + 0.4 + 1.5, true},
		// the error π − l of a lower bound: one-signed, TV = ℓ¹ (not ½ℓ¹)
		{"lower-bound error", []float64{0.1, 0.05, 0.2}, []float64{1, 1, 1}, 0.35, 0.35, 0.35, false},
		// a sub-probability vector minus a law: mass 0.8 − 1
		{"sub-probability", []float64{-0.4, 0.2, 0}, []float64{1, 4, 9}, 0.4, 0.6, 1.2, false},
		{"zero", []float64{0, 0}, []float64{1, 1}, 0, 0, 0, true},
	} {
		tv, l1, wn := TV(c.rho), L1(c.rho), WNorm(c.rho, c.w)
		if math.Abs(tv-c.tv) > 1e-15 || math.Abs(l1-c.l1) > 1e-15 || math.Abs(wn-c.wn) > 1e-15 {
			t.Errorf("%s: TV %g ℓ¹ %g w %g, want %g %g %g", c.name, tv, l1, wn, c.tv, c.l1, c.wn)
		}
		if (math.Abs(tv-l1/2) < 1e-15) != c.halfL1Equals {
			t.Errorf("%s: TV = ½ℓ¹ is %v", c.name, !c.halfL1Equals)
		}
		if tv < l1/2-1e-15 || tv > l1+1e-15 || l1 > wn+1e-15 {
			t.Errorf("%s: (3.9) fails: TV %g ℓ¹ %g w %g", c.name, tv, l1, wn)
		}
		zero := make([]float64, len(c.rho))
		if TVDiff(c.rho, zero) != tv || L1Diff(c.rho, zero) != l1 {
			t.Errorf("%s: TVDiff/L1Diff differ from TV/L1", c.name)
		}
	}
}
