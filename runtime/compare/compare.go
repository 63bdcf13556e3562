// Package compare puts every method side by side on one model at several scales N: the
// mean field, the refined mean field of orders 1 and 2 (or the two-timescale average mean
// field), the exact chain and simulation, with the fitted slopes of the errors against N.
// It is the engine of mfc validate.
package compare

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/fit"
	"github.com/mfcproject/mfc/runtime/meanfield"
	"github.com/mfcproject/mfc/runtime/ssa"
)

// Report is the side-by-side comparison of every method at several scales.
type Report struct {
	Model string    `json:"model"`
	N     []float64 `json:"N"`
	// Transient is the time t of a transient comparison (E f(X_t) from the initial
	// state); absent for the stationary comparison.
	Transient float64 `json:"transient,omitempty"`
	// ExactStates[k] is the size of the exact chain at N[k], 0 where it was not solved.
	ExactStates []int `json:"exact_states"`
	// SSA describes the simulation: one trajectory per N, time average over T after
	// Burnin, batch-means 95% intervals.
	SSA    *SSASetup `json:"ssa,omitempty"`
	Tables []Table   `json:"observables"`
	// Notes lists what could not be computed and why.
	Notes []string `json:"notes,omitempty"`
	// Warnings say where a column does not mean what its header says (W606: the exact
	// chain is absorbed while the mean field is not).
	Warnings []meanfield.Warning `json:"warnings,omitempty"`
	// QuasiStationary[k] is set where the exact and simulated columns at N[k] are the
	// quasi-stationary law, conditioned on not being absorbed (W606); absent when none is.
	QuasiStationary []bool `json:"quasi_stationary,omitempty"`
}

// SSASetup describes the simulation of a comparison.
type SSASetup struct {
	T       float64 `json:"T"`
	Burnin  float64 `json:"burnin"`
	Batches int     `json:"batches"`
	Seed    uint64  `json:"seed"`
	// Runs is the ensemble size of a transient comparison (then T is the time t).
	Runs int `json:"runs,omitempty"`
}

// Table is one observable across the scales; null entries were not computed.
type Table struct {
	Name      string     `json:"name"`
	N         []float64  `json:"N"`
	MeanField []*float64 `json:"mean_field"`
	Refined1  []*float64 `json:"refined1"`
	Refined2  []*float64 `json:"refined2"`
	Exact     []*float64 `json:"exact"`
	SSAMean   []*float64 `json:"ssa_mean"`
	// SSACI is the half-width of the 95% confidence interval of SSAMean.
	SSACI []*float64 `json:"ssa_ci"`
	// Slopes are the fitted log-log slopes of |approximation − exact| against N.
	Slopes map[string]float64 `json:"slopes,omitempty"`
}

// Settings are the settings of a comparison (mfc validate).
type Settings struct {
	MaxStates int     `flag:"max-states" usage:"solve the exact chain only up to this many states per N" range:"[1,1e9]"`
	SSAT      float64 `flag:"ssa-t" usage:"simulated time averaged per N after the burn-in (0: no simulation)" range:"[0,inf)"`
	Burnin    float64 `flag:"burnin" usage:"simulated time discarded before averaging (-1: ssa-t/10)" range:"-1|[0,inf)"`
	Batches   int     `flag:"batches" usage:"batches of the batch-means confidence intervals" range:"[2,1e5]"`
	Seed      uint64  `flag:"seed" usage:"random seed of the simulations"`
	Transient float64 `flag:"t" alias:"transient" usage:"if > 0, compare E f(X_t) at this time t from the initial state instead of the stationary means (0: stationary)" range:"[0,inf)"`
	Runs      int     `flag:"runs" usage:"trajectories of the simulation ensemble of a transient comparison (0: no simulation)" range:"0|[2,1e9]"`
	MaxEvents int     `flag:"max-events" usage:"stop each simulation after this many events (0: 1e9); its column is then left out, with a note" range:"[0,1e15]"`
	runtime.Budget
}

// DefaultSettings returns the defaults of mfc validate.
func DefaultSettings() *Settings {
	return &Settings{MaxStates: 2_000_000, SSAT: 1000, Burnin: -1, Batches: 20, Seed: 1, Runs: 1000}
}

// Check refuses settings that are out of range, naming the flag: times that are NaN,
// infinite or negative (Burnin may be −1, its default: SSAT/10), fewer than 2 batches,
// negative counts. Run calls it first.
func (s *Settings) Check() error {
	if err := s.Budget.Check(); err != nil {
		return err
	}
	time := func(flag string, v float64) error {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return usageErrorf("--%s must be a finite time ≥ 0, got %g", flag, v)
		}
		return nil
	}
	if err := time("ssa-t", s.SSAT); err != nil {
		return err
	}
	if s.Burnin != -1 {
		if err := time("burnin", s.Burnin); err != nil {
			return err
		}
	}
	if err := time("transient", s.Transient); err != nil {
		return err
	}
	switch {
	case s.Batches < 2:
		return usageErrorf("--batches must be at least 2, got %d", s.Batches)
	case s.Runs < 0:
		return usageErrorf("--runs must be ≥ 0, got %d", s.Runs)
	case s.MaxEvents < 0:
		return usageErrorf("--max-events must be ≥ 0 (0: the default, 1e9), got %d", s.MaxEvents)
	case s.MaxStates < 0:
		return usageErrorf("--max-states must be ≥ 0 (0: the default), got %d", s.MaxStates)
	}
	return nil
}

func usageErrorf(format string, args ...any) error {
	return &runtime.UsageError{Msg: fmt.Sprintf(format, args...)}
}

// Progress starts a progress report of a long step (nil: silent).
type Progress func(label string, total int64) (report func(done, total int64), finish func())

func (p Progress) start(label string, total int64) (func(done, total int64), func()) {
	if p == nil {
		return nil, func() {}
	}
	return p(label, total)
}

// Run compares every method at each scale of scales (an empty list: the model's own):
// the mean field and its refinements of orders 1 and 2 (the two-timescale average mean
// field for a model with a fast environment), the exact chain, and simulation. first is the
// model at scales[0] (it is recompiled if its scale differs); load compiles it at the other
// scales. What cannot be computed at a scale is said in the report's notes, not returned
// as an error, except a diagnostic of the model met by the exact chain or the simulation
// (E801–E803), which fails the comparison.
func Run(ctx context.Context, first *runtime.Model, load runtime.Loader, scales []float64, s *Settings, prog Progress) (*Report, error) {
	if len(scales) == 0 {
		// One comparison at the model's own scale (or for a model without one).
		scales = []float64{0}
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	set := *s
	if set.Burnin < 0 {
		set.Burnin = math.Floor(set.SSAT / 10)
	}
	rep := &Report{N: append([]float64(nil), scales...), Transient: set.Transient}
	switch {
	case set.Transient > 0 && set.Runs > 0:
		rep.SSA = &SSASetup{T: set.Transient, Seed: set.Seed, Runs: set.Runs}
	case set.Transient <= 0 && set.SSAT > 0:
		rep.SSA = &SSASetup{T: set.SSAT, Burnin: set.Burnin, Batches: set.Batches, Seed: set.Seed}
	}
	nN := len(scales)
	var tables []Table
	tableOf := map[string]int{}
	table := func(name string) *Table {
		k, ok := tableOf[name]
		if !ok {
			k = len(tables)
			tableOf[name] = k
			tables = append(tables, Table{Name: name, N: rep.N,
				MeanField: make([]*float64, nN), Refined1: make([]*float64, nN), Refined2: make([]*float64, nN),
				Exact: make([]*float64, nN), SSAMean: make([]*float64, nN), SSACI: make([]*float64, nN)})
		}
		return &tables[k]
	}
	horizon := set.Transient
	for k, n := range scales {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		mod := first
		if k > 0 || n != 0 && first.Inputs().Scale != n {
			if load == nil {
				return nil, errors.New("compare: a comparison at several scales needs a loader")
			}
			var err error
			if mod, err = load(n); err != nil {
				return nil, err
			}
		}
		rep.Model = mod.IR.Name
		if !mod.IR.TimeHomogeneous && horizon <= 0 {
			return nil, errNoStationary
		}
		in := mod.Inputs()
		if n == 0 {
			n = in.Scale
			rep.N[k] = n
		}
		rows := validateRows(mod)
		for _, r := range rows {
			table(r.name)
		}
		// Mean field and refinements.
		var ap *approx
		if mod.HasDrift() {
			var err error
			ap, err = approximate(ctx, mod, in, horizon)
			if err != nil {
				ap = nil
				rep.Notes = append(rep.Notes, fmt.Sprintf("N=%g: refined mean field: %v", n, err))
			} else {
				if ap.note != "" && k == 0 {
					rep.Notes = append(rep.Notes, ap.note)
				}
				// Whether the expansion is in its asymptotic regime at this N.
				if len(ap.warnings) > 0 {
					var codes []string
					what := map[string][]string{}
					for _, w := range ap.warnings {
						if _, ok := what[w.Code]; !ok {
							codes = append(codes, w.Code)
						}
						if len(what[w.Code]) < 3 {
							what[w.Code] = append(what[w.Code], w.Quantity)
						}
					}
					var parts []string
					for _, c := range codes {
						parts = append(parts, c+" ("+strings.Join(what[c], ", ")+")")
					}
					rep.Notes = append(rep.Notes, fmt.Sprintf("N=%g: the expansion is not in its asymptotic regime: %s; its refined values are not reliable there (mfc run --N %g explains)", n, strings.Join(parts, ", "), n))
				}
				for _, r := range rows {
					t := table(r.name)
					v, ok := ap.values(r, n)
					if !ok {
						continue
					}
					t.MeanField[k], t.Refined1[k] = finite(&v[0]), finite(&v[1])
					if ap.order >= 2 {
						t.Refined2[k] = finite(&v[2])
					}
					if t.MeanField[k] == nil || t.Refined1[k] == nil || ap.order >= 2 && t.Refined2[k] == nil {
						rep.Notes = append(rep.Notes, fmt.Sprintf("N=%g: %s: the (refined) mean field is not finite (%g, %g, %g); not shown", n, r.name, v[0], v[1], v[2]))
					}
				}
			}
		} else if k == 0 {
			rep.Notes = append(rep.Notes, "the model has no mean field; only exact and simulated values")
		}
		// Exact chain.
		states := 0
		reducible := false
		quasi, absorbedStart := false, false
		chain, err := ctmc.Explore(ctx, mod, in, ctmc.SolveLimits(set.MaxStates, set.MaxBytes()))
		if err == nil {
			var law []float64
			var st *ctmc.Result
			law, chain, st, err = exactLaw(ctx, chain, mod, in, horizon)
			if w, ok := absorbedWarning(chain, st, ap, n); err == nil && ok {
				// docs/language.md §8 W606: compare with the law conditioned on survival.
				quasi = true
				if absorbedStart = st.InClosedClass(chain.Initial[0]); absorbedStart {
					w.Message += fmt.Sprintf("; the initial state [%s] is already there, so that species never appears (raise N, or check the initial counts): no exact or simulated value at this N", chain.StateString(chain.Initial[0]))
					law = nil
				} else if q, qerr := ctmc.QuasiStationary(ctx, chain, nil); qerr != nil {
					w.Message += fmt.Sprintf("; the quasi-stationary law is not available (%v): no exact value at this N", qerr)
					law = nil
				} else {
					law = q.Pi
					rel := "="
					if q.RateBound {
						rel = ">"
					}
					w.Message += fmt.Sprintf("; the exact and simulated columns at this N are the quasi-stationary law, conditioned on not being absorbed (mean time to absorption from it %s %.4g; mfc exact --quasi-stationary)", rel, 1/q.Rate)
				}
				rep.Warnings = append(rep.Warnings, w)
				if rep.QuasiStationary == nil {
					rep.QuasiStationary = make([]bool, nN)
				}
				rep.QuasiStationary[k] = true
			}
			if err == nil && law != nil {
				states = chain.NumStates()
				at := *in
				at.Time += horizon
				vals := exactRowValues(mod, &at, chain, law, rows)
				for i, r := range rows {
					v := vals[i]
					table(r.name).Exact[k] = &v
				}
			}
		}
		if isModelError(err) {
			return nil, err
		}
		var re *ctmc.ReducibleError
		reducible = errors.As(err, &re)
		if err != nil {
			rep.Notes = append(rep.Notes, fmt.Sprintf("N=%g: exact chain not solved: %v", n, err))
		}
		rep.ExactStates = append(rep.ExactStates, states)
		// Simulation.
		switch {
		case rep.SSA != nil && absorbedStart:
		case rep.SSA != nil && reducible && horizon <= 0:
			rep.Notes = append(rep.Notes, fmt.Sprintf("N=%g: no simulated stationary mean: the chain has several closed classes, so a time average depends on the class the trajectory enters", n))
		case rep.SSA != nil:
			means, halves, warn, err := simulate(ctx, mod, in, rep.SSA, int64(set.MaxEvents), prog, n, quasi)
			if warn != "" {
				rep.Notes = append(rep.Notes, fmt.Sprintf("N=%g: %s", n, warn))
			}
			if isModelError(err) {
				return nil, err
			}
			if err != nil {
				rep.Notes = append(rep.Notes, fmt.Sprintf("N=%g: simulation: %v", n, err))
			} else {
				for _, r := range rows {
					m, h := means[r.ssaIndex]*r.ssaScale, halves[r.ssaIndex]*r.ssaScale
					t := table(r.name)
					t.SSAMean[k], t.SSACI[k] = &m, &h
				}
			}
		}
	}
	// A step stopped by ctx is a note above; the comparison as a whole is not a result.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i := range tables {
		t := &tables[i]
		t.Slopes = map[string]float64{}
		for name, col := range map[string][]*float64{"mean_field": t.MeanField, "refined1": t.Refined1, "refined2": t.Refined2} {
			if s, ok := errorSlope(rep.N, col, t.Exact); ok {
				t.Slopes[name] = s
			}
		}
		if len(t.Slopes) == 0 {
			t.Slopes = nil
		}
	}
	rep.Tables = tables
	return rep, nil
}

// finite returns v if *v is finite, nil otherwise: a table never holds a NaN or an infinity.
func finite(v *float64) *float64 {
	if math.IsNaN(*v) || math.IsInf(*v, 0) {
		return nil
	}
	return v
}

// isModelError reports whether err is a diagnostic of the model (E801, E802, E803: a
// propensity that is negative, infinite or NaN at a reachable state, ...). Such a model has
// no law: the comparison fails with the diagnostic rather than showing the other methods'
// numbers beside a missing column.
func isModelError(err error) bool {
	var d *diag.Diagnostic
	return errors.As(err, &d) && d.Severity == diag.Error
}

var errNoStationary = errors.New("the model is time-inhomogeneous, so it has no stationary law: compare at a time with --t t")

// validateRow is one compared quantity: a scaled observable, or a species density when the
// model has no scaled observable.
type validateRow struct {
	name     string
	obs      int // index in IR.Observables, or −1 for species
	species  int
	ssaIndex int     // index in ssa's Names (species, then observables)
	ssaScale float64 // factor from the simulated quantity to the row's value
}

func validateRows(mod *runtime.Model) []validateRow {
	var rows []validateRow
	d := mod.Dim()
	for i, o := range mod.IR.Observables {
		if i < len(mod.ObservableScaled) && mod.ObservableScaled[i] {
			rows = append(rows, validateRow{name: o.Name, obs: i, species: -1, ssaIndex: d + i, ssaScale: 1})
		}
	}
	if len(rows) > 0 {
		return rows
	}
	n := mod.Inputs().Scale
	if n == 0 {
		// No scale: the observables as they are, then the species counts.
		for i, o := range mod.IR.Observables {
			rows = append(rows, validateRow{name: o.Name, obs: i, species: -1, ssaIndex: d + i, ssaScale: 1})
		}
		if len(rows) > 0 {
			return rows
		}
	}
	for i, s := range mod.IR.Species {
		sc := 1.0
		name := s.Name
		if n > 0 {
			sc, name = 1/n, s.Name+" (density)"
		}
		rows = append(rows, validateRow{name: name, obs: -1, species: i, ssaIndex: i, ssaScale: sc})
	}
	return rows
}

// approx holds the mean-field approximations of one model at one scale.
type approx struct {
	order   int
	x, v, a []float64
	obs     map[string][3]float64 // mean field, refined1, refined2
	note    string
	// warnings say where the stationary expansion is not in its asymptotic regime.
	warnings []meanfield.Warning
}

// approximate runs the refined mean field of order 2, or the two-timescale average mean
// field with its order-1 refinement for a model with a fast environment (runtime/meanfield
// chooses): stationary, or at time horizon from the initial state when horizon > 0.
func approximate(ctx context.Context, mod *runtime.Model, in *ir.Inputs, horizon float64) (*approx, error) {
	ap := &approx{obs: map[string][3]float64{}}
	var obs []meanfield.Observable
	method := ""
	if horizon > 0 {
		tr, err := meanfield.Transient(ctx, mod, in, []float64{horizon}, 2)
		if err != nil {
			return nil, err
		}
		method, ap.order, ap.x, ap.v, obs = tr.Method, tr.Order, tr.X[0], tr.V[0], tr.Observables[0]
		if tr.A != nil {
			ap.a = tr.A[0]
		}
	} else {
		res, err := meanfield.Stationary(ctx, mod, in, 2)
		if err != nil {
			return nil, err
		}
		method, ap.order, ap.x, ap.v, ap.a, obs = res.Method, res.Order, res.X, res.V, res.A, res.Observables
		ap.warnings = meanfield.Validity(mod, in.Scale, mod.SpeciesNames(), res.X, res.V, res.A, res.Eigenvalues)
	}
	if method == meanfield.Averaged {
		ap.note = "two-timescale model: average mean field with its order-1 refinement (no order 2)"
	}
	for _, o := range obs {
		ap.obs[o.Name] = [3]float64{o.MeanField, o.Refined1, o.Refined2}
	}
	return ap, nil
}

// exactLaw returns the stationary law of the chain, or its law at time horizon > 0 from the
// initial distribution: by uniformisation, or by stepping the time-varying chain of a
// time-inhomogeneous discrete-time model (which may reach new states: the chain returned
// indexes the law).
func exactLaw(ctx context.Context, c *ctmc.Chain, mod *runtime.Model, in *ir.Inputs, horizon float64) ([]float64, *ctmc.Chain, *ctmc.Result, error) {
	if horizon <= 0 {
		if !mod.IR.TimeHomogeneous {
			return nil, nil, nil, errNoStationary
		}
		st, err := ctmc.Stationary(ctx, c, nil)
		if err != nil {
			return nil, nil, nil, err
		}
		return st.Pi, c, st, nil
	}
	p0, err := ctmc.InitialDistribution(c)
	if err != nil {
		return nil, nil, nil, err
	}
	if !mod.IR.TimeHomogeneous {
		if !c.Discrete {
			return nil, nil, nil, errors.New("the exact transient law of a time-inhomogeneous continuous-time model is not available (the chain is frozen at one time)")
		}
		st, err := ctmc.TimeVarying(ctx, c, mod, in, p0, &ctmc.StepSettings{Steps: []float64{horizon}})
		if err != nil {
			return nil, nil, nil, err
		}
		return st.P[0], st.Chain, nil, nil
	}
	tr, err := ctmc.Transient(ctx, c, p0, []float64{horizon}, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	return tr.P[0], c, nil, nil
}

// interiorTol is the density above which a mean-field coordinate counts as positive.
const interiorTol = 1e-6

// absorbedWarning returns W606 (docs/language.md §8) when the stationary law st of the
// chain sits on a closed class that leaves out some states (an absorbing state, or a class
// such as I = 0 with S still moving) where a species is 0, while the mean field's stationary
// value of that species is positive: the exact law then describes the end of the process,
// extinction, while the mean field describes the long phase before it, and comparing them
// is meaningless. ok is false otherwise (and without a mean field or a stationary law).
func absorbedWarning(c *ctmc.Chain, st *ctmc.Result, ap *approx, n float64) (w meanfield.Warning, ok bool) {
	if st == nil || ap == nil || len(ap.x) != c.Dim {
		return w, false
	}
	mean := ctmc.MeanCounts(c, st.Pi)
	names := c.Model.SpeciesNames()
	var pos []string
	for i, x := range ap.x {
		if mean[i] == 0 && x > interiorTol {
			pos = append(pos, fmt.Sprintf("%s = %.4g", names[i], x))
		}
	}
	if len(pos) == 0 {
		return w, false
	}
	where := fmt.Sprintf("absorbed at [%s]", st.Class.State)
	if st.Absorbing == 0 {
		where = fmt.Sprintf("absorbed into a closed class of %d states, e.g. [%s]", st.Class.Size, st.Class.State)
	}
	return meanfield.Warning{Code: "W606", Quantity: fmt.Sprintf("N=%g", n),
		Message: fmt.Sprintf("the exact chain is %s, where its whole stationary law sits, while the mean field's fixed point is interior (%s)", where, strings.Join(pos, ", "))}, true
}

// simulate returns the simulated means and 95% half-widths of every species and
// observable (ssa's order): an ensemble at time s.T for a transient comparison (s.Runs > 0),
// a batch-means time average otherwise. warn is set when the batch means are correlated
// (lag-1 autocorrelation above 0.5 for some quantity): the batches are then shorter than
// the correlation time and the intervals too narrow.
//
// With survival set the simulation is conditioned on not being absorbed
// (ssa.Settings.ConditionSurvival): the ensemble leaves out the runs absorbed at s.T, the
// time average restarts its trajectory on absorption.
func simulate(ctx context.Context, mod *runtime.Model, in *ir.Inputs, s *SSASetup, budget int64, prog Progress, n float64, survival bool) (means, halves []float64, warn string, err error) {
	label := fmt.Sprintf("simulation at N=%g", n)
	if s.Runs > 0 {
		report, finish := prog.start(label, int64(s.Runs))
		res, err := ssa.Ensemble(ctx, mod, in, ssa.Settings{Runs: s.Runs, T: s.T, Times: []float64{s.T}, Seed: s.Seed, EventBudget: budget, Progress: report, ConditionSurvival: survival})
		finish()
		if err != nil {
			return nil, nil, "", err
		}
		if res.Partial != "" {
			return nil, nil, "", fmt.Errorf("no simulated mean: the ensemble is partial (%s)", res.Partial)
		}
		for _, st := range res.Stats[0] {
			means, halves = append(means, st.Mean), append(halves, st.Hi-st.Mean)
		}
		return means, halves, "", nil
	}
	report, finish := prog.start(label, int64(s.Batches))
	av, err := ssa.TimeAverage(ctx, mod, in, ssa.Settings{T: s.T, Burnin: s.Burnin, Batches: s.Batches, Seed: s.Seed, EventBudget: budget, Progress: report, ConditionSurvival: survival})
	finish()
	if err != nil {
		return nil, nil, "", err
	}
	if survival {
		warn = fmt.Sprintf("the simulation, conditioned on survival, was absorbed and restarted from its own past %d times while averaging (%d during the burn-in)", av.Absorptions, av.BurninAbsorptions)
	}
	worst, which := 0.0, -1
	for q, st := range av.Stats {
		means, halves = append(means, st.Mean), append(halves, st.Hi-st.Mean)
		r := lag1(av.BatchMeans, q)
		if r > worst {
			worst, which = r, q
		}
		// Correlated batch means inflate the variance of the slope by about (1+r)/(1−r).
		if ts := trend(av.BatchMeans, q) * math.Sqrt((1-r)/(1+r)); r > driftLag1 && math.Abs(ts) > driftT {
			return nil, nil, "", fmt.Errorf("no simulated stationary mean: the batch means of %s drift (trend t = %.3g, lag-1 autocorrelation %.2f): the chain has no stationary law (the state keeps growing, or it is absorbed slowly), or it has not reached it after the burn-in (then raise --burnin and --ssa-t)", av.Names[q], ts, r)
		}
	}
	if worst > 0.5 {
		if warn != "" {
			warn += "; "
		}
		warn += fmt.Sprintf("the simulation's batch means are correlated (lag-1 autocorrelation %.2f for %s): its intervals are too narrow; raise --ssa-t (and --burnin)", worst, av.Names[which])
	}
	return means, halves, warn, nil
}

// The drift test of the batch means: a quantity whose batch means have a lag-1
// autocorrelation r above driftLag1 and a linear trend whose t statistic, corrected for the
// correlation by the factor √((1−r)/(1+r)), exceeds driftT in absolute value is not
// averaging to a stationary mean. For independent batch means the t statistic follows
// Student's law with (batches − 2) degrees of freedom: |t| > 10 has probability below 1e-8
// at 20 batches, so a stationary simulation is not refused, while a count that grows
// linearly (immigration) gives a corrected |t| in the hundreds.
const (
	driftLag1 = 0.5
	driftT    = 10
)

// trend returns the t statistic of the least-squares slope of the batch means of
// quantity q against the batch index (0 for fewer than 3 batches or an exact line with no
// slope; ±Inf for an exact line with a slope).
func trend(b [][]float64, q int) float64 {
	n := float64(len(b))
	if n < 3 {
		return 0
	}
	var my float64
	for _, r := range b {
		my += r[q]
	}
	my /= n
	mx := (n - 1) / 2
	var sxx, sxy float64
	for i, r := range b {
		dx := float64(i) - mx
		sxx += dx * dx
		sxy += dx * (r[q] - my)
	}
	slope := sxy / sxx
	var rss float64
	for i, r := range b {
		e := r[q] - my - slope*(float64(i)-mx)
		rss += e * e
	}
	se := math.Sqrt(rss / (n - 2) / sxx)
	if se == 0 {
		if slope == 0 {
			return 0
		}
		return math.Inf(int(math.Copysign(1, slope)))
	}
	return slope / se
}

// lag1 returns the lag-1 autocorrelation of quantity q across the batch means.
func lag1(b [][]float64, q int) float64 {
	n := len(b)
	if n < 3 {
		return 0
	}
	mean := 0.0
	for _, r := range b {
		mean += r[q]
	}
	mean /= float64(n)
	var num, den float64
	for i, r := range b {
		d := r[q] - mean
		den += d * d
		if i > 0 {
			num += d * (b[i-1][q] - mean)
		}
	}
	if den == 0 {
		return 0
	}
	return num / den
}

// values returns the row's mean-field, order-1 and order-2 values.
func (ap *approx) values(r validateRow, n float64) ([3]float64, bool) {
	if r.obs >= 0 {
		v, ok := ap.obs[r.name]
		return v, ok
	}
	i := r.species
	mf := ap.x[i]
	r1 := mf + ap.v[i]/n
	r2 := r1
	if ap.a != nil {
		r2 += ap.a[i] / (n * n)
	}
	return [3]float64{mf, r1, r2}, true
}

func exactRowValues(mod *runtime.Model, in *ir.Inputs, c *ctmc.Chain, pi []float64, rows []validateRow) []float64 {
	out := make([]float64, len(rows))
	var nodes []int
	for i, r := range rows {
		if r.obs >= 0 {
			nodes = append(nodes, i)
		}
	}
	if len(nodes) > 0 {
		ids := make([]ir.NodeID, len(nodes))
		for k, i := range nodes {
			ids[k] = mod.IR.Observables[rows[i].obs].Node
		}
		vals := ctmc.ExpectNodes(c, mod, in, pi, ids)
		for k, i := range nodes {
			out[i] = vals[k]
		}
	}
	mean := ctmc.MeanCounts(c, pi)
	for i, r := range rows {
		if r.obs < 0 {
			out[i] = mean[r.species] * r.ssaScale
		}
	}
	return out
}

// errorSlope fits log|approx − exact| against log N over the scales where both exist and
// differ; ok is false with fewer than three such scales.
func errorSlope(ns []float64, approx, exact []*float64) (float64, bool) {
	var xs, es []float64
	for k, n := range ns {
		if approx[k] != nil && exact[k] != nil {
			xs, es = append(xs, n), append(es, *approx[k]-*exact[k])
		}
	}
	s, k := fit.Order(xs, es)
	return s, k >= 3
}

// fmtN prints a scale, "—" for a model without one.
func fmtN(n float64) string {
	if n == 0 {
		return "—"
	}
	return fmt.Sprintf("%g", n)
}

func fmtOpt(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.10g", *v)
}

// Text renders one table per compared quantity, with the fitted slopes and the notes.
func (r *Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "model %s: every method at N =", r.Model)
	for _, n := range r.N {
		fmt.Fprintf(&b, " %s", fmtN(n))
	}
	if r.Transient > 0 {
		fmt.Fprintf(&b, ", E f(X_t) at t = %g from the initial state", r.Transient)
	} else {
		b.WriteString(", stationary means")
	}
	if r.Transient > 0 {
		b.WriteString("\n  exact: law of the finite chain at t (uniformisation; steps in discrete time), states per N:")
	} else {
		b.WriteString("\n  exact: stationary law of the finite chain, states per N:")
	}
	for _, s := range r.ExactStates {
		if s == 0 {
			b.WriteString(" —")
		} else {
			fmt.Fprintf(&b, " %d", s)
		}
	}
	b.WriteString("\n")
	switch {
	case r.SSA != nil && r.SSA.Runs > 0:
		fmt.Fprintf(&b, "  simulation: ensemble of %d runs at t = %g, 95%% CI, seed %d\n", r.SSA.Runs, r.SSA.T, r.SSA.Seed)
	case r.SSA != nil:
		fmt.Fprintf(&b, "  simulation: time average over t ∈ [%g, %g], %d batch means, 95%% CI, seed %d\n", r.SSA.Burnin, r.SSA.Burnin+r.SSA.T, r.SSA.Batches, r.SSA.Seed)
	}
	if r.QuasiStationary != nil {
		b.WriteString("  marked qs: the quasi-stationary law, conditioned on not being absorbed, at N =")
		for k, q := range r.QuasiStationary {
			if q {
				fmt.Fprintf(&b, " %s", fmtN(r.N[k]))
			}
		}
		b.WriteString(" (warning W606 below)\n")
	}
	for _, t := range r.Tables {
		fmt.Fprintf(&b, "\n%s\n%8s %16s %16s %16s %16s %26s\n", t.Name, "N", "mean field", "refined1", "refined2", "exact", "simulation ± 95% CI")
		for k, n := range t.N {
			sim := "—"
			if t.SSAMean[k] != nil {
				sim = fmt.Sprintf("%.6g ± %.2g", *t.SSAMean[k], *t.SSACI[k])
			}
			exact := fmtOpt(t.Exact[k])
			if r.QuasiStationary != nil && r.QuasiStationary[k] {
				exact, sim = exact+" qs", sim+" qs"
			}
			fmt.Fprintf(&b, "%8s %16s %16s %16s %16s %26s\n", fmtN(n), fmtOpt(t.MeanField[k]), fmtOpt(t.Refined1[k]), fmtOpt(t.Refined2[k]), exact, sim)
		}
		if len(t.Slopes) > 0 {
			b.WriteString("fitted slope of |value − exact| against N:")
			for _, name := range []string{"mean_field", "refined1", "refined2"} {
				if s, ok := t.Slopes[name]; ok {
					fmt.Fprintf(&b, " %s %.2f", strings.ReplaceAll(name, "_", " "), s)
				}
			}
			b.WriteString("\n")
		}
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\n")
		for _, w := range r.Warnings {
			b.WriteString(w.String() + "\n")
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\nnote: %s", n)
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n")
	}
	return b.String()
}

// CSV renders one line per quantity and scale.
func (r *Report) CSV() string {
	var b strings.Builder
	b.WriteString("observable,N,mean_field,refined1,refined2,exact,ssa_mean,ssa_ci")
	if r.QuasiStationary != nil {
		// The law of the exact and simulated columns, where some are quasi-stationary (W606).
		b.WriteString(",law")
	}
	b.WriteString("\n")
	opt := func(v *float64) string {
		if v == nil {
			return ""
		}
		return fmt.Sprintf("%.10g", *v)
	}
	for _, t := range r.Tables {
		for k, n := range t.N {
			fmt.Fprintf(&b, "%q,%g,%s,%s,%s,%s,%s,%s", t.Name, n, opt(t.MeanField[k]), opt(t.Refined1[k]), opt(t.Refined2[k]), opt(t.Exact[k]), opt(t.SSAMean[k]), opt(t.SSACI[k]))
			if r.QuasiStationary != nil {
				law := "stationary"
				if r.QuasiStationary[k] {
					law = "quasi-stationary"
				}
				b.WriteString("," + law)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
