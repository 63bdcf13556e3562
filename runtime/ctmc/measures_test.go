package ctmc

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

const mm1kMeasures = `model mm1km
param lam = 0.7
param mu = 1.0
param K = 5
param T = 2
param a = 0.5
species Q
observable q = Q
region full = Q == K
arrive: 0 -> Q when Q < K @ lam
serve:  Q -> 0 when Q > 0 @ mu
init { Q = 1 }
measure ss = stationary(q)
measure tr = transient(q, T)
measure tr0 = transient(q * q, 0)
measure cu = cumulative(q, T)
measure di = discounted(q, a)
measure un = until(1, full)
measure un0 = until(q, Q >= 1)
`

// Every measure kind on M/M/1/K (K = 5, λ = 0.7, μ = 1, X₀ = 1) against independent
// references: the geometric stationary law, gonum's Padé e^{QT} and the Van Loan block
// exponential for ∫₀^T e^{Qs} ds, a dense gonum solve of x(aI − Q) = p₀, and the
// birth–death formula for the mean hitting time of K.
func TestEvalMeasures(t *testing.T) {
	m := loadtest.Source(t, mm1kMeasures, compiler.Options{})
	in := m.Inputs()
	c, err := Explore(context.Background(), m, in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	n := c.NumStates()
	K, lam, mu, T, a := 5, 0.7, 1.0, 2.0, 0.5
	rho := lam / mu
	// Stationary mean.
	z, ss := 0.0, 0.0
	for k := 0; k <= K; k++ {
		z += math.Pow(rho, float64(k))
		ss += float64(k) * math.Pow(rho, float64(k))
	}
	ss /= z
	// Dense references, in the chain's state order.
	q := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for p := c.Q.RowPtr[i]; p < c.Q.RowPtr[i+1]; p++ {
			q.Set(i, int(c.Q.Col[p]), c.Q.Val[p])
		}
	}
	count := func(i int) float64 { return float64(c.Counts(i)[0]) }
	start := c.Index([]int{1}, 0)
	var qt mat.Dense
	qt.Scale(T, q)
	e := expmDense(&qt)
	big := mat.NewDense(2*n, 2*n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			big.Set(i, j, q.At(i, j)*T)
		}
		big.Set(i, n+i, T)
	}
	eb := expmDense(big)
	var ai mat.Dense
	ai.Scale(-1, q)
	for i := 0; i < n; i++ {
		ai.Set(i, i, ai.At(i, i)+a)
	}
	var inv mat.Dense
	if err := inv.Inverse(&ai); err != nil {
		t.Fatal(err)
	}
	tr, cu, di := 0.0, 0.0, 0.0
	for j := 0; j < n; j++ {
		tr += e.At(start, j) * count(j)
		cu += eb.At(start, n+j) * count(j)
		di += inv.At(start, j) * count(j)
	}
	// E_1[τ_K] = Σ_{k=1}^{K−1} (1/(λ π_k)) Σ_{j≤k} π_j for a birth–death chain.
	un := 0.0
	for k := 1; k < K; k++ {
		s := 0.0
		for j := 0; j <= k; j++ {
			s += math.Pow(rho, float64(j))
		}
		un += s / (lam * math.Pow(rho, float64(k)))
	}
	want := map[string]float64{"ss": ss, "tr": tr, "tr0": 1, "cu": cu, "di": di, "un": un, "un0": 0}
	for _, tc := range []struct {
		name string
		set  *MeasureSettings
	}{
		{"dense", nil},
		{"iterative", &MeasureSettings{Solve: &Settings{DenseMax: -1, Tol: 1e-13}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vals, err := EvalMeasures(context.Background(), c, m, in, nil, tc.set)
			if err != nil {
				t.Fatal(err)
			}
			if len(vals) != len(want) {
				t.Fatalf("%d measures, want %d", len(vals), len(want))
			}
			for _, v := range vals {
				if v.Err != nil {
					t.Errorf("%s (%s): %v", v.Name, v.Kind, v.Err)
					continue
				}
				// 1e-9 relative: the references are accurate to ~1e-13 (Padé, LU) and the
				// solves are run to a relative residual ≤ 1e-10 on systems with condition
				// number below 1e2.
				if w := want[v.Name]; math.Abs(v.Value-w) > 1e-9*math.Max(1, math.Abs(w)) {
					t.Errorf("%s (%s) = %.15g, want %.15g", v.Name, v.Kind, v.Value, w)
				} else {
					t.Logf("%s (%s) = %.12g, error %.2g, bound %.2g", v.Name, v.Kind, v.Value, math.Abs(v.Value-w), v.Bound)
				}
			}
		})
	}
	// Observables as 'mfc exact' reports them: E_π Q.
	res, err := Stationary(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := ObservableMeans(c, m, in, res.Pi)[0]; math.Abs(got-ss) > 1e-12 {
		t.Errorf("E_π q = %.15g, want %.15g", got, ss)
	}
}

func TestEvalMeasuresErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      map[string]string // measure → substring of its error ("" for success)
	}{
		{"time-inhomogeneous", `model ti
param lam = 1
species X
up:   0 -> X when X < 3 @ lam * (1 + t)
down: X -> 0 when X > 0 @ 1
init { X = 0 }
measure tr = transient(X, 1)
measure di = discounted(X, 1)
measure un = until(X, X == 3)
measure ut = until(1, X >= 3 - t)
`, map[string]string{"tr": "", "di": "", "un": "", "ut": "region of until measure 'ut' depends on t"}},
		{"until-never", `model un
species X, Y
up:   0 -> X when X < 3 and Y == 0 @ 1
trap: 0 -> Y when Y < 1 and X == 1 @ 1
init { X = 0, Y = 0 }
measure never = until(1, X == 3)
measure zero  = until(0, X == 3)
measure dt    = transient(X + t, 1)
measure cut   = cumulative(X + t, 1)
`, map[string]string{"never": "infinite or undefined", "zero": "", "dt": "", "cut": "depends on t"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := loadtest.Source(t, tc.src, compiler.Options{})
			in := m.Inputs()
			c, err := Explore(context.Background(), m, in, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			vals, err := EvalMeasures(context.Background(), c, m, in, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				w, ok := tc.want[v.Name]
				if !ok {
					t.Fatalf("unexpected measure %s", v.Name)
				}
				switch {
				case w == "" && v.Err != nil:
					t.Errorf("%s: %v", v.Name, v.Err)
				case w != "" && (v.Err == nil || !strings.Contains(v.Err.Error(), w)):
					t.Errorf("%s: error %v, want one containing %q", v.Name, v.Err, w)
				}
			}
		})
	}
	// A discrete-time model without a chain (nil): every measure gets ErrDiscreteTime.
	dm := loadtest.Source(t, mm1kMeasures, compiler.Options{})
	mod := *dm.IR
	mod.Time = ir.Discrete
	dm.IR = &mod
	vals, err := EvalMeasures(context.Background(), nil, dm, dm.Inputs(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vals {
		if !errors.Is(v.Err, ErrDiscreteTime) {
			t.Errorf("%s: %v, want ErrDiscreteTime", v.Name, v.Err)
		}
	}
}

// The initial law over the environment: 'env ~ stationary' gives the stationary law of the
// two-state switch (rates 2 and 3 at X = 0: P(Y = 1) = 2/5), a law block gives its weights.
// transient(·, 0) reads p₀ back; exact to 1e-14 (a 2×2 dense solve).
func TestInitialEnvironmentLaw(t *testing.T) {
	body := `species X
env Y in 0..1
sw01: set Y = 1 when Y == 0 @ 2
sw10: set Y = 0 when Y == 1 @ 3
up:   0 -> X when X < 2 and Y == 1 @ 1
down: X -> 0 when X > 0 @ 1
measure y1 = transient(ind(Y == 1), 0)
`
	for _, tc := range []struct {
		name, init string
		want       float64
	}{
		{"stationary", "init { X = 0, env ~ stationary }", 0.4},
		{"law", "init { X = 0, Y ~ {0: 0.25, 1: 0.75} }", 0.75},
		{"point", "init { X = 0, Y = 1 }", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := loadtest.Source(t, "model envlaw\n"+body+tc.init+"\n", compiler.Options{})
			in := m.Inputs()
			c, err := Explore(context.Background(), m, in, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			vals, err := EvalMeasures(context.Background(), c, m, in, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if v := vals[0]; v.Err != nil || math.Abs(v.Value-tc.want) > 1e-14 {
				t.Errorf("P(Y₀ = 1) = %.15g (%v), want %g", v.Value, v.Err, tc.want)
			}
		})
	}
}

// TestMeasuresFailOneByOne: a horizon the uniformisation cannot reach fails its own measure
// only; the other transient and cumulative measures keep their values.
func TestMeasuresFailOneByOne(t *testing.T) {
	t.Parallel()
	m := loadtest.Source(t, `model huge
species X
arrive: 0 -> X when X < 3 @ 1
leave:  X -> 0 when X > 0 @ X
init { X = 0 }
measure a = transient(X, 1)
measure huge = cumulative(X, 1e300)
measure b = cumulative(X, 2)
measure c = transient(X, 2)
`, compiler.Options{})
	c, err := explore(t, m, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	vals, err := EvalMeasures(context.Background(), c, m, m.Inputs(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vals {
		if (v.Name == "huge") != (v.Err != nil) {
			t.Errorf("%s: value %g, error %v", v.Name, v.Value, v.Err)
		}
		if v.Err == nil && !(v.Value > 0) {
			t.Errorf("%s = %g", v.Name, v.Value)
		}
	}
}

// TestStartMeasures: measures started before π is known (StartMeasures, the transient
// ones running meanwhile) give exactly the values and errors of EvalMeasures with the same
// π, on the M/M/1/K model with every measure kind (whose values TestEvalMeasures checks
// against independent references); their progress reports are held back until Finish and
// then each started and finished once; Stop abandons them without waiting for π; under a
// memory budget without room for both at once, they wait for Finish, with the same values.
func TestStartMeasures(t *testing.T) {
	t.Parallel()
	m := loadtest.Source(t, mm1kMeasures, compiler.Options{})
	in := m.Inputs()
	c, err := Explore(context.Background(), m, in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Stationary(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := EvalMeasures(context.Background(), c, m, in, r.Pi, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	started, finished := map[string]int{}, map[string]int{}
	released := false
	ctx := runtime.WithProgress(context.Background(), func(label string, total int64) (func(int64, int64), func()) {
		mu.Lock()
		defer mu.Unlock()
		if !released {
			t.Errorf("progress %q drawn before Finish", label)
		}
		started[label]++
		return func(int64, int64) {}, func() {
			mu.Lock()
			defer mu.Unlock()
			finished[label]++
		}
	})
	// Without room in the memory budget for both at once, the evaluation waits for Finish.
	tight := runtime.WithMaxBytes(context.Background(), c.Bytes())
	p := StartMeasures(tight, c, m, in, nil)
	if p.later == nil {
		t.Error("a budget of one chain: the measures started at once")
	}
	got, err := p.Finish(r.Pi)
	if err != nil {
		t.Fatal(err)
	}
	for k := range want {
		if got[k].Value != want[k].Value || (got[k].Err == nil) != (want[k].Err == nil) {
			t.Errorf("tight budget: %s: %+v, EvalMeasures gives %+v", want[k].Name, got[k], want[k])
		}
	}
	p.Stop()

	p = StartMeasures(ctx, c, m, in, nil)
	if p.later != nil {
		t.Error("the measures wait for Finish under the default budget")
	}
	time.Sleep(10 * time.Millisecond) // let the background work start its reports
	mu.Lock()
	released = true
	mu.Unlock()
	got, err = p.Finish(r.Pi)
	p.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d values, want %d", len(got), len(want))
	}
	for k := range want {
		if got[k].Name != want[k].Name || got[k].Value != want[k].Value || got[k].Bound != want[k].Bound || (got[k].Err == nil) != (want[k].Err == nil) {
			t.Errorf("%s: %+v, EvalMeasures gives %+v", want[k].Name, got[k], want[k])
		}
	}
	if started["uniformisation (matrix–vector products)"] == 0 {
		t.Errorf("no uniformisation progress; reports %v", started)
	}
	for l, n := range started {
		if finished[l] != n {
			t.Errorf("%q started %d times, finished %d", l, n, finished[l])
		}
	}

	// Stop without Finish: the stationary measures never get π, and Stop returns, whether
	// the evaluation runs or waits.
	p = StartMeasures(context.Background(), c, m, in, nil)
	p2 := StartMeasures(tight, c, m, in, nil)
	done := make(chan struct{})
	go func() { p.Stop(); p2.Stop(); p2.Stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not return")
	}
}
