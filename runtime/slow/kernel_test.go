package slow

import (
	"context"
	"math"
	"testing"

	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/poisson"
	"gonum.org/v1/gonum/mat"
)

// The common discrete family of seed-004 §8: P(θ) = Pa + (1 − e^{−θ})(Pb − Pa), r = (1, 3, −2),
// μ = δ₀.
var (
	pa = []float64{0.5, 0.3, 0.2, 0.2, 0.6, 0.2, 0.3, 0.3, 0.4}
	pb = []float64{0.2, 0.3, 0.5, 0.1, 0.4, 0.5, 0.3, 0.5, 0.2}
	qa = []float64{-1, 0.6, 0.4, 0.5, -1.2, 0.7, 0.3, 0.9, -1.2}
	qb = []float64{-2, 1.5, 0.5, 0.2, -0.5, 0.3, 1, 1, -2}
	r3 = []float64{1, 3, -2}
	mu = []float64{1, 0, 0}
)

// family returns the matrices of A(θ) = a + (1 − e^{−θ})(b − a) at θ = eps·t with their
// t-derivatives: dA/dt = eps e^{−θ}(b − a), d²A/dt² = −eps² e^{−θ}(b − a).
func family(a, b []float64, theta, eps float64) Matrices {
	n := int(math.Sqrt(float64(len(a))))
	w := 1 - math.Exp(-theta)
	p, d1, d2 := make([]float64, len(a)), make([]float64, len(a)), make([]float64, len(a))
	for i := range a {
		p[i] = a[i] + w*(b[i]-a[i])
		d1[i] = eps * math.Exp(-theta) * (b[i] - a[i])
		d2[i] = -eps * eps * math.Exp(-theta) * (b[i] - a[i])
	}
	return Matrices{P: csr(n, p), D1: csr(n, d1), D2: csr(n, d2)}
}

func csr(n int, v []float64) *linalg.CSR { return linalg.FromDense(mat.NewDense(n, n, v)) }

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol || math.IsNaN(got) {
		t.Errorf("%s = %.12g, want %.12g (±%g)", what, got, want, tol)
	}
}

// TestCoefficients checks the ε-coefficients of every expansion at ε = 1 (the terms are
// then the coefficients) against the digest's closed-form values, seed-004 §8, to 1e-9
// (the digest prints ten digits).
func TestCoefficients(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m0 := family(pa, pb, 0, 1)
	m1 := family(pa, pb, 1, 1) // D4: P̃ = P(1)
	c0, err := poisson.NewDTMC(ctx, m0.P, nil)
	if err != nil {
		t.Fatal(err)
	}
	c1, err := poisson.NewDTMC(ctx, m1.P, nil)
	if err != nil {
		t.Fatal(err)
	}
	mc := family(qa, qb, 1, 1) // C1 at τ = 1
	cq, err := poisson.NewCTMC(ctx, mc.P, nil)
	if err != nil {
		t.Fatal(err)
	}
	mc0 := family(qa, qb, 0, 1) // C2 at 0
	inC := []bool{true, true, false}
	cases := []struct {
		name string
		run  func() (*Result, error)
		want []float64
	}{
		{"D1 discounted", func() (*Result, error) { return Discounted(ctx, m0, mu, r3, 0.5, 2, nil) },
			[]float64{2.6195369665, -1.6449671890, 6.8188918015}},
		{"D2 hitting", func() (*Result, error) { return Hitting(ctx, m0, mu, r3, inC, 1, nil) },
			[]float64{51.0 / 7, -62.3615160350}},
		// D3: π r, then n πP⁽¹⁾Zr − πP⁽¹⁾Z²r at n = 30.
		{"D3 transient start", func() (*Result, error) { return TransientStart(ctx, c0, m0, r3, 30, 1) },
			[]float64{1.1071428571, 30*(-0.7582908163) - (-0.9660850948)}},
		{"D4 transient end", func() (*Result, error) { return TransientEnd(ctx, c1, m1, r3, 2) },
			[]float64{0.7854810824, -0.0243749328, -0.0172820504}},
		{"D4 transient end (38)", func() (*Result, error) {
			return TransientEndPoisson(ctx, c1, m1, r3, 2, []float64{3.7, -11, 0.25, 2e3, -5})
		}, []float64{0.7854810824, -0.0243749328, -0.0172820504}},
		{"D5 cumulative", func() (*Result, error) { return Cumulative(ctx, c0, m0, mu, r3, 30, 1) },
			[]float64{32.9272959184, -302.1487791545}},
		{"C1 transient", func() (*Result, error) { return Transient(ctx, cq, mc, r3, 2) },
			[]float64{1.5411437294, -0.2279442093, -0.1061823890}},
		{"C2 discounted", func() (*Result, error) { return DiscountedContinuous(ctx, mc0, mu, r3, 0.7, 2, nil) },
			[]float64{1.2922766280, 1.6234459986, -2.1951360779}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res, err := c.run()
			if err != nil {
				t.Fatal(err)
			}
			for k, w := range c.want {
				near(t, c.name, res.Terms[k], w, 1e-9*math.Max(1, math.Abs(w)))
			}
		})
	}
}

// TestPMFCorrection checks the pmf form of the first correction on C1 (digest §5.4): π̇ = π̃Q̇D
// equals a central difference of the pointwise stationary law π(τ) (h = 1e-4: error O(h²)
// ≈ 1e-8), p⁽¹⁾Q̃ = π̇ and p⁽¹⁾1 = 0 to 1e-13, and p⁽¹⁾r equals the first-order term.
func TestPMFCorrection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	stationary := func(theta float64) []float64 {
		c, err := poisson.NewCTMC(ctx, family(qa, qb, theta, 1).P, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c.Pi()
	}
	f := family(qa, qb, 1, 1)
	c, err := poisson.NewCTMC(ctx, f.P, nil)
	if err != nil {
		t.Fatal(err)
	}
	pidot, p1, err := PMFCorrection(ctx, c, f)
	if err != nil {
		t.Fatal(err)
	}
	const h = 1e-4
	up, down := stationary(1+h), stationary(1-h)
	for i := range pidot {
		near(t, "π̇", pidot[i], (up[i]-down[i])/(2*h), 1e-8)
	}
	pq := vmul(p1, f.P)
	sum := 0.0
	for i := range p1 {
		near(t, "p⁽¹⁾Q", pq[i], pidot[i], 1e-13)
		sum += p1[i]
	}
	near(t, "p⁽¹⁾1", sum, 0, 1e-13)
	res, err := Transient(ctx, c, f, r3, 1)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "p⁽¹⁾r", dot(p1, r3), res.Terms[1], 1e-12)
}
