// Package runtime is the model API every analysis works on. It evaluates what the analyses
// need from a compiled model (package runtime/load compiles one from a file): propensities
// in count form, and for models with a scale N the density-dependent expansion a_j = N(β₀_j + β₁_j/N + β₂_j/N² + …) of every
// transition j with jump ℓ_j, assembled into
//
//	F(x, y)  = Σ_j ℓ_j β₀_j(x, y)      the mean-field drift
//	F₁(x, y) = Σ_j ℓ_j β₁_j(x, y)      its O(1/N) finite-size correction
//	F₂(x, y) = Σ_j ℓ_j β₂_j(x, y)      and the O(1/N²) one
//
// each a Field with exact Jacobians, Hessians and directional derivatives of any order up
// to four (forward-mode automatic differentiation of the compiled graph, package autodiff).
// The analyses themselves live in the sub-packages named after them.
//
// Every evaluation writes into caller-provided buffers and allocates nothing once a Model
// is built. A Model is not safe for concurrent use; call Clone for each goroutine.
package runtime

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/autodiff"
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/stdlib"
)

// Model is a compiled model with its evaluation tapes.
type Model struct {
	IR *ir.Model

	props    *ir.Tape
	propVals []float64
	propMemo *ir.Memo // the pmf and cdf values of Propensities (nil: the tape calls neither)
	// Propensities at the parameters, time and scale of propVals (propFixed, bits compared)
	// evaluates the slots that depend on the state only (propState).
	propState []int32
	propFixed []float64

	// Mean-field fields; nil unless the model has a mean field (see HasDrift).
	Drift  *Field // F: d outputs
	Drift1 *Field // F₁
	Drift2 *Field // F₂
	Rates  *Field // β₀_j: one output per transition
	Rates1 *Field // β₁_j
	// Observables is the field of the observables' coefficients in 1/N: output 3i+k is h_k
	// of observable i, where h = h₀(x) + h₁(x)/N + h₂(x)/N² for a deterministic state x.
	// Observables of negative order (counts, not densities) have zeros there and
	// ObservableScaled[i] false.
	Observables      *Field
	ObservableScaled []bool

	reduced *lazyBasis // shared by clones
}

// lazyBasis memoises the basis of the conservation laws' null space.
type lazyBasis struct {
	once sync.Once
	b    *linalg.Basis
}

// Loader returns the same model compiled at another scale N (with the same parameters).
// Recompiling rather than changing the scale of the inputs is needed because initial counts,
// and any expression of the scale, are fixed at compile time. Package runtime/load makes
// Loaders from files.
type Loader func(scale float64) (*Model, error)

// New builds the evaluation tapes of a compiled model. The mean-field fields exist only
// when the model's mean field is available (a continuous-time model with a scale whose
// propensities all expand in 1/N); see HasDrift.
func New(m *ir.Model) *Model {
	g := m.Graph
	props := make([]ir.NodeID, len(m.Transitions))
	for j, t := range m.Transitions {
		props[j] = t.Propensity
	}
	mod := &Model{IR: m, props: g.Compile(props), reduced: &lazyBasis{}}
	mod.propVals = make([]float64, mod.props.Len())
	mod.propMemo = ir.NewMemo(mod.props)
	mod.propState = mod.props.StateSlots()
	if m.MeanField.Available {
		mod.buildMeanField()
	}
	return mod
}

// buildMeanField compiles the fields of the mean-field nodes the compiler assembled
// (ir.MeanField).
func (m *Model) buildMeanField() {
	g := m.IR.Graph
	d := m.Dim()
	mf := &m.IR.MeanField
	m.Drift = NewField(g, mf.Drift[0], d)
	m.Drift1 = NewField(g, mf.Drift[1], d)
	m.Drift2 = NewField(g, mf.Drift[2], d)
	m.Rates = NewField(g, mf.Rates[0], d)
	m.Rates1 = NewField(g, mf.Rates[1], d)
	m.ObservableScaled = mf.ObservableScaled
	obs := make([]ir.NodeID, 0, 3*len(mf.Observables))
	for _, o := range mf.Observables {
		obs = append(obs, o[:]...)
	}
	m.Observables = NewField(g, obs, d)
}

// Clone returns a model that shares the compiled tapes with m but has its own buffers.
func (m *Model) Clone() *Model {
	c := *m
	c.propVals = make([]float64, len(m.propVals))
	c.propMemo = ir.NewMemo(m.props)
	c.propFixed = nil
	if m.Drift != nil {
		c.Drift, c.Drift1, c.Drift2 = m.Drift.Clone(), m.Drift1.Clone(), m.Drift2.Clone()
		c.Rates, c.Rates1 = m.Rates.Clone(), m.Rates1.Clone()
		c.Observables = m.Observables.Clone()
	}
	return &c
}

// Dim returns the number of species d.
func (m *Model) Dim() int { return len(m.IR.Species) }

// SpeciesNames returns the names of the species, in their order (nil for a model without
// species).
func (m *Model) SpeciesNames() []string {
	var out []string
	for _, s := range m.IR.Species {
		out = append(out, s.Name)
	}
	return out
}

// HasDrift reports whether the mean field is available.
func (m *Model) HasDrift() bool { return m.Drift != nil }

// Reduced returns the orthonormal basis P of the null space of the conservation laws
// IR.Conservation (linalg.NullBasis): the tangent space of the compatibility classes, in
// which the fixed-point, LNA, refinement and convergence analyses solve their equations.
// It is computed on first use (an SVD, O(m d² + d³) for m laws) and shared by clones; it
// is safe for concurrent use.
func (m *Model) Reduced() *linalg.Basis {
	if m.reduced == nil {
		return linalg.NullBasis(m.IR.Conservation, m.Dim())
	}
	m.reduced.once.Do(func() { m.reduced.b = linalg.NullBasis(m.IR.Conservation, m.Dim()) })
	return m.reduced.b
}

// HasFastEnvironment reports whether m has an environment with at least two states that
// some fast or coupled transition changes. Such a model has two timescales: its mean field
// is the average drift F̄(x) = Σ_y π_y(x) F(x, y) of package runtime/average, and the
// analyses of the plain drift F (fixpoint, lna, refine) refuse it, since F there is frozen
// in the environment's first state.
func (m *Model) HasFastEnvironment() bool {
	if len(m.IR.Env.Space) < 2 {
		return false
	}
	for _, t := range m.IR.Transitions {
		for _, mv := range t.Moves {
			if mv.Kind == ir.Fast || mv.Kind == ir.Coupled {
				return true
			}
		}
	}
	return false
}

// ErrFastEnvironment is returned by the analyses of the plain mean field (fixpoint, lna,
// refine) for a model with a fast environment (HasFastEnvironment).
var ErrFastEnvironment = errors.New("the model has a fast environment: its mean field is the two-timescale average over the environment, not the drift frozen in one environment state; use the two-timescale analysis (package runtime/average; mfc refine and mfc fixpoint select it automatically)")

// Inputs returns leaf values for evaluation: the model's parameter values, its scale, time
// 0, the environment in its first state, the initial counts and, for a scaled model, the
// initial densities (from 'init density', or counts / N).
func (m *Model) Inputs() *ir.Inputs {
	d := m.Dim()
	in := &ir.Inputs{
		Params:    append([]float64(nil), m.IR.ParamValues...),
		Counts:    make([]float64, d),
		Densities: make([]float64, d),
		Env:       make([]float64, len(m.IR.Env.Components)),
	}
	if m.IR.Scale != nil {
		in.Scale = m.IR.Scale.Value
	}
	if len(m.IR.Env.Space) > 0 {
		for c, v := range m.IR.Env.Space[0] {
			in.Env[c] = float64(v)
		}
	}
	m.InitialCounts(in.Counts, in)
	for i, n := range in.Counts {
		switch {
		case m.IR.Init.Densities != nil && m.IR.Init.Densities[i] != 0:
			in.Densities[i] = m.IR.Init.Densities[i]
		case in.Scale > 0:
			in.Densities[i] = n / in.Scale
		}
	}
	return in
}

// InitialCounts sets dst to the initial counts at the parameter values and scale of in.
func (m *Model) InitialCounts(dst []float64, in *ir.Inputs) {
	t := m.IR.Graph.Compile(m.IR.Init.Counts)
	vals := make([]float64, t.Len())
	t.Eval(vals, in)
	for i := range dst {
		dst[i] = vals[t.Out[i]]
	}
}

// PropensityTape returns the tape of the propensities, output j the propensity of
// transition j (as Propensities evaluates it). It is shared and immutable: evaluate it with
// buffers of your own. O(1).
func (m *Model) PropensityTape() *ir.Tape { return m.props }

// Propensities sets dst[j] to the propensity of transition j at in.Counts (count form,
// used verbatim by simulation and the exact chain).
func (m *Model) Propensities(dst []float64, in *ir.Inputs) {
	if len(dst) != len(m.IR.Transitions) {
		panic(fmt.Sprintf("runtime: Propensities: len(dst) = %d, want %d", len(dst), len(m.IR.Transitions)))
	}
	if in.SameFixed(m.propFixed) { // false while propFixed is empty
		m.props.EvalSlots(m.propVals, in, m.propMemo, m.propState)
	} else {
		m.props.EvalMemo(m.propVals, in, m.propMemo)
		m.propFixed = in.AppendFixed(m.propFixed[:0])
	}
	for j := range dst {
		dst[j] = m.propVals[m.props.Out[j]]
	}
}

// ErrNoMeanField is returned by mean-field evaluations of a model without a mean field.
var ErrNoMeanField = fmt.Errorf("runtime: the model has no mean field (no scale, discrete time, or a propensity that does not expand in 1/N)")

// Jacobian sets dst (empty or d×d) to ∂F/∂x at in; a shorthand for m.Drift.Jacobian.
func (m *Model) Jacobian(dst *mat.Dense, in *ir.Inputs) error {
	if m.Drift == nil {
		return ErrNoMeanField
	}
	return m.Drift.Jacobian(dst, in)
}

// Hessian sets dst[i] (each empty or d×d) to the Hessian of F_i at in.
func (m *Model) Hessian(dst []*mat.SymDense, in *ir.Inputs) error {
	if m.Drift == nil {
		return ErrNoMeanField
	}
	return m.Drift.Hessian(dst, in)
}

// EvalDrift sets dst to F(in.Densities, in.Env).
func (m *Model) EvalDrift(dst []float64, in *ir.Inputs) error {
	if m.Drift == nil {
		return ErrNoMeanField
	}
	m.Drift.Eval(dst, in)
	return nil
}

// NewJacobianCSR returns a sparse matrix with the drift Jacobian's pattern.
func (m *Model) NewJacobianCSR() *linalg.CSR { return m.Drift.NewCSR() }

// HasRateEquations reports whether the reaction-rate equations of the counts apply:
// a continuous-time model without a scale (chemical kinetics in molecule numbers) and
// without an environment of more than one state.
func (m *Model) HasRateEquations() bool {
	return m.IR.Scale == nil && m.IR.Time == ir.Continuous && len(m.IR.Env.Space) <= 1 && len(m.IR.Transitions) > 0
}

// SwitchingTransition returns the label of the first transition whose propensity switches
// with the counts — a guard, a comparison, a step function (floor, …) of the counts, as
// queues have at an empty buffer — or "" if every propensity is continuous in the counts.
// The reaction-rate equations of a switching network are discontinuous (at real counts a
// guard n == 0 holds nowhere), so they do not approximate its mean.
func (m *Model) SwitchingTransition() string {
	g := m.IR.Graph
	reads := map[ir.NodeID]bool{}
	var readsCount func(id ir.NodeID) bool
	readsCount = func(id ir.NodeID) bool {
		if r, ok := reads[id]; ok {
			return r
		}
		n := g.Node(id)
		r := n.Op == ir.OpCount
		for _, a := range n.Args {
			if readsCount(a) {
				r = true
			}
		}
		reads[id] = r
		return r
	}
	seen := map[ir.NodeID]bool{}
	var switches func(id ir.NodeID) bool
	switches = func(id ir.NodeID) bool {
		if seen[id] {
			return false
		}
		seen[id] = true
		n := g.Node(id)
		switch {
		case n.Op == ir.OpCmp && readsCount(id):
			return true
		case n.Op == ir.OpFn && ir.Fn(n.Aux).Builtin().Kind != stdlib.Smooth && readsCount(id):
			return true
		}
		for _, a := range n.Args {
			if switches(a) {
				return true
			}
		}
		return false
	}
	for _, t := range m.IR.Transitions {
		if switches(t.Propensity) {
			return t.Label
		}
	}
	return ""
}

// RateEquations returns the reaction-rate equations of the counts, dx/dt = Σ_j ℓ_j a_j(x)
// with a_j the propensities of the transitions evaluated at real counts x: the deterministic
// approximation of E[X(t)] chemists integrate for a model in molecule numbers (exact for
// propensities linear in the counts). A propensity negative between integer counts, such as
// c·x(x−1)/2 on 0 < x < 1 where both neighbouring counts give 0, counts as 0. The Jacobian Σ_j ℓ_j ∇a_j(x) is exact (forward AD
// over the counts). in's time and counts are overwritten at each evaluation of a copy.
func (m *Model) RateEquations(in *ir.Inputs) (f func(t float64, x, dx []float64) error, jac func(t float64, x []float64, dst *mat.Dense) error) {
	d := m.Dim()
	nodes := make([]ir.NodeID, len(m.IR.Transitions))
	for j, t := range m.IR.Transitions {
		nodes[j] = t.Propensity
	}
	prop := NewFieldVars(m.IR.Graph, nodes, autodiff.Counts(d))
	loc := *in
	loc.Counts = make([]float64, d)
	a := make([]float64, len(nodes))
	da := mat.NewDense(len(nodes), d, nil)
	f = func(t float64, x, dx []float64) error {
		loc.Time = in.Time + t
		copy(loc.Counts, x)
		prop.Eval(a, &loc)
		for i := range dx {
			dx[i] = 0
		}
		for j, tr := range m.IR.Transitions {
			if math.IsNaN(a[j]) || math.IsInf(a[j], 0) {
				return fmt.Errorf("the propensity of %s is %g at the counts %v: not a finite rate", tr.Label, a[j], x)
			}
			if a[j] < 0 {
				a[j] = 0
			}
			for _, u := range tr.Jump {
				dx[u.Species] += float64(u.Delta) * a[j]
			}
		}
		return nil
	}
	jac = func(t float64, x []float64, dst *mat.Dense) error {
		loc.Time = in.Time + t
		copy(loc.Counts, x)
		if err := prop.Jacobian(da, &loc); err != nil {
			return err
		}
		prop.Eval(a, &loc)
		dst.Zero()
		for j, tr := range m.IR.Transitions {
			if a[j] < 0 {
				continue
			}
			for _, u := range tr.Jump {
				for k := 0; k < d; k++ {
					dst.Set(u.Species, k, dst.At(u.Species, k)+float64(u.Delta)*da.At(j, k))
				}
			}
		}
		return nil
	}
	return f, jac
}
