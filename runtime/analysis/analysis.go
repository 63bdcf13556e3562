// Package analysis is the one registry of mfc's analyses. Each analysis has a name, typed
// settings with defaults, a Run function from a compiled model to a typed report, and text,
// CSV and JSON renderings of that report. The command-line tool builds its subcommands from
// this registry; Go programs, sweeps and plots call the same Run functions.
//
// Method selection happens once: package runtime/meanfield sends a model with a fast
// environment to the two-timescale analysis (runtime/average) and the rest to the refined
// mean field (runtime/refine); the run analysis sends a model without a mean field to the
// exact chain.
//
//	a := analysis.Lookup("refine")
//	s := a.NewSettings().(*analysis.RefineSettings)
//	s.Order = 2
//	rep, err := a.Run(ctx, &analysis.Problem{Model: m}, s)
//	data, err := analysis.Render(rep, "json")
package analysis

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"time"

	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/runtime"
)

// Problem is what an analysis runs on.
type Problem struct {
	// Model is the model compiled at the requested scale (the model's own if none).
	Model *runtime.Model
	// Load recompiles the model with the same parameters at another scale, for analyses
	// that compare several N (validate, converge's exact comparison); nil if unavailable.
	Load runtime.Loader
	// Scales are the requested scales of an analysis that takes several (validate); empty
	// means the model's own.
	Scales []float64
	// Progress, if non-nil, starts a progress report of a long step: label names the step
	// and total counts its units. Analyses call report(done, total) and finish().
	Progress func(label string, total int64) (report func(done, total int64), finish func())
	// Notify, if non-nil, receives messages for the user that are not part of the report
	// (the choice of a fallback method, for example).
	Notify func(msg string)
	// Guess, if it has one density per species, is the first Newton start of the
	// fixed-point search (refine, run, fixpoint): the fixed point at a nearby parameter
	// value, for continuation along a sweep (fixpoint.Settings.Guess).
	Guess []float64
}

func (p *Problem) notify(format string, args ...any) {
	if p.Notify != nil {
		p.Notify(fmt.Sprintf(format, args...))
	}
}

// progress starts a progress report; both functions are no-ops without p.Progress.
func (p *Problem) progress(label string, total int64) (report func(done, total int64), finish func()) {
	if p.Progress == nil {
		return nil, func() {}
	}
	return p.Progress(label, total)
}

// Report is the typed result of an analysis. Its exported fields, with their JSON tags, are
// its JSON form; Text is its human-readable form.
type Report interface {
	Text() string
}

// CSVReport is a report with a CSV form.
type CSVReport interface {
	Report
	CSV() string
}

// Analysis is one registered analysis.
type Analysis struct {
	// Name is the subcommand name and Summary its one-line description.
	Name, Summary string
	// Synopsis lists the analysis's own flags for usage lines.
	Synopsis string
	// MeanField is set for analyses that need the model's mean field: Run refuses a model
	// without one with a *NoMeanFieldError.
	MeanField bool
	// MultiScale is set for analyses that take several scales (Problem.Scales).
	MultiScale  bool
	newSettings func() any
	run         func(ctx context.Context, p *Problem, s any) (Report, error)
}

// NewSettings returns a pointer to the analysis's settings struct, with its defaults. The
// struct's fields carry `flag:"name"`, `usage:"..."` and `range:"..."` tags (CheckSettings), from which the command-line
// tool makes its flags.
func (a *Analysis) NewSettings() any { return a.newSettings() }

// Run runs the analysis on p with settings s (from NewSettings; nil means the defaults).
// A cancelled ctx stops long runs with an error wrapping ctx.Err().
func (a *Analysis) Run(ctx context.Context, p *Problem, s any) (Report, error) {
	if s == nil {
		s = a.newSettings()
	}
	if reflect.TypeOf(s) != reflect.TypeOf(a.newSettings()) {
		return nil, fmt.Errorf("%s: settings of type %T, want %T", a.Name, s, a.newSettings())
	}
	if err := CheckSettings(s); err != nil {
		// A settings value out of range is a usage error, whichever package checks it.
		var ue *UsageError
		if !errors.As(err, &ue) {
			err = &UsageError{Msg: err.Error()}
		}
		return nil, err
	}
	if p == nil || p.Model == nil {
		return nil, fmt.Errorf("%s: no model", a.Name)
	}
	if a.MeanField && !p.Model.HasDrift() {
		return nil, &NoMeanFieldError{Diagnostics: p.Model.IR.MeanField.Diagnostics}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if p.Progress != nil {
		ctx = runtime.WithProgress(ctx, runtime.ProgressFunc(p.Progress))
	}
	if b, ok := s.(interface{ Limits() *runtime.Budget }); ok {
		if err := b.Limits().Check(); err != nil {
			return nil, &UsageError{Msg: err.Error()}
		}
		ctx = runtime.WithMaxBytes(ctx, b.Limits().MaxBytes())
		if d := b.Limits().Deadline(); d > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
			rep, err := a.run(ctx, p, s)
			if err != nil && errors.Is(err, context.DeadlineExceeded) {
				err = &TimeoutError{Limit: d, Err: err}
			}
			return rep, err
		}
	}
	return a.run(ctx, p, s)
}

// TimeoutError is an analysis stopped by its time budget (--timeout).
type TimeoutError struct {
	Limit time.Duration
	Err   error // wraps context.DeadlineExceeded
}

// Error names the flag and the limit.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("stopped by the time budget --timeout %s (%v)", e.Limit, e.Err)
}

// Unwrap returns the context's error, so that errors.Is(err, context.DeadlineExceeded)
// holds.
func (e *TimeoutError) Unwrap() error { return e.Err }

// NoMeanFieldError is returned for a model without a mean field by an analysis that needs
// one; Diagnostics say why (no scale, discrete time, a propensity without a 1/N expansion).
type NoMeanFieldError struct {
	Diagnostics diag.List
}

func (e *NoMeanFieldError) Error() string { return "the model has no mean field" }

// UsageError is a settings value out of range: the command-line tool exits with status 2.
// It is runtime.UsageError, so that the packages below (compare's settings, the Budget)
// report theirs with the same type.
type UsageError = runtime.UsageError

func usageErrorf(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

var registry = map[string]*Analysis{}

// register adds an analysis with settings type S to the registry; defaults returns the
// settings with their default values.
func register[S any](a Analysis, defaults func() *S, run func(ctx context.Context, p *Problem, s *S) (Report, error)) {
	if _, dup := registry[a.Name]; dup {
		panic("analysis: duplicate name " + a.Name)
	}
	a.newSettings = func() any { return defaults() }
	a.run = func(ctx context.Context, p *Problem, s any) (Report, error) { return run(ctx, p, s.(*S)) }
	registry[a.Name] = &a
}

// Lookup returns the analysis called name, nil if there is none.
func Lookup(name string) *Analysis { return registry[name] }

// All returns every registered analysis in the order of order (names not in it last, by
// name).
func All() []*Analysis {
	out := make([]*Analysis, 0, len(registry))
	for _, a := range registry {
		out = append(out, a)
	}
	rank := func(n string) int {
		for i, o := range order {
			if o == n {
				return i
			}
		}
		return len(order)
	}
	sort.Slice(out, func(i, j int) bool {
		ri, rj := rank(out[i].Name), rank(out[j].Name)
		if ri != rj {
			return ri < rj
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// order is the order in which All lists the analyses (help texts).
var order = []string{"ode", "fixpoint", "refine", "run", "exact", "ssa", "slow", "converge", "validate", "show"}
