package slow

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
	"github.com/mfcproject/mfc/runtime/poisson"
	"gonum.org/v1/gonum/mat"
)

// randomStochastic returns a random n×n stochastic matrix with positive entries.
func randomStochastic(rng *rand.Rand, n int) []float64 {
	p := make([]float64, n*n)
	for i := 0; i < n; i++ {
		s := 0.0
		for j := 0; j < n; j++ {
			p[i*n+j] = 0.05 + rng.Float64()
			s += p[i*n+j]
		}
		for j := 0; j < n; j++ {
			p[i*n+j] /= s
		}
	}
	return p
}

func dense(a *linalg.CSR) *mat.Dense {
	var d mat.Dense
	a.ToDense(&d)
	return &d
}

// TestProposition2: P_1⋯P_m = P̃^m + ε Σ_{i=1}^{m} (i − 1) P̃^{i−1}P̃⁽¹⁾P̃^{m−i} + O(ε²) for
// P_k = P((k−1)ε) on random 5-state families (seed-004 §3.2): the remainder's ratio when ε
// halves is in [3.5, 4.5] at m = 6.
func TestProposition2(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(4, 2))
	for trial := 0; trial < 5; trial++ {
		a, b := randomStochastic(rng, 5), randomStochastic(rng, 5)
		const m = 6
		var prev float64
		for k, eps := range []float64{0.02, 0.01, 0.005} {
			prod := mat.NewDense(5, 5, nil)
			for i := 0; i < 5; i++ {
				prod.Set(i, i, 1)
			}
			for step := 1; step <= m; step++ {
				var next mat.Dense
				next.Mul(prod, dense(family(a, b, float64(step-1)*eps, eps).P))
				prod = &next
			}
			f := family(a, b, 0, eps) // D1 = ε P′(0)
			pt, p1 := dense(f.P), dense(f.D1)
			pow := func(k int) *mat.Dense {
				r := mat.NewDense(5, 5, nil)
				for i := 0; i < 5; i++ {
					r.Set(i, i, 1)
				}
				for ; k > 0; k-- {
					var x mat.Dense
					x.Mul(r, pt)
					r = &x
				}
				return r
			}
			approx := pow(m)
			for i := 1; i <= m; i++ {
				var x, y mat.Dense
				x.Mul(pow(i-1), p1)
				y.Mul(&x, pow(m-i))
				y.Scale(float64(i-1), &y)
				approx.Add(approx, &y)
			}
			var diff mat.Dense
			diff.Sub(prod, approx)
			e := mat.Norm(&diff, math.Inf(1))
			if k > 0 {
				if q := prev / e; q < 3.5 || q > 4.5 {
					t.Errorf("trial %d: remainder ratio %.3g at ε = %v", trial, q, eps)
				}
			}
			prev = e
		}
	}
}

// TestForms37and38: the transient-at-end expansion through Z (37) and through the
// function-form Poisson equations (38) with arbitrary constants added agree to 1e-12 on
// random 5-state families.
func TestForms37and38(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 1))
	r := []float64{1, -2, 0.5, 3, 0}
	for trial := 0; trial < 10; trial++ {
		f := family(randomStochastic(rng, 5), randomStochastic(rng, 5), 0.7, 0.3)
		c, err := poisson.NewDTMC(ctx, f.P, nil)
		if err != nil {
			t.Fatal(err)
		}
		z, err := TransientEnd(ctx, c, f, r, 2)
		if err != nil {
			t.Fatal(err)
		}
		consts := []float64{rng.NormFloat64() * 100, rng.NormFloat64(), -7, 1e3, 0.5}
		p, err := TransientEndPoisson(ctx, c, f, r, 2, consts)
		if err != nil {
			t.Fatal(err)
		}
		for k := range z.Terms {
			near(t, "(37) vs (38)", p.Terms[k], z.Terms[k], 1e-12)
		}
	}
}

// TestZeroRowSums: every derivative matrix the builder makes has zero row sums (to round-off)
// on the example models.
func TestZeroRowSums(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"@slow_chain", "@slow_ctmc", "@inventory", "testdata/slow/tandem.mf"} {
		m := loadtest.Model(t, name, compiler.Options{})
		in := m.Inputs()
		c, err := exploreAt(m, in)
		if err != nil {
			t.Fatal(err)
		}
		mats, err := NewBuilder(m, c, in).At(3, 2)
		if err != nil {
			t.Fatal(err)
		}
		for k, d := range []*linalg.CSR{mats.D1, mats.D2} {
			if s := RowSums(d); s > 1e-14*math.Max(1, d.NormInf()) {
				t.Errorf("%s: derivative %d has row sums up to %g", name, k+1, s)
			}
		}
	}
}

// TestFDLinearDrift: with probabilities linear in t the finite differences are the exact
// derivative (and the second difference 0), so --deriv fd and exact agree to round-off; on
// the curved slow_chain they differ at first order by O(ε²) (ratio ≈ 4 as ε halves).
func TestFDLinearDrift(t *testing.T) {
	t.Parallel()
	const src = `model lin
time discrete
param eps = 0.01
env X in 0..1
up: set X = 1 when X == 0 @ 0.3 + eps * t
down: set X = 0 when X == 1 @ 0.2
observable r = X
init { X = 0 }
measure kappa = discounted(r, 0.5)
measure chi = transient(r, 20)
`
	m := loadtest.Source(t, src, compiler.Options{})
	for _, name := range []string{"kappa", "chi"} {
		ex, err := Expand(context.Background(), m, m.Inputs(), name, &Settings{Order: 1})
		if err != nil {
			t.Fatal(err)
		}
		fd, err := Expand(context.Background(), m, m.Inputs(), name, &Settings{Order: 1, Deriv: "fd"})
		if err != nil {
			t.Fatal(err)
		}
		near(t, name+" fd vs exact", fd.Terms[1], ex.Terms[1], 1e-13)
	}
	var prev float64
	for k, eps := range []float64{0.04, 0.02, 0.01} {
		over := compiler.Overrides{"eps": {eps}}
		ex := expand(t, "@slow_chain", over, "kappa", &Settings{Order: 1})
		fd := expand(t, "@slow_chain", over, "kappa", &Settings{Order: 1, Deriv: "fd"})
		d := math.Abs(fd.Terms[1] - ex.Terms[1])
		if k > 0 {
			if q := prev / d; q < 3.5 || q > 4.5 {
				t.Errorf("fd − exact first-order term: ratio %.3g at ε = %v, want ≈ 4", q, eps)
			}
		}
		prev = d
	}
}
