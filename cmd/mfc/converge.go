package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/mfcproject/mfc/runtime/load"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/converge"
)

// convergeReport is the JSON form of 'mfc converge': the shared keys, the full report of
// runtime/converge and, with --exact, the comparison with exact chains.
type convergeReport struct {
	Model       string       `json:"model"`
	N           float64      `json:"N"`
	Species     []string     `json:"species"`
	FixedPoint  []float64    `json:"fixed_point"`
	Eigenvalues [][2]float64 `json:"eigenvalues"`
	// C is the predicted lim N·E‖X − x*‖²; Predicted evaluates it at the model's N.
	C          float64              `json:"C"`
	Predicted  converge.Predicted   `json:"predicted"`
	Report     *converge.Report     `json:"report"`
	Comparison *converge.Comparison `json:"comparison,omitempty"`
}

// runConverge implements 'mfc converge FILE [--exact 10,100,1000]': the seed-001 analysis of
// the rate of convergence of the mean field (stability report, Poisson equation of the ODE,
// predicted N·E‖X − x*‖²), optionally compared with exact chains.
func runConverge(args []string, stdout, stderr io.Writer) int {
	a := newAnalysis("converge", "FILE [--set name=value]... [--N n] [--exact n1,n2,...] [--max-states k] [--samples k] [--format text|json] [-o FILE]", stderr)
	var exact scaleList
	a.fs.Var(&exact, "exact", "compare with the exact stationary chains at these scales (comma-separated)")
	maxStates := a.fs.Int("max-states", 200_000, "largest exact chain explored per scale")
	samples := a.fs.Int("samples", 24, "random starts of the ODE runs and Poisson-equation samples")
	file, status := a.parse(args)
	if status != 0 {
		return status
	}
	mod, status := a.load(file, true)
	if mod == nil {
		return status
	}
	in := mod.Inputs()
	rep, err := converge.Analyze(context.Background(), mod, in, &converge.Settings{Samples: *samples})
	if err != nil {
		return a.fail(err)
	}
	out := &convergeReport{Model: rep.Model, N: in.Scale, Species: rep.Species, FixedPoint: rep.X,
		C: rep.Prediction.C, Report: rep}
	for _, e := range rep.Stability.Eigenvalues {
		out.Eigenvalues = append(out.Eigenvalues, [2]float64{e.Re, e.Im})
	}
	if in.Scale > 0 {
		out.Predicted = rep.Predict(in.Scale)
	}
	if len(exact) > 0 {
		ns := make([]int, len(exact))
		for i, n := range exact {
			if n != float64(int(n)) {
				fmt.Fprintf(stderr, "mfc converge: --exact takes integer scales, got %g\n", n)
				return 2
			}
			ns[i] = int(n)
		}
		over, _ := overrides(a.sets)
		cmp, err := converge.Compare(context.Background(), rep, ns, load.Scaled(file, compiler.Options{Overrides: over}), &converge.CompareSettings{MaxStates: *maxStates})
		if err != nil {
			return a.fail(err)
		}
		out.Comparison = cmp
	}
	return a.write(stdout, out, func() string {
		var b strings.Builder
		rep.WriteText(&b)
		if in.Scale > 0 {
			p := out.Predicted
			fmt.Fprintf(&b, "at N = %g: predicted E‖X − x*‖² ≈ %.6g (RMS %.6g)\n", in.Scale, p.MSE, p.RMS)
		}
		if out.Comparison != nil {
			b.WriteString("\nexact chains:\n")
			out.Comparison.WriteText(&b, rep)
		}
		return b.String()
	}, nil)
}
