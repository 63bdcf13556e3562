package linalg

import (
	"fmt"
	"math"
	"slices"
)

// SparseLU is the LU factorisation without pivoting of a sparse square matrix, a = PᵀLUP,
// in a nested-dissection order P (George 1973): the states are split by a level of a
// breadth-first search from a pseudo-peripheral state into two halves and the separating
// level, numbered last; each half is split in turn, down to pieces of ndLeaf states. On a
// two-dimensional chain of n states L and U then hold O(n log n) entries and cost
// O(n^1.5) to compute, against n^1.5 entries and n² for the band of the best ordering. It
// is meant for matrices that need no pivoting: ± an M-matrix that is diagonally dominant
// by columns (or rows), as the aggregated chains of TwoLevel are, keeps that dominance
// under elimination in any symmetric order, so the factorisation is stable. The
// factorisation is left-looking over the columns, on the symmetric pattern of a with the
// fill of its elimination tree.
type SparseLU struct {
	n    int
	perm []int32 // perm[new] = old
	// L (unit lower, strictly below the diagonal) and U (strictly above) by columns, in the
	// new numbering; d is the diagonal of U.
	lp, up []int
	li, ui []int32
	lx, ux []float64
	d      []float64
	y      []float64
}

// ndLeaf is the size below which nested dissection stops splitting.
const ndLeaf = 32

// NewSparseLU factorises a (square, every diagonal stored). It returns an error when a
// pivot vanishes or is not finite (a needs pivoting), or when the factors would hold more
// than maxEntries entries or cost more than maxWork multiply-adds (checked before the
// numeric factorisation, so a refused matrix costs only its ordering). O(nnz(L)) memory;
// O(Σ_k |L_{·k}|²) time, O(n^1.5) on a two-dimensional chain.
func NewSparseLU(a *CSR, maxEntries int, maxWork float64) (*SparseLU, error) {
	n := a.Rows
	if a.Cols != n {
		return nil, fmt.Errorf("linalg: sparse LU of a %d×%d matrix", a.Rows, a.Cols)
	}
	adjPtr, adj := symmetricAdjacency(a)
	perm := ndOrder(n, adjPtr, adj)
	inv := make([]int32, n)
	for nw, old := range perm {
		inv[old] = int32(nw)
	}
	// Pattern of L by columns (new numbering): column j holds the neighbours of j numbered
	// after it and the pattern of every child of j in the elimination tree, below j.
	// parent(j) is the first row of column j.
	lp := make([]int, n+1)
	var li []int32
	mark := make([]int32, n)
	for i := range mark {
		mark[i] = -1
	}
	child := make([]int32, n) // first child in the elimination tree, -1 for none
	next := make([]int32, n)  // next sibling
	for i := range child {
		child[i] = -1
	}
	work := 0.0
	for j := 0; j < n; j++ {
		mark[j] = int32(j)
		start := len(li)
		old := perm[j]
		for p := adjPtr[old]; p < adjPtr[old+1]; p++ {
			if i := inv[adj[p]]; int(i) > j && mark[i] != int32(j) {
				mark[i] = int32(j)
				li = append(li, i)
			}
		}
		for c := child[j]; c >= 0; c = next[c] {
			for _, i := range li[lp[c]:lp[c+1]] {
				if int(i) > j && mark[i] != int32(j) {
					mark[i] = int32(j)
					li = append(li, i)
				}
			}
		}
		lp[j+1] = len(li)
		col := li[start:]
		if len(col) > 0 {
			par := slices.Min(col)
			next[j] = child[par]
			child[par] = int32(j)
		}
		work += float64(len(col)) * float64(len(col)+1)
		if 2*len(li)+n > maxEntries || work > maxWork {
			return nil, fmt.Errorf("linalg: sparse LU of %d states: more than %d entries or %.3g multiply-adds", n, maxEntries, maxWork)
		}
	}
	// U has the transposed pattern: row k of L is column k of U, gathered in increasing
	// column order so that every column of U is sorted (the left-looking updates need
	// its rows in increasing order).
	nnz := len(li)
	up := make([]int, n+1)
	for _, i := range li {
		up[i+1]++
	}
	for j := 0; j < n; j++ {
		up[j+1] += up[j]
	}
	ui := make([]int32, nnz)
	fill := append([]int(nil), up[:n]...)
	for k := 0; k < n; k++ {
		for _, i := range li[lp[k]:lp[k+1]] {
			ui[fill[i]] = int32(k)
			fill[i]++
		}
	}
	f := &SparseLU{n: n, perm: perm, lp: lp, up: up, li: li, ui: ui,
		lx: make([]float64, nnz), ux: make([]float64, nnz), d: make([]float64, n), y: make([]float64, n)}
	// Left-looking: column j of a, minus the columns k < j of L scaled by U_kj in
	// increasing k, gives U's column j above the diagonal, the pivot and L's column j.
	at := a.Transpose() // row old of aᵀ is column old of a
	x := f.y
	for j := 0; j < n; j++ {
		old := perm[j]
		for p := at.RowPtr[old]; p < at.RowPtr[old+1]; p++ {
			x[inv[at.Col[p]]] += at.Val[p]
		}
		urows := ui[up[j]:up[j+1]]
		uvals := f.ux[up[j]:up[j+1]]
		for t, k := range urows {
			ukj := x[k]
			x[k] = 0
			uvals[t] = ukj
			if ukj == 0 {
				continue
			}
			rows := li[lp[k]:lp[k+1]]
			vals := f.lx[lp[k]:lp[k+1]]
			vals = vals[:len(rows)]
			for q, i := range rows {
				x[i] -= vals[q] * ukj
			}
		}
		dj := x[j]
		x[j] = 0
		if dj == 0 || math.IsNaN(dj) || math.IsInf(dj, 0) {
			return nil, fmt.Errorf("linalg: sparse LU: pivot %g at %d: the matrix needs pivoting", dj, j)
		}
		f.d[j] = dj
		rows := li[lp[j]:lp[j+1]]
		vals := f.lx[lp[j]:lp[j+1]]
		vals = vals[:len(rows)]
		for q, i := range rows {
			vals[q] = x[i] / dj
			x[i] = 0
		}
	}
	return f, nil
}

// Entries returns the number of entries stored in L and U (the diagonal included).
func (f *SparseLU) Entries() int { return len(f.lx) + len(f.ux) + f.n }

// Solve sets x = a⁻¹ b by the two triangular substitutions, O(nnz(L) + nnz(U)); x and b
// may be the same slice.
func (f *SparseLU) Solve(x, b []float64) {
	n := f.n
	y := f.y[:n]
	perm := f.perm[:n]
	for nw, old := range perm {
		y[nw] = b[old]
	}
	li, lx := f.li, f.lx
	for k := 0; k < n; k++ { // L, by columns
		yk := y[k]
		if yk == 0 {
			continue
		}
		rows := li[f.lp[k]:f.lp[k+1]]
		vals := lx[f.lp[k]:f.lp[k+1]]
		vals = vals[:len(rows)]
		for q, i := range rows {
			y[i] -= vals[q] * yk
		}
	}
	ui, ux, d := f.ui, f.ux, f.d[:n]
	for j := n - 1; j >= 0; j-- { // U, by columns
		zj := y[j] / d[j]
		y[j] = zj
		if zj == 0 {
			continue
		}
		rows := ui[f.up[j]:f.up[j+1]]
		vals := ux[f.up[j]:f.up[j+1]]
		vals = vals[:len(rows)]
		for q, i := range rows {
			y[i] -= vals[q] * zj
		}
	}
	for nw, old := range perm {
		x[old] = y[nw]
	}
}

// symmetricAdjacency returns the pattern of a + aᵀ without the diagonal, every stored
// entry counting (zeros too), in compressed rows. O(nnz log).
func symmetricAdjacency(a *CSR) ([]int, []int32) {
	n := a.Rows
	ptr := make([]int, n+1)
	for i := 0; i < n; i++ {
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			if j := int(a.Col[p]); j != i {
				ptr[i+1]++
				ptr[j+1]++
			}
		}
	}
	for i := 0; i < n; i++ {
		ptr[i+1] += ptr[i]
	}
	adj := make([]int32, ptr[n])
	fill := append([]int(nil), ptr[:n]...)
	for i := 0; i < n; i++ {
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			if j := int(a.Col[p]); j != i {
				adj[fill[i]] = int32(j)
				fill[i]++
				adj[fill[j]] = int32(i)
				fill[j]++
			}
		}
	}
	// Sort and deduplicate each row in place, compacting the rows.
	out := 0
	start := 0
	for i := 0; i < n; i++ {
		row := adj[start:ptr[i+1]]
		start = ptr[i+1]
		slices.Sort(row)
		row = slices.Compact(row)
		ptr[i] = out
		out += copy(adj[out:], row)
	}
	ptr[n] = out
	return ptr, adj[:out]
}

// ndOrder returns a nested-dissection order of the graph (perm[new] = old): each connected
// piece of more than ndLeaf states is split by the middle level of a breadth-first search
// from a pseudo-peripheral state, which separates the levels before it from those after
// (an edge joins states of the same or adjacent levels); the two sides are ordered first,
// recursively, and the separator last. O(nnz·log n) on a two-dimensional chain.
func ndOrder(n int, ptr []int, adj []int32) []int32 {
	part := make([]int32, n) // the piece a state belongs to while it is being split
	level := make([]int32, n)
	for i := range level {
		level[i] = -1
	}
	perm := make([]int32, 0, n)
	queue := make([]int32, 0, n)
	// bfs runs a breadth-first search from s over the states of piece p, returning them in
	// order (in queue's storage) with their levels set; it leaves levels to be reset.
	bfs := func(s int32, p int32) []int32 {
		q := queue[:0]
		q = append(q, s)
		level[s] = 0
		for h := 0; h < len(q); h++ {
			i := q[h]
			for _, j := range adj[ptr[i]:ptr[i+1]] {
				if part[j] == p && level[j] < 0 {
					level[j] = level[i] + 1
					q = append(q, j)
				}
			}
		}
		return q
	}
	reset := func(states []int32) {
		for _, i := range states {
			level[i] = -1
		}
	}
	nextPart := int32(1)
	// Pieces are split on an explicit stack; a piece is (its states, and whether it is a
	// separator to be numbered now). Separators are pushed below the two halves so that
	// they are numbered after them.
	type piece struct {
		states []int32
		sep    bool
	}
	all := make([]int32, n)
	for i := range all {
		all[i] = int32(i)
	}
	stack := []piece{{states: all}}
	for len(stack) > 0 {
		pc := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if pc.sep || len(pc.states) <= ndLeaf {
			perm = append(perm, pc.states...)
			continue
		}
		p := part[pc.states[0]]
		// One connected component of the piece; the rest is split off as its own piece.
		order := bfs(pc.states[0], p)
		if len(order) < len(pc.states) {
			comp := append([]int32(nil), order...)
			reset(comp)
			np := nextPart
			nextPart++
			for _, i := range comp {
				part[i] = np
			}
			rest := make([]int32, 0, len(pc.states)-len(comp))
			for _, i := range pc.states {
				if part[i] == p {
					rest = append(rest, i)
				}
			}
			stack = append(stack, piece{states: rest}, piece{states: comp})
			continue
		}
		// A pseudo-peripheral start: restart from the last state reached while the depth
		// grows (a few sweeps).
		for range 4 {
			far := order[len(order)-1]
			depth := level[far]
			reset(order)
			order = bfs(far, p)
			if level[order[len(order)-1]] <= depth {
				break
			}
		}
		depth := level[order[len(order)-1]]
		if depth < 2 {
			reset(order)
			perm = append(perm, pc.states...)
			continue
		}
		// The separator: the level in which the half of the states is reached, kept off
		// the first and last levels so that both sides are non-empty.
		half := len(order) / 2
		sepLevel := min(max(level[order[half]], 1), depth-1)
		var left, right, sep []int32
		for _, i := range order {
			switch l := level[i]; {
			case l < sepLevel:
				left = append(left, i)
			case l > sepLevel:
				right = append(right, i)
			default:
				sep = append(sep, i)
			}
		}
		reset(order)
		pl, pr := nextPart, nextPart+1
		nextPart += 2
		for _, i := range left {
			part[i] = pl
		}
		for _, i := range right {
			part[i] = pr
		}
		for _, i := range sep {
			part[i] = -1
		}
		stack = append(stack, piece{states: sep, sep: true}, piece{states: right}, piece{states: left})
	}
	return perm
}
