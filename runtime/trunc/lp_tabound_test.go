package trunc

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// schloglTABound prepares the (4.29) and (C.7) bounds of TA with re-entry z on Schlögl
// (b) at truncation r with v = x^deg, as the digest did (§5.1.4): F = {Qv > −1} closed to
// {0..max}, the naive d = max_F Qv + 1, f = 1 on F and −Qv outside (prefactor 1), the
// literal φ̄ = max_x min_{y∈F} φ(x, y) with φ = (I − Q_r/β)^{-1} (dense inverse), β on
// 10^{−3}…10^{4} in steps of 10^{0.05}. It returns the refinement's input and the best
// (4.29) value with its β.
func schloglTABound(t *testing.T, r, z, deg int) (*Truncation, *TARefinement, float64, float64) {
	birth, death := schlogl('b')
	tr := birthDeathTruncation(r, birth, death)
	v := func(x float64) float64 { return math.Pow(x, float64(deg)) }
	qv := func(x float64) float64 { return birth(x)*(v(x+1)-v(x)) + death(x)*(v(x-1)-v(x)) }
	in := &TARefinement{Z: z, V: make([]float64, r), QV: make([]float64, r)}
	fmax := 0
	for x := 0; x < r; x++ {
		in.V[x], in.QV[x] = v(float64(x)), qv(float64(x))
		if in.QV[x] > -1 {
			fmax = x
		}
	}
	d := math.Inf(-1)
	for x := 0; x <= fmax; x++ {
		in.F = append(in.F, x)
		d = math.Max(d, in.QV[x]+1)
	}
	lu, err := newGTHLU(tr, identity(r))
	if err != nil {
		t.Fatal(err)
	}
	y := lu.solveRow(z)
	mass := massOf(y)
	for x := range y {
		in.Outflow += y[x] / mass * tr.Out[x]
	}
	q := mat.NewDense(r, r, nil)
	for x := 0; x < r; x++ {
		for k := tr.Q.RowPtr[x]; k < tr.Q.RowPtr[x+1]; k++ {
			q.Set(x, int(tr.Q.Col[k]), tr.Q.Val[k])
		}
	}
	best, bestBeta := math.Inf(1), 0.0
	var a, phi mat.Dense
	for s := -60; s <= 80; s++ {
		beta := math.Pow(10, float64(s)*0.05)
		a.Scale(-1/beta, q)
		for i := 0; i < r; i++ {
			a.Set(i, i, a.At(i, i)+1)
		}
		if err := phi.Inverse(&a); err != nil {
			t.Fatal(err)
		}
		pb := math.Inf(-1)
		for x := 0; x < r; x++ {
			mn := math.Inf(1)
			for _, y := range in.F {
				mn = math.Min(mn, phi.At(x, y))
			}
			pb = math.Max(pb, mn)
		}
		in.Betas, in.PhiBars = append(in.Betas, beta), append(in.PhiBars, pb)
		if pb > 0 {
			if b := (in.V[z] + d/(beta*pb)) * in.Outflow; b < best {
				best, bestBeta = b, beta
			}
		}
	}
	return tr, in, best, bestBeta
}

func identity(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

// TestRefineTABound checks the (C.7) refinement on Schlögl (b), v = x, z = 0 (seed-003
// §5.1.4 [REPRO], T20): this test's own (4.29) at r = 50 must reproduce the digest's
// 1.0053e-2 with β* ≈ 20 (5 digits: 1e-4 relative; 43.142 at r = 40), and (C.7) must lie
// between the true TV error (§5.1.3: 7.92018e-7 at r = 50, 3.39812e-3 at r = 40) and the
// digest's (4.29) value; the digest's (C.7)/error ratio is 9.6e3 (two digits: 5 %).
func TestRefineTABound(t *testing.T) {
	t.Parallel()
	needLP(t)
	for _, c := range []struct {
		r              int
		b429, tv, c7tv float64
	}{
		{50, 1.0053e-2, 7.92018e-7, 9.6e3},
		{40, 43.142, 3.39812e-3, 0},
	} {
		tr, in, b429, beta := schloglTABound(t, c.r, 0, 1)
		if !relClose(b429, c.b429, 1e-4) {
			t.Errorf("r = %d: (4.29) = %.6g at β = %.3g, digest %.6g", c.r, b429, beta, c.b429)
		}
		if c.r == 50 && (beta < 15 || beta > 25) {
			t.Errorf("r = %d: β* = %g, digest ≈ 20", c.r, beta)
		}
		b, err := RefineTABound(context.Background(), tr, in)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("r = %d: (4.29) %.5g at β %.3g; (C.7) %.5g at β %.3g; ratio to TV %.3g", c.r, b429, beta, b.Value, b.Beta, b.Value/c.tv)
		if !(b.Value <= c.b429) || !(b.Value >= c.tv) || b.Variant != "C.7" || !b.Certified {
			t.Errorf("r = %d: (C.7) = %+v, want in [%g, %g]", c.r, b, c.tv, c.b429)
		}
		if c.c7tv > 0 && !relClose(b.Value/c.tv, c.c7tv, 0.05) {
			t.Errorf("r = %d: (C.7)/TV = %.4g, digest %.2g", c.r, b.Value/c.tv, c.c7tv)
		}
	}
}

// TestRefineTABoundValid checks, over Schlögl (b) r ∈ {40, 50, 60}, v = x, x², x³ and
// z ∈ {0, r − 1} (acceptance 15), that (C.7) ≤ (4.29) at the best β of each, and that
// (C.7) ≥ the true TV error (seed-003 §5.1.3 [REPRO], 6 digits; for z = r − 1 the TA law is
// the conditional law and the error is the tail mass m_r).
func TestRefineTABoundValid(t *testing.T) {
	t.Parallel()
	needLP(t)
	tv := map[[2]int]float64{
		{40, 0}: 3.39812e-3, {50, 0}: 7.92018e-7, {60, 0}: 2.00438e-11,
		{40, 1}: 5.20604e-6, {50, 1}: 4.34267e-10, {60, 1}: 5.20460e-15,
	}
	for _, r := range []int{40, 50, 60} {
		for zi, z := range []int{0, r - 1} {
			for deg := 1; deg <= 3; deg++ {
				tr, in, b429, _ := schloglTABound(t, r, z, deg)
				b, err := RefineTABound(context.Background(), tr, in)
				if err != nil {
					t.Fatal(err)
				}
				if e := tv[[2]int{r, zi}]; !(b.Value <= b429) || !(b.Value >= e) {
					t.Errorf("r = %d, z = %d, v = x^%d: (C.7) %.5g, (4.29) %.5g, true TV %.5g", r, z, deg, b.Value, b429, e)
				}
			}
		}
	}
}
