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
	// best parses src a few times and returns the shortest time (robust to a loaded machine).
	best := func(src []byte) (time.Duration, diag.List) {
		var d time.Duration
		var errs diag.List
		for i := 0; i < 3; i++ {
			t0 := time.Now()
			_, errs = Parse("h.mf", src)
			if e := time.Since(t0); i == 0 || e < d {
				d = e
			}
		}
		return d, errs
	}
	for _, unit := range []string{"(", "[)", ")", "$"} {
		small, large := 400, 3200
		t0, errs := best(hostile(unit, small))
		t1, errs1 := best(hostile(unit, large))
		if len(errs) > diag.MaxErrors+1 || len(errs1) > diag.MaxErrors+1 {
			t.Errorf("%q: %d and %d diagnostics, want at most %d", unit, len(errs), len(errs1), diag.MaxErrors+1)
		}
		if last := errs1[len(errs1)-1]; !strings.HasPrefix(last.Msg, "too many errors") || last.Hint == "" {
			t.Errorf("%q: last diagnostic %q, want 'too many errors ...'", unit, last.Error())
		}
		if t1 > 30*t0+20*time.Millisecond { // quadratic: 64 times; the old recovery took 111 ms for "[)"
			t.Errorf("%q: %d units parse in %v, %d in %v: not linear", unit, small, t0, large, t1)
		}
	}
}

// TestParseLimits: nesting, operators per statement and tokens per file are bounded with
// E106 (a hostile file would otherwise overflow the stack of every recursive stage).
func TestParseLimits(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, src, msg string
	}{
		{"parentheses", "param k = " + strings.Repeat("(", MaxNesting+1) + "1" + strings.Repeat(")", MaxNesting+1), "expression nested more than 1000 levels deep"},
		{"unary minus", "param k = " + strings.Repeat("-", MaxNesting+1) + "1", "expression nested more than 1000 levels deep"},
		{"not", "param k = " + strings.Repeat("not ", MaxNesting+1) + "true", "expression nested more than 1000 levels deep"},
		{"if", "param k = " + strings.Repeat("if true then ", MaxNesting+1) + "1" + strings.Repeat(" else 1", MaxNesting+1), "expression nested more than 1000 levels deep"},
		{"powers", "param k = 2" + strings.Repeat("^2", MaxNesting+1), "expression nested more than 1000 levels deep"},
	} {
		_, errs := Parse("l.mf", []byte(c.src))
		if len(errs) != 1 || errs[0].Code != "E106" || errs[0].Msg != c.msg || errs[0].Pos.Line != 1 {
			t.Errorf("%s: %v, want one E106 %q", c.name, errs, c.msg)
		}
	}
	// Within the limits: parsed.
	if _, errs := Parse("l.mf", []byte("param k = "+strings.Repeat("(", MaxNesting-1)+"1"+strings.Repeat(")", MaxNesting-1))); len(errs) != 0 {
		t.Errorf("nesting %d: %v", MaxNesting-1, errs)
	}
	// The operator limit, lowered to 1000 for speed.
	lx := lex("l.mf", []byte("param k = 1"+strings.Repeat("+1", 1001)))
	p := &fastParser{toks: lx.toks, end: len(lx.toks) - 1, eof: lx.toks[len(lx.toks)-1], arena: &arena{}, maxOps: 1000}
	func() {
		defer func() {
			if e, ok := recover().(errLimit); !ok || e.d.Msg != "statement has more than 1000 operators" {
				t.Errorf("operator limit: %v", e.d)
			}
		}()
		p.statement()
	}()
	lx = lexMax("l.mf", []byte(strings.Repeat("x ", 100)), 50)
	if !lx.tooMany || len(lx.errs) != 1 || lx.errs[0].Code != "E106" || lx.errs[0].Msg != "file has more than 50 tokens" {
		t.Errorf("token limit: %v", lx.errs)
	}
}

// TestEstimateTokens: the estimate that sizes the token slice is close to the count.
func TestEstimateTokens(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		"species S, I # a comment\ncontact: S + I -> 2I @ beta * S * I / N\n",
		"param G[1..2, 1..2] = [[1, 0.5], [2e-3, 4]]\nlet x = if a <= b and not c then 1 else 2\n",
		strings.Repeat("(", 100), "",
	} {
		got, want := estimateTokens([]byte(src)), len(lex("e.mf", []byte(src)).toks)-1
		if got < want*9/10 || got > want*3/2+1 {
			t.Errorf("%q: estimate %d, %d tokens", src, got, want)
		}
	}
}
