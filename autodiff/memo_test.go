package autodiff

import (
	"math"
	"testing"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/stdlib"
)

// TestJetMemo checks the jets of poisson_pmf and poisson_cdf that a Workspace remembers
// across calls: the outputs pmf(x − z, λ) and cdf(x − z, λ), λ = a + b·t, for more values
// of z than the memo has entries, at many states x and times t through one workspace, must
// equal bit for bit the jet rule of package stdlib applied to the jet (λ, b, 0, …) of λ in
// t, with y0 from Eval; at orders 1, 2 and 3 (the order is part of the key).
func TestJetMemo(t *testing.T) {
	t.Parallel()
	g := ir.NewGraph()
	x, lam := g.Count(0), g.Add(g.Param(0), g.Mul(g.Param(1), g.Time()))
	type out struct {
		fn stdlib.Fn
		z  int
	}
	var nodes []ir.NodeID
	var outs []out
	for z := 0; z < jetMemoSize+jetMemoSize/4; z++ {
		for _, fn := range []stdlib.Fn{stdlib.FnPoissonPMF, stdlib.FnPoissonCDF} {
			if fn == stdlib.FnPoissonCDF && z%5 != 0 {
				continue
			}
			nodes = append(nodes, g.Call(fn, g.Sub(x, g.Const(float64(z))), lam))
			outs = append(outs, out{fn, z})
		}
	}
	tape := g.Compile(nodes)
	ws := NewWorkspace(tape, Time())
	in := &ir.Inputs{Counts: []float64{0}, Params: []float64{2, 0.5}}
	for _, K := range []int{2, 1, 3, 2} {
		dst := make([]float64, len(nodes)*(K+1))
		for _, time := range []float64{0, 3, 0} {
			in.Time = time
			l := 2 + 0.5*time
			for _, c := range []float64{0, 5, 600, 5, 40} {
				in.Counts[0] = c
				mustNil(t, Jet(dst, K, ws, in, []float64{1}))
				for i, o := range outs {
					k := c - float64(o.z)
					y0 := stdlib.PoissonPMF(k, l)
					if o.fn == stdlib.FnPoissonCDF {
						y0 = stdlib.PoissonCDF(k, l)
					}
					want := o.fn.Builtin().Jet(stdlib.Jet{l, 0.5}, k, y0, K)
					for j := 0; j <= K; j++ {
						if got := dst[i*(K+1)+j]; math.Float64bits(got) != math.Float64bits(want[j]) {
							t.Fatalf("order %d, t = %v, x = %v: coefficient %d of %v(x − %d, λ) is %v, the rule gives %v", K, time, c, j, o.fn, o.z, got, want[j])
						}
					}
				}
			}
		}
	}
}

// TestJetPartial checks that Jet at a new state with unchanged parameters, time and scale
// (which evaluates and sweeps the state slots only) gives the bits of a fresh workspace:
// over a tape with state-free parts (λ = a + b·t, exp(−λ)), −0 jets (Neg, Select of a
// Neg), products, quotients and powers of the state, along t and along a parameter, at
// orders 1 to 3, with Directional calls in between (which sweep with stride 1) and calls of
// Polynomial at other parameters (which evaluate the tape in the workspace).
func TestJetPartial(t *testing.T) {
	t.Parallel()
	g := ir.NewGraph()
	x, e := g.Count(0), g.EnvVal(0)
	a, b := g.Param(0), g.Param(1)
	lam := g.Add(a, g.Mul(b, g.Time()))
	outs := []ir.NodeID{
		g.Call(stdlib.FnPoissonPMF, g.Sub(x, g.Const(2)), lam),
		g.Mul(g.Neg(x), g.Time()),
		g.Select(g.Compare(ir.CmpGt, x, g.Const(2)), g.Neg(lam), g.Mul(x, lam)),
		g.Select(g.Compare(ir.CmpGt, x, e), g.Neg(x), e),
		g.Mul(g.Call(stdlib.FnExp, g.Neg(lam)), x),
		g.Div(g.Pow(x, g.Const(2)), g.Add(lam, e)),
		g.Sub(g.Neg(g.Mul(x, e)), g.Time()),
		g.Call(stdlib.FnPoissonCDF, x, g.Mul(lam, e)),
	}
	tape := g.Compile(outs)
	for _, vars := range []Vars{Time(), Params(0)} {
		ws, jac := NewWorkspace(tape, vars), NewJacobian(tape, vars)
		in := &ir.Inputs{Counts: []float64{0}, Env: []float64{0}, Params: []float64{1.5, 0.25}}
		step := 0
		for _, K := range []int{2, 2, 1, 3, 2} {
			dst, want := make([]float64, len(outs)*(K+1)), make([]float64, len(outs)*(K+1))
			for _, time := range []float64{0, 0, 2} {
				in.Time = time
				for _, c := range []float64{0, 1, 3, 5, 3} {
					for _, env := range []float64{0, 4} {
						in.Counts[0], in.Env[0] = c, env
						step++
						if step%11 == 0 {
							d := make([]float64, len(outs))
							mustNil(t, Directional(d, ws, in, []float64{1}))
						}
						if step%7 == 0 { // Polynomial at other parameters evaluates through ws too
							other := *in
							other.Params = []float64{9, 0.5}
							Polynomial(jac, ws, &other)
						}
						mustNil(t, Jet(dst, K, ws, in, []float64{1}))
						mustNil(t, Jet(want, K, NewWorkspace(tape, vars), in, []float64{1}))
						for i := range dst {
							if math.Float64bits(dst[i]) != math.Float64bits(want[i]) {
								t.Fatalf("%v, order %d, t = %v, x = %v, env = %v: coefficient %d of output %d is %v, a fresh workspace gives %v", vars, K, time, c, env, i%(K+1), i/(K+1), dst[i], want[i])
							}
						}
					}
				}
			}
		}
	}
}
