package lang

import "github.com/alecthomas/participle/v2/lexer"

// The AST is the participle parse tree of docs/language.md §3.1: one struct per production, in the
// order of the EBNF. Every node records the position of its first token in Pos; operator
// nodes (the *Tail types) start at their operator token, which is where diagnostics about
// operators point (docs/language.md §10 ruling 4).

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
	Name string `parser:"@Ident"`
}

// chunk is the unit the parser is run on: a run of whole statements (see split).
type chunk struct {
	Stmts []*Statement `parser:"@@*"`
}

// Statement is one top-level statement. Exactly one field is set.
type Statement struct {
	Pos        lexer.Position
	EndPos     lexer.Position
	Model      *ModelDecl   `parser:"  @@"`
	Time       *TimeDecl    `parser:"| @@"`
	Scale      *ScaleDecl   `parser:"| @@"`
	Param      *ParamDecl   `parser:"| @@"`
	Species    *SpeciesDecl `parser:"| @@"`
	Env        *EnvDecl     `parser:"| @@"`
	Def        *DefDecl     `parser:"| @@"`
	Measure    *MeasureDecl `parser:"| @@"`
	Init       *InitDecl    `parser:"| @@"`
	For        *ForStmt     `parser:"| @@"`
	Transition *Transition  `parser:"| @@"`
}

// ModelDecl is 'model NAME'. It may only come first; Parse moves it to File.Model.
type ModelDecl struct {
	Pos  lexer.Position
	Name *Ident `parser:"\"model\" @@"`
}

// TimeDecl is 'time continuous' or 'time discrete'.
type TimeDecl struct {
	Pos  lexer.Position
	Kind string `parser:"\"time\" @(\"continuous\" | \"discrete\")"`
}

// ScaleDecl is 'scale N = expr'.
type ScaleDecl struct {
	Pos   lexer.Position
	Name  *Ident `parser:"\"scale\" @@ \"=\""`
	Value *Expr  `parser:"@@"`
}

// ParamDecl is 'param item, item, ...'.
type ParamDecl struct {
	Pos   lexer.Position
	Items []*ParamItem `parser:"\"param\" @@ ( \",\" @@ )*"`
}

// ParamItem is one parameter with an optional shape and its default.
type ParamItem struct {
	Pos   lexer.Position
	Name  *Ident    `parser:"@@"`
	Shape *Shape    `parser:"@@? \"=\""`
	Array *ArrayLit `parser:"( @@"`
	Value *Expr     `parser:"| @@ )"`
}

// ArrayLit is a bracketed list of elements, nested for several dimensions.
type ArrayLit struct {
	Pos   lexer.Position
	Elems []*ArrayElem `parser:"\"[\" @@ ( \",\" @@ )* \"]\""`
}

// ArrayElem is a nested array literal or an expression.
type ArrayElem struct {
	Pos   lexer.Position
	Array *ArrayLit `parser:"  @@"`
	Value *Expr     `parser:"| @@"`
}

// SpeciesDecl is 'species item, item, ...'.
type SpeciesDecl struct {
	Pos   lexer.Position
	Items []*SpeciesItem `parser:"\"species\" @@ ( \",\" @@ )*"`
}

// SpeciesItem is one species or family, with an optional alias.
type SpeciesItem struct {
	Pos   lexer.Position
	Name  *Ident `parser:"@@"`
	Shape *Shape `parser:"@@?"`
	Alias *Ident `parser:"( \"as\" @@ )?"`
}

// EnvDecl declares an environment component or family: named states or an integer range.
type EnvDecl struct {
	Pos    lexer.Position
	Name   *Ident   `parser:"\"env\" @@"`
	Shape  *Shape   `parser:"@@?"`
	States []*Ident `parser:"( \"{\" @@ ( \",\" @@ )* \"}\""`
	Range  *Range   `parser:"| \"in\" @@ )"`
}

// DefDecl is a 'let', 'observable' or 'region' declaration.
type DefDecl struct {
	Pos   lexer.Position
	Kind  string `parser:"@( \"let\" | \"observable\" | \"region\" )"`
	Name  *Ident `parser:"@@"`
	Shape *Shape `parser:"@@? \"=\""`
	Value *Expr  `parser:"@@"`
}

// MeasureDecl is 'measure name[shape] = kind(args)'.
type MeasureDecl struct {
	Pos   lexer.Position
	Name  *Ident  `parser:"\"measure\" @@"`
	Shape *Shape  `parser:"@@? \"=\""`
	Kind  string  `parser:"@( \"stationary\" | \"transient\" | \"cumulative\" | \"discounted\" | \"until\" )"`
	Args  []*Expr `parser:"\"(\" @@ ( \",\" @@ )* \")\""`
}

// InitDecl is 'init { ... }' or 'init density { ... }'.
type InitDecl struct {
	Pos     lexer.Position
	Density bool        `parser:"\"init\" @\"density\"?"`
	Items   []*InitItem `parser:"\"{\" ( @@ ( \",\" @@ )* )? \"}\""`
}

// InitItem is one item of an init block. Exactly one field is set.
type InitItem struct {
	Pos           lexer.Position
	For           *InitFor    `parser:"  @@"`
	EnvStationary bool        `parser:"| @( \"env\" \"~\" \"stationary\" )"`
	Assign        *InitAssign `parser:"| @@"`
}

// InitFor is 'for binders: assignment' inside an init block.
type InitFor struct {
	Pos     lexer.Position
	Binders *Binders    `parser:"\"for\" @@ \":\""`
	Assign  *InitAssign `parser:"@@"`
}

// InitAssign sets an initial value ('= expr') or an initial law ('~ { arm, ... }').
type InitAssign struct {
	Pos    lexer.Position
	Target *Ref   `parser:"@@"`
	Value  *Expr  `parser:"( \"=\" @@"`
	Law    []*Arm `parser:"| \"~\" \"{\" @@ ( \",\" @@ )* \"}\" )"`
}

// Shape gives one range per dimension of a family.
type Shape struct {
	Pos  lexer.Position
	Dims []*Dim `parser:"\"[\" @@ ( \",\" @@ )* \"]\""`
}

// Dim is one dimension of a shape, with an optional binder.
type Dim struct {
	Pos    lexer.Position
	Binder *Ident `parser:"( @@ \"in\" )?"`
	Range  *Range `parser:"@@"`
}

// Range is the inclusive integer range lo..hi.
type Range struct {
	Pos lexer.Position
	Lo  *Expr `parser:"@@ \"..\""`
	Hi  *Expr `parser:"@@"`
}

// Binders is a list of loop variables with an optional 'where' filter.
type Binders struct {
	Pos   lexer.Position
	List  []*Binder `parser:"@@ ( \",\" @@ )*"`
	Where *Expr     `parser:"( \"where\" @@ )?"`
}

// Binder is 'name in lo..hi'.
type Binder struct {
	Pos   lexer.Position
	Name  *Ident `parser:"@@ \"in\""`
	Range *Range `parser:"@@"`
}

// ForStmt expands its body once per binding: 'for binders: body' or 'for binders { body... }'.
type ForStmt struct {
	Pos     lexer.Position
	Binders *Binders    `parser:"\"for\" @@"`
	Single  *LoopBody   `parser:"( \":\" @@"`
	Block   []*LoopBody `parser:"| \"{\" @@* \"}\" )"`
}

// LoopBody is a nested loop or a transition.
type LoopBody struct {
	Pos        lexer.Position
	EndPos     lexer.Position
	For        *ForStmt    `parser:"  @@"`
	Transition *Transition `parser:"| @@"`
}

// Transition is '[label:] change [when guard] @ propensity [, propensity]'.
type Transition struct {
	Pos     lexer.Position
	Label   *Ident  `parser:"( @@ \":\" )?"`
	Change  *Change `parser:"@@"`
	When    *Expr   `parser:"( \"when\" @@ )?"`
	Rate    *Expr   `parser:"\"@\" @@"`
	Reverse *Expr   `parser:"( \",\" @@ )?"`
}

// Change is a reaction with an optional environment update, or an update alone.
type Change struct {
	Pos      lexer.Position
	Reaction *Reaction `parser:"( @@"`
	Update   *Update   `parser:"  @@? | @@ )"`
}

// Reaction is 'lhs -> rhs' or 'lhs <-> rhs'.
type Reaction struct {
	Pos   lexer.Position
	LHS   *Side  `parser:"@@"`
	Arrow string `parser:"@( \"->\" | \"<->\" )"`
	RHS   *Side  `parser:"@@"`
}

// Side is a sum of terms; the single term 0 is the empty complex.
type Side struct {
	Pos   lexer.Position
	Terms []*Term `parser:"@@ ( \"+\" @@ )*"`
}

// Term is a species with an optional coefficient: '2S1', '2 S1', 'k X', 'X', or the literal '0'.
type Term struct {
	Pos      lexer.Position
	Coef     string `parser:"( ( @Int"`
	CoefName string `parser:"  | @Ident (?= Ident) )"`
	Species  *Ref   `parser:"  @@?"`
	BareRef  *Ref   `parser:"| @@ )"`
}

// Update is 'set a = v, b = w'.
type Update struct {
	Pos     lexer.Position
	Assigns []*Assign `parser:"\"set\" @@ ( \",\" @@ )*"`
}

// Assign is 'target = value'.
type Assign struct {
	Pos    lexer.Position
	Target *Ref  `parser:"@@ \"=\""`
	Value  *Expr `parser:"@@"`
}

// Ref is a name with optional indices.
type Ref struct {
	Pos   lexer.Position
	Name  string  `parser:"@Ident"`
	Index []*Expr `parser:"( \"[\" @@ ( \",\" @@ )* \"]\" )?"`
}

// Expr is an 'or' chain, the lowest precedence level.
type Expr struct {
	Pos   lexer.Position
	Left  *AndExpr  `parser:"@@"`
	Right []*OrTail `parser:"@@*"`
}

// OrTail is 'or operand'.
type OrTail struct {
	Pos   lexer.Position
	Right *AndExpr `parser:"\"or\" @@"`
}

// AndExpr is an 'and' chain.
type AndExpr struct {
	Pos   lexer.Position
	Left  *NotExpr   `parser:"@@"`
	Right []*AndTail `parser:"@@*"`
}

// AndTail is 'and operand'.
type AndTail struct {
	Pos   lexer.Position
	Right *NotExpr `parser:"\"and\" @@"`
}

// NotExpr is 'not operand' or a comparison.
type NotExpr struct {
	Pos lexer.Position
	Not *NotExpr `parser:"  \"not\" @@"`
	Cmp *CmpExpr `parser:"| @@"`
}

// CmpExpr is an optional, non-associative comparison.
type CmpExpr struct {
	Pos  lexer.Position
	Left *AddExpr `parser:"@@"`
	Tail *CmpTail `parser:"@@?"`
}

// CmpTail is 'op operand' of a comparison.
type CmpTail struct {
	Pos   lexer.Position
	Op    string   `parser:"@( \"==\" | \"!=\" | \"<=\" | \">=\" | \"<\" | \">\" )"`
	Right *AddExpr `parser:"@@"`
}

// AddExpr is a chain of '+' and '-'.
type AddExpr struct {
	Pos   lexer.Position
	Left  *MulExpr   `parser:"@@"`
	Right []*AddTail `parser:"@@*"`
}

// AddTail is '+ operand' or '- operand'.
type AddTail struct {
	Pos   lexer.Position
	Op    string   `parser:"@( \"+\" | \"-\" )"`
	Right *MulExpr `parser:"@@"`
}

// MulExpr is a chain of '*' and '/'.
type MulExpr struct {
	Pos   lexer.Position
	Left  *Unary     `parser:"@@"`
	Right []*MulTail `parser:"@@*"`
}

// MulTail is '* operand' or '/ operand'.
type MulTail struct {
	Pos   lexer.Position
	Op    string `parser:"@( \"*\" | \"/\" )"`
	Right *Unary `parser:"@@"`
}

// Unary is a negation or a power.
type Unary struct {
	Pos   lexer.Position
	Neg   *Unary `parser:"  \"-\" @@"`
	Power *Power `parser:"| @@"`
}

// Power is 'base [^ exponent]'; the exponent is a Unary, so '^' is right-associative.
type Power struct {
	Pos  lexer.Position
	Base *Primary `parser:"@@"`
	Exp  *PowTail `parser:"@@?"`
}

// PowTail is '^ exponent'.
type PowTail struct {
	Pos lexer.Position
	Exp *Unary `parser:"\"^\" @@"`
}

// Primary is an operand. Exactly one field is set.
type Primary struct {
	Pos    lexer.Position
	Float  string     `parser:"  @Float"`
	Int    string     `parser:"| @Int"`
	Bool   string     `parser:"| @( \"true\" | \"false\" )"`
	Paren  *Expr      `parser:"| \"(\" @@ \")\""`
	If     *IfExpr    `parser:"| @@"`
	Match  *MatchExpr `parser:"| @@"`
	Reduce *Reduction `parser:"| @@"`
	Call   *Call      `parser:"| @@"`
	Ref    *Ref       `parser:"| @@"`
}

// IfExpr is 'if c then a else b'.
type IfExpr struct {
	Pos  lexer.Position
	Cond *Expr `parser:"\"if\" @@"`
	Then *Expr `parser:"\"then\" @@"`
	Else *Expr `parser:"\"else\" @@"`
}

// MatchExpr is 'match ref { arm, ... }'.
type MatchExpr struct {
	Pos     lexer.Position
	Subject *Ref   `parser:"\"match\" @@"`
	Arms    []*Arm `parser:"\"{\" @@ ( \",\" @@ )* \"}\""`
}

// Arm is 'state: value', 'integer: value' or '_: value'.
type Arm struct {
	Pos   lexer.Position
	Name  string `parser:"( @Ident"`
	Neg   bool   `parser:"| @\"-\"?"`
	Int   string `parser:"  @Int )"`
	Value *Expr  `parser:"\":\" @@"`
}

// Reduction is 'sum|prod|all|any(binders: body)'.
type Reduction struct {
	Pos     lexer.Position
	Op      string   `parser:"@( \"sum\" | \"prod\" | \"all\" | \"any\" )"`
	Binders *Binders `parser:"\"(\" @@"`
	Body    *Expr    `parser:"\":\" @@ \")\""`
}

// Call is a built-in function call.
type Call struct {
	Pos  lexer.Position
	Name string  `parser:"@Ident \"(\""`
	Args []*Expr `parser:"( @@ ( \",\" @@ )* )? \")\""`
}
