package slow

import (
	"context"
	"fmt"
	"math"

	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/poisson"
	"gonum.org/v1/gonum/floats"
)

// Matrices are the frozen matrix of a chain and its first two time derivatives on one list
// of states: in discrete time P̃ (stochastic, diagonal stored), Ṗ = dP/dt and P̈ = d²P/dt²
// per step; in continuous time Q̃, Q̇, Q̈. The derivatives have zero row sums (their diagonal
// is rebuilt after differentiation). D2 may be nil for first-order expansions.
type Matrices struct {
	P, D1, D2 *linalg.CSR
}

// Result is one expansion: Terms[k] is the term of order k with its power of ε included
// (derivatives are per real time unit), so that the approximation of order k is
// Σ_{i≤k} Terms[i]. Solves counts the linear solves and Residual is the largest backward
// error among them.
type Result struct {
	Terms    []float64
	Solves   int
	Residual float64
}

// Value returns Σ Terms.
func (r *Result) Value() float64 { return floats.Sum(r.Terms) }

// OrderError refuses an order an expansion does not have.
type OrderError struct {
	Kind      string
	Order     int
	Available int
	Why       string
}

func (e *OrderError) Error() string {
	return fmt.Sprintf("slow: order %d is not available for %s (orders 0..%d): %s", e.Order, e.Kind, e.Available, e.Why)
}

func checkOrder(kind string, order, avail int, why string) error {
	if order < 0 || order > avail {
		return &OrderError{Kind: kind, Order: order, Available: avail, Why: why}
	}
	return nil
}

// stationaryTerm is the start of the kernels whose order-0 term is the frozen chain's
// stationary mean: it checks the order (checkOrder) and returns π̃ and the terms so far,
// [π̃r]. O(|S|).
func stationaryTerm(c *poisson.Chain, r []float64, kind string, order, avail int, why string) (pi, terms []float64, err error) {
	if err := checkOrder(kind, order, avail, why); err != nil {
		return nil, nil, err
	}
	pi = c.Pi()
	return pi, []float64{dot(pi, r)}, nil
}

// solveFn is a column or row solve of package poisson.
type solveFn func(ctx context.Context, dst, b []float64) (poisson.Stats, error)

// lin runs a sequence of solves and products, keeping the first error and the statistics,
// so that the kernels read like the formulas.
type lin struct {
	ctx    context.Context
	err    error
	solves int
	res    float64
}

// s returns the solve f applied to b (zeros after an error).
func (l *lin) s(f solveFn, b []float64) []float64 {
	x := make([]float64, len(b))
	if l.err != nil {
		return x
	}
	st, err := f(l.ctx, x, b)
	l.solves++
	l.res = math.Max(l.res, st.Residual)
	l.err = err
	return x
}

// result packs terms with the statistics.
func (l *lin) result(terms ...float64) (*Result, error) {
	if l.err != nil {
		return nil, l.err
	}
	for i, t := range terms {
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil, fmt.Errorf("slow: the term of order %d is %v (a singular or ill-conditioned solve: check that the frozen chain is irreducible)", i, t)
		}
	}
	return &Result{Terms: terms, Solves: l.solves, Residual: l.res}, nil
}

// mul returns a x (a column).
func mul(a *linalg.CSR, x []float64) []float64 {
	y := make([]float64, a.Rows)
	a.MulVec(y, x)
	return y
}

// vmul returns x a (a row).
func vmul(x []float64, a *linalg.CSR) []float64 {
	y := make([]float64, a.Cols)
	a.VecMul(y, x)
	return y
}

// axpby returns a·x + b·y.
func axpby(a float64, x []float64, b float64, y []float64) []float64 {
	z := make([]float64, len(x))
	for i := range z {
		z[i] = a*x[i] + b*y[i]
	}
	return z
}

func dot(x, y []float64) float64 { return floats.Dot(x, y) }
