package autodiff

import (
	"fmt"
	"slices"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime/linalg"
)

// polar sets dst to the symmetric n-linear form D^nF[x_1, …, x_n] (2 ≤ n ≤ MaxOrder) over the
// values in ws.val, by the polarization identity for the homogeneous q(x) = n!·c_n(x):
//
//	D^nF[x_1, …, x_n] = 2^{1−n} Σ_{ε ∈ {±1}^{n−1}} ε_2⋯ε_n · c_n(x_1 + ε_2 x_2 + … + ε_n x_n),
//
// 2^{n−1} jet sweeps of order n. All weights are ±2^{1−n}, exact in floating point.
func (ws *Workspace) polar(dst []float64, n int, x *[MaxOrder][]float64) error {
	for i := range dst {
		dst[i] = 0
	}
	// The terms are taken in pairs differing only in the sign of x_n, and each pair is
	// subtracted before it is added to the sum: an output that does not depend on x_n gets
	// exactly 0, which makes the colour sums of the partial contractions exact.
	for mask := 0; mask < 1<<(n-2); mask++ {
		sign := 1.0
		for i := 2; i < n; i++ {
			if mask>>(i-2)&1 == 1 {
				sign = -sign
			}
		}
		for _, e := range [2]float64{1, -1} {
			comb := ws.comb
			copy(comb, x[0])
			for i := 1; i < n; i++ {
				ei := e
				if i < n-1 {
					ei = 1
					if mask>>(i-1)&1 == 1 {
						ei = -1
					}
				}
				for j, xj := range x[i] {
					comb[j] += ei * xj
				}
			}
			if err := ws.sweep(n, comb); err != nil {
				return err
			}
			if e == 1 {
				ws.outputs(ws.sum, n)
				continue
			}
			for i, s := range ws.tape.Out {
				dst[i] += sign * (ws.sum[i] - ws.der[int(s)*n+n-1])
			}
		}
	}
	scale := 1 / float64(int(1)<<(n-1))
	for i := range dst {
		dst[i] *= scale
	}
	return nil
}

func (ws *Workspace) contract(dst []float64, in *ir.Inputs, x [MaxOrder][]float64, n int) error {
	ws.checkOut(len(dst))
	for _, v := range x[:n] {
		ws.checkDir(v)
	}
	ws.eval(in)
	return ws.polar(dst, n, &x)
}

// D2 sets dst[i] = D²F_i(x)[u, v] = (D²F_i[u+v, u+v] − D²F_i[u−v, u−v])/4.
// Cost: one evaluation and 2 jet sweeps of order 2.
func D2(dst []float64, ws *Workspace, in *ir.Inputs, u, v []float64) error {
	return ws.contract(dst, in, [MaxOrder][]float64{u, v}, 2)
}

// D3 sets dst[i] = D³F_i(x)[u, v, w]. Cost: one evaluation and 4 jet sweeps of order 3.
func D3(dst []float64, ws *Workspace, in *ir.Inputs, u, v, w []float64) error {
	return ws.contract(dst, in, [MaxOrder][]float64{u, v, w}, 3)
}

// D4 sets dst[i] = D⁴F_i(x)[u, v, w, z]. Cost: one evaluation and 8 jet sweeps of order 4.
func D4(dst []float64, ws *Workspace, in *ir.Inputs, u, v, w, z []float64) error {
	return ws.contract(dst, in, [MaxOrder][]float64{u, v, w, z}, 4)
}

// D5 sets dst[i] = D⁵F_i(x)[u, v, w, z, y]. Cost: one evaluation and 16 jet sweeps of order 5.
func D5(dst []float64, ws *Workspace, in *ir.Inputs, u, v, w, z, y []float64) error {
	return ws.contract(dst, in, [MaxOrder][]float64{u, v, w, z, y}, 5)
}

// partial sets dst (jac's pattern) to D^nF[x_1, …, x_{n−1}, ·]: column j of output i is
// D^nF_i[x_1, …, x_{n−1}, e_j], which vanishes unless F_i depends on x_j, so the columns of
// one colour are obtained together from D^nF[x_1, …, x_{n−1}, Σ_{j ∈ colour} e_j].
func (jac *Jacobian) partial(dst *linalg.CSR, ws *Workspace, in *ir.Inputs, x [MaxOrder][]float64, n int) error {
	jac.check(ws)
	jac.checkCSR(dst)
	for _, v := range x[:n-1] {
		ws.checkDir(v)
	}
	ws.eval(in)
	for c := 0; c < jac.ncolor; c++ {
		x[n-1] = jac.setColor(ws, c, 1)
		err := ws.polar(ws.acc, n, &x)
		jac.setColor(ws, c, 0)
		if err != nil {
			return err
		}
		jac.scatter(nil, dst, c, ws.acc)
	}
	return nil
}

// D2Partial sets dst, which must come from jac.NewCSR, to the outputs × vars matrix
// D²F[u, ·]. Cost: one evaluation and 2·Colors() jet sweeps of order 2.
func D2Partial(dst *linalg.CSR, jac *Jacobian, ws *Workspace, in *ir.Inputs, u []float64) error {
	return jac.partial(dst, ws, in, [MaxOrder][]float64{u}, 2)
}

// D3Partial sets dst (from jac.NewCSR) to D³F[u, v, ·]. Cost: one evaluation and
// 4·Colors() jet sweeps of order 3.
func D3Partial(dst *linalg.CSR, jac *Jacobian, ws *Workspace, in *ir.Inputs, u, v []float64) error {
	return jac.partial(dst, ws, in, [MaxOrder][]float64{u, v}, 3)
}

// D4Partial sets dst (from jac.NewCSR) to D⁴F[u, v, w, ·]. Cost: one evaluation and
// 8·Colors() jet sweeps of order 4.
func D4Partial(dst *linalg.CSR, jac *Jacobian, ws *Workspace, in *ir.Inputs, u, v, w []float64) error {
	return jac.partial(dst, ws, in, [MaxOrder][]float64{u, v, w}, 4)
}

// Blocks holds one dense symmetric block per output: the Hessian of output i restricted to
// the variables it depends on, cols = Pattern().Col[RowPtr[i]:RowPtr[i+1]], row-major
// in Val[Off[i]:Off[i+1]] (|cols|² entries). Every entry outside the blocks is zero.
type Blocks struct {
	Pattern *linalg.CSR
	Off     []int
	Val     []float64
}

// At returns ∂²F_i/∂x_j∂x_k.
func (b *Blocks) At(i, j, k int) float64 {
	p := b.Pattern
	cols := p.Col[p.RowPtr[i]:p.RowPtr[i+1]]
	a, c := index(cols, j), index(cols, k)
	if a < 0 || c < 0 {
		return 0
	}
	return b.Val[b.Off[i]+a*len(cols)+c]
}

func index(cols []int32, j int) int {
	lo, hi := 0, len(cols)
	for lo < hi {
		m := (lo + hi) / 2
		if int(cols[m]) < j {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(cols) && int(cols[lo]) == j {
		return lo
	}
	return -1
}

// NewBlocks returns zeroed Hessian blocks for jac's pattern, the destination of
// HessianBlocks.
func (jac *Jacobian) NewBlocks() *Blocks {
	p := &jac.pat
	b := &Blocks{Pattern: p, Off: make([]int, p.Rows+1)}
	for i := 0; i < p.Rows; i++ {
		r := p.RowPtr[i+1] - p.RowPtr[i]
		b.Off[i+1] = b.Off[i] + r*r
	}
	b.Val = make([]float64, b.Off[p.Rows])
	return b
}

// hessPairs fills ws.pair with D²F[s_a, s_b] for every pair of Hessian colours a ≤ b,
// where s_c is the indicator of colour c: c_2 along s_a, then along s_a + s_b, and
// D²F[s_a, s_b] = c_2(s_a + s_b) − c_2(s_a) − c_2(s_b), D²F[s_a, s_a] = 2 c_2(s_a).
func (jac *Jacobian) hessPairs(ws *Workspace, in *ir.Inputs) error {
	jac.check(ws)
	C, m := jac.nhcolor, len(ws.tape.Out)
	if len(ws.pair) < C*C*m {
		ws.pair = make([]float64, C*C*m)
	}
	ws.eval(in)
	for a := 0; a < C; a++ {
		err := ws.sweep(2, jac.setHColor(ws, a, 1))
		jac.setHColor(ws, a, 0)
		if err != nil {
			return err
		}
		ws.outputs(ws.pair[(a*C+a)*m:(a*C+a+1)*m], 2)
	}
	for a := 0; a < C; a++ {
		for b := a + 1; b < C; b++ {
			jac.setHColor(ws, a, 1)
			err := ws.sweep(2, jac.setHColor(ws, b, 1))
			jac.setHColor(ws, a, 0)
			jac.setHColor(ws, b, 0)
			if err != nil {
				return err
			}
			ab, ba := ws.pair[(a*C+b)*m:(a*C+b+1)*m], ws.pair[(b*C+a)*m:(b*C+a+1)*m]
			aa, bb := ws.pair[(a*C+a)*m:], ws.pair[(b*C+b)*m:]
			ws.outputs(ab, 2)
			for i := range ab {
				ab[i] -= aa[i] + bb[i]
				ba[i] = ab[i]
			}
		}
	}
	for a := 0; a < C; a++ {
		aa := ws.pair[(a*C+a)*m : (a*C+a+1)*m]
		for i := range aa {
			aa[i] *= 2
		}
	}
	return nil
}

// HessianBlocks sets dst (from jac.NewBlocks) to the Hessians of all outputs at in (zero
// blocks for the affine outputs). Cost: one evaluation, C(C+1)/2 jet sweeps of order 2 for
// C = HessianColors(), and O(Σ_i |row_i|²) to scatter; for a banded drift, O(d).
func HessianBlocks(dst *Blocks, jac *Jacobian, ws *Workspace, in *ir.Inputs) error {
	if err := jac.hessPairs(ws, in); err != nil {
		return err
	}
	p, C, m := &jac.pat, jac.nhcolor, jac.pat.Rows
	for i := 0; i < m; i++ {
		cols := p.Col[p.RowPtr[i]:p.RowPtr[i+1]]
		blk := dst.Val[dst.Off[i]:dst.Off[i+1]]
		if jac.affine[i] {
			clear(blk)
			continue
		}
		for a, j := range cols {
			for b, k := range cols {
				blk[a*len(cols)+b] = ws.pair[(jac.hcolor[j]*C+jac.hcolor[k])*m+i]
			}
		}
	}
	return nil
}

// Hessian sets dst[i], which must be empty or vars × vars, to the Hessian of output i at
// in. Cost as HessianBlocks, plus zeroing the len(dst)·vars² entries.
func Hessian(dst []*mat.SymDense, jac *Jacobian, ws *Workspace, in *ir.Inputs) error {
	p, C, m, n := &jac.pat, jac.nhcolor, jac.pat.Rows, jac.pat.Cols
	if len(dst) != m {
		panic("autodiff: Hessian: len(dst) != outputs")
	}
	if err := jac.hessPairs(ws, in); err != nil {
		return err
	}
	for i, h := range dst {
		if h.IsEmpty() {
			h.ReuseAsSym(n)
		} else if h.SymmetricDim() != n {
			panic(mat.ErrShape)
		}
		h.Zero()
		if jac.affine[i] {
			continue
		}
		cols := p.Col[p.RowPtr[i]:p.RowPtr[i+1]]
		for a, j := range cols {
			for _, k := range cols[a:] {
				h.SetSym(int(j), int(k), ws.pair[(jac.hcolor[j]*C+jac.hcolor[k])*m+i])
			}
		}
	}
	return nil
}

// Triples holds the third derivatives of a field at one point along the colour indicators
// of its Hessian colouring: for every ordered triple of colours (a, b, c) the vector over
// the outputs D³F[s_a, s_b, s_c] (all permutations share one vector). Computed once by
// ThirdTriples, it serves every contraction at that point (Contract, PartialWW).
type Triples struct {
	jac  *Jacobian
	trip [][]float64 // trip[(a·C + b)·C + c]
}

// ThirdTriples computes the colour triples of F at in (nil vectors when F has no
// non-affine output). Cost: C + C(C−1) + C(C−1)(C−2)/6 jet sweeps of order 3 for C =
// HessianColors().
func (jac *Jacobian) ThirdTriples(ws *Workspace, in *ir.Inputs) (*Triples, error) {
	jac.check(ws)
	t := &Triples{jac: jac}
	C := jac.nhcolor
	if C == 0 {
		return t, nil
	}
	trip, err := jac.thirdTriples(ws, in)
	if err != nil {
		return nil, err
	}
	// Every permutation of a sorted triple points to its vector.
	for a := 0; a < C; a++ {
		for b := a; b < C; b++ {
			for c := b; c < C; c++ {
				v := trip[(a*C+b)*C+c]
				for _, q := range [6][3]int{{a, b, c}, {a, c, b}, {b, a, c}, {b, c, a}, {c, a, b}, {c, b, a}} {
					trip[(q[0]*C+q[1])*C+q[2]] = v
				}
			}
		}
	}
	t.trip = trip
	return t, nil
}

// thirdTriples returns, for the colours a ≤ b ≤ c of the Hessian colouring (C ≥ 1), the
// vectors over the outputs D³F[s_a, s_b, s_c] at trip[(a·C + b)·C + c], from the third
// Taylor coefficients c₃(u) = D³F[u, u, u]/6 (one jet sweep each):
//
//	D³[a,a,a] = 6c₃(s_a),
//	D³[a,a,b] = c₃(s_a+s_b) − c₃(s_a−s_b) − 2c₃(s_b),  D³[a,b,b] = c₃(s_a+s_b) + c₃(s_a−s_b) − 2c₃(s_a),
//	D³[a,b,c] = c₃(s_a+s_b+s_c) − Σ_x c₃(s_x) − ½ Σ_{x≠y} D³[x,x,y]   (a < b < c),
//
// so C + C(C−1) + C(C−1)(C−2)/6 sweeps in all (10 for C = 3).
func (jac *Jacobian) thirdTriples(ws *Workspace, in *ir.Inputs) ([][]float64, error) {
	p, C, n := &jac.pat, jac.nhcolor, jac.pat.Cols
	ind := make([][]float64, C)
	for c := range ind {
		ind[c] = make([]float64, n)
		for _, j := range jac.hcols[jac.hcolOff[c]:jac.hcolOff[c+1]] {
			ind[c][j] = 1
		}
	}
	mo := p.Rows
	jet := make([]float64, mo*4)
	c3 := func(v []float64) ([]float64, error) {
		if err := Jet(jet, 3, ws, in, v); err != nil {
			return nil, err
		}
		out := make([]float64, mo)
		for i := range out {
			out[i] = jet[i*4+3]
		}
		return out, nil
	}
	combo := func(sign []float64, cs ...int) []float64 {
		v := make([]float64, n)
		for k, c := range cs {
			floats.AddScaled(v, sign[k], ind[c])
		}
		return v
	}
	single := make([][]float64, C)
	trip := make([][]float64, C*C*C)
	at := func(a, b, c int) []float64 { return trip[(a*C+b)*C+c] }
	for a := 0; a < C; a++ {
		var err error
		if single[a], err = c3(ind[a]); err != nil {
			return nil, err
		}
		v := make([]float64, mo)
		floats.AddScaled(v, 6, single[a])
		trip[(a*C+a)*C+a] = v
	}
	for a := 0; a < C; a++ {
		for b := a + 1; b < C; b++ {
			pp, err := c3(combo([]float64{1, 1}, a, b))
			if err != nil {
				return nil, err
			}
			pm, err := c3(combo([]float64{1, -1}, a, b))
			if err != nil {
				return nil, err
			}
			aab, abb := make([]float64, mo), make([]float64, mo)
			for i := range aab {
				aab[i] = pp[i] - pm[i] - 2*single[b][i]
				abb[i] = pp[i] + pm[i] - 2*single[a][i]
			}
			trip[(a*C+a)*C+b], trip[(a*C+b)*C+b] = aab, abb
		}
	}
	for a := 0; a < C; a++ {
		for b := a + 1; b < C; b++ {
			for c := b + 1; c < C; c++ {
				t, err := c3(combo([]float64{1, 1, 1}, a, b, c))
				if err != nil {
					return nil, err
				}
				abc := make([]float64, mo)
				aab, aac, abb := at(a, a, b), at(a, a, c), at(a, b, b)
				bbc, acc, bcc := at(b, b, c), at(a, c, c), at(b, c, c)
				for i := range abc {
					abc[i] = t[i] - single[a][i] - single[b][i] - single[c][i] -
						(aab[i]+aac[i]+abb[i]+bbc[i]+acc[i]+bcc[i])/2
				}
				trip[(a*C+b)*C+c] = abc
			}
		}
	}
	return trip, nil
}

// ThirdContract sets dst[i] = Σ_{j,k,l} ∂³F_i/∂x_j∂x_k∂x_l M_jkl for a symmetric tensor M
// over the variables (M.N = number of variables), from the colour triples at in
// (ThirdTriples, then Triples.Contract). For each non-affine output, D³F[s_a, s_b, s_c]
// holds its one derivative ∂³F_i/∂x_j∂x_k∂x_l with j, k, l the columns of colours a, b, c
// among the variables it depends on (a colour has at most one there). Affine outputs get
// 0. Cost: the triples' jet sweeps and O(Σ_i |row_i|³) — independent of the number of
// variables for a banded field, where contracting slice by slice costs O(vars) sweeps.
func ThirdContract(dst []float64, jac *Jacobian, ws *Workspace, in *ir.Inputs, m *linalg.Tensor3) error {
	t, err := jac.ThirdTriples(ws, in)
	if err != nil {
		return err
	}
	t.Contract(dst, m)
	return nil
}

// Contract sets dst[i] = Σ_{j,k,l} ∂³F_i/∂x_j∂x_k∂x_l M_jkl (see ThirdContract). O(Σ_i |row_i|³).
func (t *Triples) Contract(dst []float64, m *linalg.Tensor3) {
	jac := t.jac
	p, C, n := &jac.pat, jac.nhcolor, jac.pat.Cols
	if m.N != n || len(dst) != p.Rows {
		panic("autodiff: Triples.Contract: dimension mismatch")
	}
	clear(dst)
	if C == 0 {
		return
	}
	md, hc := m.Data, jac.hcolor
	for i := 0; i < p.Rows; i++ {
		if jac.affine[i] {
			continue
		}
		cols := p.Col[p.RowPtr[i]:p.RowPtr[i+1]]
		s := 0.0
		for _, j := range cols {
			for _, k := range cols {
				base := (int(j)*n + int(k)) * n
				ab := (hc[j]*C + hc[k]) * C
				for _, l := range cols {
					if x := md[base+int(l)]; x != 0 {
						s += t.trip[ab+hc[l]][i] * x
					}
				}
			}
		}
		dst[i] = s
	}
}

// ThirdPartialWW sets dst (from jac.NewCSR) to the outputs × variables matrix
// K_ic = Σ_{a,b} ∂³F_i/∂x_a∂x_b∂x_c W_ab, D³F[·, ·, e_c] contracted with a symmetric W, from
// the colour triples (ThirdTriples, then Triples.PartialWW; 10 jets for a banded field's 3
// colours, against 4·C sweeps per eigenvector of W through D3Partial). Affine outputs get
// 0. Cost: those jets and O(Σ_i |row_i|³).
func ThirdPartialWW(dst *linalg.CSR, jac *Jacobian, ws *Workspace, in *ir.Inputs, w *mat.SymDense) error {
	t, err := jac.ThirdTriples(ws, in)
	if err != nil {
		return err
	}
	t.PartialWW(dst, w)
	return nil
}

// PartialWW sets dst (from NewCSR of the Jacobian) to K_ic = Σ_{a,b} ∂³F_i/∂x_a∂x_b∂x_c W_ab
// (see ThirdPartialWW). O(Σ_i |row_i|³).
func (t *Triples) PartialWW(dst *linalg.CSR, w *mat.SymDense) {
	jac := t.jac
	jac.checkCSR(dst)
	p, C := &jac.pat, jac.nhcolor
	if w.SymmetricDim() != p.Cols {
		panic("autodiff: Triples.PartialWW: dimension mismatch")
	}
	clear(dst.Val)
	if C == 0 {
		return
	}
	wr, hc := w.RawSymmetric(), jac.hcolor
	for i := 0; i < p.Rows; i++ {
		if jac.affine[i] {
			continue
		}
		lo, hi := p.RowPtr[i], p.RowPtr[i+1]
		cols := p.Col[lo:hi]
		for q, c := range cols {
			sum := 0.0
			for _, a := range cols {
				for _, b := range cols {
					aa, bb := int(a), int(b)
					if aa > bb {
						aa, bb = bb, aa
					}
					if wab := wr.Data[aa*wr.Stride+bb]; wab != 0 {
						sum += t.trip[(hc[a]*C+hc[b])*C+hc[c]][i] * wab
					}
				}
			}
			dst.Val[lo+q] = sum
		}
	}
}

// FourthContractWW sets dst[i] = Σ_{j,k,l,m} ∂⁴F_i/∂x_j∂x_k∂x_l∂x_m W_jk W_lm for a symmetric
// W over the variables, from fourth Taylor coefficients along integer combinations of the
// colour indicators of the Hessian colouring. With t ∈ ℕ^C, c₄(Σ_x t_x s_x) is, for every
// non-affine output, a homogeneous quartic in t whose coefficient of t^α is T_α/α!, T_α the
// derivative along the columns of the colours of α (one column per colour among the
// variables the output depends on). It is evaluated at the M = C(C+3, 4) lattice points
// |t| = 4 and interpolated (a dense M×M solve, factorised once per call), then contracted.
// Affine outputs get 0. Cost: M evaluations and jet sweeps of order 4 (15 for a banded
// field's C = 3, against r² for an eigendecomposition of W of rank r), O(M³) for the solve
// and O(Σ_i |row_i|⁴). Refused (an error) for C > 8, where M exceeds 330.
func FourthContractWW(dst []float64, jac *Jacobian, ws *Workspace, in *ir.Inputs, w *mat.SymDense) error {
	jac.check(ws)
	p, C, n := &jac.pat, jac.nhcolor, jac.pat.Cols
	if w.SymmetricDim() != n || len(dst) != p.Rows {
		panic("autodiff: FourthContractWW: dimension mismatch")
	}
	clear(dst)
	if C == 0 {
		return nil
	}
	if C > 8 {
		return fmt.Errorf("autodiff: FourthContractWW: %d colours, more than 8", C)
	}
	// The exponents α with |α| = 4 (the monomials, and also the lattice points t = α).
	var alphas [][]int
	var rec func(x, left int, cur []int)
	rec = func(x, left int, cur []int) {
		if x == C-1 {
			a := append(append([]int(nil), cur...), left)
			alphas = append(alphas, a)
			return
		}
		for k := left; k >= 0; k-- {
			rec(x+1, left-k, append(cur, k))
		}
	}
	rec(0, 4, nil)
	M := len(alphas)
	// quad[((a·C + b)·C + c)·C + d] is the monomial of the colours a, b, c, d (in any
	// order) and weight[·] its α! = Π_x α_x!, so that the innermost loop only indexes.
	fact := [5]float64{1, 1, 2, 6, 24}
	quad := make([]int, C*C*C*C)
	weight := make([]float64, C*C*C*C)
	for q := range quad {
		var a [8]int
		for r, x := 0, q; r < 4; r, x = r+1, x/C {
			a[x%C]++
		}
		for mi, al := range alphas {
			if slices.Equal(al, a[:C]) {
				quad[q] = mi
				break
			}
		}
		weight[q] = 1
		for x := 0; x < C; x++ {
			weight[q] *= fact[a[x]]
		}
	}
	// V[point][monomial] = t^α at t = point.
	vm := mat.NewDense(M, M, nil)
	for r, t := range alphas {
		for c, a := range alphas {
			v := 1.0
			for x := range a {
				for k := 0; k < a[x]; k++ {
					v *= float64(t[x])
				}
			}
			vm.Set(r, c, v)
		}
	}
	var lu mat.LU
	lu.Factorize(vm)
	if lu.Det() == 0 {
		return fmt.Errorf("autodiff: FourthContractWW: singular interpolation")
	}
	// c₄ at every lattice point, for every output: rows of vals.
	mo := p.Rows
	vals := mat.NewDense(M, mo, nil)
	jet := make([]float64, mo*5)
	dir := make([]float64, n)
	for r, t := range alphas {
		clear(dir)
		for x, tx := range t {
			if tx == 0 {
				continue
			}
			for _, j := range jac.hcols[jac.hcolOff[x]:jac.hcolOff[x+1]] {
				dir[j] = float64(tx)
			}
		}
		if err := Jet(jet, 4, ws, in, dir); err != nil {
			return err
		}
		for i := 0; i < mo; i++ {
			vals.Set(r, i, jet[i*5+4])
		}
	}
	var coef mat.Dense // coef[monomial][output] = T_α/α!
	if err := lu.SolveTo(&coef, false, vals); err != nil {
		return fmt.Errorf("autodiff: FourthContractWW: %w", err)
	}
	wr := w.RawSymmetric()
	wat := func(a, b int32) float64 {
		if a > b {
			a, b = b, a
		}
		return wr.Data[int(a)*wr.Stride+int(b)]
	}
	hc := jac.hcolor
	for i := 0; i < mo; i++ {
		if jac.affine[i] {
			continue
		}
		cols := p.Col[p.RowPtr[i]:p.RowPtr[i+1]]
		s := 0.0
		for _, j := range cols {
			for _, k := range cols {
				wjk := wat(j, k)
				if wjk == 0 {
					continue
				}
				for _, l := range cols {
					for _, m := range cols {
						wlm := wat(l, m)
						if wlm == 0 {
							continue
						}
						q := ((hc[j]*C+hc[k])*C+hc[l])*C + hc[m]
						s += coef.At(quad[q], i) * weight[q] * wjk * wlm
					}
				}
			}
		}
		dst[i] = s
	}
	return nil
}
