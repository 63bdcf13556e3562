package runtime_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestCheckAssumption checks W801: w evaluated at states, a warning at the assumption that
// names the first state where w < 0 (or NaN) and counts the others; nil when w ≥ 0.
func TestCheckAssumption(t *testing.T) {
	t.Parallel()
	m := loadtest.Source(t, `param a = 2
species X as x
up: 0 -> X @ a
down: X -> 0 @ x
assume moment: stationary(x - 2) <= a / 4
assume stationary(x^2) <= 3`, compiler.Options{})
	mod := m.IR
	// w at the states x = 0..4, evaluated through the graph as the truncation code does.
	w := func(a int) []float64 {
		tp := mod.Graph.Compile([]ir.NodeID{mod.Assumptions[a].W})
		vals := make([]float64, tp.Len())
		out := make([]float64, 5)
		for x := range out {
			tp.Eval(vals, &ir.Inputs{Counts: []float64{float64(x)}, Params: mod.ParamValues})
			out[x] = tp.Output(vals, 0)
		}
		return out
	}
	state := func(k int) string { return fmt.Sprintf("X=%d", k) }
	d := runtime.CheckAssumption(mod, 0, w(0), state)
	if d == nil {
		t.Fatal("no W801 for w = x - 2, which is -2 at x = 0")
	}
	if d.Code != "W801" || d.Severity != diag.Warning || d.Pos.Line != 5 || d.Pos.Col != 1 ||
		d.Msg != "the function of assumption 'moment' is negative (-2) at X=0 (and at 1 more of the 5 explored states)" ||
		!strings.Contains(d.Hint, "'moment' are not certified") {
		t.Errorf("got %s\n    hint: %s", d.Error(), d.Hint)
	}
	if d := runtime.CheckAssumption(mod, 1, w(1), state); d != nil {
		t.Errorf("W801 for w = x^2 ≥ 0: %s", d.Error())
	}
	if d := runtime.CheckAssumption(mod, 1, []float64{1, math.NaN()}, state); d == nil || !strings.Contains(d.Msg, "is not a number (NaN) at X=1") {
		t.Errorf("NaN: got %v", d)
	}
	// The bounds: a/4 = 0.5 and 3.
	for a, want := range []float64{0.5, 3} {
		if c, err := runtime.AssumptionBound(mod, a); err != nil || c != want {
			t.Errorf("bound of assumption %d = %v, %v; want %v", a, c, err, want)
		}
	}
	neg := loadtest.Source(t, "param c = -1\nspecies X\nup: 0 -> X @ 1\ndown: X -> 0 @ X\nassume m: stationary(X) <= c", compiler.Options{})
	if _, err := runtime.AssumptionBound(neg.IR, 0); err == nil || !strings.Contains(err.Error(), "5:1: the bound of assumption 'm' is -1") {
		t.Errorf("negative bound: %v", err)
	}
}
