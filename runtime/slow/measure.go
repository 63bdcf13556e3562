package slow

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/poisson"
	"github.com/mfcproject/mfc/runtime/step"
)

// Settings control Expand. A nil *Settings means the highest available order, the default
// expansion point of each kind and exact derivatives; in a Settings value, Order 0 is
// order 0.
type Settings struct {
	// Order is the highest order wanted, 0..2; −1 means the highest available.
	Order int
	// Expand is "start", "end" or "" (the default: end for transient measures, start for
	// the others).
	Expand string
	// Deriv is "exact" (AD, the default) or "fd" (finite differences of the matrices).
	Deriv string
	// FDStep is the step j of the finite differences; 0 means the default:
	// ⌈1/(1 − e^{−α})⌉ for discounted measures, 2 for the other start expansions, 1 at the end.
	FDStep int
	// Eps, when > 0, is the speed of change ε, used only for the regime checks
	// n ≪ ε^{−1/3} (Theorem 4) and n ≪ ε^{−1/4} (Theorem 8) and log(1/ε).
	Eps float64
	// Limits bounds the exploration of the frozen chain.
	Limits ctmc.Limits
	// Poisson controls the factorisations (nil: defaults).
	Poisson *poisson.Options
}

// Measure is the expansion of one measure.
type Measure struct {
	Name, Kind, Expand, Deriv string
	FDStep                    int
	Order                     int
	// Terms[k] is the term of order k (its power of ε included); Value = Σ Terms.
	Terms []float64
	Value float64
	// AvailableOrders lists the orders the kind has at its expansion point.
	AvailableOrders []int
	// T is the time of the frozen chain: t₀ (start), t₀ + n − 1 (the last step of a
	// discrete horizon n) or t₀ + T (continuous time, at the evaluation time).
	T float64
	// Pi is the stationary law of the frozen chain, over the states (nil when the frozen
	// chain is not irreducible, which the discounted expansions do not need).
	Pi []float64
	// States is the number of states of the frozen chain.
	States int
	// PiDot and PMF are π̇ = π̃Q̇D and the first-order correction of the law p⁽¹⁾ = −π̇D of a
	// continuous-time transient measure.
	PiDot, PMF []float64
	// RelaxationTime is 1/(spectral gap) of the frozen chain (0 when not computed).
	RelaxationTime float64
	// SlownessRatio is |term₁|/|term₀|.
	SlownessRatio float64
	Regime        []string
	Warnings      []string
	// Solves counts the linear solves of the expansion; Residual is their largest backward
	// error.
	Solves   int
	Residual float64
}

// Available returns the orders of a measure kind at an expansion point in discrete or
// continuous time, or nil and the reason when the kind is not expanded there
// (seed-004: discounted both times 0..2; transient at the end 0..2; hitting, transient at
// the start and cumulative 0..1; continuous transient 0..2 at the evaluation time).
func Available(kind ir.MeasureKind, expand string, discrete bool) ([]int, string) {
	two, one := []int{0, 1, 2}, []int{0, 1}
	switch {
	case kind == ir.Stationary:
		return nil, "a stationary measure does not change with time: the frozen chain's value is the exact one (mfc exact)"
	case kind == ir.Discounted && expand == "start":
		return two, ""
	case kind == ir.Discounted:
		return nil, "discounted measures are expanded at the start (Theorems 1–2, §5.5)"
	case !discrete && kind == ir.Transient && expand == "end":
		return two, ""
	case !discrete && kind == ir.Transient:
		return nil, "continuous-time transient measures are expanded at the evaluation time (Theorems 9–10): use --expand end"
	case !discrete:
		return nil, fmt.Sprintf("the paper expands no continuous-time %s measure", kind)
	case kind == ir.Transient && expand == "end":
		return two, ""
	case kind == ir.Transient:
		return one, ""
	case kind == ir.Until && expand == "start", kind == ir.Cumulative && expand == "start":
		return one, ""
	}
	return nil, fmt.Sprintf("%s measures are expanded at the start (Theorems 3 and 8)", kind)
}

// DefaultExpand returns the default expansion point of a kind: end for transient measures
// (the right choice at large times), start for the others.
func DefaultExpand(kind ir.MeasureKind) string {
	if kind == ir.Transient {
		return "end"
	}
	return "start"
}

// Expand computes the expansion of the measure called name of the model, with the
// parameters, scale and start time t₀ = in.Time of in: it finds the frozen time, explores
// the frozen chain's states there (ctmc.Explore), builds P̃, Ṗ, P̈ (or Q̃, Q̇, Q̈) on them by AD
// in t (or finite differences), evaluates the reward and the initial law, runs the kernel
// and the diagnostics. A transition whose target is not among the frozen chain's states (a
// state space that changes with t) is left out with the diagonal rebuilt, and warned about.
// Cost: the exploration, O(S·tape) for the matrices, and one factorisation with ≤ 10
// solves.
func Expand(ctx context.Context, m *runtime.Model, in *ir.Inputs, name string, s *Settings) (*Measure, error) {
	set := Settings{Order: -1}
	if s != nil {
		set = *s
	}
	if set.Deriv == "" {
		set.Deriv = "exact"
	}
	mod := m.IR
	var ms *ir.Measure
	for i := range mod.Measures {
		if mod.Measures[i].Name == name {
			ms = &mod.Measures[i]
		}
	}
	if ms == nil {
		return nil, fmt.Errorf("slow: the model has no measure '%s'", name)
	}
	discrete := mod.Time == ir.Discrete
	if set.Expand == "" {
		set.Expand = DefaultExpand(ms.Kind)
	}
	avail, why := Available(ms.Kind, set.Expand, discrete)
	if avail == nil {
		return nil, fmt.Errorf("slow: measure '%s' (%s, expanded at the %s): %s", name, ms.Kind, set.Expand, why)
	}
	order := set.Order
	if order < 0 || order > avail[len(avail)-1] {
		if order >= 0 {
			return nil, &OrderError{Kind: ms.Kind.String() + " at the " + set.Expand, Order: order, Available: avail[len(avail)-1], Why: orderWhy(ms.Kind, set.Expand, discrete)}
		}
		order = avail[len(avail)-1]
	}
	if set.Deriv != "exact" && set.Deriv != "fd" {
		return nil, fmt.Errorf("slow: derivatives %q: want exact or fd", set.Deriv)
	}
	if set.Deriv == "fd" && !discrete {
		return nil, errors.New("slow: finite-difference derivatives (§3.4) are for discrete-time chains; use exact derivatives")
	}
	out := &Measure{Name: name, Kind: ms.Kind.String(), Expand: set.Expand, Deriv: set.Deriv, Order: order, AvailableOrders: avail}

	// The argument: horizon or discount rate (until: the region, per state).
	arg := 0.0
	if ms.Kind != ir.Until {
		tape := mod.Graph.Compile(ms.Args[1:2])
		vals := make([]float64, tape.Len())
		tape.Eval(vals, in)
		arg = tape.Output(vals, 0)
	}
	t0 := in.Time
	tf, err := frozenTime(ms.Kind, set.Expand, discrete, t0, arg)
	if err != nil {
		return nil, fmt.Errorf("slow: measure '%s': %w", name, err)
	}
	out.T = tf
	fin := *in
	fin.Time = out.T
	// The exploration evaluates the propensity jets of the first matrices the expansion
	// builds (at the frozen time: the exact derivatives, or the first sample of the finite
	// differences), which the builder keeps: the states are evaluated once.
	b := NewBuilder(m, nil, in)
	seedOrder := 0
	if set.Deriv == "exact" {
		seedOrder = max(order, 1)
	}
	chain, err := b.explore(ctx, &fin, set.Limits, seedOrder)
	if err != nil {
		return nil, err
	}
	base := chain
	union := discrete && !mod.TimeHomogeneous && (ms.Kind == ir.Discounted || ms.Kind == ir.Until)
	// With a union to come, scan first: the matrices are assembled once, on its states.
	mats, err := matrices(b, &set, out, ms.Kind, arg, union)
	if err != nil {
		return nil, err
	}
	if union && b.Dropped > 0 {
		// The resolvent expansions need no irreducible frozen chain: when transitions at the
		// sampled times lead out of the frozen chain's states, take the union of the states
		// reached at those times (probabilities that round to 0 at t₀ can be O(1) later, as
		// demand grows in the inventory model) and build the matrices again.
		grown, err := stateUnion(ctx, m, in, chain, sampleTimes(&set, ms.Kind, out.T, arg), set.Limits, b)
		if err != nil {
			return nil, err
		}
		if grown.NumStates() > chain.NumStates() {
			chain = grown
			b.Grow(chain) // the records of the scan are kept
		}
	}
	if union {
		// From the records of the scan, on the union: the rows are not evaluated again.
		if mats, err = matrices(b, &set, out, ms.Kind, arg, false); err != nil {
			return nil, err
		}
	}
	out.States = chain.NumStates()
	if mod.TimeHomogeneous {
		out.Warnings = append(out.Warnings, "the propensities do not depend on t: the derivative matrices vanish and the expansion is the frozen chain's value")
	}
	if b.Dropped > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%d transitions (rates or derivatives up to %.3g) lead to states the frozen chain at t = %v does not reach; they were left out with the diagonal rebuilt (the state space changes with t: the expansion is that of the truncated chain)", b.Dropped, b.DroppedRate, out.T))
	}
	tr := t0
	if ms.Kind == ir.Transient {
		tr = t0 + arg
	}
	r := ctmc.StateValues(chain, m, &fin, ms.Args[:1], tr)[0]
	mu, err := ctmc.InitialDistribution(base)
	if err != nil {
		return nil, err
	}
	for len(mu) < chain.NumStates() {
		mu = append(mu, 0) // TimeVarying appends the new states after the old ones
	}
	res, fc, err := run(ctx, ms, mats, chain, m, &fin, mu, r, arg, order, discrete, &set, out)
	if err != nil {
		return nil, fmt.Errorf("slow: measure '%s': %w", name, err)
	}
	out.Terms, out.Value, out.Solves, out.Residual = res.Terms, res.Value(), res.Solves, res.Residual
	diagnose(ctx, out, fc, ms.Kind, discrete, arg, &set, mats)
	return out, nil
}

func orderWhy(kind ir.MeasureKind, expand string, discrete bool) string {
	switch {
	case kind == ir.Until:
		return "the paper gives the first order only (Theorem 3)"
	case kind == ir.Cumulative:
		return "the paper gives the first order only (Theorem 8)"
	case kind == ir.Transient && expand == "start":
		return "the paper gives the first order only (Theorem 4); expand at the end for order 2"
	}
	return "orders 0 to 2 only"
}

// frozenTime returns the time of the frozen chain.
func frozenTime(kind ir.MeasureKind, expand string, discrete bool, t0, arg float64) (float64, error) {
	if expand == "start" {
		return t0, nil
	}
	if !(arg >= 0) || math.IsInf(arg, 0) {
		return 0, fmt.Errorf("the horizon %v is not finite and ≥ 0", arg)
	}
	if !discrete {
		return t0 + arg, nil
	}
	if arg != math.Trunc(arg) || arg < 1 {
		return 0, fmt.Errorf("the horizon %v of a discrete-time measure expanded at the end must be an integer ≥ 1 (P̃ is the matrix of the last step)", arg)
	}
	return t0 + arg - 1, nil
}

// matrices builds the frozen matrix and its derivatives, exact or by finite differences.
// With scan, it only scans the samples (Builder.scan), counting the transitions left out
// (b.Dropped), and returns no matrices; a sample too large to scan is built.
func matrices(b *Builder, set *Settings, out *Measure, kind ir.MeasureKind, arg float64, scan bool) (Matrices, error) {
	need := max(out.Order, 1)
	at := func(t float64, order int) (Matrices, error) {
		if scan {
			if ok, err := b.scan(t, order); ok || err != nil {
				return Matrices{}, err
			}
		}
		return b.At(t, order)
	}
	if set.Deriv == "exact" {
		return at(out.T, need)
	}
	j := fdStep(set, kind, out.Expand, arg)
	h := float64(j)
	sign := -1.0 // end: backward differences P_n − P_{n−j}
	if out.Expand == "start" {
		if j < 2 {
			return Matrices{}, fmt.Errorf("slow: --fd-step %d: the start differences (P_j − P_1)/(j − 1) need j ≥ 2", j)
		}
		h, sign = float64(j-1), 1
	}
	out.FDStep = j
	sample := func(k float64) (*Matrices, error) {
		mm, err := at(out.T+sign*k*h, 0)
		return &mm, err
	}
	var ps [3]*Matrices
	dropped, rate := 0, 0.0
	for k := 0; k <= need; k++ {
		p, err := sample(float64(k))
		if err != nil {
			return Matrices{}, err
		}
		ps[k] = p
		dropped += b.Dropped
		rate = math.Max(rate, b.DroppedRate)
	}
	b.Dropped, b.DroppedRate = dropped, rate
	if scan {
		return Matrices{}, nil
	}
	res := Matrices{P: ps[0].P, D1: Combine([]float64{sign / h, -sign / h}, []*linalg.CSR{ps[1].P, ps[0].P})}
	if need >= 2 {
		res.D2 = Combine([]float64{1 / (h * h), -2 / (h * h), 1 / (h * h)}, []*linalg.CSR{ps[2].P, ps[1].P, ps[0].P})
	}
	return res, nil
}

// ParamSensitivity returns the value of the discounted measure called name of a
// discrete-time model, with the chain frozen at in.Time, and its derivative with respect
// to the parameter param: q μRP′Rr (Theorem 1 with a ≡ 1, the ordinary derivative of
// μ(I − qP(θ))⁻¹r), P′ by AD in the parameter. Cost: the exploration, O(S·tape), one
// factorisation and 2 solves.
func ParamSensitivity(ctx context.Context, m *runtime.Model, in *ir.Inputs, name, param string, s *Settings) (value, deriv float64, err error) {
	var set Settings
	if s != nil {
		set = *s
	}
	k, err := m.DiffParam(param)
	if err != nil {
		return 0, 0, err
	}
	var ms *ir.Measure
	for i := range m.IR.Measures {
		if m.IR.Measures[i].Name == name {
			ms = &m.IR.Measures[i]
		}
	}
	if ms == nil || ms.Kind != ir.Discounted || m.IR.Time != ir.Discrete {
		return 0, 0, fmt.Errorf("slow: --wrt: '%s' is not a discounted measure of a discrete-time model (Theorem 1 with a ≡ 1 covers those)", name)
	}
	tape := m.IR.Graph.Compile(ms.Args[1:2])
	vals := make([]float64, tape.Len())
	tape.Eval(vals, in)
	alpha := tape.Output(vals, 0)
	chain, err := ctmc.Explore(ctx, m, in, set.Limits)
	if err != nil {
		return 0, 0, err
	}
	mats, err := NewBuilderParam(m, chain, in, k).At(in.Time, 1)
	if err != nil {
		return 0, 0, err
	}
	r := ctmc.StateValues(chain, m, in, ms.Args[:1], in.Time)[0]
	mu, err := ctmc.InitialDistribution(chain)
	if err != nil {
		return 0, 0, err
	}
	return Sensitivity(ctx, mats, mu, r, alpha, set.Poisson)
}

// sampleTimes returns the times, besides the frozen time, whose matrices an expansion uses:
// the next step (where a probability that vanishes at the frozen time starts to grow), and the
// samples of the finite differences.
func sampleTimes(set *Settings, kind ir.MeasureKind, tf, arg float64) []float64 {
	times := []float64{tf + 1} // the exploration at tf is closed under P(tf) already
	if set.Deriv == "fd" {
		j := max(fdStep(set, kind, "start", arg), 2)
		times = append(times, tf+float64(j-1), tf+float64(2*j-2))
	}
	return times
}

// stateUnion closes the states of c under one step at each of the given times
// (ctmc.StepStatesKnown from the states not yet stepped from, with the targets b cached,
// which appends the states it reaches, as ctmc.TimeVarying does from the uniform law on
// them), until no state is added; a time at which b shows that the step adds none
// (stepsWithin) is not stepped. The propensities b kept from its At calls at those times (the samples of the
// finite differences) are not evaluated again. O(len(times)·S·(tape + J·d)) for the S
// states of the union.
func stateUnion(ctx context.Context, m *runtime.Model, in *ir.Inputs, c *ctmc.Chain, times []float64, lim ctmc.Limits, b *Builder) (*ctmc.Chain, error) {
	// A second step at a time from the same states adds nothing (j = 2 samples t + 1 twice).
	var once []float64
	for _, t := range times {
		if !slices.Contains(once, t) {
			once = append(once, t)
		}
	}
	times = once
	from := 0 // the states not yet stepped from at every time
	for from < c.NumStates() {
		n := c.NumStates()
		for _, t := range times {
			if b.stepsWithin(c, t, from) {
				continue // ctmc.StepStates would add no state
			}
			local := *in
			local.Time = t
			var err error
			if c, err = ctmc.StepStatesKnown(ctx, c, m, &local, from, b.Values(t), b.knownTarget, lim); err != nil {
				return nil, err
			}
		}
		from = n
	}
	return c, nil
}

// knownTarget returns the cached target of transition j from state i (an index among the
// builder's states, which a chain grown from them keeps), or −1 when it has none cached or
// it was not among the states (ctmc.StepStatesKnown). O(1).
func (b *Builder) knownTarget(i, j int) int {
	if b.targets == nil || i >= b.N() {
		return -1
	}
	if v := b.targets[i*len(b.m.IR.Transitions)+j]; v >= 0 {
		return int(v)
	}
	return -1
}

// stepsWithin reports whether one step at time t from the states from..n−1 of c (the
// builder's states, then those stateUnion appended) surely stays among the states of c
// without an error, so that ctmc.StepStates would return c unchanged: every transition
// with a non-zero probability is allowed, positive and finite, the probabilities leaving
// a state sum to at most 1 + step.ProbTol, and its target is in c. It reads the
// propensities the builder kept at t (Values) and its cached targets, and evaluates the
// states beyond the builder's (as StepStates would). It reports false whenever it cannot
// tell (no propensities kept at t, a negative or non-finite one, a target outside c or
// with a negative count): StepStates then steps, and reports any error, as before.
// O((n − from)·J·d), plus a propensity evaluation per state beyond the builder's.
func (b *Builder) stepsWithin(c *ctmc.Chain, t float64, from int) bool {
	vals := b.Values(t)
	if vals == nil {
		return false
	}
	mod := b.m.IR
	J := len(mod.Transitions)
	var own []float64 // the propensities of a state beyond the builder's
	key := make([]int, c.Dim)
	for i, n := from, c.NumStates(); i < n; i++ {
		var v []float64
		var targets []int32
		if i < b.N() {
			if v = vals(i); v == nil {
				return false
			}
			targets = b.targetRow(i)
		} else {
			if own == nil {
				own = make([]float64, J)
			}
			b.loadKey(c.Counts(i), c.Env(i))
			b.in.Time = t
			b.m.Propensities(own, b.in)
			v = own
		}
		counts, y := c.Counts(i), c.Env(i)
		sum := 0.0
		for j, a := range v {
			if a == 0 {
				continue
			}
			if !(a > 0) || a > math.MaxFloat64 {
				return false
			}
			tr := &mod.Transitions[j]
			if !step.Allowed(tr, y) {
				continue
			}
			sum += a
			if targets != nil && targets[j] >= 0 {
				continue // among the builder's states, which keep their indices in c
			}
			for k, x := range counts {
				key[k] = int(x)
			}
			for _, jp := range tr.Jump {
				if key[jp.Species] += int(jp.Delta); key[jp.Species] < 0 {
					return false
				}
			}
			z := y
			if tr.Update != nil {
				z = tr.Update[y]
			}
			if c.Index(key, z) < 0 {
				return false
			}
		}
		if sum > 1+step.ProbTol {
			return false
		}
	}
	return true
}

// fdStep returns the step j of the finite differences: Settings.FDStep, or by default
// ⌈1/(1 − e^{−α})⌉ (at least 2) for discounted measures, 1 at the end and 2 otherwise.
func fdStep(set *Settings, kind ir.MeasureKind, expand string, arg float64) int {
	switch {
	case set.FDStep > 0:
		return set.FDStep
	case kind == ir.Discounted:
		return max(int(math.Ceil(1/-math.Expm1(-arg))), 2)
	case expand == "end":
		return 1
	}
	return 2
}
