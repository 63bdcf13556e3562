package refine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// twoState has a conservation law, x_A + x_B = m/N, and a fixed point with
// k1 x_A² = k2 x_B: dx_A*/dk1 = −x_A²/(2 k1 x_A + k2).
const twoState = `
scale N = 100
param k1 = 2, k2 = 3, m = 40
species A, B
ab: A -> B @ N * k1 * (A/N)^2
ba: B -> A @ N * k2 * B/N
observable a = A/N
observable ratio = A/(A + B + N)
init { A = m }
`

// stationaryAt loads the model with overrides and returns its stationary result.
func stationaryAt(t *testing.T, load func(compiler.Options) *runtime.Model, over map[string][]float64, order int) *Result {
	t.Helper()
	m := load(compiler.Options{Overrides: over})
	res, err := Stationary(context.Background(), m, m.Inputs(), &Settings{Order: order})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestSensitivitiesCentralDifferences checks every derivative of the order-1 stationary
// expansion (x*, V, each observable's h₀, C and refined value) against central differences
// with step h = 1e-5 (relative). The difference quotient's error is h²/6·|f”'| plus the
// Newton tolerance (1e-12) over h: JSQ's dV/dρ at ρ = 0.9 has |f”'| ≈ 4·10⁴ (the quotient
// is off by 6e-3 at h = 1e-3 and 6e-5 at h = 1e-4, the h² rate), so at h = 1e-5 it is
// within about 1e-6 and the AD values must agree to 1e-6 relative to max(1, |derivative|).
func TestSensitivitiesCentralDifferences(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		load   func(compiler.Options) *runtime.Model
		base   map[string][]float64
		params []string
	}{
		{"jsq K=5", func(o compiler.Options) *runtime.Model { return loadtest.Model(t, "jsq", o) },
			map[string][]float64{"K": {5}}, []string{"rho", "d"}},
		{"sir", func(o compiler.Options) *runtime.Model { return loadtest.Model(t, "sir", o) },
			map[string][]float64{}, []string{"a", "beta", "gamma", "delta"}},
		{"count init", func(o compiler.Options) *runtime.Model { return loadtest.Source(t, twoState, o) },
			map[string][]float64{}, []string{"k1", "k2"}},
	}
	for _, c := range cases {
		for _, order := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/order%d", c.name, order), func(t *testing.T) {
				t.Parallel()
				m := c.load(compiler.Options{Overrides: c.base})
				in := m.Inputs()
				res, sens, err := StationarySensitivities(context.Background(), m, in, &Settings{Order: order}, c.params)
				if err != nil {
					t.Fatal(err)
				}
				for k, p := range c.params {
					s := sens[k]
					if s.Param != p {
						t.Fatalf("sensitivity %d is for %q, want %q", k, s.Param, p)
					}
					p0 := m.IR.ParamValues[m.IR.Params[paramIndex(t, m, p)].Offset]
					h := hStep * math.Max(1, math.Abs(p0))
					at := func(v float64) *Result {
						over := map[string][]float64{p: {v}}
						for q, x := range c.base {
							over[q] = x
						}
						return stationaryAt(t, c.load, over, order)
					}
					hi, lo := at(p0+h), at(p0-h)
					fd := func(a, b float64) float64 { return (a - b) / (2 * h) }
					check := func(what string, got, want float64) {
						t.Helper()
						if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
							t.Errorf("d%s/d%s = %.10g, central difference %.10g", what, p, got, want)
						}
					}
					for i := range res.X {
						check("x"+m.IR.Species[i].Name, s.X[i], fd(hi.X[i], lo.X[i]))
						check("V"+m.IR.Species[i].Name, s.V[i], fd(hi.V[i], lo.V[i]))
						if order == 2 {
							check("A"+m.IR.Species[i].Name, s.A[i], fd(hi.A[i], lo.A[i]))
						}
					}
					if len(s.Observables) != len(res.Observables) {
						t.Fatalf("%d observable sensitivities, %d observables", len(s.Observables), len(res.Observables))
					}
					for i, o := range s.Observables {
						check(o.Name+".mean_field", o.MeanField, fd(hi.Observables[i].MeanField, lo.Observables[i].MeanField))
						check(o.Name+".C", o.C, fd(hi.Observables[i].C, lo.Observables[i].C))
						check(o.Name+".refined1", o.Refined1, fd(hi.Observables[i].Refined1, lo.Observables[i].Refined1))
						if order == 2 {
							check(o.Name+".D", o.D, fd(hi.Observables[i].D, lo.Observables[i].D))
							check(o.Name+".refined2", o.Refined2, fd(hi.Observables[i].Refined2, lo.Observables[i].Refined2))
						}
					}
				}
			})
		}
	}
}

var hStep = 1e-5

func paramIndex(t *testing.T, m *runtime.Model, name string) int {
	for i, p := range m.IR.Params {
		if p.Name == name {
			return i
		}
	}
	t.Fatalf("no parameter %q", name)
	return -1
}

// TestSensitivityClosedForm checks dx*/dk1 on the two-state model against its closed form;
// the conserved total keeps d(x_A + x_B)/dk1 = 0.
func TestSensitivityClosedForm(t *testing.T) {
	t.Parallel()
	m := loadtest.Source(t, twoState, compiler.Options{})
	res, sens, err := StationarySensitivities(context.Background(), m, m.Inputs(), nil, []string{"k1"})
	if err != nil {
		t.Fatal(err)
	}
	a := res.X[0]
	want := -a * a / (2*2*a + 3)
	if got := sens[0].X[0]; math.Abs(got-want) > 1e-15 {
		t.Errorf("dx_A/dk1 = %.17g, want %.17g", got, want)
	}
	if got := sens[0].X[0] + sens[0].X[1]; math.Abs(got) > 1e-15 {
		t.Errorf("d(x_A + x_B)/dk1 = %.17g, want 0", got)
	}
}

// TestSensitivityRefusals: parameters whose derivative the graph does not carry are refused
// with a reason and a hint; order 2 is refused.
func TestSensitivityRefusals(t *testing.T) {
	t.Parallel()
	derived := `
scale N = 100
param rho = 0.5
param lam = 2 * rho
species A
arrive: 0 -> A @ N * lam
leave: A -> 0 @ A
observable a = A/N
init { A = 0 }
`
	cases := []struct {
		name, model, param, want string
	}{
		{"scale", "sir", "N", "it is the scale"},
		{"unknown", "sir", "bta", "no such parameter"},
		{"init density with a law", "sir", "s0", "initial state"},
		{"structural", "jsq", "K", "structural"},
		{"count init with a law", "", "m", "initial state"},
		{"derived", "", "rho", "the default of 'lam' reads it"},
	}
	for _, c := range cases {
		var m *runtime.Model
		switch c.model {
		case "":
			src := derived
			if c.param == "m" {
				src = twoState
			}
			m = loadtest.Source(t, src, compiler.Options{})
		case "jsq":
			m = loadtest.Model(t, c.model, compiler.Options{Overrides: map[string][]float64{"K": {3}}})
		default:
			m = loadtest.Model(t, c.model, compiler.Options{})
		}
		_, _, err := StationarySensitivities(context.Background(), m, m.Inputs(), nil, []string{c.param})
		var pe *runtime.ParamError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) || pe.Hint == "" {
			t.Errorf("%s: error %v, want a ParamError containing %q with a hint", c.name, err, c.want)
		}
	}
	// Setting the derived parameter explicitly makes rho differentiable.
	m := loadtest.Source(t, derived, compiler.Options{Overrides: map[string][]float64{"lam": {1}}})
	if _, err := m.DiffParam("rho"); err != nil {
		t.Errorf("rho with lam set: %v", err)
	}
}

// BenchmarkSensitivityOrder2JSQ measures the order-2 expansion of JSQ with its derivative
// in ρ (compare BenchmarkStationaryOrder2JSQK*, the expansion alone).
func BenchmarkSensitivityOrder2JSQ(b *testing.B) {
	for _, k := range []float64{20, 100} {
		b.Run(fmt.Sprintf("K%g", k), func(b *testing.B) {
			m := loadtest.Model(b, "jsq", compiler.Options{Overrides: map[string][]float64{"K": {k}}})
			in := m.Inputs()
			for i := 0; i < b.N; i++ {
				if _, _, err := StationarySensitivities(context.Background(), m, in, &Settings{Order: 2}, []string{"rho"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
