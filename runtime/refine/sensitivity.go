package refine

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/lna"
)

// Sensitivity holds the derivatives of a stationary order-1 Result with respect to one
// parameter p, at fixed N (see Sensitivities).
type Sensitivity struct {
	Param string
	// X is dx*/dp and V is dV/dp.
	X, V []float64
	// Observables are the derivatives of the refined observables, in the order of
	// Result.Observables.
	Observables []ObservableSensitivity
}

// ObservableSensitivity holds the derivatives of one refined observable with respect to a
// parameter: of h₀(x*), of C and of Refined1 = h₀(x*) + C/N.
type ObservableSensitivity struct {
	Name                   string
	MeanField, C, Refined1 float64
}

// ErrSensitivityOrder2 is returned by Sensitivities for an order-2 Result.
var ErrSensitivityOrder2 = errors.New("refine: sensitivities are computed for the order-1 expansion (x*, V and the observables' C); the derivative of A is not available: use order 1")

// Sensitivities differentiates the stationary refined mean field res, computed by
// Stationary from m and in, with respect to each named parameter (runtime.Model.DiffParam
// says which parameters qualify) at fixed N, by forward-mode AD through the whole
// computation; nothing is differenced. With u = (dx*/dp, 1) the direction in the joint
// variables (x, p), and ∂ derivatives of the fields over (x, p):
//
//	fixed point    J dx = −∂F/∂p on range(P) (the implicit function theorem with the
//	               exact Jacobian; the conserved totals do not depend on p)
//	covariance     J dW + dW Jᵀ + (dJ W + W dJᵀ + dQ) = 0,  dJ = D²F[u, ·], dQ = Σ_j ℓ_jℓ_jᵀ Dβ_j·u
//	               (the same reduced Lyapunov solve as W)
//	1/N term       J dV + dJ V + db = 0,  db = ½ D³F[u]:W + ½ D²F:dW + DF₁·u
//	observables    d h₀ = Dh₀·u,
//	               dC = D²h₀[u, V] + Dh₀·dV + ½ D³h₀[u]:W + ½ D²h₀:dW + Dh₁·u.
//
// The contractions with W and dW go through their eigendecompositions, as in Stationary.
// Cost per parameter: one reduced LU solve and one Lyapunov solve (O(r³)), the eigen-
// decomposition of dW (O(d³)) and about 2r third-order jet sweeps of the drift's tape.
func Sensitivities(ctx context.Context, m *runtime.Model, in *ir.Inputs, res *Result, params []string) ([]Sensitivity, error) {
	if res.Order >= 2 {
		return nil, ErrSensitivityOrder2
	}
	if err := check(m); err != nil {
		return nil, err
	}
	ln, err := lna.Stationary(m, in, res.X)
	if err != nil {
		return nil, err
	}
	out := make([]Sensitivity, 0, len(params))
	for _, name := range params {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		k, err := m.DiffParam(name)
		if err != nil {
			return nil, err
		}
		s, err := sensitivity(m, in, res, ln, m.ParamFields(k))
		if err != nil {
			return nil, fmt.Errorf("refine: sensitivity to '%s': %w", name, err)
		}
		s.Param = name
		out = append(out, *s)
	}
	return out, nil
}

// sensitivity computes one parameter's derivatives (see Sensitivities).
func sensitivity(m *runtime.Model, in *ir.Inputs, res *Result, ln *lna.Result, pf *runtime.ParamFields) (*Sensitivity, error) {
	d := m.Dim()
	basis := m.Reduced()
	loc := *in
	loc.Densities = res.X
	// pad extends an x-direction by a zero parameter component.
	pad := func(v []float64) []float64 {
		w := make([]float64, d+1)
		copy(w, v)
		return w
	}
	ep := make([]float64, d+1)
	ep[d] = 1
	// The implicit function theorem on range(P): the conserved totals do not depend on p
	// (runtime.Model.DiffParam refuses a parameter the initial state reads).
	fp := make([]float64, d)
	if err := pf.Drift.Directional(fp, &loc, ep); err != nil {
		return nil, err
	}
	for i := range fp {
		fp[i] = -fp[i]
	}
	dx := make([]float64, d)
	if ln.P != nil {
		var err error
		if dx, err = basis.Solve(ln.Ar, fp); err != nil {
			return nil, err
		}
	}
	u := pad(dx)
	u[d] = 1
	// dJ = D²F[u, ·] restricted to the density columns.
	csr := pf.Drift.NewCSR()
	if err := pf.Drift.D2Partial(csr, &loc, u); err != nil {
		return nil, err
	}
	dj := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		for p := csr.RowPtr[i]; p < csr.RowPtr[i+1]; p++ {
			if j := int(csr.Col[p]); j < d {
				dj.Set(i, j, csr.Val[p])
			}
		}
	}
	db := make([]float64, m.Rates.Len())
	if err := pf.Rates.Directional(db, &loc, u); err != nil {
		return nil, err
	}
	s := mat.NewSymDense(d, nil)
	lna.AddDiffusion(s, m, db)
	var djw mat.Dense
	djw.Mul(dj, ln.W)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			s.SetSym(i, j, s.At(i, j)+djw.At(i, j)+djw.At(j, i))
		}
	}
	sens := &Sensitivity{X: dx, V: make([]float64, d)}
	dw := mat.NewSymDense(d, nil)
	if ln.P != nil {
		var err error
		if dw, _, err = basis.Lyapunov(ln.Ar, s); err != nil {
			return nil, err
		}
	}
	// The third-derivative contraction ½ D³G[u]:W over W's eigendecomposition, for the
	// drift and the observables' fields.
	cw := newContractor(d)
	if err := cw.decompose(ln.W); err != nil {
		return nil, err
	}
	third := func(dst []float64, f *runtime.Field) error {
		return cw.applyThird(dst, f, &loc, u)
	}
	cdw := newContractor(d)
	if err := cdw.decompose(dw); err != nil {
		return nil, err
	}
	// db = ½ D³F[u]:W + ½ D²F:dW + DF₁·u.
	bsum := make([]float64, d)
	if err := third(bsum, pf.Drift); err != nil {
		return nil, err
	}
	tmp := make([]float64, d)
	if err := cdw.apply(tmp, m.Drift, &loc); err != nil {
		return nil, err
	}
	f1 := make([]float64, d)
	if err := pf.Drift1.Directional(f1, &loc, u); err != nil {
		return nil, err
	}
	// + dJ V.
	djv := make([]float64, d)
	mat.NewVecDense(d, djv).MulVec(dj, mat.NewVecDense(d, res.V))
	for i := range bsum {
		bsum[i] = -(bsum[i] + tmp[i] + f1[i] + djv[i])
	}
	if ln.P != nil {
		v, err := basis.Solve(ln.Ar, bsum)
		if err != nil {
			return nil, err
		}
		sens.V = v
	}
	if len(res.Observables) == 0 {
		return sens, nil
	}
	// Observables: dh₀ = Dh₀·u and dC.
	o, po := m.Observables, pf.Observables
	n := o.Len()
	dh := make([]float64, n)
	if err := po.Directional(dh, &loc, u); err != nil {
		return nil, err
	}
	h2uv := make([]float64, n)
	if err := po.D2(h2uv, &loc, u, pad(res.V)); err != nil {
		return nil, err
	}
	hdv := make([]float64, n)
	if err := o.Directional(hdv, &loc, sens.V); err != nil {
		return nil, err
	}
	h3 := make([]float64, n)
	if err := third(h3, po); err != nil {
		return nil, err
	}
	h2dw := make([]float64, n)
	if err := cdw.apply(h2dw, o, &loc); err != nil {
		return nil, err
	}
	next := 0
	for i, sc := range m.ObservableScaled {
		if !sc {
			continue
		}
		ob := res.Observables[next]
		next++
		dc := h2uv[3*i] + hdv[3*i] + h3[3*i] + h2dw[3*i] + dh[3*i+1]
		os := ObservableSensitivity{Name: ob.Name, MeanField: dh[3*i], C: dc, Refined1: dh[3*i]}
		if in.Scale > 0 {
			os.Refined1 += dc / in.Scale
		}
		sens.Observables = append(sens.Observables, os)
	}
	return sens, nil
}

// applyThird sets dst to ½ D³f(x)[u]:W = ½ Σ_r s_r D³f[u, w_r, w_r] for the last
// decomposition W = Σ_r s_r w_r w_rᵀ, f a field over the densities and one more variable
// (u has d + 1 entries, the w_r are padded with 0).
func (c *contractor) applyThird(dst []float64, f *runtime.Field, in *ir.Inputs, u []float64) error {
	for i := range dst {
		dst[i] = 0
	}
	if len(c.buf) != len(dst) {
		c.buf = make([]float64, len(dst))
	}
	smax := 0.0
	for _, s := range c.vals {
		smax = math.Max(smax, math.Abs(s))
	}
	w := make([]float64, len(u))
	for r, s := range c.vals {
		if math.Abs(s) <= 1e-15*smax || s == 0 {
			continue
		}
		mat.Col(w[:len(u)-1], r, &c.vecs)
		if err := f.D3(c.buf, in, u, w, w); err != nil {
			return err
		}
		for i := range dst {
			dst[i] += 0.5 * s * c.buf[i]
		}
	}
	return nil
}
