package lang

import (
	"github.com/mfcproject/mfc/lang/diag"
)

// fastParser is a recursive-descent twin of the participle grammar in grammar.go. Parse runs
// it first on each run of statements; whenever it fails, the participle parser parses the
// run again and produces the diagnostic. So participle's grammar defines the language and
// its errors, and the twin only makes valid input fast: it builds the AST that fromGrammar
// makes of participle's tree, positions included, which TestFastParserMatchesParticiple and
// FuzzParse check on every input.
type fastParser struct {
	file  string  // the file name, for diagnostics
	toks  []token // the run; index end and beyond read as eof
	end   int
	eof   token
	i     int
	depth int // nesting of expressions, 'not', unary minus and '^' at the current token
	ops   int // operators in the current statement
	// maxOps is MaxOperators (a field, so that tests can lower it)
	maxOps int
	*arena
}

// MaxNesting and MaxOperators bound an expression (E106): every later stage walks
// expressions recursively, so a limit here keeps a hostile file from exhausting the stack.
const (
	MaxNesting   = 1000    // nested brackets, 'if', 'not', unary minus and '^'
	MaxOperators = 100_000 // operators in one statement
)

// errLimit aborts parsing with E106; unlike errFast, the participle parser is not tried
// (it would recurse just as deep).
type errLimit struct{ d *diag.Diagnostic }

// enter counts one level of nesting (and one operator) at the current token.
func (p *fastParser) enter() {
	p.depth++
	p.op()
	if p.depth > MaxNesting {
		panic(errLimit{diag.Errorf(p.peek().Pos.In(p.file), "E106", "split it with let definitions",
			"expression nested more than %d levels deep", MaxNesting)})
	}
}

// op counts one operator of the current statement.
func (p *fastParser) op() {
	if p.ops++; p.ops > p.maxOps {
		panic(errLimit{diag.Errorf(p.peek().Pos.In(p.file), "E106", "split it with let definitions, or use sum and prod",
			"statement has more than %d operators", p.maxOps)})
	}
}

// Slab hands out slots of large blocks, so that many small values (syntax nodes, the
// compiler's expressions and symbols) are slots of a few allocations rather than one
// allocation each. Blocks start small and double up to 512 slots: a small file does not
// pay for large blocks. The zero value is ready to use.
type Slab[T any] struct {
	buf  []T
	next int // the size of the next block
}

// Take returns n consecutive zero slots, as a slice of length and capacity n (appending to
// it copies it out).
func (s *Slab[T]) Take(n int) []T {
	if len(s.buf) < n {
		s.next = min(max(2*s.next, 8), 512)
		s.buf = make([]T, max(s.next, n))
	}
	out := s.buf[:n:n]
	s.buf = s.buf[n:]
	return out
}

// Alloc returns a pointer to a zero slot.
func (s *Slab[T]) Alloc() *T { return &s.Take(1)[0] }

// one returns a slice of length and capacity 1 holding x: a list of one item costs no
// allocation of its own (appending a second item copies it out).
func (s *Slab[T]) one(x T) []T {
	out := s.Take(1)
	out[0] = x
	return out
}

// arena holds the slabs of one Parse call.
type arena struct {
	lit   Slab[Lit]
	bin   Slab[Binary]
	ref   Slab[Ref]
	ident Slab[Ident]
	stmt  Slab[Statement]
	param Slab[ParamDecl]
	item  Slab[ParamItem]
	items Slab[*ParamItem]
	def   Slab[DefDecl]
}

// errFast aborts the fast parser; the caller falls back to participle.
type errFast struct{}

func (p *fastParser) peek() *token {
	if p.i < p.end {
		return &p.toks[p.i]
	}
	return &p.eof
}

func (p *fastParser) peek2() *token {
	if p.i+1 < p.end {
		return &p.toks[p.i+1]
	}
	return &p.eof
}

// pos returns the position of the current token.
func (p *fastParser) pos() Pos { return p.peek().Pos }

// is reports whether the next token has the literal value v (participle's "v").
func (p *fastParser) is(v string) bool {
	t := p.peek()
	return t.Type != EOF && t.Value == v
}

func (p *fastParser) accept(v string) bool {
	if p.is(v) {
		p.i++
		return true
	}
	return false
}

func (p *fastParser) expect(v string) {
	if !p.accept(v) {
		panic(errFast{})
	}
}

func (p *fastParser) kind(k tokenType) bool { return p.peek().Type == k }

func (p *fastParser) take(k tokenType) string {
	t := p.peek()
	if t.Type != k {
		panic(errFast{})
	}
	p.i++
	return t.Value
}

// parseFast parses toks as a run of statements followed by eof, or reports ok=false.
// The statements are appended to out; if parsing fails, out is returned as it was.
func parseFast(file string, toks []token, eof token, a *arena, out []*Statement) (stmts []*Statement, ok bool) {
	p := &fastParser{file: file, toks: toks, end: len(toks), eof: eof, arena: a, maxOps: MaxOperators}
	n := len(out)
	defer func() {
		if r := recover(); r != nil {
			if _, is := r.(errFast); !is {
				panic(r)
			}
			stmts, ok = out[:n], false
		}
	}()
	stmts = out
	for !p.kind(EOF) {
		stmts = append(stmts, p.statement())
	}
	return stmts, true
}

func (p *fastParser) ident() *Ident {
	id := p.arena.ident.Alloc()
	id.Pos = p.pos()
	id.Name = p.take(IdentT)
	return id
}

func (p *fastParser) statement() *Statement {
	p.ops = 0
	s := p.stmt.Alloc()
	s.Pos = p.pos()
	t := p.peek()
	switch {
	case t.Type == Keyword && t.Value == "model":
		s.Model = &ModelDecl{Pos: p.pos()}
		p.i++
		s.Model.Name = p.ident()
	case t.Type == Keyword && t.Value == "time":
		s.Time = &TimeDecl{Pos: p.pos()}
		p.i++
		if !p.is("continuous") && !p.is("discrete") {
			panic(errFast{})
		}
		s.Time.Kind = p.peek().Value
		p.i++
	case t.Type == Keyword && t.Value == "scale":
		s.Scale = &ScaleDecl{Pos: p.pos()}
		p.i++
		s.Scale.Name = p.ident()
		p.expect("=")
		s.Scale.Value = p.exprNode()
	case t.Type == Keyword && t.Value == "param":
		s.Param = p.param.Alloc()
		s.Param.Pos = p.pos()
		p.i++
		s.Param.Items = p.items.one(p.paramItem())
		for p.accept(",") {
			s.Param.Items = append(s.Param.Items, p.paramItem())
		}
	case t.Type == Keyword && t.Value == "species":
		s.Species = &SpeciesDecl{Pos: p.pos()}
		p.i++
		s.Species.Items = append(s.Species.Items, p.speciesItem())
		for p.accept(",") {
			s.Species.Items = append(s.Species.Items, p.speciesItem())
		}
	case t.Type == Keyword && t.Value == "env":
		s.Env = p.envDecl()
	case t.Type == Keyword && (t.Value == "let" || t.Value == "observable" || t.Value == "region"):
		d := p.def.Alloc()
		d.Pos, d.Kind = p.pos(), t.Value
		p.i++
		d.Name = p.ident()
		d.Shape = p.optShape()
		p.expect("=")
		d.Value = p.exprNode()
		s.Def = d
	case t.Type == Keyword && t.Value == "measure":
		s.Measure = p.measureDecl()
	case t.Type == Keyword && t.Value == "assume":
		s.Assume = p.assumeDecl()
	case t.Type == Keyword && t.Value == "init":
		s.Init = p.initDecl()
	case t.Type == Keyword && t.Value == "for":
		s.For = p.forStmt()
	default:
		s.Transition = p.transition()
	}
	s.EndPos = p.pos()
	return s
}

func (p *fastParser) paramItem() *ParamItem {
	it := p.item.Alloc()
	it.Pos = p.pos()
	it.Name = p.ident()
	it.Shape = p.optShape()
	p.expect("=")
	if p.is("[") {
		it.Array = p.arrayLit()
	} else {
		it.Value = p.exprNode()
	}
	return it
}

func (p *fastParser) arrayLit() *ArrayLit {
	a := &ArrayLit{Pos: p.pos()}
	p.expect("[")
	for {
		e := &ArrayElem{Pos: p.pos()}
		if p.is("[") {
			e.Array = p.arrayLit()
		} else {
			e.Value = p.exprNode()
		}
		a.Elems = append(a.Elems, e)
		if !p.accept(",") {
			break
		}
	}
	p.expect("]")
	return a
}

func (p *fastParser) speciesItem() *SpeciesItem {
	it := &SpeciesItem{Pos: p.pos(), Name: p.ident()}
	it.Shape = p.optShape()
	if p.accept("as") {
		it.Alias = p.ident()
	}
	return it
}

func (p *fastParser) envDecl() *EnvDecl {
	d := &EnvDecl{Pos: p.pos()}
	p.expect("env")
	d.Name = p.ident()
	d.Shape = p.optShape()
	switch {
	case p.accept("{"):
		d.States = append(d.States, p.ident())
		for p.accept(",") {
			d.States = append(d.States, p.ident())
		}
		p.expect("}")
	case p.accept("in"):
		d.Range = p.rangeExpr()
	default:
		panic(errFast{})
	}
	return d
}

func (p *fastParser) measureDecl() *MeasureDecl {
	d := &MeasureDecl{Pos: p.pos()}
	p.expect("measure")
	d.Name = p.ident()
	d.Shape = p.optShape()
	p.expect("=")
	switch v := p.peek().Value; v {
	case "stationary", "transient", "cumulative", "discounted", "until":
		if p.peek().Type == EOF {
			panic(errFast{})
		}
		d.Kind = v
		p.i++
	default:
		panic(errFast{})
	}
	p.expect("(")
	d.Args = append(d.Args, p.exprNode())
	for p.accept(",") {
		d.Args = append(d.Args, p.exprNode())
	}
	p.expect(")")
	return d
}

func (p *fastParser) assumeDecl() *AssumeDecl {
	d := &AssumeDecl{Pos: p.pos()}
	p.expect("assume")
	if p.kind(IdentT) {
		d.Label = p.ident()
		p.expect(":")
	}
	p.expect("stationary")
	p.expect("(")
	d.W = p.exprNode()
	p.expect(")")
	p.expect("<=")
	d.C = p.exprNode()
	return d
}

func (p *fastParser) initDecl() *InitDecl {
	d := &InitDecl{Pos: p.pos()}
	p.expect("init")
	d.Density = p.accept("density")
	p.expect("{")
	if !p.is("}") {
		d.Items = append(d.Items, p.initItem())
		for p.accept(",") {
			d.Items = append(d.Items, p.initItem())
		}
	}
	p.expect("}")
	return d
}

func (p *fastParser) initItem() *InitItem {
	it := &InitItem{Pos: p.pos()}
	switch {
	case p.is("for"):
		f := &InitFor{Pos: p.pos()}
		p.i++
		f.Binders = p.binders()
		p.expect(":")
		f.Assign = p.initAssign()
		it.For = f
	case p.is("env"):
		p.i++
		p.expect("~")
		p.expect("stationary")
		it.EnvStationary = true
	default:
		it.Assign = p.initAssign()
	}
	return it
}

func (p *fastParser) initAssign() *InitAssign {
	a := &InitAssign{Pos: p.pos(), Target: p.refNode()}
	switch {
	case p.accept("="):
		a.Value = p.exprNode()
	case p.accept("~"):
		p.expect("{")
		a.Law = append(a.Law, p.arm())
		for p.accept(",") {
			a.Law = append(a.Law, p.arm())
		}
		p.expect("}")
	default:
		panic(errFast{})
	}
	return a
}

func (p *fastParser) optShape() *Shape {
	if !p.is("[") {
		return nil
	}
	s := &Shape{Pos: p.pos()}
	p.i++
	for {
		d := &Dim{Pos: p.pos()}
		if p.kind(IdentT) && p.peek2().Type == Keyword && p.peek2().Value == "in" {
			d.Binder = p.ident()
			p.i++
		}
		d.Range = p.rangeExpr()
		s.Dims = append(s.Dims, d)
		if !p.accept(",") {
			break
		}
	}
	p.expect("]")
	return s
}

func (p *fastParser) rangeExpr() *Range {
	r := &Range{Pos: p.pos(), Lo: p.exprNode()}
	p.expect("..")
	r.Hi = p.exprNode()
	return r
}

func (p *fastParser) binders() *Binders {
	b := &Binders{Pos: p.pos()}
	b.List = append(b.List, p.binder())
	for p.is(",") && p.peek2().Type == IdentT {
		p.i++
		b.List = append(b.List, p.binder())
	}
	if p.accept("where") {
		b.Where = p.exprNode()
	}
	return b
}

func (p *fastParser) binder() *Binder {
	b := &Binder{Pos: p.pos(), Name: p.ident()}
	p.expect("in")
	b.Range = p.rangeExpr()
	return b
}

func (p *fastParser) forStmt() *ForStmt {
	f := &ForStmt{Pos: p.pos()}
	p.expect("for")
	f.Binders = p.binders()
	switch {
	case p.accept(":"):
		f.Single = p.loopBody()
	case p.accept("{"):
		for !p.is("}") {
			if p.kind(EOF) {
				panic(errFast{})
			}
			f.Block = append(f.Block, p.loopBody())
		}
		p.i++
	default:
		panic(errFast{})
	}
	return f
}

func (p *fastParser) loopBody() *LoopBody {
	b := &LoopBody{Pos: p.pos()}
	if p.is("for") {
		b.For = p.forStmt()
	} else {
		b.Transition = p.transition()
	}
	b.EndPos = p.pos()
	return b
}

func (p *fastParser) transition() *Transition {
	t := &Transition{Pos: p.pos()}
	if label(*p.peek()) && p.peek2().Type == Punct && p.peek2().Value == ":" {
		id := p.arena.ident.Alloc()
		id.Pos, id.Name = p.pos(), p.peek().Value
		t.Label = id
		p.i += 2
	}
	t.Change = p.change()
	if p.accept("when") {
		t.When = p.exprNode()
	}
	p.expect("@")
	t.Rate = p.exprNode()
	if p.accept(",") {
		t.Reverse = p.exprNode()
	}
	return t
}

func (p *fastParser) change() *Change {
	c := &Change{Pos: p.pos()}
	if p.is("set") {
		c.Update = p.update()
		return c
	}
	r := &Reaction{Pos: p.pos(), LHS: p.side()}
	if !p.is("->") && !p.is("<->") {
		panic(errFast{})
	}
	r.Arrow = p.peek().Value
	p.i++
	r.RHS = p.side()
	c.Reaction = r
	if p.is("set") {
		c.Update = p.update()
	}
	return c
}

func (p *fastParser) update() *Update {
	u := &Update{Pos: p.pos()}
	p.expect("set")
	u.Assigns = append(u.Assigns, p.assign())
	for p.accept(",") {
		u.Assigns = append(u.Assigns, p.assign())
	}
	return u
}

func (p *fastParser) assign() *Assign {
	a := &Assign{Pos: p.pos(), Target: p.refNode()}
	p.expect("=")
	a.Value = p.exprNode()
	return a
}

func (p *fastParser) side() *Side {
	s := &Side{Pos: p.pos()}
	s.Terms = append(s.Terms, p.term())
	for p.accept("+") {
		s.Terms = append(s.Terms, p.term())
	}
	return s
}

func (p *fastParser) term() *Term {
	t := &Term{Pos: p.pos()}
	switch {
	case p.kind(Int):
		t.Coef = p.take(Int)
		if p.kind(IdentT) {
			t.Species = p.refNode()
		}
	case p.kind(IdentT) && p.peek2().Type == IdentT:
		t.CoefName = p.take(IdentT)
		t.Species = p.refNode()
	default:
		t.BareRef = p.refNode()
	}
	return t
}

func (p *fastParser) refNode() *Ref {
	r := p.ref.Alloc()
	r.Pos, r.Name = p.pos(), p.take(IdentT)
	if p.accept("[") {
		r.Index = append(r.Index, p.exprNode())
		for p.accept(",") {
			r.Index = append(r.Index, p.exprNode())
		}
		p.expect("]")
	}
	return r
}

// exprNode parses an expression. The functions below follow the precedence levels of the
// grammar (gExpr, gAndExpr, ...) and build one node per operand and per operator, as
// fromExpr converts the grammar's chain.
func (p *fastParser) exprNode() Expr {
	p.enter()
	x := p.andExpr()
	for p.is("or") {
		b := p.binary()
		b.X, b.Y = x, p.andExpr()
		x = b
	}
	p.depth--
	return x
}

// binary starts the node of the operator at the current token and moves past it.
func (p *fastParser) binary() *Binary {
	b := p.bin.Alloc()
	b.Pos, b.Op = p.pos(), p.peek().Value
	p.op()
	p.i++
	return b
}

func (p *fastParser) andExpr() Expr {
	x := p.notExpr()
	for p.is("and") {
		b := p.binary()
		b.X, b.Y = x, p.notExpr()
		x = b
	}
	return x
}

func (p *fastParser) notExpr() Expr {
	if p.is("not") {
		u := &Unary{Pos: p.pos(), Op: "not"}
		p.enter()
		p.i++
		u.X = p.notExpr()
		p.depth--
		return u
	}
	x := p.addExpr()
	if t := p.peek(); t.Type == Punct && isCmp(*t) {
		b := p.binary()
		b.X, b.Y = x, p.addExpr()
		x = b
	}
	return x
}

func (p *fastParser) addExpr() Expr {
	x := p.mulExpr()
	for p.is("+") || p.is("-") {
		b := p.binary()
		b.X, b.Y = x, p.mulExpr()
		x = b
	}
	return x
}

func (p *fastParser) mulExpr() Expr {
	x := p.unaryExpr()
	for p.is("*") || p.is("/") {
		b := p.binary()
		b.X, b.Y = x, p.unaryExpr()
		x = b
	}
	return x
}

func (p *fastParser) unaryExpr() Expr {
	if p.is("-") {
		u := &Unary{Pos: p.pos(), Op: "-"}
		p.enter()
		p.i++
		u.X = p.unaryExpr()
		p.depth--
		return u
	}
	x := p.primary()
	if p.is("^") {
		b := p.bin.Alloc()
		b.Pos, b.Op, b.X = p.pos(), "^", x
		p.enter()
		p.i++
		b.Y = p.unaryExpr()
		p.depth--
		x = b
	}
	return x
}

func (p *fastParser) primary() Expr {
	t := p.peek()
	switch {
	case t.Type == Float || t.Type == Int || t.Type == Keyword && (t.Value == "true" || t.Value == "false"):
		l := p.lit.Alloc()
		l.Pos, l.Text = p.pos(), t.Value
		switch t.Type {
		case Float:
			l.Kind = FloatLit
		case Int:
			l.Kind = IntLit
		default:
			l.Kind = BoolLit
		}
		p.i++
		return l
	case t.Type == Punct && t.Value == "(":
		e := &Paren{Pos: p.pos()}
		p.i++
		e.X = p.exprNode()
		p.expect(")")
		return e
	case t.Type == Keyword && t.Value == "if":
		e := &IfExpr{Pos: p.pos()}
		p.i++
		e.Cond = p.exprNode()
		p.expect("then")
		e.Then = p.exprNode()
		p.expect("else")
		e.Else = p.exprNode()
		return e
	case t.Type == Keyword && t.Value == "match":
		m := &MatchExpr{Pos: p.pos()}
		p.i++
		m.Subject = p.refNode()
		p.expect("{")
		m.Arms = append(m.Arms, p.arm())
		for p.accept(",") {
			m.Arms = append(m.Arms, p.arm())
		}
		p.expect("}")
		return m
	case t.Type == Keyword && (t.Value == "sum" || t.Value == "prod" || t.Value == "all" || t.Value == "any"):
		r := &Reduction{Pos: p.pos(), Op: t.Value}
		p.i++
		p.expect("(")
		r.Binders = p.binders()
		p.expect(":")
		r.Body = p.exprNode()
		p.expect(")")
		return r
	case t.Type == IdentT && p.peek2().Type == Punct && p.peek2().Value == "(":
		c := &Call{Pos: p.pos(), Name: t.Value}
		p.i += 2
		if !p.is(")") {
			c.Args = append(c.Args, p.exprNode())
			for p.accept(",") {
				c.Args = append(c.Args, p.exprNode())
			}
		}
		p.expect(")")
		return c
	case t.Type == IdentT:
		return p.refNode()
	}
	panic(errFast{})
}

func (p *fastParser) arm() *Arm {
	a := &Arm{Pos: p.pos()}
	if p.kind(IdentT) {
		a.Name = p.take(IdentT)
	} else {
		a.Neg = p.accept("-")
		a.Int = p.take(Int)
	}
	p.expect(":")
	a.Value = p.exprNode()
	return a
}
