package series

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/stdlib"
)

// rgen builds random smooth count-form expressions of order ≥ 0 (O(1) at fixed density).
type rgen struct {
	f   *fix
	rnd *rand.Rand
}

func (r *rgen) leaf() ir.NodeID {
	f, g := r.f, r.f.g
	switch r.rnd.IntN(8) {
	case 0:
		return f.xS()
	case 1:
		return g.Div(f.I, f.N)
	case 2:
		return []ir.NodeID{f.beta, f.k, f.c, f.lam}[r.rnd.IntN(4)]
	case 3:
		return g.Const(float64(r.rnd.IntN(5)+1) / 4)
	case 4:
		return g.Div(g.Add(f.S, g.Const(1)), f.N) // (S+1)/N
	case 5:
		return g.Div(f.c, f.N) // O(1/N)
	case 6:
		return g.Div(g.Sub(f.S, f.I), g.Add(f.N, f.k)) // (S−I)/(N+k)
	}
	return g.Div(g.Mul(f.S, g.Sub(f.S, g.Const(1))), g.Mul(f.N, f.N)) // S(S−1)/N²
}

// pos returns a random expression ≥ 1/2 (or > 0 and O(1)) with a non-zero constant term.
func (r *rgen) pos(d int) ir.NodeID {
	g := r.f.g
	u := r.o1(d)
	switch r.rnd.IntN(3) {
	case 0:
		return g.Add(g.Const(0.5), g.Mul(u, u))
	case 1:
		return g.Call(stdlib.FnExp, g.Mul(g.Const(0.5), u))
	}
	return g.Add(r.f.xS(), g.Div(r.f.k, r.f.N), g.Const(0.25))
}

func (r *rgen) o1(d int) ir.NodeID {
	if d <= 0 {
		return r.leaf()
	}
	f, g := r.f, r.f.g
	switch r.rnd.IntN(15) {
	case 0, 1:
		return g.Add(r.o1(d-1), r.o1(d-1))
	case 2, 3:
		return g.Mul(r.o1(d-1), r.o1(d-1))
	case 4:
		return g.Sub(r.o1(d-1), r.o1(d-1))
	case 5:
		return g.Div(r.o1(d-1), r.pos(d-1))
	case 6:
		return g.Call(stdlib.FnExp, g.Mul(g.Const(0.3), r.o1(d-1)))
	case 7:
		return g.Call([]stdlib.Fn{stdlib.FnSqrt, stdlib.FnLog}[r.rnd.IntN(2)], r.pos(d-1))
	case 8:
		return g.Pow(r.pos(d-1), []ir.NodeID{g.Const(1.5), g.Const(-0.5), f.k0, g.Const(-2)}[r.rnd.IntN(4)])
	case 9:
		return g.Pow(r.o1(d-1), g.Const(float64(2+r.rnd.IntN(2))))
	case 10:
		return g.Call([]stdlib.Fn{stdlib.FnSin, stdlib.FnCos, stdlib.FnTanh}[r.rnd.IntN(3)], r.o1(d-1))
	case 11:
		return g.Call([]stdlib.Fn{stdlib.FnPoissonPMF, stdlib.FnPoissonCDF}[r.rnd.IntN(2)], g.Const(2), r.pos(d-1))
	case 12:
		return g.Select(g.Compare(ir.CmpGt, f.k, g.Const(1)), r.o1(d-1), r.o1(d-1))
	case 13: // an exponent that depends on N: a^((S+c)/N) = exp(((S+c)/N)·log a)
		// ((1 + u/N)^N is covered in series_test.go; evaluated in counts at N = 10⁵ it
		// loses about N ulps, more than this test's round-off floor.)
		return g.Pow(r.pos(d-1), g.Div(g.Add(f.S, f.c), f.N))
	}
	return g.Call(stdlib.FnTan, g.Mul(g.Const(0.3), g.Call(stdlib.FnTanh, r.o1(d-1))))
}

// TestRandomAsymptotics checks a(N·x)/N − β₀ − β₁/N − β₂/N² = O(N⁻³) for random smooth
// propensities a = N·u(x, 1/N): with r(N) that residual and ε a round-off floor
// (1e-12 times the size of the terms), it requires |r(10³)| ≤ 10⁻⁵ + ε (|β₃| ≤ 10⁴) and
// |r(N)| ≤ 2·|r(10³)|·(10³/N)³ + ε for N = 10⁴, 10⁵. An error δ in β₁ or β₂ would leave a
// residual δ/N or δ/N², which this ratio test rejects unless δ is below the round-off
// floor; the test also requires that dropping β₂ fails it for most cases.
func TestRandomAsymptotics(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	const cases = 300
	sensitive := 0
	for c := 0; c < cases; c++ {
		f := newFix()
		r := &rgen{f: f, rnd: rnd}
		a := f.g.Mul(f.N, r.o1(1+rnd.IntN(3)))
		res, d := New(f.g, f.names).Propensity(a, "random", diag.Pos{})
		if d != nil {
			t.Fatalf("case %d: %s: %v", c, f.g.String(a, f.names), d)
		}
		if res.Order < -1 {
			t.Fatalf("case %d: order %d", c, res.Order)
		}
		tape := f.g.Compile([]ir.NodeID{a, res.Beta[0], res.Beta[1], res.Beta[2]})
		vals := make([]float64, tape.Len())
		x := []float64{0.2 + 0.6*rnd.Float64(), 0.2 + 0.6*rnd.Float64()}
		Ns := []float64{1e3, 1e4, 1e5}
		var rs, eps, drop [3]float64
		for i, N := range Ns {
			in := &ir.Inputs{Counts: []float64{N * x[0], N * x[1]}, Densities: x, Params: paramVals, Scale: N}
			tape.Eval(vals, in)
			aN := tape.Output(vals, 0) / N
			b0, b1, b2 := tape.Output(vals, 1), tape.Output(vals, 2), tape.Output(vals, 3)
			rs[i] = aN - b0 - b1/N - b2/(N*N)
			drop[i] = rs[i] + b2/(N*N)
			eps[i] = 1e-12 * (1 + math.Abs(aN) + math.Abs(b0) + math.Abs(b1)/N + math.Abs(b2)/(N*N))
		}
		expr := f.g.String(a, f.names)
		if math.IsNaN(rs[0]+rs[1]+rs[2]) || math.Abs(rs[0]) > 1e-5+eps[0] {
			t.Errorf("case %d: %s at x=%v: residual %v", c, expr, x, rs)
			continue
		}
		ok := func(r [3]float64) bool {
			for i := 1; i < 3; i++ {
				if math.Abs(r[i]) > 2*math.Abs(r[0])*math.Pow(Ns[0]/Ns[i], 3)+eps[i] {
					return false
				}
			}
			return true
		}
		if !ok(rs) {
			t.Errorf("case %d: %s at x=%v: residuals %v are not O(N^-3) (eps %v); %s", c, expr, x, rs, eps,
				res.String(f.g, f.names))
		}
		if !ok(drop) {
			sensitive++
		}
	}
	if sensitive < cases/2 {
		t.Errorf("dropping β₂ is detected in only %d of %d cases", sensitive, cases)
	}
	t.Logf("dropping β₂ detected in %d of %d cases", sensitive, cases)
}
