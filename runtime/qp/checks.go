package qp

import (
	"context"
	"fmt"
	"math"
)

// Diagnostics are the checks of a perturbed walk (digest 002 §4.1).
type Diagnostics struct {
	// TermIdentity is the largest relative residual of the term-by-term identity
	// −ρα/(1 − ρ) − σβ/(1 − σ) + ρσ q_{−1,−1} − q_{1,1} = 0.
	TermIdentity float64
	// Balance is the largest relative residual of the global balance of π̄ under R̄ on the
	// box {0..BalanceBox}².
	Balance    float64
	BalanceBox int
	// Normalisation is |Σ_k c_k/((1 − ρ_k)(1 − σ_k)) − 1|.
	Normalisation float64
	// MinPi is the smallest π̄(n) on the box {0..MinPiBox}².
	MinPi    float64
	MinPiBox int
	// MinHMinus and MinVMinus are the smallest inward axis rates of R̄ (scan to convergence).
	MinHMinus, MinVMinus float64
	// GammaBar is the largest total rate of R̄.
	GammaBar float64
	// Warnings lists what the checks found (negative weights, negative rates, a vanishing
	// denominator).
	Warnings []string
}

// Diagnose runs the checks. O(K·(B² + n_conv)) for the balance box B = 30 and the
// convergence length of the weights.
func (p *Perturbed) Diagnose() Diagnostics {
	w := p.Walk
	var d Diagnostics
	for _, t := range p.Terms {
		parts := []float64{-t.Rho * t.Alpha / (1 - t.Rho), -t.Sigma * t.Beta / (1 - t.Sigma), t.Rho * t.Sigma * w.Q.At(-1, -1), -w.Q.At(1, 1)}
		s, a := 0.0, 0.0
		for _, x := range parts {
			s += x
			a += math.Abs(x)
		}
		if a > 0 {
			d.TermIdentity = max(d.TermIdentity, math.Abs(s)/a)
		}
		d.Normalisation += t.C / ((1 - t.Rho) * (1 - t.Sigma))
	}
	d.Normalisation = math.Abs(d.Normalisation - 1)
	d.BalanceBox = 30
	d.Balance = p.balance(d.BalanceBox)
	// Inward rates and γ̄ up to the convergence of the weights (and the limits).
	d.MinHMinus, d.MinVMinus = math.Inf(1), math.Inf(1)
	qUp := w.Q.At(-1, 1) + w.Q.At(0, 1) + w.Q.At(1, 1)
	qRight := w.Q.At(1, -1) + w.Q.At(1, 0) + w.Q.At(1, 1)
	d.GammaBar = max(w.Q.Total(), p.HBar10+p.VBar01+w.Q.At(1, 1))
	for _, vertical := range []bool{false, true} {
		nc := p.convergence(vertical)
		for n := 1; n <= nc; n++ {
			x, ok := p.inward(n, vertical)
			if !ok {
				d.Warnings = append(d.Warnings, fmt.Sprintf("Σ_k c_k %s_k^n vanishes at n = %d: the inward rate is undefined there", map[bool]string{false: "ρ", true: "σ"}[vertical], n))
				continue
			}
			if vertical {
				d.MinVMinus = min(d.MinVMinus, x)
				d.GammaBar = max(d.GammaBar, qRight+p.VBar01+x)
			} else {
				d.MinHMinus = min(d.MinHMinus, x)
				d.GammaBar = max(d.GammaBar, qUp+p.HBar10+x)
			}
		}
	}
	if d.MinHMinus < 0 || d.MinVMinus < 0 {
		d.Warnings = append(d.Warnings, fmt.Sprintf("R̄ has a negative rate (min h̄_{−1,0} = %.6g, min v̄_{0,−1} = %.6g): it is not a Markov chain; choose other terms, weights or outward rates", d.MinHMinus, d.MinVMinus))
	}
	if math.IsInf(d.MinHMinus, 1) {
		d.MinHMinus = 0
	}
	if math.IsInf(d.MinVMinus, 1) {
		d.MinVMinus = 0
	}
	d.MinPiBox = 30
	d.MinPi = math.Inf(1)
	if !p.AllPositive() {
		d.Warnings = append(d.Warnings, "some c_k < 0: no theory covers this case (the paper leaves it open); π̄ ≥ 0 and the non-vanishing of Σ_k c_k ρ_k^n are checked numerically only")
		d.MinPiBox = min(400, max(p.convergence(false), p.convergence(true), 30))
	}
	for n1 := 0; n1 <= d.MinPiBox; n1++ {
		for n2 := 0; n2 <= d.MinPiBox; n2++ {
			d.MinPi = min(d.MinPi, p.Pi(n1, n2))
		}
	}
	if d.MinPi < 0 {
		d.Warnings = append(d.Warnings, fmt.Sprintf("π̄ takes the negative value %.6g on {0..%d}²: it is not a probability law", d.MinPi, d.MinPiBox))
	}
	return d
}

// balance returns the largest relative residual of the balance equations of π̄ under R̄ at
// the states of {0..B}²: |inflow − outflow| / (inflow + outflow).
func (p *Perturbed) balance(B int) float64 {
	worst := 0.0
	for n1 := 0; n1 <= B; n1++ {
		for n2 := 0; n2 <= B; n2++ {
			in, out := 0.0, 0.0
			for i := -1; i <= 1; i++ {
				for j := -1; j <= 1; j++ {
					if i == 0 && j == 0 {
						continue
					}
					out += p.Pi(n1, n2) * p.Rate(n1, n2, i, j)
					if m1, m2 := n1-i, n2-j; m1 >= 0 && m2 >= 0 {
						in += p.Pi(m1, m2) * p.Rate(m1, m2, i, j)
					}
				}
			}
			if s := math.Abs(in) + math.Abs(out); s > 0 {
				worst = max(worst, math.Abs(in-out)/s)
			}
		}
	}
	return worst
}

// Oracle is the Poisson-equation cross-check on the truncated chain (digest 002 §2.6).
type Oracle struct {
	N int
	// F is 𝓕 on the box; Identity is π̄(Q̄ − Q)V summed over the box, and Residual
	// |(𝓕̄ − 𝓕) − Identity|.
	F, Identity, Residual float64
	// DVh[n−1] = ΔV_{(−1,0)}(n, 0) = V(n−1, 0) − V(n, 0), n = 1..4, and DVv likewise.
	DVh, DVv []float64
	// Floor holds the smallest affine majorants b0 + b1 n of max_u |ΔV_u| on each axis for
	// n ≤ 60 minimising the (7)/(8) objective, the origin's max_u |ΔV_u(0,0)|, and the value
	// of the objective: a lower limit no valid bias bound of this form can beat.
	FloorB1, FloorB2 [2]float64
	FloorB3          float64
	FloorValue       float64
}

// RunOracle solves the Poisson equation QV = 𝓕 − F on the box {0..N}² (N > 61) of the
// original walk, evaluates the exact identity 𝓕̄ − 𝓕 = π̄(Q̄ − Q)V and the floor. Cost: one
// Box.Relative (banded or iterative, by how the box was built) plus O(N²).
func (p *Perturbed) RunOracle(ctx context.Context, b *Box, f func(n1, n2 int) float64, fbar float64) (*Oracle, error) {
	if b.N < 62 {
		return nil, fmt.Errorf("--oracle %d: the floor fits n ≤ 60, so N must be at least 62", b.N)
	}
	v, err := b.Relative(ctx, f)
	if err != nil {
		return nil, err
	}
	return p.OracleWith(b, v, f, fbar)
}

// OracleWith is RunOracle with the relative value function v = b.Relative(f) given, so
// that several perturbations of one walk and reward share one Poisson solve. O(N²).
func (p *Perturbed) OracleWith(b *Box, v []float64, f func(n1, n2 int) float64, fbar float64) (*Oracle, error) {
	if b.N < 62 {
		return nil, fmt.Errorf("--oracle %d: the floor fits n ≤ 60, so N must be at least 62", b.N)
	}
	if len(v) != (b.N+1)*(b.N+1) {
		return nil, fmt.Errorf("qp: OracleWith: %d values for the box {0..%d}²", len(v), b.N)
	}
	w := p.Walk
	V := func(n1, n2 int) float64 { return v[b.Index(n1, n2)] }
	o := &Oracle{N: b.N, F: b.Expect(f)}
	for n1 := 0; n1 <= b.N; n1++ {
		for n2 := 0; n2 <= b.N; n2++ {
			if n1 > 0 && n2 > 0 {
				continue // R̄ keeps the interior rates
			}
			pi := p.Pi(n1, n2)
			for i := -1; i <= 1; i++ {
				for j := -1; j <= 1; j++ {
					m1, m2 := n1+i, n2+j
					if i == 0 && j == 0 || m1 < 0 || m2 < 0 || m1 > b.N || m2 > b.N {
						continue
					}
					if dq := p.Rate(n1, n2, i, j) - w.Rate(n1, n2, i, j); dq != 0 {
						o.Identity += pi * dq * (V(m1, m2) - V(n1, n2))
					}
				}
			}
		}
	}
	o.Residual = math.Abs(fbar - o.F - o.Identity)
	for n := 1; n <= 4; n++ {
		o.DVh = append(o.DVh, V(n-1, 0)-V(n, 0))
		o.DVv = append(o.DVv, V(0, n-1)-V(0, n))
	}
	// Floors.
	const top = 60
	for ax, vertical := range []bool{false, true} {
		y := make([]float64, top+1)
		for n := 1; n <= top; n++ {
			n1, n2 := n, 0
			if vertical {
				n1, n2 = 0, n
			}
			for i := -1; i <= 1; i++ {
				for j := -1; j <= 1; j++ {
					if (i != 0 || j != 0) && n1+i >= 0 && n2+j >= 0 {
						y[n] = max(y[n], math.Abs(V(n1+i, n2+j)-V(n1, n2)))
					}
				}
			}
		}
		wts := p.AxisWeights(2, vertical)
		bb, val := affineMajorant(y[1:], wts[0], wts[1])
		if ax == 0 {
			o.FloorB1 = bb
		} else {
			o.FloorB2 = bb
		}
		o.FloorValue += val
	}
	for _, u := range [][2]int{{1, 0}, {0, 1}, {1, 1}} {
		o.FloorB3 = max(o.FloorB3, math.Abs(V(u[0], u[1])-V(0, 0)))
	}
	_, _, dr := p.Deltas()
	o.FloorValue += dr * o.FloorB3 * p.Mass0()
	return o, nil
}

// affineMajorant returns (b0, b1), b1 ≥ 0, with b0 + b1 n ≥ y[n−1] for n = 1..len(y)
// minimising w0 b0 + w1 b1 (weights ≥ 0), and the minimum: the best vertex among the lines
// through two points and the horizontal line through the largest. O(len(y)³).
func affineMajorant(y []float64, w0, w1 float64) ([2]float64, float64) {
	ymax := 0.0
	for _, v := range y {
		ymax = max(ymax, v)
	}
	best, bestVal := [2]float64{ymax, 0}, w0*ymax
	for a := range y {
		for c := a + 1; c < len(y); c++ {
			b1 := (y[c] - y[a]) / float64(c-a)
			if b1 < 0 {
				continue
			}
			b0 := y[a] - b1*float64(a+1)
			ok := true
			for n, v := range y {
				if b0+b1*float64(n+1) < v*(1-1e-12) {
					ok = false
					break
				}
			}
			if val := w0*b0 + w1*b1; ok && val < bestVal {
				best, bestVal = [2]float64{b0, b1}, val
			}
		}
	}
	return best, bestVal
}
