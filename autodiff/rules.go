package autodiff

import (
	"math"

	"github.com/mfcproject/mfc/stdlib"
)

// MaxOrder is the highest Taylor order Jet computes.
const MaxOrder = stdlib.MaxOrder

// jet holds the Taylor coefficients c_0..c_K of one slot, K ≤ MaxOrder.
type jet = stdlib.Jet

// The jet rules of exp and log, for a^b = exp(b·log a).
var expJet, logJet = stdlib.FnExp.Builtin().Jet, stdlib.FnLog.Builtin().Jet

// constant reports whether the derivative coefficients 1..K of a are all zero.
func constant(a *jet, K int) bool {
	for k := 1; k <= K; k++ {
		if a[k] != 0 {
			return false
		}
	}
	return true
}

// divJet returns q = a/b with q_0 = q0: q_k = (a_k − Σ_{j=1}^{k} b_j q_{k−j}) / b_0.
func divJet(a, b *jet, q0 float64, K int) (q jet) {
	q[0] = q0
	b0 := b[0]
	for k := 1; k <= K; k++ {
		s := a[k]
		for j := 1; j <= k; j++ {
			s -= stdlib.MulZ(b[j], q[k-j])
		}
		if s != 0 {
			q[k] = s / b0
		}
	}
	return q
}

// isInt reports whether p is an integer of magnitude below 2^53.
func isInt(p float64) bool { return p == math.Trunc(p) && math.Abs(p) < 1<<53 }

// powConstJet returns a^p for a constant exponent p, y_0 = y0. For a_0 ≠ 0 and a
// non-integer p it uses the recurrence of a·y' = p·a'·y,
// y_k = (1/(k a_0)) Σ_{j=1}^{k} (p j − (k − j)) a_j y_{k−j};
// for an integer p or a_0 = 0 it composes with g_m = C(p, m)·a_0^{p−m}, which is exact at
// a_0 = 0 (x² at 0 has derivatives 0, 2, 0, 0).
func powConstJet(a *jet, p, y0 float64, K int) jet {
	switch p {
	case 1:
		r := *a
		r[0] = y0
		return r
	case 2:
		// The square, the commonest power of a rate law (JSQ's x^d with d = 2): one
		// product instead of the composition with the binomial series.
		r := stdlib.MulJet(a, a, K)
		r[0] = y0
		return r
	}
	a0 := a[0]
	if a0 != 0 && !isInt(p) {
		var y jet
		y[0] = y0
		for k := 1; k <= K; k++ {
			var s float64
			for j := 1; j <= k; j++ {
				s += (p*float64(j) - float64(k-j)) * stdlib.MulZ(a[j], y[k-j])
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
		if c := stdlib.Binomial(p, m); c != 0 {
			g[m] = c * stdlib.Pow(a0, p-float64(m))
		}
	}
	return stdlib.Compose(&g, a, K)
}

// powJet returns a^b with y_0 = y0. A constant exponent takes powConstJet; otherwise
// a^b = exp(b·log a). At a_0 = 0 the derivatives through b are 0 (docs/language.md §10 ruling 5:
// 0^b ≡ 0 for b > 0), so only the a-part remains, with the exponent frozen at b_0.
func powJet(a, b *jet, y0 float64, K int) jet {
	if constant(b, K) || a[0] == 0 {
		if constant(a, K) {
			return jet{y0}
		}
		return powConstJet(a, b[0], y0, K)
	}
	l := logJet(*a, 0, math.Log(a[0]), K)
	m := stdlib.MulJet(b, &l, K)
	return expJet(m, 0, y0, K)
}
