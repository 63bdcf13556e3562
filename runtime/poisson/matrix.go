package poisson

import (
	"fmt"
	"math"

	"github.com/mfcproject/mfc/runtime/linalg"
	"gonum.org/v1/gonum/mat"
)

// FromDense returns the non-zero elements of m as a CSR matrix, for chains given densely
// (linalg.FromDense). O(rows·cols).
func FromDense(m mat.Matrix) *linalg.CSR { return linalg.FromDense(m) }

// fromGenerator returns A = −Q with the diagonal rebuilt as the sum of the off-diagonal
// rates, after checking Q.
func fromGenerator(q *linalg.CSR) (*linalg.CSR, error) {
	return offDiagonal(q, "generator", func(diag, off float64) bool {
		return math.Abs(diag+off) <= 1e-9*math.Max(off, math.Abs(diag))
	})
}

// fromTransition returns A = I − P with the diagonal rebuilt as Σ_{j≠i} p_ij, after
// checking P.
func fromTransition(p *linalg.CSR) (*linalg.CSR, error) {
	return offDiagonal(p, "transition matrix", func(diag, off float64) bool {
		return diag >= 0 && math.Abs(diag+off-1) <= 1e-9
	})
}

// offDiagonal builds A from the off-diagonal elements of m (A_ij = −m_ij, A_ii = Σ_{j≠i} m_ij),
// with every diagonal stored; the off-diagonal elements must be finite and ≥ 0 and rowOK must
// accept each row's diagonal and off-diagonal sum. O(nnz + n).
func offDiagonal(m *linalg.CSR, what string, rowOK func(diag, off float64) bool) (*linalg.CSR, error) {
	n := m.Rows
	if m.Cols != n || n == 0 {
		panic(fmt.Sprintf("poisson: the %s is %d×%d, not square and non-empty", what, m.Rows, m.Cols))
	}
	a := &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, n+1),
		Col: make([]int32, 0, m.NNZ()+n), Val: make([]float64, 0, m.NNZ()+n)}
	for i := 0; i < n; i++ {
		diag, off := 0.0, 0.0
		for p := m.RowPtr[i]; p < m.RowPtr[i+1]; p++ {
			j, v := int(m.Col[p]), m.Val[p]
			switch {
			case math.IsNaN(v) || math.IsInf(v, 0):
				return nil, fmt.Errorf("poisson: %s element (%d, %d) is %g", what, i, j, v)
			case j == i:
				diag = v
			case v < 0:
				return nil, fmt.Errorf("poisson: %s element (%d, %d) = %g is negative", what, i, j, v)
			default:
				off += v
			}
		}
		if !rowOK(diag, off) {
			return nil, fmt.Errorf("poisson: row %d of the %s is not one of a chain (diagonal %g, off-diagonal sum %g)", i, what, diag, off)
		}
		start := len(a.Val)
		for p := m.RowPtr[i]; p < m.RowPtr[i+1]; p++ {
			if j := int(m.Col[p]); j != i && m.Val[p] != 0 {
				a.Col = append(a.Col, int32(j))
				a.Val = append(a.Val, -m.Val[p])
			}
		}
		insertDiagonal(a, start, i, off)
		a.RowPtr[i+1] = len(a.Val)
	}
	return a, nil
}

// insertDiagonal inserts the element (i, i) = v into row i, stored from start to the end of
// a, keeping its columns sorted (the input's columns are sorted).
func insertDiagonal(a *linalg.CSR, start, i int, v float64) {
	k := start
	for k < len(a.Col) && int(a.Col[k]) < i {
		k++
	}
	a.Col = append(a.Col, 0)
	a.Val = append(a.Val, 0)
	copy(a.Col[k+1:], a.Col[k:])
	copy(a.Val[k+1:], a.Val[k:])
	a.Col[k], a.Val[k] = int32(i), v
}

// Unreached returns a state that no path of non-zero off-diagonal elements of m leads to
// from state 0, or −1. NewCTMC and NewDTMC refuse such a chain with
// &ReducibleError{From: 0, To: s}, the same s, which a caller holding a checked matrix can
// report without building the chain. O(n + nnz).
func Unreached(m *linalg.CSR) int { return unreached(m) }

// unreached returns a state not reached from state 0 in the graph of a, or −1.
func unreached(a *linalg.CSR) int {
	seen := make([]bool, a.Rows)
	seen[0] = true
	queue := []int{0}
	for len(queue) > 0 {
		i := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			if j := int(a.Col[p]); !seen[j] && a.Val[p] != 0 {
				seen[j] = true
				queue = append(queue, j)
			}
		}
	}
	for i, s := range seen {
		if !s {
			return i
		}
	}
	return -1
}

// diagScale returns σ = max_i |A_ii|, or 1 for a chain without transitions (one state).
func diagScale(a *linalg.CSR) float64 {
	s := 0.0
	for i := 0; i < a.Rows; i++ {
		s = math.Max(s, math.Abs(a.At(i, i)))
	}
	if s == 0 {
		return 1
	}
	return s
}

// bordered returns M = A + σ1e_nᵀ in CSR form: the pattern of A and its last column.
func bordered(a *linalg.CSR, sigma float64) *linalg.CSR {
	n := a.Rows
	m := &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, n+1),
		Col: make([]int32, 0, a.NNZ()+n), Val: make([]float64, 0, a.NNZ()+n)}
	for i := 0; i < n; i++ {
		last := sigma
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			if int(a.Col[p]) == n-1 {
				last += a.Val[p]
				continue
			}
			m.Col = append(m.Col, a.Col[p])
			m.Val = append(m.Val, a.Val[p])
		}
		m.Col = append(m.Col, int32(n-1))
		m.Val = append(m.Val, last)
		m.RowPtr[i+1] = len(m.Val)
	}
	return m
}

// borderedDense returns M = A + σ1e_nᵀ as a dense matrix.
func borderedDense(a *linalg.CSR, sigma float64) *mat.Dense {
	n := a.Rows
	m := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			m.Set(i, int(a.Col[p]), a.Val[p])
		}
		m.Set(i, n-1, m.At(i, n-1)+sigma)
	}
	return m
}
