package ctmc

import (
	"context"
	"fmt"
	"math"

	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/linalg"
	"gonum.org/v1/gonum/floats"
)

// LinearResult is the solution of a linear system of the chain.
type LinearResult struct {
	// X is the solution vector, indexed by state.
	X []float64
	// Residual is ‖b − A x‖₁ / ‖b‖₁ of the system solved (0 if b = 0).
	Residual float64
	// Iterations is the number of Krylov iterations (0 for dense LU).
	Iterations int
	// Method is "dense LU", "BiCGSTAB+ILU(0)" or "trivial".
	Method string
}

// solveLinear solves a x = b for a square nonsingular CSR matrix a that stores every
// diagonal, by dense LU when a has at most set.DenseMax rows (O(n³)) and otherwise by
// ILU(0)-preconditioned BiCGSTAB until ‖b − a x‖₁ ≤ set.Tol·‖b‖₁ (O(nnz) per iteration).
func solveLinear(ctx context.Context, a *linalg.CSR, b []float64, set Settings) (*LinearResult, error) {
	set = set.withDefaults()
	n := a.Rows
	res := &LinearResult{X: make([]float64, n)}
	bn := floats.Norm(b, 1)
	if n == 0 || bn == 0 {
		res.Method = "trivial"
		return res, nil
	}
	if set.DenseMax > 0 && n <= set.DenseMax {
		res.Method = "dense LU"
		if err := linalg.SolveDenseLU(res.X, a, b); err != nil {
			return nil, err
		}
	} else {
		res.Method = "BiCGSTAB+ILU(0)"
		m, err := linalg.NewILU0(a)
		if err != nil {
			return nil, err
		}
		report, finish := runtime.StartProgress(ctx, fmt.Sprintf("linear solve (%d states, BiCGSTAB iterations)", n), 0)
		defer finish()
		bs := &linalg.BiCGSTABSettings{M: m, Abs: 0.5 * set.Tol * bn, MaxIter: set.MaxIter}
		for pass := 0; pass < 4; pass++ {
			done := res.Iterations
			bs.Progress = func(it int) { report(int64(done+it), 0) }
			it, err := linalg.BiCGSTAB(ctx, a, b, res.X, bs)
			res.Iterations += it
			if err != nil {
				return nil, err
			}
			if linalg.Residual1(a, res.X, b) <= set.Tol*bn {
				break
			}
		}
	}
	res.Residual = linalg.Residual1(a, res.X, b) / bn
	if !(res.Residual <= set.Tol) {
		return res, fmt.Errorf("ctmc: linear solve (%s, %d states) reached relative residual %.3g, above the target %.3g", res.Method, n, res.Residual, set.Tol)
	}
	return res, nil
}

// withDefaults fills in the zero fields of Settings.
func (s Settings) withDefaults() Settings {
	if s.Tol <= 0 {
		s.Tol = 1e-10
	}
	if s.DenseMax == 0 {
		s.DenseMax = 2000
	}
	if s.MaxIter <= 0 {
		s.MaxIter = 2000
	}
	return s
}

// Discounted returns x = ∫₀^∞ e^{−δt} p(t) dt for p(0) = p0, the solution of
// x (δI − Q) = p0 (δ > 0); its entries sum to 1/δ. The transposed system is solved by
// dense LU (at most s.DenseMax states, O(S³)) or ILU(0)-BiCGSTAB (O(E) per iteration) to
// the relative residual s.Tol.
//
// For a discrete-time chain (c.Discrete), delta is the discount rate per step a and
// x = Σ_{j≥0} e^{−aj} p_j solves x(I − e^{−a}P) = p0, i.e. x((1 − e^{−a})I − e^{−a}Q) = p0;
// its entries sum to 1/(1 − e^{−a}). Same cost.
func Discounted(ctx context.Context, c *Chain, p0 []float64, delta float64, s *Settings) (*LinearResult, error) {
	if !(delta > 0) || math.IsInf(delta, 0) {
		return nil, fmt.Errorf("ctmc: discount rate %v must be finite and > 0", delta)
	}
	n := c.NumStates()
	if len(p0) != n {
		return nil, fmt.Errorf("ctmc: initial distribution has length %d, want %d states", len(p0), n)
	}
	// Continuous time: δI − Q. Discrete time: I − βP = (1 − β)I − βQ with β = e^{−δ}.
	scale, diag := 1.0, delta
	if c.Discrete {
		beta := math.Exp(-delta)
		scale, diag = beta, -math.Expm1(-delta)
	}
	a := c.Q.Transpose()
	for i := range a.Val {
		a.Val[i] *= -scale
	}
	for i := 0; i < n; i++ {
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			if int(a.Col[p]) == i {
				a.Val[p] += diag
			}
		}
	}
	var set Settings
	if s != nil {
		set = *s
	}
	return solveLinear(ctx, a, p0, set)
}

// Until returns E ∫₀^τ f(X_s) ds for X₀ ~ p0, where τ is the hitting time of the states
// with inR true (τ = 0 when X₀ is in R), together with h(x) = E_x ∫₀^τ f(X_s) ds. Off R,
// h solves (−Q_AA) h_A = f_A on the set A of states outside R from which R can be reached;
// h = 0 on R and on states from which R cannot be reached. If R is missed with positive
// probability from p0 and f is not 0 on a state that is then reachable without hitting R,
// the reward is infinite or undefined and Until returns an error.
//
// For a discrete-time chain (c.Discrete) the value is E Σ_{j=0}^{τ} f(X_j), which includes
// the reward f(X_τ) at the hitting step (docs/language.md §6.10): h = f on R and, off R,
// h(x) = f(x) + Σ_y P(x, y) h(y), that is (I − P_AA) h_A = (−Q_AA) h_A = f_A + P_AR f_R.
//
// Cost: O(S + E) for the reachability sets, plus dense LU (O(|A|³), at most s.DenseMax
// states) or ILU(0)-BiCGSTAB (O(E) per iteration).
func Until(ctx context.Context, c *Chain, p0, f []float64, inR []bool, s *Settings) (value float64, res *LinearResult, err error) {
	n := c.NumStates()
	if len(p0) != n || len(f) != n || len(inR) != n {
		return 0, nil, fmt.Errorf("ctmc: Until: vectors of length %d, %d, %d, want %d states", len(p0), len(f), len(inR), n)
	}
	q := c.Q
	// Backward reachability of R over positive rates.
	qt := q.Transpose()
	reach := make([]bool, n)
	var stack []int32
	for i, r := range inR {
		if r {
			reach[i] = true
			stack = append(stack, int32(i))
		}
	}
	for len(stack) > 0 {
		j := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for p := qt.RowPtr[j]; p < qt.RowPtr[j+1]; p++ {
			if i := qt.Col[p]; !reach[i] && qt.Val[p] > 0 {
				reach[i] = true
				stack = append(stack, i)
			}
		}
	}
	// Forward reachability from p0 avoiding R: the states the process can visit before τ.
	seen := make([]bool, n)
	for i, p := range p0 {
		if p != 0 && !inR[i] {
			seen[i] = true
			stack = append(stack, int32(i))
		}
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !reach[i] && f[i] != 0 {
			return 0, nil, fmt.Errorf("ctmc: the region is not reached with probability 1 and the reward is %g at %s, from which the region cannot be reached: the measure is infinite or undefined", f[i], c.StateString(int(i)))
		}
		for p := q.RowPtr[i]; p < q.RowPtr[i+1]; p++ {
			if j := q.Col[p]; !seen[j] && !inR[j] && q.Val[p] > 0 {
				seen[j] = true
				stack = append(stack, j)
			}
		}
	}
	// The system on A = reach ∖ R.
	local := make([]int32, n)
	var states []int
	for i := range local {
		local[i] = -1
		if reach[i] && !inR[i] {
			local[i] = int32(len(states))
			states = append(states, i)
		}
	}
	m := len(states)
	a := &linalg.CSR{Rows: m, Cols: m, RowPtr: make([]int, 1, m+1)}
	b := make([]float64, m)
	for k, i := range states {
		b[k] = f[i]
		for p := q.RowPtr[i]; p < q.RowPtr[i+1]; p++ {
			if l := local[q.Col[p]]; l >= 0 {
				a.Col = append(a.Col, l)
				a.Val = append(a.Val, -q.Val[p])
			} else if j := q.Col[p]; c.Discrete && inR[j] {
				b[k] += q.Val[p] * f[j]
			}
		}
		a.RowPtr = append(a.RowPtr, len(a.Col))
	}
	var set Settings
	if s != nil {
		set = *s
	}
	sub, err := solveLinear(ctx, a, b, set)
	if err != nil {
		return 0, nil, err
	}
	res = &LinearResult{X: make([]float64, n), Residual: sub.Residual, Iterations: sub.Iterations, Method: sub.Method}
	for k, i := range states {
		res.X[i] = sub.X[k]
	}
	if c.Discrete {
		for i, r := range inR {
			if r {
				res.X[i] = f[i]
			}
		}
	}
	for i, p := range p0 {
		if p != 0 && (c.Discrete || !inR[i]) {
			value += p * res.X[i]
		}
	}
	return value, res, nil
}
