package ctmc

import (
	"context"
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/floats"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// The exact references of the seed digest 004 (§8), which its authors computed by an ODE
// solver at rtol ≤ 1e-11 and print to 12 digits: C1 (E r(X(1/ε)) of slow_ctmc.mf), C1b (a
// two-state chain with rates a = 1 + εt, b = 2, r = (0, 1), at t = 1/ε) and C2 (the
// discounted reward of slow_ctmc.mf, α = 0.7). Flow's own error bound is about 1e-11, so
// the tolerance 2e-11 covers the bound plus the digest's rounding (5e-13).
func TestFlowDigestReferences(t *testing.T) {
	t.Parallel()
	const c1b = `model c1b
param eps = 0.02
env X in 0..1
up:   set X = 1 when X == 0 @ 1 + eps * t
down: set X = 0 when X == 1 @ 2
observable r = X
init { X = 0 }
measure at_end = transient(r, 1 / eps)
`
	for _, tc := range []struct {
		name, model, src, measure string
		eps, want                 float64
	}{
		{"C1-0.04", "@slow_ctmc", "", "at_end", 0.04, 1.531853307236},
		{"C1-0.02", "@slow_ctmc", "", "at_end", 0.02, 1.536542028919},
		{"C1-0.01", "@slow_ctmc", "", "at_end", 0.01, 1.538853626298},
		{"C1-0.005", "@slow_ctmc", "", "at_end", 0.005, 1.540001348486},
		{"C1b-0.02", "", c1b, "at_end", 0.02, 0.499372641472},
		{"C1b-0.01", "", c1b, "at_end", 0.01, 0.499686912223},
		{"C1b-0.005", "", c1b, "at_end", 0.005, 0.499843603286},
		{"C2-0.04", "@slow_ctmc", "", "disc", 0.04, 1.353896477379},
		{"C2-0.02", "@slow_ctmc", "", "disc", 0.02, 1.323892972999},
		{"C2-0.01", "@slow_ctmc", "", "disc", 0.01, 1.308294848051},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := compiler.Options{Overrides: compiler.Overrides{"eps": {tc.eps}}}
			var got MeasureValue
			var vals map[string]MeasureValue
			if tc.src != "" {
				_, vals = measureMap(t, tc.src, opts)
			} else {
				m := loadtest.Model(t, tc.model, opts)
				in := m.Inputs()
				c, err := Explore(context.Background(), m, in, Limits{})
				if err != nil {
					t.Fatal(err)
				}
				vs, err := EvalMeasures(context.Background(), c, m, in, nil, &MeasureSettings{Only: []string{tc.measure}})
				if err != nil {
					t.Fatal(err)
				}
				vals = map[string]MeasureValue{}
				for _, v := range vs {
					vals[v.Name] = v
				}
			}
			got = vals[tc.measure]
			if got.Err != nil {
				t.Fatal(got.Err)
			}
			e := math.Abs(got.Value - tc.want)
			t.Logf("%s = %.13f, digest %.12f, error %.2g, bound %.2g", tc.measure, got.Value, tc.want, e, got.Bound)
			if e > 2e-11 {
				t.Errorf("%s = %.13f, want %.12f (error %.2g)", tc.measure, got.Value, tc.want, e)
			}
			if got.Bound <= 0 || got.Bound > 1e-10 {
				t.Errorf("bound %.2g: want a positive bound near the tolerance 1e-11", got.Bound)
			}
		})
	}
}

// A chain whose frozen chain at t = 0 has one state: births at rate t (none at t = 0) up to
// 3, so the number of births by time s is min(N, 3) with N Poisson(s²/2). Flow finds the
// states as they are reached. Closed forms: E X(2) = E min(N, 3), N ~ Poisson(2); the mean
// hitting time of 3, until(1, X == 3) = ∫₀^∞ P(N(s) < 3) ds = √(π/2)·(1 + 1/2 + 3/8); the
// discounted reward at rate 1 of 1{X = 0}, ∫ e^{−s}e^{−s²/2} ds = √(π/2)·e^{1/2}·erfc(1/√2);
// the cumulative ∫₀^2 P(X(s) = 0) ds = √(π/2)·erf(√2). Tolerance: the error bound Flow
// reports (its target is 1e-11) plus round-off.
func TestFlowGrowingStates(t *testing.T) {
	t.Parallel()
	c, vals := measureMap(t, `model births
species X
up: 0 -> X when X < 3 @ t
observable x = X
observable zero = ind(X == 0)
init { X = 0 }
measure tr = transient(x, 2)
measure hit = until(1, X == 3)
measure di = discounted(zero, 1)
measure cu = cumulative(zero, 2)
`, compiler.Options{})
	if c.NumStates() != 1 {
		t.Fatalf("frozen chain at t = 0 has %d states, want 1", c.NumStates())
	}
	pois := func(k int) float64 { return math.Exp(-2) * math.Pow(2, float64(k)) / math.Gamma(float64(k+1)) }
	tr := pois(1) + 2*pois(2) + 3*(1-pois(0)-pois(1)-pois(2))
	r := math.Sqrt(math.Pi / 2)
	want := map[string]float64{"tr": tr, "hit": r * (1 + 0.5 + 3.0/8), "di": r * math.Exp(0.5) * math.Erfc(1/math.Sqrt2), "cu": r * math.Erf(math.Sqrt2)}
	for name, w := range want {
		v := vals[name]
		if v.Err != nil {
			t.Errorf("%s: %v", name, v.Err)
			continue
		}
		e := math.Abs(v.Value - w)
		t.Logf("%s = %.15g, closed form %.15g, error %.2g, bound %.2g", name, v.Value, w, e, v.Bound)
		if e > v.Bound+1e-13 || v.Bound > 1e-9 {
			t.Errorf("%s = %.15g, want %.15g (error %.2g, bound %.2g)", name, v.Value, w, e, v.Bound)
		}
	}
}

// On a time-homogeneous chain Flow agrees with uniformisation (Transient) and the linear
// solve of Discounted, within the sum of their error bounds and round-off, and its law keeps
// its mass.
func TestFlowHomogeneous(t *testing.T) {
	t.Parallel()
	m := loadtest.Source(t, `model q
species X
arrive: 0 -> X when X < 12 @ 4
serve:  X -> 0 @ X
observable x = X
init { X = 0 }
`, compiler.Options{})
	in := m.Inputs()
	c, err := Explore(context.Background(), m, in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	p0, _ := InitialDistribution(c)
	times := []float64{0, 0.5, 3, 3, 10}
	fr, err := Flow(context.Background(), c, m, in, p0, &FlowSettings{Times: times, Cumulative: true})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Transient(context.Background(), c, p0, times, &TransientSettings{Cumulative: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, ti := range times {
		d := 0.0
		dc := 0.0
		for s := range p0 {
			d += math.Abs(fr.P[i][s] - tr.P[i][s])
			dc += math.Abs(fr.Cumulative[i][s] - tr.Cumulative[i][s])
		}
		t.Logf("t = %g: ‖Flow − Transient‖₁ = %.2g (bounds %.2g + %.2g), cumulative %.2g (%.2g)", ti, d, fr.Error[i], tr.Epsilon[i], dc, fr.CumulativeError[i])
		if d > fr.Error[i]+tr.Epsilon[i]+1e-14 {
			t.Errorf("t = %g: laws differ by %.2g in ℓ₁, more than the bounds %.2g + %.2g", ti, d, fr.Error[i], tr.Epsilon[i])
		}
		if dc > fr.CumulativeError[i]+tr.CumulativeEpsilon[i]+1e-13 {
			t.Errorf("t = %g: cumulative laws differ by %.2g in ℓ₁, more than the bounds %.2g + %.2g", ti, dc, fr.CumulativeError[i], tr.CumulativeEpsilon[i])
		}
		if s := floats.Sum(fr.P[i]); math.Abs(s-1) > 1e-13 {
			t.Errorf("t = %g: mass %.16g", ti, s)
		}
	}
	dr, err := Discounted(context.Background(), c, p0, 0.5, nil)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := Flow(context.Background(), c, m, in, p0, &FlowSettings{Discount: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	d := 0.0
	for s := range p0 {
		d += math.Abs(fd.Discounted[s] - dr.X[s])
	}
	t.Logf("discounted: ‖Flow − solve‖₁ = %.2g (bound %.2g + tail %.2g), %d steps", d, fd.DiscountedError, fd.DiscountTail, fd.Steps)
	if d > fd.DiscountedError+fd.DiscountTail+1e-12 {
		t.Errorf("discounted laws differ by %.2g", d)
	}
}

// The until measure of a time-inhomogeneous chain: D2 of the seed digest 004 (§8) on
// slow_chain.mf, C = {0, 1}, target {2}, the reward r(X_T) = −2 at the hitting step
// included; the digest prints the exact values to 10 decimals, the recursion is exact to
// round-off and its truncation bound (1e-13). The closed form of the growing chain of
// TestTimeVarying (X rises by 1 with probability 1/2 at steps t ≥ 2, up to 5): until(x, X ==
// 5) = Σ_{k=1}^{4} k·2 + 5 = 25 (two steps on average at each level, the reward 5 at the
// hitting step). In continuous time, the chain of TestFlowGrowingStates.
func TestTimeVaryingUntil(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		eps, want float64
	}{{0.02, 6.4089959412}, {0.01, 6.7772580404}, {0.005, 7.0070277130}, {0.0025, 7.1388080129}} {
		m := loadtest.Model(t, "@slow_chain", compiler.Options{Overrides: compiler.Overrides{"eps": {tc.eps}}})
		in := m.Inputs()
		c, err := Explore(context.Background(), m, in, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		vals, err := EvalMeasures(context.Background(), c, m, in, nil, &MeasureSettings{Only: []string{"delta"}})
		if err != nil {
			t.Fatal(err)
		}
		v := vals[1]
		if v.Name != "delta" || v.Err != nil {
			t.Fatalf("%s: %v", v.Name, v.Err)
		}
		t.Logf("D2 ε = %g: δ = %.12f, digest %.10f, bound %.2g", tc.eps, v.Value, tc.want, v.Bound)
		if math.Abs(v.Value-tc.want) > 5.1e-11 || v.Bound > 1e-12 {
			t.Errorf("D2 ε = %g: δ = %.12f, want %.10f (bound %.2g)", tc.eps, v.Value, tc.want, v.Bound)
		}
	}
	_, vals := measureMap(t, `model grow
time discrete
species X
up: 0 -> X when X < 5 @ if t >= 2 then 0.5 else 0
observable x = X
init { X = 0 }
measure un = until(x, X == 5)
measure un0 = until(x, X == 0)
`, compiler.Options{})
	for name, want := range map[string]float64{"un": 25, "un0": 0} {
		if v := vals[name]; v.Err != nil || math.Abs(v.Value-want) > 1e-12 {
			t.Errorf("%s = %.16g (%v, bound %.2g), want %g", name, v.Value, v.Err, v.Bound, want)
		}
	}
}

// A chain that stays in C with positive probability is refused with ErrNotLeft: from 0 it
// goes to the target 1 or to the trap 2, which it never leaves.
func TestTimeVaryingUntilRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, time, p string }{
		{"discrete", "time discrete", "0.3 + 0.1 * exp(-t)"},
		{"continuous", "", "1 + 0.1 * exp(-t)"},
	} {
		_, vals := measureMap(t, `model trap
`+tc.time+`
env X in 0..2
win:  set X = 1 when X == 0 @ `+tc.p+`
trap: set X = 2 when X == 0 @ 0.2
init { X = 0 }
measure u = until(1, X == 1)
`, compiler.Options{})
		if v := vals["u"]; !errors.Is(v.Err, ErrNotLeft) {
			t.Errorf("%s: until = %g (%v), want ErrNotLeft", tc.name, v.Value, v.Err)
		} else {
			t.Logf("%s: %v", tc.name, v.Err)
		}
	}
}
