package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/average"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/fit"
	"github.com/mfcproject/mfc/runtime/progress"
	"github.com/mfcproject/mfc/runtime/refine"
	"github.com/mfcproject/mfc/runtime/ssa"
)

// validateReport is the JSON form of 'mfc validate'.
type validateReport struct {
	Model string    `json:"model"`
	N     []float64 `json:"N"`
	// Transient is the time t of a transient comparison (E f(X_t) from the initial
	// state); absent for the stationary comparison.
	Transient float64 `json:"transient,omitempty"`
	// ExactStates[k] is the size of the exact chain at N[k], 0 where it was not solved.
	ExactStates []int `json:"exact_states"`
	// SSA describes the simulation: one trajectory per N, time average over T after
	// Burnin, batch-means 95% intervals.
	SSA    *ssaSetup       `json:"ssa,omitempty"`
	Tables []validateTable `json:"observables"`
	// Notes lists what could not be computed and why.
	Notes []string `json:"notes,omitempty"`
}

type ssaSetup struct {
	T       float64 `json:"T"`
	Burnin  float64 `json:"burnin"`
	Batches int     `json:"batches"`
	Seed    uint64  `json:"seed"`
	// Runs is the ensemble size of a transient comparison (then T is the time t).
	Runs int `json:"runs,omitempty"`
}

// validateTable is one observable across the scales; null entries were not computed.
type validateTable struct {
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

// runValidate implements 'mfc validate FILE --N 10,20,40,80': every method side by side.
func runValidate(args []string, stdout, stderr io.Writer) int {
	a := newAnalysis("validate", "FILE --N n1,n2,... [--set name=value]... [--transient t --runs R] [--max-states k] [--ssa-t T] [--burnin B] [--seed s] [--format text|csv|json] [-o FILE]", stderr)
	a.multiN = true
	maxStates := a.fs.Int("max-states", 500_000, "solve the exact chain only up to this many states per N")
	ssaT := a.fs.Float64("ssa-t", 1000, "simulated time averaged per N after the burn-in (0: no simulation)")
	burnin := a.fs.Float64("burnin", -1, "simulated time discarded before averaging (default ssa-t/10)")
	batches := a.fs.Int("batches", 20, "batches of the batch-means confidence intervals")
	seed := a.fs.Uint64("seed", 1, "random seed of the simulations")
	horizon := a.fs.Float64("transient", 0, "if > 0, compare E f(X_t) at this time t from the initial state instead of the stationary means")
	runs := a.fs.Int("runs", 2000, "trajectories of the simulation ensemble of a transient comparison (0: no simulation)")
	file, status := a.parse(args)
	if status != 0 {
		return status
	}
	if len(a.scales) == 0 {
		// One comparison at the model's own scale (or for a model without one).
		a.scales = scaleList{0}
	}
	if *burnin < 0 {
		*burnin = math.Floor(*ssaT / 10)
	}
	rep := &validateReport{N: append([]float64(nil), a.scales...), Transient: *horizon}
	switch {
	case *horizon > 0 && *runs > 0:
		rep.SSA = &ssaSetup{T: *horizon, Seed: *seed, Runs: *runs}
	case *horizon <= 0 && *ssaT > 0:
		rep.SSA = &ssaSetup{T: *ssaT, Burnin: *burnin, Batches: *batches, Seed: *seed}
	}
	nN := len(a.scales)
	var tables []validateTable
	tableOf := map[string]int{}
	table := func(name string) *validateTable {
		k, ok := tableOf[name]
		if !ok {
			k = len(tables)
			tableOf[name] = k
			tables = append(tables, validateTable{Name: name, N: rep.N,
				MeanField: make([]*float64, nN), Refined1: make([]*float64, nN), Refined2: make([]*float64, nN),
				Exact: make([]*float64, nN), SSAMean: make([]*float64, nN), SSACI: make([]*float64, nN)})
		}
		return &tables[k]
	}
	for k, n := range a.scales {
		mod, status := a.loadAt(file, false, n)
		if mod == nil {
			return status
		}
		rep.Model = mod.IR.Name
		if !mod.IR.TimeHomogeneous && *horizon <= 0 {
			return a.fail(errors.New("the model is time-inhomogeneous, so it has no stationary law: compare at a time with --transient t"))
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
		if mod.HasDrift() {
			ap, err := approximate(mod, in, *horizon)
			if err != nil {
				rep.Notes = append(rep.Notes, fmt.Sprintf("N=%g: refined mean field: %v", n, err))
			} else {
				if ap.note != "" && k == 0 {
					rep.Notes = append(rep.Notes, ap.note)
				}
				for _, r := range rows {
					t := table(r.name)
					v, ok := ap.values(r, n)
					if !ok {
						continue
					}
					t.MeanField[k], t.Refined1[k] = &v[0], &v[1]
					if ap.order >= 2 {
						t.Refined2[k] = &v[2]
					}
				}
			}
		} else if k == 0 {
			rep.Notes = append(rep.Notes, "the model has no mean field; only exact and simulated values")
		}
		// Exact chain.
		states := 0
		chain, err := ctmc.Explore(mod, in, ctmc.Limits{MaxStates: *maxStates})
		if err == nil {
			var law []float64
			law, chain, err = exactLaw(chain, mod, in, *horizon)
			if err == nil {
				states = chain.NumStates()
				at := *in
				at.Time += *horizon
				vals := exactRowValues(mod, &at, chain, law, rows)
				for i, r := range rows {
					v := vals[i]
					table(r.name).Exact[k] = &v
				}
			}
		}
		if err != nil {
			rep.Notes = append(rep.Notes, fmt.Sprintf("N=%g: exact chain not solved: %v", n, err))
		}
		rep.ExactStates = append(rep.ExactStates, states)
		// Simulation.
		if rep.SSA != nil {
			means, halves, warn, err := simulate(mod, in, rep.SSA, stderr, n)
			if warn != "" {
				rep.Notes = append(rep.Notes, fmt.Sprintf("N=%g: %s", n, warn))
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
	return a.write(stdout, rep, func() string { return validateText(rep) }, func() string { return validateCSV(rep) })
}

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
}

// approximate runs the refined mean field of order 2, or the two-timescale average mean
// field with its order-1 refinement for a model with a fast environment: stationary, or at
// time horizon from the initial state when horizon > 0.
func approximate(mod *runtime.Model, in *ir.Inputs, horizon float64) (*approx, error) {
	ap := &approx{obs: map[string][3]float64{}}
	if average.Applies(mod) {
		ap.order, ap.note = 1, "two-timescale model: average mean field with its order-1 refinement (no order 2)"
		var obs []average.Observable
		if horizon > 0 {
			tr, err := average.Transient(context.Background(), mod, in, []float64{horizon}, nil)
			if err != nil {
				return nil, err
			}
			ap.x, ap.v, obs = tr.X[0], tr.M[0], tr.Observables[0]
		} else {
			res, err := average.Stationary(mod, in, nil)
			if err != nil {
				return nil, err
			}
			ap.x, ap.v, obs = res.X, res.C, res.Observables
		}
		for _, o := range obs {
			ap.obs[o.Name] = [3]float64{o.MeanField, o.Refined1, o.Refined1}
		}
		return ap, nil
	}
	var obs []refine.Observable
	ap.order = 2
	if horizon > 0 {
		tr, err := refine.Transient(context.Background(), mod, in, []float64{horizon}, &refine.Settings{Order: 2})
		if err != nil {
			return nil, err
		}
		ap.x, ap.v, ap.a, obs = tr.X[0], tr.V[0], tr.A[0], tr.Observables[0]
	} else {
		res, err := refine.Stationary(mod, in, &refine.Settings{Order: 2})
		if err != nil {
			return nil, err
		}
		ap.x, ap.v, ap.a, obs = res.X, res.V, res.A, res.Observables
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
func exactLaw(c *ctmc.Chain, mod *runtime.Model, in *ir.Inputs, horizon float64) ([]float64, *ctmc.Chain, error) {
	if horizon <= 0 {
		if !mod.IR.TimeHomogeneous {
			return nil, nil, errors.New("the model is time-inhomogeneous, so it has no stationary law: compare at a time with --transient t")
		}
		st, err := ctmc.Stationary(c, nil)
		if err != nil {
			return nil, nil, err
		}
		return st.Pi, c, nil
	}
	p0, err := ctmc.InitialDistribution(c)
	if err != nil {
		return nil, nil, err
	}
	if !mod.IR.TimeHomogeneous {
		if !c.Discrete {
			return nil, nil, errors.New("the exact transient law of a time-inhomogeneous continuous-time model is not available (the chain is frozen at one time)")
		}
		st, err := ctmc.TimeVarying(c, mod, in, p0, &ctmc.StepSettings{Steps: []float64{horizon}})
		if err != nil {
			return nil, nil, err
		}
		return st.P[0], st.Chain, nil
	}
	tr, err := ctmc.Transient(c, p0, []float64{horizon}, nil)
	if err != nil {
		return nil, nil, err
	}
	return tr.P[0], c, nil
}

// simulate returns the simulated means and 95% half-widths of every species and
// observable (ssa's order): an ensemble at time s.T for a transient comparison (s.Runs > 0),
// a batch-means time average otherwise. warn is set when the batch means are correlated
// (lag-1 autocorrelation above 0.5 for some quantity): the batches are then shorter than
// the correlation time and the intervals too narrow.
func simulate(mod *runtime.Model, in *ir.Inputs, s *ssaSetup, stderr io.Writer, n float64) (means, halves []float64, warn string, err error) {
	if s.Runs > 0 {
		bar := progress.New(stderr, fmt.Sprintf("mfc validate: simulation at N=%g", n), int64(s.Runs))
		res, err := ssa.Ensemble(mod, in, ssa.Settings{Runs: s.Runs, T: s.T, Times: []float64{s.T}, Seed: s.Seed, Progress: bar.Report})
		bar.Done()
		if err != nil {
			return nil, nil, "", err
		}
		for _, st := range res.Stats[0] {
			means, halves = append(means, st.Mean), append(halves, st.Hi-st.Mean)
		}
		return means, halves, "", nil
	}
	bar := progress.New(stderr, fmt.Sprintf("mfc validate: simulation at N=%g", n), int64(s.Batches))
	av, err := ssa.TimeAverage(mod, in, ssa.Settings{T: s.T, Burnin: s.Burnin, Batches: s.Batches, Seed: s.Seed, Progress: bar.Report})
	bar.Done()
	if err != nil {
		return nil, nil, "", err
	}
	worst, which := 0.0, -1
	for q, st := range av.Stats {
		means, halves = append(means, st.Mean), append(halves, st.Hi-st.Mean)
		if r := lag1(av.BatchMeans, q); r > worst {
			worst, which = r, q
		}
	}
	if worst > 0.5 {
		warn = fmt.Sprintf("the simulation's batch means are correlated (lag-1 autocorrelation %.2f for %s): its intervals are too narrow; raise --ssa-t (and --burnin)", worst, av.Names[which])
	}
	return means, halves, warn, nil
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
	return fmt.Sprintf("%.8g", *v)
}

func validateText(r *validateReport) string {
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
	for _, t := range r.Tables {
		fmt.Fprintf(&b, "\n%s\n%8s %14s %14s %14s %14s %26s\n", t.Name, "N", "mean field", "refined1", "refined2", "exact", "simulation ± 95% CI")
		for k, n := range t.N {
			sim := "—"
			if t.SSAMean[k] != nil {
				sim = fmt.Sprintf("%.6g ± %.2g", *t.SSAMean[k], *t.SSACI[k])
			}
			fmt.Fprintf(&b, "%8s %14s %14s %14s %14s %26s\n", fmtN(n), fmtOpt(t.MeanField[k]), fmtOpt(t.Refined1[k]), fmtOpt(t.Refined2[k]), fmtOpt(t.Exact[k]), sim)
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
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\nnote: %s", n)
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n")
	}
	return b.String()
}

func validateCSV(r *validateReport) string {
	var b strings.Builder
	b.WriteString("observable,N,mean_field,refined1,refined2,exact,ssa_mean,ssa_ci\n")
	opt := func(v *float64) string {
		if v == nil {
			return ""
		}
		return fmt.Sprintf("%.17g", *v)
	}
	for _, t := range r.Tables {
		for k, n := range t.N {
			fmt.Fprintf(&b, "%q,%g,%s,%s,%s,%s,%s,%s\n", t.Name, n, opt(t.MeanField[k]), opt(t.Refined1[k]), opt(t.Refined2[k]), opt(t.Exact[k]), opt(t.SSAMean[k]), opt(t.SSACI[k]))
		}
	}
	return b.String()
}
