package compiler

import (
	"testing"
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
