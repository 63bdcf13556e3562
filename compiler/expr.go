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

// expr is the compiler's view of an expression: the layered parse tree of package lang
// folded into one node type, with the position rules of docs/language.md §10 ruling 4 (operators at
// their operator token, calls at the function name).
type expr struct {
	kind    exprKind
	pos     diag.Pos
	op      string
	num     float64
	isInt   bool // literal written as an Int
	name    string
	args    []*expr
	arms    []arm
	binders *binders
	body    *expr

	// Filled in by the type checker.
	sym    *symbol // resolved global name (eRef)
	bind   bool    // eRef names a binder
	state  int     // eRef is a state constant of a named environment: its index
	isSt   bool
	typ    typ
	static bool // a compile-time position: params read here are structural
}

type arm struct {
	pos     diag.Pos
	name    string // state name, or "_"
	value   int    // integer arm
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

func convExpr(e *lang.Expr) *expr {
	if e == nil {
		return nil
	}
	x := convAnd(e.Left)
	if len(e.Right) == 0 {
		return x
	}
	out := &expr{kind: eOr, pos: lang.ToPos(e.Right[0].Pos), args: []*expr{x}}
	for _, r := range e.Right {
		out.args = append(out.args, convAnd(r.Right))
	}
	return out
}

func convAnd(e *lang.AndExpr) *expr {
	x := convNot(e.Left)
	if len(e.Right) == 0 {
		return x
	}
	out := &expr{kind: eAnd, pos: lang.ToPos(e.Right[0].Pos), args: []*expr{x}}
	for _, r := range e.Right {
		out.args = append(out.args, convNot(r.Right))
	}
	return out
}

func convNot(e *lang.NotExpr) *expr {
	if e.Not != nil {
		return &expr{kind: eNot, pos: lang.ToPos(e.Pos), args: []*expr{convNot(e.Not)}}
	}
	x := convAdd(e.Cmp.Left)
	if t := e.Cmp.Tail; t != nil {
		return &expr{kind: eCmp, pos: lang.ToPos(t.Pos), op: t.Op, args: []*expr{x, convAdd(t.Right)}}
	}
	return x
}

func convAdd(e *lang.AddExpr) *expr {
	x := convMul(e.Left)
	for _, r := range e.Right {
		x = &expr{kind: eBin, pos: lang.ToPos(r.Pos), op: r.Op, args: []*expr{x, convMul(r.Right)}}
	}
	return x
}

func convMul(e *lang.MulExpr) *expr {
	x := convUnary(e.Left)
	for _, r := range e.Right {
		x = &expr{kind: eBin, pos: lang.ToPos(r.Pos), op: r.Op, args: []*expr{x, convUnary(r.Right)}}
	}
	return x
}

func convUnary(e *lang.Unary) *expr {
	if e.Neg != nil {
		return &expr{kind: eNeg, pos: lang.ToPos(e.Pos), args: []*expr{convUnary(e.Neg)}}
	}
	x := convPrimary(e.Power.Base)
	if t := e.Power.Exp; t != nil {
		return &expr{kind: eBin, pos: lang.ToPos(t.Pos), op: "^", args: []*expr{x, convUnary(t.Exp)}}
	}
	return x
}

func convPrimary(p *lang.Primary) *expr {
	at := lang.ToPos(p.Pos)
	switch {
	case p.Float != "":
		v, _ := strconv.ParseFloat(p.Float, 64)
		return &expr{kind: eNum, pos: at, num: v}
	case p.Int != "":
		v, _ := strconv.ParseFloat(p.Int, 64)
		return &expr{kind: eNum, pos: at, num: v, isInt: true}
	case p.Bool != "":
		return &expr{kind: eBool, pos: at, num: b2f(p.Bool == "true")}
	case p.Paren != nil:
		return convExpr(p.Paren)
	case p.If != nil:
		return &expr{kind: eIf, pos: at, args: []*expr{convExpr(p.If.Cond), convExpr(p.If.Then), convExpr(p.If.Else)}}
	case p.Match != nil:
		m := &expr{kind: eMatch, pos: at, args: []*expr{convRef(p.Match.Subject)}}
		for _, a := range p.Match.Arms {
			m.arms = append(m.arms, convArm(a))
		}
		return m
	case p.Reduce != nil:
		return &expr{kind: eReduce, pos: at, op: p.Reduce.Op, binders: convBinders(p.Reduce.Binders), body: convExpr(p.Reduce.Body)}
	case p.Call != nil:
		c := &expr{kind: eCall, pos: at, name: p.Call.Name}
		for _, a := range p.Call.Args {
			c.args = append(c.args, convExpr(a))
		}
		return c
	}
	return convRef(p.Ref)
}

func convRef(r *lang.Ref) *expr {
	x := &expr{kind: eRef, pos: lang.ToPos(r.Pos), name: r.Name}
	for _, i := range r.Index {
		x.args = append(x.args, convExpr(i))
	}
	return x
}

func convArm(a *lang.Arm) arm {
	out := arm{pos: lang.ToPos(a.Pos), name: a.Name, body: convExpr(a.Value), present: true}
	if a.Name == "" {
		v, _ := strconv.Atoi(a.Int)
		if a.Neg {
			v = -v
		}
		out.value, out.isInt = v, true
	}
	return out
}

func convBinders(b *lang.Binders) *binders {
	if b == nil {
		return nil
	}
	out := &binders{pos: lang.ToPos(b.Pos), where: convExpr(b.Where)}
	for _, x := range b.List {
		out.list = append(out.list, binder{pos: lang.ToPos(x.Name.Pos), name: x.Name.Name,
			lo: convExpr(x.Range.Lo), hi: convExpr(x.Range.Hi)})
	}
	return out
}

// convShape turns a declaration shape into binders; unnamed dimensions get no name.
func convShape(s *lang.Shape) *binders {
	if s == nil {
		return nil
	}
	out := &binders{pos: lang.ToPos(s.Pos)}
	for _, d := range s.Dims {
		b := binder{pos: lang.ToPos(d.Pos), lo: convExpr(d.Range.Lo), hi: convExpr(d.Range.Hi)}
		if d.Binder != nil {
			b.name, b.pos = d.Binder.Name, lang.ToPos(d.Binder.Pos)
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
func leftmost(e *expr) diag.Pos {
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
