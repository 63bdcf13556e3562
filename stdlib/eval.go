package stdlib

import "math"

// Pow is a ^ b with the integer-exponent fast path the models use most (x^2, x^d).
func Pow(a, b float64) float64 {
	switch b {
	case 1:
		return a
	case 2:
		return a * a
	case 3:
		return a * a * a
	}
	return math.Pow(a, b)
}

// PoissonPMF is e^{-m} m^k / k! for an integer k ≥ 0, and 0 for k < 0. A k that is not an
// integer gives NaN; the runtime reports it as E805.
func PoissonPMF(k, m float64) float64 {
	if k != math.Trunc(k) || math.IsNaN(m) {
		return math.NaN()
	}
	if k < 0 {
		return 0
	}
	if m == 0 {
		if k == 0 {
			return 1
		}
		return 0
	}
	var lg float64
	if k < float64(len(logFactorial)) {
		lg = logFactorial[int(k)]
	} else {
		lg, _ = math.Lgamma(k + 1)
	}
	return math.Exp(k*math.Log(m) - m - lg)
}

// logFactorial[k] = log k! = math.Lgamma(k + 1), tabulated by math.Lgamma itself so that
// PoissonPMF returns the same bits with or without the table; math.Lgamma is half the
// cost of a pmf (the inventory model evaluates 10⁴ of them per matrix). 8 KB.
var logFactorial = func() (t [1024]float64) {
	for k := range t {
		t[k], _ = math.Lgamma(float64(k) + 1)
	}
	return t
}()

// PoissonCDF is Σ_{j≤k} PoissonPMF(j, m).
func PoissonCDF(k, m float64) float64 {
	if k != math.Trunc(k) || math.IsNaN(m) {
		return math.NaN()
	}
	if k < 0 {
		return 0
	}
	// Sum the terms upward by recurrence; k is a small integer in the models we serve.
	term := math.Exp(-m)
	s := term
	for j := 1.0; j <= k; j++ {
		term *= m / j
		s += term
	}
	if s > 1 {
		s = 1
	}
	return s
}

// falling returns n(n−1)…(n−k+1), divided by k! when binomial is set (choose).
func falling(binomial bool) func(n, k float64) float64 {
	return func(n, k float64) float64 {
		v := 1.0
		for i := 0; i < int(k); i++ {
			v *= n - float64(i)
			if binomial {
				v /= float64(i + 1)
			}
		}
		return v
	}
}

func ind(c float64) float64 {
	if c != 0 {
		return 1
	}
	return 0
}
