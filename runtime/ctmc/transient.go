package ctmc

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/linalg"
)

// TransientSettings controls Transient. The zero value (or nil) selects the defaults.
type TransientSettings struct {
	// Epsilon is the target bound on the ℓ₁ truncation error of the last distribution,
	// split evenly over the time steps; 0 means 1e-12.
	Epsilon float64
	// Cumulative asks for ∫₀^{t_i} p(s) ds as well.
	Cumulative bool
	// MaxTerms bounds the number of matrix–vector products of one time step (the Poisson
	// right truncation point); 0 means 1e8.
	MaxTerms int
	// Prune is the ℓ₁ mass adaptive uniformisation may drop (added to Epsilon); 0 means
	// 1e-10, negative turns adaptive uniformisation off. It is used for chains of more than
	// AdaptiveMin states, without Cumulative.
	Prune float64
}

// AdaptiveMin is the number of states from which Transient uses adaptive uniformisation
// with pruning (adaptiveTransient) when it can.
const AdaptiveMin = 20000

// TransientResult holds the transient distributions p(t_i) = p₀ e^{Q t_i}.
type TransientResult struct {
	// Times are the requested times.
	Times []float64
	// P[i] is the distribution at Times[i].
	P [][]float64
	// Epsilon[i] bounds ‖P[i] − p(t_i)‖₁ (Fox–Glynn truncation, accumulated over the steps;
	// floating-point round-off, of order 1e-16 per term, is not included).
	Epsilon []float64
	// Cumulative[i] is ∫₀^{t_i} p(s) ds (nil unless asked for); its entries sum to t_i up
	// to CumulativeEpsilon[i].
	Cumulative [][]float64
	// CumulativeEpsilon[i] bounds the ℓ₁ truncation error of Cumulative[i] (round-off
	// excluded; the sums are blocked to keep it near 1e-15 relative).
	CumulativeEpsilon []float64
	// Rate is the uniformisation rate q = max_i |Q_ii|.
	Rate float64
	// Products is the number of vector–matrix products used.
	Products int
	// Restarts is the number of steps of adaptive uniformisation started again at a
	// larger rate (their products are not counted in Products).
	Restarts int
	// rows is the number of rows multiplied by adaptive uniformisation, over all its
	// products (restarted ones included), and rebuilds the number of rebuilds of its
	// working set (for the tests and benchmarks).
	rows, rebuilds int
}

// UniformisationRate returns q = max_i |Q_ii|, the smallest rate for which P = I + Q/q is
// stochastic. O(E).
func UniformisationRate(q *linalg.CSR) float64 {
	r := 0.0
	for i := 0; i < q.Rows; i++ {
		for p := q.RowPtr[i]; p < q.RowPtr[i+1]; p++ {
			if int(q.Col[p]) == i && -q.Val[p] > r {
				r = -q.Val[p]
			}
		}
	}
	return r
}

// Transient returns p(t) = p₀ e^{Qt} at each of the non-decreasing times (all ≥ 0) by
// uniformisation: with q = max_i |Q_ii| and P = I + Q/q,
//
//	p(t + Δ) = Σ_k Poisson(k; qΔ) · p(t) P^k,
//
// the sum truncated to the Fox–Glynn window of FoxGlynn(qΔ, ε/len(times)). Each step starts
// from the previous time's vector. With s.Cumulative it also returns ∫₀^{t} p(s) ds,
// accumulating over each step (1/q) Σ_k P(N_{qΔ} > k) · p(t) P^k.
//
// Cost: O(E) per product, with about qΔ + O(√(qΔ)) products per step, so
// O(E·(q·t_max + Σ_i √(qΔ_i))) time in total, and O(S) memory per stored vector plus
// O(E) for the transposed generator.
//
// For a discrete-time chain (c.Discrete) the times are step counts and must be integers:
// p_{k+1} = p_k P with P = I + Q, one product per step, O(E·t_max) time; the optional
// cumulative law is Σ_{j=0}^{t−1} p_j (docs/language.md §6.10), Epsilon and CumulativeEpsilon are 0
// (no truncation: only round-off, about 1e-16 per step) and Rate is 1.
//
// A continuous-time chain of AdaptiveMin states or more, without Cumulative and from a
// p₀ ≥ 0, is solved by adaptive uniformisation with pruning instead (adaptiveTransient):
// the rate follows the states carrying mass, and the mass dropped, about s.Prune, is added
// to Epsilon.
//
// When ctx is done, Transient stops within 1024 products and returns an error wrapping
// ctx.Err().
func Transient(ctx context.Context, c *Chain, p0 []float64, times []float64, s *TransientSettings) (*TransientResult, error) {
	var set TransientSettings
	if s != nil {
		set = *s
	}
	if set.Epsilon <= 0 {
		set.Epsilon = 1e-12
	}
	if set.MaxTerms <= 0 {
		set.MaxTerms = 1e8
	}
	n := c.NumStates()
	if len(p0) != n {
		return nil, fmt.Errorf("ctmc: initial distribution has length %d, want %d states", len(p0), n)
	}
	prev := 0.0
	for i, t := range times {
		if !(t >= prev) || math.IsInf(t, 0) {
			if i == 0 {
				return nil, fmt.Errorf("ctmc: transient time %v must be finite and ≥ 0", t)
			}
			return nil, fmt.Errorf("ctmc: transient times must be finite and non-decreasing (%v after %v)", t, prev)
		}
		prev = t
	}
	if c.Discrete {
		return discreteTransient(ctx, c, p0, times, set.Cumulative)
	}
	if set.Prune == 0 {
		set.Prune = 1e-10
	}
	if set.Prune > 0 && !set.Cumulative && n >= AdaptiveMin && len(times) > 0 && !slices.ContainsFunc(p0, func(x float64) bool { return !(x >= 0) }) {
		return adaptiveTransient(ctx, c, p0, times, set.Epsilon, set.Prune, set.MaxTerms)
	}
	q := UniformisationRate(c.Q)
	res := &TransientResult{Times: append([]float64(nil), times...), Rate: q}
	u := newUniformiser(c.Q, q)
	cur := append([]float64(nil), p0...)
	var cum []float64
	if set.Cumulative {
		cum = make([]float64, n)
	}
	errP, errC := 0.0, 0.0
	eps := set.Epsilon / float64(max(1, len(times)))
	last := 0.0
	for _, t := range times {
		dt := t - last
		switch {
		case dt > 0 && q == 0:
			// No transitions: p stays put.
			if cum != nil {
				for j, v := range cur {
					cum[j] += dt * v
				}
			}
		case dt > 0:
			var stepCum []float64
			if cum != nil {
				stepCum = make([]float64, n)
			}
			next, fg, err := u.step(ctx, cur, q*dt, eps, stepCum, set.MaxTerms)
			if err != nil {
				return nil, err
			}
			res.Products += fg.Right
			if cum != nil {
				for j := range cum {
					cum[j] += stepCum[j]
				}
				// ∫ over the step of the error carried in p(t), plus the truncated weights:
				// (1/q)[(R+1)·ε_FG + E(N−R−1)⁺].
				errC += dt*errP + (float64(fg.Right+1)*fg.Epsilon+fg.TailMean)/q
			}
			errP += fg.Epsilon
			cur = next
		}
		last = t
		res.P = append(res.P, append([]float64(nil), cur...))
		res.Epsilon = append(res.Epsilon, errP)
		if cum != nil {
			res.Cumulative = append(res.Cumulative, append([]float64(nil), cum...))
			res.CumulativeEpsilon = append(res.CumulativeEpsilon, errC)
		}
	}
	return res, nil
}

// cumBlock is the block length of the cumulative sums of step.
const cumBlock = 512

// uniformiser applies v ↦ v P = v + (v Q)/q as a gather over the transposed generator.
type uniformiser struct {
	qt   *linalg.CSR
	invq float64
}

func newUniformiser(q *linalg.CSR, rate float64) *uniformiser {
	u := &uniformiser{qt: q.Transpose()}
	if rate > 0 {
		u.invq = 1 / rate
	}
	return u
}

// mul sets dst = v P = v + (v Q)/q. O(E): the product is linalg's (row slices hoisted,
// large ones split over the cores), with the same sums in the same order as before.
func (u *uniformiser) mul(dst, v []float64) {
	u.qt.MulVec(dst, v)
	dst = dst[:len(v)]
	for j, x := range v {
		dst[j] = x + dst[j]*u.invq
	}
}

// step returns Σ_{k=L}^{R} ŵ_k v P^k for the Poisson(lambda) window of FoxGlynn(lambda,
// eps); if cum is non-nil it adds (1/q) Σ_{k=0}^{R} (1 − F̂_k) v P^k to it, where F̂ is the
// distribution function of the window's weights.
func (u *uniformiser) step(ctx context.Context, v []float64, lambda, eps float64, cum []float64, maxTerms int) ([]float64, *PoissonWeights, error) {
	n := len(v)
	out := make([]float64, n)
	fg, err := FoxGlynn(lambda, eps)
	if err != nil {
		return nil, nil, err
	}
	if fg.Right > maxTerms {
		return nil, nil, fmt.Errorf("ctmc: uniformisation needs %d terms for q·Δt = %.4g, more than the limit %d", fg.Right, lambda, maxTerms)
	}
	x := append([]float64(nil), v...)
	y := make([]float64, n)
	// tail[k−L] = Σ_{j>k} ŵ_j, summed from the right so that small tails keep their
	// relative accuracy (1 − F̂_k would cancel).
	var tail []float64
	var blk []float64
	if cum != nil {
		tail = make([]float64, len(fg.Weights))
		for i := len(fg.Weights) - 2; i >= 0; i-- {
			tail[i] = tail[i+1] + fg.Weights[i+1]
		}
		// The cumulative sum runs over up to λ + O(√λ) terms: they are added in blocks of
		// cumBlock to limit the round-off to about (cumBlock + R/cumBlock) ulps.
		blk = make([]float64, n)
	}
	report, finish := runtime.StartProgress(ctx, "uniformisation (matrix–vector products)", int64(fg.Right+1))
	defer finish()
	for k := 0; k <= fg.Right; k++ {
		if k%64 == 0 {
			report(int64(k), int64(fg.Right+1))
		}
		if k >= fg.Left {
			w := fg.Weights[k-fg.Left]
			for i, xi := range x {
				out[i] += w * xi
			}
		}
		if cum != nil {
			c := u.invq
			if k >= fg.Left {
				c *= tail[k-fg.Left]
			}
			if c > 0 {
				for i, xi := range x {
					blk[i] += c * xi
				}
			}
			if k%cumBlock == cumBlock-1 || k == fg.Right {
				for i, b := range blk {
					cum[i] += b
					blk[i] = 0
				}
			}
		}
		if k%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, fmt.Errorf("ctmc: uniformisation stopped after %d products: %w", k, err)
			}
		}
		if k < fg.Right {
			u.mul(y, x)
			x, y = y, x
		}
	}
	return out, fg, nil
}

// discreteTransient steps the law of a discrete-time chain: p_{k+1} = p_k + p_k Q. The times
// have been checked to be finite, ≥ 0 and non-decreasing. O(E·t_max).
func discreteTransient(ctx context.Context, c *Chain, p0 []float64, times []float64, cumulative bool) (*TransientResult, error) {
	for _, t := range times {
		if t != math.Trunc(t) {
			return nil, fmt.Errorf("ctmc: time %v of a discrete-time chain is not an integer number of steps", t)
		}
	}
	n := c.NumStates()
	res := &TransientResult{Times: append([]float64(nil), times...), Rate: 1}
	u := newUniformiser(c.Q, 1)
	cur := append([]float64(nil), p0...)
	nxt := make([]float64, n)
	var cum []float64
	if cumulative {
		cum = make([]float64, n)
	}
	k := 0.0
	for _, t := range times {
		for ; k < t; k++ {
			if res.Products%ctxEvery == 0 {
				if err := ctx.Err(); err != nil {
					return nil, fmt.Errorf("ctmc: stepping stopped after %d steps: %w", res.Products, err)
				}
			}
			if cum != nil {
				for j, v := range cur {
					cum[j] += v
				}
			}
			u.mul(nxt, cur)
			cur, nxt = nxt, cur
			res.Products++
		}
		res.P = append(res.P, append([]float64(nil), cur...))
		res.Epsilon = append(res.Epsilon, 0)
		if cum != nil {
			res.Cumulative = append(res.Cumulative, append([]float64(nil), cum...))
			res.CumulativeEpsilon = append(res.CumulativeEpsilon, 0)
		}
	}
	return res, nil
}
