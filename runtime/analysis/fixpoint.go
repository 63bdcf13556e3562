package analysis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/average"
	"github.com/mfcproject/mfc/runtime/fixpoint"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/lna"
	"github.com/mfcproject/mfc/runtime/meanfield"
)

// FixpointReport is the report of the fixpoint analysis.
type FixpointReport struct {
	Model string  `json:"model"`
	N     float64 `json:"N"`
	// Method is empty for the mean field, "average mean field (two timescales)" for a model
	// with a fast environment (W is then Σ∞ and EnvLaw the environment's law).
	Method    string          `json:"method,omitempty"`
	EnvStates []string        `json:"env_states,omitempty"`
	EnvLaw    []float64       `json:"env_law,omitempty"`
	Points    []FixpointPoint `json:"points"`
	// The first stable point, repeated under the keys the other analyses share.
	Species     []string     `json:"species"`
	FixedPoint  []float64    `json:"fixed_point,omitempty"`
	Eigenvalues [][2]float64 `json:"eigenvalues,omitempty"`
	W           [][]float64  `json:"W,omitempty"`
}

// FixpointPoint is one fixed point with its stability.
type FixpointPoint struct {
	X           []float64    `json:"x"`
	Stability   string       `json:"stability"`
	Eigenvalues [][2]float64 `json:"eigenvalues"` // [re, im]
	Residual    float64      `json:"residual"`
	W           [][]float64  `json:"W,omitempty"` // stationary LNA covariance (stable points)
	// Multiplicity, when at least 2, marks a degenerate root: the reduced Jacobian is
	// singular there (a bifurcation point), Newton converged linearly and was polished to
	// the root (fixpoint.Point.Degenerate).
	Multiplicity int `json:"multiplicity,omitempty"`
}

// FixpointSettings are the settings of the fixpoint analysis.
type FixpointSettings struct {
	Starts int `flag:"starts" usage:"number of Newton starts (the initial state, then pseudo-random states with the same conserved totals)" range:"[1,1e5]"`
}

func init() {
	register(Analysis{Name: "fixpoint", MeanField: true,
		Summary:  "fixed points of the mean-field ODE with stability and LNA covariance",
		Synopsis: "[--starts k]"},
		func() *FixpointSettings { return &FixpointSettings{Starts: 1} }, runFixpoint)
}

// runFixpoint finds fixed points, their stability from the Jacobian reduced by the
// conservation laws, and the LNA covariance W at stable points.
func runFixpoint(ctx context.Context, p *Problem, s *FixpointSettings) (Report, error) {
	mod := p.Model
	in := mod.Inputs()
	if method, err := meanfield.Method(mod); err == nil && method == meanfield.Averaged {
		return averageFixpoint(ctx, mod, in)
	}
	res, err := fixpoint.Find(ctx, mod, in, &fixpoint.Settings{Starts: s.Starts, Guess: p.Guess})
	if err != nil {
		return nil, err
	}
	rep := &FixpointReport{Model: mod.IR.Name, N: in.Scale}
	rep.Species = mod.SpeciesNames()
	for _, pt := range res.Points {
		fp := FixpointPoint{X: pt.X, Stability: pt.Stability.String(), Residual: pt.Residual, Eigenvalues: eigenPairs(pt.Eigenvalues),
			Multiplicity: pt.Multiplicity}
		if pt.Stability == fixpoint.Stable {
			if l, err := lna.Stationary(mod, in, pt.X); err == nil {
				fp.W = linalg.Rows(l.W)
			}
			if rep.FixedPoint == nil {
				rep.FixedPoint, rep.Eigenvalues, rep.W = fp.X, fp.Eigenvalues, fp.W
			}
		}
		rep.Points = append(rep.Points, fp)
	}
	return rep, nil
}

// averageFixpoint reports the fixed point of the averaged drift of a model with a fast
// environment, its stability and the covariance Σ∞ (runtime/average).
func averageFixpoint(ctx context.Context, mod *runtime.Model, in *ir.Inputs) (Report, error) {
	rep := &FixpointReport{Model: mod.IR.Name, N: in.Scale, Method: meanfield.Averaged}
	rep.Species = mod.SpeciesNames()
	res, err := meanfield.Stationary(ctx, mod, in, 1)
	var ue *average.UnstableError
	switch {
	case errors.As(err, &ue):
		rep.Points = append(rep.Points, FixpointPoint{X: ue.X, Stability: "unstable"})
	case err != nil:
		return nil, err
	default:
		fp := FixpointPoint{X: res.X, Stability: "stable", Residual: res.Residual, Eigenvalues: eigenPairs(res.Eigenvalues), W: res.W}
		rep.Points = append(rep.Points, fp)
		rep.FixedPoint, rep.Eigenvalues, rep.W = fp.X, fp.Eigenvalues, fp.W
		for _, y := range mod.IR.Env.Space {
			rep.EnvStates = append(rep.EnvStates, envStateName(mod, y))
		}
		rep.EnvLaw = res.EnvLaw
	}
	return rep, nil
}

// Text renders the fixed points.
func (r *FixpointReport) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "model %s, N = %g: %d fixed point(s)\n", r.Model, r.N, len(r.Points))
	for k, p := range r.Points {
		fmt.Fprintf(&b, "\nfixed point %d: %s (residual %.1e)\n", k+1, p.Stability, p.Residual)
		if p.Multiplicity >= 2 {
			fmt.Fprintf(&b, "  degenerate: a root of multiplicity %d (the reduced Jacobian is singular there, as at a bifurcation); the expansions in 1/N do not apply\n", p.Multiplicity)
		}
		for i, s := range r.Species {
			fmt.Fprintf(&b, "  %-12s %.10g", s, p.X[i])
			if p.W != nil {
				fmt.Fprintf(&b, "   N·Var %.6g", p.W[i][i])
			}
			b.WriteString("\n")
		}
		b.WriteString("  eigenvalues (reduced Jacobian):" + eigenText(p.Eigenvalues) + "\n")
	}
	return b.String()
}

// CSV renders one line per fixed point and species.
func (r *FixpointReport) CSV() string {
	var b strings.Builder
	b.WriteString("point,stability,species,x,N_var\n")
	for k, p := range r.Points {
		for i, s := range r.Species {
			v := ""
			if p.W != nil {
				v = fmt.Sprintf("%.10g", p.W[i][i])
			}
			fmt.Fprintf(&b, "%d,%s,%q,%.10g,%s\n", k+1, p.Stability, s, p.X[i], v)
		}
	}
	return b.String()
}
