package poisson

import (
	"context"
	"fmt"
	"math"

	"github.com/mfcproject/mfc/runtime/linalg"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Resolvent is a factorised nonsingular matrix M of one of the forms
//
//	I − qP     discounted resolvent of a transition matrix P, 0 < q < 1 (NewDiscountedDTMC)
//	αI − Q     discounted resolvent of a generator Q, α > 0            (NewDiscountedCTMC)
//	I − B      B the block of P on a set C left with probability 1     (NewTaboo)
//
// solved for columns (M x = b) and rows (y M = μ) through one factorisation: a dense LU up
// to Options.DenseMax states (O(n³) once, O(n²) a solve), else GMRES with ILU(0) of M
// (O(nnz + m·n) an iteration). Unlike Chain, M needs no border. The diagonal of M is
// rebuilt from the off-diagonal elements (1 − q p_ii = (1 − q) + q Σ_{j≠i} p_ij, and so on),
// so a diagonal close to 0 or 1 loses no digits. Its methods may be called from several
// goroutines.
type Resolvent struct {
	m     *linalg.CSR
	mt    *linalg.CSR // Mᵀ, for GMRES only
	norm  [2]float64  // ‖M‖∞, ‖Mᵀ‖∞ (the backward errors of the solves)
	fac   factor
	stats Stats
}

// NewDiscountedDTMC factorises M = I − qP for the transition matrix p (entries ≥ 0, rows
// summing to 1 up to 1e-9) and 0 < q < 1. Cost: see Resolvent.
func NewDiscountedDTMC(ctx context.Context, p *linalg.CSR, q float64, o *Options) (*Resolvent, error) {
	if !(q > 0 && q < 1) {
		return nil, fmt.Errorf("poisson: discount factor %v is not in (0, 1)", q)
	}
	a, err := fromTransition(p)
	if err != nil {
		return nil, err
	}
	// M = I − qP = (1 − q)I + qA, A = I − P with its rebuilt diagonal.
	m := scaleShift(a, q, 1-q)
	return newResolvent(ctx, m, o)
}

// NewDiscountedCTMC factorises M = αI − Q for the generator q (diagonal rebuilt from the
// off-diagonal rates) and α > 0. Cost: see Resolvent.
func NewDiscountedCTMC(ctx context.Context, q *linalg.CSR, alpha float64, o *Options) (*Resolvent, error) {
	if !(alpha > 0) || math.IsInf(alpha, 0) {
		return nil, fmt.Errorf("poisson: discount rate %v is not finite and > 0", alpha)
	}
	a, err := fromGenerator(q)
	if err != nil {
		return nil, err
	}
	return newResolvent(ctx, scaleShift(a, 1, alpha), o)
}

// NewTaboo factorises M = I − B for the transition matrix p and the continuation set C
// (inC[i] for state i ∈ C), B = P restricted to C×C; its rows and columns are the states
// of C in increasing order (Taboo returns them). M is nonsingular when C is left with
// probability 1 from every state of C; otherwise the error says which state cannot leave.
// Cost: O(nnz) to build, then see Resolvent.
func NewTaboo(ctx context.Context, p *linalg.CSR, inC []bool, o *Options) (*Resolvent, error) {
	if len(inC) != p.Rows {
		panic("poisson: len(inC) != number of states")
	}
	a, err := fromTransition(p)
	if err != nil {
		return nil, err
	}
	idx := Taboo(inC)
	m := restrict(a, inC, idx)
	if s := trapped(a, inC); s >= 0 {
		return nil, fmt.Errorf("poisson: state %d of the continuation set cannot leave it: the hitting time is infinite with positive probability", s)
	}
	return newResolvent(ctx, m, o)
}

// Taboo returns the states of C (inC[i] true) in increasing order. O(n).
func Taboo(inC []bool) []int {
	var idx []int
	for i, in := range inC {
		if in {
			idx = append(idx, i)
		}
	}
	return idx
}

// trapped returns a state of C from which no path along the non-zero off-diagonal
// elements of a leaves C, or −1. A breadth-first search backwards from the exits. O(n + nnz).
func trapped(a *linalg.CSR, inC []bool) int {
	at := a.Transpose()
	ok := make([]bool, a.Rows)
	var queue []int
	for i := 0; i < a.Rows; i++ {
		if !inC[i] {
			ok[i] = true
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		j := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for p := at.RowPtr[j]; p < at.RowPtr[j+1]; p++ {
			if i := int(at.Col[p]); !ok[i] && at.Val[p] != 0 {
				ok[i] = true
				queue = append(queue, i)
			}
		}
	}
	for i, v := range ok {
		if !v {
			return i
		}
	}
	return -1
}

// scaleShift sets a to s·a + shift·I, in place (a is the caller's own, from
// fromTransition or fromGenerator), and returns it; a has every diagonal stored
// (offDiagonal), so the shift lands on stored elements. O(nnz).
func scaleShift(a *linalg.CSR, s, shift float64) *linalg.CSR {
	for i := 0; i < a.Rows; i++ {
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			v := s * a.Val[p]
			if int(a.Col[p]) == i {
				v += shift
			}
			a.Val[p] = v
		}
	}
	return a
}

// restrict returns a on the rows and columns of C, renumbered by idx. O(nnz).
func restrict(a *linalg.CSR, inC []bool, idx []int) *linalg.CSR {
	pos := make([]int32, a.Rows)
	for k, i := range idx {
		pos[i] = int32(k)
	}
	n := len(idx)
	m := &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, n+1)}
	for k, i := range idx {
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			if j := int(a.Col[p]); inC[j] {
				m.Col = append(m.Col, pos[j])
				m.Val = append(m.Val, a.Val[p])
			}
		}
		m.RowPtr[k+1] = len(m.Col)
	}
	return m
}

func newResolvent(ctx context.Context, m *linalg.CSR, o *Options) (*Resolvent, error) {
	opt := o.withDefaults()
	r := &Resolvent{m: m}
	method := opt.method(m.Rows)
	r.stats.Method = method
	if method == Dense {
		// No Mᵀ: the row residuals multiply by M from the left (VecMul).
		r.norm = [2]float64{m.NormInf(), normOne(m)}
		d := mat.NewDense(m.Rows, m.Cols, nil)
		m.ToDense(d)
		f, err := newDenseFactor(d)
		if err != nil {
			return nil, err
		}
		r.fac = f
		return r, nil
	}
	r.mt = m.Transpose()
	r.norm = [2]float64{m.NormInf(), r.mt.NormInf()}
	ilu, err := linalg.NewILU0(m)
	if err != nil {
		return nil, err
	}
	r.fac = &krylov{k: m.Rows - 1, m: m, mt: r.mt, ilu: ilu, normA: r.norm,
		tol: opt.Tol, maxIter: opt.MaxIter, restart: opt.Restart, plain: true}
	return r, ctx.Err()
}

// normOne returns ‖m‖₁ = ‖mᵀ‖∞, the largest column sum of |m_ij|, each summed in the order
// of the rows (as mᵀ's NormInf sums it). O(nnz + n).
func normOne(m *linalg.CSR) float64 {
	sums := make([]float64, m.Cols)
	for i := 0; i < m.Rows; i++ {
		for p := m.RowPtr[i]; p < m.RowPtr[i+1]; p++ {
			sums[m.Col[p]] += math.Abs(m.Val[p])
		}
	}
	s := 0.0
	for _, v := range sums {
		s = math.Max(s, v)
	}
	return s
}

// N returns the order of M.
func (r *Resolvent) N() int { return r.m.Rows }

// Method returns the factorisation used.
func (r *Resolvent) Method() Method { return r.stats.Method }

// Solve sets dst = M⁻¹ b. dst and b have length N (else it panics) and may be the same
// slice. One solve with the factorisation.
func (r *Resolvent) Solve(ctx context.Context, dst, b []float64) (Stats, error) {
	return r.solve(ctx, dst, b, false)
}

// SolveRow sets dst = μ M⁻¹ (the row vector y with y M = μ). Sizes as for Solve.
func (r *Resolvent) SolveRow(ctx context.Context, dst, mu []float64) (Stats, error) {
	return r.solve(ctx, dst, mu, true)
}

func (r *Resolvent) solve(ctx context.Context, dst, b []float64, row bool) (Stats, error) {
	n := r.m.Rows
	if len(dst) != n || len(b) != n {
		panic("poisson: vector length differs from the order of the resolvent")
	}
	rhs := append([]float64(nil), b...)
	st := Stats{Method: r.stats.Method}
	var err error
	st.Iterations, err = r.fac.solve(ctx, dst, rhs, row)
	if err != nil {
		return st, err
	}
	ax := make([]float64, n)
	norm := r.norm[0]
	switch {
	case !row:
		r.m.MulVec(ax, dst)
	case r.mt != nil:
		norm = r.norm[1]
		r.mt.MulVec(ax, dst)
	default:
		// dst M summed in the order of Mᵀ dst: the same sums.
		norm = r.norm[1]
		r.m.VecMul(ax, dst)
	}
	floats.Sub(ax, rhs)
	if d := norm*floats.Norm(dst, math.Inf(1)) + floats.Norm(rhs, math.Inf(1)); d > 0 {
		st.Residual = floats.Norm(ax, math.Inf(1)) / d
	}
	return st, nil
}
