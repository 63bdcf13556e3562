package compiler

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/stdlib"
)

// builtinArgs are the argument values of TestBuiltinTable; a function not listed takes
// 0.7, 1.9, 0.4, … (a condition: a0 > 0.5 for the first value, and a Count argument 3).
var builtinArgs = map[string][]float64{
	"abs":         {-0.7},
	"choose":      {4.5, 3},
	"ff":          {4.5, 3},
	"poisson_pmf": {3, 1.3},
	"poisson_cdf": {3, 1.3},
}

// TestBuiltinTable compiles one call of every entry of the stdlib table, with its
// arguments as parameters (so that nothing folds at compile time), three arguments for a
// variadic function, and compares the value through the IR tape with the table's Eval.
func TestBuiltinTable(t *testing.T) {
	for _, f := range stdlib.All() {
		b := f.Builtin()
		if b.Kind == stdlib.Model {
			continue // drift: an operator of the model, tested in TestDrift
		}
		n := len(b.Args)
		if b.Variadic {
			n++
		}
		vals := builtinArgs[b.Name]
		if vals == nil {
			vals = []float64{0.7, 1.9, 0.4}[:n]
		}
		var params, args []string
		want := make([]float64, n)
		for i := 0; i < n; i++ {
			switch b.Arg(i).Type {
			case stdlib.Num:
				params = append(params, fmt.Sprintf("a%d = %v", i, vals[i]))
				args = append(args, fmt.Sprintf("a%d", i))
				want[i] = vals[i]
			case stdlib.Cond:
				params = append(params, fmt.Sprintf("a%d = %v", i, vals[i]))
				args = append(args, fmt.Sprintf("a%d > 0.5", i))
				want[i] = b2f(vals[i] > 0.5)
			case stdlib.Count:
				args = append(args, fmt.Sprint(vals[i]))
				want[i] = vals[i]
			}
		}
		src := fmt.Sprintf("param %s\nspecies S\nobservable o = %s(%s)\nS -> 0 @ S\n",
			strings.Join(params, ", "), b.Name, strings.Join(args, ", "))
		m, ds := CompileSource("t.mf", []byte(src), Options{})
		if m == nil || ds.HasErrors() {
			t.Errorf("%s: not accepted:\n%s\n%s", b.Name, src, ds.Error())
			continue
		}
		node := m.Observables[0].Node
		if _, folded := m.Graph.IsConst(node); folded {
			t.Errorf("%s: folded at compile time; the test does not reach the tape", b.Name)
		}
		got := evalNode(m, node, []float64{0}, nil)
		exp := b.Eval(want)
		if math.Abs(got-exp) > 1e-14*math.Max(1, math.Abs(exp)) {
			t.Errorf("%s%v: tape %v, table %v", b.Name, want, got, exp)
		}
		if b.Kind != stdlib.Macro && m.Graph.Node(node).Op != ir.OpFn {
			t.Errorf("%s: a smooth or step built-in that is not a call node", b.Name)
		}
	}
}
