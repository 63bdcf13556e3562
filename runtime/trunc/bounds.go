package trunc

import (
	"math"
	"sort"
)

// This file turns bounds on the truncated law into bounds on stationary measures π(f), on
// marginals and on the errors of the bounds themselves (seed-003 §2.3 and §3.7, adapted
// from Kuntz et al. 2019, Thm 15). ITA and ILP both call it.

// roundOut is a rigorous bound on the rounding error of a float64 sum of n terms whose
// absolute values add up to abs (Higham 2002, (4.4): |error| ≤ γ_{n−1}·Σ|terms|, γ_k =
// kε/(1 − kε)), with one more ulp for the products that formed the terms.
func roundOut(n int, abs float64) float64 {
	const eps = 0x1p-53
	k := float64(n + 1)
	return k * eps / (1 - k*eps) * abs
}

// TruncatedMeanBounds returns bounds lf ≤ π_{|r}(f) = Σ_{x∈S} f(x)π(x) ≤ uf from state-wise
// bounds l ≤ π ≤ u on S: each term takes the side of [l(x), u(x)] that the sign of f(x)
// asks for. The sums are widened by a bound on their rounding error, so the interval holds
// in exact arithmetic. Bounds on π(f) computed directly (ILP's LPs, ITA's min and max of
// π^z(f)) are tighter; pass those to MeasureFromMeanBounds instead. O(|S|).
func TruncatedMeanBounds(l, u, f []float64) (lf, uf float64) {
	var absL, absU float64
	for x, v := range f {
		a, b := v*l[x], v*u[x]
		if v < 0 {
			a, b = b, a
		}
		lf += a
		uf += b
		absL += math.Abs(a)
		absU += math.Abs(b)
	}
	return lf - roundOut(len(f), absL), uf + roundOut(len(f), absU)
}

// MeasureFromBounds brackets π(f) from state-wise bounds l ≤ π ≤ u on S (see
// TruncatedMeanBounds and MeasureFromMeanBounds). O(|S|).
func MeasureFromBounds(l, u []float64, f Function, m *Moment, tail float64) *MeasureBounds {
	lf, uf := TruncatedMeanBounds(l, u, f.F)
	return MeasureFromMeanBounds(lf, uf, f, m, tail)
}

// MeasureFromMeanBounds brackets π(f) from bounds lf ≤ π_{|r}(f) ≤ uf on the mean over S
// (seed-003 §3.7):
//
//	(4.38) f ≥ 0 outside S (f.SignOutside = +1):  π(f) ≥ lf;
//	(4.39) f ≤ 0 outside S (f.SignOutside = −1):  π(f) ≤ uf;
//	(4.40) |f| ≤ K·w outside S (f.K > 0):         lf − c·K ≤ π(f) ≤ uf + c·K,
//
// with c the bound of the moment assumption m (π(w) ≤ c). When m is nil, K is read as a
// bound |f| ≤ K outside S and the tail bound tail ≥ π(S^c) (c/r, or user-asserted) takes
// the place of c: π(|f|·1_{S^c}) ≤ K·tail. A known sign keeps its side from (4.38) or
// (4.39), which is tighter than (4.40)'s; Rule names (4.40) whenever both sides exist. A
// side that no rule gives is nil; Midpoint and HalfWidth (a guaranteed error of the
// midpoint) are set when both sides are.
//
// Certified is true when some side exists: the caller clears it when lf or uf are not
// certified (an LP bound that could not be certified), and Result.Assumptions names the
// assumption the bound is given. O(1).
func MeasureFromMeanBounds(lf, uf float64, f Function, m *Moment, tail float64) *MeasureBounds {
	mb := &MeasureBounds{}
	var lo, hi *float64
	if f.SignOutside > 0 {
		lo = fptr(lf)
		mb.Rule = "4.38"
	}
	if f.SignOutside < 0 {
		hi = fptr(uf)
		mb.Rule = "4.39"
	}
	corr := math.NaN()
	switch {
	case f.K > 0 && m != nil && m.C > 0:
		corr = m.C * f.K
	case f.K > 0 && m == nil && tail > 0:
		corr = tail * f.K
	}
	if !math.IsNaN(corr) {
		corr = math.Nextafter(corr, math.Inf(1))
		if lo == nil {
			lo = fptr(math.Nextafter(lf-corr, math.Inf(-1)))
		}
		if hi == nil {
			hi = fptr(math.Nextafter(uf+corr, math.Inf(1)))
		}
		mb.Rule = "4.40"
	}
	mb.Lower, mb.Upper = lo, hi
	if lo != nil && hi != nil {
		mb.Midpoint = fptr((*lo + *hi) / 2)
		mb.HalfWidth = fptr(math.Nextafter((*hi-*lo)/2, math.Inf(1)))
	}
	mb.Certified = lo != nil || hi != nil
	return mb
}

func fptr(v float64) *float64 { return &v }

// MarginalError holds the errors (4.44)–(4.46) of the marginal bounds l̂ and û of one
// species, given a tail bound m_r ≤ tail: ‖l̂ − π̂‖_TV = ‖l̂ − π̂‖_1 = 1 − l̂(I_r) exactly
// (computable, (4.44)); û(I_r) − 1 ≤ ‖û − π̂‖_TV ≤ max{û(I_r) − 1 + tail, tail} (4.45) and
// û(I_r) − 1 ≤ ‖û − π̂‖_1 ≤ û(I_r) − 1 + 2·tail (4.46). The upper ends need the tail bound:
// they are nil without one.
type MarginalError struct {
	// TVLower is ‖l̂ − π̂‖_TV (4.44).
	TVLower *Number `json:"tv_lower"`
	// UpperMin is û(I_r) − 1, a lower bound on both errors of û.
	UpperMin *Number `json:"upper_error_min"`
	// TVUpper and L1Upper are the upper ends of (4.45) and (4.46).
	TVUpper *Number `json:"tv_upper"`
	L1Upper *Number `json:"l1_upper"`
}

// MarginalErrors computes (4.44)–(4.46) from the marginal bounds (see MarginalError);
// given names the assumption behind the tail bound (see tailFrom; "" for an uncertified
// one). O(|I_r|).
func MarginalErrors(lhat, uhat []float64, tail float64, given string) *MarginalError {
	lsum, usum := massOf(lhat), massOf(uhat)
	e := &MarginalError{
		TVLower:  &Number{Value: 1 - lsum, Certified: true},
		UpperMin: &Number{Value: usum - 1, Certified: true},
	}
	if tail > 0 {
		e.TVUpper = &Number{Value: math.Max(usum-1+tail, tail), Certified: true, Given: given}
		e.L1Upper = &Number{Value: usum - 1 + 2*tail, Certified: true, Given: given}
	}
	return e
}

// BoundErrors fills the error report of state-wise bounds l ≤ π ≤ u on S (seed-003 §2.3)
// given a tail bound m_r ≤ tail (0 when none): ‖l − π‖_TV = ‖l − π‖_1 = 1 − l(S) (3.18),
// certified given the assumption behind the tail bound (on which l ≤ π rests); ‖u − π‖_TV
// ≤ max{u(S) − 1 + tail, tail} (3.20) and ‖u − π‖_1 ≤ u(S) − 1 + 2·tail (3.21), which need
// it too. Mass is u(S). ita and ilp both report through it. O(|S|).
func BoundErrors(l, u []float64, tail float64, given string) *ErrorReport {
	lsum, usum := massOf(l), massOf(u)
	e := &ErrorReport{
		Mass:    &Number{Value: usum, Certified: true},
		TVLower: &Number{Value: 1 - lsum, Certified: true},
	}
	if tail > 0 {
		// l ≤ π rests on the tail bound too (l = 0 without one).
		e.TVLower.Certified, e.TVLower.Given = given != "", given
		e.TailBound = &Number{Value: tail, Certified: given != "", Given: given}
		e.TVUpper = &Number{Value: math.Max(usum-1+tail, tail), Certified: given != "", Given: given}
		e.L1Upper = &Number{Value: usum - 1 + 2*tail, Certified: given != "", Given: given}
	}
	return e
}

func massOf(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

// SpeciesValues groups the states of S by the count of species k: the sorted values i with
// A_i ∩ S ≠ ∅ (the set I_r of (4.43)) and, for each state, the position of its value in
// that list. O(|S| log |S|).
func SpeciesValues(t *Truncation, k int) (values []int, pos []int) {
	n := t.NumStates()
	seen := map[int]bool{}
	for x := 0; x < n; x++ {
		v := int(t.Key(x)[k])
		if !seen[v] {
			seen[v] = true
			values = append(values, v)
		}
	}
	sort.Ints(values)
	at := make(map[int]int, len(values))
	for i, v := range values {
		at[v] = i
	}
	pos = make([]int, n)
	for x := 0; x < n; x++ {
		pos[x] = at[int(t.Key(x)[k])]
	}
	return values, pos
}

// MarginalsFromBounds returns, for every species, the marginal bounds obtained by summing
// state-wise bounds l ≤ π ≤ u over A_i ∩ S: l̂(i) = Σ l is a lower bound on π̂(i); û(i) =
// Σ u bounds π(A_i ∩ S) only, not π̂(i) (4.43), and is labelled so (UpperIsBound false).
// Marginal bounds computed directly (min and max over z of π^z(A_i) in ITA, an LP per value
// in ILP) are tighter: build those with NewMarginal. O(d·|S| log |S|).
func MarginalsFromBounds(t *Truncation, l, u []float64, tail float64, given string) map[string]*Marginal {
	out := map[string]*Marginal{}
	for k, name := range t.Species {
		values, pos := SpeciesValues(t, k)
		lh, uh := make([]float64, len(values)), make([]float64, len(values))
		for x, i := range pos {
			lh[i] += l[x]
			uh[i] += u[x]
		}
		out[name] = NewMarginal(values, nil, lh, uh, tail, given)
	}
	return out
}

// NewMarginal assembles the marginal of one species from its values, an approximation p
// (nil for bounding schemes) and the bounds l̂, û, with the errors (4.44)–(4.46).
// Lower bounds below 0 (solver round-off such as −1e-19, seed-003 pitfall 10) are clamped
// to 0. O(|I_r|).
func NewMarginal(values []int, p, lhat, uhat []float64, tail float64, given string) *Marginal {
	for i, v := range lhat {
		lhat[i] = math.Max(v, 0)
	}
	m := &Marginal{Values: values, P: p, Lower: lhat, Upper: uhat}
	if lhat != nil && uhat != nil {
		m.Error = MarginalErrors(lhat, uhat, tail, given)
	}
	return m
}
