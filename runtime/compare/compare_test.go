package compare

import (
	"math"
	"testing"
)

// TestLag1: the batch-means diagnostic on series with known lag-1 autocorrelation: an
// alternating series (−1 in the limit; (n−1)/n·(−1) for n terms), a monotone ramp (above
// 0.5 for 20 batches) and a constant (0 by convention).
func TestLag1(t *testing.T) {
	alt, ramp, flat := make([][]float64, 20), make([][]float64, 20), make([][]float64, 20)
	for i := range alt {
		alt[i] = []float64{float64(i%2*2 - 1)}
		ramp[i] = []float64{float64(i)}
		flat[i] = []float64{3}
	}
	if r := lag1(alt, 0); math.Abs(r+19.0/20) > 1e-12 {
		t.Errorf("alternating: %g", r)
	}
	if r := lag1(ramp, 0); r < 0.8 {
		t.Errorf("ramp: %g", r)
	}
	if r := lag1(flat, 0); r != 0 {
		t.Errorf("constant: %g", r)
	}
}

// TestSSADiscrete: 'mfc ssa' on a discrete-time model samples at integer steps (--t 25
// --steps 4 gives 0, 6, 12, 18, 25) and refuses a fractional number of steps.
