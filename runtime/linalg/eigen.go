package linalg

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// Eigenvalues returns the eigenvalues of a square a (r×r, r may be 0) sorted by decreasing
// real part, then decreasing imaginary part. Cost O(r³).
func Eigenvalues(a *mat.Dense) ([]complex128, error) {
	r, _ := a.Dims()
	if r == 0 {
		return nil, nil
	}
	var e mat.Eigen
	if !e.Factorize(a, mat.EigenNone) {
		return nil, errors.New("linalg: eigenvalue computation did not converge")
	}
	ev := e.Values(nil)
	sort.Slice(ev, func(i, k int) bool {
		if real(ev[i]) != real(ev[k]) {
			return real(ev[i]) > real(ev[k])
		}
		return imag(ev[i]) > imag(ev[k])
	})
	return ev, nil
}

// Stability classifies a fixed point by the eigenvalues of its reduced Jacobian.
type Stability int

const (
	// Stable: every eigenvalue has real part below −margin (see Classify).
	Stable Stability = iota
	// Unstable: some eigenvalue has real part above +margin.
	Unstable
	// Marginal: the largest real part is within the margin of 0 (or there is no
	// eigenvalue: the laws fix the state).
	Marginal
)

// String returns "stable", "unstable" or "marginal".
func (s Stability) String() string {
	switch s {
	case Stable:
		return "stable"
	case Unstable:
		return "unstable"
	case Marginal:
		return "marginal"
	}
	return fmt.Sprintf("Stability(%d)", int(s))
}

// StabilityTol is the default relative margin of Classify: a spectral abscissa within
// StabilityTol·max(1, ‖J_r‖∞) of 0 is marginal. It sits well above the round-off of the
// eigenvalues of a Jacobian at a fixed point converged to ‖F‖∞ ≤ 1e-12, and well below any
// decay rate an analysis can use.
const StabilityTol = 1e-9

// Classify decides the stability of a fixed point from the eigenvalues ev of its reduced
// Jacobian jr = PᵀJP, sorted by decreasing real part (Eigenvalues): with the margin
// m = tol·max(1, ‖jr‖∞), it is Stable when max Re λ < −m, Unstable when max Re λ > m and
// Marginal otherwise. tol ≤ 0 means StabilityTol; an analysis that needs a decay rate
// bounded away from 0 passes a larger tol. Every analysis decides stability here.
func Classify(ev []complex128, jr mat.Matrix, tol float64) Stability {
	if len(ev) == 0 {
		return Marginal
	}
	if tol <= 0 {
		tol = StabilityTol
	}
	m := tol * math.Max(1, mat.Norm(jr, math.Inf(1)))
	switch a := real(ev[0]); {
	case a < -m:
		return Stable
	case a > m:
		return Unstable
	}
	return Marginal
}
