package linalg

import (
	"math"

	gonumblas "gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/mat"
)

// A fast path for A W + W Aᵀ + Q = 0 with a large, banded, Hurwitz A (JSQ with K = 1000 and no
// extinct species: d = 1000, bandwidth 1): the ADI iteration of Peaceman and Rachford with real
// shifts p < 0,
//
//	(A + pI) W½ = −Q − W (Aᵀ − pI),    (A + pI) W' = −Q − W½ᵀ (Aᵀ − pI),
//
// whose error is multiplied by (A + pI)⁻¹(A − pI) on both sides at each step (a contraction for
// Re λ < 0, p < 0). Each step is two banded LU solves with d right-hand sides and two banded
// products: O(d²·b) for a bandwidth b, against the O(d³) of the Schur form (whose Hessenberg QR
// dominated that run). The shifts are log-spaced over a bracket [lo, hi] of the eigenvalue
// moduli (a near-optimal choice for a real spectrum, Wachspress): hi from 20 Arnoldi Ritz
// values of A (and ‖A‖₁, ‖A‖_∞), lo from those of A⁻¹ (Penzl's heuristic), lowered to the
// distance of the field of values to 0 when that is smaller (a non-normal A otherwise converges
// slowly for a long time). The result is accepted only when the
// backward error ‖A W + W Aᵀ + Q‖_F / (2‖A‖_F‖W‖_F + ‖Q‖_F), computed exactly with the band, is at
// most lyapBandTol, Bartels–Stewart's level; otherwise (stagnation, a rate that cannot reach
// the tolerance within the step budget, a singular
// shifted matrix, non-finite values) the caller falls back to Bartels–Stewart.

const (
	// lyapBandMinDim is the smallest d for which the ADI fast path is tried: below, Bartels–
	// Stewart is fast and the results stay bit for bit those of Lyapunov.
	lyapBandMinDim = 200
	// lyapBandMaxBand bounds the lower and upper bandwidths of A for the fast path.
	lyapBandMaxBand = 8
	// lyapBandTol is the backward error the ADI solution must reach to be accepted.
	lyapBandTol = 1e-14
	// lyapBandMaxSteps bounds the ADI steps (each O(d²·b)) before falling back.
	lyapBandMaxSteps = 400
)

// bandwidths returns the lower and upper bandwidths of a square a: a_ij = 0 for i − j > kl
// and for j − i > ku. Cost O(d²).
func bandwidths(a *mat.Dense) (kl, ku int) {
	raw := a.RawMatrix()
	for i := 0; i < raw.Rows; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols]
		for j, v := range row {
			if v != 0 {
				kl = max(kl, i-j)
				ku = max(ku, j-i)
			}
		}
	}
	return kl, ku
}

// bandLU is the LU factorisation with partial pivoting of a square banded matrix of lower and
// upper bandwidths kl, ku: row k of U holds columns k … k+kl+ku (the pivoting widens the upper
// band by kl), l holds the kl multipliers of step k, piv the row swapped with k.
type bandLU struct {
	n, kl, ku int
	u         []float64 // n rows of width kl+ku+1, u[k*w+j-k] = U_kj
	l         []float64 // n rows of width kl
	piv       []int
}

// newBandLU factorises a + shift·I, whose bandwidths are kl, ku. It returns false for an
// exactly singular pivot. Cost O(d·kl·(kl+ku)).
func newBandLU(a *mat.Dense, shift float64, kl, ku int) (*bandLU, bool) {
	n, _ := a.Dims()
	raw := a.RawMatrix()
	w := kl + ku + 1
	// working storage: row i holds columns i−kl … i+kl+ku at offsets 0 … 2kl+ku
	ww := 2*kl + ku + 1
	work := make([]float64, n*ww)
	get := func(i, j int) *float64 { return &work[i*ww+j-i+kl] }
	for i := 0; i < n; i++ {
		for j := max(0, i-kl); j <= min(n-1, i+ku); j++ {
			*get(i, j) = raw.Data[i*raw.Stride+j]
		}
		*get(i, i) += shift
	}
	f := &bandLU{n: n, kl: kl, ku: ku, u: make([]float64, n*w), l: make([]float64, n*max(kl, 1)), piv: make([]int, n)}
	for k := 0; k < n; k++ {
		last := min(n-1, k+kl)
		p, big := k, math.Abs(*get(k, k))
		for r := k + 1; r <= last; r++ {
			if v := math.Abs(*get(r, k)); v > big {
				p, big = r, v
			}
		}
		if big == 0 {
			return nil, false
		}
		f.piv[k] = p
		hi := min(n-1, k+kl+ku)
		if p != k {
			for j := k; j <= hi; j++ {
				x, y := get(k, j), get(p, j)
				*x, *y = *y, *x
			}
		}
		d := *get(k, k)
		for r := k + 1; r <= last; r++ {
			m := *get(r, k) / d
			f.l[k*kl+r-k-1] = m
			if m == 0 {
				continue
			}
			for j := k + 1; j <= hi; j++ {
				*get(r, j) -= m * *get(k, j)
			}
		}
		for j := k; j <= hi; j++ {
			f.u[k*w+j-k] = *get(k, j)
		}
	}
	return f, true
}

// solveRows overwrites the n×m row-major b with (A + shift·I)⁻¹ b, operating on whole rows.
// Cost O(n·m·(2kl+ku)).
func (f *bandLU) solveRows(b []float64, m int) {
	n, kl, w := f.n, f.kl, f.kl+f.ku+1
	for k := 0; k < n; k++ {
		if p := f.piv[k]; p != k {
			rk, rp := b[k*m:(k+1)*m], b[p*m:(p+1)*m]
			for j := range rk {
				rk[j], rp[j] = rp[j], rk[j]
			}
		}
		rk := b[k*m : (k+1)*m]
		for r := k + 1; r <= min(n-1, k+kl); r++ {
			if c := f.l[k*kl+r-k-1]; c != 0 {
				axpy(-c, rk, b[r*m:(r+1)*m])
			}
		}
	}
	for k := n - 1; k >= 0; k-- {
		rk := b[k*m : (k+1)*m]
		urow := f.u[k*w : (k+1)*w]
		for j := 1; j < w && k+j < n; j++ {
			if c := urow[j]; c != 0 {
				axpy(-c, b[(k+j)*m:(k+j+1)*m], rk)
			}
		}
		inv := 1 / urow[0]
		for j := range rk {
			rk[j] *= inv
		}
	}
}

// solveTRows overwrites the vector b with (A + shift·I)⁻ᵀ b. Cost O(n·(2kl+ku)).
func (f *bandLU) solveTVec(b []float64) {
	n, kl, w := f.n, f.kl, f.kl+f.ku+1
	// Uᵀ y = b (forward), then (L P-steps)ᵀ backward.
	for k := 0; k < n; k++ {
		urow := f.u[k*w : (k+1)*w]
		b[k] /= urow[0]
		for j := 1; j < w && k+j < n; j++ {
			b[k+j] -= urow[j] * b[k]
		}
	}
	for k := n - 1; k >= 0; k-- {
		for r := k + 1; r <= min(n-1, k+kl); r++ {
			b[k] -= f.l[k*kl+r-k-1] * b[r]
		}
		if p := f.piv[k]; p != k {
			b[k], b[p] = b[p], b[k]
		}
	}
}

// axpy does y += alpha·x (gonum's assembly kernel for long rows).
func axpy(alpha float64, x, y []float64) {
	if len(x) >= 16 {
		blasImpl.Daxpy(len(x), alpha, x, 1, y, 1)
		return
	}
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

var blasImpl gonumblas.Implementation

// bandMulRows sets out = (A + shift·I) x for n×n row-major x (out distinct from x), using
// that a_ij = 0 outside the band. Cost O(n²·(kl+ku+1)).
func bandMulRows(a *mat.Dense, shift float64, kl, ku int, x, out []float64) {
	raw := a.RawMatrix()
	n := raw.Rows
	for i := 0; i < n; i++ {
		oi := out[i*n : (i+1)*n]
		for j := range oi {
			oi[j] = 0
		}
		for k := max(0, i-kl); k <= min(n-1, i+ku); k++ {
			c := raw.Data[i*raw.Stride+k]
			if k == i {
				c += shift
			}
			if c != 0 {
				axpy(c, x[k*n:(k+1)*n], oi)
			}
		}
	}
}

// transposeInto sets dst = srcᵀ for n×n row-major slices. Cost O(n²).
func transposeInto(src, dst []float64, n int) {
	const bs = 32
	for i0 := 0; i0 < n; i0 += bs {
		for j0 := 0; j0 < n; j0 += bs {
			for i := i0; i < min(i0+bs, n); i++ {
				for j := j0; j < min(j0+bs, n); j++ {
					dst[j*n+i] = src[i*n+j]
				}
			}
		}
	}
}

// sigmaMinEstimate estimates σ_min(A) = 1/‖A⁻¹‖₂ by 30 steps of the power iteration on
// A⁻¹A⁻ᵀ with the LU f of A. The power iteration approaches ‖A⁻¹‖ from below, so the
// estimate may exceed σ_min a little; the shifts only need a bracket. Cost O(d·b).
func sigmaMinEstimate(f *bandLU) float64 {
	n := f.n
	x := make([]float64, n)
	for i := range x {
		x[i] = 1 + 0.1*math.Sin(float64(i)) // not orthogonal to the dominant singular vector in practice
	}
	var nrm float64
	for it := 0; it < 30; it++ {
		s := 0.0
		for _, v := range x {
			s += v * v
		}
		s = math.Sqrt(s)
		if s == 0 || math.IsInf(s, 0) || math.IsNaN(s) {
			return 0
		}
		for i := range x {
			x[i] /= s
		}
		f.solveTVec(x)
		f.solveRows(x, 1)
		nrm = 0
		for _, v := range x {
			nrm += v * v
		}
		nrm = math.Sqrt(nrm) // ≈ ‖A⁻¹A⁻ᵀ‖ = ‖A⁻¹‖²
	}
	if nrm == 0 || math.IsNaN(nrm) || math.IsInf(nrm, 0) {
		return 0
	}
	return 1 / math.Sqrt(nrm)
}

// lyapunovBand solves A W + W Aᵀ + Q = 0 by ADI for a banded Hurwitz a (see the comment at the
// top of this file). It returns ok = false when the fast path does not apply (d below
// lyapBandMinDim, bandwidth above lyapBandMaxBand) or does not reach the backward error
// lyapBandTol within maxSteps steps; the caller then uses Bartels–Stewart. The result is
// symmetric. It also returns the backward error reached and the number of steps. Cost
// O(d²·b) per step, b = 2kl+ku+1.
func lyapunovBand(a *mat.Dense, q mat.Symmetric, maxSteps int) (w *mat.SymDense, backErr float64, steps int, ok bool) {
	n, _ := a.Dims()
	if n < lyapBandMinDim {
		return nil, math.Inf(1), 0, false
	}
	kl, ku := bandwidths(a)
	if kl > lyapBandMaxBand || ku > lyapBandMaxBand {
		return nil, math.Inf(1), 0, false
	}
	// the bracket [lo, hi] of the eigenvalue moduli
	raw := a.RawMatrix()
	var n1, ninf, normA float64
	colSum := make([]float64, n)
	for i := 0; i < n; i++ {
		rs := 0.0
		for j := max(0, i-kl); j <= min(n-1, i+ku); j++ {
			v := raw.Data[i*raw.Stride+j]
			rs += math.Abs(v)
			colSum[j] += math.Abs(v)
			normA += v * v
		}
		ninf = math.Max(ninf, rs)
	}
	for _, v := range colSum {
		n1 = math.Max(n1, v)
	}
	normA = math.Sqrt(normA)
	hi := math.Min(n1, ninf)
	f0, good := newBandLU(a, 0, kl, ku)
	if !good {
		return nil, math.Inf(1), 0, false
	}
	// Ritz values of A and A⁻¹ (Penzl's heuristic) narrow the bracket: the eigenvalue moduli
	// lie in [σ_min, min(‖A‖₁, ‖A‖_∞)], which is much wider for a non-normal A.
	lo := sigmaMinEstimate(f0)
	if rHi, rLo, okR := ritzBracket(a, f0, kl, ku); okR {
		hi = math.Min(hi, 1.1*rHi)
		lo = math.Max(lo, rLo/1.1)
	}
	// A non-normal A (JSQ's Toeplitz Jacobian) converges slowly in the directions where its
	// field of values approaches 0 even when its eigenvalues stay away from it: extend the
	// bracket down to the distance of the field of values to 0, −λ_max((A + Aᵀ)/2), estimated
	// as σ_min of the symmetric part (bounded below by 1e-12·hi).
	hs := mat.NewDense(n, n, nil)
	kb := max(kl, ku)
	for i := 0; i < n; i++ {
		for j := max(0, i-kb); j <= min(n-1, i+kb); j++ {
			hs.Set(i, j, (raw.Data[i*raw.Stride+j]+raw.Data[j*raw.Stride+i])/2)
		}
	}
	if fh, okH := newBandLU(hs, 0, kb, kb); okH {
		if sh := sigmaMinEstimate(fh); sh > 0 {
			lo = math.Max(math.Min(lo, sh), 1e-12*hi)
		}
	}
	if !(lo > 0) || !(hi > lo) || math.IsInf(hi, 0) {
		return nil, math.Inf(1), 0, false
	}
	// J log-spaced shifts −lo·(hi/lo)^((j+½)/J); J from Wachspress's bound
	// 4·exp(−π²J/ln(4κ)) ≤ 1e-3 per cycle on a real spectrum.
	kappa := hi / lo
	nsh := int(math.Ceil(math.Log(4*kappa) * math.Log(4e3) / (math.Pi * math.Pi)))
	nsh = max(2, min(nsh, 64))
	shifts := make([]float64, nsh)
	lus := make([]*bandLU, nsh)
	for j := range shifts {
		shifts[j] = -lo * math.Pow(kappa, (float64(j)+0.5)/float64(nsh))
		if lus[j], good = newBandLU(a, shifts[j], kl, ku); !good {
			return nil, math.Inf(1), 0, false
		}
	}
	// negQ = −Q (row-major), normQ
	negQ := make([]float64, n*n)
	var normQ float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			v := q.At(i, j)
			negQ[i*n+j] = -v
			normQ += v * v
		}
	}
	normQ = math.Sqrt(normQ)
	if normQ == 0 {
		return mat.NewSymDense(n, nil), 0, 0, true
	}
	cur := make([]float64, n*n) // W, symmetric, from 0
	tmp := make([]float64, n*n)
	half := make([]float64, n*n)
	var hist []float64     // the backward error after each cycle
	var accepted []float64 // the first W below the tolerance
	var acceptedErr float64
	for steps < maxSteps {
		for j, p := range shifts {
			// W½ = (A + pI)⁻¹(−Q − ((A − pI) W)ᵀ), W symmetric
			bandMulRows(a, -p, kl, ku, cur, tmp)
			transposeInto(tmp, half, n)
			for i, v := range negQ {
				half[i] = v - half[i]
			}
			lus[j].solveRows(half, n)
			// W' = (A + pI)⁻¹(−Q − ((A − pI) W½)ᵀ)
			bandMulRows(a, -p, kl, ku, half, tmp)
			transposeInto(tmp, cur, n)
			for i, v := range negQ {
				cur[i] = v - cur[i]
			}
			lus[j].solveRows(cur, n)
			symmetrise(cur, n)
			steps++
		}
		// backward error of the symmetric W: R = A W + (A W)ᵀ + Q
		bandMulRows(a, 0, kl, ku, cur, tmp)
		var r2, w2 float64
		for i := 0; i < n; i++ {
			for j := i; j < n; j++ {
				r := tmp[i*n+j] + tmp[j*n+i] - negQ[i*n+j]
				c := cur[i*n+j]
				if i == j {
					r2 += r * r
					w2 += c * c
				} else {
					r2 += 2 * r * r
					w2 += 2 * c * c
				}
			}
		}
		backErr = math.Sqrt(r2) / (2*normA*math.Sqrt(w2) + normQ)
		if math.IsNaN(backErr) || math.IsInf(backErr, 0) {
			return nil, backErr, steps, false
		}
		if accepted != nil {
			// one more cycle after reaching the tolerance: keep it when it improved
			if backErr < acceptedErr {
				return mat.NewSymDense(n, cur), backErr, steps, true
			}
			return mat.NewSymDense(n, accepted), acceptedErr, steps, true
		}
		if backErr <= lyapBandTol {
			// ADI usually still converges here; a further cycle (O(J·d²·b)) buys up to two
			// digits of backward error towards Bartels–Stewart's
			accepted, acceptedErr = append([]float64(nil), cur...), backErr
			continue
		}
		// give up when the backward error did not halve over the last 3 cycles (stagnation),
		// or when the mean rate of the last (up to) 3 cycles, kept up, would not reach the
		// tolerance within maxSteps (a non-normal A may converge slowly at first: hence a
		// window, not the last cycle alone)
		hist = append(hist, backErr)
		c := len(hist) - 1
		if c >= 3 && hist[c] > hist[c-3]/2 {
			return nil, backErr, steps, false
		}
		if c >= 1 {
			win := min(3, c)
			rate := math.Pow(hist[c]/hist[c-win], 1/float64(win))
			if rate >= 1 {
				continue // no projection; the stagnation test decides
			}
			cycles := math.Log(lyapBandTol/backErr) / math.Log(rate)
			if float64(steps)+cycles*float64(nsh) > float64(maxSteps) {
				return nil, backErr, steps, false
			}
		}
	}
	if accepted != nil {
		return mat.NewSymDense(n, accepted), acceptedErr, steps, true
	}
	return nil, backErr, steps, false
}

// symmetrise replaces the n×n row-major x by (x + xᵀ)/2. Cost O(n²).
func symmetrise(x []float64, n int) {
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			v := (x[i*n+j] + x[j*n+i]) / 2
			x[i*n+j], x[j*n+i] = v, v
		}
	}
}

// ritzBracket returns the largest modulus of the Ritz values of A and the smallest of the
// inverses of the Ritz values of A⁻¹ after lyapBandRitz Arnoldi steps from a fixed start
// vector (f is the LU of A). ok is false when Arnoldi breaks down or the small eigenproblem
// fails. Cost O(d·k·(k + b) + k³), k = lyapBandRitz.
func ritzBracket(a *mat.Dense, f *bandLU, kl, ku int) (hi, lo float64, ok bool) {
	n, _ := a.Dims()
	k := min(lyapBandRitz, n-1)
	mulA := func(x, y []float64) {
		raw := a.RawMatrix()
		for i := 0; i < n; i++ {
			s := 0.0
			for j := max(0, i-kl); j <= min(n-1, i+ku); j++ {
				s += raw.Data[i*raw.Stride+j] * x[j]
			}
			y[i] = s
		}
	}
	solveA := func(x, y []float64) {
		copy(y, x)
		f.solveRows(y, 1)
	}
	hiR, ok1 := arnoldiRitz(mulA, n, k, func(v complex128) float64 { return cmplxAbs(v) }, math.Max, 0)
	loInv, ok2 := arnoldiRitz(solveA, n, k, func(v complex128) float64 { return cmplxAbs(v) }, math.Max, 0)
	if !ok1 || !ok2 || loInv == 0 {
		return 0, 0, false
	}
	return hiR, 1 / loInv, true
}

// lyapBandRitz is the number of Arnoldi steps for the shift bracket.
const lyapBandRitz = 20

func cmplxAbs(v complex128) float64 { return math.Hypot(real(v), imag(v)) }

// arnoldiRitz runs k Arnoldi steps (modified Gram–Schmidt) of the operator op from a fixed
// start vector and folds measure over the Ritz values with fold from init. Cost O(n·k² + k³)
// plus k applications of op.
func arnoldiRitz(op func(x, y []float64), n, k int, measure func(complex128) float64, fold func(a, b float64) float64, init float64) (float64, bool) {
	v := make([][]float64, k+1)
	h := mat.NewDense(k, k, nil)
	v[0] = make([]float64, n)
	s := 0.0
	for i := range v[0] {
		v[0][i] = 1 + 0.5*math.Sin(float64(3*i+1))
		s += v[0][i] * v[0][i]
	}
	s = math.Sqrt(s)
	for i := range v[0] {
		v[0][i] /= s
	}
	m := k
	for j := 0; j < k; j++ {
		w := make([]float64, n)
		op(v[j], w)
		for i := 0; i <= j; i++ {
			c := 0.0
			for t, x := range w {
				c += x * v[i][t]
			}
			h.Set(i, j, c)
			axpy(-c, v[i], w)
		}
		nw := 0.0
		for _, x := range w {
			nw += x * x
		}
		nw = math.Sqrt(nw)
		if math.IsNaN(nw) || math.IsInf(nw, 0) {
			return 0, false
		}
		if j+1 < k {
			if nw == 0 { // invariant subspace: the Ritz values are eigenvalues
				m = j + 1
				break
			}
			h.Set(j+1, j, nw)
			for t := range w {
				w[t] /= nw
			}
			v[j+1] = w
		}
	}
	var e mat.Eigen
	if !e.Factorize(h.Slice(0, m, 0, m), mat.EigenNone) {
		return 0, false
	}
	out := init
	for _, l := range e.Values(nil) {
		out = fold(out, measure(l))
	}
	return out, true
}
