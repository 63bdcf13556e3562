package converge

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/load"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
	"github.com/mfcproject/mfc/stdlib/models"
)

// The reference values below come from seed digest 001, §4.3 unless stated otherwise. The
// digest's test function is Σ_i (x_i − x_i*)², which for the two-species SIS model is twice
// the x0-only quantity; both are checked.

func sisOptions(alpha, beta float64) compiler.Options {
	return compiler.Options{Overrides: compiler.Overrides{"alpha": {alpha}, "beta": {beta}}}
}

// loadSIS loads @sis_external with the external and contact rates alpha and beta.
func loadSIS(t testing.TB, alpha, beta float64) *runtime.Model {
	t.Helper()
	return loadtest.Model(t, "@sis_external", sisOptions(alpha, beta))
}

type check struct {
	name      string
	got, want float64
	tol       float64 // absolute
	why       string
}

func run(t *testing.T, cs []check) {
	t.Helper()
	for _, c := range cs {
		if !(math.Abs(c.got-c.want) <= c.tol) {
			t.Errorf("%s = %.12g, want %.12g ± %.1g (%s)", c.name, c.got, c.want, c.tol, c.why)
		}
	}
}

func analyze(t *testing.T, m *runtime.Model) *Report {
	t.Helper()
	rep, err := Analyze(context.Background(), m, m.Inputs(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// sample returns the sample at x0 (the susceptible fraction), which must exist.
func sampleAt(t *testing.T, ps *Poisson, x0 float64, second bool) *PoissonValue {
	t.Helper()
	lv := LevelGradient
	if second {
		lv = LevelHessian
	}
	v, err := ps.Eval(context.Background(), []float64{x0, 1 - x0}, lv, 0)
	if err != nil || !v.Converged {
		t.Fatalf("Poisson at x0 = %g: %v (converged %v)", x0, err, v != nil && v.Converged)
	}
	return v
}

// TestSISReport checks the stability report and the predicted constants for both
// parameter sets of the digest.
func TestSISReport(t *testing.T) {
	s2 := math.Sqrt2
	cases := []struct {
		alpha, beta float64
		xs, lambda  float64 // x0*, reduced eigenvalue
		c, bias     float64 // lim N·E Σ_i(x_i − x_i*)², lim N(E[x0] − x0*)
		upper       float64 // ½ sup Σβ · sup |ℓᵀ∇²g_Σ ℓ|
		upperTol    float64
		lower       float64
	}{
		// α = β = ½: x0* = 2 − √2, λ = −√2, C = 2 − √2, bias (√2−1)/4 (digest §4.3 table);
		// upper = 2(6√2 − 8) and lower = 2·0.1213203436: the digest's x0-only bounds doubled
		// for the Σ version. Every sup and inf is attained at a simplex vertex, which is
		// sampled exactly, so the tolerance is that of the ODE integration of g.
		{0.5, 0.5, 2 - s2, -s2, 2 - s2, (s2 - 1) / 4, 2 * (6*s2 - 8), 1e-8, 2 * 0.1213203436},
		// α = 1, β = 2: x0* = 1 − √2/2, λ = −2√2, C = 2·0.25, bias 0.1767766953, bound
		// 2·1.060660 = 1.5·√2 (sup rate 1.5 at x0 = ½, an interior point: the sampled sup
		// misses it by 2(Δx)², Δx ≈ 1/4000 for 2000 random points, hence 1e-5).
		{1, 2, 1 - s2/2, -2 * s2, 0.5, 0.1767766953, 1.5 * s2, 1e-5, 0},
	}
	for _, c := range cases {
		rep := analyze(t, loadSIS(t, c.alpha, c.beta))
		st, pr := rep.Stability, rep.Prediction
		run(t, []check{
			{"x0*", rep.X[0], c.xs, 1e-10, "closed form (s − disc)/2β"},
			{"x1*", rep.X[1], 1 - c.xs, 1e-10, "conservation"},
			{"reduced eigenvalue", st.Abscissa, c.lambda, 1e-10, "closed form −disc"},
			{"Π", st.Pi[0][0], -1 / (2 * c.lambda), 1e-10, "1-D Lyapunov 2λΠ = −1"},
			{"removed zero eigenvalues", float64(st.Removed), 1, 0, "one conservation law"},
			{"C (tr W)", pr.C, c.c, 1e-10, "x1*/|λ| doubled"},
			{"C (Stein terms)", pr.CStein, c.c, 1e-10, "tr(ΠD) = tr(Σ)"},
			{"C x0 only", pr.PerSpecies[0], c.c / 2, 1e-10, "x1*/|λ|"},
			{"bias", pr.Bias[0], c.bias, 1e-9, "β x1*/λ²"},
			{"upper bound", pr.Upper, c.upper, c.upperTol, "½ sup Σβ sup|ℓᵀ∇²gℓ|"},
			{"Hessian self-test", pr.HessianCheck, 0, 1e-8, "∇²g(x*) = −2Π, ODE tolerance"},
			{"converged starts", float64(st.Starts - st.Converged), 0, 0, "GAS on [0,1] by the sign of f"},
			{"Lyapunov negative", float64(st.LyapunovSamples - st.LyapunovNegative), 0, 0, "V̇ = 4Πβe²(e − (b−a)) < 0"},
		})
		cn := rep.Constants
		run(t, []check{
			{"L", cn.L, 2 * c.beta, 1e-12, "digest §2.8: Frobenius bound 2β (constant Hessians ±[[0,−β],[−β,0]])"},
			{"μ", cn.Mu, s2 * c.beta, 1e-12, "digest §2.8: √2β"},
			{"c_p", cn.Cp, 2 * st.PiMax, 0, "2λ_max(Π)"},
		})
		if c.lower > 0 {
			run(t, []check{{"lower bound", pr.Lower, c.lower, 1e-8, "½ inf Σβ inf|ℓᵀ∇²gℓ|, doubled"}})
		}
		if !st.SignTest || !rep.Hypotheses.Perfect || !rep.Hypotheses.Smooth || !rep.Hypotheses.UniqueEquilibrium {
			t.Errorf("hypotheses %+v, sign test %v", rep.Hypotheses, st.SignTest)
		}
		if len(rep.Warnings) > 0 {
			t.Errorf("unexpected warnings %v", rep.Warnings)
		}
	}
}

// TestPoissonSIS compares g and its derivatives with the closed forms
// g₁(x) = (1/β)[(x − a) + (b − a) ln((b − x)/(b − a))], g_Σ = 2g₁ (digest §4.3 tables, RK4
// cross-checked there to 9 digits). The tolerance 1e-9 is the integration accuracy.
func TestPoissonSIS(t *testing.T) {
	m := loadSIS(t, 0.5, 0.5)
	rep := analyze(t, m)
	ell := []float64{-1, 1}
	if len(rep.Directions) != 1 || math.Abs(rep.Directions[0][0]) != 1 || rep.Directions[0][0] != -rep.Directions[0][1] {
		t.Fatalf("directions %v, want ±(−1, 1)", rep.Directions)
	}
	ps, err := NewPoisson(m, m.Inputs(), rep.X, rep.basis, rep.Stability.Abscissa, [][]float64{ell}, nil)
	if err != nil {
		t.Fatal(err)
	}
	gSigma := []struct{ x0, g1 float64 }{
		{0, -0.1068035280}, {0.25, -0.0369656144}, {0.5, -0.0025504677}, {0.75, -0.0099198232}, {1, -0.0673198149},
	}
	for _, c := range gSigma {
		v := sampleAt(t, ps, c.x0, false)
		run(t, []check{{"g_Σ at " + ftoa(c.x0), v.G, 2 * c.g1, 2e-9, "digest g₁ table, doubled"}})
	}
	second := []struct{ x0, h float64 }{
		{0, -0.970562748}, {0.3, -1.166563010}, {2 - math.Sqrt2, -1.414213562}, {0.9, -1.789784140}, {1, -1.941125497},
	}
	for _, c := range second {
		v := sampleAt(t, ps, c.x0, true)
		run(t, []check{{"ℓᵀ∇²g_Σℓ at " + ftoa(c.x0), v.Second[0], c.h, 2e-9, "digest sensitivity-ODE table"}})
	}
	// Directional gradient ∇g_Σ·ℓ = −2g₁′(x0): ∓0.686292 at x0 = 0, 1 (digest §4.3);
	// closed form −2(x − a)/(β(x − b)) gives −4(2−√2)/(2+√2)·… = ∓(12 − 8√2)·… below.
	a, b := 2-math.Sqrt2, 2+math.Sqrt2
	for _, x0 := range []float64{0, 1} {
		v := sampleAt(t, ps, x0, false)
		got := 0.0
		for c, z := range reduce(rep.basis, ell) {
			got += v.GradZ[c] * z
		}
		want := -2 * (x0 - a) / (0.5 * (x0 - b))
		run(t, []check{{"∇g_Σ·ℓ at " + ftoa(x0), got, want, 1e-9, "closed form −2g₁′"}})
	}
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }

// TestSISExact compares with the exact chain (digest §4.3 exact-distribution tables, given
// to 8 decimals for M·MSE, hence the 1e-8 tolerance; the chain itself is solved to 1e-13).
func TestSISExact(t *testing.T) {
	cases := []struct {
		alpha, beta float64
		n           int
		ex0         float64 // E[x0]
		bias, mse   float64 // M(E[x0] − x0*), M·E[(x0 − x0*)²]
		rate        float64 // E_π[total normalised rate] (0: not tabulated)
	}{
		{0.5, 0.5, 10, 0.5959119287, 0.10125491, 0.28639214, 0.80818},
		{0.5, 0.5, 100, 0.5868197514, 0.10333137, 0.29226526, 0.82636},
		{0.5, 0.5, 1000, 0.5858899689, 0.10353128, 0.29283069, 0.82822},
		{1, 2, 10, 0.3116160339, 0.18722815, 0.26478059, 0},
		{1, 2, 100, 0.2946713046, 0.17780858, 0.25145930, 0},
		{1, 2, 1000, 0.2930700984, 0.17687963, 0.25014557, 0},
	}
	reports := map[float64]*Report{}
	for _, c := range cases {
		m := loadSIS(t, c.alpha, c.beta)
		rep := reports[c.beta]
		if rep == nil {
			rep = analyze(t, m)
			reports[c.beta] = rep
		}
		cmp, err := Compare(context.Background(), rep, []int{c.n}, load.Scaled("@sis_external", sisOptions(c.alpha, c.beta)), nil)
		if err != nil {
			t.Fatal(err)
		}
		p := cmp.Points[0]
		n := float64(c.n)
		lambda := -rep.Stability.Abscissa
		cs := []check{
			{"E[x0]", rep.X[0] + p.Bias[0]/n, c.ex0, 1e-10, "digest, 10 decimals"},
			{"M·bias", p.Bias[0], c.bias, 1e-8, "digest, 8 decimals"},
			{"M·MSE x0", p.PerSpecies[0], c.mse, 1e-8, "digest, 8 decimals"},
			{"M·MSE Σ", p.Scaled, 2 * c.mse, 2e-8, "digest Σ column = 2·x0 column"},
			{"identity", p.Bias[0], c.beta / lambda * p.PerSpecies[0], 1e-11, "E[x0] − a = (β/|λ|)E[(x0−a)²], exact for every M"},
			{"in bounds", inBounds(p.InBounds), 1, 0, "Upper/Lower hold for every M"},
		}
		if c.rate > 0 {
			cs = append(cs, check{"E_π[rate]", p.RateMean, c.rate, 1e-5, "digest, 5 decimals"})
		}
		if p.Stein != nil {
			cs = append(cs, check{"Stein identity", p.Stein.Diff, 0, 1e-10 * p.Stein.LHS, "exact identity; g to ODE tolerance"})
		} else if c.n <= 300 {
			t.Errorf("N = %d: Stein check not run", c.n)
		}
		run(t, cs)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// inBounds is 1 when the bounds were checked and hold.
func inBounds(b *bool) float64 {
	if b == nil {
		return -1
	}
	return b2f(*b)
}

// TestSISRate fits the gap N·E‖X − x*‖² − C against N: the digest's table (M = 10 … 1000)
// gives a gap of −0.0130, −0.00126, −0.000125, i.e. slope −1 on a log-log scale.
func TestSISRate(t *testing.T) {
	m := loadSIS(t, 0.5, 0.5)
	rep := analyze(t, m)
	cmp, err := Compare(context.Background(), rep, []int{20, 50, 200, 500}, load.Scaled("@sis_external", sisOptions(0.5, 0.5)), &CompareSettings{SteinMaxStates: -1})
	if err != nil {
		t.Fatal(err)
	}
	// Digest M·E[Σ_i] column, 6 decimals.
	want := []float64{0.579399, 0.583263, 0.585160, 0.585536}
	for i, p := range cmp.Points {
		run(t, []check{{"M·MSE Σ at " + ftoa(float64(p.N)), p.Scaled, want[i], 1e-6, "digest, 6 decimals"}})
	}
	run(t, []check{{"slope", cmp.Slope, -1, 0.03, "second-order expansion: gap = O(1/N)"}})
}

// TestSIRS exercises a two-dimensional class (r = 2) on @sir: the Stein identity
// is exact for every N for a perfect model, and the trace identity tr(ΠD) = tr(W) holds.
func TestSIRS(t *testing.T) {
	m := loadtest.Model(t, "@sir", compiler.Options{})
	rep := analyze(t, m)
	if rep.R != 2 {
		t.Fatalf("r = %d, want 2", rep.R)
	}
	cmp, err := Compare(context.Background(), rep, []int{10, 20, 40}, load.Scaled("@sir", compiler.Options{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	cs := []check{
		{"tr(ΠD) − tr(W)", rep.Prediction.CStein - rep.Prediction.C, 0, 1e-12, "Lyapunov duality"},
		{"Hessian self-test", rep.Prediction.HessianCheck, 0, 1e-8, "∇²g(x*) = −2Π"},
	}
	for _, p := range cmp.Points {
		cs = append(cs, check{"in bounds N=" + ftoa(float64(p.N)), inBounds(p.InBounds), 1, 0, "Upper holds for every N"})
		if p.States > 300 {
			continue
		}
		if p.Stein == nil {
			t.Fatalf("N = %d: no Stein check", p.N)
		}
		cs = append(cs, check{"Stein N=" + ftoa(float64(p.N)), p.Stein.Diff, 0, 1e-9 * p.Stein.LHS, "exact identity; g to ODE tolerance"})
		t.Logf("N = %d: Stein LHS %.15g RHS %.15g", p.N, p.Stein.LHS, p.Stein.RHS)
	}
	run(t, cs)
	if math.Abs(cmp.Slope+1) > 0.2 {
		t.Errorf("slope %.3f, want about −1 (N = 10, 20, 40 are small)", cmp.Slope)
	}
	for _, p := range cmp.Points {
		t.Logf("N = %d: N·MSE %.6f (C = %.6f, upper %.4f)", p.N, p.Scaled, rep.Prediction.C, rep.Prediction.Upper)
	}
	t.Logf("slope %.3f", cmp.Slope)
}

const cubic = `model cubic
scale N = 100
species X
let x = X / N
birth: 0 -> X @ N * BIRTH
death: X -> 0 @ N * DEATH
init { X = 2 * N }
`

func oneSpecies(birth, death string) string {
	return strings.NewReplacer("BIRTH", birth, "DEATH", death).Replace(cubic)
}

// TestErrors checks the failure modes of Analyze and the warnings of a non-GAS model.
func TestErrors(t *testing.T) {
	cases := []struct {
		name, src string
		opts      compiler.Options
		check     func(error) bool
		words     string
	}{
		// f = −(x − 1)(x − 2)(x − 3): stable at 1 and 3, unstable at 2.
		{"bistable", oneSpecies("(6 + 6*x^2)", "(x^3 + 11*x)"), compiler.Options{}, func(e error) bool {
			var s *SeveralStableError
			return errors.As(e, &s) && len(s.Equilibria) == 3
		}, "several stable"},
		// f = x (pure growth): the only equilibrium, 0, is unstable.
		{"unstable", oneSpecies("x", "0"), compiler.Options{}, func(e error) bool {
			var s *NoStableError
			return errors.As(e, &s)
		}, "none of the"},
		// f = −(x − ½)³: stable but not exponentially.
		{"cubic", oneSpecies("(0.125 + 1.5*x^2)", "(x^3 + 0.75*x)"), compiler.Options{}, func(e error) bool {
			var s *NotExponentialError
			return errors.As(e, &s)
		}, "not locally exponentially stable"},
	}
	for _, c := range cases {
		m := loadtest.Source(t, c.src, c.opts)
		_, err := Analyze(context.Background(), m, m.Inputs(), nil)
		if err == nil || !c.check(err) || !strings.Contains(err.Error(), c.words) {
			t.Errorf("%s: got %v", c.name, err)
		}
	}
	m := loadtest.Source(t, "model nos\nspecies X\nd: X -> 0 @ X\ninit { X = 3 }\n", compiler.Options{})
	if _, err := Analyze(context.Background(), m, m.Inputs(), nil); !errors.Is(err, runtime.ErrNoMeanField) {
		t.Errorf("no scale: got %v", err)
	}
	env := loadtest.Model(t, "@t1_sis_env", compiler.Options{})
	if _, err := Analyze(context.Background(), env, env.Inputs(), nil); err == nil || !(errors.Is(err, runtime.ErrNoMeanField) || strings.Contains(err.Error(), "random environment")) {
		t.Errorf("environment: got %v", err)
	}
}

// TestNotGlobal: SIS without external infection (α = 0, β = 2) has the unstable
// disease-free equilibrium x0 = 1 besides the stable x0 = 1/β (digest §5.3): Analyze must
// report it, and the ODE run from the vertex x0 = 1 does not converge.
func TestNotGlobal(t *testing.T) {
	rep := analyze(t, loadSIS(t, 0, 2))
	run(t, []check{{"x0*", rep.X[0], 0.5, 1e-10, "1/β"}})
	if rep.Hypotheses.UniqueEquilibrium || rep.Stability.Converged == rep.Stability.Starts || len(rep.Warnings) < 2 {
		t.Errorf("not flagged: unique %v, %d/%d converged, warnings %v", rep.Hypotheses.UniqueEquilibrium, rep.Stability.Converged, rep.Stability.Starts, rep.Warnings)
	}
	if rep.Stability.SignTest || rep.Prediction.Bounded {
		t.Errorf("sign test passed (%v) or bounds given (%v) with a second equilibrium in the class", rep.Stability.SignTest, rep.Prediction.Bounded)
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Errorf("report not JSON-encodable: %v", err)
	}
}

// TestImperfect: a contact rate β S (I − 1)/M has β₁ = −β x0 x... (a 1/N term), so the
// corollary's drift-error term is added: Corollary1 = max‖∇g‖ · sup‖F₁‖ with
// F₁ = −β x0 (−1, 1)·… whose sup over the simplex is β·√2 at x0 = 1 (closed form).
func TestImperfect(t *testing.T) {
	src := strings.Replace(sisSource(t), "beta * S * I / M", "beta * S * (I - 1) / M", 1)
	m := loadtest.Source(t, src, compiler.Options{})
	rep := analyze(t, m)
	if rep.Hypotheses.Perfect || len(rep.Warnings) == 0 {
		t.Fatalf("imperfect model not flagged: %+v %v", rep.Hypotheses, rep.Warnings)
	}
	pr := rep.Prediction
	run(t, []check{{"Corollary1", pr.Corollary1, pr.MaxGrad * 0.5 * math.Sqrt2, 1e-12, "sup ‖F₁‖ = β√2 at the vertex x0 = 1"}})
}

// sisSource returns the text of @sis_external, for tests that modify it.
func sisSource(t *testing.T) string {
	t.Helper()
	lib, err := models.Get("sis_external")
	if err != nil {
		t.Fatal(err)
	}
	return string(lib.Source)
}

// TestAbsorbing: with α = 0 the all-susceptible state is absorbing (digest §5.3), so the
// exact stationary law is the point mass at x0 = 1 and N·E‖X − x*‖² = N·2(1 − ½)² = N/2
// (closed form, x* = (½, ½) for β = 2); Compare must flag the chain as not irreducible.
func TestAbsorbing(t *testing.T) {
	// Start with one infected individual, so that the chain reaches every state and the
	// all-susceptible state is a closed class of size 1 with every other state transient.
	src := strings.Replace(sisSource(t), "init { S = M, I = 0 }", "init { S = M - 1, I = 1 }", 1)
	loadAt := func(n float64) (*runtime.Model, error) {
		o := sisOptions(0, 2)
		o.Scale = n
		return loadtest.Source(t, src, o), nil
	}
	m, _ := loadAt(100)
	rep := analyze(t, m)
	cmp, err := Compare(context.Background(), rep, []int{20}, loadAt, &CompareSettings{SteinMaxStates: -1})
	if err != nil {
		t.Fatal(err)
	}
	p := cmp.Points[0]
	run(t, []check{
		{"N·MSE", p.Scaled, 10, 1e-9, "point mass at x0 = 1"},
		{"irreducible", b2f(p.Irreducible), 0, 0, "absorbing state"},
		{"states", float64(p.States), 21, 0, "S = 0 … 20"},
	})
}

// TestPredict checks the scaling of the predictions (closed form C/N, √(C/N)).
func TestPredict(t *testing.T) {
	rep := &Report{Prediction: Prediction{C: 0.5857864376, Upper: 0.97, Lower: 0.24, Bias: []float64{0.1, -0.1}}}
	p := rep.Predict(100)
	run(t, []check{
		{"MSE", p.MSE, 0.005857864376, 1e-15, "C/N"},
		{"RMS", p.RMS, math.Sqrt(0.005857864376), 1e-15, "√(C/N)"},
		{"upper", p.Upper, 0.0097, 1e-15, "Upper/N"},
		{"bias", p.Bias[0], 0.001, 1e-15, "V/N"},
	})
}

// TestVertices checks the simplex vertices: one law x0 + x1 = 1 gives (1,0), (0,1); two
// laws over disjoint pairs give 4 vertices; a species outside every law gives none.
func TestVertices(t *testing.T) {
	cases := []struct {
		laws [][]int64
		x0   []float64
		want int
	}{
		{[][]int64{{1, 1}}, []float64{0.3, 0.7}, 2},
		{[][]int64{{1, 1, 0, 0}, {0, 0, 1, 2}}, []float64{0.5, 0.5, 1, 0.5}, 4},
		{[][]int64{{1, 1, 0}}, []float64{0.5, 0.5, 3}, 0},
		{nil, []float64{1}, 0},
	}
	for _, c := range cases {
		v := vertices(c.laws, c.x0, 64)
		if len(v) != c.want {
			t.Errorf("laws %v: %d vertices, want %d", c.laws, len(v), c.want)
		}
		for _, x := range v {
			for _, l := range c.laws {
				a, b := 0.0, 0.0
				for i, k := range l {
					a += float64(k) * x[i]
					b += float64(k) * c.x0[i]
				}
				if math.Abs(a-b) > 1e-15 {
					t.Errorf("vertex %v leaves the class of %v", x, c.x0)
				}
			}
		}
	}
}

// sisTrajectory is the digest's corrected closed-form SIS solution (§4.3):
// x0(t) = [a(x0 − b) − b(x0 − a)e^{λt}] / [(x0 − b) − (x0 − a)e^{λt}], λ = −β(b − a).
func sisTrajectory(x0, t, a, b, beta float64) float64 {
	e := math.Exp(-beta * (b - a) * t)
	return (a*(x0-b) - b*(x0-a)*e) / ((x0 - b) - (x0-a)*e)
}

// TestKappa checks the ODE runs behind the global-stability evidence: the closed form is
// first checked against the digest's trajectory table (x0(0) = 1, 12 digits given, 1e-11),
// then the κ estimate of Poisson.Eval against the closed form on the same output grid
// (1e-8: the integration tolerance, relative to ‖x(t) − x*‖ of order 0.1–1).
func TestKappa(t *testing.T) {
	a, b := 2-math.Sqrt2, 2+math.Sqrt2
	for _, c := range []struct{ t, want float64 }{
		{0.5, 0.806400181853}, {1, 0.699042305015}, {2, 0.614181403814}, {5, 0.586198539520}, {10, 0.585786787687},
	} {
		run(t, []check{{"x0(" + ftoa(c.t) + ")", sisTrajectory(1, c.t, a, b, 0.5), c.want, 1e-11, "digest trajectory table"}})
	}
	m := loadSIS(t, 0.5, 0.5)
	rep := analyze(t, m)
	ps, err := rep.NewPoisson(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	alpha := 0.9 * math.Sqrt2
	v := sampleAt(t, ps, 1, false)
	vk, err := ps.Eval(context.Background(), []float64{1, 0}, LevelValue, alpha)
	if err != nil {
		t.Fatal(err)
	}
	seg := 10 / math.Sqrt2
	want := 1.0
	for k := 1; float64(k)*seg/40 <= vk.Horizon+1e-9; k++ {
		tk := float64(k) * seg / 40
		want = math.Max(want, math.Abs(sisTrajectory(1, tk, a, b, 0.5)-a)*math.Exp(alpha*tk)/(1-a))
	}
	run(t, []check{
		{"κ(0.9√2) from x0 = 1", vk.Kappa, want, 1e-8, "closed-form trajectory on the same grid"},
		{"g_Σ(1)", v.G, -0.134639630, 1e-9, "digest sensitivity table"},
	})
}

// TestText checks that the text rendering carries the key numbers (digest §5.1 layout).
func TestText(t *testing.T) {
	m := loadSIS(t, 0.5, 0.5)
	rep := analyze(t, m)
	cmp, err := Compare(context.Background(), rep, []int{10}, load.Scaled("@sis_external", sisOptions(0.5, 0.5)), nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if err := cmp.WriteText(&b, rep); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, s := range []string{"x* = (0.585786, 0.414214)", "{-1.41421}", "C = tr W = 0.5857864376", "≤ 0.970563", "0.572784272 "} {
		if !strings.Contains(out, s) {
			t.Errorf("text lacks %q:\n%s", s, out)
		}
	}
	t.Log("\n" + out)
}

// TestPoissonNormalDirection: a second derivative normal to the class (1, 1) diverges
// (digest §3.4) and must be refused.
func TestPoissonNormalDirection(t *testing.T) {
	m := loadSIS(t, 0.5, 0.5)
	rep := analyze(t, m)
	if _, err := NewPoisson(m, m.Inputs(), rep.X, rep.basis, rep.Stability.Abscissa, [][]float64{{1, 1}}, nil); err == nil || !strings.Contains(err.Error(), "leaves the compatibility class") {
		t.Errorf("got %v", err)
	}
}

// TestMaxUnknowns: when the sensitivity system is too large the bounds are skipped with a
// warning, and the rest of the report is unchanged (C is independent of the samples).
func TestMaxUnknowns(t *testing.T) {
	m := loadSIS(t, 0.5, 0.5)
	for _, c := range []struct {
		max  int
		grad bool
	}{{5, false}, {7, true}} {
		rep, err := Analyze(context.Background(), m, m.Inputs(), &Settings{MaxUnknowns: c.max})
		if err != nil {
			t.Fatal(err)
		}
		pr := rep.Prediction
		if pr.Bounded || pr.Upper != 0 || len(rep.Warnings) != 1 || (pr.MaxGrad > 0) != c.grad {
			t.Errorf("MaxUnknowns %d: bounded %v, upper %g, max grad %g, warnings %v", c.max, pr.Bounded, pr.Upper, pr.MaxGrad, rep.Warnings)
		}
		run(t, []check{{"C", pr.C, 2 - math.Sqrt2, 1e-10, "digest: 2 − √2"}})
		var b strings.Builder
		if err := rep.WriteText(&b); err != nil || !strings.Contains(b.String(), "skipped") {
			t.Errorf("text: %v\n%s", err, b.String())
		}
		if _, err := json.Marshal(rep); err != nil {
			t.Error(err)
		}
	}
}

// TestStein reproduces the digest's Stein-identity table (§4.3, α = β = ½): the x0-only
// LHS E[(x0 − x0*)²] to the 14 decimals given, and our generator side (Σ version, twice
// the x0 one) equal to the LHS to 1e-10 relative (g from the ODE at RelTol 1e-11; the
// digest reports |LHS − RHS| ≤ 4e-16 with the closed-form g).
func TestStein(t *testing.T) {
	rep := analyze(t, loadSIS(t, 0.5, 0.5))
	ns := []int{5, 10, 100, 1000}
	lhs := []float64{0.05591419872326, 0.02863921360012, 0.00292265256493, 0.00029283068873}
	cmp, err := Compare(context.Background(), rep, ns, load.Scaled("@sis_external", sisOptions(0.5, 0.5)), &CompareSettings{SteinMaxStates: 2000})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range cmp.Points {
		n := float64(p.N)
		run(t, []check{
			{"LHS x0 N=" + ftoa(n), p.PerSpecies[0] / n, lhs[i], 1e-14, "digest, 14 decimals"},
			{"Stein RHS/LHS − 1, N=" + ftoa(n), p.Stein.RHS/p.Stein.LHS - 1, 0, 1e-10, "exact identity"},
		})
	}
}
