package poisson

import (
	"context"
	"errors"
	"gonum.org/v1/gonum/floats"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mfcproject/mfc/runtime/linalg"
	"gonum.org/v1/gonum/mat"
)

var methods = []Method{Dense, Iterative}

// birthDeath returns the generator of the chain on 0..n−1 with rates λ_i: i → i+1 and
// μ_i: i → i−1.
func birthDeath(lambda, mu []float64) *linalg.CSR {
	n := len(lambda)
	q := &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, n+1)}
	for i := 0; i < n; i++ {
		add := func(j int, v float64) {
			q.Col = append(q.Col, int32(j))
			q.Val = append(q.Val, v)
		}
		out := 0.0
		if i > 0 {
			out += mu[i]
		}
		if i < n-1 {
			out += lambda[i]
		}
		if i > 0 {
			add(i-1, mu[i])
		}
		add(i, -out)
		if i < n-1 {
			add(i+1, lambda[i])
		}
		q.RowPtr[i+1] = len(q.Val)
	}
	return q
}

// mm1k returns λ, μ of M/M/1/K (K+1 states).
func mm1k(lambda, mu float64, k int) ([]float64, []float64) {
	l, m := make([]float64, k+1), make([]float64, k+1)
	for i := range l {
		l[i], m[i] = lambda, mu
	}
	return l, m
}

// birthDeathPoisson returns π and the solution of Q g = −(f − (πf)1), πg = 0, for a
// birth–death chain by the summation formulas: π_i ∝ Π_{k<i} λ_k/μ_{k+1}, and
// π_i λ_i (g(i+1) − g(i)) = −Σ_{k≤i} π_k (f_k − πf) (multiply the equation by π and sum
// over 0..i: the flux terms telescope by detailed balance). O(n²) (the head masses are
// summed afresh, to keep the reference simple).
func birthDeathPoisson(lambda, mu, f []float64) (pi, g []float64) {
	n := len(f)
	pi = make([]float64, n)
	pi[0] = 1
	for i := 1; i < n; i++ {
		pi[i] = pi[i-1] * lambda[i-1] / mu[i]
	}
	floats.Scale(1/floats.Sum(pi), pi)
	pf := floats.Dot(pi, f)
	// Σ_{k≤i} π_k(f_k − πf) = −Σ_{k>i} π_k(f_k − πf); the sum over the side of smaller mass
	// avoids the cancellation that would be divided by a tiny π_i.
	head, tail := make([]float64, n), make([]float64, n+1)
	headMass, acc := make([]float64, n), 0.0
	for i := 0; i < n; i++ {
		acc += pi[i] * (f[i] - pf)
		head[i] = acc
		headMass[i] = floats.Sum(pi[:i+1])
	}
	for i := n - 1; i >= 0; i-- {
		tail[i] = tail[i+1] + pi[i]*(f[i]-pf)
	}
	g = make([]float64, n)
	for i := 0; i < n-1; i++ {
		s := head[i]
		if headMass[i] > 0.5 {
			s = -tail[i+1]
		}
		g[i+1] = g[i] - s/(pi[i]*lambda[i])
	}
	c := floats.Dot(pi, g)
	for i := range g {
		g[i] -= c
	}
	return pi, g
}

// maxDiff returns max_i |x_i − y_i| / max(1, max_i |y_i|).
func maxDiff(x, y []float64) float64 {
	d, s := 0.0, 1.0
	for i := range x {
		d = math.Max(d, math.Abs(x[i]-y[i]))
		s = math.Max(s, math.Abs(y[i]))
	}
	return d / s
}

func newChainT(t *testing.T, q *linalg.CSR, discrete bool, o *Options) *Chain {
	t.Helper()
	var c *Chain
	var err error
	if discrete {
		c, err = NewDTMC(context.Background(), q, o)
	} else {
		c, err = NewCTMC(context.Background(), q, o)
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// solveT runs one of the four solves and checks its reported residual against tol.
func solveT(t *testing.T, what string, fn func(context.Context, []float64, []float64) (Stats, error), f []float64, tol float64) []float64 {
	t.Helper()
	dst := make([]float64, len(f))
	st, err := fn(context.Background(), dst, f)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !(st.Residual <= tol) {
		t.Errorf("%s: residual %.3g > %.3g (%v, %d iterations)", what, st.Residual, tol, st.Method, st.Iterations)
	}
	return dst
}

// TestTwoState checks the closed forms of the two-state chain. Continuous time, Q = [[−a, a],
// [b, −b]]: π = (b, a)/(a+b), e^{Qt} = Π + e^{−(a+b)t}(I − Π) and I − Π = [[a, −a], [−b, b]]/(a+b),
// so D = ∫(e^{Qt} − Π)dt = [[a, −a], [−b, b]]/(a+b)² and Z = Π + D. Discrete time, P = [[1−a,
// a], [b, 1−b]]: I − P = (a+b)(I − Π), so D = (I − Π)/(a+b), the same matrix, and Z = Π + D. Tolerance 1e-13
// relative: a 2×2 solve (or one exact ILU step) with entries of order one.
func TestTwoState(t *testing.T) {
	for _, tc := range []struct {
		a, b     float64
		discrete bool
	}{{1, 3, false}, {0.01, 100, false}, {0.2, 0.7, true}, {1, 1, true}} {
		a, b := tc.a, tc.b
		s := a + b
		pi := []float64{b / s, a / s}
		d := mat.NewDense(2, 2, []float64{a / s / s, -a / s / s, -b / s / s, b / s / s})
		var q *mat.Dense
		if tc.discrete {
			q = mat.NewDense(2, 2, []float64{1 - a, a, b, 1 - b})
		} else {
			q = mat.NewDense(2, 2, []float64{-a, a, b, -b})
		}
		for _, m := range methods {
			c := newChainT(t, FromDense(q), tc.discrete, &Options{Method: m})
			if e := maxDiff(c.Pi(), pi); e > 1e-13 {
				t.Errorf("%v %v: π = %v, want %v", tc, m, c.Pi(), pi)
			}
			checkAgainstDense(t, c, d, pi, 1e-13)
		}
	}
}

// checkAgainstDense compares the four solves with the deviation matrix d on the unit vectors
// and a fixed vector, to tol relative to max(1, |reference|).
func checkAgainstDense(t *testing.T, c *Chain, d *mat.Dense, pi []float64, tol float64) {
	t.Helper()
	n := c.N()
	f := make([]float64, n)
	for i := range f {
		f[i] = math.Sin(float64(3*i + 1))
	}
	want, wantRow := make([]float64, n), make([]float64, n)
	mat.NewVecDense(n, want).MulVec(d, mat.NewVecDense(n, f))
	mat.NewVecDense(n, wantRow).MulVec(d.T(), mat.NewVecDense(n, f))
	cmp := func(what string, got, want []float64) {
		if e := maxDiff(got, want); !(e <= tol) {
			t.Errorf("%s (%v, n=%d): error %.3g > %.3g", what, c.stats.Method, n, e, tol)
		}
	}
	cmp("D f", solveT(t, "Solve", c.Solve, f, tol), want)
	cmp("f D", solveT(t, "SolveRow", c.SolveRow, f, tol), wantRow)
	pf, sf := floats.Dot(pi, f), floats.Sum(f)
	for i := range want {
		want[i] += pf
		wantRow[i] += sf * pi[i]
	}
	cmp("Z f", solveT(t, "Z", c.Z, f, tol), want)
	cmp("f Z", solveT(t, "ZRow", c.ZRow, f, tol), wantRow)
}

// TestBirthDeath checks π and the Poisson equation of birth–death chains against the
// summation formulas (birthDeathPoisson): M/M/1/K at loads below, at and above 1 with
// f(n) = n (the queue length), and a chain with random rates and a random f. The row solve
// is checked by its defining equations (h Q = −(μ − (μ1)π), h1 = 0) through the residual,
// and for K ≤ 50 all four solves against the dense (Π − Q)⁻¹ − Π (mat.Inverse) to 1e-12.
// Tolerance on g 1e-11 relative to max(1, ‖g‖∞) (observed ≤ 3e-13 at n = 300): g grows like
// K²/(μ−λ), and the reference's running sums lose a few digits.
func TestBirthDeath(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type bd struct {
		name       string
		lambda, mu []float64
		f          []float64
	}
	var cases []bd
	for _, c := range []struct {
		lambda, mu float64
		k          int
	}{{0.5, 1, 30}, {1, 1, 40}, {2, 1, 25}, {0.9, 1, 200}} {
		l, m := mm1k(c.lambda, c.mu, c.k)
		f := make([]float64, c.k+1)
		for i := range f {
			f[i] = float64(i)
		}
		cases = append(cases, bd{"M/M/1/K", l, m, f})
	}
	n := 300
	l, m, f := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range l {
		l[i], m[i], f[i] = 0.5+rng.Float64(), 0.5+rng.Float64(), rng.NormFloat64()
	}
	cases = append(cases, bd{"random rates", l, m, f})
	for _, tc := range cases {
		pi, g := birthDeathPoisson(tc.lambda, tc.mu, tc.f)
		for _, meth := range methods {
			c := newChainT(t, birthDeath(tc.lambda, tc.mu), false, &Options{Method: meth})
			if e := maxDiff(c.Pi(), pi); e > 1e-13 {
				t.Errorf("%s n=%d %v: π error %.3g", tc.name, len(pi), meth, e)
			}
			got := solveT(t, "Solve", c.Solve, tc.f, 1e-12)
			if e := maxDiff(got, g); e > 1e-11 {
				t.Errorf("%s n=%d %v: g error %.3g", tc.name, len(pi), meth, e)
			}
			if len(pi) <= 50 {
				checkAgainstDense(t, c, denseDeviation(birthDeath(tc.lambda, tc.mu), pi, false), pi, 1e-12)
			}
			h := solveT(t, "SolveRow", c.SolveRow, tc.f, 1e-12)
			if s := floats.Sum(h); math.Abs(s) > 1e-12*math.Max(1, floats.Norm(h, 1)) {
				t.Errorf("%s %v: h1 = %g", tc.name, meth, s)
			}
		}
	}
}

// randomChain returns a random irreducible chain on n states: a cycle 0 → 1 → … → 0 plus
// deg random transitions a state, rates in (0, 1) (discrete: rows normalised, with a
// self-loop).
func randomChain(rng *rand.Rand, n, deg int, discrete bool) *linalg.CSR {
	dense := make([]map[int]float64, n)
	for i := range dense {
		dense[i] = map[int]float64{(i + 1) % n: rng.Float64() + 0.01}
		for k := 0; k < deg; k++ {
			if j := rng.IntN(n); j != i {
				dense[i][j] += rng.Float64()
			}
		}
		if discrete {
			dense[i][i] = rng.Float64()
		}
	}
	q := &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, n+1)}
	for i, row := range dense {
		tot := 0.0
		for j, v := range row {
			if j != i || discrete {
				tot += v
			}
		}
		for j := 0; j < n; j++ {
			v, ok := row[j]
			if discrete && ok {
				v /= tot
			} else if j == i {
				v, ok = -tot, true
			}
			if ok {
				q.Col = append(q.Col, int32(j))
				q.Val = append(q.Val, v)
			}
		}
		q.RowPtr[i+1] = len(q.Val)
	}
	return q
}

// TestRandomChain checks the defining equations on random irreducible chains: A g = f − (πf)1
// and πg = 0, h A = f − (f1)π and h1 = 0, to 1e-10 (residuals relative to the right side,
// πg relative to ‖g‖∞; a backward-stable solve of a system with condition ~10²–10³ leaves
// ~10⁻¹³), and the four solves against the dense (I − P + Π)⁻¹ or (Π − Q)⁻¹ (mat.Inverse)
// to 1e-10 relative.
func TestRandomChain(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, discrete := range []bool{false, true} {
		for _, n := range []int{1, 2, 7, 60} {
			q := randomChain(rng, n, 3, discrete)
			f := make([]float64, n)
			for i := range f {
				f[i] = rng.NormFloat64()
			}
			for _, meth := range methods {
				c := newChainT(t, q, discrete, &Options{Method: meth})
				g := solveT(t, "Solve", c.Solve, f, 1e-10)
				if e := floats.Dot(c.pi, g); math.Abs(e) > 1e-10*math.Max(1, floats.Norm(g, math.Inf(1))) {
					t.Errorf("n=%d %v: πg = %g", n, meth, e)
				}
				h := solveT(t, "SolveRow", c.SolveRow, f, 1e-10)
				if e := floats.Sum(h); math.Abs(e) > 1e-10*math.Max(1, floats.Norm(h, math.Inf(1))) {
					t.Errorf("n=%d %v: h1 = %g", n, meth, e)
				}
				if st := c.PiStats(); st.Residual > 1e-10 {
					t.Errorf("n=%d %v: ‖πA‖₁/σ = %g", n, meth, st.Residual)
				}
				checkAgainstDense(t, c, denseDeviation(q, c.Pi(), discrete), c.Pi(), 1e-10)
			}
		}
	}
}

// denseDeviation returns D = (I − P + Π)⁻¹ − Π for a transition matrix p, or (Π − Q)⁻¹ − Π
// for a generator, by mat.Inverse: the textbook formula, independent of the bordered
// factorisation.
func denseDeviation(p *linalg.CSR, pi []float64, discrete bool) *mat.Dense {
	n := p.Rows
	z := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			v := pi[j] - p.At(i, j)
			if i == j && discrete {
				v++
			}
			z.Set(i, j, v)
		}
	}
	if err := z.Inverse(z); err != nil {
		panic(err)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			z.Set(i, j, z.At(i, j)-pi[j])
		}
	}
	return z
}

// TestDenseIterativeAgree solves one random chain of 1500 states by both paths (the iterative
// one forced below its default size, where Auto would choose the dense LU). Tolerances
// relative to max(1, ‖·‖∞): 1e-10 for π, g and h (observed 2.4e-13, 3.8e-13 and 1.8e-11):
// GMRES stops at a backward error of 1e-12, and the forward error is at most that times a
// condition number of ~10² for this fast-mixing chain.
func TestDenseIterativeAgree(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	n := 1500
	q := randomChain(rng, n, 4, false)
	f := make([]float64, n)
	for i := range f {
		f[i] = rng.NormFloat64()
	}
	cd := newChainT(t, q, false, nil)
	ci := newChainT(t, q, false, &Options{Method: Iterative})
	if cd.stats.Method != Dense || ci.stats.Method != Iterative {
		t.Fatalf("methods %v and %v for n=%d", cd.stats.Method, ci.stats.Method, n)
	}
	e := maxDiff(ci.Pi(), cd.Pi())
	t.Logf("π: dense and iterative differ by %.3g (%d GMRES iterations)", e, ci.stats.Iterations)
	if e > 1e-10 {
		t.Errorf("π differs by %.3g", e)
	}
	for _, s := range []struct {
		name   string
		fd, fi func(context.Context, []float64, []float64) (Stats, error)
	}{{"Solve", cd.Solve, ci.Solve}, {"SolveRow", cd.SolveRow, ci.SolveRow}} {
		gd := solveT(t, s.name, s.fd, f, 1e-12)
		gi := solveT(t, s.name, s.fi, f, 1e-10)
		e := maxDiff(gi, gd)
		t.Logf("%s: dense and iterative differ by %.3g", s.name, e)
		if e > 1e-10 {
			t.Errorf("%s: dense and iterative differ by %.3g", s.name, e)
		}
	}
}

// TestGroupInverse checks K⁺ = (K + 1π)⁻¹ − 1π against that formula (mat.Inverse) on a random
// generator, against the two-state closed form K⁺ = −[[a, −a], [−b, b]]/(a+b)², and the
// identities K K⁺ = K⁺ K = I − 1π, K⁺1 = 0, πK⁺ = 0, to 1e-12 (entries of order one, m ≤ 20).
// With π given (here from an SVD) it is that formula to 1e-14. A generator with a transient
// state is allowed; two recurrent classes are ErrSingular.
func TestGroupInverse(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	two := mat.NewDense(2, 2, []float64{-1, 1, 3, -3})
	transient := mat.NewDense(3, 3, []float64{-1, 1, 0, 0, -2, 2, 0, 3, -3})
	for _, k := range []*mat.Dense{two, transient, denseOf(randomChain(rng, 20, 3, false)), mat.NewDense(1, 1, []float64{0})} {
		var kp mat.Dense
		if err := GroupInverse(&kp, k, nil); err != nil {
			t.Fatal(err)
		}
		m, _ := k.Dims()
		pi := make([]float64, m)
		c := newStationaryT(t, k, pi)
		want := mat.NewDense(m, m, nil)
		for i := 0; i < m; i++ {
			for j := 0; j < m; j++ {
				want.Set(i, j, k.At(i, j)+pi[j])
			}
		}
		if err := want.Inverse(want); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < m; i++ {
			for j := 0; j < m; j++ {
				want.Set(i, j, want.At(i, j)-pi[j])
			}
		}
		if !mat.EqualApprox(&kp, want, 1e-12) {
			t.Errorf("m=%d: K⁺ =\n%v\nwant\n%v", m, mat.Formatted(&kp), mat.Formatted(want))
		}
		var given mat.Dense
		if err := GroupInverse(&given, k, pi); err != nil || !mat.EqualApprox(&given, want, 1e-14) {
			t.Errorf("m=%d: K⁺ with π given differs from the formula (%v)", m, err)
		}
		var kk mat.Dense
		kk.Mul(k, &kp)
		if !mat.EqualApprox(&kk, c, 1e-12) {
			t.Errorf("m=%d: K K⁺ ≠ I − 1π", m)
		}
		kk.Mul(&kp, k)
		if !mat.EqualApprox(&kk, c, 1e-12) {
			t.Errorf("m=%d: K⁺ K ≠ I − 1π", m)
		}
	}
	var kp, kp3 mat.Dense
	if err := GroupInverse(&kp, two, nil); err != nil || !mat.EqualApprox(&kp, mat.NewDense(2, 2, []float64{-1. / 16, 1. / 16, 3. / 16, -3. / 16}), 1e-15) {
		t.Errorf("two-state K⁺ = %v (%v)", mat.Formatted(&kp), err)
	}
	twoClasses := mat.NewDense(3, 3, []float64{0, 0, 0, 1, -2, 1, 0, 0, 0})
	if err := GroupInverse(&kp3, twoClasses, nil); !errors.Is(err, ErrSingular) {
		t.Errorf("two recurrent classes: error %v, want ErrSingular", err)
	}
}

func denseOf(a *linalg.CSR) *mat.Dense {
	d := mat.NewDense(a.Rows, a.Cols, nil)
	for i := 0; i < a.Rows; i++ {
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			d.Set(i, int(a.Col[p]), a.Val[p])
		}
	}
	return d
}

// newStationaryT sets pi to the stationary law of the generator k by the null space of Kᵀ
// (SVD, independent of the package) and returns I − 1π.
func newStationaryT(t *testing.T, k *mat.Dense, pi []float64) *mat.Dense {
	t.Helper()
	m, _ := k.Dims()
	var svd mat.SVD
	if !svd.Factorize(k.T(), mat.SVDFull) {
		t.Fatal("SVD failed")
	}
	var v mat.Dense
	svd.VTo(&v)
	for i := range pi {
		pi[i] = v.At(i, m-1)
	}
	floats.Scale(1/floats.Sum(pi), pi)
	c := mat.NewDense(m, m, nil)
	for i := 0; i < m; i++ {
		for j := 0; j < m; j++ {
			c.Set(i, j, -pi[j])
		}
		c.Set(i, i, c.At(i, i)+1)
	}
	return c
}

// TestErrors checks the reported failures: a reducible chain, a bad generator, an iterative
// solve stopped by MaxIter and one stopped by a cancelled context.
func TestErrors(t *testing.T) {
	ctx := context.Background()
	red := FromDense(mat.NewDense(3, 3, []float64{-1, 1, 0, 1, -1, 0, 0, 1, -1}))
	var re *ReducibleError
	if _, err := NewCTMC(ctx, red, nil); !errors.As(err, &re) || re.From != 0 || re.To != 2 {
		t.Errorf("reducible: %v", err)
	}
	bad := FromDense(mat.NewDense(2, 2, []float64{-1, 2, 1, -1}))
	if _, err := NewCTMC(ctx, bad, nil); err == nil {
		t.Error("rows not summing to 0 accepted")
	}
	neg := FromDense(mat.NewDense(2, 2, []float64{1.5, -0.5, 0.5, 0.5}))
	if _, err := NewDTMC(ctx, neg, nil); err == nil {
		t.Error("negative transition probability accepted")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	q := randomChain(rng, 3000, 4, false)
	var ce *ConvergenceError
	if _, err := NewCTMC(ctx, q, &Options{Method: Iterative, MaxIter: 2}); !errors.As(err, &ce) || ce.Iterations != 2 || !(ce.Residual > ce.Tol) {
		t.Errorf("MaxIter 2: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := NewCTMC(cancelled, q, &Options{Method: Iterative}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

// TestUnreached checks that Unreached on the matrix itself names the state NewDTMC and
// NewCTMC report unreached from state 0 (their first test, on A with the diagonal rebuilt
// and zeros dropped), and −1 when every state is reached — also when only the reverse test
// fails (state 2 reached, but not reaching state 0).
func TestUnreached(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name     string
		m        []float64
		discrete bool
		want     int
	}{
		{"generator, 2 unreached", []float64{-1, 1, 0, 1, -1, 0, 0, 1, -1}, false, 2},
		{"generator, explicit zero to 1", []float64{-1, 0, 1, 0, -1, 1, 1, 0, -1}, false, 1},
		{"transition, 2 absorbing", []float64{0.5, 0.5, 0, 0.5, 0, 0.5, 0, 0, 1}, true, -1},
		{"transition, 1 unreached", []float64{0.5, 0, 0.5, 0.25, 0.25, 0.5, 1, 0, 0}, true, 1},
		{"transition, irreducible", []float64{0, 1, 0, 0, 0, 1, 1, 0, 0}, true, -1},
	}
	for _, c := range cases {
		m := FromDense(mat.NewDense(3, 3, c.m))
		if c.name == "generator, explicit zero to 1" {
			// FromDense drops zeros: store one (0 → 1), which is not a path.
			m = &linalg.CSR{Rows: 3, Cols: 3, RowPtr: []int{0, 3, 5, 7}, Col: []int32{0, 1, 2, 1, 2, 0, 2}, Val: []float64{-1, 0, 1, -1, 1, 1, -1}}
		}
		got := Unreached(m)
		if got != c.want {
			t.Errorf("%s: Unreached = %d, want %d", c.name, got, c.want)
		}
		var err error
		if c.discrete {
			_, err = NewDTMC(ctx, m, nil)
		} else {
			_, err = NewCTMC(ctx, m, nil)
		}
		var re *ReducibleError
		switch {
		case got >= 0 && (!errors.As(err, &re) || re.From != 0 || re.To != got):
			t.Errorf("%s: the chain's error is %v, want state 0 cannot reach state %d", c.name, err, got)
		case got < 0 && errors.As(err, &re) && re.From == 0:
			t.Errorf("%s: Unreached finds every state, the chain reports %v", c.name, err)
		}
	}
}
