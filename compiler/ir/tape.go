package ir

import (
	"math"

	"github.com/mfcproject/mfc/stdlib"
)

// Inputs are the leaf values a Tape is evaluated at. Slices are indexed like the leaves:
// Counts and Densities by species, Params by flat parameter index, Env by component (the
// integer value, or the state index of a named component).
type Inputs struct {
	Counts    []float64
	Densities []float64
	Params    []float64
	Env       []float64
	Time      float64
	Scale     float64
}

// AppendFixed appends the inputs that are not the state — the parameters, then the time
// and the scale — to dst, for SameFixed. O(len(Params)).
func (in *Inputs) AppendFixed(dst []float64) []float64 {
	return append(append(dst, in.Params...), in.Time, in.Scale)
}

// SameFixed reports whether f, from AppendFixed, holds in's parameters, time and scale bit
// for bit: then the slots outside Tape.StateSlots keep their values. O(len(Params)).
func (in *Inputs) SameFixed(f []float64) bool {
	n := len(in.Params)
	if len(f) != n+2 || math.Float64bits(f[n]) != math.Float64bits(in.Time) || math.Float64bits(f[n+1]) != math.Float64bits(in.Scale) {
		return false
	}
	for i, v := range in.Params {
		if math.Float64bits(f[i]) != math.Float64bits(v) {
			return false
		}
	}
	return true
}

// Instr is one tape instruction. Its operands are tape slots Args[Lo:Hi] of the Tape; its
// result goes to the slot with the instruction's own index.
type Instr struct {
	Op     Op
	Aux    int32
	Val    float64
	Lo, Hi int32
}

// Tape is a flat program that evaluates a set of graph nodes: a slice of instructions over
// a slice of values, in topological order, with no maps or interface calls in the loop.
// A Tape is immutable after Compile and safe for concurrent use with separate value
// buffers.
type Tape struct {
	Code []Instr
	Args []int32
	// Node maps each slot back to its graph node (for positions and derivative rules).
	Node []NodeID
	// Out holds the slot of each requested output, in the order requested.
	Out []int32
	// Slot maps a graph node to its slot, or -1 if the node is not on the tape.
	Slot []int32
	all  []int32 // 0, 1, …, Len()−1: the slots Eval evaluates
}

// Compile flattens the nodes reachable from outputs into a tape.
func (g *Graph) Compile(outputs []NodeID) *Tape {
	slot := make([]int32, len(g.Nodes))
	for i := range slot {
		slot[i] = -1
	}
	// Mark reachable nodes; graph order is already topological.
	need := make([]bool, len(g.Nodes))
	for _, o := range outputs {
		need[o] = true
	}
	for id := len(g.Nodes) - 1; id >= 0; id-- {
		if need[id] {
			for _, a := range g.Nodes[id].Args {
				need[a] = true
			}
		}
	}
	t := &Tape{Slot: slot}
	for id, n := range g.Nodes {
		if !need[id] {
			continue
		}
		slot[id] = int32(len(t.Code))
		lo := int32(len(t.Args))
		for _, a := range n.Args {
			t.Args = append(t.Args, slot[a])
		}
		t.Code = append(t.Code, Instr{Op: n.Op, Aux: n.Aux, Val: n.Val, Lo: lo, Hi: int32(len(t.Args))})
		t.Node = append(t.Node, NodeID(id))
	}
	for _, o := range outputs {
		t.Out = append(t.Out, slot[o])
	}
	t.all = make([]int32, len(t.Code))
	for k := range t.all {
		t.all[k] = int32(k)
	}
	return t
}

// Len returns the number of slots (instructions).
func (t *Tape) Len() int { return len(t.Code) }

// Eval evaluates every slot into vals (len(vals) ≥ t.Len()) at in. Conditions evaluate to
// 1 or 0. Select picks the value of its chosen branch; both branches are computed, so a
// division by zero in the branch not taken never reaches the result. Eval does not allocate.
func (t *Tape) Eval(vals []float64, in *Inputs) { t.EvalMemo(vals, in, nil) }

// EvalMemo is Eval with the two-argument built-ins (poisson_pmf, poisson_cdf) looked up in
// memo first (nil: none), which gives the same bits: a row of an exact chain evaluates
// pmf(k, λ) for every k at one λ, and every state of the row's time the same values again.
// It does not allocate.
func (t *Tape) EvalMemo(vals []float64, in *Inputs, memo *Memo) { t.eval(vals, in, memo, nil) }

// EvalSlots is EvalMemo for the given slots only, in the given order (tape order: a
// slot's operands come first); the other slots of vals are left as they are. With the
// slots of StateSlots and vals from an evaluation at the same parameters, time and scale,
// it gives the bits of EvalMemo at a new state. It does not allocate.
func (t *Tape) EvalSlots(vals []float64, in *Inputs, memo *Memo, slots []int32) {
	t.eval(vals, in, memo, slots)
}

// StateSlots returns, in tape order, the slots whose value depends on the state: on a
// count, a density or the environment, directly or through their operands. The others
// depend only on the parameters, the time and the scale. O(tape).
func (t *Tape) StateSlots() []int32 {
	dep := make([]bool, len(t.Code))
	var out []int32
	for k := range t.Code {
		ins := &t.Code[k]
		switch ins.Op {
		case OpCount, OpDensity, OpEnvVal, OpEnvIs:
			dep[k] = true
		default:
			for _, a := range t.Args[ins.Lo:ins.Hi] {
				dep[k] = dep[k] || dep[a]
			}
		}
		if dep[k] {
			out = append(out, int32(k))
		}
	}
	return out
}

// eval evaluates the given slots (nil: all of them).
func (t *Tape) eval(vals []float64, in *Inputs, memo *Memo, slots []int32) {
	vals = vals[:len(t.Code)]
	args, code := t.Args, t.Code
	if slots == nil {
		slots = t.all
	}
	for _, k32 := range slots {
		k := int(k32)
		ins := &code[k]
		// The operands are args[lo], args[lo+1], …: indexed directly by the operations of
		// fixed arity, sliced by the others (a slice per slot cost a fifth of the loop).
		lo := ins.Lo
		var v float64
		switch ins.Op {
		case OpConst:
			v = ins.Val
		case OpParam:
			v = in.Params[ins.Aux]
		case OpScale:
			v = in.Scale
		case OpTime:
			v = in.Time
		case OpCount:
			v = in.Counts[ins.Aux]
		case OpDensity:
			v = in.Densities[ins.Aux]
		case OpEnvVal:
			v = in.Env[ins.Aux]
		case OpEnvIs:
			v = b2f(in.Env[ins.Aux] == ins.Val)
		case OpAdd:
			a := args[lo:ins.Hi]
			v = vals[a[0]]
			for _, j := range a[1:] {
				v += vals[j]
			}
		case OpMul:
			a := args[lo:ins.Hi]
			v = vals[a[0]]
			for _, j := range a[1:] {
				v *= vals[j]
			}
		case OpNeg:
			v = -vals[args[lo]]
		case OpDiv:
			v = vals[args[lo]] / vals[args[lo+1]]
		case OpPow:
			v = stdlib.Pow(vals[args[lo]], vals[args[lo+1]])
		case OpFn:
			if f := Fn(ins.Aux).Builtin(); f.Eval2 != nil {
				if x, y := vals[args[lo]], vals[args[lo+1]]; memo != nil {
					v = memo.call(ins.Aux, f.Eval2, x, y)
				} else {
					v = f.Eval2(x, y)
				}
			} else {
				v = f.Eval1(vals[args[lo]])
			}
		case OpCmp:
			v = b2f(EvalCmp(Cmp(ins.Aux), vals[args[lo]], vals[args[lo+1]]))
		case OpAnd:
			v = 1
			for _, j := range args[lo:ins.Hi] {
				if vals[j] == 0 {
					v = 0
					break
				}
			}
		case OpOr:
			v = 0
			for _, j := range args[lo:ins.Hi] {
				if vals[j] != 0 {
					v = 1
					break
				}
			}
		case OpNot:
			v = b2f(vals[args[lo]] == 0)
		case OpSelect:
			if vals[args[lo]] != 0 {
				v = vals[args[lo+1]]
			} else {
				v = vals[args[lo+2]]
			}
		}
		vals[k] = v
	}
}

// Output returns the value of output i after Eval.
func (t *Tape) Output(vals []float64, i int) float64 { return vals[t.Out[i]] }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// EvalCmp applies a comparison.
func EvalCmp(op Cmp, a, b float64) bool {
	switch op {
	case CmpEq:
		return a == b
	case CmpNe:
		return a != b
	case CmpLt:
		return a < b
	case CmpLe:
		return a <= b
	case CmpGt:
		return a > b
	}
	return a >= b
}

// Memo remembers the values of the two-argument built-ins that remain after lowering
// (poisson_pmf and poisson_cdf, which cost an exp and a log, or a loop over k) by the bits
// of their arguments, in a direct-mapped table of memoSize entries: a value found is the
// one the built-in returned for the same bits, so EvalMemo gives the bits of Eval. A Memo
// is not safe for concurrent use; it holds 32 KB.
type Memo struct {
	e [memoSize]memoEntry
}

// memoSize is the number of entries of a Memo (a power of 2). The slot of a call with an
// integer first argument k is its hash of (built-in, second argument) plus k, so the pmf
// and cdf of every k < memoSize/2 at one λ have slots of their own.
const memoSize = 1024

type memoEntry struct {
	fn   int32 // the built-in + 1; 0: empty
	x, y uint64
	v    float64
}

// NewMemo returns an empty memo for the tape, or nil when the tape calls no two-argument
// built-in (EvalMemo then is Eval). O(1), or O(tape) to scan the tape.
func NewMemo(t *Tape) *Memo {
	for k := range t.Code {
		if ins := &t.Code[k]; ins.Op == OpFn && Fn(ins.Aux).Builtin().Eval2 != nil {
			return &Memo{}
		}
	}
	return nil
}

// call returns f(x, y) from the memo or, computed, through it. O(1) beyond f.
func (m *Memo) call(fn int32, f func(x, y float64) float64, x, y float64) float64 {
	xb, yb := math.Float64bits(x), math.Float64bits(y)
	e := &m.e[memoSlot(fn, x, y)]
	if e.fn == fn+1 && e.x == xb && e.y == yb {
		return e.v
	}
	v := f(x, y)
	*e = memoEntry{fn: fn + 1, x: xb, y: yb, v: v}
	return v
}

// memoSlot returns the entry of a call in a Memo.
func memoSlot(fn int32, x, y float64) int {
	xb, yb := math.Float64bits(x), math.Float64bits(y)
	h := (yb^yb>>29)*0x9e3779b97f4a7c15>>40 + uint64(fn)*(memoSize/2)
	if k := int64(x); float64(k) == x {
		h += uint64(k)
	} else {
		h += (xb ^ xb>>31) * 0xbf58476d1ce4e5b9 >> 40
	}
	return int(h & (memoSize - 1))
}
