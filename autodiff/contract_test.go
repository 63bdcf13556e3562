package autodiff

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mfcproject/mfc/compiler/ir"
)

// lower evaluates an exact derivative of order n−1 at x + s·w, for finite differences
// along w: phi(s) = D^{n−1}F(x + s·w)[dirs...].
func lower(t *testing.T, r *randGraph, sm *sampler, w []float64, dirs ...[]float64) func(s float64) ([]float64, []bool) {
	return func(s float64) ([]float64, []bool) {
		in := r.shifted(s, w)
		ws := NewWorkspace(r.tape, r.vars)
		m := len(r.tape.Out)
		f := make([]float64, m)
		var err error
		switch len(dirs) {
		case 1:
			err = Directional(f, ws, in, dirs[0])
		case 2:
			err = D2(f, ws, in, dirs[0], dirs[1])
		case 3:
			err = D3(f, ws, in, dirs[0], dirs[1], dirs[2])
		case 4:
			err = D4(f, ws, in, dirs[0], dirs[1], dirs[2], dirs[3])
		}
		mustNil(t, err)
		vals := make([]float64, r.tape.Len())
		r.tape.Eval(vals, in)
		return f, sm.valid(vals)
	}
}

// TestMixedPartials checks D2, D3, D4, D5 against first-order finite differences of the exact
// derivative one order lower, D^nF[u, …, z] = d/ds D^{n−1}F(x + s·z)[u, …], on random
// graphs. The finite differences are first order (Richardson, adaptive step), so the
// tolerance of order 1 in fdTol applies (1e-7): the differenced function is itself exact
// up to the rounding of polarization, ≈ 1e-14 relative, which divided by steps ≥ 1e-3
// stays below 1e-10. It also checks D^nF[v, …, v] = n!·c_n(v) and the symmetry of D3 and
// D4 under permutations, both to 1e-10 relative: polarization combines 2^{n−1} jets of
// size up to 2^n·|c_n|, so it loses up to ~2^{2n} ulps to cancellation.
func TestMixedPartials(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var checked, skipped int
	var worst [6]float64
	for trial := 0; trial < 150; trial++ {
		r := newRandGraph(rng)
		m := len(r.tape.Out)
		ws := NewWorkspace(r.tape, r.vars)
		u, v, w, z, y := r.direction(rng), r.direction(rng), r.direction(rng), r.direction(rng), r.direction(rng)
		d := [6][]float64{}
		for n := 2; n <= 5; n++ {
			d[n] = make([]float64, m)
		}
		mustNil(t, D2(d[2], ws, r.in, u, v))
		mustNil(t, D3(d[3], ws, r.in, u, v, w))
		mustNil(t, D4(d[4], ws, r.in, u, v, w, z))
		mustNil(t, D5(d[5], ws, r.in, u, v, w, z, y))
		last := [6][]float64{2: v, 3: w, 4: z, 5: y}
		fds := [6][]float64{}
		for n := 2; n <= 5; n++ {
			sm := newSampler(r, last[n])
			fds[n] = fdAdaptive(1, fdStart[1], fdTol[1], lower(t, r, sm, last[n], [][]float64{u, v, w, z}[:n-1]...))
		}
		for n := 2; n <= 5; n++ {
			for i := 0; i < m; i++ {
				if math.IsNaN(fds[n][i]) {
					skipped++
					continue
				}
				checked++
				e := relErr(d[n][i], fds[n][i])
				worst[n] = math.Max(worst[n], e)
				if e > fdTol[1] {
					t.Errorf("trial %d output %d: D^%d[u..] = %.12g, finite differences %.12g (rel %.2g)",
						trial, i, n, d[n][i], fds[n][i], e)
				}
			}
		}

		// Diagonal: D^nF[v, …, v] = n!·c_n(v).
		jet := make([]float64, m*6)
		mustNil(t, Jet(jet, 5, ws, r.in, v))
		diag := make([]float64, m)
		mustNil(t, D2(diag, ws, r.in, v, v))
		for i := range diag {
			if !close(diag[i], 2*jet[i*6+2], 1e-10) {
				t.Errorf("trial %d: D2[v,v] = %g, 2·c2 = %g", trial, diag[i], 2*jet[i*6+2])
			}
		}
		mustNil(t, D4(diag, ws, r.in, v, v, v, v))
		for i := range diag {
			if !close(diag[i], 24*jet[i*6+4], 1e-10) {
				t.Errorf("trial %d: D4[v,v,v,v] = %g, 24·c4 = %g", trial, diag[i], 24*jet[i*6+4])
			}
		}
		mustNil(t, D5(diag, ws, r.in, v, v, v, v, v))
		for i := range diag {
			if !close(diag[i], 120*jet[i*6+5], 1e-10) {
				t.Errorf("trial %d: D5[v,v,v,v,v] = %g, 120·c5 = %g", trial, diag[i], 120*jet[i*6+5])
			}
		}
		// Symmetry.
		perm := make([]float64, m)
		mustNil(t, D3(perm, ws, r.in, w, u, v))
		for i := range perm {
			if !close(perm[i], d[3][i], 1e-10) {
				t.Errorf("trial %d: D3[w,u,v] = %g, D3[u,v,w] = %g", trial, perm[i], d[3][i])
			}
		}
		mustNil(t, D4(perm, ws, r.in, z, w, v, u))
		for i := range perm {
			if !close(perm[i], d[4][i], 1e-10) {
				t.Errorf("trial %d: D4[z,w,v,u] = %g, D4[u,v,w,z] = %g", trial, perm[i], d[4][i])
			}
		}
		mustNil(t, D5(perm, ws, r.in, y, z, w, v, u))
		for i := range perm {
			if !close(perm[i], d[5][i], 1e-10) {
				t.Errorf("trial %d: D5[y,z,w,v,u] = %g, D5[u,v,w,z,y] = %g", trial, perm[i], d[5][i])
			}
		}
	}
	t.Logf("checked %d, skipped %d; worst rel. error of D2, D3, D4, D5: %.1e", checked, skipped, worst[2:])
	if skipped > checked/10 {
		t.Errorf("too many skipped: %d of %d", skipped, checked+skipped)
	}
}

// TestPolarizationExact checks the polarization identities on a polynomial whose mixed
// partials are known exactly: f = x0²·x1 + x1³·x2 + x0·x1·x2·x3 + x3⁴.
func TestPolarizationExact(t *testing.T) {
	g := ir.NewGraph()
	x := func(i int) ir.NodeID { return g.Density(i) }
	p := func(a ir.NodeID, k float64) ir.NodeID { return g.Pow(a, g.Const(k)) }
	f := g.Add(g.Mul(p(x(0), 2), x(1)), g.Mul(p(x(1), 3), x(2)), g.Mul(x(0), x(1), x(2), x(3)), p(x(3), 4))
	tape := g.Compile([]ir.NodeID{f})
	ws := NewWorkspace(tape, Densities(4))
	in := &ir.Inputs{Densities: []float64{0.5, -1.5, 2, 0.25}}
	e := func(j int) []float64 { return unit(4, j) }
	dst := make([]float64, 1)
	for _, tc := range []struct {
		n    int
		dirs [][]float64
		want float64
	}{
		{2, [][]float64{e(0), e(1)}, 2*0.5 + 2*0.25},       // ∂²/∂x0∂x1 = 2 x0 + x2 x3
		{2, [][]float64{e(1), e(1)}, 6 * -1.5 * 2},         // 6 x1 x2
		{2, [][]float64{e(2), e(3)}, 0.5 * -1.5},           // x0 x1
		{3, [][]float64{e(0), e(0), e(1)}, 2},              // ∂³/∂x0²∂x1
		{3, [][]float64{e(1), e(1), e(2)}, 6 * -1.5},       // 6 x1
		{3, [][]float64{e(0), e(1), e(2)}, 0.25},           // x3
		{4, [][]float64{e(0), e(1), e(2), e(3)}, 1},        // 1
		{4, [][]float64{e(3), e(3), e(3), e(3)}, 24},       // 24
		{4, [][]float64{e(1), e(1), e(1), e(2)}, 6},        // 6
		{4, [][]float64{e(0), e(0), e(1), e(1)}, 0},        // 0
		{3, [][]float64{e(3), e(3), e(3)}, 24 * 0.25},      // 24 x3
		{2, [][]float64{e(0), e(0)}, 2 * -1.5},             // 2 x1
		{3, [][]float64{e(1), e(1), e(1)}, 6 * 2},          // 6 x2
		{4, [][]float64{e(0), e(0), e(0), e(0)}, 0},        // 0
		{2, [][]float64{e(3), e(3)}, 12 * 0.25 * 0.25},     // 12 x3²
		{3, [][]float64{e(0), e(2), e(3)}, -1.5},           // x1
		{4, [][]float64{e(2), e(2), e(2), e(2)}, 0},        // 0
		{2, [][]float64{e(1), e(2)}, 3*1.5*1.5 + 0.5*0.25}, // 3 x1² + x0 x3
	} {
		var err error
		switch tc.n {
		case 2:
			err = D2(dst, ws, in, tc.dirs[0], tc.dirs[1])
		case 3:
			err = D3(dst, ws, in, tc.dirs[0], tc.dirs[1], tc.dirs[2])
		case 4:
			err = D4(dst, ws, in, tc.dirs[0], tc.dirs[1], tc.dirs[2], tc.dirs[3])
		}
		mustNil(t, err)
		// Polarization of a polynomial at dyadic points: the jets are exact sums of
		// dyadic numbers, so only a few ulps of cancellation can appear.
		if !close(dst[0], tc.want, 1e-14) {
			t.Errorf("D^%d along %v = %.17g, want %g", tc.n, tc.dirs, dst[0], tc.want)
		}
	}
}
