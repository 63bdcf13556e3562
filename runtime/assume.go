package runtime

import (
	"fmt"
	"math"
	"strconv"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
)

// CheckAssumption checks the function w of assumption number a of m (docs/language.md §5.7)
// at the explored states: values[k] is w at state k, and state(k) formats state k as
// name=value pairs (ctmc.Chain.StateString). An assumption stationary(w) <= c bounds the mass
// outside {w < r} by c/r only for w ≥ 0, so a negative (or NaN) value is warning W801, at the
// assumption, naming the first such state and counting the others; the caller reports the
// bounds that use the assumption as not certified. It returns nil when w ≥ 0 at every state.
// Cost: O(len(values)).
func CheckAssumption(m *ir.Model, a int, values []float64, state func(k int) string) *diag.Diagnostic {
	as := m.Assumptions[a]
	first, bad := -1, 0
	for k, v := range values {
		if v >= 0 {
			continue
		}
		if first < 0 {
			first = k
		}
		bad++
	}
	if first < 0 {
		return nil
	}
	more := ""
	if bad > 1 {
		more = fmt.Sprintf(" (and at %d more of the %d explored states)", bad-1, len(values))
	}
	what := "negative"
	if math.IsNaN(values[first]) {
		what = "not a number"
	}
	return diag.Warnf(as.Pos, "W801",
		"the tail bound c/r of stationary(w) <= c needs w >= 0; results that use '"+as.Label+"' are not certified",
		"the function of assumption '%s' is %s (%s) at %s%s", as.Label, what, strconv.FormatFloat(values[first], 'g', 10, 64), state(first), more)
}

// AssumptionBound returns the bound c of assumption number a of m at the model's parameters
// and scale. It is an error for c to be NaN, infinite or negative (no law of a function
// w ≥ 0 has a negative mean). Cost: O(size of c's expression).
func AssumptionBound(m *ir.Model, a int) (float64, error) {
	as := m.Assumptions[a]
	t := m.Graph.Compile([]ir.NodeID{as.C})
	vals := make([]float64, t.Len())
	in := &ir.Inputs{Params: m.ParamValues}
	if m.Scale != nil {
		in.Scale = m.Scale.Value
	}
	t.Eval(vals, in)
	c := t.Output(vals, 0)
	if math.IsNaN(c) || math.IsInf(c, 0) || c < 0 {
		return c, fmt.Errorf("%s: the bound of assumption '%s' is %v; it must be a finite number >= 0 (check the parameters it reads)", as.Pos.String(), as.Label, c)
	}
	return c, nil
}
