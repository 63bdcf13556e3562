package compiler

import (
	"fmt"
	"math"
	"strconv"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/stdlib"
)

// partial evaluates graph nodes in three-valued logic (docs/language.md §5.4): environment values,
// constants and structural parameters are known; species, t, the scale and other
// parameters are unknown. It is reused across environment states with a generation stamp.
type partial struct {
	g      *ir.Graph
	params []float64
	known  []bool // parameter flat index is structural
	env    []int
	gen    []uint32
	cur    uint32
	val    []float64
	ok     []bool
}

func (c *compiler) newPartial() *partial {
	p := &partial{g: c.g, params: c.paramVals, known: make([]bool, len(c.paramVals))}
	for _, s := range c.params {
		if s.structural {
			for i := 0; i < s.size; i++ {
				p.known[s.offset+i] = true
			}
		}
	}
	return p
}

// at starts evaluation at environment tuple y.
func (p *partial) at(y []int) {
	p.env = y
	p.cur++
	if n := p.g.Len(); len(p.gen) < n {
		p.gen = append(p.gen, make([]uint32, n-len(p.gen))...)
		p.val = append(p.val, make([]float64, n-len(p.val))...)
		p.ok = append(p.ok, make([]bool, n-len(p.ok))...)
	}
}

// eval returns the node's value and whether it is known.
func (p *partial) eval(id ir.NodeID) (float64, bool) {
	if p.gen[id] == p.cur {
		return p.val[id], p.ok[id]
	}
	v, ok := p.eval1(id)
	p.gen[id], p.val[id], p.ok[id] = p.cur, v, ok
	return v, ok
}

func (p *partial) eval1(id ir.NodeID) (float64, bool) {
	n := p.g.Node(id)
	switch n.Op {
	case ir.OpConst:
		return n.Val, true
	case ir.OpParam:
		return p.params[n.Aux], p.known[n.Aux]
	case ir.OpEnvVal:
		return float64(p.env[n.Aux]), true
	case ir.OpEnvIs:
		return b2f(float64(p.env[n.Aux]) == n.Val), true
	case ir.OpScale, ir.OpTime, ir.OpCount, ir.OpDensity:
		return 0, false
	case ir.OpAnd, ir.OpOr:
		stop := 0.0 // false stops And
		if n.Op == ir.OpOr {
			stop = 1
		}
		all := true
		for _, a := range n.Args {
			v, ok := p.eval(a)
			if ok && b2f(v != 0) == stop {
				return stop, true
			}
			all = all && ok
		}
		return 1 - stop, all
	case ir.OpSelect:
		cv, cok := p.eval(n.Args[0])
		if cok {
			if cv != 0 {
				return p.eval(n.Args[1])
			}
			return p.eval(n.Args[2])
		}
		a, aok := p.eval(n.Args[1])
		b, bok := p.eval(n.Args[2])
		return a, aok && bok && a == b
	case ir.OpMul:
		// A known zero factor makes the product zero.
		prod, all := 1.0, true
		for _, a := range n.Args {
			v, ok := p.eval(a)
			if ok && v == 0 {
				return 0, true
			}
			prod *= v
			all = all && ok
		}
		return prod, all
	}
	vals := make([]float64, len(n.Args))
	for i, a := range n.Args {
		v, ok := p.eval(a)
		if !ok {
			return 0, false
		}
		vals[i] = v
	}
	return applyOp(n, vals), true
}

// applyOp computes a non-leaf node from its operand values.
func applyOp(n *ir.Node, v []float64) float64 {
	switch n.Op {
	case ir.OpAdd:
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s
	case ir.OpMul:
		s := 1.0
		for _, x := range v {
			s *= x
		}
		return s
	case ir.OpNeg:
		return -v[0]
	case ir.OpDiv:
		return v[0] / v[1]
	case ir.OpPow:
		return stdlib.Pow(v[0], v[1])
	case ir.OpFn:
		return ir.Fn(n.Aux).Eval(v)
	case ir.OpCmp:
		return b2f(ir.EvalCmp(ir.Cmp(n.Aux), v[0], v[1]))
	case ir.OpNot:
		return b2f(v[0] == 0)
	}
	return math.NaN()
}

// envSpace explores 𝒴 from the support of the initial law through the updates of every
// transition whose guard is not definitely false (docs/language.md §5.4), and records each
// transition's update map u: 𝒴 → 𝒴.
func (c *compiler) envSpace(insts []*instance) {
	env := &c.model.Env
	limit := c.opts.MaxEnvStates
	if limit <= 0 {
		limit = 1_000_000
	}
	ix := newTupleIndex(env.Components, limit)
	// add returns the index of y in 𝒴, appending a copy of y if it is new.
	add := func(y []int) int {
		if i := ix.get(y); i >= 0 {
			return i
		}
		ix.put(y, len(env.Space))
		env.Space = append(env.Space, append([]int(nil), y...))
		return len(env.Space) - 1
	}
	env.Init = nil
	for _, y := range c.initTuples {
		add(y)
	}
	if env.Stationary {
		// The stationary law is computed by the runtime; 𝒴 still starts from the default tuple.
		env.Init = nil
	} else {
		env.Init = make([]float64, len(env.Space))
		for i, y := range c.initTuples {
			env.Init[ix.get(y)] += c.initWeights[i]
		}
	}
	p := c.newPartial()
	c.partial = p
	c.updates = make([][]int, len(insts))
	for i, in := range insts {
		if len(in.sets) > 0 {
			c.updates[i] = []int{}
		}
	}
	ny := make([]int, len(env.Components))
	for k := 0; k < len(env.Space); k++ {
		y := env.Space[k]
		p.at(y)
		for i, in := range insts {
			if len(in.sets) == 0 {
				continue
			}
			if v, ok := p.eval(in.guard); ok && v == 0 {
				c.updates[i] = append(c.updates[i], -1)
				continue
			}
			if c.applySets(in, y, ny, p) {
				c.updates[i] = append(c.updates[i], -1)
				continue
			}
			j := add(ny)
			c.updates[i] = append(c.updates[i], j)
			if len(env.Space) > limit {
				c.errorf(in.decl.pos, "E405", "check the guards that restrict the environment", "environment space exceeds %d states", limit)
				return
			}
		}
	}
	if env.Init != nil {
		env.Init = append(env.Init, make([]float64, len(env.Space)-len(env.Init))...)
	}
}

// applySets computes u(y) for one transition into ny; out-of-range values are E504 (and the
// result is true: bad).
func (c *compiler) applySets(in *instance, y, ny []int, p *partial) (bad bool) {
	copy(ny, y)
	for _, s := range in.sets {
		v, ok := p.eval(s.value)
		comp := c.model.Env.Components[s.comp]
		if !ok || math.IsNaN(v) {
			c.errorf(s.pos, "E504", "set values may depend only on the environment, parameters and binders", "set value of '%s' is not known at compile time", comp.Name)
			return true
		}
		if v != math.Trunc(v) || int(v) < comp.Lo || int(v) > comp.Hi {
			what := fmtNum(v)
			if comp.States == nil {
				c.errorf(s.pos, "E504", fmt.Sprintf("'%s' takes values %d..%d", comp.Name, comp.Lo, comp.Hi),
					"'set %s = %s' is outside %d..%d%s", comp.Name, what, comp.Lo, comp.Hi, instSuffix(in))
			} else {
				c.errorf(s.pos, "E504", fmt.Sprintf("give one of the states of '%s'", comp.Name), "'set %s' gives no state of '%s'%s", comp.Name, comp.Name, instSuffix(in))
			}
			return true
		}
		ny[s.comp] = int(v)
	}
	return false
}

// tupleIndex maps environment tuples to their index in 𝒴. A tuple is numbered in mixed
// radix over the components' ranges; when there are few such numbers (at most 4 × the
// state limit) a flat table holds the indices, otherwise a map does. Huge products of
// ranges (beyond 2^62) fall back to string keys.
type tupleIndex struct {
	comps  []ir.EnvComponent
	stride []uint64
	table  []int32 // by number, -1 for absent; nil if not used
	byNum  map[uint64]int
	byKey  map[string]int // when the numbers overflow
	buf    []byte
}

func newTupleIndex(comps []ir.EnvComponent, limit int) *tupleIndex {
	ix := &tupleIndex{comps: comps, stride: make([]uint64, len(comps))}
	total := uint64(1)
	for i := len(comps) - 1; i >= 0; i-- {
		ix.stride[i] = total
		n := uint64(comps[i].Hi - comps[i].Lo + 1)
		if n == 0 || total > (1<<62)/n {
			ix.stride = nil
			ix.byKey = map[string]int{}
			return ix
		}
		total *= n
	}
	if total <= 4*uint64(limit) {
		ix.table = make([]int32, total)
		for i := range ix.table {
			ix.table[i] = -1
		}
	} else {
		ix.byNum = map[uint64]int{}
	}
	return ix
}

// num returns the mixed-radix number of y, and false if a value lies outside its range
// (such tuples, reported elsewhere, are kept under string keys).
func (ix *tupleIndex) num(y []int) (uint64, bool) {
	if ix.stride == nil {
		return 0, false
	}
	var n uint64
	for i, v := range y {
		if v < ix.comps[i].Lo || v > ix.comps[i].Hi {
			return 0, false
		}
		n += uint64(v-ix.comps[i].Lo) * ix.stride[i]
	}
	return n, true
}

func (ix *tupleIndex) key(y []int) []byte {
	ix.buf = ix.buf[:0]
	for _, v := range y {
		ix.buf = strconv.AppendInt(ix.buf, int64(v), 10)
		ix.buf = append(ix.buf, ',')
	}
	return ix.buf
}

// get returns the index of y, or -1.
func (ix *tupleIndex) get(y []int) int {
	n, in := ix.num(y)
	switch {
	case in && ix.table != nil:
		return int(ix.table[n])
	case in && ix.byNum != nil:
		if i, ok := ix.byNum[n]; ok {
			return i
		}
	default:
		if i, ok := ix.byKey[string(ix.key(y))]; ok {
			return i
		}
	}
	return -1
}

// put records that y has index i.
func (ix *tupleIndex) put(y []int, i int) {
	n, in := ix.num(y)
	switch {
	case in && ix.table != nil:
		ix.table[n] = int32(i)
	case in && ix.byNum != nil:
		ix.byNum[n] = i
	default:
		if ix.byKey == nil {
			ix.byKey = map[string]int{}
		}
		ix.byKey[string(ix.key(y))] = i
	}
}

func instSuffix(in *instance) string {
	if in.instance == "" {
		return ""
	}
	return " (instance " + in.instance + ")"
}
