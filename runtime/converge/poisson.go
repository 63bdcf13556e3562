package converge

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ode"
)

// Poisson evaluates the solution g of the Poisson equation of the mean-field ODE,
//
//	∇g(x)·F(x) = ‖x − x*‖²,   g(x) = −∫₀^∞ ‖x(t, x) − x*‖² dt,
//
// and its derivatives along the compatibility class of x*, by integrating the trajectory
// together with its first- and second-order sensitivities (see the package documentation).
// Create one with NewPoisson; a Poisson is not safe for concurrent use.
type Poisson struct {
	m     *runtime.Model
	in    ir.Inputs
	d, r  int
	p     *mat.Dense
	xs    []float64
	dirs  [][]float64 // second-order directions ℓ (full coordinates)
	dz    [][]float64 // their reduced coordinates Pᵀℓ
	rate  float64     // |spectral abscissa|, for the tails and the segment length
	set   PoissonSettings
	fx    []float64
	v     []float64
	hv    []float64
	jv    []float64
	stats ode.Stats
}

// PoissonSettings controls the integration of the Poisson solution. Zero fields take
// their defaults.
type PoissonSettings struct {
	// RelTol and AbsTol are passed to runtime/ode. Defaults 1e-11 and 1e-13.
	RelTol, AbsTol float64
	// Decay: the integration stops once ‖x − x*‖, every first-order sensitivity and every
	// second-order one are below Decay (the exponential tail is then added in closed form).
	// Default 1e-9.
	Decay float64
	// MaxHorizon bounds the integrated time, in units of 1/|spectral abscissa|. Default 2000.
	MaxHorizon float64
	// Grid is the number of output times per segment used for the convergence time and the
	// κ estimate. Default 40.
	Grid int
}

func (s PoissonSettings) fill() PoissonSettings {
	if s.RelTol <= 0 {
		s.RelTol = 1e-11
	}
	if s.AbsTol <= 0 {
		s.AbsTol = 1e-13
	}
	if s.Decay <= 0 {
		s.Decay = 1e-9
	}
	if s.MaxHorizon <= 0 {
		s.MaxHorizon = 2000
	}
	if s.Grid <= 0 {
		s.Grid = 40
	}
	return s
}

// PoissonValue is g and its derivatives at one point x of the compatibility class of x*.
type PoissonValue struct {
	X []float64 `json:"x"`
	// G is g(x) ≤ 0.
	G float64 `json:"g"`
	// GradZ is the gradient of g in the reduced coordinates z (x = x* + P z):
	// ∇g(x)·u = GradZ·(Pᵀu) for every u in range(P).
	GradZ []float64 `json:"grad_z"`
	// GradNorm is ‖GradZ‖, the norm of ∇g restricted to the tangent space.
	GradNorm float64 `json:"grad_norm"`
	// Second[k] is ℓ_kᵀ ∇²g(x) ℓ_k for the k-th direction given to NewPoisson.
	Second []float64 `json:"second,omitempty"`
	// Converged reports whether the trajectory reached x* within the horizon; if not, the
	// other fields are meaningless and End holds the last state.
	Converged bool      `json:"converged"`
	End       []float64 `json:"end,omitempty"`
	// Failure says why a run did not converge ("" if it did, or simply ran out of time).
	Failure string `json:"failure,omitempty"`
	// TConv is the first output time after which ‖x(t) − x*‖ stays below 1e-6·max(1, ‖x − x*‖).
	TConv float64 `json:"t_conv"`
	// Kappa is max_t ‖x(t) − x*‖ e^{αt}/‖x − x*‖ on the output grid points before TConv
	// (at least 1), for the α of the
	// settings (an estimate of κ in ‖x(t) − x*‖ ≤ κ ‖x(0) − x*‖ e^{−αt}); 0 at x = x*.
	Kappa float64 `json:"kappa"`
	// Horizon is the integrated time.
	Horizon float64 `json:"horizon"`
}

// NewPoisson prepares the evaluation of g for the model m at the parameters of in, around
// the equilibrium xs with reduced Jacobian spectral abscissa abscissa < 0 and basis p
// (d×r) of the tangent space of the compatibility class. dirs are the directions of the
// second derivatives (each must lie in range(p); they are usually the jump vectors). The
// model is cloned. Cost O(d r) besides the clone.
func NewPoisson(m *runtime.Model, in *ir.Inputs, xs []float64, p *mat.Dense, abscissa float64, dirs [][]float64, s *PoissonSettings) (*Poisson, error) {
	if !m.HasDrift() {
		return nil, runtime.ErrNoMeanField
	}
	if !(abscissa < 0) {
		return nil, fmt.Errorf("converge: NewPoisson needs a negative spectral abscissa, got %g", abscissa)
	}
	d, r := p.Dims()
	if len(xs) != d {
		return nil, fmt.Errorf("converge: len(x*) = %d, want %d", len(xs), d)
	}
	ps := &Poisson{m: m.Clone(), in: *in, d: d, r: r, p: p, xs: append([]float64(nil), xs...), rate: -abscissa,
		fx: make([]float64, d), v: make([]float64, d), hv: make([]float64, d), jv: make([]float64, d)}
	if s != nil {
		ps.set = *s
	}
	ps.set = ps.set.fill()
	for _, l := range dirs {
		if len(l) != d {
			return nil, fmt.Errorf("converge: direction of length %d, want %d", len(l), d)
		}
		z := make([]float64, r)
		for c := 0; c < r; c++ {
			for i := 0; i < d; i++ {
				z[c] += p.At(i, c) * l[i]
			}
		}
		// The direction must lie in the tangent space: ‖P Pᵀℓ − ℓ‖ small.
		res := 0.0
		for i := 0; i < d; i++ {
			s := l[i]
			for c := 0; c < r; c++ {
				s -= p.At(i, c) * z[c]
			}
			res = math.Max(res, math.Abs(s))
		}
		if res > 1e-9*(1+norm(l)) {
			return nil, errors.New("converge: a second-derivative direction leaves the compatibility class (g's second derivative normal to it diverges)")
		}
		ps.dirs = append(ps.dirs, append([]float64(nil), l...))
		ps.dz = append(ps.dz, z)
	}
	return ps, nil
}

// Stats returns the accumulated integration statistics of every evaluation so far.
func (ps *Poisson) Stats() ode.Stats { return ps.stats }

// Level selects what Poisson.Eval computes.
type Level int

const (
	// LevelValue computes g only (the trajectory and one accumulator: d + 1 unknowns).
	LevelValue Level = iota
	// LevelGradient adds the reduced gradient (d(1 + r) + 1 + r unknowns).
	LevelGradient
	// LevelHessian adds ℓᵀ∇²gℓ for every direction (d(1 + r + K) + 1 + r + K unknowns).
	LevelHessian
)

// shape returns the number of first-order blocks nv and of second-order ones k.
func (ps *Poisson) shape(lv Level) (nv, k int) {
	switch lv {
	case LevelValue:
		return 0, 0
	case LevelGradient:
		return ps.r, 0
	}
	return ps.r, len(ps.dirs)
}

// Unknowns returns the size of the ODE system integrated by Eval at level lv.
// Layout: x (d) | ΦP columns (d each, nv) | w_ℓ (d each, k) | G | Gz (nv) | Gh (k).
func (ps *Poisson) Unknowns(lv Level) int {
	nv, k := ps.shape(lv)
	return ps.d*(1+nv+k) + 1 + nv + k
}

// rhs is the right-hand side of the augmented system. Per call: one drift evaluation,
// nv + k directional derivatives and k second-order contractions D²F[v, v].
func (ps *Poisson) rhs(y, dy []float64, nv, k int) error {
	d := ps.d
	x := y[:d]
	ps.in.Densities = x
	ps.m.Drift.Eval(dy[:d], &ps.in)
	acc := d * (1 + nv + k)
	e2 := 0.0
	for i := 0; i < d; i++ {
		e := x[i] - ps.xs[i]
		e2 += e * e
	}
	dy[acc] = -e2
	for c := 0; c < nv; c++ {
		vc := y[d*(1+c) : d*(2+c)]
		if err := ps.m.Drift.Directional(dy[d*(1+c):d*(2+c)], &ps.in, vc); err != nil {
			return err
		}
		s := 0.0
		for i := 0; i < d; i++ {
			s += (x[i] - ps.xs[i]) * vc[i]
		}
		dy[acc+1+c] = -2 * s
	}
	for j := 0; j < k; j++ {
		// v_ℓ = Φ ℓ = Σ_c (Pᵀℓ)_c Φ P e_c.
		for i := range ps.v {
			ps.v[i] = 0
		}
		for c := 0; c < nv; c++ {
			if zc := ps.dz[j][c]; zc != 0 {
				vc := y[d*(1+c) : d*(2+c)]
				for i := 0; i < d; i++ {
					ps.v[i] += zc * vc[i]
				}
			}
		}
		off := d * (1 + nv + j)
		w := y[off : off+d]
		if err := ps.m.Drift.Directional(ps.jv, &ps.in, w); err != nil {
			return err
		}
		if err := ps.m.Drift.D2(ps.hv, &ps.in, ps.v, ps.v); err != nil {
			return err
		}
		s := 0.0
		for i := 0; i < d; i++ {
			dy[off+i] = ps.jv[i] + ps.hv[i]
			s += ps.v[i]*ps.v[i] + (x[i]-ps.xs[i])*w[i]
		}
		dy[acc+1+nv+j] = -2 * s
	}
	return nil
}

// Eval evaluates g(x) and, depending on lv, its reduced gradient and ℓᵀ∇²g(x)ℓ for every
// direction of NewPoisson. x must lie on the compatibility class of x*. alpha is the
// decay rate of the κ estimate (0 for none).
//
// Cost: the integration of Unknowns(lv) ODEs until they decay below Settings.Decay; each
// right-hand side costs one drift evaluation, nv + K tangent sweeps and K second-order
// contractions (nv = r from LevelGradient on, K = number of directions at LevelHessian).
// The horizon is about ln(1/Decay)/|abscissa| near x*, longer from slow transients. ctx is
// checked at every ODE step; a cancellation returns an error wrapping ctx.Err().
func (ps *Poisson) Eval(ctx context.Context, x []float64, lv Level, alpha float64) (*PoissonValue, error) {
	d := ps.d
	if len(x) != d {
		return nil, fmt.Errorf("converge: len(x) = %d, want %d", len(x), d)
	}
	nv, k := ps.shape(lv)
	n := ps.Unknowns(lv)
	y := make([]float64, n)
	copy(y, x)
	for c := 0; c < nv; c++ {
		for i := 0; i < d; i++ {
			y[d*(1+c)+i] = ps.p.At(i, c)
		}
	}
	prob := ode.Problem{Dim: n, Func: func(_ float64, y, dy []float64) error { return ps.rhs(y, dy, nv, k) }}
	st := ode.DefaultSettings()
	st.RelTol, st.AbsTol, st.MaxSteps = ps.set.RelTol, ps.set.AbsTol, 500000
	seg := 10 / ps.rate
	e0 := dist(x, ps.xs)
	out := &PoissonValue{X: append([]float64(nil), x...)}
	convTol := 1e-6 * math.Max(1, e0)
	t := 0.0
	above := 0.0 // last grid time with ‖e‖ > convTol
	for t < ps.set.MaxHorizon/ps.rate {
		times := make([]float64, ps.set.Grid)
		for i := range times {
			times[i] = t + seg*float64(i+1)/float64(ps.set.Grid)
		}
		res, err := ode.Solve(ctx, prob, t, y, times, st)
		if res != nil {
			addStats(&ps.stats, res.Stats)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("converge: Poisson evaluation: %w", ctx.Err())
		}
		if err != nil {
			// A blow-up (of the state or of the sensitivities near an unstable
			// equilibrium) means the trajectory does not settle at x*.
			out.Failure = err.Error()
			if res != nil {
				for i := len(res.States) - 1; i >= 0; i-- {
					if res.States[i] != nil {
						y = res.States[i]
						break
					}
				}
			}
			break
		}
		for i, yi := range res.States {
			e := dist(yi[:d], ps.xs)
			if e > convTol {
				above = times[i]
			}
			// Only points above the convergence threshold count: below it the error is
			// dominated by the integration tolerance, which e^{αt} would amplify.
			if e0 > 0 && alpha > 0 && e > convTol {
				out.Kappa = math.Max(out.Kappa, e*math.Exp(alpha*times[i])/e0)
			}
		}
		y = res.States[len(res.States)-1]
		t = times[len(times)-1]
		if ps.decayed(y, nv+k) {
			out.Converged = true
			break
		}
		if ps.diverged(y, nv+k) {
			out.Failure = "the trajectory or its sensitivities grow: it does not approach x*"
			break
		}
	}
	out.Horizon, out.TConv = t, above
	if !out.Converged {
		out.End = append([]float64(nil), y[:d]...)
		return out, nil
	}
	ps.tail(y, nv, k)
	acc := d * (1 + nv + k)
	out.G = y[acc]
	if nv > 0 {
		out.GradZ = append([]float64(nil), y[acc+1:acc+1+nv]...)
		out.GradNorm = norm(out.GradZ)
	}
	if k > 0 {
		out.Second = append([]float64(nil), y[acc+1+nv:acc+1+nv+k]...)
	}
	if alpha > 0 && e0 > 0 {
		out.Kappa = math.Max(out.Kappa, 1)
	}
	return out, nil
}

// decayed reports whether the state and the nb sensitivity blocks are all below the decay
// threshold.
func (ps *Poisson) decayed(y []float64, nb int) bool {
	d := ps.d
	if dist(y[:d], ps.xs) > ps.set.Decay {
		return false
	}
	for b := 0; b < nb; b++ {
		if norm(y[d*(1+b):d*(2+b)]) > ps.set.Decay {
			return false
		}
	}
	return true
}

// diverged reports whether the state left a large ball around x* or a sensitivity exceeds
// 1e30 (exponential growth near an unstable equilibrium).
func (ps *Poisson) diverged(y []float64, nb int) bool {
	d := ps.d
	if !(dist(y[:d], ps.xs) < 1e6*(1+norm(ps.xs))) {
		return true
	}
	for b := 0; b < nb; b++ {
		if !(norm(y[d*(1+b):d*(2+b)]) < 1e30) {
			return true
		}
	}
	return false
}

// tail adds the closed-form tail ∫_T^∞ of every accumulator, assuming the integrands decay
// like e^{2at} from their values at T (a the spectral abscissa): ∫_T^∞ ≈ integrand(T)/(2|a|).
func (ps *Poisson) tail(y []float64, nv, k int) {
	dy := make([]float64, len(y))
	if err := ps.rhs(y, dy, nv, k); err != nil {
		return
	}
	for i := ps.d * (1 + nv + k); i < len(y); i++ {
		y[i] += dy[i] / (2 * ps.rate)
	}
}

func addStats(dst *ode.Stats, s ode.Stats) {
	dst.Steps += s.Steps
	dst.Rejected += s.Rejected
	dst.FuncEvals += s.FuncEvals
	dst.JacEvals += s.JacEvals
	dst.LUs += s.LUs
	dst.Switched = dst.Switched || s.Switched
	dst.Method = s.Method
}

func norm(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

func dist(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		e := a[i] - b[i]
		s += e * e
	}
	return math.Sqrt(s)
}
