// Package runtime is the entry point for embedding mfc: it compiles a model and evaluates
// what every analysis needs from it — propensities in count form, and for models with a
// scale the mean-field drift
//
//	F(x, y) = Σ_j ℓ_j β₀_j(x, y)
//
// with its exact Jacobian, Hessians and directional derivatives (forward-mode automatic
// differentiation of the compiled graph, package autodiff). The analyses themselves live in
// the sub-packages named after them.
//
// Every evaluation writes into caller-provided buffers and allocates nothing once a Model
// is built. A Model is not safe for concurrent use; call Clone for each goroutine.
package runtime

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/autodiff"
	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
)

// Model is a compiled model with its evaluation tapes.
type Model struct {
	IR *ir.Model

	props     *ir.Tape
	propVals  []float64
	drift     *ir.Tape // outputs: F_0 … F_{d−1}; nil without a mean field
	driftVals []float64
	jac       *autodiff.Jacobian
	ws        *autodiff.Workspace
	hess      []*mat.SymDense
}

// Load compiles the model file at path. The diagnostics hold every error and warning; the
// model is nil if there is any error.
func Load(path string, opts compiler.Options) (*Model, diag.List) {
	m, diags := compiler.CompileFile(path, opts)
	if m == nil {
		return nil, diags
	}
	return New(m), diags
}

// LoadSource compiles a model given as source text.
func LoadSource(name string, src []byte, opts compiler.Options) (*Model, diag.List) {
	m, diags := compiler.CompileSource(name, src, opts)
	if m == nil {
		return nil, diags
	}
	return New(m), diags
}

// New builds the evaluation tapes of a compiled model. The drift tape exists only when the
// model's mean field is available (a continuous-time model with a scale whose propensities
// all expand in 1/N); see HasDrift.
func New(m *ir.Model) *Model {
	g := m.Graph
	props := make([]ir.NodeID, len(m.Transitions))
	for j, t := range m.Transitions {
		props[j] = t.Propensity
	}
	mod := &Model{IR: m, props: g.Compile(props)}
	mod.propVals = make([]float64, mod.props.Len())
	if m.MeanField.Available {
		mod.buildDrift()
	}
	return mod
}

// buildDrift adds the drift nodes F_i = Σ_j ℓ_ij β₀_j to the graph and compiles them.
func (m *Model) buildDrift() {
	g := m.IR.Graph
	d := len(m.IR.Species)
	terms := make([][]ir.NodeID, d)
	for _, t := range m.IR.Transitions {
		if t.Density == nil || g.IsZero(t.Density.Beta[0]) {
			continue
		}
		for _, j := range t.Jump {
			terms[j.Species] = append(terms[j.Species], g.Mul(g.Const(float64(j.Delta)), t.Density.Beta[0]))
		}
	}
	out := make([]ir.NodeID, d)
	for i := range out {
		out[i] = g.Add(terms[i]...)
	}
	m.drift = g.Compile(out)
	m.driftVals = make([]float64, m.drift.Len())
	m.jac = autodiff.NewJacobian(m.drift, autodiff.Densities(d))
	m.ws = m.jac.NewWorkspace()
}

// Clone returns a model that shares the compiled tapes with m but has its own buffers.
func (m *Model) Clone() *Model {
	c := *m
	c.propVals = make([]float64, len(m.propVals))
	if m.drift != nil {
		c.driftVals = make([]float64, len(m.driftVals))
		c.ws = m.jac.NewWorkspace()
	}
	c.hess = nil
	return &c
}

// Dim returns the number of species d.
func (m *Model) Dim() int { return len(m.IR.Species) }

// HasDrift reports whether the mean-field drift is available.
func (m *Model) HasDrift() bool { return m.drift != nil }

// Inputs returns leaf values for evaluation: the model's parameter values, its scale, time
// 0, the environment in its first state, and zero counts and densities.
func (m *Model) Inputs() *ir.Inputs {
	in := &ir.Inputs{
		Params:    append([]float64(nil), m.IR.ParamValues...),
		Counts:    make([]float64, m.Dim()),
		Densities: make([]float64, m.Dim()),
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
	return in
}

// Propensities sets dst[j] to the propensity of transition j at in.Counts (count form,
// used verbatim by simulation and the exact chain).
func (m *Model) Propensities(dst []float64, in *ir.Inputs) {
	if len(dst) != len(m.IR.Transitions) {
		panic(fmt.Sprintf("runtime: Propensities: len(dst) = %d, want %d", len(dst), len(m.IR.Transitions)))
	}
	m.props.Eval(m.propVals, in)
	for j := range dst {
		dst[j] = m.propVals[m.props.Out[j]]
	}
}

// ErrNoMeanField is returned by drift evaluations of a model without a mean field.
var ErrNoMeanField = fmt.Errorf("runtime: the model has no mean field (no scale, discrete time, or a propensity that does not expand in 1/N)")

// Drift sets dst to F(in.Densities, in.Env).
func (m *Model) Drift(dst []float64, in *ir.Inputs) error {
	if m.drift == nil {
		return ErrNoMeanField
	}
	if len(dst) != m.Dim() {
		panic("runtime: Drift: len(dst) != Dim()")
	}
	m.drift.Eval(m.driftVals, in)
	for i := range dst {
		dst[i] = m.driftVals[m.drift.Out[i]]
	}
	return nil
}

// Jacobian sets dst (empty or d×d) to ∂F/∂x at in, exploiting the sparsity of the drift:
// one forward sweep per colour of its column colouring.
func (m *Model) Jacobian(dst *mat.Dense, in *ir.Inputs) error {
	if m.drift == nil {
		return ErrNoMeanField
	}
	return m.jac.Eval(dst, m.ws, in)
}

// JacobianCSR is Jacobian into a sparse matrix from NewJacobianCSR.
func (m *Model) JacobianCSR(dst *autodiff.CSR, in *ir.Inputs) error {
	if m.drift == nil {
		return ErrNoMeanField
	}
	return m.jac.EvalCSR(dst, m.ws, in)
}

// NewJacobianCSR returns a sparse matrix with the drift Jacobian's pattern.
func (m *Model) NewJacobianCSR() *autodiff.CSR { return m.jac.NewCSR() }

// Hessian sets dst[i] (each empty or d×d) to the Hessian of F_i at in.
func (m *Model) Hessian(dst []*mat.SymDense, in *ir.Inputs) error {
	if m.drift == nil {
		return ErrNoMeanField
	}
	return autodiff.Hessian(dst, m.jac, m.ws, in)
}

// Directional sets dst to DF(x)[v], the derivative of the drift along v.
func (m *Model) Directional(dst []float64, in *ir.Inputs, v []float64) error {
	if m.drift == nil {
		return ErrNoMeanField
	}
	return autodiff.Directional(dst, m.ws, in, v)
}

// D2 sets dst to D²F(x)[u, v]; D3 and D4 give the third and fourth derivatives contracted
// with every direction (the contractions the O(1/N²) refinement needs), never a dense tensor.
func (m *Model) D2(dst []float64, in *ir.Inputs, u, v []float64) error {
	if m.drift == nil {
		return ErrNoMeanField
	}
	return autodiff.D2(dst, m.ws, in, u, v)
}

// D3 sets dst to D³F(x)[u, v, w].
func (m *Model) D3(dst []float64, in *ir.Inputs, u, v, w []float64) error {
	if m.drift == nil {
		return ErrNoMeanField
	}
	return autodiff.D3(dst, m.ws, in, u, v, w)
}

// D4 sets dst to D⁴F(x)[u, v, w, z].
func (m *Model) D4(dst []float64, in *ir.Inputs, u, v, w, z []float64) error {
	if m.drift == nil {
		return ErrNoMeanField
	}
	return autodiff.D4(dst, m.ws, in, u, v, w, z)
}
