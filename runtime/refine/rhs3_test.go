package refine

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestRhs3Packed checks rhs3Packed, which sums R3 from rows of W, Q and H_s·W, against
// rhs3PackedRef, the former code that builds Z in full and symmetrises it, at random points
// with a random positive definite W, random V and g and a random symmetric Q: JSQ(2) and
// JSQ(3) (banded Hessians), the non-linear model of TestOrder2TransientLimit (a two-species
// jump, dense blocks) and rmftool's SIR. Bit for bit: the same additions in the same order
// (the golden files print results whose tails are sensitive to a rounding).
func TestRhs3Packed(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		load func() *runtime.Model
	}{
		{"JSQ(2)", func() *runtime.Model {
			return loadtest.Model(t, "@jsq", compiler.Options{Overrides: compiler.Overrides{"K": {9}}})
		}},
		{"JSQ(3)", func() *runtime.Model {
			return loadtest.Model(t, "@jsq", compiler.Options{Overrides: compiler.Overrides{"K": {7}, "d": {3}}})
		}},
		{"non-linear", func() *runtime.Model { return loadtest.Source(t, nonlinearSrc, compiler.Options{}) }},
		{"SIR", func() *runtime.Model { return loadtest.Model(t, "testdata/ref/sir.mf", compiler.Options{}) }},
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for _, tc := range cases {
		m := tc.load()
		d := m.Dim()
		in := m.Inputs()
		in.Densities = make([]float64, d)
		for i := range in.Densities {
			in.Densities[i] = 0.1 + 0.5*rng.Float64()
		}
		b := mat.NewDense(d, d, nil)
		for i := range d * d {
			b.RawMatrix().Data[i] = rng.NormFloat64() * 0.3
		}
		w := mat.NewSymDense(d, nil)
		w.SymOuterK(1, b)
		q := mat.NewSymDense(d, nil)
		for i := 0; i < d; i++ {
			for j := i; j < d; j++ {
				q.SetSym(i, j, rng.NormFloat64())
			}
		}
		g, v := make([]float64, d), make([]float64, d)
		for i := range g {
			g[i], v[i] = rng.NormFloat64(), rng.NormFloat64()
		}
		e, err := newExpander(m, in, w, newContractor(d))
		if err != nil {
			t.Fatal(err)
		}
		got, want := make([]float64, sym3Len(d)), make([]float64, sym3Len(d))
		if err := e.rhs3Packed(got, g, v, q); err != nil {
			t.Fatal(err)
		}
		if err := e.rhs3PackedRef(want, linalg.NewTensor3(d), g, v, q); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: R3 entry %d = %.17g, reference %.17g", tc.name, i, got[i], want[i])
			}
		}
	}
}

// rhs3PackedRef is the former rhs3Packed, kept as the reference of TestRhs3Packed: it
// builds Z in full (d³) and symmetrises. It sets dst[:sym3Len(d)] to R3 packed over the sorted triples i ≤ j ≤ k (the
// order of unpackSym3), using z (d×d×d, overwritten) as scratch: the transient system
// needs only the sorted triples, and its right-hand side calls this once per evaluation
// without allocating tensors. O(d³) plus O(Σ_s |block_s|·d²) for the W H_s W terms.
func (e *expander) rhs3PackedRef(dst []float64, z *linalg.Tensor3, g, v []float64, q *mat.SymDense) error {
	d := e.d
	m := e.m
	sc := &e.c.s
	sc.wr, sc.qr = fullRowsTo(sc.wr, e.w), fullRowsTo(sc.qr, q)
	wr, qr := sc.wr, sc.qr
	zd := z.Data
	for s := 0; s < d; s++ {
		for p := 0; p < d; p++ {
			row, wp, qp := zd[(s*d+p)*d:(s*d+p+1)*d], wr[p*d:(p+1)*d], qr[p*d:(p+1)*d]
			gs, vs := g[s], v[s]
			for qq := range row {
				row[qq] = gs*wp[qq] + qp[qq]*vs
			}
		}
	}
	// (W H_s W)_pq over the block of H_s: G[a][q] = Σ_b H_sab W_bq, then Σ_a W_ap G[a][q].
	pat := e.hb.Pattern
	var gm []float64
	for s := 0; s < d; s++ {
		cols := pat.Col[pat.RowPtr[s]:pat.RowPtr[s+1]]
		if len(cols) == 0 {
			continue
		}
		blk := e.hb.Val[e.hb.Off[s]:e.hb.Off[s+1]]
		if cap(gm) < len(cols)*d {
			gm = make([]float64, len(cols)*d)
		}
		gm = gm[:len(cols)*d]
		clear(gm)
		for a := range cols {
			for b, cb := range cols {
				if h := blk[a*len(cols)+b]; h != 0 {
					floats.AddScaled(gm[a*d:(a+1)*d], h, wr[int(cb)*d:(int(cb)+1)*d])
				}
			}
		}
		for a, ca := range cols {
			wa := wr[int(ca)*d : (int(ca)+1)*d]
			for p, wp := range wa {
				if wp != 0 {
					floats.AddScaled(zd[(s*d+p)*d:(s*d+p+1)*d], wp, gm[a*d:(a+1)*d])
				}
			}
		}
	}
	// Rates' Jacobian times W: BW_ts = Dβ_t · W e_s.
	nt := e.f.rates.Len()
	// Over the non-zeros of Dβ (a rate reads few densities): O(nnz·d), not O(nt·d²).
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
	mulSym(bw, jr, e.w)
	sc.rates = grow(sc.rates, nt)
	rates := sc.rates
	if err := e.f.rates.Eval(rates, e.in); err != nil {
		return err
	}
	bwr := bw.RawMatrix()
	for t, tr := range m.IR.Transitions {
		for _, up := range tr.Jump {
			for _, uq := range tr.Jump {
				f := float64(up.Delta * uq.Delta)
				for s := 0; s < d; s++ {
					zd[(s*d+up.Species)*d+uq.Species] += f * bwr.Data[t*bwr.Stride+s]
				}
			}
		}
	}
	// Symmetrise: z_spq is symmetric in p, q, so z_ijk + z_jik + z_kij is symmetric. The
	// first two terms are read along rows of z; the third, z_k,ij, would be read at the
	// stride d² along k, so it is added in a second pass along its own rows (k, i), writing
	// into the packed block of i.
	n := 0
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			zij, zji := zd[(i*d+j)*d:(i*d+j+1)*d], zd[(j*d+i)*d:(j*d+i+1)*d]
			for k := j; k < d; k++ {
				dst[n] = zij[k] + zji[k]
				n++
			}
		}
	}
	for k := 0; k < d; k++ {
		for i := 0; i <= k; i++ {
			zki := zd[(k*d+i)*d : (k*d+i)*d+k+1]
			for j := i; j <= k; j++ { // (i, j, k) sorted
				dst[sym3Index(d, i, j, j)+k-j] += zki[j]
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
