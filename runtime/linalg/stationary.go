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

// StationaryResidual returns ‖πQ‖₁. O(nnz).
func StationaryResidual(q *CSR, pi []float64) float64 {
	r := make([]float64, q.Cols)
	q.VecMul(r, pi)
	s := 0.0
	for _, v := range r {
		s += math.Abs(v)
	}
	return s
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
	// Tol is the target residual ‖πQ‖₁ of the normalised π; 0 means 1e-10.
	Tol float64
	// MaxIter bounds the BiCGSTAB iterations of each pass; 0 means 2000.
	MaxIter int
	// Progress, if non-nil, is called now and then with the iterations done in all passes.
	Progress func(iterations int)
}

// StationaryBiCGSTAB sets pi to the stationary law of the irreducible generator q by
// ILU(0)-preconditioned BiCGSTAB and returns the iterations used. It fixes π_k = 1 at a
// pivot k of large probability and solves the remaining nonsingular equations of Qᵀπ = 0
// (one equation is redundant); then it re-pivots at the largest component and refines,
// at most 8 passes, until ‖πQ‖₁ ≤ s.Tol for the normalised π.
//
// The first guess, which chooses the pivot, is the occupation measure of a random walk on
// the chain (4 jumps per state, between 1e5 and 4e6, fixed seed: reproducible) smoothed by
// 20 symmetric Gauss–Seidel sweeps. A pivot of tiny probability would make the reduced
// system ill-conditioned (its solution π/π_k is huge) and BiCGSTAB then stagnates.
//
// Missing the target is not an error (check StationaryResidual); the error is non-nil on
// a failed factorisation, a vanishing π, or when ctx is done (it then wraps ctx.Err()).
// Cost: O(nnz) per iteration, plus the walk, O(steps·row length).
func StationaryBiCGSTAB(ctx context.Context, pi []float64, q *CSR, s *StationarySettings) (int, error) {
	var set StationarySettings
	if s != nil {
		set = *s
	}
	if set.Tol <= 0 {
		set.Tol = 1e-10
	}
	if set.MaxIter <= 0 {
		set.MaxIter = 2000
	}
	n := q.Rows
	if q.Cols != n || len(pi) != n {
		panic("linalg: StationaryBiCGSTAB: dimension mismatch")
	}
	if n == 1 {
		pi[0] = 1
		return 0, nil
	}
	qt := q.Transpose()
	// A uniform guess would put mass everywhere, which the iteration must remove; the walk
	// leaves 0 far from the region of large probability, close to the solution there.
	if err := occupation(ctx, pi, q, walkSteps(n)); err != nil {
		return 0, err
	}
	gaussSeidel(qt, pi, 20)
	iters := 0
	for pass := 0; pass < 8; pass++ {
		k := 0
		for i, v := range pi {
			if v > pi[k] {
				k = i
			}
		}
		a, b := dropPivot(qt, k)
		m, err := NewILU0(a)
		if err != nil {
			return iters, err
		}
		x := make([]float64, n-1)
		for i := 0; i < n; i++ {
			if i != k {
				x[i-btoi(i > k)] = pi[i] / pi[k]
			}
		}
		// ‖πQ‖₁ ≤ 2‖r‖₁ / Σx for the normalised π, since the dropped equation is minus the
		// sum of the others.
		var prog func(int)
		if set.Progress != nil {
			done := iters
			prog = func(it int) { set.Progress(done + it) }
		}
		it, err := BiCGSTAB(ctx, a, b, x, &BiCGSTABSettings{M: m, Rel: 0.4 * set.Tol, MaxIter: set.MaxIter, Progress: prog})
		iters += it
		if err != nil {
			return iters, err
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
			return iters, err
		}
		if StationaryResidual(q, pi) <= set.Tol {
			return iters, nil
		}
	}
	return iters, nil
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
