package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// perturbGolden lists the golden runs of mfc perturb (testdata/cli/golden/perturb.*): the
// joint-departure walk with the reference bias bound B = 1/μ* (digest 002 §3.5), the same
// for F = n1 with the cross-checks on small boxes, the generic walk of §3.7 with explicit
// terms, and the refusal of the perturbed variant (rates not constant on the axes).
var perturbGolden = []struct{ name, args string }{
	{"quarter_plane", "perturb examples/quarter_plane.mf --bias b1=5.555555555555555;b2=5.555555555555555;b3=5.555555555555555"},
	{"quarter_plane_n1", "perturb examples/quarter_plane.mf --reward jobs1 --check-truncation 40 --oracle 70 --bias b1=6,15;b2=17;b3=12"},
	{"generic", "perturb examples/quarter_plane_generic.mf --terms 0.75,0.6708799312799236,0.049368010308011454;0.9,0.6358947992452972,0.014564208030188108 --hbar10 threshold --vbar01 threshold --bias b1=1,0.5;b2=2,0.25;b3=3"},
	{"refused", "perturb examples/quarter_plane.mf --set perturbed=true"},
	{"lp", "perturb examples/quarter_plane.mf --reward jobs1 --bias lp --lp-level 5"},
	{"lp_infeasible", "perturb examples/quarter_plane.mf --reward jobs1 --bias lp --lp-degree 0"},
	{"lp_degree2", "perturb examples/quarter_plane.mf --reward jobs1 --bias lp --lp-level 5 --lp-degree 2"},
	{"lp_one_sided", "perturb examples/quarter_plane.mf --reward jobs1 --bias lp --lp-level 5 --lp-sided one"},
}

func TestPerturbGolden(t *testing.T) {
	t.Parallel()
	for _, c := range perturbGolden {
		for _, format := range []string{"text", "csv", "json"} {
			args := append(strings.Fields(c.args), "--format", format)
			for i, a := range args {
				if strings.HasPrefix(a, "examples/") {
					args[i] = "../../" + a
				}
			}
			t.Run(c.name+"."+format, func(t *testing.T) {
				t.Parallel()
				out, errOut, status := runCLI(args...)
				got := fmt.Sprintf("$ mfc %s\n--- status %d\n--- stdout\n%s--- stderr\n%s", strings.Join(args, " "), status, out, errOut)
				got = strings.ReplaceAll(got, "../../", "")
				goldenNumeric(t, filepath.Join("golden", "perturb."+c.name+"."+format), got)
			})
		}
	}
}

// perturbJSON runs mfc perturb and returns its JSON report.
func perturbJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	out, errOut, status := runCLI(append(append([]string{"perturb"}, args...), "--format", "json")...)
	if status != 0 {
		t.Fatalf("mfc perturb %v: status %d: %s", args, status, errOut)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestPerturbEmitModel: the emitted R̄, solved by mfc exact on {0..60}² (truncation mass
// below ρ1^60 ≈ 1e-14), has π̄(0,0) and Ē[N1] of the closed forms to 1e-10.
func TestPerturbEmitModel(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "rbar.mf")
	rep := perturbJSON(t, "../../examples/quarter_plane.mf", "--emit-model", path)
	fbar := rep["F_bar"].(float64)
	out, errOut, status := runCLI("exact", path, "--set", "L=60", "--format", "json")
	if status != 0 {
		t.Fatalf("mfc exact on the emitted model: status %d: %s", status, errOut)
	}
	var ex struct{ Measures map[string]float64 }
	if err := json.Unmarshal([]byte(out), &ex); err != nil {
		t.Fatal(err)
	}
	if got := ex.Measures["p_empty"]; math.Abs(got-fbar) > 1e-10 || math.Abs(fbar-0.25487444869961223) > 1e-12 {
		t.Errorf("exact π̄(0,0) of the emitted model %.15g, closed form %.15g (digest 0.25487444869961223)", got, fbar)
	}
	if got := ex.Measures["mean_n1"]; math.Abs(got-1.0225740060835458) > 1e-10 {
		t.Errorf("exact Ē[N1] of the emitted model %.15g, want 1.0225740060835458", got)
	}
}

// TestPerturbGamma: bias bounds in continuous-time units make the bound independent of γ
// (pitfall 6): --gamma 2 changes only the printed γ.
func TestPerturbGamma(t *testing.T) {
	t.Parallel()
	bias := "b1=5.555555555555555;b2=5.555555555555555;b3=5.555555555555555"
	a := perturbJSON(t, "../../examples/quarter_plane.mf", "--bias", bias)
	b := perturbJSON(t, "../../examples/quarter_plane.mf", "--bias", bias, "--gamma", "2")
	ea, eb := a["error"].(map[string]any)["total"].(float64), b["error"].(map[string]any)["total"].(float64)
	if ea != eb || math.Abs(ea-0.20850238884407835) > 1e-12 {
		t.Errorf("bound %v with the default γ, %v with γ = 2; want both 0.20850238884407835", ea, eb)
	}
	if g := b["walk"].(map[string]any)["gamma"].(float64); g != 2 {
		t.Errorf("γ printed %v, want 2", g)
	}
}

// TestPerturbTruth: the truncation cross-check reproduces the digest's truths at λ/μ = 1/3,
// μ* = 0.18 (box N = 100 and 200: π(0,0) = 0.183999236545 to 1e-9), and the special case
// η = 0.5 where the walk is product form: err = 0 and E[N1] = ρ/(1 − ρ) by both routes.
func TestPerturbTruth(t *testing.T) {
	t.Parallel()
	rep := perturbJSON(t, "../../examples/quarter_plane.mf", "--check-truncation", "100")
	tr := rep["truncation"].(map[string]any)
	if got := tr["F_2N"].(float64); math.Abs(got-0.183999236545) > 1e-9 {
		t.Errorf("π(0,0) = %.12g, want 0.183999236545", got)
	}
	rep = perturbJSON(t, "../../examples/quarter_plane.mf", "--set", "eta=0.5", "--reward", "jobs1", "--check-truncation", "60", "--bias", "b1=1;b2=1;b3=1")
	tr = rep["truncation"].(map[string]any)
	if got, want := rep["F_bar"].(float64), 0.8430703308172536; math.Abs(got-want) > 1e-12 {
		t.Errorf("η = 0.5: Ē[N1] = %.16g, want %.16g", got, want)
	}
	if got := tr["F_2N"].(float64); math.Abs(got-0.8430703308172536) > 1e-10 {
		t.Errorf("η = 0.5: truncated E[N1] = %.16g, want 0.8430703308172536", got)
	}
	if e := rep["error"].(map[string]any)["total"].(float64); e > 1e-15 {
		t.Errorf("η = 0.5: bound %g, want 0 (to round-off)", e)
	}
	// μ* = μ: queue 1 is M/M/1, E[N1] = λ/(μ − λ) = 0.5. Q∩H degenerates to (λ/μ, 1) there,
	// so the product-form perturbation carries the run.
	rep = perturbJSON(t, "../../examples/quarter_plane.mf", "--set", "eta=1", "--reward", "jobs1", "--check-truncation", "80", "--perturbation", "homogeneous")
	if got := rep["truncation"].(map[string]any)["F_2N"].(float64); math.Abs(got-0.5) > 1e-9 {
		t.Errorf("μ* = μ: E[N1] = %.12g, want 0.5", got)
	}
}

// TestPerturbLP: the bias LP's bound for F = n1 (λ = 0.2, μ = 0.6, μ* = 0.18) is at least
// 0.99 × the oracle's floor and the exact error (digest 002 §3.6, Table C's setting; the LP
// is our reconstruction, so no value is asserted), and an infeasible LP (constant bounds for
// a linearly growing bias) is a result with exit status 0 and no error bound.
func TestPerturbLP(t *testing.T) {
	t.Parallel()
	rep := perturbJSON(t, "../../examples/quarter_plane.mf", "--reward", "jobs1", "--bias", "lp", "--oracle", "100", "--check-truncation", "60")
	lpb := rep["bias"].(map[string]any)["lp"].(map[string]any)
	if lpb["status"] != "optimal" {
		t.Fatalf("LP %v", lpb["status"])
	}
	total := rep["error"].(map[string]any)["total"].(float64)
	floor := rep["oracle_identity"].(map[string]any)["floor_value"].(float64)
	exact := rep["truncation"].(map[string]any)["exact_error"].(float64)
	if total < 0.99*floor || total < exact {
		t.Errorf("LP bound %g, floor %g, exact error %g", total, floor, exact)
	}
	rep = perturbJSON(t, "../../examples/quarter_plane.mf", "--reward", "jobs1", "--bias", "lp", "--lp-degree", "0")
	if st := rep["bias"].(map[string]any)["lp"].(map[string]any)["status"]; st != "infeasible" {
		t.Errorf("degree-0 LP for F = n1: %v, want infeasible", st)
	}
	if _, ok := rep["error"]; ok {
		t.Error("an infeasible LP reported an error bound")
	}
}

// TestPerturbLPDegreeSided: the LP of degree 2 and the one-sided LP (λ = 0.2, μ = 0.6,
// μ* = 0.18, F = n1) against the truth of the truncated chain (--check-truncation 60: the
// boxes N = 60 and 120 agree to 1e-12 here) and the oracle's ΔV on the box N = 100: the
// degree-2 bound covers the exact error and is at most the degree-1 bound (its feasible
// set contains degree 1's; 1e-7 for the LP tolerance); the one-sided interval
// [F̄ − upper, F̄ + lower] contains the truth and lies inside the two-sided one; the LP's
// direction bounds cover ΔV on {0..60}² (lp_check); the JSON keys bias.lp.degree,
// bias.lp.sided, bias.lp.objectives, error.upper, error.lower and interval.
func TestPerturbLPDegreeSided(t *testing.T) {
	t.Parallel()
	args := []string{"../../examples/quarter_plane.mf", "--reward", "jobs1", "--bias", "lp", "--oracle", "100", "--check-truncation", "60"}
	run := func(extra ...string) map[string]any {
		return perturbJSON(t, append(append([]string{}, args...), extra...)...)
	}
	lpOf := func(rep map[string]any) map[string]any { return rep["bias"].(map[string]any)["lp"].(map[string]any) }
	errOf := func(rep map[string]any) map[string]any { return rep["error"].(map[string]any) }
	one, two, deg2 := run("--lp-sided", "one"), run(), run("--lp-degree", "2")
	truth := two["truncation"].(map[string]any)["F_2N"].(float64)
	fbar := two["F_bar"].(float64)
	for name, rep := range map[string]map[string]any{"two-sided M=1": two, "two-sided M=2": deg2, "one-sided M=1": one} {
		if st := lpOf(rep)["status"]; st != "optimal" {
			t.Fatalf("%s: LP %v", name, st)
		}
		c := rep["oracle"].(map[string]any)["lp_check"].(map[string]any)
		if c["ok"] != true {
			t.Errorf("%s: the LP's bounds do not cover ΔV: %v", name, c)
		}
		if cov := rep["truncation"].(map[string]any)["covered"]; cov != true {
			t.Errorf("%s: the truth is not covered", name)
		}
	}
	if d := lpOf(deg2)["degree"].(float64); d != 2 {
		t.Errorf("bias.lp.degree %g, want 2", d)
	}
	t1, t2 := errOf(two)["total"].(float64), errOf(deg2)["total"].(float64)
	if exact := math.Abs(fbar - truth); t2 < exact || t2 > t1*(1+1e-7) {
		t.Errorf("degree 2 bound %g: exact error %g, degree 1 bound %g", t2, exact, t1)
	}
	l := lpOf(one)
	if l["sided"] != "one" {
		t.Errorf("bias.lp.sided %v, want one", l["sided"])
	}
	obj := l["objectives"].(map[string]any)
	e := errOf(one)
	up, lo := e["upper"].(float64), e["lower"].(float64)
	if math.Abs(up-obj["upper"].(float64)) > 1e-6*up || math.Abs(lo-obj["lower"].(float64)) > 1e-6*lo {
		t.Errorf("error.upper/lower %g, %g; LP objectives %v", up, lo, obj)
	}
	if e["total"].(float64) != max(up, lo) {
		t.Errorf("error.total %v, want max(upper, lower) = %g", e["total"], max(up, lo))
	}
	iv := one["interval"].([]any)
	a, b := iv[0].(float64), iv[1].(float64)
	if a != max(0, fbar-up) || b != fbar+lo || truth < a || truth > b {
		t.Errorf("one-sided interval [%g, %g] (F̄ %g, upper %g, lower %g), truth %g", a, b, fbar, up, lo, truth)
	}
	if up > t1*(1+1e-7) || lo > t1*(1+1e-7) {
		t.Errorf("one-sided (%g, %g) wider than the two-sided bound %g", up, lo, t1)
	}
	t.Logf("L = 10: two-sided M = 1 %.8g, M = 2 %.8g; one-sided M = 1: F̄ − F ≤ %.8g, F − F̄ ≤ %.8g; exact F − F̄ = %.8g", t1, t2, up, lo, truth-fbar)
}

// TestPerturbTables: the tables read from --tables give the same perturbation as the tables
// recognised from the model (here the generic walk's, read by the joint-departure model,
// whose rewards have the same names): F̄ = 0.06393221833819956 (digest 002 §3.7).
func TestPerturbTables(t *testing.T) {
	t.Parallel()
	terms := "0.75,0.6708799312799236,0.049368010308011454;0.9,0.6358947992452972,0.014564208030188108"
	rep := perturbJSON(t, "../../examples/quarter_plane_generic.mf", "--terms", terms)
	data, err := json.Marshal(rep["walk"])
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tables.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	got := perturbJSON(t, "../../examples/quarter_plane.mf", "--tables", path, "--terms", terms, "--hbar10", "threshold", "--vbar01", "threshold")
	if f := got["F_bar"].(float64); math.Abs(f-0.06393221833819956) > 1e-12 {
		t.Errorf("F̄ = %.17g from --tables, want 0.06393221833819956", f)
	}
	_, errOut, status := runCLI("perturb", "../../examples/quarter_plane.mf", "--tables", "/nonexistent/t.json")
	if status != 1 || !strings.Contains(errOut, "--tables") {
		t.Errorf("missing tables file: status %d, %q", status, errOut)
	}
}

// TestPerturbLPCoefficients: --lp-coefficients adds the direction bounds' coefficients
// (bias.lp.directions: one solution two-sided, two one-sided, every cell with the monomials'
// number of coefficients, directions among (1,0), (0,1), (1,1), (1,−1)), and the default
// output leaves them out. At the origin, U_(1,0)(0,0) ≥ ΔV = V(1,0) − V(0,0), which for
// F = n1 is positive (a job more in queue 1 adds to the future reward): a cell of the
// two-sided solution at (0,0) must carry a positive constant.
func TestPerturbLPCoefficients(t *testing.T) {
	t.Parallel()
	args := []string{"../../examples/quarter_plane.mf", "--reward", "jobs1", "--bias", "lp", "--lp-level", "5"}
	lpOf := func(rep map[string]any) map[string]any { return rep["bias"].(map[string]any)["lp"].(map[string]any) }
	if _, ok := lpOf(perturbJSON(t, args...))["directions"]; ok {
		t.Errorf("bias.lp.directions present without --lp-coefficients")
	}
	for _, c := range []struct {
		sided string
		lps   []string
	}{{"two", []string{"two-sided"}}, {"one", []string{"upper", "lower"}}} {
		rep := perturbJSON(t, append(append([]string{}, args...), "--lp-coefficients", "--lp-sided", c.sided)...)
		d, ok := lpOf(rep)["directions"].(map[string]any)
		if !ok {
			t.Fatalf("--lp-sided %s: no bias.lp.directions", c.sided)
		}
		nm := len(d["monomials"].([]any))
		sols := d["solutions"].([]any)
		if len(sols) != len(c.lps) {
			t.Fatalf("--lp-sided %s: %d solutions, want %d", c.sided, len(sols), len(c.lps))
		}
		for i, s := range sols {
			sol := s.(map[string]any)
			if sol["lp"] != c.lps[i] {
				t.Errorf("--lp-sided %s: solution %d is %v, want %s", c.sided, i, sol["lp"], c.lps[i])
			}
			cells := sol["cells"].([]any)
			if len(cells) == 0 {
				t.Fatalf("--lp-sided %s: no cell", c.sided)
			}
			origin := 0.0
			for _, x := range cells {
				cell := x.(map[string]any)
				u := cell["u"].([]any)
				ok := false
				for _, want := range [][2]float64{{1, 0}, {0, 1}, {1, 1}, {1, -1}} {
					ok = ok || u[0].(float64) == want[0] && u[1].(float64) == want[1]
				}
				if !ok || len(cell["upper"].([]any)) != nm || len(cell["lower"].([]any)) != nm {
					t.Fatalf("--lp-sided %s: malformed cell %v", c.sided, cell)
				}
				if cc := cell["cell"].([]any); u[0].(float64) == 1 && u[1].(float64) == 0 && cc[0].(float64) == 0 && cc[1].(float64) == 0 {
					origin = cell["upper"].([]any)[0].(float64)
				}
			}
			if c.sided == "two" && origin <= 0 {
				t.Errorf("two-sided: U_(1,0)(0,0) = %g, want > 0", origin)
			}
		}
	}
}
