package compiler

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/mfcproject/mfc/compiler/ir"
)

// nonFiniteCases: division by zero is NaN (docs/language.md §6.11) and never becomes a
// number by folding; non-finite values are errors where the compiler can see them.
var nonFiniteCases = []diagCase{
	{name: "init 0/0", src: `
species S
decay: S -> 0 @ S
init { S = 0/0 }
`, pos: "3:13", tok: "/0", sev: E, code: "E702", msg: "initial count of 'S' is NaN",
		hint: "initial counts and densities are finite numbers ≥ 0"},
	{name: "init 1/0", src: `
param k = 0
species S
decay: S -> 0 @ S
init { S = 1/k }
`, pos: "4:13", tok: "/k", sev: E, code: "E702", msg: "initial count of 'S' is +Inf"},
	{name: "init density NaN", src: `
scale N = 10
species S
decay: S -> 0 @ S
init density { S = 0/0 }
`, pos: "4:21", tok: "/0", sev: E, code: "E702", msg: "initial density of 'S' is NaN"},
	{name: "init beyond 2^53", src: `
species S
decay: S -> 0 @ S
init { S = 1e19 }
`, pos: "3:12", tok: "1e19", sev: E, code: "E702", msg: "initial count of 'S' is 1e+19, more than 2^53"},
	{name: "propensity 1/0", src: `
species S
go: 0 -> S @ 1/0
decay: S -> 0 @ S
`, pos: "2:14", tok: "1/0", sev: E, code: "E506", msg: "propensity is the constant +Inf",
		hint: "propensities are finite and ≥ 0"},
	{name: "propensity 0/0 + 1", src: `
species S
go: 0 -> S @ 0/0 + 1
decay: S -> 0 @ S
`, pos: "2:14", tok: "0/0", sev: E, code: "E506", msg: "propensity is the constant NaN"},
	{name: "propensity 0^-1", src: `
species S
go: 0 -> S @ 0^-1
decay: S -> 0 @ S
`, pos: "2:14", tok: "0^-1", sev: E, code: "E506", msg: "propensity is the constant +Inf"},
	{name: "infinite parameter", src: `
param k = 1e308 * 10
species S
go: 0 -> S @ k
decay: S -> 0 @ S
`, pos: "3:14", tok: "k", sev: E, code: "E506", msg: "propensity is +Inf at the parameters' values"},
	{name: "overridden parameter", src: `
param k = 1, z = 1
species S
go: 0 -> S @ k / z
decay: S -> 0 @ S
`, opts: Options{Overrides: Overrides{"z": {0}}}, pos: "3:14", tok: "k / z", sev: E, code: "E506",
		msg: "propensity is +Inf at the parameters' values"},
	{name: "infinite scale", src: `
scale N = 1e308 * 10
species S
decay: S -> 0 @ S
`, pos: "1:7", tok: "N", sev: E, code: "E309", msg: "scale 'N' must be finite, got +Inf"},
	{name: "infinite scale by Options.Scale", opts: Options{Scale: math.Inf(1)}, src: `
scale N = 10
species S
decay: S -> 0 @ S
`, pos: "1:7", tok: "N", sev: E, code: "E309", msg: "scale 'N' must be finite, got +Inf"},
	{name: "range bound beyond int64", src: `
species S[1..1e19]
go: 0 -> S[1] @ 1
`, pos: "1:14", tok: "1e19", sev: E, code: "E309", msg: "range bound 1e+19 is out of range (integers go up to 2^53)"},
	{name: "choose k beyond int64", src: `
species S
go: 0 -> S @ choose(S, 1e19)
`, pos: "2:24", tok: "1e19", sev: E, code: "E309", msg: "k of choose 1e+19 is out of range (integers go up to 2^53)"},
}

// TestNonFinite runs nonFiniteCases.
func TestNonFinite(t *testing.T) {
	t.Parallel()
	for _, c := range nonFiniteCases {
		t.Run(c.name, func(t *testing.T) { runDiagCase(t, c) })
	}
}

// TestDivZeroNotFolded: 0/e stays a division unless e is a known non-zero constant, so
// that 0/0 evaluates to NaN; the §6.5 static check still counts 0/e as 0.
func TestDivZeroNotFolded(t *testing.T) {
	t.Parallel()
	m := mustCompile(t, "param k = 1\nspecies S\ndecay: S -> 0 @ S / k\ngo: 0 -> S @ 1\nobservable o = 0/0\nobservable r = 0/S\n", Options{})
	g := m.Graph
	if v, ok := g.IsConst(m.Observables[0].Node); !ok || !math.IsNaN(v) {
		t.Errorf("0/0 = %s, want the constant NaN", g.String(m.Observables[0].Node, m.Names()))
	}
	r := m.Observables[1].Node
	if _, ok := g.IsConst(r); ok {
		t.Fatalf("0/S folded to %s", g.String(r, m.Names()))
	}
	tape := g.Compile([]ir.NodeID{r})
	vals := make([]float64, tape.Len())
	tape.Eval(vals, &ir.Inputs{Params: m.ParamValues, Counts: []float64{0}, Densities: []float64{0}})
	if v := tape.Output(vals, 0); !math.IsNaN(v) {
		t.Errorf("0/S at S = 0 is %v, want NaN", v)
	}
}

// TestHugeArmIsNotZero: an integer arm beyond int64 matches no value of the environment.
func TestHugeArmIsNotZero(t *testing.T) {
	t.Parallel()
	m := mustCompile(t, "env Y in 0..1\nspecies S\ng: 0 -> S @ match Y { 99999999999999999999: 1, _: 2 }\nS -> 0 @ S\n", Options{})
	tape := m.Graph.Compile([]ir.NodeID{m.Transitions[0].Propensity})
	vals := make([]float64, tape.Len())
	tape.Eval(vals, &ir.Inputs{Params: m.ParamValues, Counts: []float64{0}, Densities: []float64{0}, Env: []float64{0}})
	if v := tape.Output(vals, 0); v != 2 {
		t.Errorf("propensity at Y = 0 is %v, want 2 (the default arm)", v)
	}
}

// TestGuardOnScaleNoE501: a guard that compares a count with an expression of the scale,
// 'when S > N/2', vanishes at S = 0 for the positive scale: no E501, though the graph
// cannot fold 0 > N/2; at a scale where the guard holds at S = 0 (S > N − 150 at N = 100)
// the transition can empty S and E501 stays.
func TestGuardOnScaleNoE501(t *testing.T) {
	t.Parallel()
	for guard, want := range map[string]bool{"S > N / 2": false, "S > N - 150": true} {
		src := "scale N = 100\nparam nu = 1\nspecies S\ninit { S = 60 }\nserve: S -> 0 when " + guard + " @ N * nu\nbirth: 0 -> S @ N\n"
		_, errs := CompileSource("g.mf", []byte(src), Options{})
		got := false
		for _, d := range errs {
			got = got || d.Code == "E501"
		}
		if got != want {
			t.Errorf("when %s: E501 %v, want %v (%v)", guard, got, want, errs)
		}
	}
}

// TestFuzzFindings: inputs the fuzzers found, each fixed — 'init { t = 0 }' panicked (t has
// no symbol: now E707), and a stoichiometry of 21 803 398 hung the compile (the E501 hint
// enumerated every count below it, and the check substituted each: now the hint names the
// falling factorial and the check looks at the first and last 256 counts).
func TestFuzzFindings(t *testing.T) {
	t.Parallel()
	_, errs := CompileSource("t.mf", []byte("init { t = 0 }\n"), Options{})
	if len(errs) == 0 || errs[0].Code != "E707" {
		t.Errorf("init { t = 0 }: %v, want E707", errs)
	}
	src := "scale N = 10\nspecies S1, S2\n21803398S1 -> S2 @ 2 * S1\ninit { S1 = 3 }\n"
	start := time.Now()
	_, errs = CompileSource("s.mf", []byte(src), Options{})
	if len(errs) == 0 || errs[0].Code != "E501" || !strings.Contains(errs[0].Hint, "ff(S1, 21803398)") || time.Since(start) > time.Second {
		t.Errorf("a coefficient of 21 803 398: %v after %v", errs, time.Since(start))
	}
}
