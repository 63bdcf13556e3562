package autodiff

import (
	"fmt"
	"math"
	"slices"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/stdlib"
)

// Workspace holds the buffers of derivative sweeps over one tape with respect to one Vars.
// A warm Workspace makes Directional, Jet and Jacobian.Eval allocation-free. A Workspace
// is not safe for concurrent use; use one per goroutine (the Tape itself is shared).
type Workspace struct {
	tape  *ir.Tape
	vars  Vars
	varOf []int32   // position in vars of each leaf slot, or −1
	val   []float64 // slot values (tape.Eval)
	memo  *ir.Memo  // the pmf and cdf values of the evaluations (nil: the tape calls neither)
	jets  *jetMemo  // the jets of poisson_pmf and poisson_cdf (nil until the first)

	// Jet at a new state with the parameters, time and scale of the last evaluation (the
	// rows of a chain at one time) evaluates the state slots only, and, when the last
	// sweep was Jet's at the same order and direction, sweeps the jet slots only: the
	// other slots keep their values and jets, which depend on neither the state nor (jets
	// +0) the variables.
	allSlots   []int32   // 0, 1, …, Len()−1
	stateSlots []int32   // ir.Tape.StateSlots
	jetSlots   []int32   // the state slots that depend on a variable or may hold a −0 jet
	fixed      []float64 // the parameters, time and scale of ws.val (bits compared)
	jetK       int       // the order of Jet's last full sweep (0: none, or der used since)
	jetV       []float64 // its direction
	der        []float64 // slot derivative coefficients 1..K, stride K
	k          int       // stride of der in the last sweep

	ind   []float64 // indicator of colours; all zero between uses
	comb  []float64 // combined direction of a polarization term
	acc   []float64 // a vector over outputs
	sum   []float64 // a vector over outputs
	pair  []float64 // colour-pair vectors of the Hessian, grown on first use
	deg   []int     // slot degrees of Polynomial, grown on first use
	piece []uint8   // slot flags of Polynomial
}

// NewWorkspace returns a workspace for derivatives of the outputs of t with respect to
// vars. It panics if vars lists a leaf twice.
func NewWorkspace(t *ir.Tape, vars Vars) *Workspace {
	n := t.Len()
	ws := &Workspace{
		tape:  t,
		vars:  append(Vars(nil), vars...),
		varOf: bind(t, vars),
		memo:  ir.NewMemo(t),
		val:   make([]float64, n),
		der:   make([]float64, n*MaxOrder),
		ind:   make([]float64, len(vars)),
		comb:  make([]float64, len(vars)),
		acc:   make([]float64, len(t.Out)),
		sum:   make([]float64, len(t.Out)),
	}
	ws.allSlots = make([]int32, n)
	for k := range ws.allSlots {
		ws.allSlots[k] = int32(k)
	}
	ws.stateSlots = t.StateSlots()
	ws.jetSlots = jetSlots(t, ws.varOf, ws.stateSlots)
	return ws
}

// jetSlots returns the state slots whose jet a sweep must compute: those that depend on a
// variable, and those that may hold −0 (a Neg, a one-factor product or a Select of them).
// Every other slot gets the jet +0 from every sweep (a sum from +0, MulZ, a constant
// quotient or power, a built-in of a constant, a leaf, a comparison), so a sweep that skips
// it after one that wrote it gives the same bits. O(tape).
func jetSlots(t *ir.Tape, varOf []int32, state []int32) []int32 {
	n := t.Len()
	dep, negz := make([]bool, n), make([]bool, n)
	for s := range t.Code {
		ins := &t.Code[s]
		a := t.Args[ins.Lo:ins.Hi]
		dep[s] = varOf[s] >= 0
		for _, j := range a {
			dep[s] = dep[s] || dep[j]
		}
		switch ins.Op {
		case ir.OpNeg:
			negz[s] = true
		case ir.OpMul:
			negz[s] = len(a) == 1 && negz[a[0]]
		case ir.OpSelect:
			negz[s] = negz[a[1]] || negz[a[2]]
		}
	}
	var out []int32
	for _, s := range state {
		if dep[s] || negz[s] {
			out = append(out, s)
		}
	}
	return out
}

// eval evaluates the tape at in into ws.val: the state slots only when the parameters,
// time and scale are those of ws.val, else every slot. It reports which.
func (ws *Workspace) eval(in *ir.Inputs) (partial bool) {
	if in.SameFixed(ws.fixed) { // false while ws.fixed is empty
		ws.tape.EvalSlots(ws.val, in, ws.memo, ws.stateSlots)
		return true
	}
	ws.tape.EvalMemo(ws.val, in, ws.memo)
	ws.fixed = in.AppendFixed(ws.fixed[:0])
	ws.jetK = 0
	return false
}

// Vars returns the independent variables of ws, in column order.
func (ws *Workspace) Vars() Vars { return ws.vars }

// Tape returns the tape ws differentiates.
func (ws *Workspace) Tape() *ir.Tape { return ws.tape }

// KError reports that the first argument k of poisson_pmf or poisson_cdf varies along the
// direction of differentiation (docs/language.md §6.11: E805).
type KError struct {
	Fn   ir.Fn
	Node ir.NodeID // the poisson_* node of the graph
}

// Error implements the error interface.
func (e *KError) Error() string {
	return fmt.Sprintf("E805: k of %v (node %d) depends on a differentiated leaf", e.Fn, e.Node)
}

// Directional sets dst[i] = DF_i(x)[v], the first derivative of output i along v, at the
// point in. len(dst) must be the number of outputs and len(v) the number of variables.
// It costs one evaluation and one tangent sweep of the tape, O(len(tape.Args)).
func Directional(dst []float64, ws *Workspace, in *ir.Inputs, v []float64) error {
	ws.checkOut(len(dst))
	ws.checkDir(v)
	ws.eval(in)
	if err := ws.tangent(v); err != nil {
		return err
	}
	ws.outputs(dst, 1)
	return nil
}

// Jet sets the Taylor coefficients of s ↦ F(x + s·v) to the given order ≤ MaxOrder:
// dst[i*(order+1)+k] = c_k of output i, so that D^kF_i(x)[v,…,v] = k!·c_k. It costs one
// evaluation and one jet sweep of O(order²·len(tape.Args)) operations.
func Jet(dst []float64, order int, ws *Workspace, in *ir.Inputs, v []float64) error {
	if order < 0 || order > MaxOrder {
		panic(fmt.Sprintf("autodiff: order %d outside 0..%d", order, MaxOrder))
	}
	m := len(ws.tape.Out)
	if len(dst) != m*(order+1) {
		panic("autodiff: Jet: len(dst) != outputs·(order+1)")
	}
	ws.checkDir(v)
	partial := ws.eval(in)
	if order > 0 {
		if partial && ws.jetK == order && slices.Equal(ws.jetV, v) {
			if err := ws.sweepSlots(order, v, ws.jetSlots); err != nil {
				ws.jetK = 0
				return err
			}
		} else {
			if err := ws.sweep(order, v); err != nil {
				return err
			}
			ws.jetK, ws.jetV = order, append(ws.jetV[:0], v...)
		}
	}
	for i, s := range ws.tape.Out {
		row := dst[i*(order+1) : (i+1)*(order+1)]
		row[0] = ws.val[s]
		for k, x := range ws.der[int(s)*order : int(s)*order+order] { // a loop: order ≤ 5
			row[k+1] = x
		}
	}
	return nil
}

func (ws *Workspace) checkOut(n int) {
	if n != len(ws.tape.Out) {
		panic(fmt.Sprintf("autodiff: destination has %d entries, tape has %d outputs", n, len(ws.tape.Out)))
	}
}

func (ws *Workspace) checkDir(v []float64) {
	if len(v) != len(ws.vars) {
		panic(fmt.Sprintf("autodiff: direction has %d entries, want %d variables", len(v), len(ws.vars)))
	}
}

// outputs copies coefficient k of every output from the last sweep into dst.
func (ws *Workspace) outputs(dst []float64, k int) {
	for i, s := range ws.tape.Out {
		dst[i] = ws.der[int(s)*ws.k+k-1]
	}
}

// load returns the jet of slot s: its value and coefficients 1..K of the current sweep.
func (ws *Workspace) load(s int32, K int) (j jet) {
	j[0] = ws.val[s]
	// A loop, not copy: K ≤ 5, and a call of memmove per node costs more than the copy.
	d := ws.der[int(s)*K : int(s)*K+K]
	for k, x := range d {
		j[k+1] = x
	}
	return j
}

// tangent runs the first-order sweep along v over the values in ws.val.
func (ws *Workspace) tangent(v []float64) error {
	ws.jetK = 0
	t := ws.tape
	val, der, args := ws.val, ws.der[:len(t.Code)], t.Args
	ws.k = 1
	for s := range t.Code {
		ins := &t.Code[s]
		a := args[ins.Lo:ins.Hi]
		var r float64
		switch ins.Op {
		case ir.OpParam, ir.OpCount, ir.OpDensity, ir.OpTime:
			if j := ws.varOf[s]; j >= 0 {
				r = v[j]
			}
		case ir.OpAdd:
			for _, j := range a {
				r += der[j]
			}
		case ir.OpMul:
			p := val[a[0]]
			r = der[a[0]]
			for _, j := range a[1:] {
				r = stdlib.MulZ(r, val[j]) + stdlib.MulZ(p, der[j])
				p *= val[j]
			}
		case ir.OpNeg:
			r = -der[a[0]]
		case ir.OpDiv:
			if da, db := der[a[0]], der[a[1]]; da != 0 || db != 0 {
				r = (da - stdlib.MulZ(val[s], db)) / val[a[1]]
			}
		case ir.OpPow:
			r = powD1(val[a[0]], val[a[1]], der[a[0]], der[a[1]], val[s])
		case ir.OpFn:
			var err error
			if r, err = ws.fnD1(s, ir.Fn(ins.Aux), a); err != nil {
				return err
			}
		case ir.OpSelect:
			if val[a[0]] != 0 {
				r = der[a[1]]
			} else {
				r = der[a[2]]
			}
		}
		der[s] = r
	}
	return nil
}

// powD1 is the first derivative of a^b: y·(b'·log a + b·a'/a), with the b-part 0 at a = 0
// (ruling 5) and p·a^{p−1}·a' for the a-part, exact at a = 0 for integer p.
func powD1(a, b, da, db, y float64) float64 {
	var r float64
	if db != 0 && a != 0 {
		r = stdlib.MulZ(y, db*math.Log(a))
	}
	if da != 0 {
		switch {
		case b == 2:
			r += 2 * a * da
		case a != 0 && y != 0 && !math.IsInf(y, 0):
			r += stdlib.MulZ(b*y/a, da)
		default:
			r += stdlib.MulZ(b*stdlib.Pow(a, b-1), da)
		}
	}
	return r
}

// fnD1 is the first derivative of a built-in: coefficient 1 of its jet.
func (ws *Workspace) fnD1(s int, f ir.Fn, a []int32) (float64, error) {
	r, err := ws.fnJet(s, f, a, 1)
	return r[1], err
}

// sweep runs the jet sweep of order K along v over the values in ws.val.
func (ws *Workspace) sweep(K int, v []float64) error {
	ws.jetK = 0
	return ws.sweepSlots(K, v, nil)
}

// sweepSlots runs the jet sweep of order K along v over the given slots (nil: all), in
// tape order.
func (ws *Workspace) sweepSlots(K int, v []float64, slots []int32) error {
	t := ws.tape
	val, der, args, code := ws.val, ws.der[:len(t.Code)*K], t.Args, t.Code
	ws.k = K
	if slots == nil {
		slots = ws.allSlots
	}
	for _, s32 := range slots {
		s := int(s32)
		ins := &code[s]
		a := args[ins.Lo:ins.Hi]
		var r jet
		switch ins.Op {
		case ir.OpParam, ir.OpCount, ir.OpDensity, ir.OpTime:
			if j := ws.varOf[s]; j >= 0 {
				r[1] = v[j]
			}
		case ir.OpAdd:
			for _, j := range a {
				d := der[int(j)*K : int(j)*K+K]
				for k := 1; k <= K; k++ {
					r[k] += d[k-1]
				}
			}
		case ir.OpMul:
			r = ws.load(a[0], K)
			for _, j := range a[1:] {
				b := ws.load(j, K)
				if constant(&b, K) {
					for k := 0; k <= K; k++ {
						r[k] = stdlib.MulZ(r[k], b[0])
					}
				} else {
					r = stdlib.MulJet(&r, &b, K)
				}
			}
		case ir.OpNeg:
			d := der[int(a[0])*K : int(a[0])*K+K]
			for k := 1; k <= K; k++ {
				r[k] = -d[k-1]
			}
		case ir.OpDiv:
			x, y := ws.load(a[0], K), ws.load(a[1], K)
			if !constant(&x, K) || !constant(&y, K) {
				r = divJet(&x, &y, val[s], K)
			}
		case ir.OpPow:
			x, y := ws.load(a[0], K), ws.load(a[1], K)
			r = powJet(&x, &y, val[s], K)
		case ir.OpFn:
			var err error
			if r, err = ws.fnJet(s, ir.Fn(ins.Aux), a, K); err != nil {
				return err
			}
		case ir.OpSelect:
			b := a[2]
			if val[a[0]] != 0 {
				b = a[1]
			}
			for k, x := range der[int(b)*K : int(b)*K+K] {
				r[k+1] = x
			}
		}
		out := der[s*K : s*K+K]
		for k := range out {
			out[k] = r[k+1]
		}
	}
	return nil
}

// fnJet applies the jet rule of the table entry of a built-in (package stdlib): a step
// function has derivative 0; a smooth one is a function of its last argument, and its
// parameter arguments (the k of poisson_*) must not vary (E805).
func (ws *Workspace) fnJet(s int, f ir.Fn, a []int32, K int) (jet, error) {
	b := f.Builtin()
	if b.Jet == nil {
		return jet{}, nil
	}
	for _, j := range a[:b.Params] {
		for _, d := range ws.der[int(j)*K : int(j)*K+K] {
			if d != 0 { // the jet of the parameter is not constant
				return jet{}, &KError{Fn: f, Node: ws.tape.Node[s]}
			}
		}
	}
	var p float64
	if b.Params > 0 {
		p = ws.val[a[0]]
	}
	x := ws.load(a[b.Params], K)
	if constant(&x, K) {
		return jet{}, nil
	}
	if b.Params == 0 {
		return b.Jet(x, p, ws.val[s], K), nil
	}
	// poisson_pmf(k, λ) and poisson_cdf(k, λ): the rows of an exact chain take the jet of
	// every k at one jet of λ, and every state of the row's time the same jets again.
	if ws.jets == nil {
		ws.jets = &jetMemo{}
	}
	return ws.jets.call(f, b.Jet, &x, p, ws.val[s], K), nil
}

// jetMemo remembers the jets of the built-ins with a parameter argument (poisson_pmf,
// poisson_cdf) by the bits of the parameter, of the argument's coefficients 0..K and K, in
// a direct-mapped table of jetMemoSize entries: a jet found is the one the rule returned for
// the same bits (y0 is a function of them), so sweeps give the same bits with or without
// it. 60 KB.
type jetMemo struct {
	e [jetMemoSize]jetEntry
}

// jetMemoSize is the number of entries of a jetMemo (a power of 2). The slot of a jet with
// an integer parameter k is a hash of (built-in, argument) plus k, so the pmf and cdf of
// every k < jetMemoSize/2 at one argument have slots of their own.
const jetMemoSize = 512

type jetEntry struct {
	fn, k int32 // the built-in + 1 (0: empty), the order
	p     uint64
	a     [MaxOrder + 1]uint64
	r     jet
}

// call returns rule(*a, p, y0, K) from the memo or, computed, through it. O(K) beyond the
// rule.
func (m *jetMemo) call(f ir.Fn, rule stdlib.JetRule, a *jet, p, y0 float64, K int) jet {
	var key [MaxOrder + 1]uint64
	h := uint64(0)
	for k := 0; k <= K; k++ {
		key[k] = math.Float64bits(a[k])
		h = (h ^ key[k] ^ key[k]>>29) * 0x9e3779b97f4a7c15
	}
	pb := math.Float64bits(p)
	h = h>>40 + uint64(f)*(jetMemoSize/2)
	if k := int64(p); float64(k) == p {
		h += uint64(k)
	} else {
		h += (pb ^ pb>>31) * 0xbf58476d1ce4e5b9 >> 40
	}
	e := &m.e[h&(jetMemoSize-1)]
	if e.fn == int32(f)+1 && e.k == int32(K) && e.p == pb {
		hit := true
		for k := 0; k <= K; k++ { // the coefficients above K are 0 in both
			hit = hit && e.a[k] == key[k]
		}
		if hit {
			return e.r
		}
	}
	r := rule(*a, p, y0, K)
	*e = jetEntry{fn: int32(f) + 1, k: int32(K), p: pb, a: key, r: r}
	return r
}
