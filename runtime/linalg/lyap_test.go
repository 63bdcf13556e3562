package linalg

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// A random stable A (d = 6, shifted so its spectrum lies in Re λ < 0, with complex pairs):
// Bartels–Stewart vs the vectorized Kronecker system. Tolerance 1e-10 relative.
func TestLyapunovRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pairs := 0
	defer func() {
		if pairs == 0 {
			t.Error("no 2×2 Schur block was exercised")
		}
	}()
	for trial := 0; trial < 20; trial++ {
		const d = 6
		a := mat.NewDense(d, d, nil)
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				a.Set(i, j, rng.NormFloat64())
			}
		}
		var e mat.Eigen
		e.Factorize(a, mat.EigenNone)
		mx := math.Inf(-1)
		for _, v := range e.Values(nil) {
			mx = math.Max(mx, real(v))
		}
		for i := 0; i < d; i++ {
			a.Set(i, i, a.At(i, i)-mx-0.5)
		}
		b := mat.NewDense(d, 2, nil)
		for i := 0; i < d; i++ {
			b.Set(i, 0, rng.NormFloat64())
			b.Set(i, 1, rng.NormFloat64())
		}
		q := mat.NewSymDense(d, nil)
		q.SymOuterK(1, b)
		t2, _, err := schur(a)
		if err != nil {
			t.Fatal(err)
		}
		_, sz := blocks(t2)
		for _, k := range sz {
			if k == 2 {
				pairs++
			}
		}
		w, err := Lyapunov(a, q)
		if err != nil {
			t.Fatal(err)
		}
		wk, err := LyapunovKron(a, q)
		if err != nil {
			t.Fatal(err)
		}
		var diff mat.Dense
		diff.Sub(w, wk)
		if r := mat.Norm(&diff, math.Inf(1)) / mat.Norm(wk, math.Inf(1)); r > 1e-10 {
			t.Errorf("trial %d: relative difference %g", trial, r)
		}
		// Residual A W + W Aᵀ + Q.
		var aw, res mat.Dense
		aw.Mul(a, w)
		res.Add(&aw, aw.T())
		res.Add(&res, q)
		if r := mat.Norm(&res, math.Inf(1)) / mat.Norm(q, math.Inf(1)); r > 1e-12 {
			t.Errorf("trial %d: residual %g", trial, r)
		}
	}
}

func TestSingular(t *testing.T) {
	a := mat.NewDense(2, 2, []float64{0, 1, -1, 0}) // λ = ±i: λ1 + λ2 = 0
	q := mat.NewSymDense(2, []float64{1, 0, 0, 1})
	if _, err := Lyapunov(a, q); err == nil {
		t.Error("want a SingularError")
	}
}

// A non-symmetric C: LyapunovGeneral against its definition (relative residual 1e-12, a
// well-conditioned random stable A), and against Lyapunov for a symmetric C.
func TestLyapunovGeneral(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const d = 7
	a := mat.NewDense(d, d, nil)
	c := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			a.Set(i, j, rng.NormFloat64())
			c.Set(i, j, rng.NormFloat64())
		}
		a.Set(i, i, a.At(i, i)-float64(d))
	}
	x, err := LyapunovGeneral(a, c)
	if err != nil {
		t.Fatal(err)
	}
	var ax, res mat.Dense
	ax.Mul(a, x)
	res.Mul(x, a.T())
	res.Add(&res, &ax)
	res.Add(&res, c)
	if r := mat.Norm(&res, math.Inf(1)) / mat.Norm(c, math.Inf(1)); r > 1e-12 {
		t.Errorf("residual %g", r)
	}
	q := mat.NewSymDense(d, nil)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			q.SetSym(i, j, c.At(i, j)+c.At(j, i))
		}
	}
	w, err := Lyapunov(a, q)
	if err != nil {
		t.Fatal(err)
	}
	xs, err := LyapunovGeneral(a, q)
	if err != nil {
		t.Fatal(err)
	}
	var diff mat.Dense
	diff.Sub(w, xs)
	if r := mat.Norm(&diff, math.Inf(1)) / mat.Norm(w, math.Inf(1)); r > 1e-13 {
		t.Errorf("symmetric C: LyapunovGeneral differs from Lyapunov by %g", r)
	}
}

// TestSylvesterSymmetricHalf checks that the symmetric mode of the Sylvester kernel, which
// solves only the blocks on and above the diagonal, gives the general mode's solution (to
// round-off: the two sum in different orders) on a quasi-triangular T with 2×2 blocks.
func TestSylvesterSymmetricHalf(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 40
	a := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			a.Set(i, j, rng.NormFloat64())
		}
		a.Set(i, i, a.At(i, i)-3*math.Sqrt(float64(n)))
	}
	tq, _, err := schur(a)
	if err != nil {
		t.Fatal(err)
	}
	if st, sz := blocks(tq); len(st) == n {
		t.Fatalf("no 2×2 block in T (sizes %v)", sz)
	}
	r := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v := rng.NormFloat64()
			r.Set(i, j, v)
			r.Set(j, i, v)
		}
	}
	gen, err := sylvesterQuasiTriangular(tq, r, false)
	if err != nil {
		t.Fatal(err)
	}
	half, err := sylvesterQuasiTriangular(tq, r, true)
	if err != nil {
		t.Fatal(err)
	}
	var diff mat.Dense
	diff.Sub(gen, half)
	if e := mat.Norm(&diff, math.Inf(1)) / mat.Norm(gen, math.Inf(1)); e > 1e-13 {
		t.Errorf("symmetric mode differs from the general one by %.3g (relative)", e)
	}
	// And the residual T Y + Y Tᵀ − R of the symmetric mode.
	var res, tmp mat.Dense
	res.Mul(tq, half)
	tmp.Mul(half, tq.T())
	res.Add(&res, &tmp)
	res.Sub(&res, r)
	if e := mat.Norm(&res, math.Inf(1)) / mat.Norm(r, math.Inf(1)); e > 1e-12 {
		t.Errorf("residual %.3g", e)
	}
}
