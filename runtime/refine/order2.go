package refine

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/autodiff"
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/lna"
)

// moments2 holds the terms of the order-2 expansion at one point: with Y = X_N − x,
//
//	E[Y] = V/N + A/N² + …,  E[Y⊗Y] = W/N + M2/N² + …,  E[Y⊗Y⊗Y] = M3/N² + …
type moments2 struct {
	A  []float64
	M2 *mat.SymDense
	M3 *linalg.Tensor3
}

// expander evaluates the derivative contractions of the order-2 equations at one point
// (see the package documentation for the equations). It holds the point's W and its
// eigendecomposition (through contractor) and reuses its buffers across calls.
type expander struct {
	m   *runtime.Model
	in  *ir.Inputs
	d   int
	c   *contractor // decomposition of W
	w   *mat.SymDense
	f   *fieldSet        // the model's fields, or their tangents
	hb  *autodiff.Blocks // Hessian blocks of f.drift
	dir []float64
	// signed makes fourthWW keep the negative eigenvalues of W (a covariance has none
	// beyond round-off, which it drops; the sensitivities evaluate it at W ± α dW).
	signed bool
}

func newExpander(m *runtime.Model, in *ir.Inputs, w *mat.SymDense, c *contractor) (*expander, error) {
	if c.fieldsOf != m {
		c.fields, c.fieldsOf = plainFields(m), m
	}
	e := &expander{m: m, in: in, d: m.Dim(), c: c, w: w, f: c.fields, dir: make([]float64, m.Dim())}
	if c.w != w {
		if err := c.decompose(w); err != nil {
			return nil, err
		}
	}
	// The drift's blocks at this point, shared with the contractor's contractions there
	// (one set of colour sweeps); copied, since the contractor may move to another point,
	// into the contractor's buffer for them: an expander's blocks hold until the next
	// newExpander with the same contractor.
	hb, err := c.hessianBlocks(m.Drift, in)
	if err != nil {
		return nil, err
	}
	c.hbVal = append(c.hbVal[:0], hb.Val...)
	e.hb = &autodiff.Blocks{Pattern: hb.Pattern, Off: hb.Off, Val: c.hbVal}
	return e, nil
}

// withW returns a copy of e at the symmetric matrix w in place of W (its own
// decomposition), with signed eigenvalues.
func (e *expander) withW(w *mat.SymDense) (*expander, error) {
	c := newContractor(e.d)
	if err := c.decompose(w); err != nil {
		return nil, err
	}
	o := *e
	o.c, o.w, o.signed, o.dir = c, w, true, make([]float64, e.d)
	return &o, nil
}

// third sets dst to (1/6) Σ_abc D³f_abc M_abc for a symmetric tensor M, slice by slice:
// with M_{··c} = Σ_r λ_r u_r u_rᵀ, Σ_ab D³f_abc M_abc = Σ_r λ_r D³f[u_r, u_r, e_c] and
// D³f[u, u, e] = c₃(u+e) − c₃(u−e) − 2c₃(e), c₃ the third Taylor coefficient along a
// direction. Cost: d symmetric eigendecompositions (O(d⁴)) and 2 d·r + d third-order jet
// sweeps of f's tape (r ≤ d the slices' numerical ranks); or, for a model field with C
// Hessian colours when it is cheaper, tripleJets(C) sweeps (its colour triples, shared with
// rhs2 at the same point).
func (e *expander) third(dst []float64, f field, m3 *linalg.Tensor3) error {
	d, n := e.d, f.Len()
	for i := range dst {
		dst[i] = 0
	}
	if e.degree(f) <= 2 { // D³f = 0: the sweeps would give exact zeros
		return nil
	}
	// Slice c contributes only to the outputs that depend on x_c, and to those only through
	// their own variables: the slice is restricted to the union U of these (a few indices
	// for a banded drift, where the eigendecompositions of whole slices were O(d⁴)). The
	// other outputs get D³f[u, u, e_c] = 0 exactly, with or without the restriction.
	pat := f.Pattern()
	outsOf := make([][]int32, d) // the outputs depending on each density
	for i := 0; i < pat.Rows; i++ {
		for p := pat.RowPtr[i]; p < pat.RowPtr[i+1]; p++ {
			if c := int(pat.Col[p]); c < d {
				outsOf[c] = append(outsOf[c], int32(i))
			}
		}
	}
	inU := make([]bool, d)
	var U []int
	// A model field whose outputs have few Hessian colours is contracted from its colour
	// triples (autodiff.ThirdContract) when that takes fewer sweeps than the slices:
	// tripleJets(C) against about 2|U_c| + 1 per slice c.
	if pf, ok := f.(*plain); ok && pat.Cols == d {
		C := pf.HessianColors()
		slices := 0
		for c := 0; c < d; c++ {
			k := 0
			for _, i := range outsOf[c] {
				k += pat.RowPtr[i+1] - pat.RowPtr[i]
			}
			if k > 0 {
				slices += 2*min(k, d) + 1
			}
		}
		if tripleJets(C) < slices {
			t, err := e.c.thirdTriples(pf.Field, e.in)
			if err != nil {
				return err
			}
			t.Contract(dst, m3)
			for i := range dst {
				dst[i] /= 6
			}
			return nil
		}
	}
	var eig mat.EigenSym
	var vecs mat.Dense
	ce, cp, cm := make([]float64, n), make([]float64, n), make([]float64, n)
	for c := 0; c < d; c++ {
		U = U[:0]
		for _, i := range outsOf[c] {
			for p := pat.RowPtr[i]; p < pat.RowPtr[i+1]; p++ {
				if a := int(pat.Col[p]); a < d && !inU[a] {
					inU[a] = true
					U = append(U, a)
				}
			}
		}
		for _, a := range U {
			inU[a] = false
		}
		if len(U) == 0 {
			continue
		}
		k := len(U)
		slice := mat.NewSymDense(k, nil)
		smax := 0.0
		for ia, a := range U {
			for ib := ia; ib < k; ib++ {
				x := m3.At(a, U[ib], c)
				slice.SetSym(ia, ib, x)
				smax = math.Max(smax, math.Abs(x))
			}
		}
		if smax == 0 {
			continue
		}
		if !eig.Factorize(slice, true) {
			return errEigen
		}
		vals := eig.Values(nil)
		vecs.Reset() // the slices' sizes differ
		eig.VectorsTo(&vecs)
		for i := range e.dir {
			e.dir[i] = 0
		}
		e.dir[c] = 1
		if err := f.Coef(ce, 3, e.in, e.dir); err != nil {
			return err
		}
		lmax := 0.0
		for _, l := range vals {
			lmax = math.Max(lmax, math.Abs(l))
		}
		for r, l := range vals {
			if math.Abs(l) <= 1e-15*lmax {
				continue
			}
			for i := range e.dir {
				e.dir[i] = 0
			}
			for ia, a := range U {
				e.dir[a] = vecs.At(ia, r)
			}
			e.dir[c] += 1
			if err := f.Coef(cp, 3, e.in, e.dir); err != nil {
				return err
			}
			e.dir[c] -= 2
			if err := f.Coef(cm, 3, e.in, e.dir); err != nil {
				return err
			}
			for i := range dst {
				dst[i] += l * (cp[i] - cm[i] - 2*ce[i])
			}
		}
	}
	for i := range dst {
		dst[i] /= 6
	}
	return nil
}

// fourthWW sets dst to (1/8) Σ_abcd D⁴f_abcd W_ab W_cd, the contraction of D⁴f with the
// Gaussian fourth moment (W_ab W_cd + W_ac W_bd + W_ad W_bc) divided by 24. With
// W = Σ_r s_r u_r u_rᵀ and a_r = √s_r u_r (s_r > 0; W is a covariance) it is
// (1/8) Σ_rs D⁴f[a_r, a_r, a_s, a_s], by polarization
// D⁴f[a,a,b,b] = 2(c₄(a+b) + c₄(a−b) − 2c₄(a) − 2c₄(b)) and D⁴f[a,a,a,a] = 24 c₄(a), c₄ the
// fourth Taylor coefficient: r² fourth-order jet sweeps of f's tape.
//
// With signed set, W may be indefinite: a_r = √|s_r| u_r with the sign σ_r of s_r, and
// the terms are weighted by σ_r σ_s.
func (e *expander) fourthWW(dst []float64, f field) error {
	d, n := e.d, f.Len()
	for i := range dst {
		dst[i] = 0
	}
	if e.degree(f) <= 3 { // D⁴f = 0
		return nil
	}
	// A model field with few Hessian colours is contracted from the colour lattice
	// (autodiff.FourthContractWW: C(C+3, 4) jets) when that takes fewer sweeps than the
	// r² of the eigendecomposition; W enters as it is, so signed W needs nothing special.
	if pf, ok := f.(*plain); ok && pf.Pattern().Cols == d {
		if C := pf.HessianColors(); C <= 8 && C*(C+1)*(C+2)*(C+3)/24 < d*d {
			if err := pf.FourthContractWW(dst, e.in, e.w); err != nil {
				return err
			}
			for i := range dst {
				dst[i] /= 8
			}
			return nil
		}
	}
	if err := e.c.eigen(); err != nil { // the decomposition is computed on first need
		return err
	}
	smax := 0.0
	for _, s := range e.c.vals {
		smax = math.Max(smax, s)
		if e.signed {
			smax = math.Max(smax, -s)
		}
	}
	var dirs [][]float64
	var sign []float64
	for r, s := range e.c.vals {
		if s <= 1e-15*smax && (!e.signed || -s <= 1e-15*smax) {
			continue
		}
		a := make([]float64, d)
		mat.Col(a, r, &e.c.vecs)
		sq := math.Sqrt(math.Abs(s))
		for i := range a {
			a[i] *= sq
		}
		dirs = append(dirs, a)
		sign = append(sign, math.Copysign(1, s))
	}
	single := make([][]float64, len(dirs))
	for r, a := range dirs {
		single[r] = make([]float64, n)
		if err := f.Coef(single[r], 4, e.in, a); err != nil {
			return err
		}
		for i := range dst {
			dst[i] += 24 * single[r][i]
		}
	}
	cp, cm := make([]float64, n), make([]float64, n)
	for r := range dirs {
		for s := r + 1; s < len(dirs); s++ {
			for i := range e.dir {
				e.dir[i] = dirs[r][i] + dirs[s][i]
			}
			if err := f.Coef(cp, 4, e.in, e.dir); err != nil {
				return err
			}
			for i := range e.dir {
				e.dir[i] = dirs[r][i] - dirs[s][i]
			}
			if err := f.Coef(cm, 4, e.in, e.dir); err != nil {
				return err
			}
			sg := sign[r] * sign[s]
			for i := range dst {
				// Both orders (r, s) and (s, r).
				dst[i] += sg * 4 * (cp[i] + cm[i] - 2*single[r][i] - 2*single[s][i])
			}
		}
	}
	for i := range dst {
		dst[i] /= 8
	}
	return nil
}

// hessW sets dst to ½ Σ_ab H_iab S_ab for the drift's Hessian blocks and a symmetric S.
// Cost O(Σ_i |deps_i|²).
func (e *expander) hessContract(dst []float64, s mat.Symmetric) {
	p := e.hb.Pattern
	for i := range dst {
		cols := p.Col[p.RowPtr[i]:p.RowPtr[i+1]]
		blk := e.hb.Val[e.hb.Off[i]:e.hb.Off[i+1]]
		acc := 0.0
		for a, ca := range cols {
			for b, cb := range cols {
				acc += blk[a*len(cols)+b] * s.At(int(ca), int(cb))
			}
		}
		dst[i] = 0.5 * acc
	}
}

// rhs3 returns the symmetric tensor R3 of the stationary third-moment equation
// Σ_modes J·M3 + R3 = 0 (and of Ṁ3 = Σ_modes J·M3 + R3 along a trajectory):
//
//	R3_ijk = Z_i,jk + Z_j,ik + Z_k,ij + Σ_t ℓ_ti ℓ_tj ℓ_tk β_t,
//	Z_s,pq = g_s W_pq + (W H_s W)_pq + Q_pq V_s + Σ_t ℓ_tp ℓ_tq (Dβ_t · W e_s),
//
// g = ½ D²F:W + F₁, H_s the Hessian of F_s, Q the diffusion matrix, β the rates at x.
// Cost O(Σ_s (|deps_s|² d + |deps_s| d²) + d·(transitions) + d³).
func (e *expander) rhs3(g, v []float64, q *mat.SymDense) (*linalg.Tensor3, error) {
	d := e.d
	packed := make([]float64, sym3Len(d))
	if err := e.rhs3Packed(packed, g, v, q); err != nil {
		return nil, err
	}
	z := linalg.NewTensor3(d)
	unpackSym3(z, packed)
	return z, nil
}

// rhs3Packed sets dst[:sym3Len(d)] to R3 packed over the sorted triples i ≤ j ≤ k (the
// order of unpackSym3): the transient system needs only the sorted triples, and its
// right-hand side calls this once per evaluation. Z is never formed in full (d³): for each
// (i, j) the runs k = j … d−1 of Z_i,jk, Z_j,ik and Z_k,ij are summed from rows of W, Q
// and G_s = H_s·W (|block_s| rows of d for each s: (W H_s W)_pq = Σ_a W_{p,a} G_s[a][q] over
// the columns a of the block) and the rates' part Σ_t ℓ_tpℓ_tq (Dβ_t·We_s) of the jump
// pairs (p, q), each entry with the same additions in the same order as when Z was formed
// in full (so that the results do not move by a rounding). Cost O(d³/6·(6 + 3·b)) for
// blocks of size b, plus O(Σ_s b_s² d) and O(transitions·jumps²·d); no d³ storage.
func (e *expander) rhs3Packed(dst []float64, g, v []float64, q *mat.SymDense) error {
	d := e.d
	m := e.m
	sc := &e.c.s
	sc.wr, sc.qr = fullRowsTo(sc.wr, e.w), fullRowsTo(sc.qr, q)
	wr, qr := sc.wr, sc.qr
	// G_s = H_s·W over the block of H_s: gm[goff[s]+a·d : …+d] = Σ_b H_sab W_b·.
	pat := e.hb.Pattern
	sc.goff = growInts(sc.goff, d+1)
	goff := sc.goff
	for s := 0; s < d; s++ {
		goff[s+1] = goff[s] + (pat.RowPtr[s+1]-pat.RowPtr[s])*d
	}
	sc.gm = grow(sc.gm, goff[d])
	gm := sc.gm
	for s := 0; s < d; s++ {
		cols := pat.Col[pat.RowPtr[s]:pat.RowPtr[s+1]]
		blk := e.hb.Val[e.hb.Off[s]:e.hb.Off[s+1]]
		for a := range cols {
			row := gm[goff[s]+a*d : goff[s]+(a+1)*d]
			for b, cb := range cols {
				if h := blk[a*len(cols)+b]; h != 0 {
					floats.AddScaled(row, h, wr[int(cb)*d:(int(cb)+1)*d])
				}
			}
		}
	}
	// Rates' Jacobian times W: BW_ts = Dβ_t · W e_s, over the non-zeros of Dβ (a rate reads
	// few densities): O(nnz·d), not O(nt·d²).
	nt := e.f.rates.Len()
	var jr *linalg.CSR
	if pf, ok := e.f.rates.(*plain); ok {
		if sc.jrOf != pf {
			sc.jrCSR, sc.jrOf = pf.NewCSR(), pf
		}
		jr = sc.jrCSR
		if err := pf.JacobianCSR(jr, e.in); err != nil {
			return err
		}
	} else {
		jd := sized(&sc.jr, nt, d)
		if err := e.f.rates.Jacobian(jd, e.in); err != nil {
			return err
		}
		jr = linalg.FromDense(jd)
	}
	bw := &sc.bw
	mulSymRows(bw, jr, wr, d)
	bwr := bw.RawMatrix()
	sc.rates = grow(sc.rates, nt)
	rates := sc.rates
	if err := e.f.rates.Eval(rates, e.in); err != nil {
		return err
	}
	// The jump pairs (p, q), p ≤ q, and for each its terms ℓ_tpℓ_tq in the order of the
	// transitions and jumps: T_s,pq = Σ over them of ℓ_tpℓ_tq·BW_ts.
	jp := sc.jumpPairs(m, d)
	// Gᵀ for the runs of Z_k,ij over k: gt[(q·d + s)·bmax + a] = G_s[a][q].
	bmax := 0
	for s := 0; s < d; s++ {
		bmax = max(bmax, pat.RowPtr[s+1]-pat.RowPtr[s])
	}
	sc.gt = grow(sc.gt, d*d*bmax)
	gt := sc.gt
	for s := 0; s < d; s++ {
		for a := 0; a < pat.RowPtr[s+1]-pat.RowPtr[s]; a++ {
			row := gm[goff[s]+a*d : goff[s]+(a+1)*d]
			for qq, x := range row {
				gt[(qq*d+s)*bmax+a] = x
			}
		}
	}
	sc.z1, sc.z2 = grow(sc.z1, d), grow(sc.z2, d)
	z1, z2 := sc.z1, sc.z2
	n := 0
	for i := 0; i < d; i++ {
		wi, qi := wr[i*d:(i+1)*d], qr[i*d:(i+1)*d]
		colsI := pat.Col[pat.RowPtr[i]:pat.RowPtr[i+1]]
		for j := i; j < d; j++ {
			wj, qj := wr[j*d:(j+1)*d], qr[j*d:(j+1)*d]
			seg := dst[n : n+d-j]
			n += d - j
			// Z_i,jk and Z_j,ik for k = j … d−1 as runs, each entry as Z was formed in
			// full: the g and V terms, then the block of H_s, then the rates' terms.
			r1, r2 := z1[:d-j], z2[:d-j]
			gi, gj, vi, vj := g[i], g[j], v[i], v[j]
			for x := range r1 {
				k := j + x
				r1[x] = gi*wj[k] + qj[k]*vi
				r2[x] = gj*wi[k] + qi[k]*vj
			}
			for a, ca := range colsI {
				if w := wr[int(ca)*d+j]; w != 0 {
					floats.AddScaled(r1, w, gm[goff[i]+a*d+j:goff[i]+(a+1)*d])
				}
			}
			colsJ := pat.Col[pat.RowPtr[j]:pat.RowPtr[j+1]]
			for a, ca := range colsJ {
				if w := wr[int(ca)*d+i]; w != 0 {
					floats.AddScaled(r2, w, gm[goff[j]+a*d+j:goff[j]+(a+1)*d])
				}
			}
			jp.addRuns(r1, bwr, j, j, i) // pairs (j, k), s = i
			jp.addRuns(r2, bwr, i, j, j) // pairs (i, k), s = j
			// Z_k,ij entry by entry, with the sums of the two runs.
			wij, qij := wi[j], qi[j]
			t3 := jp.idx[i*d+j]
			for x := range seg {
				k := j + x
				z := g[k]*wij + qij*v[k]
				cols := pat.Col[pat.RowPtr[k]:pat.RowPtr[k+1]]
				gk := gt[(j*d+k)*bmax : (j*d+k+1)*bmax]
				for a, ca := range cols {
					if w := wi[ca]; w != 0 { // W_{ca,i}
						z += w * gk[a]
					}
				}
				if t3 >= 0 {
					for _, c := range jp.terms[jp.off[t3]:jp.off[t3+1]] {
						z += c.f * bwr.Data[c.t*bwr.Stride+k]
					}
				}
				seg[x] = r1[x] + r2[x] + z
			}
		}
	}
	// The third jump moments, Σ_t β_t ℓ_t⊗ℓ_t⊗ℓ_t, at the sorted triples: the entry
	// (a, b, c), a ≤ b ≤ c, sums the ordered triples of jumps equal to it in that order.
	for t, tr := range m.IR.Transitions {
		for _, up := range tr.Jump {
			for _, uq := range tr.Jump {
				for _, ur := range tr.Jump {
					if a, b, c := up.Species, uq.Species, ur.Species; a <= b && b <= c {
						dst[sym3Index(d, a, b, c)] += float64(up.Delta*uq.Delta*ur.Delta) * rates[t]
					}
				}
			}
		}
	}
	return nil
}

// jumpPairs lists, for the model's transitions, the ordered pairs of jumps (ℓ_p, ℓ_q) with
// p ≤ q: for each pair (p, q) the terms (t, ℓ_tp·ℓ_tq) in the order of the transitions and
// of their jumps, terms[off[idx[p·d+q]] : off[idx[p·d+q]+1]] (idx −1 for no term).
type jumpPairs struct {
	of    *runtime.Model
	idx   []int
	byP   [][]int // byP[p]: the q of the pairs (p, q), increasing
	off   []int
	terms []struct {
		t int
		f float64
	}
}

// jumpPairs returns the jump pairs of m (built once per model). O(d² + transitions·jumps²).
func (sc *scratch) jumpPairs(m *runtime.Model, d int) *jumpPairs {
	jp := &sc.jp
	if jp.of == m {
		return jp
	}
	jp.of = m
	jp.idx = make([]int, d*d)
	for i := range jp.idx {
		jp.idx[i] = -1
	}
	type term = struct {
		t int
		f float64
	}
	var keys []int
	byKey := map[int][]term{}
	for t, tr := range m.IR.Transitions {
		for _, up := range tr.Jump {
			for _, uq := range tr.Jump {
				if p, q := up.Species, uq.Species; p <= q {
					key := p*d + q
					if _, ok := byKey[key]; !ok {
						keys = append(keys, key)
					}
					byKey[key] = append(byKey[key], term{t, float64(up.Delta * uq.Delta)})
				}
			}
		}
	}
	jp.off = []int{0}
	jp.terms = nil
	jp.byP = make([][]int, d)
	for n, key := range keys {
		jp.idx[key] = n
		jp.terms = append(jp.terms, byKey[key]...)
		jp.off = append(jp.off, len(jp.terms))
		jp.byP[key/d] = append(jp.byP[key/d], key%d)
	}
	for _, qs := range jp.byP {
		slices.Sort(qs)
	}
	return jp
}

// addRuns adds to r[k−j], k = j … j+len(r)−1, the rates' terms of Z_s,pk: for each pair
// (p, k), Σ ℓ_tpℓ_tk·BW_ts over its terms in order. O(pairs of p + terms).
func (jp *jumpPairs) addRuns(r []float64, bw blas64.General, p, j, s int) {
	d := len(jp.byP)
	for _, k := range jp.byP[p] {
		if k < j || k >= j+len(r) {
			continue
		}
		t := jp.idx[p*d+k]
		for _, c := range jp.terms[jp.off[t]:jp.off[t+1]] {
			r[k-j] += c.f * bw.Data[c.t*bw.Stride+s]
		}
	}
}

// sort3 returns a, b, c in increasing order. O(1).
func sort3(a, b, c int) (int, int, int) {
	if a > b {
		a, b = b, a
	}
	if b > c {
		b, c = c, b
	}
	if a > b {
		a, b = b, a
	}
	return a, b, c
}

// growInts is grow for ints.
func growInts(b []int, n int) []int {
	if cap(b) < n {
		return make([]int, n)
	}
	b = b[:n]
	clear(b)
	return b
}

// fullRowsTo returns the d×d symmetric a as a row-major slice of its full rows, in dst
// (grown if short). O(d²).
func fullRowsTo(dst []float64, a *mat.SymDense) []float64 {
	raw := a.RawSymmetric()
	d := raw.N
	out := grow(dst, d*d)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			x := raw.Data[i*raw.Stride+j]
			out[i*d+j], out[j*d+i] = x, x
		}
	}
	return out
}

// sym3Index returns the position of the sorted triple i ≤ j ≤ k in the packing of
// unpackSym3: the triples with a smaller first index, then those (i, j', ·) with j' < j,
// then k − j. O(1).
func sym3Index(d, i, j, k int) int {
	return sym3Len(d) - sym3Len(d-i) + (j-i)*(2*(d-i)-(j-i)+1)/2 + (k - j)
}

// rhs2 returns the symmetric S2 of the second-moment equation J M2 + M2 Jᵀ + S2 = 0:
//
//	S2 = U + Uᵀ + Σ_t ℓ_t ℓ_tᵀ (Dβ_t·V + ½ D²β_t:W + β₁_t),
//	U_ij = ½ Σ_ab H_iab M3_abj + ½ Σ_c K_ic W_cj + F₁_i V_j + (DF₁ W)_ij,
//	K_ic = Σ_ab D³F_iabc W_ab = Σ_r s_r D³F[u_r, u_r, e_c].
//
// Cost O(Σ_i |deps_i|² d) for the first term, r D3Partial calls (4·colours third-order
// sweeps each) for K, one Jacobian of F₁ and O(d³) products.
func (e *expander) rhs2(v []float64, m3 *linalg.Tensor3) (*mat.SymDense, error) {
	d, f := e.d, e.f
	u := sized(&e.c.s.u, d, d)
	pat := e.hb.Pattern
	for i := 0; i < d; i++ {
		cols := pat.Col[pat.RowPtr[i]:pat.RowPtr[i+1]]
		blk := e.hb.Val[e.hb.Off[i]:e.hb.Off[i+1]]
		for a, ca := range cols {
			for b, cb := range cols {
				h := 0.5 * blk[a*len(cols)+b]
				if h == 0 {
					continue
				}
				// Row i of U gains h·M3[ca, cb, ·], contiguous in the tensor.
				o := (int(ca)*d + int(cb)) * d
				floats.AddScaled(u.RawMatrix().Data[i*d:(i+1)*d], h, m3.Data[o:o+d])
			}
		}
	}
	// K = Σ_r s_r D³F[u_r, u_r, ·] = D³F[·, ·, ·]:W on its first two slots.
	if e.degree(f.drift) <= 2 { // D³F = 0, so K = 0
		return e.rhs2Rest(u, nil, v)
	}
	k := sized(&e.c.s.k, d, d)
	part := f.drift.NewCSR()
	if pf, ok := f.drift.(*plain); ok && pf.Pattern().Cols == d && tripleJets(pf.HessianColors()) <= 4*pf.Colors()*d {
		// From the colour triples (10 jets for a banded drift) when that is no dearer than
		// the 4·C sweeps per eigenvector of W (at most d of them) of D3Partial.
		t, err := e.c.thirdTriples(pf.Field, e.in)
		if err != nil {
			return nil, err
		}
		t.PartialWW(part, e.w)
		for i := 0; i < d; i++ {
			for p := part.RowPtr[i]; p < part.RowPtr[i+1]; p++ {
				if c := int(part.Col[p]); c < d {
					k.Set(i, c, part.Val[p])
				}
			}
		}
		return e.rhs2Rest(u, k, v)
	}
	if err := e.c.eigen(); err != nil { // the decomposition is computed on first need
		return nil, err
	}
	smax := 0.0
	for _, s := range e.c.vals {
		smax = math.Max(smax, math.Abs(s))
	}
	ur := make([]float64, d)
	for r, s := range e.c.vals {
		if math.Abs(s) <= 1e-15*smax || s == 0 {
			continue
		}
		mat.Col(ur, r, &e.c.vecs)
		if err := f.drift.D3Partial(part, e.in, ur, ur); err != nil {
			return nil, err
		}
		for i := 0; i < d; i++ {
			for p := part.RowPtr[i]; p < part.RowPtr[i+1]; p++ {
				c := int(part.Col[p])
				if c >= d {
					continue
				}
				k.Set(i, c, k.At(i, c)+s*part.Val[p])
			}
		}
	}
	return e.rhs2Rest(u, k, v)
}

// degree returns an upper bound on the polynomial degree of f in the densities at in
// (autodiff.Polynomial) for a model field, autodiff.Unbounded for the others: the derivatives
// above it are exactly 0, and the contractions that would sweep for them are skipped.
// O(tape).
func degree(f field, in *ir.Inputs) int {
	if pf, ok := f.(*plain); ok {
		deg, _ := pf.Polynomial(in)
		return deg
	}
	return autodiff.Unbounded
}

// degree is degree(f, e.in), found once for all densities for a model field (the
// contractor's cache).
func (e *expander) degree(f field) int {
	if pf, ok := f.(*plain); ok {
		deg, _ := e.c.polynomial(pf, e.in)
		return deg
	}
	return autodiff.Unbounded
}

// tripleJets is the number of jet sweeps of autodiff's colour triples for C colours:
// C + C(C−1) + C(C−1)(C−2)/6.
func tripleJets(C int) int { return C + C*(C-1) + C*(C-1)*(C-2)/6 }

// rhs2Rest finishes rhs2 from U (the D²F:M3 part) and K (D³F contracted with W on two
// slots; nil when D³F = 0).
func (e *expander) rhs2Rest(u, k *mat.Dense, v []float64) (*mat.SymDense, error) {
	d, m, f := e.d, e.m, e.f
	sc := &e.c.s
	ur := u.RawMatrix()
	if k != nil {
		kw := sized(&sc.kw, d, d)
		kw.Mul(k, e.w)
		for i := 0; i < d; i++ {
			floats.AddScaled(ur.Data[i*ur.Stride:i*ur.Stride+d], 0.5, kw.RawRowView(i))
		}
	}
	sc.f1 = grow(sc.f1, d)
	f1 := sc.f1
	if err := f.drift1.Eval(f1, e.in); err != nil {
		return nil, err
	}
	for i := 0; i < d; i++ {
		floats.AddScaled(ur.Data[i*ur.Stride:i*ur.Stride+d], f1[i], v)
	}
	// DF₁·W, unless F₁ reads no density (structurally: 0 for most models).
	if p := f.drift1.Pattern(); p.RowPtr[p.Rows] > 0 {
		j1 := sized(&sc.j1, d, d)
		if err := f.drift1.Jacobian(j1, e.in); err != nil {
			return nil, err
		}
		j1w := sized(&sc.j1w, d, d)
		j1w.Mul(j1, e.w)
		for i := 0; i < d; i++ {
			floats.Add(ur.Data[i*ur.Stride:i*ur.Stride+d], j1w.RawRowView(i))
		}
	}
	// Rates: Dβ·V, ½ D²β:W, β₁.
	nt := f.rates.Len()
	sc.dv, sc.r2, sc.b1 = grow(sc.dv, nt), grow(sc.r2, nt), grow(sc.b1, nt)
	dv, r2, b1 := sc.dv, sc.r2, sc.b1
	if err := f.rates.Directional(dv, e.in, v); err != nil {
		return nil, err
	}
	if err := e.c.apply(r2, f.rates, e.in); err != nil {
		return nil, err
	}
	if err := f.rates1.Eval(b1, e.in); err != nil {
		return nil, err
	}
	s2 := mat.NewSymDense(d, nil)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			s2.SetSym(i, j, u.At(i, j)+u.At(j, i))
		}
	}
	for t := range dv {
		dv[t] = dv[t] + r2[t] + b1[t] // the weight of ℓ_tℓ_tᵀ
	}
	lna.AddDiffusion(s2, m, dv)
	return s2, nil
}

// rhs1 returns b₂ of the 1/N² mean equation J A + b₂ = 0:
//
//	b₂ = ½ D²F:M2 + (1/6) D³F:M3 + (1/8) D⁴F:(W,W) + DF₁·V + ½ D²F₁:W + F₂.
func (e *expander) rhs1(v []float64, m2 *mat.SymDense, m3 *linalg.Tensor3) ([]float64, error) {
	d, f := e.d, e.f
	b := make([]float64, d)
	e.hessContract(b, m2)
	tmp := make([]float64, d)
	if err := e.third(tmp, f.drift, m3); err != nil {
		return nil, err
	}
	add(b, tmp)
	if err := e.fourthWW(tmp, f.drift); err != nil {
		return nil, err
	}
	add(b, tmp)
	if err := f.drift1.Directional(tmp, e.in, v); err != nil {
		return nil, err
	}
	add(b, tmp)
	if err := e.c.apply(tmp, f.drift1, e.in); err != nil {
		return nil, err
	}
	add(b, tmp)
	if err := f.drift2.Eval(tmp, e.in); err != nil {
		return nil, err
	}
	add(b, tmp)
	return b, nil
}

// observables2 returns for each scaled observable the 1/N² coefficient
//
//	D = Dh₀·A + ½ D²h₀:M2 + (1/6) D³h₀:M3 + (1/8) D⁴h₀:(W,W) + Dh₁·V + ½ D²h₁:W + h₂.
func (e *expander) observables2(v []float64, mo *moments2) ([]float64, error) {
	m := e.m
	o := e.f.obs
	n := o.Len()
	if n == 0 {
		return nil, nil
	}
	tot := make([]float64, n)
	tmp := make([]float64, n)
	h := make([]float64, n)
	if err := o.Eval(h, e.in); err != nil {
		return nil, err
	}
	if err := o.Directional(tmp, e.in, mo.A); err != nil {
		return nil, err
	}
	add(tot, tmp)
	c2 := newContractor(e.d)
	if err := c2.contract(tmp, o, e.in, mo.M2); err != nil {
		return nil, err
	}
	add(tot, tmp)
	if err := e.third(tmp, o, mo.M3); err != nil {
		return nil, err
	}
	add(tot, tmp)
	if err := e.fourthWW(tmp, o); err != nil {
		return nil, err
	}
	add(tot, tmp)
	dv := make([]float64, n)
	if err := o.Directional(dv, e.in, v); err != nil {
		return nil, err
	}
	w2 := make([]float64, n)
	if err := e.c.apply(w2, o, e.in); err != nil {
		return nil, err
	}
	var out []float64
	for i, sc := range m.ObservableScaled {
		if !sc {
			continue
		}
		out = append(out, tot[3*i]+dv[3*i+1]+w2[3*i+1]+h[3*i+2])
	}
	return out, nil
}

// scratch holds the temporaries of the order-2 contractions between calls (in the
// contractor, which lives as long as the analysis): a right-hand side of the transient
// system then allocates only its results.
type scratch struct {
	wr, qr, rates, f1, dv, r2, b1 []float64
	gm, gt, z1, z2                []float64 // G_s = H_s·W, Gᵀ and runs of Z of rhs3Packed
	goff                          []int
	jp                            jumpPairs
	jr, bw, u, k, kw, j1, j1w     mat.Dense
	jrCSR                         *linalg.CSR // Dβ over its pattern, for the field jrOf
	jrOf                          *plain
}

// grow returns b resized to n zeros, reallocated only if its capacity is short. O(n).
func grow(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	b = b[:n]
	clear(b)
	return b
}

// sized returns m resized to r×c and zeroed (reallocated only if its capacity is short).
// O(r·c).
func sized(m *mat.Dense, r, c int) *mat.Dense {
	if rr, cc := m.Dims(); rr != r || cc != c {
		m.Reset()
		m.ReuseAs(r, c)
		return m
	}
	m.Zero()
	return m
}

func add(dst, x []float64) {
	for i := range dst {
		dst[i] += x[i]
	}
}

// stationary2 solves the order-2 equations at the fixed point in reduced coordinates
// (P the orthonormal basis of the laws' null space, Jr = PᵀJP):
//
//	M3 = P-lift of the solution of Σ_modes Jr·M3r = −R3 ×Pᵀ  (tensor Sylvester, O(r⁴)),
//	M2 = P M2r Pᵀ, Jr M2r + M2r Jrᵀ + PᵀS2P = 0               (Bartels–Stewart, O(r³)),
//	A  = −P Jr⁻¹ Pᵀ b₂.
//
// Jr is stable (lna.Stationary checked it), so the two moment equations are solved on the
// closure of their right-hand sides' support under Jr's pattern only (TensorSylvesterStable,
// LyapunovStable: exact, O(|S|⁴) and O(|S|³)): at JSQ K = 300 the coordinates beyond x_10,
// zero at the fixed point, are neither excited by noise nor fed by the others.
func stationary2(e *expander, q *mat.SymDense, basis *linalg.Basis, jr *mat.Dense, g, v []float64) (*moments2, error) {
	d := e.d
	p := basis.P
	_, r := basis.Dims()
	ident := r == d && isIdentity(p)
	r3, err := e.rhs3(g, v, q)
	if err != nil {
		return nil, err
	}
	var m3 *linalg.Tensor3
	if ident {
		m3, err = linalg.TensorSylvesterStable(jr, r3)
	} else {
		var m3r *linalg.Tensor3
		m3r, err = linalg.TensorSylvesterStable(jr, linalg.Transform(r3, p, true))
		if err == nil {
			m3 = linalg.Transform(m3r, p, false)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("refine: the third-moment equation: %w", err)
	}
	s2, err := e.rhs2(v, m3)
	if err != nil {
		return nil, err
	}
	m2, _, err := basis.LyapunovStable(jr, s2)
	if err != nil {
		return nil, err
	}
	b2, err := e.rhs1(v, m2, m3)
	if err != nil {
		return nil, err
	}
	a, err := reducedSolve(basis, jr, b2)
	if err != nil {
		return nil, err
	}
	return &moments2{A: a, M2: m2, M3: m3}, nil
}

func isIdentity(p *mat.Dense) bool {
	r, c := p.Dims()
	for i := 0; i < r; i++ {
		for k := 0; k < c; k++ {
			want := 0.0
			if i == k {
				want = 1
			}
			if p.At(i, k) != want {
				return false
			}
		}
	}
	return true
}

var errEigen = errors.New("refine: symmetric eigendecomposition failed")

// reducedSolve returns −P Jr⁻¹ Pᵀ b. Cost O(dr + r³).
func reducedSolve(basis *linalg.Basis, jr *mat.Dense, b []float64) ([]float64, error) {
	nb := make([]float64, len(b))
	for i, x := range b {
		nb[i] = -x
	}
	z, err := basis.Solve(jr, nb)
	if err != nil {
		return nil, fmt.Errorf("refine: reduced Jacobian: %w", err)
	}
	return z, nil
}
