package linalg

import (
	"fmt"
	"math"
)

// TwoLevel is a two-level preconditioner for a nonsingular M-matrix a or its negative (such as the
// transposed generator of a Markov chain with one state's row and column removed): an
// aggregation coarse-grid correction followed by an ILU(0) smoothing step,
//
//	z = P A_c⁻¹ Pᵀ b,   z ← z + (LU)⁻¹ (b − a z),
//
// where P is the 0/1 matrix of a partition of the states into aggregates (connected blobs
// grown by breadth-first search) and A_c = Pᵀ a P the aggregated matrix, factorised once
// by sparse LU in nested-dissection order (SparseLU), or, when that fills more than the
// budget, by banded LU in its reverse Cuthill–McKee order. The aggregated matrix of an M-matrix
// with nonnegative column sums is again one (its column J sums the columns of J), so
// elimination without pivoting is stable. ILU(0) alone removes the error that varies from
// state to state but needs iterations in proportion to the diameter of the chain to move
// mass across it; the coarse correction moves it in one step (Horton and Leutenegger 1994,
// a multigrid for Markov chains; here as a linear preconditioner for a Krylov method). It
// implements Preconditioner. Solve costs one ILU(0) solve, one product with a and one
// coarse solve, O(entries of the coarse factors): O(n_c log n_c) on a two-dimensional
// chain by nested dissection, against n_c^1.5 for the band (5·10³ aggregates of SIRS:
// 3·10⁵ entries against 1.1·10⁶).
type TwoLevel struct {
	a      *CSR
	ilu    *ILU0
	agg    []int32   // aggregate of each state
	slot   []int32   // position of each state's aggregate in the coarse RCM order (agg with lu)
	lu     *SparseLU // the coarse factors when sparse, else the band below
	nc     int
	perm   []int // coarse RCM order: perm[new] = old
	inv    []int
	bl, bu int
	band   []float64 // LU factors of A_c in band storage, row-major, width bl+bu+1
	rc, r  []float64
}

// NewTwoLevel builds the two-level preconditioner of a (square, sorted columns, every
// diagonal stored) from its ILU(0) factorisation, with aggregates of at most size states.
// It returns an error when a coarse pivot vanishes (a is not ± an M-matrix), or when
// neither the sparse factors (SparseLU) nor the band of the coarse matrix fit in maxWork
// multiply-adds and 8 entries per entry of a. O(nnz) plus the coarse factorisation:
// O(n_c^1.5) by nested dissection on a two-dimensional chain, O(n_c·bl_c·bu_c) for the band.
func NewTwoLevel(a *CSR, ilu *ILU0, size int, maxWork float64) (*TwoLevel, error) {
	n := a.Rows
	agg, nc := aggregate(a, size)
	// A_c = Pᵀ a P: row I sums the rows of I, columns mapped to their aggregates.
	members := make([][]int32, nc)
	for i, g := range agg {
		members[g] = append(members[g], int32(i))
	}
	ac := &CSR{Rows: nc, Cols: nc, RowPtr: make([]int, 1, nc+1)}
	acc := make([]float64, nc)
	mark := make([]bool, nc)
	var cols []int32
	for I := 0; I < nc; I++ {
		cols = cols[:0]
		for _, i := range members[I] {
			for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
				J := agg[a.Col[p]]
				if !mark[J] {
					mark[J] = true
					cols = append(cols, J)
				}
				acc[J] += a.Val[p]
			}
		}
		sortInt32(cols)
		for _, J := range cols {
			ac.Col = append(ac.Col, J)
			ac.Val = append(ac.Val, acc[J])
			acc[J], mark[J] = 0, false
		}
		ac.RowPtr = append(ac.RowPtr, len(ac.Col))
	}
	t := &TwoLevel{a: a, ilu: ilu, agg: agg, nc: nc, rc: make([]float64, nc), r: make([]float64, n)}
	// The coarse matrix by sparse LU in nested-dissection order, within the same memory
	// and work as the band; the band remains for a matrix whose dissection fills more.
	if lu, err := NewSparseLU(ac, 8*len(a.Val), maxWork); err == nil {
		t.lu = lu
		t.slot = agg
		return t, nil
	}
	t.perm = RCM(ac)
	t.bl, t.bu = Bandwidths(ac, t.perm)
	// The band may hold at most 8 entries per stored entry of a (memory), and its LU cost
	// at most maxWork.
	if w := float64(nc) * float64(max(t.bl, 1)) * float64(max(t.bu, 1)); w > maxWork || nc*(t.bl+t.bu+1) > 8*len(a.Val) {
		return nil, fmt.Errorf("linalg: two-level preconditioner: coarse band of %d states with bandwidths %d, %d is too wide", nc, t.bl, t.bu)
	}
	t.inv = make([]int, nc)
	for nw, old := range t.perm {
		t.inv[old] = nw
	}
	t.slot = make([]int32, n)
	for i, g := range agg {
		t.slot[i] = int32(t.inv[g])
	}
	bl, bu := t.bl, t.bu
	w := bl + bu + 1
	band := make([]float64, nc*w)
	at := func(i, j int) int { return i*w + j - i + bl }
	for i := 0; i < nc; i++ {
		for p := ac.RowPtr[i]; p < ac.RowPtr[i+1]; p++ {
			band[at(t.inv[i], t.inv[ac.Col[p]])] += ac.Val[p]
		}
	}
	// LU without pivoting: L unit lower (multipliers stored below the diagonal), U upper.
	for k := 0; k < nc; k++ {
		d := band[at(k, k)]
		if d == 0 || math.IsNaN(d) || math.IsInf(d, 0) {
			return nil, fmt.Errorf("linalg: two-level preconditioner: coarse pivot %g at %d", d, k)
		}
		rowK := band[at(k, k+1):at(k, min(nc-1, k+bu)+1)]
		for i := k + 1; i <= min(nc-1, k+bl); i++ {
			l := band[at(i, k)] / d
			band[at(i, k)] = l
			if l == 0 {
				continue
			}
			rowI := band[at(i, k+1) : at(i, k+1)+len(rowK)]
			for j, v := range rowK {
				rowI[j] -= l * v
			}
		}
	}
	t.band = band
	return t, nil
}

// Solve sets x = M⁻¹ b (the coarse correction, then one ILU(0) step on its residual); x
// and b must not be the same slice. O(nnz + n_c·(bl_c + bu_c)).
func (t *TwoLevel) Solve(x, b []float64) {
	nc, bl, bu := t.nc, t.bl, t.bu
	w := bl + bu + 1
	rc := t.rc
	for i := range rc {
		rc[i] = 0
	}
	for i, g := range t.slot {
		rc[g] += b[i]
	}
	band := t.band
	if t.lu != nil {
		t.lu.Solve(rc, rc)
		nc = 0
	}
	for i := 0; i < nc; i++ { // L y = rc
		lo := max(0, i-bl)
		rc[i] -= dot4(band[i*w+lo-i+bl:i*w+bl], rc[lo:i])
	}
	for i := nc - 1; i >= 0; i-- { // U z = y
		hi := min(nc-1, i+bu)
		rc[i] = (rc[i] - dot4(band[i*w+bl+1:i*w+hi-i+bl+1], rc[i+1:hi+1])) / band[i*w+bl]
	}
	for i, g := range t.slot {
		x[i] = rc[g]
	}
	r := t.r
	t.a.MulVec(r, x)
	for i := range r {
		r[i] = b[i] - r[i]
	}
	t.ilu.Solve(r, r)
	for i := range x {
		x[i] += r[i]
	}
}

// dot4 returns Σ_k x_k y_k (len(y) ≥ len(x)) in four interleaved partial sums: the coarse
// band rows are a few hundred long, and one running sum would wait on the latency of each
// addition. O(len(x)).
func dot4(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	k := 0
	for ; k+4 <= len(x); k += 4 {
		s0 += x[k] * y[k]
		s1 += x[k+1] * y[k+1]
		s2 += x[k+2] * y[k+2]
		s3 += x[k+3] * y[k+3]
	}
	for ; k < len(x); k++ {
		s0 += x[k] * y[k]
	}
	return (s0 + s1) + (s2 + s3)
}

// aggregate partitions the states of a into connected aggregates of at most size states:
// from each state not yet aggregated, in index order, a breadth-first search over the
// symmetric pattern takes the states not yet aggregated until size are taken. It returns
// the aggregate of each state and their number. O(nnz).
func aggregate(a *CSR, size int) ([]int32, int) {
	n := a.Rows
	at := a.Transpose()
	agg := make([]int32, n)
	for i := range agg {
		agg[i] = -1
	}
	nc := int32(0)
	queue := make([]int32, 0, size)
	for s := 0; s < n; s++ {
		if agg[s] >= 0 {
			continue
		}
		queue = append(queue[:0], int32(s))
		agg[s] = nc
		for h := 0; h < len(queue) && len(queue) < size; h++ {
			i := queue[h]
			for _, m := range [2]*CSR{a, at} {
				for p := m.RowPtr[i]; p < m.RowPtr[i+1] && len(queue) < size; p++ {
					if j := m.Col[p]; agg[j] < 0 {
						agg[j] = nc
						queue = append(queue, j)
					}
				}
			}
		}
		nc++
	}
	return agg, int(nc)
}

// sortInt32 sorts a short slice by insertion.
func sortInt32(x []int32) {
	for i := 1; i < len(x); i++ {
		for j := i; j > 0 && x[j] < x[j-1]; j-- {
			x[j], x[j-1] = x[j-1], x[j]
		}
	}
}
