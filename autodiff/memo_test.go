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
