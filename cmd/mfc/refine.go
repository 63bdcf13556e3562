package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/mfcproject/mfc/runtime/refine"
)

// refineReport is the JSON form of 'mfc refine' and 'mfc run'. Stationary runs fill
// fixed_point, eigenvalues, V, W (and A at order 2); transient runs fill time and the per-time
// arrays x, V_t (and A_t at order 2).
type refineReport struct {
	Model       string         `json:"model"`
	N           float64        `json:"N"`
	Order       int            `json:"order"`
	Species     []string       `json:"species"`
	FixedPoint  []float64      `json:"fixed_point,omitempty"`
	Eigenvalues [][2]float64   `json:"eigenvalues,omitempty"`
	V           []float64      `json:"V,omitempty"`
	A           []float64      `json:"A,omitempty"`
	W           [][]float64    `json:"W,omitempty"`
	Observables []observableJS `json:"observables,omitempty"`
	Time        []float64      `json:"time,omitempty"`
	X           [][]float64    `json:"x,omitempty"`
	VT          [][]float64    `json:"V_t,omitempty"`
	AT          [][]float64    `json:"A_t,omitempty"`
	// ObservablesT[k] are the refined observables at Time[k].
	ObservablesT [][]observableJS `json:"observables_t,omitempty"`
}

// observableJS is one refined observable: E h = mean_field + C/N (+ D/N²).
type observableJS struct {
	Name      string   `json:"name"`
	MeanField float64  `json:"mean_field"`
	Refined1  float64  `json:"refined1"`
	C         float64  `json:"C"`
	Refined2  *float64 `json:"refined2,omitempty"`
	D         *float64 `json:"D,omitempty"`
}

func observablesJS(obs []refine.Observable, order int) []observableJS {
	var out []observableJS
	for _, o := range obs {
		j := observableJS{Name: o.Name, MeanField: o.MeanField, Refined1: o.Refined1, C: o.C}
		if order >= 2 {
			r2, d := o.Refined2, o.D
			j.Refined2, j.D = &r2, &d
		}
		out = append(out, j)
	}
	return out
}

// runRefine implements 'mfc refine --order 1|2 [--transient T]'.
func runRefine(args []string, stdout, stderr io.Writer) int {
	return refineCommand("refine", 1, args, stdout, stderr)
}

// runRun implements 'mfc run FILE', the default job: fixed point, stability and the
// refined mean field of orders 1 and 2 for the model's N, as a table of every observable.
func runRun(args []string, stdout, stderr io.Writer) int {
	return refineCommand("run", 2, args, stdout, stderr)
}

func refineCommand(name string, defOrder int, args []string, stdout, stderr io.Writer) int {
	a := newAnalysis(name, "FILE [--set name=value]... [--N n] [--order 1|2] [--transient T] [--format text|csv|json] [-o FILE]", stderr)
	order := a.fs.Int("order", defOrder, "order of the expansion in 1/N: 1 (V) or 2 (V and A)")
	horizon := a.fs.Float64("transient", 0, "if > 0, the transient refinement on [0, T] from the initial state")
	steps := a.fs.Int("steps", 10, "number of output intervals of a transient run")
	file, status := a.parse(args)
	if status != 0 {
		return status
	}
	if *order != 1 && *order != 2 {
		fmt.Fprintf(stderr, "mfc %s: --order %d: the refined mean field has orders 1 and 2\n", name, *order)
		return 2
	}
	mod, status := a.load(file, true)
	if mod == nil {
		return status
	}
	in := mod.Inputs()
	rep := &refineReport{Model: mod.IR.Name, N: in.Scale, Order: *order}
	for _, s := range mod.IR.Species {
		rep.Species = append(rep.Species, s.Name)
	}
	set := &refine.Settings{Order: *order}
	if *horizon > 0 {
		times := make([]float64, *steps+1)
		for k := range times {
			times[k] = *horizon * float64(k) / float64(*steps)
		}
		tr, err := refine.Transient(mod, in, times, set)
		if err != nil {
			return a.fail(err)
		}
		rep.Time, rep.X, rep.VT, rep.AT = tr.Times, tr.X, tr.V, tr.A
		for _, obs := range tr.Observables {
			rep.ObservablesT = append(rep.ObservablesT, observablesJS(obs, *order))
		}
	} else {
		res, err := refine.Stationary(mod, in, set)
		if err != nil {
			return a.fail(err)
		}
		rep.FixedPoint, rep.V, rep.A, rep.W, rep.Eigenvalues = res.X, res.V, res.A, res.W, eigenPairs(res.Eigenvalues)
		rep.Observables = observablesJS(res.Observables, *order)
	}
	return a.write(stdout, rep, func() string { return refineText(rep) }, func() string { return refineCSV(rep) })
}

// refineRow is one line of the tables: a value with its corrections.
func refineRow(mf, c1 float64, c2 []float64, i int, n float64) (r1, r2 float64) {
	r1 = mf + c1/n
	r2 = r1
	if c2 != nil {
		r2 += c2[i] / (n * n)
	}
	return r1, r2
}

func refineText(r *refineReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "model %s, N = %g, refined mean field of order %d\n", r.Model, r.N, r.Order)
	two := r.Order >= 2
	if r.Time != nil {
		if two {
			fmt.Fprintf(&b, "\n%-10s %-14s %14s %14s %14s %14s %14s\n", "t", "species", "mean field", "V", "A", "refined1", "refined2")
		} else {
			fmt.Fprintf(&b, "\n%-10s %-14s %14s %14s %14s\n", "t", "species", "mean field", "V", "refined")
		}
		for k, t := range r.Time {
			var at []float64
			if two {
				at = r.AT[k]
			}
			for i, s := range r.Species {
				r1, r2 := refineRow(r.X[k][i], r.VT[k][i], at, i, r.N)
				if two {
					fmt.Fprintf(&b, "%-10.4g %-14s %14.8g %14.8g %14.8g %14.8g %14.8g\n", t, s, r.X[k][i], r.VT[k][i], at[i], r1, r2)
				} else {
					fmt.Fprintf(&b, "%-10.4g %-14s %14.8g %14.8g %14.8g\n", t, s, r.X[k][i], r.VT[k][i], r1)
				}
			}
		}
		return b.String()
	}
	b.WriteString("\neigenvalues of the reduced Jacobian:" + eigenText(r.Eigenvalues))
	if two {
		fmt.Fprintf(&b, "\n\n%-20s %14s %14s %14s %14s %14s\n", "species", "mean field", "V", "A", "refined1", "refined2")
	} else {
		fmt.Fprintf(&b, "\n\n%-20s %14s %14s %14s\n", "species", "mean field", "V", "refined")
	}
	for i, s := range r.Species {
		r1, r2 := refineRow(r.FixedPoint[i], r.V[i], r.A, i, r.N)
		if two {
			fmt.Fprintf(&b, "%-20s %14.8g %14.8g %14.8g %14.8g %14.8g\n", s, r.FixedPoint[i], r.V[i], r.A[i], r1, r2)
		} else {
			fmt.Fprintf(&b, "%-20s %14.8g %14.8g %14.8g\n", s, r.FixedPoint[i], r.V[i], r1)
		}
	}
	if len(r.Observables) > 0 {
		if two {
			fmt.Fprintf(&b, "\n%-20s %14s %14s %14s %14s %14s\n", "observable", "mean field", "C (1/N)", "D (1/N²)", "refined1", "refined2")
		} else {
			fmt.Fprintf(&b, "\n%-20s %14s %14s %14s\n", "observable", "mean field", "C (1/N term)", "refined")
		}
		for _, o := range r.Observables {
			if two {
				fmt.Fprintf(&b, "%-20s %14.8g %14.8g %14.8g %14.8g %14.8g\n", o.Name, o.MeanField, o.C, *o.D, o.Refined1, *o.Refined2)
			} else {
				fmt.Fprintf(&b, "%-20s %14.8g %14.8g %14.8g\n", o.Name, o.MeanField, o.C, o.Refined1)
			}
		}
	}
	return b.String()
}

func refineCSV(r *refineReport) string {
	var b strings.Builder
	if r.Time != nil {
		b.WriteString("t,species,mean_field,V,A,refined1,refined2\n")
		for k, t := range r.Time {
			at := make([]float64, len(r.Species))
			if r.AT != nil {
				at = r.AT[k]
			}
			for i, s := range r.Species {
				r1, r2 := refineRow(r.X[k][i], r.VT[k][i], at, i, r.N)
				fmt.Fprintf(&b, "%.17g,%q,%.17g,%.17g,%.17g,%.17g,%.17g\n", t, s, r.X[k][i], r.VT[k][i], at[i], r1, r2)
			}
		}
		return b.String()
	}
	a := r.A
	if a == nil {
		a = make([]float64, len(r.Species))
	}
	b.WriteString("kind,name,mean_field,correction1,correction2,refined1,refined2\n")
	for i, s := range r.Species {
		r1, r2 := refineRow(r.FixedPoint[i], r.V[i], a, i, r.N)
		fmt.Fprintf(&b, "species,%q,%.17g,%.17g,%.17g,%.17g,%.17g\n", s, r.FixedPoint[i], r.V[i], a[i], r1, r2)
	}
	for _, o := range r.Observables {
		d, r2 := 0.0, o.Refined1
		if o.D != nil {
			d, r2 = *o.D, *o.Refined2
		}
		fmt.Fprintf(&b, "observable,%q,%.17g,%.17g,%.17g,%.17g,%.17g\n", o.Name, o.MeanField, o.C, d, o.Refined1, r2)
	}
	return b.String()
}
