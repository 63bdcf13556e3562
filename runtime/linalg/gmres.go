package linalg

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// Operator is a square linear map applied to vectors; *CSR implements it.
type Operator interface {
	// MulVec sets dst = A x; dst and x do not overlap.
	MulVec(dst, x []float64)
}

// GMRESSettings controls GMRES. The zero value (or nil) selects the defaults.
type GMRESSettings struct {
	// M is the right preconditioner; nil means none. ILU0 for a, ILU0.Trans() for aᵀ.
	M Preconditioner
	// Restart is the dimension of the Krylov basis built in a cycle; 0 means 50.
	Restart int
	// MaxIter bounds the products with the operator; 0 means 5000.
	MaxIter int
	// Tol is the target of Backward; 0 means 1e-12.
	Tol float64
	// Norm2 is an upper bound of ‖A‖₂, such as √(‖A‖₁‖A‖∞); 0 reduces the default
	// backward error to the relative residual ‖r‖₂/‖b‖₂.
	Norm2 float64
	// Backward returns the backward error of x, whose residual is r = b − A x, that
	// stops the iteration; nil means ‖r‖₂/(Norm2·‖x‖₂ + ‖b‖₂). A test in other norms, or
	// one leaving out equations the caller re-imposes, goes here.
	Backward func(x, b, r []float64) float64
}

// GMRESResult describes a GMRES solve.
type GMRESResult struct {
	Iterations int     // products with the operator
	Backward   float64 // the backward error of the x returned, measured by the settings' test
	Converged  bool    // Backward ≤ Tol
}

// GMRES solves a x = b, from the x given, by restarted GMRES(m) (Saad and Schultz 1986;
// Saad 2003, §6.5 and §9.3.2) with right preconditioning: the Arnoldi process runs on
// a·M⁻¹ with modified Gram–Schmidt and Givens rotations, so the least-squares residual it
// minimises is the true residual ‖b − a x‖₂, and each restart recomputes that residual
// directly. It stops when the backward error (GMRESSettings.Backward) is at most Tol: a
// relative residual ‖b − a x‖/‖b‖ cannot fall below about ε·cond(a). A cycle ends when the
// 2-norm test
//
//	‖r‖₂ ≤ aim·(Norm2·‖x‖₂ + ‖b‖₂),   aim = Tol at first,
//
// holds for the least-squares residual; when that proves looser than Backward, later
// cycles aim ten times lower.
//
// When b = 0, x is set to 0 without iterating. Missing Tol within MaxIter is not an error: the result says so (Converged false) and
// carries the backward error reached. The error is non-nil when an iterate is NaN or
// infinite, and when ctx is done (checked at each restart and every 10 iterations; it then
// wraps ctx.Err()); x holds the last iterate. Lengths of x and b other than the operator's
// make it panic (in MulVec).
//
// Memory O(Restart·n); an iteration costs one product, one preconditioner solve and
// O(j·n) for the orthogonalisation against j basis vectors.
func GMRES(ctx context.Context, a Operator, b, x []float64, s *GMRESSettings) (GMRESResult, error) {
	set := gmresDefaults(s)
	if len(x) != len(b) {
		panic("linalg: GMRES: dimension mismatch")
	}
	var res GMRESResult
	n, restart, tol := len(b), set.Restart, set.Tol
	bnorm := floats.Norm(b, 2)
	if bnorm == 0 { // x = 0 is exact
		for i := range x {
			x[i] = 0
		}
		res.Converged = true
		return res, nil
	}
	aim := tol                        // the 2-norm target of a cycle
	v := make([][]float64, restart+1) // the Krylov basis, allocated as it grows
	v[0] = make([]float64, n)
	h := make([][]float64, restart+1) // h[i][j], the Hessenberg matrix
	for i := range h {
		h[i] = make([]float64, restart)
	}
	cs, sn, g, y := make([]float64, restart), make([]float64, restart), make([]float64, restart+1), make([]float64, restart)
	z, w := make([]float64, n), make([]float64, n)
	for {
		a.MulVec(w, x)
		for i := range w {
			v[0][i] = b[i] - w[i]
		}
		res.Backward = set.Backward(x, b, v[0])
		if res.Backward <= tol {
			res.Converged = true
			return res, nil
		}
		if res.Iterations >= set.MaxIter {
			return res, nil
		}
		beta := floats.Norm(v[0], 2)
		bound := aim * (set.Norm2*floats.Norm(x, 2) + bnorm)
		if beta <= bound {
			aim /= 10
			bound /= 10
		}
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("linalg: GMRES stopped after %d iterations: %w", res.Iterations, err)
		}
		floats.Scale(1/beta, v[0])
		for i := range g {
			g[i] = 0
		}
		g[0] = beta
		j := 0
		for j < restart && res.Iterations < set.MaxIter {
			set.M.Solve(z, v[j])
			a.MulVec(w, z)
			res.Iterations++
			for i := 0; i <= j; i++ {
				h[i][j] = floats.Dot(w, v[i])
				floats.AddScaled(w, -h[i][j], v[i])
			}
			h[j+1][j] = floats.Norm(w, 2)
			breakdown := h[j+1][j] == 0
			if !breakdown {
				if v[j+1] == nil {
					v[j+1] = make([]float64, n)
				}
				for i := range w {
					v[j+1][i] = w[i] / h[j+1][j]
				}
			}
			for i := 0; i < j; i++ {
				h[i][j], h[i+1][j] = cs[i]*h[i][j]+sn[i]*h[i+1][j], -sn[i]*h[i][j]+cs[i]*h[i+1][j]
			}
			r := math.Hypot(h[j][j], h[j+1][j])
			cs[j], sn[j] = h[j][j]/r, h[j+1][j]/r
			h[j][j], h[j+1][j] = r, 0
			g[j], g[j+1] = cs[j]*g[j], -sn[j]*g[j]
			j++
			if breakdown || math.Abs(g[j]) <= bound {
				break
			}
			if j%10 == 0 && ctx.Err() != nil {
				break
			}
		}
		// y = H⁻¹g (upper triangular j×j); x += M⁻¹ V y.
		for i := j - 1; i >= 0; i-- {
			s := g[i]
			for l := i + 1; l < j; l++ {
				s -= h[i][l] * y[l]
			}
			y[i] = s / h[i][i]
		}
		for i := range w {
			w[i] = 0
		}
		for l := 0; l < j; l++ {
			floats.AddScaled(w, y[l], v[l])
		}
		set.M.Solve(z, w)
		floats.AddScaled(x, 1, z)
		if xn := floats.Norm(x, math.Inf(1)); math.IsNaN(xn) || math.IsInf(xn, 0) {
			return res, fmt.Errorf("linalg: GMRES produced NaN after %d iterations", res.Iterations)
		}
	}
}

// gmresDefaults returns the settings s with the defaults filled in.
func gmresDefaults(s *GMRESSettings) GMRESSettings {
	var set GMRESSettings
	if s != nil {
		set = *s
	}
	if set.M == nil {
		set.M = identity{}
	}
	if set.Restart <= 0 {
		set.Restart = 50
	}
	if set.MaxIter <= 0 {
		set.MaxIter = 5000
	}
	if set.Tol <= 0 {
		set.Tol = 1e-12
	}
	if set.Backward == nil {
		norm2 := set.Norm2
		set.Backward = func(x, b, r []float64) float64 {
			return floats.Norm(r, 2) / (norm2*floats.Norm(x, 2) + floats.Norm(b, 2))
		}
	}
	return set
}
