// Package linalg holds the numerical kernels that the analyses share: the sparse matrix
// type, and (as they move here) the linear solvers and matrix equations.
package linalg

import (
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// CSR is a sparse matrix in compressed sparse row form. Row i has the column indices
// Col[RowPtr[i]:RowPtr[i+1]] (strictly increasing) and the values Val[RowPtr[i]:RowPtr[i+1]].
type CSR struct {
	Rows, Cols int
	RowPtr     []int
	Col        []int32
	Val        []float64
}

// FromDense returns the non-zero elements of m in CSR form. O(rows·cols).
func FromDense(m mat.Matrix) *CSR {
	r, c := m.Dims()
	s := &CSR{Rows: r, Cols: c, RowPtr: make([]int, r+1)}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if v := m.At(i, j); v != 0 {
				s.Col = append(s.Col, int32(j))
				s.Val = append(s.Val, v)
			}
		}
		s.RowPtr[i+1] = len(s.Val)
	}
	return s
}

// Dims returns the dimensions of a; with At and T, CSR implements gonum's mat.Matrix.
func (a *CSR) Dims() (r, c int) { return a.Rows, a.Cols }

// At returns the element (i, j), 0 if it is not stored or if Val is nil (a pattern).
// It panics with mat.ErrIndexOutOfRange outside the matrix and costs O(log(row length)).
func (a *CSR) At(i, j int) float64 {
	if uint(i) >= uint(a.Rows) || uint(j) >= uint(a.Cols) {
		panic(mat.ErrIndexOutOfRange)
	}
	lo, hi := a.RowPtr[i], a.RowPtr[i+1]
	for lo < hi {
		mid := (lo + hi) / 2
		switch c := int(a.Col[mid]); {
		case c == j:
			if a.Val == nil {
				return 0
			}
			return a.Val[mid]
		case c < j:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return 0
}

// T returns the transpose of a as a view; Transpose builds it in CSR form.
func (a *CSR) T() mat.Matrix { return mat.Transpose{Matrix: a} }

// ToDense copies a into dst, which must be empty or Rows × Cols (else it panics with
// mat.ErrShape). O(Rows·Cols).
func (a *CSR) ToDense(dst *mat.Dense) {
	if dst.IsEmpty() {
		dst.ReuseAs(a.Rows, a.Cols)
	} else if r, c := dst.Dims(); r != a.Rows || c != a.Cols {
		panic(mat.ErrShape)
	}
	dst.Zero()
	if a.Val == nil {
		return
	}
	for i := 0; i < a.Rows; i++ {
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			dst.Set(i, int(a.Col[p]), a.Val[p])
		}
	}
}

// NNZ returns the number of stored elements (of the pattern when Val is nil).
func (a *CSR) NNZ() int { return len(a.Col) }

// NormInf returns ‖a‖∞, the largest absolute row sum (0 for a pattern). O(nnz).
func (a *CSR) NormInf() float64 {
	s := 0.0
	if a.Val == nil {
		return s
	}
	for i := 0; i < a.Rows; i++ {
		s = math.Max(s, floats.Norm(a.Val[a.RowPtr[i]:a.RowPtr[i+1]], 1))
	}
	return s
}

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
		// Row slices hoisted out of the inner loop, as in mulRows.
		cols, vals := a.Col[a.RowPtr[i]:a.RowPtr[i+1]], a.Val[a.RowPtr[i]:a.RowPtr[i+1]]
		vals = vals[:len(cols)]
		for k, c := range cols {
			dst[c] += xi * vals[k]
		}
	}
}

// MulVec sets dst = a x; dst has length Rows. O(nnz).
func (a *CSR) MulVec(dst, x []float64) {
	// Large products are split by rows over the available cores: the rows are
	// independent, and each is summed in order, so the result does not depend on the split.
	if w := runtime.GOMAXPROCS(0); w > 1 && len(a.Val) >= parallelNNZ {
		var wg sync.WaitGroup
		step := (a.Rows + w - 1) / w
		for lo := 0; lo < a.Rows; lo += step {
			hi := min(lo+step, a.Rows)
			wg.Add(1)
			go func() {
				defer wg.Done()
				a.mulRows(dst, x, lo, hi)
			}()
		}
		wg.Wait()
		return
	}
	a.mulRows(dst, x, 0, a.Rows)
}

// parallelNNZ is the size (stored entries) from which MulVec uses several cores: about a
// millisecond of work, against a few microseconds to start the goroutines.
const parallelNNZ = 1 << 19

// mulRows sets dst[i] = (a x)_i for lo ≤ i < hi.
func (a *CSR) mulRows(dst, x []float64, lo, hi int) {
	// Row slices hoisted out of the inner loop (one bounds check per row, not per entry).
	ptr := a.RowPtr[lo : hi+1]
	dst = dst[lo:hi]
	p := ptr[0]
	for i := range dst {
		q := ptr[i+1]
		cols := a.Col[p:q]
		vals := a.Val[p:q]
		vals = vals[:len(cols)]
		s := 0.0
		for k, c := range cols {
			s += vals[k] * x[c]
		}
		dst[i] = s
		p = q
	}
}
