package analysis

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/ssa"
)

// ExactReport is the report of the exact analysis (and of run for a model without a mean
// field).
type ExactReport struct {
	chain       *ctmc.Chain
	law         *ctmc.Result
	at          float64            // the time at which the chain is evaluated (frozen)
	Model       string             `json:"model"`
	N           float64            `json:"N,omitempty"`
	Species     []string           `json:"species"`
	States      int                `json:"states"`
	Residual    float64            `json:"residual"`
	Iterations  int                `json:"iterations"`
	Method      string             `json:"method"`
	Mean        []float64          `json:"mean"`
	MeanDensity []float64          `json:"mean_density,omitempty"`
	Observables map[string]float64 `json:"observables"`
	// Measures maps every measure the exact chain computes (stationary, transient,
	// cumulative, discounted, until) to its value; MeasureBounds to the truncation bound
	// of transient and cumulative ones; MeasuresNotComputed to the reason for the others.
	// Note qualifies the stationary law (time-inhomogeneous models: the chain frozen at the
	// start time or at FrozenAt, the time of --freeze; discrete time: the law of the step
	// chain). The measures of a time-inhomogeneous model follow the time-varying chain
	// (ctmc.EvalMeasures), with their error bounds in MeasureBounds.
	Note                string             `json:"note,omitempty"`
	FrozenAt            *float64           `json:"frozen_at,omitempty"`
	Measures            map[string]float64 `json:"measures"`
	MeasureBounds       map[string]float64 `json:"measure_bounds,omitempty"`
	MeasuresNotComputed map[string]string  `json:"measures_not_computed,omitempty"`
	// ClosedClasses, Absorbing and TransientStates describe a chain that is not one
	// communicating class (absent for one that is): its closed class, the number of its
	// absorbing states and of its transient states.
	ClosedClasses   *ClosedClasses `json:"closed_classes,omitempty"`
	Absorbing       int            `json:"absorbing,omitempty"`
	TransientStates int            `json:"transient_states,omitempty"`
	// Truncation describes the truncated chain of --region; every value of the report is
	// then that of the truncation (its error is not bounded).
	Truncation *TruncationBlock `json:"truncation,omitempty"`
	// QuasiStationary is the law conditioned on non-absorption (--quasi-stationary).
	QuasiStationary *QuasiReport `json:"quasi_stationary,omitempty"`
	// Sensitivity holds, by parameter (--sensitivity), the derivatives of the stationary
	// values at fixed N.
	Sensitivity map[string]*ExactSensitivity `json:"sensitivity,omitempty"`
}

// ExactSensitivity holds the derivatives of the stationary values of an exact chain with
// respect to one parameter, under the keys of the values: of the mean counts and
// densities, the observables and the stationary measures (ctmc.StationarySensitivity).
type ExactSensitivity struct {
	Mean        []float64          `json:"mean"`
	MeanDensity []float64          `json:"mean_density,omitempty"`
	Observables map[string]float64 `json:"observables"`
	Measures    map[string]float64 `json:"measures,omitempty"`
}

// ClosedClasses lists the closed classes of an exact chain.
type ClosedClasses struct {
	Count int `json:"count"`
	// Sizes and Representatives give each class's number of states and one of its states.
	Sizes           []int    `json:"sizes"`
	Representatives []string `json:"representatives"`
}

// QuasiReport is the quasi-stationary law of an exact chain: the limit law conditioned on
// not having been absorbed (ctmc.QuasiStationary).
type QuasiReport struct {
	Mean        []float64          `json:"mean"`
	MeanDensity []float64          `json:"mean_density,omitempty"`
	Observables map[string]float64 `json:"observables"`
	// AbsorptionRate is θ; MeanTimeToAbsorption = 1/θ is the mean time to absorption from
	// the quasi-stationary law. When AbsorptionRateBound is set, θ is below what the solve
	// resolves: AbsorptionRate is an upper bound and MeanTimeToAbsorption a lower bound.
	AbsorptionRate       float64 `json:"absorption_rate"`
	MeanTimeToAbsorption float64 `json:"mean_time_to_absorption"`
	AbsorptionRateBound  bool    `json:"absorption_rate_bound,omitempty"`
	TransientStates      int     `json:"transient_states"`
	Method               string  `json:"method"`
	Residual             float64 `json:"residual"`
}

// ExactSettings are the settings of the exact analysis.
type ExactSettings struct {
	MaxStates int `flag:"max-states" usage:"stop the state-space exploration beyond this many states" range:"[1,1e9]"`
	// Measures selects the measures computed: "all", "none" or names separated by commas.
	Measures string `flag:"measures" usage:"the measures to compute: all, none, or names separated by commas (a transient measure of a large chain can take long)"`
	// QuasiStationary adds the quasi-stationary law (README.md, mfc exact).
	QuasiStationary bool `flag:"quasi-stationary" usage:"also compute the quasi-stationary law, conditioned on not being absorbed, with the absorption rate (for a chain with absorbing states)"`
	// Sensitivity lists parameters, comma-separated.
	Sensitivity string `flag:"sensitivity" usage:"comma-separated parameters: also report the derivative of every stationary value with respect to each, at fixed N ((dπ)Q = −π dQ, dQ by forward AD)"`
	// Freeze, if not empty, is the time T at which the chain of a time-inhomogeneous model
	// is frozen for the stationary law and the stationary measures (docs/language.md §6.6).
	Freeze string `flag:"freeze" usage:"a time T ≥ 0: the stationary law, observables and stationary measures of the chain frozen at t = T, for a model whose rates depend on t (its other measures still follow the time-varying chain from t = 0)"`
	// Region, Reentry, Seed and Enumerate solve the truncation of a region instead of the
	// whole chain (exactregion.go).
	Region    string   `flag:"region" usage:"solve the chain truncated to this region of the model (region NAME = ...), the jumps that leave it re-entering by --reentry: every result is then on the truncation"`
	Reentry   string   `flag:"reentry" usage:"with --region: where a jump that leaves the region re-enters: drop (stays at the exit state), middle, level0, nearest, uniform or state:S1=v,..."`
	Seed      []string `flag:"seed" usage:"with --region: a further start state of the exploration, S1=v,S2=w,..."`
	Enumerate bool     `flag:"enumerate" usage:"with --region: enumerate the region point by point (a bounded conjunction of linear inequalities in the counts) instead of exploring it from the initial state"`
	runtime.Budget
}

// Check reports settings out of range.
func (s *ExactSettings) Check() error {
	if _, err := parseFreeze(s.Freeze); err != nil {
		return err
	}
	if err := s.checkRegion(); err != nil {
		return err
	}
	return s.Budget.Check()
}

// FreezeTime reports whether the settings s of an analysis ask to freeze time (--freeze):
// the model is then compiled with compiler.Options.FreezeTime, which admits stationary
// measures of a time-inhomogeneous model.
func FreezeTime(s any) bool {
	switch s := s.(type) {
	case *ExactSettings:
		return s.Freeze != ""
	case *RunSettings:
		return s.Freeze != ""
	}
	return false
}

// parseFreeze reads --freeze: nil for none, else a finite time ≥ 0.
func parseFreeze(v string) (*float64, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	t, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || !(t >= 0) || math.IsInf(t, 0) {
		return nil, usageErrorf("--freeze %s: must be a time, a finite number ≥ 0", v)
	}
	return &t, nil
}

// SSASettings are the settings of the ssa analysis.
type SSASettings struct {
	Runs    int     `flag:"runs" usage:"number of trajectories" range:"[2,1e9]"`
	T       float64 `flag:"t" usage:"final time" range:"(0,inf)"`
	Steps   int     `flag:"steps" usage:"number of sampling intervals on [0, T]" range:"[1,1e6]"`
	Seed    uint64  `flag:"seed" usage:"seed of the random streams (results do not depend on --workers)"`
	Workers int     `flag:"workers" usage:"goroutines (0: all cores)" range:"[0,4096]"`
	Method  string  `flag:"method" usage:"simulation method: direct (Gillespie), cr (composition-rejection, for large networks) or auto"`
	// MaxEvents bounds the events of all the runs together (0: ssa.DefaultEventBudget).
	// RateBound bounds the sum of the time-dependent propensities over the horizon, for
	// simulation by thinning (ssa.Settings.RateBound).
	RateBound float64 `flag:"rate-bound" usage:"a bound on the sum of the time-dependent propensities over [0, T], to simulate a time-inhomogeneous model by thinning (0: none)" range:"[0,inf)"`
	MaxEvents int     `flag:"max-events" usage:"stop after this many events of all the runs together (0: 1e9); the runs completed are reported as a partial result" range:"[0,1e15]"`
	// Condition is "none" or "survival": the statistics of each sample time leave out the
	// runs absorbed by then (ssa.Settings.ConditionSurvival).
	Condition string `flag:"condition" usage:"none, or survival: the statistics of each sample time leave out the runs absorbed by then (in a state where no transition can fire), and count them"`
	runtime.Budget
}

func init() {
	register(Analysis{Name: "exact",
		Summary:  "stationary law of the finite chain: expected counts, observables, stationary measures",
		Synopsis: "[--max-states k] [--measures all|none|NAME,...] [--quasi-stationary] [--sensitivity p,...] [--freeze T] [--region NAME [--reentry RULE] [--seed S=v,...]... [--enumerate]] [--max-memory M] [--timeout D]"},
		func() *ExactSettings { return &ExactSettings{MaxStates: 2_000_000, Measures: "all", Reentry: "drop"} },
		func(ctx context.Context, p *Problem, s *ExactSettings) (Report, error) {
			only, err := measureSelection(p.Model, s.Measures)
			if err != nil {
				return nil, err
			}
			freeze, err := parseFreeze(s.Freeze)
			if err != nil {
				return nil, err
			}
			if s.Region != "" {
				return exactRegionReport(ctx, p.Model, s, only)
			}
			rep, err := exactReport(ctx, p.Model, ctmc.SolveLimits(s.MaxStates, s.MaxBytes()), only, s.QuasiStationary, freeze)
			if err != nil || s.Sensitivity == "" {
				return rep, err
			}
			return rep, exactSensitivities(ctx, p.Model, rep, splitNames(s.Sensitivity))
		})
	register(Analysis{Name: "ssa",
		Summary:  "stochastic simulation ensembles: means and 95% confidence intervals",
		Synopsis: "--runs R --t T [--steps k] [--seed s] [--workers w] [--method auto|direct|cr] [--rate-bound B] [--condition none|survival] [--max-events E] [--max-memory M] [--timeout D]"},
		func() *SSASettings {
			return &SSASettings{Runs: 1000, T: 10, Steps: 10, Seed: 1, Method: "auto", Condition: "none"}
		}, runSSA)
}

// measureSelection reads --measures: nil for all, an empty list for none, else the names,
// each of which must be a measure of the model.
func measureSelection(mod *runtime.Model, spec string) ([]string, error) {
	switch strings.TrimSpace(spec) {
	case "", "all":
		return nil, nil
	case "none":
		return []string{}, nil
	}
	var names, known []string
	for _, ms := range mod.IR.Measures {
		known = append(known, ms.Name)
	}
	for _, n := range strings.Split(spec, ",") {
		n = strings.TrimSpace(n)
		if !slices.Contains(known, n) {
			return nil, usageErrorf("--measures: the model has no measure %q (it has: %s)", n, strings.Join(known, ", "))
		}
		names = append(names, n)
	}
	return names, nil
}

// exactAnalysis explores and solves the finite chain of mod at its inputs, and computes the
// measures named by only (nil: all).
func exactAnalysis(ctx context.Context, mod *runtime.Model, lim ctmc.Limits, only []string) (*ExactReport, error) {
	return exactReport(ctx, mod, lim, only, false, nil)
}

// exactReport is exactAnalysis with, if quasi, the quasi-stationary law, and with the chain
// frozen at the time *freeze if not nil (--freeze): the stationary law, observables and
// stationary measures are then those of the chain frozen there, while the time-dependent
// measures follow the time-varying chain from t = 0.
func exactReport(ctx context.Context, mod *runtime.Model, lim ctmc.Limits, only []string, quasi bool, freeze *float64) (*ExactReport, error) {
	in := mod.Inputs()
	start := in.Time
	if freeze != nil {
		in.Time = *freeze
	}
	chain, err := ctmc.Explore(ctx, mod, in, lim)
	if err != nil {
		return nil, regionHint(mod, err)
	}
	return solvedReport(ctx, chain, mod, in, only, quasi, nil, freeze, start)
}

// solvedReport solves the explored chain (with the stationary settings set, nil for the
// defaults) and computes its report (exactReport): freeze is the time the chain was frozen
// at (nil: none), start the start time of the time-dependent measures.
func solvedReport(ctx context.Context, chain *ctmc.Chain, mod *runtime.Model, in *ir.Inputs, only []string, quasi bool, set *ctmc.Settings, freeze *float64, start float64) (*ExactReport, error) {
	// The measures that do not need π (transient ones) run meanwhile on the other core.
	pending := ctmc.StartMeasures(ctx, chain, mod, in, &ctmc.MeasureSettings{Only: only, Frozen: freeze != nil, Start: start})
	defer pending.Stop()
	res, err := ctmc.Stationary(ctx, chain, set)
	var re *ctmc.ReducibleError
	if errors.As(err, &re) && quasi {
		pending.Stop()
		return reducibleReport(ctx, chain, mod, in, re)
	}
	if re != nil {
		return nil, fmt.Errorf("%w (mfc exact --quasi-stationary gives the law conditioned on entering none of them)", err)
	}
	if err != nil {
		return nil, err
	}
	rep := &ExactReport{chain: chain, law: res, at: in.Time, FrozenAt: freeze, Model: mod.IR.Name, N: in.Scale, States: chain.NumStates(), Residual: res.Residual,
		Iterations: res.Iterations, Method: res.Method, Mean: ctmc.MeanCounts(chain, res.Pi),
		Observables: map[string]float64{}, Measures: map[string]float64{}}
	rep.Species = mod.SpeciesNames()
	var notes []string
	how := "stepped exactly"
	if !chain.Discrete {
		how = "its forward equation integrated by " + ctmc.FlowMethod + ", error bounds in measure_bounds"
	}
	switch {
	case !mod.IR.TimeHomogeneous && freeze != nil:
		notes = append(notes, fmt.Sprintf("the model is time-inhomogeneous: the stationary law, mean, observables and stationary measures are those of the chain frozen at t = %g (--freeze); the other measures follow the time-varying chain from t = %g (%s)", in.Time, start, how))
	case !mod.IR.TimeHomogeneous:
		notes = append(notes, fmt.Sprintf("the model is time-inhomogeneous: the stationary law, mean and observables are those of the chain frozen at t = %g (--freeze T chooses another time); the measures follow the time-varying chain (%s)", in.Time, how))
	case freeze != nil:
		notes = append(notes, "the model is time-homogeneous: --freeze changes nothing")
	}
	if res.Closed < rep.States || res.Absorbing > 0 {
		rep.ClosedClasses = &ClosedClasses{Count: 1, Sizes: []int{res.Class.Size}, Representatives: []string{res.Class.State}}
		rep.Absorbing, rep.TransientStates = res.Absorbing, rep.States-res.Closed
	}
	if init := chain.Initial; len(init) > 0 && !res.InClosedClass(init[0]) {
		what := fmt.Sprintf("the closed class of %d states [%s, ...]", res.Class.Size, res.Class.State)
		if res.Absorbing > 0 {
			what = fmt.Sprintf("the absorbing state [%s]", res.Class.State)
		}
		hint := "; --quasi-stationary gives the law conditioned on not being absorbed"
		if quasi {
			hint = "; the quasi-stationary law is the law conditioned on not being absorbed"
		}
		notes = append(notes, fmt.Sprintf("the initial state [%s] is transient: the chain leaves it for good and is absorbed into %s, where the whole stationary law sits%s", chain.StateString(init[0]), what, hint))
	}
	rep.Note = strings.Join(notes, "; ")
	if quasi {
		q, err := quasiReport(ctx, chain, mod, in)
		if err != nil {
			return nil, err
		}
		rep.QuasiStationary = q
	}
	rep.MeanDensity = densities(rep.Mean, in.Scale)
	rep.Observables = observableMap(mod, ctmc.ObservableMeans(chain, mod, in, res.Pi))
	vals, err := pending.Finish(res.Pi)
	if err != nil {
		return nil, err
	}
	for _, v := range vals {
		if errors.Is(v.Err, ctmc.ErrNotRequested) {
			continue
		}
		if v.Err != nil {
			if rep.MeasuresNotComputed == nil {
				rep.MeasuresNotComputed = map[string]string{}
			}
			rep.MeasuresNotComputed[v.Name] = v.Err.Error()
			continue
		}
		rep.Measures[v.Name] = v.Value
		if v.Bound > 0 {
			if rep.MeasureBounds == nil {
				rep.MeasureBounds = map[string]float64{}
			}
			rep.MeasureBounds[v.Name] = v.Bound
		}
	}
	return rep, nil
}

// reducibleReport is the report of --quasi-stationary on a chain with several closed
// classes (re): its stationary law depends on the initial state and is not given (Mean,
// MeanDensity null), while the quasi-stationary law, conditioned on entering none of the
// classes, is.
func reducibleReport(ctx context.Context, chain *ctmc.Chain, mod *runtime.Model, in *ir.Inputs, re *ctmc.ReducibleError) (*ExactReport, error) {
	rep := &ExactReport{Model: mod.IR.Name, N: in.Scale, States: chain.NumStates(), Species: mod.SpeciesNames(),
		Method: "not solved: the stationary law is not unique", Observables: map[string]float64{}, Measures: map[string]float64{},
		ClosedClasses: &ClosedClasses{Count: len(re.Classes)}}
	closed := 0
	for _, c := range re.Classes {
		rep.ClosedClasses.Sizes = append(rep.ClosedClasses.Sizes, c.Size)
		rep.ClosedClasses.Representatives = append(rep.ClosedClasses.Representatives, c.State)
		closed += c.Size
		if c.Size == 1 {
			rep.Absorbing++
		}
	}
	rep.TransientStates = rep.States - closed
	rep.Note = fmt.Sprintf("the chain has %d closed classes, so its stationary law depends on the initial state and is not given; the quasi-stationary law conditions on entering none of them", len(re.Classes))
	for _, ms := range mod.IR.Measures {
		if rep.MeasuresNotComputed == nil {
			rep.MeasuresNotComputed = map[string]string{}
		}
		rep.MeasuresNotComputed[ms.Name] = "not computed with --quasi-stationary on a chain with several closed classes"
	}
	q, err := quasiReport(ctx, chain, mod, in)
	if err != nil {
		return nil, err
	}
	rep.QuasiStationary = q
	return rep, nil
}

// quasiReport computes the quasi-stationary law of the chain and its means.
func quasiReport(ctx context.Context, chain *ctmc.Chain, mod *runtime.Model, in *ir.Inputs) (*QuasiReport, error) {
	q, err := ctmc.QuasiStationary(ctx, chain, nil)
	if errors.Is(err, ctmc.ErrNoAbsorption) {
		return nil, fmt.Errorf("%w; run mfc exact without --quasi-stationary", err)
	}
	if err != nil {
		return nil, err
	}
	rep := &QuasiReport{Mean: ctmc.MeanCounts(chain, q.Pi), Observables: map[string]float64{}, AbsorptionRate: q.Rate,
		MeanTimeToAbsorption: 1 / q.Rate, AbsorptionRateBound: q.RateBound, TransientStates: q.Transient, Method: q.Method, Residual: q.Residual}
	rep.MeanDensity = densities(rep.Mean, in.Scale)
	rep.Observables = observableMap(mod, ctmc.ObservableMeans(chain, mod, in, q.Pi))
	return rep, nil
}

// Text renders the report as tables.
func (r *ExactReport) Text() string {
	var b strings.Builder
	if r.Mean == nil {
		fmt.Fprintf(&b, "model %s: exact chain, %d states, stationary law not unique\n\n", r.Model, r.States)
	} else {
		fmt.Fprintf(&b, "model %s: exact stationary law, %d states (%s, %d iterations, residual ‖πQ‖₁ = %.2e)\n\n", r.Model, r.States, r.Method, r.Iterations, r.Residual)
	}
	if r.Note != "" {
		fmt.Fprintf(&b, "note: %s\n\n", r.Note)
	}
	obsHead, measHead := "observable", "measure"
	if t := r.Truncation; t != nil {
		fmt.Fprintf(&b, "truncation: region %s, re-entry %s: |S| = %d, |B_o| = %d, |B_i| = %d; outflow O_r = %.6g, boundary mass π(B_o) = %.6g (indicators, not bounds)\n\n",
			t.Region, t.Reentry, t.States, t.OutBoundary, t.InBoundary, t.Outflow, t.BoundaryMass)
		obsHead, measHead = "observable (trunc.)", "measure (trunc.)"
	}
	if r.Mean != nil {
		speciesTable(&b, "", r.Species, r.Mean, r.MeanDensity)
	}
	if c := r.ClosedClasses; c != nil && c.Count == 1 {
		fmt.Fprintf(&b, "\nclosed class: %d state(s), e.g. [%s]; %d absorbing state(s), %d transient state(s)\n", c.Sizes[0], c.Representatives[0], r.Absorbing, r.TransientStates)
	} else if c != nil {
		fmt.Fprintf(&b, "closed classes: %d (%d absorbing states), %d transient states; e.g.", c.Count, r.Absorbing, r.TransientStates)
		for i := range min(c.Count, 3) {
			fmt.Fprintf(&b, " [%s] (%d states)", c.Representatives[i], c.Sizes[i])
		}
		b.WriteString("\n")
	}
	writeMap(&b, obsHead, r.Observables)
	writeMap(&b, measHead, r.Measures)
	for _, p := range slices.Sorted(maps.Keys(r.Sensitivity)) {
		sv := r.Sensitivity[p]
		fmt.Fprintf(&b, "\nderivatives with respect to %s (at N = %g):\n", p, r.N)
		speciesTable(&b, "d", r.Species, sv.Mean, sv.MeanDensity)
		writeMap(&b, "d observable", sv.Observables)
		writeMap(&b, "d measure", sv.Measures)
	}
	if q := r.QuasiStationary; q != nil {
		rel := "="
		if q.AbsorptionRateBound {
			rel = "<"
		}
		fmt.Fprintf(&b, "\nquasi-stationary law (conditioned on not being absorbed; %d transient states, %s, residual %.2e)\n", q.TransientStates, q.Method, q.Residual)
		fmt.Fprintf(&b, "absorption rate θ %s %.6g, mean time to absorption 1/θ %s %.6g\n", rel, q.AbsorptionRate, map[string]string{"=": "=", "<": ">"}[rel], q.MeanTimeToAbsorption)
		if q.AbsorptionRateBound {
			b.WriteString("(θ is below what the iterative solve resolves: a bound; a smaller chain, solved directly, gives its value)\n")
		}
		b.WriteString("\n")
		speciesTable(&b, "_qs", r.Species, q.Mean, q.MeanDensity)
		writeMap(&b, "observable (qs)", q.Observables)
	}
	if len(r.MeasuresNotComputed) > 0 {
		keys := make([]string, 0, len(r.MeasuresNotComputed))
		for k := range r.MeasuresNotComputed {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("\nnot computed on the exact chain:\n")
		for _, k := range keys {
			fmt.Fprintf(&b, "  %s: %s\n", k, r.MeasuresNotComputed[k])
		}
	}
	return b.String()
}

func writeMap(b *strings.Builder, head string, m map[string]float64) {
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(b, "\n%-20s %16s\n", head, "value")
	for _, k := range keys {
		fmt.Fprintf(b, "%-20s %16.10g\n", k, m[k])
	}
}

// SSAReport is the report of the ssa analysis.
type SSAReport struct {
	Model  string      `json:"model"`
	Runs   int         `json:"runs"`
	Seed   uint64      `json:"seed"`
	Events int64       `json:"events"`
	Names  []string    `json:"names"`
	Time   []float64   `json:"time"`
	Mean   [][]float64 `json:"mean"`
	CI     [][]float64 `json:"ci"` // half-width of the 95% interval
	// Species is the number of species among Names (they come first, in counts; the
	// observables follow).
	Species int `json:"-"`
	// Partial is set when the ensemble stopped early (event or time budget): it says why
	// and how many of the requested runs completed (Runs counts those).
	Partial string `json:"partial,omitempty"`
	// Survivors[k] is the number of runs not absorbed at Time[k], over which the means of
	// that time are taken, and Absorbed the number absorbed by the last time
	// (--condition survival).
	Survivors []int `json:"survivors,omitempty"`
	Absorbed  int   `json:"absorbed,omitempty"`
}

// Check reports a budget out of range.
func (s *SSASettings) Check() error {
	if s.MaxEvents < 0 {
		return usageErrorf("--max-events must be ≥ 0 (0: the default, 1e9), got %d", s.MaxEvents)
	}
	if s.Condition != "none" && s.Condition != "survival" && s.Condition != "" {
		return usageErrorf("--condition must be none or survival, got %q", s.Condition)
	}
	return s.Budget.Check()
}

// reportBytes is the memory of the ssa report per sample time and quantity: its mean and
// interval (16 bytes) and its rendering as one string (about 70 bytes a line in text, with
// the growth of the buffer and the garbage collector's headroom). Measured: @sir (6
// quantities) with --steps 1e6 peaks at 1.97 GB, about 330 bytes per entry in all; with the
// statistics (ssa, about 140 bytes) the estimate keeps a margin of a quarter.
const reportBytes = 16 + 264

// runSSA simulates an ensemble of trajectories and reports means and 95% intervals at
// the sample times.
func runSSA(ctx context.Context, p *Problem, s *SSASettings) (Report, error) {
	mod := p.Model
	nq := mod.Dim() + len(mod.IR.Observables)
	// The statistics (ssa) and the report with its rendering, per sample time.
	times, err := timeGrid(s.T, s.Steps, int64(nq)*(reportBytes+ssa.StatBytes(s.Workers)), s.MaxBytes(), "ssa: the statistics and report of "+fmt.Sprint(nq)+" quantities")
	if err != nil {
		return nil, err
	}
	if mod.IR.Time == ir.Discrete {
		// Discrete time: --t counts steps; sample at the integer steps of the grid.
		if s.T != math.Trunc(s.T) || s.T < 0 {
			return nil, usageErrorf("the model is discrete-time: --t is a number of steps, got %g", s.T)
		}
		times = times[:0]
		for k := 0; k <= s.Steps; k++ {
			tk := math.Floor(s.T * float64(k) / float64(s.Steps))
			if len(times) == 0 || tk > times[len(times)-1] {
				times = append(times, tk)
			}
		}
	}
	report, finish := p.progress("runs", int64(s.Runs))
	res, err := ssa.Ensemble(ctx, mod, mod.Inputs(), ssa.Settings{Runs: s.Runs, T: s.T, Times: times, Seed: s.Seed, Workers: s.Workers, Method: s.Method, RateBound: s.RateBound,
		EventBudget: int64(s.MaxEvents), Progress: report, ConditionSurvival: s.Condition == "survival"})
	finish()
	if errors.Is(err, ssa.ErrCondition) {
		return nil, fmt.Errorf("%w; simulate without --condition survival", err)
	}
	if err != nil {
		return nil, err
	}
	rep := &SSAReport{Model: mod.IR.Name, Runs: res.Runs, Seed: s.Seed, Events: res.Events, Names: res.Names, Time: res.Times, Species: len(mod.IR.Species), Partial: res.Partial,
		Survivors: res.Survivors, Absorbed: res.Absorbed}
	for _, row := range res.Stats {
		mean, ci := make([]float64, len(row)), make([]float64, len(row))
		for q, st := range row {
			mean[q], ci[q] = st.Mean, (st.Hi-st.Lo)/2
		}
		rep.Mean, rep.CI = append(rep.Mean, mean), append(rep.CI, ci)
	}
	return rep, nil
}

// Text renders the report as a table.
func (r *SSAReport) Text() string { return r.table(false) }

// CSV renders the report with one line per time and quantity.
func (r *SSAReport) CSV() string { return r.table(true) }

func (r *SSAReport) table(csv bool) string {
	var b strings.Builder
	if csv {
		b.WriteString("t,name,mean,ci95\n")
	} else {
		fmt.Fprintf(&b, "model %s: %d runs, seed %d, %d events\n", r.Model, r.Runs, r.Seed, r.Events)
		if r.Partial != "" {
			fmt.Fprintf(&b, "PARTIAL RESULT: %s\n", r.Partial)
		}
		if r.Survivors != nil {
			fmt.Fprintf(&b, "conditioned on survival: %d of the %d runs are absorbed by t = %g; the means at each time are over the runs not absorbed then (rows 'runs')\n", r.Absorbed, r.Runs, r.Time[len(r.Time)-1])
		}
		fmt.Fprintf(&b, "\n%-10s %-20s %16s %14s\n", "t", "quantity", "mean", "± 95% CI")
	}
	for k, t := range r.Time {
		for q, name := range r.Names {
			if csv {
				fmt.Fprintf(&b, "%.10g,%q,%.10g,%.10g\n", t, name, r.Mean[k][q], r.CI[k][q])
			} else {
				fmt.Fprintf(&b, "%-10.4g %-20s %16.10g %14.3g\n", t, name, r.Mean[k][q], r.CI[k][q])
			}
		}
		if r.Survivors != nil {
			if csv {
				fmt.Fprintf(&b, "%.10g,\"runs\",%d,0\n", t, r.Survivors[k])
			} else {
				fmt.Fprintf(&b, "%-10.4g %-20s %16d\n", t, "runs", r.Survivors[k])
			}
		}
	}
	return b.String()
}

// splitNames splits a comma-separated list, dropping blanks.
func splitNames(list string) []string {
	var out []string
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// exactSensitivities adds to rep the derivatives of its stationary values with respect to
// each parameter of params (ctmc.StationarySensitivity; stationary measures only).
func exactSensitivities(ctx context.Context, mod *runtime.Model, rep *ExactReport, params []string) error {
	if rep.chain == nil || rep.law == nil || rep.Mean == nil {
		return errors.New("exact: --sensitivity needs the stationary law, which this chain does not have")
	}
	if len(params) == 0 {
		return usageErrorf("--sensitivity names no parameter: give parameter names separated by commas")
	}
	in := mod.Inputs()
	in.Time = rep.at
	var obsNodes []ir.NodeID
	for _, o := range mod.IR.Observables {
		obsNodes = append(obsNodes, o.Node)
	}
	var msNodes []ir.NodeID
	var msNames []string
	for _, m := range mod.IR.Measures {
		if _, ok := rep.Measures[m.Name]; ok && m.Kind == ir.Stationary {
			msNodes, msNames = append(msNodes, m.Args[0]), append(msNames, m.Name)
		}
	}
	rep.Sensitivity = map[string]*ExactSensitivity{}
	for _, name := range params {
		k, err := mod.DiffParam(name)
		if err != nil {
			return err
		}
		dpi, err := ctmc.StationarySensitivity(ctx, rep.chain, rep.law, in, k)
		if err != nil {
			return fmt.Errorf("exact: sensitivity to '%s': %w", name, err)
		}
		sv := &ExactSensitivity{Mean: ctmc.MeanCounts(rep.chain, dpi)}
		sv.MeanDensity = densities(sv.Mean, in.Scale)
		dobs, err := ctmc.ExpectSensitivity(rep.chain, mod, in, rep.law.Pi, dpi, obsNodes, k)
		if err != nil {
			return err
		}
		sv.Observables = observableMap(mod, dobs)
		dms, err := ctmc.ExpectSensitivity(rep.chain, mod, in, rep.law.Pi, dpi, msNodes, k)
		if err != nil {
			return err
		}
		if len(msNames) > 0 {
			sv.Measures = map[string]float64{}
			for i, n := range msNames {
				sv.Measures[n] = dms[i]
			}
		}
		rep.Sensitivity[name] = sv
	}
	return nil
}

// densities returns the counts divided by the scale n, or nil for a model without one.
func densities(counts []float64, n float64) []float64 {
	if !(n > 0) {
		return nil
	}
	out := make([]float64, len(counts))
	for i, c := range counts {
		out[i] = c / n
	}
	return out
}

// observableMap names the values of the model's observables, given in their order.
func observableMap(mod *runtime.Model, vals []float64) map[string]float64 {
	out := make(map[string]float64, len(vals))
	for k, o := range mod.IR.Observables {
		out[o.Name] = vals[k]
	}
	return out
}

// speciesTable writes the mean counts and densities (nil: blank) of the species, under the
// headings E[count] and E[density] with the prefix before the brackets' E (d) or the
// suffix after it (_qs): "dE[count]", "E_qs[count]".
func speciesTable(b *strings.Builder, mark string, species []string, mean, dens []float64) {
	e := "E" + mark
	if mark == "d" {
		e = "dE"
	}
	fmt.Fprintf(b, "%-20s %16s %16s\n", "species", e+"[count]", e+"[density]")
	for i, s := range species {
		d := ""
		if dens != nil {
			d = fmt.Sprintf("%.10g", dens[i])
		}
		fmt.Fprintf(b, "%-20s %16.10g %16s\n", s, mean[i], d)
	}
}
