package slow

import (
	"context"
	"errors"
	"fmt"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ctmc"
)

// ExactHook computes the exact references package ctmc does not compute yet: until
// measures of time-varying discrete-time chains and every time-dependent measure of a
// continuous-time model (issue 14, section A). HOOK: nil until the exact references of
// section A are merged; it is then set (or Exact changed) to call them. It returns the
// value and a bound on its truncation error.
var ExactHook func(ctx context.Context, m *runtime.Model, in *ir.Inputs, name string, lim ctmc.Limits) (value, bound float64, err error)

// ErrNoExact reports a measure without an exact reference yet.
var ErrNoExact = errors.New("slow: no exact reference for this measure yet (until on a time-varying discrete-time chain, continuous-time measures: they come with the exact references of mfc exact)")

// Exact returns the exact value of the measure called name, and a bound on its
// truncation error, from the exact chain: ctmc.EvalMeasures, which steps a time-varying
// discrete-time chain (ctmc.TimeVarying) for transient, cumulative and discounted
// measures; the others go to ExactHook. Cost: that of the exploration and the stepping.
func Exact(ctx context.Context, m *runtime.Model, in *ir.Inputs, name string, lim ctmc.Limits) (value, bound float64, err error) {
	c, err := ctmc.Explore(ctx, m, in, lim)
	if err != nil {
		return 0, 0, err
	}
	vals, err := ctmc.EvalMeasures(ctx, c, m, in, nil, &ctmc.MeasureSettings{Only: []string{name}, Limits: lim})
	if err != nil {
		return 0, 0, err
	}
	for _, v := range vals {
		if v.Name != name {
			continue
		}
		if errors.Is(v.Err, ctmc.ErrTimeInhomogeneous) {
			if ExactHook != nil {
				return ExactHook(ctx, m, in, name, lim)
			}
			return 0, 0, ErrNoExact
		}
		return v.Value, v.Bound, v.Err
	}
	return 0, 0, fmt.Errorf("slow: the model has no measure '%s'", name)
}
