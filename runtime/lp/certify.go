package lp

import (
	"fmt"
	"math"
)

// Residuals returns the primal residual of x (the largest violation of a row or a variable
// bound) and the dual residual of (y, d) for the problem p with objective c in the given
// sense: the largest of |c_j − (Aᵀy)_j − d_j| and of the sign violations (when minimising,
// d_j > 0 needs a finite l_j, d_j < 0 a finite u_j, y_i > 0 a finite lo_i, y_i < 0 a finite
// hi_i; reversed when maximising). Everything is computed in float64 from the data as given.
func Residuals(p *Problem, sense Sense, c, x, y, d []float64) (primal, dual float64) {
	viol := func(v, lo, hi float64) float64 {
		return math.Max(0, math.Max(lo-v, v-hi))
	}
	for j, v := range x {
		primal = math.Max(primal, viol(v, p.lo[j], p.hi[j]))
	}
	aty := make([]float64, p.NumVars())
	for i := range p.rlo {
		cols, vals, lo, hi := p.Row(i)
		ax := 0.0
		for k, j := range cols {
			ax += vals[k] * x[j]
			aty[j] += vals[k] * y[i]
		}
		primal = math.Max(primal, viol(ax, lo, hi))
		dual = math.Max(dual, signViolation(sense, y[i], lo, hi))
	}
	for j := range c {
		dual = math.Max(dual, math.Abs(c[j]-aty[j]-d[j]))
		dual = math.Max(dual, signViolation(sense, d[j], p.lo[j], p.hi[j]))
	}
	return primal, dual
}

// signViolation is how far a multiplier m of a constraint lo ≤ · ≤ hi is from a sign its
// finite bounds allow.
func signViolation(sense Sense, m, lo, hi float64) float64 {
	if sense == Maximize {
		m = -m
	}
	if m > 0 && math.IsInf(lo, -1) {
		return m
	}
	if m < 0 && math.IsInf(hi, 1) {
		return -m
	}
	return 0
}

// SafeBound returns a rigorous bound on the optimum of cᵀx over p from any row multipliers
// y (normally the solver's duals): a lower bound when minimising, an upper bound when
// maximising. It follows Neumaier and Shcherbina (2004): for every feasible x,
//
//	cᵀx = yᵀ(Ax) + rᵀx,  r = c − Aᵀy,
//
// so cᵀx ≥ Σ_i min_{lo_i ≤ s ≤ hi_i} y_i·s + Σ_j min_{l_j ≤ x_j ≤ u_j, r_j ∈ [r̲_j, r̄_j]} r_j·x_j,
// where [r̲, r̄] encloses r. Every product and sum is rounded in the safe direction: the
// exact rounding error of each operation is recovered (FMA for products, TwoSum for sums)
// and the result moved by one ulp only when it was inexact, so exact data give exact
// residuals. A multiplier of a row whose needed side is infinite is first set to 0 (any y
// gives a valid bound). The bound is not certified (ok false, with the reason) when a
// variable's needed bound is infinite and the enclosure of r_j does not exclude the wrong
// sign, or when an overflow occurs. The cost is O(nnz(A) + rows + columns).
func SafeBound(p *Problem, sense Sense, c, y []float64) (bound float64, ok bool, reason string) {
	n := p.NumVars()
	if len(c) != n || len(y) != p.NumRows() {
		return math.NaN(), false, fmt.Sprintf("lp: SafeBound: %d objective coefficients and %d multipliers for %d variables and %d rows", len(c), len(y), n, p.NumRows())
	}
	// Maximising cᵀx is minimising (−c)ᵀx with multipliers −y; negation is exact.
	sgn := 1.0
	if sense == Maximize {
		sgn = -1
	}
	rlo := make([]float64, n)
	rhi := make([]float64, n)
	for j := range c {
		rlo[j], rhi[j] = sgn*c[j], sgn*c[j]
	}
	sum := 0.0
	for i := range p.rlo {
		cols, vals, lo, hi := p.Row(i)
		yi := sgn * y[i]
		if math.IsNaN(yi) || math.IsInf(yi, 0) {
			return math.NaN(), false, fmt.Sprintf("multiplier of row %d is %v", i, y[i])
		}
		// The needed side: lo_i for yi > 0, hi_i for yi < 0 (either for an equality).
		side := lo
		if yi < 0 {
			side = hi
		}
		if yi == 0 || math.IsInf(side, 0) {
			continue
		}
		t, _ := mulIv(yi, side)
		sum = addDown(sum, t)
		for k, j := range cols {
			plo, phi := mulIv(vals[k], yi)
			rlo[j] = addDown(rlo[j], -phi)
			rhi[j] = addUp(rhi[j], -plo)
		}
	}
	for j := range rlo {
		l, u := p.lo[j], p.hi[j]
		t := math.Min(math.Min(mulDownX(rlo[j], l), mulDownX(rlo[j], u)),
			math.Min(mulDownX(rhi[j], l), mulDownX(rhi[j], u)))
		if math.IsInf(t, -1) || math.IsNaN(t) {
			a, b := rlo[j], rhi[j]
			if sgn < 0 {
				a, b = -b, -a
			}
			return math.NaN(), false, fmt.Sprintf("variable %d has bounds [%v, %v] and its reduced cost lies in [%.3g, %.3g], which does not exclude the sign that needs the infinite bound", j, l, u, a, b)
		}
		sum = addDown(sum, t)
	}
	if math.IsInf(sum, 0) || math.IsNaN(sum) {
		return math.NaN(), false, "the bound overflows"
	}
	return sgn * sum, true, ""
}

// mulIv encloses the exact product a·b in [lo, hi] (a, b finite).
func mulIv(a, b float64) (lo, hi float64) {
	p := float64(a * b)
	switch {
	case math.IsInf(p, 0):
		return math.Inf(-1), math.Inf(1)
	case a == 0 || b == 0:
		return 0, 0
	case math.Abs(p) < 0x1p-960:
		// Near underflow the FMA error term is itself rounded: widen by one ulp.
		return math.Nextafter(p, math.Inf(-1)), math.Nextafter(p, math.Inf(1))
	}
	e := math.FMA(a, b, -p) // exact: a·b = p + e
	switch {
	case e > 0:
		return p, math.Nextafter(p, math.Inf(1))
	case e < 0:
		return math.Nextafter(p, math.Inf(-1)), p
	}
	return p, p
}

// mulDownX is a lower bound of r·x where x may be infinite (0·∞ = 0: r = 0 exactly means
// the term vanishes for every finite x).
func mulDownX(r, x float64) float64 {
	if r == 0 {
		return 0
	}
	if math.IsInf(x, 0) {
		if (r > 0) == (x > 0) {
			return math.Inf(1)
		}
		return math.Inf(-1)
	}
	lo, _ := mulIv(r, x)
	return lo
}

// twoSum returns s = fl(a + b) and the exact error e with a + b = s + e (Knuth).
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return s, e
}

// addDown is a lower bound of a + b.
func addDown(a, b float64) float64 {
	s, e := twoSum(a, b)
	if math.IsInf(s, 0) || math.IsNaN(s) {
		return s
	}
	if e < 0 {
		return math.Nextafter(s, math.Inf(-1))
	}
	return s
}

// addUp is an upper bound of a + b.
func addUp(a, b float64) float64 {
	s, e := twoSum(a, b)
	if math.IsInf(s, 0) || math.IsNaN(s) {
		return s
	}
	if e > 0 {
		return math.Nextafter(s, math.Inf(1))
	}
	return s
}
