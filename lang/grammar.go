package lang

import "github.com/alecthomas/participle/v2/lexer"

// The grammar of docs/language.md §3.1 as participle productions: one struct per
// production, in the order of the EBNF. It defines the language and its syntax errors;
// Parse uses it only where the fast parser (fastparse.go) fails, and converts what it
// builds into the AST of ast.go (fromGrammar). Every node records the position of its first
// token in Pos; operator nodes (the *Tail types) start at their operator token
// (docs/language.md §10 ruling 4).

// gIdent is a name with its position.
type gIdent struct {
	Pos  lexer.Position
	Name string `parser:"@Ident"`
}

// chunk is the unit the parser is run on: a run of whole statements (see split).
type chunk struct {
	Stmts []*gStatement `parser:"@@*"`
}

// gStatement is one top-level statement. Exactly one field is set.
type gStatement struct {
	Pos        lexer.Position
	EndPos     lexer.Position
	Model      *gModelDecl   `parser:"  @@"`
	Time       *gTimeDecl    `parser:"| @@"`
	Scale      *gScaleDecl   `parser:"| @@"`
	Param      *gParamDecl   `parser:"| @@"`
	Species    *gSpeciesDecl `parser:"| @@"`
	Env        *gEnvDecl     `parser:"| @@"`
	Def        *gDefDecl     `parser:"| @@"`
	Measure    *gMeasureDecl `parser:"| @@"`
	Assume     *gAssumeDecl  `parser:"| @@"`
	Init       *gInitDecl    `parser:"| @@"`
	For        *gForStmt     `parser:"| @@"`
	Transition *gTransition  `parser:"| @@"`
}

// gModelDecl is 'model NAME'. It may only come first; Parse moves it to File.Model.
type gModelDecl struct {
	Pos  lexer.Position
	Name *gIdent `parser:"\"model\" @@"`
}

// gTimeDecl is 'time continuous' or 'time discrete'.
type gTimeDecl struct {
	Pos  lexer.Position
	Kind string `parser:"\"time\" @(\"continuous\" | \"discrete\")"`
}

// gScaleDecl is 'scale N = expr'.
type gScaleDecl struct {
	Pos   lexer.Position
	Name  *gIdent `parser:"\"scale\" @@ \"=\""`
	Value *gExpr  `parser:"@@"`
}

// gParamDecl is 'param item, item, ...'.
type gParamDecl struct {
	Pos   lexer.Position
	Items []*gParamItem `parser:"\"param\" @@ ( \",\" @@ )*"`
}

// gParamItem is one parameter with an optional shape and its default.
type gParamItem struct {
	Pos   lexer.Position
	Name  *gIdent    `parser:"@@"`
	Shape *gShape    `parser:"@@? \"=\""`
	Array *gArrayLit `parser:"( @@"`
	Value *gExpr     `parser:"| @@ )"`
}

// gArrayLit is a bracketed list of elements, nested for several dimensions.
type gArrayLit struct {
	Pos   lexer.Position
	Elems []*gArrayElem `parser:"\"[\" @@ ( \",\" @@ )* \"]\""`
}

// gArrayElem is a nested array literal or an expression.
type gArrayElem struct {
	Pos   lexer.Position
	Array *gArrayLit `parser:"  @@"`
	Value *gExpr     `parser:"| @@"`
}

// gSpeciesDecl is 'species item, item, ...'.
type gSpeciesDecl struct {
	Pos   lexer.Position
	Items []*gSpeciesItem `parser:"\"species\" @@ ( \",\" @@ )*"`
}

// gSpeciesItem is one species or family, with an optional alias.
type gSpeciesItem struct {
	Pos   lexer.Position
	Name  *gIdent `parser:"@@"`
	Shape *gShape `parser:"@@?"`
	Alias *gIdent `parser:"( \"as\" @@ )?"`
}

// gEnvDecl declares an environment component or family: named states or an integer range.
type gEnvDecl struct {
	Pos    lexer.Position
	Name   *gIdent   `parser:"\"env\" @@"`
	Shape  *gShape   `parser:"@@?"`
	States []*gIdent `parser:"( \"{\" @@ ( \",\" @@ )* \"}\""`
	Range  *gRange   `parser:"| \"in\" @@ )"`
}

// gDefDecl is a 'let', 'observable' or 'region' declaration.
type gDefDecl struct {
	Pos   lexer.Position
	Kind  string  `parser:"@( \"let\" | \"observable\" | \"region\" )"`
	Name  *gIdent `parser:"@@"`
	Shape *gShape `parser:"@@? \"=\""`
	Value *gExpr  `parser:"@@"`
}

// gMeasureDecl is 'measure name[shape] = kind(args)'.
type gMeasureDecl struct {
	Pos   lexer.Position
	Name  *gIdent  `parser:"\"measure\" @@"`
	Shape *gShape  `parser:"@@? \"=\""`
	Kind  string   `parser:"@( \"stationary\" | \"transient\" | \"cumulative\" | \"discounted\" | \"until\" )"`
	Args  []*gExpr `parser:"\"(\" @@ ( \",\" @@ )* \")\""`
}

// gAssumeDecl is 'assume [label:] stationary(w) <= c'.
type gAssumeDecl struct {
	Pos   lexer.Position
	Label *gIdent `parser:"\"assume\" ( @@ \":\" )? \"stationary\" \"(\""`
	W     *gExpr  `parser:"@@ \")\" \"<=\""`
	C     *gExpr  `parser:"@@"`
}

// gInitDecl is 'init { ... }' or 'init density { ... }'.
type gInitDecl struct {
	Pos     lexer.Position
	Density bool         `parser:"\"init\" @\"density\"?"`
	Items   []*gInitItem `parser:"\"{\" ( @@ ( \",\" @@ )* )? \"}\""`
}

// gInitItem is one item of an init block. Exactly one field is set.
type gInitItem struct {
	Pos           lexer.Position
	For           *gInitFor    `parser:"  @@"`
	EnvStationary bool         `parser:"| @( \"env\" \"~\" \"stationary\" )"`
	Assign        *gInitAssign `parser:"| @@"`
}

// gInitFor is 'for binders: assignment' inside an init block.
type gInitFor struct {
	Pos     lexer.Position
	Binders *gBinders    `parser:"\"for\" @@ \":\""`
	Assign  *gInitAssign `parser:"@@"`
}

// gInitAssign sets an initial value ('= expr') or an initial law ('~ { arm, ... }').
type gInitAssign struct {
	Pos    lexer.Position
	Target *gRef   `parser:"@@"`
	Value  *gExpr  `parser:"( \"=\" @@"`
	Law    []*gArm `parser:"| \"~\" \"{\" @@ ( \",\" @@ )* \"}\" )"`
}

// gShape gives one range per dimension of a family.
type gShape struct {
	Pos  lexer.Position
	Dims []*gDim `parser:"\"[\" @@ ( \",\" @@ )* \"]\""`
}

// gDim is one dimension of a shape, with an optional binder.
type gDim struct {
	Pos    lexer.Position
	Binder *gIdent `parser:"( @@ \"in\" )?"`
	Range  *gRange `parser:"@@"`
}

// gRange is the inclusive integer range lo..hi.
type gRange struct {
	Pos lexer.Position
	Lo  *gExpr `parser:"@@ \"..\""`
	Hi  *gExpr `parser:"@@"`
}

// gBinders is a list of loop variables with an optional 'where' filter.
type gBinders struct {
	Pos   lexer.Position
	List  []*gBinder `parser:"@@ ( \",\" @@ )*"`
	Where *gExpr     `parser:"( \"where\" @@ )?"`
}

// gBinder is 'name in lo..hi'.
type gBinder struct {
	Pos   lexer.Position
	Name  *gIdent `parser:"@@ \"in\""`
	Range *gRange `parser:"@@"`
}

// gForStmt expands its body once per binding: 'for binders: body' or 'for binders { body... }'.
type gForStmt struct {
	Pos     lexer.Position
	Binders *gBinders    `parser:"\"for\" @@"`
	Single  *gLoopBody   `parser:"( \":\" @@"`
	Block   []*gLoopBody `parser:"| \"{\" @@* \"}\" )"`
}

// gLoopBody is a nested loop or a transition.
type gLoopBody struct {
	Pos        lexer.Position
	EndPos     lexer.Position
	For        *gForStmt    `parser:"  @@"`
	Transition *gTransition `parser:"| @@"`
}

// gLabel is the label of a transition: a name, or one of the reduction keywords, which
// CRN models use as labels ('prod: 0 -> P @ k'); before ':' at the start of a transition
// they cannot begin a reduction, which needs '(' (docs/language.md §3.1).
type gLabel struct {
	Pos  lexer.Position
	Name string `parser:"@( Ident | \"sum\" | \"prod\" | \"all\" | \"any\" )"`
}

// gTransition is '[label:] change [when guard] @ propensity [, propensity]'.
type gTransition struct {
	Pos     lexer.Position
	Label   *gLabel  `parser:"( @@ \":\" )?"`
	Change  *gChange `parser:"@@"`
	When    *gExpr   `parser:"( \"when\" @@ )?"`
	Rate    *gExpr   `parser:"\"@\" @@"`
	Reverse *gExpr   `parser:"( \",\" @@ )?"`
}

// gChange is a reaction with an optional environment update, or an update alone.
type gChange struct {
	Pos      lexer.Position
	Reaction *gReaction `parser:"( @@"`
	Update   *gUpdate   `parser:"  @@? | @@ )"`
}

// gReaction is 'lhs -> rhs' or 'lhs <-> rhs'.
type gReaction struct {
	Pos   lexer.Position
	LHS   *gSide `parser:"@@"`
	Arrow string `parser:"@( \"->\" | \"<->\" )"`
	RHS   *gSide `parser:"@@"`
}

// gSide is a sum of terms; the single term 0 is the empty complex.
type gSide struct {
	Pos   lexer.Position
	Terms []*gTerm `parser:"@@ ( \"+\" @@ )*"`
}

// gTerm is a species with an optional coefficient: '2S1', '2 S1', 'k X', 'X', or the literal '0'.
type gTerm struct {
	Pos      lexer.Position
	Coef     string `parser:"( ( @Int"`
	CoefName string `parser:"  | @Ident (?= Ident) )"`
	Species  *gRef  `parser:"  @@?"`
	BareRef  *gRef  `parser:"| @@ )"`
}

// gUpdate is 'set a = v, b = w'.
type gUpdate struct {
	Pos     lexer.Position
	Assigns []*gAssign `parser:"\"set\" @@ ( \",\" @@ )*"`
}

// gAssign is 'target = value'.
type gAssign struct {
	Pos    lexer.Position
	Target *gRef  `parser:"@@ \"=\""`
	Value  *gExpr `parser:"@@"`
}

// gRef is a name with optional indices.
type gRef struct {
	Pos   lexer.Position
	Name  string   `parser:"@Ident"`
	Index []*gExpr `parser:"( \"[\" @@ ( \",\" @@ )* \"]\" )?"`
}

// gExpr is an 'or' chain, the lowest precedence level.
type gExpr struct {
	Pos   lexer.Position
	Left  *gAndExpr  `parser:"@@"`
	Right []*gOrTail `parser:"@@*"`
}

// gOrTail is 'or operand'.
type gOrTail struct {
	Pos   lexer.Position
	Right *gAndExpr `parser:"\"or\" @@"`
}

// gAndExpr is an 'and' chain.
type gAndExpr struct {
	Pos   lexer.Position
	Left  *gNotExpr   `parser:"@@"`
	Right []*gAndTail `parser:"@@*"`
}

// gAndTail is 'and operand'.
type gAndTail struct {
	Pos   lexer.Position
	Right *gNotExpr `parser:"\"and\" @@"`
}

// gNotExpr is 'not operand' or a comparison.
type gNotExpr struct {
	Pos lexer.Position
	Not *gNotExpr `parser:"  \"not\" @@"`
	Cmp *gCmpExpr `parser:"| @@"`
}

// gCmpExpr is an optional, non-associative comparison.
type gCmpExpr struct {
	Pos  lexer.Position
	Left *gAddExpr `parser:"@@"`
	Tail *gCmpTail `parser:"@@?"`
}

// gCmpTail is 'op operand' of a comparison.
type gCmpTail struct {
	Pos   lexer.Position
	Op    string    `parser:"@( \"==\" | \"!=\" | \"<=\" | \">=\" | \"<\" | \">\" )"`
	Right *gAddExpr `parser:"@@"`
}

// gAddExpr is a chain of '+' and '-'.
type gAddExpr struct {
	Pos   lexer.Position
	Left  *gMulExpr   `parser:"@@"`
	Right []*gAddTail `parser:"@@*"`
}

// gAddTail is '+ operand' or '- operand'.
type gAddTail struct {
	Pos   lexer.Position
	Op    string    `parser:"@( \"+\" | \"-\" )"`
	Right *gMulExpr `parser:"@@"`
}

// gMulExpr is a chain of '*' and '/'.
type gMulExpr struct {
	Pos   lexer.Position
	Left  *gUnary     `parser:"@@"`
	Right []*gMulTail `parser:"@@*"`
}

// gMulTail is '* operand' or '/ operand'.
type gMulTail struct {
	Pos   lexer.Position
	Op    string  `parser:"@( \"*\" | \"/\" )"`
	Right *gUnary `parser:"@@"`
}

// gUnary is a negation or a power.
type gUnary struct {
	Pos   lexer.Position
	Neg   *gUnary `parser:"  \"-\" @@"`
	Power *gPower `parser:"| @@"`
}

// gPower is 'base [^ exponent]'; the exponent is a gUnary, so '^' is right-associative.
type gPower struct {
	Pos  lexer.Position
	Base *gPrimary `parser:"@@"`
	Exp  *gPowTail `parser:"@@?"`
}

// gPowTail is '^ exponent'.
type gPowTail struct {
	Pos lexer.Position
	Exp *gUnary `parser:"\"^\" @@"`
}

// gPrimary is an operand. Exactly one field is set.
type gPrimary struct {
	Pos    lexer.Position
	Float  string      `parser:"  @Float"`
	Int    string      `parser:"| @Int"`
	Bool   string      `parser:"| @( \"true\" | \"false\" )"`
	Paren  *gExpr      `parser:"| \"(\" @@ \")\""`
	If     *gIfExpr    `parser:"| @@"`
	Match  *gMatchExpr `parser:"| @@"`
	Reduce *gReduction `parser:"| @@"`
	Call   *gCall      `parser:"| @@"`
	Ref    *gRef       `parser:"| @@"`
}

// gIfExpr is 'if c then a else b'.
type gIfExpr struct {
	Pos  lexer.Position
	Cond *gExpr `parser:"\"if\" @@"`
	Then *gExpr `parser:"\"then\" @@"`
	Else *gExpr `parser:"\"else\" @@"`
}

// gMatchExpr is 'match ref { arm, ... }'.
type gMatchExpr struct {
	Pos     lexer.Position
	Subject *gRef   `parser:"\"match\" @@"`
	Arms    []*gArm `parser:"\"{\" @@ ( \",\" @@ )* \"}\""`
}

// gArm is 'state: value', 'integer: value' or '_: value'.
type gArm struct {
	Pos   lexer.Position
	Name  string `parser:"( @Ident"`
	Neg   bool   `parser:"| @\"-\"?"`
	Int   string `parser:"  @Int )"`
	Value *gExpr `parser:"\":\" @@"`
}

// gReduction is 'sum|prod|all|any(binders: body)'.
type gReduction struct {
	Pos     lexer.Position
	Op      string    `parser:"@( \"sum\" | \"prod\" | \"all\" | \"any\" )"`
	Binders *gBinders `parser:"\"(\" @@"`
	Body    *gExpr    `parser:"\":\" @@ \")\""`
}

// gCall is a built-in function call.
type gCall struct {
	Pos  lexer.Position
	Name string   `parser:"@Ident \"(\""`
	Args []*gExpr `parser:"( @@ ( \",\" @@ )* )? \")\""`
}
