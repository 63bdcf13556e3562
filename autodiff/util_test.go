package autodiff

import (
	"math"
	"testing"

	"github.com/mfcproject/mfc/compiler/ir"
)

// unary builds the tape of f(x_0) over one density leaf.
func unary(f func(g *ir.Graph, x ir.NodeID) ir.NodeID) *ir.Tape {
	g := ir.NewGraph()
	return g.Compile([]ir.NodeID{f(g, g.Density(0))})
}

// close reports whether got agrees with want to within tol relative to max(1, |want|),
// treating equal infinities and NaN pairs as equal.
func close(got, want, tol float64) bool {
	if got == want || (math.IsNaN(got) && math.IsNaN(want)) {
		return true
	}
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// relErr is |got − want| / max(1, |want|).
func relErr(got, want float64) float64 {
	return math.Abs(got-want) / math.Max(1, math.Abs(want))
}

// jsq builds the JSQ(2) mean-field drift over densities x_1..x_d (leaves 0..d−1):
// F_i = λ(x_{i−1}² − x_i²) − (x_i − x_{i+1}), with x_0 = 1 and x_{d+1} = 0, λ = parameter 0.
// Output i depends on x_{i−1}, x_i, x_{i+1}: a tridiagonal Jacobian.
func jsq(d int) *ir.Tape {
	g := ir.NewGraph()
	lam := g.Param(0)
	x := func(i int) ir.NodeID {
		switch {
		case i == 0:
			return g.Const(1)
		case i > d:
			return g.Const(0)
		}
		return g.Density(i - 1)
	}
	two := g.Const(2)
	out := make([]ir.NodeID, d)
	for i := 1; i <= d; i++ {
		out[i-1] = g.Sub(g.Mul(lam, g.Sub(g.Pow(x(i-1), two), g.Pow(x(i), two))), g.Sub(x(i), x(i+1)))
	}
	return g.Compile(out)
}

// jsqInputs returns a point of the JSQ state space: x_i = ρ^(2^i − 1).
func jsqInputs(d int) *ir.Inputs {
	in := &ir.Inputs{Densities: make([]float64, d), Params: []float64{0.7}}
	for i := range in.Densities {
		in.Densities[i] = math.Pow(0.9, float64(i+1))
	}
	return in
}

// unit returns the basis vector e_j of length n.
func unit(n, j int) []float64 {
	e := make([]float64, n)
	e[j] = 1
	return e
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
