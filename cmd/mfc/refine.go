package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/mfcproject/mfc/runtime/refine"
)

// refineReport is the JSON form of 'mfc refine' and 'mfc run'.
type refineReport struct {
	Model       string         `json:"model"`
	N           float64        `json:"N"`
	Order       int            `json:"order"`
	Species     []string       `json:"species"`
	FixedPoint  []float64      `json:"fixed_point,omitempty"`
	Eigenvalues [][2]float64   `json:"eigenvalues,omitempty"`
	V           []float64      `json:"V,omitempty"`
	W           [][]float64    `json:"W,omitempty"`
	Observables []observableJS `json:"observables,omitempty"`
	Time        []float64      `json:"time,omitempty"`
	X           [][]float64    `json:"x,omitempty"`
	VT          [][]float64    `json:"V_t,omitempty"`
}

type observableJS struct {
	Name      string  `json:"name"`
	MeanField float64 `json:"mean_field"`
	Refined1  float64 `json:"refined1"`
	C         float64 `json:"C"`
}

// runRefine implements 'mfc refine --order 1 [--transient T]'.
func runRefine(args []string, stdout, stderr io.Writer) int {
	return refineCommand("refine", args, stdout, stderr)
}

// runRun implements 'mfc run FILE', the default job: fixed point, stability and the
// refined mean field for the model's N, as a table of every observable.
func runRun(args []string, stdout, stderr io.Writer) int {
	return refineCommand("run", args, stdout, stderr)
}

func refineCommand(name string, args []string, stdout, stderr io.Writer) int {
	a := newAnalysis(name, "FILE [--set name=value]... [--N n] [--order 1] [--transient T] [--format text|csv|json] [-o FILE]", stderr)
	order := a.fs.Int("order", 1, "order of the expansion in 1/N")
	horizon := a.fs.Float64("transient", 0, "if > 0, the transient refinement on [0, T] from the initial state")
	steps := a.fs.Int("steps", 10, "number of output intervals of a transient run")
	file, status := a.parse(args)
	if status != 0 {
		return status
	}
	if *order != 1 {
		fmt.Fprintf(stderr, "mfc %s: --order %d is not available yet; the refined mean field of order 1 is\n", name, *order)
		return 2
	}
	mod, status := a.load(file, true)
	if mod == nil {
		return status
	}
	in := mod.Inputs()
	rep := &refineReport{Model: mod.IR.Name, N: in.Scale, Order: 1}
	for _, s := range mod.IR.Species {
		rep.Species = append(rep.Species, s.Name)
	}
	if *horizon > 0 {
		times := make([]float64, *steps+1)
		for k := range times {
			times[k] = *horizon * float64(k) / float64(*steps)
		}
		tr, err := refine.Transient(mod, in, times, nil)
		if err != nil {
			return a.fail(err)
		}
		rep.Time, rep.X, rep.VT = tr.Times, tr.X, tr.V
	} else {
		res, err := refine.Stationary(mod, in, nil)
		if err != nil {
			return a.fail(err)
		}
		rep.FixedPoint, rep.V, rep.W, rep.Eigenvalues = res.X, res.V, res.W, eigenPairs(res.Eigenvalues)
		for _, o := range res.Observables {
			rep.Observables = append(rep.Observables, observableJS{o.Name, o.MeanField, o.Refined1, o.C})
		}
	}
	return a.write(stdout, rep, func() string { return refineText(rep) }, func() string { return refineCSV(rep) })
}

func refineText(r *refineReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "model %s, N = %g, refined mean field of order %d\n", r.Model, r.N, r.Order)
	if r.Time != nil {
		fmt.Fprintf(&b, "\n%-10s %-14s %14s %14s %14s\n", "t", "species", "mean field", "V", "refined")
		for k, t := range r.Time {
			for i, s := range r.Species {
				fmt.Fprintf(&b, "%-10.4g %-14s %14.8g %14.8g %14.8g\n", t, s, r.X[k][i], r.VT[k][i], r.X[k][i]+r.VT[k][i]/r.N)
			}
		}
		return b.String()
	}
	b.WriteString("\neigenvalues of the reduced Jacobian:" + eigenText(r.Eigenvalues))
	fmt.Fprintf(&b, "\n\n%-20s %14s %14s %14s\n", "species", "mean field", "V", "refined")
	for i, s := range r.Species {
		fmt.Fprintf(&b, "%-20s %14.8g %14.8g %14.8g\n", s, r.FixedPoint[i], r.V[i], r.FixedPoint[i]+r.V[i]/r.N)
	}
	if len(r.Observables) > 0 {
		fmt.Fprintf(&b, "\n%-20s %14s %14s %14s\n", "observable", "mean field", "C (1/N term)", "refined")
		for _, o := range r.Observables {
			fmt.Fprintf(&b, "%-20s %14.8g %14.8g %14.8g\n", o.Name, o.MeanField, o.C, o.Refined1)
		}
	}
	return b.String()
}

func refineCSV(r *refineReport) string {
	var b strings.Builder
	if r.Time != nil {
		b.WriteString("t,species,mean_field,V,refined1\n")
		for k, t := range r.Time {
			for i, s := range r.Species {
				fmt.Fprintf(&b, "%.17g,%q,%.17g,%.17g,%.17g\n", t, s, r.X[k][i], r.VT[k][i], r.X[k][i]+r.VT[k][i]/r.N)
			}
		}
		return b.String()
	}
	b.WriteString("kind,name,mean_field,correction,refined1\n")
	for i, s := range r.Species {
		fmt.Fprintf(&b, "species,%q,%.17g,%.17g,%.17g\n", s, r.FixedPoint[i], r.V[i], r.FixedPoint[i]+r.V[i]/r.N)
	}
	for _, o := range r.Observables {
		fmt.Fprintf(&b, "observable,%q,%.17g,%.17g,%.17g\n", o.Name, o.MeanField, o.C, o.Refined1)
	}
	return b.String()
}
