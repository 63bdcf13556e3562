package ctmc

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ode"
)

// FlowSettings controls Flow. The zero value (or nil) selects the defaults.
type FlowSettings struct {
	// Times lists the durations t ≥ 0 after the start in.Time (non-decreasing) at which the
	// law p(t₀ + t) is returned.
	Times []float64
	// Cumulative asks for ∫₀^t p(t₀ + s) ds at every time of Times.
	Cumulative bool
	// Discount, if > 0, asks for x = ∫₀^∞ e^{−Discount·s} p(t₀ + s) ds, integrated up to
	// the first T with e^{−Discount·T}/Discount ≤ DiscountTol.
	Discount float64
	// DiscountTol bounds the weight of the tail left out of the discounted integral; 0
	// means 1e-13.
	DiscountTol float64
	// Tol is the target of the ℓ₁ error of the law at the end of the integration; 0 means
	// 1e-11. The local error of every step is kept below Tol·h/span (error per unit step,
	// span the length of the integration), so that the local errors add up to at most Tol,
	// but not below the round-off of a step, 1e-15 + 1e-16·S: over a long horizon the
	// bound reported (FlowResult.Error) can then exceed Tol.
	Tol float64
	// MaxSteps bounds the attempted steps; 0 means 1e7.
	MaxSteps int
	// Limits bounds the states found while integrating (as for Explore).
	Limits Limits
}

// FlowResult holds the laws of a time-inhomogeneous continuous-time chain.
type FlowResult struct {
	// Chain indexes the vectors below, as StepResult.Chain.
	Chain *Chain
	// P[i] is the law at t₀ + Times[i]; Error[i] bounds ‖P[i] − p(t₀ + Times[i])‖₁ by the sum
	// of the estimated local errors (see Flow).
	P     [][]float64
	Error []float64
	// Cumulative[i] is ∫₀^{Times[i]} p(t₀ + s) ds (nil unless asked for), with the ℓ₁ error
	// bound CumulativeError[i].
	Cumulative      [][]float64
	CumulativeError []float64
	// Discounted is ∫₀^T e^{−as} p(t₀ + s) ds (nil unless asked for), DiscountedError its ℓ₁
	// error bound and DiscountTail = e^{−aT}/a the weight left out: |E ∫ e^{−as} f(X) ds −
	// Discounted·f| ≤ (DiscountedError + DiscountTail)·sup|f|.
	Discounted      []float64
	DiscountedError float64
	DiscountTail    float64
	// Steps and Rejected count the accepted and rejected steps, Evaluations the
	// evaluations of p·Q(t) (each one pass over the states with mass).
	Steps, Rejected, Evaluations int
}

// FlowMethod names the method of Flow in reports.
const FlowMethod = "Dormand–Prince 5(4) in the ℓ₁ norm, the local errors added up"

// Flow integrates the forward (Kolmogorov) equation p'(t) = p(t)·Q(t) of a continuous-time
// model whose rates depend on t, from p(t₀) = p0 with t₀ = in.Time, with the propensities
// re-evaluated at every stage of every step; the states are those of c (its Q is not used)
// plus any state first reached later, added as it appears (as in TimeVarying). The
// integrator is the explicit Dormand–Prince 5(4) pair with local extrapolation and the PI
// step-size control of DOPRI5, in the ℓ₁ norm, with the steps ending on every time of
// Times; the cumulative and discounted integrals are components of the same system.
//
// Error: the propagator of the exact equation maps a signed vector x to x·P(s, t), with
// P(s, t) stochastic, so it does not increase ‖x‖₁; hence the ℓ₁ error of p(t) is at most
// the sum of the local errors of the steps before t. Flow adds up their embedded estimates
// (those of the 4th-order solution, which overestimate the error of the propagated 5th-order
// one as h → 0) into FlowResult.Error; the integrals add the time integral of that bound and
// their own local estimates. Round-off (about 1e-16 per step and state) is not included, and
// rates that jump in t (if t > c then …) make the estimates near the jump less reliable.
//
// Cost: six evaluations of p·Q(t) per attempted step, each O(S_m·(tape + J·d)) for the S_m
// states with mass, and O(S) arithmetic per vector; the steps are about
// max(span/h_acc, q·span/3.3), with h_acc ∝ (Tol/span)^{1/4} set by the smoothness of p and
// q the largest exit rate (the explicit method's stability limit: a stiff chain costs
// about as many evaluations as uniformisation has products). Memory: about 20 vectors of S
// per component (1 for the law, 1 more for each of Cumulative and Discount).
func Flow(ctx context.Context, c *Chain, m *runtime.Model, in *ir.Inputs, p0 []float64, s *FlowSettings) (*FlowResult, error) {
	var set FlowSettings
	if s != nil {
		set = *s
	}
	if c.Discrete {
		return nil, errors.New("ctmc: Flow integrates continuous-time chains only (TimeVarying steps discrete-time ones)")
	}
	if len(p0) != c.NumStates() {
		return nil, fmt.Errorf("ctmc: initial distribution has length %d, want %d states", len(p0), c.NumStates())
	}
	prev := 0.0
	for _, t := range set.Times {
		if !(t >= prev) || math.IsInf(t, 0) {
			return nil, fmt.Errorf("ctmc: times must be finite, ≥ 0 and non-decreasing (%v after %v)", t, prev)
		}
		prev = t
	}
	if err := checkDiscount(set.Discount, &set.DiscountTol); err != nil {
		return nil, err
	}
	end := prev
	if a := set.Discount; a > 0 {
		end = math.Max(end, math.Max(0, math.Log(1/(a*set.DiscountTol))/a))
	}
	fi := newFlowInt(c.privateStates(), m, in, p0, &set, set.Cumulative, set.Discount)
	res := &FlowResult{}
	err := fi.run(ctx, set.Times, end, func(i int) {
		res.P = append(res.P, append([]float64(nil), fi.y[0]...))
		res.Error = append(res.Error, fi.errP)
		if set.Cumulative {
			res.Cumulative = append(res.Cumulative, append([]float64(nil), fi.y[fi.cum]...))
			res.CumulativeError = append(res.CumulativeError, fi.errCum)
		}
	}, nil)
	res.Steps, res.Rejected, res.Evaluations = fi.steps, fi.rejected, fi.evals
	if err != nil {
		return nil, err
	}
	if set.Discount > 0 {
		res.Discounted = append([]float64(nil), fi.y[fi.disc]...)
		res.DiscountedError = fi.errDisc
		res.DiscountTail = math.Exp(-set.Discount*end) / set.Discount
	}
	res.Chain = c
	if n := fi.w.NumStates(); n > c.NumStates() {
		res.Chain = fi.w
		for i := range res.P {
			res.P[i] = padTo(res.P[i], n)
		}
		for i := range res.Cumulative {
			res.Cumulative[i] = padTo(res.Cumulative[i], n)
		}
	}
	return res, nil
}

// flowUntil is TimeVaryingUntil in continuous time: Flow with the states of R absorbing and
// the cumulative law, stopped when the mass in C is at most s.MassTol.
func flowUntil(ctx context.Context, c *Chain, m *runtime.Model, in *ir.Inputs, p0 []float64, f, region ir.NodeID, s *UntilSettings) (*UntilResult, error) {
	fs := s.Flow
	fs.Limits = s.Limits
	w := c.privateStates()
	nodes := newStateNodes(w, m, in, []ir.NodeID{f, region})
	nodes.sync()
	fi := newFlowInt(w, m, in, p0, &fs, true, 0)
	fi.nodes = nodes
	massC := func() float64 {
		rv := nodes.out[1]
		mass := 0.0
		for i, v := range fi.y[0] {
			if rv[i] == 0 {
				mass += v
			}
		}
		return mass
	}
	// hist keeps (time, mass in C) at the last window+1 accepted steps, for the decay rate.
	const window = 64
	var ht, hm [window + 1]float64
	res := &UntilResult{}
	var fail error
	stop := func(t float64) bool {
		k := fi.steps
		mass := massC()
		ht[k%(window+1)], hm[k%(window+1)] = t-fi.t0, mass
		kappa := decayRate(ht[:], hm[:], k, window)
		if mass <= s.MassTol {
			res.Horizon, res.MassLeft, res.Decay = t-fi.t0, mass, kappa
			return true
		}
		if k >= window && k%window == 0 {
			need := math.Inf(1)
			if kappa > 0 {
				need = math.Log(mass/s.MassTol) / kappa
			}
			if t-fi.t0+need > s.MaxTime && (kappa > 0 || k >= stagnantSteps) {
				how := fmt.Sprintf("it did not decrease over the last %d steps", window)
				if kappa > 0 {
					how = fmt.Sprintf("it decays at rate %.6g, so about %.3g more time units would be needed, beyond the limit %g", kappa, need, s.MaxTime)
				}
				fail = fmt.Errorf("%w: at t = %g, probability %.6g is still in C; %s", ErrNotLeft, t, mass, how)
				return true
			}
		}
		return false
	}
	if stop(fi.t0) {
		if fail != nil {
			return nil, fail
		}
	} else if err := fi.run(ctx, nil, math.Inf(1), nil, stop); err != nil {
		return nil, err
	}
	if fail != nil {
		return nil, fail
	}
	nodes.sync()
	fv, rv := nodes.out[0], nodes.out[1]
	supC, value := 0.0, 0.0
	for i, v := range fi.y[fi.cum] {
		if rv[i] == 0 {
			value += v * fv[i]
			supC = math.Max(supC, math.Abs(fv[i]))
		}
	}
	res.Value = value
	res.ErrorBound = fi.errCum * supC
	res.Bound = res.ErrorBound
	if res.MassLeft > 0 {
		if res.Decay > 0 {
			res.Bound += res.MassLeft * supC / res.Decay
		} else {
			res.Bound += res.MassLeft * supC * s.MaxTime
		}
	}
	res.Steps = fi.steps
	res.Chain = c
	if w.NumStates() > c.NumStates() {
		res.Chain = w
	}
	return res, nil
}

// decayRate returns the mean rate −d ln m/dt of the mass m in C over the last
// min(k, window) accepted steps of the rings ht, hm; +Inf when it fell to 0.
func decayRate(ht, hm []float64, k, window int) float64 {
	l := min(k, window)
	if l == 0 {
		return 0
	}
	i, j := k%(window+1), (k-l)%(window+1)
	if hm[i] == 0 || hm[j] == 0 {
		return math.Inf(1)
	}
	if ht[i] <= ht[j] {
		return 0
	}
	return math.Log(hm[j]/hm[i]) / (ht[i] - ht[j])
}

// bvec is a vector of the integrated system: the law (block 0) and the integrals, one block
// each, all with one entry per state.
type bvec [][]float64

// flowInt is the Dormand–Prince integrator of Flow and flowUntil.
type flowInt struct {
	w     *Chain
	x     *explorer
	nodes *stateNodes // the until region (out[1]) on the states: absorbing; nil for Flow
	t0    float64
	set   *FlowSettings
	a     float64 // discount rate, 0 for none
	cum   int     // block of the cumulative law, 0 for none
	disc  int     // block of the discounted law, 0 for none

	y, ynew, ytmp, ysti, errv bvec
	k                         [7]bvec
	row                       []entry

	errP, errCum, errDisc  float64 // accumulated ℓ₁ error bounds
	steps, rejected, evals int
	facold                 float64
	rejectedLast           bool
}

func newFlowInt(w *Chain, m *runtime.Model, in *ir.Inputs, p0 []float64, set *FlowSettings, cumulative bool, a float64) *flowInt {
	fi := &flowInt{w: w, x: newExplorer(w, m, in, set.Limits), t0: in.Time, set: set, a: a, facold: dp.FacInit}
	nb := 1
	if cumulative {
		fi.cum = nb
		nb++
	}
	if a > 0 {
		fi.disc = nb
		nb++
	}
	n := len(p0)
	mk := func() bvec {
		v := make(bvec, nb)
		for b := range v {
			v[b] = make([]float64, n)
		}
		return v
	}
	fi.y, fi.ynew, fi.ytmp, fi.ysti, fi.errv = mk(), mk(), mk(), mk(), mk()
	for i := range fi.k {
		fi.k[i] = mk()
	}
	copy(fi.y[0], p0)
	return fi
}

// grow pads every vector with zeros to the states found so far (a new state has had no
// mass and no flow so far), and evaluates the until region there.
func (fi *flowInt) grow() {
	n := fi.w.NumStates()
	if len(fi.y[0]) == n {
		return
	}
	for _, v := range append([]bvec{fi.y, fi.ynew, fi.ytmp, fi.ysti, fi.errv}, fi.k[:]...) {
		for b := range v {
			v[b] = padTo(v[b], n)
		}
	}
	if fi.nodes != nil {
		fi.nodes.sync()
	}
}

// deriv writes into dy the derivative of the system at time t: p·Q(t) for the law (rows of
// the until region left out: absorbing), p for the cumulative law, e^{−a(t−t₀)}·p for the
// discounted one.
func (fi *flowInt) deriv(t float64, y, dy bvec) error {
	fi.evals++
	fi.x.in.Time = t
	dp := dy[0]
	for i := range dp {
		dp[i] = 0
	}
	var region []float64
	if fi.nodes != nil {
		region = fi.nodes.out[1]
	}
	for i, v := range y[0] {
		if v == 0 || (region != nil && region[i] != 0) {
			continue
		}
		var taken float64
		var err error
		fi.row, taken, err = fi.x.expand(i, fi.row[:0])
		if err != nil {
			return err
		}
		if n := fi.w.NumStates(); n > len(dp) {
			dp = padTo(dp, n)
			dy[0] = dp
		}
		for _, e := range fi.row {
			dp[e.col] += v * e.rate
		}
		dp[i] -= v * taken
	}
	if fi.cum > 0 {
		dy[fi.cum] = append(dy[fi.cum][:0], y[0]...)
	}
	if fi.disc > 0 {
		wgt := math.Exp(-fi.a * (t - fi.t0))
		d := dy[fi.disc][:0]
		for _, v := range y[0] {
			d = append(d, wgt*v)
		}
		dy[fi.disc] = d
	}
	fi.grow()
	return nil
}

// combine sets dst = y + h·Σ_j c_j·k_j over the stages with c_j ≠ 0.
func (fi *flowInt) combine(dst bvec, h float64, c ...float64) {
	for b := range dst {
		d, y := dst[b], fi.y[b]
		for i := range d {
			s := 0.0
			for j, cj := range c {
				if cj != 0 {
					s += cj * fi.k[j][b][i]
				}
			}
			d[i] = y[i] + h*s
		}
	}
}

// attempt computes one step of size h from (t, y) into ynew and returns the ℓ₁ norms of the
// local error estimates of the blocks.
// dp is the Dormand–Prince 5(4) pair of package ode.
var dp = &ode.DP54

func (fi *flowInt) attempt(t, h float64) ([]float64, error) {
	k := &fi.k
	stages := []struct {
		c float64
		a []float64
	}{
		{dp.C[1], dp.A[1][:1]},
		{dp.C[2], dp.A[2][:2]},
		{dp.C[3], dp.A[3][:3]},
		{dp.C[4], dp.A[4][:4]},
		{dp.C[5], dp.A[5][:5]},
	}
	for s, st := range stages {
		dst := fi.ytmp
		if s == 4 {
			dst = fi.ysti
		}
		fi.combine(dst, h, st.a...)
		if err := fi.deriv(t+st.c*h, dst, k[s+1]); err != nil {
			return nil, err
		}
	}
	fi.combine(fi.ynew, h, dp.A[6][:]...)
	if err := fi.deriv(t+h, fi.ynew, k[6]); err != nil {
		return nil, err
	}
	norms := make([]float64, len(fi.y))
	e := dp.E
	for b := range fi.y {
		sum := 0.0
		for i := range fi.y[b] {
			v := 0.0
			for j, ej := range e {
				if ej != 0 {
					v += ej * k[j][b][i]
				}
			}
			sum += math.Abs(h * v)
			if math.IsNaN(fi.ynew[b][i]) || math.IsInf(fi.ynew[b][i], 0) {
				return nil, nil
			}
		}
		norms[b] = sum
	}
	return norms, nil
}

// run integrates to every time of times (relative to t₀; out is called with the index once
// each is reached) and on to end, or until stop (called after every accepted step with the
// time reached) returns true.
func (fi *flowInt) run(ctx context.Context, times []float64, end float64, out func(i int), stop func(t float64) bool) error {
	set := fi.set
	tol := set.Tol
	if tol <= 0 {
		tol = 1e-11
	}
	maxSteps := set.MaxSteps
	if maxSteps <= 0 {
		maxSteps = 1e7
	}
	span := end
	if math.IsInf(span, 1) {
		span = 100 // until: the horizon is not known in advance
	}
	perTime := tol / math.Max(span, 1) // ℓ₁ error allowed per unit time
	t0 := fi.t0
	t := t0
	if err := fi.deriv(t, fi.y, fi.k[0]); err != nil {
		return err
	}
	idx := 0
	emit := func(rel float64) {
		for ; idx < len(times) && times[idx] <= rel; idx++ {
			out(idx)
		}
	}
	emit(0)
	// First step: 1% of the time the flow out of the initial law needs to move it.
	d := 0.0
	for _, v := range fi.k[0][0] {
		d += math.Abs(v)
	}
	h := 0.01 / math.Max(d, 1e-3)
	for attempts := 0; ; attempts++ {
		target := t0 + end
		if idx < len(times) {
			target = t0 + times[idx]
		} else if stop == nil && t >= target {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("ctmc: integration stopped at t = %g: %w", t, err)
		}
		if attempts >= maxSteps {
			return fmt.Errorf("ctmc: the integration of the forward equation took more than %d steps and stopped at t = %g (the chain is stiff: its rates times the horizon are large; a shorter horizon or a smaller model helps)", maxSteps, t)
		}
		hs, last := h, false
		if !math.IsInf(target, 1) && t+hs >= target-1e-14*math.Abs(target) {
			hs, last = target-t, true
		}
		if hs <= 0 {
			t = target
			emit(t - t0)
			continue
		}
		norms, err := fi.attempt(t, hs)
		if err != nil {
			return err
		}
		errn := math.Inf(1)
		if norms != nil {
			// The local error target, no smaller than the round-off of a step (about 1e-16
			// per state): a tolerance below it would make the steps underflow.
			errn = norms[0] / math.Max(perTime*hs, 1e-15+1e-16*float64(len(fi.y[0])))
		}
		if !(errn <= 1) {
			fi.rejected++
			fi.rejectedLast = true
			if math.IsInf(errn, 1) || math.IsNaN(errn) {
				h = hs / 10
			} else {
				h = hs / math.Min(1/dp.FacMin, math.Pow(errn, dp.Expo1)/dp.Safe)
			}
			if h < 1e-14*math.Max(1, math.Abs(t)) {
				return fmt.Errorf("ctmc: the integration of the forward equation failed at t = %g: the step size underflowed (rates that jump in t, or that overflow)", t)
			}
			continue
		}
		// Accept; the integrals' bounds add the time integral of the law's bound.
		bound := fi.errP + norms[0]
		if fi.cum > 0 {
			fi.errCum += norms[fi.cum] + hs*bound
		}
		if fi.disc > 0 {
			fi.errDisc += norms[fi.disc] + hs*bound*math.Exp(-fi.a*(t-t0))
		}
		fi.errP = bound
		fi.y, fi.ynew = fi.ynew, fi.y
		fi.k[0], fi.k[6] = fi.k[6], fi.k[0] // first same as last
		fi.steps++
		if last {
			t = target
		} else {
			t += hs
		}
		// PI control (DOPRI5); a step shortened to end on an output time does not shrink h.
		fac := math.Pow(math.Max(errn, 1e-300), dp.Expo1) / math.Pow(fi.facold, dp.Beta)
		fac = math.Max(1/dp.FacMax, math.Min(1/dp.FacMin, fac/dp.Safe))
		hn := hs / fac
		fi.facold = math.Max(errn, dp.FacInit)
		if fi.rejectedLast {
			hn = math.Min(hn, hs)
		}
		fi.rejectedLast = false
		if last {
			hn = math.Max(hn, h)
		}
		h = hn
		emit(t - t0)
		if stop != nil && stop(t) {
			return nil
		}
	}
}
