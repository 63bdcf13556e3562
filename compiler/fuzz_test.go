package compiler

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

var fzDiag = regexp.MustCompile(`^[EW]\d{3}$`)

// FuzzCompile checks that the whole compiler (parse, check, expand, lower, N-expansion,
// environment exploration, conservation laws) never panics on any source, that every
// diagnostic has a catalogue code, a message and a position inside the source, and that
// compilation is deterministic. Seeds: every example model. Structural sizes are capped
// (MaxEnvStates) so that a mutated bound cannot make one input run for minutes.
//
//	go test ./compiler -run '^$' -fuzz FuzzCompile -fuzztime 10m -fuzzminimizetime 100x
func FuzzCompile(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "examples", "*.mf"))
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	for _, src := range []string{
		"param a = 20, L = 24\nspecies P1 as x1, P2 as x2\nmake1: 0 <-> P1 @ a / (1 + x2), x1\nmake2: 0 <-> P2 @ a / (1 + x1), x2\n" +
			"observable w = (x1 + x2)^6\nassume moment: stationary(w) <= 1.8e7\nregion trunc = w < L^6\nobservable Qv = drift(x1 + x2)\n",
		"species S1 as x1, S2 as x2\nborn: 0 -> 2S1 @ 1\npair: 2S1 -> 0 @ x1 * (x1 - 1) / 2\ngone: S2 -> 0 @ x2\n" +
			"assume stationary(x1 + x2) <= 3\nregion F = drift(x1 + 2 * x2) > -x1 - x2 - 1\n",
		"time discrete\nspecies X\nup: 0 -> X @ 0.3\ndown: X -> 0 when X > 0 @ 0.5\nlet q = drift(X^2)\nmeasure m = stationary(q)\nassume a: stationary(q) <= 1\n",
		"scale N = 10\nenv E { lo, hi }\nspecies S\nflip: set E = hi @ 1\ngrow: 0 -> S @ drift(S)\nassume m: stationary(S * t) <= N * S\nassume m: stationary(S) <= 1\n",
	} {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 16<<10 || strings.Count(string(src), "..") > 8 {
			t.Skip("large inputs and many ranges test speed, not logic")
		}
		opts := Options{MaxEnvStates: 1000, MaxElements: 10000}
		m1, ds1 := CompileSource("fuzz.mf", src, opts)
		lines := strings.Count(string(src), "\n") + 1
		for _, d := range ds1 {
			if !fzDiag.MatchString(d.Code) || d.Msg == "" {
				t.Fatalf("malformed diagnostic %+v", d)
			}
			if d.Pos.Line < 1 || d.Pos.Line > lines || d.Pos.Col < 1 {
				t.Fatalf("diagnostic outside the source (%d lines): %s", lines, d.Error())
			}
			if !utf8.ValidString(d.Msg) {
				t.Fatalf("message is not UTF-8: %q", d.Msg)
			}
		}
		m2, ds2 := CompileSource("fuzz.mf", src, opts)
		if (m1 == nil) != (m2 == nil) || len(ds1) != len(ds2) {
			t.Fatalf("not deterministic: %v vs %v", ds1, ds2)
		}
		for i := range ds1 {
			if ds1[i].Error() != ds2[i].Error() {
				t.Fatalf("not deterministic: %s vs %s", ds1[i].Error(), ds2[i].Error())
			}
		}
	})
}

// FuzzParseOverride checks that the --set parser never panics and that what it accepts
// has a name and finite values.
func FuzzParseOverride(f *testing.F) {
	for _, s := range []string{"beta=2", "K=[1,2,3]", "lam[2,3]=0.5", "x=", "=3", "a=1e400", "b=[", "c[1=2", "k1=6,k2=0.5", "G[1,2]=3,x=[1,2]", "a=1,,b=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Splitting loses and adds no character but the separating commas.
		parts := SplitOverrides(s)
		if j := strings.Join(parts, ","); j != s {
			t.Fatalf("SplitOverrides(%q) = %q, which joins to %q", s, parts, j)
		}
		key, vals, err := ParseOverride(s)
		if err != nil {
			return
		}
		if key == "" || len(vals) == 0 {
			t.Fatalf("%q accepted as key %q, values %v", s, key, vals)
		}
		for _, v := range vals {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%q accepted with the value %v", s, v)
			}
		}
	})
}
