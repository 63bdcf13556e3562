package lang

import "github.com/alecthomas/participle/v2/lexer"

// The AST is the participle parse tree of spec §3.1: one struct per production, in the
// order of the EBNF. Every node records the position of its first token in Pos; operator
// nodes (the *Tail types) start at their operator token, which is where diagnostics about
// operators point (spec §10 ruling 4).

// File is a parsed .mf file.
type File struct {
	Name     string // the file name as given to Parse
	Model    *Ident // the name after 'model', or nil
	Stmts    []*Statement
	Comments []Comment
}

// Ident is a name with its position.
type Ident struct {
	Pos  lexer.Position
	Name string `@Ident`
}

// chunk is the unit the parser is run on: a run of whole statements (see split).
type chunk struct {
	Stmts []*Statement `@@*`
}

// Statement is one top-level statement. Exactly one field is set.
type Statement struct {
	Pos        lexer.Position
	EndPos     lexer.Position
	Model      *ModelDecl   `  @@`
	Time       *TimeDecl    `| @@`
	Scale      *ScaleDecl   `| @@`
	Param      *ParamDecl   `| @@`
	Species    *SpeciesDecl `| @@`
	Env        *EnvDecl     `| @@`
	Def        *DefDecl     `| @@`
	Measure    *MeasureDecl `| @@`
	Init       *InitDecl    `| @@`
	For        *ForStmt     `| @@`
	Transition *Transition  `| @@`
}

// ModelDecl is 'model NAME'. It may only come first; Parse moves it to File.Model.
type ModelDecl struct {
	Pos  lexer.Position
	Name *Ident `"model" @@`
}

// TimeDecl is 'time continuous' or 'time discrete'.
type TimeDecl struct {
	Pos  lexer.Position
	Kind string `"time" @("continuous" | "discrete")`
}

// ScaleDecl is 'scale N = expr'.
type ScaleDecl struct {
	Pos   lexer.Position
	Name  *Ident `"scale" @@ "="`
	Value *Expr  `@@`
}

// ParamDecl is 'param item, item, ...'.
type ParamDecl struct {
	Pos   lexer.Position
	Items []*ParamItem `"param" @@ ( "," @@ )*`
}

// ParamItem is one parameter with an optional shape and its default.
type ParamItem struct {
	Pos   lexer.Position
	Name  *Ident    `@@`
	Shape *Shape    `@@? "="`
	Array *ArrayLit `( @@`
	Value *Expr     `| @@ )`
}

// ArrayLit is a bracketed list of elements, nested for several dimensions.
type ArrayLit struct {
	Pos   lexer.Position
	Elems []*ArrayElem `"[" @@ ( "," @@ )* "]"`
}

// ArrayElem is a nested array literal or an expression.
type ArrayElem struct {
	Pos   lexer.Position
	Array *ArrayLit `  @@`
	Value *Expr     `| @@`
}

// SpeciesDecl is 'species item, item, ...'.
type SpeciesDecl struct {
	Pos   lexer.Position
	Items []*SpeciesItem `"species" @@ ( "," @@ )*`
}

// SpeciesItem is one species or family, with an optional alias.
type SpeciesItem struct {
	Pos   lexer.Position
	Name  *Ident `@@`
	Shape *Shape `@@?`
	Alias *Ident `( "as" @@ )?`
}

// EnvDecl declares an environment component or family: named states or an integer range.
type EnvDecl struct {
	Pos    lexer.Position
	Name   *Ident   `"env" @@`
	Shape  *Shape   `@@?`
	States []*Ident `( "{" @@ ( "," @@ )* "}"`
	Range  *Range   `| "in" @@ )`
}

// DefDecl is a 'let', 'observable' or 'region' declaration.
type DefDecl struct {
	Pos   lexer.Position
	Kind  string `@( "let" | "observable" | "region" )`
	Name  *Ident `@@`
	Shape *Shape `@@? "="`
	Value *Expr  `@@`
}

// MeasureDecl is 'measure name[shape] = kind(args)'.
type MeasureDecl struct {
	Pos   lexer.Position
	Name  *Ident  `"measure" @@`
	Shape *Shape  `@@? "="`
	Kind  string  `@( "stationary" | "transient" | "cumulative" | "discounted" | "until" )`
	Args  []*Expr `"(" @@ ( "," @@ )* ")"`
}

// InitDecl is 'init { ... }' or 'init density { ... }'.
type InitDecl struct {
	Pos     lexer.Position
	Density bool        `"init" @"density"?`
	Items   []*InitItem `"{" ( @@ ( "," @@ )* )? "}"`
}

// InitItem is one item of an init block. Exactly one field is set.
type InitItem struct {
	Pos           lexer.Position
	For           *InitFor    `  @@`
	EnvStationary bool        `| @( "env" "~" "stationary" )`
	Assign        *InitAssign `| @@`
}

// InitFor is 'for binders: assignment' inside an init block.
type InitFor struct {
	Pos     lexer.Position
	Binders *Binders    `"for" @@ ":"`
	Assign  *InitAssign `@@`
}

// InitAssign sets an initial value ('= expr') or an initial law ('~ { arm, ... }').
type InitAssign struct {
	Pos    lexer.Position
	Target *Ref   `@@`
	Value  *Expr  `( "=" @@`
	Law    []*Arm `| "~" "{" @@ ( "," @@ )* "}" )`
}

// Shape gives one range per dimension of a family.
type Shape struct {
	Pos  lexer.Position
	Dims []*Dim `"[" @@ ( "," @@ )* "]"`
}

// Dim is one dimension of a shape, with an optional binder.
type Dim struct {
	Pos    lexer.Position
	Binder *Ident `( @@ "in" )?`
	Range  *Range `@@`
}

// Range is the inclusive integer range lo..hi.
type Range struct {
	Pos lexer.Position
	Lo  *Expr `@@ ".."`
	Hi  *Expr `@@`
}

// Binders is a list of loop variables with an optional 'where' filter.
type Binders struct {
	Pos   lexer.Position
	List  []*Binder `@@ ( "," @@ )*`
	Where *Expr     `( "where" @@ )?`
}

// Binder is 'name in lo..hi'.
type Binder struct {
	Pos   lexer.Position
	Name  *Ident `@@ "in"`
	Range *Range `@@`
}

// ForStmt expands its body once per binding: 'for binders: body' or 'for binders { body... }'.
type ForStmt struct {
	Pos     lexer.Position
	Binders *Binders    `"for" @@`
	Single  *LoopBody   `( ":" @@`
	Block   []*LoopBody `| "{" @@* "}" )`
}

// LoopBody is a nested loop or a transition.
type LoopBody struct {
	Pos        lexer.Position
	EndPos     lexer.Position
	For        *ForStmt    `  @@`
	Transition *Transition `| @@`
}

// Transition is '[label:] change [when guard] @ propensity [, propensity]'.
type Transition struct {
	Pos     lexer.Position
	Label   *Ident  `( @@ ":" )?`
	Change  *Change `@@`
	When    *Expr   `( "when" @@ )?`
	Rate    *Expr   `"@" @@`
	Reverse *Expr   `( "," @@ )?`
}

// Change is a reaction with an optional environment update, or an update alone.
type Change struct {
	Pos      lexer.Position
	Reaction *Reaction `( @@`
	Update   *Update   `  @@? | @@ )`
}

// Reaction is 'lhs -> rhs' or 'lhs <-> rhs'.
type Reaction struct {
	Pos   lexer.Position
	LHS   *Side  `@@`
	Arrow string `@( "->" | "<->" )`
	RHS   *Side  `@@`
}

// Side is a sum of terms; the single term 0 is the empty complex.
type Side struct {
	Pos   lexer.Position
	Terms []*Term `@@ ( "+" @@ )*`
}

// Term is a species with an optional coefficient: '2S1', '2 S1', 'k X', 'X', or the literal '0'.
type Term struct {
	Pos      lexer.Position
	Coef     string `( ( @Int`
	CoefName string `  | @Ident (?= Ident) )`
	Species  *Ref   `  @@?`
	BareRef  *Ref   `| @@ )`
}

// Update is 'set a = v, b = w'.
type Update struct {
	Pos     lexer.Position
	Assigns []*Assign `"set" @@ ( "," @@ )*`
}

// Assign is 'target = value'.
type Assign struct {
	Pos    lexer.Position
	Target *Ref  `@@ "="`
	Value  *Expr `@@`
}

// Ref is a name with optional indices.
type Ref struct {
	Pos   lexer.Position
	Name  string  `@Ident`
	Index []*Expr `( "[" @@ ( "," @@ )* "]" )?`
}

// Expr is an 'or' chain, the lowest precedence level.
type Expr struct {
	Pos   lexer.Position
	Left  *AndExpr  `@@`
	Right []*OrTail `@@*`
}

// OrTail is 'or operand'.
type OrTail struct {
	Pos   lexer.Position
	Right *AndExpr `"or" @@`
}

// AndExpr is an 'and' chain.
type AndExpr struct {
	Pos   lexer.Position
	Left  *NotExpr   `@@`
	Right []*AndTail `@@*`
}

// AndTail is 'and operand'.
type AndTail struct {
	Pos   lexer.Position
	Right *NotExpr `"and" @@`
}

// NotExpr is 'not operand' or a comparison.
type NotExpr struct {
	Pos lexer.Position
	Not *NotExpr `  "not" @@`
	Cmp *CmpExpr `| @@`
}

// CmpExpr is an optional, non-associative comparison.
type CmpExpr struct {
	Pos  lexer.Position
	Left *AddExpr `@@`
	Tail *CmpTail `@@?`
}

// CmpTail is 'op operand' of a comparison.
type CmpTail struct {
	Pos   lexer.Position
	Op    string   `@( "==" | "!=" | "<=" | ">=" | "<" | ">" )`
	Right *AddExpr `@@`
}

// AddExpr is a chain of '+' and '-'.
type AddExpr struct {
	Pos   lexer.Position
	Left  *MulExpr   `@@`
	Right []*AddTail `@@*`
}

// AddTail is '+ operand' or '- operand'.
type AddTail struct {
	Pos   lexer.Position
	Op    string   `@( "+" | "-" )`
	Right *MulExpr `@@`
}

// MulExpr is a chain of '*' and '/'.
type MulExpr struct {
	Pos   lexer.Position
	Left  *Unary     `@@`
	Right []*MulTail `@@*`
}

// MulTail is '* operand' or '/ operand'.
type MulTail struct {
	Pos   lexer.Position
	Op    string `@( "*" | "/" )`
	Right *Unary `@@`
}

// Unary is a negation or a power.
type Unary struct {
	Pos   lexer.Position
	Neg   *Unary `  "-" @@`
	Power *Power `| @@`
}

// Power is 'base [^ exponent]'; the exponent is a Unary, so '^' is right-associative.
type Power struct {
	Pos  lexer.Position
	Base *Primary `@@`
	Exp  *PowTail `@@?`
}

// PowTail is '^ exponent'.
type PowTail struct {
	Pos lexer.Position
	Exp *Unary `"^" @@`
}

// Primary is an operand. Exactly one field is set.
type Primary struct {
	Pos    lexer.Position
	Float  string     `  @Float`
	Int    string     `| @Int`
	Bool   string     `| @( "true" | "false" )`
	Paren  *Expr      `| "(" @@ ")"`
	If     *IfExpr    `| @@`
	Match  *MatchExpr `| @@`
	Reduce *Reduction `| @@`
	Call   *Call      `| @@`
	Ref    *Ref       `| @@`
}

// IfExpr is 'if c then a else b'.
type IfExpr struct {
	Pos  lexer.Position
	Cond *Expr `"if" @@`
	Then *Expr `"then" @@`
	Else *Expr `"else" @@`
}

// MatchExpr is 'match ref { arm, ... }'.
type MatchExpr struct {
	Pos     lexer.Position
	Subject *Ref   `"match" @@`
	Arms    []*Arm `"{" @@ ( "," @@ )* "}"`
}

// Arm is 'state: value', 'integer: value' or '_: value'.
type Arm struct {
	Pos   lexer.Position
	Name  string `( @Ident`
	Neg   bool   `| @"-"?`
	Int   string `  @Int )`
	Value *Expr  `":" @@`
}

// Reduction is 'sum|prod|all|any(binders: body)'.
type Reduction struct {
	Pos     lexer.Position
	Op      string   `@( "sum" | "prod" | "all" | "any" )`
	Binders *Binders `"(" @@`
	Body    *Expr    `":" @@ ")"`
}

// Call is a built-in function call.
type Call struct {
	Pos  lexer.Position
	Name string  `@Ident "("`
	Args []*Expr `( @@ ( "," @@ )* )? ")"`
}
