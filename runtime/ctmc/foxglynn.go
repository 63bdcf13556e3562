package ctmc

import (
	"fmt"
	"math"
)

// PoissonWeights are the Poisson(λ) probabilities on a truncation window [Left, Right],
// computed in the manner of Fox and Glynn: relative weights w_k/w_m are built outward from
// the mode m = ⌊λ⌋ by the ratios w_{k+1}/w_k = λ/(k+1) and w_{k−1}/w_k = k/λ, so no value
// exceeds 1 and nothing overflows or underflows for any λ (the weights kept are at least
// about ε·√λ·1e-1 relative to the mode). The window grows on each side until a geometric
// bound on the mass of the remaining tail is below ε/4 of the mass kept.
type PoissonWeights struct {
	// Lambda is the Poisson parameter λ.
	Lambda float64
	// Left and Right are the truncation points.
	Left, Right int
	// Weights[k−Left] approximates P(N = k) for Left ≤ k ≤ Right; they sum to 1.
	Weights []float64
	// Epsilon bounds Σ_{k≥0} |Weights(k) − P(N = k)| (with Weights(k) = 0 outside the
	// window): twice the tail mass bound relative to the kept mass. It is at most the ε
	// asked for.
	Epsilon float64
	// TailMean bounds E[(N − Right − 1)⁺] = Σ_{k>Right} P(N > k), the part of
	// Σ_k P(N > k) = λ that the window leaves out (used by cumulative uniformisation).
	TailMean float64
}

// FoxGlynn returns the Poisson(λ) weights truncated so that their ℓ₁ distance to the exact
// probabilities is at most eps (0 < eps < 1). It needs λ ≥ 0 finite. The window has
// O(√λ·√log(1/eps)) points, each computed in O(1), so the cost is O(√λ + log(1/eps)) time
// and memory.
func FoxGlynn(lambda, eps float64) (*PoissonWeights, error) {
	if !(lambda >= 0) || math.IsInf(lambda, 0) {
		return nil, fmt.Errorf("ctmc: Poisson parameter λ = %v must be finite and ≥ 0", lambda)
	}
	if !(eps > 0 && eps < 1) {
		return nil, fmt.Errorf("ctmc: truncation error ε = %v must be in (0, 1)", eps)
	}
	if lambda == 0 {
		return &PoissonWeights{Weights: []float64{1}}, nil
	}
	if lambda > 1e15 {
		return nil, fmt.Errorf("ctmc: Poisson parameter λ = %g is too large for uniformisation (more than 1e15 steps)", lambda)
	}
	m := int(math.Floor(lambda))
	// Right side from the mode: right[i] = w_{m+i}/w_m.
	right := []float64{1}
	sum := 1.0
	var tailR float64 // bound on Σ_{k>R} w_k
	var tailMean float64
	for {
		r := m + len(right) - 1 // current right end R
		next := right[len(right)-1] * lambda / float64(r+1)
		// For k ≥ R+1: w_{k+1}/w_k = λ/(k+1) ≤ ρ = λ/(R+2) < 1 (R ≥ ⌊λ⌋).
		rho := lambda / float64(r+2)
		tailR = next / (1 - rho)
		if tailR <= eps/4*sum || next == 0 {
			// Σ_{k>R} (k−R−1) w_k ≤ w_{R+1} Σ_{i≥1} i ρ^i = w_{R+1} ρ/(1−ρ)².
			tailMean = next * rho / ((1 - rho) * (1 - rho))
			break
		}
		right = append(right, next)
		sum += next
	}
	// Left side: left[i] = w_{m−1−i}/w_m.
	var left []float64
	var tailL float64 // bound on Σ_{k<L} w_k
	for {
		l := m - len(left) // current left end L
		if l == 0 {
			tailL = 0
			break
		}
		var cur float64 = 1
		if len(left) > 0 {
			cur = left[len(left)-1]
		}
		prev := cur * float64(l) / lambda // w_{L−1}
		// For k ≤ L−1: w_{k−1}/w_k = k/λ ≤ (L−1)/λ < 1.
		rho := float64(l-1) / lambda
		tailL = prev / (1 - rho)
		if tailL <= eps/4*sum || prev == 0 {
			break
		}
		left = append(left, prev)
		sum += prev
	}
	pw := &PoissonWeights{Lambda: lambda, Left: m - len(left), Right: m + len(right) - 1}
	pw.Weights = make([]float64, 0, len(left)+len(right))
	for i := len(left) - 1; i >= 0; i-- {
		pw.Weights = append(pw.Weights, left[i]/sum)
	}
	for _, w := range right {
		pw.Weights = append(pw.Weights, w/sum)
	}
	// With W the kept mass and T = tailL + tailR, the exact probabilities are w_k/(W+T');
	// T' ≤ T, so Σ|ŵ − p| = (1 − W/(W+T')) + T'/(W+T') ≤ 2T/W.
	pw.Epsilon = 2 * (tailL + tailR) / sum
	pw.TailMean = tailMean / sum
	return pw, nil
}
