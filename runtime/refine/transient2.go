package refine

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/lna"
	"github.com/mfcproject/mfc/runtime/ode"
)

// sym3Len is the number of entries i ≤ j ≤ k of a symmetric d×d×d tensor.
func sym3Len(d int) int { return d * (d + 1) * (d + 2) / 6 }

// unpackSym3 sets the symmetric t from its entries at the sorted triples i ≤ j ≤ k, packed
// in that loop order (sym3Index). It writes t in storage order, reading the packed vector
// (a sixth of t's size, cache-resident) by index: O(d³) with sequential writes.
func unpackSym3(t *linalg.Tensor3, src []float64) { unpackSym3Off(t, src, sym3Offsets(t.N)) }

// sym3Offsets returns the table of unpackSym3Off: off[x·d+y] = sym3Index(d, x, y, y) for
// x ≤ y. O(d²).
func sym3Offsets(d int) []int {
	off := make([]int, d*d)
	for x := 0; x < d; x++ {
		for y := x; y < d; y++ {
			off[x*d+y] = sym3Index(d, x, y, y)
		}
	}
	return off
}

// unpackSym3Off is unpackSym3 with the offsets of sym3Offsets(t.N) computed once by the
// caller. O(d³).
func unpackSym3Off(t *linalg.Tensor3, src []float64, off []int) {
	d := t.N
	n := 0
	for a := 0; a < d; a++ {
		for b := 0; b < d; b++ {
			lo, hi := min(a, b), max(a, b)
			row := t.Data[n : n+d]
			n += d
			for c := 0; c < lo; c++ { // (c, lo, hi)
				row[c] = src[off[c*d+lo]+hi-lo]
			}
			for c := lo; c < hi; c++ { // (lo, c, hi)
				row[c] = src[off[lo*d+c]+hi-c]
			}
			base := off[lo*d+hi] - hi
			for c := hi; c < d; c++ { // (lo, hi, c)
				row[c] = src[base+c]
			}
		}
	}
}

// transient2 integrates the order-2 system from x(0) = in.Densities with V, W, M3, M2 and A
// all 0 at t = 0 (a deterministic start):
//
//	ẋ = F(x),  V̇ = J V + g,  Ẇ = J W + W Jᵀ + Q,
//	Ṁ3 = Σ_modes J·M3 + R3,  Ṁ2 = J M2 + M2 Jᵀ + S2,  Ȧ = J A + b₂,
//
// with g, R3, S2 and b₂ as in the stationary equations, all at x(t). The unknowns number
// 3d + d(d+1) + d(d+1)(d+2)/6; each right-hand side costs O(nnz(J)·d³/6) for Σ_modes J·M3
// over the packed M3 and O(b·d³/6) for R3 (b the size of the drift's Hessian blocks), plus
// the jet sweeps of expander.third and expander.fourthWW, which a drift of polynomial
// degree ≤ 2 (≤ 3) does without (D³F = 0, D⁴F = 0), and the Hessian sweeps, done once per
// run for a drift and rates that are single quadratics (constant Hessians). M3 is unpacked
// in full (d³) only when D³F ≠ 0 and at the output times.
func transient2(ctx context.Context, m *runtime.Model, in *ir.Inputs, times []float64, s *Settings) (*TransientResult, error) {
	d := m.Dim()
	if len(in.Densities) != d {
		return nil, fmt.Errorf("refine: len(in.Densities) = %d, want %d", len(in.Densities), d)
	}
	np2, np3 := d*(d+1)/2, sym3Len(d)
	oV, oW := d, 2*d
	oM3 := oW + np2
	oM2 := oM3 + np3
	oA := oM2 + np2
	dim := oA + d
	loc := *in
	js := m.Drift.NewCSR() // the Jacobian, over its pattern
	jd := mat.NewDense(d, d, nil)
	tmp := make([]float64, d)
	off := sym3Offsets(d)
	q := mat.NewSymDense(d, nil)
	w := mat.NewSymDense(d, nil)
	m2 := mat.NewSymDense(d, nil)
	m3 := linalg.NewTensor3(d)
	rates := make([]float64, m.Rates.Len())
	c := newContractor(d)
	g := make([]float64, d)
	f1 := make([]float64, d)
	var jw, jm mat.Dense
	var wrows, m2rows []float64 // full rows of W and M2
	// The rows M3[a, b, ·] that rhs2 reads (a, b in one Hessian block of the drift): all
	// that a right-hand side reads of M3 in full storage when D³F = 0 (Σ_modes J·M3 reads
	// the packed M3), so that the d³ unpacking is skipped.
	var pairs [][2]int
	seen := make([]bool, d*d)
	pat := m.Drift.Pattern()
	for i := 0; i < pat.Rows; i++ {
		cols := pat.Col[pat.RowPtr[i]:pat.RowPtr[i+1]]
		for _, a := range cols {
			for _, b := range cols {
				if a < int32(d) && b < int32(d) && !seen[int(a)*d+int(b)] {
					seen[int(a)*d+int(b)] = true
					pairs = append(pairs, [2]int{int(a), int(b)})
				}
			}
		}
	}

	// state unpacks y and prepares an expander at x = y[:d]; M3 in full only with full set
	// or when D³F ≠ 0 (third reads it), else its rows of pairs.
	state := func(t float64, y []float64, full bool) (*expander, error) {
		loc.Densities = y[:d]
		loc.Time = in.Time + t
		if err := m.Drift.JacobianCSR(js, &loc); err != nil {
			return nil, err
		}
		jd.Zero()
		for i := 0; i < d; i++ {
			for p := js.RowPtr[i]; p < js.RowPtr[i+1]; p++ {
				jd.Set(i, int(js.Col[p]), js.Val[p])
			}
		}
		lna.Diffusion(m, &loc, q, rates)
		linalg.UnpackSym(w, y[oW:oM3])
		if deg, _ := c.polynomial(m.Drift, &loc); full || deg > 2 {
			unpackSym3Off(m3, y[oM3:oM2], off)
		} else {
			for _, ab := range pairs {
				o := (ab[0]*d + ab[1]) * d
				sym3Row(m3.Data[o:o+d], y[oM3:oM2], off, ab[0], ab[1])
			}
		}
		linalg.UnpackSym(m2, y[oM2:oA])
		if err := c.contract(g, m.Drift, &loc, w); err != nil {
			return nil, err
		}
		m.Drift1.Eval(f1, &loc)
		add(g, f1)
		return newExpander(m, &loc, w, c)
	}
	prob := ode.Problem{
		Dim: dim,
		Func: func(t float64, y, dy []float64) error {
			e, err := state(t, y, false)
			if err != nil {
				return err
			}
			v, a := y[oV:oW], y[oA:]
			m.Drift.Eval(dy[:d], &loc)
			// J·V and J·A through the dense J, as gonum sums them (the goldens print tails
			// of the trajectory that a different rounding moves).
			mat.NewVecDense(d, dy[oV:oW]).MulVec(jd, mat.NewVecDense(d, v))
			add(dy[oV:oW], g)
			wrows = fullRowsTo(wrows, w)
			mulSymRows(&jw, js, wrows, d)
			linalg.PackSymSum(dy[oW:oM3], &jw, q)
			if err := e.rhs3Packed(dy[oM3:oM2], g, v, q); err != nil {
				return err
			}
			// Σ_modes J·M3 over the non-zeros of J (JSQ has at most 3 a row): the dense sum
			// multiplied by zeros 97 % of the time.
			modeSumSym(dy[oM3:oM2], js, y[oM3:oM2], off)
			s2, err := e.rhs2(v, m3)
			if err != nil {
				return err
			}
			m2rows = fullRowsTo(m2rows, m2)
			mulSymRows(&jm, js, m2rows, d)
			linalg.PackSymSum(dy[oM2:oA], &jm, s2)
			b2, err := e.rhs1(v, m2, m3)
			if err != nil {
				return err
			}
			mat.NewVecDense(d, tmp).MulVec(jd, mat.NewVecDense(d, a))
			for i := 0; i < d; i++ {
				dy[oA+i] = tmp[i] + b2[i]
			}
			return nil
		},
	}
	y0 := make([]float64, dim)
	copy(y0, in.Densities)
	set, done := runtime.ODEProgress(ctx, "refined trajectory (order 2)", times, s.ODE)
	defer done()
	sol, err := ode.Solve(ctx, prob, 0, y0, times, set)
	out := &TransientResult{Times: times, N: in.Scale, Order: 2}
	if sol == nil {
		return out, err
	}
	out.Stats = sol.Stats
	for k, st := range sol.States {
		if st == nil {
			break
		}
		e, serr := state(times[k], st, true)
		if serr != nil {
			return out, serr
		}
		x := append([]float64(nil), st[:d]...)
		v := append([]float64(nil), st[oV:oW]...)
		a := append([]float64(nil), st[oA:]...)
		wk := mat.NewSymDense(d, nil)
		wk.CopySym(w)
		out.X = append(out.X, x)
		out.V = append(out.V, v)
		out.A = append(out.A, a)
		out.W = append(out.W, wk)
		obs, oerr := observables(m, &loc, v, wk, c)
		if oerr != nil {
			return out, oerr
		}
		m2k := mat.NewSymDense(d, nil)
		m2k.CopySym(m2)
		m3k := &linalg.Tensor3{N: d, Data: append([]float64(nil), m3.Data...)}
		dd, oerr := e.observables2(v, &moments2{A: a, M2: m2k, M3: m3k})
		if oerr != nil {
			return out, oerr
		}
		for i := range obs {
			obs[i].D = dd[i]
			obs[i].Refined2 = obs[i].Refined1
			if in.Scale > 0 {
				obs[i].Refined2 += dd[i] / (in.Scale * in.Scale)
			}
		}
		out.Observables = append(out.Observables, obs)
	}
	return out, err
}

// modeSum returns acc + (Σ_modes A·M)_iln, the sum Σ_b A_ib M_bln + A_lb M_ibn + A_nb M_ilb
// over the non-zeros of A (d×d, the order of M) added to acc term by term.
func modeSum(acc float64, a *linalg.CSR, m *linalg.Tensor3, i, l, n int) float64 {
	d, md := m.N, m.Data
	for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
		acc += a.Val[p] * md[(int(a.Col[p])*d+l)*d+n]
	}
	for p := a.RowPtr[l]; p < a.RowPtr[l+1]; p++ {
		acc += a.Val[p] * md[(i*d+int(a.Col[p]))*d+n]
	}
	base := (i*d + l) * d
	for p := a.RowPtr[n]; p < a.RowPtr[n+1]; p++ {
		acc += a.Val[p] * md[base+int(a.Col[p])]
	}
	return acc
}

// modeSumSym adds (Σ_modes A·M)_iln = Σ_b A_ib M_bln + A_lb M_ibn + A_nb M_ilb to dst at
// the sorted triples i ≤ l ≤ n, for the symmetric M packed in mp over its sorted triples
// (the packing of unpackSym3; off from sym3Offsets), over the non-zeros of A, as modeSum
// does entry by entry on the unpacked M and in the same order of additions. For each
// (i, l) the run n = l … d−1 takes the first two sums as AXPYs of runs of packed rows
// (M_bl·, M_ib· sorted), the third over rows of A. It reads the packed M (a sixth of the
// full tensor, which it never needs). O(nnz(A)·d³/6), with unit strides.
func modeSumSym(dst []float64, a *linalg.CSR, mp []float64, off []int) {
	d := a.Rows
	at := func(x, y, z int) float64 { return mp[off[x*d+y]+z-y] } // x ≤ y ≤ z
	k := 0
	for i := 0; i < d; i++ {
		for l := i; l < d; l++ {
			seg := dst[k : k+d-l]
			k += d - l
			// M_bln, n = l … d−1.
			for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
				b, v := int(a.Col[p]), a.Val[p]
				if b <= l { // (b, l, n)
					o := off[b*d+l]
					floats.AddScaled(seg, v, mp[o:o+d-l])
					continue
				}
				for n := l; n < b; n++ { // (l, n, b)
					seg[n-l] += v * at(l, n, b)
				}
				o := off[l*d+b] // (l, b, n), n ≥ b
				floats.AddScaled(seg[b-l:], v, mp[o:o+d-b])
			}
			// M_ibn, n = l … d−1.
			for p := a.RowPtr[l]; p < a.RowPtr[l+1]; p++ {
				b, v := int(a.Col[p]), a.Val[p]
				switch {
				case b < i: // (b, i, n)
					o := off[b*d+i] + l - i
					floats.AddScaled(seg, v, mp[o:o+d-l])
				case b <= l: // (i, b, n)
					o := off[i*d+b] + l - b
					floats.AddScaled(seg, v, mp[o:o+d-l])
				default:
					for n := l; n < b; n++ { // (i, n, b)
						seg[n-l] += v * at(i, n, b)
					}
					o := off[i*d+b] // (i, b, n), n ≥ b
					floats.AddScaled(seg[b-l:], v, mp[o:o+d-b])
				}
			}
			// M_ilb for the columns b of row n.
			base := off[i*d+l] - l // M_ilb = mp[base+b] for b ≥ l
			for n := l; n < d; n++ {
				acc := seg[n-l]
				for p := a.RowPtr[n]; p < a.RowPtr[n+1]; p++ {
					b := int(a.Col[p])
					var x float64
					switch {
					case b >= l:
						x = mp[base+b]
					case b >= i: // (i, b, l)
						x = at(i, b, l)
					default: // (b, i, l)
						x = at(b, i, l)
					}
					acc += a.Val[p] * x
				}
				seg[n-l] = acc
			}
		}
	}
}

// sym3Row sets dst[j] = M_abj, j = 0 … d−1, for the symmetric M packed in mp (off from
// sym3Offsets). O(d).
func sym3Row(dst, mp []float64, off []int, a, b int) {
	d := len(dst)
	x, y := min(a, b), max(a, b)
	for j := 0; j < x; j++ { // (j, x, y)
		dst[j] = mp[off[j*d+x]+y-x]
	}
	for j := x; j < y; j++ { // (x, j, y)
		dst[j] = mp[off[x*d+j]+y-j]
	}
	o := off[x*d+y] - y // (x, y, j)
	copy(dst[y:], mp[o+y:o+d])
}

// mulSym sets dst (resized) to A·S for a sparse A and a symmetric S, over the non-zeros
// of A. O(nnz(A)·n), plus O(n²) to expand S's rows.
func mulSym(dst *mat.Dense, a *linalg.CSR, sym *mat.SymDense) {
	n := sym.SymmetricDim()
	mulSymRows(dst, a, fullRowsTo(nil, sym), n)
}

// mulSymRows is mulSym with S given by its full rows (row-major n×n, fullRowsTo): row i
// of the product gains x·S_c· for each entry x = A_ic, in the order of A's entries.
// O(nnz(A)·n).
func mulSymRows(dst *mat.Dense, a *linalg.CSR, rows []float64, n int) {
	if dr, dc := dst.Dims(); dr != a.Rows || dc != n {
		dst.ReuseAs(a.Rows, n)
	}
	dst.Zero()
	raw := dst.RawMatrix()
	for i := 0; i < a.Rows; i++ {
		out := raw.Data[i*raw.Stride : i*raw.Stride+n]
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			c := int(a.Col[p])
			floats.AddScaled(out, a.Val[p], rows[c*n:(c+1)*n])
		}
	}
}
