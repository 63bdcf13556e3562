package lang

import (
	"strings"
	"testing"
	"time"

	"github.com/mfcproject/mfc/lang/diag"
)

// hostile generates n repetitions of unit after a valid prefix: a model that a fuzzer or a
// hostile user might feed to check.
func hostile(unit string, n int) []byte {
	return []byte("species S\ndecay: S -> 0 @ S\nparam k = " + strings.Repeat(unit, n) + "\n")
}

// TestParseHostileInputs: the parser reports at most diag.MaxErrors errors plus one line that
// counts the rest, and its time grows linearly: an input 8 times larger takes well under
// 64 times longer (the quadratic recovery of unclosed brackets did).
func TestParseHostileInputs(t *testing.T) {
	t.Parallel()
	for _, unit := range []string{"(", "[", "{", ")", "[)", "$", "(]"} {
		small, large := 500, 4000
		d0 := time.Now()
		_, errs := Parse("h.mf", hostile(unit, small))
		t0 := time.Since(d0)
		d1 := time.Now()
		_, errs1 := Parse("h.mf", hostile(unit, large))
		t1 := time.Since(d1)
		if len(errs) > diag.MaxErrors+1 || len(errs1) > diag.MaxErrors+1 {
			t.Errorf("%q: %d and %d diagnostics, want at most %d", unit, len(errs), len(errs1), diag.MaxErrors+1)
		}
		if last := errs1[len(errs1)-1]; !strings.HasPrefix(last.Msg, "too many errors") || last.Hint == "" {
			t.Errorf("%q: last diagnostic %q, want 'too many errors ...'", unit, last.Error())
		}
		if t1 > 24*t0+20*time.Millisecond {
			t.Errorf("%q: %d units parse in %v, %d in %v: not linear", unit, small, t0, large, t1)
		}
	}
}
