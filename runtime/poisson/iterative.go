package poisson

import (
	"context"
	"fmt"
	"math"

	"github.com/mfcproject/mfc/runtime/linalg"
)

// krylov solves with M by GMRES(restart) preconditioned on the right by ILU(0) of M. It is
// the one place that chooses the iterative method: when runtime/linalg has its own sparse
// solver, solve is the line to change.
type krylov struct {
	m, mt   *linalg.CSR // M and Mᵀ
	ilu     *ilu0
	tol     float64
	maxIter int
	restart int
}

func newKrylov(m *linalg.CSR, o Options) (*krylov, error) {
	f, err := factorILU0(m)
	if err != nil {
		return nil, err
	}
	return &krylov{m: m, mt: m.Transpose(), ilu: f, tol: o.Tol, maxIter: o.MaxIter, restart: o.Restart}, nil
}

// solve sets x = M⁻¹b (M⁻ᵀb) from the initial guess 0.
func (k *krylov) solve(ctx context.Context, x, b []float64, trans bool) (int, error) {
	op := &operator{m: k.m, ilu: k.ilu}
	if trans {
		op = &operator{m: k.mt, ilu: k.ilu, trans: true}
	}
	for i := range x {
		x[i] = 0
	}
	return gmres(ctx, op, x, b, k.tol, k.restart, k.maxIter)
}

// operator is M (or Mᵀ) with its preconditioner: ILU(0) ≈ LU, or ≈ UᵀLᵀ for Mᵀ.
type operator struct {
	m     *linalg.CSR
	ilu   *ilu0
	trans bool
}

func (o *operator) mul(dst, x []float64) { o.m.MulVec(dst, x) }

func (o *operator) precondition(dst, x []float64) {
	if o.trans {
		o.ilu.solveTrans(dst, x)
	} else {
		o.ilu.solve(dst, x)
	}
}

// gmres solves op x = b, from the given x, by restarted GMRES with right preconditioning:
// the Arnoldi process runs on op·P⁻¹ with modified Gram–Schmidt and Givens rotations, so the
// least-squares residual it minimises is the true residual ‖b − op x‖₂, and each restart
// recomputes that residual directly. It stops when ‖b − op x‖₂ ≤ tol·‖b‖₂, returning the
// iterations (products with op) used, or a *ConvergenceError after maxIter of them, or the
// context's error. Memory O(restart·n); an iteration costs one product, one preconditioner
// solve and O(j·n) for the orthogonalisation against j basis vectors.
func gmres(ctx context.Context, op *operator, x, b []float64, tol float64, restart, maxIter int) (int, error) {
	n := len(b)
	bnorm := norm2(b)
	if bnorm == 0 {
		return 0, nil
	}
	v := make([][]float64, restart+1)
	for i := range v {
		v[i] = make([]float64, n)
	}
	h := make([][]float64, restart+1) // h[i][j], the Hessenberg matrix
	for i := range h {
		h[i] = make([]float64, restart)
	}
	cs, sn, g, y := make([]float64, restart), make([]float64, restart), make([]float64, restart+1), make([]float64, restart)
	z, w := make([]float64, n), make([]float64, n)
	it := 0
	for {
		op.mul(w, x)
		for i := range w {
			v[0][i] = b[i] - w[i]
		}
		beta := norm2(v[0])
		if beta <= tol*bnorm {
			return it, nil
		}
		if it >= maxIter {
			return it, &ConvergenceError{Iterations: it, Residual: beta / bnorm, Tol: tol}
		}
		if err := ctx.Err(); err != nil {
			return it, err
		}
		scale(v[0], 1/beta)
		for i := range g {
			g[i] = 0
		}
		g[0] = beta
		j := 0
		for j < restart && it < maxIter {
			op.precondition(z, v[j])
			op.mul(w, z)
			it++
			for i := 0; i <= j; i++ {
				h[i][j] = dot(w, v[i])
				axpy(w, -h[i][j], v[i])
			}
			h[j+1][j] = norm2(w)
			breakdown := h[j+1][j] == 0
			if !breakdown {
				for i := range w {
					v[j+1][i] = w[i] / h[j+1][j]
				}
			}
			for i := 0; i < j; i++ {
				h[i][j], h[i+1][j] = cs[i]*h[i][j]+sn[i]*h[i+1][j], -sn[i]*h[i][j]+cs[i]*h[i+1][j]
			}
			r := math.Hypot(h[j][j], h[j+1][j])
			cs[j], sn[j] = h[j][j]/r, h[j+1][j]/r
			h[j][j], h[j+1][j] = r, 0
			g[j], g[j+1] = cs[j]*g[j], -sn[j]*g[j]
			j++
			if breakdown || math.Abs(g[j]) <= tol*bnorm {
				break
			}
			if j%10 == 0 && ctx.Err() != nil {
				break
			}
		}
		// y = H⁻¹g (upper triangular j×j); x += P⁻¹ V y.
		for i := j - 1; i >= 0; i-- {
			s := g[i]
			for l := i + 1; l < j; l++ {
				s -= h[i][l] * y[l]
			}
			y[i] = s / h[i][i]
		}
		for i := range w {
			w[i] = 0
		}
		for l := 0; l < j; l++ {
			axpy(w, y[l], v[l])
		}
		op.precondition(z, w)
		axpy(x, 1, z)
		if hasNaN(x) {
			return it, fmt.Errorf("poisson: GMRES produced NaN after %d iterations", it)
		}
	}
}

func norm2(x []float64) float64 { return math.Sqrt(dot(x, x)) }

func scale(x []float64, c float64) {
	for i := range x {
		x[i] *= c
	}
}

// axpy sets y += c·x.
func axpy(y []float64, c float64, x []float64) {
	for i, v := range x {
		y[i] += c * v
	}
}

func hasNaN(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return true
		}
	}
	return false
}

// ilu0 holds the incomplete factors M ≈ LU on the pattern of M: L unit lower triangular
// (strictly lower part of val), U upper triangular (diagonal and upper part).
type ilu0 struct {
	m    *linalg.CSR
	val  []float64
	diag []int // index of (i, i) in row i
}

// factorILU0 computes ILU(0) row by row (Saad 2003, Algorithm 10.4), scattering row i into
// a dense work row so that an update lands only where M has an element. Every diagonal
// must be stored. O(Σ_i Σ_{k<i, (i,k)∈M} |row k|).
func factorILU0(m *linalg.CSR) (*ilu0, error) {
	n := m.Rows
	f := &ilu0{m: m, val: append([]float64(nil), m.Val...), diag: make([]int, n)}
	work := make([]float64, n)
	owner := make([]int, n) // owner[j] = i+1 while row i holds column j
	for i := 0; i < n; i++ {
		lo, hi := m.RowPtr[i], m.RowPtr[i+1]
		f.diag[i] = -1
		for p := lo; p < hi; p++ {
			j := int(m.Col[p])
			work[j], owner[j] = f.val[p], i+1
			if j == i {
				f.diag[i] = p
			}
		}
		if f.diag[i] < 0 {
			return nil, fmt.Errorf("poisson: ILU(0): row %d has no diagonal", i)
		}
		for p := lo; p < f.diag[i]; p++ {
			k := int(m.Col[p])
			l := work[k] / f.val[f.diag[k]]
			work[k] = l
			for q := f.diag[k] + 1; q < m.RowPtr[k+1]; q++ {
				if j := int(m.Col[q]); owner[j] == i+1 {
					work[j] -= l * f.val[q]
				}
			}
		}
		for p := lo; p < hi; p++ {
			f.val[p] = work[m.Col[p]]
		}
		if d := f.val[f.diag[i]]; d == 0 || math.IsNaN(d) {
			return nil, fmt.Errorf("poisson: ILU(0): pivot %g in row %d", d, i)
		}
	}
	return f, nil
}

// solve sets x = (LU)⁻¹b: forward substitution with L, back substitution with U, row by
// row. x and b may be the same slice. O(nnz).
func (f *ilu0) solve(x, b []float64) {
	m := f.m
	for i := 0; i < m.Rows; i++ {
		s := b[i]
		for p := m.RowPtr[i]; p < f.diag[i]; p++ {
			s -= f.val[p] * x[m.Col[p]]
		}
		x[i] = s
	}
	for i := m.Rows - 1; i >= 0; i-- {
		s := x[i]
		for p := f.diag[i] + 1; p < m.RowPtr[i+1]; p++ {
			s -= f.val[p] * x[m.Col[p]]
		}
		x[i] = s / f.val[f.diag[i]]
	}
}

// solveTrans sets x = (LU)⁻ᵀb = L⁻ᵀU⁻ᵀb, the rows of U and L used as columns of Uᵀ and Lᵀ
// (column-oriented substitution). x and b may be the same slice. O(nnz).
func (f *ilu0) solveTrans(x, b []float64) {
	m := f.m
	copy(x, b)
	for i := 0; i < m.Rows; i++ { // Uᵀ, lower triangular
		x[i] /= f.val[f.diag[i]]
		for p := f.diag[i] + 1; p < m.RowPtr[i+1]; p++ {
			x[m.Col[p]] -= f.val[p] * x[i]
		}
	}
	for i := m.Rows - 1; i >= 0; i-- { // Lᵀ, unit upper triangular
		for p := m.RowPtr[i]; p < f.diag[i]; p++ {
			x[m.Col[p]] -= f.val[p] * x[i]
		}
	}
}
