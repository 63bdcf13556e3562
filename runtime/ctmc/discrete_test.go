package ctmc

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// measureMap evaluates every measure of the model on its explored chain.
func measureMap(t *testing.T, src string, opts compiler.Options) (*Chain, map[string]MeasureValue) {
	t.Helper()
	m := loadtest.Source(t, src, opts)
	in := m.Inputs()
	c, err := Explore(context.Background(), m, in, Limits{})
	if err != nil {
		t.Fatalf("Explore: %v", err)
	}
	vals, err := EvalMeasures(context.Background(), c, m, in, nil, nil)
	if err != nil {
		t.Fatalf("EvalMeasures: %v", err)
	}
	out := map[string]MeasureValue{}
	for _, v := range vals {
		out[v.Name] = v
	}
	return c, out
}

const twoStateDT = `model two
time discrete
param a = 0.3
param b = 0.1
param T = 9
param r = 0.25
env X in 0..1
go:   set X = 1 when X == 0 @ a
back: set X = 0 when X == 1 @ b
observable x = X
init { X = 0 }
measure ss = stationary(x)
measure tr = transient(x, T)
measure tr0 = transient(x, 0)
measure cu = cumulative(x, T)
measure di = discounted(x, r)
measure hit = until(1, X == 1)
measure hitx = until(x, X == 1)
measure hit0 = until(1, X == 0)
`

// The two-state chain P = [[1−a, a], [b, 1−b]] from X₀ = 0, with λ = 1 − a − b and
// π₁ = a/(a+b): P(X_t = 1) = π₁(1 − λ^t), Σ_{j<T} P(X_j = 1) = π₁(T − (1 − λ^T)/(1 − λ)),
// Σ_j β^j P(X_j = 1) = π₁(1/(1−β) − 1/(1−βλ)), E(τ + 1) = 1 + 1/a for τ the geometric
// hitting time of 1, and until(x, X == 1) = 1 (only the hitting step is rewarded). All are
// within 1e-13: the chain has 2 states and T = 9 steps, so only a few ulps of round-off.
func TestDiscreteTwoState(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b float64
	}{
		{"slow", 0.3, 0.1},
		{"fast", 0.9, 0.6},
		{"lazy", 0.01, 0.02},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := compiler.Options{Overrides: compiler.Overrides{"a": {tc.a}, "b": {tc.b}}}
			c, vals := measureMap(t, twoStateDT, opts)
			if !c.Discrete || c.NumStates() != 2 {
				t.Fatalf("discrete %v, %d states", c.Discrete, c.NumStates())
			}
			r, err := Stationary(context.Background(), c, nil)
			if err != nil {
				t.Fatal(err)
			}
			a, b, T, beta := tc.a, tc.b, 9.0, math.Exp(-0.25)
			lam := 1 - a - b
			pi1 := a / (a + b)
			if i := c.Index(nil, 1); math.Abs(r.Pi[i]-pi1) > 1e-13 || r.Residual > 1e-14 {
				t.Errorf("π₁ = %.16g, want %.16g (residual %.2g)", r.Pi[i], pi1, r.Residual)
			}
			want := map[string]float64{
				"ss":   pi1,
				"tr":   pi1 * (1 - math.Pow(lam, T)),
				"tr0":  0,
				"cu":   pi1 * (T - (1-math.Pow(lam, T))/(1-lam)),
				"di":   pi1 * (1/(1-beta) - 1/(1-beta*lam)),
				"hit":  1 + 1/a,
				"hitx": 1,
				"hit0": 1,
			}
			worst := 0.0
			defer func() { t.Logf("largest error %.2g (relative to max(1, |value|))", worst) }()
			for name, w := range want {
				v := vals[name]
				if v.Err != nil {
					t.Errorf("%s: %v", name, v.Err)
					continue
				}
				err := math.Abs(v.Value - w)
				worst = math.Max(worst, err/math.Max(1, math.Abs(w)))
				if err > 1e-13*math.Max(1, math.Abs(w)) {
					t.Errorf("%s = %.16g, want %.16g (error %.2g)", name, v.Value, w, err)
				}
			}
		})
	}
}

const walk = `model walk
time discrete
param p = 0.3
param q = 0.5
param K = 8
species X
up:   0 -> X when X < K @ p
down: X -> 0 when X > 0 @ q
observable x = X
region top = X == K
init { X = 2 }
measure ss = stationary(x)
measure tr = transient(x * x, 7)
measure cu = cumulative(x, 12)
measure di = discounted(x, 0.2)
measure un = until(x, top)
measure un1 = until(1, top)
`

// The lazy random walk on {0..K} with reflecting boundaries (up with probability p below
// K, down with probability q above 0, the rest a self-loop). Its stationary law is
// geometric, π_k ∝ (p/q)^k (detailed balance π_k p = π_{k+1} q). The other measures are
// checked against dense references built here from p and q alone: the law after 7 steps
// and Σ_{j<12} p₀P^j by repeated dense products, the discounted sum by a dense solve of
// (I − βP)ᵀx = p₀, and the until reward by a dense solve of (I − P_AA)h = f_A + P_AR f_R on
// A = {0..K−1}. Tolerance 1e-12 relative: dense LU and sparse products on 9 states differ
// by round-off only (condition numbers below 1e3).
func TestDiscreteRandomWalk(t *testing.T) {
	for _, tc := range []struct {
		name    string
		p, q    float64
		K       int
		dense   int
		wantIts bool
	}{
		{"dense", 0.3, 0.5, 8, 0, false},
		{"iterative", 0.3, 0.5, 8, -1, true},
		{"drift-up", 0.45, 0.2, 12, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := compiler.Options{Overrides: compiler.Overrides{"p": {tc.p}, "q": {tc.q}, "K": {float64(tc.K)}}}
			m := loadtest.Source(t, walk, opts)
			in := m.Inputs()
			c, err := Explore(context.Background(), m, in, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			K, p, q := tc.K, tc.p, tc.q
			n := K + 1
			if c.NumStates() != n {
				t.Fatalf("%d states, want %d", c.NumStates(), n)
			}
			set := &Settings{DenseMax: tc.dense, Tol: 1e-13}
			r, err := Stationary(context.Background(), c, set)
			if err != nil {
				t.Fatal(err)
			}
			rho := p / q
			z := 0.0
			for k := 0; k <= K; k++ {
				z += math.Pow(rho, float64(k))
			}
			maxErr := 0.0
			for k := 0; k <= K; k++ {
				maxErr = math.Max(maxErr, math.Abs(r.Pi[c.Index([]int{k}, 0)]-math.Pow(rho, float64(k))/z))
			}
			if maxErr > 1e-12 {
				t.Errorf("stationary law off the geometric law by %.2g (%s)", maxErr, r.Method)
			}
			// Dense P indexed by k, built from p and q only.
			P := mat.NewDense(n, n, nil)
			for k := 0; k <= K; k++ {
				stay := 1.0
				if k < K {
					P.Set(k, k+1, p)
					stay -= p
				}
				if k > 0 {
					P.Set(k, k-1, q)
					stay -= q
				}
				P.Set(k, k, stay)
			}
			x := make([]float64, n)
			for k := range x {
				x[k] = float64(k)
			}
			pk := mat.NewVecDense(n, nil)
			pk.SetVec(2, 1)
			var tr, cu float64
			for j := 0; j < 12; j++ {
				for k := 0; k < n; k++ {
					cu += pk.AtVec(k) * x[k]
					if j == 7 {
						tr += pk.AtVec(k) * x[k] * x[k]
					}
				}
				var nx mat.VecDense
				nx.MulVec(P.T(), pk)
				pk = &nx
			}
			beta := math.Exp(-0.2)
			A := mat.NewDense(n, n, nil)
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					v := -beta * P.At(j, i)
					if i == j {
						v++
					}
					A.Set(i, j, v)
				}
			}
			b := mat.NewVecDense(n, nil)
			b.SetVec(2, 1)
			var dx mat.VecDense
			if err := dx.SolveVec(A, b); err != nil {
				t.Fatal(err)
			}
			di := 0.0
			for k := 0; k < n; k++ {
				di += dx.AtVec(k) * x[k]
			}
			until := func(f []float64) float64 {
				H := mat.NewDense(K, K, nil)
				rhs := mat.NewVecDense(K, nil)
				for i := 0; i < K; i++ {
					for j := 0; j < K; j++ {
						v := -P.At(i, j)
						if i == j {
							v++
						}
						H.Set(i, j, v)
					}
					rhs.SetVec(i, f[i]+P.At(i, K)*f[K])
				}
				var h mat.VecDense
				if err := h.SolveVec(H, rhs); err != nil {
					t.Fatal(err)
				}
				return h.AtVec(2)
			}
			ones := make([]float64, n)
			for k := range ones {
				ones[k] = 1
			}
			ss := 0.0
			for k := 0; k <= K; k++ {
				ss += float64(k) * math.Pow(rho, float64(k)) / z
			}
			want := map[string]float64{
				"ss": ss, "tr": tr, "cu": cu, "di": di,
				"un": until(x), "un1": until(ones),
			}
			vals, err := EvalMeasures(context.Background(), c, m, in, nil, &MeasureSettings{Solve: set})
			if err != nil {
				t.Fatal(err)
			}
			worst := maxErr
			defer func() { t.Logf("largest error %.2g (stationary law: %.2g)", worst, maxErr) }()
			for _, v := range vals {
				w := want[v.Name]
				if v.Err != nil {
					t.Errorf("%s: %v", v.Name, v.Err)
					continue
				}
				e := math.Abs(v.Value - w)
				worst = math.Max(worst, e/math.Max(1, math.Abs(w)))
				if e > 1e-12*math.Max(1, math.Abs(w)) {
					t.Errorf("%s = %.16g, want %.16g (error %.2g)", v.Name, v.Value, w, e)
				}
			}
			// The public solvers agree with the same references.
			p0, _ := InitialDistribution(c)
			lr, err := Discounted(context.Background(), c, p0, 0.2, set)
			if err != nil {
				t.Fatal(err)
			}
			if s := sum(lr.X); math.Abs(s-1/(1-beta)) > 1e-12 {
				t.Errorf("discounted law sums to %.16g, want 1/(1−β) = %.16g", s, 1/(1-beta))
			}
			if tc.wantIts != (lr.Iterations > 0) {
				t.Errorf("discounted solve %s with %d iterations", lr.Method, lr.Iterations)
			}
		})
	}
}

func sum(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s
}

// Run-time checks of discrete-time probabilities: a negative probability is E802 and
// probabilities summing to more than 1 (beyond 1e-12) are E803, both naming the state.
func TestDiscreteErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src, code string
		want            []string
	}{
		{"E803", `model bad
time discrete
species X
up:   0 -> X when X < 3 @ 0.7
down: X -> 0 when X > 0 @ 0.3 * X
init { X = 0 }
`, "E803", []string{"probabilities leaving X=2 sum to 1.3", "at t=0"}},
		{"E803-selfloop", `model bad
time discrete
species X
up:   0 -> X when X < 3 @ 0.6
stay: X -> X @ 0.5
init { X = 0 }
`, "E803", []string{"probabilities leaving X=0 sum to 1.1"}},
		{"E802", `model bad
time discrete
species X
up:   0 -> X when X < 4 @ 0.4
down: X -> 0 when X > 0 @ 0.5 - 0.2 * X
init { X = 0 }
`, "E802", []string{"propensity of 'down' is -0.1", "X=3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := loadtest.Source(t, tc.src, compiler.Options{})
			_, err := Explore(context.Background(), m, m.Inputs(), Limits{})
			var d *diag.Diagnostic
			if !errors.As(err, &d) || d.Code != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(d.Msg, w) {
					t.Errorf("message %q does not contain %q", d.Msg, w)
				}
			}
		})
	}
	// A sum of 1 up to round-off is accepted: 0.7 + 0.1·3 = 1 + 2.2e-16 at X = 3.
	m := loadtest.Source(t, `model ok
time discrete
species X
up:   0 -> X when X < 4 @ 0.7
down: X -> 0 when X > 0 @ 0.1 * X
init { X = 3 }
`, compiler.Options{})
	if _, err := Explore(context.Background(), m, m.Inputs(), Limits{}); err != nil {
		t.Errorf("sum within round-off of 1: %v", err)
	}
}

// The example models: both are time-inhomogeneous discrete-time chains. Explore builds the
// chain frozen at t = 0, whose stationary law is solved to ‖πQ‖₁ ≤ 1e-10 (for slow_chain
// that is the law of Pa, (9, 12, 7)/28). The transient, cumulative and discounted measures
// step the chain with the probabilities of each step and are checked against the exact
// values of seed digest 004 (printed with 10 to 12 digits: tolerance 1e-9 relative, 5e-5
// for the inventory values given with 4 decimals, 1e-8 for κ₀ given with 8 digits); until
// measures are refused with ErrTimeInhomogeneous. With S = 100 the chain has 100 states:
// L = 0 is reached only by a stock-out, whose probability 1 − poisson_cdf(y − 1, 1) for
// y ≥ 40 is below 1e-47 and evaluates to 0.
func TestDiscreteExamples(t *testing.T) {
	type want struct {
		value, tol float64
		err        error
	}
	for _, tc := range []struct {
		name, model string
		over        compiler.Overrides
		states      int
		want        map[string]want
	}{
		{"slow_chain-D1", "@slow_chain", compiler.Overrides{"eps": {0.1}}, 3, map[string]want{
			"kappa": {2.5002770433, 1e-9, nil}}},
		{"slow_chain-D1b", "@slow_chain", compiler.Overrides{"eps": {0.0125}}, 3, map[string]want{
			"kappa": {2.5999719735, 1e-9, nil}}},
		{"slow_chain-D3", "@slow_chain", compiler.Overrides{"eps": {1e-3}, "n": {30}}, 3, map[string]want{
			"chi": {1.086095253889, 1e-11, nil}}},
		{"slow_chain-D4", "@slow_chain", compiler.Overrides{"eps": {0.01}, "n": {100}, "lag": {1}}, 3, map[string]want{
			"chi": {0.785235592263, 1e-11, nil}}},
		{"slow_chain-D5", "@slow_chain", compiler.Overrides{"eps": {2e-4}, "n": {30}}, 3, map[string]want{
			"tau": {32.867136419730, 1e-11, nil}}},
		{"inventory", "@inventory", nil, 11, map[string]want{
			"kappa": {62.9696, 5e-5, nil}}},
		{"inventory-eps0", "@inventory", compiler.Overrides{"eps": {0}}, 11, map[string]want{
			"kappa": {64.156533, 1e-8, nil}}},
		{"inventory-S100", "@inventory", compiler.Overrides{"eps": {0}, "s": {40}, "S": {100}}, 100, map[string]want{
			"kappa": {853.582462, 1e-9, nil}}},
		{"inventory-alpha1", "@inventory", compiler.Overrides{"alpha": {1}, "eps": {1.024}}, 11, map[string]want{
			"kappa": {5.5609, 5e-5, nil}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := loadtest.Model(t, tc.model, compiler.Options{Overrides: tc.over})
			in := m.Inputs()
			c, err := Explore(context.Background(), m, in, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !c.Discrete || c.NumStates() != tc.states {
				t.Fatalf("discrete %v, %d states, want %d", c.Discrete, c.NumStates(), tc.states)
			}
			r, err := Stationary(context.Background(), c, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.Residual > 1e-10 {
				t.Errorf("stationary residual %.2g", r.Residual)
			}
			if tc.model == "@slow_chain" && tc.over["lag"] == nil {
				for k, w := range []float64{9.0 / 28, 12.0 / 28, 7.0 / 28} {
					if i := c.Index(nil, k); math.Abs(r.Pi[i]-w) > 1e-14 {
						t.Errorf("π(%d) = %.16g, want %.16g", k, r.Pi[i], w)
					}
				}
				// The hitting reward of the frozen chain Pa (the zeroth order of D2): 51/7,
				// to 1e-13 (a 2×2 dense solve).
				p0, _ := InitialDistribution(c)
				f := StateValues(c, m, in, []ir.NodeID{m.IR.Observables[0].Node}, 0)[0]
				inR := make([]bool, c.NumStates())
				inR[c.Index(nil, 2)] = true
				v, _, err := Until(context.Background(), c, p0, f, inR, nil)
				if err != nil || math.Abs(v-51.0/7) > 1e-13 {
					t.Errorf("Until on Pa = %.16g (%v), want 51/7", v, err)
				}
			}
			if tc.over != nil && len(tc.over["eps"]) == 1 && tc.over["eps"][0] == 0 {
				// eps = 0: the frozen chain is the chain, and the linear solve of
				// Discounted agrees with the stepping of EvalMeasures.
				p0, err := InitialDistribution(c)
				if err != nil {
					t.Fatal(err)
				}
				lr, err := Discounted(context.Background(), c, p0, in.Params[m.IR.Params[4].Offset], nil)
				if err != nil {
					t.Fatal(err)
				}
				f := StateValues(c, m, in, []ir.NodeID{m.IR.Observables[0].Node}, 0)[0]
				w := tc.want["kappa"]
				if v := floats.Dot(lr.X, f); math.Abs(v-w.value) > w.tol*w.value {
					t.Errorf("Discounted on the frozen chain: %.13g, want %.13g", v, w.value)
				}
			}
			vals, err := EvalMeasures(context.Background(), c, m, in, r.Pi, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				w, ok := tc.want[v.Name]
				switch {
				case !ok:
				case w.err != nil:
					if !errors.Is(v.Err, w.err) {
						t.Errorf("%s: %v, want %v", v.Name, v.Err, w.err)
					}
				case v.Err != nil:
					t.Errorf("%s: %v", v.Name, v.Err)
				default:
					e := math.Abs(v.Value - w.value)
					t.Logf("%s = %.13g, reference %.13g, error %.2g (bound %.2g)", v.Name, v.Value, w.value, e, v.Bound)
					if e > w.tol*math.Max(1, math.Abs(w.value)) {
						t.Errorf("%s = %.13g, want %.13g (error %.2g)", v.Name, v.Value, w.value, e)
					}
				}
			}
		})
	}
}

// TimeVarying against the closed forms of a model whose frozen chain at t = 0 has a single
// state: X moves up with probability 1/2 at steps t ≥ 2 only, so X_k − 0 is Binomial(k−2, 1/2)
// below the cap 5 (E X_4 = 1, E X_9 = Σ_j min(j, 5)·C(7, j)/2⁷), and the states are found
// while stepping. Also, on the time-homogeneous random walk, TimeVarying agrees with
// Transient and Discounted to 1e-12 (round-off of different summation orders; the
// discounted tail left out weighs at most 1e-13·sup|f|).
func TestTimeVarying(t *testing.T) {
	m := loadtest.Source(t, `model grow
time discrete
species X
up: 0 -> X when X < 5 @ if t >= 2 then 0.5 else 0
observable x = X
init { X = 0 }
measure tr4 = transient(x, 4)
measure tr9 = transient(x, 9)
measure cu4 = cumulative(x, 4)
measure di = discounted(x, 0.5)
measure un = until(x, X == 5)
`, compiler.Options{})
	in := m.Inputs()
	c, err := Explore(context.Background(), m, in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if c.NumStates() != 1 {
		t.Fatalf("frozen chain at t = 0 has %d states, want 1", c.NumStates())
	}
	e9 := 0.0
	for j := 0; j <= 7; j++ {
		e9 += math.Min(float64(j), 5) * binom(7, j) / 128
	}
	// cumulative: E X_0 + … + E X_3 = 0 + 0 + 0 + 1/2. discounted: Σ_k e^{−k/2} E X_k.
	di := 0.0
	for k := 2; k < 200; k++ {
		ek := 0.0
		for j := 0; j <= k-2; j++ {
			ek += math.Min(float64(j), 5) * binom(k-2, j) * math.Pow(0.5, float64(k-2))
		}
		di += math.Exp(-0.5*float64(k)) * ek
	}
	// until: two steps on average at each level 1..4, and the reward 5 at the hitting step
	// (TestTimeVaryingUntil).
	want := map[string]float64{"tr4": 1, "tr9": e9, "cu4": 0.5, "di": di, "un": 25}
	vals, err := EvalMeasures(context.Background(), c, m, in, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vals {
		// Round-off 1e-13, plus the truncated discounted tail (Bound = 5·e^{−aJ}/(1 − e^{−a})).
		if v.Err != nil || math.Abs(v.Value-want[v.Name]) > 1e-13+v.Bound {
			t.Errorf("%s = %.16g (%v), want %.16g (bound %.2g)", v.Name, v.Value, v.Err, want[v.Name], v.Bound)
		}
	}
	if c.NumStates() != 1 {
		t.Errorf("EvalMeasures modified the chain: %d states", c.NumStates())
	}
	// The state limit applies to the states found while stepping.
	p0, _ := InitialDistribution(c)
	_, err = TimeVarying(context.Background(), c, m, in, p0, &StepSettings{Steps: []float64{9}, Limits: Limits{MaxStates: 3}})
	var le *LimitError
	if !errors.As(err, &le) {
		t.Errorf("state limit: got %v", err)
	}
	if _, err := TimeVarying(context.Background(), c, m, in, p0, &StepSettings{Steps: []float64{2.5}}); err == nil {
		t.Error("a non-integer step count was accepted")
	}

	// Agreement with the time-homogeneous solvers on the random walk.
	wm := loadtest.Source(t, walk, compiler.Options{})
	win := wm.Inputs()
	wc, err := Explore(context.Background(), wm, win, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	wp0, _ := InitialDistribution(wc)
	steps := []float64{0, 3, 7, 7, 20}
	sr, err := TimeVarying(context.Background(), wc, wm, win, wp0, &StepSettings{Steps: steps, Cumulative: true, Discount: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Transient(context.Background(), wc, wp0, steps, &TransientSettings{Cumulative: true})
	if err != nil {
		t.Fatal(err)
	}
	dr, err := Discounted(context.Background(), wc, wp0, 0.2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sr.Chain != wc {
		t.Errorf("stepping a closed chain made a new state set")
	}
	worst := 0.0
	for i := range steps {
		for s := range wp0 {
			worst = math.Max(worst, math.Abs(sr.P[i][s]-tr.P[i][s]))
			worst = math.Max(worst, math.Abs(sr.Cumulative[i][s]-tr.Cumulative[i][s])/math.Max(1, steps[i]))
		}
	}
	for s := range wp0 {
		worst = math.Max(worst, math.Abs(sr.Discounted[s]-dr.X[s])/sum(dr.X))
	}
	t.Logf("TimeVarying vs Transient/Discounted: max difference %.2g", worst)
	if worst > 1e-12 {
		t.Errorf("TimeVarying and the homogeneous solvers differ by %.2g", worst)
	}
	if _, err := Transient(context.Background(), wc, wp0, []float64{1.5}, nil); err == nil {
		t.Error("Transient accepted a non-integer time for a discrete-time chain")
	}
}

func binom(n, k int) float64 {
	r := 1.0
	for i := 1; i <= k; i++ {
		r = r * float64(n-k+i) / float64(i)
	}
	return r
}

// TestStepStates checks StepStates against its definition, one step of TimeVarying from the
// uniform law on the states from … n−1: the same states in the same order, evaluating the
// propensities or given them (by Model.Propensities, bit for bit, or made up: a given
// vector is used, not evaluated); the checks of TimeVarying on given propensities (E802
// for a negative one, E803 for a sum above 1) and its state limit. The model jumps by 1, 2
// or 3 from every state at t ≥ 1, so a step finds several new states.
func TestStepStates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := loadtest.Source(t, `model jumps
time discrete
species X
one:   0 -> X when X < 30 @ if t >= 1 then 0.2 else 0
two:   0 -> 2 X when X < 30 @ if t >= 1 then 0.1 else 0
three: 0 -> 3 X when X < 30 @ if t >= 1 then 0.05 else 0
init { X = 0 }
`, compiler.Options{})
	in := m.Inputs()
	c, err := Explore(ctx, m, in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	step := func(c *Chain, from int, tt float64) *Chain {
		local := *in
		local.Time = tt
		p0 := make([]float64, c.NumStates())
		for i := from; i < c.NumStates(); i++ {
			p0[i] = 1 / float64(c.NumStates()-from)
		}
		res, err := TimeVarying(ctx, c, m, &local, p0, &StepSettings{Steps: []float64{1}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Chain
	}
	at := func(tt float64) *ir.Inputs { local := *in; local.Time = tt; return &local }
	// Two steps from the whole chain, then from the new states only.
	want := step(step(c, 0, 1), 0, 1)
	want2 := step(want, 1, 2)
	got, err := StepStates(ctx, c, m, at(1), 0, nil, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err = StepStates(ctx, got, m, at(1), 0, nil, Limits{}); err != nil {
		t.Fatal(err)
	}
	eval := func(tt float64) func(int) []float64 {
		props := make([]float64, len(m.IR.Transitions))
		local := *at(tt)
		local.Counts = make([]float64, 1)
		return func(i int) []float64 {
			local.Counts[0] = float64(got.Counts(i)[0])
			m.Propensities(props, &local)
			return props
		}
	}
	got2, err := StepStates(ctx, got, m, at(2), 1, eval(2), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Keys(), want.Keys()) || !slices.Equal(got2.Keys(), want2.Keys()) {
		t.Fatalf("StepStates: %d then %d states, TimeVarying %d then %d (or another order)", got.NumStates(), got2.NumStates(), want.NumStates(), want2.NumStates())
	}
	if got.NumStates() < 6 || got2.NumStates() <= got.NumStates() {
		t.Fatalf("the steps found too few states (%d, %d) to test the order", got.NumStates(), got2.NumStates())
	}
	// Known targets (StepStatesKnown): the same states in the same order whether every
	// target among the states is known (by Index), none is, or half of them are.
	for _, share := range []int{1, 0, 2} {
		known := func(i, j int) int {
			if share == 0 || (share == 2 && (i+j)%2 == 0) {
				return -1
			}
			x := int(got.Counts(i)[0]) + j + 1
			return got.Index([]int{x}, 0)
		}
		k2, err := StepStatesKnown(ctx, got, m, at(2), 1, nil, known, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(k2.Keys(), want2.Keys()) {
			t.Errorf("StepStatesKnown (share %d): %d states, TimeVarying %d (or another order)", share, k2.NumStates(), want2.NumStates())
		}
	}
	// Given propensities are used: only the jump by 3 from X = 0 at t = 0.
	only3, err := StepStates(ctx, c, m, at(0), 0, func(int) []float64 { return []float64{0, 0, 0.5} }, Limits{})
	if err != nil || only3.NumStates() != 2 || only3.Counts(1)[0] != 3 {
		t.Errorf("given propensities (0, 0, 0.5): %v states, %v", only3.NumStates(), err)
	}
	for _, bad := range [][]float64{{-0.1, 0, 0}, {0.5, 0.4, 0.3}} {
		if _, err := StepStates(ctx, c, m, at(1), 0, func(int) []float64 { return bad }, Limits{}); err == nil {
			t.Errorf("given propensities %v: no error", bad)
		}
	}
	var le *LimitError
	if _, err := StepStates(ctx, got, m, at(1), 0, nil, Limits{MaxStates: got.NumStates()}); !errors.As(err, &le) {
		t.Errorf("state limit: got %v", err)
	}
	if _, err := StepStates(ctx, c, m, at(0.5), 0, nil, Limits{}); err == nil {
		t.Error("a non-integer step index was accepted")
	}
}
