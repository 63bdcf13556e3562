package ode

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Problem is an initial-value problem x'(t) = f(t, x) of dimension Dim.
type Problem struct {
	// Dim is the number of state variables.
	Dim int
	// Func writes f(t, x) into dx. A non-nil error aborts the
	// integration and is returned (wrapped) by Solve.
	Func func(t float64, x, dx []float64) error
	// Jac optionally writes the exact Jacobian ∂f/∂x at (t, x) into
	// dst, a Dim×Dim matrix whose element (i, j) is ∂f_i/∂x_j. It is
	// used only by the Rosenbrock method; when nil, a forward-difference
	// approximation is used instead.
	Jac func(t float64, x []float64, dst *mat.Dense) error
}

// Method selects the integration method.
type Method int

const (
	// Auto starts with DormandPrince and switches to Rosenbrock, for the
	// rest of the integration, once stiffness is detected.
	Auto Method = iota
	// DormandPrince is the explicit Dormand–Prince 5(4) pair. If the
	// problem is detected to be stiff, Solve stops with a *StiffError.
	DormandPrince
	// Rosenbrock is the linearly implicit RODAS-type 4(3) method for stiff
	// problems.
	Rosenbrock
)

// String returns the name of the method.
func (m Method) String() string {
	switch m {
	case Auto:
		return "Auto"
	case DormandPrince:
		return "DormandPrince"
	case Rosenbrock:
		return "Rosenbrock"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// Settings controls the integration. A nil *Settings passed to Solve
// means DefaultSettings(). Zero (or negative) RelTol, AbsTol, MaxStep and
// MaxSteps are replaced by their defaults; a zero InitialStep means the
// initial step is estimated automatically.
type Settings struct {
	// RelTol and AbsTol define the per-component error scale
	// AbsTol + RelTol·|x_i| of the local error test. Defaults 1e-8, 1e-10.
	RelTol, AbsTol float64
	// InitialStep is the first step size tried; 0 means automatic.
	InitialStep float64
	// MaxStep bounds the step size; 0 means the whole interval.
	MaxStep float64
	// MaxSteps bounds the number of attempted steps; 0 means 100000.
	MaxSteps int
	// Method selects the integration method; the zero value is Auto.
	Method Method
	// Dense, when true, produces the output at the requested times by
	// the continuous extension of the method, so steps are never
	// shortened to hit an output time. When false, every requested time
	// is an integration grid point.
	Dense bool
	// Progress, if non-nil, is called after every accepted step with the time reached.
	Progress func(t float64)
}

// DefaultSettings returns the settings used when Solve is given nil:
// RelTol 1e-8, AbsTol 1e-10, automatic step sizes, 100000 steps, Auto
// method, dense output.
func DefaultSettings() *Settings {
	return &Settings{RelTol: 1e-8, AbsTol: 1e-10, MaxSteps: 100000, Method: Auto, Dense: true}
}

// Stats records the cost of a call to Solve.
type Stats struct {
	// Steps is the number of accepted steps, Rejected the number of
	// rejected ones.
	Steps, Rejected int
	// FuncEvals counts calls of Problem.Func, including those made for
	// finite-difference derivatives.
	FuncEvals int
	// JacEvals counts Jacobian evaluations (exact or finite-difference).
	JacEvals int
	// LUs counts LU factorizations.
	LUs int
	// Method is the name of the method in use when Solve returned.
	Method string
	// Switched reports whether Auto switched from DormandPrince to
	// Rosenbrock.
	Switched bool
}

// Result holds the solution at the requested times.
type Result struct {
	// Times are the requested output times.
	Times []float64
	// States[i] is the state at Times[i]. When Solve returns an error,
	// States[i] is nil for every time not reached.
	States [][]float64
	// Stats records the cost of the integration.
	Stats Stats
}

// StepError reports that the integration could not proceed past T.
type StepError struct {
	// T is the time reached.
	T float64
	// Reason describes the failure, for example "step size underflow".
	Reason string
}

// Error implements the error interface.
func (e *StepError) Error() string {
	return fmt.Sprintf("ode: %s at t=%g; the solution may blow up (finite-time singularity) "+
		"or leave the domain of the model near this time: check the model there, or loosen the tolerances", e.Reason, e.T)
}

// StiffError reports that Method DormandPrince detected stiffness and
// stopped rather than crawl with steps bounded by stability.
type StiffError struct {
	// T is the time reached.
	T float64
	// HRho is the last estimate of h·ρ, the step size times the
	// spectral radius of the Jacobian (about 3.3 at the stability limit).
	HRho float64
	// Steps is the number of steps accepted before stopping.
	Steps int
}

// Error implements the error interface.
func (e *StiffError) Error() string {
	return fmt.Sprintf("ode: problem became stiff at t=%g (h·ρ≈%.3g after %d steps); "+
		"use Method Rosenbrock (or Auto) instead of DormandPrince", e.T, e.HRho, e.Steps)
}

// MaxStepsError reports that Settings.MaxSteps steps were attempted
// before the last requested time was reached.
type MaxStepsError struct {
	// T is the time reached.
	T float64
	// MaxSteps is the limit that was hit.
	MaxSteps int
}

// Error implements the error interface.
func (e *MaxStepsError) Error() string {
	return fmt.Sprintf("ode: reached the limit of %d steps at t=%g; raise it (--max-steps; Settings.MaxSteps in Go), "+
		"loosen the tolerances (--rtol, --atol), or use the stiff method if the problem is stiff (--method stiff; Method Rosenbrock in Go)", e.MaxSteps, e.T)
}

// stepper is one integration method holding the current state.
type stepper interface {
	// attempt tries a step of size h from (t, x) and returns the scaled
	// error norm, +Inf if the trial values were not finite.
	attempt(t, h float64) (float64, error)
	// accept commits the last attempted step taken from t.
	accept(t, h float64) error
	// interp writes the continuous extension at t+θh of the last
	// accepted step (from t, size h) into dst.
	interp(theta float64, dst []float64)
	// next proposes the next step size after a step of size h with
	// error norm e; accepted reports whether that step was accepted.
	next(h, e float64, accepted bool) float64
	// state returns the current state (after the last accepted step).
	state() []float64
	name() string
}

// Solve integrates p from (t0, x0) and returns the states at times,
// which must be non-decreasing and not before t0. On error the partial
// Result (states reached so far and the statistics) is returned along
// with a *StepError, *StiffError, *MaxStepsError, the error returned
// by Problem.Func or Problem.Jac, or an error wrapping ctx.Err(): ctx
// is checked before every step attempt, so a cancellation stops the
// integration within one step.
func Solve(ctx context.Context, p Problem, t0 float64, x0 []float64, times []float64, s *Settings) (*Result, error) {
	if p.Func == nil {
		return nil, errors.New("ode: Problem.Func is nil")
	}
	if p.Dim <= 0 || len(x0) != p.Dim {
		return nil, fmt.Errorf("ode: Problem.Dim=%d but len(x0)=%d", p.Dim, len(x0))
	}
	prev := t0
	for i, t := range times {
		if !(t >= prev) || math.IsInf(t, 0) {
			return nil, fmt.Errorf("ode: times[%d]=%g is not finite, non-decreasing and ≥ t0=%g", i, t, t0)
		}
		prev = t
	}
	for i, v := range x0 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("ode: x0[%d]=%g is not finite", i, v)
		}
	}
	set := fill(s)
	res := &Result{Times: append([]float64(nil), times...), States: make([][]float64, len(times))}
	stats := &res.Stats
	idx := 0
	for idx < len(times) && times[idx] == t0 {
		res.States[idx] = append([]float64(nil), x0...)
		idx++
	}
	stats.Method = set.Method.String()
	if set.Method == Auto {
		stats.Method = DormandPrince.String()
	}
	if idx == len(times) {
		return res, nil
	}
	tend := times[len(times)-1]
	hmax := set.MaxStep
	if hmax <= 0 {
		hmax = tend - t0
	}
	e := &evaluator{p: p, stats: stats, rtol: set.RelTol, atol: set.AbsTol}

	var st stepper
	var err error
	order := 5
	if set.Method == Rosenbrock {
		st, err = newRodas(e, t0, x0)
		order = 4
	} else {
		st, err = newDopri(e, t0, x0)
	}
	if err != nil {
		return res, err
	}
	h := set.InitialStep
	if h <= 0 {
		if h, err = e.initialStep(t0, x0, hmax, order); err != nil {
			return res, err
		}
	}
	t := t0
	attempts := 0
	nonFinite := false
	for idx < len(times) {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("ode: stopped at t=%g: %w", t, err)
		}
		if attempts >= set.MaxSteps {
			return res, &MaxStepsError{T: t, MaxSteps: set.MaxSteps}
		}
		attempts++
		target := tend
		if !set.Dense {
			target = times[idx]
		}
		h = math.Min(h, hmax)
		last := false
		if t+1.01*h >= target {
			h, last = target-t, true
		}
		if h <= 10*eps*math.Abs(t) || h < math.SmallestNonzeroFloat64*1e10 {
			reason := "step size underflow"
			if nonFinite {
				reason = "the state became NaN or Inf (step size underflow)"
			}
			return res, &StepError{T: t, Reason: reason}
		}
		en, err := st.attempt(t, h)
		if err != nil {
			return res, err
		}
		if math.IsNaN(en) || math.IsInf(en, 0) {
			nonFinite = true
			stats.Rejected++
			h *= 0.1
			continue
		}
		if en > 1 {
			stats.Rejected++
			h = st.next(h, en, false)
			continue
		}
		nonFinite = false
		if err := st.accept(t, h); err != nil {
			return res, err
		}
		stats.Steps++
		tnew := t + h
		if last {
			tnew = target
		}
		for idx < len(times) && times[idx] <= tnew {
			if times[idx] == tnew {
				res.States[idx] = append([]float64(nil), st.state()...)
			} else {
				y := make([]float64, p.Dim)
				st.interp((times[idx]-t)/h, y)
				res.States[idx] = y
			}
			idx++
		}
		hnew := st.next(h, en, true)
		t = tnew
		if set.Progress != nil {
			set.Progress(t)
		}
		if !finite(st.state()) {
			return res, &StepError{T: t, Reason: "the state became NaN or Inf"}
		}
		if dp, ok := st.(*dopri); ok && idx < len(times) && dp.stiff {
			if set.Method == DormandPrince {
				return res, &StiffError{T: t, HRho: dp.hrho, Steps: stats.Steps}
			}
			// Auto: continue with the Rosenbrock method from here.
			st, err = newRodas(e, t, dp.state())
			if err != nil {
				return res, err
			}
			stats.Switched = true
			stats.Method = Rosenbrock.String()
		}
		h = hnew
	}
	return res, nil
}

const eps = 0x1p-52

func fill(s *Settings) Settings {
	d := DefaultSettings()
	if s == nil {
		return *d
	}
	out := *s
	if out.RelTol <= 0 {
		out.RelTol = d.RelTol
	}
	if out.AbsTol <= 0 {
		out.AbsTol = d.AbsTol
	}
	if out.MaxSteps <= 0 {
		out.MaxSteps = d.MaxSteps
	}
	return out
}

func finite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// evaluator wraps the problem with evaluation counting and the error norm.
type evaluator struct {
	p          Problem
	stats      *Stats
	rtol, atol float64
}

func (e *evaluator) f(t float64, x, dx []float64) error {
	e.stats.FuncEvals++
	if err := e.p.Func(t, x, dx); err != nil {
		return fmt.Errorf("ode: Func at t=%g: %w", t, err)
	}
	return nil
}

// norm is the RMS norm of err scaled by atol + rtol·max(|x0|, |x1|).
func (e *evaluator) norm(err, x0, x1 []float64) float64 {
	var sum float64
	for i, v := range err {
		sk := e.atol + e.rtol*math.Max(math.Abs(x0[i]), math.Abs(x1[i]))
		r := v / sk
		sum += r * r
	}
	return math.Sqrt(sum / float64(len(err)))
}

// initialStep is the starting step heuristic of Hairer, Nørsett & Wanner
// (vol. I, II.4), costing two evaluations of f.
func (e *evaluator) initialStep(t float64, x []float64, hmax float64, order int) (float64, error) {
	n := len(x)
	f0 := make([]float64, n)
	if err := e.f(t, x, f0); err != nil {
		return 0, err
	}
	d0, d1 := e.norm(x, x, x), e.norm(f0, x, x)
	h0 := 1e-6
	if d0 > 1e-10 && d1 > 1e-10 {
		h0 = 0.01 * d0 / d1
	}
	h0 = math.Min(h0, hmax)
	x1 := make([]float64, n)
	for i := range x {
		x1[i] = x[i] + h0*f0[i]
	}
	f1 := make([]float64, n)
	if err := e.f(t+h0, x1, f1); err != nil {
		return 0, err
	}
	for i := range f1 {
		f1[i] -= f0[i]
	}
	d2 := e.norm(f1, x, x) / h0
	dm := math.Max(d1, d2)
	var h1 float64
	if dm <= 1e-15 || math.IsNaN(dm) {
		h1 = math.Max(1e-6, h0*1e-3)
	} else {
		h1 = math.Pow(0.01/dm, 1/float64(order))
	}
	return math.Min(math.Min(100*h0, h1), hmax), nil
}
