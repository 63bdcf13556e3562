package ssa

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

const mm1k = `model mm1k
param lam = 0.7
param mu = 1.0
param K = 10
species Q
observable q2 = Q^2
arrive: 0 -> Q when Q < K @ lam
serve:  Q -> 0 when Q > 0 @ mu
init { Q = 0 }
`

// exact returns the stationary means of the species and observables of m.
func exact(t *testing.T, m *runtime.Model) []float64 {
	t.Helper()
	c, err := ctmc.Explore(context.Background(), m, m.Inputs(), ctmc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ctmc.Stationary(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := ctmc.MeanCounts(c, r.Pi)
	in := m.Inputs()
	sim, err := New(m, in, Settings{})
	if err != nil {
		t.Fatal(err)
	}
	obs := make([]float64, len(m.IR.Observables))
	for k := range obs {
		out = append(out, ctmc.Expectation(c, r.Pi, func(n []float64, y int) float64 {
			copy(sim.in.Counts, n)
			for i, v := range n {
				if sim.scaled {
					sim.in.Densities[i] = v / sim.in.Scale
				}
			}
			sim.env = y
			sim.setEnv()
			sim.Observables(obs)
			return obs[k]
		}))
	}
	return out
}

func TestStationaryMeans(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    *runtime.Model
		T    float64
	}{
		{"mm1k", loadtest.Source(t, mm1k, compiler.Options{}), 1e6},
		{"sis_external_M20", loadtest.Model(t, "@sis_external", compiler.Options{Scale: 20}), 1e5},
		{"t1_sis_env_N10", loadtest.Model(t, "@t1_sis_env", compiler.Options{Scale: 10}), 1e5},
	} {
		want := exact(t, tc.m)
		for _, method := range []string{MethodDirect, MethodCR} {
			t.Run(tc.name+"/"+method, func(t *testing.T) {
				res, err := TimeAverage(context.Background(), tc.m, tc.m.Inputs(), Settings{T: tc.T, Burnin: 100, Batches: 40, Level: 0.99, Seed: 1, Method: method})
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%d events", res.Events)
				for q, st := range res.Stats {
					ok := st.Lo <= want[q] && want[q] <= st.Hi
					t.Logf("%-12s exact %.6g  sim %.6g ± %.2g (99%% CI [%.6g, %.6g])", res.Names[q], want[q], st.Mean, st.SE, st.Lo, st.Hi)
					if !ok {
						t.Errorf("%s: exact %g outside the 99%% CI [%g, %g]", res.Names[q], want[q], st.Lo, st.Hi)
					}
				}
			})
		}
	}
}

// TestChiSquare compares the law of the M/M/1/5 queue length, sampled every Δ = 40 time
// units along one long run (so the samples are nearly independent), with the exact
// stationary law by a χ² goodness-of-fit test with 5 degrees of freedom, for each
// method; the test fails if p < 0.001 (the seed is fixed, so it cannot flake).
func TestChiSquare(t *testing.T) {
	for _, method := range []string{MethodDirect, MethodCR} {
		t.Run(method, func(t *testing.T) { testChiSquare(t, method) })
	}
}

func testChiSquare(t *testing.T, method string) {
	m := loadtest.Source(t, mm1k, compiler.Options{Overrides: compiler.Overrides{"K": {5}}})
	c, err := ctmc.Explore(context.Background(), m, m.Inputs(), ctmc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ctmc.Stationary(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	pi := make([]float64, 6)
	for i, p := range r.Pi {
		pi[c.Counts(i)[0]] = p
	}
	sim, err := New(m, m.Inputs(), Settings{Method: method})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Reset(7, 0); err != nil {
		t.Fatal(err)
	}
	const n, dt = 20000, 40.0
	obs := make([]float64, 6)
	for k := 1; k <= n; k++ {
		if err := sim.Advance(context.Background(), float64(k)*dt, nil); err != nil {
			t.Fatal(err)
		}
		obs[int(sim.Counts()[0])]++
	}
	chi2 := 0.0
	for i, o := range obs {
		e := n * pi[i]
		chi2 += (o - e) * (o - e) / e
	}
	p := 1 - distuv.ChiSquared{K: 5}.CDF(chi2)
	t.Logf("χ² = %.3f, p = %.3f, observed %v, expected %v", chi2, p, obs, pi)
	if p < 0.001 {
		t.Errorf("χ² = %g, p = %g < 0.001", chi2, p)
	}
}

// TestDeterminism checks that an ensemble is bit-identical for 1, 2 and 8 workers under
// each method, on a model with an environment, on a time-dependent model (thinning) and
// on discrete-time models (inventory: environment and time-dependent probabilities; the
// reflecting walk: a species), and that the progress callback sees every run once, in
// order.
func TestDeterminism(t *testing.T) {
	sis := loadtest.Model(t, "@t1_sis_env", compiler.Options{Scale: 10})
	td := loadtest.Source(t, `model bdt
species X
birth: 0 -> X @ 3 + sin(t)
death: X -> 0 @ X
init { X = 0 }
`, compiler.Options{})
	inventory, rw := discreteModels(t)
	cont, disc := []float64{0, 0.5, 1, 2}, []float64{0, 1, 5, 20}
	for _, tc := range []struct {
		name   string
		m      *runtime.Model
		method string
		bound  float64
		times  []float64
	}{
		{"t1_sis_env/direct", sis, MethodDirect, 0, cont},
		{"t1_sis_env/cr", sis, MethodCR, 0, cont},
		{"thinning/direct", td, MethodDirect, 4, cont},
		{"thinning/cr", td, MethodCR, 4, cont},
		{"discrete/inventory", inventory, MethodAuto, 0, disc},
		{"discrete/walk", rw, MethodAuto, 0, disc},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ref *EnsembleResult
			for _, w := range []int{1, 2, 8} {
				var calls, last int64
				s := Settings{Runs: 300, Times: tc.times, Seed: 42, Workers: w, Method: tc.method, RateBound: tc.bound,
					Progress: func(done, total int64) {
						calls++
						if done != last+1 || total != 300 {
							t.Errorf("workers %d: progress (%d, %d) after %d", w, done, total, last)
						}
						last = done
					}}
				res, err := Ensemble(context.Background(), tc.m, tc.m.Inputs(), s)
				if err != nil {
					t.Fatal(err)
				}
				if calls != 300 {
					t.Errorf("workers %d: %d progress calls, want 300", w, calls)
				}
				if ref == nil {
					ref = res
					continue
				}
				if res.Events != ref.Events {
					t.Errorf("workers %d: %d events, want %d", w, res.Events, ref.Events)
				}
				for k := range res.Stats {
					for q, st := range res.Stats[k] {
						if st != ref.Stats[k][q] {
							t.Errorf("workers %d: time %g %s: %+v, want %+v", w, res.Times[k], res.Names[q], st, ref.Stats[k][q])
						}
					}
				}
			}
			if tc.m != sis {
				return
			}
			// At time 0 the infected count is the initial 2 exactly and Y = 1 (init density).
			if st := ref.Stats[0][0]; st.Mean != 2 || st.Var != 0 {
				t.Errorf("I(0): %+v", st)
			}
			if st := ref.Stats[0][2]; st.Mean != 1 {
				t.Errorf("high(0): %+v", st)
			}
		})
	}
}

// TestTransientBirthDeath checks ensembles of each method against the exact mean of a
// birth-death process, with and without a time-dependent birth rate (thinning): the exact
// mean must lie in the 99% normal interval of 4000 runs (fixed seed).
func TestTransientBirthDeath(t *testing.T) {
	for _, method := range []string{MethodDirect, MethodCR} {
		t.Run(method, func(t *testing.T) { testTransientBirthDeath(t, method) })
	}
}

func testTransientBirthDeath(t *testing.T, method string) {
	const homo = `model bd
species X
birth: 0 -> X @ 5
death: X -> 0 @ X
init { X = 0 }
`
	m := loadtest.Source(t, homo, compiler.Options{})
	res, err := Ensemble(context.Background(), m, m.Inputs(), Settings{Runs: 4000, Times: []float64{0.5, 2}, Seed: 3, Level: 0.99, Method: method})
	if err != nil {
		t.Fatal(err)
	}
	for k, tt := range res.Times {
		want := 5 * (1 - math.Exp(-tt))
		if st := res.Stats[k][0]; want < st.Lo || want > st.Hi {
			t.Errorf("t = %g: mean %g CI [%g, %g], exact %g", tt, st.Mean, st.Lo, st.Hi, want)
		}
	}
	const inhomo = `model bdt
species X
birth: 0 -> X @ 1 + 0.5 * sin(t)
death: X -> 0 @ X
init { X = 0 }
`
	m = loadtest.Source(t, inhomo, compiler.Options{})
	if m.IR.TimeHomogeneous {
		t.Fatal("model should be time-dependent")
	}
	if _, err := Ensemble(context.Background(), m, m.Inputs(), Settings{Runs: 10, T: 1}); !errors.Is(err, ErrTimeDependent) {
		t.Fatalf("err = %v, want ErrTimeDependent", err)
	}
	res, err = Ensemble(context.Background(), m, m.Inputs(), Settings{Runs: 4000, Times: []float64{1, 3}, Seed: 3, Level: 0.99, RateBound: 1.5, Method: method})
	if err != nil {
		t.Fatal(err)
	}
	for k, tt := range res.Times {
		want := (1 - math.Exp(-tt)) + 0.25*(math.Sin(tt)-math.Cos(tt)+math.Exp(-tt))
		if st := res.Stats[k][0]; want < st.Lo || want > st.Hi {
			t.Errorf("thinning, t = %g: mean %g CI [%g, %g], exact %g", tt, st.Mean, st.Lo, st.Hi, want)
		}
	}
	if _, err := Ensemble(context.Background(), m, m.Inputs(), Settings{Runs: 10, T: 5, RateBound: 1.2, Method: method}); !errors.Is(err, ErrBoundExceeded) {
		t.Errorf("err = %v, want ErrBoundExceeded", err)
	}
}

func TestE801(t *testing.T) {
	const bad = `model bad
species A, B
mkB: 0 -> B when B < 2 @ 1
kill: A -> 0 @ B
init { A = 0, B = 0 }
`
	m := loadtest.Source(t, bad, compiler.Options{})
	for _, method := range []string{MethodDirect, MethodCR} {
		_, err := TimeAverage(context.Background(), m, m.Inputs(), Settings{T: 10, Seed: 1, Method: method})
		var d *diag.Diagnostic
		if !errors.As(err, &d) {
			t.Fatalf("%s: err = %v, want a diagnostic", method, err)
		}
		if d.Code != "E801" || !strings.Contains(d.Msg, "'kill'") || !strings.Contains(d.Msg, "A=0") || !strings.Contains(d.Msg, "A = -1") {
			t.Errorf("%s: got %v", method, d)
		}
		t.Log(d)
	}
}

func TestE802(t *testing.T) {
	const bad = `model bad
species A
grow: 0 -> A when A < 3 @ 1 / (A - 1)
init { A = 0 }
`
	m := loadtest.Source(t, bad, compiler.Options{})
	for _, method := range []string{MethodDirect, MethodCR} {
		_, err := TimeAverage(context.Background(), m, m.Inputs(), Settings{T: 100, Seed: 1, Method: method})
		var d *diag.Diagnostic
		if !errors.As(err, &d) || d.Code != "E802" || !strings.Contains(d.Msg, "A=0") {
			t.Errorf("%s: err = %v, want E802 at A=0", method, err)
		}
	}
}
