package compiler

import (
	"fmt"
	"math"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/stdlib"
)

// lower builds the graph node of e under bindings b (docs/language.md §7.1 stage 6): lets are inlined
// as shared nodes, static ifs resolved, min/max/abs/ind/match lowered to Select and
// comparisons, reductions, choose and ff unrolled. Errors are reported and give a NaN
// constant so that lowering can go on.
func (c *compiler) lower(e *expr, b *bindings) ir.NodeID {
	var id ir.NodeID
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, is := r.(constErr); !is {
					panic(r)
				}
				id = c.g.Const(math.NaN())
			}
		}()
		id = c.lower1(e, b)
	}()
	return id
}

func (c *compiler) lower1(e *expr, b *bindings) ir.NodeID {
	g := c.g
	g.At = c.at(e.pos)
	switch e.kind {
	case eNum:
		return g.Const(e.num)
	case eBool:
		return g.BoolConst(e.num != 0)
	case eRef:
		return c.lowerRef(e, b)
	case eNeg:
		return g.Neg(c.lower1(e.args[0], b))
	case eNot:
		return g.Not(c.lower1(e.args[0], b))
	case eBin:
		x, y := c.lower1(e.args[0], b), c.lower1(e.args[1], b)
		g.At = c.at(e.pos)
		switch e.op {
		case "+":
			return g.Add(x, y)
		case "-":
			return g.Sub(x, y)
		case "*":
			return g.Mul(x, y)
		case "/":
			return g.Div(x, y)
		}
		return g.Pow(x, y)
	case eCmp:
		return c.lowerCmp(e, b)
	case eAnd, eOr:
		ops := make([]ir.NodeID, len(e.args))
		for i, a := range e.args {
			ops[i] = c.lower1(a, b)
		}
		g.At = c.at(e.pos)
		if e.kind == eAnd {
			return g.And(ops...)
		}
		return g.Or(ops...)
	case eIf:
		if c.isStatic(e.args[0]) {
			v := c.ceval1(e.args[0], b, "condition")
			if v != 0 {
				return c.lower1(e.args[1], b)
			}
			return c.lower1(e.args[2], b)
		}
		cond, x, y := c.lower1(e.args[0], b), c.lower1(e.args[1], b), c.lower1(e.args[2], b)
		g.At = c.at(e.pos)
		return g.Select(cond, x, y)
	case eMatch:
		return c.lowerMatch(e, b)
	case eReduce:
		var ops []ir.NodeID
		c.eachBinding(e.binders, b, func(inner *bindings) {
			ops = append(ops, c.lower1(e.body, inner))
		})
		g.At = c.at(e.pos)
		switch e.op {
		case "sum":
			return g.Add(ops...)
		case "prod":
			return g.Mul(ops...)
		case "all":
			return g.And(ops...)
		}
		return g.Or(ops...)
	case eCall:
		return c.lowerCall(e, b)
	}
	return g.Const(math.NaN())
}

// isStatic reports whether a condition uses only literals, binders, structural
// parameters and lets built from them (docs/language.md §10 ruling 1).
func (c *compiler) isStatic(e *expr) bool {
	ok := true
	e.walk(func(x *expr) {
		switch {
		case !ok || x.kind != eRef || x.bind || x.isSt:
		case x.sym == nil:
			ok = x.name == "pi"
		case x.sym.kind == symParam:
			ok = x.sym.structural
		case x.sym.kind == symLet:
			ok = x.sym.vtyp.k != tState && c.isStatic(x.sym.value)
		default:
			ok = false
		}
	})
	return ok
}

func (c *compiler) lowerRef(e *expr, b *bindings) ir.NodeID {
	g := c.g
	if e.isSt {
		return g.Const(float64(e.state))
	}
	if e.bind {
		v, _ := b.get(e.name)
		return g.Const(float64(v))
	}
	if e.sym == nil {
		if e.name == "pi" {
			return g.Const(math.Pi)
		}
		return g.Time()
	}
	s := e.sym
	idx := c.lowerIndex(e, s, b)
	switch s.kind {
	case symScale:
		return g.Scale()
	case symParam:
		p := g.Param(s.offset + s.flat(idx))
		if s.boolParam {
			return g.Compare(ir.CmpNe, p, g.Const(0))
		}
		return p
	case symSpecies:
		return g.Count(s.offset + s.flat(idx))
	case symAlias:
		return g.Count(s.target.offset + s.target.flat(idx))
	case symEnv:
		return g.EnvVal(s.offset + s.flat(idx))
	case symLet, symObservable, symRegion:
		return c.lowerLet(s, idx)
	}
	return g.Const(math.NaN())
}

// lowerIndex evaluates the indices of a reference: compile-time integers (E402 if they
// depend on state), in range (E401).
func (c *compiler) lowerIndex(e *expr, s *symbol, b *bindings) []int {
	for _, a := range e.args {
		c.dynamicIndex(a, e, b)
	}
	return c.cevalIndex(e, s, b)
}

func (c *compiler) dynamicIndex(a, ref *expr, b *bindings) {
	a.walk(func(x *expr) {
		if x.kind != eRef || x.bind || x.sym == nil {
			return
		}
		switch x.sym.kind {
		case symSpecies, symAlias, symEnv:
			c.fail(a, "E402", "indices are fixed at compile time; use match, or sum with ind(...)",
				"index of '%s' depends on the %s '%s'", ref.name, kindNoun(x.sym), c.refName(x, b))
		}
	})
}

// refName is the instance name of a reference, e.g. Q[1], when its indices are constant,
// and the reference as written otherwise.
func (c *compiler) refName(x *expr, b *bindings) (name string) {
	if len(x.args) == 0 {
		return x.name
	}
	defer func() {
		if r := recover(); r != nil {
			if _, is := r.(constErr); !is {
				panic(r)
			}
			name = exprString(x)
		}
	}()
	saved := len(c.errs)
	defer func() { c.errs = c.errs[:saved] }()
	return instanceName(x.name, c.cevalIndex(x, x.sym, b))
}

// maxLetDepth bounds the chain of lets that lowering inlines one into the next (E406):
// each level is a level of recursion of every later walk.
const maxLetDepth = 10_000

// lowerLet lowers the let s at idx once (memoised) and returns its node. The node of a
// scalar is kept on its symbol, that of a family instance in c.letMemo.
func (c *compiler) lowerLet(s *symbol, idx []int) ir.NodeID {
	key := letKey{s: s}
	if len(idx) > 0 {
		key.idx = fmt.Sprint(idx)
		if id, ok := c.letMemo[key]; ok {
			return id
		}
	} else if s.lowered {
		return s.node
	}
	if c.letDepth >= maxLetDepth {
		if !c.tooDeep {
			c.tooDeep = true
			c.errorf(s.pos, "E406", fmt.Sprintf("shorten the chain of lets (the limit is %d levels)", maxLetDepth),
				"'%s' is reached through more than %d nested lets", s.name, maxLetDepth)
		}
		return c.g.Const(math.NaN())
	}
	saved := c.instance
	c.letDepth++
	defer func() { c.letDepth-- }()
	id := c.lower(s.value, c.shapeBindings(s, idx))
	c.instance = saved
	if len(idx) > 0 {
		c.letMemo[key] = id
	} else {
		s.node, s.lowered = id, true
	}
	return id
}

func (c *compiler) lowerCmp(e *expr, b *bindings) ir.NodeID {
	g := c.g
	l, r := e.args[0], e.args[1]
	if l.typ.k == tState || r.typ.k == tState {
		// A component against a state constant is an EnvIs leaf.
		if comp, st, ok := c.envTest(l, r, b); ok {
			g.At = c.at(e.pos)
			n := g.EnvIs(comp, st)
			if e.op == "!=" {
				return g.Not(n)
			}
			return n
		}
	}
	x, y := c.lower1(l, b), c.lower1(r, b)
	g.At = c.at(e.pos)
	op, _ := ir.CmpByName(e.op)
	return g.Compare(op, x, y)
}

// envTest recognises 'component == state' in either order.
func (c *compiler) envTest(l, r *expr, b *bindings) (comp, st int, ok bool) {
	if r.isSt && l.kind == eRef && l.sym != nil && l.sym.kind == symEnv {
		idx := c.lowerIndex(l, l.sym, b)
		return l.sym.offset + l.sym.flat(idx), int(r.state), true
	}
	if l.isSt && r.kind == eRef && r.sym != nil && r.sym.kind == symEnv {
		idx := c.lowerIndex(r, r.sym, b)
		return r.sym.offset + r.sym.flat(idx), int(l.state), true
	}
	return 0, 0, false
}

// lowerMatch lowers 'match E { s1: a, s2: b, _: c }' to a chain of Selects on EnvIs.
func (c *compiler) lowerMatch(e *expr, b *bindings) ir.NodeID {
	g := c.g
	subj := e.args[0]
	s := subj.sym
	idx := c.lowerIndex(subj, s, b)
	comp := s.offset + s.flat(idx)
	lo, hi := c.envBounds(comp)
	var def *arm
	vals := map[int]*arm{}
	for i := range e.arms {
		a := &e.arms[i]
		switch {
		case a.name == "_":
			def = a
		case a.isInt:
			vals[a.value] = a
		default:
			vals[indexOf(s.states, a.name)] = a
		}
	}
	if def == nil {
		for v := lo; v <= hi; v++ {
			if vals[v] == nil {
				c.fail(e, "E306", "add the arm, or a default arm '_: ...'", "match on '%s' does not cover the value %d", instanceName(s.name, idx), v)
			}
		}
	}
	var out ir.NodeID = ir.None
	if def != nil {
		out = c.lower1(def.body, b)
	}
	for v := hi; v >= lo; v-- {
		a := vals[v]
		if a == nil {
			continue
		}
		val := c.lower1(a.body, b)
		g.At = c.at(e.pos)
		if out == ir.None {
			out = val
			continue
		}
		out = g.Select(g.EnvIs(comp, v), val, out)
	}
	if out == ir.None {
		return g.Const(math.NaN())
	}
	return out
}

// lowerCall builds a call of a built-in: a call node, or the nodes its table entry
// lowers it to. The Count argument, if any, is evaluated at compile time.
func (c *compiler) lowerCall(e *expr, b *bindings) ir.NodeID {
	f, _ := stdlib.Lookup(e.name)
	if f == stdlib.FnDrift {
		return c.lowerDrift(e, b)
	}
	bi := f.Builtin()
	k := 0
	for i, a := range bi.Args {
		if a.Type != stdlib.Count {
			continue
		}
		var ok bool
		if k, ok = c.cint(e.args[i], b, a.Name+" of "+e.name); !ok {
			panic(constErr{})
		}
		if k < 0 {
			c.badCount(e, i, fmt.Sprint(k))
		}
		c.chargeFactors(e, i, float64(k))
	}
	args := make([]ir.NodeID, 0, len(e.args))
	for i, a := range e.args {
		if bi.Arg(i).Type != stdlib.Count {
			args = append(args, c.lower1(a, b))
		}
	}
	c.g.At = c.at(e.pos)
	if bi.Lower == nil {
		return c.g.Call(f, args...)
	}
	x := make([]stdlib.Node, len(args))
	for i, a := range args {
		x[i] = stdlib.Node(a)
	}
	return ir.NodeID(bi.Lower(graphBuilder{c.g}, x, k))
}

// graphBuilder lets the lowering rules of the built-ins build nodes of the graph.
type graphBuilder struct{ g *ir.Graph }

func (b graphBuilder) Const(v float64) stdlib.Node { return stdlib.Node(b.g.Const(v)) }

func (b graphBuilder) Neg(a stdlib.Node) stdlib.Node { return stdlib.Node(b.g.Neg(ir.NodeID(a))) }

func (b graphBuilder) Sub(x, y stdlib.Node) stdlib.Node {
	return stdlib.Node(b.g.Sub(ir.NodeID(x), ir.NodeID(y)))
}

func (b graphBuilder) Mul(a ...stdlib.Node) stdlib.Node {
	ids := make([]ir.NodeID, len(a))
	for i, x := range a {
		ids[i] = ir.NodeID(x)
	}
	return stdlib.Node(b.g.Mul(ids...))
}

func (b graphBuilder) Pow(x, y stdlib.Node) stdlib.Node {
	return stdlib.Node(b.g.Pow(ir.NodeID(x), ir.NodeID(y)))
}

func (b graphBuilder) Compare(op string, x, y stdlib.Node) stdlib.Node {
	cmp, ok := ir.CmpByName(op)
	if !ok {
		panic("compiler: lowering rule compares with " + op)
	}
	return stdlib.Node(b.g.Compare(cmp, ir.NodeID(x), ir.NodeID(y)))
}

func (b graphBuilder) Select(cond, x, y stdlib.Node) stdlib.Node {
	return stdlib.Node(b.g.Select(ir.NodeID(cond), ir.NodeID(x), ir.NodeID(y)))
}
