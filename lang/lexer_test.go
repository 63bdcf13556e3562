package lang

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

// lxKindName names a token kind for test output.
func lxKindName(k tokenType) string {
	for name, t := range symbols {
		if t == lexer.TokenType(k) {
			return name
		}
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// lxTokens lexes src and renders every token but EOF as "Kind:value".
func lxTokens(src string) []string {
	lx := lex("t.mf", []byte(src))
	var out []string
	for _, tk := range lx.toks {
		if tk.Type == EOF {
			continue
		}
		out = append(out, lxKindName(tk.Type)+":"+tk.Value)
	}
	return out
}

// lxErrors lexes src and renders its diagnostics as "line:col code msg".
func lxErrors(src string) []string {
	lx := lex("t.mf", []byte(src))
	var out []string
	for _, d := range lx.errs {
		out = append(out, fmt.Sprintf("%d:%d %s %s", d.Pos.Line, d.Pos.Col, d.Code, d.Msg))
	}
	return out
}

func TestLexTokens(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"int", "42", []string{"Int:42"}},
		{"int zero", "0", []string{"Int:0"}},
		{"float", "1.5", []string{"Float:1.5"}},
		{"float exp", "1.5e3", []string{"Float:1.5e3"}},
		{"float exp signed", "1.5E-3 2.0e+7", []string{"Float:1.5E-3", "Float:2.0e+7"}},
		{"float int exp", "2e10", []string{"Float:2e10"}},
		{"float int exp signed", "2E+1 3e-2", []string{"Float:2E+1", "Float:3e-2"}},
		{"2S1 is coefficient and species", "2S1", []string{"Int:2", "Ident:S1"}},
		{"2E1 is a float", "2E1", []string{"Float:2E1"}},
		{"2 E1 is coefficient and species", "2 E1", []string{"Int:2", "Ident:E1"}},
		{"e without digits is a name", "2e", []string{"Int:2", "Ident:e"}},
		{"e sign without digits", "1e+x", []string{"Int:1", "Ident:e", "Punct:+", "Ident:x"}},
		{"range", "1..K", []string{"Int:1", "Punct:..", "Ident:K"}},
		{"range ints", "0..10", []string{"Int:0", "Punct:..", "Int:10"}},
		{"float then range", "1.5..2", []string{"Float:1.5", "Punct:..", "Int:2"}},
		{"ident", "abc_1 _x X9 t pi _", []string{"Ident:abc_1", "Ident:_x", "Ident:X9", "Ident:t", "Ident:pi", "Ident:_"}},
		{"case sensitive", "When WHEN when", []string{"Ident:When", "Ident:WHEN", "Keyword:when"}},
		{"keyword as whole word", "form inx when2 sets _in", []string{"Ident:form", "Ident:inx", "Ident:when2", "Ident:sets", "Ident:_in"}},
		{"bidirectional arrow", "<->", []string{"Punct:<->"}},
		{"a<-b", "a<-b", []string{"Ident:a", "Punct:<", "Punct:-", "Ident:b"}},
		{"a<->b", "a<->b", []string{"Ident:a", "Punct:<->", "Ident:b"}},
		{"a->b", "a->b", []string{"Ident:a", "Punct:->", "Ident:b"}},
		{"longest match", "<=> ==> !==", []string{"Punct:<=", "Punct:>", "Punct:==", "Punct:>", "Punct:!=", "Punct:="}},
		{"arrow then minus", "-->", []string{"Punct:-", "Punct:->"}},
		{"comment elided", "a # b c\nd", []string{"Ident:a", "Ident:d"}},
		{"comment at eof", "a #", []string{"Ident:a"}},
		{"whitespace", " \t\r\n a \r\n\tb ", []string{"Ident:a", "Ident:b"}},
		{"transition", "r1: 2A + k B -> 0 when A > 0 @ k1 * A^2",
			[]string{"Ident:r1", "Punct::", "Int:2", "Ident:A", "Punct:+", "Ident:k", "Ident:B", "Punct:->", "Int:0",
				"Keyword:when", "Ident:A", "Punct:>", "Int:0", "Punct:@", "Ident:k1", "Punct:*", "Ident:A", "Punct:^", "Int:2"}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lxTokens(tt.src); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("lex(%q)\n got %q\nwant %q", tt.src, got, tt.want)
			}
			if errs := lxErrors(tt.src); len(errs) > 0 {
				t.Errorf("lex(%q): unexpected errors %q", tt.src, errs)
			}
		})
	}
}

// TestLexPunct lexes every punctuation token of docs/language.md §2 alone and between names.
func TestLexPunct(t *testing.T) {
	puncts := []string{"<->", "->", "..", "==", "!=", "<=", ">=", "<", ">", "=", "+", "-", "*", "/", "^",
		"(", ")", "[", "]", "{", "}", ",", ":", "@", "~"}
	for _, p := range puncts {
		t.Run(p, func(t *testing.T) {
			if got, want := lxTokens(p), []string{"Punct:" + p}; !reflect.DeepEqual(got, want) {
				t.Errorf("lex(%q) = %q, want %q", p, got, want)
			}
			src := "a" + p + "b"
			if got, want := lxTokens(src), []string{"Ident:a", "Punct:" + p, "Ident:b"}; !reflect.DeepEqual(got, want) {
				t.Errorf("lex(%q) = %q, want %q", src, got, want)
			}
		})
	}
}

// TestLexKeywords checks the keyword set against docs/language.md §2 and that each lexes as Keyword.
func TestLexKeywords(t *testing.T) {
	spec := strings.Fields(`model time continuous discrete scale param species as env let observable region
		measure init density for in where when set if then else match and or not true false sum prod all any
		stationary transient cumulative discounted until assume`)
	var have []string
	for k := range Keywords {
		have = append(have, k)
	}
	sort.Strings(have)
	want := append([]string(nil), spec...)
	sort.Strings(want)
	if !reflect.DeepEqual(have, want) {
		t.Errorf("Keywords = %q\nspec     = %q", have, want)
	}
	for _, k := range spec {
		if got := lxTokens(k); !reflect.DeepEqual(got, []string{"Keyword:" + k}) {
			t.Errorf("lex(%q) = %q, want a keyword", k, got)
		}
	}
	// Reserved identifiers of docs/language.md §2 are identifiers, not keywords.
	for _, id := range []string{"t", "pi", "_", "exp", "min", "ind"} {
		if got := lxTokens(id); !reflect.DeepEqual(got, []string{"Ident:" + id}) {
			t.Errorf("lex(%q) = %q, want an identifier", id, got)
		}
	}
}

// TestLexPositions checks line:col of every token: columns count code points, a tab is
// one column, comments with non-ASCII text do not shift later lines.
func TestLexPositions(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // "value@line:col" for each token, EOF included as "EOF@line:col"
	}{
		{"simple", "ab cd\n  e", []string{"ab@1:1", "cd@1:4", "e@2:3", "EOF@2:4"}},
		{"tab is one column", "\ta\t\tb", []string{"a@1:2", "b@1:5", "EOF@1:6"}},
		{"crlf", "a\r\nb", []string{"a@1:1", "b@2:1", "EOF@2:2"}},
		{"after non-ASCII comment", "# héllo wörld ∑\nparam k", []string{"param@2:1", "k@2:7", "EOF@2:8"}},
		{"non-ASCII comment after token", "a # ééé\n\tb", []string{"a@1:1", "b@2:2", "EOF@2:3"}},
		{"token after non-ASCII comment line end", "x # 漢字\ny z", []string{"x@1:1", "y@2:1", "z@2:3", "EOF@2:4"}},
		{"eof after newline", "a\n", []string{"a@1:1", "EOF@2:1"}},
		{"multi-char tokens", "r12: 2S1<->S2", []string{"r12@1:1", ":@1:4", "2@1:6", "S1@1:7", "<->@1:9", "S2@1:12", "EOF@1:14"}},
		{"floats", "1.5e-3 7", []string{"1.5e-3@1:1", "7@1:8", "EOF@1:9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lx := lex("t.mf", []byte(tt.src))
			var got []string
			for _, tk := range lx.toks {
				v := tk.Value
				if tk.Type == EOF {
					v = "EOF"
				}
				got = append(got, fmt.Sprintf("%s@%d:%d", v, tk.Pos.Line, tk.Pos.Column))
				if lx.file != "t.mf" {
					t.Errorf("tokens have file %q", lx.file)
				}
				if tk.Type != EOF && !strings.HasPrefix(tt.src[tk.Pos.Offset:], tk.Value) {
					t.Errorf("token %q at offset %d, source there is %q", v, tk.Pos.Offset, tt.src[tk.Pos.Offset:])
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("lex(%q)\n got %q\nwant %q", tt.src, got, tt.want)
			}
			if len(lx.errs) > 0 {
				t.Errorf("unexpected errors: %v", lx.errs)
			}
		})
	}
}

// TestLexComments checks that comments are kept, with their positions, for the formatter.
func TestLexComments(t *testing.T) {
	lx := lex("t.mf", []byte("# één\nparam k = 1 # rate ∂\n\t#x"))
	var got []string
	for _, c := range lx.comments {
		got = append(got, fmt.Sprintf("%d:%d %s", c.Pos.Line, c.Pos.Col, c.Text))
	}
	want := []string{"1:1 # één", "2:13 # rate ∂", "3:2 #x"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("comments\n got %q\nwant %q", got, want)
	}
}

// TestLexErrors checks E101 and E102: position (the first character), message, and that
// lexing goes on after the error.
func TestLexErrors(t *testing.T) {
	tests := []struct {
		name, src string
		errs      []string
		toks      []string
	}{
		{"dollar", "a $ b", []string{"1:3 E101 unexpected character '$'"}, []string{"Ident:a", "Ident:b"}},
		{"non-ASCII outside comment", "a é b", []string{"1:3 E101 unexpected character 'é'"}, []string{"Ident:a", "Ident:b"}},
		{"non-ASCII after non-ASCII comment", "# ∑ü\n\tab ü c", []string{"2:5 E101 unexpected character 'ü'"}, []string{"Ident:ab", "Ident:c"}},
		{"two non-ASCII in a row", "x = ∂∂y", []string{"1:5 E101 unexpected character '∂'", "1:6 E101 unexpected character '∂'"},
			[]string{"Ident:x", "Punct:=", "Ident:y"}},
		{"invalid UTF-8", "a \xff b", []string{"1:3 E101 invalid UTF-8 byte 0xff"}, []string{"Ident:a", "Ident:b"}},
		{"lone dot", "a . b", []string{"1:3 E101 unexpected character '.'"}, []string{"Ident:a", "Ident:b"}},
		{"triple dot", "1...2", []string{"1:4 E102 malformed number '.2'"}, []string{"Int:1", "Punct:..", "Float:0.2"}},
		{"trailing point", "x = 1.", []string{"1:5 E102 malformed number '1.'"}, []string{"Ident:x", "Punct:=", "Float:1.0"}},
		{"trailing point then name", "12.e5", []string{"1:1 E102 malformed number '12.'"}, []string{"Float:12.0", "Ident:e5"}},
		{"leading point", "x = .5", []string{"1:5 E102 malformed number '.5'"}, []string{"Ident:x", "Punct:=", "Float:0.5"}},
		{"too large", "k = 1e999", []string{"1:5 E102 number '1e999' is too large"}, []string{"Ident:k", "Punct:=", "Float:1e999"}},
		{"largest finite", "k = 1.7e308", nil, []string{"Ident:k", "Punct:=", "Float:1.7e308"}},
		{"underflow is zero", "k = 1e-999", nil, []string{"Ident:k", "Punct:=", "Float:1e-999"}},
		{"leading point after tab", "\t.25", []string{"1:2 E102 malformed number '.25'"}, []string{"Float:0.25"}},
		{"bang alone", "a ! b", []string{"1:3 E101 unexpected character '!'"}, []string{"Ident:a", "Ident:b"}},
		{"quote", `"s"`, []string{`1:1 E101 unexpected character '"'`, `1:3 E101 unexpected character '"'`}, []string{"Ident:s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lxErrors(tt.src); !reflect.DeepEqual(got, tt.errs) {
				t.Errorf("errors of %q\n got %q\nwant %q", tt.src, got, tt.errs)
			}
			if got := lxTokens(tt.src); !reflect.DeepEqual(got, tt.toks) {
				t.Errorf("tokens of %q\n got %q\nwant %q", tt.src, got, tt.toks)
			}
		})
	}
}

// TestLexAllocations checks that the lexer allocates per file, not per token: names and
// numbers are slices of one copy of the source (a 10 MB file must check within 2 s).
func TestLexAllocations(t *testing.T) {
	var b strings.Builder
	b.WriteString("species S\ninit { S = 1 }\nd: S -> 0 @ S\n")
	for k := 0; k < 1000; k++ {
		fmt.Fprintf(&b, "param p%d = %d.5 # %d\nobservable o%d = S*%d\n", k, k, k, k, k)
	}
	src := []byte(b.String())
	allocs := testing.AllocsPerRun(3, func() { lex("t.mf", src) })
	if allocs > 30 {
		t.Errorf("lexing 2000 declarations takes %.0f allocations, want at most 30", allocs)
	}
}
