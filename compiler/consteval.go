package compiler

import (
	"fmt"
	"math"
	"strings"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/stdlib"
)

// bindings holds the values of the binders in scope during expansion.
type bindings struct {
	parent *bindings
	name   string
	val    int
}

func (b *bindings) get(name string) (int, bool) {
	for ; b != nil; b = b.parent {
		if b.name == name {
			return b.val, true
		}
	}
	return 0, false
}

func (b *bindings) with(name string, v int) *bindings {
	if name == "" {
		return b
	}
	return &bindings{parent: b, name: name, val: v}
}

// describe lists the bindings outermost first: "c=2, b=11".
func (b *bindings) describe() string {
	var parts []string
	for ; b != nil; b = b.parent {
		parts = append([]string{fmt.Sprintf("%s=%d", b.name, b.val)}, parts...)
	}
	return strings.Join(parts, ", ")
}

// constErr is a failure of compile-time evaluation, already reported.
type constErr struct{}

// ceval evaluates a compile-time constant (docs/language.md §4.4): literals, binders, parameters and
// lets built from them. what names the position for messages ("range bound", "index").
// It reports E307/E404 and returns ok=false if e is not constant.
func (c *compiler) ceval(e *expr, b *bindings, what string) (v float64, ok bool) {
	if e.kind == eNum || e.kind == eBool {
		return e.num, true // a literal is its value: no failure to recover from
	}
	defer func() {
		if r := recover(); r != nil {
			if _, is := r.(constErr); !is {
				panic(r)
			}
			v, ok = math.NaN(), false
		}
	}()
	return c.ceval1(e, b, what), true
}

// maxExactInt is 2^53, the largest magnitude up to which every integer is a float64.
const maxExactInt = 1 << 53

// cint evaluates a compile-time integer (E309 if the value is not an integer, or is
// beyond ±2^53, where it would no longer be exact and could wrap when converted).
func (c *compiler) cint(e *expr, b *bindings, what string) (int, bool) {
	v, ok := c.ceval(e, b, what)
	if !ok {
		return 0, false
	}
	switch {
	case v != math.Trunc(v) || math.IsInf(v, 0) || math.IsNaN(v):
		c.errorf(c.at(e.pos), "E309", "structural parameters must hold integers", "%s must be an integer, got %s%s", what, fmtNum(v), c.inst())
		return 0, false
	case math.Abs(v) > maxExactInt:
		c.errorf(c.at(e.pos), "E309", "use a smaller integer", "%s %s is out of range (integers go up to 2^53)%s", what, fmtNum(v), c.inst())
		return 0, false
	}
	return int(v), true
}

// inst is the instance suffix of messages inside loops: " (instance c=2, b=11)".
func (c *compiler) inst() string {
	s := ""
	if c.instance != "" {
		s = " (instance " + c.instance + ")"
	}
	if c.letDepth > 0 && c.context.kind != "" {
		s += " (in " + c.context.kind + " '" + c.context.name + "')"
	}
	return s
}

func fmtNum(v float64) string { return fmt.Sprintf("%.10g", v) }

func (c *compiler) fail(e *expr, code, hint, format string, args ...any) {
	c.errorf(c.at(e.pos), code, hint, format+c.inst(), args...)
	panic(constErr{})
}

func (c *compiler) ceval1(e *expr, b *bindings, what string) float64 {
	switch e.kind {
	case eNum, eBool:
		return e.num
	case eRef:
		return c.cevalRef(e, b, what)
	case eNeg:
		return -c.ceval1(e.args[0], b, what)
	case eNot:
		return b2f(c.ceval1(e.args[0], b, what) == 0)
	case eBin:
		x, y := c.ceval1(e.args[0], b, what), c.ceval1(e.args[1], b, what)
		switch e.op {
		case "+":
			return x + y
		case "-":
			return x - y
		case "*":
			return x * y
		case "/":
			return x / y
		}
		return stdlib.Pow(x, y)
	case eCmp:
		if e.args[0].typ.k == tState {
			return b2f(c.cevalState(e.args[0], b, what) == c.cevalState(e.args[1], b, what) == (e.op == "=="))
		}
		op, _ := ir.CmpByName(e.op)
		return b2f(ir.EvalCmp(op, c.ceval1(e.args[0], b, what), c.ceval1(e.args[1], b, what)))
	case eAnd:
		for _, a := range e.args {
			if c.ceval1(a, b, what) == 0 {
				return 0
			}
		}
		return 1
	case eOr:
		for _, a := range e.args {
			if c.ceval1(a, b, what) != 0 {
				return 1
			}
		}
		return 0
	case eIf:
		if c.ceval1(e.args[0], b, what) != 0 {
			return c.ceval1(e.args[1], b, what)
		}
		return c.ceval1(e.args[2], b, what)
	case eMatch:
		c.fail(e, "E307", "use literals, parameters and binders only", "%s must be known at compile time; match reads the environment", what)
	case eReduce:
		return c.cevalReduce(e, b, what)
	case eCall:
		return c.cevalCall(e, b, what)
	}
	c.fail(e, "E307", "use literals, parameters and binders only", "%s must be known at compile time", what)
	return 0
}

// cevalState evaluates a state-valued constant (a state name) to its index.
func (c *compiler) cevalState(e *expr, b *bindings, what string) float64 {
	if e.isSt {
		return float64(e.state)
	}
	return c.ceval1(e, b, what)
}

func (c *compiler) cevalRef(e *expr, b *bindings, what string) float64 {
	if e.isSt {
		return float64(e.state)
	}
	if e.bind {
		v, _ := b.get(e.name)
		return float64(v)
	}
	if e.sym == nil {
		switch e.name {
		case "pi":
			return math.Pi
		case "t":
			c.fail(e, "E307", "use literals, parameters and binders only", "%s must be known at compile time; 't' is the time", what)
		}
		c.fail(e, "E307", "use literals, parameters and binders only", "%s must be known at compile time", what)
	}
	s := e.sym
	switch s.kind {
	case symParam:
		idx := c.cevalIndex(e, s, b)
		return c.paramVals[s.offset+s.flat(idx)]
	case symLet:
		idx := c.cevalIndex(e, s, b)
		inner := c.shapeBindings(s, idx)
		return c.ceval1(s.value, inner, what)
	case symScale:
		c.fail(e, "E404", fmt.Sprintf("structure is fixed at compile time; %s may change at run time", s.name),
			"the scale '%s' cannot be used in a range, index or coefficient", s.name)
	}
	c.fail(e, "E307", "use literals, parameters and binders only", "%s must be known at compile time; '%s' is a %s", what, s.name, kindNoun(s))
	return 0
}

func kindNoun(s *symbol) string {
	switch s.kind {
	case symParam:
		return "parameter"
	case symEnv:
		return "environment component"
	case symAlias:
		return "species alias"
	}
	return s.kind.String()
}

// cevalIndex evaluates and range-checks the indices of a family reference.
func (c *compiler) cevalIndex(e *expr, s *symbol, b *bindings) []int {
	if len(e.args) == 0 {
		return nil
	}
	idx := make([]int, len(e.args))
	for i, a := range e.args {
		v, ok := c.cint(a, b, "index")
		if !ok {
			panic(constErr{})
		}
		if r := s.dims[i]; v < r.Lo || v > r.Hi {
			c.fail(a, "E401", boundaryHint(s, i, v),
				"index %d out of range %d..%d of '%s'", v, r.Lo, r.Hi, s.name)
		}
		idx[i] = v
	}
	return idx
}

// boundaryHint is E401's hint for index v of dimension d of s: it names the bound that v
// lies beyond, the first element below the range and the last one above it.
func boundaryHint(s *symbol, d, v int) string {
	r := s.dims[d]
	which, bound := "first", r.Lo
	if v > r.Hi {
		which, bound = "last", r.Hi
	}
	const fix = "restrict the loop, or handle the boundary with 'if ... then ... else ...': "
	if len(s.dims) == 1 {
		return fmt.Sprintf("%sthe %s element is %s[%d]", fix, which, s.name, bound)
	}
	return fmt.Sprintf("%sthe %s index of '%s' in position %d is %d", fix, which, s.name, d+1, bound)
}

// shapeBindings binds the named dimensions of s's shape to idx.
func (c *compiler) shapeBindings(s *symbol, idx []int) *bindings {
	var b *bindings
	if s.shape == nil {
		return nil
	}
	for d, x := range s.shape.list {
		b = b.with(x.name, idx[d])
	}
	return b
}

func (c *compiler) cevalReduce(e *expr, b *bindings, what string) float64 {
	acc := 0.0
	switch e.op {
	case "prod", "all":
		acc = 1
	}
	c.eachBinding(e.binders, b, func(inner *bindings) {
		v := c.ceval1(e.body, inner, what)
		switch e.op {
		case "sum":
			acc += v
		case "prod":
			acc *= v
		case "all":
			acc = b2f(acc != 0 && v != 0)
		case "any":
			acc = b2f(acc != 0 || v != 0)
		}
	})
	return acc
}

func (c *compiler) cevalCall(e *expr, b *bindings, what string) float64 {
	f, _ := stdlib.Lookup(e.name)
	bi := f.Builtin()
	if bi.Kind == stdlib.Model {
		c.fail(e, "E307", "use literals, parameters and binders only", "%s must be known at compile time; %s reads the state", what, e.name)
	}
	args := make([]float64, len(e.args))
	for i, a := range e.args {
		args[i] = c.ceval1(a, b, what)
	}
	for i, a := range bi.Args {
		if k := args[i]; a.Type == stdlib.Count && (k != math.Trunc(k) || k < 0) {
			c.badCount(e, i, fmtNum(k))
		} else if a.Type == stdlib.Count {
			c.chargeFactors(e, i, k)
		}
	}
	return bi.Eval(args)
}

// chargeFactors counts the k factors of choose or ff (argument i of the call e) against
// the binding budget of Options.MaxElements, like the terms of a sum: more than
// MaxElements factors in one call, or beyond the budget, is E406 (docs/language.md §7.3).
func (c *compiler) chargeFactors(e *expr, i int, k float64) {
	limit := c.opts.maxElements()
	if k > float64(limit) || c.bound+int(k) > 2*limit {
		c.tooBig = true
		c.fail(e.args[i], "E406", "check the k of choose and ff (the limit is Options.MaxElements factors)",
			"%s: %s = %s factors is more than the model can expand", e.name, f2name(e, i), fmtNum(k))
	}
	c.bound += int(k)
}

func f2name(e *expr, i int) string {
	f, _ := stdlib.Lookup(e.name)
	return f.Builtin().Args[i].Name
}

// badCount reports E309 for the Count argument i of the call e (the k of choose and ff),
// whose value is got.
func (c *compiler) badCount(e *expr, i int, got string) {
	f, _ := stdlib.Lookup(e.name)
	k := f.Builtin().Args[i].Name
	c.fail(e.args[i], "E309", k+" counts factors: use a non-negative integer",
		"%s: %s must be a non-negative integer, got %s", e.name, k, got)
}

// eachBinding calls f once per binding of bs (first binder slowest), skipping bindings
// that fail the 'where' filter. Range bounds may use earlier binders of the same list.
func (c *compiler) eachBinding(bs *binders, b *bindings, f func(*bindings)) {
	if bs == nil {
		f(b)
		return
	}
	var rec func(i int, b *bindings)
	rec = func(i int, b *bindings) {
		if i == len(bs.list) {
			if bs.where != nil {
				v, ok := c.ceval(bs.where, b, "where filter")
				if !ok || v == 0 {
					return
				}
			}
			f(b)
			return
		}
		x := bs.list[i]
		lo, ok1 := c.cint(x.lo, b, "range bound")
		hi, ok2 := c.cint(x.hi, b, "range bound")
		if !ok1 || !ok2 {
			return
		}
		for v := lo; v <= hi && !c.tooBig; v++ {
			if c.bound++; c.bound > 2*c.opts.maxElements() {
				c.tooBig = true
				c.errorf(c.at(x.lo.pos), "E406", "check the loop and sum ranges (the limit is 2 × Options.MaxElements)",
					"the model expands to more than %d loop bindings", 2*c.opts.maxElements())
				return
			}
			rec(i+1, b.with(x.name, v))
		}
	}
	rec(0, b)
}
