package slow

import (
	"context"
	"math"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// file expands a measure of a model under testdata/slow or examples with overrides.
func file(t *testing.T, path string, over compiler.Overrides, name string, s *Settings) *Measure {
	t.Helper()
	m := loadtest.Model(t, path, compiler.Options{Overrides: over})
	res, err := Expand(context.Background(), m, m.Inputs(), name, s)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestClosedForms checks the terms of the model-level expansions against closed forms:
// digest §8 (D2, D6, C1, C1b, C2) and the M_t/M/∞ and tandem formulas of issue 14, to 1e-9
// relative (1e-10 absolute for the tandem, whose box truncates a Poisson(1) tail of 1e-14).
func TestClosedForms(t *testing.T) {
	t.Parallel()
	// D6: p, q and their θ-derivatives at θ = 1; π₂ = p/(p+q), π̇₂ = (p′q − pq′)/(p+q)².
	s, ds := 1-math.Exp(-1), math.Exp(-1)
	p, q, dp, dq := 0.3+0.3*s, 0.2-0.1*s, 0.3*ds, -0.1*ds
	pidot := (dp*q - p*dq) / ((p + q) * (p + q))
	// M_t/M/∞ with sinusoidal rate at λ0 = 5000, ε = 0.01, T = 100.
	l0, eps, T := 5000.0, 0.01, 10.0
	lam := l0 * (1 + math.Sin(eps*T)/2)
	dlam := l0 * eps * math.Cos(eps*T) / 2
	d2lam := -l0 * eps * eps * math.Sin(eps*T) / 2
	cases := []struct {
		name, path, measure string
		over                compiler.Overrides
		want                []float64
		tol                 float64
	}{
		{"D2", "@slow_chain", "delta", compiler.Overrides{"eps": {1}}, []float64{51.0 / 7, -62.3615160350}, 1e-9},
		{"D6", "testdata/slow/d6.mf", "chi", nil, []float64{p / (p + q), -(1 - p - q) / (p + q) * pidot}, 1e-9},
		{"D6 digest", "testdata/slow/d6.mf", "chi", nil, []float64{0.7816368471, -0.0503177795}, 1e-9},
		{"C1", "@slow_ctmc", "at_end", compiler.Overrides{"eps": {1}}, []float64{1.5411437294, -0.2279442093, -0.1061823890}, 1e-9},
		{"C2", "@slow_ctmc", "disc", compiler.Overrides{"eps": {1}}, []float64{1.2922766280, 1.6234459986, -2.1951360779}, 1e-9},
		{"C1b", "testdata/slow/c1b.mf", "at_end", compiler.Overrides{"eps": {1}}, []float64{0.5, -1.0 / 32, -3.0 / 512}, 1e-12},
		{"M_t/M/inf", "testdata/slow/mtinf.mf", "mean", nil, []float64{3, -0.5, -0.2}, 1e-10},
		{"M_t/M/inf l0=5000", "testdata/slow/mtinf_sin.mf", "mean", nil, []float64{lam, -dlam, d2lam}, 1e-9},
		{"tandem 16x16", "testdata/slow/tandem.mf", "mean2", nil, []float64{0.5, -0.375, -0.175}, 1e-10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := file(t, c.path, c.over, c.measure, nil)
			for k, w := range c.want {
				near(t, c.name, res.Terms[k], w, c.tol*math.Max(1, math.Abs(w)))
			}
		})
	}
}

// TestRefusals: orders a kind does not have, and expansion points it is not expanded at, are
// refused with the reason.
func TestRefusals(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "@slow_chain", compiler.Options{})
	mc := loadtest.Model(t, "@slow_ctmc", compiler.Options{})
	cases := []struct {
		model   string
		measure string
		s       Settings
	}{
		{"chain", "delta", Settings{Order: 2}},
		{"chain", "tau", Settings{Order: 2}},
		{"chain", "chi", Settings{Order: 2, Expand: "start"}},
		{"chain", "kappa", Settings{Order: 1, Expand: "end"}},
		{"ctmc", "at_end", Settings{Order: 1, Expand: "start"}},
		{"ctmc", "at_end", Settings{Order: 1, Deriv: "fd"}},
	}
	for _, c := range cases {
		mod := m
		if c.model == "ctmc" {
			mod = mc
		}
		if _, err := Expand(context.Background(), mod, mod.Inputs(), c.measure, &c.s); err == nil {
			t.Errorf("%s %+v: no error", c.measure, c.s)
		} else {
			t.Logf("%s: %v", c.measure, err)
		}
	}
}

// TestParamSensitivity: the derivative of the frozen chain's discounted value with respect
// to a parameter (Theorem 1 with a ≡ 1, by AD) against a central difference of the exact
// value of the time-homogeneous chain (ε = 0) at m ± 1e-4 (truncation error O(h²) ≈ 1e-8
// relative, round-off 1e-12/h).
func TestParamSensitivity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	value := func(mdem float64) float64 {
		m := loadtest.Model(t, "@inventory", compiler.Options{Overrides: compiler.Overrides{"eps": {0}, "m": {mdem}}})
		v, _, err := Exact(ctx, m, m.Inputs(), "kappa", Settings{}.Limits)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	m := loadtest.Model(t, "@inventory", compiler.Options{Overrides: compiler.Overrides{"eps": {0}}})
	v, d, err := ParamSensitivity(ctx, m, m.Inputs(), "kappa", "m", nil)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "value", v, value(1), 1e-9*v)
	const h = 1e-4
	fd := (value(1+h) - value(1-h)) / (2 * h)
	near(t, "dκ/dm", d, fd, 1e-6*math.Abs(fd))
}
