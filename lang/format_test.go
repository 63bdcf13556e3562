package lang

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/fmt")

// fmtCase is one source file checked against a golden file.
type fmtCase struct {
	name, path string
}

// fmtCases lists the repository's examples and, if ../shared is present, the spec's.
func fmtCases(t *testing.T, dir, prefix string) []fmtCase {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.mf"))
	if err != nil {
		t.Fatal(err)
	}
	var out []fmtCase
	for _, p := range paths {
		out = append(out, fmtCase{prefix + strings.TrimSuffix(filepath.Base(p), ".mf"), p})
	}
	return out
}

func TestFormatExamples(t *testing.T) {
	cases := fmtCases(t, "../examples", "")
	if len(cases) == 0 {
		t.Skip("no examples in ../examples")
	}
	runGolden(t, cases)
}

func TestFormatSpecExamples(t *testing.T) {
	dir := "../../shared/spec/examples"
	if _, err := os.Stat(dir); err != nil {
		skipOutsideCI(t, fmt.Sprintf("spec examples not available: %v", err))
	}
	runGolden(t, fmtCases(t, dir, "spec-"))
}

func runGolden(t *testing.T, cases []fmtCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, err := os.ReadFile(c.path)
			if err != nil {
				t.Fatal(err)
			}
			out := checkFormat(t, c.path, string(src))
			golden := filepath.Join("..", "testdata", "fmt", c.name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./lang -run Format -update)", err)
			}
			if out != string(want) {
				t.Errorf("output differs from %s:\n%s", golden, lineDiff(string(want), out))
			}
		})
	}
}

// checkFormat formats src and checks idempotence, meaning preservation and that every
// comment is kept. It returns the formatted text.
func checkFormat(t *testing.T, name, src string) string {
	t.Helper()
	f1, errs := Parse(name, []byte(src))
	if errs.HasErrors() {
		t.Fatalf("source does not parse:\n%v", errs)
	}
	out := string(Format(f1))
	f2, errs := Parse(name, []byte(out))
	if errs.HasErrors() {
		t.Fatalf("formatted output does not parse:\n%v\n--- output:\n%s", errs, out)
	}
	if again := string(Format(f2)); again != out {
		t.Errorf("not idempotent:\n%s", lineDiff(out, again))
	}
	if c1, c2 := commentTexts(f1), commentTexts(f2); !reflect.DeepEqual(c1, c2) {
		t.Errorf("comments changed:\nsource: %q\noutput: %q", c1, c2)
	}
	for _, c := range commentTexts(f1) {
		if n, m := countText(commentTexts(f1), c), strings.Count(out, c); m < n {
			t.Errorf("comment %q occurs %d times in the source, %d in the output", c, n, m)
		}
	}
	if d := astDiff(f1, f2); d != "" {
		t.Errorf("formatting changed the AST: %s\n--- output:\n%s", d, out)
	}
	if !strings.HasSuffix(out, "\n") || strings.HasSuffix(out, "\n\n") || strings.HasPrefix(out, "\n") {
		t.Errorf("output must start with text and end with exactly one newline: %q", out)
	}
	return out
}

func countText(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// commentTexts returns the comments of f in order, without trailing white space.
func commentTexts(f *File) []string {
	out := make([]string, len(f.Comments))
	for i, c := range f.Comments {
		out[i] = strings.TrimRight(c.Text, " \t\r")
	}
	return out
}

// astDiff compares the statements of a and b with every position zeroed. It names the first
// differing statement, or returns "".
func astDiff(a, b *File) string {
	if !reflect.DeepEqual(unpos(a.Model), unpos(b.Model)) {
		return "model name differs"
	}
	if len(a.Stmts) != len(b.Stmts) {
		return "statement count differs"
	}
	for i := range a.Stmts {
		if !reflect.DeepEqual(unpos(a.Stmts[i]), unpos(b.Stmts[i])) {
			return fmt.Sprintf("statement %d (source line %d) differs", i+1, a.Stmts[i].Pos.Line)
		}
	}
	return ""
}

var fmtPosType = reflect.TypeOf(Pos{})

// unpos returns v with every Pos in it set to the zero value. It mutates v.
func unpos[T any](v T) T {
	zero(reflect.ValueOf(v))
	return v
}

func zero(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			zero(v.Elem())
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			zero(v.Index(i))
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if f.Type() == fmtPosType {
				f.Set(reflect.Zero(fmtPosType))
				continue
			}
			zero(f)
		}
	}
}

// lineDiff shows the first differing line of want and got, with both texts.
func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n  want: %q\n  got:  %q\n--- got:\n%s", i+1, w, g, got)
		}
	}
	return "(texts differ only in line endings)"
}

func TestFormatSourceErrors(t *testing.T) {
	out, errs := FormatSource("bad.mf", []byte("param a = \n"))
	if out != nil || !errs.HasErrors() {
		t.Fatalf("want nil output and errors, got %q, %v", out, errs)
	}
	out, errs = FormatSource("ok.mf", []byte("param a=1"))
	if errs.HasErrors() || string(out) != "param a = 1\n" {
		t.Fatalf("got %q, %v", out, errs)
	}
	if out, _ := FormatSource("empty.mf", nil); len(out) != 0 {
		t.Fatalf("empty file: got %q", out)
	}
}

// sortedKeys is used by the table test to run cases in a stable order.
func sortedKeys(m map[string][2]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestFormatCases(t *testing.T) {
	for _, name := range sortedKeys(formatCases) {
		c := formatCases[name]
		t.Run(name, func(t *testing.T) {
			in, want := c[0], c[1]
			got := checkFormat(t, name+".mf", in)
			if got != want {
				t.Errorf("input:\n%s\n%s", in, lineDiff(want, got))
			}
			if !bytes.Equal([]byte(got), []byte(checkFormat(t, name+".mf", want))) {
				t.Errorf("expected output is not a fixed point")
			}
		})
	}
}

// formatCases maps a case name to its input and expected output.
var formatCases = map[string][2]string{
	"assume-drift": {
		`species P1 as x1, P2 as x2
observable w=(x1+x2)^6
assume   moment :stationary( w )<=1.8e7   # SDP bound
assume stationary(x1)<=2*a
  assume
  tail:
  stationary(drift(x1 ^ 2)+w)
  <= c
observable Qv = drift( x1+2*x2 )
region F = drift(x1)> -1
`,
		`species P1 as x1, P2 as x2
observable w = (x1 + x2)^6
assume moment: stationary(w) <= 1.8e7  # SDP bound
assume stationary(x1) <= 2 * a
assume tail: stationary(drift(x1^2) + w) <= c
observable Qv = drift(x1 + 2 * x2)
region F = drift(x1) > -1
`},
	"expressions": {
		`model   m
let a = (x+1)*y^2/ -z
let b = a ^ -1 - -a
let c = not p and q or r!=s
let d = if c then 1 else 2+y
let e = match E {lo:1,hi:2.50, _: 3}
let f = match L { -1: 0, 0: 1 }
let g = sum(i in 1..K where i!=2: x[i,j])
let h = f(a,b) + h() + prod(i in 1..K-1, j in 0..(K+1)*2: 1)
let n = 1.5e3+0.25E-2 + 007
let w = t>=1 and (t<=2 or true) == false
`,
		`model m
let a = (x + 1) * y^2 / -z
let b = a^-1 - -a
let c = not p and q or r != s
let d = if c then 1 else 2 + y
let e = match E { lo: 1, hi: 2.50, _: 3 }
let f = match L { -1: 0, 0: 1 }
let g = sum(i in 1..K where i != 2: x[i, j])
let h = f(a, b) + h() + prod(i in 1..K-1, j in 0..(K+1)*2: 1)
let n = 1.5e3 + 0.25E-2 + 007
let w = t >= 1 and (t <= 2 or true) == false
`},
	"declarations": {
		`time   discrete
scale N=100
param a=1,b = 2
param lam[1..C]=[1,2,3], w[i in 0..K+1]=1/i
species S1 as x1,S2 as x2, Q[1..C,1..B]
env A[1..C]{idle,tx}
env L in 0..S
observable o[c in 1..C]=x[c]
region r = x<1
measure m=transient(a,b)
measure q[c in 1..C] = stationary(o[c])
init {S=990, E~{lo:0.3,hi:0.7}, for c in 1..C: A[c]=idle, env~stationary}
init density {S=1}
init {   }
`,
		`time discrete
scale N = 100
param a = 1, b = 2
param lam[1..C] = [1, 2, 3], w[i in 0..K+1] = 1 / i
species S1 as x1, S2 as x2, Q[1..C, 1..B]
env A[1..C] { idle, tx }
env L in 0..S
observable o[c in 1..C] = x[c]
region r = x < 1
measure m = transient(a, b)
measure q[c in 1..C] = stationary(o[c])
init { S = 990, E ~ { lo: 0.3, hi: 0.7 }, for c in 1..C: A[c] = idle, env ~ stationary }
init density { S = 1 }
init {}
`},
	"transitions": {
		`r1: 2S1+X->S2 set A=tx, B=idle when S1>1 @k*S1
S <-> 2 E1 @ f, r
2 S1 <-> S2 @ kf*S1, kr
0 -> k X + 3Y @ 1
set A = idle @ mu
lab :   X -> 0 set L = 1 @ 1
`,
		`r1: 2S1 + X -> S2 set A = tx, B = idle when S1 > 1 @ k * S1
S <-> 2 E1 @ f, r
2S1 <-> S2 @ kf * S1, kr
0 -> k X + 3Y @ 1
set A = idle @ mu
lab: X -> 0 set L = 1 @ 1
`},
	"loops": {
		`for i in 1..K, j in 1..K where i != j: a: X[i] -> X[j] @ k
for c in 1..C {  # head
  # lead
  a: 0 -> Q[c] @ 1


  for b in 1..B { b: Q[c] -> 0 @ 2 }
  for b in 1..B: for d in 1..B:
      e: 0 -> Q[c] @ 3  # deep
  # closing
}  # tail
for i in 1..K {}
`,
		`for i in 1..K, j in 1..K where i != j:
  a: X[i] -> X[j] @ k
for c in 1..C {  # head
  # lead
  a: 0 -> Q[c] @ 1

  for b in 1..B {
    b: Q[c] -> 0 @ 2
  }
  for b in 1..B:
    for d in 1..B:
      e: 0 -> Q[c] @ 3  # deep
  # closing
}  # tail
for i in 1..K {}
`},
	"array-2d": {
		`param G[1..3,1..3] = [[0,1,0],  # first row
  [1,0,1],
  [0,1,0]]   # last row
param T[1..2, 1..2, 1..2] = [[[1,2],[3,4]],[[5,6],[7,8]]]
`,
		`param G[1..3, 1..3] = [[0, 1, 0],  # first row
                       [1, 0, 1],
                       [0, 1, 0]]  # last row
param T[1..2, 1..2, 1..2] = [[[1, 2],
                              [3, 4]],
                             [[5, 6],
                              [7, 8]]]
`},
	"array-2d-own-line-comment": {
		`param a = 1, G[1..2,1..2] = [[0,1],  # first
   # between rows
   [1,0]], b = 2  # after
`,
		`# first
# between rows
param a = 1, G[1..2, 1..2] = [[0, 1],
                              [1, 0]], b = 2  # after
`},
	"comments": {
		`# header


# about the model
model m  # name



# before a
param a = 1  # one
param bb = 22    # two

param ccc = 333  # three
species X

X -> 0 @ a   # decay
0 -> X @ bb
# end 1

# end 2
`,
		`# header

# about the model
model m  # name

# before a
param a = 1    # one
param bb = 22  # two

param ccc = 333  # three
species X

X -> 0 @ a  # decay
0 -> X @ bb
# end 1

# end 2
`},
	"comments-inside": {
		`init {
  S = 990,   # susceptible
  # exposed
  I = 10     # infected
}
init {
  S = 1
}  # after the brace
X -> 0   # first line
   @ a   # rate
species Y
`,
		`# susceptible
# exposed
init { S = 990, I = 10 }  # infected
init { S = 1 }            # after the brace
# first line
X -> 0 @ a  # rate
species Y
`},
}

// TestFormatCommentsEverywhere puts a comment after every token of each example, at the end
// of a line or on a line of its own, and checks that formatting keeps them all and is stable.
func TestFormatCommentsEverywhere(t *testing.T) {
	cases := fmtCases(t, "../examples", "")
	if len(cases) == 0 {
		t.Skip("no examples in ../examples")
	}
	for _, c := range cases {
		src, err := os.ReadFile(c.path)
		if err != nil {
			t.Fatal(err)
		}
		toks := lex(c.path, src).toks
		for variant := 0; variant < 3; variant++ {
			var b strings.Builder
			prev := 0
			for i, tok := range toks[:len(toks)-1] {
				end := int(tok.Pos.Offset) + len(tok.Value)
				b.Write(src[prev:end])
				prev = end
				switch {
				case variant == 0:
					fmt.Fprintf(&b, "  # c%d\n", i)
				case variant == 1 && i%3 == 0:
					fmt.Fprintf(&b, "\n   # own %d\n", i)
				case variant == 2 && i%2 == 0:
					fmt.Fprintf(&b, "\n\n# own %d\n\n", i)
				}
			}
			b.Write(src[prev:])
			t.Run(fmt.Sprintf("%s/%d", c.name, variant), func(t *testing.T) {
				checkFormat(t, c.path, b.String())
			})
		}
	}
}
