package lang

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/lang/diag"
)

// ptDiagCases holds one bad input per front-end diagnostic, with the exact d.Error() text of
// every diagnostic it must produce. The fuzz test uses these inputs as seeds.
var ptDiagCases = []struct {
	name, src string
	want      []string
}{
	// E101: character outside the token set.
	{"E101 dollar", "param k = 2 $\n", []string{
		"t.mf:1:13: error[E101]: unexpected character '$'\n    hint: identifiers use letters, digits and _; comments start with #"}},
	{"E101 non-ASCII name after non-ASCII comment", "# naïve ∑ comment\nparam β = 1\n", []string{
		"t.mf:2:7: error[E101]: unexpected character 'β'\n    hint: non-ASCII characters may appear only in comments"}},
	{"E101 non-ASCII after tab", "param k = 1\n\tlet x = k × 2\n", []string{
		"t.mf:2:12: error[E101]: unexpected character '×'\n    hint: non-ASCII characters may appear only in comments"}},
	{"E101 at end of statement", "param k = $\nparam j = 2\n", []string{
		"t.mf:1:11: error[E101]: unexpected character '$'\n    hint: identifiers use letters, digits and _; comments start with #"}},

	// E102: malformed number, at its first character.
	{"E102 trailing point", "param k = 1.\n", []string{
		"t.mf:1:11: error[E102]: malformed number '1.'\n    hint: write 1 or 1.0; a range is written 1..K"}},
	{"E102 leading point", "param k = .5\n", []string{
		"t.mf:1:11: error[E102]: malformed number '.5'\n    hint: write 0.5; a range is written 1..K"}},
	{"E102 leading point in expression", "\tparam k = 2 * .25\n", []string{
		"t.mf:1:16: error[E102]: malformed number '.25'\n    hint: write 0.25; a range is written 1..K"}},
	{"E102 range written with one dot", "species X[1.K]\n", []string{
		"t.mf:1:11: error[E102]: malformed number '1.'\n    hint: write 1 or 1.0; a range is written 1..K"}},

	// E103: unexpected token.
	{"E103 transition missing @", "species S, I\ninfect: S -> I when I > 0 S * I\n", []string{
		"t.mf:2:27: error[E103]: unexpected 'S', expected '@' and a propensity\n    hint: every transition ends with '@ <propensity>'"}},
	{"E103 unlabelled transition missing @ at end of file", "species S, I\nS -> I\n", []string{
		"t.mf:3:1: error[E103]: unexpected end of file, expected '@' and a propensity\n    hint: every transition ends with '@ <propensity>'"}},
	{"E103 unlabelled transition missing @ before a declaration", "species S, I\nS -> I\nspecies R\n", []string{
		"t.mf:3:1: error[E103]: unexpected 'species', expected '@' and a propensity\n    hint: every transition ends with '@ <propensity>'"}},
	{"E103 chained comparison", "species S\nr: S -> 0 when 0 < S < 3 @ 1\n", []string{
		"t.mf:2:22: error[E103]: unexpected '<'\n    hint: comparisons cannot be chained: write a < b and b < c"}},
	{"E103 chained equality", "param a = 1, b = 1\nlet c = a == b != true\n", []string{
		"t.mf:2:16: error[E103]: unexpected '!='\n    hint: comparisons cannot be chained: write a < b and b < c"}},
	{"E103 single = in a guard", "species S, I\nrec: I -> S when I = 0 @ I\n", []string{
		"t.mf:2:20: error[E103]: unexpected '=', a comparison is written '=='\n    hint: write 'I == 0'"}},
	{"E103 single = after and", "species S, I\nrec: I -> S when I > 0 and S[1] = 1 @ I\n", []string{
		"t.mf:2:33: error[E103]: unexpected '=', a comparison is written '=='\n    hint: write '==' instead of '='"}},
	{"E103 single = in an if", "species S, I\nlet a = if (I = 0) then 1 else 2\n", []string{
		"t.mf:2:15: error[E103]: unexpected '=', a comparison is written '=='\n    hint: write 'I == 0'"}},
	{"E103 single = in a region", "species S, I\nregion r = I = 0\n", []string{
		"t.mf:2:14: error[E103]: unexpected '=', a comparison is written '=='\n    hint: write 'I == 0'"}},
	{"E103 single = in all", "species X[1..2]\nlet a = all(i in 1..2: X[i] = 0)\n", []string{
		"t.mf:2:29: error[E103]: unexpected '=', a comparison is written '=='\n    hint: write '==' instead of '='"}},
	{"E103 = where no condition is", "param a = 1 b = 2\n", []string{
		"t.mf:1:15: error[E103]: unexpected '=', expected '@' and a propensity\n    hint: every transition ends with '@ <propensity>'"}},
	{"E103 stray closing parenthesis", "param k = (1 + 2) * 3)\n", []string{
		"t.mf:1:22: error[E103]: unexpected ')'\n    hint: no '(' is open here"}},
	{"E103 stray closing bracket", "species S\nS -> 0 @ 1]\n", []string{
		"t.mf:2:11: error[E103]: unexpected ']'\n    hint: no '[' is open here"}},
	{"E103 stray closing brace", "species S }\n", []string{
		"t.mf:1:11: error[E103]: unexpected '}'\n    hint: no '{' is open here"}},
	{"E103 misplaced model", "param k = 1\nmodel m\n", []string{
		"t.mf:2:1: error[E103]: unexpected 'model'\n    hint: 'model NAME' may only come first in the file"}},
	{"E103 second model", "model a model b", []string{
		"t.mf:1:9: error[E103]: unexpected 'model'\n    hint: 'model NAME' may only come first in the file"}},
	{"E103 bad time", "time nowhere\n", []string{
		"t.mf:1:6: error[E103]: unexpected 'nowhere'\n    hint: write 'time continuous' or 'time discrete'"}},

	// E104: keyword used as a name.
	{"E104 parameter", "param when = 1\n", []string{
		"t.mf:1:7: error[E104]: 'when' is a keyword and cannot name a parameter\n    hint: choose another name"}},
	{"E104 second parameter", "param k = 1, in = 2\n", []string{
		"t.mf:1:14: error[E104]: 'in' is a keyword and cannot name a parameter\n    hint: choose another name"}},
	{"E104 species", "species when\n", []string{
		"t.mf:1:9: error[E104]: 'when' is a keyword and cannot name a species\n    hint: choose another name"}},
	{"E104 second species", "species S, I, set\n", []string{
		"t.mf:1:15: error[E104]: 'set' is a keyword and cannot name a species\n    hint: choose another name"}},
	{"E104 alias", "species S as when\n", []string{
		"t.mf:1:14: error[E104]: 'when' is a keyword and cannot name an alias\n    hint: choose another name"}},
	{"E104 environment", "env when { a, b }\n", []string{
		"t.mf:1:5: error[E104]: 'when' is a keyword and cannot name an environment\n    hint: choose another name"}},
	{"E104 label", "species S\nr: S -> 0 @ 1\nif: S -> 0 @ 1\n", []string{
		"t.mf:3:1: error[E104]: 'if' is a keyword and cannot name a label\n    hint: choose another name"}},
	{"E104 first label", "when: S -> 0 @ 1\n", []string{
		"t.mf:1:1: error[E104]: 'when' is a keyword and cannot name a label\n    hint: choose another name"}},
	{"E104 loop variable", "species X[1..3]\nfor if in 1..3: X[if] -> 0 @ 1\n", []string{
		"t.mf:2:5: error[E104]: 'if' is a keyword and cannot name a loop variable\n    hint: choose another name"}},
	{"E104 reduction variable", "species X[1..3]\nlet s = sum(for in 1..3: X[for])\n", []string{
		"t.mf:2:13: error[E104]: 'for' is a keyword and cannot name a reduction variable\n    hint: choose another name"}},
	{"E104 index variable", "species X[match in 1..3]\n", []string{
		"t.mf:1:11: error[E104]: 'match' is a keyword and cannot name an index variable\n    hint: choose another name"}},

	// E105: unclosed bracket, at the opening bracket.
	{"E105 brace", "env E { lo, hi }\ninit {\n  E = lo,\n", []string{
		"t.mf:2:6: error[E105]: '{' at 2:6 is never closed\n    hint: add '}'"}},
	{"E105 parenthesis", "param k = 2 * (1 + 3\n", []string{
		"t.mf:1:15: error[E105]: '(' at 1:15 is never closed\n    hint: add ')'"}},
	{"E105 bracket", "param k[1..2] = [1, 2\nspecies S\n", []string{
		"t.mf:1:17: error[E105]: '[' at 1:17 is never closed\n    hint: add ']'"}},
	{"E105 inside a closed brace", "init { S = min(1, 2 }\n", []string{
		"t.mf:1:15: error[E105]: '(' at 1:15 is never closed\n    hint: add ')'"}},
	{"E105 loop block", "species S\nfor i in 1..3 {\n  S -> 0 @ 1\n", []string{
		"t.mf:2:15: error[E105]: '{' at 2:15 is never closed\n    hint: add '}'"}},

	// assume (docs/language.md §5.7): the label needs ':', the form is stationary(w) <= c.
	{"E103 assume without colon", "assume moment stationary(w) <= 1\n", []string{
		"t.mf:1:15: error[E103]: unexpected 'stationary'\n    hint: write 'assume moment: stationary(w) <= c'"}},
	{"E103 assume with <", "assume m: stationary(w) < 1\n", []string{
		"t.mf:1:25: error[E103]: unexpected '<'\n    hint: write 'assume moment: stationary(w) <= c'"}},
	{"E103 assume of another kind", "assume m: transient(w) <= 1\n", []string{
		"t.mf:1:11: error[E103]: unexpected 'transient'\n    hint: write 'assume moment: stationary(w) <= c'"}},
	{"E103 assume without bound", "assume m: stationary(w) <=\nparam k = 1\n", []string{
		"t.mf:2:1: error[E103]: unexpected 'param'\n    hint: write 'assume moment: stationary(w) <= c'"}},
	{"E104 assume as a species", "species assume, X\n", []string{
		"t.mf:1:9: error[E104]: 'assume' is a keyword and cannot name a species\n    hint: choose another name",
		"t.mf:1:15: error[E103]: unexpected ','\n    hint: write 'assume moment: stationary(w) <= c'"}},
}

func TestParseDiagnostics(t *testing.T) {
	for _, tt := range ptDiagCases {
		t.Run(tt.name, func(t *testing.T) {
			f, ds := Parse("t.mf", []byte(tt.src))
			if f == nil {
				t.Fatal("Parse returned a nil File")
			}
			var got []string
			for _, d := range ds {
				got = append(got, d.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Parse(%q)\n got:\n%s\nwant:\n%s", tt.src, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestParseSeveralErrors checks that each bad statement reports its own error, that the
// good statements around them still parse, and that the list is sorted by position.
func TestParseSeveralErrors(t *testing.T) {
	src := `model m
species S, I
param when = 1
param k = 1.
r1: S -> I when S > 0 I
r2: I -> S @ k $
param ok = 2
r3: S -> I @ k * (S + I
let y = 3
`
	f, ds := Parse("t.mf", []byte(src))
	want := []string{
		"t.mf:3:7: E104",
		"t.mf:4:11: E102",
		"t.mf:5:23: E103",
		"t.mf:6:16: E101",
		"t.mf:8:18: E105",
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.Pos.String()+": "+d.Code)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics\n got %q\nwant %q\n%s", got, want, ds.Error())
	}
	if !sort.SliceIsSorted(ds, func(i, j int) bool { return ds[i].Pos.Before(ds[j].Pos) }) {
		t.Errorf("diagnostics not sorted:\n%s", ds.Error())
	}
	if f.Model == nil || f.Model.Name != "m" {
		t.Errorf("model name = %v, want m", f.Model)
	}
	// species S, I; param ok = 2; let y = 3 survive.
	var kept []string
	for _, s := range f.Stmts {
		switch {
		case s.Species != nil:
			kept = append(kept, "species")
		case s.Param != nil:
			kept = append(kept, "param "+s.Param.Items[0].Name.Name)
		case s.Def != nil:
			kept = append(kept, s.Def.Kind+" "+s.Def.Name.Name)
		default:
			kept = append(kept, fmt.Sprintf("other@%d:%d", s.Pos.Line, s.Pos.Column))
		}
	}
	if want := "species,param ok,let y"; strings.Join(kept, ",") != want {
		t.Errorf("statements kept = %q, want %q", strings.Join(kept, ","), want)
	}
}

// TestParseDropsPartialStatement checks that a statement that failed half-way is not
// returned with nil fields.
func TestParseDropsPartialStatement(t *testing.T) {
	f, ds := Parse("t.mf", []byte("species S, I\nS -> I @ 1\nS -> I\nspecies R\n"))
	if len(ds) != 1 {
		t.Fatalf("want one diagnostic, got:\n%s", ds.Error())
	}
	for _, s := range f.Stmts {
		if s.Transition != nil && s.Transition.Rate == nil {
			t.Errorf("partial transition at %v kept", s.Pos)
		}
	}
	if len(f.Stmts) != 3 {
		t.Errorf("got %d statements, want 3", len(f.Stmts))
	}
}

// ptMarker is an expected-error marker in testdata/errors (see TestParseErrorMarkers).
var ptMarker = regexp.MustCompile(`^#\s*(\^\s*)?ERROR\s+(E\d{3})(?:\s+"([^"]*)")?\s*$`)

// TestParseErrorMarkers runs the files under testdata/errors, in the style of go/parser's
// error_test.go. An expected diagnostic is written as a comment:
//
//	param when = 1       # ERROR E104
//	                     the diagnostic is at the last token before the comment
//	r: S -> 0 when 0 < S < 3 @ 1
//	#                    ^ ERROR E103 "chained"
//	                     a comment line of its own: the diagnostic is on the line above,
//	                     at the column of the caret (so it cannot mark column 1: indent
//	                     the offending line instead)
//
// An optional quoted string must occur in the message or the hint. Every diagnostic must be
// expected, and every expected diagnostic reported.
func TestParseErrorMarkers(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "errors", "*.mf"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no files in testdata/errors")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			expected := ptExpectedErrors(t, path, src)
			if len(expected) == 0 {
				t.Fatal("file has no ERROR markers")
			}
			_, ds := Parse(path, src)
			for _, d := range ds {
				key := fmt.Sprintf("%d:%d %s", d.Pos.Line, d.Pos.Col, d.Code)
				text, ok := expected[key]
				if !ok {
					t.Errorf("unexpected diagnostic:\n%s", d.Error())
					continue
				}
				delete(expected, key)
				if !strings.Contains(d.Msg+"\n"+d.Hint, text) {
					t.Errorf("%s: message %q / hint %q does not contain %q", key, d.Msg, d.Hint, text)
				}
			}
			var missing []string
			for key := range expected {
				missing = append(missing, key)
			}
			sort.Strings(missing)
			for _, key := range missing {
				t.Errorf("expected diagnostic %s was not reported", key)
			}
		})
	}
}

// ptExpectedErrors collects the ERROR markers of src as "line:col code" -> text.
func ptExpectedErrors(t *testing.T, path string, src []byte) map[string]string {
	t.Helper()
	lx := lex(path, src)
	lines := strings.Split(string(src), "\n")
	out := map[string]string{}
	for _, c := range lx.comments {
		m := ptMarker.FindStringSubmatch(c.Text)
		if m == nil {
			if strings.Contains(c.Text, "ERROR") {
				t.Fatalf("%d:%d: malformed marker %q", c.Pos.Line, c.Pos.Col, c.Text)
			}
			continue
		}
		var line, col int
		if m[1] != "" { // caret form: on the line above, at the caret's column
			prefix := strings.SplitN(lines[c.Pos.Line-1], "^", 2)[0]
			line, col = c.Pos.Line-1, len([]rune(prefix))+1
		} else { // the last token before the comment
			for _, tk := range lx.toks {
				if tk.Type != EOF && int(tk.Pos.Offset) < c.Pos.Offset {
					line, col = int(tk.Pos.Line), int(tk.Pos.Column)
				}
			}
			if line != c.Pos.Line {
				t.Fatalf("%d:%d: marker has no token before it on its line", c.Pos.Line, c.Pos.Col)
			}
		}
		out[fmt.Sprintf("%d:%d %s", line, col, m[2])] = m[3]
	}
	return out
}

// ptExampleDirs are the directories of example models that must parse cleanly.
func ptExampleFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.mf"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func ptParseClean(t *testing.T, files []string) {
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, ds := ParseFile(path)
			if len(ds) > 0 {
				t.Fatalf("diagnostics:\n%s", ds.Error())
			}
			if len(f.Stmts) == 0 {
				t.Errorf("no statements")
			}
		})
	}
}

// TestParseExamples parses every model of examples/; the directory must not be empty.
func TestParseExamples(t *testing.T) {
	files := ptExampleFiles(t, filepath.Join("..", "examples"))
	if len(files) == 0 {
		t.Fatal("no .mf files in examples/")
	}
	ptParseClean(t, files)
}

// TestParseSpecExamples parses the examples of the specification, in ../shared relative
// to the repository root, when they are present.
func TestParseSpecExamples(t *testing.T) {
	files := ptExampleFiles(t, ptSpecExamplesDir)
	if len(files) == 0 {
		skipOutsideCI(t, "no spec examples in "+ptSpecExamplesDir)
	}
	ptParseClean(t, files)
}

var ptSpecExamplesDir = filepath.Join("..", "..", "shared", "spec", "examples")

// ptParse parses src, failing the test on any diagnostic.
func ptParse(t *testing.T, src string) *File {
	t.Helper()
	f, ds := Parse("t.mf", []byte(src))
	if len(ds) > 0 {
		t.Fatalf("Parse(%q):\n%s", src, ds.Error())
	}
	return f
}

// ptExpr parses 'let x = src' and renders the expression as an S-expression.
func ptExpr(t *testing.T, src string) string {
	t.Helper()
	f := ptParse(t, "let x = "+src)
	if len(f.Stmts) != 1 || f.Stmts[0].Def == nil {
		t.Fatalf("%q: not one let", src)
	}
	return ptSexpr(f.Stmts[0].Def.Value)
}

// ptSexpr renders an expression node fully parenthesised, in prefix form.
func ptSexpr(n any) string {
	join := func(op string, args ...string) string { return "(" + op + " " + strings.Join(args, " ") + ")" }
	switch e := n.(type) {
	case *Binary:
		return join(e.Op, ptSexpr(e.X), ptSexpr(e.Y))
	case *Unary:
		if e.Op == "-" {
			return join("neg", ptSexpr(e.X))
		}
		return join(e.Op, ptSexpr(e.X))
	case *Paren:
		return ptSexpr(e.X)
	case *Lit:
		return e.Text
	case *IfExpr:
		return join("if", ptSexpr(e.Cond), ptSexpr(e.Then), ptSexpr(e.Else))
	case *MatchExpr:
		args := []string{ptSexpr(e.Subject)}
		for _, a := range e.Arms {
			args = append(args, ptArm(a))
		}
		return join("match", args...)
	case *Reduction:
		return join(e.Op, ptBinders(e.Binders), ptSexpr(e.Body))
	case *Call:
		var args []string
		for _, a := range e.Args {
			args = append(args, ptSexpr(a))
		}
		return join("call", append([]string{e.Name}, args...)...)
	case *Ref:
		if len(e.Index) == 0 {
			return e.Name
		}
		var idx []string
		for _, x := range e.Index {
			idx = append(idx, ptSexpr(x))
		}
		return e.Name + "[" + strings.Join(idx, ",") + "]"
	}
	return fmt.Sprintf("<%T>", n)
}

func ptArm(a *Arm) string {
	key := a.Name
	if key == "" {
		key = a.Int
		if a.Neg {
			key = "-" + key
		}
	}
	return key + ":" + ptSexpr(a.Value)
}

func ptBinders(b *Binders) string {
	var parts []string
	for _, x := range b.List {
		parts = append(parts, x.Name.Name+" in "+ptSexpr(x.Range.Lo)+".."+ptSexpr(x.Range.Hi))
	}
	s := strings.Join(parts, ", ")
	if b.Where != nil {
		s += " where " + ptSexpr(b.Where)
	}
	return "[" + s + "]"
}

func TestParseExprStructure(t *testing.T) {
	tests := []struct{ src, want string }{
		{"-a^2", "(neg (^ a 2))"},
		{"a^-1", "(^ a (neg 1))"},
		{"a^b^c", "(^ a (^ b c))"},
		{"-a * b", "(* (neg a) b)"},
		{"a - b - c", "(- (- a b) c)"},
		{"a / b * c", "(* (/ a b) c)"},
		{"a + b * c ^ 2", "(+ a (* b (^ c 2)))"},
		{"(a + b) * c", "(* (+ a b) c)"},
		{"x * if c then 1 else 2 + y", "(* x (if c 1 (+ 2 y)))"},
		{"if a then if b then 1 else 2 else 3", "(if a (if b 1 2) 3)"},
		{"a < b + 1", "(< a (+ b 1))"},
		{"not a == b and c or d", "(or (and (not (== a b)) c) d)"},
		{"a or b and c", "(or a (and b c))"},
		{"not not a", "(not (not a))"},
		{"a >= 1 and b != 2", "(and (>= a 1) (!= b 2))"},
		{"true or false", "(or true false)"},
		{"2.5e-3 * N", "(* 2.5e-3 N)"},
		{"min(a, b + 1) * X[i, j+1]", "(* (call min a (+ b 1)) X[i,(+ j 1)])"},
		{"f()", "(call f)"},
		{"sum(i in 1..K, j in 1..K where i != j: X[i] * X[j])",
			"(sum [i in 1..K, j in 1..K where (!= i j)] (* X[i] X[j]))"},
		{"all(d in 1..C: A[d] == idle)", "(all [d in 1..C] (== A[d] idle))"},
		{"match Y { -1: a, 0: b, lo: c, _: d }", "(match Y -1:a 0:b lo:c _:d)"},
		{"match A[c] { idle: 0, tx: 1 } + 1", "(+ (match A[c] idle:0 tx:1) 1)"},
		{"t * pi", "(* t pi)"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			if got := ptExpr(t, tt.src); got != tt.want {
				t.Errorf("%s\n got %s\nwant %s", tt.src, got, tt.want)
			}
		})
	}
}

// ptSide renders a side of a reaction: "coef*species" per term, "coef" for a bare number.
func ptSide(s *Side) string {
	var parts []string
	for _, tm := range s.Terms {
		switch {
		case tm.BareRef != nil:
			parts = append(parts, ptSexpr(tm.BareRef))
		case tm.Coef != "" && tm.Species != nil:
			parts = append(parts, tm.Coef+"*"+ptSexpr(tm.Species))
		case tm.CoefName != "":
			parts = append(parts, tm.CoefName+"*"+ptSexpr(tm.Species))
		default:
			parts = append(parts, tm.Coef)
		}
	}
	return strings.Join(parts, " + ")
}

// ptTransition renders a transition compactly for structural comparisons.
func ptTransition(tr *Transition) string {
	var b strings.Builder
	if tr.Label != nil {
		b.WriteString(tr.Label.Name + ": ")
	}
	if r := tr.Change.Reaction; r != nil {
		b.WriteString(ptSide(r.LHS) + " " + r.Arrow + " " + ptSide(r.RHS))
	}
	if u := tr.Change.Update; u != nil {
		if tr.Change.Reaction != nil {
			b.WriteString(" ")
		}
		var as []string
		for _, a := range u.Assigns {
			as = append(as, ptSexpr(a.Target)+"="+ptSexpr(a.Value))
		}
		b.WriteString("set " + strings.Join(as, ", "))
	}
	if tr.When != nil {
		b.WriteString(" when " + ptSexpr(tr.When))
	}
	b.WriteString(" @ " + ptSexpr(tr.Rate))
	if tr.Reverse != nil {
		b.WriteString(", " + ptSexpr(tr.Reverse))
	}
	return b.String()
}

func TestParseTransitionStructure(t *testing.T) {
	tests := []struct{ src, want string }{
		{"2S1 -> S2 @ k", "2*S1 -> S2 @ k"},
		{"2 S1 + S2 -> 3S3 @ k", "2*S1 + S2 -> 3*S3 @ k"},
		{"k X -> 0 @ 1", "k*X -> 0 @ 1"},
		{"0 -> X @ lam", "0 -> X @ lam"},
		{"X -> 0 @ mu * X", "X -> 0 @ (* mu X)"},
		{"A + B <-> C @ k1 * A * B, k2 * C", "A + B <-> C @ (* (* k1 A) B), (* k2 C)"},
		{"r: set A = v, B = w @ 1", "r: set A=v, B=w @ 1"},
		{"Q[c, b] -> 0 set A[c] = tx when free[c] @ nu", "Q[c,b] -> 0 set A[c]=tx when free[c] @ nu"},
		{"up: set Y = 1 when Y == 0 @ N * (0.5 + x)", "up: set Y=1 when (== Y 0) @ (* N (+ 0.5 x))"},
		{"2E1 -> 0 @ 1", ""}, // 2E1 is the float 20.0, not a coefficient: a syntax error
		{"S -> I when I > 0 and S > 0 @ k / S", "S -> I when (and (> I 0) (> S 0)) @ (/ k S)"},
		{"X[i] -> X[i+1] @ k", "X[i] -> X[(+ i 1)] @ k"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			f, ds := Parse("t.mf", []byte(tt.src))
			if tt.want == "" {
				if len(ds) == 0 {
					t.Fatalf("want a syntax error")
				}
				return
			}
			if len(ds) > 0 {
				t.Fatalf("diagnostics:\n%s", ds.Error())
			}
			if len(f.Stmts) != 1 || f.Stmts[0].Transition == nil {
				t.Fatalf("want one transition, got %d statements", len(f.Stmts))
			}
			if got := ptTransition(f.Stmts[0].Transition); got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseForStructure(t *testing.T) {
	f := ptParse(t, `for c in 1..C {
  for b in 1..B where b > 1:
    arrive: 0 -> Q[c, b] @ lam
  finish: set A[c] = idle @ mu
  for i in 1..2 { X[i] -> 0 @ 1 Y -> 0 @ 2 }
}
for i in 1..K: X[i] -> 0 @ 1
`)
	if len(f.Stmts) != 2 {
		t.Fatalf("got %d statements, want 2", len(f.Stmts))
	}
	outer := f.Stmts[0].For
	if outer == nil || outer.Single != nil || len(outer.Block) != 3 {
		t.Fatalf("outer loop: %+v", outer)
	}
	if got := ptBinders(outer.Binders); got != "[c in 1..C]" {
		t.Errorf("outer binders = %s", got)
	}
	inner := outer.Block[0].For
	if inner == nil || inner.Single == nil || inner.Single.Transition == nil {
		t.Fatalf("inner loop: %+v", inner)
	}
	if got := ptBinders(inner.Binders); got != "[b in 1..B where (> b 1)]" {
		t.Errorf("inner binders = %s", got)
	}
	if got := ptTransition(inner.Single.Transition); got != "arrive: 0 -> Q[c,b] @ lam" {
		t.Errorf("inner body = %s", got)
	}
	if tr := outer.Block[1].Transition; tr == nil || ptTransition(tr) != "finish: set A[c]=idle @ mu" {
		t.Errorf("second body = %+v", outer.Block[1])
	}
	if blk := outer.Block[2].For; blk == nil || len(blk.Block) != 2 {
		t.Errorf("third body = %+v", outer.Block[2])
	}
	if single := f.Stmts[1].For; single == nil || single.Single == nil || ptTransition(single.Single.Transition) != "X[i] -> 0 @ 1" {
		t.Errorf("single-line loop = %+v", f.Stmts[1].For)
	}
}

func TestParseDeclStructure(t *testing.T) {
	f := ptParse(t, `model toy
time continuous
scale N = 100
param k = 0.5, lam[1..2] = [0.5, 0.7], G[1..2, 1..2] = [[0, 1], [1, 0]]
species S, Q[c in 1..C, 1..B] as q
env E { lo, hi }
env L[1..2] in 0..S
let x[c in 1..C] = Q[c, 1] / N
observable o = x[1]
region r = S > 0
measure m[c in 1..C] = transient(x[c], 10)
init { env ~ stationary }
init density { S = 0.9, for c in 1..C: Q[c, 1] = 0.1, E ~ { lo: 0.3, hi: 0.7 } }
init { }
`)
	if f.Model == nil || f.Model.Name != "toy" || f.Model.Pos.Line != 1 || f.Model.Pos.Column != 7 {
		t.Errorf("model = %+v", f.Model)
	}
	var kinds []string
	for _, s := range f.Stmts {
		switch {
		case s.Time != nil:
			kinds = append(kinds, "time "+s.Time.Kind)
		case s.Scale != nil:
			kinds = append(kinds, "scale "+s.Scale.Name.Name+"="+ptSexpr(s.Scale.Value))
		case s.Param != nil:
			var items []string
			for _, it := range s.Param.Items {
				v := "array"
				if it.Value != nil {
					v = ptSexpr(it.Value)
				}
				items = append(items, fmt.Sprintf("%s/%d=%s", it.Name.Name, ptDims(it.Shape), v))
			}
			kinds = append(kinds, "param "+strings.Join(items, ","))
		case s.Species != nil:
			var items []string
			for _, it := range s.Species.Items {
				alias := ""
				if it.Alias != nil {
					alias = " as " + it.Alias.Name
				}
				items = append(items, fmt.Sprintf("%s/%d%s", it.Name.Name, ptDims(it.Shape), alias))
			}
			kinds = append(kinds, "species "+strings.Join(items, ","))
		case s.Env != nil:
			if s.Env.Range != nil {
				kinds = append(kinds, fmt.Sprintf("env %s/%d in %s..%s", s.Env.Name.Name, ptDims(s.Env.Shape), ptSexpr(s.Env.Range.Lo), ptSexpr(s.Env.Range.Hi)))
			} else {
				var st []string
				for _, x := range s.Env.States {
					st = append(st, x.Name)
				}
				kinds = append(kinds, "env "+s.Env.Name.Name+" {"+strings.Join(st, ",")+"}")
			}
		case s.Def != nil:
			kinds = append(kinds, fmt.Sprintf("%s %s/%d=%s", s.Def.Kind, s.Def.Name.Name, ptDims(s.Def.Shape), ptSexpr(s.Def.Value)))
		case s.Measure != nil:
			var args []string
			for _, a := range s.Measure.Args {
				args = append(args, ptSexpr(a))
			}
			kinds = append(kinds, fmt.Sprintf("measure %s/%d=%s(%s)", s.Measure.Name.Name, ptDims(s.Measure.Shape), s.Measure.Kind, strings.Join(args, ",")))
		case s.Init != nil:
			var items []string
			for _, it := range s.Init.Items {
				items = append(items, ptInitItem(it))
			}
			kinds = append(kinds, fmt.Sprintf("init density=%v {%s}", s.Init.Density, strings.Join(items, "; ")))
		default:
			kinds = append(kinds, "other")
		}
	}
	want := []string{
		"time continuous",
		"scale N=100",
		"param k/0=0.5,lam/1=array,G/2=array",
		"species S/0,Q/2 as q",
		"env E {lo,hi}",
		"env L/1 in 0..S",
		"let x/1=(/ Q[c,1] N)",
		"observable o/0=x[1]",
		"region r/0=(> S 0)",
		"measure m/1=transient(x[c],10)",
		"init density=false {env~stationary}",
		"init density=true {S=0.9; for [c in 1..C]: Q[c,1]=0.1; E~{lo:0.3,hi:0.7}}",
		"init density=false {}",
	}
	if strings.Join(kinds, "\n") != strings.Join(want, "\n") {
		t.Errorf("statements\n got:\n%s\nwant:\n%s", strings.Join(kinds, "\n"), strings.Join(want, "\n"))
	}
	// Shape binders and nested array literals.
	q := f.Stmts[3].Species.Items[1]
	if q.Shape.Dims[0].Binder == nil || q.Shape.Dims[0].Binder.Name != "c" || q.Shape.Dims[1].Binder != nil {
		t.Errorf("Q shape binders wrong: %+v", q.Shape.Dims)
	}
	g := f.Stmts[2].Param.Items[2].Array
	if len(g.Elems) != 2 || g.Elems[0].Array == nil || len(g.Elems[0].Array.Elems) != 2 || ptSexpr(g.Elems[1].Array.Elems[0].Value) != "1" {
		t.Errorf("G array literal wrong")
	}
}

func ptDims(s *Shape) int {
	if s == nil {
		return 0
	}
	return len(s.Dims)
}

func ptInitItem(it *InitItem) string {
	assign := func(a *InitAssign) string {
		if a.Value != nil {
			return ptSexpr(a.Target) + "=" + ptSexpr(a.Value)
		}
		var arms []string
		for _, arm := range a.Law {
			arms = append(arms, ptArm(arm))
		}
		return ptSexpr(a.Target) + "~{" + strings.Join(arms, ",") + "}"
	}
	switch {
	case it.EnvStationary:
		return "env~stationary"
	case it.For != nil:
		return "for " + ptBinders(it.For.Binders) + ": " + assign(it.For.Assign)
	}
	return assign(it.Assign)
}

// TestParsePositions checks that nodes record the position of their first token and that
// operator nodes start at their operator (docs/language.md §10 ruling 4).
func TestParsePositions(t *testing.T) {
	f := ptParse(t, "species S\n\tr: 2S -> 0 when S > 1 @ k * -S # c\n")
	tr := f.Stmts[1].Transition
	guard, rate := tr.When.(*Binary), tr.Rate.(*Binary)
	checks := []struct {
		what      string
		line, col int32
		got       Pos
	}{
		{"statement", 2, 2, f.Stmts[1].Pos},
		{"label", 2, 2, tr.Label.Pos},
		{"change", 2, 5, tr.Change.Pos},
		{"term", 2, 5, tr.Change.Reaction.LHS.Terms[0].Pos},
		{"species", 2, 6, tr.Change.Reaction.LHS.Terms[0].Species.Pos},
		{"guard", 2, 18, guard.X.Position()},
		{"comparison", 2, 20, guard.Pos},
		{"rate", 2, 26, rate.X.Position()},
		{"product", 2, 28, rate.Pos},
		{"negation", 2, 30, rate.Y.Position()},
	}
	for _, c := range checks {
		if c.got.Line != c.line || c.got.Column != c.col {
			t.Errorf("%s at %d:%d, want %d:%d", c.what, c.got.Line, c.got.Column, c.line, c.col)
		}
	}
	if len(f.Comments) != 1 || f.Comments[0].Text != "# c" || f.Comments[0].Pos != (diag.Pos{File: "t.mf", Line: 2, Col: 33, Offset: 42}) {
		t.Errorf("comments = %+v", f.Comments)
	}
}

// TestParseNewlineInsensitive checks that statements need no separator and may span lines.
func TestParseNewlineInsensitive(t *testing.T) {
	oneLine := ptParse(t, "species S, I param k = 1 S -> I @ k * S I -> S @ 1 r: S -> 0 @ 2")
	multi := ptParse(t, "species S,\n I\nparam k\n=\n1\nS\n->\nI\n@\nk\n*\nS\nI -> S\n@ 1\nr\n:\nS -> 0 @ 2\n")
	if len(oneLine.Stmts) != 5 || len(multi.Stmts) != 5 {
		t.Fatalf("got %d and %d statements, want 5", len(oneLine.Stmts), len(multi.Stmts))
	}
	for i := 2; i < 5; i++ {
		a, b := ptTransition(oneLine.Stmts[i].Transition), ptTransition(multi.Stmts[i].Transition)
		if a != b {
			t.Errorf("statement %d: %s vs %s", i, a, b)
		}
	}
}

// skipOutsideCI skips a test whose input lies outside the repository (the specification's
// examples in ../shared); under CI (CI set in the environment, as .ci/run runs) it fails.
func skipOutsideCI(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI requires it)", why)
	}
	t.Skip(why)
}
