// Package diag holds source positions and diagnostics shared by every stage of mfc.
//
// It is a leaf package: the front end, the compiler and the runtime all report problems as
// Diagnostic values, so that a run-time error points back at the model text in the same
// format as a syntax error:
//
//	model.mf:12:5: error[E201]: unknown identifier 'bta'
//	    hint: did you mean 'beta' (param, 4:7)?
package diag

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Pos is a position in a model file. Lines and columns are 1-based; columns count Unicode
// code points and a tab counts as one column. The zero Pos means "no position".
type Pos struct {
	File   string
	Line   int
	Col    int
	Offset int // byte offset, for tools; not printed
}

// IsValid reports whether p names a place in a file.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String formats p as file:line:col (or line:col without a file name). A file name with a
// character that is not printable (a newline, an escape) is quoted as a Go string, so that
// it cannot reach a terminal raw; other names print as they are.
func (p Pos) String() string { return string(p.appendTo(nil)) }

// appendTo appends p, formatted as String does, to b.
func (p Pos) appendTo(b []byte) []byte {
	switch {
	case !p.IsValid() && p.File == "":
		return append(b, '-')
	case !p.IsValid():
		return append(b, QuoteName(p.File)...)
	case p.File != "":
		b = append(append(b, QuoteName(p.File)...), ':')
	}
	b = append(strconv.AppendInt(b, int64(p.Line), 10), ':')
	return strconv.AppendInt(b, int64(p.Col), 10)
}

// QuoteName returns name as it is if every character is printable, and quoted as a Go
// string (strconv.Quote) otherwise.
func QuoteName(name string) string {
	for _, r := range name {
		if !strconv.IsPrint(r) || r == utf8.RuneError {
			return strconv.Quote(name)
		}
	}
	return name
}

// escape replaces each non-printable character of s (a newline, an escape, invalid UTF-8)
// by its Go escape sequence; printable text, Unicode included, is kept.
func escape(s string) string {
	clean := true
	for _, r := range s {
		if !strconv.IsPrint(r) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i, w := 0, 0; i < len(s); i += w {
		r, n := utf8.DecodeRuneInString(s[i:])
		w = n
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case strconv.IsPrint(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String()
}

// Short formats p as line:col, the form used inside messages ("declared at 3:9").
func (p Pos) Short() string { return strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col) }

// Before reports whether p comes before q in the same file.
func (p Pos) Before(q Pos) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}

// Severity says whether a diagnostic stops compilation.
type Severity int

const (
	// Error diagnostics stop the stage that reports them.
	Error Severity = iota
	// Warning diagnostics never stop compilation.
	Warning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one problem found in a model: where, how bad, which catalogue code, a
// one-line message and a one-line hint.
type Diagnostic struct {
	Pos      Pos
	Severity Severity
	Code     string // catalogue code, e.g. "E201" or "W101"
	Msg      string
	Hint     string
}

// Error formats d in the catalogue format, with the hint on a second, indented line.
// Characters that are not printable (from a file name in the message, say) are escaped.
func (d *Diagnostic) Error() string {
	// Built in one buffer, not with fmt: a file may have hundreds of thousands of warnings.
	msg, hint := escape(d.Msg), escape(d.Hint)
	b := make([]byte, 0, len(d.Pos.File)+len(d.Code)+len(msg)+len(hint)+48)
	b = append(d.Pos.appendTo(b), ": "...)
	b = append(append(b, d.Severity.String()...), '[')
	b = append(append(b, d.Code...), "]: "...)
	b = append(b, msg...)
	if d.Hint != "" {
		b = append(append(b, "\n    hint: "...), hint...)
	}
	return string(b)
}

// Errorf builds an error diagnostic. Every diagnostic has a hint (docs/language.md §8.1):
// an empty one becomes a pointer to the catalogue entry (see orHelp).
func Errorf(pos Pos, code, hint, format string, args ...any) *Diagnostic {
	return &Diagnostic{Pos: pos, Severity: Error, Code: code, Msg: fmt.Sprintf(format, args...), Hint: orHelp(hint, code)}
}

// Warnf builds a warning diagnostic, with a hint as Errorf.
func Warnf(pos Pos, code, hint, format string, args ...any) *Diagnostic {
	return &Diagnostic{Pos: pos, Severity: Warning, Code: code, Msg: fmt.Sprintf(format, args...), Hint: orHelp(hint, code)}
}

// orHelp returns hint, or, if it is blank, the command that prints the catalogue entry of
// code: a safety net for a call site that has no hint of its own (the tests reject those).
func orHelp(hint, code string) string {
	if strings.TrimSpace(hint) == "" && code != "" {
		return "mfc help " + code + " explains this diagnostic"
	}
	return hint
}

// List is a list of diagnostics. The zero value is ready to use.
type List []*Diagnostic

// Add appends d.
func (l *List) Add(d *Diagnostic) { *l = append(*l, d) }

// Append appends every diagnostic of m.
func (l *List) Append(m List) { *l = append(*l, m...) }

// Sort orders the list by position, then code. The sort is stable, so diagnostics at the
// same position keep the order in which they were found.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a != b {
			return a.Before(b)
		}
		return l[i].Code < l[j].Code
	})
}

// Dedup sorts the list and keeps the first diagnostic of each (code, position) pair: an
// expanded family reports a problem once, with its first offending instance.
func (l *List) Dedup() {
	l.Sort()
	// Sorted, the diagnostics at one place (file, line, column) are adjacent: a duplicate
	// is among those kept since the place began.
	out := (*l)[:0]
	run := 0 // the first diagnostic of out at the current place
	for _, d := range *l {
		if run < len(out) && !samePlace(out[run].Pos, d.Pos) {
			run = len(out)
		}
		if !hasCode(out[run:], d.Code) {
			out = append(out, d)
		}
	}
	*l = out
}

func samePlace(p, q Pos) bool { return p.File == q.File && p.Line == q.Line && p.Col == q.Col }

func hasCode(l List, code string) bool {
	for _, d := range l {
		if d.Code == code {
			return true
		}
	}
	return false
}

// MaxErrors is how many errors a stage reports before it stops listing them (Limit).
const MaxErrors = 10

// Limit returns l if it holds at most n errors. Otherwise it keeps the diagnostics up to
// the n-th error and ends with one error, at the position and with the code of the first
// one left out, that counts the errors not shown ("too many errors: 99 more not shown"):
// a broken file gets a readable report, in time independent of its size.
func (l List) Limit(n int) List {
	errs := 0
	for i, d := range l {
		if d.Severity != Error {
			continue
		}
		if errs++; errs > n {
			rest := 0
			for _, e := range l[i:] {
				if e.Severity == Error {
					rest++
				}
			}
			out := append(l[:i:i], &Diagnostic{Pos: d.Pos, Severity: Error, Code: d.Code,
				Msg: fmt.Sprintf("too many errors: %d more not shown", rest), Hint: "fix the errors above first"})
			return out
		}
	}
	return l
}

// HasErrors reports whether the list holds at least one error (warnings do not count).
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors returns the error diagnostics only.
func (l List) Errors() List { return l.filter(Error) }

// Warnings returns the warning diagnostics only.
func (l List) Warnings() List { return l.filter(Warning) }

func (l List) filter(s Severity) List {
	var out List
	for _, d := range l {
		if d.Severity == s {
			out = append(out, d)
		}
	}
	return out
}

// Error joins every diagnostic, one per paragraph.
func (l List) Error() string {
	parts := make([]string, len(l))
	for i, d := range l {
		parts[i] = d.Error()
	}
	return strings.Join(parts, "\n")
}

// Err returns the list as an error if it holds any error diagnostic, and nil otherwise.
func (l List) Err() error {
	if !l.HasErrors() {
		return nil
	}
	return l
}

// Codes returns the codes in order, a compact form for tests.
func (l List) Codes() []string {
	out := make([]string, len(l))
	for i, d := range l {
		out[i] = d.Code
	}
	return out
}
