package lna

import (
	"context"
	"errors"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/ode"
)

// UnstableError means the reduced Jacobian at the point is not stable by linalg.Classify
// (an eigenvalue with real part ≥ −linalg.StabilityTol·max(1, ‖A_r‖∞)), so the linear noise
// approximation has no stationary covariance. Use a stable fixed
// point (fixpoint.Find with more Starts) or Transient.
type UnstableError struct {
	MaxReal float64
}

// Error gives the largest real part.
func (e *UnstableError) Error() string {
	return fmt.Sprintf("lna: the reduced Jacobian is not Hurwitz (max Re λ = %.3g): no stationary covariance; use a stable fixed point or Transient", e.MaxReal)
}

// Result is the stationary linear noise approximation at a fixed point x*.
type Result struct {
	X []float64
	// W is the d×d stationary covariance, lim N·Cov(x_N), solving A W + W Aᵀ + Q = 0 on the
	// subspace orthogonal to the conservation laws (W = P W_r Pᵀ).
	W *mat.SymDense
	// A is the full Jacobian J(x*), Q = Σ_j ℓ_j ℓ_jᵀ β₀_j(x*) the diffusion matrix.
	A *mat.Dense
	Q *mat.SymDense
	// P is the orthonormal basis of the law null space; Ar = PᵀAP, Wr = PᵀWP.
	P, Ar *mat.Dense
	Wr    *mat.SymDense
	// Method names the solver used.
	Method string
}

// check refuses a model without a mean field, or with a fast environment.
func check(m *runtime.Model) error {
	if !m.HasDrift() {
		return errors.New("lna: the model has no mean field")
	}
	if m.HasFastEnvironment() {
		return fmt.Errorf("lna: %w", runtime.ErrFastEnvironment)
	}
	return nil
}

// Diffusion sets q to Σ_j ℓ_j ℓ_jᵀ β₀_j(x) at in (x = in.Densities). rates is a buffer of
// length len(transitions). Cost O(tape + Σ_j |ℓ_j|²).
func Diffusion(m *runtime.Model, in *ir.Inputs, q *mat.SymDense, rates []float64) {
	m.Rates.Eval(rates, in)
	q.Zero()
	AddDiffusion(q, m, rates)
}

// AddDiffusion adds Σ_j c_j ℓ_j ℓ_jᵀ to q (d×d), over the transitions j of m with c_j ≠ 0
// (ℓ_j the jump vector): the diffusion matrix of the weights c, such as the rates β₀(x)
// (Diffusion) or their derivatives in the higher-order moment equations of package refine.
// len(c) is the number of transitions. O(Σ_j |ℓ_j|²).
func AddDiffusion(q *mat.SymDense, m *runtime.Model, c []float64) {
	for j, t := range m.IR.Transitions {
		b := c[j]
		if b == 0 {
			continue
		}
		for _, u := range t.Jump {
			for _, v := range t.Jump {
				if u.Species <= v.Species {
					q.SetSym(u.Species, v.Species, q.At(u.Species, v.Species)+float64(u.Delta*v.Delta)*b)
				}
			}
		}
	}
}

// Stationary computes the stationary LNA covariance at the fixed point x (in.Densities is
// ignored; the parameters and environment of in are used). It solves the reduced equation
// A_r W_r + W_r A_rᵀ + Q_r = 0, A_r = PᵀJP, Q_r = PᵀQP, by Bartels–Stewart on the real Schur
// form, and maps back W = P W_r Pᵀ.
func Stationary(m *runtime.Model, in *ir.Inputs, x []float64) (*Result, error) {
	return StationaryWithEigenvalues(m, in, x, nil)
}

// StationaryWithEigenvalues is Stationary given the eigenvalues ev of the reduced Jacobian
// A_r at x (as fixpoint.Point.Eigenvalues holds them for the same model, inputs and x), so
// that the stability check does not compute them again (O(r³), the largest cost at large
// r after the solve); nil computes them. The check itself (Hurwitz, tolerance 0) is
// Stationary's.
func StationaryWithEigenvalues(m *runtime.Model, in *ir.Inputs, x []float64, ev []complex128) (*Result, error) {
	if err := check(m); err != nil {
		return nil, err
	}
	d := m.Dim()
	if len(x) != d {
		return nil, fmt.Errorf("lna: len(x) = %d, want %d", len(x), d)
	}
	loc := *in
	loc.Densities = append([]float64(nil), x...)
	a := mat.NewDense(d, d, nil)
	if err := m.Drift.Jacobian(a, &loc); err != nil {
		return nil, err
	}
	q := mat.NewSymDense(d, nil)
	Diffusion(m, &loc, q, make([]float64, m.Rates.Len()))
	basis := m.Reduced()
	p := basis.P
	res := &Result{X: loc.Densities, A: a, Q: q, P: p, Method: linalg.MethodBartelsStewart}
	if p == nil {
		res.W, res.Wr, res.Ar = mat.NewSymDense(d, nil), mat.NewSymDense(0, nil), &mat.Dense{}
		return res, nil
	}
	ar := basis.Reduce(a)
	res.Ar = ar
	var err error
	if r, _ := ar.Dims(); len(ev) != r {
		if ev, err = linalg.Eigenvalues(ar); err != nil {
			return nil, err
		}
	}
	if linalg.Classify(ev, ar, 0) != linalg.Stable {
		return nil, &UnstableError{MaxReal: real(ev[0])}
	}
	res.W, res.Wr, res.Method, err = basis.LyapunovStableMethod(ar, q)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// TransientResult holds the mean field and the LNA covariance along a trajectory.
type TransientResult struct {
	Times []float64
	X     [][]float64
	// W[k] is lim N·Cov(x_N(Times[k])) for the deterministic start x(0) = in.Densities.
	W     []*mat.SymDense
	Stats ode.Stats
}

// Transient integrates ẋ = F(x), Ẇ = A(x)W + WA(x)ᵀ + Q(x) jointly from x(0) = in.Densities,
// W(0) = 0, with runtime/ode (Auto method; W packed as its upper triangle, so the system has
// d + d(d+1)/2 unknowns; the Jacobian of the joint system is left to finite differences, since
// its x-block needs the Hessian of F). Cost per right-hand side: one drift, one Jacobian, one
// rates evaluation and O(d³) for the products. The state stays on the affine set of the laws
// and W in the span of P automatically (every ℓ_j and every column of A lie there).
func Transient(ctx context.Context, m *runtime.Model, in *ir.Inputs, times []float64, s *ode.Settings) (*TransientResult, error) {
	if err := check(m); err != nil {
		return nil, err
	}
	d := m.Dim()
	np := d * (d + 1) / 2
	loc := *in
	a := mat.NewDense(d, d, nil)
	q := mat.NewSymDense(d, nil)
	w := mat.NewSymDense(d, nil)
	rates := make([]float64, m.Rates.Len())
	var aw mat.Dense
	prob := ode.Problem{
		Dim: d + np,
		Func: func(t float64, y, dy []float64) error {
			loc.Densities = y[:d]
			loc.Time = in.Time + t
			m.Drift.Eval(dy[:d], &loc)
			if err := m.Drift.Jacobian(a, &loc); err != nil {
				return err
			}
			Diffusion(m, &loc, q, rates)
			linalg.UnpackSym(w, y[d:])
			aw.Mul(a, w)
			linalg.PackSymSum(dy[d:], &aw, q)
			return nil
		},
	}
	y0 := make([]float64, d+np)
	copy(y0, in.Densities)
	sol, err := ode.Solve(ctx, prob, 0, y0, times, s)
	out := &TransientResult{Times: times}
	if sol != nil {
		out.Stats = sol.Stats
		for _, st := range sol.States {
			if st == nil {
				break
			}
			out.X = append(out.X, append([]float64(nil), st[:d]...))
			wk := mat.NewSymDense(d, nil)
			linalg.UnpackSym(wk, st[d:])
			out.W = append(out.W, wk)
		}
	}
	return out, err
}
