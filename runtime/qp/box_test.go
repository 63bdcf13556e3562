package qp

import (
	"context"
	"testing"
)

// TestBoxTruth: the digest's truncated truths at N = 200 (λ = 0.2, μ = 0.6, μ* = 0.18):
// π(0,0) = 0.183999236545 and E[N1] = 1.232392392636 (digest 002 §3.6, its own banded-LU
// solve), to 1e-9 absolute; and the oracle's ΔV_{(−1,0)}(1,0) = (1 − π(0,0))/(2λ).
func TestBoxTruth(t *testing.T) {
	t.Parallel()
	w := jointDeparture(0.2, 0.6, 0.18)
	b, err := NewBox(context.Background(), w.Rate, 200)
	if err != nil {
		t.Fatal(err)
	}
	ind := func(n1, n2 int) float64 {
		if n1 == 0 && n2 == 0 {
			return 1
		}
		return 0
	}
	if got := b.Pi(0, 0); abs(got-0.183999236545) > 1e-9 {
		t.Errorf("π(0,0) = %.12g, want 0.183999236545", got)
	}
	if got := b.Expect(func(n1, _ int) float64 { return float64(n1) }); abs(got-1.232392392636) > 1e-9 {
		t.Errorf("E[N1] = %.12g, want 1.232392392636", got)
	}
	v, err := b.Relative(context.Background(), ind)
	if err != nil {
		t.Fatal(err)
	}
	dv := v[b.Index(0, 0)] - v[b.Index(1, 0)]
	if want := (1 - b.Pi(0, 0)) / 0.4; abs(dv-want) > 1e-8 || abs(dv-2.04000190864) > 1e-9 {
		t.Errorf("ΔV_(−1,0)(1,0) = %.12g, want %.12g = 2.04000190864", dv, want)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestBoxLawMatchesLU checks the iterative law of the truncation check against the banded
// LU of NewBox on the same box (N = 60): the same chain, so the laws agree to the
// solvers' accuracy, 1e-10 in ℓ¹ (both residuals ≤ 1e-13).
func TestBoxLawMatchesLU(t *testing.T) {
	t.Parallel()
	w := jointDeparture(0.2, 0.6, 0.18)
	lu, err := NewBox(context.Background(), w.Rate, 60)
	if err != nil {
		t.Fatal(err)
	}
	it, err := NewBoxLaw(context.Background(), w.Rate, 60)
	if err != nil {
		t.Fatal(err)
	}
	d := 0.0
	for n1 := 0; n1 <= 60; n1++ {
		for n2 := 0; n2 <= 60; n2++ {
			d += abs(lu.Pi(n1, n2) - it.Pi(n1, n2))
		}
	}
	if d > 1e-10 || it.Residual > 1e-13 {
		t.Errorf("ℓ¹ difference %g, residual %g", d, it.Residual)
	}
}

// TestRelativeIterMatchesLU checks the iterative Poisson solve (a NewBoxLaw box) against
// the banded LU's on the same box (N = 80) for both rewards, at a point where the chain is
// fast (Table B η = 0.7) and a slow one (Table A r = 0.7, ρ1 ≈ 0.86): the same grounded
// system, so V agrees to its conditioning times the backward error (≤ 1e-13), taken as
// 1e-9 relative to max|V|; and the identity of the oracle, computed from either V, to 1e-10.
func TestRelativeIterMatchesLU(t *testing.T) {
	t.Parallel()
	for _, w := range []*Walk{jointDeparture(0.2, 0.6, 0.42), jointDeparture(0.7/2.4, 1/2.4, 0.3/2.4)} {
		lu, err := NewBox(context.Background(), w.Rate, 80)
		if err != nil {
			t.Fatal(err)
		}
		it, err := NewBoxLaw(context.Background(), w.Rate, 80)
		if err != nil {
			t.Fatal(err)
		}
		p, _, _ := Build(w, Spec{})
		for _, rw := range []*Reward{indicator, queue1} {
			v1, err := lu.Relative(context.Background(), rw.Eval)
			if err != nil {
				t.Fatal(err)
			}
			v2, err := it.Relative(context.Background(), rw.Eval)
			if err != nil {
				t.Fatal(err)
			}
			if it.RelBackward > RelativeTol || it.RelIterations == 0 {
				t.Errorf("backward error %g after %d iterations", it.RelBackward, it.RelIterations)
			}
			d, m := 0.0, 0.0
			for i := range v1 {
				d, m = max(d, abs(v1[i]-v2[i])), max(m, abs(v1[i]))
			}
			if d > 1e-9*m {
				t.Errorf("max|V_LU − V_iter| = %g, max|V| = %g", d, m)
			}
			o1, err := p.OracleWith(lu, v1, rw.Eval, rw.Mean(p))
			if err != nil {
				t.Fatal(err)
			}
			o2, err := p.OracleWith(it, v2, rw.Eval, rw.Mean(p))
			if err != nil {
				t.Fatal(err)
			}
			if abs(o1.Identity-o2.Identity) > 1e-10 {
				t.Errorf("identity %.15g (LU) vs %.15g (iterative)", o1.Identity, o2.Identity)
			}
		}
	}
}
