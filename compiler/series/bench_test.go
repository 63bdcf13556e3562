package series

import (
	"math"
	"testing"
	"time"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
)

// jsq builds the propensities of a JSQ-like model with K species Q[1..K] and
// x[i] = Q[i]/N (x[0] = 1, x[K+1] = 0): arrivals N*rho*(x[i-1]^2 − x[i]^2) and departures
// N*(x[i] − x[i+1]). rho is parameter 0.
func jsq(K int) (*ir.Graph, []ir.NodeID) {
	g := ir.NewGraph()
	N, rho := g.Scale(), g.Param(0)
	x := make([]ir.NodeID, K+2)
	x[0], x[K+1] = g.Const(1), g.Const(0)
	for i := 1; i <= K; i++ {
		x[i] = g.Div(g.Count(i-1), N)
	}
	two := g.Const(2)
	props := make([]ir.NodeID, 0, 2*K)
	for i := 1; i <= K; i++ {
		props = append(props,
			g.Mul(N, rho, g.Sub(g.Pow(x[i-1], two), g.Pow(x[i], two))),
			g.Mul(N, g.Sub(x[i], x[i+1])))
	}
	return g, props
}

func expandAll(t testing.TB, g *ir.Graph, props []ir.NodeID) []*Propensity {
	e := New(g, nil)
	out := make([]*Propensity, len(props))
	for j, a := range props {
		r, d := e.Propensity(a, "jsq", diag.Pos{})
		if d != nil {
			t.Fatal(d)
		}
		out[j] = r
	}
	return out
}

func TestJSQ(t *testing.T) {
	const K = 1000
	g, props := jsq(K)
	before := g.Len()
	start := time.Now()
	rs := expandAll(t, g, props)
	elapsed := time.Since(start)
	if elapsed > time.Second {
		t.Errorf("expanding JSQ with K = %d took %v", K, elapsed)
	}
	t.Logf("K = %d: %d propensities expanded in %v, %d nodes added", K, len(props), elapsed, g.Len()-before)
	// Every propensity is perfect and smooth, with β₀ as written in densities.
	x := make([]float64, K)
	for i := range x {
		x[i] = math.Pow(0.9, float64(i+1))
	}
	d := func(i int) float64 {
		switch {
		case i == 0:
			return 1
		case i > K:
			return 0
		}
		return x[i-1]
	}
	outs := make([]ir.NodeID, len(rs))
	for j, r := range rs {
		if r.Order != -1 || !r.Perfect || !r.Smooth {
			t.Fatalf("propensity %d: %+v", j, r)
		}
		outs[j] = r.Beta[0]
	}
	tape := g.Compile(outs)
	vals := make([]float64, tape.Len())
	const rho = 0.7
	tape.Eval(vals, &ir.Inputs{Densities: x, Params: []float64{rho}})
	for i := 1; i <= K; i++ {
		arr, dep := tape.Output(vals, 2*(i-1)), tape.Output(vals, 2*i-1)
		if w := rho * (d(i-1)*d(i-1) - d(i)*d(i)); math.Abs(arr-w) > 1e-15 {
			t.Fatalf("arrival %d: β0 = %g, want %g", i, arr, w)
		}
		if w := d(i) - d(i+1); math.Abs(dep-w) > 1e-15 {
			t.Fatalf("departure %d: β0 = %g, want %g", i, dep, w)
		}
	}
}

// BenchmarkJSQ expands the 2K propensities of a JSQ-like model with K = 1000 species with
// one shared Expander (graph construction excluded).
func BenchmarkJSQ(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		g, props := jsq(1000)
		b.StartTimer()
		expandAll(b, g, props)
	}
}
