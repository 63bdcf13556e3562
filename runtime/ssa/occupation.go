package ssa

import (
	"encoding/binary"
	"math"
)

// occupation is the occupation measure of a trajectory: the time spent in each state
// visited, with a Fenwick tree over the states in the order of their first visit, so that
// adding time costs O(d + log S) and a draw O(log S) for S states visited. Memory: O(S·d).
type occupation struct {
	d      int
	index  map[string]int32
	counts []float64 // d counts per state
	env    []int
	w      []float64 // time in each state
	tree   []float64 // Fenwick tree of w (1-based), len(tree) = cap+1
	total  float64
	key    []byte
}

func newOccupation(d int) *occupation {
	return &occupation{d: d, index: map[string]int32{}, key: make([]byte, 8*(d+1)), tree: make([]float64, 65)}
}

// reset forgets every visit.
func (o *occupation) reset() {
	clear(o.index)
	o.counts, o.env, o.w = o.counts[:0], o.env[:0], o.w[:0]
	clear(o.tree)
	o.total = 0
}

// add records dt time units spent in the state (counts, env).
func (o *occupation) add(counts []float64, env int, dt float64) {
	for i, v := range counts {
		binary.LittleEndian.PutUint64(o.key[8*i:], math.Float64bits(v))
	}
	binary.LittleEndian.PutUint64(o.key[8*o.d:], uint64(env))
	k, ok := o.index[string(o.key)]
	if !ok {
		k = int32(len(o.w))
		o.index[string(o.key)] = k
		o.counts = append(o.counts, counts...)
		o.env = append(o.env, env)
		o.w = append(o.w, 0)
		if len(o.w) >= len(o.tree) {
			// Double the tree and rebuild it from the weights: O(S), amortised O(1).
			o.tree = make([]float64, 2*len(o.tree)-1)
			for i, w := range o.w {
				o.treeAdd(i, w)
			}
		}
	}
	o.w[k] += dt
	o.total += dt
	o.treeAdd(int(k), dt)
}

func (o *occupation) treeAdd(i int, v float64) {
	for j := i + 1; j < len(o.tree); j += j & -j {
		o.tree[j] += v
	}
}

// draw returns the index of the state holding the mass u ∈ [0, total): states are drawn in
// proportion to the time spent in them.
func (o *occupation) draw(u float64) int {
	pos := 0
	step := 1
	for step*2 < len(o.tree) {
		step *= 2
	}
	for ; step > 0; step /= 2 {
		if next := pos + step; next < len(o.tree) && o.tree[next] <= u {
			pos = next
			u -= o.tree[next]
		}
	}
	// pos states have cumulative mass ≤ u; round-off may point past the last one or at a
	// state without time.
	for pos < len(o.w)-1 && o.w[pos] == 0 {
		pos++
	}
	return min(pos, len(o.w)-1)
}
