package lang

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/mfcproject/mfc/lang/diag"
)

// Token kinds of the .mf lexer (docs/language.md §2). Comments and whitespace never reach the parser:
// comments are kept aside for the formatter, whitespace is dropped.
const (
	EOF     tokenType = -1 // lexer.EOF
	Float   tokenType = -2
	Int     tokenType = -3
	Keyword tokenType = -4
	IdentT  tokenType = -5
	Punct   tokenType = -6
)

// tokenType is the kind of a token: participle's lexer.TokenType in 4 bytes.
type tokenType int32

// token is one token of the source, in 32 bytes. participle's lexer.Token (64 bytes, with
// the file name in every position) is built only for the runs of statements that the
// participle grammar parses (participleTokens).
type token struct {
	Pos   Pos
	Type  tokenType
	Value string
}

// participleTokens converts toks, in the named file, for participle.
func participleTokens(file string, toks []token) []lexer.Token {
	out := make([]lexer.Token, len(toks))
	for i, t := range toks {
		out[i] = lexer.Token{Type: lexer.TokenType(t.Type), Value: t.Value,
			Pos: lexer.Position{Filename: file, Offset: int(t.Pos.Offset), Line: int(t.Pos.Line), Column: int(t.Pos.Column)}}
	}
	return out
}

// fromParticiple converts a token that participle reports back.
func fromParticiple(t lexer.Token) token {
	return token{Pos: posOf(t.Pos), Type: tokenType(t.Type), Value: t.Value}
}

var symbols = map[string]lexer.TokenType{
	"EOF": lexer.TokenType(EOF), "Float": lexer.TokenType(Float), "Int": lexer.TokenType(Int),
	"Keyword": lexer.TokenType(Keyword), "Ident": lexer.TokenType(IdentT), "Punct": lexer.TokenType(Punct),
}

// Keywords are the reserved words of docs/language.md §2. They lex as their own token kind, so they can
// never be captured as identifiers.
var Keywords = map[string]bool{}

func init() {
	for _, k := range []string{"model", "time", "continuous", "discrete", "scale", "param",
		"species", "as", "env", "let", "observable", "region", "measure", "init", "density",
		"for", "in", "where", "when", "set", "if", "then", "else", "match", "and", "or", "not",
		"true", "false", "sum", "prod", "all", "any", "stationary", "transient", "cumulative",
		"discounted", "until", "assume"} {
		Keywords[k] = true
	}
}

// Comment is one source comment, kept for the formatter.
type Comment struct {
	Pos  diag.Pos
	Text string // including the leading '#'
}

// tokens is the result of lexing one file.
type tokens struct {
	file     string
	toks     []token
	comments []Comment
	errs     diag.List
	tooMany  bool // lexing stopped at MaxTokens (E106)
}

// MaxTokens bounds the tokens of one file (E106). A token takes 32 bytes; a model within the
// element limits (an array literal of MaxElements numbers, say) has far fewer.
const MaxTokens = 4_000_000

// lex splits src into tokens. It never fails: characters outside the token set are reported
// (E101, E102) and skipped, so that parsing can go on and report further errors. Past
// MaxTokens it stops with E106.
func lex(filename string, src []byte) *tokens { return lexMax(filename, src, MaxTokens) }

// lexMax is lex with a limit of maxTokens tokens.
func lexMax(filename string, src []byte, maxTokens int) *tokens {
	// Every token's text is a slice of one copy of the source: no allocation per name or
	// number, and no table of names to grow.
	l := &lexState{file: filename, src: src, text: string(src), line: 1, col: 1}
	// A token takes 32 bytes: reserve what a quick count predicts, not len(src)/2 (160 MB
	// for a 10 MB file), and do not let a large file grow the slice by copying.
	out := &tokens{file: filename, toks: make([]token, 0, min(estimateTokens(src), maxTokens)+16)}
	for l.off < len(src) {
		if len(out.toks) >= maxTokens {
			out.errs.Add(diag.Errorf(l.position().In(l.file), "E106", "split the model, or use families and sum",
				"file has more than %d tokens", maxTokens))
			out.tooMany = true
			break
		}
		l.next(out)
	}
	out.toks = append(out.toks, token{Type: EOF, Pos: l.position()})
	return out
}

type lexState struct {
	file      string
	src       []byte
	text      string // src as a string: token values are slices of it
	off       int
	line, col int
}

// word classifies the keyword or identifier text[start:end].
func (l *lexState) word(start, end int) (string, tokenType) {
	s := l.text[start:end]
	if Keywords[s] {
		return s, Keyword
	}
	return s, IdentT
}

func (l *lexState) position() Pos {
	return Pos{Offset: int32(l.off), Line: int32(l.line), Column: int32(l.col)}
}

// advance moves over n bytes that hold no newline and only ASCII characters.
func (l *lexState) advance(n int) {
	l.off += n
	l.col += n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// IsIdent reports whether s is spelled as a name of the language: a letter or '_', then
// letters, digits and '_' (ASCII), as the lexer reads names.
func IsIdent(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isLetter(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

func (l *lexState) next(out *tokens) {
	src, c := l.src, l.src[l.off]
	switch {
	case c == '\n':
		l.off++
		l.line++
		l.col = 1
	case c == ' ' || c == '\t' || c == '\r':
		l.advance(1)
	case c == '#':
		l.comment(out)
	case isDigit(c):
		l.number(out)
	case isLetter(c):
		start, pos := l.off, l.position()
		end := start + 1
		for end < len(src) && (isLetter(src[end]) || isDigit(src[end])) {
			end++
		}
		word, kind := l.word(start, end)
		out.toks = append(out.toks, token{Type: kind, Value: word, Pos: pos})
		l.advance(end - start)
	case c == '.' && l.off+1 < len(src) && isDigit(src[l.off+1]):
		// ".5": reported at the point, lexed as a number so that parsing goes on.
		pos := l.position()
		end := l.off + 1
		for end < len(src) && isDigit(src[end]) {
			end++
		}
		text := l.text[l.off:end]
		out.errs.Add(diag.Errorf(pos.In(l.file), "E102", "write 0"+text+"; a range is written 1..K", "malformed number '%s'", text))
		out.toks = append(out.toks, token{Type: Float, Value: "0" + text, Pos: pos})
		l.advance(end - l.off)
	default:
		if p := matchPunct(src[l.off:]); p != "" {
			out.toks = append(out.toks, token{Type: Punct, Value: p, Pos: l.position()})
			l.advance(len(p))
			return
		}
		l.unexpected(out)
	}
}

func (l *lexState) comment(out *tokens) {
	pos := l.position()
	end := l.off
	for end < len(l.src) && l.src[end] != '\n' {
		end++
	}
	text := l.text[l.off:end]
	out.comments = append(out.comments, Comment{Pos: pos.In(l.file), Text: text})
	l.col += utf8.RuneCount(l.src[l.off:end])
	l.off = end
}

// estimateTokens counts the runs of word characters (letters, digits, '_', '.') and the
// other non-blank characters outside comments: about the number of tokens of src (a
// multi-character operator counts two or three, a number with an exponent sign two).
func estimateTokens(src []byte) int {
	n, word := 0, false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			word = false
		case isLetter(c) || isDigit(c) || c == '.':
			if !word {
				n++
			}
			word = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			word = false
		default:
			n++
			word = false
		}
	}
	return n
}

// number lexes Float or Int, longest match first, as the regular expressions of docs/language.md §2 do.
func (l *lexState) number(out *tokens) {
	src, pos, start := l.src, l.position(), l.off
	end := start
	for end < len(src) && isDigit(src[end]) {
		end++
	}
	kind := Int
	if end+1 < len(src) && src[end] == '.' && isDigit(src[end+1]) {
		end++
		for end < len(src) && isDigit(src[end]) {
			end++
		}
		kind = Float
		end = exponent(src, end)
	} else if end < len(src) && src[end] == '.' && (end+1 >= len(src) || src[end+1] != '.') {
		// "1." is malformed; "1..K" is a range.
		text := l.text[start : end+1]
		out.errs.Add(diag.Errorf(pos.In(l.file), "E102", "write "+text[:len(text)-1]+" or "+text+"0; a range is written 1..K", "malformed number '%s'", text))
		out.toks = append(out.toks, token{Type: Float, Value: text + "0", Pos: pos})
		l.advance(end + 1 - start)
		return
	} else if e := exponent(src, end); e != end {
		kind, end = Float, e
	}
	text := l.text[start:end]
	if tooLarge(text) {
		out.errs.Add(diag.Errorf(pos.In(l.file), "E102", "numbers are finite: at most about 1.8e308", "number '%s' is too large", text))
	}
	out.toks = append(out.toks, token{Type: kind, Value: text, Pos: pos})
	l.advance(end - start)
}

// tooLarge reports whether the literal text overflows a float64 (it would read as +Inf).
func tooLarge(text string) bool {
	if len(text) < 300 && !strings.ContainsAny(text, "eE") {
		return false
	}
	v, err := strconv.ParseFloat(text, 64)
	return err != nil && math.IsInf(v, 0)
}

// exponent returns the end of an exponent part [eE][+-]?[0-9]+ starting at i, or i if there is none.
func exponent(src []byte, i int) int {
	if i >= len(src) || (src[i] != 'e' && src[i] != 'E') {
		return i
	}
	j := i + 1
	if j < len(src) && (src[j] == '+' || src[j] == '-') {
		j++
	}
	if j >= len(src) || !isDigit(src[j]) {
		return i
	}
	for j < len(src) && isDigit(src[j]) {
		j++
	}
	return j
}

var puncts3 = []string{"<->"}
var puncts2 = []string{"->", "..", "==", "!=", "<=", ">="}

const puncts1 = "<>=+-*/^()[]{},:@~"

func matchPunct(b []byte) string {
	for _, p := range puncts3 {
		if len(b) >= 3 && string(b[:3]) == p {
			return p
		}
	}
	for _, p := range puncts2 {
		if len(b) >= 2 && string(b[:2]) == p {
			return p
		}
	}
	for i := 0; i < len(puncts1); i++ {
		if b[0] == puncts1[i] {
			return puncts1[i : i+1]
		}
	}
	return ""
}

func (l *lexState) unexpected(out *tokens) {
	pos := l.position()
	r, size := utf8.DecodeRune(l.src[l.off:])
	var msg string
	switch {
	case r == utf8.RuneError && size <= 1:
		msg = fmt.Sprintf("invalid UTF-8 byte 0x%02x", l.src[l.off])
		size = 1
	case r == '.':
		msg = "unexpected character '.'"
	default:
		msg = fmt.Sprintf("unexpected character %q", r)
		if r < utf8.RuneSelf && r >= ' ' {
			msg = fmt.Sprintf("unexpected character '%c'", r)
		}
	}
	hint := "identifiers use letters, digits and _; comments start with #"
	if r == '.' {
		hint = "a range is written a..b; a number needs digits on both sides of the point"
	} else if r >= utf8.RuneSelf {
		hint = "non-ASCII characters may appear only in comments"
	}
	out.errs.Add(diag.Errorf(pos.In(l.file), "E101", hint, "%s", msg))
	l.off += size
	l.col++
}

// sliceLexer feeds pre-lexed tokens to participle.
type sliceLexer struct {
	toks []lexer.Token
	i    int
}

func (s *sliceLexer) Next() (lexer.Token, error) {
	if s.i >= len(s.toks) {
		return s.toks[len(s.toks)-1], nil
	}
	t := s.toks[s.i]
	s.i++
	return t, nil
}

// definition is the participle view of the lexer. The parser is always fed pre-lexed
// tokens, so Lex is used only by participle's own tooling.
type definition struct{}

func (definition) Symbols() map[string]lexer.TokenType { return symbols }

func (definition) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return &sliceLexer{toks: participleTokens(filename, lex(filename, src).toks)}, nil
}
