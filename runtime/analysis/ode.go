package analysis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/meanfield"
	"github.com/mfcproject/mfc/runtime/ode"
)

// ODEReport is the report of the ode analysis: the trajectory of the mean-field ODE.
type ODEReport struct {
	Model   string      `json:"model"`
	Species []string    `json:"species"`
	Time    []float64   `json:"time"`
	X       [][]float64 `json:"x"`
	Method  string      `json:"method"`
	Steps   int         `json:"steps"`
	// Equations is empty for the mean-field ODE of the densities, or "reaction-rate
	// equations (counts)" for a model without a scale, whose x are counts.
	Equations string `json:"equations,omitempty"`
	// Observables are the model's observables along the trajectory: h₀(x(t)) for an
	// observable of the densities, the count form at the counts N·x(t) (x(t) for the
	// reaction-rate equations) for one of the counts. None for the two-timescale ODE.
	Observables []Series `json:"observables,omitempty"`
}

// Series is a named quantity at each time of a report.
type Series struct {
	Name   string    `json:"name"`
	Values []float64 `json:"values"`
}

// odeObservables evaluates the observables of mod along the trajectory xs (see
// ODEReport.Observables).
func odeObservables(mod *runtime.Model, in *ir.Inputs, times []float64, xs [][]float64, counts bool) ([]Series, error) {
	obs := mod.IR.Observables
	if len(obs) == 0 {
		return nil, nil
	}
	nodes := make([]ir.NodeID, len(obs))
	for i, o := range obs {
		nodes[i] = o.Node
	}
	tape := mod.IR.Graph.Compile(nodes)
	vals := make([]float64, tape.Len())
	loc := *in
	loc.Counts = make([]float64, mod.Dim())
	var h []float64
	if !counts && mod.Observables != nil {
		h = make([]float64, mod.Observables.Len())
	}
	out := make([]Series, len(obs))
	for i, o := range obs {
		out[i] = Series{Name: o.Name, Values: make([]float64, len(times))}
	}
	for k, x := range xs {
		loc.Time = in.Time + times[k]
		loc.Densities = x
		for i, v := range x {
			loc.Counts[i] = v
			if !counts {
				loc.Counts[i] = v * in.Scale
			}
		}
		tape.Eval(vals, &loc)
		if h != nil {
			mod.Observables.Eval(h, &loc)
		}
		for i := range obs {
			v := tape.Output(vals, i)
			if h != nil && mod.ObservableScaled[i] {
				v = h[3*i]
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("observable '%s' is %g at t = %g", obs[i].Name, v, times[k])
			}
			out[i].Values[k] = v
		}
	}
	return out, nil
}

// ODESettings are the settings of the ode analysis.
type ODESettings struct {
	T      float64 `flag:"t" usage:"final time" range:"(0,inf)"`
	Steps  int     `flag:"steps" usage:"number of output intervals on [0, T]" range:"[1,1e6]"`
	Method string  `flag:"method" usage:"auto (switch to the stiff method when stiffness is detected), explicit (Dormand-Prince 5(4)) or stiff (RODAS4 with the exact Jacobian)"`
	RelTol float64 `flag:"rtol" usage:"relative tolerance" range:"(0,1)"`
	AbsTol float64 `flag:"atol" usage:"absolute tolerance" range:"(0,inf)"`
	// MaxSteps bounds the steps of the integrator (0: its default, 100000).
	MaxSteps int `flag:"max-steps" usage:"most steps of the integrator (0: 100000)" range:"[0,1e9]"`
	runtime.Budget
}

var odeMethods = map[string]ode.Method{"auto": ode.Auto, "explicit": ode.DormandPrince, "stiff": ode.Rosenbrock}

// Check reports an unknown method.
func (s *ODESettings) Check() error {
	if _, ok := odeMethods[s.Method]; !ok {
		return usageErrorf("unknown method %q (auto, explicit or stiff)", s.Method)
	}
	return s.Budget.Check()
}

func init() {
	register(Analysis{Name: "ode",
		Summary:  "integrate the mean-field ODE from the initial state (explicit, stiff or automatic); the reaction-rate equations of the counts for a model without a scale",
		Synopsis: "--t T [--steps k] [--method auto|explicit|stiff] [--rtol r] [--atol a] [--max-memory M] [--timeout D]"},
		func() *ODESettings {
			return &ODESettings{T: 10, Steps: 10, Method: "auto", RelTol: 1e-8, AbsTol: 1e-10}
		}, runODE)
}

// StiffError is the ode analysis's refusal to go on with the explicit method on a stiff
// model.
type StiffError struct{ *ode.StiffError }

func (e *StiffError) Error() string {
	return fmt.Sprintf("the model is stiff: the explicit method stopped at t = %g (h·ρ ≈ %.3g after %d steps)\n    hint: run with --method stiff or --method auto", e.T, e.HRho, e.Steps)
}

// runODE integrates the mean-field ODE from the initial state (the averaged ODE for a model
// with a fast environment).
func runODE(ctx context.Context, p *Problem, s *ODESettings) (Report, error) {
	mod := p.Model
	if !mod.HasDrift() && !mod.HasRateEquations() {
		return nil, &NoMeanFieldError{Diagnostics: mod.IR.MeanField.Diagnostics}
	}
	set := &ode.Settings{RelTol: s.RelTol, AbsTol: s.AbsTol, Method: odeMethods[s.Method], Dense: true, MaxSteps: s.MaxSteps}
	// Per time: the state and its rendering (about 60 bytes a number).
	times, err := timeGrid(s.T, s.Steps, 60*int64(mod.Dim())+64, s.MaxBytes(), "the trajectory")
	if err != nil {
		return nil, err
	}
	path, err := meanfield.ODE(ctx, mod, mod.Inputs(), times, set)
	var stiff *ode.StiffError
	if errors.As(err, &stiff) {
		return nil, &StiffError{stiff}
	}
	if err != nil {
		return nil, err
	}
	rep := &ODEReport{Model: mod.IR.Name, Time: path.Times, X: path.X, Method: path.Integrator, Steps: path.Steps}
	if path.Method == meanfield.RateEquations {
		rep.Equations = "reaction-rate equations (counts)"
	}
	if path.Method != meanfield.Averaged {
		if rep.Observables, err = odeObservables(mod, mod.Inputs(), path.Times, path.X, path.Method == meanfield.RateEquations); err != nil {
			return nil, err
		}
	}
	rep.Species = mod.SpeciesNames()
	return rep, nil
}

// Text renders the trajectory as a table.
func (r *ODEReport) Text() string { return r.table(false) }

// CSV renders the trajectory with one line per time.
func (r *ODEReport) CSV() string { return r.table(true) }

func (r *ODEReport) table(csv bool) string {
	var b strings.Builder
	eq := "mean-field ODE"
	if r.Equations != "" {
		eq = r.Equations
	}
	sep, head := " ", fmt.Sprintf("# model %s: %s, %s, %d steps\n", r.Model, eq, r.Method, r.Steps)
	if r.Steps == 0 {
		head = fmt.Sprintf("# model %s: %s, %s\n", r.Model, eq, r.Method)
	}
	if csv {
		sep, head = ",", ""
	}
	b.WriteString(head)
	b.WriteString("t")
	for _, s := range r.Species {
		b.WriteString(sep + s)
	}
	for _, o := range r.Observables {
		b.WriteString(sep + o.Name)
	}
	b.WriteString("\n")
	for k, t := range r.Time {
		fmt.Fprintf(&b, "%.10g", t)
		for _, v := range r.X[k] {
			fmt.Fprintf(&b, "%s%.10g", sep, v)
		}
		for _, o := range r.Observables {
			fmt.Fprintf(&b, "%s%.10g", sep, o.Values[k])
		}
		b.WriteString("\n")
	}
	return b.String()
}
