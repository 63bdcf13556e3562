package qp

import (
	"fmt"
	"math"
)

// Term is one geometric term c ρ^{n1} σ^{n2} of π̄ with the constants of Theorem 3.1:
// α, β and the single-term rates r^h = h̄_{1,0}/ρ − α/(1 − ρ), r^v = v̄_{0,1}/σ − β/(1 − σ)
// (digest 002 §2.1).
type Term struct {
	Rho, Sigma, C float64
	Alpha, Beta   float64
	RH, RV        float64
}

// Perturbed is the perturbed walk R̄ of Theorem 3.1 (single-direction inhomogeneous
// construction) for a sum of geometric terms π̄(n) = Σ_k c_k ρ_k^{n1} σ_k^{n2} with every
// (ρ_k, σ_k) on Q: interior and axis-to-interior rates equal to the interior ones, constant
// outward axis rates HBar10 and VBar01, origin rates (h̄_{1,0}, v̄_{0,1}, q_{1,1}), and the
// inward axis rates h̄_{−1,0}(n) = Σ_k w_k(n) r^h_k with w_k(n) ∝ c_k ρ_k^n (v̄ likewise).
// With K = 1 it is the homogeneous (product-form) perturbation.
type Perturbed struct {
	Walk           *Walk
	Terms          []Term
	HBar10, VBar01 float64
}

// Alpha returns α = Σ_i q_{i,1} − Σ_i ρ^{−i} σ q_{i,−1}. O(1).
func (w *Walk) Alpha(rho, sigma float64) float64 {
	a := 0.0
	for i := -1; i <= 1; i++ {
		a += w.Q.At(i, 1) - pw(rho, -i)*sigma*w.Q.At(i, -1)
	}
	return a
}

// Beta returns β = Σ_j q_{1,j} − Σ_j ρ σ^{−j} q_{−1,j}. O(1).
func (w *Walk) Beta(rho, sigma float64) float64 {
	b := 0.0
	for j := -1; j <= 1; j++ {
		b += w.Q.At(1, j) - rho*pw(sigma, -j)*w.Q.At(-1, j)
	}
	return b
}

// Normalise scales weights so that Σ_k c_k/((1 − ρ_k)(1 − σ_k)) = 1: c_k = s·w_k.
func Normalise(pts []Point, weights []float64) ([]float64, error) {
	if len(weights) != len(pts) {
		return nil, fmt.Errorf("%d weights for %d terms", len(weights), len(pts))
	}
	s := 0.0
	for k, p := range pts {
		s += weights[k] / ((1 - p.Rho) * (1 - p.Sigma))
	}
	if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return nil, fmt.Errorf("the weights sum to zero mass: no normalisation")
	}
	c := make([]float64, len(pts))
	for k := range pts {
		c[k] = weights[k] / s
	}
	return c, nil
}

// NewPerturbed builds R̄ for the terms (ρ_k, σ_k, c_k) and the outward axis rates. Every point
// must lie in (0, 1)² and on Q to 1e-12 relative, and the masses must be normalised to
// 1e-12; otherwise the error says which. O(K).
func NewPerturbed(w *Walk, pts []Point, c []float64, hbar10, vbar01 float64) (*Perturbed, error) {
	if len(pts) == 0 || len(pts) != len(c) {
		return nil, fmt.Errorf("%d points and %d weights: need one weight per term, at least one term", len(pts), len(c))
	}
	p := &Perturbed{Walk: w}
	mass := 0.0
	for k, pt := range pts {
		if !(pt.Rho > 0 && pt.Rho < 1 && pt.Sigma > 0 && pt.Sigma < 1) {
			return nil, fmt.Errorf("term %d: (ρ, σ) = (%g, %g) is not in (0, 1)²", k+1, pt.Rho, pt.Sigma)
		}
		if r := math.Abs(w.QCurve(pt.Rho, pt.Sigma)) / w.qScale(pt.Rho, pt.Sigma); r > 1e-12 {
			return nil, fmt.Errorf("term %d: (ρ, σ) = (%.17g, %.17g) is not on the curve Q (relative residual %.2g > 1e-12)", k+1, pt.Rho, pt.Sigma, r)
		}
		if math.IsNaN(c[k]) || math.IsInf(c[k], 0) || c[k] == 0 {
			return nil, fmt.Errorf("term %d: weight c = %g", k+1, c[k])
		}
		mass += c[k] / ((1 - pt.Rho) * (1 - pt.Sigma))
		p.Terms = append(p.Terms, Term{Rho: pt.Rho, Sigma: pt.Sigma, C: c[k],
			Alpha: w.Alpha(pt.Rho, pt.Sigma), Beta: w.Beta(pt.Rho, pt.Sigma)})
	}
	if math.Abs(mass-1) > 1e-12 {
		return nil, fmt.Errorf("the terms have mass Σ c/((1−ρ)(1−σ)) = %.15g, not 1", mass)
	}
	p.SetOutward(hbar10, vbar01)
	return p, nil
}

// SetOutward sets h̄_{1,0} and v̄_{0,1} and the single-term rates that depend on them.
func (p *Perturbed) SetOutward(hbar10, vbar01 float64) {
	p.HBar10, p.VBar01 = hbar10, vbar01
	for k := range p.Terms {
		t := &p.Terms[k]
		t.RH = hbar10/t.Rho - t.Alpha/(1-t.Rho)
		t.RV = vbar01/t.Sigma - t.Beta/(1-t.Sigma)
	}
}

// Thresholds returns the smallest h̄_{1,0} and v̄_{0,1} of Theorem 3.4:
// max(0, max_k(ρ_k h_{−1,0} + ρ_k α_k/(1 − ρ_k))) and its vertical analogue (r^h_k ≥ h_{−1,0}
// for every k; a sufficient condition for the premise of Theorem 4.2 when every c_k > 0).
func (p *Perturbed) Thresholds() (h, v float64) {
	w := p.Walk
	for _, t := range p.Terms {
		h = max(h, t.Rho*w.H.At(-1, 0)+t.Rho*t.Alpha/(1-t.Rho))
		v = max(v, t.Sigma*w.V.At(0, -1)+t.Sigma*t.Beta/(1-t.Sigma))
	}
	return h, v
}

// dominant returns the indices of the terms with the largest ρ (horizontal) or σ
// (vertical), ties to 1e-12.
func (p *Perturbed) dominant(vertical bool) (idx []int, top float64) {
	for _, t := range p.Terms {
		top = max(top, p.coord(t, vertical))
	}
	for k, t := range p.Terms {
		if p.coord(t, vertical) >= top*(1-1e-12) {
			idx = append(idx, k)
		}
	}
	return idx, top
}

func (p *Perturbed) coord(t Term, vertical bool) float64 {
	if vertical {
		return t.Sigma
	}
	return t.Rho
}

// Limits returns the limits of h̄_{−1,0}(n) and v̄_{0,−1}(n) as n → ∞ (Theorem 3.2): the
// c-weighted mean of the single-term rates of the dominant terms. ok is false when the
// weights of the dominant terms sum to zero.
func (p *Perturbed) Limits() (h, v float64, ok bool) {
	ok = true
	for _, vertical := range []bool{false, true} {
		idx, _ := p.dominant(vertical)
		cs, rs := 0.0, 0.0
		for _, k := range idx {
			t := p.Terms[k]
			cs += t.C
			if vertical {
				rs += t.C * t.RV
			} else {
				rs += t.C * t.RH
			}
		}
		if cs == 0 {
			ok = false
			continue
		}
		if vertical {
			v = rs / cs
		} else {
			h = rs / cs
		}
	}
	return h, v, ok
}

// LimitMatch returns the outward rates for which the limits of Theorem 3.2 equal the
// original inward rates h_{−1,0} and v_{0,−1}; ok is false when Σ_{k: ρ_k = ρ_*} c_k = 0.
func (p *Perturbed) LimitMatch() (h, v float64, ok bool) {
	w := p.Walk
	ok = true
	for _, vertical := range []bool{false, true} {
		idx, top := p.dominant(vertical)
		cs, a := 0.0, 0.0
		for _, k := range idx {
			t := p.Terms[k]
			cs += t.C
			if vertical {
				a += t.C * t.Beta / (1 - t.Sigma)
			} else {
				a += t.C * t.Alpha / (1 - t.Rho)
			}
		}
		if cs == 0 {
			ok = false
			continue
		}
		if vertical {
			v = top * (w.V.At(0, -1) + a/cs)
		} else {
			h = top * (w.H.At(-1, 0) + a/cs)
		}
	}
	return h, v, ok
}

// HMinus returns h̄_{−1,0}(n, 0) for n ≥ 1 as Σ_k c_k (ρ_k/ρ_*)^n r^h_k / Σ_k c_k (ρ_k/ρ_*)^n,
// scaled by ρ_*^n so that nothing underflows for large n. ok is false where the weights sum
// to zero (possible only with negative c_k). O(K).
func (p *Perturbed) HMinus(n int) (float64, bool) { return p.inward(n, false) }

// VMinus returns v̄_{0,−1}(0, n) for n ≥ 1 (see HMinus).
func (p *Perturbed) VMinus(n int) (float64, bool) { return p.inward(n, true) }

func (p *Perturbed) inward(n int, vertical bool) (float64, bool) {
	_, top := p.dominant(vertical)
	num, den := 0.0, 0.0
	for _, t := range p.Terms {
		wk := t.C * math.Pow(p.coord(t, vertical)/top, float64(n))
		den += wk
		if vertical {
			num += wk * t.RV
		} else {
			num += wk * t.RH
		}
	}
	if den == 0 {
		return 0, false
	}
	return num / den, true
}

// Rate returns the rate of R̄ for the jump (i, j) at (n1, n2).
func (p *Perturbed) Rate(n1, n2, i, j int) float64 {
	w := p.Walk
	if n1+i < 0 || n2+j < 0 || i == 0 && j == 0 {
		return 0
	}
	switch {
	case n1 > 0 && n2 > 0:
		return w.Q.At(i, j)
	case n1 > 0: // S1
		switch {
		case j == 1:
			return w.Q.At(i, 1)
		case i == 1:
			return p.HBar10
		}
		h, _ := p.HMinus(n1)
		return h
	case n2 > 0: // S2
		switch {
		case i == 1:
			return w.Q.At(1, j)
		case j == 1:
			return p.VBar01
		}
		v, _ := p.VMinus(n2)
		return v
	}
	switch {
	case i == 1 && j == 0:
		return p.HBar10
	case i == 0 && j == 1:
		return p.VBar01
	}
	return w.Q.At(1, 1)
}

// Pi returns π̄(n1, n2) = Σ_k c_k ρ_k^{n1} σ_k^{n2}. O(K).
func (p *Perturbed) Pi(n1, n2 int) float64 {
	s := 0.0
	for _, t := range p.Terms {
		s += t.C * math.Pow(t.Rho, float64(n1)) * math.Pow(t.Sigma, float64(n2))
	}
	return s
}

// Mass0 returns π̄(0, 0) = Σ_k c_k.
func (p *Perturbed) Mass0() float64 {
	s := 0.0
	for _, t := range p.Terms {
		s += t.C
	}
	return s
}

// AllPositive reports whether every c_k > 0.
func (p *Perturbed) AllPositive() bool {
	for _, t := range p.Terms {
		if t.C <= 0 {
			return false
		}
	}
	return true
}

// convergence returns the n beyond which the non-dominant weights are below 1e-17 of the
// dominant ones (at most 100 000).
func (p *Perturbed) convergence(vertical bool) int {
	_, top := p.dominant(vertical)
	n := 1
	for _, t := range p.Terms {
		x := p.coord(t, vertical)
		if x < top*(1-1e-12) {
			n = max(n, int(math.Ceil(math.Log(1e-17)/math.Log(x/top)))+1)
		}
	}
	return min(n, 100000)
}
