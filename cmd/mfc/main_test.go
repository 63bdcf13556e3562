package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/cli")

func runCLI(args ...string) (stdout, stderr string, status int) {
	var o, e bytes.Buffer
	status = run(args, &o, &e)
	return o.String(), e.String(), status
}

// golden compares got with testdata/cli/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "cli", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/mfc -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestCheckExamples(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*.mf")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	out, errOut, status := runCLI(append([]string{"check"}, files...)...)
	if status != 0 {
		t.Fatalf("status %d:\n%s", status, errOut)
	}
	golden(t, "check_examples.txt", strings.ReplaceAll(out, "../../", ""))
}

func TestCheckErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.mf")
	os.WriteFile(bad, []byte("param beta = 1\nspecies S\nS -> 0 @ bta * S\nS -> 0 @ $\n"), 0o644)
	_, errOut, status := runCLI("check", bad)
	if status != 1 {
		t.Errorf("status %d, want 1", status)
	}
	golden(t, "check_errors.txt", strings.ReplaceAll(errOut, dir+string(filepath.Separator), ""))
	if _, _, status := runCLI("check"); status != 2 {
		t.Errorf("no files: status %d, want 2", status)
	}
	if _, _, status := runCLI("nosuch"); status != 2 {
		t.Errorf("unknown command: status %d, want 2", status)
	}
}

func TestFmtIdempotentAndWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.mf")
	src := "species S,I\ninfect:S+I->2I@2*S*I   # contact\n"
	os.WriteFile(path, []byte(src), 0o644)
	out, _, status := runCLI("fmt", path)
	if status != 0 {
		t.Fatal(status)
	}
	want := "species S, I\ninfect: S + I -> 2I @ 2 * S * I  # contact\n"
	if out != want {
		t.Errorf("fmt:\n%q\nwant\n%q", out, want)
	}
	if list, _, _ := runCLI("fmt", "-l", path); strings.TrimSpace(list) != path {
		t.Errorf("fmt -l: %q", list)
	}
	runCLI("fmt", "-w", path)
	got, _ := os.ReadFile(path)
	if string(got) != want {
		t.Errorf("fmt -w wrote %q", got)
	}
	if list, _, _ := runCLI("fmt", "-l", path); list != "" {
		t.Errorf("formatted file listed: %q", list)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("fmt -w left temporary files: %v", entries)
	}
}

func TestShowSIR(t *testing.T) {
	out, errOut, status := runCLI("show", "@sir")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	for _, line := range []string{
		"d x_S/dt = delta*x_R - a*x_S - beta*x_S*x_I",
		"d x_I/dt = a*x_S + beta*x_S*x_I - gamma*x_I",
		"d x_R/dt = gamma*x_I - delta*x_R",
		"S + I + R = constant",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("mfc show @sir lacks %q:\n%s", line, out)
		}
	}
	golden(t, "show_sir.txt", out)
}

func TestShowJSONAt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	_, errOut, status := runCLI("show", "@sir", "--at", "S=0.5,I=0.3,R=0.2", "--set", "beta=3", "--N", "50", "--format", "json", "-o", path)
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	data, _ := os.ReadFile(path)
	var rep struct {
		Species  []string
		Drift    []float64
		Jacobian [][]float64
		Hessian  [][][]float64
		Scale    struct{ Value float64 }
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	// a = 1, beta = 3, gamma = 1, delta = 3 at (0.5, 0.3, 0.2)
	if rep.Scale.Value != 50 || len(rep.Species) != 3 || math.Abs(rep.Drift[1]-(0.5+3*0.5*0.3-0.3)) > 1e-15 ||
		rep.Jacobian[0][1] != -1.5 || rep.Hessian[1][0][1] != 3 {
		t.Errorf("unexpected report: %+v", rep)
	}
}

// TestFixpointSIS checks 'mfc fixpoint' on the SIS model of seed digest 001 §4.3:
// x0* = 2 − √2, reduced eigenvalue −√2, lim M·Var(x0) = 1 − 1/√2 (closed forms; 1e-10
// leaves room for Newton's and the Lyapunov solver's rounding).
func TestFixpointSIS(t *testing.T) {
	out, errOut, status := runCLI("fixpoint", "@sis_external", "--format", "json")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	var rep struct {
		Species     []string
		FixedPoint  []float64 `json:"fixed_point"`
		Eigenvalues [][2]float64
		W           [][]float64
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	r2 := math.Sqrt2
	if math.Abs(rep.FixedPoint[0]-(2-r2)) > 1e-10 || len(rep.Eigenvalues) != 1 ||
		math.Abs(rep.Eigenvalues[0][0]+r2) > 1e-10 || math.Abs(rep.W[0][0]-(1-1/r2)) > 1e-10 {
		t.Errorf("unexpected report: %+v", rep)
	}
}

// TestRunSIR: 'mfc run @sir' (the README's main command, on the library's copy of
// examples/sir.mf) reproduces the fixed point and order-1 correction V printed by rmftool's
// SIR notebook (8 digits, hence 5e-9).
func TestRunSIR(t *testing.T) {
	out, errOut, status := runCLI("run", "@sir", "--format", "json")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	var rep struct {
		FixedPoint  []float64 `json:"fixed_point"`
		V           []float64
		A           []float64
		Observables []struct {
			Name     string
			Refined2 *float64 `json:"refined2"`
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	// Order 2 by default: A is on the conservation law's null space (S + I + R = N), and
	// every observable has its refined2 value.
	if len(rep.A) != 3 || math.Abs(rep.A[0]+rep.A[1]+rep.A[2]) > 1e-12 {
		t.Errorf("A = %v", rep.A)
	}
	for _, o := range rep.Observables {
		if o.Refined2 == nil {
			t.Errorf("observable %s has no refined2", o.Name)
		}
	}
	pi := []float64{0.26259518, 0.55305361, 0.1843512}
	v := []float64{0.15875529, -0.11906646, -0.03968882}
	for i := range pi {
		if math.Abs(rep.FixedPoint[i]-pi[i]) > 5e-9 || math.Abs(rep.V[i]-v[i]) > 5e-9 {
			t.Errorf("species %d: x* = %v, V = %v; rmftool %v, %v", i, rep.FixedPoint[i], rep.V[i], pi[i], v[i])
		}
	}
	if len(rep.Observables) != 3 {
		t.Errorf("observables: %+v", rep.Observables)
	}
	text, _, _ := runCLI("run", "@sir")
	golden(t, "run_sir.txt", text)
	if _, errOut, status := runCLI("refine", "--order", "3", "@sir"); status != 2 || !strings.Contains(errOut, "--order 3: must be an integer in [1, 2]") {
		t.Errorf("--order 3 must be refused: %d %q", status, errOut)
	}
}

// TestExactSIS: 'mfc exact' on the SIS model at M = 100 gives the digest's exact
// M·E[(x0 − x0*)²] = 0.29226526… (seed-001 §4.3; dense LU, residual ~1e-14, so 1e-10).
func TestExactSIS(t *testing.T) {
	out, errOut, status := runCLI("exact", "@sis_external", "--format", "json")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	var rep struct {
		States      int
		Residual    float64
		Mean        []float64
		MeanDensity []float64 `json:"mean_density"`
		Measures    map[string]float64
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.States != 101 || rep.Residual > 1e-10 || math.Abs(100*rep.Measures["mse_ss"]-0.2922652649) > 1e-8 ||
		math.Abs(rep.MeanDensity[0]-0.5868197514) > 1e-10 {
		t.Errorf("unexpected report: %+v", rep)
	}
}

// TestSSADeterministic: the same seed gives the same output whatever the number of workers.
func TestSSADeterministic(t *testing.T) {
	args := []string{"ssa", "@sis_external", "--N", "20", "--runs", "200", "--t", "2", "--seed", "7", "--format", "json"}
	one, errOut, status := runCLI(append(args, "--workers", "1")...)
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	two, _, _ := runCLI(append(args, "--workers", "2")...)
	if one != two {
		t.Error("ssa output depends on --workers")
	}
}

// TestODEStiff: rates 10⁴ apart finish quickly with the stiff method, and the explicit
// method reports stiffness instead of crawling. Reference: the linear system's equilibrium
// A = k2/(k1 + 2 k2)·…; at t = 100 the slow modes have decayed to below 1e-40.
func TestODEStiff(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "stiff.mf")
	os.WriteFile(path, []byte("scale N = 100\nparam k1 = 10000, k2 = 1\nspecies A, B, C\nfast: A -> B @ k1 * A\nslow: B -> C @ k2 * B\nback: C -> A @ k2 * C\ninit density { A = 1 }\n"), 0o644)
	start := time.Now()
	out, errOut, status := runCLI("ode", path, "--t", "100", "--steps", "1", "--method", "stiff", "--format", "json")
	if status != 0 || time.Since(start) > time.Second {
		t.Fatalf("stiff method: status %d after %v: %s", status, time.Since(start), errOut)
	}
	var rep struct{ X [][]float64 }
	json.Unmarshal([]byte(out), &rep)
	// Equilibrium: k1 A = k2 C, k2 B = k2 C, A + B + C = 1.
	c := 1 / (2 + 1.0/10000)
	if got := rep.X[1]; math.Abs(got[0]-c/10000) > 1e-8 || math.Abs(got[2]-c) > 1e-8 {
		t.Errorf("x(100) = %v, want (%g, %g, %g)", got, c/10000, c, c)
	}
	_, errOut, status = runCLI("ode", path, "--t", "100", "--method", "explicit")
	if status != 1 || !strings.Contains(errOut, "stiff") {
		t.Errorf("explicit method: status %d, %q", status, errOut)
	}
}

// TestValidateSIR: 'mfc validate @sir --N 10,20,40,80' gives every column for
// every observable, exact values matching the exact chain solved directly, and error slopes
// of about −1 (mean field), −2 (refined order 1) and −3 (order 2) against the exact chain
// (fits over four scales, hence ±0.3); simulation means lie within 4 half-widths of the
// exact values (a fixed seed makes this deterministic).
func TestValidateSIR(t *testing.T) {
	out, errOut, status := runCLI("validate", "@sir", "--N", "10,20,40,80", "--format", "json", "--ssa-t", "2000")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	var rep struct {
		N           []float64
		Observables []map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.N) != 4 || len(rep.Observables) != 3 {
		t.Fatalf("N = %v, %d tables", rep.N, len(rep.Observables))
	}
	for _, tab := range rep.Observables {
		var name string
		json.Unmarshal(tab["name"], &name)
		cols := map[string][]float64{}
		for _, key := range []string{"N", "mean_field", "refined1", "refined2", "exact", "ssa_mean", "ssa_ci"} {
			var v []float64
			if err := json.Unmarshal(tab[key], &v); err != nil || len(v) != 4 {
				t.Fatalf("%s: key %s: %v (%s)", name, key, err, tab[key])
			}
			cols[key] = v
		}
		for k := range cols["exact"] {
			if d := math.Abs(cols["ssa_mean"][k] - cols["exact"][k]); d > 4*cols["ssa_ci"][k] {
				t.Errorf("%s N=%g: simulation %g ± %g, exact %g", name, cols["N"][k], cols["ssa_mean"][k], cols["ssa_ci"][k], cols["exact"][k])
			}
		}
		var slopes map[string]float64
		json.Unmarshal(tab["slopes"], &slopes)
		for key, want := range map[string]float64{"mean_field": -1, "refined1": -2, "refined2": -3} {
			if s, ok := slopes[key]; !ok || math.Abs(s-want) > 0.3 {
				t.Errorf("%s: slope of %s = %v, want about %g", name, key, s, want)
			}
		}
	}
	if _, errOut, status := runCLI("refine", "@sir", "--N", "10,20"); status != 2 || !strings.Contains(errOut, "one value") {
		t.Errorf("a list of N outside validate must be refused: %d %q", status, errOut)
	}
}

// TestRunTwoTimescale: a model with a fast environment goes to the average mean field. On
// toy T1 of seed digest 000 §5.1: φ∞ = 0.421364298533, C = −1.104810512, π = (0.5678498001,
// 0.4321501999) over the states Y=0, Y=1 (printed digits, so 1e-9), and validate's refined
// slope against the exact chain is about −2.
func TestRunTwoTimescale(t *testing.T) {
	out, errOut, status := runCLI("run", "@t1_sis_env", "--format", "json")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	var rep struct {
		Method     string
		FixedPoint []float64 `json:"fixed_point"`
		V          []float64
		EnvStates  []string  `json:"env_states"`
		EnvLaw     []float64 `json:"env_law"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rep.Method, "average") || math.Abs(rep.FixedPoint[0]-0.421364298533) > 1e-9 || math.Abs(rep.V[0]+1.104810512) > 1e-9 {
		t.Errorf("report: %+v", rep)
	}
	law := map[string]float64{}
	for k, s := range rep.EnvStates {
		law[s] = rep.EnvLaw[k]
	}
	if math.Abs(law["Y=0"]-0.5678498001) > 1e-9 || math.Abs(law["Y=1"]-0.4321501999) > 1e-9 {
		t.Errorf("environment law %v", law)
	}
	out, errOut, status = runCLI("validate", "@t1_sis_env", "--N", "50,100,200,400", "--ssa-t", "0", "--format", "json")
	if status != 0 {
		t.Fatalf("validate: status %d: %s", status, errOut)
	}
	var val struct {
		Observables []struct {
			Name   string
			Slopes map[string]float64
		}
	}
	if err := json.Unmarshal([]byte(out), &val); err != nil {
		t.Fatal(err)
	}
	for _, o := range val.Observables {
		if s := o.Slopes["refined1"]; math.Abs(s+2) > 0.2 {
			t.Errorf("%s: refined slope %.3f", o.Name, s)
		}
	}
}

// TestConvergeSIS: 'mfc converge' on the SIS model of seed digest 001 §4.3 predicts
// lim N·E‖X − x*‖² = 2 − √2 (both coordinates, each 1 − 1/√2; 1e-10) and, with --exact,
// reports N·E‖X − x*‖² = 2 × 0.29226526 at N = 100 (the digest's 8 digits, so 1e-8) and a gap
// to the prediction that decays like 1/N.
func TestConvergeSIS(t *testing.T) {
	out, errOut, status := runCLI("converge", "@sis_external", "--exact", "10,100,1000", "--format", "json")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	var rep struct {
		FixedPoint  []float64 `json:"fixed_point"`
		Eigenvalues [][2]float64
		C           float64
		Comparison  struct {
			Points []struct {
				N      int
				Scaled float64
			}
			Slope float64
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if math.Abs(rep.C-(2-math.Sqrt2)) > 1e-10 || math.Abs(rep.Eigenvalues[0][0]+math.Sqrt2) > 1e-10 || math.Abs(rep.FixedPoint[0]-(2-math.Sqrt2)) > 1e-10 {
		t.Errorf("C = %.12g, eigenvalues %v, x* %v", rep.C, rep.Eigenvalues, rep.FixedPoint)
	}
	if len(rep.Comparison.Points) != 3 || math.Abs(rep.Comparison.Points[1].Scaled-2*0.29226526) > 1e-8 || math.Abs(rep.Comparison.Slope+1) > 0.05 {
		t.Errorf("comparison %+v", rep.Comparison)
	}
}

// TestExactTransientVsRefined sets two independent methods side by side: the transient
// measures level_t1[i] = E[x_i(1)] of JSQ(2) with K = 3 at N = 20 computed on the exact chain
// by uniformisation (mfc exact, truncation bound ~1e-13), and the transient refined mean
// field (mfc refine --order 2 --transient 1). The error must fall at each order: mean field,
// order 1, order 2 (observed 4e-3 → 1e-4 → 1e-5 at worst), and order 2 must be within
// 5e-5 (the O(1/N³) remainder at N = 20).
func TestExactTransientVsRefined(t *testing.T) {
	out, errOut, status := runCLI("exact", "@jsq", "--set", "K=3", "--N", "20", "--format", "json")
	if status != 0 {
		t.Fatalf("exact: %d %s", status, errOut)
	}
	var ex struct {
		Measures      map[string]float64
		MeasureBounds map[string]float64 `json:"measure_bounds"`
	}
	if err := json.Unmarshal([]byte(out), &ex); err != nil {
		t.Fatal(err)
	}
	out, errOut, status = runCLI("refine", "@jsq", "--set", "K=3", "--N", "20", "--order", "2", "--transient", "1", "--steps", "1", "--format", "json")
	if status != 0 {
		t.Fatalf("refine: %d %s", status, errOut)
	}
	var rf struct {
		N  float64
		X  [][]float64 `json:"x"`
		VT [][]float64 `json:"V_t"`
		AT [][]float64 `json:"A_t"`
	}
	if err := json.Unmarshal([]byte(out), &rf); err != nil {
		t.Fatal(err)
	}
	n := rf.N
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("level_t1[%d]", i+1)
		e, ok := ex.Measures[name]
		if !ok || ex.MeasureBounds[name] > 1e-10 {
			t.Fatalf("%s missing or bound too loose: %v", name, ex)
		}
		x, v, a := rf.X[1][i], rf.VT[1][i], rf.AT[1][i]
		e0, e1, e2 := math.Abs(x-e), math.Abs(x+v/n-e), math.Abs(x+v/n+a/(n*n)-e)
		t.Logf("%s: exact %.10f, errors %.2e %.2e %.2e", name, e, e0, e1, e2)
		if !(e2 < e1 && e1 < e0) || e2 > 5e-5 {
			t.Errorf("%s: errors %.2e, %.2e, %.2e do not fall with the order", name, e0, e1, e2)
		}
	}
}

// TestValidateTransient: 'mfc validate --transient 1' compares E f(X_1) from the initial
// state: exact law by uniformisation, refined transient of orders 1 and 2, and an ensemble.
// On SIR at N = 20 … 160 the errors against the exact chain fall like N^-1 (mean field) and
// N^-3 (order 2) (fits over four scales, ±0.25), and the ensemble means lie within 4
// half-widths of the exact values (fixed seed).
func TestValidateTransient(t *testing.T) {
	out, errOut, status := runCLI("validate", "@sir", "--N", "20,40,80,160", "--transient", "1", "--runs", "400", "--format", "json")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	var rep struct {
		Transient   float64
		Observables []struct {
			Name    string
			Exact   []float64
			SSAMean []float64 `json:"ssa_mean"`
			SSACI   []float64 `json:"ssa_ci"`
			Slopes  map[string]float64
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Transient != 1 || len(rep.Observables) != 3 {
		t.Fatalf("report: %+v", rep)
	}
	for _, o := range rep.Observables {
		if s := o.Slopes["mean_field"]; math.Abs(s+1) > 0.25 {
			t.Errorf("%s: mean-field slope %.3f", o.Name, s)
		}
		if s := o.Slopes["refined2"]; math.Abs(s+3) > 0.25 {
			t.Errorf("%s: order-2 slope %.3f", o.Name, s)
		}
		for k := range o.Exact {
			if d := math.Abs(o.SSAMean[k] - o.Exact[k]); d > 4*o.SSACI[k] {
				t.Errorf("%s: simulation %g ± %g, exact %g", o.Name, o.SSAMean[k], o.SSACI[k], o.Exact[k])
			}
		}
	}
}

// TestODETwoTimescale: 'mfc ode' on a model with a fast environment integrates the averaged
// drift. Toy T1 of seed digest 000 §5.1 from x0 = 0.2: φ_t at t = 0.25, 0.5, 1, 2, 5, 10 as
// printed there (8 decimals, so 1e-8).
func TestODETwoTimescale(t *testing.T) {
	out, errOut, status := runCLI("ode", "@t1_sis_env", "--t", "10", "--steps", "40", "--format", "json")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	var rep struct {
		Time []float64
		X    [][]float64
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	want := map[int]float64{1: 0.23057451, 2: 0.25909039, 4: 0.30812424, 8: 0.37195277, 20: 0.41846342, 40: 0.42134226}
	for k, w := range want {
		if math.Abs(rep.X[k][0]-w) > 1e-8 {
			t.Errorf("φ(%g) = %.10f, digest %.8f", rep.Time[k], rep.X[k][0], w)
		}
	}
}

func TestSSADiscrete(t *testing.T) {
	out, errOut, status := runCLI("ssa", "@slow_chain", "--t", "25", "--steps", "4", "--runs", "50", "--format", "json")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	var rep struct{ Time []float64 }
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rep.Time) != "[0 6 12 18 25]" {
		t.Errorf("times %v", rep.Time)
	}
	if _, errOut, status := runCLI("ssa", "@slow_chain", "--t", "2.5"); status != 2 || !strings.Contains(errOut, "number of steps") {
		t.Errorf("fractional steps: %d %q", status, errOut)
	}
}

// TestExactDiscrete: 'mfc exact' on the discrete-time inventory model of seed digest 004
// gives the discounted cost kappa = 62.9696 printed in the model's header (6 digits: 5e-5),
// and on the time-varying slow_chain model it says the stationary law is that of the frozen
// chain.
func TestExactDiscrete(t *testing.T) {
	out, errOut, status := runCLI("exact", "@inventory", "--format", "json")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	var rep struct{ Measures map[string]float64 }
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if math.Abs(rep.Measures["kappa"]-62.9696) > 5e-5 {
		t.Errorf("kappa = %.8g", rep.Measures["kappa"])
	}
	out, _, status = runCLI("exact", "@slow_chain")
	if status != 0 || !strings.Contains(out, "time-inhomogeneous") {
		t.Errorf("slow_chain: %d %s", status, out)
	}
}

// TestValidateDiscrete: on the time-varying discrete inventory model (no scale), validate
// refuses the stationary comparison (no stationary law) and, at t = 20, sets the exact law
// from stepping the time-varying chain beside a simulation ensemble: within 4 half-widths
// (fixed seed).
func TestValidateDiscrete(t *testing.T) {
	if _, errOut, status := runCLI("validate", "@inventory"); status != 1 || !strings.Contains(errOut, "--t t") {
		t.Errorf("stationary comparison of a time-inhomogeneous model: %d %q", status, errOut)
	}
	out, errOut, status := runCLI("validate", "@inventory", "--transient", "20", "--runs", "2000", "--format", "json")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	var rep struct {
		Observables []struct {
			Name    string
			Exact   []float64
			SSAMean []float64 `json:"ssa_mean"`
			SSACI   []float64 `json:"ssa_ci"`
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Observables) != 1 {
		t.Fatalf("tables: %+v", rep.Observables)
	}
	o := rep.Observables[0]
	if math.Abs(o.SSAMean[0]-o.Exact[0]) > 4*o.SSACI[0] {
		t.Errorf("%s: simulation %g ± %g, exact %g", o.Name, o.SSAMean[0], o.SSACI[0], o.Exact[0])
	}
}

// TestFmtStdin: 'mfc fmt -' formats standard input to standard output, names it <stdin> in
// diagnostics and in -l, and refuses -w.
func TestFmtStdin(t *testing.T) {
	defer func(r io.Reader) { stdin = r }(stdin)
	stdin = strings.NewReader("species   S\n")
	if out, errOut, status := runCLI("fmt", "-"); status != 0 || out != "species S\n" {
		t.Errorf("fmt -: status %d, %q, %s", status, out, errOut)
	}
	stdin = strings.NewReader("species S @\n")
	if _, errOut, status := runCLI("fmt", "-"); status != 1 || !strings.HasPrefix(errOut, "<stdin>:1:11: error[E103]") {
		t.Errorf("fmt - on bad input: status %d, %s", status, errOut)
	}
	stdin = strings.NewReader("species   S\n")
	if out, _, status := runCLI("fmt", "-l", "-"); status != 0 || out != "<stdin>\n" {
		t.Errorf("fmt -l -: status %d, %q", status, out)
	}
	if _, errOut, status := runCLI("fmt", "-w", "-"); status != 2 || !strings.Contains(errOut, "drop -w") {
		t.Errorf("fmt -w -: status %d, %s", status, errOut)
	}
}

// TestModelsCanonical: every model shipped (examples/, the library, testdata/) is in the
// canonical layout of mfc fmt, so that a user's fmt run never rewrites a copied example.
func TestModelsCanonical(t *testing.T) {
	t.Parallel()
	var files []string
	for _, g := range []string{"examples/*.mf", "stdlib/models/*.mf", "testdata/bifurcation/*.mf", "testdata/ref/*.mf", "testdata/trust/*.mf", "testdata/qsd/*.mf", "docs/*.mf"} {
		m, _ := filepath.Glob(filepath.Join("..", "..", g))
		files = append(files, m...)
	}
	if len(files) < 30 {
		t.Fatalf("only %d model files found", len(files))
	}
	out, errOut, status := runCLI(append([]string{"fmt", "-l"}, files...)...)
	if status != 0 || out != "" {
		t.Errorf("not in canonical layout (run mfc fmt -w on them): status %d\n%s%s", status, out, errOut)
	}
}
