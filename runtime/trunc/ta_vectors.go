package trunc

import (
	"fmt"
	"math"
)

// reentryBasis holds the TA vectors π^z of every z ∈ B_i (seed-003 (C.8): π^z is row z of
// (−Q_r)^{-1}, normalised) and the level factorisation of −Q_r they came from. ita bounds
// π by their min and max (§3.4); ilp solves its LPs in their span (§3.6 [DERIVED]) and
// certifies its bounds with the column solve. One factorisation serves both: block
// elimination over the levels with a GTH diagonal (levelFactor), subtraction-free for the
// rows e_z, so that π^z keeps its relative accuracy across many orders of magnitude
// (seed-003 §5.1.4).
type reentryBasis struct {
	sys *levelSystem
	f   *levelFactor
	// in is B_i; vec[l] is the n_l × |B_i| matrix (row-major, the layout of
	// levelFactor.solveRows) of the normalised π^z restricted to level l, column k for
	// z = in[k].
	in  []int
	vec [][]float64
	// mass[k] = Σ_x y_z(x) for the unnormalised row y_z = e_z(−Q_r)^{-1}: the expected time
	// in S from z (1/mass[k] is the outflow rate O_r of π^z).
	mass []float64
}

// factorQr cuts t into levels and factorises −Q_r over them (ta, ita and ilp all solve on
// it). It fails when S holds a closed class. O(Σ_l n_l³ + nnz).
func factorQr(t *Truncation) (*levelFactor, error) {
	sys, err := newLevelSystem(t)
	if err != nil {
		return nil, err
	}
	return sys.factor(0)
}

// reentryVectors computes π^z for every z in the in-boundary with one factorisation of
// −Q_r and one block back-substitution for all z at once. It fails when B_i is empty, when
// S holds a closed class (Q_r singular) or when a vector has no finite positive mass.
// O(Σ_l n_l³ + Σ_l n_l²·|B_i| + nnz·|B_i|) time, O(Σ_l n_l² + |S|·|B_i|) memory.
func reentryVectors(t *Truncation) (*reentryBasis, error) {
	if len(t.In) == 0 {
		return nil, fmt.Errorf("trunc: the in-boundary of S is empty: no state is entered from outside S")
	}
	f, err := factorQr(t)
	if err != nil {
		return nil, err
	}
	sys := f.s
	m := len(t.In)
	b := make([][]float64, len(sys.states))
	for k, z := range t.In {
		l := sys.lev[z]
		if b[l] == nil {
			b[l] = make([]float64, len(sys.states[l])*m)
		}
		b[l][sys.pos[z]*m+k] = 1
	}
	f.solveRows(b, m)
	sum := make([]float64, m)
	for _, bl := range b {
		for i := 0; i < len(bl); i += m {
			for k, v := range bl[i : i+m] {
				sum[k] += v
			}
		}
	}
	for k, s := range sum {
		if !(s > 0) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("trunc: the re-entry vector of %s has mass %g", t.StateString(t.In[k]), s)
		}
	}
	for _, bl := range b {
		for i := 0; i < len(bl); i += m {
			for k := range bl[i : i+m] {
				bl[i+k] /= sum[k]
			}
		}
	}
	return &reentryBasis{sys: sys, f: f, in: t.In, vec: b, mass: sum}, nil
}

// vector returns π^z for z = in[k] as a vector over the states of S. O(|S|).
func (r *reentryBasis) vector(k int) []float64 { return r.f.scatter(r.vec, len(r.in), k) }

// vectors returns every π^z as a vector over S. O(|S|·|B_i|).
func (r *reentryBasis) vectors() [][]float64 {
	out := make([][]float64, len(r.in))
	for k := range out {
		out[k] = r.vector(k)
	}
	return out
}

// row returns the values π^z(x) of state x for every z (a view into vec, not a copy).
func (r *reentryBasis) row(x int) []float64 {
	m := len(r.in)
	i := r.sys.pos[x]
	return r.vec[r.sys.lev[x]][i*m : (i+1)*m]
}

// solveCol returns v with (−Q_r)·v = b on the same factorisation. b may have both signs,
// so subtractions occur: ilp uses it to build LP multipliers, whose bound is then certified
// independently. O(Σ_l n_l² + nnz).
func (r *reentryBasis) solveCol(b []float64) []float64 {
	s := r.sys
	c := make([][]float64, len(s.states))
	for l, st := range s.states {
		c[l] = make([]float64, len(st))
		for i, x := range st {
			c[l][i] = b[x]
		}
	}
	r.f.solveCols(c, 1)
	return r.f.scatter(c, 1, 0)
}
