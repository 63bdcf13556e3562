package average

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/ode"
)

// Settings controls Stationary, Transient and ODE. A nil *Settings, or zero fields, select
// the defaults.
type Settings struct {
	// ODE is passed to ode.Solve (nil: ode.DefaultSettings).
	ODE *ode.Settings
	// Horizon is the time to which Stationary integrates the averaged ODE from
	// in.Densities before Newton polishing; 0 means 200, negative means Newton from
	// in.Densities directly.
	Horizon float64
	// Tol stops Newton when the step is below Tol·max(1, ‖x‖∞); 0 means 1e-13.
	Tol float64
	// MaxIter bounds the Newton iterations; 0 means 100.
	MaxIter int
	// EnvLaw is the initial law of the environment over IR.Env.Space used by Transient
	// (nil: the model's initial law, or π(x₀) under 'env ~ stationary').
	EnvLaw []float64
}

func (s *Settings) fill() Settings {
	var out Settings
	if s != nil {
		out = *s
	}
	if out.Horizon == 0 {
		out.Horizon = 200
	}
	if out.Tol <= 0 {
		out.Tol = 1e-13
	}
	if out.MaxIter <= 0 {
		out.MaxIter = 100
	}
	return out
}

// Applies reports whether m is a two-timescale model for this package: it has a mean field
// and a fast environment (runtime.Model.HasFastEnvironment).
// Stationary and Transient also accept other models with a mean field, and then reduce to
// the classical refined mean field (package refine).
func Applies(m *runtime.Model) bool {
	return m != nil && m.HasDrift() && m.HasFastEnvironment()
}

// Observable is the refined expectation of one observable h(x, y) with a density expansion
// h = h₀ + h₁/N + …: E h(X_N, Y_N) = MeanField + C/N + O(1/N²), where MeanField =
// Σ_y π_y(x) h₀(x, y) and Refined1 = MeanField + C/N at the scale of the inputs.
type Observable struct {
	Name                   string
	MeanField, C, Refined1 float64
	// Env reports that the observable depends on the environment state.
	Env bool
}

// Result is the two-timescale refined mean field at the stable fixed point of the averaged
// drift (digest 000 §2.7 and §3(b)). Vectors have length d, matrices are d×d unless noted.
type Result struct {
	// X is the fixed point φ∞ of F̄, Residual = ‖F̄(φ∞)‖∞, Iterations the Newton steps.
	X          []float64
	Residual   float64
	Iterations int
	// Pi is the stationary law π(φ∞) of the fast kernel over IR.Env.Space (length m).
	Pi []float64
	// K is the fast kernel K(φ∞) and Kplus its group inverse (m×m); G = K⁺F (m×d) solves
	// the fast Poisson equation for the drift.
	K, Kplus, G *mat.Dense
	// A is the Jacobian of F̄ at φ∞; Eigenvalues those of A on the subspace orthogonal to
	// the conservation laws, by decreasing real part.
	A           *mat.Dense
	Eigenvalues []complex128
	// Q is Q̄, O = Σ_{y′} G(y′) w_{y′}ᵀ (not symmetric), R the vector of Eq. (28).
	Q *mat.SymDense
	O *mat.Dense
	R []float64
	// W solves AW + WAᵀ + Q̄ = 0 and U solves AU + UAᵀ + O = 0 (not symmetric).
	W *mat.SymDense
	U *mat.Dense
	// V = −A⁻¹(½ B:W + F̄₁), T = A⁻¹(B:U), S = A⁻¹R and C = V + T + S, where B = ∂²F̄ and
	// F̄₁ is the averaged O(1/N) part of the rates (zero for N-independent density rates):
	// E[X_N] = X + C/N + O(1/N²).
	V, T, S, C []float64
	// Sigma = W − U − Uᵀ = lim N·Cov(X_N).
	Sigma *mat.SymDense
	// N is the scale of the inputs, used for Refined1.
	N float64
	// Observables lists the observables with a density expansion.
	Observables []Observable
}

// UnstableError means the averaged drift's reduced Jacobian at the fixed point found is not
// stable by linalg.Classify, so the steady-state refinement does not exist (assumption A3
// fails there).
type UnstableError struct {
	X       []float64
	MaxReal float64
}

// Error describes the failure.
func (e *UnstableError) Error() string {
	return fmt.Sprintf("average: the fixed point found is not exponentially stable (max Re λ = %.3g): assumption A3 fails", e.MaxReal)
}

// reduced holds PᵀAP and its LU, to solve A z = b for b in the range of P.
type reduced struct {
	b  *linalg.Basis
	ar *mat.Dense
	lu mat.LU
}

func newReduced(b *linalg.Basis, a *mat.Dense) (*reduced, error) {
	if b.P == nil {
		return nil, errors.New("average: every coordinate is fixed by a conservation law")
	}
	r := &reduced{b: b, ar: b.Reduce(a)}
	r.lu.Factorize(r.ar)
	if c := r.lu.Cond(); c > 1e14 || math.IsNaN(c) {
		return nil, errors.New("average: the reduced Jacobian of the averaged drift is singular")
	}
	return r, nil
}

// solve returns P (PᵀAP)⁻¹ Pᵀ b, the solution of A z = b in the range of P (NaN if the
// solve fails).
func (r *reduced) solve(b []float64) []float64 {
	out, err := r.b.Solve(&r.lu, b)
	if err != nil {
		out = make([]float64, len(b))
		for i := range out {
			out[i] = math.NaN()
		}
	}
	return out
}

// fixedPoint integrates the averaged ODE from x0 to the horizon, then runs damped Newton in
// the coordinates orthogonal to the conservation laws. Each Newton step costs one order-1
// evaluation (m sparse Jacobians, O(d m² + m d²)) and O(d² r + r³).
func (s *system) fixedPoint(ctx context.Context, x0 []float64, st Settings) ([]float64, int, error) {
	x := append([]float64(nil), x0...)
	if st.Horizon > 0 {
		tr, err := s.ode(ctx, x, []float64{st.Horizon}, st.ODE)
		if err != nil {
			return nil, 0, err
		}
		copy(x, tr[0])
	}
	d := s.d
	trial := make([]float64, d)
	for it := 0; it < st.MaxIter; it++ {
		pt, err := s.at(x, 1)
		if err != nil {
			return nil, it, err
		}
		res := normInf(pt.fbar)
		if res == 0 {
			return x, it, nil
		}
		red, err := newReduced(s.basis, pt.a)
		if err != nil {
			return nil, it, err
		}
		dx := red.solve(pt.fbar)
		step := normInf(dx)
		if step <= st.Tol*math.Max(1, normInf(x)) {
			for i := range x {
				x[i] -= dx[i]
			}
			return x, it + 1, nil
		}
		t := 1.0
		for {
			for i := range x {
				trial[i] = x[i] - t*dx[i]
			}
			q, err := s.at(trial, 0)
			if err == nil && normInf(q.fbar) < (1-1e-4*t)*res {
				break
			}
			if t < 1e-10 {
				// No decrease: accept the full step if the residual is already at
				// round-off level, otherwise give up.
				if res < 1e-12 {
					return x, it, nil
				}
				return nil, it, fmt.Errorf("average: Newton on the averaged drift stalled at residual %.3g", res)
			}
			t /= 2
		}
		copy(x, trial)
	}
	pt, err := s.at(x, 0)
	if err != nil {
		return nil, st.MaxIter, err
	}
	if r := normInf(pt.fbar); r > 1e-8 {
		return nil, st.MaxIter, fmt.Errorf("average: Newton did not converge (residual %.3g)", r)
	}
	return x, st.MaxIter, nil
}

// Stationary computes the two-timescale refined mean field (digest 000 §3(b), with the
// corrected Hessian term of §2.7) at the stable fixed point of the averaged drift reached
// from in.Densities. See the package documentation for the equations and costs.
func Stationary(ctx context.Context, m *runtime.Model, in *ir.Inputs, s *Settings) (*Result, error) {
	st := s.fill()
	sys, err := newSystem(m, in)
	if err != nil {
		return nil, err
	}
	if len(in.Densities) != sys.d {
		return nil, fmt.Errorf("average: len(in.Densities) = %d, want %d", len(in.Densities), sys.d)
	}
	x, iters, err := sys.fixedPoint(ctx, in.Densities, st)
	if err != nil {
		return nil, err
	}
	pt, err := sys.at(x, 2)
	if err != nil {
		return nil, err
	}
	d := sys.d
	red, err := newReduced(sys.basis, pt.a)
	if err != nil {
		return nil, err
	}
	ev, err := linalg.Eigenvalues(red.ar)
	if err != nil {
		return nil, err
	}
	if linalg.Classify(ev, red.ar, 0) != linalg.Stable {
		return nil, &UnstableError{X: x, MaxReal: real(ev[0])}
	}
	res := &Result{X: x, Residual: normInf(pt.fbar), Iterations: iters, Pi: append([]float64(nil), pt.pi...),
		K: mat.DenseCopyOf(pt.k), Kplus: mat.DenseCopyOf(pt.kp), A: mat.DenseCopyOf(pt.a), Eigenvalues: ev, N: in.Scale}
	w, q := pt.flows()
	res.Q = q
	res.G = pt.poisson(pt.f)
	res.O = mat.NewDense(d, d, nil)
	res.O.Mul(res.G.T(), w)
	res.R = pt.rterm(pt.f, func(y int) *mat.Dense { return pt.df[y] }, w)
	ws, _, err := red.b.Lyapunov(red.ar, q)
	if err != nil {
		return nil, err
	}
	wm := mat.DenseCopyOf(ws)
	res.U, err = red.b.LyapunovGeneral(red.ar, res.O)
	if err != nil {
		return nil, err
	}
	res.W = symOf(wm, nil)
	res.Sigma = symOf(wm, res.U)
	cw := pt.contract(wm)
	bw := make([]float64, d)
	pt.driftB(bw, cw)
	cu := pt.contract(res.U)
	bu := make([]float64, d)
	pt.driftB(bu, cu)
	f1, dpi1, err := sys.firstOrder(pt)
	if err != nil {
		return nil, err
	}
	for i := range bw {
		bw[i] = -(0.5*bw[i] + f1[i])
	}
	res.V = red.solve(bw)
	res.T = red.solve(bu)
	res.S = red.solve(res.R)
	res.C = make([]float64, d)
	for i := range res.C {
		res.C[i] = res.V[i] + res.T[i] + res.S[i]
	}
	sig := mat.NewDense(d, d, nil)
	sig.Copy(res.Sigma)
	cs := pt.contract(sig)
	res.Observables, err = sys.observables(pt, res.C, cs, w, dpi1, in.Scale, false)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// symOf returns W − U − Uᵀ (W alone if u is nil), symmetrised.
func symOf(w, u *mat.Dense) *mat.SymDense {
	d, _ := w.Dims()
	out := mat.NewSymDense(d, nil)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			v := 0.5 * (w.At(i, j) + w.At(j, i))
			if u != nil {
				v -= u.At(i, j) + u.At(j, i)
			}
			out.SetSym(i, j, v)
		}
	}
	return out
}

// firstOrder returns the averaged O(1/N) drift F̄₁ = Σ_y π_y F₁(y) + Σ_y δπ_y F(y) and the
// O(1/N) change of the fast law δπᵀ = −πᵀK₁K⁺, where F₁ and K₁ are assembled like F and K
// from the rates β₁ (nil δπ and zero F̄₁ when every β₁ vanishes). O(m J + m²d).
func (s *system) firstOrder(p *point) ([]float64, []float64, error) {
	d, ns := s.d, s.ns
	f1 := make([]float64, d)
	if s.beta1 == nil {
		return f1, nil, nil
	}
	k1 := mat.NewDense(ns, ns, nil)
	b := make([]float64, len(s.jumps))
	for y := 0; y < ns; y++ {
		s.beta1.Eval(b, s.inputs(p.x, y))
		for _, pr := range s.pairs[y] {
			a := b[pr.j]
			if a == 0 {
				continue
			}
			for _, jp := range s.jumps[pr.j] {
				f1[jp.Species] += p.pi[y] * float64(jp.Delta) * a
			}
			if pr.to != y {
				k1.Set(y, pr.to, k1.At(y, pr.to)+a)
				k1.Set(y, y, k1.At(y, y)-a)
			}
		}
	}
	dpi := make([]float64, ns)
	if ns > 1 {
		v := make([]float64, ns)
		p.piTimes(v, k1)
		p.timesKp(dpi, v, -1)
		for y := 0; y < ns; y++ {
			if dpi[y] != 0 {
				for i := 0; i < d; i++ {
					f1[i] += dpi[y] * p.f.At(y, i)
				}
			}
		}
	}
	return f1, dpi, nil
}

// observables refines every scaled observable h at the point (digest §3(d)):
//
//	C_h = ∇h̄·c + ½ ∂²h̄:Σ − Σ_{y′} DG_h(y′)[w_{y′}] + h̄₁,   h̄ = Σ_y π_y h₀(y),
//
// with h̄₁ = Σ_y π_y h₁(y) + δπ_y h₀(y). cs is the contraction prepared for Σ. With xOnly,
// observables that depend on the environment are left out. Cost: m evaluations, sparse
// Jacobians and Hessian blocks of the observable tape, O(m d p) and one rterm.
func (s *system) observables(p *point, c []float64, cs *second, w *mat.Dense, dpi1 []float64, n float64, xOnly bool) ([]Observable, error) {
	if s.obs0 == nil {
		return nil, nil
	}
	d, ns := s.d, s.ns
	np := s.obs0.Len()
	h := mat.NewDense(ns, np, nil)
	h1 := make([]float64, np)
	b1 := make([]float64, np)
	var dh []*mat.Dense
	hess := make([][]float64, ns) // ∂²h(y):Σ
	csr := s.obs0.NewCSR()
	blk := s.obs0.NewBlocks()
	pat := s.obs0.Pattern()
	for y := 0; y < ns; y++ {
		in := s.inputs(p.x, y)
		s.obs0.Eval(h.RawRowView(y), in)
		s.obs1.Eval(b1, in)
		for i := range h1 {
			h1[i] += p.pi[y] * b1[i]
			if dpi1 != nil {
				h1[i] += dpi1[y] * h.At(y, i)
			}
		}
		if err := s.obs0.JacobianCSR(csr, in); err != nil {
			return nil, err
		}
		m := mat.NewDense(np, d, nil)
		csr.ToDense(m)
		dh = append(dh, m)
		if err := s.obs0.HessianBlocks(blk, in); err != nil {
			return nil, err
		}
		hv := make([]float64, np)
		for i := 0; i < np; i++ {
			cols := pat.Col[pat.RowPtr[i]:pat.RowPtr[i+1]]
			vals := blk.Val[blk.Off[i]:blk.Off[i+1]]
			v := 0.0
			for a, ca := range cols {
				for b, cb := range cols {
					v += vals[a*len(cols)+b] * cs.m.At(int(ca), int(cb))
				}
			}
			hv[i] = v
		}
		hess[y] = hv
	}
	rh := p.rterm(h, func(y int) *mat.Dense { return dh[y] }, w)
	var out []Observable
	for i := 0; i < np; i++ {
		env := s.obsEnv[i]
		if xOnly && env {
			continue
		}
		mf, grad, sec := 0.0, 0.0, 0.0
		for y := 0; y < ns; y++ {
			hy := h.At(y, i)
			mf += p.pi[y] * hy
			sec += cs.d2pi[y] * hy
			if p.pi[y] != 0 {
				sec += p.pi[y] * hess[y][i]
			}
			for l := 0; l < d; l++ {
				g := p.dpi.At(l, y)*hy + p.pi[y]*dh[y].At(i, l)
				grad += g * c[l]
				sec += 2 * cs.pm.At(l, y) * dh[y].At(i, l)
			}
		}
		cc := grad + 0.5*sec - rh[i] + h1[i]
		o := Observable{Name: s.rm.IR.Observables[s.obsIdx[i]].Name, MeanField: mf, C: cc, Refined1: mf, Env: env}
		if n > 0 {
			o.Refined1 += cc / n
		}
		out = append(out, o)
	}
	return out, nil
}

func normInf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		if a := math.Abs(x); a > m || math.IsNaN(x) {
			m = a
		}
	}
	return m
}
