package compiler

import (
	"fmt"
	"strings"
	"testing"

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
	for i := range 2000 {
		fmt.Fprintf(&b, "r%d: S -> 0 @ nosuch%d * S\n", i, i)
	}
	_, ds := CompileSource("m.mf", []byte(b.String()), Options{})
	if len(ds) != diag.MaxErrors+1 || !strings.HasPrefix(ds[len(ds)-1].Msg, "too many errors: 1990 more") {
		t.Errorf("%d diagnostics, the last %q; want %d, the last counting 1990 more", len(ds), ds[len(ds)-1].Error(), diag.MaxErrors+1)
	}
	if _, all := CompileSource("m.mf", []byte(b.String()), Options{MaxErrors: -1}); len(all) != 2000 {
		t.Errorf("MaxErrors -1: %d diagnostics, want 2000", len(all))
	}
}
