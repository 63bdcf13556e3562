// Package linalg holds the numerical kernels that the analyses share: the sparse matrix
// type, and (as they move here) the linear solvers and matrix equations.
package linalg

// CSR is a sparse matrix in compressed sparse row form. Row i has the column indices
// Col[RowPtr[i]:RowPtr[i+1]] (strictly increasing) and the values Val[RowPtr[i]:RowPtr[i+1]].
type CSR struct {
	Rows, Cols int
	RowPtr     []int
	Col        []int32
	Val        []float64
}

// At returns the element (i, j), 0 if it is not stored. It costs O(log(row length)).
func (a *CSR) At(i, j int) float64 {
	lo, hi := a.RowPtr[i], a.RowPtr[i+1]
	for lo < hi {
		mid := (lo + hi) / 2
		switch c := int(a.Col[mid]); {
		case c == j:
			return a.Val[mid]
		case c < j:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return 0
}

// NNZ returns the number of stored elements.
func (a *CSR) NNZ() int { return len(a.Val) }

// Transpose returns aᵀ in CSR form, with sorted columns. O(rows + cols + nnz).
func (a *CSR) Transpose() *CSR {
	t := &CSR{Rows: a.Cols, Cols: a.Rows, RowPtr: make([]int, a.Cols+1),
		Col: make([]int32, len(a.Col)), Val: make([]float64, len(a.Val))}
	for _, c := range a.Col {
		t.RowPtr[c+1]++
	}
	for i := 0; i < a.Cols; i++ {
		t.RowPtr[i+1] += t.RowPtr[i]
	}
	next := append([]int(nil), t.RowPtr[:a.Cols]...)
	for i := 0; i < a.Rows; i++ {
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			c := a.Col[p]
			q := next[c]
			next[c]++
			t.Col[q] = int32(i)
			t.Val[q] = a.Val[p]
		}
	}
	return t
}

// VecMul sets dst = xᵀ a (a row vector times the matrix); dst has length Cols.
func (a *CSR) VecMul(dst, x []float64) {
	for j := range dst {
		dst[j] = 0
	}
	for i := 0; i < a.Rows; i++ {
		xi := x[i]
		if xi == 0 {
			continue
		}
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			dst[a.Col[p]] += xi * a.Val[p]
		}
	}
}

// MulVec sets dst = a x; dst has length Rows. O(nnz).
func (a *CSR) MulVec(dst, x []float64) {
	for i := 0; i < a.Rows; i++ {
		s := 0.0
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			s += a.Val[p] * x[a.Col[p]]
		}
		dst[i] = s
	}
}
