package refine

import (
	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/autodiff"
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/linalg"
)

// field is what the expansion reads of a function G of the densities: its values and its
// derivatives at a point, contracted with directions over the densities. The expansion's
// fields are the model's (plain), or, for the sensitivities, their derivatives along a
// direction u of the joint variables (x, p): G = DF̃·u, whose derivatives in x are those of
// F̃ with one more argument u (tangent).
type field interface {
	Len() int
	Eval(dst []float64, in *ir.Inputs) error
	// Jacobian sets dst (Len × d) to DG.
	Jacobian(dst *mat.Dense, in *ir.Inputs) error
	Directional(dst []float64, in *ir.Inputs, v []float64) error
	D2(dst []float64, in *ir.Inputs, a, b []float64) error
	// D3Partial sets dst (from NewCSR) to D³G[a, b, ·]; its columns past d, if any, are
	// not densities and are ignored.
	D3Partial(dst *linalg.CSR, in *ir.Inputs, a, b []float64) error
	NewCSR() *linalg.CSR
	// Coef sets dst[i] to the Taylor coefficient of order k of s ↦ G_i(x + s·v):
	// D^kG_i[v, …, v]/k!.
	Coef(dst []float64, k int, in *ir.Inputs, v []float64) error
	// Pattern is the dependency pattern of the outputs (columns past d, if any, are not
	// densities): G_i depends on x_j only if (i, j) is in it.
	Pattern() *linalg.CSR
}

// plain is a model field.
type plain struct {
	*runtime.Field
	jet []float64
}

func (f *plain) Eval(dst []float64, in *ir.Inputs) error {
	f.Field.Eval(dst, in)
	return nil
}

func (f *plain) Coef(dst []float64, k int, in *ir.Inputs, v []float64) error {
	n := f.Len()
	if len(f.jet) < n*(k+1) {
		f.jet = make([]float64, n*(k+1))
	}
	buf := f.jet[:n*(k+1)]
	if err := f.Jet(buf, k, in, v); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		dst[i] = buf[i*(k+1)+k]
	}
	return nil
}

// tangent is G = DF̃·u for a field F̃ over the d densities and one parameter, u a direction
// over both (d + 1 entries): D^kG[a₁, …, a_k] = D^{k+1}F̃[u, a₁, …, a_k], with the a_i
// padded by a zero parameter component.
type tangent struct {
	f       *runtime.Field
	u       []float64
	d       int
	pa, pb  []float64
	pc, pdd []float64
	csr     *linalg.CSR
}

func newTangent(f *runtime.Field, u []float64) *tangent {
	n := len(u)
	return &tangent{f: f, u: u, d: n - 1, pa: make([]float64, n), pb: make([]float64, n),
		pc: make([]float64, n), pdd: make([]float64, n)}
}

// pad copies the density direction v into the buffer p (whose last entry stays 0).
func pad(p, v []float64) []float64 {
	copy(p, v)
	return p
}

func (t *tangent) Len() int { return t.f.Len() }

func (t *tangent) Eval(dst []float64, in *ir.Inputs) error { return t.f.Directional(dst, in, t.u) }

func (t *tangent) Jacobian(dst *mat.Dense, in *ir.Inputs) error {
	if t.csr == nil {
		t.csr = t.f.NewCSR()
	}
	if err := t.f.D2Partial(t.csr, in, t.u); err != nil {
		return err
	}
	dst.Zero()
	for i := 0; i < t.csr.Rows; i++ {
		for p := t.csr.RowPtr[i]; p < t.csr.RowPtr[i+1]; p++ {
			if j := int(t.csr.Col[p]); j < t.d {
				dst.Set(i, j, t.csr.Val[p])
			}
		}
	}
	return nil
}

func (t *tangent) Directional(dst []float64, in *ir.Inputs, v []float64) error {
	return t.f.D2(dst, in, t.u, pad(t.pa, v))
}

func (t *tangent) D2(dst []float64, in *ir.Inputs, a, b []float64) error {
	return t.f.D3(dst, in, t.u, pad(t.pa, a), pad(t.pb, b))
}

func (t *tangent) D3Partial(dst *linalg.CSR, in *ir.Inputs, a, b []float64) error {
	return t.f.D4Partial(dst, in, t.u, pad(t.pa, a), pad(t.pb, b))
}

func (t *tangent) NewCSR() *linalg.CSR { return t.f.NewCSR() }

func (t *tangent) Pattern() *linalg.CSR { return t.f.Pattern() }

// Coef: D^kG[v, …, v]/k! = D^{k+1}F̃[u, v, …, v]/k! (k ≤ 4).
func (t *tangent) Coef(dst []float64, k int, in *ir.Inputs, v []float64) error {
	p := pad(t.pa, v)
	var err error
	switch k {
	case 0:
		err = t.f.Directional(dst, in, t.u)
	case 1:
		err = t.f.D2(dst, in, t.u, p)
	case 2:
		err = t.f.D3(dst, in, t.u, p, p)
	case 3:
		err = t.f.D4(dst, in, t.u, p, p, p)
	case 4:
		err = t.f.D5(dst, in, t.u, p, p, p, p)
	default:
		panic("refine: tangent.Coef: order > 4")
	}
	if err != nil {
		return err
	}
	fact := []float64{1, 1, 2, 6, 24}[k]
	for i := range dst {
		dst[i] /= fact
	}
	return nil
}

// tangentBlocks sets dst (the blocks of the drift's pattern) to the Hessian blocks of
// G = DF̃·u: ∂²G_i/∂x_a∂x_b = D³F̃_i[u, e_a, e_b], from one D3Partial per density a. The
// x-dependencies of G_i are among those of F_i, so the drift's pattern holds them.
func tangentBlocks(dst *autodiff.Blocks, f *runtime.Field, u []float64, in *ir.Inputs) error {
	d := len(u) - 1
	part := f.NewCSR()
	ea := make([]float64, d+1)
	p := dst.Pattern
	for a := 0; a < d; a++ {
		ea[a] = 1
		err := f.D3Partial(part, in, u, ea)
		ea[a] = 0
		if err != nil {
			return err
		}
		for i := 0; i < p.Rows; i++ {
			cols := p.Col[p.RowPtr[i]:p.RowPtr[i+1]]
			ia := -1
			for k, c := range cols {
				if int(c) == a {
					ia = k
				}
			}
			if ia < 0 {
				continue
			}
			blk := dst.Val[dst.Off[i]:dst.Off[i+1]]
			for q := part.RowPtr[i]; q < part.RowPtr[i+1]; q++ {
				b := int(part.Col[q])
				if b >= d {
					continue
				}
				for k, c := range cols {
					if int(c) == b {
						blk[ia*len(cols)+k] = part.Val[q]
					}
				}
			}
		}
	}
	return nil
}

// fieldSet is the set of fields the order-2 expansion reads: the model's, or their
// tangents.
type fieldSet struct {
	drift, drift1, drift2, rates, rates1, obs field
}

func plainFields(m *runtime.Model) *fieldSet {
	return &fieldSet{drift: &plain{Field: m.Drift}, drift1: &plain{Field: m.Drift1}, drift2: &plain{Field: m.Drift2},
		rates: &plain{Field: m.Rates}, rates1: &plain{Field: m.Rates1}, obs: &plain{Field: m.Observables}}
}

func tangentFields(pf *runtime.ParamFields, u []float64) *fieldSet {
	return &fieldSet{drift: newTangent(pf.Drift, u), drift1: newTangent(pf.Drift1, u), drift2: newTangent(pf.Drift2, u),
		rates: newTangent(pf.Rates, u), rates1: newTangent(pf.Rates1, u), obs: newTangent(pf.Observables, u)}
}
