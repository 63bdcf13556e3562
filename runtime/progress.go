package runtime

import (
	"context"
	"math"

	"github.com/mfcproject/mfc/runtime/ode"
)

// ProgressFunc starts a progress report of a long step: label names the step, total its
// units of work (≤ 0 if unknown); report is called as work gets done and finish at the end.
type ProgressFunc func(label string, total int64) (report func(done, total int64), finish func())

type progressKey struct{}

// WithProgress returns ctx carrying f, through which the analyses called with it report
// the progress of their long steps (a nil f reports nothing).
func WithProgress(ctx context.Context, f ProgressFunc) context.Context {
	if f == nil {
		return ctx
	}
	return context.WithValue(ctx, progressKey{}, f)
}

// StartProgress starts a progress report through the ProgressFunc of ctx; both returned
// functions are no-ops without one.
func StartProgress(ctx context.Context, label string, total int64) (report func(done, total int64), finish func()) {
	if f, ok := ctx.Value(progressKey{}).(ProgressFunc); ok && f != nil {
		return f(label, total)
	}
	return func(int64, int64) {}, func() {}
}

// TimeProgress starts a progress report of an integration from t0 to t1 through ctx's
// ProgressFunc: the returned function takes the time reached (the shape of
// ode.Settings.Progress); finish ends the report.
func TimeProgress(ctx context.Context, label string, t0, t1 float64) (at func(t float64), finish func()) {
	const units = 1000
	report, finish := StartProgress(ctx, label, units)
	return func(t float64) {
		if t1 > t0 {
			report(int64(math.Min(units, math.Max(0, units*(t-t0)/(t1-t0)))), units)
		}
	}, finish
}

// ODEProgress returns a copy of set (nil: ode.DefaultSettings) whose Progress reports the
// integration up to the last of times through ctx's ProgressFunc under label, and the
// function that ends the report. Without a ProgressFunc it returns set unchanged.
func ODEProgress(ctx context.Context, label string, times []float64, set *ode.Settings) (*ode.Settings, func()) {
	if f, ok := ctx.Value(progressKey{}).(ProgressFunc); !ok || f == nil || len(times) == 0 {
		return set, func() {}
	}
	t1 := times[len(times)-1]
	var c ode.Settings
	if set != nil {
		c = *set
	} else {
		c = *ode.DefaultSettings()
	}
	at, finish := TimeProgress(ctx, label, 0, t1)
	prev := c.Progress
	c.Progress = func(t float64) {
		at(t)
		if prev != nil {
			prev(t)
		}
	}
	return &c, finish
}
