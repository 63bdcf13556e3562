package ctmc

import (
	"math/bits"

	"github.com/mfcproject/mfc/runtime/linalg"
)

// window is the working set W of adaptive uniformisation: the states that may carry mass
// during the next products, numbered locally in increasing global order, with the
// uniformised matrix P_A = I + Q/q_A restricted to W in gather form (the sources of each
// target state). Vectors over W are dense and small (W is a band around the mass, not the
// chain), so a product reads contiguous arrays and gathers from a vector that stays in
// cache, instead of scattering into vectors over every state.
//
// Every state of W has an exit rate ≤ q_A, so P_A restricted to W is sub-stochastic: the
// rows of the boundary states lose the mass that P_A sends out of W, which the caller
// counts as dropped (leak) and keeps small by rebuilding W around the mass.
type window struct {
	q, qt *linalg.CSR // the generator (rows: sources) and its transpose (rows: targets)
	exit  []float64   // exit rates −Q_ii
	loc   []int32     // global → local index + 1; 0 outside W
	set   []uint64    // membership bitmap while building, cleared after
	qa    float64     // the rate q_A

	glob []int32   // local → global, increasing
	diag []float64 // 1 − exit/q_A
	ptr  []int32   // gather rows: sources src[ptr[j]:ptr[j+1]] of target j
	src  []int32
	val  []float64 // Q_ij/q_A
	// Boundary rows: bnd[b] is a local state with transitions out of W, far[b] the rate
	// (/q_A) to states outside W with exit rate ≤ q_A, fast[b] the rate to states with a
	// larger exit rate (which W never holds), fastExit[b] the largest of those exit rates.
	bnd       []int32
	far, fast []float64
	fastExit  []float64
	// P_A in ELLPACK form if ellK > 0: the sources of target j are esrc[kj:kj+k] with the
	// values eval[kj:kj+k] (padded with zeros), k = ellK.
	ellK int
	esrc []int32
	eval []float64
	// edge lists the states of the last two shells of the margin (local indices): mass
	// there is about to leave W.
	edge        []int32
	front, next []int32
	lo, hi      int // range of words of set in use
}

func newWindow(q *linalg.CSR, exit []float64) *window {
	n := q.Rows
	return &window{q: q, qt: q.Transpose(), exit: exit, loc: make([]int32, n), set: make([]uint64, (n+63)/64)}
}

// size returns |W|.
func (w *window) size() int { return len(w.glob) }

// build makes W the states of core (global indices) of exit rate ≤ qa and those
// reached from them in at most margin (≥ 2) transitions through states of exit rate ≤ qa, and
// builds P_A on W for the rate qa. O(Σ over W of the row lengths of Q and Qᵀ) plus
// O(span/64) for the range of global indices W covers.
func (w *window) build(core []int32, margin int, qa float64) {
	for _, g := range w.glob {
		w.loc[g] = 0
	}
	w.qa = qa
	w.lo, w.hi = len(w.set), 0
	add := func(g int32) bool {
		wd, b := int(g>>6), uint64(1)<<(uint(g)&63)
		if w.set[wd]&b != 0 {
			return false
		}
		w.set[wd] |= b
		w.lo, w.hi = min(w.lo, wd), max(w.hi, wd+1)
		return true
	}
	w.front = w.front[:0]
	for _, g := range core {
		if w.exit[g] <= qa && add(g) {
			w.front = append(w.front, g)
		}
	}
	rowPtr, cols := w.q.RowPtr, w.q.Col
	w.edge = w.edge[:0]
	for s := 0; s < margin && len(w.front) > 0; s++ {
		w.next = w.next[:0]
		for _, g := range w.front {
			for p := rowPtr[g]; p < rowPtr[g+1]; p++ {
				j := cols[p]
				if w.exit[j] <= qa && add(j) {
					w.next = append(w.next, j)
				}
			}
		}
		if s+2 >= margin {
			w.edge = append(w.edge, w.next...)
		}
		w.front, w.next = w.next, w.front
	}
	// The states in increasing order, from the bitmap (which is cleared on the way).
	w.glob = w.glob[:0]
	for wd := w.lo; wd < w.hi; wd++ {
		x := w.set[wd]
		for x != 0 {
			b := bits.TrailingZeros64(x)
			x &= x - 1
			g := int32(wd<<6 | b)
			w.glob = append(w.glob, g)
			w.loc[g] = int32(len(w.glob))
		}
		w.set[wd] = 0
	}
	for e, g := range w.edge {
		w.edge[e] = w.loc[g] - 1
	}
	nw := len(w.glob)
	inv := 1 / qa
	w.diag = resize(w.diag, nw)
	w.ptr = append(w.ptr[:0], 0)
	w.src, w.val = w.src[:0], w.val[:0]
	tPtr, tCol, tVal := w.qt.RowPtr, w.qt.Col, w.qt.Val
	for j, g := range w.glob {
		w.diag[j] = 1 - w.exit[g]*inv
		for p := tPtr[g]; p < tPtr[g+1]; p++ {
			i := tCol[p]
			if i == g {
				continue
			}
			if l := w.loc[i]; l != 0 {
				w.src = append(w.src, l-1)
				w.val = append(w.val, tVal[p]*inv)
			}
		}
		w.ptr = append(w.ptr, int32(len(w.src)))
	}
	w.toELL()
	w.bnd, w.far, w.fast, w.fastExit = w.bnd[:0], w.far[:0], w.fast[:0], w.fastExit[:0]
	vals := w.q.Val
	for i, g := range w.glob {
		far, fast, fe := 0.0, 0.0, 0.0
		for p := rowPtr[g]; p < rowPtr[g+1]; p++ {
			j := cols[p]
			if j == g || w.loc[j] != 0 {
				continue
			}
			if e := w.exit[j]; e > qa {
				fast += vals[p]
				fe = max(fe, e)
			} else {
				far += vals[p]
			}
		}
		if far > 0 || fast > 0 {
			w.bnd = append(w.bnd, int32(i))
			w.far = append(w.far, far*inv)
			w.fast = append(w.fast, fast*inv)
			w.fastExit = append(w.fastExit, fe)
		}
	}
}

// leak returns the mass that the product v ↦ v P_A sends out of W: to states of exit rate
// ≤ q_A (far) and to faster states (fast), and the largest exit rate among the fast states
// that receive mass. O(boundary).
func (w *window) leak(v []float64) (far, fast, fastExit float64) {
	for b, i := range w.bnd {
		x := v[i]
		far += x * w.far[b]
		if f := x * w.fast[b]; f > 0 {
			fast += f
			fastExit = max(fastExit, w.fastExit[b])
		}
	}
	return far, fast, fastExit
}

// edgeMass returns the mass of v on the last two shells of W's margin. O(edge).
func (w *window) edgeMass(v []float64) float64 {
	m := 0.0
	for _, i := range w.edge {
		m += v[i]
	}
	return m
}

// ellMax is the largest number of sources per target for which P_A is also stored in
// ELLPACK form (every target with the same number k of slots, padded with zeros), whose
// product has no row pointers and a fixed inner loop; it is used if the padding adds at
// most half the stored entries.
const ellMax = 8

// toELL stores P_A in ELLPACK form (esrc, eval, width ellK) if it pays (ellMax), else
// sets ellK to 0. O(|W|·ellK).
func (w *window) toELL() {
	nw := len(w.glob)
	k := int32(0)
	for j := 0; j < nw; j++ {
		k = max(k, w.ptr[j+1]-w.ptr[j])
	}
	w.ellK = 0
	if k == 0 || k > ellMax || 2*int(k)*nw > 3*len(w.src) {
		return
	}
	w.ellK = int(k)
	w.esrc = w.esrc[:0]
	w.eval = w.eval[:0]
	for j := 0; j < nw; j++ {
		lo, hi := w.ptr[j], w.ptr[j+1]
		for p := lo; p < lo+k; p++ {
			if p < hi {
				w.esrc = append(w.esrc, w.src[p])
				w.eval = append(w.eval, w.val[p])
			} else {
				w.esrc = append(w.esrc, int32(j)) // a zero entry: adds +0 to the sum
				w.eval = append(w.eval, 0)
			}
		}
	}
}

// product sets dst = v P_A on W and, if acc, adds wk·v to out (the Poisson sum, fused into
// the same pass). O(stored entries of P_A on W); the sums for each target run over its
// sources in a fixed order, so the result does not depend on anything but W.
func (w *window) product(dst, v, out []float64, wk float64, acc bool) {
	switch w.ellK {
	case 0:
	case 3:
		w.productELL3(dst, v, out, wk, acc)
		return
	default:
		w.productELL(dst, v, out, wk, acc)
		return
	}
	ptr, src, val, diag := w.ptr, w.src, w.val, w.diag
	n := len(diag)
	dst, v = dst[:n], v[:n]
	if acc {
		out = out[:n]
	}
	lo := ptr[0]
	for j := 0; j < n; j++ {
		hi := ptr[j+1]
		vj := v[j]
		s := diag[j] * vj
		ss, sv := src[lo:hi], val[lo:hi]
		sv = sv[:len(ss)]
		for p, i := range ss {
			s += sv[p] * v[i]
		}
		dst[j] = s
		if acc {
			out[j] += wk * vj
		}
		lo = hi
	}
}

// resize returns s with length n (its contents undefined), reusing its storage if it can.
func resize(s []float64, n int) []float64 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]float64, n)
}

// productELL3 is product in ELLPACK form of width 3 (one slot per reaction of a model
// with three, such as SIR). O(|W|).
func (w *window) productELL3(dst, v, out []float64, wk float64, acc bool) {
	diag := w.diag
	n := len(diag)
	dst, v = dst[:n], v[:n]
	esrc, eval := w.esrc[:3*n], w.eval[:3*n]
	if acc {
		out = out[:n]
		for j := 0; j < n; j++ {
			s, e := esrc[3*j:3*j+3], eval[3*j:3*j+3]
			vj := v[j]
			dst[j] = diag[j]*vj + e[0]*v[s[0]] + e[1]*v[s[1]] + e[2]*v[s[2]]
			out[j] += wk * vj
		}
		return
	}
	for j := 0; j < n; j++ {
		s, e := esrc[3*j:3*j+3], eval[3*j:3*j+3]
		dst[j] = diag[j]*v[j] + e[0]*v[s[0]] + e[1]*v[s[1]] + e[2]*v[s[2]]
	}
}

// productELL is product in ELLPACK form of any width ellK. O(|W|·ellK).
func (w *window) productELL(dst, v, out []float64, wk float64, acc bool) {
	diag, k := w.diag, w.ellK
	n := len(diag)
	dst, v = dst[:n], v[:n]
	esrc, eval := w.esrc[:k*n], w.eval[:k*n]
	if acc {
		out = out[:n]
	}
	for j := 0; j < n; j++ {
		s, e := esrc[k*j:k*j+k], eval[k*j:k*j+k]
		e = e[:len(s)]
		vj := v[j]
		sum := diag[j] * vj
		for p, i := range s {
			sum += e[p] * v[i]
		}
		dst[j] = sum
		if acc {
			out[j] += wk * vj
		}
	}
}
