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
	a := f.a
	n := a.Rows
	for i := 0; i < n; i++ {
		s := b[i]
		for p := a.RowPtr[i]; p < f.diag[i]; p++ {
			s -= f.lu[p] * x[a.Col[p]]
		}
		x[i] = s
	}
	for i := n - 1; i >= 0; i-- {
		s := x[i]
		for p := f.diag[i] + 1; p < a.RowPtr[i+1]; p++ {
			s -= f.lu[p] * x[a.Col[p]]
		}
		x[i] = s / f.lu[f.diag[i]]
	}
}

// SolveTrans sets x = (LU)⁻ᵀ b = L⁻ᵀU⁻ᵀ b, a preconditioner for aᵀ from the factors of a:
// the rows of U and L serve as the columns of Uᵀ and Lᵀ (column-oriented substitution), so
// a and aᵀ share one factorisation. O(nnz); x and b may be the same slice.
func (f *ILU0) SolveTrans(x, b []float64) {
	a := f.a
	copy(x, b)
	for i := 0; i < a.Rows; i++ { // Uᵀ, lower triangular
		x[i] /= f.lu[f.diag[i]]
		for p := f.diag[i] + 1; p < a.RowPtr[i+1]; p++ {
			x[a.Col[p]] -= f.lu[p] * x[i]
		}
	}
	for i := a.Rows - 1; i >= 0; i-- { // Lᵀ, unit upper triangular
		for p := a.RowPtr[i]; p < f.diag[i]; p++ {
			x[a.Col[p]] -= f.lu[p] * x[i]
		}
	}
}

// Trans returns the preconditioner x ↦ (LU)⁻ᵀ x (SolveTrans), for a solver of aᵀ y = c.
func (f *ILU0) Trans() Preconditioner { return iluTrans{f} }

type iluTrans struct{ f *ILU0 }

func (t iluTrans) Solve(x, b []float64) { t.f.SolveTrans(x, b) }
