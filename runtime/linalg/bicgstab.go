package linalg

import (
	"context"
	"fmt"
	"math"
)

// BiCGSTABSettings controls BiCGSTAB. The zero value (or nil) selects the defaults.
type BiCGSTABSettings struct {
	// M is the right preconditioner; nil means none.
	M Preconditioner
	// The iteration stops when ‖b − a x‖₁ ≤ Rel·(1 + Σx) + Abs. Rel = Abs = 0 means
	// Rel = 1e-10. (1 + Σx) is the scale of a probability vector or of an expected
	// reward, the systems of the Markov chain analyses.
	Rel, Abs float64
	// MaxIter bounds the iterations; 0 means 2000.
	MaxIter int
	// Progress, if non-nil, is called every 25 iterations with the iterations done.
	Progress func(iterations int)
	// Floor, if positive, also stops the iteration when the true residual is at most
	// Floor·ε·Σ_i (|b_i| + (|a||x|)_i) (ε = 2⁻⁵²), the round-off of evaluating b − a x:
	// below it the residual cannot be resolved in double precision and more iterations only
	// restart (a componentwise backward error of Floor·ε, Oettli and Prager 1964).
	Floor float64
}

// stallIters is the number of BiCGSTAB iterations without a 10% decrease of the true
// residual after which the iteration restarts (BiCGSTAB can stagnate for thousands of
// iterations on large non-symmetric chains; a restart with a fresh shadow vector recovers).
const stallIters = 150

// ctxEvery is how many iterations of a solver pass between two checks of its context:
// about a millisecond of work for small systems, far less than the second allowed.
const ctxEvery = 16

// BiCGSTAB solves a x = b (a square) by van der Vorst's stabilised bi-conjugate gradient
// method with right preconditioner s.M, starting from the x given, and returns the
// iterations used. Each iteration costs two products with a and two preconditioner solves,
// O(nnz).
//
// The stopping test uses the recurrence residual, confirmed (and, every 25 iterations,
// replaced) by the true residual, which the recurrence can drift away from. When the true
// residual has not fallen by 10% for 150 iterations, or on a breakdown (ρ = 0 or ω = 0),
// the iteration restarts from the true residual with a fresh shadow vector.
//
// Missing the target within MaxIter is not an error: the caller checks the residual of x.
// The error is non-nil only when ctx is done (checked every 16 iterations); it wraps
// ctx.Err() and x holds the last iterate.
func BiCGSTAB(ctx context.Context, a *CSR, b, x []float64, s *BiCGSTABSettings) (int, error) {
	var set BiCGSTABSettings
	if s != nil {
		set = *s
	}
	if set.Rel == 0 && set.Abs == 0 {
		set.Rel = 1e-10
	}
	if set.MaxIter <= 0 {
		set.MaxIter = 2000
	}
	m := set.M
	if m == nil {
		m = identity{}
	}
	rel, abs := set.Rel, set.Abs
	n := len(b)
	if a.Rows != n || a.Cols != n || len(x) != n {
		panic("linalg: BiCGSTAB: dimension mismatch")
	}
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
	// colAbs[j] = Σ_i |a_ij| and bAbs = ‖b‖₁ bound ‖|a||x|‖₁ ≤ Σ_j colAbs[j]|x_j| for Floor.
	var colAbs []float64
	bAbs := 0.0
	if set.Floor > 0 {
		colAbs = make([]float64, n)
		for p, c := range a.Col {
			colAbs[c] += math.Abs(a.Val[p])
		}
		bAbs = absSum(b)
	}
	// rNorm = ‖r‖₁ and xSum = 1 + Σx, kept up to date by the update loops.
	rNorm, xSum := absSum(r), onePlusSum(x)
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
		ok := res <= rel*sum+abs
		if !ok && colAbs != nil {
			ax := bAbs
			for j, c := range colAbs {
				ax += c * math.Abs(x[j])
			}
			ok = res <= set.Floor*eps*ax
		}
		if !ok && rNorm <= rel*sum+abs {
			// The recurrence residual has drifted from the true one (after a large
			// intermediate residual, by about ε times its peak): it would go on claiming
			// convergence while x no longer moves. Replace it at once.
			stalled = true
		}
		return ok
	}
	for it < set.MaxIter {
		if (rNorm <= rel*xSum+abs || it%25 == 0) && converged() {
			break
		}
		if it%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return it, fmt.Errorf("linalg: BiCGSTAB stopped after %d iterations: %w", it, err)
			}
		}
		if set.Progress != nil && it%25 == 0 {
			set.Progress(it)
		}
		it++
		rhoNew := plainDot(rhat, r)
		if stalled {
			// Stagnation: restart from the true residual.
			for i := range r {
				r[i] = b[i] - tr[i]
			}
			rNorm = absSum(r)
			best, bestIt, stalled = math.Inf(1), it, false
		}
		if rhoNew == 0 || omega == 0 || math.IsNaN(rhoNew) || bestIt == it {
			// Breakdown or restart: restart with the current residual as shadow vector.
			copy(rhat, r)
			for i := range p {
				p[i], v[i] = 0, 0
			}
			rho, alpha, omega = 1, 1, 1
			rhoNew = plainDot(rhat, r)
		}
		beta := (rhoNew / rho) * (alpha / omega)
		for i := range p {
			p[i] = r[i] + beta*(p[i]-omega*v[i])
		}
		m.Solve(ph, p)
		a.MulVec(v, ph)
		alpha = rhoNew / plainDot(rhat, v)
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
		m.Solve(sh, r)
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
	return it, nil
}

// eps is the machine epsilon of float64, 2⁻⁵².
const eps = 0x1p-52

// identity is the absent preconditioner.
type identity struct{}

func (identity) Solve(x, b []float64) { copy(x, b) }

// Residual1 returns ‖b − a x‖₁. O(nnz).
func Residual1(a *CSR, x, b []float64) float64 {
	r := make([]float64, len(b))
	a.MulVec(r, x)
	s := 0.0
	for i := range r {
		s += math.Abs(b[i] - r[i])
	}
	return s
}

// plainDot, absSum and onePlusSum are the sums of the solvers in index order (gonum's floats
// unrolls them, which changes the round-off and the iterates).
func plainDot(x, y []float64) float64 {
	s := 0.0
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

func absSum(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += math.Abs(v)
	}
	return s
}

func onePlusSum(x []float64) float64 {
	s := 1.0
	for _, v := range x {
		s += v
	}
	return s
}
