package linalg

import (
	"fmt"
	"math"
)

// Preconditioner is an approximate inverse M⁻¹ of a matrix, applied by Solve.
type Preconditioner interface {
	// Solve sets x = M⁻¹ b; x and b may be the same slice.
	Solve(x, b []float64)
}

// ILU0 is the incomplete LU factorisation with the sparsity pattern of the matrix
// (Saad 2003, Iterative Methods for Sparse Linear Systems, §10.3.2): L is unit lower
// triangular and U upper triangular, stored together in one value array parallel to the
// matrix's. It implements Preconditioner.
type ILU0 struct {
	a    *CSR
	lu   []float64
	diag []int // position of the diagonal in each row
}

// NewILU0 factorises a, which must be square with sorted columns and every diagonal stored
// (else it returns an error, as it does for a zero or NaN pivot). The factor refers to a's
// pattern, which must not change while it is used. O(Σ_i Σ_{k∈row i} |row k|) time,
// O(nnz) memory.
func NewILU0(a *CSR) (*ILU0, error) {
	if a.Rows != a.Cols {
		return nil, fmt.Errorf("linalg: ILU(0) of a %d×%d matrix", a.Rows, a.Cols)
	}
	n := a.Rows
	f := &ILU0{a: a, lu: append([]float64(nil), a.Val...), diag: make([]int, n)}
	pos := make([]int, n)
	for i := range pos {
		pos[i] = -1
	}
	for i := 0; i < n; i++ {
		f.diag[i] = -1
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			pos[a.Col[p]] = p
			if int(a.Col[p]) == i {
				f.diag[i] = p
			}
		}
		if f.diag[i] < 0 {
			return nil, fmt.Errorf("linalg: ILU(0): row %d has no diagonal", i)
		}
		for p := a.RowPtr[i]; p < f.diag[i]; p++ {
			k := int(a.Col[p])
			f.lu[p] /= f.lu[f.diag[k]]
			lik := f.lu[p]
			for q := f.diag[k] + 1; q < a.RowPtr[k+1]; q++ {
				if t := pos[a.Col[q]]; t >= 0 {
					f.lu[t] -= lik * f.lu[q]
				}
			}
		}
		if d := f.lu[f.diag[i]]; d == 0 || math.IsNaN(d) {
			return nil, fmt.Errorf("linalg: ILU(0): pivot %g in row %d", d, i)
		}
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			pos[a.Col[p]] = -1
		}
	}
	return f, nil
}

// Solve sets x = (LU)⁻¹ b by a forward and a backward substitution, O(nnz); x and b may
// be the same slice.
func (f *ILU0) Solve(x, b []float64) {
	// Row slices are hoisted out of the inner loops (one bounds check per row, not per
	// entry): this loop is most of the work of a preconditioned iterative solve. The
	// arithmetic is unchanged (same order, a division by U_ii), so results are too.
	a := f.a
	n := a.Rows
	ptr, diag, dv := a.RowPtr[:n+1], f.diag[:n], f.lu
	x, b = x[:n], b[:n]
	for i := range n {
		lo, d := ptr[i], diag[i]
		cols := a.Col[lo:d]
		vals := f.lu[lo:d]
		vals = vals[:len(cols)]
		s := b[i]
		for k, c := range cols {
			s -= vals[k] * x[c]
		}
		x[i] = s
	}
	for i := n - 1; i >= 0; i-- {
		d, hi := diag[i]+1, ptr[i+1]
		cols := a.Col[d:hi]
		vals := f.lu[d:hi]
		vals = vals[:len(cols)]
		s := x[i]
		for k, c := range cols {
			s -= vals[k] * x[c]
		}
		x[i] = s / dv[diag[i]]
	}
}

// SolveTrans sets x = (LU)⁻ᵀ b = L⁻ᵀU⁻ᵀ b, a preconditioner for aᵀ from the factors of a:
// the rows of U and L serve as the columns of Uᵀ and Lᵀ (column-oriented substitution), so
// a and aᵀ share one factorisation. O(nnz); x and b may be the same slice.
func (f *ILU0) SolveTrans(x, b []float64) {
	a := f.a
	n := a.Rows
	ptr, diag, dv := a.RowPtr[:n+1], f.diag[:n], f.lu
	x = x[:n]
	copy(x, b)
	for i := range n { // Uᵀ, lower triangular
		xi := x[i] / dv[diag[i]]
		x[i] = xi
		d, hi := diag[i]+1, ptr[i+1]
		cols := a.Col[d:hi]
		vals := f.lu[d:hi]
		vals = vals[:len(cols)]
		for k, c := range cols {
			x[c] -= vals[k] * xi
		}
	}
	for i := n - 1; i >= 0; i-- { // Lᵀ, unit upper triangular
		xi := x[i]
		lo, d := ptr[i], diag[i]
		cols := a.Col[lo:d]
		vals := f.lu[lo:d]
		vals = vals[:len(cols)]
		for k, c := range cols {
			x[c] -= vals[k] * xi
		}
	}
}

// Trans returns the preconditioner x ↦ (LU)⁻ᵀ x (SolveTrans), for a solver of aᵀ y = c.
func (f *ILU0) Trans() Preconditioner { return iluTrans{f} }

type iluTrans struct{ f *ILU0 }

func (t iluTrans) Solve(x, b []float64) { t.f.SolveTrans(x, b) }
