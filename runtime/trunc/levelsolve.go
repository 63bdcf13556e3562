package trunc

import (
	"fmt"
	"sort"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// levelSystem is Q_r cut into the blocks of a level structure in which every jump moves
// at most one level (seed-003 §3.2, (4.11)): Q^l within level l, Q^l_− to level l−1, Q^l_+
// to level l+1. The levels are t's own when it has a valid level function, otherwise the
// breadth-first levels of the jump graph (Cuthill–McKee), which always qualify.
type levelSystem struct {
	n      int
	lev    []int   // level of each state
	pos    []int   // position of each state in its level
	states [][]int // the states of each level, increasing
	// same, down, up hold the off-diagonal entries of each level's rows within the level,
	// to the level below and to the level above, with level-local indices.
	same, down, up [][]entry
	out            [][]float64 // q_o by level
	rate           [][]float64 // q(x) = −Q_r(x, x) by level
	upSum          [][]float64 // Σ_j Q^l_+(i, j) by level
	// Source says where the levels come from, for the report.
	Source string
}

type entry struct {
	i, j int32
	v    float64
}

// newLevelSystem cuts t into levels. With t.Level set and every jump within ±1 level the
// levels are t's (relabelled 0, 1, … in increasing order); otherwise the breadth-first
// levels from the first state of each connected part. It returns an error naming the
// states that cannot leave S when Q_r is singular (a closed class inside S: TA's solution is
// then not unique). O(|S| + nnz).
func newLevelSystem(t *Truncation) (*levelSystem, error) {
	n := t.NumStates()
	s := &levelSystem{n: n}
	if lev, ok := ownLevels(t); ok {
		s.lev, s.Source = lev, "levels "+t.LevelFunc
	} else {
		s.lev, s.Source = bfsLevels(t), "breadth-first levels of the jump graph"
	}
	if err := leavesS(t); err != nil {
		return nil, err
	}
	K := 0
	for _, l := range s.lev {
		K = max(K, l+1)
	}
	s.states = make([][]int, K)
	s.pos = make([]int, n)
	for x, l := range s.lev {
		s.pos[x] = len(s.states[l])
		s.states[l] = append(s.states[l], x)
	}
	s.same, s.down, s.up = make([][]entry, K), make([][]entry, K), make([][]entry, K)
	s.out, s.upSum, s.rate = make([][]float64, K), make([][]float64, K), make([][]float64, K)
	for l, st := range s.states {
		s.out[l] = make([]float64, len(st))
		s.rate[l] = make([]float64, len(st))
		s.upSum[l] = make([]float64, len(st))
		for i, x := range st {
			s.out[l][i] = t.Out[x]
			for p := t.Q.RowPtr[x]; p < t.Q.RowPtr[x+1]; p++ {
				y, v := int(t.Q.Col[p]), t.Q.Val[p]
				if y == x {
					s.rate[l][i] = -v
				}
				if y == x || v == 0 {
					continue
				}
				e := entry{int32(i), int32(s.pos[y]), v}
				switch s.lev[y] - l {
				case 0:
					s.same[l] = append(s.same[l], e)
				case -1:
					s.down[l] = append(s.down[l], e)
				case 1:
					s.up[l] = append(s.up[l], e)
					s.upSum[l][i] += v
				}
			}
		}
	}
	return s, nil
}

// ownLevels returns t's levels relabelled 0, 1, … when every jump of Q_r moves at most one
// level (after dropping empty levels, which no jump crosses).
func ownLevels(t *Truncation) ([]int, bool) {
	if t.Level == nil {
		return nil, false
	}
	for x := 0; x < t.NumStates(); x++ {
		for p := t.Q.RowPtr[x]; p < t.Q.RowPtr[x+1]; p++ {
			if d := t.Level[t.Q.Col[p]] - t.Level[x]; (d > 1 || d < -1) && t.Q.Val[p] != 0 {
				return nil, false
			}
		}
	}
	vals := map[int32]bool{}
	for _, l := range t.Level {
		vals[l] = true
	}
	sorted := make([]int, 0, len(vals))
	for v := range vals {
		sorted = append(sorted, int(v))
	}
	sort.Ints(sorted)
	rank := map[int32]int{}
	for i, v := range sorted {
		rank[int32(v)] = i // an empty level is crossed by no jump: ranks keep jumps within ±1
	}
	lev := make([]int, len(t.Level))
	for x, l := range t.Level {
		lev[x] = rank[l]
	}
	return lev, true
}

// bfsLevels returns the breadth-first distance of each state from the first state of its
// connected part in the undirected jump graph; each part starts one level above the last
// level of the previous one. Every jump then moves at most one level. O(|S| + nnz).
func bfsLevels(t *Truncation) []int {
	n := t.NumStates()
	adj := make([][]int32, n)
	for x := 0; x < n; x++ {
		for p := t.Q.RowPtr[x]; p < t.Q.RowPtr[x+1]; p++ {
			if y := t.Q.Col[p]; int(y) != x && t.Q.Val[p] != 0 {
				adj[x] = append(adj[x], y)
				adj[y] = append(adj[y], int32(x))
			}
		}
	}
	lev := make([]int, n)
	for x := range lev {
		lev[x] = -1
	}
	next := 0
	for root := 0; root < n; root++ {
		if lev[root] >= 0 {
			continue
		}
		lev[root] = next
		queue := []int{root}
		for len(queue) > 0 {
			x := queue[0]
			queue = queue[1:]
			next = max(next, lev[x]+1)
			for _, y := range adj[x] {
				if lev[y] < 0 {
					lev[y] = lev[x] + 1
					queue = append(queue, int(y))
				}
			}
		}
	}
	return lev
}

// leavesS returns an error when some state of S cannot reach the out-boundary: then Q_r is
// singular, S holds a closed class, and the truncated schemes have no unique solution
// (seed-003 App. C.2, pitfall 3). O(|S| + nnz).
func leavesS(t *Truncation) error {
	n := t.NumStates()
	rev := make([][]int32, n)
	var queue []int
	seen := make([]bool, n)
	for x := 0; x < n; x++ {
		if t.Out[x] > 0 {
			seen[x] = true
			queue = append(queue, x)
		}
		for p := t.Q.RowPtr[x]; p < t.Q.RowPtr[x+1]; p++ {
			if y := t.Q.Col[p]; int(y) != x && t.Q.Val[p] > 0 {
				rev[y] = append(rev[y], int32(x))
			}
		}
	}
	for len(queue) > 0 {
		y := queue[0]
		queue = queue[1:]
		for _, x := range rev[y] {
			if !seen[x] {
				seen[x] = true
				queue = append(queue, int(x))
			}
		}
	}
	var stuck []string
	count := 0
	for x, ok := range seen {
		if !ok {
			count++
			if len(stuck) < 5 {
				stuck = append(stuck, t.StateString(x))
			}
		}
	}
	if count > 0 {
		return fmt.Errorf("trunc: %d states of S never leave it (e.g. %v): S holds a closed class, Q_r is singular and the solution is not unique (try lp --classes)", count, stuck)
	}
	return nil
}

// levelFactor is the block LU factorisation of A = βI − Q_r over the levels, eliminating
// level 0 first (seed-003 §5.2.2): D_0 = A_00 and
//
//	D_l = βI + diag(q) − Q^l − Q^l_− D_{l−1}^{-1} Q^{l−1}_+,
//
// whose off-diagonal entries are sums of non-negative terms and whose diagonal is set, as
// in GTH, to the sum of its row's off-diagonal moduli plus the rate up to level l+1 plus the
// effective leak e_l = q_o + β + Q^l_− D_{l−1}^{-1} e_{l−1} (the rate of leaving S or being
// killed through the levels below), never by a subtraction. The blocks D_l are dense and
// factorised by LAPACK's getrf. O(Σ_l n_l³) time, O(Σ_l n_l²) memory.
type levelFactor struct {
	s    *levelSystem
	beta float64
	lu   [][]float64 // LU of D_l, row-major n_l × n_l
	piv  [][]int
	work []float64 // scratch of the solves
}

// factor returns the factorisation of βI − Q_r. It returns an error if a block is singular.
func (s *levelSystem) factor(beta float64) (*levelFactor, error) {
	K := len(s.states)
	f := &levelFactor{s: s, beta: beta, lu: make([][]float64, K), piv: make([][]int, K)}
	var prevE []float64 // e_{l−1}
	for l := 0; l < K; l++ {
		nl := len(s.states[l])
		d := make([]float64, nl*nl) // P: off-diagonal returns, positive
		for _, e := range s.same[l] {
			d[int(e.i)*nl+int(e.j)] += e.v
		}
		e := make([]float64, nl)
		for i := range e {
			e[i] = s.out[l][i] + beta
		}
		if l > 0 && len(s.down[l]) > 0 {
			// [X | y] = D_{l−1}^{-1} [Q^{l−1}_+ | e_{l−1}]
			np := len(s.states[l-1])
			xy := make([]float64, np*(nl+1))
			for _, u := range s.up[l-1] {
				xy[int(u.i)*(nl+1)+int(u.j)] += u.v
			}
			for k := 0; k < np; k++ {
				xy[k*(nl+1)+nl] = prevE[k]
			}
			f.solveBlock(l-1, blas.NoTrans, xy, nl+1)
			for _, dn := range s.down[l] {
				row := d[int(dn.i)*nl : int(dn.i+1)*nl]
				src := xy[int(dn.j)*(nl+1) : int(dn.j+1)*(nl+1)]
				for j := range row {
					if v := src[j]; v > 0 {
						row[j] += dn.v * v
					}
				}
				if v := src[nl]; v > 0 {
					e[dn.i] += dn.v * v
				}
			}
		}
		for i := 0; i < nl; i++ {
			sum := s.upSum[l][i] + e[i]
			row := d[i*nl : (i+1)*nl]
			for j, v := range row {
				if j != i {
					sum += v
					row[j] = -v
				}
			}
			row[i] = sum
		}
		piv := make([]int, nl)
		if !lapack64.Getrf(blas64.General{Rows: nl, Cols: nl, Stride: nl, Data: d}, piv) {
			return nil, fmt.Errorf("trunc: the level-%d block of βI − Q_r is singular (β = %g): a closed class inside S?", l, beta)
		}
		f.lu[l], f.piv[l] = d, piv
		prevE = e
	}
	return f, nil
}

// solveBlock overwrites b (n_l × m, row-major) with D_l^{-1} b (trans = NoTrans) or
// D_l^{-T} b (trans = Trans). O(n_l²·m).
func (f *levelFactor) solveBlock(l int, trans blas.Transpose, b []float64, m int) {
	nl := len(f.s.states[l])
	if nl == 1 {
		p := f.lu[l][0]
		for k := range b[:m] {
			b[k] /= p
		}
		return
	}
	lapack64.Getrs(trans, blas64.General{Rows: nl, Cols: nl, Stride: nl, Data: f.lu[l]}, blas64.General{Rows: nl, Cols: m, Stride: m, Data: b}, f.piv[l])
}

// solveRows solves x·A = b for m right-hand sides at once: b[l] holds the rows' restrictions
// to level l as an n_l × m matrix (column k is right-hand side k), nil for zero; the
// solutions overwrite b (allocated where nil). Every step adds non-negative terms when b ≥ 0:
//
//	g_l = b_l + g_{l−1} D_{l−1}^{-1} Q^{l−1}_+,  x_{K−1} = g_{K−1} D_{K−1}^{-1},
//	x_l = (g_l + x_{l+1} Q^{l+1}_−) D_l^{-1}.
//
// O(Σ_l n_l²·m + nnz·m).
func (f *levelFactor) solveRows(b [][]float64, m int) {
	s := f.s
	K := len(s.states)
	for l := range b {
		if b[l] == nil {
			b[l] = make([]float64, len(s.states[l])*m)
		}
	}
	// forward: g_l, kept in b[l]; w = g_{l−1} D_{l−1}^{-1} is stored in place of g_{l−1} only
	// temporarily (the back pass needs g).
	g := b
	nonzero := false
	for l := 0; l < K; l++ {
		if l > 0 && nonzero {
			w := f.scratch(g[l-1])
			f.solveBlock(l-1, blas.Trans, w, m)
			for _, u := range s.up[l-1] {
				dst := g[l][int(u.j)*m : int(u.j+1)*m]
				for k, v := range w[int(u.i)*m : int(u.i+1)*m] {
					dst[k] += u.v * v
				}
			}
		}
		if !nonzero {
			for _, v := range g[l] {
				if v != 0 {
					nonzero = true
					break
				}
			}
		}
	}
	f.solveBlock(K-1, blas.Trans, g[K-1], m)
	for l := K - 2; l >= 0; l-- {
		for _, dn := range s.down[l+1] {
			dst := g[l][int(dn.j)*m : int(dn.j+1)*m]
			for k, v := range g[l+1][int(dn.i)*m : int(dn.i+1)*m] {
				dst[k] += dn.v * v
			}
		}
		f.solveBlock(l, blas.Trans, g[l], m)
	}
}

// solveCols solves A·c = b for m right-hand sides at once, in the layout of solveRows:
//
//	h_l = b_l + Q^l_− D_{l−1}^{-1} h_{l−1},  c_{K−1} = D_{K−1}^{-1} h_{K−1},
//	c_l = D_l^{-1} (h_l + Q^l_+ c_{l+1}).
//
// O(Σ_l n_l²·m + nnz·m).
func (f *levelFactor) solveCols(b [][]float64, m int) {
	s := f.s
	K := len(s.states)
	for l := range b {
		if b[l] == nil {
			b[l] = make([]float64, len(s.states[l])*m)
		}
	}
	nonzero := false
	for l := 0; l < K; l++ {
		if l > 0 && nonzero {
			w := f.scratch(b[l-1])
			f.solveBlock(l-1, blas.NoTrans, w, m)
			for _, dn := range s.down[l] {
				dst := b[l][int(dn.i)*m : int(dn.i+1)*m]
				for k, v := range w[int(dn.j)*m : int(dn.j+1)*m] {
					dst[k] += dn.v * v
				}
			}
		}
		if !nonzero {
			for _, v := range b[l] {
				if v != 0 {
					nonzero = true
					break
				}
			}
		}
	}
	f.solveBlock(K-1, blas.NoTrans, b[K-1], m)
	for l := K - 2; l >= 0; l-- {
		for _, u := range s.up[l] {
			dst := b[l][int(u.i)*m : int(u.i+1)*m]
			for k, v := range b[l+1][int(u.j)*m : int(u.j+1)*m] {
				dst[k] += u.v * v
			}
		}
		f.solveBlock(l, blas.NoTrans, b[l], m)
	}
}

// scatter returns the solution of right-hand side k as a vector over the states of S.
func (f *levelFactor) scatter(b [][]float64, m, k int) []float64 {
	x := make([]float64, f.s.n)
	for l, st := range f.s.states {
		for i, y := range st {
			x[y] = b[l][i*m+k]
		}
	}
	return x
}

// scratch returns a copy of v in the factorisation's work buffer.
func (f *levelFactor) scratch(v []float64) []float64 {
	if cap(f.work) < len(v) {
		f.work = make([]float64, len(v))
	}
	w := f.work[:len(v)]
	copy(w, v)
	return w
}
