package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/runtime/average"
	"github.com/mfcproject/mfc/runtime/ode"
)

// odeReport is the JSON form of 'mfc ode'.
type odeReport struct {
	Model   string      `json:"model"`
	Species []string    `json:"species"`
	Time    []float64   `json:"time"`
	X       [][]float64 `json:"x"`
	Method  string      `json:"method"`
	Steps   int         `json:"steps"`
}

// runODE implements 'mfc ode FILE --t T': the mean-field ODE ẋ = F(x) from the initial
// state, with the exact Jacobian for the stiff method.
func runODE(args []string, stdout, stderr io.Writer) int {
	a := newAnalysis("ode", "FILE [--set name=value]... [--N n] --t T [--steps k] [--method auto|explicit|stiff] [--rtol r] [--atol a] [--format text|csv|json] [-o FILE]", stderr)
	horizon := a.fs.Float64("t", 10, "final time")
	steps := a.fs.Int("steps", 10, "number of output intervals on [0, T]")
	method := a.fs.String("method", "auto", "auto (switch to the stiff method when stiffness is detected), explicit (Dormand-Prince 5(4)) or stiff (RODAS4 with the exact Jacobian)")
	rtol := a.fs.Float64("rtol", 1e-8, "relative tolerance")
	atol := a.fs.Float64("atol", 1e-10, "absolute tolerance")
	file, status := a.parse(args)
	if status != 0 {
		return status
	}
	methods := map[string]ode.Method{"auto": ode.Auto, "explicit": ode.DormandPrince, "stiff": ode.Rosenbrock}
	meth, ok := methods[*method]
	if !ok {
		fmt.Fprintf(stderr, "mfc ode: unknown method %q (auto, explicit or stiff)\n", *method)
		return 2
	}
	mod, status := a.load(file, true)
	if mod == nil {
		return status
	}
	in := mod.Inputs()
	times := make([]float64, *steps+1)
	for k := range times {
		times[k] = *horizon * float64(k) / float64(*steps)
	}
	set := &ode.Settings{RelTol: *rtol, AbsTol: *atol, Method: meth, Dense: true}
	if average.Applies(mod) {
		// A fast environment: the averaged drift F̄(x) = Σ_y π_y(x) F(x, y).
		tr, err := average.ODE(context.Background(), mod, in, times, &average.Settings{ODE: set})
		if err != nil {
			return a.fail(err)
		}
		rep := &odeReport{Model: mod.IR.Name, Time: tr.Times, X: tr.X, Method: "average mean field (two timescales)"}
		for _, s := range mod.IR.Species {
			rep.Species = append(rep.Species, s.Name)
		}
		return a.write(stdout, rep, func() string { return odeTable(rep, false) }, func() string { return odeTable(rep, true) })
	}
	x0 := append([]float64(nil), in.Densities...)
	prob := ode.Problem{
		Dim: mod.Dim(),
		Func: func(t float64, x, dx []float64) error {
			in.Time = t
			copy(in.Densities, x)
			return mod.EvalDrift(dx, in)
		},
		Jac: func(t float64, x []float64, dst *mat.Dense) error {
			in.Time = t
			copy(in.Densities, x)
			return mod.Jacobian(dst, in)
		},
	}
	res, err := ode.Solve(context.Background(), prob, 0, x0, times, set)
	var stiff *ode.StiffError
	if errors.As(err, &stiff) {
		fmt.Fprintf(stderr, "mfc ode: the model is stiff: the explicit method stopped at t = %g (h·ρ ≈ %.3g after %d steps)\n    hint: run with --method stiff or --method auto\n", stiff.T, stiff.HRho, stiff.Steps)
		return 1
	}
	if err != nil {
		return a.fail(err)
	}
	rep := &odeReport{Model: mod.IR.Name, Time: res.Times, X: res.States, Method: res.Stats.Method, Steps: res.Stats.Steps}
	for _, s := range mod.IR.Species {
		rep.Species = append(rep.Species, s.Name)
	}
	return a.write(stdout, rep, func() string { return odeTable(rep, false) }, func() string { return odeTable(rep, true) })
}

func odeTable(r *odeReport, csv bool) string {
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
