// Package ir defines the compiled form of a model that every analysis reads: one
// hash-consed expression graph (a DAG of numeric and boolean nodes over leaves: counts,
// densities, environment values, parameters, the scale and time) and the model around it
// (species, transitions with jump vectors, observables, initial state; docs/language.md §7.2).
//
// The graph is an arena: nodes are integer IDs, operands come before their users, and
// positions live in a side table, so that folding, series expansion and differentiation
// create nodes freely without losing where they came from. For evaluation the graph is
// flattened into a Tape.
package ir

import (
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/stdlib"
)

// NodeID identifies a node of a Graph.
type NodeID int32

// None is the absent node.
const None NodeID = -1

// Op is the kind of a node (docs/language.md §7.2).
type Op uint8

// Node kinds.
const (
	OpConst   Op = iota // Val
	OpParam             // Aux = flat index into the model's parameter vector
	OpScale             // the scale N
	OpTime              // t
	OpCount             // Aux = species index: the count n_i
	OpDensity           // Aux = species index: the density x_i = n_i / N
	OpEnvVal            // Aux = component index: integer value (named env: state index)
	OpEnvIs             // Aux = component, Val = state index: bool
	OpAdd               // n-ary sum, operands sorted by ID
	OpMul               // n-ary product, operands sorted by ID
	OpNeg               // -a
	OpDiv               // a / b
	OpPow               // a ^ b
	OpFn                // Aux = stdlib.Fn code
	OpCmp               // Aux = Cmp code; bool
	OpAnd               // n-ary; bool
	OpOr                // n-ary; bool
	OpNot               // bool
	OpSelect            // Select(c, a, b): a if c else b (lazy in meaning)
)

var opNames = [...]string{"Const", "Param", "Scale", "Time", "Count", "Density", "EnvVal", "EnvIs",
	"Add", "Mul", "Neg", "Div", "Pow", "Fn", "Cmp", "And", "Or", "Not", "Select"}

// String returns the node kind's name.
func (o Op) String() string { return opNames[o] }

// IsLeaf reports whether nodes of kind o have no operands.
func (o Op) IsLeaf() bool { return o <= OpEnvIs }

// Fn is a built-in function: the Aux of an OpFn node indexes the table of package stdlib.
type Fn = stdlib.Fn

// Cmp is a comparison code for OpCmp nodes.
type Cmp int32

// Comparisons.
const (
	CmpEq Cmp = iota
	CmpNe
	CmpLt
	CmpLe
	CmpGt
	CmpGe
)

var cmpNames = [...]string{"==", "!=", "<", "<=", ">", ">="}

// String returns the operator's spelling.
func (c Cmp) String() string { return cmpNames[c] }

// CmpByName maps an operator spelling to its code.
func CmpByName(op string) (Cmp, bool) {
	for i, n := range cmpNames {
		if n == op {
			return Cmp(i), true
		}
	}
	return 0, false
}

// Type is the value type of a node.
type Type uint8

// Value types. Environment states are compared through EnvIs and EnvVal nodes, so the
// graph needs only numbers and conditions.
const (
	Num Type = iota
	Bool
)

// Dep is a dependency mask: which kinds of leaf a node depends on. It drives the static
// checks of the compiler and the sparsity of derivatives.
type Dep uint8

// Dependency bits.
const (
	DepCount Dep = 1 << iota
	DepDensity
	DepEnv
	DepTime
	DepParam
	DepScale
)

// Node is one vertex of the graph.
type Node struct {
	Op   Op
	Type Type
	Aux  int32
	Val  float64
	Args []NodeID
}

// Graph is a hash-consed DAG of expression nodes. The zero value is not usable; call
// NewGraph. Nodes are appended in topological order (operands first), and structurally
// equal nodes are created once, so the same subexpression is one node wherever it occurs.
type Graph struct {
	Nodes []Node
	// The source position of the construct that first created each node (Pos): node id
	// was made at places[at[id]]; the nodes made one after another at one place share it.
	places []diag.Pos
	at     []int32
	Deps   []Dep
	table  internTable // finds the node equal to a new one (hash-consing)
	// args holds the operand lists of the nodes, in chunks that are never moved.
	args []NodeID
	// At is the position given to nodes created next; the compiler sets it while it
	// lowers each construct.
	At diag.Pos
}

// NewGraph returns an empty graph.
func NewGraph() *Graph {
	return &Graph{}
}

// Pos returns the source position of the construct that first created node id.
func (g *Graph) Pos(id NodeID) diag.Pos { return g.places[g.at[id]] }

// Len returns the number of nodes.
func (g *Graph) Len() int { return len(g.Nodes) }

// Node returns node id.
func (g *Graph) Node(id NodeID) *Node { return &g.Nodes[id] }

// Dep returns the dependency mask of id.
func (g *Graph) Dep(id NodeID) Dep { return g.Deps[id] }

// IsConst reports whether id is a constant node, and returns its value.
func (g *Graph) IsConst(id NodeID) (float64, bool) {
	n := &g.Nodes[id]
	if n.Op == OpConst {
		return n.Val, true
	}
	return 0, false
}

// IsZero reports whether id is the constant 0 ("structurally zero", docs/language.md §6.5).
func (g *Graph) IsZero(id NodeID) bool {
	v, ok := g.IsConst(id)
	return ok && v == 0
}

// intern returns the existing node equal to n, or adds a copy of n whose operand list is
// kept in the graph's own chunks: n.Args is only read, so that the builders' operand
// lists, often found already interned, need not live on the heap.
func (g *Graph) intern(n Node) NodeID {
	slot, h, found := g.table.find(g.Nodes, &n)
	if found {
		return g.table.id(slot)
	}
	n = Node{Op: n.Op, Type: n.Type, Aux: n.Aux, Val: n.Val, Args: g.keepArgs(n.Args)}
	id := NodeID(len(g.Nodes))
	var dep Dep
	switch n.Op {
	case OpParam:
		dep = DepParam
	case OpScale:
		dep = DepScale
	case OpTime:
		dep = DepTime
	case OpCount:
		dep = DepCount
	case OpDensity:
		dep = DepDensity
	case OpEnvVal, OpEnvIs:
		dep = DepEnv
	}
	for _, a := range n.Args {
		dep |= g.Deps[a]
	}
	if len(g.Nodes) == cap(g.Nodes) {
		// Double, where append grows a large slice by a quarter: a graph of a million
		// nodes is then copied about once, not four times.
		c := max(2*len(g.Nodes), 64)
		g.Nodes = slices.Grow(g.Nodes, c-len(g.Nodes))
		g.at = slices.Grow(g.at, c-len(g.at))
		g.Deps = slices.Grow(g.Deps, c-len(g.Deps))
	}
	g.Nodes = append(g.Nodes, n)
	if k := len(g.places); k == 0 || g.places[k-1] != g.At {
		if k == cap(g.places) {
			// Double, as for the nodes: a large model has about one place a node.
			g.places = slices.Grow(g.places, max(k, 16))
		}
		g.places = append(g.places, g.At)
	}
	g.at = append(g.at, int32(len(g.places)-1))
	g.Deps = append(g.Deps, dep)
	g.table.add(slot, h, id)
	return id
}

// keepArgs copies an operand list into the graph's chunks (capacity-capped, so that an
// append to it copies). Chunks double from 64 to 2^16 operands: a small model allocates
// little, a large one a chunk per 65 536 operands.
func (g *Graph) keepArgs(a []NodeID) []NodeID {
	if len(a) == 0 {
		return nil
	}
	if len(a) > cap(g.args)-len(g.args) {
		g.args = make([]NodeID, 0, max(len(a), min(max(2*cap(g.args), 64), 1<<16)))
	}
	lo := len(g.args)
	g.args = append(g.args, a...)
	return g.args[lo:len(g.args):len(g.args)]
}

// internTable is the hash-consing index of a graph: an open-addressing table, probed
// linearly and kept at most half full. A slot holds a node ID plus one (0 marks an empty
// slot) and, above it, the upper half of the node's hash, which also gives the slot's
// index (its top bits): a probe compares a node only when the hashes agree, and growing
// the table moves slots without touching the nodes. It stores no keys: 8 bytes a slot,
// where a Go map keyed by the node's fields takes five times as much, and a graph may have
// millions of nodes.
type internTable struct {
	slots []uint64
	shift uint // 64 - log2(len(slots)): a hash's index is its top bits
	used  int
}

// find returns the slot of the node equal to n, or the empty slot where n goes, and the
// hash of n.
func (t *internTable) find(nodes []Node, n *Node) (slot int, h uint64, found bool) {
	if 2*(t.used+1) > len(t.slots) {
		t.grow()
	}
	h = hashNode(n)
	mask, tag := len(t.slots)-1, h>>32
	for i := int(h >> t.shift); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return i, h, false
		}
		if s>>32 == tag && sameNode(&nodes[uint32(s)-1], n) {
			return i, h, true
		}
	}
}

// id returns the node of a slot that find returned as found.
func (t *internTable) id(slot int) NodeID { return NodeID(uint32(t.slots[slot]) - 1) }

// add records node id, of hash h, in the empty slot that find returned.
func (t *internTable) add(slot int, h uint64, id NodeID) {
	t.slots[slot] = h>>32<<32 | uint64(uint32(id)+1)
	t.used++
}

// grow doubles the table (to at least 1024 slots, and at most 2^32, where the index
// would no longer fit in the stored half of the hash) and moves every slot.
func (t *internTable) grow() {
	old := t.slots
	t.slots = make([]uint64, max(2*len(old), 1024))
	t.shift = uint(64 - bits.Len(uint(len(t.slots)-1)))
	mask := len(t.slots) - 1
	for _, s := range old {
		if s == 0 {
			continue
		}
		i := int(s >> t.shift)
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

// hashNode hashes the fields that make two nodes equal (sameNode).
func hashNode(n *Node) uint64 {
	h := uint64(n.Op) | uint64(n.Type)<<8 | uint64(len(n.Args))<<16 | uint64(uint32(n.Aux))<<32
	h ^= math.Float64bits(n.Val) * 0x9e3779b97f4a7c15
	for _, a := range n.Args {
		h = (h ^ uint64(uint32(a))) * 0xff51afd7ed558ccd
		h ^= h >> 29
	}
	return mix64(h)
}

// mix64 is the finaliser of MurmurHash3: every input bit affects every output bit.
func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// sameNode reports whether a and b are the same node: same operation, type, auxiliary
// value, operands and constant, bit for bit (so -0 and 0 differ; Const stores -0 as 0).
func sameNode(a, b *Node) bool {
	if a.Op != b.Op || a.Type != b.Type || a.Aux != b.Aux || math.Float64bits(a.Val) != math.Float64bits(b.Val) || len(a.Args) != len(b.Args) {
		return false
	}
	for i, x := range a.Args {
		if b.Args[i] != x {
			return false
		}
	}
	return true
}

// Const returns the constant v. -0 is stored as 0 so that constants hash-cons.
func (g *Graph) Const(v float64) NodeID {
	if v == 0 {
		v = 0
	}
	return g.intern(Node{Op: OpConst, Val: v})
}

// True and False return the boolean constants.
func (g *Graph) True() NodeID { return g.intern(Node{Op: OpConst, Type: Bool, Val: 1}) }

// False returns the boolean constant false.
func (g *Graph) False() NodeID { return g.intern(Node{Op: OpConst, Type: Bool, Val: 0}) }

// BoolConst returns true or false.
func (g *Graph) BoolConst(b bool) NodeID {
	if b {
		return g.True()
	}
	return g.False()
}

// Param returns the leaf for flat parameter index i.
func (g *Graph) Param(i int) NodeID { return g.intern(Node{Op: OpParam, Aux: int32(i)}) }

// Scale returns the scale leaf N.
func (g *Graph) Scale() NodeID { return g.intern(Node{Op: OpScale}) }

// Time returns the time leaf t.
func (g *Graph) Time() NodeID { return g.intern(Node{Op: OpTime}) }

// Count returns the count leaf of species i.
func (g *Graph) Count(i int) NodeID { return g.intern(Node{Op: OpCount, Aux: int32(i)}) }

// Density returns the density leaf of species i.
func (g *Graph) Density(i int) NodeID { return g.intern(Node{Op: OpDensity, Aux: int32(i)}) }

// EnvVal returns the value leaf of environment component c.
func (g *Graph) EnvVal(c int) NodeID { return g.intern(Node{Op: OpEnvVal, Aux: int32(c)}) }

// EnvIs returns the condition "component c is in state s".
func (g *Graph) EnvIs(c, s int) NodeID {
	return g.intern(Node{Op: OpEnvIs, Type: Bool, Aux: int32(c), Val: float64(s)})
}

// Add returns the sum of its operands: nested sums are flattened, constants folded and
// like terms combined (c1·e + c2·e = (c1+c2)·e for the same hash-consed e), so e − e and
// e + (−e) are structurally zero (docs/language.md §6.5).
func (g *Graph) Add(args ...NodeID) NodeID {
	var bases []NodeID
	coef := make(map[NodeID]float64, len(args))
	c := 0.0
	var walk func(a NodeID, k float64)
	walk = func(a NodeID, k float64) {
		n := &g.Nodes[a]
		switch n.Op {
		case OpConst:
			c += k * n.Val
			return
		case OpAdd:
			for _, b := range n.Args {
				walk(b, k)
			}
			return
		case OpNeg:
			walk(n.Args[0], -k)
			return
		case OpMul:
			if v, ok := g.IsConst(n.Args[0]); ok {
				k *= v
				a = g.mulOf(n.Args[1:])
			}
		}
		if _, ok := coef[a]; !ok {
			bases = append(bases, a)
		}
		coef[a] += k
	}
	for _, a := range args {
		walk(a, 1)
	}
	ops := make([]NodeID, 0, len(bases)+1)
	for _, b := range bases {
		switch k := coef[b]; k {
		case 0:
		case 1:
			ops = append(ops, b)
		default:
			ops = append(ops, g.Mul(g.Const(k), b))
		}
	}
	if c != 0 {
		ops = append(ops, g.Const(c))
	}
	switch len(ops) {
	case 0:
		return g.Const(0)
	case 1:
		return ops[0]
	}
	sortIDs(ops)
	return g.intern(Node{Op: OpAdd, Args: ops})
}

// mulOf returns the product node of already-canonical, non-constant factors.
func (g *Graph) mulOf(ops []NodeID) NodeID {
	if len(ops) == 1 {
		return ops[0]
	}
	return g.intern(Node{Op: OpMul, Args: ops})
}

// Sub returns a - b.
func (g *Graph) Sub(a, b NodeID) NodeID { return g.Add(a, g.Neg(b)) }

// Mul returns the product of its operands, flattened, with constants folded; a constant 0
// makes the product 0 (docs/language.md §6.5).
func (g *Graph) Mul(args ...NodeID) NodeID {
	var ops []NodeID
	c := 1.0
	var walk func(a NodeID)
	walk = func(a NodeID) {
		n := &g.Nodes[a]
		switch n.Op {
		case OpConst:
			c *= n.Val
		case OpMul:
			for _, b := range n.Args {
				walk(b)
			}
		case OpNeg:
			c = -c
			walk(n.Args[0])
		default:
			ops = append(ops, a)
		}
	}
	for _, a := range args {
		walk(a)
	}
	if c == 0 {
		return g.Const(0)
	}
	var out NodeID
	switch len(ops) {
	case 0:
		return g.Const(c)
	case 1:
		out = ops[0]
	default:
		sortIDs(ops)
		out = g.intern(Node{Op: OpMul, Args: ops})
	}
	switch c {
	case 1:
		return out
	case -1:
		return g.intern(Node{Op: OpNeg, Args: []NodeID{out}})
	}
	// The constant factor comes first; the other factors are sorted by ID.
	return g.intern(Node{Op: OpMul, Args: append([]NodeID{g.Const(c)}, ops...)})
}

// Neg returns -a.
func (g *Graph) Neg(a NodeID) NodeID {
	n := &g.Nodes[a]
	switch n.Op {
	case OpConst:
		return g.Const(-n.Val)
	case OpNeg:
		return n.Args[0]
	}
	return g.Mul(g.Const(-1), a)
}

// Div returns a / b. Constants fold (0/0 is NaN, 1/0 is +Inf: docs/language.md §6.11), e / 1 is e
// and e / c is e·(1/c) for a finite non-zero constant c. 0 / e is not folded for a
// non-constant e: it is NaN where e is 0.
func (g *Graph) Div(a, b NodeID) NodeID {
	if v, ok := g.IsConst(b); ok {
		if av, ok := g.IsConst(a); ok {
			return g.Const(av / v)
		}
		if v == 1 {
			return a
		}
		if v != 0 && !math.IsInf(v, 0) {
			return g.Mul(a, g.Const(1/v))
		}
	}
	// e/e is not folded to 1: it is 1 only where e is not 0, and 0/0 must stay NaN.
	return g.intern(Node{Op: OpDiv, Args: []NodeID{a, b}})
}

// Pow returns a ^ b. Constants fold; e^1 = e; e^0 = 1; 0^p = 0 for a constant p > 0.
func (g *Graph) Pow(a, b NodeID) NodeID {
	bv, bc := g.IsConst(b)
	av, ac := g.IsConst(a)
	switch {
	case ac && bc:
		return g.Const(math.Pow(av, bv))
	case bc && bv == 1:
		return a
	case bc && bv == 0:
		return g.Const(1)
	case ac && av == 0 && bc && bv > 0:
		return g.Const(0)
	}
	return g.intern(Node{Op: OpPow, Args: []NodeID{a, b}})
}

// Call returns f(args...), folded when every argument is constant.
func (g *Graph) Call(f Fn, args ...NodeID) NodeID {
	vals := make([]float64, len(args))
	all := true
	for i, a := range args {
		v, ok := g.IsConst(a)
		vals[i], all = v, all && ok
	}
	if all {
		return g.Const(f.Eval(vals))
	}
	return g.intern(Node{Op: OpFn, Aux: int32(f), Args: args})
}

// Compare returns the condition a op b, folded for constant operands.
func (g *Graph) Compare(op Cmp, a, b NodeID) NodeID {
	av, ac := g.IsConst(a)
	bv, bc := g.IsConst(b)
	if ac && bc {
		return g.BoolConst(EvalCmp(op, av, bv))
	}
	return g.intern(Node{Op: OpCmp, Type: Bool, Aux: int32(op), Args: []NodeID{a, b}})
}

// And returns the conjunction; false absorbs, true is dropped.
func (g *Graph) And(args ...NodeID) NodeID { return g.logic(OpAnd, args) }

// Or returns the disjunction; true absorbs, false is dropped.
func (g *Graph) Or(args ...NodeID) NodeID { return g.logic(OpOr, args) }

func (g *Graph) logic(op Op, args []NodeID) NodeID {
	absorb := 0.0 // false absorbs And
	if op == OpOr {
		absorb = 1
	}
	var ops []NodeID
	for _, a := range args {
		n := &g.Nodes[a]
		switch {
		case n.Op == OpConst && n.Val == absorb:
			return g.BoolConst(absorb == 1)
		case n.Op == OpConst:
		case n.Op == op:
			ops = append(ops, n.Args...)
		default:
			ops = append(ops, a)
		}
	}
	switch len(ops) {
	case 0:
		return g.BoolConst(absorb == 0)
	case 1:
		return ops[0]
	}
	// Keep source order: evaluation is lazy, left to right (docs/language.md §3.3).
	return g.intern(Node{Op: op, Type: Bool, Args: dedup(ops)})
}

// Not returns the negation of a condition.
func (g *Graph) Not(a NodeID) NodeID {
	n := &g.Nodes[a]
	switch n.Op {
	case OpConst:
		return g.BoolConst(n.Val == 0)
	case OpNot:
		return n.Args[0]
	}
	return g.intern(Node{Op: OpNot, Type: Bool, Args: []NodeID{a}})
}

// Select returns "if c then a else b". A constant condition selects its branch, and equal
// branches make the condition irrelevant.
func (g *Graph) Select(c, a, b NodeID) NodeID {
	if v, ok := g.IsConst(c); ok {
		if v != 0 {
			return a
		}
		return b
	}
	if a == b {
		return a
	}
	return g.intern(Node{Op: OpSelect, Type: g.Nodes[a].Type, Args: []NodeID{c, a, b}})
}

// Ind returns 1 if c holds, else 0.
func (g *Graph) Ind(c NodeID) NodeID { return g.Select(c, g.Const(1), g.Const(0)) }

// Rebuild creates a node like n over the operands args (one per operand of n) through the
// folding builders, so that the result is hash-consed and folded like any other node. n
// must not be a leaf.
func (g *Graph) Rebuild(n *Node, args []NodeID) NodeID {
	switch n.Op {
	case OpAdd:
		return g.Add(args...)
	case OpMul:
		return g.Mul(args...)
	case OpNeg:
		return g.Neg(args[0])
	case OpDiv:
		return g.Div(args[0], args[1])
	case OpPow:
		return g.Pow(args[0], args[1])
	case OpFn:
		return g.Call(Fn(n.Aux), args...)
	case OpCmp:
		return g.Compare(Cmp(n.Aux), args[0], args[1])
	case OpAnd:
		return g.And(args...)
	case OpOr:
		return g.Or(args...)
	case OpNot:
		return g.Not(args[0])
	case OpSelect:
		return g.Select(args[0], args[1], args[2])
	}
	panic("ir: Rebuild of the leaf " + n.Op.String())
}

// ShiftCounts returns the node of root with every count n_i replaced by n_i + δ_i for the
// jump δ (the expression at the state x + δ), rebuilt through the folding builders: the
// result is an ordinary node, which every evaluator and autodiff read as any other. Nodes
// that read no count are shared, not copied. Cost: O(size of root's subgraph).
func (g *Graph) ShiftCounts(root NodeID, jump []Jump) NodeID {
	if len(jump) == 0 {
		return root
	}
	return g.rewrite(root, DepCount, func(id NodeID, n *Node) NodeID {
		if n.Op == OpCount {
			for _, j := range jump {
				if j.Species == int(n.Aux) {
					return g.Add(id, g.Const(float64(j.Delta)))
				}
			}
		}
		return id
	})
}

// FixEnv returns the node of root with the environment set to the tuple y (one value per
// component, the state index for a named component): environment values become constants
// and environment tests true or false, folded through the builders. Cost: O(size of root's
// subgraph).
func (g *Graph) FixEnv(root NodeID, y []int) NodeID {
	return g.rewrite(root, DepEnv, func(id NodeID, n *Node) NodeID {
		switch n.Op {
		case OpEnvVal:
			return g.Const(float64(y[n.Aux]))
		case OpEnvIs:
			return g.BoolConst(float64(y[n.Aux]) == n.Val)
		}
		return id
	})
}

// rewrite rebuilds root bottom-up, replacing each leaf by leaf(id, node) and rebuilding the
// nodes whose operands changed; nodes without the dependency dep are kept as they are.
func (g *Graph) rewrite(root NodeID, dep Dep, leaf func(id NodeID, n *Node) NodeID) NodeID {
	memo := map[NodeID]NodeID{}
	var walk func(id NodeID) NodeID
	walk = func(id NodeID) NodeID {
		if g.Deps[id]&dep == 0 {
			return id
		}
		if r, ok := memo[id]; ok {
			return r
		}
		n := g.Nodes[id]
		var r NodeID
		if n.Op.IsLeaf() {
			r = leaf(id, &n)
		} else {
			args := make([]NodeID, len(n.Args))
			for k, a := range n.Args {
				args[k] = walk(a)
			}
			r = g.Rebuild(&n, args)
		}
		memo[id] = r
		return r
	}
	return walk(root)
}

func sortIDs(ids []NodeID) { slices.Sort(ids) }

func dedup(ids []NodeID) []NodeID {
	out := ids[:0]
	if len(ids) <= 16 {
		for _, a := range ids {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
		return out
	}
	seen := make(map[NodeID]bool, len(ids))
	for _, a := range ids {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// String renders node id as an expression, for reports and tests. Density leaves print as
// x_<name> when names are given, counts as the species name.
func (g *Graph) String(id NodeID, names *Names) string {
	return g.format(id, names, 0)
}

// Names gives the printable names of leaves.
type Names struct {
	Species []string
	Params  []string // by flat index
	Env     []string
	States  [][]string // state names per component (nil for integer components)
	Scale   string
}

func (g *Graph) format(id NodeID, nm *Names, prec int) string {
	n := &g.Nodes[id]
	name := func(list []string, i int32, def string) string {
		if nm != nil && int(i) < len(list) {
			return list[i]
		}
		return fmt.Sprintf("%s%d", def, i)
	}
	paren := func(p int, s string) string {
		if p < prec {
			return "(" + s + ")"
		}
		return s
	}
	switch n.Op {
	case OpConst:
		if n.Type == Bool {
			return map[bool]string{true: "true", false: "false"}[n.Val != 0]
		}
		s := fmt.Sprintf("%.12g", n.Val)
		if n.Val < 0 {
			return paren(7, s)
		}
		return s
	case OpParam:
		return name(nmParams(nm), n.Aux, "p")
	case OpScale:
		if nm != nil && nm.Scale != "" {
			return nm.Scale
		}
		return "N"
	case OpTime:
		return "t"
	case OpCount:
		return name(nmSpecies(nm), n.Aux, "n")
	case OpDensity:
		return "x_" + name(nmSpecies(nm), n.Aux, "")
	case OpEnvVal:
		return name(nmEnv(nm), n.Aux, "y")
	case OpEnvIs:
		st := fmt.Sprint(int(n.Val))
		if nm != nil && int(n.Aux) < len(nm.States) && nm.States[n.Aux] != nil {
			st = nm.States[n.Aux][int(n.Val)]
		}
		return paren(4, name(nmEnv(nm), n.Aux, "y")+" == "+st)
	case OpAdd:
		s := g.format(n.Args[0], nm, 5)
		for _, a := range n.Args[1:] {
			if an := &g.Nodes[a]; an.Op == OpNeg {
				s += " - " + g.format(an.Args[0], nm, 6)
			} else if v, ok := g.IsConst(a); ok && v < 0 {
				s += " - " + g.format(g.Const(-v), nm, 6)
			} else {
				s += " + " + g.format(a, nm, 5)
			}
		}
		return paren(5, s)
	case OpMul:
		s := ""
		for i, a := range n.Args {
			if i > 0 {
				s += "*"
			}
			p := 6
			if g.Nodes[a].Op == OpDiv {
				p = 7 // a*(b/c): keep the quotient grouped
			}
			s += g.format(a, nm, p)
		}
		return paren(6, s)
	case OpNeg:
		return paren(7, "-"+g.format(n.Args[0], nm, 7))
	case OpDiv:
		return paren(6, g.format(n.Args[0], nm, 6)+"/"+g.format(n.Args[1], nm, 7))
	case OpPow:
		return paren(8, g.format(n.Args[0], nm, 9)+"^"+g.format(n.Args[1], nm, 8))
	case OpFn:
		s := Fn(n.Aux).String() + "("
		for i, a := range n.Args {
			if i > 0 {
				s += ", "
			}
			s += g.format(a, nm, 0)
		}
		return s + ")"
	case OpCmp:
		return paren(4, g.format(n.Args[0], nm, 5)+" "+Cmp(n.Aux).String()+" "+g.format(n.Args[1], nm, 5))
	case OpAnd, OpOr:
		op, p := " and ", 2
		if n.Op == OpOr {
			op, p = " or ", 1
		}
		s := ""
		for i, a := range n.Args {
			if i > 0 {
				s += op
			}
			s += g.format(a, nm, p+1)
		}
		return paren(p, s)
	case OpNot:
		return paren(3, "not "+g.format(n.Args[0], nm, 3))
	case OpSelect:
		return paren(0, "if "+g.format(n.Args[0], nm, 0)+" then "+g.format(n.Args[1], nm, 0)+" else "+g.format(n.Args[2], nm, 0))
	}
	return "?"
}

func nmParams(nm *Names) []string {
	if nm == nil {
		return nil
	}
	return nm.Params
}

func nmSpecies(nm *Names) []string {
	if nm == nil {
		return nil
	}
	return nm.Species
}

func nmEnv(nm *Names) []string {
	if nm == nil {
		return nil
	}
	return nm.Env
}
