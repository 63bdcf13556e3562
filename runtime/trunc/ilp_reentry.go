package trunc

import (
	"fmt"
	"math"
)

// TODO(trunc-direct): this file is a private stand-in for the ita scheme's re-entry
// vectors (runtime/trunc/ita*.go on the trunc-direct branch), written because ilp needs
// them and ita is not on this branch. Replace reentryVectors by ita's solver when the
// branches meet; the column solve (solveCol), which certifies ilp's bounds in re-entry
// coordinates, has to move along with it.

// maxReentryStates caps the dense factorisation below (n² float64: 50 MB at 2 500 states);
// larger truncations use the direct LP.
const maxReentryStates = 2500

// gthLU is an LU factorisation of A = −Q_r without pivoting in which every pivot is
// computed as a sum of rates (Grassmann–Taksar–Heyman): eliminating a state of the leaking
// chain Q_r redirects its rates to the states left and its leak to their leaks, and the
// pivot is the reduced state's total exit rate (off-diagonal rates plus leak), never a
// difference. Row solves y·A = e_z then involve no subtraction (each component to a
// relative accuracy of order n·ε, as GTH), which matters when π spans many orders of
// magnitude (seed-003 §5.1.4).
type gthLU struct {
	n     int
	order []int     // order[p] = the state eliminated p-th
	pos   []int     // pos[x] = position of state x
	a     []float64 // a[p*n+q], p ≠ q: rate of the reduced chain, in positions
	s     []float64 // s[p]: the pivot (exit rate) of position p
}

// newGTHLU factorises −Q_r eliminating the states in the given order (a permutation of
// 0..n−1). It fails when a pivot vanishes: a set of states of S that never leaves S nor
// reaches the states eliminated later, so that Q_r is singular. O(n²) memory, O(n² + fill
// work) time: O(n·b²) for a band b.
func newGTHLU(t *Truncation, order []int) (*gthLU, error) {
	n := t.NumStates()
	f := &gthLU{n: n, order: order, pos: make([]int, n), a: make([]float64, n*n), s: make([]float64, n)}
	for p, x := range order {
		f.pos[x] = p
	}
	leak := make([]float64, n)
	for x := 0; x < n; x++ {
		p := f.pos[x]
		leak[p] = t.Out[x]
		for k := t.Q.RowPtr[x]; k < t.Q.RowPtr[x+1]; k++ {
			if y := int(t.Q.Col[k]); y != x {
				f.a[p*n+f.pos[y]] = t.Q.Val[k]
			}
		}
	}
	var cols, rows []int
	for k := 0; k < n; k++ {
		rowK := f.a[k*n : (k+1)*n]
		cols = cols[:0]
		s := leak[k]
		for j := k + 1; j < n; j++ {
			if rowK[j] != 0 {
				cols = append(cols, j)
				s += rowK[j]
			}
		}
		if !(s > 0) {
			return nil, fmt.Errorf("trunc: Q_r is singular: state %s cannot leave S or reach the states eliminated after it", t.StateString(order[k]))
		}
		f.s[k] = s
		rows = rows[:0]
		for i := k + 1; i < n; i++ {
			if f.a[i*n+k] != 0 {
				rows = append(rows, i)
			}
		}
		for _, i := range rows {
			m := f.a[i*n+k] / s
			rowI := f.a[i*n : (i+1)*n]
			for _, j := range cols {
				if j != i {
					rowI[j] += m * rowK[j]
				}
			}
			leak[i] += m * leak[k]
		}
	}
	return f, nil
}

// solveRow returns y with y·(−Q_r) = e_z, the expected time spent in each state of S
// before leaving S when starting from z: nonnegative, computed without subtraction.
// O(n²).
func (f *gthLU) solveRow(z int) []float64 {
	n := f.n
	w := make([]float64, n)
	pz := f.pos[z]
	w[pz] = 1 / f.s[pz]
	for k := pz + 1; k < n; k++ {
		acc := 0.0
		for j := pz; j < k; j++ {
			if w[j] != 0 {
				acc += w[j] * f.a[j*n+k]
			}
		}
		w[k] = acc / f.s[k]
	}
	yp := w
	for k := n - 2; k >= 0; k-- {
		acc := 0.0
		for i := k + 1; i < n; i++ {
			if v := f.a[i*n+k]; v != 0 {
				acc += yp[i] * v
			}
		}
		yp[k] += acc / f.s[k]
	}
	y := make([]float64, n)
	for p, x := range f.order {
		y[x] = yp[p]
	}
	return y
}

// solveCol returns v with (−Q_r)·v = b. b may have both signs, so subtractions occur: it
// serves to build LP multipliers, whose bound is then certified independently. O(n²).
func (f *gthLU) solveCol(b []float64) []float64 {
	n := f.n
	c := make([]float64, n)
	for p, x := range f.order {
		c[p] = b[x]
	}
	for k := 0; k < n; k++ {
		if c[k] == 0 {
			continue
		}
		m := c[k] / f.s[k]
		for i := k + 1; i < n; i++ {
			if v := f.a[i*n+k]; v != 0 {
				c[i] += v * m
			}
		}
	}
	for k := n - 1; k >= 0; k-- {
		acc := c[k]
		rowK := f.a[k*n : (k+1)*n]
		for j := k + 1; j < n; j++ {
			if rowK[j] != 0 {
				acc += rowK[j] * c[j]
			}
		}
		c[k] = acc / f.s[k]
	}
	v := make([]float64, n)
	for p, x := range f.order {
		v[x] = c[p]
	}
	return v
}

// reentry holds the TA vectors π^z of every z ∈ B_i (seed-003 (C.8): π^z is row z of
// (−Q_r)^{-1}, normalised) and the factorisation they came from.
type reentryBasis struct {
	lu *gthLU
	// pi[k] is π^z for z = t.In[k]; mass[k] = Σ_x y_z(x), the expected time in S from z
	// (1/mass[k] is the outflow rate O_r of π^z).
	pi   [][]float64
	mass []float64
}

// reentryVectors computes π^z for every z in the in-boundary, eliminating the states
// outside B_i first (in their order in S) and B_i last. It fails when Q_r is singular or
// S has more than maxReentryStates states. O(n² + |B_i|·n²).
func reentryVectors(t *Truncation) (*reentryBasis, error) {
	n := t.NumStates()
	if n > maxReentryStates {
		return nil, fmt.Errorf("trunc: %d states exceed the %d of the dense re-entry solver", n, maxReentryStates)
	}
	if len(t.In) == 0 {
		return nil, fmt.Errorf("trunc: the in-boundary is empty")
	}
	order := append(t.Interior(), t.In...)
	lu, err := newGTHLU(t, order)
	if err != nil {
		return nil, err
	}
	r := &reentryBasis{lu: lu}
	for _, z := range t.In {
		y := lu.solveRow(z)
		m := massOf(y)
		if !(m > 0) || math.IsInf(m, 0) {
			return nil, fmt.Errorf("trunc: the re-entry vector of %s has mass %g", t.StateString(z), m)
		}
		for i := range y {
			y[i] /= m
		}
		r.pi = append(r.pi, y)
		r.mass = append(r.mass, m)
	}
	return r, nil
}
