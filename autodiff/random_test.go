package autodiff

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/stdlib"
)

// randGraph is a random expression graph over D density leaves and 2 parameters, with its
// outputs, variables (the densities and parameter 0; parameter 1 stays fixed) and a base
// point.
type randGraph struct {
	g    *ir.Graph
	tape *ir.Tape
	vars Vars
	in   *ir.Inputs
}

// newRandGraph builds a graph by drawing operations on a pool that starts with the leaves.
// Values stay in safe domains: log and sqrt take 1 + a² or exp(a), the base of a^b with a
// varying exponent is 1 + a², tan takes 0.5·tanh(a), poisson's m is 1 + a², and every new
// node whose value at the base point exceeds 20 in magnitude is dropped, so that the
// derivatives of orders ≤ 4 stay O(1)–O(10³) and finite differences resolve them.
func newRandGraph(rng *rand.Rand) *randGraph {
	D := 3 + rng.IntN(3)
	g := ir.NewGraph()
	in := &ir.Inputs{Densities: make([]float64, D), Params: []float64{0.2 + rng.Float64(), 0.5 + rng.Float64()}}
	var pool []ir.NodeID
	for i := 0; i < D; i++ {
		in.Densities[i] = 0.2 + 1.3*rng.Float64()
		pool = append(pool, g.Density(i))
	}
	pool = append(pool, g.Param(0), g.Param(1))
	pick := func() ir.NodeID {
		// Favour recent nodes so that graphs get deep.
		if rng.IntN(2) == 0 && len(pool) > 4 {
			return pool[len(pool)-1-rng.IntN(4)]
		}
		return pool[rng.IntN(len(pool))]
	}
	one := g.Const(1)
	pos := func(a ir.NodeID) ir.NodeID { return g.Add(one, g.Mul(a, a)) }
	for len(pool) < D+2+12+rng.IntN(20) {
		a, b, c := pick(), pick(), pick()
		var n ir.NodeID
		switch rng.IntN(19) {
		case 0:
			n = g.Add(a, b, c)
		case 1:
			n = g.Sub(a, b)
		case 2, 3:
			n = g.Mul(a, b)
		case 4:
			n = g.Mul(a, b, c)
		case 5:
			n = g.Div(a, pos(b))
		case 6:
			n = g.Pow(pos(a), b)
		case 7:
			n = g.Pow(a, g.Const(float64(2+rng.IntN(3))))
		case 8:
			n = g.Call(stdlib.FnExp, g.Mul(g.Const(0.5), a))
		case 9:
			n = g.Call(stdlib.FnLog, pos(a))
		case 10:
			n = g.Call(stdlib.FnSqrt, g.Call(stdlib.FnExp, a))
		case 11:
			n = g.Call([]stdlib.Fn{stdlib.FnSin, stdlib.FnCos, stdlib.FnTanh}[rng.IntN(3)], a)
		case 12:
			n = g.Call(stdlib.FnTan, g.Mul(g.Const(0.5), g.Call(stdlib.FnTanh, a)))
		case 13:
			f := []stdlib.Fn{stdlib.FnPoissonPMF, stdlib.FnPoissonCDF}[rng.IntN(2)]
			n = g.Call(f, g.Const(float64(rng.IntN(4))), pos(a))
		case 14, 15:
			op := ir.Cmp(rng.IntN(6))
			n = g.Select(g.Compare(op, a, b), c, g.Mul(a, b))
		case 16:
			n = g.Mul(a, g.Call([]stdlib.Fn{stdlib.FnFloor, stdlib.FnCeil}[rng.IntN(2)], g.Mul(g.Const(3), b)))
		case 17:
			n = g.Neg(g.Mul(a, g.Param(1)))
		case 18:
			n = g.Pow(pos(a), g.Const([]float64{0.5, 1.5, -0.5, -2.5, -1}[rng.IntN(5)]))
		}
		if v := valueAt(g, n, in); math.IsNaN(v) || math.Abs(v) > 20 {
			continue
		}
		pool = append(pool, n)
	}
	outs := []ir.NodeID{pool[len(pool)-1], pool[len(pool)-2]}
	for i := 0; i < 3; i++ {
		outs = append(outs, pool[D+2+rng.IntN(len(pool)-D-2)])
	}
	return &randGraph{g: g, tape: g.Compile(outs), vars: Join(Densities(D), Params(0)), in: in}
}

func valueAt(g *ir.Graph, n ir.NodeID, in *ir.Inputs) float64 {
	t := g.Compile([]ir.NodeID{n})
	vals := make([]float64, t.Len())
	t.Eval(vals, in)
	return t.Output(vals, 0)
}

// shifted returns the inputs at x + s·v.
func (r *randGraph) shifted(s float64, v []float64) *ir.Inputs {
	in := *r.in
	in.Densities = append([]float64(nil), r.in.Densities...)
	in.Params = append([]float64(nil), r.in.Params...)
	for j, x := range r.vars {
		switch x.Kind {
		case KindDensity:
			in.Densities[x.Index] += s * v[j]
		case KindParam:
			in.Params[x.Index] += s * v[j]
		}
	}
	return &in
}

// TestRandomGraphs compares the jets of random graphs with finite differences, orders 1..4,
// and the tangent sweep (Directional) with order 1 of the jet sweep.
func TestRandomGraphs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var checked, skipped int
	var worst [5]float64
	for trial := 0; trial < 400; trial++ {
		r := newRandGraph(rng)
		v := r.direction(rng)
		ws := NewWorkspace(r.tape, r.vars)
		m := len(r.tape.Out)
		jet := make([]float64, m*5)
		mustNil(t, Jet(jet, 4, ws, r.in, v))
		d1 := make([]float64, m)
		mustNil(t, Directional(d1, ws, r.in, v))
		for i := 0; i < m; i++ {
			// Both sweeps apply the same rules in a different arrangement; they agree
			// to rounding.
			if !close(d1[i], jet[i*5+1], 1e-14) {
				t.Errorf("trial %d output %d: Directional %.17g, Jet c1 %.17g", trial, i, d1[i], jet[i*5+1])
			}
		}
		sm := newSampler(r, v)
		for k := 1; k <= 4; k++ {
			fd := fdAdaptive(k, fdStart[k], fdTol[k], sm.at)
			fact := [5]float64{1, 1, 2, 6, 24}[k]
			for i := 0; i < m; i++ {
				if math.IsNaN(fd[i]) {
					skipped++
					continue
				}
				checked++
				got := fact * jet[i*5+k]
				e := relErr(got, fd[i])
				worst[k] = math.Max(worst[k], e)
				if e > fdTol[k] {
					t.Errorf("trial %d output %d = %s: D^%d = %.12g, finite differences %.12g (rel %.2g)",
						trial, i, short(r.g.String(r.tape.Node[r.tape.Out[i]], nil)), k, got, fd[i], e)
				}
			}
		}
	}
	t.Logf("checked %d (output, order) pairs, skipped %d unresolved by finite differences (branch changes, jumps of floor); worst rel. error by order 1..4: %.1e",
		checked, skipped, worst[1:])
	if skipped > checked/10 {
		t.Errorf("too many skipped: %d of %d", skipped, checked+skipped)
	}
}

// direction returns a random direction of norm ≈ 1.
func (r *randGraph) direction(rng *rand.Rand) []float64 {
	v := make([]float64, len(r.vars))
	for j := range v {
		v[j] = rng.NormFloat64() / math.Sqrt(float64(len(v)))
	}
	return v
}

func short(s string) string {
	if len(s) > 160 {
		return s[:160] + "…"
	}
	return s
}
