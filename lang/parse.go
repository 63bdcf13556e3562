package lang

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/mfcproject/mfc/lang/diag"
)

var parser = participle.MustBuild[chunk](
	participle.Lexer(definition{}),
	participle.UseLookahead(2),
)

// DefaultMaxInput is the default limit on the size of a model file: 10 MB.
const DefaultMaxInput = 10 << 20

// ReadSource reads the named file, at most max bytes of it (DefaultMaxInput if max ≤ 0).
// A file that cannot be read, or is larger than the limit, is E100 (docs/language.md §8.2);
// the read stops at the limit, so a device such as /dev/zero cannot exhaust memory.
func ReadSource(path string, max int64) ([]byte, *diag.Diagnostic) {
	if max <= 0 {
		max = DefaultMaxInput
	}
	max = min(max, maxSource)
	at := diag.Pos{File: path}
	f, err := os.Open(path)
	if err != nil {
		return nil, diag.Errorf(at, "E100", "check the path", "cannot read file: %v", err)
	}
	defer f.Close()
	// A regular file is read into a buffer of its size (plus room to see that it ends), not
	// the doubling buffers of io.ReadAll; a device or pipe still stops at the limit.
	hint := int64(512)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		hint = min(fi.Size(), max) + 512
	}
	buf := bytes.NewBuffer(make([]byte, 0, hint))
	_, err = buf.ReadFrom(io.LimitReader(f, max+1))
	src := buf.Bytes()
	if err != nil {
		return nil, diag.Errorf(at, "E100", "check the path", "cannot read file: %v", err)
	}
	if int64(len(src)) > max {
		if max == maxSource {
			return nil, tooLong(path)
		}
		return nil, diag.Errorf(at, "E100", "raise the limit with --max-input", "file is larger than the limit of %s", byteSize(max))
	}
	return src, nil
}

// maxSource bounds any source, whatever the input limit: positions in the AST are 32-bit.
const maxSource = math.MaxInt32

// tooLong is E100 for a source over maxSource bytes.
func tooLong(path string) *diag.Diagnostic {
	return diag.Errorf(diag.Pos{File: path}, "E100", "split the model", "file is larger than the limit of %s", byteSize(maxSource))
}

// byteSize formats n as "10 MB", "512 kB" or "100 bytes".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d kB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ParseFile reads (at most DefaultMaxInput bytes, see ReadSource) and parses the named file.
func ParseFile(path string) (*File, diag.List) {
	src, d := ReadSource(path, 0)
	if d != nil {
		return nil, diag.List{d}
	}
	return Parse(path, src)
}

// Parse parses the source of one .mf file. It always returns a File, holding every statement
// that parsed, together with every lexical and syntax diagnostic (E101–E105), sorted. The
// parser recovers at statement boundaries, so one bad statement does not hide the next.
func Parse(filename string, src []byte) (*File, diag.List) {
	if len(src) > maxSource {
		return &File{Name: filename}, diag.List{tooLong(filename)}
	}
	lx := lex(filename, src)
	errs := lx.errs
	if lx.tooMany {
		return &File{Name: filename}, errs.Limit(diag.MaxErrors)
	}
	bad := make([]bool, len(lx.toks)) // tokens inside a chunk already known to be broken
	for _, d := range lx.errs {
		markBad(bad, lx.toks, d.Pos.Offset)
	}
	for _, d := range checkBrackets(filename, lx.toks) {
		errs.Add(d)
		markBad(bad, lx.toks, d.Pos.Offset)
	}
	chunks := split(lx.toks)
	f := &File{Name: filename, Comments: lx.comments, Stmts: make([]*Statement, 0, len(chunks))}
	a := &arena{}
	for _, c := range chunks {
		if anyBad(bad[c.lo:c.hi]) {
			continue
		}
		var d *diag.Diagnostic
		f.Stmts, d = parseChunk(filename, lx.toks, c, a, f.Stmts)
		if d != nil {
			errs.Add(d)
		}
	}
	f.Stmts = takeModel(f, errs.Add)
	errs.Dedup()
	return f, errs.Limit(diag.MaxErrors)
}

// span is a half-open range of token indices.
type span struct{ lo, hi int }

// hardStart lists keywords that can only begin a statement.
var hardStart = map[string]bool{"model": true, "time": true, "scale": true, "param": true,
	"species": true, "let": true, "observable": true, "region": true, "measure": true, "init": true, "assume": true}

// split cuts the token stream into runs of whole statements. A statement starts at a hard
// keyword, at 'env' and 'for' outside brackets (unless they continue an init item or a loop
// header), and at a transition label 'Ident :' (or 'prod :' etc.) that follows the end of an
// expression. The
// grammar needs no separators (docs/language.md §3.2), so each run parses on its own; a syntax error
// then costs one run, not the rest of the file.
func split(toks []token) []span {
	var out []span
	lo, depth := 0, 0
	cut := func(i int) {
		if i > lo {
			out = append(out, span{lo, i})
		}
		lo = i
	}
	for i := 0; i < len(toks)-1; i++ {
		t := toks[i]
		prev := token{}
		if i > 0 {
			prev = toks[i-1]
		}
		switch {
		case t.Type == Keyword && hardStart[t.Value]:
			depth = 0
			cut(i)
		case t.Type == Keyword && (t.Value == "env" || t.Value == "for"):
			if depth == 0 && !(prev.Type == Punct && (prev.Value == "{" || prev.Value == "," || prev.Value == ":")) {
				cut(i)
			}
		case label(t) && depth == 0 && toks[i+1].Value == ":" && toks[i+1].Type == Punct && endsExpr(prev):
			cut(i)
		case t.Type == Punct:
			switch t.Value {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				if depth > 0 {
					depth--
				}
			}
		}
	}
	cut(len(toks) - 1)
	return out
}

// endsExpr reports whether t can be the last token of an expression (or of a statement).
func endsExpr(t token) bool {
	switch t.Type {
	case IdentT, Int, Float:
		return true
	case Keyword:
		return t.Value == "true" || t.Value == "false" || t.Value == "continuous" || t.Value == "discrete"
	case Punct:
		return t.Value == ")" || t.Value == "]" || t.Value == "}"
	}
	return false
}

// parseChunk parses the run c of toks, appending its statements to out.
func parseChunk(file string, toks []token, c span, a *arena, out []*Statement) (stmts []*Statement, d *diag.Diagnostic) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(errLimit)
			if !ok {
				panic(r)
			}
			stmts, d = out, e.d
		}
	}()
	end := toks[c.hi] // the next statement's first token, or EOF
	eof := token{Type: EOF, Pos: end.Pos}
	if stmts, ok := parseFast(file, toks[c.lo:c.hi], eof, a, out); ok {
		return stmts, nil
	}
	sub := participleTokens(file, append(toks[c.lo:c.hi:c.hi], eof))
	pl, err := lexer.Upgrade(&sliceLexer{toks: sub})
	if err != nil {
		return out, diag.Errorf(end.Pos.In(file), "E103", "check the statement", "%v", err)
	}
	ch, err := parser.ParseFromLexer(pl)
	if err == nil {
		return append(out, fromGrammar(ch.Stmts)...), nil
	}
	// Keep the statements that parsed completely (participle sets EndPos only then); the
	// statement that failed, possibly half-built, is dropped.
	var done []*gStatement
	if ch != nil {
		for _, s := range ch.Stmts {
			if s != nil && s.EndPos.Line > 0 {
				done = append(done, s)
			}
		}
	}
	return append(out, fromGrammar(done)...), syntaxError(file, err, toks, c, end, done)
}

// stmtStart returns the index of the first token of the statement in which token i fails:
// the token after the last complete statement if a statement can start there and i comes
// after it; otherwise the start of the last complete statement, which participle cut short
// when an optional or repeated part failed (as in 'param a = 1, when = 2').
func stmtStart(toks []token, c span, i int, done []*gStatement) int {
	if len(done) == 0 {
		return c.lo
	}
	last := done[len(done)-1]
	if e := indexOf(toks, c, last.EndPos.Offset); e < i && canStart(toks[e]) {
		return e
	}
	return indexOf(toks, c, last.Pos.Offset)
}

// canStart reports whether a statement can begin with t (docs/language.md §3.2).
func canStart(t token) bool {
	switch t.Type {
	case IdentT, Int:
		return true
	case Keyword:
		return hardStart[t.Value] || t.Value == "env" || t.Value == "for" || t.Value == "set"
	}
	return false
}

// syntaxError turns a participle error into E103 or E104, with a hint chosen from the
// statement being parsed.
func syntaxError(file string, err error, toks []token, c span, next token, done []*gStatement) *diag.Diagnostic {
	var perr participle.Error
	if !errors.As(err, &perr) {
		return diag.Errorf(toks[c.lo].Pos.In(file), "E103", stmtHint(toks[c.lo], toks[c.lo:c.hi]), "%v", err)
	}
	pos := posOf(perr.Position())
	var bad token
	var ute *participle.UnexpectedTokenError
	if errors.As(err, &ute) {
		bad = fromParticiple(ute.Unexpected)
	} else {
		bad = tokenAt(toks, c, int(pos.Offset))
	}
	if bad.Type == EOF {
		bad = next
		pos = next.Pos
	}
	i := indexOf(toks, c, int(pos.Offset))
	prev := token{}
	if i > c.lo {
		prev = toks[i-1]
	}
	start := stmtStart(toks, c, i, done)
	lead := toks[start]
	if d := keywordAsName(file, bad, prev, lead, toks, i); d != nil {
		return d
	}
	what := "end of file"
	if bad.Type != EOF {
		what = fmt.Sprintf("'%s'", bad.Value)
	}
	msg, hint := "unexpected "+what, stmtHint(lead, toks[start:c.hi])
	switch {
	case isCmp(bad) && chainedCmp(toks, start, i):
		hint = "comparisons cannot be chained: write a < b and b < c"
	case bad.Type == Punct && bad.Value == "=" && endsExpr(prev) && inCondition(toks, start, i):
		msg += ", a comparison is written '=='"
		hint = "write '==' instead of '='"
		if operand(prev) && i+1 < c.hi && operand(toks[i+1]) {
			hint = fmt.Sprintf("write '%s == %s'", prev.Value, toks[i+1].Value)
		}
	case lead.Type == Keyword && lead.Value == "model" && start > 0:
		hint = "'model NAME' may only come first in the file"
	case isTransition(lead) && !hasAt(toks, start, i):
		msg += ", expected '@' and a propensity"
	}
	return diag.Errorf(pos.In(file), "E103", hint, "%s", msg)
}

var declNoun = map[string]string{"param": "a parameter", "species": "a species", "let": "a let",
	"observable": "an observable", "region": "a region", "measure": "a measure", "env": "an environment",
	"scale": "the scale", "model": "the model", "as": "an alias", "for": "a loop variable",
	"in": "", "sum": "a reduction variable", "prod": "a reduction variable", "all": "a reduction variable",
	"any": "a reduction variable", "assume": "an assumption"}

// keywordAsName recognises a keyword where a declared name belongs (E104).
func keywordAsName(file string, bad, prev, lead token, toks []token, i int) *diag.Diagnostic {
	if bad.Type != Keyword {
		return nil
	}
	if bad.Value == "in" && prev.Type == Keyword && i >= 2 && toks[i-2].Type == Punct && (toks[i-2].Value == "[" || toks[i-2].Value == ",") {
		// 'X[if in 1..3]': the keyword began an expression, which then failed at 'in'.
		return diag.Errorf(prev.Pos.In(file), "E104", "choose another name", "'%s' is a keyword and cannot name an index variable", prev.Value)
	}
	noun := ""
	switch {
	case prev.Type == Keyword && declNoun[prev.Value] != "":
		noun = declNoun[prev.Value]
		if prev.Value == "sum" || prev.Value == "prod" || prev.Value == "all" || prev.Value == "any" {
			return nil // 'sum' must be followed by '('
		}
	case prev.Type == Punct && prev.Value == "(" && i >= 2 && reduction(toks[i-2]):
		noun = "a reduction variable"
	case prev.Type == Punct && prev.Value == "," && lead.Type == Keyword && (lead.Value == "param" || lead.Value == "species"):
		noun = declNoun[lead.Value]
	case i+1 < len(toks) && toks[i+1].Type == Punct && toks[i+1].Value == ":" && (prev.Type == 0 || endsExpr(prev)):
		noun = "a label"
	case i+1 < len(toks) && toks[i+1].Type == Keyword && toks[i+1].Value == "in" && prev.Type == Punct && (prev.Value == "[" || prev.Value == ","):
		noun = "an index variable"
	}
	if noun == "" {
		return nil
	}
	return diag.Errorf(bad.Pos.In(file), "E104", "choose another name", "'%s' is a keyword and cannot name %s", bad.Value, noun)
}

// label reports whether t can label a transition: a name or a reduction keyword
// (docs/language.md §3.1, Label).
func label(t token) bool { return t.Type == IdentT || reduction(t) }

func reduction(t token) bool {
	return t.Type == Keyword && (t.Value == "sum" || t.Value == "prod" || t.Value == "all" || t.Value == "any")
}

func isCmp(t token) bool {
	if t.Type != Punct {
		return false
	}
	switch t.Value {
	case "==", "!=", "<", "<=", ">", ">=":
		return true
	}
	return false
}

// chainedCmp reports whether a comparison operator occurs between the start of the
// enclosing operand and token i, at the same bracket depth.
func chainedCmp(toks []token, lo, i int) bool {
	depth := 0
	for j := i - 1; j >= lo; j-- {
		t := toks[j]
		if t.Type == Punct {
			switch t.Value {
			case ")", "]", "}":
				depth++
			case "(", "[", "{":
				if depth == 0 {
					return false
				}
				depth--
			case ",", "@", ":", "=":
				if depth == 0 {
					return false
				}
			}
		}
		if t.Type == Keyword && depth == 0 {
			switch t.Value {
			case "and", "or", "not", "if", "then", "else", "when", "where":
				return false
			}
		}
		if depth == 0 && isCmp(t) {
			return true
		}
	}
	return false
}

// inCondition reports whether token i stands where a condition is being written
// (docs/language.md §6.3): after 'when', 'if', 'where', 'and', 'or' or 'not' in the same
// operand, in the value of a region, or in the body of all(...) or any(...). A '=' there
// is a comparison written with one '='.
func inCondition(toks []token, lo, i int) bool {
	depth := 0
	for j := i - 1; j >= lo; j-- {
		t := toks[j]
		switch {
		case t.Type == Punct && (t.Value == ")" || t.Value == "]" || t.Value == "}"):
			depth++
		case t.Type == Punct && (t.Value == "(" || t.Value == "[" || t.Value == "{"):
			if depth > 0 {
				depth--
			}
		case depth > 0:
		case t.Type == Keyword:
			switch t.Value {
			case "when", "if", "where", "and", "or", "not":
				return true
			case "then", "else", "set":
				return false
			}
		case t.Type == Punct && t.Value == "=":
			return toks[lo].Type == Keyword && toks[lo].Value == "region"
		case t.Type == Punct && t.Value == ":":
			return bodyOf(toks, lo, j, "all", "any")
		case t.Type == Punct && (t.Value == "," || t.Value == "@" || t.Value == "->" || t.Value == "<->"):
			return false
		}
	}
	return false
}

// bodyOf reports whether the ':' at j separates the binders and the body of a reduction
// whose keyword is one of ops: whether the bracket open at j is '(' after such a keyword.
func bodyOf(toks []token, lo, j int, ops ...string) bool {
	depth := 0
	for k := j - 1; k > lo; k-- {
		t := toks[k]
		if t.Type != Punct {
			continue
		}
		switch t.Value {
		case ")", "]", "}":
			depth++
		case "(", "[", "{":
			if depth > 0 {
				depth--
				continue
			}
			if t.Value != "(" || toks[k-1].Type != Keyword {
				return false
			}
			for _, op := range ops {
				if toks[k-1].Value == op {
					return true
				}
			}
			return false
		}
	}
	return false
}

// operand reports whether t alone is an operand: a name or a number.
func operand(t token) bool { return t.Type == IdentT || t.Type == Int || t.Type == Float }

func isTransition(lead token) bool {
	return lead.Type == IdentT || lead.Type == Int || (lead.Type == Keyword && (lead.Value == "set" || lead.Value == "for"))
}

func hasAt(toks []token, lo, i int) bool {
	for j := lo; j < i; j++ {
		if toks[j].Type == Punct && toks[j].Value == "@" {
			return true
		}
	}
	return false
}

var stmtHints = map[string]string{
	"model":      "write 'model NAME' as the first statement",
	"time":       "write 'time continuous' or 'time discrete'",
	"scale":      "write 'scale N = 100'",
	"param":      "write 'param k = 0.5' or 'param lam[1..K] = [0.5, 0.7]'",
	"species":    "write 'species S, I' or 'species Q[1..K] as q'",
	"env":        "write 'env E { lo, hi }' or 'env L in 0..S'",
	"let":        "write 'let name = expression'",
	"observable": "write 'observable name = expression'",
	"region":     "write 'region name = condition'",
	"measure":    "write 'measure name = stationary(f)'; kinds are stationary, transient, cumulative, discounted, until",
	"assume":     "write 'assume moment: stationary(w) <= c'",
	"init":       "write 'init { S = 10, E = lo }' or 'init density { S = 0.9 }'",
	"for":        "write 'for i in 1..K: transition' or 'for i in 1..K { transitions }'",
}

func stmtHint(lead token, toks []token) string {
	if lead.Type == Keyword {
		if h, ok := stmtHints[lead.Value]; ok {
			return h
		}
	}
	return "every transition ends with '@ <propensity>'"
}

func tokenAt(toks []token, c span, offset int) token {
	if i := indexOf(toks, c, offset); i < len(toks) {
		return toks[i]
	}
	return toks[len(toks)-1]
}

// indexOf finds the token at offset (or the first after it) within c, or c.hi.
func indexOf(toks []token, c span, offset int) int {
	for i := c.lo; i < c.hi; i++ {
		if int(toks[i].Pos.Offset) >= offset {
			return i
		}
	}
	return c.hi
}

// checkBrackets reports unclosed brackets (E105, at the opening bracket) and closing
// brackets that close nothing (E103).
func checkBrackets(file string, toks []token) diag.List {
	var errs diag.List
	var stack []token
	pair := map[string]string{")": "(", "]": "[", "}": "{"}
	closer := map[string]string{"(": ")", "[": "]", "{": "}"}
	unclosed := func(t token) {
		errs.Add(diag.Errorf(t.Pos.In(file), "E105", fmt.Sprintf("add '%s'", closer[t.Value]),
			"'%s' at %d:%d is never closed", t.Value, t.Pos.Line, t.Pos.Column))
	}
	open := map[string]int{} // brackets of each kind on the stack: a stray closer costs O(1)
	for _, t := range toks {
		if t.Type != Punct {
			continue
		}
		switch t.Value {
		case "(", "[", "{":
			stack = append(stack, t)
			open[t.Value]++
		case ")", "]", "}":
			k := len(stack) - 1
			if open[pair[t.Value]] == 0 {
				k = -1
			}
			for k >= 0 && stack[k].Value != pair[t.Value] {
				k--
			}
			if k < 0 {
				errs.Add(diag.Errorf(t.Pos.In(file), "E103", fmt.Sprintf("no '%s' is open here", pair[t.Value]), "unexpected '%s'", t.Value))
				continue
			}
			for _, o := range stack[k+1:] {
				unclosed(o)
				open[o.Value]--
			}
			open[stack[k].Value]--
			stack = stack[:k]
		}
	}
	for _, o := range stack {
		unclosed(o)
	}
	return errs
}

// markBad marks the token at offset, or, when a skipped character lies there (E101), the
// token before it: the character belongs to the statement in progress, which must not be
// parsed without it (that would only add a cascading E103).
func markBad(bad []bool, toks []token, offset int) {
	i := sort.Search(len(toks), func(i int) bool { return int(toks[i].Pos.Offset) >= offset })
	switch {
	case i == len(toks):
		bad[len(bad)-1] = true
	case int(toks[i].Pos.Offset) == offset || i == 0:
		bad[i] = true
	default:
		bad[i-1] = true
	}
}

func anyBad(b []bool) bool {
	for _, x := range b {
		if x {
			return true
		}
	}
	return false
}

// takeModel moves a leading 'model NAME' into f.Model and reports any other as misplaced.
func takeModel(f *File, report func(*diag.Diagnostic)) []*Statement {
	out := f.Stmts[:0]
	for i, s := range f.Stmts {
		if s.Model == nil {
			out = append(out, s)
			continue
		}
		if i == 0 && f.Model == nil {
			f.Model = s.Model.Name
			continue
		}
		report(diag.Errorf(s.Pos.In(f.Name), "E103", "'model NAME' may only come first in the file", "unexpected 'model'"))
	}
	return out
}
