package ctmc

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
)

// StepSettings controls TimeVarying. The zero value (or nil) selects the defaults.
type StepSettings struct {
	// Steps lists the step counts k (integers ≥ 0, non-decreasing) at which the law of X_k
	// is returned.
	Steps []float64
	// Cumulative asks for Σ_{j=0}^{k−1} p_j at every step count k of Steps.
	Cumulative bool
	// Discount, if > 0, asks for x = Σ_{j≥0} e^{−Discount·j} p_j, the sum stopped at the
	// first J with e^{−Discount·J}/(1 − e^{−Discount}) ≤ DiscountTol.
	Discount float64
	// DiscountTol bounds the weight of the terms left out of the discounted sum; 0 means
	// 1e-13.
	DiscountTol float64
	// Limits bounds the states found while stepping (as for Explore).
	Limits Limits
}

// StepResult holds the laws of a time-inhomogeneous discrete-time chain.
type StepResult struct {
	// Chain indexes the vectors below. It is the chain given to TimeVarying when stepping
	// found no new state; otherwise a copy with the new states appended after the old ones,
	// which holds the states only (its Q is nil: use it with StateValues, Counts, Env).
	Chain *Chain
	// P[i] is the law of X_k for k = Steps[i].
	P [][]float64
	// Cumulative[i] is Σ_{j<k} p_j for k = Steps[i] (nil unless asked for).
	Cumulative [][]float64
	// Discounted is Σ_{j<J} e^{−aj} p_j (nil unless asked for), and DiscountTail =
	// e^{−aJ}/(1 − e^{−a}) bounds the weight left out: |E Σ_j e^{−aj} f(X_j) − Discounted·f|
	// ≤ DiscountTail·sup|f| over the states reachable after step J.
	Discounted   []float64
	DiscountTail float64
	// Products is the number of steps taken (each one pass over the states with mass).
	Products int
}

// TimeVarying steps the law of a discrete-time model whose probabilities depend on the step
// index t (docs/language.md §6.6): p_{k+1} = p_k P(t₀ + k), where t₀ = in.Time is the step index of
// X₀ and P(t) is evaluated afresh at every step from the propensities at t. The states are
// those of c (its Q is not used) plus any state first reached at a later step, which is
// added as it appears, so the result is exact even when the frozen chain of Explore misses
// states reachable later. Every state with mass at step t is checked at t (E801, E802, E803).
//
// Cost: O(S_k·(tape + J·d)) per step for the S_k states with mass at step k, so
// O(k_max·S·(tape + J·d)) for the transient and cumulative laws; the discounted sum needs
// J = ⌈(ln(1/tol) − ln(1 − e^{−a}))/a⌉ steps. Memory O(S) per stored vector. When ctx is
// done, it stops before the next step with an error wrapping ctx.Err().
func TimeVarying(ctx context.Context, c *Chain, m *runtime.Model, in *ir.Inputs, p0 []float64, s *StepSettings) (*StepResult, error) {
	var set StepSettings
	if s != nil {
		set = *s
	}
	if !c.Discrete {
		return nil, errors.New("ctmc: TimeVarying steps discrete-time chains only")
	}
	if len(p0) != c.NumStates() {
		return nil, fmt.Errorf("ctmc: initial distribution has length %d, want %d states", len(p0), c.NumStates())
	}
	prev := 0.0
	for _, k := range set.Steps {
		if !(k >= prev) || math.IsInf(k, 0) || k != math.Trunc(k) {
			return nil, fmt.Errorf("ctmc: step counts must be integers ≥ 0 in non-decreasing order (%v after %v)", k, prev)
		}
		prev = k
	}
	if err := checkDiscount(set.Discount, &set.DiscountTol); err != nil {
		return nil, err
	}
	t0 := in.Time
	if t0 != math.Trunc(t0) || math.IsInf(t0, 0) {
		return nil, fmt.Errorf("ctmc: start step index %v of a discrete-time model is not an integer", t0)
	}
	// A private copy of the states, so that c is not modified.
	w := &Chain{Model: c.Model, Dim: c.Dim, Discrete: true, Initial: c.Initial,
		keys: append([]int32(nil), c.keys...), table: append([]int32(nil), c.table...)}
	x := newExplorer(w, m, in, set.Limits)

	last := 0.0
	if len(set.Steps) > 0 {
		last = set.Steps[len(set.Steps)-1]
	}
	beta, steps := 0.0, 0.0
	if set.Discount > 0 {
		beta = math.Exp(-set.Discount)
		steps = math.Ceil((math.Log(1/set.DiscountTol) + math.Log(1/-math.Expm1(-set.Discount))) / set.Discount)
		if steps < 1 {
			steps = 1
		}
	}
	total := math.Max(last, steps)
	if total > 1e8 {
		return nil, fmt.Errorf("ctmc: %g steps asked for, more than the limit 1e8", total)
	}

	res := &StepResult{}
	cur := append([]float64(nil), p0...)
	var cum, disc []float64
	if set.Cumulative {
		cum = make([]float64, len(cur))
	}
	if set.Discount > 0 {
		disc = make([]float64, len(cur))
	}
	weight := 1.0 // e^{−a k}
	next := 0     // index into set.Steps
	var row []entry
	for k := 0.0; ; k++ {
		for ; next < len(set.Steps) && set.Steps[next] == k; next++ {
			res.P = append(res.P, append([]float64(nil), cur...))
			if cum != nil {
				res.Cumulative = append(res.Cumulative, append([]float64(nil), cum...))
			}
		}
		if disc != nil && k < steps {
			for j, v := range cur {
				disc[j] += weight * v
			}
			weight *= beta
		}
		if k >= total {
			break
		}
		if cum != nil {
			for j, v := range cur {
				cum[j] += v
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("ctmc: stepping stopped after %d steps: %w", res.Products, err)
		}
		// One step at t = t₀ + k.
		x.in.Time = t0 + k
		nxt := make([]float64, len(cur))
		for i, v := range cur {
			if v == 0 {
				continue
			}
			var err error
			if nxt, row, err = stepFrom(x, w, i, v, nxt, row); err != nil {
				return nil, err
			}
		}
		cur = nxt
		res.Products++
		// Vectors kept across steps grow with the state set.
		if cum != nil {
			cum = padTo(cum, w.NumStates())
		}
		if disc != nil {
			disc = padTo(disc, w.NumStates())
		}
	}
	if disc != nil {
		res.Discounted = disc
		res.DiscountTail = weight / -math.Expm1(-set.Discount)
	}
	res.Chain = c
	if w.NumStates() > c.NumStates() {
		res.Chain = w
		n := w.NumStates()
		for i := range res.P {
			res.P[i] = padTo(res.P[i], n)
		}
		for i := range res.Cumulative {
			res.Cumulative[i] = padTo(res.Cumulative[i], n)
		}
		if res.Discounted != nil {
			res.Discounted = padTo(res.Discounted, n)
		}
	}
	return res, nil
}

// StepStates returns the chain c with the states reached in one step of a discrete-time
// model at the step index in.Time from the states from, from+1, …, c.NumStates()−1 appended
// in the order TimeVarying finds them (c itself when there are none, else a copy holding the
// states only, as StepResult.Chain), with TimeVarying's checks (E801, E802, E803, the
// limits): it adds the states TimeVarying adds stepping once from the uniform law on those
// states. props, when not nil, may give the propensities of state i at in.Time (as
// Model.Propensities evaluates them, bit for bit: a builder of the same matrices has them),
// which are then checked instead of evaluated; it returns nil for the states it does not
// have. Cost: O(S·J·d) for the S states stepped from, plus a tape evaluation for each state
// props does not give.
func StepStates(ctx context.Context, c *Chain, m *runtime.Model, in *ir.Inputs, from int, props func(i int) []float64, lim Limits) (*Chain, error) {
	return StepStatesKnown(ctx, c, m, in, from, props, nil, lim)
}

// StepStatesKnown is StepStates with the targets the caller knows: known(i, j), when not
// nil, returns the index in c of the state transition j leads to from state i (which must
// be that state: its counts then are not negative, so E801 cannot occur), or −1 when it
// does not know; a known target is taken without building its key and looking it up.
// Cost: StepStates', less O(d) and a hash look-up per known target.
func StepStatesKnown(ctx context.Context, c *Chain, m *runtime.Model, in *ir.Inputs, from int, props func(i int) []float64, known func(i, j int) int, lim Limits) (*Chain, error) {
	if !c.Discrete {
		return nil, errors.New("ctmc: TimeVarying steps discrete-time chains only")
	}
	if t0 := in.Time; t0 != math.Trunc(t0) || math.IsInf(t0, 0) {
		return nil, fmt.Errorf("ctmc: start step index %v of a discrete-time model is not an integer", t0)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ctmc: stepping stopped after %d steps: %w", 0, err)
	}
	w := &Chain{Model: c.Model, Dim: c.Dim, Discrete: true, Initial: c.Initial,
		keys: append([]int32(nil), c.keys...), table: append([]int32(nil), c.table...)}
	x := newExplorer(w, m, in, lim)
	x.known = known
	var row []entry
	for i, n := from, c.NumStates(); i < n; i++ {
		x.given = nil
		if props != nil {
			x.given = props(i)
		}
		var err error
		if row, _, err = x.expand(i, row[:0]); err != nil {
			return nil, err
		}
	}
	if w.NumStates() > c.NumStates() {
		return w, nil
	}
	return c, nil
}

// padTo extends v with zeros to length n.
func padTo(v []float64, n int) []float64 {
	for len(v) < n {
		v = append(v, 0)
	}
	return v
}

// stepFrom adds to nxt the mass v of state i carried one step of the discrete-time chain
// (the probabilities of the explorer's time, x.in.Time): v·P(i, j) to every target, the
// remainder 1 − Σ_j P(i, j) staying at i, exploring i's targets on first use. It returns
// nxt (grown to the chain's states) and the row buffer. O(tape + J·d).
func stepFrom(x *explorer, w *Chain, i int, v float64, nxt []float64, row []entry) ([]float64, []entry, error) {
	row, taken, err := x.expand(i, row[:0])
	if err != nil {
		return nxt, row, err
	}
	nxt = padTo(nxt, w.NumStates())
	for _, e := range row {
		nxt[e.col] += v * e.rate
	}
	nxt[i] += v * (1 - taken)
	return nxt, row, nil
}

// checkDiscount refuses a discount rate that is negative or not finite (0 means none) and
// sets a zero tail tolerance to its default, 1e-13.
func checkDiscount(rate float64, tol *float64) error {
	if rate < 0 || math.IsNaN(rate) || math.IsInf(rate, 0) {
		return fmt.Errorf("ctmc: discount rate %v must be finite and > 0", rate)
	}
	if *tol <= 0 {
		*tol = 1e-13
	}
	return nil
}
