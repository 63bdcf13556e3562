package autodiff

import (
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/stdlib"
)

// Unbounded is the degree Degree reports for an output that is not a polynomial of bounded
// degree in the variables (a smooth built-in of a varying argument, a varying exponent, a
// quotient by a varying denominator, a power with a non-integer or negative exponent).
const Unbounded = 1 << 30

// Degree returns an upper bound on the polynomial degree in the variables of every output
// of jac's tape at in: the largest degree of the outputs, with Unbounded for an output
// that is not a polynomial there. Every jet coefficient of order above it is exactly 0 in
// the sweeps of this package, so that the derivatives of those orders (D³F for a degree
// ≤ 2, say) need no sweeps. The degree is taken as the sweeps see the tape: leaves of the
// variables 1, other leaves 0; sums the maximum, products the sum of their factors'; a
// quotient by a denominator that does not vary and a negation that of their operand; a
// power with an exponent that does not vary and whose value at in is an integer p ≥ 0 is p
// times its base's; a selection the larger of its two branches (either may be the one
// taken); step functions, comparisons and logic 0. The exponent's value is read at in, so
// the bound holds at that point (the parameters' values matter, not the densities'). Cost:
// one evaluation of the tape and one pass over it, O(len(tape.Args)).
func Degree(jac *Jacobian, ws *Workspace, in *ir.Inputs) int {
	jac.check(ws)
	t := ws.tape
	t.Eval(ws.val, in)
	if len(ws.deg) < len(t.Code) {
		ws.deg = make([]int, len(t.Code))
	}
	deg, val := ws.deg[:len(t.Code)], ws.val
	for s := range t.Code {
		ins := &t.Code[s]
		a := t.Args[ins.Lo:ins.Hi]
		g := 0
		switch ins.Op {
		case ir.OpParam, ir.OpCount, ir.OpDensity, ir.OpTime:
			if ws.varOf[s] >= 0 {
				g = 1
			}
		case ir.OpAdd:
			for _, j := range a {
				g = max(g, deg[j])
			}
		case ir.OpMul:
			for _, j := range a {
				g = min(Unbounded, g+deg[j])
			}
		case ir.OpNeg:
			g = deg[a[0]]
		case ir.OpDiv:
			g = deg[a[0]]
			if deg[a[1]] > 0 {
				g = Unbounded
			}
		case ir.OpPow:
			switch p := val[a[1]]; {
			case deg[a[0]] == 0 && deg[a[1]] == 0:
			case deg[a[1]] > 0 || p < 0 || !isInt(p) || p > Unbounded:
				g = Unbounded
			default:
				g = int(min(float64(Unbounded), p*float64(deg[a[0]])))
			}
		case ir.OpFn:
			b := stdlib.Fn(ins.Aux).Builtin()
			if b.Kind == stdlib.Step || b.Jet == nil {
				break
			}
			for _, j := range a {
				if deg[j] > 0 {
					g = Unbounded
				}
			}
		case ir.OpSelect:
			g = max(deg[a[1]], deg[a[2]])
		}
		deg[s] = g
	}
	out := 0
	for _, s := range t.Out {
		out = max(out, deg[s])
	}
	return out
}
