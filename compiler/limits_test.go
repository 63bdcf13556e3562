package compiler

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
)

// limitCases: inputs that would make the compiler run for minutes or exhaust memory stop
// with a limit error instead (docs/language.md §7.3).
var limitCases = []diagCase{
	{name: "choose unrolled beyond the limit", src: `
species S
go: S -> 0 @ choose(S, 100000000)
`, pos: "2:24", tok: "100000000", sev: E, code: "E406", msg: "choose: k = 100000000 factors is more than the model can expand"},
	{name: "choose at compile time", src: `
param k = choose(4.5, 1e15)
species S
go: S -> 0 @ k * S
`, pos: "1:23", tok: "1e15", sev: E, code: "E406", msg: "choose: k = 1e+15 factors is more than the model can expand"},
	{name: "ff within MaxElements", opts: Options{MaxElements: 10}, src: `
species S
go: S -> 0 @ ff(S, 11)
`, pos: "2:20", tok: "11", sev: E, code: "E406", msg: "ff: k = 11 factors is more than the model can expand"},
}

// TestLimits runs limitCases.
func TestLimits(t *testing.T) {
	t.Parallel()
	for _, c := range limitCases {
		t.Run(c.name, func(t *testing.T) { runDiagCase(t, c) })
	}
}

// TestErrorLimit: a file with thousands of errors reports diag.MaxErrors of them and one
// line that counts the rest; Options.MaxErrors < 0 keeps them all.
func TestErrorLimit(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("species S\n")
	for i := range 300 {
		fmt.Fprintf(&b, "r%d: S -> 0 @ nosuch%d * S\n", i, i)
	}
	_, ds := CompileSource("m.mf", []byte(b.String()), Options{})
	if len(ds) != diag.MaxErrors+1 || !strings.HasPrefix(ds[len(ds)-1].Msg, "too many errors: 290 more") {
		t.Errorf("%d diagnostics, the last %q; want %d, the last counting 290 more", len(ds), ds[len(ds)-1].Error(), diag.MaxErrors+1)
	}
	if _, all := CompileSource("m.mf", []byte(b.String()), Options{MaxErrors: -1}); len(all) != 300 {
		t.Errorf("MaxErrors -1: %d diagnostics, want 300", len(all))
	}
}

// envModel has k binary environment components that flip independently (2^k states) and
// an epidemic whose contact rate reads the first one only.
func envModel(k int) []byte {
	return []byte(fmt.Sprintf(`scale N = 10
env E[1..%d] { off, on }
species S, I
for i in 1..%d: flip: set E[i] = if E[i] == off then on else off @ N
infect: S + I -> 2I @ S * I / N * (1 + ind(E[1] == on))
recover: I -> S @ I
init { S = 9, I = 1 }
`, k, k))
}

// TestEnvironmentChecksScale: the static check of a propensity visits one state per
// combination of the components it reads (2 here, not 2^k), and the space is indexed by
// mixed-radix numbers; the check of 2^12 states stays well under a second.
func TestEnvironmentChecksScale(t *testing.T) {
	t.Parallel()
	m, ds := CompileSource("env.mf", envModel(12), Options{})
	if m == nil {
		t.Fatal(ds)
	}
	if len(m.Env.Space) != 1<<12 {
		t.Fatalf("|Y| = %d, want 4096", len(m.Env.Space))
	}
	c := &compiler{g: m.Graph, nEnv: 12}
	for _, tr := range m.Transitions {
		want := 1 // flip's propensity reads no component (its update does)
		if tr.Label == "infect" {
			want = 2
		}
		if got := len(c.distinctOn(tr.Propensity, m.Env.Space)); got != want {
			t.Errorf("%s: %d states to check, want %d", tr.Label, got, want)
		}
	}
}

// TestTupleIndex: the three representations (table, map of numbers, string keys) agree.
func TestTupleIndex(t *testing.T) {
	t.Parallel()
	comps := []ir.EnvComponent{{Lo: 0, Hi: 2}, {Lo: -1, Hi: 1}, {Lo: 5, Hi: 9}}
	huge := []ir.EnvComponent{{Lo: 0, Hi: 1 << 40}, {Lo: 0, Hi: 1 << 40}}
	for _, ix := range []*tupleIndex{newTupleIndex(comps, 1000), newTupleIndex(comps, 1), newTupleIndex(huge, 1000)} {
		ys := [][]int{{0, -1, 5}, {2, 1, 9}, {1, 0, 7}, {0, 0, 5}, {3, 0, 5}}
		for i, y := range ys {
			if got := ix.get(y); got != -1 {
				t.Fatalf("%v before put: %d", y, got)
			}
			ix.put(y, i)
		}
		for i, y := range ys {
			if got := ix.get(y); got != i {
				t.Errorf("%v: %d, want %d", y, got, i)
			}
		}
	}
}

// TestLetChainLimit: lets inlined more than maxLetDepth deep are E406, reported once
// (a 10 MB chain of lets took 2 GB of stack before).
func TestLetChainLimit(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("species S\nlet a0 = S\n")
	n := maxLetDepth + 5
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "let a%d = a%d + 1\n", i, i-1)
	}
	fmt.Fprintf(&b, "S -> 0 @ S * a%d\n", n)
	_, ds := CompileSource("m.mf", []byte(b.String()), Options{})
	if len(ds) != 1 || ds[0].Code != "E406" || !strings.Contains(ds[0].Msg, "more than 10000 nested lets") {
		t.Errorf("got %v, want one E406 for the let chain", ds)
	}
	b.Reset()
	b.WriteString("species S\nlet a0 = S\n")
	for i := 1; i < 500; i++ {
		fmt.Fprintf(&b, "let a%d = a%d + 1\n", i, i-1)
	}
	b.WriteString("S -> 0 @ S * a499\n")
	if _, ds := CompileSource("m.mf", []byte(b.String()), Options{}); ds.HasErrors() {
		t.Errorf("a chain of 500 lets: %v", ds)
	}
}
