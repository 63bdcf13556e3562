package linalg

import (
	"errors"

	"gonum.org/v1/gonum/mat"
)

// The stationary moment equations of a stable fixed point,
//
//	A W + W Aᵀ + Q = 0,    Σ_modes A·M + R = 0,
//
// often involve only a few of the d coordinates: a species that is extinct at the fixed point
// (JSQ with K = 1000 has x_i = ρ^(2^i − 1), exactly 0 beyond i ≈ 9) has no noise (Q's row is 0)
// and no other coordinate feeds it at first order (its column of A is 0 below …). Let S be the
// closure of the support of the right-hand side under the pattern of A: the smallest index
// set containing every index of a non-zero entry of Q (or R) and every j with A_ji ≠ 0 for an
// i ∈ S. Then A_{S̄S} = 0, A maps the vectors supported on S into themselves, and so does the
// operator X ↦ AX + XAᵀ on the matrices supported on S×S (likewise for tensors on S×S×S).
// When A is Hurwitz the operator is invertible, its inverse keeps the same subspace, and the
// solution is the solution of the equation restricted to S, A_SS W_SS + W_SS A_SSᵀ + Q_SS = 0,
// with W = 0 off S×S: exactly, not approximately. The restricted solve costs O(|S|³) (O(|S|⁴)
// for the tensor) instead of O(d³) (O(d⁴)).
//
// The restriction needs A Hurwitz: when A_{S̄S̄} has eigenvalues λ_i + λ_j = 0, the full
// equation is singular, which the restricted solve would not notice. Hence the separate entry
// points LyapunovStable and TensorSylvesterStable, for callers that have checked the stability
// (lna.Stationary classifies the eigenvalues of A first).

// closure returns, in increasing order, the smallest index set that contains every i with
// seed[i] and every j with a_ji ≠ 0 for an i of the set (a breadth-first search over the
// columns of a; seed is overwritten with the membership). Cost O(d·|S|).
func closure(a *mat.Dense, seed []bool) []int {
	raw := a.RawMatrix()
	n := raw.Rows
	var queue []int
	for i, in := range seed {
		if in {
			queue = append(queue, i)
		}
	}
	for h := 0; h < len(queue); h++ {
		i := queue[h]
		for j := 0; j < n; j++ {
			if !seed[j] && raw.Data[j*raw.Stride+i] != 0 {
				seed[j] = true
				queue = append(queue, j)
			}
		}
	}
	s := queue[:0]
	for i, in := range seed {
		if in {
			s = append(s, i)
		}
	}
	return s
}

// submatrix returns a_SS. Cost O(|S|²).
func submatrix(a *mat.Dense, s []int) *mat.Dense {
	out := mat.NewDense(len(s), len(s), nil)
	raw := a.RawMatrix()
	for i, si := range s {
		row := raw.Data[si*raw.Stride:]
		for j, sj := range s {
			out.Set(i, j, row[sj])
		}
	}
	return out
}

// LyapunovStable is Lyapunov for a Hurwitz A (every eigenvalue with a negative real part; the
// caller has checked it): it solves only the restriction of the equation to the closure S of
// the support of Q under the pattern of A (see the comment at the top of support.go), which
// is exact and gives W = 0 off S×S. When S is every index and d < 200 it is Lyapunov itself
// (the same result, bit for bit); otherwise W_SS agrees with Lyapunov's to rounding (the Schur
// form of A_SS is not the leading part of that of A; for |S| ≥ 200 and a banded A_SS the
// restricted equation may be solved by ADI, accepted only at Bartels–Stewart's backward error
// 1e-14: see lyapband.go). Cost O(d·|S| + d² + |S|³), or O(d² + |S|²·b) per ADI step for a
// bandwidth b. For an A that is not Hurwitz the result is meaningless: use Lyapunov, which
// reports a singular equation.
func LyapunovStable(a *mat.Dense, q mat.Symmetric) (*mat.SymDense, error) {
	w, _, err := LyapunovStableMethod(a, q)
	return w, err
}

// Methods of LyapunovStableMethod.
const (
	// MethodBartelsStewart is the Schur-form solver of Lyapunov.
	MethodBartelsStewart = "Bartels–Stewart (real Schur form: gonum Dgehrd+Dorghr+Dhseqr)"
	// MethodADI is the fast path of lyapband.go.
	MethodADI = "ADI with real shifts and banded LU solves, accepted at backward error ≤ 1e-14"
)

// LyapunovStableMethod is LyapunovStable that also names the method that solved the
// (restricted) equation: MethodBartelsStewart or MethodADI.
func LyapunovStableMethod(a *mat.Dense, q mat.Symmetric) (*mat.SymDense, string, error) {
	n, c := a.Dims()
	if n != c || q.SymmetricDim() != n {
		return nil, "", errors.New("linalg: LyapunovStable: dimension mismatch")
	}
	seed := make([]bool, n)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			if q.At(i, j) != 0 {
				seed[i], seed[j] = true, true
			}
		}
	}
	s := closure(a, seed)
	if len(s) == n {
		return lyapunovStableSolve(a, q)
	}
	out := mat.NewSymDense(n, nil)
	if len(s) == 0 {
		return out, "none (Q = 0, so W = 0)", nil
	}
	qs := mat.NewSymDense(len(s), nil)
	for i, si := range s {
		for j := i; j < len(s); j++ {
			qs.SetSym(i, j, q.At(si, s[j]))
		}
	}
	ws, method, err := lyapunovStableSolve(submatrix(a, s), qs)
	if err != nil {
		var se *SingularError
		if errors.As(err, &se) {
			se.Block = [2]int{s[se.Block[0]], s[se.Block[1]]}
		}
		return nil, "", err
	}
	for i, si := range s {
		for j := i; j < len(s); j++ {
			out.SetSym(si, s[j], ws.At(i, j))
		}
	}
	return out, method, nil
}

// lyapunovStableSolve solves A W + W Aᵀ + Q = 0 for a Hurwitz a: by the ADI fast path
// lyapunovBand when a is large and banded and ADI reaches Bartels–Stewart's backward error
// (see lyapband.go), else by Lyapunov. For d < lyapBandMinDim it is Lyapunov, bit for bit.
func lyapunovStableSolve(a *mat.Dense, q mat.Symmetric) (*mat.SymDense, string, error) {
	if w, _, _, ok := lyapunovBand(a, q, lyapBandMaxSteps); ok {
		return w, MethodADI, nil
	}
	w, err := Lyapunov(a, q)
	return w, MethodBartelsStewart, err
}

// TensorSylvesterStable is TensorSylvester for a Hurwitz J (the caller has checked it): it
// solves only the restriction to S×S×S, S the closure of the indices of R's non-zero entries
// under the pattern of J (see the comment at the top of support.go), which is exact and gives
// M = 0 off S×S×S. When S is every index it is TensorSylvester itself (bit for bit);
// otherwise M agrees with TensorSylvester's to rounding. Cost O(d³ + d·|S| + |S|⁴).
func TensorSylvesterStable(j *mat.Dense, r *Tensor3) (*Tensor3, error) {
	n := r.N
	if rows, cols := j.Dims(); rows != n || cols != n {
		return nil, errors.New("linalg: TensorSylvesterStable: dimension mismatch")
	}
	seed := make([]bool, n)
	for a := 0; a < n; a++ {
		for b := 0; b < n; b++ {
			for c, x := range r.Data[(a*n+b)*n : (a*n+b+1)*n] {
				if x != 0 {
					seed[a], seed[b], seed[c] = true, true, true
				}
			}
		}
	}
	s := closure(j, seed)
	if len(s) == n {
		return TensorSylvester(j, r)
	}
	out := NewTensor3(n)
	if len(s) == 0 {
		return out, nil
	}
	m := len(s)
	rs := NewTensor3(m)
	for a, sa := range s {
		for b, sb := range s {
			src := r.Data[(sa*n+sb)*n:]
			dst := rs.Data[(a*m+b)*m:]
			for c, sc := range s {
				dst[c] = src[sc]
			}
		}
	}
	ms, err := TensorSylvester(submatrix(j, s), rs)
	if err != nil {
		return nil, err
	}
	for a, sa := range s {
		for b, sb := range s {
			src := ms.Data[(a*m+b)*m:]
			dst := out.Data[(sa*n+sb)*n:]
			for c, sc := range s {
				dst[sc] = src[c]
			}
		}
	}
	return out, nil
}
