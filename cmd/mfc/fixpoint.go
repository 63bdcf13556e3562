package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/average"

	"github.com/mfcproject/mfc/runtime/fixpoint"
	"github.com/mfcproject/mfc/runtime/lna"
)

// fixpointReport is the JSON form of 'mfc fixpoint'.
type fixpointReport struct {
	Model string  `json:"model"`
	N     float64 `json:"N"`
	// Method is empty for the mean field, "average mean field (two timescales)" for a model
	// with a fast environment (W is then Σ∞ and EnvLaw the environment's law).
	Method    string          `json:"method,omitempty"`
	EnvStates []string        `json:"env_states,omitempty"`
	EnvLaw    []float64       `json:"env_law,omitempty"`
	Points    []fixpointPoint `json:"points"`
	// The first stable point, repeated under the keys the other analyses share.
	Species     []string     `json:"species"`
	FixedPoint  []float64    `json:"fixed_point,omitempty"`
	Eigenvalues [][2]float64 `json:"eigenvalues,omitempty"`
	W           [][]float64  `json:"W,omitempty"`
}

type fixpointPoint struct {
	X           []float64    `json:"x"`
	Stability   string       `json:"stability"`
	Eigenvalues [][2]float64 `json:"eigenvalues"` // [re, im]
	Residual    float64      `json:"residual"`
	W           [][]float64  `json:"W,omitempty"` // stationary LNA covariance (stable points)
}

// runFixpoint implements 'mfc fixpoint FILE': every fixed point found, its stability from the
// Jacobian reduced by the conservation laws, and the LNA covariance W at stable points.
func runFixpoint(args []string, stdout, stderr io.Writer) int {
	a := newAnalysis("fixpoint", "FILE [--set name=value]... [--N n] [--starts k] [--format text|csv|json] [-o FILE]", stderr)
	starts := a.fs.Int("starts", 1, "number of Newton starts (the initial state, then pseudo-random states with the same conserved totals)")
	file, status := a.parse(args)
	if status != 0 {
		return status
	}
	mod, status := a.load(file, true)
	if mod == nil {
		return status
	}
	in := mod.Inputs()
	if average.Applies(mod) {
		return averageFixpoint(a, mod, in, stdout)
	}
	res, err := fixpoint.Find(mod, in, &fixpoint.Settings{Starts: *starts})
	if err != nil {
		return a.fail(err)
	}
	rep := &fixpointReport{Model: mod.IR.Name, N: in.Scale}
	for _, s := range mod.IR.Species {
		rep.Species = append(rep.Species, s.Name)
	}
	for _, p := range res.Points {
		fp := fixpointPoint{X: p.X, Stability: p.Stability.String(), Residual: p.Residual, Eigenvalues: eigenPairs(p.Eigenvalues)}
		if p.Stability == fixpoint.Stable {
			if l, err := lna.Stationary(mod, in, p.X); err == nil {
				d := l.W.SymmetricDim()
				fp.W = make([][]float64, d)
				for i := range fp.W {
					fp.W[i] = make([]float64, d)
					for j := range fp.W[i] {
						fp.W[i][j] = l.W.At(i, j)
					}
				}
			}
			if rep.FixedPoint == nil {
				rep.FixedPoint, rep.Eigenvalues, rep.W = fp.X, fp.Eigenvalues, fp.W
			}
		}
		rep.Points = append(rep.Points, fp)
	}
	return a.write(stdout, rep, func() string { return fixpointText(rep) }, func() string { return fixpointCSV(rep) })
}

// averageFixpoint reports the fixed point of the averaged drift of a model with a fast
// environment, its stability and the covariance Σ∞ (runtime/average).
func averageFixpoint(a *analysis, mod *runtime.Model, in *ir.Inputs, stdout io.Writer) int {
	rep := &fixpointReport{Model: mod.IR.Name, N: in.Scale, Method: "average mean field (two timescales)"}
	for _, s := range mod.IR.Species {
		rep.Species = append(rep.Species, s.Name)
	}
	res, err := average.Stationary(mod, in, nil)
	var ue *average.UnstableError
	switch {
	case errors.As(err, &ue):
		rep.Points = append(rep.Points, fixpointPoint{X: ue.X, Stability: "unstable"})
	case err != nil:
		return a.fail(err)
	default:
		fp := fixpointPoint{X: res.X, Stability: "stable", Residual: res.Residual, Eigenvalues: eigenPairs(res.Eigenvalues), W: rows(res.Sigma)}
		rep.Points = append(rep.Points, fp)
		rep.FixedPoint, rep.Eigenvalues, rep.W = fp.X, fp.Eigenvalues, fp.W
		for _, y := range mod.IR.Env.Space {
			rep.EnvStates = append(rep.EnvStates, envStateName(mod, y))
		}
		rep.EnvLaw = res.Pi
	}
	return a.write(stdout, rep, func() string { return fixpointText(rep) }, func() string { return fixpointCSV(rep) })
}

func fixpointText(r *fixpointReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "model %s, N = %g: %d fixed point(s)\n", r.Model, r.N, len(r.Points))
	for k, p := range r.Points {
		fmt.Fprintf(&b, "\nfixed point %d: %s (residual %.1e)\n", k+1, p.Stability, p.Residual)
		for i, s := range r.Species {
			fmt.Fprintf(&b, "  %-12s %.12g", s, p.X[i])
			if p.W != nil {
				fmt.Fprintf(&b, "   N·Var %.6g", p.W[i][i])
			}
			b.WriteString("\n")
		}
		b.WriteString("  eigenvalues (reduced Jacobian):" + eigenText(p.Eigenvalues) + "\n")
	}
	return b.String()
}

func fixpointCSV(r *fixpointReport) string {
	var b strings.Builder
	b.WriteString("point,stability,species,x,N_var\n")
	for k, p := range r.Points {
		for i, s := range r.Species {
			v := ""
			if p.W != nil {
				v = fmt.Sprintf("%.17g", p.W[i][i])
			}
			fmt.Fprintf(&b, "%d,%s,%q,%.17g,%s\n", k+1, p.Stability, s, p.X[i], v)
		}
	}
	return b.String()
}
