package ctmc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/linalg"
	"gonum.org/v1/gonum/floats"
)

// StateValues evaluates the graph nodes at every state of the chain: out[k][s] is node k at
// state s, with the counts, densities (counts / scale for a scaled model) and environment
// of s, and the parameters, scale and the given time t from in. Boolean nodes give 1 or 0.
// O(S·tape length) time, O(S·len(nodes)) memory.
func StateValues(c *Chain, m *runtime.Model, in *ir.Inputs, nodes []ir.NodeID, t float64) [][]float64 {
	n := c.NumStates()
	out := make([][]float64, len(nodes))
	for k := range out {
		out[k] = make([]float64, n)
	}
	if len(nodes) == 0 {
		return out
	}
	tape := m.IR.Graph.Compile(nodes)
	vals := make([]float64, tape.Len())
	local := stateInputs(m, in)
	local.Time = t
	for s := 0; s < n; s++ {
		setState(c, m, local, s)
		tape.Eval(vals, local)
		for k := range nodes {
			out[k][s] = tape.Output(vals, k)
		}
	}
	return out
}

// stateInputs returns a copy of in with its own count, density and environment buffers.
func stateInputs(m *runtime.Model, in *ir.Inputs) *ir.Inputs {
	local := *in
	local.Counts = make([]float64, m.Dim())
	local.Densities = make([]float64, m.Dim())
	local.Env = make([]float64, len(m.IR.Env.Components))
	return &local
}

// setState loads the counts, densities and environment of state s into in.
func setState(c *Chain, m *runtime.Model, in *ir.Inputs, s int) {
	for i, v := range c.Counts(s) {
		in.Counts[i] = float64(v)
		if in.Scale > 0 {
			in.Densities[i] = float64(v) / in.Scale
		}
	}
	if sp := m.IR.Env.Space; len(sp) > 0 && len(in.Env) > 0 {
		for k, v := range sp[c.Env(s)] {
			in.Env[k] = float64(v)
		}
	}
}

// ExpectNodes returns Σ_s w_s·node_k(s) for every node, evaluated as in StateValues at time
// in.Time; states with w_s = 0 are skipped. O(S·tape length) time, O(tape) memory.
func ExpectNodes(c *Chain, m *runtime.Model, in *ir.Inputs, w []float64, nodes []ir.NodeID) []float64 {
	sums := make([]float64, len(nodes))
	if len(nodes) == 0 {
		return sums
	}
	tape := m.IR.Graph.Compile(nodes)
	vals := make([]float64, tape.Len())
	local := stateInputs(m, in)
	for s, p := range w {
		if p == 0 {
			continue
		}
		setState(c, m, local, s)
		tape.Eval(vals, local)
		for k := range nodes {
			sums[k] += p * tape.Output(vals, k)
		}
	}
	return sums
}

// ObservableMeans returns E_π of every observable of the model, in the order of
// m.IR.Observables (the expectation 'mfc exact' reports). O(S·tape length).
func ObservableMeans(c *Chain, m *runtime.Model, in *ir.Inputs, pi []float64) []float64 {
	nodes := make([]ir.NodeID, len(m.IR.Observables))
	for k, o := range m.IR.Observables {
		nodes[k] = o.Node
	}
	return ExpectNodes(c, m, in, pi, nodes)
}

// InitialDistribution returns the initial law p₀ of the chain over its states: a point
// mass for a single initial state; the weights of m.IR.Env.Init on the initial states
// otherwise; and for 'env ~ stationary' without a law, the stationary law of the
// environment moves among the initial states (species frozen at their initial counts,
// docs/language.md §6.9), computed by dense LU. O(S) plus O(|Y|³) for the environment law.
func InitialDistribution(c *Chain) ([]float64, error) {
	p0 := make([]float64, c.NumStates())
	env := c.Model.IR.Env
	switch {
	case len(c.Initial) == 1:
		p0[c.Initial[0]] = 1
		return p0, nil
	case env.Init != nil:
		sum := 0.0
		for _, i := range c.Initial {
			w := env.Init[c.Env(i)]
			p0[i] = w
			sum += w
		}
		if !(sum > 0) {
			return nil, errors.New("ctmc: the initial environment law has no mass")
		}
		for _, i := range c.Initial {
			p0[i] /= sum
		}
		return p0, nil
	}
	// Stationary law of the environment moves among the initial states.
	k := len(c.Initial)
	local := make(map[int]int32, k)
	for l, i := range c.Initial {
		local[i] = int32(l)
	}
	sub := &linalg.CSR{Rows: k, Cols: k, RowPtr: make([]int, 1, k+1)}
	for _, i := range c.Initial {
		type ent struct {
			col int32
			v   float64
		}
		var row []ent
		out := 0.0
		for p := c.Q.RowPtr[i]; p < c.Q.RowPtr[i+1]; p++ {
			if l, ok := local[int(c.Q.Col[p])]; ok && int(c.Q.Col[p]) != i {
				row = append(row, ent{l, c.Q.Val[p]})
				out += c.Q.Val[p]
			}
		}
		row = append(row, ent{local[i], -out})
		sort.Slice(row, func(a, b int) bool { return row[a].col < row[b].col })
		for _, e := range row {
			sub.Col = append(sub.Col, e.col)
			sub.Val = append(sub.Val, e.v)
		}
		sub.RowPtr = append(sub.RowPtr, len(sub.Col))
	}
	tmp := &Chain{Model: c.Model, Dim: c.Dim, Q: sub}
	for _, i := range c.Initial {
		tmp.keys = append(tmp.keys, c.keyOf(i)...)
	}
	if cl := ClosedClasses(tmp); len(cl) != 1 {
		return nil, fmt.Errorf("ctmc: 'env ~ stationary': the environment chain at the initial counts has %d closed classes, so its stationary law is not unique", len(cl))
	}
	r, err := Stationary(context.Background(), tmp, &Settings{DenseMax: k + 1})
	if err != nil {
		return nil, fmt.Errorf("ctmc: 'env ~ stationary': %w", err)
	}
	for l, i := range c.Initial {
		p0[i] = r.Pi[l]
	}
	return p0, nil
}

// MeasureSettings controls EvalMeasures. The zero value (or nil) selects the defaults.
type MeasureSettings struct {
	// Solve controls the stationary, discounted and until solves.
	Solve *Settings
	// Transient controls the uniformisation of transient and cumulative measures (its
	// Cumulative field is set as needed).
	Transient *TransientSettings
	// Limits bounds the states found while stepping a time-inhomogeneous discrete-time
	// model (TimeVarying) or integrating a continuous-time one (Flow); the zero value gives
	// the defaults of Explore.
	Limits Limits
	// FlowTol is the ℓ₁ error target of Flow (time-inhomogeneous continuous-time models);
	// 0 means its default, 1e-11.
	FlowTol float64
	// Frozen says that c (and pi) is the chain of a time-inhomogeneous model frozen at
	// in.Time (mfc exact --freeze T), which gives its stationary measures a meaning: E_π f
	// with f at t = in.Time. The time-dependent measures then follow the time-varying chain
	// from t = Start instead of in.Time, from InitialDistribution(c) (for 'env ~ stationary'
	// the environment law of the chain frozen at in.Time). Without Frozen, the stationary
	// measures of a time-inhomogeneous model get ErrTimeInhomogeneous.
	Frozen bool
	Start  float64
	// Only, if not nil, names the measures to compute; the others get ErrNotRequested
	// and cost nothing.
	Only []string
}

// ErrNotRequested is the error of a measure left out by MeasureSettings.Only.
var ErrNotRequested = errors.New("ctmc: measure not requested")

// MeasureValue is the value of one measure, or why the exact chain cannot compute it.
type MeasureValue struct {
	Name string
	// Kind is the measure's keyword: stationary, transient, cumulative, discounted or until.
	Kind  string
	Value float64
	// Bound bounds the truncation error of Value where one is known (transient and
	// cumulative: sup|f| times the uniformisation error bound; discounted measures of a
	// time-inhomogeneous discrete-time model: sup|f| over the states found times the weight
	// of the truncated tail; every time-dependent measure of a time-inhomogeneous
	// continuous-time model: sup|f| times the ℓ₁ error bound of Flow, plus the tail;
	// until measures of a time-inhomogeneous model: the estimate UntilResult.Bound); 0
	// otherwise, where the accuracy is that of the linear solve (Settings.Tol on the
	// residual) or, in discrete time, round-off.
	Bound float64
	// Err is non-nil if the measure could not be computed; Value is then 0.
	Err error
}

// ErrTimeInhomogeneous is the error of a stationary measure of a time-inhomogeneous model
// when the chain is not explicitly frozen at one time (MeasureSettings.Frozen): the
// compiler refuses such measures (E706) unless asked to freeze time.
var ErrTimeInhomogeneous = errors.New("ctmc: the model is time-inhomogeneous: a stationary measure needs the chain frozen at one time (mfc exact --freeze T; MeasureSettings.Frozen in Go)")

// EvalMeasures evaluates every measure of the model (docs/language.md §6.10) on the chain, in the order
// of m.IR.Measures, with X₀ distributed as InitialDistribution(c):
//
//   - stationary(f): E_π f with π = pi (computed by Stationary when pi is nil);
//   - transient(f, T): E f(X_T), f evaluated at t = T (one uniformisation pass serves
//     every horizon);
//   - cumulative(f, T): E ∫₀^T f(X_s) ds (uniformisation with cumulative weights);
//   - discounted(f, a): E ∫₀^∞ e^{−as} f(X_s) ds (one sparse solve per distinct a);
//   - until(f, R): E ∫₀^τ f(X_s) ds, τ the hitting time of R (one sparse solve each).
//
// In discrete time (c.Discrete, docs/language.md §6.10) T is an integer number of steps (anything else
// is an error), transient(f, T) = E f(X_T), cumulative(f, T) = E Σ_{j=0}^{T−1} f(X_j),
// discounted(f, a) = E Σ_{j≥0} e^{−aj} f(X_j) and until(f, R) = E Σ_{j=0}^{τ} f(X_j) (the
// reward at the hitting step included); see Transient, Discounted and Until.
//
// A time-inhomogeneous model is followed from t₀ = in.Time (MeasureSettings.Start with
// Frozen) with its propensities re-evaluated as time goes on; a transient reward that
// depends on t is evaluated at t₀ + T. In discrete time the transient, cumulative and
// discounted measures are computed by TimeVarying (step probabilities at t = t₀ + k), the
// until measures by TimeVaryingUntil (the law restricted to C carried forward until the
// mass left there is below 1e-14; Bound estimates the reward left out). In continuous
// time every kind is computed by Flow (transient and cumulative in one pass, discounted
// up to a tail weight of 1e-13, until by TimeVaryingUntil); Bound is sup|f| times the
// integration's ℓ₁ error bound (plus the tail). Stationary measures are E_π f on the chain
// frozen at in.Time, and need MeasureSettings.Frozen (ErrTimeInhomogeneous otherwise).
//
// T and a are evaluated from the parameters of in; f and R at every state as in
// StateValues, at t = in.Time except for transient. A measure the exact chain cannot
// compute gets a non-nil Err: every measure when c is nil or its kind differs from the
// model's (ErrDiscreteTime), a reward that depends on t in cumulative, discounted or until
// measures, a region that depends on t, bad arguments, and solver failures (an until
// region not reached with probability 1: ErrNotLeft in the time-inhomogeneous case). The
// returned error is for unusable inputs only (a pi of the wrong length) and for a ctx
// done before the end (it wraps ctx.Err(); the solves check ctx as they run).
//
// Cost: O(S·tape) per distinct reward, plus the solves: Stationary, one Transient pass to
// the largest horizon, and one linear solve per discount rate and per until measure; for
// a time-inhomogeneous model one TimeVarying (Flow) pass to the largest horizon, one per
// discount rate and one TimeVaryingUntil per until measure, O(S·(tape + J·d)) per step
// (per evaluation of p·Q(t)).
func EvalMeasures(ctx context.Context, c *Chain, m *runtime.Model, in *ir.Inputs, pi []float64, s *MeasureSettings) ([]MeasureValue, error) {
	if c != nil && pi != nil && len(pi) != c.NumStates() {
		return nil, fmt.Errorf("ctmc: stationary distribution has length %d, want %d states", len(pi), c.NumStates())
	}
	return evalMeasures(ctx, c, m, in, func() ([]float64, error) {
		if pi != nil {
			return pi, nil
		}
		var solve *Settings
		if s != nil {
			solve = s.Solve
		}
		r, err := Stationary(ctx, c, solve)
		if err != nil {
			return nil, err
		}
		return r.Pi, nil
	}, s)
}

// PendingMeasures are measures being evaluated while the stationary law is solved for
// (StartMeasures).
type PendingMeasures struct {
	pi     chan []float64
	done   chan struct{}
	cancel context.CancelFunc
	held   *heldProgress
	later  func() // the evaluation, when it waits for Finish
	vals   []MeasureValue
	err    error
}

// StartMeasures starts EvalMeasures in a goroutine before the stationary law is known, so
// that the measures that do not need it (transient, cumulative, discounted, until) run
// while the caller solves for π (on another core); Finish gives it π and returns the
// values, Stop abandons it. The results are those of EvalMeasures with the same π. When
// the memory budget of ctx (runtime.MaxBytesOf) has no room for both at once, about
// (SolveFactor+1)·c.Bytes(), the evaluation waits for Finish instead.
//
// The progress reports of the background work are held back until Finish (and then drawn
// through ctx's ProgressFunc, live if the work goes on), so that the caller's own reports
// meanwhile are not drawn over.
//
// One of Finish or Stop must be called (Stop after Finish is a no-op), else the goroutine
// waits for π until ctx is done.
func StartMeasures(ctx context.Context, c *Chain, m *runtime.Model, in *ir.Inputs, s *MeasureSettings) *PendingMeasures {
	p := &PendingMeasures{pi: make(chan []float64, 1), done: make(chan struct{}), held: &heldProgress{ctx: ctx}}
	ctx, p.cancel = context.WithCancel(ctx)
	bg := runtime.WithProgress(ctx, p.held.start)
	run := func() {
		defer close(p.done)
		p.vals, p.err = evalMeasures(bg, c, m, in, func() ([]float64, error) {
			select {
			case pi := <-p.pi:
				return pi, nil
			case <-ctx.Done():
				return nil, fmt.Errorf("ctmc: stationary measures not computed: %w", ctx.Err())
			}
		}, s)
	}
	// Both at once need about one more chain's worth of memory (the transposed generator
	// and the vectors of uniformisation) on top of the stationary solve's: without room
	// for it in the budget, the measures wait for Finish.
	if c != nil && c.Bytes()*(SolveFactor+1) > runtime.MaxBytesOf(ctx) {
		p.later = run
		return p
	}
	go run()
	return p
}

// Finish gives the pending measures the stationary law pi (of the chain's length) and
// waits for their values: those of EvalMeasures(ctx, c, m, in, pi, s).
func (p *PendingMeasures) Finish(pi []float64) ([]MeasureValue, error) {
	p.held.release()
	select {
	case p.pi <- pi:
	default: // given already
	}
	if p.later != nil {
		p.later()
		p.later = nil
	}
	<-p.done
	p.cancel()
	return p.vals, p.err
}

// Stop cancels the pending measures and waits for their goroutine to end.
func (p *PendingMeasures) Stop() {
	p.cancel()
	if p.later != nil {
		p.later = nil
		close(p.done)
	}
	<-p.done
}

// heldProgress is a ProgressFunc that holds the reports back until release, then passes
// them (and those started later) to the ProgressFunc of ctx.
type heldProgress struct {
	ctx      context.Context
	mu       sync.Mutex
	released bool
	held     []*heldReport
}

type heldReport struct {
	label       string
	done, total int64
	finished    bool
	report      func(done, total int64) // the ProgressFunc's, once released
	finish      func()
}

func (h *heldProgress) start(label string, total int64) (func(done, total int64), func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := &heldReport{label: label, total: total}
	if h.released {
		r.report, r.finish = runtime.StartProgress(h.ctx, label, total)
	} else {
		h.held = append(h.held, r)
	}
	return func(done, total int64) {
			h.mu.Lock()
			defer h.mu.Unlock()
			r.done, r.total = done, total
			if r.report != nil {
				r.report(done, total)
			}
		}, func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			if !r.finished && r.finish != nil {
				r.finish()
			}
			r.finished = true
		}
}

// release draws the reports held so far, in the order they started (finishing those
// already finished), and lets the later ones through.
func (h *heldProgress) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.released {
		return
	}
	h.released = true
	for _, r := range h.held {
		r.report, r.finish = runtime.StartProgress(h.ctx, r.label, r.total)
		r.report(r.done, r.total)
		if r.finished {
			r.finish()
		}
	}
	h.held = nil
}

// evalMeasures is EvalMeasures with the stationary law given by piOf, which it calls once,
// after the other measures, if a stationary measure needs it.
func evalMeasures(ctx context.Context, c *Chain, m *runtime.Model, in *ir.Inputs, piOf func() ([]float64, error), s *MeasureSettings) ([]MeasureValue, error) {
	var set MeasureSettings
	if s != nil {
		set = *s
	}
	mod := m.IR
	out := make([]MeasureValue, len(mod.Measures))
	for k, ms := range mod.Measures {
		out[k] = MeasureValue{Name: ms.Name, Kind: ms.Kind.String()}
		if set.Only != nil && !slices.Contains(set.Only, ms.Name) {
			out[k].Err = ErrNotRequested
		}
	}
	if c == nil || c.Discrete != (mod.Time == ir.Discrete) {
		for k := range out {
			out[k].Err = ErrDiscreteTime
		}
		return out, nil
	}
	discrete := c.Discrete
	// A time-inhomogeneous chain is stepped (discrete time) or its forward equation
	// integrated (continuous time) from t₀ = in.Time.
	varying := !mod.TimeHomogeneous
	stepping := discrete && varying
	start := in // the inputs at the start of the time-dependent measures
	if set.Frozen {
		st := *in
		st.Time = set.Start
		start = &st
	}
	n := c.NumStates()
	g := mod.Graph

	// Parameter arguments T and a.
	params := make([]float64, len(out))
	var argNodes []ir.NodeID
	var argOf []int
	for k, ms := range mod.Measures {
		if out[k].Err != nil {
			continue
		}
		if len(ms.Args) == 0 {
			out[k].Err = fmt.Errorf("ctmc: measure '%s' has no reward", ms.Name)
			continue
		}
		switch ms.Kind {
		case ir.Transient, ir.Cumulative, ir.Discounted:
			if len(ms.Args) != 2 {
				out[k].Err = fmt.Errorf("ctmc: measure '%s' needs 2 arguments, has %d", ms.Name, len(ms.Args))
				continue
			}
			argNodes, argOf = append(argNodes, ms.Args[1]), append(argOf, k)
		case ir.Until:
			if len(ms.Args) != 2 {
				out[k].Err = fmt.Errorf("ctmc: measure '%s' needs 2 arguments, has %d", ms.Name, len(ms.Args))
			}
		}
	}
	if len(argNodes) > 0 {
		tape := g.Compile(argNodes)
		vals := make([]float64, tape.Len())
		tape.Eval(vals, in)
		for i, k := range argOf {
			params[k] = tape.Output(vals, i)
		}
	}
	for k, ms := range mod.Measures {
		if out[k].Err != nil {
			continue
		}
		if ms.Kind == ir.Stationary {
			if varying && !set.Frozen {
				out[k].Err = ErrTimeInhomogeneous
			}
			continue
		}
		if ms.Kind != ir.Transient && g.Dep(ms.Args[0])&ir.DepTime != 0 {
			out[k].Err = fmt.Errorf("ctmc: the reward of %s measure '%s' depends on t; the exact chain evaluates time-independent rewards only", ms.Kind, ms.Name)
			continue
		}
		if ms.Kind == ir.Until && g.Dep(ms.Args[1])&ir.DepTime != 0 {
			out[k].Err = fmt.Errorf("ctmc: the region of until measure '%s' depends on t", ms.Name)
			continue
		}
		switch v := params[k]; ms.Kind {
		case ir.Transient, ir.Cumulative:
			if !(v >= 0) || math.IsInf(v, 0) {
				out[k].Err = fmt.Errorf("ctmc: horizon of %s measure '%s' is %v; it must be finite and ≥ 0", ms.Kind, ms.Name, v)
			} else if discrete && v != math.Trunc(v) {
				out[k].Err = fmt.Errorf("ctmc: horizon of %s measure '%s' is %v; in discrete time it must be an integer number of steps", ms.Kind, ms.Name, v)
			}
		case ir.Discounted:
			if !(v > 0) || math.IsInf(v, 0) {
				out[k].Err = fmt.Errorf("ctmc: discount rate of measure '%s' is %v; it must be finite and > 0", ms.Name, v)
			}
		}
	}

	// Rewards and regions evaluated at every state, t = in.Time (transient rewards that
	// depend on t are evaluated at their horizon below).
	var nodes []ir.NodeID
	slot := map[ir.NodeID]int{}
	need := func(id ir.NodeID) {
		if _, ok := slot[id]; !ok {
			slot[id] = len(nodes)
			nodes = append(nodes, id)
		}
	}
	for k, ms := range mod.Measures {
		if out[k].Err != nil || (ms.Kind == ir.Transient && g.Dep(ms.Args[0])&ir.DepTime != 0) {
			continue
		}
		need(ms.Args[0])
		if ms.Kind == ir.Until {
			need(ms.Args[1])
		}
	}
	vals := StateValues(c, m, in, nodes, in.Time)
	// rewardOn returns the reward of measure k at the states of ch: c itself or the larger
	// state set of a TimeVarying pass.
	rewardOn := func(ch *Chain, k int) []float64 {
		ms := mod.Measures[k]
		if ms.Kind == ir.Transient && g.Dep(ms.Args[0])&ir.DepTime != 0 {
			t := params[k]
			if varying {
				t += start.Time
			}
			return StateValues(ch, m, in, []ir.NodeID{ms.Args[0]}, t)[0]
		}
		if ch != c {
			return StateValues(ch, m, in, []ir.NodeID{ms.Args[0]}, in.Time)[0]
		}
		return vals[slot[ms.Args[0]]]
	}
	reward := func(k int) []float64 { return rewardOn(c, k) }

	var p0 []float64
	var p0Err error
	needP0 := false
	for k, ms := range mod.Measures {
		needP0 = needP0 || (out[k].Err == nil && ms.Kind != ir.Stationary)
	}
	if needP0 {
		p0, p0Err = InitialDistribution(c)
	}

	// Transient and cumulative measures: one pass over the sorted horizons.
	var horizons []float64
	cumulative := false
	for k, ms := range mod.Measures {
		if out[k].Err == nil && (ms.Kind == ir.Transient || ms.Kind == ir.Cumulative) {
			if p0Err != nil {
				out[k].Err = p0Err
				continue
			}
			horizons = append(horizons, params[k])
			cumulative = cumulative || ms.Kind == ir.Cumulative
		}
	}
	if len(horizons) > 0 {
		sort.Float64s(horizons)
		uniq := horizons[:1]
		for _, t := range horizons[1:] {
			if t != uniq[len(uniq)-1] {
				uniq = append(uniq, t)
			}
		}
		var ts TransientSettings
		if set.Transient != nil {
			ts = *set.Transient
		}
		ts.Cumulative = cumulative
		var tr *TransientResult
		var err error
		ch := c
		pass := func() {
			switch {
			case stepping:
				var sr *StepResult
				sr, err = TimeVarying(ctx, c, m, start, p0, &StepSettings{Steps: uniq, Cumulative: cumulative, Limits: set.Limits})
				if err == nil {
					ch = sr.Chain
					tr = &TransientResult{Times: uniq, P: sr.P, Epsilon: make([]float64, len(uniq)), Cumulative: sr.Cumulative,
						CumulativeEpsilon: make([]float64, len(uniq)), Rate: 1, Products: sr.Products}
				}
			case varying:
				var fr *FlowResult
				fr, err = Flow(ctx, c, m, start, p0, &FlowSettings{Times: uniq, Cumulative: cumulative, Tol: set.FlowTol, Limits: set.Limits})
				if err == nil {
					ch = fr.Chain
					tr = &TransientResult{Times: uniq, P: fr.P, Epsilon: fr.Error, Cumulative: fr.Cumulative,
						CumulativeEpsilon: fr.CumulativeError, Products: fr.Evaluations}
				}
			default:
				tr, err = Transient(ctx, c, p0, uniq, &ts)
			}
		}
		pass()
		// A pass that fails (a horizon beyond the reach of uniformisation, a chain that
		// outgrows its limits when stepped) fails the measures of its largest horizon; the
		// others get a pass of their own, so that measures fail one by one.
		failed := map[float64]error{}
		for err != nil && ctx.Err() == nil && len(uniq) > 1 {
			failed[uniq[len(uniq)-1]] = err
			uniq = uniq[:len(uniq)-1]
			pass()
		}
		for k, ms := range mod.Measures {
			if out[k].Err != nil || (ms.Kind != ir.Transient && ms.Kind != ir.Cumulative) {
				continue
			}
			if e := failed[params[k]]; e != nil {
				out[k].Err = e
				continue
			}
			if err != nil {
				out[k].Err = err
				continue
			}
			i := sort.SearchFloat64s(uniq, params[k])
			f := rewardOn(ch, k)
			if ms.Kind == ir.Transient {
				out[k].Value = floats.Dot(tr.P[i], f)
				out[k].Bound = supNorm(f) * tr.Epsilon[i]
			} else {
				out[k].Value = floats.Dot(tr.Cumulative[i], f)
				out[k].Bound = supNorm(f) * tr.CumulativeEpsilon[i]
			}
		}
	}

	// Discounted measures: one solve per distinct rate.
	disc := map[float64]*LinearResult{}
	discErr := map[float64]error{}
	for k, ms := range mod.Measures {
		if out[k].Err != nil || ms.Kind != ir.Discounted {
			continue
		}
		if p0Err != nil {
			out[k].Err = p0Err
			continue
		}
		a := params[k]
		if varying && !discrete {
			fr, err := Flow(ctx, c, m, start, p0, &FlowSettings{Discount: a, Tol: set.FlowTol, Limits: set.Limits})
			if err != nil {
				out[k].Err = err
				continue
			}
			f := rewardOn(fr.Chain, k)
			out[k].Value = floats.Dot(fr.Discounted, f)
			out[k].Bound = supNorm(f) * (fr.DiscountedError + fr.DiscountTail)
			continue
		}
		if stepping {
			sr, err := TimeVarying(ctx, c, m, start, p0, &StepSettings{Discount: a, Limits: set.Limits})
			if err != nil {
				out[k].Err = err
				continue
			}
			f := rewardOn(sr.Chain, k)
			out[k].Value = floats.Dot(sr.Discounted, f)
			out[k].Bound = supNorm(f) * sr.DiscountTail
			continue
		}
		if _, ok := disc[a]; !ok {
			if _, failed := discErr[a]; !failed {
				r, err := Discounted(ctx, c, p0, a, set.Solve)
				if err != nil {
					discErr[a] = err
				} else {
					disc[a] = r
				}
			}
		}
		if err := discErr[a]; err != nil {
			out[k].Err = err
			continue
		}
		out[k].Value = floats.Dot(disc[a].X, reward(k))
	}

	// Until measures.
	for k, ms := range mod.Measures {
		if out[k].Err != nil || ms.Kind != ir.Until {
			continue
		}
		if p0Err != nil {
			out[k].Err = p0Err
			continue
		}
		if varying {
			ur, err := TimeVaryingUntil(ctx, c, m, start, p0, ms.Args[0], ms.Args[1], &UntilSettings{Limits: set.Limits, Flow: FlowSettings{Tol: set.FlowTol}})
			if err != nil {
				out[k].Err = fmt.Errorf("measure '%s': %w", ms.Name, err)
				continue
			}
			out[k].Value, out[k].Bound = ur.Value, ur.Bound
			continue
		}
		rv := vals[slot[ms.Args[1]]]
		inR := make([]bool, n)
		for i, v := range rv {
			inR[i] = v != 0
		}
		v, _, err := Until(ctx, c, p0, reward(k), inR, set.Solve)
		if err != nil {
			out[k].Err = fmt.Errorf("measure '%s': %w", ms.Name, err)
			continue
		}
		out[k].Value = v
	}
	// Stationary measures, last: the law may be computed meanwhile (StartMeasures).
	var pi []float64
	var piErr error
	for k, ms := range mod.Measures {
		if out[k].Err != nil || ms.Kind != ir.Stationary {
			continue
		}
		if pi == nil && piErr == nil {
			if pi, piErr = piOf(); piErr == nil && len(pi) != n {
				return nil, fmt.Errorf("ctmc: stationary distribution has length %d, want %d states", len(pi), n)
			}
		}
		if piErr != nil {
			out[k].Err = piErr
			continue
		}
		out[k].Value = floats.Dot(pi, vals[slot[ms.Args[0]]])
	}

	if err := ctx.Err(); err != nil {
		// The solves stopped early: the measures they left unset are not failures of the model.
		return nil, fmt.Errorf("ctmc: measures stopped: %w", err)
	}
	return out, nil
}

// supNorm returns max_i |x_i|.
func supNorm(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return m
}
