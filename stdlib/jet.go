package stdlib

import "math"

// MaxOrder is the highest Taylor order of the jet rules.
const MaxOrder = 5

// Jet holds the Taylor coefficients c_0..c_K of a function of one variable s at s = 0,
// K ≤ MaxOrder: c_k = f^{(k)}(0)/k!. Only c_0..c_K are meaningful; the others are 0.
type Jet [MaxOrder + 1]float64

// MulZ is x·y, except that an exact zero factor annihilates: MulZ(0, ±Inf) = 0. This keeps
// a structurally zero derivative zero next to an infinite one (√x at x = 0, 1/0), the
// convention of docs/language.md §6.5 that a constant 0 makes a product 0.
func MulZ(x, y float64) float64 {
	if x == 0 || y == 0 {
		return 0
	}
	return x * y
}

// MulJet returns the truncated Cauchy product a·b.
func MulJet(a, b *Jet, K int) (r Jet) {
	for k := 0; k <= K; k++ {
		var s float64
		for j := 0; j <= k; j++ {
			s += MulZ(a[j], b[k-j])
		}
		r[k] = s
	}
	return r
}

// Compose returns f(a) from g_m = f^{(m)}(a_0)/m!, m = 0..K (Faà di Bruno in Taylor form):
// r = Σ_m g_m (a − a_0)^m. A zero g_m or a zero coefficient of (a − a_0)^m contributes
// nothing, so an infinite g_m next to a zero increment gives 0, not NaN.
func Compose(g, a *Jet, K int) (r Jet) {
	d := *a
	d[0] = 0
	p := d
	r[0] = g[0]
	for m := 1; m <= K; m++ {
		if m > 1 {
			p = MulJet(&p, &d, K)
		}
		if g[m] == 0 {
			continue
		}
		for k := m; k <= K; k++ {
			if p[k] != 0 {
				r[k] += g[m] * p[k]
			}
		}
	}
	return r
}

// The jet rules below have the signature of JetRule: a is the jet of the argument, e0 (y0,
// l0) the value of the function at a_0, which the caller has already computed.

// expJet returns e = exp(a): e_k = (1/k) Σ_{j=1}^{k} j a_j e_{k−j}.
func expJet(a Jet, _, e0 float64, K int) (e Jet) {
	e[0] = e0
	for k := 1; k <= K; k++ {
		var s float64
		for j := 1; j <= k; j++ {
			s += float64(j) * MulZ(a[j], e[k-j])
		}
		e[k] = s / float64(k)
	}
	return e
}

// logJet returns l = log(a): l_k = (a_k − (1/k) Σ_{j=1}^{k−1} j l_j a_{k−j}) / a_0.
func logJet(a Jet, _, l0 float64, K int) (l Jet) {
	l[0] = l0
	for k := 1; k <= K; k++ {
		var s float64
		for j := 1; j < k; j++ {
			s += float64(j) * MulZ(l[j], a[k-j])
		}
		if r := a[k] - s/float64(k); r != 0 {
			l[k] = r / a[0]
		}
	}
	return l
}

// sqrtJet returns y = √a: y_k = (a_k − Σ_{j=1}^{k−1} y_j y_{k−j}) / (2 y_0).
func sqrtJet(a Jet, _, y0 float64, K int) (y Jet) {
	y[0] = y0
	for k := 1; k <= K; k++ {
		s := a[k]
		for j := 1; j < k; j++ {
			s -= MulZ(y[j], y[k-j])
		}
		if s != 0 {
			y[k] = s / (2 * y0)
		}
	}
	return y
}

// sincosJet returns sin(a) and cos(a): s_k = (1/k) Σ j a_j c_{k−j}, c_k = −(1/k) Σ j a_j s_{k−j}.
func sincosJet(a *Jet, K int) (s, c Jet) {
	s[0], c[0] = math.Sincos(a[0])
	for k := 1; k <= K; k++ {
		var ss, cc float64
		for j := 1; j <= k; j++ {
			ss += float64(j) * MulZ(a[j], c[k-j])
			cc += float64(j) * MulZ(a[j], s[k-j])
		}
		s[k], c[k] = ss/float64(k), -cc/float64(k)
	}
	return s, c
}

func sinJet(a Jet, _, _ float64, K int) Jet {
	s, _ := sincosJet(&a, K)
	return s
}

func cosJet(a Jet, _, _ float64, K int) Jet {
	_, c := sincosJet(&a, K)
	return c
}

// ode1Jet solves y' = w·a' with w = w0 + σ·(y² − y_0²), σ = ±1: tan has w = 1 + y², tanh
// has w = 1 − y². y_k = (1/k) Σ_{j=1}^{k} j a_j w_{k−j}, then w_k = σ Σ_{i=0}^{k} y_i y_{k−i}.
func ode1Jet(a *Jet, y0, w0, sigma float64, K int) (y Jet) {
	var w Jet
	y[0], w[0] = y0, w0
	for k := 1; k <= K; k++ {
		var s float64
		for j := 1; j <= k; j++ {
			s += float64(j) * MulZ(a[j], w[k-j])
		}
		y[k] = s / float64(k)
		var t float64
		for i := 0; i <= k; i++ {
			t += MulZ(y[i], y[k-i])
		}
		w[k] = sigma * t
	}
	return y
}

func tanJet(a Jet, _, y0 float64, K int) Jet { return ode1Jet(&a, y0, 1+y0*y0, 1, K) }

func tanhJet(a Jet, _, y0 float64, K int) Jet { return ode1Jet(&a, y0, sech2(a[0]), -1, K) }

// sech2 is 1 − tanh²(x) = 1/cosh²(x), without the cancellation of 1 − tanh² at large |x|.
func sech2(x float64) float64 {
	c := math.Cosh(x)
	return 1 / (c * c)
}

// poissonJet returns the jet rule in m of pmf(k, m) (cdf false) or cdf(k, m). With the
// shift d/dm pmf(k) = pmf(k−1) − pmf(k) applied n times,
// d^n/dm^n pmf(k) = Σ_{i=0}^{n} C(n, i) (−1)^{n−i} pmf(k−i), and d^n/dm^n cdf(k) =
// −d^{n−1}/dm^{n−1} pmf(k). The shifted values come from pmf(k) by shiftedPMF, without an
// exp or a log each. O(K²) beyond one pmf (the cdf's; the pmf's value is y0).
func poissonJet(cdf bool) JetRule {
	return func(m Jet, k, y0 float64, K int) Jet {
		var p Jet
		if K > 0 {
			pk := y0
			if cdf {
				pk = PoissonPMF(k, m[0])
			}
			p = shiftedPMF(k, m[0], pk, K)
		}
		var g Jet
		g[0] = y0
		fact := 1.0
		for n := 1; n <= K; n++ {
			fact *= float64(n)
			order, sign := n, 1.0
			if cdf {
				order, sign = n-1, -1
			}
			var s float64
			c := 1.0 // C(order, i)
			for i := 0; i <= order; i++ {
				t := c * p[i]
				if (order-i)%2 == 1 {
					t = -t
				}
				s += t
				c = c * float64(order-i) / float64(i+1)
			}
			g[n] = sign * s / fact
		}
		return Compose(&g, &m, K)
	}
}

// pmfRecurrenceFloor is the smallest pmf value from which shiftedPMF steps down by the
// recurrence; below it (and for what the recurrence would bring below it) the value comes
// from PoissonPMF, so that a value rounding to 0 (or a subnormal) is the one PoissonPMF
// gives and an exact zero stays zero.
const pmfRecurrenceFloor = 1e-280

// shiftedPMF returns p_i = pmf(k − i, m), i = 0..K, from p_0 = pk = pmf(k, m) by
// p_i = p_{i−1}·(k − i + 1)/m (e^{−m}m^{k−i}/(k−i)! = e^{−m}m^k/k! · k(k−1)…(k−i+1)/m^i),
// and 0 for i > k. It falls back to PoissonPMF at m = 0,
// for a p_0 that is not finite, and for values under pmfRecurrenceFloor. Relative error
// O(i·ulp) on top of that of p_0 (the direct formula's is O(|k log m − m − log k!|·ulp)).
func shiftedPMF(k, m, pk float64, K int) (p Jet) {
	p[0] = pk
	direct := !(m > 0) || math.IsInf(m, 0) || !(pk >= pmfRecurrenceFloor) || math.IsInf(pk, 0)
	for i := 1; i <= K; i++ {
		if !direct {
			if k-float64(i) < 0 {
				p[i] = 0 // pmf(−1) = 0, and so below
				continue
			}
			if p[i] = p[i-1] * (k - float64(i) + 1) / m; p[i] >= pmfRecurrenceFloor {
				continue
			}
			direct = true
		}
		p[i] = PoissonPMF(k-float64(i), m)
	}
	return p
}
