package autodiff

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/stdlib"
	"gonum.org/v1/gonum/mat"
)

// TestJacobianRandom compares the dense and CSR Jacobians with column-by-column
// Directional on random graphs, and checks that the pattern is sound (no derivative
// outside it). The comparison is exact: along the sum of the columns of a colour, the
// derivative cone of output i sees only its own column of that colour, so the sweep
// performs the same floating-point operations as along that column alone.
func TestJacobianRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 200; trial++ {
		r := newRandGraph(rng)
		jac := NewJacobian(r.tape, r.vars)
		ws := jac.NewWorkspace()
		m, n := len(r.tape.Out), len(r.vars)
		var dense mat.Dense
		mustNil(t, jac.Eval(&dense, ws, r.in))
		csr := jac.NewCSR()
		mustNil(t, jac.EvalCSR(csr, ws, r.in))
		col := make([]float64, m)
		for j := 0; j < n; j++ {
			mustNil(t, Directional(col, ws, r.in, unit(n, j)))
			for i := 0; i < m; i++ {
				if d, c := dense.At(i, j), csr.At(i, j); d != col[i] || c != col[i] {
					t.Errorf("trial %d (%d colours): J[%d,%d]: dense %g, CSR %g, directional %g",
						trial, jac.Colors(), i, j, d, c, col[i])
				}
			}
		}
		checkColoring(t, jac)
	}
}

// checkColoring checks that no two columns of one colour share a row.
func checkColoring(t *testing.T, jac *Jacobian) {
	p := jac.Pattern()
	for i := 0; i < p.Rows; i++ {
		seen := map[int]int{}
		for _, c := range p.Col[p.RowPtr[i]:p.RowPtr[i+1]] {
			j := int(c)
			if k, ok := seen[jac.Color(j)]; ok {
				t.Errorf("row %d: columns %d and %d share colour %d", i, k, j, jac.Color(j))
			}
			seen[jac.Color(j)] = j
		}
	}
}

// TestJacobianBanded checks the JSQ drift: a tridiagonal pattern with 3d − 2 entries, 3
// colours for every d, and the closed-form entries ∂F_i/∂x_{i−1} = 2λx_{i−1},
// ∂F_i/∂x_i = −2λx_i − 1, ∂F_i/∂x_{i+1} = 1 (exact: one or two roundings each).
func TestJacobianBanded(t *testing.T) {
	for _, d := range []int{1, 2, 3, 10, 100, 1000, 10000} {
		tape := jsq(d)
		jac := NewJacobian(tape, Densities(d))
		want := 3
		if d < 3 {
			want = d
		}
		if jac.Colors() != want {
			t.Errorf("d = %d: %d colours, want %d", d, jac.Colors(), want)
		}
		if nnz := jac.Pattern().NNZ(); nnz != 3*d-2 {
			t.Errorf("d = %d: %d entries, want %d", d, nnz, 3*d-2)
		}
		in := jsqInputs(d)
		lam, x := in.Params[0], in.Densities
		csr := jac.NewCSR()
		mustNil(t, jac.EvalCSR(csr, jac.NewWorkspace(), in))
		for i := 0; i < d; i++ {
			if i > 0 && csr.At(i, i-1) != 2*lam*x[i-1] {
				t.Errorf("d = %d: J[%d,%d] = %g, want %g", d, i, i-1, csr.At(i, i-1), 2*lam*x[i-1])
			}
			if got, w := csr.At(i, i), -2*lam*x[i]-1; !close(got, w, 1e-15) {
				t.Errorf("d = %d: J[%d,%d] = %g, want %g", d, i, i, got, w)
			}
			if i+1 < d && csr.At(i, i+1) != 1 {
				t.Errorf("d = %d: J[%d,%d] = %g, want 1", d, i, i+1, csr.At(i, i+1))
			}
		}
	}
}

// TestPartials compares D2Partial, D3Partial and D4Partial with D2, D3 and D4 along unit
// vectors, column by column. Equality is exact for the same reason as in
// TestJacobianRandom: the polarization terms u ± Σ_{colour} e_j and u ± e_j coincide on
// the derivative cone of each output.
func TestPartials(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 100; trial++ {
		r := newRandGraph(rng)
		jac := NewJacobian(r.tape, r.vars)
		ws := jac.NewWorkspace()
		m, n := len(r.tape.Out), len(r.vars)
		u, v, w := r.direction(rng), r.direction(rng), r.direction(rng)
		p2, p3, p4 := jac.NewCSR(), jac.NewCSR(), jac.NewCSR()
		mustNil(t, D2Partial(p2, jac, ws, r.in, u))
		mustNil(t, D3Partial(p3, jac, ws, r.in, u, v))
		mustNil(t, D4Partial(p4, jac, ws, r.in, u, v, w))
		col := make([]float64, m)
		for j := 0; j < n; j++ {
			e := unit(n, j)
			for k, p := range []*linalg.CSR{p2, p3, p4} {
				var err error
				switch k {
				case 0:
					err = D2(col, ws, r.in, u, e)
				case 1:
					err = D3(col, ws, r.in, u, v, e)
				case 2:
					err = D4(col, ws, r.in, u, v, w, e)
				}
				mustNil(t, err)
				for i := 0; i < m; i++ {
					if got := p.At(i, j); got != col[i] {
						t.Errorf("trial %d: D%dPartial[%d,%d] = %.17g, want %.17g", trial, k+2, i, j, got, col[i])
					}
				}
			}
		}
	}
}

// TestHessian compares Hessian and HessianBlocks with D2 along pairs of unit vectors. The
// Hessian takes c₂(s_a + s_b) − c₂(s_a) − c₂(s_b), D2 the polarization
// (c₂(e_j + e_k) − c₂(e_j − e_k))/2: different roundings of the same exact value, so they
// agree to ~1e-12 relative to the scale of the c₂ involved.
func TestHessian(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for trial := 0; trial < 100; trial++ {
		r := newRandGraph(rng)
		jac := NewJacobian(r.tape, r.vars)
		ws := jac.NewWorkspace()
		m, n := len(r.tape.Out), len(r.vars)
		hs := make([]*mat.SymDense, m)
		for i := range hs {
			hs[i] = &mat.SymDense{}
		}
		mustNil(t, Hessian(hs, jac, ws, r.in))
		blk := jac.NewBlocks()
		mustNil(t, HessianBlocks(blk, jac, ws, r.in))
		col := make([]float64, m)
		for j := 0; j < n; j++ {
			for k := 0; k < n; k++ {
				mustNil(t, D2(col, ws, r.in, unit(n, j), unit(n, k)))
				for i := 0; i < m; i++ {
					if h := hs[i].At(j, k); !close(h, col[i], 1e-11) || h != blk.At(i, j, k) {
						t.Errorf("trial %d: H_%d[%d,%d] = %.17g, blocks %.17g, D2 %.17g", trial, i, j, k, h, blk.At(i, j, k), col[i])
					}
				}
			}
		}
	}
}

// TestHessianBanded checks the JSQ Hessians: ∂²F_i/∂x_{i−1}² = 2λ, ∂²F_i/∂x_i² = −2λ, all
// else 0, with 3 + 3 sweeps for any d.
func TestHessianBanded(t *testing.T) {
	d := 50
	tape := jsq(d)
	jac := NewJacobian(tape, Densities(d))
	blk := jac.NewBlocks()
	in := jsqInputs(d)
	mustNil(t, HessianBlocks(blk, jac, jac.NewWorkspace(), in))
	lam := in.Params[0]
	for i := 0; i < d; i++ {
		for j := max(0, i-1); j <= min(d-1, i+1); j++ {
			for k := max(0, i-1); k <= min(d-1, i+1); k++ {
				want := 0.0
				if j == k && j == i-1 {
					want = 2 * lam
				} else if j == k && j == i {
					want = -2 * lam
				}
				if got := blk.At(i, j, k); !close(got, want, 1e-14) {
					t.Errorf("H_%d[%d,%d] = %g, want %g", i, j, k, got, want)
				}
			}
		}
	}
}

// TestVarsKinds differentiates with respect to counts, time and parameters together.
func TestVarsKinds(t *testing.T) {
	g := ir.NewGraph()
	// f = n0·p1·exp(t) + n1²·N (N the scale, held fixed).
	f := g.Add(g.Mul(g.Count(0), g.Param(1), g.Call(stdlib.FnExp, g.Time())), g.Mul(g.Pow(g.Count(1), g.Const(2)), g.Scale()))
	tape := g.Compile([]ir.NodeID{f})
	vars := Join(Counts(2), Time(), Params(1))
	in := &ir.Inputs{Counts: []float64{3, 5}, Params: []float64{9, 0.5}, Time: 0.25, Scale: 10}
	jac := NewJacobian(tape, vars)
	var dst mat.Dense
	mustNil(t, jac.Eval(&dst, jac.NewWorkspace(), in))
	et := 1.2840254166877414 // exp(0.25)
	want := []float64{0.5 * et, 2 * 5 * 10, 3 * 0.5 * et, 3 * et}
	for j, w := range want {
		if !close(dst.At(0, j), w, 1e-15) {
			t.Errorf("∂f/∂%v = %.17g, want %.17g", vars[j], dst.At(0, j), w)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("duplicate variable did not panic")
		}
	}()
	NewWorkspace(tape, Join(Time(), Time()))
}

// TestAllocs checks that warm workspaces make the sweeps allocation-free.
func TestAllocs(t *testing.T) {
	d := 200
	tape := jsq(d)
	in := jsqInputs(d)
	jac := NewJacobian(tape, Densities(d))
	ws := jac.NewWorkspace()
	v := make([]float64, d)
	for i := range v {
		v[i] = float64(i%7) - 3
	}
	out := make([]float64, d)
	jet := make([]float64, d*5)
	var dense mat.Dense
	csr, p2, blk := jac.NewCSR(), jac.NewCSR(), jac.NewBlocks()
	for _, tc := range []struct {
		name string
		f    func() error
	}{
		{"Directional", func() error { return Directional(out, ws, in, v) }},
		{"Jet", func() error { return Jet(jet, 4, ws, in, v) }},
		{"Jacobian.Eval", func() error { return jac.Eval(&dense, ws, in) }},
		{"Jacobian.EvalCSR", func() error { return jac.EvalCSR(csr, ws, in) }},
		{"D2", func() error { return D2(out, ws, in, v, v) }},
		{"D4", func() error { return D4(out, ws, in, v, v, v, v) }},
		{"D2Partial", func() error { return D2Partial(p2, jac, ws, in, v) }},
		{"HessianBlocks", func() error { return HessianBlocks(blk, jac, ws, in) }},
	} {
		mustNil(t, tc.f()) // warm up: dense is sized, ws.pair grown
		if a := testing.AllocsPerRun(20, func() { _ = tc.f() }); a != 0 {
			t.Errorf("%s: %v allocations per run", tc.name, a)
		}
	}
}

// BenchmarkJacobianJSQ evaluates the sparse Jacobian of the tridiagonal JSQ drift; the
// cost per call grows linearly in d (3 colours, so 3 tangent sweeps of an O(d) tape).
func BenchmarkJacobianJSQ(b *testing.B) {
	for _, d := range []int{100, 1000, 10000} {
		tape := jsq(d)
		in := jsqInputs(d)
		jac := NewJacobian(tape, Densities(d))
		ws := jac.NewWorkspace()
		csr := jac.NewCSR()
		b.Run(fmt.Sprintf("d=%d", d), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := jac.EvalCSR(csr, ws, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHessianJSQ evaluates the Hessian blocks of the JSQ drift: 6 jet sweeps of order
// 2 for any d.
func BenchmarkHessianJSQ(b *testing.B) {
	for _, d := range []int{100, 1000, 10000} {
		tape := jsq(d)
		in := jsqInputs(d)
		jac := NewJacobian(tape, Densities(d))
		ws := jac.NewWorkspace()
		blk := jac.NewBlocks()
		if err := HessianBlocks(blk, jac, ws, in); err != nil { // grow ws's colour-pair buffer
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("d=%d", d), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := HessianBlocks(blk, jac, ws, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestAffineOutputs checks the structural linearity of the outputs and the Hessian
// colouring that ignores affine outputs: a sum over all d variables forces d Jacobian
// colours, but the Hessian needs the colours of the non-linear rows only, and the affine
// rows get zero blocks (checked against D2 by TestHessian on random graphs).
func TestAffineOutputs(t *testing.T) {
	d := 12
	g := ir.NewGraph()
	x := make([]ir.NodeID, d)
	for i := range x {
		x[i] = g.Density(i)
	}
	outs := []ir.NodeID{
		g.Add(x...),             // affine: a sum over every variable
		g.Mul(x[0], x[1]),       // non-linear
		g.Div(x[2], g.Const(3)), // affine
		g.Select(g.Compare(ir.CmpGt, x[0], g.Const(1)), x[1], g.Mul(g.Const(2), x[2])), // affine branches
		g.Call(stdlib.FnExp, x[3]), // non-linear
		g.Div(g.Const(1), x[4]),    // non-linear: a varying denominator
		g.Mul(g.Param(0), x[5]),    // affine: a parameter is not a variable here
	}
	want := []bool{true, false, true, true, false, false, true}
	tape := g.Compile(outs)
	jac := NewJacobian(tape, Densities(d))
	for i, w := range want {
		if got := jac.Affine(i); got != w {
			t.Errorf("output %d: Affine = %v, want %v", i, got, w)
		}
	}
	if c := jac.Colors(); c != d {
		t.Errorf("Colors = %d, want %d (the sum touches every column)", c, d)
	}
	if c := jac.HessianColors(); c != 2 {
		t.Errorf("HessianColors = %d, want 2 (x0, x1 share a row; x3, x4 are alone)", c)
	}
	in := &ir.Inputs{Densities: []float64{0.5, 2, 3, 0.1, 4, 1, 1, 1, 1, 1, 1, 1}, Counts: make([]float64, d), Params: []float64{7}, Scale: 1}
	blk := jac.NewBlocks()
	mustNil(t, HessianBlocks(blk, jac, jac.NewWorkspace(), in))
	checks := []struct {
		i, j, k int
		want    float64
	}{{1, 0, 1, 1}, {1, 0, 0, 0}, {4, 3, 3, math.Exp(0.1)}, {5, 4, 4, 2.0 / 64}, {0, 3, 3, 0}, {3, 2, 2, 0}}
	for _, c := range checks {
		if got := blk.At(c.i, c.j, c.k); !close(got, c.want, 1e-14) {
			t.Errorf("H_%d[%d,%d] = %g, want %g", c.i, c.j, c.k, got, c.want)
		}
	}
}

// TestThirdContract compares ThirdContract with the sum of D3 along unit vectors, on
// random graphs (the same exact values rounded differently: 1e-10 relative) and a random
// symmetric M.
func TestThirdContract(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	nonzero := 0
	for trial := 0; trial < 60; trial++ {
		r := newRandGraph(rng)
		jac := NewJacobian(r.tape, r.vars)
		ws := jac.NewWorkspace()
		m, n := len(r.tape.Out), len(r.vars)
		mt := linalg.NewTensor3(n)
		for a := 0; a < n; a++ {
			for b := a; b < n; b++ {
				for c := b; c < n; c++ {
					mt.SetSym(a, b, c, rng.NormFloat64())
				}
			}
		}
		got := make([]float64, m)
		mustNil(t, ThirdContract(got, jac, ws, r.in, mt))
		want := make([]float64, m)
		col := make([]float64, m)
		scale := make([]float64, m)
		for a := 0; a < n; a++ {
			for b := 0; b < n; b++ {
				for c := 0; c < n; c++ {
					mustNil(t, D3(col, ws, r.in, unit(n, a), unit(n, b), unit(n, c)))
					for i := range want {
						want[i] += col[i] * mt.At(a, b, c)
						scale[i] += math.Abs(col[i] * mt.At(a, b, c))
					}
				}
			}
		}
		for i := range want {
			if math.IsNaN(want[i]) || math.IsInf(want[i], 0) {
				continue
			}
			if math.Abs(got[i]-want[i]) > 1e-10*(scale[i]+1e-300) && got[i] != want[i] {
				t.Errorf("trial %d: output %d: ThirdContract %.17g, Σ D3 %.17g", trial, i, got[i], want[i])
			}
			if want[i] != 0 {
				nonzero++
			}
		}
	}
	if nonzero < 20 {
		t.Errorf("only %d non-zero contractions compared", nonzero)
	}
}

// TestFourthContractWW compares FourthContractWW with the sum of D4 along unit vectors
// weighted by W_jk W_lm, on random graphs and a random symmetric W (the same exact values
// rounded differently: the interpolation over the lattice |t| = 4 amplifies round-off by
// its condition, so 1e-8 relative to the sum of the absolute terms).
func TestFourthContractWW(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	nonzero := 0
	for trial := 0; trial < 40; trial++ {
		r := newRandGraph(rng)
		jac := NewJacobian(r.tape, r.vars)
		ws := jac.NewWorkspace()
		m, n := len(r.tape.Out), len(r.vars)
		w := randomSym(rng, n)
		got := make([]float64, m)
		if err := FourthContractWW(got, jac, ws, r.in, w); err != nil {
			t.Fatal(err)
		}
		want, scale, col := make([]float64, m), make([]float64, m), make([]float64, m)
		for a := 0; a < n; a++ {
			for b := 0; b < n; b++ {
				for c := 0; c < n; c++ {
					for d := 0; d < n; d++ {
						mustNil(t, D4(col, ws, r.in, unit(n, a), unit(n, b), unit(n, c), unit(n, d)))
						f := w.At(a, b) * w.At(c, d)
						for i := range want {
							want[i] += col[i] * f
							scale[i] += math.Abs(col[i] * f)
						}
					}
				}
			}
		}
		for i := range want {
			if math.IsNaN(want[i]) || math.IsInf(want[i], 0) {
				continue
			}
			if math.Abs(got[i]-want[i]) > 1e-8*(scale[i]+1e-300) && got[i] != want[i] {
				t.Errorf("trial %d: output %d: FourthContractWW %.17g, Σ D4·W·W %.17g", trial, i, got[i], want[i])
			}
			if want[i] != 0 {
				nonzero++
			}
		}
	}
	if nonzero < 20 {
		t.Errorf("only %d non-zero contractions compared", nonzero)
	}
}

// TestThirdPartialWW compares ThirdPartialWW with Σ_{a,b} D3[e_a, e_b, e_c] W_ab on random
// graphs and a random symmetric W (1e-10 relative to the sum of the absolute terms).
func TestThirdPartialWW(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	nonzero := 0
	for trial := 0; trial < 60; trial++ {
		r := newRandGraph(rng)
		jac := NewJacobian(r.tape, r.vars)
		ws := jac.NewWorkspace()
		m, n := len(r.tape.Out), len(r.vars)
		w := randomSym(rng, n)
		got := jac.NewCSR()
		mustNil(t, ThirdPartialWW(got, jac, ws, r.in, w))
		col := make([]float64, m)
		// Polarization leaves round-off of the size of the trial's largest terms where the
		// exact value is 0: an absolute floor of 1e-13 times that size.
		floor := 0.0
		for a := 0; a < n; a++ {
			for b := 0; b < n; b++ {
				for c := 0; c < n; c++ {
					mustNil(t, D3(col, ws, r.in, unit(n, a), unit(n, b), unit(n, c)))
					for i := range col {
						if v := math.Abs(col[i] * w.At(a, b)); !math.IsNaN(v) && !math.IsInf(v, 0) {
							floor = math.Max(floor, v)
						}
					}
				}
			}
		}
		floor *= 1e-13
		for c := 0; c < n; c++ {
			want, scale := make([]float64, m), make([]float64, m)
			for a := 0; a < n; a++ {
				for b := 0; b < n; b++ {
					mustNil(t, D3(col, ws, r.in, unit(n, a), unit(n, b), unit(n, c)))
					for i := range want {
						want[i] += col[i] * w.At(a, b)
						scale[i] += math.Abs(col[i] * w.At(a, b))
					}
				}
			}
			for i := range want {
				if math.IsNaN(want[i]) || math.IsInf(want[i], 0) {
					continue
				}
				g := got.At(i, c)
				if math.Abs(g-want[i]) > 1e-10*scale[i]+floor && g != want[i] {
					t.Errorf("trial %d: K[%d][%d] = %.17g, want %.17g", trial, i, c, g, want[i])
				}
				if want[i] != 0 {
					nonzero++
				}
			}
		}
	}
	if nonzero < 20 {
		t.Errorf("only %d non-zero entries compared", nonzero)
	}
}

// randomSym returns an n×n symmetric matrix of standard normal entries.
func randomSym(rng *rand.Rand, n int) *mat.SymDense {
	w := mat.NewSymDense(n, nil)
	for a := 0; a < n; a++ {
		for b := a; b < n; b++ {
			w.SetSym(a, b, rng.NormFloat64())
		}
	}
	return w
}
