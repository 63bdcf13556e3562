package refine

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/lna"
)

// Sensitivity holds the derivatives of a stationary Result with respect to one parameter
// p, at fixed N (see StationarySensitivities).
type Sensitivity struct {
	Param string
	// X is dx*/dp, V is dV/dp and A is dA/dp (order 2).
	X, V, A []float64
	// Observables are the derivatives of the refined observables, in the order of
	// Result.Observables.
	Observables []ObservableSensitivity
}

// ObservableSensitivity holds the derivatives of one refined observable with respect to a
// parameter: of h₀(x*), of C and Refined1 = h₀(x*) + C/N, and at order 2 of D and
// Refined2 = Refined1 + D/N².
type ObservableSensitivity struct {
	Name                   string
	MeanField, C, Refined1 float64
	D, Refined2            float64
}

// StationarySensitivities computes Stationary and its derivatives with respect to each
// named parameter (runtime.Model.DiffParam says which qualify) at fixed N, by forward-mode
// AD through the whole computation; nothing is differenced. With u = (dx*/dp, 1) the
// direction in the joint variables (x, p) and F̃ the drift over (x, p):
//
//	fixed point    J dx = −∂F/∂p on range(P) (the implicit function theorem with the
//	               exact Jacobian; the conserved totals do not depend on p)
//	covariance     J dW + dW Jᵀ + (dJ W + W dJᵀ + dQ) = 0,  dJ = D²F̃[u, ·], dQ = Σ_j ℓ_jℓ_jᵀ Dβ̃_j·u
//	               (the same reduced Lyapunov solve as W)
//	1/N term       J dV + dJ V + dg = 0,  dg = ½ D³F̃[u]:W + ½ D²F:dW + DF̃₁·u
//	observables    d h₀ = Dh̃₀·u,
//	               dC = D²h̃₀[u, V] + Dh₀·dV + ½ D³h̃₀[u]:W + ½ D²h₀:dW + Dh̃₁·u.
//
// At order 2 the three equations of the package documentation are differentiated the same
// way, each with its own operator: Σ_modes J·dM3 + Σ_modes dJ·M3 + dR3 = 0 (the tensor
// Sylvester solve), J dM2 + dM2 Jᵀ + dJ M2 + M2 dJᵀ + dS2 = 0 and J dA + dJ A + db₂ = 0.
// Each source S (R3, S2, b₂ and the observables' D) is a sum of terms with one derivative
// tensor of a model field (D^kF, D^kβ, F₁, …) times a polynomial of degree ≤ 2 in the
// moments M = (g, Q, V, W, M3, M2, A). Its derivative is therefore
//
//	dS = S[fields → their tangents G = DF̃·u](M) + (S(M + α dM) − S(M − α dM))/(2α),
//
// the first term by the same code on the tangent fields (D^kG = D^{k+1}F̃[u, …]: up to
// fifth derivatives, by polarization of Taylor jets), the second exact for a polynomial of
// degree 2 whatever α (the polarization identity; α = max|W|/max|dW| balances the
// rounding). The terms of R3 without a derivative tensor (g⊗W and Q⊗V) are left out of the
// first term by evaluating it with g = Q = 0.
//
// Cost per parameter at order 1: one reduced LU and one Lyapunov solve (O(r³)), the
// eigendecomposition of dW (O(d³)) and about 2r third-order jet sweeps; order 2 adds about
// three times the order-2 expansion itself, of which the fifth derivatives D⁵F̃[u]:(W,W)
// (16 sweeps of order 5 per pair of W's eigenvectors) dominate.
func StationarySensitivities(ctx context.Context, m *runtime.Model, in *ir.Inputs, s *Settings, params []string) (*Result, []Sensitivity, error) {
	res, pt, err := stationary(ctx, m, in, s)
	if err != nil {
		return nil, nil, err
	}
	out := make([]Sensitivity, 0, len(params))
	for _, name := range params {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		k, err := m.DiffParam(name)
		if err != nil {
			return nil, nil, err
		}
		sn, err := sensitivity(m, in, res, pt, m.ParamFields(k))
		if err != nil {
			return nil, nil, fmt.Errorf("refine: sensitivity to '%s': %w", name, err)
		}
		sn.Param = name
		out = append(out, *sn)
	}
	return res, out, nil
}

// first holds the order-1 derivatives that order 2 reuses.
type first struct {
	u      []float64
	dj     *mat.Dense
	dq, dw *mat.SymDense
	dg, dv []float64
}

// sensitivity computes one parameter's derivatives (see StationarySensitivities).
func sensitivity(m *runtime.Model, in *ir.Inputs, res *Result, pt *point, pf *runtime.ParamFields) (*Sensitivity, error) {
	d := m.Dim()
	basis := m.Reduced()
	ln, loc := pt.ln, pt.loc
	ep := make([]float64, d+1)
	ep[d] = 1
	// The implicit function theorem on range(P): the conserved totals do not depend on p
	// (runtime.Model.DiffParam refuses a parameter the initial state reads).
	fp := make([]float64, d)
	if err := pf.Drift.Directional(fp, loc, ep); err != nil {
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
	u := make([]float64, d+1)
	copy(u, dx)
	u[d] = 1
	tf := tangentFields(pf, u)
	t1 := &first{u: u, dj: mat.NewDense(d, d, nil), dq: mat.NewSymDense(d, nil)}
	if err := tf.drift.Jacobian(t1.dj, loc); err != nil {
		return nil, err
	}
	db := make([]float64, m.Rates.Len())
	if err := tf.rates.Eval(db, loc); err != nil {
		return nil, err
	}
	lna.AddDiffusion(t1.dq, m, db)
	s := mat.NewSymDense(d, nil)
	var djw mat.Dense
	djw.Mul(t1.dj, ln.W)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			s.SetSym(i, j, t1.dq.At(i, j)+djw.At(i, j)+djw.At(j, i))
		}
	}
	sens := &Sensitivity{X: dx, V: make([]float64, d)}
	t1.dw = mat.NewSymDense(d, nil)
	if ln.P != nil {
		var err error
		if t1.dw, _, err = basis.LyapunovStable(ln.Ar, s); err != nil {
			return nil, err
		}
	}
	cdw := newContractor(d)
	if err := cdw.decompose(t1.dw); err != nil {
		return nil, err
	}
	// dg = ½ D³F̃[u]:W + ½ D²F:dW + DF̃₁·u (the tangent drift's ½ D²G:W is the first term).
	t1.dg = make([]float64, d)
	if err := pt.c.apply(t1.dg, tf.drift, loc); err != nil {
		return nil, err
	}
	tmp := make([]float64, d)
	if err := cdw.apply(tmp, m.Drift, loc); err != nil {
		return nil, err
	}
	add(t1.dg, tmp)
	if err := tf.drift1.Eval(tmp, loc); err != nil {
		return nil, err
	}
	add(t1.dg, tmp)
	rhs := make([]float64, d)
	mat.NewVecDense(d, rhs).MulVec(t1.dj, mat.NewVecDense(d, res.V))
	add(rhs, t1.dg)
	t1.dv = make([]float64, d)
	if ln.P != nil {
		v, err := reducedSolve(basis, ln.Ar, rhs)
		if err != nil {
			return nil, err
		}
		t1.dv = v
	}
	sens.V = t1.dv
	if len(res.Observables) > 0 {
		obs, err := observableTangents(m, loc, res, t1, tf.obs, pt.c, cdw)
		if err != nil {
			return nil, err
		}
		sens.Observables = obs
	}
	if res.Order < 2 {
		return sens, nil
	}
	sens.A = make([]float64, d)
	if pt.e == nil {
		return sens, nil
	}
	da, dd, err := order2Tangent(pt, basis, res, t1, tf, pf)
	if err != nil {
		return nil, err
	}
	sens.A = da
	for i := range sens.Observables {
		o := &sens.Observables[i]
		o.D, o.Refined2 = dd[i], o.Refined1
		if in.Scale > 0 {
			o.Refined2 += o.D / (in.Scale * in.Scale)
		}
	}
	return sens, nil
}

// observableTangents returns the derivatives of h₀(x*), C and Refined1 of the scaled
// observables: dC = D²h̃₀[u, V] + Dh₀·dV + ½ D³h̃₀[u]:W + ½ D²h₀:dW + Dh̃₁·u.
func observableTangents(m *runtime.Model, loc *ir.Inputs, res *Result, t1 *first, to field, cw, cdw *contractor) ([]ObservableSensitivity, error) {
	o := m.Observables
	n := o.Len()
	dh := make([]float64, n)
	if err := to.Eval(dh, loc); err != nil {
		return nil, err
	}
	dc := make([]float64, n)
	if err := to.Directional(dc, loc, res.V); err != nil {
		return nil, err
	}
	tmp := make([]float64, n)
	if err := o.Directional(tmp, loc, t1.dv); err != nil {
		return nil, err
	}
	add(dc, tmp)
	if err := cw.apply(tmp, to, loc); err != nil {
		return nil, err
	}
	add(dc, tmp)
	if err := cdw.apply(tmp, o, loc); err != nil {
		return nil, err
	}
	add(dc, tmp)
	var out []ObservableSensitivity
	next := 0
	for i, sc := range m.ObservableScaled {
		if !sc {
			continue
		}
		c := dc[3*i] + dh[3*i+1]
		os := ObservableSensitivity{Name: res.Observables[next].Name, MeanField: dh[3*i], C: c, Refined1: dh[3*i]}
		next++
		if loc.Scale > 0 {
			os.Refined1 += c / loc.Scale
		}
		os.Refined2 = os.Refined1
		out = append(out, os)
	}
	return out, nil
}

// order2Tangent returns dA and the derivatives of the observables' D (see
// StationarySensitivities).
func order2Tangent(pt *point, basis *linalg.Basis, res *Result, t1 *first, tf *fieldSet, pf *runtime.ParamFields) ([]float64, []float64, error) {
	e, mo, ln := pt.e, pt.mo, pt.ln
	d := e.d
	// The expander on the tangent fields, at the same W.
	eg := *e
	eg.f, eg.dir = tf, make([]float64, d)
	eg.hb = e.m.Drift.NewBlocks()
	if err := tangentBlocks(eg.hb, pf.Drift, t1.u, pt.loc); err != nil {
		return nil, nil, err
	}
	// The expanders at W ± α dW.
	alpha := 1.0
	if wd := floats.Norm(t1.dw.RawSymmetric().Data, math.Inf(1)); wd > 0 {
		alpha = floats.Norm(ln.W.RawSymmetric().Data, math.Inf(1)) / wd
	}
	var ep, em *expander
	var err error
	if ep, err = e.withW(symAxpy(ln.W, alpha, t1.dw)); err != nil {
		return nil, nil, err
	}
	if em, err = e.withW(symAxpy(ln.W, -alpha, t1.dw)); err != nil {
		return nil, nil, err
	}
	// polar returns S_G + (S₊ − S₋)/(2α) into g.
	polar := func(g, plus, minus []float64) {
		for i := range g {
			g[i] += (plus[i] - minus[i]) / (2 * alpha)
		}
	}
	v := res.V
	vp, vm := axpy(v, alpha, t1.dv), axpy(v, -alpha, t1.dv)
	// dR3.
	r3g, err := eg.rhs3(make([]float64, d), v, mat.NewSymDense(d, nil))
	if err != nil {
		return nil, nil, err
	}
	r3p, err := ep.rhs3(axpy(pt.g, alpha, t1.dg), vp, symAxpy(ln.Q, alpha, t1.dq))
	if err != nil {
		return nil, nil, err
	}
	r3m, err := em.rhs3(axpy(pt.g, -alpha, t1.dg), vm, symAxpy(ln.Q, -alpha, t1.dq))
	if err != nil {
		return nil, nil, err
	}
	polar(r3g.Data, r3p.Data, r3m.Data)
	// + Σ_modes dJ·M3 (r3g and M3 are symmetric, and so is the sum).
	djs := linalg.FromDense(t1.dj)
	for i := 0; i < d; i++ {
		for l := i; l < d; l++ {
			for n := l; n < d; n++ {
				r3g.SetSym(i, l, n, modeSum(r3g.At(i, l, n), djs, mo.M3, i, l, n))
			}
		}
	}
	dm3, err := solveThird(basis, ln.Ar, r3g)
	if err != nil {
		return nil, nil, err
	}
	m3p, m3m := tensorAxpy(mo.M3, alpha, dm3), tensorAxpy(mo.M3, -alpha, dm3)
	// dS2.
	s2g, err := eg.rhs2(v, mo.M3)
	if err != nil {
		return nil, nil, err
	}
	s2p, err := ep.rhs2(vp, m3p)
	if err != nil {
		return nil, nil, err
	}
	s2m, err := em.rhs2(vm, m3m)
	if err != nil {
		return nil, nil, err
	}
	polar(s2g.RawSymmetric().Data, s2p.RawSymmetric().Data, s2m.RawSymmetric().Data)
	var djm mat.Dense
	djm.Mul(t1.dj, mo.M2)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			s2g.SetSym(i, j, s2g.At(i, j)+djm.At(i, j)+djm.At(j, i))
		}
	}
	dm2, _, err := basis.LyapunovStable(ln.Ar, s2g)
	if err != nil {
		return nil, nil, err
	}
	m2p, m2m := symAxpy(mo.M2, alpha, dm2), symAxpy(mo.M2, -alpha, dm2)
	// db₂ and dA.
	b2g, err := eg.rhs1(v, mo.M2, mo.M3)
	if err != nil {
		return nil, nil, err
	}
	b2p, err := ep.rhs1(vp, m2p, m3p)
	if err != nil {
		return nil, nil, err
	}
	b2m, err := em.rhs1(vm, m2m, m3m)
	if err != nil {
		return nil, nil, err
	}
	polar(b2g, b2p, b2m)
	dja := make([]float64, d)
	mat.NewVecDense(d, dja).MulVec(t1.dj, mat.NewVecDense(d, mo.A))
	add(b2g, dja)
	da, err := reducedSolve(basis, ln.Ar, b2g)
	if err != nil {
		return nil, nil, err
	}
	if len(res.Observables) == 0 {
		return da, nil, nil
	}
	// The observables' dD.
	dg, err := eg.observables2(v, mo)
	if err != nil {
		return nil, nil, err
	}
	dp, err := ep.observables2(vp, &moments2{A: axpy(mo.A, alpha, da), M2: m2p, M3: m3p})
	if err != nil {
		return nil, nil, err
	}
	dm, err := em.observables2(vm, &moments2{A: axpy(mo.A, -alpha, da), M2: m2m, M3: m3m})
	if err != nil {
		return nil, nil, err
	}
	polar(dg, dp, dm)
	return da, dg, nil
}

// solveThird solves Σ_modes J·X + R = 0 for X in range(P)^⊗3, as stationary2 does for M3.
func solveThird(basis *linalg.Basis, jr *mat.Dense, r *linalg.Tensor3) (*linalg.Tensor3, error) {
	p := basis.P
	d, k := basis.Dims()
	if k == d && isIdentity(p) {
		return linalg.TensorSylvesterStable(jr, r)
	}
	xr, err := linalg.TensorSylvesterStable(jr, linalg.Transform(r, p, true))
	if err != nil {
		return nil, err
	}
	return linalg.Transform(xr, p, false), nil
}

// axpy returns x + a·y.
func axpy(x []float64, a float64, y []float64) []float64 {
	return floats.AddScaledTo(make([]float64, len(x)), x, a, y)
}

// symAxpy returns x + a·y for symmetric matrices.
func symAxpy(x *mat.SymDense, a float64, y *mat.SymDense) *mat.SymDense {
	n := x.SymmetricDim()
	out := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			out.SetSym(i, j, x.At(i, j)+a*y.At(i, j))
		}
	}
	return out
}

// tensorAxpy returns x + a·y.
func tensorAxpy(x *linalg.Tensor3, a float64, y *linalg.Tensor3) *linalg.Tensor3 {
	out := linalg.NewTensor3(x.N)
	floats.AddScaledTo(out.Data, x.Data, a, y.Data)
	return out
}
