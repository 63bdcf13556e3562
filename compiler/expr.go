package compiler

import (
	"strconv"
	"strings"

	"github.com/mfcproject/mfc/lang"
	"github.com/mfcproject/mfc/lang/diag"
)

// exprKind is the kind of a node of the compiler's expression tree.
type exprKind uint8

const (
	eNum    exprKind = iota // num
	eBool                   // num != 0 is true
	eRef                    // name[args...]
	eCall                   // name(args...)
	eNeg                    // -args[0]
	eNot                    // not args[0]
	eBin                    // args[0] op args[1]: + - * / ^
	eCmp                    // args[0] op args[1]
	eAnd                    // args...
	eOr                     // args...
	eIf                     // if args[0] then args[1] else args[2]
	eMatch                  // match args[0] { arms }
	eReduce                 // op(binders: body)
)

// expr is the compiler's view of an expression: the syntax tree of package lang as one
// node type, chains of 'or' and of 'and' flattened and parentheses dropped, with the position
// rules of docs/language.md §10 ruling 4 (operators at their operator token, calls at the
// function name). Positions are in the file being compiled (c.at): 12 bytes, not 40, in a
// node of which a large model has millions.
type expr struct {
	kind    exprKind
	isInt   bool     // literal written as an Int
	pos     lang.Pos // in c.file: c.at(e.pos)
	op      string
	num     float64
	name    string
	args    []*expr
	*reduce // eMatch and eReduce only; nil otherwise

	// Filled in by the type checker (the flags first: packed, they keep the node in a
	// smaller size class).
	bind   bool // eRef names a binder
	isSt   bool
	static bool    // a compile-time position: params read here are structural
	state  int32   // eRef is a state constant of a named environment: its index
	sym    *symbol // resolved global name (eRef)
	typ    typ
}

// reduce holds the parts of a match or a reduction, which other nodes (most of a large
// model's) do without.
type reduce struct {
	arms    []arm    // eMatch
	binders *binders // eReduce
	body    *expr    // eReduce
}

type arm struct {
	pos     lang.Pos // in c.file: c.at(a.pos)
	name    string   // state name, or "_"
	value   int      // integer arm
	isInt   bool
	body    *expr
	present bool
}

// binders is a list of loop variables with an optional filter.
type binders struct {
	pos   diag.Pos
	list  []binder
	where *expr
}

type binder struct {
	pos    diag.Pos
	name   string
	lo, hi *expr
}

// at returns the position p in the file being compiled.
func (c *compiler) at(p lang.Pos) diag.Pos { return p.In(c.file) }

// exprArena hands out expression nodes and short operand lists from blocks (lang.Slab): a
// file of 400 000 declarations converts a million expressions, and one allocation each
// would be much of the time of compiling it.
type exprArena struct {
	nodes lang.Slab[expr]
	args  lang.Slab[*expr]
}

// node returns a new node holding x.
func (a *exprArena) node(x expr) *expr {
	p := a.nodes.Alloc()
	*p = x
	return p
}

// list returns the operands xs (one or two) in a slice of their length and capacity.
func (a *exprArena) list(xs ...*expr) []*expr {
	out := a.args.Take(len(xs))
	copy(out, xs)
	return out
}

// convExpr converts a parsed expression. A chain of 'or' (or of 'and') becomes one node,
// at its first operator; parentheses leave no node.
func (c *compiler) convExpr(e lang.Expr) *expr {
	switch e := e.(type) {
	case nil:
		return nil
	case *lang.Lit:
		return c.convLit(e)
	case *lang.Ref:
		return c.convRef(e)
	case *lang.Paren:
		return c.convExpr(e.X)
	case *lang.Unary:
		kind := eNeg
		if e.Op == "not" {
			kind = eNot
		}
		return c.exprs.node(expr{kind: kind, pos: e.Pos, args: c.exprs.list(c.convExpr(e.X))})
	case *lang.Binary:
		return c.convBinary(e)
	case *lang.IfExpr:
		return &expr{kind: eIf, pos: e.Pos, args: []*expr{c.convExpr(e.Cond), c.convExpr(e.Then), c.convExpr(e.Else)}}
	case *lang.MatchExpr:
		m := &expr{kind: eMatch, pos: e.Pos, args: []*expr{c.convRef(e.Subject)}, reduce: &reduce{}}
		for _, a := range e.Arms {
			m.arms = append(m.arms, c.convArm(a))
		}
		return m
	case *lang.Reduction:
		return &expr{kind: eReduce, pos: e.Pos, op: e.Op, reduce: &reduce{binders: c.convBinders(e.Binders), body: c.convExpr(e.Body)}}
	case *lang.Call:
		x := &expr{kind: eCall, pos: e.Pos, name: e.Name}
		for _, a := range e.Args {
			x.args = append(x.args, c.convExpr(a))
		}
		return x
	}
	panic("compiler: unknown expression node")
}

func (c *compiler) convLit(l *lang.Lit) *expr {
	at := l.Pos
	switch l.Kind {
	case lang.BoolLit:
		return c.exprs.node(expr{kind: eBool, pos: at, num: b2f(l.Text == "true")})
	case lang.IntLit:
		v, _ := strconv.ParseFloat(l.Text, 64)
		return c.exprs.node(expr{kind: eNum, pos: at, num: v, isInt: true})
	}
	v, _ := strconv.ParseFloat(l.Text, 64)
	return c.exprs.node(expr{kind: eNum, pos: at, num: v})
}

func (c *compiler) convBinary(b *lang.Binary) *expr {
	switch b.Op {
	case "or", "and":
		// Flatten the left-nested chain: a or b or c is one eOr of three operands.
		var operands []lang.Expr
		first := b
		for x := lang.Expr(b); ; {
			y, ok := x.(*lang.Binary)
			if !ok || y.Op != b.Op {
				operands = append(operands, x)
				break
			}
			operands = append(operands, y.Y)
			first, x = y, y.X
		}
		kind := eOr
		if b.Op == "and" {
			kind = eAnd
		}
		out := &expr{kind: kind, pos: first.Pos, args: make([]*expr, len(operands))}
		for i, x := range operands {
			out.args[len(operands)-1-i] = c.convExpr(x)
		}
		return out
	case "+", "-", "*", "/", "^":
		return c.exprs.node(expr{kind: eBin, pos: b.Pos, op: b.Op, args: c.exprs.list(c.convExpr(b.X), c.convExpr(b.Y))})
	}
	return c.exprs.node(expr{kind: eCmp, pos: b.Pos, op: b.Op, args: c.exprs.list(c.convExpr(b.X), c.convExpr(b.Y))})
}

func (c *compiler) convRef(r *lang.Ref) *expr {
	x := c.exprs.node(expr{kind: eRef, pos: r.Pos, name: r.Name})
	for _, i := range r.Index {
		x.args = append(x.args, c.convExpr(i))
	}
	return x
}

func (c *compiler) convArm(a *lang.Arm) arm {
	out := arm{pos: a.Pos, name: a.Name, body: c.convExpr(a.Value), present: true}
	if a.Name == "" {
		v, _ := strconv.Atoi(a.Int)
		if a.Neg {
			v = -v
		}
		out.value, out.isInt = v, true
	}
	return out
}

func (c *compiler) convBinders(b *lang.Binders) *binders {
	if b == nil {
		return nil
	}
	out := &binders{pos: c.at(b.Pos), where: c.convExpr(b.Where)}
	for _, x := range b.List {
		out.list = append(out.list, binder{pos: c.at(x.Name.Pos), name: x.Name.Name,
			lo: c.convExpr(x.Range.Lo), hi: c.convExpr(x.Range.Hi)})
	}
	return out
}

// convShape turns a declaration shape into binders; unnamed dimensions get no name.
func (c *compiler) convShape(s *lang.Shape) *binders {
	if s == nil {
		return nil
	}
	out := &binders{pos: c.at(s.Pos)}
	for _, d := range s.Dims {
		b := binder{pos: c.at(d.Pos), lo: c.convExpr(d.Range.Lo), hi: c.convExpr(d.Range.Hi)}
		if d.Binder != nil {
			b.name, b.pos = d.Binder.Name, c.at(d.Binder.Pos)
		}
		out.list = append(out.list, b)
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// walk calls f on e and every sub-expression, binders and arms included, in source order.
func (e *expr) walk(f func(*expr)) {
	if e == nil {
		return
	}
	f(e)
	for _, a := range e.args {
		a.walk(f)
	}
	if e.reduce == nil {
		return
	}
	for _, a := range e.arms {
		a.body.walk(f)
	}
	if e.binders != nil {
		e.binders.walk(f)
	}
	e.body.walk(f)
}

func (b *binders) walk(f func(*expr)) {
	if b == nil {
		return
	}
	for _, x := range b.list {
		x.lo.walk(f)
		x.hi.walk(f)
	}
	b.where.walk(f)
}

// leftmost returns the position of the first token of e (binary operators record their
// operator's position, docs/language.md §10 ruling 4).
func leftmost(e *expr) lang.Pos {
	for {
		switch e.kind {
		case eBin, eCmp, eAnd, eOr:
			e = e.args[0]
			continue
		}
		return e.pos
	}
}

// exprString prints e in source form, for messages ("its range 1..C").
func exprString(e *expr) string {
	if e == nil {
		return ""
	}
	switch e.kind {
	case eNum:
		return strconv.FormatFloat(e.num, 'g', -1, 64)
	case eBool:
		if e.num != 0 {
			return "true"
		}
		return "false"
	case eRef, eCall:
		s := e.name
		if len(e.args) == 0 && e.kind == eRef {
			return s
		}
		open, close := "[", "]"
		if e.kind == eCall {
			open, close = "(", ")"
		}
		parts := make([]string, len(e.args))
		for i, a := range e.args {
			parts[i] = exprString(a)
		}
		return s + open + strings.Join(parts, ", ") + close
	case eNeg:
		return "-" + exprString(e.args[0])
	case eNot:
		return "not " + exprString(e.args[0])
	case eBin, eCmp:
		return exprString(e.args[0]) + e.op + exprString(e.args[1])
	case eAnd, eOr:
		op := " and "
		if e.kind == eOr {
			op = " or "
		}
		parts := make([]string, len(e.args))
		for i, a := range e.args {
			parts[i] = exprString(a)
		}
		return strings.Join(parts, op)
	}
	return "..."
}
