package analysis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/average"
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
}

// ODESettings are the settings of the ode analysis.
type ODESettings struct {
	T      float64 `flag:"t" usage:"final time"`
	Steps  int     `flag:"steps" usage:"number of output intervals on [0, T]"`
	Method string  `flag:"method" usage:"auto (switch to the stiff method when stiffness is detected), explicit (Dormand-Prince 5(4)) or stiff (RODAS4 with the exact Jacobian)"`
	RelTol float64 `flag:"rtol" usage:"relative tolerance"`
	AbsTol float64 `flag:"atol" usage:"absolute tolerance"`
}

var odeMethods = map[string]ode.Method{"auto": ode.Auto, "explicit": ode.DormandPrince, "stiff": ode.Rosenbrock}

// Check reports an unknown method.
func (s *ODESettings) Check() error {
	if _, ok := odeMethods[s.Method]; !ok {
		return usageErrorf("unknown method %q (auto, explicit or stiff)", s.Method)
	}
	return nil
}

func init() {
	register(Analysis{Name: "ode", MeanField: true,
		Summary:  "integrate the mean-field ODE from the initial state (explicit, stiff or automatic)",
		Synopsis: "--t T [--steps k] [--method auto|explicit|stiff] [--rtol r] [--atol a]"},
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

// MeanFieldODE returns the mean-field ODE ẋ = F(x) of m as an ode.Problem over in's
// densities (in.Time and in.Densities are overwritten at each evaluation), with the exact
// Jacobian for stiff methods.
func MeanFieldODE(m *runtime.Model, in *ir.Inputs) ode.Problem {
	return ode.Problem{
		Dim: m.Dim(),
		Func: func(t float64, x, dx []float64) error {
			in.Time = t
			copy(in.Densities, x)
			return m.EvalDrift(dx, in)
		},
		Jac: func(t float64, x []float64, dst *mat.Dense) error {
			in.Time = t
			copy(in.Densities, x)
			return m.Jacobian(dst, in)
		},
	}
}

// runODE integrates the mean-field ODE from the initial state (the averaged ODE for a model
// with a fast environment).
func runODE(ctx context.Context, p *Problem, s *ODESettings) (Report, error) {
	mod := p.Model
	in := mod.Inputs()
	times := grid(s.T, s.Steps)
	set := &ode.Settings{RelTol: s.RelTol, AbsTol: s.AbsTol, Method: odeMethods[s.Method], Dense: true}
	rep := &ODEReport{Model: mod.IR.Name}
	for _, sp := range mod.IR.Species {
		rep.Species = append(rep.Species, sp.Name)
	}
	if average.Applies(mod) {
		// A fast environment: the averaged drift F̄(x) = Σ_y π_y(x) F(x, y).
		tr, err := average.ODE(ctx, mod, in, times, &average.Settings{ODE: set})
		if err != nil {
			return nil, err
		}
		rep.Time, rep.X, rep.Method = tr.Times, tr.X, "average mean field (two timescales)"
		return rep, nil
	}
	x0 := append([]float64(nil), in.Densities...)
	res, err := ode.Solve(ctx, MeanFieldODE(mod, in), 0, x0, times, set)
	var stiff *ode.StiffError
	if errors.As(err, &stiff) {
		return nil, &StiffError{stiff}
	}
	if err != nil {
		return nil, err
	}
	rep.Time, rep.X, rep.Method, rep.Steps = res.Times, res.States, res.Stats.Method, res.Stats.Steps
	return rep, nil
}

// Text renders the trajectory as a table.
func (r *ODEReport) Text() string { return r.table(false) }

// CSV renders the trajectory with one line per time.
func (r *ODEReport) CSV() string { return r.table(true) }

func (r *ODEReport) table(csv bool) string {
	var b strings.Builder
	sep, head := " ", fmt.Sprintf("# model %s: mean-field ODE, %s, %d steps\n", r.Model, r.Method, r.Steps)
	if r.Steps == 0 {
		head = fmt.Sprintf("# model %s: mean-field ODE, %s\n", r.Model, r.Method)
	}
	if csv {
		sep, head = ",", ""
	}
	b.WriteString(head)
	b.WriteString("t")
	for _, s := range r.Species {
		b.WriteString(sep + s)
	}
	b.WriteString("\n")
	for k, t := range r.Time {
		fmt.Fprintf(&b, "%.10g", t)
		for _, v := range r.X[k] {
			fmt.Fprintf(&b, "%s%.12g", sep, v)
		}
		b.WriteString("\n")
	}
	return b.String()
}
