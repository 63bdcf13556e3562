package compiler

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sort"

	"github.com/mfcproject/mfc/compiler/ir"
)

// conservationLaws returns an integer basis of the left null space of the stoichiometry,
// {c ∈ ℤ^d : c·ℓ_j = 0 for every transition j}, each row reduced by its gcd and with a
// positive first non-zero entry. It fails if a coefficient overflows int64, or if the
// dense basis (laws × d entries) would hold more than maxEntries numbers.
//
// It starts from the unit vectors and, for each jump ℓ_j, keeps the combinations that
// annihilate it (fraction-free elimination on the pivot with the smallest support). The
// vectors are sparse and indexed by species, so a jump only visits the vectors that meet
// its species, and b − (dk/dp)·p with dp = ±1 updates b in place in O(support(p)): a
// chain of d species costs O(d), not O(d²) time and memory.
func conservationLaws(d int, ts []ir.Transition, maxEntries int) ([][]int64, error) {
	e := newElim(d)
	for _, t := range ts {
		if len(t.Jump) > 0 && e.alive > 0 && !e.eliminate(t.Jump) {
			return nil, errors.New("a coefficient overflows a 64-bit integer")
		}
	}
	if e.alive > 0 && e.alive > maxEntries/d {
		return nil, fmt.Errorf("%d laws over %d species exceed %d coefficients", e.alive, d, maxEntries)
	}
	var laws [][]int64
	for _, v := range e.vecs {
		if v == nil {
			continue
		}
		law := make([]int64, d)
		for s, x := range v {
			law[s] = x
		}
		normalise(law)
		laws = append(laws, law)
	}
	return laws, nil
}

// elim is the state of the sparse elimination: the basis vectors (nil once eliminated)
// and, per species, the vectors whose support holds it.
type elim struct {
	vecs  []map[int]int64
	index []map[int]struct{}
	alive int
	stamp []int // per vector: the last jump that listed it as a candidate
	round int
}

func newElim(d int) *elim {
	e := &elim{vecs: make([]map[int]int64, d), index: make([]map[int]struct{}, d), alive: d, stamp: make([]int, d)}
	for i := range d {
		e.vecs[i] = map[int]int64{i: 1}
		e.index[i] = map[int]struct{}{i: {}}
	}
	return e
}

// eliminate keeps the combinations of the basis that annihilate the jump; false on overflow.
func (e *elim) eliminate(jump []ir.Jump) bool {
	e.round++
	var cands []int
	for _, j := range jump {
		for id := range e.index[j.Species] {
			if e.stamp[id] != e.round {
				e.stamp[id] = e.round
				cands = append(cands, id)
			}
		}
	}
	sort.Ints(cands) // map order must not decide the pivot among equal supports
	dots := make([]int64, len(cands))
	pivot := -1
	for k, id := range cands {
		var s int64
		for _, j := range jump {
			x, ok := mulAdd(s, e.vecs[id][j.Species], int64(j.Delta))
			if !ok {
				return false
			}
			s = x
		}
		dots[k] = s
		if s != 0 && (pivot < 0 || len(e.vecs[id]) < len(e.vecs[cands[pivot]])) {
			pivot = k
		}
	}
	if pivot < 0 {
		return true
	}
	pid, dp := cands[pivot], dots[pivot]
	p := e.vecs[pid]
	for k, id := range cands {
		dk := dots[k]
		if k == pivot || dk == 0 {
			continue
		}
		if !e.combine(id, p, dp, dk) {
			return false
		}
	}
	for s := range p {
		delete(e.index[s], pid)
	}
	e.vecs[pid] = nil
	e.alive--
	return true
}

// combine replaces vector id (b, with b·ℓ = dk) by a multiple of dp·b − dk·p, which
// annihilates ℓ: b − (dk·dp)·p in place when dp = ±1, else (dp/g)·b − (dk/g)·p reduced by
// its gcd.
func (e *elim) combine(id int, p map[int]int64, dp, dk int64) bool {
	b := e.vecs[id]
	a, c := int64(1), dk*dp // b := a·b − c·p
	if dp != 1 && dp != -1 {
		g := gcd(abs64(dp), abs64(dk))
		a, c = dp/g, dk/g
		for s, x := range b {
			y, ok := mulAdd(0, a, x)
			if !ok {
				return false
			}
			b[s] = y
		}
	}
	for s, x := range p {
		y, ok := mulAdd(b[s], -c, x)
		if !ok {
			return false
		}
		_, had := b[s]
		switch {
		case y == 0:
			delete(b, s)
			delete(e.index[s], id)
		default:
			b[s] = y
			if !had {
				e.index[s][id] = struct{}{}
			}
		}
	}
	if a != 1 {
		var g int64
		for _, x := range b {
			g = gcd(g, abs64(x))
		}
		if g > 1 {
			for s := range b {
				b[s] /= g
			}
		}
	}
	return true
}

// mulAdd returns s + x·y and whether it fits in an int64.
func mulAdd(s, x, y int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(abs64(x)), uint64(abs64(y)))
	if hi != 0 || lo > math.MaxInt64/2 {
		return 0, false
	}
	m := int64(lo)
	if (x < 0) != (y < 0) {
		m = -m
	}
	r := s + m
	if (m > 0 && r < s) || (m < 0 && r > s) {
		return 0, false
	}
	return r, true
}

func support(v []int64) int {
	n := 0
	for _, x := range v {
		if x != 0 {
			n++
		}
	}
	return n
}

// normalise divides v by the gcd of its entries and makes its first non-zero entry positive.
func normalise(v []int64) {
	var g int64
	for _, x := range v {
		g = gcd(g, abs64(x))
	}
	if g == 0 {
		return
	}
	sign := int64(1)
	for _, x := range v {
		if x != 0 {
			if x < 0 {
				sign = -1
			}
			break
		}
	}
	for i := range v {
		v[i] = v[i] / g * sign
	}
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
