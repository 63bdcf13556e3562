package average

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ode"
)

// ode integrates dφ/dt = F̄(φ) from x0 and returns the states at times. Each right-hand
// side costs one order-0 evaluation (m tape evaluations and O(m³)); the Rosenbrock stage, if
// the solver switches to it, uses the exact Jacobian A(φ) (order 1).
func (s *system) ode(ctx context.Context, x0 []float64, times []float64, set *ode.Settings) ([][]float64, error) {
	t0 := s.in.Time
	prob := ode.Problem{
		Dim: s.d,
		Func: func(t float64, x, dx []float64) error {
			s.in.Time = t0 + t
			p, err := s.at(x, 0)
			if err != nil {
				return err
			}
			copy(dx, p.fbar)
			return nil
		},
		Jac: func(t float64, x []float64, dst *mat.Dense) error {
			s.in.Time = t0 + t
			p, err := s.at(x, 1)
			if err != nil {
				return err
			}
			dst.Copy(p.a)
			return nil
		},
	}
	defer func() { s.in.Time = t0 }()
	set, done := runtime.ODEProgress(ctx, "averaged mean-field ODE", times, set)
	defer done()
	sol, err := ode.Solve(ctx, prob, 0, x0, times, set)
	if err != nil {
		return nil, fmt.Errorf("average: averaged ODE: %w", err)
	}
	return sol.States, nil
}

// Trajectory is the solution of the average mean-field ODE dφ/dt = F̄(φ).
type Trajectory struct {
	Times []float64
	// X[k] is φ(Times[k]) and Pi[k] the fast law π(φ(Times[k])).
	X, Pi [][]float64
}

// ODE integrates the average mean-field ODE dφ/dt = F̄(φ), F̄(x) = Σ_y π_y(x) F(x, y), from
// φ(0) = in.Densities with runtime/ode, and reports φ and π(φ) at the given times. Cost per
// right-hand side: m evaluations of the rate tape and O(m³ + J·m) for K and π. ctx is
// checked at every step.
func ODE(ctx context.Context, m *runtime.Model, in *ir.Inputs, times []float64, s *Settings) (*Trajectory, error) {
	st := s.fill()
	sys, err := newSystem(m, in)
	if err != nil {
		return nil, err
	}
	if len(in.Densities) != sys.d {
		return nil, fmt.Errorf("average: len(in.Densities) = %d, want %d", len(in.Densities), sys.d)
	}
	xs, err := sys.ode(ctx, in.Densities, times, st.ODE)
	if err != nil {
		return nil, err
	}
	tr := &Trajectory{Times: times}
	for _, x := range xs {
		p, err := sys.at(x, 0)
		if err != nil {
			return nil, err
		}
		tr.X = append(tr.X, x)
		tr.Pi = append(tr.Pi, append([]float64(nil), p.pi...))
	}
	return tr, nil
}
