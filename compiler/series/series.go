package series

import (
	"math"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
)

// unbounded is the hi of a series with infinitely many possibly non-zero coefficients.
const unbounded = math.MaxInt32

// window is how many coefficients past max(lo, 0) an order search examines before it
// treats a series as structurally zero.
const window = 12

// Infinite is the order reported for a series whose coefficients are all structurally zero
// (as far as the order search looks).
const Infinite = 1 << 30

// nFree is the dependency mask of the leaves that carry powers of N.
const nFree = ir.DepCount | ir.DepScale

// ser is a lazy truncated Laurent series in h = 1/N. Every coefficient of index below lo
// or above hi is zero; c[i] is the coefficient of h^(lo+i), for the indices computed so
// far; gen computes the coefficient of index lo+len(c) (it may read earlier ones).
type ser struct {
	lo, hi int
	c      []ir.NodeID
	gen    func(k int) ir.NodeID
	pos    diag.Pos // position given to the coefficient nodes the generator creates
}

// Expander expands nodes of one graph. It memoises the series of every node it has seen
// and each coefficient it has computed, so one Expander should serve a whole model.
// An Expander is not safe for concurrent use; it adds nodes to its graph.
type Expander struct {
	g     *ir.Graph
	names *ir.Names
	memo  map[ir.NodeID]memoEntry
	conds map[ir.NodeID]condEntry
	rough map[ir.NodeID]ir.NodeID
	zero  ir.NodeID
	one   ir.NodeID
}

type memoEntry struct {
	s   *ser
	err *diag.Diagnostic
}

type condEntry struct {
	c   ir.NodeID
	err *diag.Diagnostic
}

// New returns an Expander that adds coefficient nodes to g. names is used to print leading
// terms and nodes in diagnostics; it may be nil.
func New(g *ir.Graph, names *ir.Names) *Expander {
	return &Expander{
		g:     g,
		names: names,
		memo:  make(map[ir.NodeID]memoEntry),
		conds: make(map[ir.NodeID]condEntry),
		rough: make(map[ir.NodeID]ir.NodeID),
		zero:  g.Const(0),
		one:   g.Const(1),
	}
}

// coef returns the coefficient of h^k of s, computing the missing ones up to k.
func (e *Expander) coef(s *ser, k int) ir.NodeID {
	if k < s.lo || k > s.hi {
		return e.zero
	}
	if i := k - s.lo; i < len(s.c) {
		return s.c[i]
	}
	saved := e.g.At
	e.g.At = s.pos
	for s.lo+len(s.c) <= k {
		s.c = append(s.c, s.gen(s.lo+len(s.c)))
	}
	e.g.At = saved
	return s.c[k-s.lo]
}

// lead finds the order of s: the lowest index whose coefficient is not structurally zero.
// It raises s.lo past the zeros it skips. ok is false if every coefficient through
// max(lo, 0) + window is zero (then the series counts as structurally zero).
func (e *Expander) lead(s *ser) (order int, c ir.NodeID, ok bool) {
	limit := max(s.lo, 0) + window
	for s.lo <= s.hi && s.lo <= limit {
		c := e.coef(s, s.lo)
		if !e.g.IsZero(c) {
			return s.lo, c, true
		}
		s.c = s.c[1:]
		s.lo++
	}
	return Infinite, e.zero, false
}

// monomial reports whether s has a single non-zero coefficient (after lead).
func (e *Expander) monomial(s *ser) (k int, c ir.NodeID, ok bool) {
	k, c, ok = e.lead(s)
	return k, c, ok && s.hi == k
}

// leaf returns the series c·h^k.
func (e *Expander) leaf(c ir.NodeID, k int) *ser {
	return &ser{lo: k, hi: k, c: []ir.NodeID{c}}
}

func satAdd(a, b int) int {
	if a >= unbounded || b >= unbounded {
		return unbounded
	}
	return a + b
}

// add returns the termwise sum.
func (e *Expander) add(pos diag.Pos, ops ...*ser) *ser {
	s := &ser{lo: ops[0].lo, hi: ops[0].hi, pos: pos}
	for _, o := range ops[1:] {
		s.lo, s.hi = min(s.lo, o.lo), max(s.hi, o.hi)
	}
	var buf []ir.NodeID
	s.gen = func(k int) ir.NodeID {
		buf = buf[:0]
		for _, o := range ops {
			if c := e.coef(o, k); !e.g.IsZero(c) {
				buf = append(buf, c)
			}
		}
		return e.sum(buf)
	}
	return s
}

// sum returns the node of the sum of terms: zero for none, the term itself for one.
func (e *Expander) sum(terms []ir.NodeID) ir.NodeID {
	switch len(terms) {
	case 0:
		return e.zero
	case 1:
		return terms[0]
	}
	return e.g.Add(terms...)
}

// neg returns −a.
func (e *Expander) neg(pos diag.Pos, a *ser) *ser {
	return &ser{lo: a.lo, hi: a.hi, pos: pos, gen: func(k int) ir.NodeID { return e.g.Neg(e.coef(a, k)) }}
}

// scale returns f·a for a node f free of N.
func (e *Expander) scale(pos diag.Pos, f ir.NodeID, a *ser) *ser {
	return &ser{lo: a.lo, hi: a.hi, pos: pos, gen: func(k int) ir.NodeID {
		c := e.coef(a, k)
		if e.g.IsZero(c) {
			return c
		}
		return e.g.Mul(f, c)
	}}
}

// mul returns the Cauchy product a·b.
func (e *Expander) mul(pos diag.Pos, a, b *ser) *ser {
	s := &ser{lo: a.lo + b.lo, hi: satAdd(a.hi, b.hi), pos: pos}
	var buf []ir.NodeID
	s.gen = func(k int) ir.NodeID {
		buf = buf[:0]
		lo, hi := max(a.lo, k-b.hi), min(a.hi, k-b.lo)
		for i := lo; i <= hi; i++ {
			ai := e.coef(a, i)
			if e.g.IsZero(ai) {
				continue
			}
			if bj := e.coef(b, k-i); !e.g.IsZero(bj) {
				buf = append(buf, e.g.Mul(ai, bj))
			}
		}
		return e.sum(buf)
	}
	return s
}

// div returns a/b. The leading coefficient b_q of b must not be structurally zero; ok is
// false otherwise. With r = Σ_{j≥1} (b_{q+j}/b_q) h^j, a/b = h^{−q} (a/b_q)(1+r)⁻¹, and the
// geometric series of (1+r)⁻¹ is computed by the recurrence
// c_k = (a_{k+q} − Σ_{j≥1} b_{q+j} c_{k−j}) / b_q.
func (e *Expander) div(pos diag.Pos, a, b *ser) (*ser, bool) {
	q, bq, ok := e.lead(b)
	if !ok {
		return nil, false
	}
	s := &ser{lo: a.lo - q, hi: unbounded, pos: pos}
	if b.hi == q {
		s.hi = satAdd(a.hi, -q)
	}
	var buf []ir.NodeID
	s.gen = func(k int) ir.NodeID {
		num := e.coef(a, k+q)
		buf = buf[:0]
		for j := 1; q+j <= b.hi && k-j >= s.lo; j++ {
			bj := e.coef(b, q+j)
			if e.g.IsZero(bj) {
				continue
			}
			if ck := e.coef(s, k-j); !e.g.IsZero(ck) {
				buf = append(buf, e.g.Mul(bj, ck))
			}
		}
		if len(buf) > 0 {
			num = e.g.Sub(num, e.g.Add(buf...))
		}
		return e.g.Div(num, bq)
	}
	return s, true
}

// powInt returns a^n for an integer n, by repeated products (and a quotient for n < 0).
// ok is false if n < 0 and a is structurally zero.
func (e *Expander) powInt(pos diag.Pos, a *ser, n int) (*ser, bool) {
	if n == 0 {
		return e.leaf(e.one, 0), true
	}
	if k, c, ok := e.monomial(a); ok {
		if n > 0 {
			return e.leaf(e.g.Pow(c, e.g.Const(float64(n))), n*k), true
		}
		return e.leaf(e.g.Div(e.one, e.g.Pow(c, e.g.Const(float64(-n)))), n*k), true
	}
	m := n
	if m < 0 {
		m = -m
	}
	var r *ser
	base := a
	for m > 0 {
		if m&1 == 1 {
			if r == nil {
				r = base
			} else {
				r = e.mul(pos, r, base)
			}
		}
		m >>= 1
		if m > 0 {
			base = e.mul(pos, base, base)
		}
	}
	if n > 0 {
		return r, true
	}
	return e.div(pos, e.leaf(e.one, 0), r)
}

// Series is the lazily computed expansion of one node.
type Series struct {
	e *Expander
	s *ser
}

// Coef returns the coefficient of h^k, a node over density leaves.
func (s *Series) Coef(k int) ir.NodeID { return s.e.coef(s.s, k) }

// Lead returns the order of the series and its leading coefficient; ok is false (and order
// is Infinite) if every coefficient examined is structurally zero.
func (s *Series) Lead() (order int, coef ir.NodeID, ok bool) { return s.e.lead(s.s) }

// Expand returns the series of the numeric node id, or an E603 diagnostic positioned at the
// innermost node whose rule failed.
func (e *Expander) Expand(id ir.NodeID) (*Series, *diag.Diagnostic) {
	saved := e.g.At
	defer func() { e.g.At = saved }()
	s, err := e.expand(id)
	if err != nil {
		return nil, err
	}
	return &Series{e: e, s: s}, nil
}

// expand returns the (memoised) series of node id.
func (e *Expander) expand(id ir.NodeID) (*ser, *diag.Diagnostic) {
	if m, ok := e.memo[id]; ok {
		return m.s, m.err
	}
	s, err := e.build(id)
	e.memo[id] = memoEntry{s, err}
	return s, err
}

func (e *Expander) build(id ir.NodeID) (*ser, *diag.Diagnostic) {
	g := e.g
	if g.Dep(id)&nFree == 0 {
		return e.leaf(id, 0), nil // free of N: unchanged, order 0
	}
	n := g.Node(id)
	pos := g.Pos(id)
	g.At = pos
	switch n.Op {
	case ir.OpCount:
		return e.leaf(g.Density(int(n.Aux)), -1), nil
	case ir.OpScale:
		return e.leaf(e.one, -1), nil
	case ir.OpAdd:
		ops, err := e.expandAll(n.Args)
		if err != nil {
			return nil, err
		}
		return e.add(pos, ops...), nil
	case ir.OpNeg:
		a, err := e.expand(n.Args[0])
		if err != nil {
			return nil, err
		}
		return e.neg(pos, a), nil
	case ir.OpMul:
		return e.buildMul(id, pos, n.Args)
	case ir.OpDiv:
		a, b, err := e.expand2(n.Args[0], n.Args[1])
		if err != nil {
			return nil, err
		}
		s, ok := e.div(pos, a, b)
		if !ok {
			return nil, e.fail(id, "its divisor is structurally zero at every order",
				"the divisor needs a non-zero leading term at fixed density")
		}
		return s, nil
	case ir.OpPow:
		return e.buildPow(id, pos, n.Args[0], n.Args[1])
	case ir.OpFn:
		return e.buildFn(id, pos, ir.Fn(n.Aux), n.Args)
	case ir.OpSelect:
		return e.buildSelect(pos, n.Args)
	}
	return nil, e.fail(id, "it is a condition, not a number", "")
}

func (e *Expander) expandAll(ids []ir.NodeID) ([]*ser, *diag.Diagnostic) {
	out := make([]*ser, len(ids))
	for i, a := range ids {
		s, err := e.expand(a)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func (e *Expander) expand2(a, b ir.NodeID) (*ser, *ser, *diag.Diagnostic) {
	sa, err := e.expand(a)
	if err != nil {
		return nil, nil, err
	}
	sb, err := e.expand(b)
	return sa, sb, err
}

// buildMul multiplies the factors that depend on N as series and the others as one node.
func (e *Expander) buildMul(id ir.NodeID, pos diag.Pos, args []ir.NodeID) (*ser, *diag.Diagnostic) {
	var free []ir.NodeID
	var r *ser
	for _, a := range args {
		if e.g.Dep(a)&nFree == 0 {
			free = append(free, a)
			continue
		}
		s, err := e.expand(a)
		if err != nil {
			return nil, err
		}
		if r == nil {
			r = s
		} else {
			r = e.mul(pos, r, s)
		}
	}
	if len(free) > 0 {
		e.g.At = pos
		r = e.scale(pos, e.g.Mul(free...), r)
	}
	return r, nil
}

// buildSelect selects coefficientwise, on the leading form of the condition.
func (e *Expander) buildSelect(pos diag.Pos, args []ir.NodeID) (*ser, *diag.Diagnostic) {
	c, err := e.cond(args[0])
	if err != nil {
		return nil, err
	}
	if v, ok := e.g.IsConst(c); ok {
		if v != 0 {
			return e.expand(args[1])
		}
		return e.expand(args[2])
	}
	a, b, err := e.expand2(args[1], args[2])
	if err != nil {
		return nil, err
	}
	s := &ser{lo: min(a.lo, b.lo), hi: max(a.hi, b.hi), pos: pos}
	s.gen = func(k int) ir.NodeID { return e.g.Select(c, e.coef(a, k), e.coef(b, k)) }
	return s, nil
}
