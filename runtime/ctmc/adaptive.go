package ctmc

import (
	"context"
	"fmt"
	"math"

	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/linalg"
)

// adaptiveLambda is the largest q·h of one step of adaptive uniformisation. The Fox–Glynn
// window of a step takes about λ + 6√λ products, so short steps waste a share 6/√λ of
// them (27 % at λ = 512), while the rate, taken over the states carrying mass at the start
// of a step and raised (the step restarted) when the mass reaches a faster state, follows
// the mass less closely in long steps. On examples/sir.mf (501 501 states, t = 5) the
// products fall with λ and flatten: 12 650 at 512, 11 678 at 1 024, 10 988 at 2 048,
// 10 520 at 4 096, 10 105 at 8 192.
const adaptiveLambda = 4096

// adaptiveTransient is Transient (without Cumulative) by adaptive uniformisation with
// pruning, for a law that occupies a small part of a large chain (a point mass spreading
// in a band of its state space):
//
//   - the time is cut into steps of q_A·h ≤ adaptiveLambda, where q_A bounds the exit rates of the
//     states carrying mass during the step, not the chain's largest: a step that reaches a
//     state of larger exit rate starts again with a larger q_A;
//   - each product v ↦ vP = v + vQ/q_A scatters over the rows of the states in v only;
//   - entries of v below a threshold are dropped. P_A = I + Q/q_A is stochastic on the
//     states the step reaches, so the ℓ₁ error this adds to the step's result is at most
//     the mass dropped; the threshold keeps that sum within prune (split over the
//     expected products), and the mass actually dropped is added to Epsilon.
//
// Epsilon[i] is then a certified bound on ‖P[i] − p(t_i)‖₁ (Fox–Glynn truncation plus the
// dropped mass; round-off excluded). Cost: O(Σ over products of the stored entries of the
// rows carrying mass).
func adaptiveTransient(ctx context.Context, c *Chain, p0 []float64, times []float64, eps, prune float64, maxTerms int) (*TransientResult, error) {
	q := c.Q
	n := c.NumStates()
	exit := make([]float64, n)
	for i := 0; i < n; i++ {
		for p := q.RowPtr[i]; p < q.RowPtr[i+1]; p++ {
			if int(q.Col[p]) == i {
				exit[i] = -q.Val[p]
			}
		}
	}
	res := &TransientResult{Times: append([]float64(nil), times...)}
	x := append([]float64(nil), p0...)
	var act []int32
	for i, v := range x {
		if v != 0 {
			act = append(act, int32(i))
		}
	}
	// Work vectors over all states, kept at zero outside their lists.
	v, w, out := make([]float64, n), make([]float64, n), make([]float64, n)
	mark := make([]bool, n)  // in out's list
	markW := make([]bool, n) // in w's list
	var vl, wl, ol []int32
	tEnd := times[len(times)-1]
	qmax := UniformisationRate(q)
	// Half of the budget is for the steps' pruning (pruneSmallest), half for dropping
	// underflow-level entries within the series, spread over the products the whole
	// horizon may take.
	perProduct := prune / 2 / (1.5*qmax*tEnd + 100)
	prune /= 2
	eps = eps / math.Max(1, math.Ceil(qmax*tEnd/adaptiveLambda))
	errP := 0.0
	report, finish := runtime.StartProgress(ctx, "adaptive uniformisation (time)", 1000)
	defer finish()
	last := 0.0
	for _, t := range times {
		for last < t {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("ctmc: adaptive uniformisation stopped at t = %g: %w", last, err)
			}
			report(int64(1000*last/math.Max(tEnd, 1e-300)), 1000)
			qa := 0.0
			for _, i := range act {
				qa = math.Max(qa, exit[i])
			}
			if qa == 0 {
				last = t // no state carrying mass can move
				break
			}
			qa *= 1.05
		retry:
			h := math.Min(t-last, adaptiveLambda/qa)
			fg, err := FoxGlynn(qa*h, eps)
			if err != nil {
				return nil, err
			}
			if fg.Right > maxTerms {
				return nil, fmt.Errorf("ctmc: uniformisation needs %d terms for q·Δt = %.4g, more than the limit %d", fg.Right, qa*h, maxTerms)
			}
			// v = x; out = 0.
			vl = vl[:0]
			for _, i := range act {
				v[i] = x[i]
				vl = append(vl, i)
			}
			ol = ol[:0]
			dropped := 0.0
			raised := false
			for k := 0; k <= fg.Right; k++ {
				if k >= fg.Left {
					wk := fg.Weights[k-fg.Left]
					for _, i := range vl {
						if !mark[i] {
							mark[i] = true
							ol = append(ol, i)
						}
						out[i] += wk * v[i]
					}
				}
				if k == fg.Right {
					break
				}
				// w = v P_A, scattered over the rows of v's states. (Two goroutines on halves
				// of v, with a merge, were slower: the product is bound by memory latency.)
				wl = scatter(w, markW, wl[:0], v, vl, q, 1/qa)
				// Drop the entries of negligible mass within the budget; check the rate.
				tau := perProduct / float64(max(1, len(wl)))
				vl = vl[:0]
				for _, j := range wl {
					markW[j] = false
					if exit[j] > qa && w[j] != 0 {
						raised = true
						qa = exit[j] * 1.05
					}
					if math.Abs(w[j]) < tau {
						dropped += math.Abs(w[j])
						w[j] = 0
						continue
					}
					vl = append(vl, j)
				}
				v, w = w, v
				if raised {
					break
				}
			}
			if raised {
				// The step reached a state faster than qa: clear and start it again.
				for _, i := range vl {
					v[i] = 0
				}
				for _, i := range ol {
					out[i], mark[i] = 0, false
				}
				goto retry
			}
			for _, i := range vl {
				v[i] = 0
			}
			res.Products += fg.Right
			// x = out, with its own list; clear out.
			for _, i := range act {
				x[i] = 0
			}
			act = act[:0]
			for _, i := range ol {
				x[i], out[i], mark[i] = out[i], 0, false
				if x[i] != 0 {
					act = append(act, i)
				}
			}
			// Prune x: drop its smallest entries, in whole binary orders of magnitude, as long as
			// their mass stays within this step's share of the budget.
			dropped += pruneSmallest(x, &act, prune*h/math.Max(tEnd, 1e-300))
			errP += fg.Epsilon + dropped
			last += h
			if t-last < 1e-15*math.Max(1, t) {
				last = t
			}
		}
		res.P = append(res.P, append([]float64(nil), x...))
		res.Epsilon = append(res.Epsilon, errP)
	}
	res.Rate = qmax
	return res, nil
}

// pruneSmallest sets to 0 the entries of x (listed in act, which it updates) whose binary
// exponent is below a cut, the highest cut whose dropped mass is at most budget, and
// returns the mass dropped. O(len(act)).
func pruneSmallest(x []float64, act *[]int32, budget float64) float64 {
	const bins = 2100 // binary exponents of float64, −1074 … 1023, shifted
	var mass [bins]float64
	for _, i := range *act {
		_, e := math.Frexp(x[i])
		mass[min(max(e+1075, 0), bins-1)] += math.Abs(x[i])
	}
	cut, sum := 0, 0.0
	for b := 0; b < bins; b++ {
		if sum+mass[b] > budget {
			break
		}
		sum += mass[b]
		cut = b + 1
	}
	if cut == 0 {
		return 0
	}
	dropped := 0.0
	kept := (*act)[:0]
	for _, i := range *act {
		_, e := math.Frexp(x[i])
		if e+1075 < cut {
			dropped += math.Abs(x[i])
			x[i] = 0
			continue
		}
		kept = append(kept, i)
	}
	*act = kept
	return dropped
}

// scatter adds to w the product vP = v + vQ·inv over the states vl of v (setting their v to
// 0), appending to wl the states of w it touches first (marked in mark), and returns wl.
func scatter(w []float64, mark []bool, wl []int32, v []float64, vl []int32, q *linalg.CSR, inv float64) []int32 {
	rowPtr, cols, vals := q.RowPtr, q.Col, q.Val
	for _, i := range vl {
		vi := v[i]
		v[i] = 0
		// The diagonal of Q is among the row's entries.
		if !mark[i] {
			mark[i] = true
			wl = append(wl, i)
		}
		w[i] += vi
		sc := vi * inv
		lo, hi := rowPtr[i], rowPtr[i+1]
		rc, rv := cols[lo:hi], vals[lo:hi]
		rv = rv[:len(rc)]
		for k, j := range rc {
			if !mark[j] {
				mark[j] = true
				wl = append(wl, j)
			}
			w[j] += sc * rv[k]
		}
	}
	return wl
}
