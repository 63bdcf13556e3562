package runtime

import (
	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/autodiff"
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime/linalg"
)

// Field is a vector-valued function of the densities x (and of the environment, the
// parameters and time, held fixed) compiled to a tape: the drift F, the per-transition
// density rates β₀_j, an observable's coefficients. It evaluates into caller buffers and
// differentiates exactly with respect to x by forward-mode AD, using the sparsity of its
// dependency pattern: a banded field costs O(d) per Jacobian.
//
// A Field is not safe for concurrent use; Clone gives an independent copy that shares the
// compiled tape.
type Field struct {
	tape *ir.Tape
	vals []float64
	jac  *autodiff.Jacobian
	ws   *autodiff.Workspace
	time bool // the tape reads t
}

// NewField compiles the nodes outs of g as a field over the d density leaves.
func NewField(g *ir.Graph, outs []ir.NodeID, d int) *Field {
	t := g.Compile(outs)
	jac := autodiff.NewJacobian(t, autodiff.Densities(d))
	f := &Field{tape: t, vals: make([]float64, t.Len()), jac: jac, ws: jac.NewWorkspace()}
	for _, ins := range t.Code {
		f.time = f.time || ins.Op == ir.OpTime
	}
	return f
}

// Clone returns a copy with its own buffers.
func (f *Field) Clone() *Field {
	return &Field{tape: f.tape, vals: make([]float64, len(f.vals)), jac: f.jac, ws: f.jac.NewWorkspace(), time: f.time}
}

// Len returns the number of outputs.
func (f *Field) Len() int { return len(f.tape.Out) }

// Eval sets dst[i] to output i at in. Cost O(tape).
func (f *Field) Eval(dst []float64, in *ir.Inputs) {
	if len(dst) != f.Len() {
		panic("runtime: Field.Eval: len(dst) != Len()")
	}
	f.tape.Eval(f.vals, in)
	for i := range dst {
		dst[i] = f.vals[f.tape.Out[i]]
	}
}

// Jacobian sets dst (empty or Len()×d) to the Jacobian at in. Cost: one sweep per colour.
func (f *Field) Jacobian(dst *mat.Dense, in *ir.Inputs) error { return f.jac.Eval(dst, f.ws, in) }

// JacobianCSR is Jacobian into a sparse matrix from NewCSR. Cost O(colours·tape + nnz).
func (f *Field) JacobianCSR(dst *linalg.CSR, in *ir.Inputs) error {
	return f.jac.EvalCSR(dst, f.ws, in)
}

// NewCSR returns a sparse matrix with the Jacobian's pattern.
func (f *Field) NewCSR() *linalg.CSR { return f.jac.NewCSR() }

// Colors returns the number of colours of the Jacobian's column colouring: the partial
// contractions (D2Partial, D3Partial, ...) cost that many polarized sweeps.
func (f *Field) Colors() int { return f.jac.Colors() }

// HessianColors returns the number of colours of the Hessian colouring (the columns of the
// outputs that are not affine): HessianBlocks costs HessianColors()·(HessianColors()+1)/2
// second-order sweeps.
func (f *Field) HessianColors() int { return f.jac.HessianColors() }

// Pattern returns the Jacobian's sparsity pattern (values unset).
func (f *Field) Pattern() *linalg.CSR { return f.jac.Pattern() }

// Hessian sets dst[i] (each empty or d×d) to the Hessian of output i. Cost: C(C+1)/2
// second-order sweeps for C colours.
func (f *Field) Hessian(dst []*mat.SymDense, in *ir.Inputs) error {
	return autodiff.Hessian(dst, f.jac, f.ws, in)
}

// Directional sets dst to DF(x)[v]. Cost: one tangent sweep.
func (f *Field) Directional(dst []float64, in *ir.Inputs, v []float64) error {
	return autodiff.Directional(dst, f.ws, in, v)
}

// D2 sets dst to D²F(x)[u, v] (2 second-order jet sweeps).
func (f *Field) D2(dst []float64, in *ir.Inputs, u, v []float64) error {
	return autodiff.D2(dst, f.ws, in, u, v)
}

// D3 sets dst to D³F(x)[u, v, w] (4 third-order jet sweeps).
func (f *Field) D3(dst []float64, in *ir.Inputs, u, v, w []float64) error {
	return autodiff.D3(dst, f.ws, in, u, v, w)
}

// D4 sets dst to D⁴F(x)[u, v, w, z] (8 fourth-order jet sweeps).
func (f *Field) D4(dst []float64, in *ir.Inputs, u, v, w, z []float64) error {
	return autodiff.D4(dst, f.ws, in, u, v, w, z)
}

// D5 sets dst to D⁵F(x)[u, v, w, z, y] (16 fifth-order jet sweeps).
func (f *Field) D5(dst []float64, in *ir.Inputs, u, v, w, z, y []float64) error {
	return autodiff.D5(dst, f.ws, in, u, v, w, z, y)
}

// D2Partial sets dst to the matrix D²F(x)[u, ·] (outputs × d, sparse).
func (f *Field) D2Partial(dst *linalg.CSR, in *ir.Inputs, u []float64) error {
	return autodiff.D2Partial(dst, f.jac, f.ws, in, u)
}

// D3Partial sets dst to D³F(x)[u, v, ·].
func (f *Field) D3Partial(dst *linalg.CSR, in *ir.Inputs, u, v []float64) error {
	return autodiff.D3Partial(dst, f.jac, f.ws, in, u, v)
}

// D4Partial sets dst to D⁴F(x)[u, v, w, ·].
func (f *Field) D4Partial(dst *linalg.CSR, in *ir.Inputs, u, v, w []float64) error {
	return autodiff.D4Partial(dst, f.jac, f.ws, in, u, v, w)
}

// Jet sets dst[i*(order+1)+k] to the k-th Taylor coefficient of s ↦ F_i(x + s·v), so that
// D^kF_i(x)[v, …, v] = k!·dst[i*(order+1)+k] (order ≤ 5). Cost: one evaluation and one
// jet sweep of order `order`.
func (f *Field) Jet(dst []float64, order int, in *ir.Inputs, v []float64) error {
	return autodiff.Jet(dst, order, f.ws, in, v)
}

// ThirdTriples returns the third derivatives of the field at in along the colour
// indicators of its Hessian colouring, from which Triples.Contract (D³F:M) and
// Triples.PartialWW (D³F contracted with W on two slots) follow. Cost:
// C + C(C−1) + C(C−1)(C−2)/6 third-order jet sweeps for C = HessianColors().
func (f *Field) ThirdTriples(in *ir.Inputs) (*autodiff.Triples, error) {
	return f.jac.ThirdTriples(f.ws, in)
}

// FourthContractWW sets dst[i] = Σ_jklm ∂⁴F_i/∂x_j∂x_k∂x_l∂x_m W_jk W_lm for a symmetric W
// over the field's variables. Cost: C(C+3, 4) fourth-order jet sweeps for C =
// HessianColors() (at most 8), plus O(Σ_i |deps_i|⁴).
func (f *Field) FourthContractWW(dst []float64, in *ir.Inputs, w *mat.SymDense) error {
	return autodiff.FourthContractWW(dst, f.jac, f.ws, in, w)
}

// NewBlocks returns zeroed per-output Hessian blocks, the destination of HessianBlocks.
func (f *Field) NewBlocks() *autodiff.Blocks { return f.jac.NewBlocks() }

// HessianBlocks sets dst (from NewBlocks) to the Hessian of every output restricted to the
// variables it depends on. Cost: C(C+1)/2 second-order sweeps for C colours, plus
// O(Σ_i |deps_i|²).
func (f *Field) HessianBlocks(dst *autodiff.Blocks, in *ir.Inputs) error {
	return autodiff.HessianBlocks(dst, f.jac, f.ws, in)
}

// Polynomial returns an upper bound on the polynomial degree in the densities of every
// output at in (autodiff.Unbounded for an output that is not a polynomial there) and
// whether the outputs are single polynomials in the densities (no branch or step taken by
// them), so that their derivatives of that order do not depend on the densities
// (autodiff.Polynomial). Derivatives of higher orders are exactly 0. Both depend on the
// inputs other than the densities only. Cost: one evaluation and one pass over the tape.
func (f *Field) Polynomial(in *ir.Inputs) (degree int, global bool) {
	return autodiff.Polynomial(f.jac, f.ws, in)
}

// ReadsTime reports whether the field depends on the time t of its inputs (an autonomous
// field does not). O(1).
func (f *Field) ReadsTime() bool { return f.time }
