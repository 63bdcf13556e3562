package autodiff

import (
	"math/rand/v2"
	"testing"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/stdlib"
)

// TestDegreeTable checks Polynomial on expressions of known degree in the densities x, y
// (parameter 0 = 3 and parameter 1 = 0.5 are not variables), and whether they are one
// polynomial everywhere (global).
func TestDegreeTable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		f      func(g *ir.Graph, x, y ir.NodeID) ir.NodeID
		want   int
		global bool
	}{
		{"constant", func(g *ir.Graph, x, y ir.NodeID) ir.NodeID { return g.Mul(g.Param(0), g.Const(2)) }, 0, true},
		{"x + y", func(g *ir.Graph, x, y ir.NodeID) ir.NodeID { return g.Add(x, y) }, 1, true},
		{"x·y", func(g *ir.Graph, x, y ir.NodeID) ir.NodeID { return g.Mul(x, y) }, 2, true},
		{"x²·y/p", func(g *ir.Graph, x, y ir.NodeID) ir.NodeID {
			return g.Div(g.Mul(g.Pow(x, g.Const(2)), y), g.Param(0))
		}, 3, true},
		{"x^p, p = 3 (a parameter)", func(g *ir.Graph, x, y ir.NodeID) ir.NodeID { return g.Pow(x, g.Param(0)) }, 3, true},
		{"x^q, q = 0.5", func(g *ir.Graph, x, y ir.NodeID) ir.NodeID { return g.Pow(x, g.Param(1)) }, Unbounded, true},
		{"x^-1", func(g *ir.Graph, x, y ir.NodeID) ir.NodeID { return g.Pow(x, g.Const(-1)) }, Unbounded, true},
		{"x^y", func(g *ir.Graph, x, y ir.NodeID) ir.NodeID { return g.Pow(x, y) }, Unbounded, true},
		{"p^2", func(g *ir.Graph, x, y ir.NodeID) ir.NodeID { return g.Pow(g.Param(0), g.Const(2)) }, 0, true},
		{"x/y", func(g *ir.Graph, x, y ir.NodeID) ir.NodeID { return g.Div(x, y) }, Unbounded, true},
		{"exp(x)", func(g *ir.Graph, x, y ir.NodeID) ir.NodeID { return g.Call(stdlib.FnExp, x) }, Unbounded, true},
		{"exp(p)·x", func(g *ir.Graph, x, y ir.NodeID) ir.NodeID { return g.Mul(g.Call(stdlib.FnExp, g.Param(0)), x) }, 1, true},
		{"floor(x)·y", func(g *ir.Graph, x, y ir.NodeID) ir.NodeID { return g.Mul(g.Call(stdlib.FnFloor, x), y) }, 1, false},
		{"if x < y then x·y·y else x", func(g *ir.Graph, x, y ir.NodeID) ir.NodeID {
			return g.Select(g.Compare(ir.CmpLt, x, y), g.Mul(x, y, y), x)
		}, 3, false},
		{"if p < 1 then x·y·y else x", func(g *ir.Graph, x, y ir.NodeID) ir.NodeID {
			return g.Select(g.Compare(ir.CmpLt, g.Param(0), g.Const(1)), g.Mul(x, y, y), x)
		}, 3, true},
		{"-(x·y)^2", func(g *ir.Graph, x, y ir.NodeID) ir.NodeID { return g.Neg(g.Pow(g.Mul(x, y), g.Const(2))) }, 4, true},
	}
	in := &ir.Inputs{Densities: []float64{0.3, 0.7}, Params: []float64{3, 0.5}}
	for _, c := range cases {
		g := ir.NewGraph()
		tape := g.Compile([]ir.NodeID{c.f(g, g.Density(0), g.Density(1)), g.Const(1)})
		jac := NewJacobian(tape, Densities(2))
		if got, global := Polynomial(jac, jac.NewWorkspace(), in); got != c.want || global != c.global {
			t.Errorf("%s: Polynomial = %d, %v, want %d, %v", c.name, got, global, c.want, c.global)
		}
	}
	// JSQ(2), the drift of the order-2 benchmarks: quadratic.
	tape := jsq(6)
	jac := NewJacobian(tape, Densities(6))
	if got, global := Polynomial(jac, jac.NewWorkspace(), jsqInputs(6)); got != 2 || !global {
		t.Errorf("JSQ(2): Polynomial = %d, %v, want 2, true", got, global)
	}
}

// TestDegreeJets checks the promise of Polynomial on random graphs: for every output of finite
// degree g (each compiled alone), the jet coefficients of orders g+1 … 5 along random
// directions are exactly 0, and the one of order g is not 0 along some direction unless
// g = 0 or the bound is not tight (counted: a selection bounds by its larger branch, so
// about one in ten is not, and at most a quarter may be). For an output Polynomial calls
// global, the coefficient of order g is also the same at a second point x + w (a constant
// derivative D^gF), to 1e-12 relative (round-off of the two sweeps).
func TestDegreeJets(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	var poly, tight, globals int
	for trial := 0; trial < 300; trial++ {
		r := newRandGraph(rng)
		for _, o := range r.tape.Out {
			tape := r.g.Compile([]ir.NodeID{r.tape.Node[o]})
			jac := NewJacobian(tape, r.vars)
			ws := jac.NewWorkspace()
			deg, global := Polynomial(jac, ws, r.in)
			if deg >= MaxOrder {
				continue
			}
			if global {
				globals++
			}
			poly++
			jet := make([]float64, MaxOrder+1)
			top := false
			for k := 0; k < 3; k++ {
				dir := r.direction(rng)
				mustNil(t, Jet(jet, MaxOrder, ws, r.in, dir))
				for q := deg + 1; q <= MaxOrder; q++ {
					if jet[q] != 0 {
						t.Fatalf("trial %d: %s has degree %d (Polynomial) but jet coefficient %d = %g",
							trial, short(r.g.String(tape.Node[tape.Out[0]], nil)), deg, q, jet[q])
					}
				}
				top = top || jet[deg] != 0
				if !global {
					continue
				}
				at := jet[deg]
				mustNil(t, Jet(jet, MaxOrder, ws, r.shifted(1, r.direction(rng)), dir))
				if !close(jet[deg], at, 1e-12) {
					t.Fatalf("trial %d: %s is global of degree %d, but its coefficient %d moves from %g to %g",
						trial, short(r.g.String(tape.Node[tape.Out[0]], nil)), deg, deg, at, jet[deg])
				}
			}
			if top || deg == 0 {
				tight++
			}
		}
	}
	t.Logf("%d outputs of degree < %d, %d with the bound attained, %d global", poly, MaxOrder, tight, globals)
	if poly < 100 || tight < poly*3/4 || globals < poly/2 || globals == poly {
		t.Errorf("%d polynomial outputs, %d tight: the test does not exercise Polynomial", poly, tight)
	}
}
