package qp

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Bias holds bias bounds in continuous-time units (digest 002 §2.4, assumption (★)):
// B1(n) = Σ_m B1[m] n^m ≥ |ΔV_u(n, 0)| for u ∈ N1, B2 likewise on the vertical axis and B3 at
// the origin, for V_t(n) = E_n ∫₀^t F(X_s) ds and all t ≥ 0.
type Bias struct {
	B1, B2 []float64
	B3     float64
}

// ParseBias reads "b1=1,0.5;b2=2,0.25;b3=3" (coefficients of n^0, n^1, …; a missing part is
// 0). The coefficients must be finite and ≥ 0, so that B ≥ 0 for all n.
func ParseBias(s string) (*Bias, error) {
	b := &Bias{}
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("--bias: expected b1=..., b2=... or b3=..., got %q", part)
		}
		var xs []float64
		for _, f := range strings.Split(val, ",") {
			x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
				return nil, fmt.Errorf("--bias %s: %q is not a finite number ≥ 0", key, f)
			}
			xs = append(xs, x)
		}
		switch strings.TrimSpace(key) {
		case "b1":
			b.B1 = xs
		case "b2":
			b.B2 = xs
		case "b3":
			if len(xs) != 1 {
				return nil, fmt.Errorf("--bias b3 takes one number (the origin's bound)")
			}
			b.B3 = xs[0]
		default:
			return nil, fmt.Errorf("--bias: unknown part %q (b1, b2 or b3)", key)
		}
	}
	return b, nil
}

// poly evaluates Σ_m c[m] n^m.
func poly(c []float64, n float64) float64 {
	s := 0.0
	for m := len(c) - 1; m >= 0; m-- {
		s = s*n + c[m]
	}
	return s
}

// Deltas returns δ_h = Σ_i |q_{i,1} − h_{i,1}|, δ_v = Σ_j |q_{1,j} − v_{1,j}| and
// δ_r = |h̄_{1,0} − r_{1,0}| + |v̄_{0,1} − r_{0,1}| + |q_{1,1} − r_{1,1}| (corrected forms).
func (p *Perturbed) Deltas() (dh, dv, dr float64) {
	w := p.Walk
	for k := -1; k <= 1; k++ {
		dh += math.Abs(w.Q.At(k, 1) - w.H.At(k, 1))
		dv += math.Abs(w.Q.At(1, k) - w.V.At(1, k))
	}
	dr = math.Abs(p.HBar10-w.R.At(1, 0)) + math.Abs(p.VBar01-w.R.At(0, 1)) + math.Abs(w.Q.At(1, 1)-w.R.At(1, 1))
	return
}

// Premise is the check of the premise of Theorem 4.2, h̄_{−1,0}(n) ≥ h_{−1,0} and
// v̄_{0,−1}(n) ≥ v_{0,−1} for all n ≥ 1, on one axis.
type Premise struct {
	Holds bool
	// How: "min_k r_k ≥ rate (c_k > 0)" or "scan to n = N and limit"; At is the first n
	// where it fails (0 if it holds or fails in the limit).
	How string
	At  int
}

// CheckPremise checks the premise on both axes: for c_k > 0 by min_k r_k ≥ rate (to 1e-12
// relative), otherwise by a scan of n up to the convergence of the weights and the limit.
func (p *Perturbed) CheckPremise() (h, v Premise) {
	w := p.Walk
	for _, vertical := range []bool{false, true} {
		orig := w.H.At(-1, 0)
		if vertical {
			orig = w.V.At(0, -1)
		}
		tol := 1e-12 * max(orig, 1e-300)
		pr := Premise{Holds: true}
		if p.AllPositive() {
			pr.How = "min_k r_k ≥ the original rate (every c_k > 0)"
			for _, t := range p.Terms {
				r := t.RH
				if vertical {
					r = t.RV
				}
				if r < orig-tol {
					pr.Holds = false
				}
			}
		}
		if !pr.Holds || !p.AllPositive() {
			n := p.convergence(vertical)
			pr = Premise{Holds: true, How: fmt.Sprintf("scan of n = 1..%d and the limit", n)}
			for k := 1; k <= n; k++ {
				x, ok := p.inward(k, vertical)
				if !ok || x < orig-tol {
					pr.Holds, pr.At = false, k
					break
				}
			}
			lh, lv, ok := p.Limits()
			l := lh
			if vertical {
				l = lv
			}
			if pr.Holds && (!ok || l < orig-tol) {
				pr.Holds = false
			}
		}
		if vertical {
			v = pr
		} else {
			h = pr
		}
	}
	return h, v
}

// ErrorBound is the bound on |𝓕̄ − 𝓕| of the Markov reward approach: G1 + G2 + G3 by
// Theorem 4.2 (8), Corollary 4.3 (9) when the bias bounds are constant, or Theorem 4.1
// with (7) summed numerically when the premise fails.
type ErrorBound struct {
	G1, G2, G3, Total float64
	Formula           string // "8", "9" or "7"
	PremiseHolds      bool
	Why               string
	// Terms is the number of terms of (7) summed per axis (0 for (8), (9)).
	Terms [2]int
}

// Bound returns the error bound for the bias bounds b (continuous-time units: the rate
// differences are multiplied by b, whatever γ). O(K·M) for (8); (7) costs O(K) a term,
// summed until a certified tail bound falls below 1e-16 of the sum.
func (p *Perturbed) Bound(b *Bias) ErrorBound {
	ph, pv := p.CheckPremise()
	e := ErrorBound{PremiseHolds: ph.Holds && pv.Holds}
	dh, dv, dr := p.Deltas()
	w := p.Walk
	e.G3 = dr * b.B3 * p.Mass0()
	if e.PremiseHolds {
		e.G1 = p.closedAxis(b.B1, dh+math.Abs(p.HBar10-w.H.At(1, 0)), w.H.At(-1, 0), false)
		e.G2 = p.closedAxis(b.B2, dv+math.Abs(p.VBar01-w.V.At(0, 1)), w.V.At(0, -1), true)
		// Under the premise every summand is ≥ 0; clamp the round-off of an exact 0 (K = 1 at
		// the product-form point).
		e.G1, e.G2 = max(e.G1, 0), max(e.G2, 0)
		e.Formula = "8"
		if len(b.B1) <= 1 && len(b.B2) <= 1 {
			e.Formula = "9"
		}
		e.Why = "the premise of Theorem 4.2 holds (" + ph.How + ")"
	} else {
		e.G1, e.Terms[0] = p.sumAxis(b.B1, dh+math.Abs(p.HBar10-w.H.At(1, 0)), w.H.At(-1, 0), false)
		e.G2, e.Terms[1] = p.sumAxis(b.B2, dv+math.Abs(p.VBar01-w.V.At(0, 1)), w.V.At(0, -1), true)
		e.Formula = "7"
		what := "h̄_{−1,0}(n) < h_{−1,0}"
		if ph.Holds {
			what = "v̄_{0,−1}(n) < v_{0,−1}"
		}
		e.Why = "the premise of Theorem 4.2 fails (" + what + " somewhere), so (8) is not a bound: Theorem 4.1 with (7) summed numerically"
	}
	e.Total = e.G1 + e.G2 + e.G3
	return e
}

// closedAxis is g(1) (or g(2)) of (8) in the r_k-weighted form:
// Σ_k c_k [Σ_m b_m Li_{−m}(ρ_k)] (δ + r_k − rate).
func (p *Perturbed) closedAxis(b []float64, delta, rate float64, vertical bool) float64 {
	g := 0.0
	for _, t := range p.Terms {
		z, r := t.Rho, t.RH
		if vertical {
			z, r = t.Sigma, t.RV
		}
		l := 0.0
		for m, bm := range b {
			l += bm * Li(m, z)
		}
		g += t.C * l * (delta + r - rate)
	}
	return g
}

// AxisWeights returns, for each power m < M, Σ_{n≥1} π̄(n, 0) n^m (δ + |h̄(n) − rate|): the
// coefficient of b_m in g(1) by (7) (vertical: g(2)), summed with a certified tail.
func (p *Perturbed) AxisWeights(M int, vertical bool) []float64 {
	w := p.Walk
	dh, dv, _ := p.Deltas()
	delta, rate := dh+math.Abs(p.HBar10-w.H.At(1, 0)), w.H.At(-1, 0)
	if vertical {
		delta, rate = dv+math.Abs(p.VBar01-w.V.At(0, 1)), w.V.At(0, -1)
	}
	out := make([]float64, M)
	for m := range M {
		b := make([]float64, m+1)
		b[m] = 1
		out[m], _ = p.sumAxis(b, delta, rate, vertical)
	}
	return out
}

// inwardDeviation bounds |h̄_{−1,0}(n) − rate| for all n ≥ 1 (vertical: v̄_{0,−1}): the
// largest |r_k − rate| over the terms and |limit − rate| (the inward rate is a convex
// combination of the r_k when every c_k > 0, and tends to its limit otherwise). O(K).
func (p *Perturbed) inwardDeviation(rate float64, vertical bool) float64 {
	m := 0.0
	for _, t := range p.Terms {
		r := t.RH
		if vertical {
			r = t.RV
		}
		m = max(m, math.Abs(r-rate))
	}
	if lh, lv, ok := p.Limits(); ok {
		l := lh
		if vertical {
			l = lv
		}
		m = max(m, math.Abs(l-rate))
	}
	return m
}

// sumAxis sums (7) on one axis: Σ_{n≥1} π̄(n) B(n) (δ + |ratē(n) − rate|) until the tail,
// bounded by (δ + max_k |r_k − rate|)·Σ_k |c_k| Σ_{n>N} z_k^n B(n) with the geometric bound
// of a decreasing ratio, is below 1e-16 of the sum; the tail bound is added.
func (p *Perturbed) sumAxis(b []float64, delta, rate float64, vertical bool) (float64, int) {
	maxDev := p.inwardDeviation(rate, vertical)
	sum := 0.0
	deg := float64(max(len(b)-1, 0))
	for n := 1; n <= 1_000_000; n++ {
		x, _ := p.inward(n, vertical)
		pin := 0.0
		for _, t := range p.Terms {
			z := t.Rho
			if vertical {
				z = t.Sigma
			}
			pin += t.C * math.Pow(z, float64(n))
		}
		bn := poly(b, float64(n))
		sum += pin * bn * (delta + math.Abs(x-rate))
		// Tail bound for n' > n: the terms n'^m z^n' decrease with ratio at most q.
		tail := 0.0
		for _, t := range p.Terms {
			z := t.Rho
			if vertical {
				z = t.Sigma
			}
			q := z * math.Pow(float64(n+2)/float64(n+1), deg)
			if q >= 1 {
				tail = math.Inf(1)
				break
			}
			tail += math.Abs(t.C) * math.Pow(z, float64(n+1)) * polyAbs(b, float64(n+1)) / (1 - q)
		}
		tail *= delta + maxDev
		if tail <= 1e-16*math.Abs(sum) || tail < 1e-300 {
			return sum + tail, n
		}
	}
	return sum, 1_000_000
}

func polyAbs(c []float64, n float64) float64 {
	s := 0.0
	for m := len(c) - 1; m >= 0; m-- {
		s = s*n + math.Abs(c[m])
	}
	return s
}
