// Package meanfield chooses, once for every analysis, the mean-field method that applies to
// a model, and returns its results in one form:
//
//   - a model whose environment, if any, changes at rate O(1) gets the refined mean field of
//     package runtime/refine, of order 1 or 2: E[X_N] = x + V/N + A/N² + O(1/N³);
//   - a model with a fast environment (rate O(N), docs/language.md §6.8) gets the two-timescale
//     average mean field of package runtime/average with its order-1 refinement
//     E[X_N] = φ + C/N + O(1/N²); the mean field frozen in one environment state would be
//     wrong, and runtime/refine refuses such a model.
//
// The registry of analyses (runtime/analysis) and the side-by-side comparison
// (runtime/compare) call this package instead of choosing themselves.
package meanfield

import (
	"context"
	"errors"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/average"
	"github.com/mfcproject/mfc/runtime/fixpoint"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/ode"
	"github.com/mfcproject/mfc/runtime/refine"
)

// Methods, as reports name them.
const (
	Refined  = "refined mean field"
	Averaged = "average mean field (two timescales)"
)

// Method returns the mean-field method that applies to m (Refined or Averaged), or
// runtime.ErrNoMeanField.
func Method(m *runtime.Model) (string, error) {
	switch {
	case !m.HasDrift():
		return "", runtime.ErrNoMeanField
	case average.Applies(m):
		return Averaged, nil
	}
	return Refined, nil
}

// Observable is one refined observable h: E h = MeanField + C/N + D/N² + …; Refined1 and
// Refined2 are the sums at the scale of the inputs. At order 1, D = 0 and Refined2 =
// Refined1.
type Observable struct {
	Name               string
	MeanField, C, D    float64
	Refined1, Refined2 float64
}

// Result is the stationary refined mean field.
type Result struct {
	// Method is Refined or Averaged and Order the order computed (Averaged: 1). Notes say
	// where the order differs from the one asked for.
	Method string
	Order  int
	Notes  []string
	// X is the fixed point, V the 1/N term (C = V + T + S for Averaged) and A the 1/N²
	// term (order 2), W = lim N·Cov(X_N) (Σ∞ for Averaged), by rows.
	X, V, A     []float64
	W           [][]float64
	Eigenvalues []complex128
	// Residual is ‖F̄(X)‖∞ of the averaged drift's Newton solve (Averaged; 0 otherwise).
	Residual float64
	// EnvLaw is the stationary law of the fast environment at X (Averaged), over
	// IR.Env.Space.
	EnvLaw      []float64
	Observables []Observable
}

// Sensitivity holds the derivatives of the stationary refined mean field with respect to
// one parameter at fixed N (refine.StationarySensitivities): of X, V, A (order 2) and of
// every field of each observable (MeanField, C, D, Refined1, Refined2).
type Sensitivity struct {
	Param       string
	X, V, A     []float64
	Observables []Observable
}

// ErrSensitivityAveraged is returned for sensitivities of a model with a fast environment.
var ErrSensitivityAveraged = errors.New("sensitivities are not available for the two-timescale (average) mean field of a model with a fast environment")

// StationarySensitivities is StationaryFrom with the derivatives of the result with respect
// to each parameter of params (refine.StationarySensitivities); it refuses a model with a
// fast environment (ErrSensitivityAveraged).
func StationarySensitivities(ctx context.Context, m *runtime.Model, in *ir.Inputs, order int, fp *fixpoint.Settings, params []string) (*Result, []Sensitivity, error) {
	method, err := Method(m)
	if err != nil {
		return nil, nil, err
	}
	if method == Averaged {
		return nil, nil, ErrSensitivityAveraged
	}
	res, sens, err := refine.StationarySensitivities(ctx, m, in, &refine.Settings{Order: order, Fixpoint: fp}, params)
	if err != nil {
		return nil, nil, err
	}
	out := make([]Sensitivity, len(sens))
	for k, s := range sens {
		out[k] = Sensitivity{Param: s.Param, X: s.X, V: s.V, A: s.A}
		for _, o := range s.Observables {
			v := Observable{Name: o.Name, MeanField: o.MeanField, C: o.C, Refined1: o.Refined1, Refined2: o.Refined1}
			if res.Order >= 2 {
				v.D, v.Refined2 = o.D, o.Refined2
			}
			out[k].Observables = append(out[k].Observables, v)
		}
	}
	return refinedResult(method, res), out, nil
}

// Stationary returns the stationary refined mean field of m at in, of the given order (1
// or 2) where the method has it.
func Stationary(ctx context.Context, m *runtime.Model, in *ir.Inputs, order int) (*Result, error) {
	return StationaryFrom(ctx, m, in, order, nil)
}

// StationaryFrom is Stationary with the settings of the fixed-point search (its starts, a
// guess for continuation) of the refined mean field; nil means the defaults. The
// two-timescale method has its own search and ignores them.
func StationaryFrom(ctx context.Context, m *runtime.Model, in *ir.Inputs, order int, fp *fixpoint.Settings) (*Result, error) {
	method, err := Method(m)
	if err != nil {
		return nil, err
	}
	if method == Averaged {
		res, err := average.Stationary(ctx, m, in, nil)
		if err != nil {
			return nil, err
		}
		return &Result{Method: method, Order: 1, Notes: orderNote(order), X: res.X, V: res.C, W: linalg.Rows(res.Sigma),
			Eigenvalues: res.Eigenvalues, Residual: res.Residual, EnvLaw: res.Pi, Observables: averaged(res.Observables)}, nil
	}
	res, err := refine.Stationary(ctx, m, in, &refine.Settings{Order: order, Fixpoint: fp})
	if err != nil {
		return nil, err
	}
	return refinedResult(method, res), nil
}

func refinedResult(method string, res *refine.Result) *Result {
	return &Result{Method: method, Order: res.Order, X: res.X, V: res.V, A: res.A, W: res.W,
		Eigenvalues: res.Eigenvalues, Observables: refined(res.Observables, res.Order)}
}

// Trajectory is the refined mean field along the transient from the initial state.
type Trajectory struct {
	Method string
	Order  int
	Notes  []string
	Times  []float64
	// X[k], V[k] and A[k] (order 2) are the terms at Times[k] (V is the 1/N term m(t) for
	// Averaged); W[k] = lim N·Cov(X_N(Times[k])).
	X, V, A     [][]float64
	W           []*mat.SymDense
	Observables [][]Observable
}

// Transient returns the refined mean field of m at the given times from in's initial state.
func Transient(ctx context.Context, m *runtime.Model, in *ir.Inputs, times []float64, order int) (*Trajectory, error) {
	method, err := Method(m)
	if err != nil {
		return nil, err
	}
	tr := &Trajectory{Method: method, Times: times}
	if method == Averaged {
		res, err := average.Transient(ctx, m, in, times, nil)
		if err != nil {
			return nil, err
		}
		tr.Order, tr.Notes, tr.Times, tr.X, tr.V, tr.W = 1, orderNote(order), res.Times, res.X, res.M, res.Sigma
		for _, obs := range res.Observables {
			tr.Observables = append(tr.Observables, averaged(obs))
		}
		return tr, nil
	}
	res, err := refine.Transient(ctx, m, in, times, &refine.Settings{Order: order})
	if err != nil {
		return nil, err
	}
	tr.Order, tr.Times, tr.X, tr.V, tr.A, tr.W = res.Order, res.Times, res.X, res.V, res.A, res.W
	for _, obs := range res.Observables {
		tr.Observables = append(tr.Observables, refined(obs, res.Order))
	}
	return tr, nil
}

// Path is a solution of the mean-field ODE.
type Path struct {
	Method string
	Times  []float64
	X      [][]float64
	// Steps is the number of steps of the integrator (0 where not reported) and
	// Integrator names it.
	Steps      int
	Integrator string
}

// SwitchingError refuses the reaction-rate equations of a network whose propensities switch
// with the counts (runtime.Model.SwitchingTransition).
type SwitchingError struct{ Label string }

// Error names the transition and what to use instead.
func (e *SwitchingError) Error() string {
	return fmt.Sprintf("the propensity of '%s' switches with the counts (a guard, a comparison or a step function): the reaction-rate equations of such a network are discontinuous and do not approximate its mean; use mfc ssa or mfc exact, or declare a scale for the mean field", e.Label)
}

// RateEquations is the method of a model in molecule numbers (no scale): the
// reaction-rate equations of the counts (runtime.Model.RateEquations).
const RateEquations = "reaction-rate equations of the counts"

// ODE integrates the mean-field ODE from in's initial state: ẋ = F(x), or the averaged
// drift F̄(x) = Σ_y π_y(x) F(x, y) for a model with a fast environment. A continuous-time
// model without a scale gets the reaction-rate equations of its counts from in.Counts
// (runtime.Model.HasRateEquations); its Path is in counts.
func ODE(ctx context.Context, m *runtime.Model, in *ir.Inputs, times []float64, set *ode.Settings) (*Path, error) {
	if !m.HasDrift() && m.HasRateEquations() {
		if lbl := m.SwitchingTransition(); lbl != "" {
			return nil, &SwitchingError{Label: lbl}
		}
		f, jac := m.RateEquations(in)
		x0 := append([]float64(nil), in.Counts...)
		set, done := runtime.ODEProgress(ctx, "reaction-rate equations", times, set)
		defer done()
		res, err := ode.Solve(ctx, ode.Problem{Dim: m.Dim(), Func: f, Jac: jac}, 0, x0, times, set)
		if err != nil {
			return nil, err
		}
		return &Path{Method: RateEquations, Times: res.Times, X: res.States, Steps: res.Stats.Steps, Integrator: res.Stats.Method}, nil
	}
	method, err := Method(m)
	if err != nil {
		return nil, err
	}
	if method == Averaged {
		tr, err := average.ODE(ctx, m, in, times, &average.Settings{ODE: set})
		if err != nil {
			return nil, err
		}
		return &Path{Method: method, Times: tr.Times, X: tr.X, Integrator: method}, nil
	}
	x0 := append([]float64(nil), in.Densities...)
	set, done := runtime.ODEProgress(ctx, "mean-field ODE", times, set)
	defer done()
	res, err := ode.Solve(ctx, Problem(m, in), 0, x0, times, set)
	if err != nil {
		return nil, err
	}
	return &Path{Method: method, Times: res.Times, X: res.States, Steps: res.Stats.Steps, Integrator: res.Stats.Method}, nil
}

// Problem returns the mean-field ODE ẋ = F(x) of m as an ode.Problem over a copy of in's
// inputs (its time and densities are overwritten at each evaluation), with the exact
// Jacobian for stiff methods.
func Problem(m *runtime.Model, in *ir.Inputs) ode.Problem {
	loc := *in
	loc.Densities = append([]float64(nil), in.Densities...)
	return ode.Problem{
		Dim: m.Dim(),
		Func: func(t float64, x, dx []float64) error {
			loc.Time = t
			copy(loc.Densities, x)
			return m.EvalDrift(dx, &loc)
		},
		Jac: func(t float64, x []float64, dst *mat.Dense) error {
			loc.Time = t
			copy(loc.Densities, x)
			return m.Jacobian(dst, &loc)
		},
	}
}

func orderNote(order int) []string {
	if order > 1 {
		return []string{fmt.Sprintf("order %d is not available for two-timescale models; the refinement is of order 1", order)}
	}
	return nil
}

func averaged(obs []average.Observable) []Observable {
	out := make([]Observable, 0, len(obs))
	for _, o := range obs {
		out = append(out, Observable{Name: o.Name, MeanField: o.MeanField, C: o.C, Refined1: o.Refined1, Refined2: o.Refined1})
	}
	return out
}

func refined(obs []refine.Observable, order int) []Observable {
	out := make([]Observable, 0, len(obs))
	for _, o := range obs {
		v := Observable{Name: o.Name, MeanField: o.MeanField, C: o.C, Refined1: o.Refined1, Refined2: o.Refined1}
		if order >= 2 {
			v.D, v.Refined2 = o.D, o.Refined2
		}
		out = append(out, v)
	}
	return out
}
