package ctmc

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mfcproject/mfc/runtime/linalg"
)

// ilu0 is an incomplete LU factorisation with the sparsity pattern of the matrix: L is unit
// lower triangular and U upper triangular, stored together in one CSR value array.
type ilu0 struct {
	a    *linalg.CSR
	lu   []float64
	diag []int // position of the diagonal in each row
}

// newILU0 factorises a (square, sorted columns, every diagonal stored). O(Σ_i Σ_{k∈row i}
// |row k|) time, O(nnz) memory.
func newILU0(a *linalg.CSR) (*ilu0, error) {
	n := a.Rows
	f := &ilu0{a: a, lu: append([]float64(nil), a.Val...), diag: make([]int, n)}
	pos := make([]int, n)
	for i := range pos {
		pos[i] = -1
	}
	for i := 0; i < n; i++ {
		f.diag[i] = -1
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			pos[a.Col[p]] = p
			if int(a.Col[p]) == i {
				f.diag[i] = p
			}
		}
		if f.diag[i] < 0 {
			return nil, fmt.Errorf("ctmc: ILU(0): row %d has no diagonal", i)
		}
		for p := a.RowPtr[i]; p < f.diag[i]; p++ {
			k := int(a.Col[p])
			f.lu[p] /= f.lu[f.diag[k]]
			lik := f.lu[p]
			for q := f.diag[k] + 1; q < a.RowPtr[k+1]; q++ {
				if t := pos[a.Col[q]]; t >= 0 {
					f.lu[t] -= lik * f.lu[q]
				}
			}
		}
		if f.lu[f.diag[i]] == 0 {
			return nil, fmt.Errorf("ctmc: ILU(0): zero pivot in row %d", i)
		}
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			pos[a.Col[p]] = -1
		}
	}
	return f, nil
}

// solve sets x = (LU)⁻¹ b; x and b may be the same slice.
func (f *ilu0) solve(x, b []float64) {
	a := f.a
	n := a.Rows
	for i := 0; i < n; i++ {
		s := b[i]
		for p := a.RowPtr[i]; p < f.diag[i]; p++ {
			s -= f.lu[p] * x[a.Col[p]]
		}
		x[i] = s
	}
	for i := n - 1; i >= 0; i-- {
		s := x[i]
		for p := f.diag[i] + 1; p < a.RowPtr[i+1]; p++ {
			s -= f.lu[p] * x[a.Col[p]]
		}
		x[i] = s / f.lu[f.diag[i]]
	}
}

func dot(x, y []float64) float64 {
	s := 0.0
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// n1 returns 1 + Σx.
func n1(x []float64) float64 {
	s := 1.0
	for _, v := range x {
		s += v
	}
	return s
}

func norm1(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += math.Abs(v)
	}
	return s
}

// bicgstab solves a x = b with right preconditioner m, starting from x, until
// ‖b − a x‖₁ ≤ rel·(1 + Σx) or maxIter iterations. The test uses the recurrence residual,
// confirmed (and, every 25 iterations, replaced) by the true residual, which the
// recurrence can drift away from. When the true residual has not fallen by 10% for
// stallIters iterations, the iteration restarts from the true residual with a fresh shadow
// vector. It returns the iterations used; each costs two products with a and two
// preconditioner solves, O(nnz).
func bicgstab(a *linalg.CSR, m *ilu0, x, b []float64, rel float64, maxIter int) int {
	return bicgstabCore(a, m, x, b, rel, 0, maxIter)
}

// bicgstabAbs is bicgstab with the absolute stopping test ‖b − a x‖₁ ≤ abs.
func bicgstabAbs(a *linalg.CSR, m *ilu0, x, b []float64, abs float64, maxIter int) int {
	return bicgstabCore(a, m, x, b, 0, abs, maxIter)
}

// bicgstabCore stops when ‖b − a x‖₁ ≤ rel·(1 + Σx) + abs.
func bicgstabCore(a *linalg.CSR, m *ilu0, x, b []float64, rel, abs float64, maxIter int) int {
	n := len(b)
	r := make([]float64, n)
	rhat := make([]float64, n)
	p := make([]float64, n)
	v := make([]float64, n)
	ph := make([]float64, n)
	sh := make([]float64, n)
	t := make([]float64, n)
	a.MulVec(r, x)
	for i := range r {
		r[i] = b[i] - r[i]
	}
	copy(rhat, r)
	rho, alpha, omega := 1.0, 1.0, 1.0
	it := 0
	tr := make([]float64, n)
	best, bestIt := math.Inf(1), 0
	stalled := false
	// converged checks the true residual of x; it sets stalled when the true residual has
	// not fallen below 0.9 of its best value for stallIters iterations.
	converged := func() bool {
		a.MulVec(tr, x)
		sum, res := 1.0, 0.0
		for i := range tr {
			sum += x[i]
			res += math.Abs(b[i] - tr[i])
		}
		if res < 0.9*best {
			best, bestIt = res, it
		} else if it-bestIt >= stallIters {
			stalled = true
		}
		return res <= rel*sum+abs
	}
	// rNorm = ‖r‖₁ and xSum = 1 + Σx, kept up to date by the update loops.
	rNorm, xSum := norm1(r), n1(x)
	for it < maxIter {
		if (rNorm <= rel*xSum+abs || it%25 == 0) && converged() {
			break
		}
		it++
		rhoNew := dot(rhat, r)
		if stalled {
			// Stagnation: restart from the true residual.
			for i := range r {
				r[i] = b[i] - tr[i]
			}
			rNorm = norm1(r)
			best, bestIt, stalled = math.Inf(1), it, false
		}
		if rhoNew == 0 || omega == 0 || math.IsNaN(rhoNew) || bestIt == it {
			// Breakdown or restart: restart with the current residual as shadow vector.
			copy(rhat, r)
			for i := range p {
				p[i], v[i] = 0, 0
			}
			rho, alpha, omega = 1, 1, 1
			rhoNew = dot(rhat, r)
		}
		beta := (rhoNew / rho) * (alpha / omega)
		for i := range p {
			p[i] = r[i] + beta*(p[i]-omega*v[i])
		}
		m.solve(ph, p)
		a.MulVec(v, ph)
		alpha = rhoNew / dot(rhat, v)
		rho = rhoNew
		rNorm = 0
		for i := range r {
			r[i] -= alpha * v[i] // r now holds s
			rNorm += math.Abs(r[i])
		}
		if rNorm <= rel*xSum+abs {
			xSum = 1
			for i := range x {
				x[i] += alpha * ph[i]
				xSum += x[i]
			}
			if converged() {
				break
			}
			continue
		}
		m.solve(sh, r)
		a.MulVec(t, sh)
		tt, tr0 := 0.0, 0.0
		for i, ti := range t {
			tt += ti * ti
			tr0 += ti * r[i]
		}
		if tt == 0 {
			omega = 0
		} else {
			omega = tr0 / tt
		}
		rNorm, xSum = 0, 1
		for i := range x {
			x[i] += alpha*ph[i] + omega*sh[i]
			r[i] -= omega * t[i]
			rNorm += math.Abs(r[i])
			xSum += x[i]
		}
	}
	return it
}

// gaussSeidel runs symmetric Gauss–Seidel sweeps on Qᵀπ = 0 (qt = Qᵀ), normalising π after
// each sweep. It serves as a cheap first guess to choose a pivot of large probability.
func gaussSeidel(qt *linalg.CSR, pi []float64, sweeps int) {
	n := qt.Rows
	step := func(i int) {
		s, d := 0.0, 0.0
		for p := qt.RowPtr[i]; p < qt.RowPtr[i+1]; p++ {
			if j := int(qt.Col[p]); j == i {
				d = qt.Val[p]
			} else {
				s += qt.Val[p] * pi[j]
			}
		}
		if d != 0 {
			pi[i] = -s / d
		}
	}
	for k := 0; k < sweeps; k++ {
		for i := 0; i < n; i++ {
			step(i)
		}
		for i := n - 1; i >= 0; i-- {
			step(i)
		}
		_ = normalise(pi)
	}
}

// solveIterative solves πQ = 0, Σπ = 1 for an irreducible generator q. It fixes π_k = 1 at
// a pivot k of large probability (the largest component of the first guess: a random
// walk's occupation measure after Gauss–Seidel smoothing), solves the remaining nonsingular equations of Qᵀπ = 0
// (one equation is redundant) with ILU(0)-preconditioned BiCGSTAB, re-pivots at the
// largest component and refines until ‖πQ‖₁ ≤ tol for the normalised π.
func solveIterative(q *linalg.CSR, set Settings) ([]float64, int, error) {
	n := q.Rows
	qt := q.Transpose()
	// First guess: the occupation measure of a random walk on the chain, smoothed by
	// Gauss–Seidel sweeps. It finds the region of large probability, where the pivot must
	// lie: a pivot of tiny probability makes the reduced system ill-conditioned (its
	// solution π/π_k is huge) and BiCGSTAB then stagnates. It is 0 far from that region,
	// which is close to the solution there (a uniform guess puts mass everywhere that the
	// iteration must remove).
	pi := occupation(q, walkSteps(n))
	gaussSeidel(qt, pi, 20)
	iters := 0
	for pass := 0; pass < 8; pass++ {
		k := 0
		for i, v := range pi {
			if v > pi[k] {
				k = i
			}
		}
		// Reduced system: drop row and column k of Qᵀ; b_i = −Qᵀ[i][k] (π_k = 1).
		a := &linalg.CSR{Rows: n - 1, Cols: n - 1, RowPtr: make([]int, 1, n),
			Col: make([]int32, 0, len(qt.Col)), Val: make([]float64, 0, len(qt.Val))}
		b := make([]float64, 0, n-1)
		for i := 0; i < n; i++ {
			if i == k {
				continue
			}
			bi := 0.0
			for p := qt.RowPtr[i]; p < qt.RowPtr[i+1]; p++ {
				j := int(qt.Col[p])
				switch {
				case j == k:
					bi = -qt.Val[p]
				case j > k:
					a.Col = append(a.Col, int32(j-1))
					a.Val = append(a.Val, qt.Val[p])
				default:
					a.Col = append(a.Col, int32(j))
					a.Val = append(a.Val, qt.Val[p])
				}
			}
			b = append(b, bi)
			a.RowPtr = append(a.RowPtr, len(a.Col))
		}
		m, err := newILU0(a)
		if err != nil {
			return nil, iters, err
		}
		x := make([]float64, n-1)
		sum := 0.0
		for i := 0; i < n; i++ {
			if i != k {
				x[i-btoi(i > k)] = pi[i] / pi[k]
				sum += pi[i] / pi[k]
			}
		}
		// ‖πQ‖₁ ≤ 2‖r‖₁ / Σx for the normalised π, since the dropped equation is minus the
		// sum of the others.
		iters += bicgstab(a, m, x, b, 0.4*set.Tol, set.MaxIter)
		for i := 0; i < n; i++ {
			switch {
			case i == k:
				pi[i] = 1
			case i > k:
				pi[i] = x[i-1]
			default:
				pi[i] = x[i]
			}
		}
		if err := normalise(pi); err != nil {
			return nil, iters, err
		}
		if residual(q, pi) <= set.Tol {
			return pi, iters, nil
		}
	}
	return pi, iters, nil
}

// walkSteps is the length of the random walk of solveIterative: 4 jumps per state, at least
// 1e5 and at most 4e6.
func walkSteps(n int) int { return min(max(4*n, 100_000), 4_000_000) }

// occupation returns the fraction of time a walk of the given number of jumps of the chain
// with irreducible generator q spends in each state, after a burn-in of a quarter of the
// jumps; each visit counts its mean holding time 1/|q_ii|. The walk starts in state 0 and
// uses a fixed seed, so the result is reproducible. O(steps·row length) time, O(S) memory.
func occupation(q *linalg.CSR, steps int) []float64 {
	n := q.Rows
	occ := make([]float64, n)
	rng := rand.New(rand.NewPCG(0x6d6663, 0x63746d63))
	s := 0
	for step := 0; step < steps; step++ {
		out := 0.0
		for p := q.RowPtr[s]; p < q.RowPtr[s+1]; p++ {
			if int(q.Col[p]) != s && q.Val[p] > 0 {
				out += q.Val[p]
			}
		}
		if out == 0 {
			break
		}
		if step >= steps/4 {
			occ[s] += 1 / out
		}
		u := rng.Float64() * out
		next := s
		for p := q.RowPtr[s]; p < q.RowPtr[s+1]; p++ {
			if int(q.Col[p]) != s && q.Val[p] > 0 {
				next = int(q.Col[p])
				if u -= q.Val[p]; u < 0 {
					break
				}
			}
		}
		s = next
	}
	if err := normalise(occ); err != nil {
		for i := range occ {
			occ[i] = 1 / float64(n)
		}
	}
	return occ
}

// stallIters is the number of BiCGSTAB iterations without a 10% decrease of the true
// residual after which the iteration restarts (BiCGSTAB can stagnate for thousands of
// iterations on large non-symmetric chains; a restart with a fresh shadow vector recovers).
const stallIters = 150

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
