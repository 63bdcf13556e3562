package analysis

import (
	"fmt"
	"slices"
	"strings"
)

// Selector is a report whose rows (species, observables, measures) can be restricted to
// some names, as mfc's --only does for text and CSV.
type Selector interface {
	// Select returns a copy of the report with only the named rows, or an error naming
	// the names it does not have and listing those it has.
	Select(names []string) (Report, error)
}

// selection checks names against the report's and returns, for each list of the report's
// names, the indices kept.
func selection(names []string, lists ...[]string) ([][]int, error) {
	var all []string
	for _, l := range lists {
		all = append(all, l...)
	}
	for _, n := range names {
		if !slices.Contains(all, n) {
			return nil, usageErrorf("--only %s: the report has no row %q; it has %s", strings.Join(names, ","), n, abbreviateNames(all, 20))
		}
	}
	out := make([][]int, len(lists))
	for k, l := range lists {
		for i, n := range l {
			if slices.Contains(names, n) {
				out[k] = append(out[k], i)
			}
		}
	}
	return out, nil
}

func abbreviateNames(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + fmt.Sprintf(", … (%d in all)", len(names))
}

func pickMatrix(w [][]float64, idx []int) [][]float64 {
	if w == nil {
		return nil
	}
	out := make([][]float64, len(idx))
	for k, i := range idx {
		out[k] = pick(w[i], idx)
	}
	return out
}

func pick[T any](x []T, idx []int) []T {
	if x == nil {
		return nil
	}
	out := make([]T, len(idx))
	for k, i := range idx {
		out[k] = x[i]
	}
	return out
}

func observableNames(obs []ObservableValue) []string {
	var out []string
	for _, o := range obs {
		out = append(out, o.Name)
	}
	return out
}

// Select keeps the named species, observables and measures.
func (r *RefineReport) Select(names []string) (Report, error) {
	obs := r.Observables
	if len(r.ObservablesT) > 0 {
		obs = r.ObservablesT[0]
	}
	var ms []string
	for _, m := range r.Measures {
		ms = append(ms, m.Name)
	}
	sel, err := selection(names, r.Species, observableNames(obs), ms)
	if err != nil {
		return nil, err
	}
	sp, ob, me := sel[0], sel[1], sel[2]
	c := *r
	c.Species = pick(r.Species, sp)
	c.FixedPoint, c.V, c.A, c.W = pick(r.FixedPoint, sp), pick(r.V, sp), pick(r.A, sp), pickMatrix(r.W, sp)
	c.Observables = pick(r.Observables, ob)
	c.Measures = pick(r.Measures, me)
	c.X, c.VT, c.AT, c.WT, c.ObservablesT = nil, nil, nil, nil, nil
	for k := range r.X {
		c.X = append(c.X, pick(r.X[k], sp))
		c.VT = append(c.VT, pick(r.VT[k], sp))
		if r.AT != nil {
			c.AT = append(c.AT, pick(r.AT[k], sp))
		}
		if r.WT != nil {
			c.WT = append(c.WT, pickMatrix(r.WT[k], sp))
		}
	}
	for _, o := range r.ObservablesT {
		c.ObservablesT = append(c.ObservablesT, pick(o, ob))
	}
	if r.Sensitivity != nil {
		c.Sensitivity = map[string]*SensitivityValue{}
		for p, sv := range r.Sensitivity {
			c.Sensitivity[p] = &SensitivityValue{FixedPoint: pick(sv.FixedPoint, sp), V: pick(sv.V, sp), A: pick(sv.A, sp), Observables: pick(sv.Observables, ob)}
		}
	}
	return &c, nil
}

// Select keeps the named species and observables.
func (r *ODEReport) Select(names []string) (Report, error) {
	var on []string
	for _, o := range r.Observables {
		on = append(on, o.Name)
	}
	sel, err := selection(names, r.Species, on)
	if err != nil {
		return nil, err
	}
	c := *r
	c.Species = pick(r.Species, sel[0])
	c.X = nil
	for _, x := range r.X {
		c.X = append(c.X, pick(x, sel[0]))
	}
	c.Observables = pick(r.Observables, sel[1])
	return &c, nil
}
