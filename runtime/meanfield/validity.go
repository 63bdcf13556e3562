package meanfield

import (
	"fmt"
	"math"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
)

// Warning is a reason not to trust a number of a report, with its code in the catalogue
// (docs/language.md §8) and the quantity it concerns.
type Warning struct {
	Code     string `json:"code"`
	Quantity string `json:"quantity"`
	Message  string `json:"message"`
}

// String prints the warning as the diagnostics are printed.
func (w Warning) String() string {
	return fmt.Sprintf("warning[%s]: %s: %s", w.Code, w.Quantity, w.Message)
}

// Thresholds of the validity checks of a refined result (Validity).
const (
	// nearBifurcation: N·|Re λ_max| below it means the fixed point is close to losing
	// its stability at this N: the relaxation time 1/|Re λ_max| exceeds N, and the
	// constants of the expansion grow like 1/|Re λ_max|.
	nearBifurcation = 1
	// feasibleTol is the round-off allowed outside a feasible range.
	feasibleTol = 1e-9
)

// Validity returns the warnings on a stationary refined result of mod at scale n (the
// species named names, fixed point x, terms v and a — a nil for order 1 — and the
// eigenvalues of the reduced Jacobian): refined densities outside the range their
// conservation laws allow (W603), an expansion whose terms do not decrease at this N
// (W604), and a fixed point near a bifurcation (W605).
func Validity(mod *runtime.Model, n float64, names []string, x, v, a []float64, eig []complex128) []Warning {
	var out []Warning
	if !(n > 0) || len(x) == 0 {
		return nil
	}
	// Upper bounds from the conservation laws with nonnegative coefficients:
	// c·x = c·x0 ⇒ x_i ≤ c·x0 / c_i.
	upper := make([]float64, len(x))
	for i := range upper {
		upper[i] = math.Inf(1)
	}
	x0 := mod.Inputs().Densities
	for _, law := range mod.IR.Conservation {
		nonneg, total := true, 0.0
		for i, c := range law {
			if c < 0 {
				nonneg = false
			}
			total += float64(c) * x0[i]
		}
		if !nonneg {
			continue
		}
		for i, c := range law {
			if c > 0 {
				upper[i] = math.Min(upper[i], total/float64(c))
			}
		}
	}
	for i, name := range names {
		r1 := x[i] + v[i]/n
		type refined struct {
			what string
			val  float64
		}
		vals := []refined{{"refined1", r1}}
		if a != nil {
			vals = append(vals, refined{"refined2", r1 + a[i]/(n*n)})
		}
		for _, q := range vals {
			tol := feasibleTol * math.Max(1, math.Abs(upper[i]))
			switch {
			case q.val < -tol:
				out = append(out, Warning{"W603", name + "." + q.what, fmt.Sprintf("the refined density %.6g is negative: the expansion is not valid at N = %g (compare with mfc validate)", q.val, n)})
			case q.val > upper[i]+tol:
				out = append(out, Warning{"W603", name + "." + q.what, fmt.Sprintf("the refined density %.6g exceeds %.6g, the most its conservation law allows: the expansion is not valid at N = %g", q.val, upper[i], n)})
			}
		}
		v1 := math.Abs(v[i]) / n
		switch {
		case a != nil && math.Abs(a[i])/(n*n) > v1 && math.Abs(a[i])/(n*n) > 1e-3:
			out = append(out, Warning{"W604", name, fmt.Sprintf("the 1/N² term |A|/N² = %.3g exceeds the 1/N term |V|/N = %.3g: the series does not converge at N = %g; the refined values are not reliable (raise N, or compare with mfc validate)", math.Abs(a[i])/(n*n), v1, n)})
		case v1 > math.Abs(x[i])+0.01:
			out = append(out, Warning{"W604", name, fmt.Sprintf("the 1/N term |V|/N = %.3g exceeds the mean field %.3g: the series does not converge at N = %g", v1, math.Abs(x[i]), n)})
		}
	}
	if len(eig) > 0 {
		re := math.Inf(-1)
		for _, e := range eig {
			re = math.Max(re, real(e))
		}
		if re < 0 && n*math.Abs(re) < nearBifurcation {
			out = append(out, Warning{"W605", "eigenvalues", fmt.Sprintf("N·|Re λ| = %.3g is below %d for the slowest eigenvalue (Re λ = %.3g at N = %g): the fixed point is near a bifurcation at this N, where the refinement's error constants grow like 1/|Re λ|; trust the exact chain or a simulation instead", n*math.Abs(re), nearBifurcation, re, n)})
		}
	}
	return out
}

// Absorption returns a W606 warning for each species i that the stationary mean field x
// keeps positive but that the finite chain cannot recreate once it is gone: at the counts
// of the fixed point (round(N·x), environment and time of in) with n_i = 0, every
// transition that would increase n_i has propensity 0 (an epidemic without importation
// at I = 0). Such a chain is eventually absorbed where n_i = 0, so its stationary law is
// not what the mean field approximates: the refined values approximate the
// quasi-stationary law, the law before absorption. The test looks at one state; it is a
// warning, not a proof.
func Absorption(mod *runtime.Model, in *ir.Inputs, names []string, x []float64) []Warning {
	n := in.Scale
	if !(n > 0) || len(x) != mod.Dim() {
		return nil
	}
	loc := *in
	loc.Counts = make([]float64, len(x))
	props := make([]float64, len(mod.IR.Transitions))
	var out []Warning
	for i := range x {
		if !(x[i]*n >= 1) {
			continue
		}
		for k, xk := range x {
			loc.Counts[k] = math.Round(xk * n)
		}
		loc.Counts[i] = 0
		mod.Propensities(props, &loc)
		creates, canGrow := false, false
		for j, t := range mod.IR.Transitions {
			for _, u := range t.Jump {
				if u.Species == i && u.Delta > 0 {
					creates = true
					if props[j] != 0 {
						canGrow = true
					}
				}
			}
		}
		if creates && !canGrow {
			out = append(out, Warning{Code: "W606", Quantity: names[i],
				Message: fmt.Sprintf("no transition creates %s once it is 0, so the finite chain ends absorbed at %s = 0, while the fixed point has %s = %.4g; the refined values approximate the quasi-stationary law (before absorption): compare with mfc exact --quasi-stationary", names[i], names[i], names[i], x[i])})
		}
	}
	return out
}
