package autodiff

import (
	"math"

	"github.com/mfcproject/mfc/compiler/ir"
)

// MaxOrder is the highest Taylor order Jet computes.
const MaxOrder = 4

// jet holds the Taylor coefficients c_0..c_K of one slot, K ≤ MaxOrder.
type jet [MaxOrder + 1]float64

// mulz is x·y, except that an exact zero factor annihilates: mulz(0, ±Inf) = 0. This keeps
// a structurally zero derivative zero next to an infinite one (√x at x = 0, 1/0), the
// convention of spec §6.5 that a constant 0 makes a product 0.
func mulz(x, y float64) float64 {
	if x == 0 || y == 0 {
		return 0
	}
	return x * y
}

// constant reports whether the derivative coefficients 1..K of a are all zero.
func constant(a *jet, K int) bool {
	for k := 1; k <= K; k++ {
		if a[k] != 0 {
			return false
		}
	}
	return true
}

// mulJet returns the truncated Cauchy product a·b.
func mulJet(a, b *jet, K int) (r jet) {
	for k := 0; k <= K; k++ {
		var s float64
		for j := 0; j <= k; j++ {
			s += mulz(a[j], b[k-j])
		}
		r[k] = s
	}
	return r
}

// divJet returns q = a/b with q_0 = q0: q_k = (a_k − Σ_{j=1}^{k} b_j q_{k−j}) / b_0.
func divJet(a, b *jet, q0 float64, K int) (q jet) {
	q[0] = q0
	b0 := b[0]
	for k := 1; k <= K; k++ {
		s := a[k]
		for j := 1; j <= k; j++ {
			s -= mulz(b[j], q[k-j])
		}
		if s != 0 {
			q[k] = s / b0
		}
	}
	return q
}

// expJet returns e = exp(a) with e_0 = e0: e_k = (1/k) Σ_{j=1}^{k} j a_j e_{k−j}.
func expJet(a *jet, e0 float64, K int) (e jet) {
	e[0] = e0
	for k := 1; k <= K; k++ {
		var s float64
		for j := 1; j <= k; j++ {
			s += float64(j) * mulz(a[j], e[k-j])
		}
		e[k] = s / float64(k)
	}
	return e
}

// logJet returns l = log(a) with l_0 = l0: l_k = (a_k − (1/k) Σ_{j=1}^{k−1} j l_j a_{k−j}) / a_0.
func logJet(a *jet, l0 float64, K int) (l jet) {
	l[0] = l0
	for k := 1; k <= K; k++ {
		var s float64
		for j := 1; j < k; j++ {
			s += float64(j) * mulz(l[j], a[k-j])
		}
		if r := a[k] - s/float64(k); r != 0 {
			l[k] = r / a[0]
		}
	}
	return l
}

// sqrtJet returns y = √a with y_0 = y0: y_k = (a_k − Σ_{j=1}^{k−1} y_j y_{k−j}) / (2 y_0).
func sqrtJet(a *jet, y0 float64, K int) (y jet) {
	y[0] = y0
	for k := 1; k <= K; k++ {
		s := a[k]
		for j := 1; j < k; j++ {
			s -= mulz(y[j], y[k-j])
		}
		if s != 0 {
			y[k] = s / (2 * y0)
		}
	}
	return y
}

// sincosJet returns sin(a) and cos(a): s_k = (1/k) Σ j a_j c_{k−j}, c_k = −(1/k) Σ j a_j s_{k−j}.
func sincosJet(a *jet, K int) (s, c jet) {
	s[0], c[0] = math.Sincos(a[0])
	for k := 1; k <= K; k++ {
		var ss, cc float64
		for j := 1; j <= k; j++ {
			ss += float64(j) * mulz(a[j], c[k-j])
			cc += float64(j) * mulz(a[j], s[k-j])
		}
		s[k], c[k] = ss/float64(k), -cc/float64(k)
	}
	return s, c
}

// ode1Jet solves y' = w·a' with w = w0 + σ·(y² − y_0²), σ = ±1: tan has w = 1 + y², tanh
// has w = 1 − y². y_k = (1/k) Σ_{j=1}^{k} j a_j w_{k−j}, then w_k = σ Σ_{i=0}^{k} y_i y_{k−i}.
func ode1Jet(a *jet, y0, w0, sigma float64, K int) (y jet) {
	var w jet
	y[0], w[0] = y0, w0
	for k := 1; k <= K; k++ {
		var s float64
		for j := 1; j <= k; j++ {
			s += float64(j) * mulz(a[j], w[k-j])
		}
		y[k] = s / float64(k)
		var t float64
		for i := 0; i <= k; i++ {
			t += mulz(y[i], y[k-i])
		}
		w[k] = sigma * t
	}
	return y
}

// sech2 is 1 − tanh²(x) = 1/cosh²(x), without the cancellation of 1 − tanh² at large |x|.
func sech2(x float64) float64 {
	c := math.Cosh(x)
	return 1 / (c * c)
}

// compose returns f(a) from g_m = f^{(m)}(a_0)/m!, m = 0..K (Faà di Bruno in Taylor form):
// r = Σ_m g_m (a − a_0)^m. A zero g_m or a zero coefficient of (a − a_0)^m contributes
// nothing, so an infinite g_m next to a zero increment gives 0, not NaN.
func compose(g, a *jet, K int) (r jet) {
	d := *a
	d[0] = 0
	p := d
	r[0] = g[0]
	for m := 1; m <= K; m++ {
		if m > 1 {
			p = mulJet(&p, &d, K)
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

// isInt reports whether p is an integer of magnitude below 2^53.
func isInt(p float64) bool { return p == math.Trunc(p) && math.Abs(p) < 1<<53 }

// binom returns the generalized binomial coefficient p(p−1)…(p−m+1)/m!.
func binom(p float64, m int) float64 {
	b := 1.0
	for i := 0; i < m; i++ {
		b *= (p - float64(i)) / float64(i+1)
	}
	return b
}

// powConstJet returns a^p for a constant exponent p, y_0 = y0. For a_0 ≠ 0 and a
// non-integer p it uses the recurrence of a·y' = p·a'·y,
// y_k = (1/(k a_0)) Σ_{j=1}^{k} (p j − (k − j)) a_j y_{k−j};
// for an integer p or a_0 = 0 it composes with g_m = C(p, m)·a_0^{p−m}, which is exact at
// a_0 = 0 (x² at 0 has derivatives 0, 2, 0, 0).
func powConstJet(a *jet, p, y0 float64, K int) jet {
	a0 := a[0]
	if a0 != 0 && !isInt(p) {
		var y jet
		y[0] = y0
		for k := 1; k <= K; k++ {
			var s float64
			for j := 1; j <= k; j++ {
				s += (p*float64(j) - float64(k-j)) * mulz(a[j], y[k-j])
			}
			if s != 0 {
				y[k] = s / (float64(k) * a0)
			}
		}
		return y
	}
	var g jet
	g[0] = y0
	for m := 1; m <= K; m++ {
		if c := binom(p, m); c != 0 {
			g[m] = c * ir.Pow(a0, p-float64(m))
		}
	}
	return compose(&g, a, K)
}

// powJet returns a^b with y_0 = y0. A constant exponent takes powConstJet; otherwise
// a^b = exp(b·log a). At a_0 = 0 the derivatives through b are 0 (spec §10 ruling 5:
// 0^b ≡ 0 for b > 0), so only the a-part remains, with the exponent frozen at b_0.
func powJet(a, b *jet, y0 float64, K int) jet {
	if constant(b, K) || a[0] == 0 {
		if constant(a, K) {
			return jet{y0}
		}
		return powConstJet(a, b[0], y0, K)
	}
	l := logJet(a, math.Log(a[0]), K)
	m := mulJet(b, &l, K)
	return expJet(&m, y0, K)
}

// poissonG returns g_n = f^{(n)}(m)/n! for f = pmf(k, ·) or cdf(k, ·). With the shift
// d/dm pmf(k) = pmf(k−1) − pmf(k) applied n times,
// d^n/dm^n pmf(k) = Σ_{i=0}^{n} C(n, i) (−1)^{n−i} pmf(k−i), and d^n/dm^n cdf(k) =
// −d^{n−1}/dm^{n−1} pmf(k).
func poissonG(f ir.Fn, k, m, y0 float64, K int) (g jet) {
	var p jet
	for i := 0; i <= K; i++ {
		p[i] = ir.PoissonPMF(k-float64(i), m)
	}
	g[0] = y0
	fact := 1.0
	for n := 1; n <= K; n++ {
		fact *= float64(n)
		order, sign := n, 1.0
		if f == ir.FnPoissonCDF {
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
	return g
}

// poissonD1 returns d/dm of pmf(k, m) or cdf(k, m), given the value y0 of the same call.
func poissonD1(f ir.Fn, k, m, y0 float64) float64 {
	if f == ir.FnPoissonCDF {
		return -ir.PoissonPMF(k, m)
	}
	return ir.PoissonPMF(k-1, m) - y0
}
