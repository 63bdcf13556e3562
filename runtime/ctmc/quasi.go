package ctmc

import (
	"context"
	"errors"
	"fmt"
	"math"
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
	// Iterations counts the inverse-iteration steps; Krylov counts the BiCGSTAB
	// iterations of their solves (0 for dense LU).
	Iterations, Krylov int
	// Method is "inverse iteration, dense LU" or "inverse iteration, BiCGSTAB+ILU(0)".
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

// TransientReducibleError reports transient states that do not all communicate: the law
// conditioned on non-absorption may then depend on the initial state, and the
// quasi-stationary law is not unique.
type TransientReducibleError struct {
	// Classes is the number of communicating classes of the transient states; First and
	// Second are states of two of them.
	Classes       int
	First, Second string
}

// Error names two of the classes.
func (e *TransientReducibleError) Error() string {
	return fmt.Sprintf("ctmc: the transient states form %d communicating classes (e.g. [%s] and [%s]) instead of one: the law conditioned on non-absorption depends on the class the chain is in, so the quasi-stationary law is not unique", e.Classes, e.First, e.Second)
}

// quasiDenseMax is the largest transient set solved by dense LU: its factorisation
// (⅔n³ operations) is done once and costs under 0.1 s at this size.
const quasiDenseMax = 500

// quasiMaxIter bounds the inverse-iteration steps.
const quasiMaxIter = 500

// QuasiStationary returns the quasi-stationary distribution of the chain: the left Perron
// vector ν of the generator Q_T restricted to the transient states T (those outside every
// closed class), νQ_T = −θν, ν ≥ 0, Σν = 1, the limit law of X_t conditioned on X_t ∈ T.
// It needs T to be non-empty (else ErrNoAbsorption) and to be one communicating class
// (else a *TransientReducibleError: the quasi-stationary law would not be unique).
//
// Method: inverse iteration ν_{k+1} ∝ ν_k (δI − Q_T)⁻¹ from the uniform law on T, with the
// tiny shift δ = 1e-12·‖Q_T‖∞ keeping δI − Q_T a nonsingular M-matrix whose inverse is
// positive (the iterates stay positive, and the error of the solves lies along ν). Each step
// contracts the error by (θ + δ)/(λ₂ + δ) for the second eigenvalue λ₂ of −Q_T: in the
// metastable regime where the quasi-stationary law matters (θ ≪ λ₂) a few steps suffice.
// The matrix is factorised once: dense LU up to 500 transient states (s.DenseMax < 0
// forces the sparse path), else ILU(0), with BiCGSTAB solves (O(E) per iteration). θ is
// the absorption flux Σ_i ν_i·(rate from i out of T), accurate to the relative accuracy of
// ν however small it is. It stops when the residual ‖νQ_T + θν‖₁ ≤ s.Tol·‖Q_T‖∞ and ν
// changes by at most s.Tol, and returns an error if that is not reached.
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
	if comp, nc := Components(qt); nc > 1 {
		other := 0
		for k := range comp {
			if comp[k] != comp[0] {
				other = k
				break
			}
		}
		return nil, &TransientReducibleError{Classes: nc, First: c.StateString(states[0]), Second: c.StateString(states[other])}
	}
	norm := qt.NormInf()
	// A step solves the row system x(δI − Q_T) = ν, that is a x = ν for a = (δI − Q_T)ᵀ.
	delta := 1e-12 * norm
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
		return nil, err
	}
	res.Method = "inverse iteration, " + method
	nu := make([]float64, n)
	for k := range nu {
		nu[k] = 1 / float64(n)
	}
	x := make([]float64, n)
	r := make([]float64, n)
	tol := set.Tol
	for it := 1; it <= quasiMaxIter; it++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("ctmc: quasi-stationary solve stopped after %d steps: %w", it-1, err)
		}
		kry, err := solve(ctx, x, nu)
		res.Krylov += kry
		if err != nil {
			return nil, err
		}
		sum := 0.0
		for _, v := range x {
			sum += v
		}
		if !(sum > 0) || math.IsInf(sum, 0) {
			return nil, fmt.Errorf("ctmc: quasi-stationary solve failed: the inverse iterate sums to %g", sum)
		}
		change := 0.0
		for k := range x {
			v := max(x[k]/sum, 0) // round-off can leave a −ε on a negligible component
			change += math.Abs(v - nu[k])
			nu[k] = v
			x[k] /= sum // the next solve starts from ν: its solution is ν/(θ + δ) once converged
		}
		res.Iterations = it
		theta := 0.0
		for k, v := range nu {
			theta += v * exit[k]
		}
		qt.VecMul(r, nu)
		resid := 0.0
		for k := range r {
			resid += math.Abs(r[k] + theta*nu[k])
		}
		res.Rate, res.Residual = theta, resid
		if change <= tol && resid <= tol*max(norm, 1) {
			break
		}
	}
	if !(res.Residual <= tol*max(norm, 1)) || !(res.Rate > 0) {
		return nil, fmt.Errorf("ctmc: quasi-stationary solve (%s, %d transient states) reached residual ‖νQ_T + θν‖₁ = %.3g after %d steps, above the target %.3g", res.Method, n, res.Residual, res.Iterations, tol*max(norm, 1))
	}
	if res.Rate < restartBelow*norm {
		refined, err := restartRefine(ctx, qt, exit, nu, set, res)
		if err != nil {
			return nil, err
		}
		if floor := rateResolution * norm; !refined && res.Rate < floor {
			res.Rate, res.RateBound = floor, true
		}
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
	// The solution grows like ‖b‖/(θ + δ): its residual cannot fall below the round-off
	// ε·‖a‖·‖x‖ of the product a x, so the target scales with ‖x‖ (BiCGSTAB's Rel·(1 + Σx),
	// x ≥ 0). An error of the solve lies along ν (a⁻¹ amplifies that direction most): it
	// does not hurt the iteration, whose own residual decides convergence.
	rel := 1e-13 * a.NormInf()
	return func(ctx context.Context, x, b []float64) (int, error) {
		bn := 0.0
		for _, v := range b {
			bn += math.Abs(v)
		}
		return linalg.BiCGSTAB(ctx, a, b, x, &linalg.BiCGSTABSettings{M: m, Rel: rel, Abs: 0.5 * set.Tol * bn, MaxIter: set.MaxIter})
	}, "BiCGSTAB+ILU(0)", nil
}

// rateResolution is the absorption rate, relative to ‖Q_T‖∞, below which θ of the
// inverse iteration is reported as a bound only (QuasiResult.RateBound).
const rateResolution = 1e-12

// restartBelow is the absorption rate, relative to ‖Q_T‖∞, below which θ and the small
// components of ν are recomputed by restartRefine: the inverse iteration gets them to an
// absolute accuracy of about ε·‖Q_T‖∞ only, while θ of a metastable chain (e^{−cN}) can be
// far smaller.
const restartBelow = 1e-8

// restartRefine recomputes ν to componentwise accuracy: the chain that, on absorption,
// restarts at the state j where ν is largest has the generator G = Q_T + exit·e_j, and its
// stationary law is π ∝ e_j(−Q_T)⁻¹, the occupation law before absorption from j; then
// 1/θ_j = E_j τ. Solved by the subtraction-free GTH elimination of Stationary (or its
// iterative solve), π is accurate componentwise however small its entries. It equals ν up
// to the relaxation from j: E_j τ = 1/θ + O(1/λ₂), so |θ_j − θ|/θ and ‖π − ν‖₁ are of order
// θ/λ₂, negligible exactly when θ is tiny. The refinement is kept when π agrees with the
// inverse iteration's ν to s.Tol in ‖·‖₁ (which bounds that order) and meets its residual,
// and was solved by GTH (an iterative solve is accurate in norm only); refined reports it.
func restartRefine(ctx context.Context, qt *linalg.CSR, exit, nu []float64, set Settings, res *QuasiResult) (refined bool, err error) {
	n := qt.Rows
	j := 0
	for k, v := range nu {
		if v > nu[j] {
			j = k
		}
	}
	g := &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, 1, n+1)}
	for i := 0; i < n; i++ {
		added := exit[i] == 0
		for p := qt.RowPtr[i]; p < qt.RowPtr[i+1]; p++ {
			col, v := int(qt.Col[p]), qt.Val[p]
			if !added && col >= j {
				if col == j {
					v += exit[i]
				} else {
					g.Col = append(g.Col, int32(j))
					g.Val = append(g.Val, exit[i])
				}
				added = true
			}
			g.Col = append(g.Col, int32(col))
			g.Val = append(g.Val, v)
		}
		if !added {
			g.Col = append(g.Col, int32(j))
			g.Val = append(g.Val, exit[i])
		}
		g.RowPtr = append(g.RowPtr, len(g.Col))
	}
	var sr Result
	pi, err := solveGenerator(ctx, g, set, &sr)
	if err != nil {
		return false, fmt.Errorf("ctmc: quasi-stationary refinement: %w", err)
	}
	theta, diff := 0.0, 0.0
	for k, v := range pi {
		theta += v * exit[k]
		diff += math.Abs(v - nu[k])
	}
	r := make([]float64, n)
	qt.VecMul(r, pi)
	resid := 0.0
	for k := range r {
		resid += math.Abs(r[k] + theta*pi[k])
	}
	if !strings.Contains(sr.Method, "GTH") || diff > set.Tol || !(resid <= set.Tol*max(qt.NormInf(), 1)) || !(theta > 0) {
		// An iterative solve (no componentwise accuracy), a chain not metastable enough,
		// or a rate below the floating-point range: the inverse iteration's values stand.
		return false, nil
	}
	copy(nu, pi)
	res.Rate, res.Residual = theta, resid
	res.Method += "; small components by the restart chain (" + sr.Method + ")"
	return true, nil
}
