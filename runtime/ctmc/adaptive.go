package ctmc

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/mfcproject/mfc/runtime"
)

// adaptiveLambda is the largest q·h of one step of adaptive uniformisation. The Fox–Glynn
// window of a step takes about λ + 7√λ products, so short steps waste a share 7/√λ of
// them (8 % at λ = 8 192), while the rate, taken over the states carrying mass at the start
// of a step and raised (the step restarted) when the mass reaches a faster state, follows
// the mass less closely in long steps. On examples/sir.mf (501 501 states, t = 5): 10 527
// products at λ = 4 096, 10 132 at 8 192.
const adaptiveLambda = 8192

// rateSlack is the factor by which the rate of a step exceeds the exit rates of the
// states carrying mass at its start.
const rateSlack = 1.05

// The working set W of adaptive uniformisation extends by a margin of minMargin …
// maxMargin transitions beyond the states carrying mass (the margin grows while the mass
// on its last shells is not negligible, and shrinks by one at each periodic rebuild); W is
// rebuilt around the mass when the mass on the margin's last two shells exceeds the
// per-product budget, or after windowEvery products.
const (
	minMargin   = 4
	maxMargin   = 64
	windowEvery = 512
)

// adaptiveTransient is Transient (without Cumulative) by adaptive uniformisation with
// pruning, for a law p₀ ≥ 0 that occupies a small part of a large chain (a point mass
// spreading in a band of its state space):
//
//   - the time is cut into steps of q_A·h ≤ adaptiveLambda, where q_A bounds the exit rates
//     of the states carrying mass during the step (rateSlack above those at its start), not
//     the chain's largest: a step whose mass reaches a faster state (beyond an eighth of
//     the per-product budget) starts again with a larger q_A;
//   - the products v ↦ vP_A, P_A = I + Q/q_A, run on a working set W (window) of the
//     states carrying mass and a margin around them, none faster than q_A, renumbered
//     locally, with dense vectors and P_A in gather form, the Poisson sum fused in;
//   - mass is dropped: what the products send out of W (to slower states beyond the
//     margin, or to faster ones), the entries of v below a cut when W is rebuilt (within a
//     budget of prune/2 spread over the products), the states of the law faster than q_A
//     at the start of a step (at most one product's budget), and the smallest entries of
//     the law at the end of each step (pruneSmallest, prune/2 spread over the time).
//
// The bound: on the states of W, P_A is stochastic, so the terms v_k are the sub-probability
// laws after k ticks of the chain uniformised at rate q_A and killed when mass is dropped,
// which follows the true chain path by path until it is killed. The computed law of a step
// therefore differs from the true one (from the same start) by at most the mass killed
// (the mass dropped) plus the Fox–Glynn truncation, and the error at the start of a step
// carries over without growth (e^{Qh} is a contraction in ℓ₁). Epsilon[i] is the sum of
// these: a certified bound on ‖P[i] − p(t_i)‖₁, round-off excluded.
//
// Cost: O(Σ over products of the stored entries of P_A on W), plus O(|W|·row length) per
// rebuild of W, and O(E) memory for the transposed generator.
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
	tEnd := times[len(times)-1]
	qmax := UniformisationRate(q)
	a := &adaptive{win: newWindow(q, exit), x: append([]float64(nil), p0...), outG: make([]float64, n), mark: make([]bool, n), margin: minMargin,
		// Half of the budget is for the steps' pruning (pruneSmallest), half for the mass
		// dropped within the steps, spread over the products the whole horizon may take.
		perProduct: prune / 2 / (1.5*qmax*tEnd + 100)}
	prune /= 2
	for i, v := range a.x {
		if v != 0 {
			a.act = append(a.act, int32(i))
		}
	}
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
			qa := a.rate(exit)
			if qa == 0 {
				last = t // no state carrying mass can move
				break
			}
			qa *= rateSlack
			for {
				h := math.Min(t-last, adaptiveLambda/qa)
				fg, err := FoxGlynn(qa*h, math.Max(eps*h/tEnd, 1e-300))
				if err != nil {
					return nil, err
				}
				if fg.Right > maxTerms {
					return nil, fmt.Errorf("ctmc: uniformisation needs %d terms for q·Δt = %.4g, more than the limit %d", fg.Right, qa*h, maxTerms)
				}
				faster, err := a.step(ctx, fg, qa)
				if err != nil {
					return nil, err
				}
				if faster == 0 {
					res.Products += fg.Right
					errP += fg.Epsilon + a.dropped + pruneSmallest(a.x, &a.act, prune*h/tEnd)
					last += h
					if t-last < 1e-15*math.Max(1, t) {
						last = t
					}
					break
				}
				// The mass reached a state faster than qa: start the step again at a rate
				// that covers it.
				res.Restarts++
				qa = faster * rateSlack
			}
		}
		res.P = append(res.P, append([]float64(nil), a.x...))
		res.Epsilon = append(res.Epsilon, errP)
	}
	res.Rate = qmax
	res.rows, res.rebuilds = a.rows, a.rebuilds
	return res, nil
}

// adaptive holds the state of adaptiveTransient between its steps.
type adaptive struct {
	win        *window
	x          []float64 // the law at the start of the step, 0 outside act
	act        []int32
	outG       []float64 // the step's result over all states, 0 outside ol
	mark       []bool    // in ol
	ol         []int32
	v, w, out  []float64 // over W: the current term, the next, the step's sum
	perProduct float64   // budget of dropped mass per product
	allow      float64   // budget not yet used
	dropped    float64   // mass dropped by the last step
	margin     int       // the margin of W, in transitions (minMargin … maxMargin)
	oldGlob    []int32   // W and v before a rebuild
	oldV       []float64
	core       []int32
	rows       int // Σ over products of |W|
	rebuilds   int
}

// step runs one step of adaptive uniformisation at rate qa with the Poisson weights fg from
// the law x, and on success sets x (and act) to the result and dropped to the mass
// dropped within the step. If the mass reaches a state of exit rate above qa (beyond an
// eighth of the per-product budget), it leaves x as it was and returns the largest exit
// rate reached (faster > 0).
func (a *adaptive) step(ctx context.Context, fg *PoissonWeights, qa float64) (faster float64, err error) {
	win := a.win
	win.build(a.act, a.margin, qa)
	a.load()
	a.dropped = 0
	for _, g := range a.act {
		if l := win.loc[g]; l != 0 {
			a.v[l-1] = a.x[g]
		} else {
			a.dropped += a.x[g] // faster than qa (rate)
		}
	}
	allow := a.allow
	since := 0
	tau := a.perProduct / 8 // the fast leak that restarts the step
	for k := 0; ; k++ {
		if k%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return 0, fmt.Errorf("ctmc: uniformisation stopped after %d products: %w", k, err)
			}
		}
		acc := k >= fg.Left
		wk := 0.0
		if acc {
			wk = fg.Weights[k-fg.Left]
		}
		if k == fg.Right {
			out, v := a.out[:len(a.v)], a.v
			for j, vj := range v {
				out[j] += wk * vj
			}
			break
		}
		far, fast, fe := win.leak(a.v)
		win.product(a.w, a.v, a.out, wk, acc)
		a.rows += win.size()
		a.v, a.w = a.w, a.v
		a.dropped += far + fast
		allow += a.perProduct - far - fast
		since++
		if fast > tau {
			for _, i := range a.ol {
				a.outG[i], a.mark[i] = 0, false
			}
			a.ol = a.ol[:0]
			return fe, nil
		}
		if since >= windowEvery || win.edgeMass(a.v) > a.perProduct {
			if since >= windowEvery {
				a.margin = max(minMargin, a.margin-1)
			}
			a.rebuilds++
			d := a.rewindow(math.Max(allow, 0), qa)
			a.dropped += d
			allow -= d
			since = 0
		}
	}
	a.flush()
	a.allow = allow
	// x = the step's result, with its own list; outG is cleared.
	for _, i := range a.act {
		a.x[i] = 0
	}
	a.act = a.act[:0]
	for _, i := range a.ol {
		a.x[i], a.outG[i], a.mark[i] = a.outG[i], 0, false
		if a.x[i] != 0 {
			a.act = append(a.act, i)
		}
	}
	a.ol = a.ol[:0]
	return 0, nil
}

// rate returns the smallest exit rate q such that the states of x faster than q carry at
// most perProduct of its mass (which the step drops), or the largest exit rate of x's
// states if that is 0. O(|act| log |act|).
func (a *adaptive) rate(exit []float64) float64 {
	a.core = append(a.core[:0], a.act...)
	slices.SortFunc(a.core, func(i, j int32) int { return cmp.Compare(exit[j], exit[i]) })
	if len(a.core) == 0 {
		return 0
	}
	mass := 0.0
	for _, i := range a.core {
		if mass += a.x[i]; mass > a.perProduct && exit[i] > 0 {
			return exit[i]
		}
	}
	return exit[a.core[0]]
}

// load sizes the vectors over W to the window, with zero entries.
func (a *adaptive) load() {
	nw := a.win.size()
	a.v, a.w, a.out = resize(a.v, nw), resize(a.w, nw), resize(a.out, nw)
	clear(a.v)
	clear(a.out)
}

// flush adds the step's sum over W into outG.
func (a *adaptive) flush() {
	for j, g := range a.win.glob {
		if o := a.out[j]; o != 0 {
			if !a.mark[g] {
				a.mark[g] = true
				a.ol = append(a.ol, g)
			}
			a.outG[g] += o
		}
	}
}

// rewindow rebuilds W around the mass of v: it flushes the step's sum, keeps the entries
// of v from the smallest binary exponent such that the mass below stays within budget,
// and makes W those states and the margin around them. The states that leave W lose their
// mass, which it returns (at most budget). O(|W| plus the cost of window.build).
func (a *adaptive) rewindow(budget, qa float64) float64 {
	a.flush()
	win := a.win
	nw := win.size()
	v := a.v[:nw]
	var mass [2048]float64 // by biased binary exponent; v ≥ 0
	for _, x := range v {
		mass[math.Float64bits(x)>>52] += x
	}
	cut, sum := uint64(0), 0.0
	for b := range mass {
		if sum+mass[b] > budget {
			break
		}
		sum += mass[b]
		cut = uint64(b) + 1
	}
	cut = max(cut, 1) // zeros never form the core
	a.oldGlob = append(a.oldGlob[:0], win.glob...)
	a.oldV = append(a.oldV[:0], v...)
	a.core = a.core[:0]
	for j, x := range v {
		if math.Float64bits(x)>>52 >= cut {
			a.core = append(a.core, a.oldGlob[j])
		}
	}
	// The margin grows until the mass on its last shells is well below the level that
	// triggers the next rebuild.
	for {
		win.build(a.core, a.margin, qa)
		a.load()
		dropped := 0.0
		for j, g := range a.oldGlob {
			if l := win.loc[g]; l != 0 {
				a.v[l-1] = a.oldV[j]
			} else {
				dropped += a.oldV[j]
			}
		}
		if a.margin >= maxMargin || win.edgeMass(a.v) <= a.perProduct/4 {
			return dropped
		}
		a.margin = min(maxMargin, a.margin*3/2)
	}
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
