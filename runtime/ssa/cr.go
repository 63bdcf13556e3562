package ssa

import "math"

// crIndex selects a transition with probability proportional to its propensity by
// composition–rejection: every positive propensity a_j lies in exactly one group
// [2^(e−1), 2^e) given by its binary exponent e; a group is chosen with probability
// proportional to its sum by a linear search over the non-empty groups, and inside the
// group a uniformly chosen member is accepted with probability a_j / 2^e ≥ 1/2.
//
// Costs: set is O(1) amortised (O(G) when a group becomes non-empty or empty, with G the
// number of non-empty groups); total and the group search are O(G); the rejection step
// takes fewer than 2 trials on average. G is bounded by log₂(max a / min a) + 1 over the
// positive propensities, independent of the number of transitions.
type crIndex struct {
	val    []float64 // value as indexed; 0 for transitions not in any group
	grp    []int32   // group of each transition (index into groups), −1 for none
	pos    []int32   // position of each transition in its group's members
	byExp  []int32   // group of each exponent key + expOffset, −1 if not created yet
	groups []crGroup
	active []int32 // non-empty groups, exponent descending
}

// crGroup is the set of transitions whose propensities share a binary exponent.
type crGroup struct {
	exp     int     // exponent key: members lie in [2^(exp−1023), 2^(exp−1022))
	upper   float64 // 2^(exp−1022): every member's propensity is below it
	sum     float64 // Σ propensities of the members, maintained incrementally
	updates int     // incremental updates of sum since it was last recomputed
	members []int32
}

// expOffset shifts exponent keys, which range over [−1051, 2046] (subnormals to the
// largest finite values), to non-negative indices.
const expOffset = 1051

func newCRIndex(n int) *crIndex {
	c := &crIndex{val: make([]float64, n), grp: make([]int32, n), pos: make([]int32, n),
		byExp: make([]int32, 2046+expOffset+1)}
	for j := range c.grp {
		c.grp[j] = -1
	}
	for e := range c.byExp {
		c.byExp[e] = -1
	}
	return c
}

// clear empties every group, so that the index is a function of the values set after it.
func (c *crIndex) clear() {
	for j := range c.val {
		c.val[j] = 0
		c.grp[j] = -1
	}
	for g := range c.groups {
		gr := &c.groups[g]
		gr.members = gr.members[:0]
		gr.sum, gr.updates = 0, 0
	}
	c.active = c.active[:0]
}

// groupOf returns the group of the positive, finite value a, creating it if needed. The
// exponent key of a is the biased exponent of its float64 representation (a > 0, so the
// sign bit is 0); subnormals, whose biased exponent is 0, get keys ≤ 0 from the position
// of their leading bit, so that every group spans exactly one factor of two and the
// acceptance rate stays ≥ 1/2.
func (c *crIndex) groupOf(a float64) int32 {
	e := int(math.Float64bits(a) >> 52)
	if e == 0 {
		_, ex := math.Frexp(a) // a = f·2^ex, f ∈ [1/2, 1)
		e = ex + 1022
	}
	e = min(e, 2046)
	g := c.byExp[e+expOffset]
	if g < 0 {
		up := math.Ldexp(1, e-1022)
		if math.IsInf(up, 1) {
			up = math.MaxFloat64
		}
		g = int32(len(c.groups))
		c.groups = append(c.groups, crGroup{exp: e, upper: up})
		c.byExp[e+expOffset] = g
	}
	return g
}

// set indexes transition j with propensity a ≥ 0 (0 removes it from its group). The
// common case, a value that stays in its group (same binary exponent of a normal number),
// is short enough to be inlined; the others go through move.
func (c *crIndex) set(j int, a float64) {
	old := c.val[j]
	if a == old {
		return
	}
	if g := c.grp[j]; g >= 0 {
		gr := &c.groups[g]
		if e := int(math.Float64bits(a) >> 52); e == gr.exp && e != 0 && e < 2047 {
			c.val[j] = a
			gr.sum += a - old
			gr.updates++
			if gr.updates > 2*len(gr.members)+16 {
				c.resum(gr)
			}
			return
		}
	}
	c.move(j, old, a)
}

// move is set for a value that changes group, enters one or leaves one.
func (c *crIndex) move(j int, old, a float64) {
	c.val[j] = a
	g := c.grp[j]
	ng := int32(-1)
	if a > 0 {
		ng = c.groupOf(a)
	}
	if g == ng {
		gr := &c.groups[g]
		gr.sum += a - old
		c.touch(gr)
		return
	}
	if g >= 0 {
		gr := &c.groups[g]
		p := c.pos[j]
		last := gr.members[len(gr.members)-1]
		gr.members[p] = last
		c.pos[last] = p
		gr.members = gr.members[:len(gr.members)-1]
		if len(gr.members) == 0 {
			gr.sum, gr.updates = 0, 0
			c.deactivate(g)
		} else {
			gr.sum -= old
			c.touch(gr)
		}
	}
	c.grp[j] = ng
	if ng >= 0 {
		gr := &c.groups[ng]
		c.pos[j] = int32(len(gr.members))
		gr.members = append(gr.members, int32(j))
		if len(gr.members) == 1 {
			gr.sum, gr.updates = a, 0
			c.activate(ng)
		} else {
			gr.sum += a
			c.touch(gr)
		}
	}
}

// touch counts an incremental update of gr.sum and recomputes the sum from the members
// once the updates exceed twice the group size, which bounds the accumulated round-off
// at O(size) operations while keeping the cost O(1) amortised.
func (c *crIndex) touch(gr *crGroup) {
	gr.updates++
	if gr.updates > 2*len(gr.members)+16 {
		c.resum(gr)
	}
}

// resum recomputes the sum of gr from its members. O(size).
func (c *crIndex) resum(gr *crGroup) {
	s := 0.0
	for _, m := range gr.members {
		s += c.val[m]
	}
	gr.sum, gr.updates = s, 0
}

// activate inserts group g into the active list, keeping exponents descending.
func (c *crIndex) activate(g int32) {
	e := c.groups[g].exp
	i := len(c.active)
	c.active = append(c.active, g)
	for i > 0 && c.groups[c.active[i-1]].exp < e {
		c.active[i] = c.active[i-1]
		i--
	}
	c.active[i] = g
}

func (c *crIndex) deactivate(g int32) {
	for i, h := range c.active {
		if h == g {
			copy(c.active[i:], c.active[i+1:])
			c.active = c.active[:len(c.active)-1]
			return
		}
	}
}

// total returns the sum of the indexed propensities.
func (c *crIndex) total() float64 {
	s := 0.0
	for _, g := range c.active {
		s += c.groups[g].sum
	}
	return s
}

// pick returns a transition chosen with probability proportional to its propensity, given
// r uniform on [0, total()); there must be at least one positive propensity. The group is
// the first whose cumulative sum exceeds r (the last non-empty one if round-off leaves r
// beyond the end); inside it one uniform u gives both the member ⌊u·size⌋ and, from its
// fractional part, the acceptance test.
func (c *crIndex) pick(r float64, rng *pcg) int {
	gr := &c.groups[c.active[len(c.active)-1]]
	for _, g := range c.active {
		if r < c.groups[g].sum {
			gr = &c.groups[g]
			break
		}
		r -= c.groups[g].sum
	}
	n := len(gr.members)
	fn := float64(n)
	for {
		u := rng.Float64() * fn
		i := int(u)
		if i >= n {
			i = n - 1
		}
		m := gr.members[i]
		if (u-float64(i))*gr.upper < c.val[m] {
			return int(m)
		}
	}
}
