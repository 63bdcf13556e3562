package compiler

import (
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/compiler/series"
	"github.com/mfcproject/mfc/lang/diag"
)

// wholeModelPos is where a problem of the whole model is reported: the name in the 'model'
// header, else the first transition, else the first line.
func (c *compiler) wholeModelPos() diag.Pos {
	switch {
	case c.modelPos.IsValid():
		return c.modelPos
	case len(c.model.Transitions) > 0:
		return c.model.Transitions[0].Pos
	}
	return diag.Pos{File: c.file, Line: 1, Col: 1}
}

// meanField runs the N-expansion of docs/language.md §6.8 for continuous-time models with a scale: β₀,
// β₁, β₂ and the flags of every transition instance, and the series of every observable.
// Problems (E602–E604) are errors for mean-field analyses, kept in Model.MeanField, and
// warnings in a plain compile, because declaring a scale signals intent.
func (c *compiler) meanField() {
	m := c.model
	mf := &m.MeanField
	switch {
	case m.Scale == nil:
		mf.Diagnostics.Add(diag.Errorf(c.wholeModelPos(), "E601", "declare 'scale N = ...' and write each propensity as N × (density rate)",
			"mean-field analysis needs a 'scale' declaration"))
		return
	case c.discrete:
		mf.Diagnostics.Add(diag.Errorf(c.timePos, "E601", "mean-field analyses are for continuous-time models",
			"mean-field analysis needs continuous time; this model is discrete"))
		return
	case len(m.Species) == 0:
		mf.Diagnostics.Add(diag.Errorf(m.Scale.Pos, "E601", "declare the populations with 'species'",
			"mean-field analysis needs at least one species"))
		return
	}
	x := series.New(c.g, c.names())
	report := func(d *diag.Diagnostic) {
		if d.Severity == diag.Error {
			mf.Diagnostics.Add(d)
			w := *d
			w.Severity = diag.Warning
			c.errs.Add(&w)
			return
		}
		c.errs.Add(d)
	}
	for i := range m.Transitions {
		t := &m.Transitions[i]
		p, d := x.Propensity(t.Propensity, t.Label, t.RatePos)
		if d != nil {
			report(d)
			continue
		}
		t.Density = &p.Density
		if p.Order >= 0 {
			if changesEnv(t) {
				report(diag.Errorf(t.Pos, "E604", "multiply the propensity by "+m.Scale.Name,
					"'%s' changes the environment at rate O(1); the fast environment needs rate O(%s)", t.Label, m.Scale.Name))
			} else {
				report(series.NoDrift(t.Label, t.Pos))
			}
			continue
		}
		if !p.Smooth {
			report(series.NonSmooth(c.g, t.Label, t.Pos, p.Rough, t.GuardPos))
		}
	}
	for i := range m.Observables {
		o := &m.Observables[i]
		s, d := x.Observable(o.Node)
		if d != nil {
			continue // an observable without a 1/N expansion is reported when an analysis needs it
		}
		o.Series = &s
	}
	mf.Available = !mf.Diagnostics.HasErrors()
	if mf.Available {
		assembleMeanField(m)
	}
}

// assembleMeanField adds the nodes F_k = Σ_j ℓ_j β_k,j, the rate lists and the shifted
// observable coefficients to the graph (ir.MeanField).
func assembleMeanField(m *ir.Model) {
	g := m.Graph
	d := len(m.Species)
	mf := &m.MeanField
	for k := 0; k < 3; k++ {
		terms := make([][]ir.NodeID, d)
		for _, t := range m.Transitions {
			if k < 2 {
				mf.Rates[k] = append(mf.Rates[k], t.Density.Beta[k])
			}
			if g.IsZero(t.Density.Beta[k]) {
				continue
			}
			for _, j := range t.Jump {
				terms[j.Species] = append(terms[j.Species], g.Mul(g.Const(float64(j.Delta)), t.Density.Beta[k]))
			}
		}
		mf.Drift[k] = make([]ir.NodeID, d)
		for i := range mf.Drift[k] {
			mf.Drift[k][i] = g.Add(terms[i]...)
		}
	}
	mf.ObservableScaled = make([]bool, len(m.Observables))
	mf.Observables = make([][3]ir.NodeID, len(m.Observables))
	for i, o := range m.Observables {
		scaled := o.Series != nil && o.Series.Order >= 0
		mf.ObservableScaled[i] = scaled
		for k := 0; k < 3; k++ {
			// Coef[k] is the coefficient of h^(Order+k); shift to h^0, h^1, h^2.
			node := g.Const(0)
			if scaled {
				if idx := k - o.Series.Order; idx >= 0 && idx < 3 {
					node = o.Series.Coef[idx]
				}
			}
			mf.Observables[i][k] = node
		}
	}
}

func changesEnv(t *ir.Transition) bool {
	for _, mv := range t.Moves {
		if mv.From != mv.To {
			return true
		}
	}
	return false
}
