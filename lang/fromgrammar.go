package lang

import (
	"reflect"

	"github.com/alecthomas/participle/v2/lexer"
)

// fromGrammar converts statements built by the participle grammar (grammar.go) into the AST
// (ast.go). The statement forms have the same fields in both, so they are copied field by
// field; expressions, a chain of one node per precedence level in the grammar, become one
// node per operand and operator (fromExpr). It runs only on the runs of statements the
// fast parser cannot parse, and in CheckTwin.
func fromGrammar(stmts []*gStatement) []*Statement {
	out := make([]*Statement, len(stmts))
	for i, s := range stmts {
		out[i] = &Statement{}
		copyNode(reflect.ValueOf(out[i]).Elem(), reflect.ValueOf(s).Elem())
	}
	return out
}

var (
	positionType = reflect.TypeOf(lexer.Position{})
	gExprType    = reflect.TypeOf(&gExpr{})
)

// copyNode sets dst, a value of an AST type, from src, the value of the corresponding
// grammar type. A nil pointer or slice stays nil, as the fast parser leaves it.
func copyNode(dst, src reflect.Value) {
	switch {
	case src.Type() == positionType:
		dst.Set(reflect.ValueOf(posOf(src.Interface().(lexer.Position))))
	case src.Type() == gExprType:
		if !src.IsNil() {
			dst.Set(reflect.ValueOf(fromExpr(src.Interface().(*gExpr))))
		}
	case src.Kind() == reflect.Pointer:
		if !src.IsNil() {
			dst.Set(reflect.New(dst.Type().Elem()))
			copyNode(dst.Elem(), src.Elem())
		}
	case src.Kind() == reflect.Slice:
		if !src.IsNil() {
			dst.Set(reflect.MakeSlice(dst.Type(), src.Len(), src.Len()))
			for i := 0; i < src.Len(); i++ {
				copyNode(dst.Index(i), src.Index(i))
			}
		}
	case src.Kind() == reflect.Struct:
		t := dst.Type()
		for i := 0; i < t.NumField(); i++ {
			copyNode(dst.Field(i), src.FieldByName(t.Field(i).Name))
		}
	default:
		dst.Set(src)
	}
}

// convert returns the AST node of type *T for the grammar node src.
func convert[T any](src any) *T {
	out := new(T)
	copyNode(reflect.ValueOf(out).Elem(), reflect.ValueOf(src).Elem())
	return out
}

func fromExpr(e *gExpr) Expr {
	x := fromAnd(e.Left)
	for _, t := range e.Right {
		x = &Binary{Pos: posOf(t.Pos), Op: "or", X: x, Y: fromAnd(t.Right)}
	}
	return x
}

func fromAnd(e *gAndExpr) Expr {
	x := fromNot(e.Left)
	for _, t := range e.Right {
		x = &Binary{Pos: posOf(t.Pos), Op: "and", X: x, Y: fromNot(t.Right)}
	}
	return x
}

func fromNot(e *gNotExpr) Expr {
	if e.Not != nil {
		return &Unary{Pos: posOf(e.Pos), Op: "not", X: fromNot(e.Not)}
	}
	x := fromAdd(e.Cmp.Left)
	if t := e.Cmp.Tail; t != nil {
		x = &Binary{Pos: posOf(t.Pos), Op: t.Op, X: x, Y: fromAdd(t.Right)}
	}
	return x
}

func fromAdd(e *gAddExpr) Expr {
	x := fromMul(e.Left)
	for _, t := range e.Right {
		x = &Binary{Pos: posOf(t.Pos), Op: t.Op, X: x, Y: fromMul(t.Right)}
	}
	return x
}

func fromMul(e *gMulExpr) Expr {
	x := fromUnary(e.Left)
	for _, t := range e.Right {
		x = &Binary{Pos: posOf(t.Pos), Op: t.Op, X: x, Y: fromUnary(t.Right)}
	}
	return x
}

func fromUnary(e *gUnary) Expr {
	if e.Neg != nil {
		return &Unary{Pos: posOf(e.Pos), Op: "-", X: fromUnary(e.Neg)}
	}
	x := fromPrimary(e.Power.Base)
	if t := e.Power.Exp; t != nil {
		x = &Binary{Pos: posOf(t.Pos), Op: "^", X: x, Y: fromUnary(t.Exp)}
	}
	return x
}

func fromPrimary(p *gPrimary) Expr {
	at := posOf(p.Pos)
	switch {
	case p.Float != "":
		return &Lit{Pos: at, Kind: FloatLit, Text: p.Float}
	case p.Int != "":
		return &Lit{Pos: at, Kind: IntLit, Text: p.Int}
	case p.Bool != "":
		return &Lit{Pos: at, Kind: BoolLit, Text: p.Bool}
	case p.Paren != nil:
		return &Paren{Pos: at, X: fromExpr(p.Paren)}
	case p.If != nil:
		return convert[IfExpr](p.If)
	case p.Match != nil:
		return convert[MatchExpr](p.Match)
	case p.Reduce != nil:
		return convert[Reduction](p.Reduce)
	case p.Call != nil:
		return convert[Call](p.Call)
	}
	return convert[Ref](p.Ref)
}
