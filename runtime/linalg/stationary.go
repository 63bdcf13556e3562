package linalg

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// The stationary solvers find the probability vector π with πQ = 0, Σπ = 1 for the
// generator Q of an irreducible continuous-time Markov chain, stored in CSR form with
// every diagonal: Q[i][j] ≥ 0 is the rate from i to j ≠ i and Q[i][i] = −Σ_{j≠i} Q[i][j].
// (A discrete-time chain with step matrix P has the same stationary law as Q = P − I.)
// They do not check irreducibility; on a reducible chain the result is meaningless.
// StationaryResidual measures the answer.

// StationaryResidual returns ‖πQ‖₁, evaluated in float64. O(nnz).
func StationaryResidual(q *CSR, pi []float64) float64 {
	r := make([]float64, q.Cols)
	q.VecMul(r, pi)
	s := 0.0
	for _, v := range r {
		s += math.Abs(v)
	}
	return s
}

// StationaryResidualDD returns ‖πQ‖₁ as StationaryResidual does, but with every component
// (πQ)_j accumulated in double-double (products split exactly by an FMA, sums by TwoSum:
// Ogita, Rump and Oishi 2005) and rounded once, so that the measurement adds no round-off
// of its own: the float64 sums of StationaryResidual add up to ε·Σ_i π_i Σ_j |Q_ij| (half of
// StationaryFloor, 1.7e-13 on the SIRS chain of 10⁶ states), as much as the residual of an
// accurate π. StationaryIterative decides with it. O(nnz).
func StationaryResidualDD(q *CSR, pi []float64) float64 {
	hi := make([]float64, q.Cols)
	lo := make([]float64, q.Cols)
	for i := 0; i < q.Rows; i++ {
		pii := pi[i]
		if pii == 0 {
			continue
		}
		cols := q.Col[q.RowPtr[i]:q.RowPtr[i+1]]
		vals := q.Val[q.RowPtr[i]:q.RowPtr[i+1]]
		vals = vals[:len(cols)]
		for k, c := range cols {
			p := pii * vals[k]
			pe := math.FMA(pii, vals[k], -p)
			h := hi[c]
			s := h + p
			b := s - h
			hi[c] = s
			lo[c] += (h - (s - b)) + (p - b) + pe
		}
	}
	s := 0.0
	for j, h := range hi {
		s += math.Abs(h + lo[j])
	}
	return s
}

// ResidualDD sets r = b − a x, every component accumulated in double-double as in
// StationaryResidualDD and rounded once, and returns ‖r‖₁: the residual of iterative
// refinement, exact to a rounding of each component. O(nnz).
func ResidualDD(r []float64, a *CSR, x, b []float64) float64 {
	norm := 0.0
	for i := 0; i < a.Rows; i++ {
		cols := a.Col[a.RowPtr[i]:a.RowPtr[i+1]]
		vals := a.Val[a.RowPtr[i]:a.RowPtr[i+1]]
		vals = vals[:len(cols)]
		hi, lo := b[i], 0.0
		for k, c := range cols {
			p := -vals[k] * x[c]
			pe := math.FMA(-vals[k], x[c], -p)
			s := hi + p
			bb := s - hi
			lo += (hi - (s - bb)) + (p - bb) + pe
			hi = s
		}
		r[i] = hi + lo
		norm += math.Abs(r[i])
	}
	return norm
}

// StationaryDense sets pi to the stationary law of the irreducible generator q by dense LU
// on Qᵀπ = 0 with the last equation replaced by Σπ = 1, followed by one step of iterative
// refinement; negative round-off is clipped to 0. Its residual is that of backward-stable
// LU, about n·ε·max|Q_ii|; the relative accuracy of tiny probabilities is not guaranteed.
// O(n³) time, O(n²) memory.
func StationaryDense(pi []float64, q *CSR) error {
	n := q.Rows
	if q.Cols != n || len(pi) != n {
		panic("linalg: StationaryDense: dimension mismatch")
	}
	if n == 1 {
		pi[0] = 1
		return nil
	}
	a := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for p := q.RowPtr[i]; p < q.RowPtr[i+1]; p++ {
			a.Set(int(q.Col[p]), i, q.Val[p])
		}
	}
	for j := 0; j < n; j++ {
		a.Set(n-1, j, 1)
	}
	b := mat.NewVecDense(n, nil)
	b.SetVec(n-1, 1)
	var lu mat.LU
	lu.Factorize(a)
	var x mat.VecDense
	if err := lu.SolveVecTo(&x, false, b); err != nil {
		if _, ok := err.(mat.Condition); !ok {
			return fmt.Errorf("linalg: dense LU failed: %w", err)
		}
	}
	for i := range pi {
		pi[i] = x.AtVec(i)
	}
	// One step of iterative refinement on the bordered system.
	r := make([]float64, n)
	q.VecMul(r, pi)
	sum := 0.0
	for _, v := range pi {
		sum += v
	}
	r[n-1] = sum - 1
	rv := mat.NewVecDense(n, r)
	var dx mat.VecDense
	if err := lu.SolveVecTo(&dx, false, rv); err == nil {
		for i := range pi {
			pi[i] -= dx.AtVec(i)
		}
	}
	return normalise(pi)
}

// StationaryGTH sets pi to the stationary law of the irreducible generator q by the
// Grassmann–Taksar–Heyman algorithm (Grassmann, Taksar and Heyman 1985; Stewart 1994,
// Introduction to the Numerical Solution of Markov Chains, §2.7): Gaussian elimination of
// the states n−1, …, 1 in which every pivot is the sum of the off-diagonal rates of its row
// rather than the diagonal, so that no subtraction occurs. Every component, however small,
// then has a relative error of order n·ε (O'Cinneide 1993), which LU does not give on stiff
// chains. It returns an error if a state cannot be left (the chain is reducible).
// O(n³) time, O(n²) memory.
func StationaryGTH(pi []float64, q *CSR) error {
	n := q.Rows
	if q.Cols != n || len(pi) != n {
		panic("linalg: StationaryGTH: dimension mismatch")
	}
	a := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for p := q.RowPtr[i]; p < q.RowPtr[i+1]; p++ {
			if j := int(q.Col[p]); j != i {
				a[i*n+j] = q.Val[p]
			}
		}
	}
	// Eliminate state k: the rates i → k → j become rates i → j, weighted by the
	// probability a[k][j]/s of leaving k towards j among the states left.
	out := make([]float64, n)
	for k := n - 1; k > 0; k-- {
		s := 0.0
		for _, v := range a[k*n : k*n+k] {
			s += v
		}
		if !(s > 0) {
			return fmt.Errorf("linalg: GTH: state %d cannot reach a state below it: the chain is reducible", k)
		}
		out[k] = s
		rowK := a[k*n : k*n+k]
		for i := 0; i < k; i++ {
			f := a[i*n+k] / s
			if f == 0 {
				continue
			}
			rowI := a[i*n : i*n+k]
			for j, v := range rowK {
				rowI[j] += f * v
			}
		}
	}
	// Back substitution: the flow into k from the states before it balances its outflow.
	pi[0] = 1
	for k := 1; k < n; k++ {
		s := 0.0
		for i := 0; i < k; i++ {
			s += pi[i] * a[i*n+k]
		}
		pi[k] = s / out[k]
		rescale(pi[:k+1])
	}
	return normalise(pi)
}

// StationarySettings controls StationaryBiCGSTAB. The zero value (or nil) selects the
// defaults.
type StationarySettings struct {
	// Tol is the target residual ‖πQ‖₁ of the normalised π; 0 means the larger of 1e-13
	// and the round-off floor StationaryFloor.
	Tol float64
	// MaxIter bounds the BiCGSTAB iterations of each pass; 0 means 2000.
	MaxIter int
	// Progress, if non-nil, is called now and then with the iterations done in all passes.
	Progress func(iterations int)
	// NoCoarse disables the aggregation coarse-grid correction (ILU(0) alone).
	NoCoarse bool
}

// StationaryInfo describes an iterative stationary solve.
type StationaryInfo struct {
	Iterations int     // BiCGSTAB iterations in all passes
	Passes     int     // solve passes: the first, then the steps of iterative refinement
	Coarse     int     // states of the aggregated chain of the preconditioner (0: ILU(0) alone)
	Target     float64 // the residual target ‖πQ‖₁ used
}

// StationaryFloor returns 2ε·Σ_i π_i|Q_ii| = ε·Σ_i π_i Σ_j |Q_ij| (ε = 2⁻⁵²), the
// round-off floor of the residual ‖πQ‖₁ in double precision: rounding each π_i to the
// nearest double alone moves πQ by up to half of it, and evaluating the products and sums
// adds as much again, so a residual computed in float64 cannot be expected below it however
// accurate π is. On the SIRS chain of 10⁶ states (rates up to 3·10³, E_π|Q_ii| ≈ 790) it is
// 3.5e-13. Both halves are worst cases of rounding errors that mostly cancel, and
// StationaryResidualDD evaluates in double-double (no second half): the iterative solve
// usually gets well below it (7.8e-14 on that chain; 1.5e-13 evaluated in float64). O(nnz).
func StationaryFloor(q *CSR, pi []float64) float64 {
	s := 0.0
	for i := 0; i < q.Rows; i++ {
		for p := q.RowPtr[i]; p < q.RowPtr[i+1]; p++ {
			if int(q.Col[p]) == i {
				s += pi[i] * math.Abs(q.Val[p])
			}
		}
	}
	return 2 * eps * s
}

// twoLevelMin is the number of states from which StationaryIterative adds the aggregation
// coarse-grid correction to ILU(0): below it ILU(0) alone converges in a few dozen
// iterations and the coarse setup would cost more than it saves.
const twoLevelMin = 20_000

// StationaryBiCGSTAB is StationaryIterative returning only the iterations used.
func StationaryBiCGSTAB(ctx context.Context, pi []float64, q *CSR, s *StationarySettings) (int, error) {
	info, err := StationaryIterative(ctx, pi, q, s)
	return info.Iterations, err
}

// StationaryIterative sets pi to the stationary law of the irreducible generator q by
// preconditioned BiCGSTAB. It fixes π_k = 1 at a pivot k of large probability and solves
// the remaining nonsingular equations of Qᵀπ = 0 (one equation is redundant); then it
// re-pivots at the largest component and refines (iterative refinement: each further pass
// computes the residual of the last π in double-double, ResidualDD, and solves for its
// correction to a hundredth), at most 8 passes, until ‖πQ‖₁ ≤ s.Tol for the normalised π
// (s.Tol = 0: until 1e-13), or until a pass no longer lowers it by 10%. info.Target, the
// residual the caller should accept, is s.Tol, or max(1e-13, StationaryFloor). Each
// BiCGSTAB pass also stops at the round-off floor of its own residual
// (BiCGSTABSettings.Floor), so a target below what double precision resolves costs no
// wasted iterations.
//
// The preconditioner is ILU(0) of the reduced system, with, from 20 000 states on, an
// aggregation coarse-grid correction (TwoLevel): aggregates of 8 states, or 16, 32, …
// until the LU of the aggregated chain (sparse, in nested-dissection order) costs at most
// max(10⁸, 3·10³·n) multiply-adds. On a two-dimensional chain of side L, ILU(0) alone needs
// iterations in proportion to L; with the coarse correction they depend on the aggregate
// size only (SIRS on the triangle: ILU(0) alone needs 164 iterations for 80 601 states and
// about 400 for 10⁶; with the correction, 30 with aggregates of 8, 48 with 16 and 76 with
// 32 — 137 with 64, 178 with 128; at 10⁶ states, aggregates of 8 and 38 iterations).
//
// The first guess, which chooses the pivot, is the occupation measure of a random walk on
// the chain (4 jumps per state, between 1e5 and 4e6, fixed seed: reproducible) smoothed by
// 20 symmetric Gauss–Seidel sweeps. A pivot of tiny probability would make the reduced
// system ill-conditioned (its solution π/π_k is huge) and BiCGSTAB then stagnates.
//
// The residuals it decides with are StationaryResidualDD's, of the π it returns. Missing
// the target is not an error (check the residual); the error is non-nil on
// a failed factorisation, a vanishing π, or when ctx is done (it then wraps ctx.Err()).
// Cost: O(nnz + coarse factors) per iteration, plus the walk, O(steps·row length), and the
// coarse factorisation.
func StationaryIterative(ctx context.Context, pi []float64, q *CSR, s *StationarySettings) (StationaryInfo, error) {
	var set StationarySettings
	if s != nil {
		set = *s
	}
	if set.MaxIter <= 0 {
		set.MaxIter = 2000
	}
	var info StationaryInfo
	n := q.Rows
	if q.Cols != n || len(pi) != n {
		panic("linalg: StationaryBiCGSTAB: dimension mismatch")
	}
	if n == 1 {
		pi[0] = 1
		return info, nil
	}
	qt := q.Transpose()
	// A uniform guess would put mass everywhere, which the iteration must remove; the walk
	// leaves 0 far from the region of large probability, close to the solution there.
	if err := occupation(ctx, pi, q, walkSteps(n)); err != nil {
		return info, err
	}
	gaussSeidel(qt, pi, 20)
	target := func() float64 {
		if set.Tol > 0 {
			return set.Tol
		}
		return max(1e-13, StationaryFloor(q, pi))
	}
	info.Target = target()
	// The passes aim at the tolerance asked for, or at 1e-13 even when the floor is above
	// it (the floor bounds the round-off in the worst case; refinement in double-double
	// usually gets below it); falling short of the aim but not of the target is success.
	aim := 1e-13
	if set.Tol > 0 {
		aim = set.Tol
	}
	prev := math.Inf(1)
	var best []float64
	lastK := -1
	var a *CSR
	var b []float64
	var m Preconditioner
	var err error
	for pass := 0; pass < 8; pass++ {
		k := 0
		for i, v := range pi {
			if v > pi[k] {
				k = i
			}
		}
		// With the same pivot as the last pass, its system and preconditioner serve again.
		if k != lastK {
			if a, b, m, err = stationaryPreconditioner(qt, k, n >= twoLevelMin && !set.NoCoarse, &info); err != nil {
				return info, err
			}
			lastK = k
		}
		x := make([]float64, n-1)
		for i := 0; i < n; i++ {
			if i != k {
				x[i-btoi(i > k)] = pi[i] / pi[k]
			}
		}
		// ‖πQ‖₁ = (‖r‖₁ + |Σr|)/(1 + Σx) for the normalised π, since the dropped equation
		// is minus the sum of the others: about ‖r‖₁/(1 + Σx), at most twice that.
		var prog func(int)
		if set.Progress != nil {
			done := info.Iterations
			prog = func(it int) { set.Progress(done + it) }
		}
		var it int
		info.Passes++
		if pass == 0 {
			it, err = BiCGSTAB(ctx, a, b, x, &BiCGSTABSettings{M: m, Rel: 0.5 * aim, MaxIter: set.MaxIter, Progress: prog, Floor: 0.5})
		} else {
			// Iterative refinement: the residual of x in double-double, and the correction
			// d with a d = r to a hundredth of it (or to a quarter of the aim).
			r := make([]float64, n-1)
			rn := ResidualDD(r, a, x, b)
			d := make([]float64, n-1)
			it, err = BiCGSTAB(ctx, a, r, d, &BiCGSTABSettings{M: m, Rel: 1e-300, Abs: max(0.01*rn, 0.25*aim*onePlusSum(x)),
				MaxIter: set.MaxIter, Progress: prog, Floor: 0.5})
			for i, v := range d {
				x[i] += v
			}
		}
		info.Iterations += it
		if err != nil {
			return info, err
		}
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
			return info, err
		}
		info.Target = target()
		res := StationaryResidualDD(q, pi)
		if res <= aim {
			return info, nil
		}
		if !(res < 0.9*prev) {
			// No gain from this pass: keep the better π.
			if best != nil && res > prev {
				copy(pi, best)
			}
			return info, nil
		}
		prev = res
		best = append(best[:0], pi...)
	}
	return info, nil
}

// stationaryPreconditioner returns the equations of Qᵀπ = 0 without the pivot k (dropPivot)
// and their preconditioner: ILU(0), with the aggregation coarse correction when coarse is
// set and coarse factors within max(10⁸, 3·10³·n) multiply-adds are found (aggregates of 8
// states, else 16, 32, …), whose number it records in info.Coarse.
func stationaryPreconditioner(qt *CSR, k int, coarse bool, info *StationaryInfo) (*CSR, []float64, Preconditioner, error) {
	n := qt.Rows
	a, b := dropPivot(qt, k)
	ilu, err := NewILU0(a)
	if err != nil {
		return nil, nil, nil, err
	}
	info.Coarse = 0
	if coarse {
		budget := max(1e8, 3e3*float64(n))
		for size := 8; size <= n/4; size *= 2 {
			if tl, err := NewTwoLevel(a, ilu, size, budget); err == nil {
				info.Coarse = tl.nc
				return a, b, tl, nil
			}
		}
	}
	return a, b, ilu, nil
}

// dropPivot returns Qᵀ without row and column k, and b_i = −Qᵀ[i][k]: the equations of
// Qᵀπ = 0 for the other states with π_k = 1.
func dropPivot(qt *CSR, k int) (*CSR, []float64) {
	n := qt.Rows
	a := &CSR{Rows: n - 1, Cols: n - 1, RowPtr: make([]int, 1, n),
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
	return a, b
}

// gaussSeidel runs symmetric Gauss–Seidel sweeps on Qᵀπ = 0 (qt = Qᵀ), normalising π after
// each sweep. It serves as a cheap first guess to choose a pivot of large probability.
func gaussSeidel(qt *CSR, pi []float64, sweeps int) {
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

// walkSteps is the length of the random walk of StationaryBiCGSTAB: 4 jumps per state, at
// least 1e5 and at most 4e6.
func walkSteps(n int) int { return min(max(4*n, 100_000), 4_000_000) }

// occupation sets occ to the fraction of time a walk of the given number of jumps of the
// chain with irreducible generator q spends in each state, after a burn-in of a quarter of
// the jumps; each visit counts its mean holding time 1/|q_ii|. The walk starts in state 0
// and uses a fixed seed, so the result is reproducible. O(steps·row length) time.
func occupation(ctx context.Context, occ []float64, q *CSR, steps int) error {
	n := q.Rows
	for i := range occ {
		occ[i] = 0
	}
	rng := rand.New(rand.NewPCG(0x6d6663, 0x63746d63))
	s := 0
	for step := 0; step < steps; step++ {
		if step%(1<<16) == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("linalg: stationary solve stopped: %w", err)
			}
		}
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
	return nil
}

// normalise clips negative round-off to 0 and scales x to sum 1.
func normalise(x []float64) error {
	s := 0.0
	for i, v := range x {
		if v < 0 {
			x[i] = 0
			v = 0
		}
		s += v
	}
	if !(s > 0) || math.IsInf(s, 0) {
		return fmt.Errorf("linalg: stationary solve failed (sum of π = %v)", s)
	}
	for i := range x {
		x[i] /= s
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// StationaryDerivative returns the x with xQ = c and Σx = 0, for an irreducible
// conservative generator q with stationary law pi and a c with Σc = 0: the derivative
// dπ of the stationary law when Q changes by dQ and c = −π·dQ (differentiate πQ = 0,
// Σπ = 1). As StationaryBiCGSTAB does for π, it fixes x_k = 0 at the state k of largest
// π_k and solves the other equations of Qᵀx = c, nonsingular for an irreducible Q (the one
// left out holds since both sides sum to 0): by dense LU up to denseMax states, else by
// ILU(0)-preconditioned BiCGSTAB to a residual of tol·‖c‖₁; then it adds the multiple of
// π that makes Σx = 0.
func StationaryDerivative(ctx context.Context, q *CSR, pi, c []float64, denseMax int, tol float64) ([]float64, error) {
	n := q.Rows
	if q.Cols != n || len(pi) != n || len(c) != n {
		panic("linalg: StationaryDerivative: dimension mismatch")
	}
	x := make([]float64, n)
	if n == 1 {
		return x, nil
	}
	k := 0
	for i, v := range pi {
		if v > pi[k] {
			k = i
		}
	}
	a, _ := dropPivot(q.Transpose(), k)
	rhs := make([]float64, 0, n-1)
	for i, v := range c {
		if i != k {
			rhs = append(rhs, v)
		}
	}
	y := make([]float64, n-1)
	if n-1 <= denseMax {
		d := mat.NewDense(n-1, n-1, nil)
		for i := 0; i < n-1; i++ {
			for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
				d.Set(i, int(a.Col[p]), a.Val[p])
			}
		}
		var lu mat.LU
		lu.Factorize(d)
		if err := lu.SolveVecTo(mat.NewVecDense(n-1, y), false, mat.NewVecDense(n-1, rhs)); err != nil {
			return nil, fmt.Errorf("linalg: stationary derivative: %w", err)
		}
	} else {
		m, err := NewILU0(a)
		if err != nil {
			return nil, err
		}
		cn := 0.0
		for _, v := range rhs {
			cn += math.Abs(v)
		}
		if cn > 0 {
			if _, err := BiCGSTAB(ctx, a, rhs, y, &BiCGSTABSettings{M: m, Abs: tol * cn, Rel: 1e-300, MaxIter: 5000}); err != nil {
				return nil, err
			}
			r := make([]float64, n-1)
			a.MulVec(r, y)
			res := 0.0
			for i := range r {
				res += math.Abs(r[i] - rhs[i])
			}
			if res > 10*tol*cn {
				return nil, fmt.Errorf("linalg: stationary derivative: BiCGSTAB reached ‖r‖₁ = %.3g, above %.3g", res, 10*tol*cn)
			}
		}
	}
	sum := 0.0
	for i := 0; i < n; i++ {
		switch {
		case i < k:
			x[i] = y[i]
		case i > k:
			x[i] = y[i-1]
		}
		sum += x[i]
	}
	for i := range x {
		x[i] -= sum * pi[i]
	}
	return x, nil
}
