package autodiff

import (
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/stdlib"
)

// Unbounded is the degree Polynomial reports for an output that is not a polynomial of bounded
// degree in the variables (a smooth built-in of a varying argument, a varying exponent, a
// quotient by a varying denominator, a power with a non-integer or negative exponent).
const Unbounded = 1 << 30

// Polynomial returns an upper bound deg on the polynomial degree in the variables of every
// output of jac's tape at in (Unbounded for an output that is not a polynomial there), and
// whether the outputs are single polynomials in the variables (global): no selection
// condition and no argument of a step function or comparison reads a variable, so the
// derivatives of order deg are the same at every value of the variables (a constant
// Hessian for deg ≤ 2), given the other inputs.
//
// Every jet coefficient of order above deg is exactly 0 in the sweeps of this package, so
// that the derivatives of those orders (D³F for a degree ≤ 2, say) need no sweeps. The
// degree is taken as the sweeps see the tape: leaves of the variables 1, other leaves 0;
// sums the maximum, products the sum of their factors'; a quotient by a denominator that
// does not vary and a negation that of their operand; a power with an exponent that does
// not vary and whose value at in is an integer p ≥ 0 is p times its base's; a selection
// the larger of its two branches (either may be the one taken); step functions,
// comparisons and logic 0. Both results depend on the inputs other than the variables
// only (the exponents' values), not on the variables' values. Cost: one evaluation of the
// tape and one pass over it, O(len(tape.Args)).
func Polynomial(jac *Jacobian, ws *Workspace, in *ir.Inputs) (deg int, global bool) {
	jac.check(ws)
	t := ws.tape
	ws.eval(in) // through the workspace, so that its record of the fixed inputs stays true
	if len(ws.deg) < len(t.Code) {
		ws.deg = make([]int, len(t.Code))
		ws.piece = make([]uint8, len(t.Code))
	}
	// piece[s]: bit 1, slot s reads a variable (through any operand, conditions included);
	// bit 2, its coefficients change with the variables (a branch or a step taken by them).
	const reads, piecewise = 1, 2
	degs, val, piece := ws.deg[:len(t.Code)], ws.val, ws.piece[:len(t.Code)]
	for s := range t.Code {
		ins := &t.Code[s]
		a := t.Args[ins.Lo:ins.Hi]
		g := 0
		var pc uint8
		for _, j := range a {
			pc |= piece[j]
		}
		switch ins.Op {
		case ir.OpParam, ir.OpCount, ir.OpDensity, ir.OpTime:
			if ws.varOf[s] >= 0 {
				g, pc = 1, reads
			}
		case ir.OpAdd:
			for _, j := range a {
				g = max(g, degs[j])
			}
		case ir.OpMul:
			for _, j := range a {
				g = min(Unbounded, g+degs[j])
			}
		case ir.OpNeg:
			g = degs[a[0]]
		case ir.OpDiv:
			g = degs[a[0]]
			if degs[a[1]] > 0 {
				g = Unbounded
			}
		case ir.OpPow:
			switch p := val[a[1]]; {
			case degs[a[0]] == 0 && degs[a[1]] == 0:
			case degs[a[1]] > 0 || p < 0 || !isInt(p) || p > Unbounded:
				g = Unbounded
			default:
				g = int(min(float64(Unbounded), p*float64(degs[a[0]])))
			}
		case ir.OpFn:
			b := stdlib.Fn(ins.Aux).Builtin()
			if b.Kind == stdlib.Step || b.Jet == nil {
				if pc&reads != 0 {
					pc |= piecewise
				}
				break
			}
			for _, j := range a {
				if degs[j] > 0 {
					g = Unbounded
				}
			}
		case ir.OpSelect:
			g = max(degs[a[1]], degs[a[2]])
			if piece[a[0]]&reads != 0 {
				pc |= piecewise
			}
		case ir.OpCmp, ir.OpAnd, ir.OpOr, ir.OpNot:
			if pc&reads != 0 {
				pc |= piecewise
			}
		}
		degs[s], piece[s] = g, pc
	}
	global = true
	for _, s := range t.Out {
		deg = max(deg, degs[s])
		global = global && piece[s]&piecewise == 0
	}
	return deg, global
}
