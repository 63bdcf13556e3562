package linalg

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// bandCase builds a d×d banded test matrix of lower and upper bandwidths kl, ku.
type bandCase struct {
	name   string
	kl, ku int
	build  func(rng *rand.Rand, d int) *mat.Dense
}

// shiftStable shifts the diagonal of a so that its spectral abscissa is −margin.
func shiftStable(a *mat.Dense, margin float64) {
	n, _ := a.Dims()
	var e mat.Eigen
	e.Factorize(a, mat.EigenNone)
	mx := math.Inf(-1)
	for _, v := range e.Values(nil) {
		mx = math.Max(mx, real(v))
	}
	for i := 0; i < n; i++ {
		a.Set(i, i, a.At(i, i)-mx-margin)
	}
}

// randomBand fills the band kl, ku of a d×d matrix with standard normal entries.
func randomBand(rng *rand.Rand, d, kl, ku int) *mat.Dense {
	a := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		for j := max(0, i-kl); j <= min(d-1, i+ku); j++ {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	return a
}

var bandCases = []bandCase{
	{"tridiagonal random", 1, 1, func(rng *rand.Rand, d int) *mat.Dense {
		a := randomBand(rng, d, 1, 1)
		shiftStable(a, 0.05)
		return a
	}},
	{"kl=2 ku=3 random", 2, 3, func(rng *rand.Rand, d int) *mat.Dense {
		a := randomBand(rng, d, 2, 3)
		shiftStable(a, 0.1)
		return a
	}},
	// upper triangular, eigenvalues −λ_i = −10^(−2…2) (spread 10⁴) on the diagonal, entries
	// 0.4·λ_i·U(−1, 1) right of them: non-normal (A = D(I + N) with a strictly triangular N of
	// norm below 1; larger N make ‖A⁻¹‖ grow exponentially in d, see TestLyapunovBandFallback)
	{"non-normal spread 1e4", 0, 2, func(rng *rand.Rand, d int) *mat.Dense {
		a := randomBand(rng, d, 0, 2)
		for i := 0; i < d; i++ {
			lam := math.Pow(10, -2+4*float64(i)/float64(d-1))
			for j := i + 1; j <= min(d-1, i+2); j++ {
				a.Set(i, j, 0.4*lam*(2*rng.Float64()-1))
			}
			a.Set(i, i, -lam)
		}
		return a
	}},
	// the same spectrum with the coupling below the diagonal and the order reversed
	{"non-normal lower spread 1e4", 3, 0, func(rng *rand.Rand, d int) *mat.Dense {
		a := randomBand(rng, d, 3, 0)
		for i := 0; i < d; i++ {
			lam := math.Pow(10, 2-4*float64(i)/float64(d-1))
			for j := max(0, i-3); j < i; j++ {
				a.Set(i, j, 0.4*lam*(2*rng.Float64()-1))
			}
			a.Set(i, i, -lam)
		}
		return a
	}},
	// the Jacobian of JSQ with d = 1 (M/M/1 levels): tridiag(ρ, −(1+ρ), 1), non-normal Toeplitz
	// (bandCases[4], used by BenchmarkLyapunovBand)
	{"JSQ d=1 Toeplitz", 1, 1, func(rng *rand.Rand, d int) *mat.Dense {
		const rho = 0.9
		a := mat.NewDense(d, d, nil)
		for i := 0; i < d; i++ {
			a.Set(i, i, -(1 + rho))
			if i > 0 {
				a.Set(i, i-1, rho)
			}
			if i+1 < d {
				a.Set(i, i+1, 1)
			}
		}
		return a
	}},
}

// randomNoise returns a random positive semi-definite Q = B Bᵀ + diag, B d×3.
func randomNoise(rng *rand.Rand, d int) *mat.SymDense {
	b := mat.NewDense(d, 3, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < 3; j++ {
			b.Set(i, j, rng.NormFloat64())
		}
	}
	q := mat.NewSymDense(d, nil)
	q.SymOuterK(1, b)
	for i := 0; i < d; i++ {
		q.SetSym(i, i, q.At(i, i)+rng.Float64())
	}
	return q
}

// The ADI fast path against Bartels–Stewart (Lyapunov, itself checked against the Kronecker
// system in TestLyapunovRandom) on banded stable matrices with d = 300: the fast path must be
// taken (backward error ≤ 1e-14) and agree with Lyapunov to 1e-10 relative in the Frobenius
// norm (both solutions have a backward error of order 1e-15; the forward error is that times
// the condition number of the Lyapunov operator, moderate for these matrices). W must be
// symmetric (it is a SymDense) and LyapunovStable must return the fast path's result.
func TestLyapunovBand(t *testing.T) {
	t.Parallel()
	const d = 300
	for ci, c := range bandCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(21, uint64(ci)))
			a := c.build(rng, d)
			if kl, ku := bandwidths(a); kl != c.kl || ku != c.ku {
				t.Fatalf("bandwidths %d %d, want %d %d", kl, ku, c.kl, c.ku)
			}
			q := randomNoise(rng, d)
			w, be, steps, ok := lyapunovBand(a, q, lyapBandMaxSteps)
			if !ok {
				t.Fatalf("fast path not taken: backward error %g after %d steps", be, steps)
			}
			ref, err := Lyapunov(a, q)
			if err != nil {
				t.Fatal(err)
			}
			var diff mat.Dense
			diff.Sub(w, ref)
			rel := mat.Norm(&diff, 2) / mat.Norm(ref, 2)
			var res mat.Dense // Bartels–Stewart's own backward error, for comparison
			res.Mul(a, ref)
			var rt mat.Dense
			rt.CloneFrom(res.T())
			res.Add(&res, &rt)
			res.Add(&res, q)
			beBS := mat.Norm(&res, 2) / (2*mat.Norm(a, 2)*mat.Norm(ref, 2) + mat.Norm(q, 2))
			t.Logf("steps %d, backward error %.2g (Bartels–Stewart %.2g), relative difference %.2g", steps, be, beBS, rel)
			if rel > 1e-10 {
				t.Errorf("relative difference %g > 1e-10", rel)
			}
			ws, method, err := LyapunovStableMethod(a, q)
			if err != nil {
				t.Fatal(err)
			}
			if !mat.Equal(ws, w) {
				t.Error("LyapunovStable did not return the fast path's result")
			}
			if method != MethodADI {
				t.Errorf("method %q, want %q", method, MethodADI)
			}
		})
	}
}

// Cases the ADI fast path cannot solve to the backward error 1e-14 must fall back to
// Bartels–Stewart: LyapunovStable then returns Lyapunov's result bit for bit. (1) 2×2 blocks
// with eigenvalues −10⁻³ ± 100i: the real shifts contract the error by at most 1 − 2·10⁻⁵ a
// step. (2) An exponentially non-normal upper triangular A (diagonal −10^(−2…2), entries
// λ_i·N(0, 1) on two superdiagonals; ‖A⁻¹‖ ≈ 10⁸): the iteration stagnates far above 1e-14.
func TestLyapunovBandFallback(t *testing.T) {
	t.Parallel()
	const d = 300
	cases := []struct {
		name  string
		build func(rng *rand.Rand) *mat.Dense
	}{
		{"oscillatory", func(rng *rand.Rand) *mat.Dense {
			a := mat.NewDense(d, d, nil)
			for i := 0; i+1 < d; i += 2 {
				a.Set(i, i, -1e-3)
				a.Set(i+1, i+1, -1e-3)
				a.Set(i, i+1, 100)
				a.Set(i+1, i, -100)
			}
			return a
		}},
		{"exponentially non-normal", func(rng *rand.Rand) *mat.Dense {
			a := randomBand(rng, d, 0, 2)
			for i := 0; i < d; i++ {
				lam := math.Pow(10, -2+4*float64(i)/float64(d-1))
				for j := i + 1; j <= min(d-1, i+2); j++ {
					a.Set(i, j, lam*a.At(i, j))
				}
				a.Set(i, i, -lam)
			}
			return a
		}},
	}
	for ci, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(31, uint64(ci)))
			a := c.build(rng)
			q := randomNoise(rng, d)
			if _, be, steps, ok := lyapunovBand(a, q, lyapBandMaxSteps); ok {
				t.Fatalf("fast path accepted (backward error %g after %d steps)", be, steps)
			} else {
				t.Logf("fell back: backward error %.2g after %d steps", be, steps)
			}
			w, method, err := LyapunovStableMethod(a, q)
			if err != nil {
				t.Fatal(err)
			}
			if method != MethodBartelsStewart {
				t.Errorf("method %q after the fallback, want %q", method, MethodBartelsStewart)
			}
			ref, err := Lyapunov(a, q)
			if err != nil {
				t.Fatal(err)
			}
			if !mat.Equal(w, ref) {
				t.Error("LyapunovStable differs from Lyapunov after the fallback")
			}
		})
	}
}

// The banded LU with partial pivoting against the dense products: (A + sI) X = B for 50
// right-hand sides and (A + sI)ᵀ y = b, for several bandwidths (including one-sided bands,
// where the pivoting fills the upper band). The normwise backward error ‖(A+sI)X − B‖ /
// (‖A+sI‖‖X‖) must be at rounding level (1e-13: Gaussian elimination with partial pivoting is
// backward stable for these moderate growth factors).
func TestBandLU(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	const d, shift = 50, 0.3
	for _, kk := range [][2]int{{1, 1}, {2, 3}, {0, 2}, {3, 0}, {4, 1}} {
		a := randomBand(rng, d, kk[0], kk[1])
		f, ok := newBandLU(a, shift, kk[0], kk[1])
		if !ok {
			t.Fatalf("%v: singular", kk)
		}
		as := mat.DenseCopyOf(a)
		for i := 0; i < d; i++ {
			as.Set(i, i, as.At(i, i)+shift)
		}
		b := mat.NewDense(d, d, nil)
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				b.Set(i, j, rng.NormFloat64())
			}
		}
		x := mat.DenseCopyOf(b)
		f.solveRows(x.RawMatrix().Data, d)
		var r mat.Dense
		r.Mul(as, x)
		r.Sub(&r, b)
		if be := mat.Norm(&r, 1) / (mat.Norm(as, 1) * mat.Norm(x, 1)); be > 1e-13 {
			t.Errorf("%v: solveRows backward error %g", kk, be)
		}
		v := make([]float64, d)
		for i := range v {
			v[i] = b.At(i, 0)
		}
		y := append([]float64(nil), v...)
		f.solveTVec(y)
		var rv mat.VecDense
		rv.MulVec(as.T(), mat.NewVecDense(d, y))
		rv.SubVec(&rv, mat.NewVecDense(d, v))
		if be := mat.Norm(&rv, 1) / (mat.Norm(as, 1) * mat.Norm(mat.NewVecDense(d, y), 1)); be > 1e-13 {
			t.Errorf("%v: solveTVec backward error %g", kk, be)
		}
	}
}

// The JSQ d = 1 Jacobian at d = 500: the ADI fast path against Bartels–Stewart.
// go test ./runtime/linalg -run '^$' -bench LyapunovBand
func BenchmarkLyapunovBand(b *testing.B) {
	const d = 500
	rng := rand.New(rand.NewPCG(41, 42))
	a := bandCases[4].build(rng, d)
	q := randomNoise(rng, d)
	b.Run("ADI", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, _, _, ok := lyapunovBand(a, q, lyapBandMaxSteps); !ok {
				b.Fatal("fast path not taken")
			}
		}
	})
	b.Run("BartelsStewart", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := Lyapunov(a, q); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// An iteration budget too small for the convergence rate: the JSQ d = 1 Jacobian needs about
// 70 ADI steps at d = 300 (TestLyapunovBand); with a budget of 30 the fast path must refuse,
// and it must notice before spending the budget (the rate of the first cycles projects past it).
func TestLyapunovBandBudget(t *testing.T) {
	t.Parallel()
	const d, budget = 300, 30
	rng := rand.New(rand.NewPCG(51, 52))
	a := bandCases[4].build(rng, d)
	q := randomNoise(rng, d)
	_, be, steps, ok := lyapunovBand(a, q, budget)
	if ok {
		t.Fatalf("accepted after %d steps (backward error %g) with a budget of %d", steps, be, budget)
	}
	if steps >= budget {
		t.Errorf("spent %d steps of the budget %d before refusing", steps, budget)
	}
	t.Logf("refused after %d steps at backward error %.2g", steps, be)
}
