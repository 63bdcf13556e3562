package trunc

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

func init() { Register("ldqbd", solveLDQBD) }

// solveLDQBD is the level-dependent quasi-birth–death scheme (seed-003 §3.2) with R^L = 0:
// downward, literally (4.21),
//
//	U_{L−1} = Q^{L−1},  R^l = −Q^{l−1}_+ U_l^{-1},  U_{l−1} = Q^{l−1} + R^l Q^l_−,
//
// then π_0 from π_0 U_0 = 0 (4.19) and Σ_l π_0 Γ^l 1 = 1 (4.20), Γ^l = R^1⋯R^l, and π_l =
// π_{l−1} R^l. The level-0 system has |L_0| + 1 equations: "norm" (the default) replaces the
// last equation of (4.19) by the normalisation, "lsq" takes the least-squares solution of the
// App. C.1 proof (not normalised). There is no error bound. O(Σ_l n_l³).
func solveLDQBD(ctx context.Context, t *Truncation, o *Options) (*Result, error) {
	mode := o.LDQBDSolve
	if mode == "" {
		mode = "norm"
	}
	if mode != "norm" && mode != "lsq" {
		return nil, fmt.Errorf("ldqbd: unknown level-0 solve %q (norm or lsq)", o.LDQBDSolve)
	}
	if _, ok := ownLevels(t); !ok {
		return nil, fmt.Errorf("ldqbd: the truncation has no level function whose jumps move at most one level (give --levels; seed-003 (4.15))")
	}
	sys, err := newLevelSystem(t)
	if err != nil {
		return nil, err
	}
	K := len(sys.states)
	R := make([][]float64, K) // R[l]: n_{l−1} × n_l, row-major
	var U []float64
	for l := K - 1; l >= 0; l-- {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		nl := len(sys.states[l])
		U = sys.denseBlock(l)
		if l+1 < K {
			// U_l += R^{l+1} Q^{l+1}_−
			rn := R[l+1]
			nu := len(sys.states[l+1])
			for _, dn := range sys.down[l+1] {
				for i := 0; i < nl; i++ {
					U[i*nl+int(dn.j)] += rn[i*nu+int(dn.i)] * dn.v
				}
			}
		}
		if l == 0 {
			break
		}
		// R^l = −Q^{l−1}_+ U_l^{-1}: solve U_lᵀ X = −(Q^{l−1}_+)ᵀ, R^l = Xᵀ.
		np := len(sys.states[l-1])
		x := make([]float64, nl*np)
		for _, u := range sys.up[l-1] {
			x[int(u.j)*np+int(u.i)] -= u.v
		}
		piv := make([]int, nl)
		a := blas64.General{Rows: nl, Cols: nl, Stride: nl, Data: U}
		if !lapack64.Getrf(a, piv) {
			return nil, fmt.Errorf("ldqbd: the matrix Q^%d + R^%d Q^%d_− is singular", l, l+1, l+1)
		}
		lapack64.Getrs(blas.Trans, a, blas64.General{Rows: nl, Cols: np, Stride: np, Data: x}, piv)
		r := make([]float64, np*nl)
		for i := 0; i < np; i++ {
			for j := 0; j < nl; j++ {
				r[i*nl+j] = x[j*np+i]
			}
		}
		R[l] = r
	}
	// s = Σ_l Γ^l 1 = 1 + R^1(1 + R^2(1 + …)).
	s := ones(len(sys.states[K-1]))
	for l := K - 1; l >= 1; l-- {
		np, nl := len(sys.states[l-1]), len(sys.states[l])
		next := ones(np)
		for i := 0; i < np; i++ {
			for j := 0; j < nl; j++ {
				next[i] += R[l][i*nl+j] * s[j]
			}
		}
		s = next
	}
	pi0, err := ldqbdLevel0(U, s, mode)
	if err != nil {
		return nil, err
	}
	pi := make([]float64, t.NumStates())
	cur := pi0
	for l := 0; l < K; l++ {
		if l > 0 {
			np, nl := len(sys.states[l-1]), len(sys.states[l])
			next := make([]float64, nl)
			for i := 0; i < np; i++ {
				for j := 0; j < nl; j++ {
					next[j] += cur[i] * R[l][i*nl+j]
				}
			}
			cur = next
		}
		for i, x := range sys.states[l] {
			pi[x] = cur[i]
		}
	}
	res := newResult(t, "ldqbd")
	res.Distribution = pi
	out := outflow(t, pi)
	res.Error = &ErrorReport{Outflow: &out}
	res.Diagnostics = &Diagnostics{Solver: "R^l by (4.21) downward from R^L = 0 over " + sys.Source + "; level 0 by " + map[string]string{
		"norm": "dropping the last balance equation and normalising",
		"lsq":  "least squares (App. C.1), not normalised"}[mode], Precision: "double", DynamicRange: dynamicRange(pi)}
	res.Notes = append(res.Notes, "ldqbd has no computable error bound (seed-003 §3.2); with R^L = 0 it is TA with re-entry on level 0 when that level has one state")
	if mode == "lsq" {
		res.Notes = append(res.Notes, fmt.Sprintf("the least-squares solution has mass %.15g", massOf(pi)))
	}
	tailBoundDirect(o, res)
	return res, nil
}

// denseBlock returns Q^l (within level l, with the original diagonal −q(x)) as a dense
// row-major n_l × n_l matrix.
func (s *levelSystem) denseBlock(l int) []float64 {
	nl := len(s.states[l])
	d := make([]float64, nl*nl)
	for _, e := range s.same[l] {
		d[int(e.i)*nl+int(e.j)] += e.v
	}
	for i, q := range s.rate[l] {
		d[i*nl+i] = -q
	}
	return d
}

func ones(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

// ldqbdLevel0 solves π_0 [U_0 | s] = [0 … 0 1] for π_0: "norm" replaces the last column of
// U_0 by s and solves the square system; "lsq" is the least-squares solution of the
// |L_0| + 1 equations. O(|L_0|³).
func ldqbdLevel0(u0, s []float64, mode string) ([]float64, error) {
	n := len(s)
	if mode == "norm" {
		a := mat.NewDense(n, n, append([]float64(nil), u0...))
		for i := 0; i < n; i++ {
			a.Set(i, n-1, s[i])
		}
		b := mat.NewVecDense(n, nil)
		b.SetVec(n-1, 1)
		var x mat.VecDense
		if err := x.SolveVec(a.T(), b); err != nil {
			return nil, fmt.Errorf("ldqbd: the level-0 system is singular: %v (try --ldqbd-solve lsq)", err)
		}
		return x.RawVector().Data, nil
	}
	at := mat.NewDense(n+1, n, nil) // [U_0 | s]ᵀ
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			at.Set(j, i, u0[i*n+j])
		}
		at.Set(n, i, s[i])
	}
	b := mat.NewVecDense(n+1, nil)
	b.SetVec(n, 1)
	var x mat.VecDense
	if err := x.SolveVec(at, b); err != nil {
		return nil, fmt.Errorf("ldqbd: the least-squares level-0 system failed: %v", err)
	}
	return x.RawVector().Data, nil
}
