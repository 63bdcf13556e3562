package ssa

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/step"
)

// Errors returned when a model cannot be simulated.
var (
	ErrDiscreteMethod = errors.New("ssa: composition–rejection (Method \"cr\") is continuous-time only; a discrete-time model is simulated step by step (Method \"direct\" or \"auto\")")
	ErrTimeDependent  = errors.New("ssa: the model has time-dependent propensities; give a bound on their sum over the horizon (--rate-bound B; Settings.RateBound in Go) to simulate it by thinning")
	ErrBoundExceeded  = errors.New("ssa: the time-dependent propensities exceed the rate bound (--rate-bound; Settings.RateBound in Go): raise it")
	ErrMaxEvents      = errors.New("ssa: Settings.MaxEvents reached")
	// ErrBudget is returned by Advance when the trajectory has used the work it was given
	// (Sim.SetLimit): the event budget of an ensemble.
	ErrBudget = errors.New("ssa: the event budget is spent")
)

// Selection methods for Settings.Method.
const (
	// MethodDirect is Gillespie's direct method: O(J) per event for J transitions.
	MethodDirect = "direct"
	// MethodCR is composition–rejection: O(G) per event, G the number of power-of-two
	// propensity groups (independent of J).
	MethodCR = "cr"
	// MethodAuto (also the empty string) picks MethodCR for models with at least
	// AutoCRThreshold transitions and MethodDirect otherwise.
	MethodAuto = "auto"
)

// AutoCRThreshold is the number of transitions from which MethodAuto uses
// composition–rejection. BenchmarkEvents on sparse conversion networks (quiet machine)
// showed the direct method ahead by 12% at 40 transitions, the two level at 64, and
// composition–rejection ahead by 25% at 100, twice as fast at 200 and 7–14 times at
// 1000–2000; below the threshold the direct method's short linear scan is cheaper than
// maintaining the groups. Since the propensity kernels (events per CPU second, -cpu 1,
// shared machine) the two are level at 40 and composition–rejection is ahead by 25% at 64
// and 50% at 100; the threshold is kept, as moving it would change the method, hence the
// random streams, of the models in between.
const AutoCRThreshold = 64

// plan is the immutable, shareable part of a simulator: tapes and dependency lists.
type plan struct {
	m     *runtime.Model
	mod   *ir.Model
	d, nT int
	full  *ir.Tape  // all propensities
	dep   [][]int32 // dependents of each transition
	// The dependents of transition j are re-evaluated after it fires: kdep[j], those with a
	// kernel, directly, and the others, tdep[j], by the tape depTape[j] (the full tape when
	// a tape of them alone would not be shorter), reading their values at slots tdepOut[j].
	kdep, tdep [][]int32
	kd         [][]kdep // kdep[j] with their kernels' types and species, for the hot loop
	depTape    []*ir.Tape
	tdepOut    [][]int32
	ks         kernels
	// fi gathers, per transition, what fire reads (one lookup instead of one per slice).
	fi []fireInfo
	// noDeps re-evaluates every propensity after each event (a test of the dependency graph
	// and the kernels).
	noDeps bool
	// jumps in flat form: transition j changes species jsp[jo[j]:jo[j+1]] by jdelta.
	jo      []int32
	jsp     []int32
	jdelta  []float64
	jumps   [][]ir.Jump
	update  [][]int
	td      []int32 // time-dependent transitions
	hom     []int32 // time-homogeneous transitions (only used when td is non-empty)
	tdTape  *ir.Tape
	isTD    []bool   // time dependence of each transition
	masked  bool     // some transition has an Update (is not allowed in some environment state)
	useCR   bool     // select by composition–rejection
	disc    bool     // discrete time: one step per unit of time, propensities are probabilities
	obsTD   bool     // some observable reads t
	obs     *ir.Tape // observables, count form; nil if none
	maxLen  int
	envInit []float64 // cumulative initial environment law
}

func newPlan(m *runtime.Model, s *Settings) (*plan, error) {
	mod := m.IR
	g := mod.Graph
	p := &plan{m: m, mod: mod, d: m.Dim(), nT: len(mod.Transitions), disc: mod.Time == ir.Discrete}
	switch s.Method {
	case MethodDirect:
	case MethodCR:
		if p.disc {
			return nil, ErrDiscreteMethod
		}
		p.useCR = true
	case MethodAuto, "":
		p.useCR = !p.disc && p.nT >= AutoCRThreshold
	default:
		return nil, fmt.Errorf("ssa: unknown method %q (want %q, %q or %q)", s.Method, MethodDirect, MethodCR, MethodAuto)
	}
	p.isTD = make([]bool, p.nT)
	props := make([]ir.NodeID, p.nT)
	readsSp := make([][]bool, p.nT)
	readsEnv := make([]bool, p.nT)
	mark := make([]int32, len(g.Nodes))
	for j := range mark {
		mark[j] = -1
	}
	for j := range mod.Transitions {
		t := &mod.Transitions[j]
		props[j] = t.Propensity
		p.jumps = append(p.jumps, t.Jump)
		p.update = append(p.update, t.Update)
		if t.Update != nil {
			p.masked = true
		}
		if g.Dep(t.Propensity)&ir.DepTime != 0 {
			p.td = append(p.td, int32(j))
			p.isTD[j] = true
		} else {
			p.hom = append(p.hom, int32(j))
		}
		// Leaves read by the propensity.
		sp := make([]bool, p.d)
		stack := []ir.NodeID{t.Propensity}
		mark[t.Propensity] = int32(j)
		for len(stack) > 0 {
			id := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			n := &g.Nodes[id]
			switch n.Op {
			case ir.OpCount, ir.OpDensity:
				sp[n.Aux] = true
			case ir.OpEnvVal, ir.OpEnvIs:
				readsEnv[j] = true
			}
			for _, a := range n.Args {
				if mark[a] != int32(j) {
					mark[a] = int32(j)
					stack = append(stack, a)
				}
			}
		}
		readsSp[j] = sp
	}
	if len(p.td) > 0 && s.RateBound <= 0 && !p.disc {
		return nil, ErrTimeDependent
	}
	p.full = g.Compile(props)
	p.maxLen = p.full.Len()
	p.ks = compileKernels(g, props)
	if p.ks.constTape != nil {
		p.maxLen = max(p.maxLen, p.ks.constTape.Len())
	}
	p.dep = make([][]int32, p.nT)
	p.kdep = make([][]int32, p.nT)
	p.kd = make([][]kdep, p.nT)
	p.tdep = make([][]int32, p.nT)
	p.depTape = make([]*ir.Tape, p.nT)
	p.tdepOut = make([][]int32, p.nT)
	p.jo = append(p.jo, 0)
	for j := range mod.Transitions {
		for _, jp := range p.jumps[j] {
			p.jsp = append(p.jsp, int32(jp.Species))
			p.jdelta = append(p.jdelta, float64(jp.Delta))
		}
		p.jo = append(p.jo, int32(len(p.jsp)))
		var deps []int32
		var outs []ir.NodeID
		for k := range mod.Transitions {
			if p.disc && p.isTD[k] {
				// Discrete time: re-evaluated at every step anyway.
				continue
			}
			dep := p.update[j] != nil && (readsEnv[k] || p.update[k] != nil)
			for _, jp := range p.jumps[j] {
				if readsSp[k][jp.Species] {
					dep = true
				}
			}
			if !dep {
				continue
			}
			deps = append(deps, int32(k))
			if p.ks.kern[k].typ != kTape {
				p.kdep[j] = append(p.kdep[j], int32(k))
			} else {
				p.tdep[j] = append(p.tdep[j], int32(k))
				outs = append(outs, props[k])
			}
		}
		p.dep[j] = deps
		for _, k := range p.kdep[j] {
			kn := &p.ks.kern[k]
			p.kd[j] = append(p.kd[j], kdep{k: k, typ: kn.typ, sp0: kn.sp0, sp1: kn.sp1})
		}
		if len(outs) == 0 {
			continue
		}
		tp := p.full
		if 2*len(outs) < p.nT {
			if t := g.Compile(outs); t.Len() < p.full.Len() {
				tp = t
				p.maxLen = max(p.maxLen, tp.Len())
			}
		}
		p.depTape[j] = tp
		if tp == p.full {
			for _, k := range p.tdep[j] {
				p.tdepOut[j] = append(p.tdepOut[j], p.full.Out[k])
			}
		} else {
			p.tdepOut[j] = tp.Out
		}
	}
	p.fi = make([]fireInfo, p.nT)
	for j := range p.fi {
		p.fi[j] = fireInfo{sp: p.jsp[p.jo[j]:p.jo[j+1]], delta: p.jdelta[p.jo[j]:p.jo[j+1]],
			kd: p.kd[j], update: p.update[j], tape: p.depTape[j], tdep: p.tdep[j], tout: p.tdepOut[j], dep: p.dep[j]}
	}
	if len(p.td) > 0 {
		outs := make([]ir.NodeID, len(p.td))
		for i, j := range p.td {
			outs[i] = props[j]
		}
		p.tdTape = g.Compile(outs)
		p.maxLen = max(p.maxLen, p.tdTape.Len())
	}
	if len(mod.Observables) > 0 {
		outs := make([]ir.NodeID, len(mod.Observables))
		for i, o := range mod.Observables {
			outs[i] = o.Node
			if g.Dep(o.Node)&ir.DepTime != 0 {
				p.obsTD = true
			}
		}
		p.obs = g.Compile(outs)
		p.maxLen = max(p.maxLen, p.obs.Len())
	}
	if nEnv := len(mod.Env.Space); nEnv > 0 {
		w := make([]float64, nEnv)
		switch {
		case mod.Env.Init != nil:
			copy(w, mod.Env.Init)
		case mod.Env.Stationary:
			for y := range w {
				w[y] = 1
			}
		default:
			w[0] = 1
		}
		sum := 0.0
		for y := range w {
			sum += w[y]
			w[y] = sum
		}
		for y := range w {
			w[y] /= sum
		}
		p.envInit = w
	}
	return p, nil
}

// Sim is one trajectory of the chain. It is not safe for concurrent use; New builds a
// simulator per goroutine.
type Sim struct {
	p     *plan
	in    ir.Inputs
	vals  []float64
	props []float64
	obs   []float64
	init  []float64
	rng   *pcg
	// kc are the constants of the kernels and lead the product of each kernel's leading
	// constants, at the parameters of the simulator.
	kc, lead []float64
	cr       *crIndex // composition–rejection index of the time-homogeneous propensities
	bound    float64
	max      int64

	t      float64
	env    int
	events int64
	scaled bool
	// Discrete time: psum is Σ_j props[j] after the checks of the current state; dirty
	// says that props changed since (a jump, or a fresh evaluation), so the checks and
	// the sum are due before the next step.
	psum  float64
	dirty bool
	// a0 is the total rate of the last draw (continuous time), the scale of round-off.
	a0 float64
	// polls counts the iterations of the advance loops, to check the context every
	// ctxEvery of them.
	polls uint64
	// work counts the events (continuous time, null events of thinning included) or steps
	// (discrete time) since Reset;
	// Advance stops with ErrBudget when it reaches limit (0: no limit).
	work, limit int64
	// blowup watches the event rate of a continuous-time trajectory for explosion.
	blowup explosion
	// Conditioning on survival (Settings.ConditionSurvival) in a time average: occ is the
	// trajectory's occupation measure since Reset, from which an absorbed trajectory
	// restarts (nil: no conditioning); absorptions counts the restarts.
	occ         *occupation
	absorptions int64
}

// ErrCondition refuses the conditioning on survival for a model it does not apply to.
var ErrCondition = errors.New("ssa: conditioning on survival applies to time-homogeneous continuous-time models (an absorbing state is one where no transition can fire)")

// Absorbed reports whether the trajectory is in an absorbing state: no transition can fire
// there, ever (every propensity is 0 in a time-homogeneous continuous-time model). It is
// false for the models ErrCondition names.
func (s *Sim) Absorbed() bool {
	if s.p.disc || len(s.p.td) > 0 {
		return false
	}
	for _, a := range s.props {
		if a != 0 {
			return false
		}
	}
	return true
}

// Absorptions returns the number of absorptions since Reset of a trajectory that restarts
// on absorption (TimeAverage with Settings.ConditionSurvival).
func (s *Sim) Absorptions() int64 { return s.absorptions }

// restartIfAbsorbed moves an absorbed trajectory to a state drawn, independently of the
// earlier draws, from its occupation measure since Reset. The occupation measure of a
// trajectory so restarted converges to the quasi-stationary law (D. Aldous, B. Flannery and J. L.
// Palacios, Probab. Eng. Inform. Sci. 2:293–307, 1988; M. Benaïm and B. Cloez, Adv. Appl.
// Probab. 47:37–59, 2015).
func (s *Sim) restartIfAbsorbed() error {
	if !s.Absorbed() {
		return nil
	}
	if s.occ.total == 0 {
		return fmt.Errorf("ssa: the trajectory was absorbed at %s at t = %g before it spent any time elsewhere: no state to restart from", s.StateString(), s.t)
	}
	s.absorptions++
	k := s.occ.draw(s.rng.Float64() * s.occ.total)
	copy(s.in.Counts, s.occ.counts[k*s.p.d:(k+1)*s.p.d])
	if s.scaled {
		for i, v := range s.in.Counts {
			s.in.Densities[i] = v / s.in.Scale
		}
	}
	s.env = s.occ.env[k]
	s.setEnv()
	if s.cr != nil {
		s.cr.clear()
	}
	return s.evalAll()
}

// ctxEvery is how many events or steps pass between two checks of the context: far below
// a second of simulation even with thousands of transitions.
const ctxEvery = 4096

// poll checks ctx every ctxEvery calls.
func (s *Sim) poll(ctx context.Context) error {
	s.polls++
	if s.polls%ctxEvery != 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ssa: simulation stopped at t = %g after %d events: %w", s.t, s.events, err)
	}
	return nil
}

// New returns a simulator of m started from in: the counts in.Counts (non-negative
// integers; set them with m.InitialCounts or use m.Inputs()) with parameters, scale and
// time origin of in; the environment starts from a draw of m.IR.Env.Init (uniform over the
// space for 'env ~ stationary' without a law, state 0 if Init is nil). Call Reset before
// simulating.
func New(m *runtime.Model, in *ir.Inputs, s Settings) (*Sim, error) {
	p, err := newPlan(m, &s)
	if err != nil {
		return nil, err
	}
	return p.newSim(in, s)
}

func (p *plan) newSim(in *ir.Inputs, s Settings) (*Sim, error) {
	if len(in.Counts) != p.d {
		return nil, fmt.Errorf("ssa: in.Counts has length %d, want %d species", len(in.Counts), p.d)
	}
	for i, v := range in.Counts {
		if v < 0 || v != math.Trunc(v) || v > 1<<53 {
			return nil, fmt.Errorf("ssa: initial count %s = %v is not a non-negative integer", p.mod.Species[i].Name, v)
		}
	}
	sim := &Sim{p: p, vals: make([]float64, p.maxLen), props: make([]float64, p.nT),
		obs: make([]float64, len(p.mod.Observables)), init: append([]float64(nil), in.Counts...),
		bound: s.RateBound, max: s.MaxEvents}
	sim.in = ir.Inputs{Params: in.Params, Scale: in.Scale, Time: in.Time,
		Counts: make([]float64, p.d), Densities: make([]float64, p.d),
		Env: make([]float64, len(p.mod.Env.Components))}
	sim.scaled = in.Scale > 0
	sim.rng = &pcg{}
	sim.kc = make([]float64, len(p.ks.constNodes))
	sim.lead = make([]float64, p.nT)
	p.ks.constants(&sim.in, sim.vals, sim.kc, sim.lead)
	if p.useCR {
		sim.cr = newCRIndex(p.nT)
	}
	return sim, nil
}

// splitmix64 is the finaliser of SplitMix64 (Steele, Lea and Flood 2014).
func splitmix64(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// Reset restarts the trajectory at time 0 from the initial state with the random stream of
// run index run under seed: PCG seeded with splitmix64 of (seed, run) only.
func (s *Sim) Reset(seed, run uint64) error {
	a := splitmix64(seed)
	s.rng.Seed(splitmix64(a^splitmix64(run)), splitmix64(a+0x632BE59BD9B4E019*(run+1)))
	s.t, s.events, s.in.Time = 0, 0, 0
	s.work, s.blowup = 0, explosion{}
	s.absorptions = 0
	if s.occ != nil {
		s.occ.reset()
	}
	copy(s.in.Counts, s.init)
	for i, v := range s.init {
		if s.scaled {
			s.in.Densities[i] = v / s.in.Scale
		}
	}
	s.env = 0
	if s.p.envInit != nil {
		u := s.rng.Float64()
		for s.env < len(s.p.envInit)-1 && u >= s.p.envInit[s.env] {
			s.env++
		}
	}
	s.setEnv()
	if s.cr != nil {
		s.cr.clear()
	}
	s.p.ks.constants(&s.in, s.vals, s.kc, s.lead)
	return s.evalAll()
}

func (s *Sim) setEnv() {
	if len(s.p.mod.Env.Space) > 0 {
		for k, v := range s.p.mod.Env.Space[s.env] {
			s.in.Env[k] = float64(v)
		}
	}
}

// Time returns the current time (the step index in discrete time).
func (s *Sim) Time() float64 { return s.t }

// Counts returns the current counts (a view; do not modify).
func (s *Sim) Counts() []float64 { return s.in.Counts }

// Env returns the current environment index into m.IR.Env.Space (0 without environment).
func (s *Sim) Env() int { return s.env }

// Events returns the number of events fired since Reset.
func (s *Sim) Events() int64 { return s.events }

// Observables evaluates the model's observables at the current state and time into dst.
func (s *Sim) Observables(dst []float64) {
	if s.p.obs == nil {
		return
	}
	s.in.Time = s.t
	s.p.obs.Eval(s.vals, &s.in)
	for i := range dst {
		dst[i] = s.vals[s.p.obs.Out[i]]
	}
}

func (s *Sim) evalAll() error {
	s.p.full.Eval(s.vals, &s.in)
	for j := range s.props {
		s.props[j] = s.vals[s.p.full.Out[j]]
		s.mask(j)
	}
	if s.p.disc {
		// Discrete time: the probabilities are checked by checkProb before each step.
		s.dirty = true
		return nil
	}
	if err := s.check(); err != nil {
		return err
	}
	if s.cr != nil {
		for j, a := range s.props {
			if !s.p.isTD[j] {
				s.cr.set(j, a)
			}
		}
	}
	return nil
}

func (s *Sim) mask(j int) {
	if u := s.p.update[j]; u != nil && u[s.env] < 0 {
		s.props[j] = 0
	}
}

// check validates the propensities by the rules of package step: round-off values become
// 0, others that are negative, NaN or infinite are E802. It costs one scan when every value
// is finite and non-negative (nothing to change) and O(J) otherwise.
func (s *Sim) check() error {
	bad := false
	for _, a := range s.props {
		if !(a >= 0) || a > math.MaxFloat64 {
			bad = true
			break
		}
	}
	if !bad {
		return nil
	}
	if _, err := step.Check(s.props, s.state()); err != nil {
		return err
	}
	if s.cr != nil {
		// Round-off values anywhere may have become 0.
		for j, a := range s.props {
			if !s.p.isTD[j] {
				s.cr.set(j, a)
			}
		}
	}
	return nil
}

// state describes the current state for the checks of package step.
func (s *Sim) state() *step.State {
	return &step.State{Model: s.p.mod, Counts: s.in.Counts, Env: s.env, Time: s.t, Timed: true}
}

// Advance simulates until time tEnd (the state at tEnd is the state after every event at
// or before tEnd). If acc is non-nil, acc[i] += ∫ n_i dt for every species i and
// acc[d+k] += ∫ h_k dt for every observable k over the interval.
//
// In discrete time the state X_k at step index k is held on [k, k+1): Advance takes the
// steps from the current index k to ⌊tEnd⌋ (none if ⌊tEnd⌋ ≤ k), so that the state is
// X_⌊tEnd⌋, and the integrals become sums over the step indices visited, e.g.
// acc[i] += Σ_{k ≤ m < ⌊tEnd⌋} n_i(X_m).
//
// When ctx is done, Advance stops within ctxEvery events (or steps) and returns an error
// wrapping ctx.Err(); the trajectory can go on with another Advance.
func (s *Sim) Advance(ctx context.Context, tEnd float64, acc []float64) error {
	if s.p.disc {
		return s.advanceDiscrete(ctx, tEnd, acc)
	}
	if acc == nil && s.occ == nil && s.p.td == nil {
		return s.advanceHom(ctx, tEnd)
	}
	if acc != nil {
		s.Observables(s.obs)
	}
	for s.t < tEnd {
		if s.max > 0 && s.events >= s.max {
			return ErrMaxEvents
		}
		if s.limit > 0 && s.work >= s.limit {
			return ErrBudget
		}
		if err := s.poll(ctx); err != nil {
			return err
		}
		tPrev := s.t
		var j int
		var err error
		if s.p.td == nil {
			j = s.stepHom(tEnd)
		} else {
			j, err = s.stepThin(tEnd)
			if err != nil {
				return err
			}
		}
		if acc != nil {
			dt := s.t - tPrev
			for i, v := range s.in.Counts {
				acc[i] += v * dt
			}
			for k, v := range s.obs {
				acc[s.p.d+k] += v * dt
			}
		}
		if s.occ != nil && s.t > tPrev {
			s.occ.add(s.in.Counts, s.env, s.t-tPrev)
		}
		if j < 0 {
			continue
		}
		s.work++
		// A short draw may round off against t now and then; the clock stalls when the
		// mean waiting time does.
		if s.t == tPrev && s.a0 > 0 && tPrev+1/s.a0 == tPrev {
			return s.stalled(j)
		}
		ev := s.events
		if err := s.fire(j); err != nil {
			return err
		}
		if s.events != ev && s.events&(1<<blowupFirst-1) == 0 {
			if err := s.watch(tEnd); err != nil {
				return err
			}
		}
		if s.occ != nil {
			if err := s.restartIfAbsorbed(); err != nil {
				return err
			}
		}
		if acc != nil {
			s.Observables(s.obs)
		}
	}
	return nil
}

// SetLimit bounds the events (continuous time) or steps (discrete time) of the trajectory
// from its Reset: Advance then stops with ErrBudget. 0 means no bound.
func (s *Sim) SetLimit(n int64) { s.limit = n }

// wait draws the exponential waiting time of total rate a0 and advances the clock; it
// returns false, with the time set to tEnd, when no event happens before tEnd.
func (s *Sim) wait(a0, tEnd float64) bool {
	if a0 <= 0 {
		s.t = tEnd
		return false
	}
	t := s.t + s.rng.ExpFloat64()/a0
	if t > tEnd {
		s.t = tEnd
		return false
	}
	s.t = t
	return true
}

// stepHom draws the next event of a time-homogeneous model: it advances the time and returns
// the transition to fire, or −1 if the next event is after tEnd (the time is then tEnd).
func (s *Sim) stepHom(tEnd float64) int {
	if s.cr != nil {
		a0 := s.cr.total()
		s.a0 = a0
		if !s.wait(a0, tEnd) {
			return -1
		}
		return s.cr.pick(s.rng.Float64()*a0, s.rng)
	}
	a0 := 0.0
	for _, a := range s.props {
		a0 += a
	}
	s.a0 = a0
	if !s.wait(a0, tEnd) {
		return -1
	}
	r := s.rng.Float64() * a0
	last := -1
	for j, a := range s.props {
		if a > 0 {
			last = j
			if r < a {
				return j
			}
			r -= a
		}
	}
	return last // round-off at the end of the sum
}

// stepThin is stepHom with thinning of the time-dependent propensities.
func (s *Sim) stepThin(tEnd float64) (int, error) {
	a0 := 0.0
	if s.cr != nil {
		a0 = s.cr.total()
	} else {
		for _, j := range s.p.hom {
			a0 += s.props[j]
		}
	}
	total := a0 + s.bound
	t := s.t + s.rng.ExpFloat64()/total
	if t > tEnd {
		s.t = tEnd
		return -1, nil
	}
	s.t = t
	s.in.Time = t
	tp := s.p.tdTape
	tp.Eval(s.vals, &s.in)
	td := 0.0
	for i, j := range s.p.td {
		s.props[j] = s.vals[tp.Out[i]]
		s.mask(int(j))
		td += s.props[j]
	}
	if err := s.check(); err != nil {
		return -1, err
	}
	s.a0 = a0 + td
	if td > s.bound {
		return -1, fmt.Errorf("%w: Σ time-dependent propensities = %g > %g at t = %g, %s", ErrBoundExceeded, td, s.bound, t, s.StateString())
	}
	r := s.rng.Float64() * total
	list := s.p.hom
	if r < a0 && s.cr != nil {
		return s.cr.pick(r, s.rng), nil
	}
	if r >= a0 {
		r -= a0
		list = s.p.td
		if r >= td {
			return -1, nil // null event
		}
	}
	last := -1
	for _, j := range list {
		if a := s.props[j]; a > 0 {
			last = int(j)
			if r < a {
				return int(j), nil
			}
			r -= a
		}
	}
	return last, nil
}

// StateString formats the current state as name=value pairs, e.g. "S=3, I=0, Y=1".
func (s *Sim) StateString() string {
	return step.FormatState(s.p.mod, s.in.Counts, s.env, nil)
}
