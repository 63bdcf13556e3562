package linalg

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Basis is an orthonormal basis P (d×r) of the null space {v : C v = 0} of an integer
// conservation-law matrix C (m×d): the directions in which a population model can move
// without changing its conserved totals. The analyses work in the reduced coordinates
// z = Pᵀ(x − x₀), where the Jacobian J of the drift becomes J_r = PᵀJP, singular no longer
// because of the laws. Every jump ℓ_j and every column of J lie in range(P), so the
// reduced equations are exact.
//
// A Basis is immutable once built and safe for concurrent use.
type Basis struct {
	// P is d×r with orthonormal columns; nil when r = 0 (the laws fix the state).
	P    *mat.Dense
	d, r int
	// ident reports P = I (no laws): the reductions and lifts are copies, O(d²) instead of
	// O(d³), and bit-identical to the products (every sum has one non-zero term).
	ident bool
}

// NullBasis returns the basis of {v : C v = 0} for the law matrix laws (m×d, m may be 0:
// then P = I), by a full SVD of C; rank-deficient laws are handled (singular values below
// 1e-10 times the largest count as zero). Cost O(m d² + d³).
func NullBasis(laws [][]int64, d int) *Basis {
	if len(laws) == 0 {
		p := mat.NewDense(d, d, nil)
		for i := 0; i < d; i++ {
			p.Set(i, i, 1)
		}
		return &Basis{P: p, d: d, r: d, ident: true}
	}
	c := mat.NewDense(len(laws), d, nil)
	for i, l := range laws {
		for j, v := range l {
			c.Set(i, j, float64(v))
		}
	}
	var svd mat.SVD
	if !svd.Factorize(c, mat.SVDFull) {
		panic("linalg: NullBasis: SVD of the conservation laws failed")
	}
	sv := svd.Values(nil)
	rank := 0
	for _, s := range sv {
		if s > 1e-10*sv[0] {
			rank++
		}
	}
	if rank == d {
		return &Basis{d: d}
	}
	var v mat.Dense
	svd.VTo(&v)
	p := mat.NewDense(d, d-rank, nil)
	p.Copy(v.Slice(0, d, rank, d))
	return &Basis{P: p, d: d, r: d - rank}
}

// Dims returns d, the dimension of the full space, and r, that of the reduced one.
func (b *Basis) Dims() (d, r int) { return b.d, b.r }

// Identity reports P = I (no conservation laws): then PᵀAP = A, and a caller that only
// reads the reduced matrix may use A itself instead of Reduce's copy. O(1).
func (b *Basis) Identity() bool { return b.ident }

// Reduce returns PᵀAP (r×r) for a d×d A. Cost O(d²r).
func (b *Basis) Reduce(a mat.Matrix) *mat.Dense {
	if b.ident {
		return mat.DenseCopyOf(a)
	}
	var ap, r mat.Dense
	ap.Mul(a, b.P)
	r.Mul(b.P.T(), &ap)
	return &r
}

// ReduceSym returns PᵀQP (r×r) for a symmetric d×d Q, symmetrised. Cost O(d²r).
func (b *Basis) ReduceSym(q mat.Symmetric) *mat.SymDense {
	if b.ident {
		return copySym(q)
	}
	return sym(b.Reduce(q))
}

// LiftSym returns P W Pᵀ (d×d) for a symmetric r×r W, symmetrised. Cost O(d²r).
func (b *Basis) LiftSym(w mat.Symmetric) *mat.SymDense {
	if b.ident {
		return copySym(w)
	}
	var wp, full mat.Dense
	wp.Mul(w, b.P.T())
	full.Mul(b.P, &wp)
	return sym(&full)
}

// Lift returns P X Pᵀ (d×d) for an r×r X. Cost O(d²r).
func (b *Basis) Lift(x mat.Matrix) *mat.Dense {
	if b.ident {
		return mat.DenseCopyOf(x)
	}
	var xp, full mat.Dense
	xp.Mul(x, b.P.T())
	full.Mul(b.P, &xp)
	return &full
}

// Lyapunov solves A W + W Aᵀ + Q = 0 on range(P) for a symmetric Q whose rows and columns
// lie in range(P), given the reduced ar = PᵀAP: W_r solves ar W_r + W_r arᵀ + PᵀQP = 0
// (Lyapunov, Bartels–Stewart) and W = P W_r Pᵀ. It returns W (d×d) and W_r (r×r); both are
// zero-sized or zero when r = 0. Cost O(d²r + r³).
func (b *Basis) Lyapunov(ar *mat.Dense, q mat.Symmetric) (w, wr *mat.SymDense, err error) {
	if b.r == 0 {
		return mat.NewSymDense(b.d, nil), mat.NewSymDense(0, nil), nil
	}
	wr, err = Lyapunov(ar, b.ReduceSym(q))
	if err != nil {
		return nil, nil, err
	}
	return b.LiftSym(wr), wr, nil
}

// LyapunovStable is Lyapunov for a Hurwitz ar (the caller has checked it): the reduced
// equation is solved by LyapunovStable, on the closure of the support of PᵀQP under the
// pattern of ar only (exact; see support.go). Cost O(d²r + r·|S| + |S|³).
func (b *Basis) LyapunovStable(ar *mat.Dense, q mat.Symmetric) (w, wr *mat.SymDense, err error) {
	w, wr, _, err = b.LyapunovStableMethod(ar, q)
	return w, wr, err
}

// LyapunovStableMethod is LyapunovStable that also names the method (LyapunovStableMethod).
func (b *Basis) LyapunovStableMethod(ar *mat.Dense, q mat.Symmetric) (w, wr *mat.SymDense, method string, err error) {
	if b.r == 0 {
		return mat.NewSymDense(b.d, nil), mat.NewSymDense(0, nil), MethodBartelsStewart, nil
	}
	wr, method, err = LyapunovStableMethod(ar, b.ReduceSym(q))
	if err != nil {
		return nil, nil, "", err
	}
	return b.LiftSym(wr), wr, method, nil
}

// LyapunovGeneral is Lyapunov for a general (not necessarily symmetric) C:
// A X + X Aᵀ + C = 0 on range(P), X = P X_r Pᵀ with ar X_r + X_r arᵀ + PᵀCP = 0.
// Cost O(d²r + r³).
func (b *Basis) LyapunovGeneral(ar *mat.Dense, c mat.Matrix) (*mat.Dense, error) {
	if b.r == 0 {
		return mat.NewDense(b.d, b.d, nil), nil
	}
	xr, err := LyapunovGeneral(ar, b.Reduce(c))
	if err != nil {
		return nil, err
	}
	return b.Lift(xr), nil
}

// Solve returns P ar⁻¹ Pᵀ v, the solution z in range(P) of A z = v for v in range(P),
// given the reduced ar = PᵀAP (an r×r matrix or its *mat.LU). Cost O(dr + r³) (O(dr + r²)
// for an LU).
func (b *Basis) Solve(ar mat.Matrix, v []float64) ([]float64, error) {
	out := make([]float64, b.d)
	if b.r == 0 {
		return out, nil
	}
	var rhs, z mat.VecDense
	rhs.MulVec(b.P.T(), mat.NewVecDense(b.d, v))
	if err := z.SolveVec(ar, &rhs); err != nil {
		return nil, fmt.Errorf("linalg: reduced solve: %w", err)
	}
	mat.NewVecDense(b.d, out).MulVec(b.P, &z)
	return out, nil
}

// copySym returns a copy of the symmetric q. O(d²).
func copySym(q mat.Symmetric) *mat.SymDense {
	out := mat.NewSymDense(q.SymmetricDim(), nil)
	out.CopySym(q)
	return out
}

// sym returns (A + Aᵀ)/2 for a square A.
func sym(a *mat.Dense) *mat.SymDense {
	n, _ := a.Dims()
	out := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			out.SetSym(i, j, (a.At(i, j)+a.At(j, i))/2)
		}
	}
	return out
}
