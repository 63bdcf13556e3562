package stdlib

import (
	"math"
	"testing"
)

// TestShiftedPMF checks the recurrence of poissonJet, pmf(k − i, m) from pmf(k, m), against
// PoissonPMF at each shift, including the fallbacks (m = 0, k < K, pmf values that
// underflow). Tolerance relative, 2·(k|log m| + m + log k!)·ulp + 1e-15: PoissonPMF's
// exp(k log m − m − log k!) loses the ulps of the terms of its exponent (3e-13 relative
// at k = 500, m = 400), the recurrence adds O(i·ulp) to its start value; exact zeros must
// be exact.
func TestShiftedPMF(t *testing.T) {
	t.Parallel()
	cases := []struct{ k, m float64 }{
		{0, 0}, {3, 0}, {0, 1}, {1, 1}, {2, 0.5}, {4, 1.3}, {40, 1}, {99, 1.016}, {100, 2.5},
		{5, 1e-3}, {3, 8}, {200, 1}, {170, 1}, {500, 400}, {1000, 1e-3}, {30, 1e3},
	}
	for _, c := range cases {
		pk := PoissonPMF(c.k, c.m)
		lg, _ := math.Lgamma(c.k + 1)
		tol := 0.0 // m = 0: both give 1 or 0 exactly
		if c.m > 0 {
			tol = 2*(c.k*math.Abs(math.Log(c.m))+c.m+lg)*0x1p-52 + 1e-15
		}
		p := shiftedPMF(c.k, c.m, pk, MaxOrder)
		for i := 0; i <= MaxOrder; i++ {
			want := PoissonPMF(c.k-float64(i), c.m)
			if (want == 0) != (p[i] == 0) || !(math.Abs(p[i]-want) <= tol*want) {
				t.Errorf("pmf(%v − %d, %v): recurrence %.17g, PoissonPMF %.17g", c.k, i, c.m, p[i], want)
			}
		}
	}
}

// TestPoissonJetClosedForm checks the jet of pmf(k, m) and cdf(k, m) along m = m₀ + s,
// orders 0..MaxOrder, against the closed form of the derivatives of e^{−m}m^k/k!
// (Leibniz: Σ_i C(n, i)(−1)^{n−i} e^{−m}m^{k−i}/(k−i)!, computed with math.Pow and a
// factorial loop, independent of PoissonPMF), at points with large k where the recurrence
// runs long and at m₀ = 0 where it falls back. Tolerance 1e-12 relative to the largest
// term of the alternating sum (its cancellation, not the rule, limits the agreement).
func TestPoissonJetClosedForm(t *testing.T) {
	t.Parallel()
	pmf := func(k int, m float64) float64 {
		if k < 0 {
			return 0
		}
		f := 1.0
		for j := 2; j <= k; j++ {
			f *= float64(j)
		}
		return math.Exp(-m) * math.Pow(m, float64(k)) / f
	}
	binom := func(n, i int) float64 { return Binomial(float64(n), i) }
	cases := []struct {
		k int
		m float64
	}{{0, 0}, {2, 0}, {1, 0.5}, {4, 1.3}, {20, 1}, {60, 40.5}, {100, 1.016}, {150, 90}}
	for _, c := range cases {
		for _, cdf := range []bool{false, true} {
			rule, y0 := poissonJet(cdf), PoissonPMF(float64(c.k), c.m)
			if cdf {
				y0 = PoissonCDF(float64(c.k), c.m)
			}
			got := rule(Jet{c.m, 1}, float64(c.k), y0, MaxOrder)
			for n := 1; n <= MaxOrder; n++ {
				order, sign := n, 1.0
				if cdf {
					order, sign = n-1, -1
				}
				var want, scale float64
				for i := 0; i <= order; i++ {
					term := binom(order, i) * pmf(c.k-i, c.m)
					if (order-i)%2 == 1 {
						term = -term
					}
					want += term
					scale = math.Max(scale, math.Abs(term))
				}
				want *= sign / Factorial(n)
				if math.Abs(got[n]-want) > 1e-12*scale/Factorial(n) {
					t.Errorf("cdf %v, k %d, m %v: c_%d = %.17g, closed form %.17g", cdf, c.k, c.m, n, got[n], want)
				}
			}
		}
	}
}

// TestPoissonPMFTable checks that the tabulated log k! leaves PoissonPMF bit for bit what
// math.Lgamma gives, on both sides of the table's end (k = 1023, 1024).
func TestPoissonPMFTable(t *testing.T) {
	t.Parallel()
	for _, k := range []float64{0, 1, 7, 100, 500, 1023, 1024, 1500} {
		for _, m := range []float64{0.3, 1, 90, 1100} {
			lg, _ := math.Lgamma(k + 1)
			if got, want := PoissonPMF(k, m), math.Exp(k*math.Log(m)-m-lg); got != want {
				t.Errorf("pmf(%v, %v) = %.17g, with math.Lgamma %.17g", k, m, got, want)
			}
		}
	}
}
