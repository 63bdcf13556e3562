package analysis

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/meanfield"
)

// MeasureValue is a measure of the model (docs/language.md §6.10) by the refined mean field:
// its mean-field value and its refined values of orders 1 and 2, or, where the mean field
// does not give it, null values and a note saying why.
type MeasureValue struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	MeanField Maybe  `json:"mean_field"`
	Refined1  Maybe  `json:"refined1"`
	Refined2  Maybe  `json:"refined2"`
	Note      string `json:"note,omitempty"`
}

// maxOrder2Trajectory is the most species for which run integrates the order-2 refined
// trajectory of a transient measure: beyond, the d³ third moments make it take seconds to
// minutes (JSQ with 100 levels: over a minute), and run uses order 1 and says so.
const maxOrder2Trajectory = 30

// refineMeasures evaluates the model's measures from the refined mean field: a stationary
// measure of an observable is the observable's stationary refined value (rep), a transient
// one its refined value at the measure's time (one refined trajectory per distinct time);
// the other kinds, and measures of expressions that are not observables, have no
// mean-field value.
func refineMeasures(ctx context.Context, mod *runtime.Model, in *ir.Inputs, rep *RefineReport, order int) ([]MeasureValue, error) {
	ms := mod.IR.Measures
	if len(ms) == 0 {
		return nil, nil
	}
	obsOf := map[ir.NodeID]string{}
	for _, o := range mod.IR.Observables {
		obsOf[o.Node] = o.Name
	}
	find := func(obs []ObservableValue, name string) *ObservableValue {
		for i := range obs {
			if obs[i].Name == name {
				return &obs[i]
			}
		}
		return nil
	}
	set := func(mv *MeasureValue, o *ObservableValue) {
		mv.MeanField, mv.Refined1 = Known(o.MeanField), Known(o.Refined1)
		if o.Refined2 != nil {
			mv.Refined2 = Known(*o.Refined2)
		} else {
			mv.Refined2 = Missing("order 1")
		}
	}
	missing := func(mv *MeasureValue, why string) {
		mv.MeanField, mv.Refined1, mv.Refined2, mv.Note = Missing(why), Missing(why), Missing(why), why
	}
	// The times of the transient measures, evaluated once.
	consts := map[float64][]ObservableValue{}
	var out []MeasureValue
	for _, m := range ms {
		mv := MeasureValue{Name: m.Name, Kind: m.Kind.String()}
		name, ok := obsOf[m.Args[0]]
		switch {
		case !ok:
			missing(&mv, "its argument is not a declared observable, whose 1/N expansion the mean field has; mfc exact computes it")
		case m.Kind == ir.Stationary:
			if o := find(rep.Observables, name); o != nil {
				set(&mv, o)
			} else {
				missing(&mv, fmt.Sprintf("'%s' is an observable of the counts, not of the densities", name))
			}
		case m.Kind == ir.Transient:
			tape := mod.IR.Graph.Compile([]ir.NodeID{m.Args[1]})
			vals := make([]float64, tape.Len())
			tape.Eval(vals, in)
			tt := tape.Output(vals, 0)
			if !(tt >= 0) || math.IsInf(tt, 0) {
				missing(&mv, fmt.Sprintf("its time %g is not a finite non-negative time", tt))
				break
			}
			obs, done := consts[tt]
			if !done {
				o := order
				if o > 1 && mod.Dim() > maxOrder2Trajectory {
					o = 1
				}
				tr, err := meanfield.Transient(ctx, mod, in, []float64{0, tt}, o)
				if err != nil {
					return nil, fmt.Errorf("measure '%s': the refined trajectory to t = %g: %w", m.Name, tt, err)
				}
				obs = observableValues(tr.Observables[len(tr.Observables)-1], tr.Order)
				consts[tt] = obs
			}
			if o := find(obs, name); o != nil {
				set(&mv, o)
				if order > 1 && o.Refined2 == nil && mod.Dim() > maxOrder2Trajectory {
					mv.Refined2 = Missing("order-2 trajectory not computed")
					mv.Note = fmt.Sprintf("refined2 not computed: the order-2 trajectory of %d species carries their third moments (%d³ unknowns); mfc refine --order 2 --t %g computes it", mod.Dim(), mod.Dim(), tt)
				}
			} else {
				missing(&mv, fmt.Sprintf("'%s' is an observable of the counts, not of the densities", name))
			}
		default:
			missing(&mv, fmt.Sprintf("the refined mean field has no %s measures; mfc exact computes them", m.Kind))
		}
		out = append(out, mv)
	}
	return out, nil
}

// measuresText writes the measures as a table.
func measuresText(b *strings.Builder, ms []MeasureValue) {
	if len(ms) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%-20s %-11s %16s %16s %16s\n", "measure", "kind", "mean field", "refined1", "refined2")
	for _, m := range ms {
		fmt.Fprintf(b, "%-20s %-11s %16s %16s %16s\n", m.Name, m.Kind, maybeText(m.MeanField), maybeText(m.Refined1), maybeText(m.Refined2))
	}
	for _, m := range ms {
		if m.Note != "" {
			fmt.Fprintf(b, "%s: %s\n", m.Name, m.Note)
		}
	}
}

func maybeText(m Maybe) string {
	if !m.OK() {
		return "—"
	}
	return fmt.Sprintf("%.10g", m.Value)
}

// maybeCSV prints a value for CSV, or nothing.
func maybeCSV(m Maybe) string {
	if !m.OK() {
		return ""
	}
	return fmt.Sprintf("%.10g", m.Value)
}
