package lang

import (
	"math"
	"reflect"
	"sort"
	"strings"

	"github.com/mfcproject/mfc/lang/diag"
)

// This file is the canonical formatter behind 'mfc fmt'.
//
// Layout: 'model NAME' first, then one statement per line in source order; a run of blank
// lines between statements becomes one blank line. Expressions are printed from the AST with
// single spaces around binary operators, except '^' and the arithmetic inside range bounds
// ('x^2', '0..K+1'); the user's parentheses and number literals are kept exactly, so the
// output parses to the same tree. A nested array literal prints one row per line, the rows
// aligned under the first. A 'for' body goes on the next lines, indented two spaces.
//
// Comments: the AST records where each node starts but not where closing brackets are, so a
// comment is placed by its line. A comment on a line of its own before a statement (or loop
// body item, or a block's '}') stays on its own line there. A comment at the end of a line
// holding part of a statement becomes the trailing comment of the output line that holds that
// part; trailing comments of consecutive lines are aligned. Comments that cannot stay trailing
// (a comment on a line of its own inside a statement, or several comments that end up on one
// output line) move, in source order, onto their own lines just before the statement. The
// output of Format is a fixed point of Format.

// FormatSource parses src and returns its canonical layout. If the source has syntax errors,
// the output is nil and the diagnostics say why.
func FormatSource(filename string, src []byte) ([]byte, diag.List) {
	f, errs := Parse(filename, src)
	if errs.HasErrors() {
		return nil, errs
	}
	return Format(f), errs
}

// Format returns the canonical layout of f, keeping every comment of f.Comments. The result
// ends with exactly one newline (it is empty for a file with no statements and no comments).
func Format(f *File) []byte {
	p := &printer{cms: f.Comments}
	end := Pos{Offset: math.MaxInt32, Line: math.MaxInt32}
	if f.Model != nil {
		next := end
		if len(f.Stmts) > 0 {
			next = f.Stmts[0].Pos
		}
		p.leading(0, int(f.Model.Pos.Offset))
		u := newUnit(f.Model.Pos, f.Model)
		u.pieces = []piece{{"model " + f.Model.Name, int(f.Model.Pos.Line)}}
		p.flat(0, u, next)
	}
	for _, s := range f.Stmts {
		p.leading(0, int(s.Pos.Offset))
		if s.For != nil {
			p.forStmt(0, s.For, s.EndPos)
			continue
		}
		p.flat(0, stmtUnit(s), s.EndPos)
	}
	p.leading(0, int(end.Offset))
	return p.bytes()
}

// outLine is one line of output: indentation, text, and an optional trailing comment.
type outLine struct {
	indent  int
	text    string
	comment string
	blank   bool // a blank line comes before this line
	col     int  // column of the trailing comment, set by align
}

// piece is one output line of a statement, with the source line where its content starts.
type piece struct {
	text string
	src  int
}

// unit is a statement (or a loop header, a loop body item, a block's '}') laid out as pieces.
type unit struct {
	pieces []piece
	start  Pos
	lines  map[int]bool // source lines on which a node of the unit starts
	last   int          // the last such line
}

func newUnit(start Pos, nodes ...any) unit {
	u := unit{start: start, lines: map[int]bool{int(start.Line): true}, last: int(start.Line)}
	for _, n := range nodes {
		nodeLines(reflect.ValueOf(n), &u)
	}
	return u
}

var posType = reflect.TypeOf(Pos{})

// nodeLines records the line of every node position below v (EndPos fields excluded: they
// point at the token after a node).
func nodeLines(v reflect.Value, u *unit) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			nodeLines(v.Elem(), u)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			nodeLines(v.Index(i), u)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			fv, ft := v.Field(i), t.Field(i)
			if ft.Type == posType {
				if ft.Name == "Pos" {
					if line := int(fv.Interface().(Pos).Line); line > 0 {
						u.lines[line] = true
						u.last = max(u.last, line)
					}
				}
				continue
			}
			nodeLines(fv, u)
		}
	}
}

// printer accumulates output lines and hands out comments in source order.
type printer struct {
	out     []outLine
	cms     []Comment
	next    int // the first comment not yet printed
	prevEnd int // last source line of what was printed last; 0 at the start of a file or block
}

// blankBefore reports whether the source had a blank line between the last printed thing and
// a thing starting at line.
func (p *printer) blankBefore(line int) bool {
	return p.prevEnd > 0 && line > p.prevEnd+1
}

func commentText(c Comment) string { return strings.TrimRight(c.Text, " \t\r") }

// leading prints, on lines of their own, the comments that start before offset.
func (p *printer) leading(indent, offset int) {
	for p.next < len(p.cms) && p.cms[p.next].Pos.Offset < offset {
		c := p.cms[p.next]
		p.next++
		p.out = append(p.out, outLine{indent: indent, text: commentText(c), blank: p.blankBefore(c.Pos.Line)})
		p.prevEnd = c.Pos.Line
	}
}

// flat prints a unit and the comments that belong to it: those before limit (the next token
// after the unit) on its lines.
func (p *printer) flat(indent int, u unit, limit Pos) {
	// The AST does not record closing brackets. A unit that spans lines and ends with one may
	// have it on the line after its last node: assume so if a comment there does not start in
	// column 1, or, for '}', if no comment is there (the usual layout of a block).
	end := u.last
	if text := u.pieces[len(u.pieces)-1].text; int(u.start.Line) < u.last && strings.ContainsAny(text[len(text)-1:], ")]}") {
		col := 0 // column of a comment on the next line, or 0
		for i := p.next; i < len(p.cms) && p.cms[i].Pos.Offset < int(limit.Offset) && p.cms[i].Pos.Line <= u.last+1; i++ {
			if c := p.cms[i].Pos; c.Line == u.last+1 {
				col = c.Col
			}
		}
		if col > 1 || col == 0 && strings.HasSuffix(text, "}") {
			end = u.last + 1
		}
	}
	var mine []Comment
	for p.next < len(p.cms) && p.cms[p.next].Pos.Offset < int(limit.Offset) && p.cms[p.next].Pos.Line <= end {
		mine = append(mine, p.cms[p.next])
		p.next++
	}
	// From the last comment backwards, each comment at the end of a line of the unit trails
	// the piece holding that line, unless that piece already has one; the first comment that
	// cannot trail, and every comment before it, goes before the unit, so order is kept.
	trail := make([]string, len(u.pieces))
	hoist := len(mine)
	for i := len(mine) - 1; i >= 0; i-- {
		c := mine[i]
		if !u.lines[c.Pos.Line] && c.Pos.Line != end {
			break
		}
		k := sort.Search(len(u.pieces), func(k int) bool { return u.pieces[k].src > c.Pos.Line }) - 1
		if k < 0 || trail[k] != "" {
			break
		}
		trail[k] = commentText(c)
		hoist = i
	}
	blank := p.blankBefore(int(u.start.Line))
	for _, c := range mine[:hoist] {
		p.out = append(p.out, outLine{indent: indent, text: commentText(c), blank: blank})
		blank = false
	}
	for i, pc := range u.pieces {
		p.out = append(p.out, outLine{indent: indent, text: pc.text, comment: trail[i], blank: blank && i == 0})
	}
	p.prevEnd = end
}

// forStmt prints a loop: its header, then its body indented by two more spaces.
func (p *printer) forStmt(indent int, f *ForStmt, limit Pos) {
	head := newUnit(f.Pos, f.Binders)
	text := "for " + binders(f.Binders)
	var bodyStart Pos
	switch {
	case f.Single != nil:
		text += ":"
		bodyStart = f.Single.Pos
	case len(f.Block) > 0:
		text += " {"
		bodyStart = f.Block[0].Pos
	default:
		head.pieces = []piece{{text + " {}", int(f.Pos.Line)}}
		p.flat(indent, head, limit)
		return
	}
	head.pieces = []piece{{text, int(f.Pos.Line)}}
	p.flat(indent, head, bodyStart)
	p.prevEnd = 0 // no blank line at the start of a body
	if f.Single != nil {
		p.body(indent+2, f.Single)
		return
	}
	for _, b := range f.Block {
		p.body(indent+2, b)
	}
	closing := f.Block[len(f.Block)-1].EndPos // the last item ends where '}' starts
	p.leading(indent+2, int(closing.Offset))
	p.prevEnd = 0 // no blank line before '}'
	u := newUnit(closing)
	u.pieces = []piece{{"}", int(closing.Line)}}
	p.flat(indent, u, limit)
}

// body prints one item of a loop body.
func (p *printer) body(indent int, b *LoopBody) {
	p.leading(indent, int(b.Pos.Offset))
	if b.For != nil {
		p.forStmt(indent, b.For, b.EndPos)
		return
	}
	u := newUnit(b.Pos, b.Transition)
	u.pieces = []piece{{transition(b.Transition), int(b.Pos.Line)}}
	p.flat(indent, u, b.EndPos)
}

// bytes aligns trailing comments and joins the output lines.
func (p *printer) bytes() []byte {
	out := p.out
	for i := 0; i < len(out); {
		if out[i].comment == "" {
			i++
			continue
		}
		j, width := i, 0
		for ; j < len(out) && out[j].comment != "" && (j == i || !out[j].blank); j++ {
			width = max(width, out[j].indent+len(out[j].text))
		}
		for k := i; k < j; k++ {
			out[k].col = width + 2
		}
		i = j
	}
	var b strings.Builder
	for i, l := range out {
		if l.blank && i > 0 {
			b.WriteByte('\n')
		}
		line := strings.Repeat(" ", l.indent) + l.text
		if l.comment != "" {
			line += strings.Repeat(" ", l.col-len(line)) + l.comment
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// writer builds the pieces of a statement; only nested array literals break lines.
type writer struct {
	pieces []piece
	b      strings.Builder
	src    int
}

func (w *writer) str(s ...string) {
	for _, x := range s {
		w.b.WriteString(x)
	}
}

// newline ends the current piece; the next starts at source line src, after pad spaces.
func (w *writer) newline(src, pad int) {
	w.pieces = append(w.pieces, piece{w.b.String(), w.src})
	w.b.Reset()
	w.b.WriteString(strings.Repeat(" ", pad))
	w.src = src
}

func (w *writer) done() []piece {
	return append(w.pieces, piece{w.b.String(), w.src})
}

// array writes an array literal; a literal holding arrays puts each element on its own line.
func (w *writer) array(a *ArrayLit) {
	w.str("[")
	col := w.b.Len()
	nested := false
	for _, e := range a.Elems {
		nested = nested || e.Array != nil
	}
	for i, e := range a.Elems {
		if i > 0 {
			w.str(",")
			if nested {
				w.newline(int(e.Pos.Line), col)
			} else {
				w.str(" ")
			}
		}
		if e.Array != nil {
			w.array(e.Array)
		} else {
			w.str(expr(e.Value))
		}
	}
	w.str("]")
}

// stmtUnit lays out every statement except a loop.
func stmtUnit(s *Statement) unit {
	w := &writer{src: int(s.Pos.Line)}
	switch {
	case s.Time != nil:
		w.str("time ", s.Time.Kind)
	case s.Scale != nil:
		w.str("scale ", s.Scale.Name.Name, " = ", expr(s.Scale.Value))
	case s.Param != nil:
		w.str("param ")
		for i, it := range s.Param.Items {
			if i > 0 {
				w.str(", ")
			}
			w.str(it.Name.Name, shape(it.Shape), " = ")
			if it.Array != nil {
				w.array(it.Array)
			} else {
				w.str(expr(it.Value))
			}
		}
	case s.Species != nil:
		items := make([]string, len(s.Species.Items))
		for i, it := range s.Species.Items {
			items[i] = it.Name.Name + shape(it.Shape)
			if it.Alias != nil {
				items[i] += " as " + it.Alias.Name
			}
		}
		w.str("species ", strings.Join(items, ", "))
	case s.Env != nil:
		e := s.Env
		w.str("env ", e.Name.Name, shape(e.Shape))
		if e.Range != nil {
			w.str(" in ", rangeStr(e.Range))
		} else {
			names := make([]string, len(e.States))
			for i, n := range e.States {
				names[i] = n.Name
			}
			w.str(" { ", strings.Join(names, ", "), " }")
		}
	case s.Def != nil:
		w.str(s.Def.Kind, " ", s.Def.Name.Name, shape(s.Def.Shape), " = ", expr(s.Def.Value))
	case s.Measure != nil:
		m := s.Measure
		w.str("measure ", m.Name.Name, shape(m.Shape), " = ", m.Kind, "(", exprs(m.Args), ")")
	case s.Assume != nil:
		w.str("assume ")
		if s.Assume.Label != nil {
			w.str(s.Assume.Label.Name, ": ")
		}
		w.str("stationary(", expr(s.Assume.W), ") <= ", expr(s.Assume.C))
	case s.Init != nil:
		w.str(initDecl(s.Init))
	case s.Transition != nil:
		w.str(transition(s.Transition))
	case s.Model != nil: // only a misplaced 'model', which Parse reports
		w.str("model ", s.Model.Name.Name)
	}
	u := newUnit(s.Pos, s)
	u.pieces = w.done()
	return u
}

func initDecl(d *InitDecl) string {
	s := "init "
	if d.Density {
		s += "density "
	}
	if len(d.Items) == 0 {
		return s + "{}"
	}
	items := make([]string, len(d.Items))
	for i, it := range d.Items {
		switch {
		case it.For != nil:
			items[i] = "for " + binders(it.For.Binders) + ": " + initAssign(it.For.Assign)
		case it.EnvStationary:
			items[i] = "env ~ stationary"
		default:
			items[i] = initAssign(it.Assign)
		}
	}
	return s + "{ " + strings.Join(items, ", ") + " }"
}

func initAssign(a *InitAssign) string {
	if a.Value != nil {
		return ref(a.Target) + " = " + expr(a.Value)
	}
	return ref(a.Target) + " ~ { " + arms(a.Law) + " }"
}

func shape(s *Shape) string {
	if s == nil {
		return ""
	}
	dims := make([]string, len(s.Dims))
	for i, d := range s.Dims {
		if d.Binder != nil {
			dims[i] = d.Binder.Name + " in "
		}
		dims[i] += rangeStr(d.Range)
	}
	return "[" + strings.Join(dims, ", ") + "]"
}

// rangeStr prints lo..hi; arithmetic in the bounds is printed without spaces (0..K+1).
func rangeStr(r *Range) string {
	return (&exprPrinter{compact: true}).expr(r.Lo) + ".." + (&exprPrinter{compact: true}).expr(r.Hi)
}

func binders(b *Binders) string {
	list := make([]string, len(b.List))
	for i, x := range b.List {
		list[i] = x.Name.Name + " in " + rangeStr(x.Range)
	}
	s := strings.Join(list, ", ")
	if b.Where != nil {
		s += " where " + expr(b.Where)
	}
	return s
}

func transition(t *Transition) string {
	var b strings.Builder
	if t.Label != nil {
		b.WriteString(t.Label.Name + ": ")
	}
	if r := t.Change.Reaction; r != nil {
		b.WriteString(side(r.LHS) + " " + r.Arrow + " " + side(r.RHS))
		if t.Change.Update != nil {
			b.WriteString(" ")
		}
	}
	if u := t.Change.Update; u != nil {
		as := make([]string, len(u.Assigns))
		for i, a := range u.Assigns {
			as[i] = ref(a.Target) + " = " + expr(a.Value)
		}
		b.WriteString("set " + strings.Join(as, ", "))
	}
	if t.When != nil {
		b.WriteString(" when " + expr(t.When))
	}
	b.WriteString(" @ " + expr(t.Rate))
	if t.Reverse != nil {
		b.WriteString(", " + expr(t.Reverse))
	}
	return b.String()
}

// side prints a reaction side: '2S1 + k X + Y', or '0' for the empty complex.
func side(s *Side) string {
	terms := make([]string, len(s.Terms))
	for i, t := range s.Terms {
		switch {
		case t.BareRef != nil:
			terms[i] = ref(t.BareRef)
		case t.Species == nil:
			terms[i] = t.Coef + t.CoefName
		case t.CoefName != "":
			terms[i] = t.CoefName + " " + ref(t.Species)
		case mergesIntoFloat(t.Species.Name):
			terms[i] = t.Coef + " " + ref(t.Species) // '2 E1': '2E1' would lex as a float
		default:
			terms[i] = t.Coef + ref(t.Species)
		}
	}
	return strings.Join(terms, " + ")
}

// mergesIntoFloat reports whether a name written right after digits would lex as an exponent.
func mergesIntoFloat(name string) bool {
	return len(name) >= 2 && (name[0] == 'e' || name[0] == 'E') && name[1] >= '0' && name[1] <= '9'
}

func ref(r *Ref) string {
	if len(r.Index) == 0 {
		return r.Name
	}
	return r.Name + "[" + exprs(r.Index) + "]"
}

func arms(as []*Arm) string {
	out := make([]string, len(as))
	for i, a := range as {
		switch {
		case a.Name != "":
			out[i] = a.Name
		case a.Neg:
			out[i] = "-" + a.Int
		default:
			out[i] = a.Int
		}
		out[i] += ": " + expr(a.Value)
	}
	return strings.Join(out, ", ")
}

func expr(e Expr) string { return (&exprPrinter{}).expr(e) }

func exprs(es []Expr) string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = expr(e)
	}
	return strings.Join(out, ", ")
}

// exprPrinter prints expressions. In compact mode (range bounds, and parentheses inside
// them) '+', '-', '*' and '/' have no spaces around them.
type exprPrinter struct {
	b       strings.Builder
	compact bool
}

func (x *exprPrinter) expr(e Expr) string {
	x.node(e)
	return x.b.String()
}

func (x *exprPrinter) node(e Expr) {
	b := &x.b
	switch e := e.(type) {
	case *Lit:
		b.WriteString(e.Text)
	case *Ref:
		b.WriteString(ref(e))
	case *Binary:
		x.node(e.X)
		switch e.Op {
		case "+", "-", "*", "/":
			x.op(e.Op)
		case "^":
			b.WriteString("^")
		default: // or, and, comparisons
			b.WriteString(" " + e.Op + " ")
		}
		x.node(e.Y)
	case *Unary:
		if e.Op == "not" {
			b.WriteString("not ")
		} else {
			b.WriteString(e.Op)
		}
		x.node(e.X)
	case *Paren:
		b.WriteString("(")
		x.node(e.X)
		b.WriteString(")")
	case *IfExpr:
		b.WriteString("if " + expr(e.Cond) + " then " + expr(e.Then) + " else " + expr(e.Else))
	case *MatchExpr:
		b.WriteString("match " + ref(e.Subject) + " { " + arms(e.Arms) + " }")
	case *Reduction:
		b.WriteString(e.Op + "(" + binders(e.Binders) + ": " + expr(e.Body) + ")")
	case *Call:
		b.WriteString(e.Name + "(" + exprs(e.Args) + ")")
	}
}

func (x *exprPrinter) op(o string) {
	if x.compact {
		x.b.WriteString(o)
	} else {
		x.b.WriteString(" " + o + " ")
	}
}
