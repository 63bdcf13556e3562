package ctmc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/mfcproject/mfc/runtime/linalg"
	"gonum.org/v1/gonum/mat"
)

// QuasiResult is a quasi-stationary distribution: the law of the chain conditioned on not
// having been absorbed, in the limit of long times.
type QuasiResult struct {
	// Pi is the quasi-stationary probability of each state (0 on the closed classes).
	Pi []float64
	// Rate is the absorption rate θ > 0: νQ_T = −θν on the transient states T, and from
	// the quasi-stationary law the time to absorption is exponential with mean 1/θ.
	Rate float64
	// RateBound reports that θ is below what the solve resolves (an absolute accuracy of
	// about 1e-12·‖Q_T‖∞ without the componentwise-accurate refinement, or beyond the range
	// of floating point): Rate is then an upper bound, and 1/Rate a lower bound on the mean
	// time to absorption.
	RateBound bool
	// Residual is ‖νQ_T + θν‖₁ of the normalised ν.
	Residual float64
	// Iterations counts the inverse-iteration steps; Krylov counts the GMRES iterations
	// of their solves (0 for dense LU).
	Iterations, Krylov int
	// Method is "inverse iteration, dense LU" or "inverse iteration, GMRES+ILU(0)".
	Method string
	// Transient is the number of transient states, on which Pi lives.
	Transient int
	// Classes lists the closed classes the chain is absorbed into; Absorbing is the number
	// of absorbing states (closed classes of one state).
	Classes   []ClassInfo
	Absorbing int
}

// ErrNoAbsorption is returned by QuasiStationary for a chain without transient states:
// every state reached is recurrent, nothing is ever absorbed, and the stationary law
// (Stationary) is the answer.
var ErrNoAbsorption = errors.New("ctmc: the chain has no transient states: it is never absorbed, so its stationary law is the answer (the quasi-stationary law is the law conditioned on not being absorbed)")

// TransientReducibleError reports a law conditioned on non-absorption that, in the limit,
// holds mass on communicating classes of transient states neither of which can reach the
// other: each carries its own quasi-stationary law, so the quasi-stationary law is not
// unique (it depends on the initial state, and on how the classes' decay rates compare).
type TransientReducibleError struct {
	// Classes is the number of communicating classes of transient states holding mass;
	// First and Second are states of two that cannot reach each other.
	Classes       int
	First, Second string
}

// Error names two of the classes.
func (e *TransientReducibleError) Error() string {
	return fmt.Sprintf("ctmc: the law conditioned on non-absorption stays on %d communicating classes of transient states, two of which cannot reach each other (e.g. [%s] and [%s]): the quasi-stationary law is not unique", e.Classes, e.First, e.Second)
}

// supportMass is the share of ν below which a class of transient states counts as empty.
const supportMass = 1e-9

// uniqueSupport checks the limit law ν of a chain whose transient states form several
// communicating classes (comp, Tarjan's numbering, in which a class reachable from another
// comes first): the classes holding mass must all be reachable from one of them, the class
// whose decay is slowest among those the initial state reaches, and ν is then the unique
// quasi-stationary law with that support (the mass downstream is fed by it). Classes that
// cannot reach each other both holding mass mean that several quasi-stationary laws exist
// (*TransientReducibleError). O(S + E).
func uniqueSupport(c *Chain, qt *linalg.CSR, comp []int32, nu []float64, states []int) error {
	mass := map[int32]float64{}
	for k, v := range nu {
		mass[comp[k]] += v
	}
	lead := int32(-1)
	held := 0
	for k, m := range mass {
		if m > supportMass {
			held++
			if k > lead {
				lead = k
			}
		}
	}
	seen := make([]bool, len(nu))
	var stack []int32
	for k := range nu {
		if comp[k] == lead {
			seen[k] = true
			stack = append(stack, int32(k))
		}
	}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for p := qt.RowPtr[k]; p < qt.RowPtr[k+1]; p++ {
			if j := qt.Col[p]; !seen[j] && qt.Val[p] > 0 {
				seen[j] = true
				stack = append(stack, j)
			}
		}
	}
	first := -1
	for k := range nu {
		if comp[k] == lead && first < 0 {
			first = k
		}
	}
	for k := range nu {
		if !seen[k] && mass[comp[k]] > supportMass {
			return &TransientReducibleError{Classes: held, First: c.StateString(states[first]), Second: c.StateString(states[k])}
		}
	}
	return nil
}

// quasiDenseMax is the largest transient set solved by dense LU: its factorisation
// (⅔n³ operations) is done once and costs under 0.1 s at this size.
const quasiDenseMax = 500

// quasiMaxIter bounds the inverse-iteration steps.
const quasiMaxIter = 500

// shiftFactor sets the shift δ = shiftFactor·‖Q_T‖∞ of the inverse iteration: δI − Q_T
// then has a condition number of at most about 1/shiftFactor, which the Krylov solves
// need (without it, 1/θ can exceed 1e80), while a step still contracts the error by
// (θ + δ)/(λ₂ + δ) ≤ δ/λ₂ + θ/λ₂.
const shiftFactor = 1e-4

// QuasiStationary returns the quasi-stationary distribution of the chain: the left Perron
// vector ν of the generator Q_T restricted to the transient states T (those outside every
// closed class), νQ_T = −θν, ν ≥ 0, Σν = 1, the limit law of X_t conditioned on X_t ∈ T.
// It needs T to be non-empty (else ErrNoAbsorption). When T is one communicating class, ν
// is unique. When it is several (an SIRS epidemic without importation: the states without
// infection but with immunes leak to the absorbing state), ν is the limit law from the
// initial state: it lives on the class of slowest decay that the initial state reaches and
// on the states downstream of it; if it holds mass on classes that cannot reach each other
// the quasi-stationary law is not unique (*TransientReducibleError).
//
// Method. First the chain that restarts at the initial state j on absorption (restartSolve):
// its stationary law, found by the solvers of Stationary (GTH on the band, dense GTH, or
// ILU(0)-BiCGSTAB), is e_j(−Q_T)⁻¹ normalised, one exact step of inverse iteration, and
// equals ν up to O(θ/λ₂) for the second eigenvalue λ₂ of −Q_T: it is the answer when its
// residual ‖νQ_T + θν‖₁ is within s.Tol, which is the case of the metastable chains whose
// θ ≈ e^{−cN} is far below any absolute accuracy (GTH gets it componentwise, down to
// 1e-300). Otherwise inverse iteration ν_{k+1} ∝ ν_k (δI − Q_T)⁻¹ from there, with
// δ = 1e-4·‖Q_T‖∞ (shiftFactor), factorised once: dense LU up to 500 transient states
// (s.DenseMax < 0 forces the sparse path), else ILU(0) with GMRES solves to a backward
// error of 1e-14 (O(E) per iteration); it stops when the residual ≤ s.Tol·‖Q_T‖∞ and ν
// changes by at most s.Tol, and returns an error if that is not reached. θ is the
// absorption flux Σ_i ν_i·(rate from i out of T); where ν did not come from GTH, a θ
// below 1e-12·‖Q_T‖∞ is reported as that bound (RateBound).
//
// A discrete-time chain (Q = P − I) gives the quasi-stationary law of P_T with
// νP_T = (1 − θ)ν: Rate is then the absorption probability per step.
func QuasiStationary(ctx context.Context, c *Chain, s *Settings) (*QuasiResult, error) {
	var set Settings
	if s != nil {
		set = *s
	}
	set = set.withDefaults()
	N := c.NumStates()
	classes := ClosedClasses(c)
	inClosed := make([]bool, N)
	res := &QuasiResult{}
	for _, cl := range classes {
		for _, i := range cl {
			inClosed[i] = true
		}
		res.Classes = append(res.Classes, ClassInfo{Size: len(cl), Representative: cl[0], State: c.StateString(cl[0])})
		if len(cl) == 1 {
			res.Absorbing++
		}
	}
	local := make([]int32, N)
	var states []int
	for i := range local {
		local[i] = -1
		if !inClosed[i] {
			local[i] = int32(len(states))
			states = append(states, i)
		}
	}
	n := len(states)
	res.Transient = n
	if n == 0 {
		return nil, ErrNoAbsorption
	}
	// Q_T and the exit rates out of T.
	qt := &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, 1, n+1)}
	exit := make([]float64, n)
	for k, i := range states {
		for p := c.Q.RowPtr[i]; p < c.Q.RowPtr[i+1]; p++ {
			if l := local[c.Q.Col[p]]; l >= 0 {
				qt.Col = append(qt.Col, l)
				qt.Val = append(qt.Val, c.Q.Val[p])
			} else if c.Q.Val[p] > 0 {
				exit[k] += c.Q.Val[p]
			}
		}
		qt.RowPtr = append(qt.RowPtr, len(qt.Col))
	}
	comp, nc := Components(qt)
	norm := qt.NormInf()
	tol := set.Tol
	r := make([]float64, n)
	// eigen sets θ = ν·exit and the residual ‖νQ_T + θν‖₁ of ν.
	eigen := func(nu []float64) (theta, resid float64) {
		for k, v := range nu {
			theta += v * exit[k]
		}
		qt.VecMul(r, nu)
		for k := range r {
			resid += math.Abs(r[k] + theta*nu[k])
		}
		return theta, resid
	}
	// The initial law on T (uniform over T if no initial state is transient): with
	// several classes in T the limit is then the one from the initial state.
	nu := make([]float64, n)
	start, j0 := 0, 0
	for _, i := range c.Initial {
		if l := local[i]; l >= 0 {
			nu[l] = 1
			start++
			j0 = int(l)
		}
	}
	for k := range nu {
		if start == 0 {
			nu[k] = 1 / float64(n)
		} else {
			nu[k] /= float64(start)
		}
	}
	// First the restart chain from j0: one exact inverse step, which is the answer when θ
	// is tiny (the metastable chains), found by the robust stationary solvers.
	pi, rmethod, err := restartSolve(ctx, qt, exit, j0, set)
	if err != nil {
		return nil, err
	}
	// Its error is about resid/λ₂: it is kept when resid is within s.Tol, in absolute terms
	// (not scaled by ‖Q_T‖∞: λ₂ may be far smaller).
	theta, resid := eigen(pi)
	if theta > 0 && resid <= tol {
		copy(nu, pi)
		res.Rate, res.Residual, res.Iterations = theta, resid, 1
		res.Method = "restart chain, " + rmethod
	} else {
		if theta > 0 {
			copy(nu, pi)
		}
		if err := inverseIteration(ctx, qt, nu, set, res, eigen); err != nil {
			return nil, err
		}
		rmethod = ""
	}
	if nc > 1 {
		if err := uniqueSupport(c, qt, comp, nu, states); err != nil {
			return nil, err
		}
	}
	// A GTH solve is accurate componentwise, so θ = ν·exit is too however small; the
	// other solves are accurate to about ε·‖Q_T‖∞ in absolute terms.
	if floor := rateResolution * norm; !strings.Contains(rmethod, "GTH") && res.Rate < floor {
		res.Rate, res.RateBound = floor, true
	}
	res.Pi = make([]float64, N)
	for k, i := range states {
		res.Pi[i] = nu[k]
	}
	return res, nil
}

// quasiSolver factorises a once and returns a function that solves a x = b (x holds the
// start on entry, for the iterative method) with the Krylov iterations it used.
func quasiSolver(a *linalg.CSR, set Settings) (func(ctx context.Context, x, b []float64) (int, error), string, error) {
	n := a.Rows
	if set.DenseMax >= 0 && n <= min(set.DenseMax, quasiDenseMax) {
		var d mat.Dense
		a.ToDense(&d)
		var lu mat.LU
		lu.Factorize(&d)
		var xv mat.VecDense
		return func(_ context.Context, x, b []float64) (int, error) {
			if err := lu.SolveVecTo(&xv, false, mat.NewVecDense(n, append([]float64(nil), b...))); err != nil {
				if _, ok := err.(mat.Condition); !ok {
					return 0, fmt.Errorf("ctmc: quasi-stationary solve: dense LU failed: %w", err)
				}
			}
			for i := range x {
				x[i] = xv.AtVec(i)
			}
			return 0, nil
		}, "dense LU", nil
	}
	m, err := linalg.NewILU0(a)
	if err != nil {
		return nil, "", err
	}
	// The solution grows like ‖b‖/(θ + δ): a relative residual ‖b − a x‖/‖b‖ cannot fall
	// below about ε·cond(a), so the solves stop on GMRES's backward error
	// ‖r‖₂/(‖a‖₂‖x‖₂ + ‖b‖₂) instead. An error of the solve lies along ν (a⁻¹ amplifies
	// that direction most): it does not hurt the iteration, whose own residual decides
	// convergence.
	norm2 := math.Sqrt(a.NormInf() * a.Transpose().NormInf())
	gs := &linalg.GMRESSettings{M: m, Tol: 1e-14, Norm2: norm2, MaxIter: set.MaxIter}
	return func(ctx context.Context, x, b []float64) (int, error) {
		r, err := linalg.GMRES(ctx, a, b, x, gs)
		return r.Iterations, err
	}, "GMRES+ILU(0)", nil
}

// rateResolution is the absorption rate, relative to ‖Q_T‖∞, below which θ of the
// inverse iteration is reported as a bound only (QuasiResult.RateBound).
const rateResolution = 1e-12

// restartSolve returns the stationary law π of the chain on the transient states that, on
// absorption, restarts at state j: its generator is G = Q_T + exit·e_j on the states
// reachable from j (where it is irreducible: each of them reaches the absorption, then j),
// and π ∝ e_j(δI − Q_T)⁻¹ with δ = 0, one exact step of inverse iteration from j: the
// occupation law before absorption from j, with 1/(π·exit) = E_j τ. Solved by the methods
// of Stationary: the subtraction-free GTH elimination gets every component to a relative
// accuracy, however small. When θ ≪ λ₂ (the second eigenvalue of −Q_T), E_j τ = 1/θ +
// O(1/λ₂) and π is ν to within O(θ/λ₂), which the residual ‖πQ_T + θπ‖₁ = θ‖π − e_j‖₁
// measures.
func restartSolve(ctx context.Context, qt *linalg.CSR, exit []float64, j int, set Settings) ([]float64, string, error) {
	n := qt.Rows
	local := make([]int32, n)
	for i := range local {
		local[i] = -1
	}
	order := []int{j}
	local[j] = 0
	for k := 0; k < len(order); k++ {
		i := order[k]
		for p := qt.RowPtr[i]; p < qt.RowPtr[i+1]; p++ {
			if c := qt.Col[p]; local[c] < 0 && qt.Val[p] > 0 {
				local[c] = int32(len(order))
				order = append(order, int(c))
			}
		}
	}
	m := len(order)
	g := &linalg.CSR{Rows: m, Cols: m, RowPtr: make([]int, 1, m+1)}
	type entry struct {
		col int32
		v   float64
	}
	var row []entry
	for _, i := range order {
		row = row[:0]
		for p := qt.RowPtr[i]; p < qt.RowPtr[i+1]; p++ {
			if l := local[qt.Col[p]]; l >= 0 {
				row = append(row, entry{l, qt.Val[p]})
			}
		}
		if exit[i] > 0 {
			row = append(row, entry{0, exit[i]}) // j is local state 0
		}
		slices.SortFunc(row, func(a, b entry) int { return int(a.col) - int(b.col) })
		for _, e := range row {
			if k := len(g.Col); k > g.RowPtr[len(g.RowPtr)-1] && g.Col[k-1] == e.col {
				g.Val[k-1] += e.v
				continue
			}
			g.Col = append(g.Col, e.col)
			g.Val = append(g.Val, e.v)
		}
		g.RowPtr = append(g.RowPtr, len(g.Col))
	}
	var sr Result
	pi, err := solveGenerator(ctx, g, set, &sr)
	if err != nil {
		return nil, "", fmt.Errorf("ctmc: quasi-stationary law (restart chain): %w", err)
	}
	out := make([]float64, n)
	for k, i := range order {
		out[i] = pi[k]
	}
	return out, sr.Method, nil
}

// inverseIteration refines ν in place by ν_{k+1} ∝ ν_k (δI − Q_T)⁻¹, δ = 1e-12·‖Q_T‖∞,
// until ν changes by at most s.Tol and its residual (eigen) is within s.Tol·‖Q_T‖∞; it
// sets res's rate, residual, iterations and method.
func inverseIteration(ctx context.Context, qt *linalg.CSR, nu []float64, set Settings, res *QuasiResult, eigen func([]float64) (float64, float64)) error {
	n := qt.Rows
	norm := qt.NormInf()
	target := set.Tol * max(norm, 1)
	// A step solves the row system x(δI − Q_T) = ν, that is a x = ν for a = (δI − Q_T)ᵀ.
	delta := shiftFactor * norm
	a := qt.Transpose()
	for i := range a.Val {
		a.Val[i] = -a.Val[i]
	}
	for i := 0; i < n; i++ {
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			if int(a.Col[p]) == i {
				a.Val[p] += delta
			}
		}
	}
	solve, method, err := quasiSolver(a, set)
	if err != nil {
		return err
	}
	res.Method = "inverse iteration, " + method
	x := make([]float64, n)
	lastChange := math.Inf(1)
	for it := 1; it <= quasiMaxIter; it++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("ctmc: quasi-stationary solve stopped after %d steps: %w", it-1, err)
		}
		kry, err := solve(ctx, x, nu)
		res.Krylov += kry
		if err != nil {
			return err
		}
		sum := 0.0
		for _, v := range x {
			sum += v
		}
		if !(sum > 0) || math.IsInf(sum, 0) {
			return fmt.Errorf("ctmc: quasi-stationary solve failed: the inverse iterate sums to %g", sum)
		}
		change := 0.0
		for k := range x {
			v := max(x[k]/sum, 0) // round-off can leave a −ε on a negligible component
			change += math.Abs(v - nu[k])
			nu[k] = v
			x[k] /= sum // the next solve starts from ν: its solution is ν/(θ + δ) once converged
		}
		res.Iterations = it
		res.Rate, res.Residual = eigen(nu)
		lastChange = change
		if change <= set.Tol && res.Residual <= target {
			break
		}
	}
	if !(res.Residual <= target) || !(res.Rate > 0) || !(lastChange <= set.Tol) {
		return fmt.Errorf("ctmc: quasi-stationary solve (%s, %d transient states) did not converge in %d steps: residual ‖νQ_T + θν‖₁ = %.3g (target %.3g), last change of ν %.3g (classes of transient states decaying at nearly the same rate converge slowly)", res.Method, n, res.Iterations, res.Residual, target, lastChange)
	}
	return nil
}
