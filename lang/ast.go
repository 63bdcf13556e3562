package lang

import (
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/mfcproject/mfc/lang/diag"
)

// The AST of a .mf file (docs/language.md §3.1): one struct per statement form, and one
// node per operand and per operator of an expression. The grammar that defines the language
// is in grammar.go; the fast parser builds this tree directly, and a run of statements that
// only participle parses is converted (fromGrammar), so both yield the same tree. Every node
// records the position of its first token in Pos, except operator nodes (Binary), which
// record their operator's, where diagnostics about operators point (docs/language.md §10
// ruling 4).

// Pos is the position of a token: its byte offset, line and column (from 1; the column
// counts characters). It is 12 bytes, without pointers; In adds the file name for a
// diagnostic.
type Pos struct {
	Offset, Line, Column int32
}

// In returns p in the named file, as a diagnostic position.
func (p Pos) In(file string) diag.Pos {
	return diag.Pos{File: file, Line: int(p.Line), Col: int(p.Column), Offset: int(p.Offset)}
}

// posOf converts a lexer position (of a token) to a Pos. It cannot overflow: Parse refuses
// sources over maxSource bytes (E100).
func posOf(p lexer.Position) Pos {
	return Pos{Offset: int32(p.Offset), Line: int32(p.Line), Column: int32(p.Column)}
}

// File is a parsed .mf file.
type File struct {
	Name     string // the file name as given to Parse
	Model    *Ident // the name after 'model', or nil
	Stmts    []*Statement
	Comments []Comment
}

// Ident is a name with its position.
type Ident struct {
	Pos  Pos
	Name string
}

// Statement is one top-level statement. Exactly one field is set.
type Statement struct {
	Pos        Pos
	EndPos     Pos
	Model      *ModelDecl
	Time       *TimeDecl
	Scale      *ScaleDecl
	Param      *ParamDecl
	Species    *SpeciesDecl
	Env        *EnvDecl
	Def        *DefDecl
	Measure    *MeasureDecl
	Assume     *AssumeDecl
	Init       *InitDecl
	For        *ForStmt
	Transition *Transition
}

// ModelDecl is 'model NAME'. It may only come first; Parse moves it to File.Model.
type ModelDecl struct {
	Pos  Pos
	Name *Ident
}

// TimeDecl is 'time continuous' or 'time discrete'.
type TimeDecl struct {
	Pos  Pos
	Kind string
}

// ScaleDecl is 'scale N = expr'.
type ScaleDecl struct {
	Pos   Pos
	Name  *Ident
	Value Expr
}

// ParamDecl is 'param item, item, ...'.
type ParamDecl struct {
	Pos   Pos
	Items []*ParamItem
}

// ParamItem is one parameter with an optional shape and its default.
type ParamItem struct {
	Pos   Pos
	Name  *Ident
	Shape *Shape
	Array *ArrayLit
	Value Expr
}

// ArrayLit is a bracketed list of elements, nested for several dimensions.
type ArrayLit struct {
	Pos   Pos
	Elems []*ArrayElem
}

// ArrayElem is a nested array literal or an expression.
type ArrayElem struct {
	Pos   Pos
	Array *ArrayLit
	Value Expr
}

// SpeciesDecl is 'species item, item, ...'.
type SpeciesDecl struct {
	Pos   Pos
	Items []*SpeciesItem
}

// SpeciesItem is one species or family, with an optional alias.
type SpeciesItem struct {
	Pos   Pos
	Name  *Ident
	Shape *Shape
	Alias *Ident
}

// EnvDecl declares an environment component or family: named states or an integer range.
type EnvDecl struct {
	Pos    Pos
	Name   *Ident
	Shape  *Shape
	States []*Ident
	Range  *Range
}

// DefDecl is a 'let', 'observable' or 'region' declaration.
type DefDecl struct {
	Pos   Pos
	Kind  string
	Name  *Ident
	Shape *Shape
	Value Expr
}

// MeasureDecl is 'measure name[shape] = kind(args)'.
type MeasureDecl struct {
	Pos   Pos
	Name  *Ident
	Shape *Shape
	Kind  string
	Args  []Expr
}

// AssumeDecl is 'assume [label:] stationary(w) <= c': every stationary law π of the model
// has π(w) ≤ c (docs/language.md §5.7). Label is nil when omitted.
type AssumeDecl struct {
	Pos   Pos
	Label *Ident
	W     Expr
	C     Expr
}

// InitDecl is 'init { ... }' or 'init density { ... }'.
type InitDecl struct {
	Pos     Pos
	Density bool
	Items   []*InitItem
}

// InitItem is one item of an init block. Exactly one field is set.
type InitItem struct {
	Pos           Pos
	For           *InitFor
	EnvStationary bool
	Assign        *InitAssign
}

// InitFor is 'for binders: assignment' inside an init block.
type InitFor struct {
	Pos     Pos
	Binders *Binders
	Assign  *InitAssign
}

// InitAssign sets an initial value ('= expr') or an initial law ('~ { arm, ... }').
type InitAssign struct {
	Pos    Pos
	Target *Ref
	Value  Expr
	Law    []*Arm
}

// Shape gives one range per dimension of a family.
type Shape struct {
	Pos  Pos
	Dims []*Dim
}

// Dim is one dimension of a shape, with an optional binder.
type Dim struct {
	Pos    Pos
	Binder *Ident
	Range  *Range
}

// Range is the inclusive integer range lo..hi.
type Range struct {
	Pos Pos
	Lo  Expr
	Hi  Expr
}

// Binders is a list of loop variables with an optional 'where' filter.
type Binders struct {
	Pos   Pos
	List  []*Binder
	Where Expr
}

// Binder is 'name in lo..hi'.
type Binder struct {
	Pos   Pos
	Name  *Ident
	Range *Range
}

// ForStmt expands its body once per binding: 'for binders: body' or 'for binders { body... }'.
type ForStmt struct {
	Pos     Pos
	Binders *Binders
	Single  *LoopBody
	Block   []*LoopBody
}

// LoopBody is a nested loop or a transition.
type LoopBody struct {
	Pos        Pos
	EndPos     Pos
	For        *ForStmt
	Transition *Transition
}

// Transition is '[label:] change [when guard] @ propensity [, propensity]'.
type Transition struct {
	Pos     Pos
	Label   *Ident
	Change  *Change
	When    Expr
	Rate    Expr
	Reverse Expr
}

// Change is a reaction with an optional environment update, or an update alone.
type Change struct {
	Pos      Pos
	Reaction *Reaction
	Update   *Update
}

// Reaction is 'lhs -> rhs' or 'lhs <-> rhs'.
type Reaction struct {
	Pos   Pos
	LHS   *Side
	Arrow string
	RHS   *Side
}

// Side is a sum of terms; the single term 0 is the empty complex.
type Side struct {
	Pos   Pos
	Terms []*Term
}

// Term is a species with an optional coefficient: '2S1', '2 S1', 'k X', 'X', or the literal '0'.
type Term struct {
	Pos      Pos
	Coef     string
	CoefName string
	Species  *Ref
	BareRef  *Ref
}

// Update is 'set a = v, b = w'.
type Update struct {
	Pos     Pos
	Assigns []*Assign
}

// Assign is 'target = value'.
type Assign struct {
	Pos    Pos
	Target *Ref
	Value  Expr
}

// Ref is a name with optional indices.
type Ref struct {
	Pos   Pos
	Name  string
	Index []Expr
}

// Expr is an expression: *Lit, *Ref, *Call, *Paren, *Unary, *Binary, *IfExpr, *MatchExpr or
// *Reduction.
type Expr interface {
	// Position returns the position of the node: its first token, or its operator.
	Position() Pos
	exprNode()
}

// LitKind says which literal a Lit is.
type LitKind uint8

// The kinds of literal.
const (
	IntLit   LitKind = iota // an Int token: 42
	FloatLit                // a Float token: 1.5, 2e3
	BoolLit                 // true or false
)

// Lit is a literal, as written.
type Lit struct {
	Pos  Pos
	Kind LitKind
	Text string
}

// Paren is a parenthesised expression.
type Paren struct {
	Pos Pos // the '('
	X   Expr
}

// Unary is 'not X' or '-X'.
type Unary struct {
	Pos Pos // the operator
	Op  string
	X   Expr
}

// Binary is 'X op Y' for the operators or, and, the comparisons, + - * / and ^. Chains of
// or, and, + - and * / nest to the left; ^ nests to the right (docs/language.md §3.3).
type Binary struct {
	Pos  Pos // the operator
	Op   string
	X, Y Expr
}

// IfExpr is 'if c then a else b'.
type IfExpr struct {
	Pos  Pos
	Cond Expr
	Then Expr
	Else Expr
}

// MatchExpr is 'match ref { arm, ... }'.
type MatchExpr struct {
	Pos     Pos
	Subject *Ref
	Arms    []*Arm
}

// Arm is 'state: value', 'integer: value' or '_: value'.
type Arm struct {
	Pos   Pos
	Name  string
	Neg   bool
	Int   string
	Value Expr
}

// Reduction is 'sum|prod|all|any(binders: body)'.
type Reduction struct {
	Pos     Pos
	Op      string
	Binders *Binders
	Body    Expr
}

// Call is a built-in function call.
type Call struct {
	Pos  Pos
	Name string
	Args []Expr
}

// Position returns the position of the first token.
func (e *Lit) Position() Pos { return e.Pos }

// Position returns the position of the '('.
func (e *Paren) Position() Pos { return e.Pos }

// Position returns the position of the operator.
func (e *Unary) Position() Pos { return e.Pos }

// Position returns the position of the operator.
func (e *Binary) Position() Pos { return e.Pos }

// Position returns the position of the name.
func (e *Ref) Position() Pos { return e.Pos }

// Position returns the position of the function name.
func (e *Call) Position() Pos { return e.Pos }

// Position returns the position of 'if'.
func (e *IfExpr) Position() Pos { return e.Pos }

// Position returns the position of 'match'.
func (e *MatchExpr) Position() Pos { return e.Pos }

// Position returns the position of the reduction's keyword.
func (e *Reduction) Position() Pos { return e.Pos }

func (*Lit) exprNode()       {}
func (*Paren) exprNode()     {}
func (*Unary) exprNode()     {}
func (*Binary) exprNode()    {}
func (*Ref) exprNode()       {}
func (*Call) exprNode()      {}
func (*IfExpr) exprNode()    {}
func (*MatchExpr) exprNode() {}
func (*Reduction) exprNode() {}
