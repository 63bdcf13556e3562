package trunc

import "math"

// The norms of seed-003 (3.5)–(3.6) for a signed vector ρ on S (zero-padded outside S):
// ‖ρ‖_TV = sup_A |ρ(A)|, ‖ρ‖_1 = Σ|ρ(x)| and ‖ρ‖_w = Σ w(x)|ρ(x)|. For w ≥ 1,
// ½‖ρ‖_1 ≤ ‖ρ‖_TV ≤ ‖ρ‖_1 ≤ ‖ρ‖_w (3.9).

// TV returns the total-variation norm sup_A |ρ(A)| = max(Σρ⁺, Σρ⁻) of a signed vector. It
// equals ½‖ρ‖_1 only when ρ is the difference of two probability vectors, and ‖ρ‖_1 when ρ
// is one-signed (the error of a lower bound): never compute it as ½‖ρ‖_1 for the errors of
// sub-probability vectors (seed-003 pitfall 8). O(len(ρ)).
func TV(rho []float64) float64 {
	var pos, neg float64
	for _, v := range rho {
		if v > 0 {
			pos += v
		} else {
			neg -= v
		}
	}
	return math.Max(pos, neg)
}

// TVDiff returns ‖a − b‖_TV for two vectors on the same states, without allocating.
// O(len(a)).
func TVDiff(a, b []float64) float64 { return TVDiffTail(a, b, 0) }

// TVDiffTail returns ‖a − b‖_TV when b also has the mass tail ≥ 0 on states outside those
// of a and b, where a has none (a zero-padded approximation on S against a law on the
// whole state space): max(Σ(a − b)⁺, Σ(a − b)⁻ + tail). O(len(a)).
func TVDiffTail(a, b []float64, tail float64) float64 {
	pos, neg := 0.0, tail
	for i, v := range a {
		d := v - b[i]
		if d > 0 {
			pos += d
		} else {
			neg -= d
		}
	}
	return math.Max(pos, neg)
}

// L1 returns ‖ρ‖_1 = Σ|ρ(x)|. O(len(ρ)).
func L1(rho []float64) float64 {
	s := 0.0
	for _, v := range rho {
		s += math.Abs(v)
	}
	return s
}

// L1Diff returns ‖a − b‖_1. O(len(a)).
func L1Diff(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += math.Abs(v - b[i])
	}
	return s
}

// WNorm returns the w-norm Σ w(x)|ρ(x)| (w ≥ 0 at every state). O(len(ρ)).
func WNorm(rho, w []float64) float64 {
	s := 0.0
	for i, v := range rho {
		s += w[i] * math.Abs(v)
	}
	return s
}
