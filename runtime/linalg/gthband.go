package linalg

import (
	"fmt"
	"slices"
)

// RCM returns the reverse Cuthill–McKee ordering of the graph of q made symmetric
// (Cuthill and McKee 1969; George and Liu 1981, §4.3): perm[new] = old. A breadth-first
// search from a pseudo-peripheral state numbers the states level by level, neighbours by
// increasing degree, and the order is reversed; the band of the permuted matrix is then
// narrow when the chain is (a birth–death chain gets bandwidth 1, a chain on an L-wide strip
// about L). Every component of the graph is numbered in turn. O(nnz log) time.
func RCM(q *CSR) []int {
	n := q.Rows
	adj := symmetricPattern(q)
	deg := func(i int) int { return len(adj[i]) }
	perm := make([]int, 0, n)
	seen := make([]bool, n)
	level := make([]int, n)
	// bfs numbers the component of start from it (marking the states numbered for good
	// when mark is set), returning its states in order and the last one reached (the start
	// of the next sweep for a pseudo-peripheral state).
	stamp := make([]int, n)
	sweep := 0
	buf := make([]int, 0, n) // the order of the current sweep (at most n states)
	bfs := func(start int, mark bool) ([]int, int) {
		sweep++
		order := append(buf[:0], start)
		stamp[start] = sweep
		if mark {
			seen[start] = true
		}
		level[start] = 0
		var nb []int
		for h := 0; h < len(order); h++ {
			i := order[h]
			nb = append(nb[:0], adj[i]...)
			slices.SortFunc(nb, func(a, b int) int { return deg(a) - deg(b) })
			for _, j := range nb {
				if stamp[j] == sweep || mark && seen[j] {
					continue
				}
				stamp[j] = sweep
				if mark {
					seen[j] = true
				}
				level[j] = level[i] + 1
				order = append(order, j)
			}
		}
		return order, order[len(order)-1]
	}
	for s := 0; s < n; s++ {
		if seen[s] {
			continue
		}
		// A pseudo-peripheral state: restart from the farthest state while the
		// eccentricity grows (a few sweeps).
		start := s
		_, far := bfs(start, false)
		for range 4 {
			if level[far] <= 0 {
				break
			}
			ecc := level[far]
			_, next := bfs(far, false)
			if level[next] <= ecc {
				start = far
				break
			}
			start, far = far, next
		}
		order, _ := bfs(start, true)
		perm = append(perm, order...)
	}
	slices.Reverse(perm)
	return perm
}

// symmetricPattern returns the neighbours of each state in the graph of q with every edge
// made two-way, without self-loops.
func symmetricPattern(q *CSR) [][]int {
	n := q.Rows
	// Two passes (count, then fill one backing array) instead of growing n slices.
	cnt := make([]int, n+1)
	for i := 0; i < n; i++ {
		for p := q.RowPtr[i]; p < q.RowPtr[i+1]; p++ {
			if j := int(q.Col[p]); j != i && q.Val[p] != 0 {
				cnt[i+1]++
				cnt[j+1]++
			}
		}
	}
	for i := 0; i < n; i++ {
		cnt[i+1] += cnt[i]
	}
	back := make([]int, cnt[n])
	adj := make([][]int, n)
	for i := range adj {
		adj[i] = back[cnt[i]:cnt[i]:cnt[i+1]]
	}
	for i := 0; i < n; i++ {
		for p := q.RowPtr[i]; p < q.RowPtr[i+1]; p++ {
			if j := int(q.Col[p]); j != i && q.Val[p] != 0 {
				adj[i] = append(adj[i], j)
				adj[j] = append(adj[j], i)
			}
		}
	}
	for i := range adj {
		slices.Sort(adj[i])
		adj[i] = slices.Compact(adj[i])
	}
	return adj
}

// Bandwidths returns the lower and upper bandwidths of q under the ordering perm
// (perm[new] = old; nil for q's own order): the largest i − j and j − i over the
// off-diagonal entries in the new numbering. O(nnz).
func Bandwidths(q *CSR, perm []int) (lower, upper int) {
	var inv []int
	if perm != nil {
		inv = make([]int, len(perm))
		for nw, old := range perm {
			inv[old] = nw
		}
	}
	for i := 0; i < q.Rows; i++ {
		for p := q.RowPtr[i]; p < q.RowPtr[i+1]; p++ {
			if q.Val[p] == 0 {
				continue
			}
			a, b := i, int(q.Col[p])
			if inv != nil {
				a, b = inv[a], inv[b]
			}
			lower, upper = max(lower, a-b), max(upper, b-a)
		}
	}
	return lower, upper
}

// StationaryGTHBanded sets pi to the stationary law of the irreducible generator q by the
// GTH elimination (StationaryGTH: every pivot a sum of rates, no subtraction, each
// component to a relative accuracy of order n·ε) on the band of q in the ordering perm
// (perm[new] = old, such as RCM's), with lower and upper bandwidths bl, bu (Bandwidths).
// Eliminating a state only combines states within the band, so the band holds all the
// fill: O(n·bl·bu) time and O(n·(bl + bu + 1)) memory, against O(n³) and O(n²) dense.
// It returns an error if a state cannot reach one below it (a reducible chain).
func StationaryGTHBanded(pi []float64, q *CSR, perm []int, bl, bu int) error {
	return StationaryGTHBandedProgress(pi, q, perm, bl, bu, nil)
}

// StationaryGTHBandedProgress is StationaryGTHBanded calling progress, if non-nil, every
// 4096 eliminated states with the number eliminated and n.
func StationaryGTHBandedProgress(pi []float64, q *CSR, perm []int, bl, bu int, progress func(done, total int)) error {
	n := q.Rows
	if q.Cols != n || len(pi) != n || len(perm) != n {
		panic("linalg: StationaryGTHBanded: dimension mismatch")
	}
	inv := make([]int, n)
	for nw, old := range perm {
		inv[old] = nw
	}
	w := bl + bu + 1
	band := make([]float64, n*w)
	// at returns the position of (i, j), |i − j| within the band, in band.
	at := func(i, j int) int { return i*w + j - i + bl }
	for i := 0; i < n; i++ {
		for p := q.RowPtr[i]; p < q.RowPtr[i+1]; p++ {
			a, b := inv[i], inv[int(q.Col[p])]
			if a == b || q.Val[p] == 0 {
				continue // explicit zeros may lie outside the band (Bandwidths skips them)
			}
			if a-b > bl || b-a > bu {
				return fmt.Errorf("linalg: GTH: the entry (%d, %d) lies outside the band (%d, %d) of the ordering", i, q.Col[p], bl, bu)
			}
			band[at(a, b)] += q.Val[p]
		}
	}
	out := make([]float64, n)
	for k := n - 1; k > 0; k-- {
		if progress != nil && (n-k)%4096 == 0 {
			progress(n-k, n)
		}
		jlo := max(0, k-bl)
		rowK := band[at(k, jlo):at(k, k)] // a[k][jlo..k)
		s := 0.0
		for _, v := range rowK {
			s += v
		}
		if !(s > 0) {
			return fmt.Errorf("linalg: GTH: state %d cannot reach a state below it: the chain is reducible", perm[k])
		}
		out[k] = s
		for i := max(0, k-bu); i < k; i++ {
			f := band[at(i, k)] / s
			if f == 0 {
				continue
			}
			// a[i][j] += f·a[k][j] for j in [jlo, k): within row i's band since
			// i − j < bl and j − i < bu.
			rowI := band[at(i, jlo):at(i, k)]
			for j, v := range rowK {
				rowI[j] += f * v
			}
		}
	}
	x := make([]float64, n)
	x[0] = 1
	for k := 1; k < n; k++ {
		s := 0.0
		for i := max(0, k-bu); i < k; i++ {
			s += x[i] * band[at(i, k)]
		}
		x[k] = s / out[k]
		rescale(x[:k+1])
	}
	for nw, old := range perm {
		pi[old] = x[nw]
	}
	return normalise(pi)
}

// rescale divides x by a power of two when its last entry grows past 2^500, so that a law
// spanning more than the range of float64 (a long chain whose probabilities fall by 10³⁰⁰
// from one end to the other) is built without overflow; the entries that underflow are
// negligible against the largest. It keeps the ratios exact.
func rescale(x []float64) {
	const big = 0x1p500
	if last := x[len(x)-1]; last > big {
		for i := range x {
			x[i] *= 0x1p-500
		}
	}
}
