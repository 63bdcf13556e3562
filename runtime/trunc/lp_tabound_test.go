package trunc

import (
	"context"
	"testing"
)

// schloglTABound prepares the (4.29) and (C.7) bounds of TA with re-entry z on Schlögl
// (set) at truncation r with v = x^deg, as the digest did (§5.1.4): F = {Qv > −1} closed to
// {0..max}, the naive d = max_F Qv + 1, f = 1 on F and −Qv outside (prefactor 1), the
// literal φ̄ = max_x min_{y∈F} φ(x, y) with φ = (I − Q_r/β)^{-1}, β on 10^{−3}…10^{4} in
// steps of 10^{0.05}, all by ta's own kernels (lyapunovSet, taSolve, taBound with the
// tridiagonal φ̄, which TestPhiBarTridiagonal checks against the block solves). It returns
// the refinement's input and the best (4.29) value with its β.
func schloglTABound(t *testing.T, set byte, r, z, deg int) (*Truncation, *TARefinement, float64, float64) {
	tr := schloglTruncation(set, r)
	v, qv := schloglLyapunov(set, r, deg)
	F, d, err := lyapunovSet(tr, v, qv)
	if err != nil {
		t.Fatal(err)
	}
	sys, err := newLevelSystem(tr)
	if err != nil {
		t.Fatal(err)
	}
	f, err := sys.factor(0)
	if err != nil {
		t.Fatal(err)
	}
	alpha := make([]float64, r)
	alpha[z] = 1
	in := &TARefinement{Z: z, V: v, QV: qv, F: F, Outflow: outflow(tr, taSolve(f, alpha))}
	in.Betas, err = betaGrid(&Options{})
	if err != nil {
		t.Fatal(err)
	}
	best, bestBeta, phis, ok, err := taBound(context.Background(), sys, F, d, v[z], in.Outflow, in.Betas)
	if err != nil || !ok {
		t.Fatalf("(%c) r = %d: (4.29): ok %v, %v", set, r, ok, err)
	}
	in.PhiBars = phis
	return tr, in, best, bestBeta
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
		tr, in, b429, beta := schloglTABound(t, 'b', c.r, 0, 1)
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
				tr, in, b429, _ := schloglTABound(t, 'b', r, z, deg)
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
