package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/progress"
	"github.com/mfcproject/mfc/runtime/ssa"
)

// exactReport is the JSON form of 'mfc exact'.
type exactReport struct {
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
	// start time; discrete time: the law of the step chain).
	Note                string             `json:"note,omitempty"`
	Measures            map[string]float64 `json:"measures"`
	MeasureBounds       map[string]float64 `json:"measure_bounds,omitempty"`
	MeasuresNotComputed map[string]string  `json:"measures_not_computed,omitempty"`
}

// runExact implements 'mfc exact FILE': the stationary law of the finite chain at the
// model's N, with the expected counts, densities, observables and stationary measures.
func runExact(args []string, stdout, stderr io.Writer) int {
	a := newAnalysis("exact", "FILE [--set name=value]... [--N n] [--max-states k] [--format text|json] [-o FILE]", stderr)
	maxStates := a.fs.Int("max-states", 2_000_000, "stop the state-space exploration beyond this many states")
	file, status := a.parse(args)
	if status != 0 {
		return status
	}
	mod, status := a.load(file, false)
	if mod == nil {
		return status
	}
	rep, err := exactAnalysis(mod, *maxStates)
	if err != nil {
		return a.fail(err)
	}
	return a.write(stdout, rep, func() string { return exactText(rep) }, nil)
}

// exactAnalysis explores and solves the finite chain of mod at its inputs.
func exactAnalysis(mod *runtime.Model, maxStates int) (*exactReport, error) {
	in := mod.Inputs()
	chain, err := ctmc.Explore(context.Background(), mod, in, ctmc.Limits{MaxStates: maxStates})
	if err != nil {
		return nil, err
	}
	res, err := ctmc.Stationary(context.Background(), chain, nil)
	if err != nil {
		return nil, err
	}
	rep := &exactReport{Model: mod.IR.Name, N: in.Scale, States: chain.NumStates(), Residual: res.Residual,
		Iterations: res.Iterations, Method: res.Method, Mean: ctmc.MeanCounts(chain, res.Pi),
		Observables: map[string]float64{}, Measures: map[string]float64{}}
	for _, s := range mod.IR.Species {
		rep.Species = append(rep.Species, s.Name)
	}
	if !mod.IR.TimeHomogeneous {
		rep.Note = fmt.Sprintf("the model is time-inhomogeneous: the stationary law, mean and observables are those of the chain frozen at t = %g; the measures use the time-varying chain where they can", in.Time)
	}
	if in.Scale > 0 {
		for _, n := range rep.Mean {
			rep.MeanDensity = append(rep.MeanDensity, n/in.Scale)
		}
	}
	obs := ctmc.ObservableMeans(chain, mod, in, res.Pi)
	for k, o := range mod.IR.Observables {
		rep.Observables[o.Name] = obs[k]
	}
	vals, err := ctmc.EvalMeasures(context.Background(), chain, mod, in, res.Pi, nil)
	if err != nil {
		return nil, err
	}
	for _, v := range vals {
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

func exactText(r *exactReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "model %s: exact stationary law, %d states (%s, %d iterations, residual ‖πQ‖₁ = %.2e)\n\n", r.Model, r.States, r.Method, r.Iterations, r.Residual)
	if r.Note != "" {
		fmt.Fprintf(&b, "note: %s\n\n", r.Note)
	}
	fmt.Fprintf(&b, "%-20s %16s %16s\n", "species", "E[count]", "E[density]")
	for i, s := range r.Species {
		dens := ""
		if r.MeanDensity != nil {
			dens = fmt.Sprintf("%.12g", r.MeanDensity[i])
		}
		fmt.Fprintf(&b, "%-20s %16.12g %16s\n", s, r.Mean[i], dens)
	}
	writeMap(&b, "observable", r.Observables)
	writeMap(&b, "measure", r.Measures)
	if len(r.MeasuresNotComputed) > 0 {
		keys := make([]string, 0, len(r.MeasuresNotComputed))
		for k := range r.MeasuresNotComputed {
			keys = append(keys, k)
		}
		sortStrings(keys)
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
	sortStrings(keys)
	fmt.Fprintf(b, "\n%-20s %16s\n", head, "value")
	for _, k := range keys {
		fmt.Fprintf(b, "%-20s %16.12g\n", k, m[k])
	}
}

// ssaReport is the JSON form of 'mfc ssa'.
type ssaReport struct {
	Model  string      `json:"model"`
	Runs   int         `json:"runs"`
	Seed   uint64      `json:"seed"`
	Events int64       `json:"events"`
	Names  []string    `json:"names"`
	Time   []float64   `json:"time"`
	Mean   [][]float64 `json:"mean"`
	CI     [][]float64 `json:"ci"` // half-width of the 95% interval
}

// runSSA implements 'mfc ssa FILE --runs R --t T [--seed s]'.
func runSSA(args []string, stdout, stderr io.Writer) int {
	a := newAnalysis("ssa", "FILE [--set name=value]... [--N n] --runs R --t T [--steps k] [--seed s] [--workers w] [--method auto|direct|cr] [--format text|csv|json] [-o FILE]", stderr)
	runs := a.fs.Int("runs", 1000, "number of trajectories")
	horizon := a.fs.Float64("t", 10, "final time")
	steps := a.fs.Int("steps", 10, "number of sampling intervals on [0, T]")
	seed := a.fs.Uint64("seed", 1, "seed of the random streams (results do not depend on --workers)")
	workers := a.fs.Int("workers", 0, "goroutines (0: all cores)")
	method := a.fs.String("method", "auto", "simulation method: direct (Gillespie), cr (composition-rejection, for large networks) or auto")
	file, status := a.parse(args)
	if status != 0 {
		return status
	}
	mod, status := a.load(file, false)
	if mod == nil {
		return status
	}
	times := make([]float64, *steps+1)
	for k := range times {
		times[k] = *horizon * float64(k) / float64(*steps)
	}
	if mod.IR.Time == ir.Discrete {
		// Discrete time: --t counts steps; sample at the integer steps of the grid.
		if *horizon != math.Trunc(*horizon) || *horizon < 0 {
			fmt.Fprintf(stderr, "mfc ssa: the model is discrete-time: --t is a number of steps, got %g\n", *horizon)
			return 2
		}
		times = times[:0]
		for k := 0; k <= *steps; k++ {
			tk := math.Floor(*horizon * float64(k) / float64(*steps))
			if len(times) == 0 || tk > times[len(times)-1] {
				times = append(times, tk)
			}
		}
	}
	bar := progress.New(stderr, "mfc ssa: runs", int64(*runs))
	res, err := ssa.Ensemble(context.Background(), mod, mod.Inputs(), ssa.Settings{Runs: *runs, T: *horizon, Times: times, Seed: *seed, Workers: *workers, Method: *method, Progress: bar.Report})
	bar.Done()
	if err != nil {
		return a.fail(err)
	}
	rep := &ssaReport{Model: mod.IR.Name, Runs: res.Runs, Seed: *seed, Events: res.Events, Names: res.Names, Time: res.Times}
	for _, row := range res.Stats {
		mean, ci := make([]float64, len(row)), make([]float64, len(row))
		for q, st := range row {
			mean[q], ci[q] = st.Mean, (st.Hi-st.Lo)/2
		}
		rep.Mean, rep.CI = append(rep.Mean, mean), append(rep.CI, ci)
	}
	return a.write(stdout, rep, func() string { return ssaTable(rep, false) }, func() string { return ssaTable(rep, true) })
}

func ssaTable(r *ssaReport, csv bool) string {
	var b strings.Builder
	if csv {
		b.WriteString("t,name,mean,ci95\n")
	} else {
		fmt.Fprintf(&b, "model %s: %d runs, seed %d, %d events\n\n%-10s %-20s %16s %14s\n", r.Model, r.Runs, r.Seed, r.Events, "t", "quantity", "mean", "± 95% CI")
	}
	for k, t := range r.Time {
		for q, name := range r.Names {
			if csv {
				fmt.Fprintf(&b, "%.17g,%q,%.17g,%.17g\n", t, name, r.Mean[k][q], r.CI[k][q])
			} else {
				fmt.Fprintf(&b, "%-10.4g %-20s %16.8g %14.3g\n", t, name, r.Mean[k][q], r.CI[k][q])
			}
		}
	}
	return b.String()
}
