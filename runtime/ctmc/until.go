package ctmc

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
)

// UntilSettings controls TimeVaryingUntil. The zero value (or nil) selects the defaults.
type UntilSettings struct {
	// MassTol stops the recursion once the probability left in the continuation set C (the
	// states outside R) is at most MassTol; 0 means 1e-14.
	MassTol float64
	// MaxSteps bounds the steps of a discrete-time chain, and MaxTime the time of a
	// continuous-time one, over which C must be left; 0 means 1e7 steps and 1e7 time units.
	// The recursion is refused earlier when the observed decay of the mass in C predicts
	// that it would need more.
	MaxSteps int
	MaxTime  float64
	// Flow controls the integration of a continuous-time chain (its Tol, MaxSteps and
	// Limits); Limits below bounds the states found (both time kinds).
	Flow   FlowSettings
	Limits Limits
}

// UntilResult is the value of an until measure of a time-inhomogeneous chain.
type UntilResult struct {
	// Value is E Σ_{j=0}^{τ} f(X_j) (discrete time, the reward at the hitting step included)
	// or E ∫₀^τ f(X_s) ds (continuous time), summed up to the stopping step (time) Horizon.
	Value float64
	// MassLeft is the probability still in C at Horizon (at most MassTol), and Decay the
	// rate at which it decayed over the last stretch of the recursion: a factor ρ < 1 per
	// step in discrete time, a rate κ > 0 per time unit in continuous time.
	MassLeft, Decay float64
	// Bound estimates the reward left out, assuming that the mass in C keeps decaying at
	// the observed rate: MassLeft·(sup_C|f|/(1 − ρ) + sup_R|f|) in discrete time,
	// MassLeft·sup_C|f|/κ (plus the ODE's error bound, ErrorBound) in continuous time.
	Bound float64
	// ErrorBound bounds the integration error of a continuous-time Value (the ℓ₁ error of
	// the laws, FlowResult, times sup|f|); 0 in discrete time, where the recursion is exact
	// up to round-off.
	ErrorBound float64
	// Horizon is the number of steps (discrete) or the time (continuous) at which the
	// recursion stopped; Steps the steps taken (continuous time: accepted ODE steps).
	Horizon float64
	Steps   int
	// Chain indexes the states (as StepResult.Chain).
	Chain *Chain
}

// ErrNotLeft is the error of TimeVaryingUntil when the chain does not leave the
// continuation set with probability 1 (or not within the step or time limit).
var ErrNotLeft = errors.New("ctmc: the chain does not leave the continuation set (the states outside the until region) with probability 1 within the limit, so the until measure is infinite or undefined")

// stateNodes evaluates graph nodes at the states of a growing chain, at a fixed time.
type stateNodes struct {
	c     *Chain
	m     *runtime.Model
	tape  *ir.Tape
	vals  []float64
	local *ir.Inputs
	out   [][]float64
}

func newStateNodes(c *Chain, m *runtime.Model, in *ir.Inputs, nodes []ir.NodeID) *stateNodes {
	tape := m.IR.Graph.Compile(nodes)
	return &stateNodes{c: c, m: m, tape: tape, vals: make([]float64, tape.Len()), local: stateInputs(m, in), out: make([][]float64, len(nodes))}
}

// sync evaluates the nodes at the states added since the last call. O(tape) per new state.
func (s *stateNodes) sync() {
	n := s.c.NumStates()
	for i := len(s.out[0]); i < n; i++ {
		setState(s.c, s.m, s.local, i)
		s.tape.Eval(s.vals, s.local)
		for k := range s.out {
			s.out[k] = append(s.out[k], s.tape.Output(s.vals, k))
		}
	}
}

// TimeVaryingUntil returns the until measure until(f, R) (docs/language.md §6.10) of a
// time-inhomogeneous chain started from p0 at t₀ = in.Time: the law restricted to the
// continuation set C (the states outside R) is carried forward with the propensities
// re-evaluated at every time, the reward is collected on C, and the mass entering R is
// kept there (R is absorbing for the recursion). In discrete time the law steps
// p_{k+1} = p_k P(t₀ + k) on C, the value is Σ_k p_k|_C·f plus, at the end, the reward
// p|_R·f of the mass collected in R, which includes the reward at the hitting step
// (pitfall 9 of the seed digest 004; a start in R gives f(X₀)). In continuous time the
// killed forward equation p' = p·Q(t) (R absorbing) is integrated by Flow with
// ∫ p|_C·f dt as one more component.
//
// The recursion stops when the mass left in C is at most s.MassTol; the reward left out
// is estimated in UntilResult.Bound from the observed decay of that mass. It is refused
// (ErrNotLeft) when the mass stops decaying, or decays too slowly to fall below MassTol
// within MaxSteps (MaxTime): a chain that stays in C with positive probability has an
// infinite or undefined measure unless f is 0 where it stays, which this recursion does
// not recognise. f and R are evaluated at t₀ on each state as it is found; they must not
// depend on t.
//
// Cost, discrete time: O(S_k·(tape + J·d)) per step for the S_k states of C with mass,
// O(k·S·(tape + J·d)) in all for k steps, about ln(1/MassTol)/ln(1/ρ). Continuous time: that
// of Flow up to the stopping time. Memory O(S).
func TimeVaryingUntil(ctx context.Context, c *Chain, m *runtime.Model, in *ir.Inputs, p0 []float64, f, region ir.NodeID, s *UntilSettings) (*UntilResult, error) {
	var set UntilSettings
	if s != nil {
		set = *s
	}
	if set.MassTol <= 0 {
		set.MassTol = 1e-14
	}
	if set.MaxSteps <= 0 {
		set.MaxSteps = 1e7
	}
	if set.MaxTime <= 0 {
		set.MaxTime = 1e7
	}
	if len(p0) != c.NumStates() {
		return nil, fmt.Errorf("ctmc: initial distribution has length %d, want %d states", len(p0), c.NumStates())
	}
	g := m.IR.Graph
	if g.Dep(f)&ir.DepTime != 0 || g.Dep(region)&ir.DepTime != 0 {
		return nil, errors.New("ctmc: the reward and the region of an until measure must not depend on t")
	}
	if !c.Discrete {
		return flowUntil(ctx, c, m, in, p0, f, region, &set)
	}
	t0 := in.Time
	if t0 != math.Trunc(t0) || math.IsInf(t0, 0) {
		return nil, fmt.Errorf("ctmc: start step index %v of a discrete-time model is not an integer", t0)
	}
	w := c.privateStates()
	x := newExplorer(w, m, in, set.Limits)
	nodes := newStateNodes(w, m, in, []ir.NodeID{f, region})
	nodes.sync()
	cur := append([]float64(nil), p0...)
	var nxt []float64
	var row []entry
	value := 0.0
	// hist keeps the mass in C at the last window+1 steps (a ring), for the decay rate.
	const window = 64
	var hist [window + 1]float64
	res := &UntilResult{}
	for k := 0; ; k++ {
		fv, rv := nodes.out[0], nodes.out[1]
		mass := 0.0
		for i, v := range cur {
			if v != 0 && rv[i] == 0 {
				mass += v
				value += v * fv[i]
			}
		}
		hist[k%(window+1)] = mass
		if mass <= set.MassTol {
			res.Horizon, res.MassLeft = float64(k), mass
			res.Decay = decayPerStep(hist[:], k, window)
			break
		}
		if k >= window && k%window == 0 {
			rho := decayPerStep(hist[:], k, window)
			need := math.Inf(1)
			if rho < 1 {
				need = math.Log(set.MassTol/mass) / math.Log(rho)
			}
			// A chain may wait before it leaves C (rates 0 until some time): stagnation is
			// refused after stagnantSteps steps only.
			if float64(k)+need > float64(set.MaxSteps) && (rho < 1 || k >= stagnantSteps) {
				how := "it did not decrease over the last " + fmt.Sprint(window) + " steps"
				if rho < 1 {
					how = fmt.Sprintf("it decays by a factor %.6g per step, so about %.3g more steps would be needed, beyond the limit %d", rho, need, set.MaxSteps)
				}
				return nil, fmt.Errorf("%w: after %d steps, probability %.6g is still in C; %s", ErrNotLeft, k, mass, how)
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("ctmc: until stopped after %d steps: %w", k, err)
		}
		// One step at t = t₀ + k; the mass in R stays.
		x.in.Time = t0 + float64(k)
		nxt = padTo(nxt[:0], len(cur))
		for i := range nxt {
			nxt[i] = 0
		}
		for i, v := range cur {
			if v == 0 {
				continue
			}
			if rv[i] != 0 {
				nxt[i] += v
				continue
			}
			var err error
			if nxt, row, err = stepFrom(x, w, i, v, nxt, row); err != nil {
				return nil, err
			}
		}
		cur, nxt = nxt, cur
		nodes.sync()
		res.Steps++
	}
	fv, rv := nodes.out[0], nodes.out[1]
	supC, supR := 0.0, 0.0
	for i, v := range cur {
		if rv[i] != 0 {
			value += v * fv[i]
			supR = math.Max(supR, math.Abs(fv[i]))
		} else {
			supC = math.Max(supC, math.Abs(fv[i]))
		}
	}
	res.Value = value
	if res.MassLeft > 0 {
		res.Bound = res.MassLeft * (supC/(1-math.Min(res.Decay, 1-1e-300)) + supR)
		if res.Decay >= 1 {
			res.Bound = res.MassLeft * (supC*float64(set.MaxSteps) + supR)
		}
	}
	res.Chain = c
	if w.NumStates() > c.NumStates() {
		res.Chain = w
	}
	return res, nil
}

// stagnantSteps is the number of steps (discrete time; accepted steps of the integration
// in continuous time) after which an until recursion whose mass in C has stopped decaying is
// refused.
const stagnantSteps = 4096

// decayPerStep returns the mean factor by which the mass in C decreased per step over the
// last min(k, window) steps of the ring hist (indexed k mod window+1); 0 when it fell to 0.
func decayPerStep(hist []float64, k, window int) float64 {
	l := min(k, window)
	if l == 0 {
		return 0
	}
	now, then := hist[k%(window+1)], hist[(k-l)%(window+1)]
	if now == 0 || then == 0 {
		return 0
	}
	return math.Pow(now/then, 1/float64(l))
}

// privateStates returns a copy of the states of c (without Q), which stepping may extend
// without modifying c.
func (c *Chain) privateStates() *Chain {
	return &Chain{Model: c.Model, Dim: c.Dim, Discrete: c.Discrete, Initial: c.Initial,
		keys: append([]int32(nil), c.keys...), table: append([]int32(nil), c.table...)}
}
