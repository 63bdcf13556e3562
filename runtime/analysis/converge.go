package analysis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/converge"
)

// ConvergeReport is the report of the converge analysis: the shared keys, the full report
// of runtime/converge and, with --exact, the comparison with exact chains.
type ConvergeReport struct {
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

// ConvergeSettings are the settings of the converge analysis.
type ConvergeSettings struct {
	Exact     []float64 `flag:"exact" usage:"compare with the exact stationary chains at these scales (comma-separated)" range:"(0,inf)"`
	MaxStates int       `flag:"max-states" usage:"largest exact chain explored per scale" range:"[1,1e9]"`
	Samples   int       `flag:"samples" usage:"random starts of the ODE runs and Poisson-equation samples" range:"[1,1e5]"`
	runtime.Budget
}

// Check reports scales that are not integers.
func (s *ConvergeSettings) Check() error {
	if err := s.Budget.Check(); err != nil {
		return err
	}
	for _, n := range s.Exact {
		if n != float64(int(n)) {
			return usageErrorf("--exact takes integer scales, got %g", n)
		}
	}
	return nil
}

func init() {
	register(Analysis{Name: "converge", MeanField: true,
		Summary:  "rate of convergence of the mean field (Stein's method): stability, Poisson equation, predicted N·E‖X − x*‖², --exact comparison",
		Synopsis: "[--exact n1,n2,...] [--max-states k] [--samples k] [--max-memory M] [--timeout D]"},
		func() *ConvergeSettings { return &ConvergeSettings{MaxStates: 2_000_000, Samples: 24} }, runConverge)
}

// runConverge is the seed-001 analysis of the rate of convergence of the mean field
// (stability report, Poisson equation of the ODE, predicted N·E‖X − x*‖²), compared with
// exact chains at the scales s.Exact (which needs p.Load).
func runConverge(ctx context.Context, p *Problem, s *ConvergeSettings) (Report, error) {
	mod := p.Model
	in := mod.Inputs()
	rep, err := converge.Analyze(ctx, mod, in, &converge.Settings{Samples: s.Samples})
	if err != nil {
		return nil, err
	}
	out := &ConvergeReport{Model: rep.Model, N: in.Scale, Species: rep.Species, FixedPoint: rep.X,
		C: rep.Prediction.C, Report: rep}
	for _, e := range rep.Stability.Eigenvalues {
		out.Eigenvalues = append(out.Eigenvalues, [2]float64{e.Re, e.Im})
	}
	if in.Scale > 0 {
		out.Predicted = rep.Predict(in.Scale)
	}
	if len(s.Exact) > 0 {
		if p.Load == nil {
			return nil, errors.New("converge: the comparison with exact chains needs Problem.Load to compile the model at other scales")
		}
		ns := make([]int, len(s.Exact))
		for i, n := range s.Exact {
			ns[i] = int(n)
		}
		cmp, err := converge.Compare(ctx, rep, ns, p.Load, &converge.CompareSettings{MaxStates: s.MaxStates, MaxBytes: s.MaxBytes()})
		if err != nil {
			return nil, err
		}
		out.Comparison = cmp
	}
	return out, nil
}

// Text renders the stability report, the prediction and the exact comparison.
func (r *ConvergeReport) Text() string {
	var b strings.Builder
	r.Report.WriteText(&b)
	if r.N > 0 {
		p := r.Predicted
		fmt.Fprintf(&b, "at N = %g: predicted E‖X − x*‖² ≈ %.6g (RMS %.6g)\n", r.N, p.MSE, p.RMS)
	}
	if r.Comparison != nil {
		b.WriteString("\nexact chains:\n")
		r.Comparison.WriteText(&b, r.Report)
	}
	return b.String()
}
