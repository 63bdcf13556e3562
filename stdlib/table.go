package stdlib

import "math"

// Fn identifies a built-in function: its index in the table. compiler/ir keeps it in the
// Aux field of an OpFn node.
type Fn uint8

// The built-in functions, in the order of docs/language.md §6.11.
const (
	FnExp Fn = iota
	FnLog
	FnSqrt
	FnSin
	FnCos
	FnTan
	FnTanh
	FnPow
	FnAbs
	FnMin
	FnMax
	FnFloor
	FnCeil
	FnInd
	FnChoose
	FnFF
	FnPoissonPMF
	FnPoissonCDF
	FnDrift
	numFns
)

// Type is the type of an argument or of a result.
type Type uint8

// Argument and result types.
const (
	Num   Type = iota // a number
	Cond              // a condition
	Count             // a compile-time integer ≥ 0 that counts factors (the k of choose, ff)
)

// Kind says how differentiation and the 1/N expansion treat a function.
type Kind uint8

// Kinds of built-in.
const (
	// Smooth functions are smooth on their domain. They stay calls in the graph; autodiff
	// propagates jets through Jet, and compiler/series composes the Taylor series of
	// Taylor with the series of the argument (which must be of order ≥ 0 in 1/N, and of
	// order exactly 0 if SingularAtZero).
	Smooth Kind = iota
	// Step functions are piecewise constant. They stay calls in the graph; their derivative
	// is 0; compiler/series keeps f(a₀), exact away from the jumps, and flags the rate as
	// not smooth when the argument depends on densities (W602).
	Step
	// Macro functions are rewritten by the compiler into other nodes through Lower, so
	// autodiff and compiler/series see only those: a^b, or Select and comparisons, whose
	// expansion needs the sign condition of the compared quantity (min, max, abs, ind).
	Macro
	// Model functions are operators of the model, not functions of their arguments' values:
	// the compiler builds their nodes from the transitions (drift), so they have no Eval and
	// never appear in the graph.
	Model
)

// Arg is one formal argument.
type Arg struct {
	Name string // as messages name it ("k of poisson_pmf")
	Type Type
}

// JetRule propagates Taylor coefficients through a smooth function of its last argument:
// it returns the jet of f(p, a(s)) from the jet a of the argument, the value p of the
// parameter argument (the k of poisson_*; 0 without one) and y0 = f(p, a_0), which the
// caller has computed. Only coefficients 0..K ≤ MaxOrder are read and set. Derivative
// coefficients that meet an exact zero stay zero (MulZ).
type JetRule func(a Jet, p, y0 float64, K int) Jet

// Node is a graph node as a lowering rule sees it.
type Node int32

// Builder builds the graph nodes of a lowered call. The compiler implements it over
// compiler/ir.Graph, whose builders fold constants and hash-cons.
type Builder interface {
	Const(v float64) Node
	Neg(a Node) Node
	Sub(a, b Node) Node
	Mul(a ...Node) Node
	Pow(a, b Node) Node
	Compare(op string, a, b Node) Node // op is ==, !=, <, <=, > or >=
	Select(c, a, b Node) Node          // if c then a else b
}

// LowerRule builds the nodes of a call of a Macro function: x holds the nodes of the
// number and condition arguments in order, k the value of the Count argument (0 without
// one).
type LowerRule func(b Builder, x []Node, k int) Node

// Builtin is one entry of the table.
type Builtin struct {
	Name string
	Doc  string // one line for the language reference
	// Args are the formal arguments. A Variadic function takes len(Args) or more, the
	// extra ones of the type of the last.
	Args     []Arg
	Variadic bool
	Result   Type
	Kind     Kind
	// Params is the number of leading arguments that are parameters of the function rather
	// than its variable (the k of poisson_*): they must not vary along a derivative (E805)
	// nor depend on N (E603). Smooth and Step functions are functions of their last argument.
	Params int

	// Eval1 (one argument) or Eval2 (two) computes the function; a Variadic function is the
	// left fold of Eval2. A condition is 1 or 0.
	Eval1 func(x float64) float64
	Eval2 func(x, y float64) float64

	Jet            JetRule    // Smooth: the jet rule
	Taylor         TaylorRule // Smooth: f^{(j)}(a₀)/j! in symbolic form, for compiler/series
	SingularAtZero bool       // Smooth: f is not smooth at a₀ = 0, so the argument needs a non-zero limit
	Lower          LowerRule  // Macro: the rewriting
}

var unary = []Arg{{"a", Num}}

var table = [numFns]Builtin{
	FnExp: {Name: "exp", Doc: "exp(a): the exponential; smooth",
		Args: unary, Kind: Smooth, Eval1: math.Exp, Jet: expJet, Taylor: expTaylor},
	FnLog: {Name: "log", Doc: "log(a): the natural logarithm; smooth for a > 0",
		Args: unary, Kind: Smooth, Eval1: math.Log, Jet: logJet, Taylor: logTaylor, SingularAtZero: true},
	FnSqrt: {Name: "sqrt", Doc: "sqrt(a): the square root; smooth for a > 0",
		Args: unary, Kind: Smooth, Eval1: math.Sqrt, Jet: sqrtJet, Taylor: sqrtTaylor, SingularAtZero: true},
	FnSin: {Name: "sin", Doc: "sin(a): the sine; smooth",
		Args: unary, Kind: Smooth, Eval1: math.Sin, Jet: sinJet, Taylor: sinTaylor(0)},
	FnCos: {Name: "cos", Doc: "cos(a): the cosine; smooth",
		Args: unary, Kind: Smooth, Eval1: math.Cos, Jet: cosJet, Taylor: sinTaylor(1)},
	FnTan: {Name: "tan", Doc: "tan(a): the tangent; smooth away from odd multiples of π/2",
		Args: unary, Kind: Smooth, Eval1: math.Tan, Jet: tanJet, Taylor: tanTaylor(FnTan, 1)},
	FnTanh: {Name: "tanh", Doc: "tanh(a): the hyperbolic tangent; smooth",
		Args: unary, Kind: Smooth, Eval1: math.Tanh, Jet: tanhJet, Taylor: tanTaylor(FnTanh, -1)},
	FnPow: {Name: "pow", Doc: "pow(a, b): same as a ^ b; smooth for a > 0; d/da = b·a^(b−1), d/db = a^b·log a",
		Args: []Arg{{"a", Num}, {"b", Num}}, Kind: Macro, Eval2: Pow,
		Lower: func(b Builder, x []Node, _ int) Node { return b.Pow(x[0], x[1]) }},
	FnAbs: {Name: "abs", Doc: "abs(a): the absolute value; lowered to if a >= 0 then a else −a",
		Args: unary, Kind: Macro, Eval1: math.Abs,
		Lower: func(b Builder, x []Node, _ int) Node {
			return b.Select(b.Compare(">=", x[0], b.Const(0)), x[0], b.Neg(x[0]))
		}},
	FnMin: {Name: "min", Doc: "min(a, b, …): the least argument, at least two; lowered to if",
		Args: []Arg{{"a", Num}, {"b", Num}}, Variadic: true, Kind: Macro, Eval2: math.Min, Lower: selectFold("<=")},
	FnMax: {Name: "max", Doc: "max(a, b, …): the greatest argument, at least two; lowered to if",
		Args: []Arg{{"a", Num}, {"b", Num}}, Variadic: true, Kind: Macro, Eval2: math.Max, Lower: selectFold(">=")},
	FnFloor: {Name: "floor", Doc: "floor(a): the greatest integer ≤ a; derivative 0",
		Args: unary, Kind: Step, Eval1: math.Floor},
	FnCeil: {Name: "ceil", Doc: "ceil(a): the least integer ≥ a; derivative 0",
		Args: unary, Kind: Step, Eval1: math.Ceil},
	FnInd: {Name: "ind", Doc: "ind(c): 1 if the condition c holds, else 0; lowered to if",
		Args: []Arg{{"c", Cond}}, Kind: Macro, Eval1: ind,
		Lower: func(b Builder, x []Node, _ int) Node { return b.Select(x[0], b.Const(1), b.Const(0)) }},
	FnChoose: {Name: "choose", Doc: "choose(n, k): n(n−1)…(n−k+1)/k!, k a compile-time integer ≥ 0; a polynomial in n",
		Args: []Arg{{"n", Num}, {"k", Count}}, Kind: Macro, Eval2: falling(true), Lower: fallingLower(true)},
	FnFF: {Name: "ff", Doc: "ff(n, k): the falling factorial n(n−1)…(n−k+1), k a compile-time integer ≥ 0",
		Args: []Arg{{"n", Num}, {"k", Count}}, Kind: Macro, Eval2: falling(false), Lower: fallingLower(false)},
	FnPoissonPMF: {Name: "poisson_pmf", Doc: "poisson_pmf(k, m): e^(−m) m^k / k! for an integer k ≥ 0, 0 for k < 0; d/dm = pmf(k−1, m) − pmf(k, m)",
		Args: []Arg{{"k", Num}, {"m", Num}}, Kind: Smooth, Params: 1,
		Eval2: PoissonPMF, Jet: poissonJet(false), Taylor: poissonTaylor(false)},
	FnPoissonCDF: {Name: "poisson_cdf", Doc: "poisson_cdf(k, m): Σ_{j≤k} poisson_pmf(j, m); d/dm = −pmf(k, m)",
		Args: []Arg{{"k", Num}, {"m", Num}}, Kind: Smooth, Params: 1,
		Eval2: PoissonCDF, Jet: poissonJet(true), Taylor: poissonTaylor(true)},
	FnDrift: {Name: "drift", Doc: "drift(e): the generator applied to the state expression e, Σ_j a_j(x)·(e(x + ℓ_j) − e(x)); (P − I)e in discrete time",
		Args: unary, Kind: Model},
}

// selectFold lowers min (op <=) or max (op >=) to a chain of Selects, left to right.
func selectFold(op string) LowerRule {
	return func(b Builder, x []Node, _ int) Node {
		v := x[0]
		for _, y := range x[1:] {
			v = b.Select(b.Compare(op, v, y), v, y)
		}
		return v
	}
}

// fallingLower unrolls ff(n, k) into the product of n − i, i < k, times 1/k! for choose.
func fallingLower(binomial bool) LowerRule {
	return func(b Builder, x []Node, k int) Node {
		f := make([]Node, 0, k+1)
		den := 1.0
		for i := 0; i < k; i++ {
			f = append(f, b.Sub(x[0], b.Const(float64(i))))
			den *= float64(i + 1)
		}
		if binomial {
			f = append(f, b.Const(1/den))
		}
		return b.Mul(f...)
	}
}

// All returns every built-in, in table order.
func All() []Fn {
	fs := make([]Fn, numFns)
	for i := range fs {
		fs[i] = Fn(i)
	}
	return fs
}

// Lookup returns the built-in called name.
func Lookup(name string) (Fn, bool) {
	for i := range table {
		if table[i].Name == name {
			return Fn(i), true
		}
	}
	return 0, false
}

// Builtin returns the table entry of f.
func (f Fn) Builtin() *Builtin { return &table[f] }

// String returns the function's name in the language.
func (f Fn) String() string { return table[f].Name }

// Eval applies f to argument values (conditions as 1 or 0).
func (f Fn) Eval(x []float64) float64 { return table[f].Eval(x) }

// Eval applies the function to argument values (conditions as 1 or 0). It does not
// allocate.
func (b *Builtin) Eval(x []float64) float64 {
	if b.Kind == Model {
		panic("stdlib: " + b.Name + " is an operator of the model; the compiler builds its nodes")
	}
	if b.Eval1 != nil {
		return b.Eval1(x[0])
	}
	v := b.Eval2(x[0], x[1])
	for _, y := range x[2:] {
		v = b.Eval2(v, y)
	}
	return v
}

// MinArgs returns the number of arguments of a fixed-arity function, the least number of
// a Variadic one.
func (b *Builtin) MinArgs() int { return len(b.Args) }

// Arg returns the formal argument at position i of a call; positions past the last take
// the last, as the extra arguments of a Variadic function do.
func (b *Builtin) Arg(i int) Arg { return b.Args[min(i, len(b.Args)-1)] }
