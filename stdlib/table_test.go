package stdlib

import (
	"math"
	"os/exec"
	"strings"
	"testing"
)

// points are the argument tuples at which the table's rules are checked, chosen at least
// 0.3 away from singularities and jumps (the finite-difference stencil spans ±0.24). A new
// built-in needs a row here.
var points = map[string][][]float64{
	"exp":         {{-1.3}, {0}, {0.4}, {2.1}},
	"log":         {{0.9}, {1.5}, {4}},
	"sqrt":        {{0.8}, {2}, {9}},
	"sin":         {{-1}, {0}, {0.4}, {2.5}},
	"cos":         {{-1}, {0}, {0.4}, {2.5}},
	"tan":         {{-0.7}, {0}, {0.3}, {0.6}},
	"tanh":        {{-1.5}, {0}, {0.1}, {2}},
	"pow":         {{0.7, 1.9}, {2.5, -0.3}, {1.2, 3}},
	"abs":         {{-0.7}, {1.3}},
	"min":         {{0.7, 1.9, 0.4}, {-1, 2, 3.5}},
	"max":         {{0.7, 1.9, 0.4}, {-1, 2, 3.5}},
	"floor":       {{0.5}, {-2.4}, {3.7}},
	"ceil":        {{0.5}, {-2.4}, {3.7}},
	"ind":         {{0}, {1}},
	"choose":      {{4.5, 3}, {-1.2, 2}, {7, 0}},
	"ff":          {{4.5, 3}, {-1.2, 2}, {7, 0}},
	"poisson_pmf": {{0, 0.5}, {2, 1.3}, {5, 3}, {3, 8}},
	"poisson_cdf": {{0, 0.5}, {2, 1.3}, {5, 3}, {3, 8}},
}

// TestEntries checks that every entry is complete for its kind and found by its name.
func TestEntries(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range All() {
		b := f.Builtin()
		if b.Name == "" || b.Doc == "" || !strings.HasPrefix(b.Doc, b.Name+"(") || len(b.Args) == 0 {
			t.Errorf("%d: name %q, doc %q, %d arguments", f, b.Name, b.Doc, len(b.Args))
		}
		if g, ok := Lookup(b.Name); !ok || g != f || seen[b.Name] {
			t.Errorf("%s: Lookup gives %v, %v (or the name is used twice)", b.Name, g, ok)
		}
		seen[b.Name] = true
		if b.Kind == Model {
			// An operator of the model (drift): the compiler builds it; no rule applies.
			if b.Eval1 != nil || b.Eval2 != nil || b.Jet != nil || b.Taylor != nil || b.Lower != nil {
				t.Errorf("%s: a model function has no evaluation or rewriting rule", b.Name)
			}
			continue
		}
		if (b.Eval1 != nil) != (len(b.Args) == 1) || (b.Eval2 != nil) != (len(b.Args) == 2) {
			t.Errorf("%s: Eval1 for one argument, Eval2 for two (variadic: a fold)", b.Name)
		}
		smooth, step, macro := b.Kind == Smooth, b.Kind == Step, b.Kind == Macro
		if (b.Jet != nil) != smooth || (b.Taylor != nil) != smooth || (b.Lower != nil) != macro || (b.SingularAtZero && !smooth) {
			t.Errorf("%s: the rules do not match its kind %d", b.Name, b.Kind)
		}
		// Calls of smooth and step functions stay on the tape: one or two numbers, the
		// variable last, at most one parameter before it (JetRule takes one).
		if (smooth || step) && (b.Variadic || b.Params > 1 || b.Params != len(b.Args)-1) {
			t.Errorf("%s: %d parameters, %d arguments, variadic %v", b.Name, b.Params, len(b.Args), b.Variadic)
		}
		for _, a := range b.Args {
			if a.Type != Num && !macro {
				t.Errorf("%s: argument %s of type %d is only for macros", b.Name, a.Name, a.Type)
			}
		}
		if points[b.Name] == nil {
			t.Errorf("%s: no test points", b.Name)
		}
	}
}

// fdWeights returns w[m][i], the weights of the m-th derivative at 0 from values at the
// nodes z, m ≤ M (Fornberg, Math. Comp. 51 (1988) 699–706).
func fdWeights(z []float64, M int) [][]float64 {
	n := len(z)
	c := make([][]float64, M+1)
	for m := range c {
		c[m] = make([]float64, n)
	}
	c[0][0] = 1
	c1, c4 := 1.0, z[0]
	for i := 1; i < n; i++ {
		mn := min(i, M)
		c2, c5 := 1.0, c4
		c4 = z[i]
		for j := 0; j < i; j++ {
			c3 := z[i] - z[j]
			c2 *= c3
			if j == i-1 {
				for k := mn; k >= 1; k-- {
					c[k][i] = c1 * (float64(k)*c[k-1][i-1] - c5*c[k][i-1]) / c2
				}
				c[0][i] = -c1 * c5 * c[0][i-1] / c2
			}
			for k := mn; k >= 1; k-- {
				c[k][j] = (c4*c[k][j] - float64(k)*c[k-1][j]) / c3
			}
			c[0][j] = c4 * c[0][j] / c3
		}
		c1 = c2
	}
	return c
}

// taylorFD returns f^{(m)}(0)/m!, m = 0..MaxOrder, of g by a 13-point central stencil of
// step h. For an analytic g the truncation error is O(h^{13−m}); the rounding error is
// about ε·|g|/h^m, 1e-11 for m = 4 and 1e-9 for m = 5 at h = 0.04 (times the weights).
func taylorFD(g func(s float64) float64, h float64) (c Jet) {
	const half = 6
	z := make([]float64, 2*half+1)
	for i := range z {
		z[i] = float64(i-half) * h
	}
	w := fdWeights(z, MaxOrder)
	for m := 0; m <= MaxOrder; m++ {
		for i, zi := range z {
			c[m] += w[m][i] * g(zi)
		}
		c[m] /= Factorial(m)
	}
	return c
}

func close(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// TestJetRules checks the jet rule of every smooth built-in, orders 0..MaxOrder, against finite
// differences of its Eval along the variable (the last argument), and that a step
// built-in is constant around its points (derivative 0).
func TestJetRules(t *testing.T) {
	for _, f := range All() {
		b := f.Builtin()
		if b.Kind == Macro {
			continue
		}
		for _, x := range points[b.Name] {
			last := len(x) - 1
			at := func(s float64) float64 {
				y := append([]float64(nil), x...)
				y[last] += s
				return b.Eval(y)
			}
			want := taylorFD(at, 0.04)
			var got Jet
			if b.Kind == Smooth {
				var p float64
				if b.Params > 0 {
					p = x[0]
				}
				got = b.Jet(Jet{x[last], 1}, p, b.Eval(x), MaxOrder)
			} else {
				got[0] = b.Eval(x)
			}
			for m := range got {
				// The stencil's own error grows with the order: at m = 5 it is about
				// 2e-6 relative (log at 0.9: the stencil gives 0.3387010699 where
				// the exact c_5 = 1/(5·0.9⁵) = 0.3387017562, which the rule returns).
				tol := 1e-7
				if m == 5 {
					tol = 1e-5
				}
				if !close(got[m], want[m], tol) {
					t.Errorf("%s%v: c_%d = %.15g, finite differences %.15g", b.Name, x, m, got[m], want[m])
				}
			}
		}
	}
}

// TestTaylorTerms checks that the symbolic Taylor terms of every smooth built-in, which
// compiler/series builds as graph nodes, evaluate to the coefficients of its jet rule, and
// that SingularAtZero holds exactly when a term divides by a power of a₀.
func TestTaylorTerms(t *testing.T) {
	for _, f := range All() {
		b := f.Builtin()
		if b.Kind != Smooth {
			continue
		}
		negative := false
		var terms []Term
		for _, x := range points[b.Name] {
			last := len(x) - 1
			var p float64
			if b.Params > 0 {
				p = x[0]
			}
			jet := b.Jet(Jet{x[last], 1}, p, b.Eval(x), MaxOrder)
			for j := 0; j <= MaxOrder; j++ {
				terms = b.Taylor(terms[:0], j)
				var s float64
				for _, tm := range terms {
					v := tm.Coef * math.Pow(x[last], float64(tm.ArgPow))
					if tm.FnPow != 0 {
						y := append([]float64(nil), x...)
						if b.Params > 0 {
							y[0] -= tm.Shift
						}
						v *= math.Pow(tm.Fn.Eval(y), float64(tm.FnPow))
					}
					s += v
					negative = negative || tm.ArgPow < 0
				}
				if !close(s, jet[j], 1e-12) {
					t.Errorf("%s%v: Taylor terms of order %d give %.15g, the jet rule %.15g", b.Name, x, j, s, jet[j])
				}
			}
		}
		if negative != b.SingularAtZero {
			t.Errorf("%s: SingularAtZero is %v, but a term divides by a power of a₀: %v", b.Name, b.SingularAtZero, negative)
		}
	}
}

// dual is a value and its derivative along one direction.
type dual struct{ v, d float64 }

// dualBuilder runs a lowering rule on dual numbers: nodes index its slice.
type dualBuilder struct{ n []dual }

func (b *dualBuilder) add(x dual) Node      { b.n = append(b.n, x); return Node(len(b.n) - 1) }
func (b *dualBuilder) Const(v float64) Node { return b.add(dual{v, 0}) }
func (b *dualBuilder) Neg(a Node) Node      { return b.add(dual{-b.n[a].v, -b.n[a].d}) }
func (b *dualBuilder) Sub(x, y Node) Node {
	return b.add(dual{b.n[x].v - b.n[y].v, b.n[x].d - b.n[y].d})
}
func (b *dualBuilder) Mul(a ...Node) Node {
	r := dual{1, 0}
	for _, x := range a {
		r = dual{r.v * b.n[x].v, r.d*b.n[x].v + r.v*b.n[x].d}
	}
	return b.add(r)
}
func (b *dualBuilder) Pow(x, y Node) Node {
	a, e := b.n[x], b.n[y]
	v := Pow(a.v, e.v)
	d := e.v * Pow(a.v, e.v-1) * a.d
	if e.d != 0 {
		d += v * math.Log(a.v) * e.d
	}
	return b.add(dual{v, d})
}
func (b *dualBuilder) Compare(op string, x, y Node) Node {
	u, v := b.n[x].v, b.n[y].v
	r := map[string]bool{"==": u == v, "!=": u != v, "<": u < v, "<=": u <= v, ">": u > v, ">=": u >= v}
	return b.Const(b2f(r[op]))
}
func (b *dualBuilder) Select(c, x, y Node) Node {
	if b.n[c].v != 0 {
		return x
	}
	return y
}

func b2f(ok bool) float64 {
	if ok {
		return 1
	}
	return 0
}

// TestLowerRules runs the lowering rule of every macro on dual numbers: its value must be
// the table's Eval, and its derivative along each number argument (the derivative
// autodiff computes on the lowered graph) that of finite differences of Eval.
func TestLowerRules(t *testing.T) {
	for _, f := range All() {
		b := f.Builtin()
		if b.Kind != Macro {
			continue
		}
		for _, x := range points[b.Name] {
			for i := range x {
				if b.Arg(i).Type != Num {
					continue
				}
				bl := &dualBuilder{}
				var nodes []Node
				k := 0
				for j, v := range x {
					switch {
					case b.Arg(j).Type == Count:
						k = int(v)
					case j == i:
						nodes = append(nodes, bl.add(dual{v, 1}))
					default:
						nodes = append(nodes, bl.Const(v))
					}
				}
				got := bl.n[b.Lower(bl, nodes, k)]
				at := func(s float64) float64 {
					y := append([]float64(nil), x...)
					y[i] += s
					return b.Eval(y)
				}
				want := taylorFD(at, 0.01)
				if !close(got.v, b.Eval(x), 1e-14) || !close(got.d, want[1], 1e-8) {
					t.Errorf("%s%v: lowered to %v, d/d%s %v; Eval %v, finite differences %v",
						b.Name, x, got.v, b.Args[min(i, len(b.Args)-1)].Name, got.d, b.Eval(x), want[1])
				}
			}
			if b.Arg(0).Type == Cond {
				bl := &dualBuilder{}
				if got := bl.n[b.Lower(bl, []Node{bl.Const(x[0])}, 0)].v; got != b.Eval(x) {
					t.Errorf("%s%v: lowered to %v, Eval %v", b.Name, x, got, b.Eval(x))
				}
			}
		}
	}
}

// TestImports keeps stdlib a leaf: it imports no package of the toolkit but lang/diag.
func TestImports(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const mod = "github.com/mfcproject/mfc/"
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, mod) && p != mod+"stdlib" && p != mod+"lang/diag" {
			t.Errorf("stdlib depends on %s", p)
		}
	}
}
