package runtime

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mfcproject/mfc/autodiff"
	"github.com/mfcproject/mfc/compiler/ir"
)

// NewFieldVars compiles the nodes outs of g as a field over the variables vars (for
// example the densities and one parameter: autodiff.Join(autodiff.Densities(d),
// autodiff.Params(k))). Directions and Jacobian columns are over vars, in their order.
func NewFieldVars(g *ir.Graph, outs []ir.NodeID, vars autodiff.Vars) *Field {
	t := g.Compile(outs)
	jac := autodiff.NewJacobian(t, vars)
	return &Field{tape: t, vals: make([]float64, t.Len()), jac: jac, ws: jac.NewWorkspace()}
}

// ParamError says why a model cannot be differentiated with respect to a parameter.
type ParamError struct {
	Name, Why, Hint string
}

// Error implements the error interface.
func (e *ParamError) Error() string {
	return fmt.Sprintf("parameter '%s': %s (%s)", e.Name, e.Why, e.Hint)
}

// DiffParam returns the flat index of the scalar parameter name with respect to which the
// mean field of m can be differentiated, or a *ParamError: name is not a scalar numeric
// parameter, is structural (it fixes the model's shape), or the default of another
// parameter or of the scale reads it (their values, numbers fixed at compile time, would
// follow it, so a derivative through the graph alone would be wrong). When the model has
// conservation laws, whose totals the initial state fixes, a parameter the initial state
// reads is refused too: the totals are integer counts over N and change by steps.
func (m *Model) DiffParam(name string) (int, error) {
	var names []string
	var p *ir.Param
	for i := range m.IR.Params {
		q := &m.IR.Params[i]
		if q.Size == 1 && len(q.Shape) == 0 && !q.Bool && !q.Structural {
			names = append(names, q.Name)
		}
		if q.Name == name {
			p = q
		}
	}
	list := "the model has none"
	if len(names) > 0 {
		list = "one of " + strings.Join(names, ", ")
	}
	if sc := m.IR.Scale; sc != nil && sc.Name == name {
		return 0, &ParamError{name, "it is the scale, which the derivatives hold fixed", "name a parameter: " + list}
	}
	switch {
	case p == nil:
		return 0, &ParamError{name, "no such parameter", "name a parameter: " + list}
	case p.Bool:
		return 0, &ParamError{name, "it is a boolean", "name a numeric parameter: " + list}
	case len(p.Shape) > 0:
		return 0, &ParamError{name, "it is an array", "name a scalar parameter: " + list}
	case p.Structural:
		return 0, &ParamError{name, "it is structural (it fixes the model's shape at compile time)", "name a parameter: " + list}
	}
	// Parameters whose defaults read name, directly or through other defaults.
	follows := map[string]bool{name: true}
	for changed := true; changed; {
		changed = false
		for _, q := range m.IR.Params {
			if follows[q.Name] {
				continue
			}
			for _, r := range q.Reads {
				if follows[r] {
					follows[q.Name], changed = true, true
					break
				}
			}
		}
	}
	for _, q := range m.IR.Params {
		if q.Name != name && follows[q.Name] {
			return 0, &ParamError{name, fmt.Sprintf("the default of '%s' reads it", q.Name),
				fmt.Sprintf("give '%s' its value with --set %s=VALUE, or differentiate with respect to another parameter", q.Name, q.Name)}
		}
	}
	if sc := m.IR.Scale; sc != nil && slices.ContainsFunc(sc.Reads, func(r string) bool { return follows[r] }) {
		return 0, &ParamError{name, fmt.Sprintf("the default of the scale '%s' reads it", sc.Name),
			fmt.Sprintf("give the scale with --N or --set %s=VALUE", sc.Name)}
	}
	if len(m.IR.Conservation) > 0 {
		init := slices.ContainsFunc(m.IR.Init.DensityReads, func(r string) bool { return follows[r] })
		if !init && len(m.IR.Init.Counts) > 0 {
			f := NewFieldVars(m.IR.Graph, m.IR.Init.Counts, autodiff.Params(p.Offset))
			init = len(f.Pattern().Col) > 0
		}
		if init {
			return 0, &ParamError{name, "the initial state, which fixes the conserved totals in integer steps, reads it",
				"differentiate with respect to a rate parameter, or sweep this one with mfc sweep"}
		}
	}
	return p.Offset, nil
}

// ParamFields are the mean-field fields of a model over the densities and one parameter:
// directions and Jacobian columns have d + 1 entries, the last one the parameter's.
type ParamFields struct {
	Param                                             int // flat index
	Drift, Drift1, Drift2, Rates, Rates1, Observables *Field
}

// ParamFields returns the fields of m over the densities and the parameter of flat index k
// (from DiffParam). The model must have a mean field.
func (m *Model) ParamFields(k int) *ParamFields {
	g := m.IR.Graph
	d := m.Dim()
	vars := autodiff.Join(autodiff.Densities(d), autodiff.Params(k))
	mf := &m.IR.MeanField
	obs := make([]ir.NodeID, 0, 3*len(mf.Observables))
	for _, o := range mf.Observables {
		obs = append(obs, o[:]...)
	}
	return &ParamFields{Param: k,
		Drift:       NewFieldVars(g, mf.Drift[0], vars),
		Drift1:      NewFieldVars(g, mf.Drift[1], vars),
		Drift2:      NewFieldVars(g, mf.Drift[2], vars),
		Rates:       NewFieldVars(g, mf.Rates[0], vars),
		Rates1:      NewFieldVars(g, mf.Rates[1], vars),
		Observables: NewFieldVars(g, obs, vars),
	}
}
