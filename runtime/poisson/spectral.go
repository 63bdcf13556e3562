package poisson

import (
	"context"
	"math"

	"gonum.org/v1/gonum/floats"
)

// RelaxationTime estimates the relaxation time 1/γ of the chain, γ = min |λ| over the
// non-zero eigenvalues λ of A (the spectral gap: 1 − λ₂ of P in discrete time, the smallest
// non-zero |Re|-dominant rate of −Q in continuous time), as the dominant eigenvalue modulus
// of the deviation matrix D = A^# by power iteration with SolveRow (x ← xD: row systems
// converge fastest on large chains with unbounded rates): iters solves at most
// (default 60 when iters ≤ 0), stopped when two estimates agree to the relative tolerance
// tol (default 1e-6 when tol ≤ 0). It is an estimate:
// with a complex dominant pair the ratio ‖D x‖/‖x‖ oscillates about the modulus, and the
// largest of the last estimates is returned. ‖D‖∞ ≥ the result, and for a reversible chain
// they agree up to the spread of π. O(iters) solves.
func (c *Chain) RelaxationTime(ctx context.Context, iters int, tol float64) (float64, error) {
	if iters <= 0 {
		iters = 60
	}
	if tol <= 0 {
		tol = 1e-6
	}
	n := c.N()
	if n == 1 {
		return 0, nil
	}
	x, y := make([]float64, n), make([]float64, n)
	// A fixed, irregular start weighted by π: a signed measure, which decays in the tail like
	// the row solutions (a start of order 1 in far states, whose probability is tiny, costs
	// GMRES hundreds of iterations on large chains).
	for i := range x {
		x[i] = c.pi[i] * math.Sin(float64(i)*1.618033988749895+0.5)
	}
	est, prev := 0.0, 0.0
	for k := 0; k < iters; k++ {
		nx := floats.Norm(x, 2)
		if nx == 0 {
			return 0, nil
		}
		if err := c.solveRowBare(ctx, y, x); err != nil {
			return 0, err
		}
		e := floats.Norm(y, 2) / nx
		if k > 2 && math.Abs(e-prev) <= tol*e {
			return math.Max(e, prev), nil
		}
		prev, est = est, e
		floats.Scale(1/floats.Norm(y, 2), y)
		x, y = y, x
	}
	return math.Max(est, prev), nil
}

// Period returns the period of a discrete-time chain: the gcd of the lengths of its cycles
// (1 when some p_ii > 0). It is 1 for an aperiodic chain and for a generator (NewCTMC),
// where the question does not arise. A periodic P has Z = (I − P + Π)⁻¹, but Pⁿ does not
// converge, so expansions in n are useless. One breadth-first search, O(n + nnz).
func (c *Chain) Period() int {
	if !c.discrete || c.selfLoop {
		return 1
	}
	a := c.a
	n := a.Rows
	level := make([]int, n)
	for i := range level {
		level[i] = -1
	}
	level[0] = 0
	queue := []int{0}
	g := 0
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			j := int(a.Col[p])
			if j == i || a.Val[p] == 0 {
				continue
			}
			if level[j] < 0 {
				level[j] = level[i] + 1
				queue = append(queue, j)
				continue
			}
			g = gcd(g, abs(level[i]+1-level[j]))
		}
	}
	if g == 0 {
		return 1
	}
	return g
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func abs(a int) int {
	if a < 0 {
		return -a
	}
	return a
}
