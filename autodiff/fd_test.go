package autodiff

import (
	"math"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/stdlib"
)

// sampler evaluates the outputs along x + s·v. Finite differences of output i are
// meaningful only where every comparison and floor/ceil slot that output i depends on has
// its value at s = 0 on the whole stencil; valid reports that per output.
type sampler struct {
	r      *randGraph
	v      []float64
	base   []float64 // slot values at s = 0
	guards [][]int   // per output, the comparison and floor/ceil slots it depends on
}

func newSampler(r *randGraph, v []float64) *sampler {
	t := r.tape
	sm := &sampler{r: r, v: v, base: make([]float64, t.Len())}
	t.Eval(sm.base, r.in)
	for _, o := range t.Out {
		need := make([]bool, t.Len())
		need[o] = true
		var g []int
		for s := int(o); s >= 0; s-- {
			if !need[s] {
				continue
			}
			ins := t.Code[s]
			if ins.Op == ir.OpCmp || (ins.Op == ir.OpFn && ir.Fn(ins.Aux).Builtin().Kind == stdlib.Step) {
				g = append(g, s)
			}
			for _, a := range t.Args[ins.Lo:ins.Hi] {
				need[a] = true
			}
		}
		sm.guards = append(sm.guards, g)
	}
	return sm
}

// valid reports, per output, whether the slot values vals are on the branches of s = 0.
func (sm *sampler) valid(vals []float64) []bool {
	ok := make([]bool, len(sm.guards))
	for i, gs := range sm.guards {
		ok[i] = true
		for _, g := range gs {
			if vals[g] != sm.base[g] {
				ok[i] = false
			}
		}
	}
	return ok
}

// at returns the outputs at x + s·v and whether each is on the branches of s = 0.
func (sm *sampler) at(s float64) ([]float64, []bool) {
	t := sm.r.tape
	vals := make([]float64, t.Len())
	t.Eval(vals, sm.r.shifted(s, sm.v))
	f := make([]float64, len(t.Out))
	for i := range f {
		f[i] = t.Output(vals, i)
	}
	return f, sm.valid(vals)
}

// fdDeriv returns the k-th derivative (k = 1..4) at s = 0 of every component of phi by
// central differences with steps h, h/2, h/4 and two Richardson steps. The stencils
//
//	D1 = (φ(h) − φ(−h))/2h, D2 = (φ(h) − 2φ(0) + φ(−h))/h²,
//	D3 = (φ(2h) − 2φ(h) + 2φ(−h) − φ(−2h))/2h³, D4 = (φ(2h) − 4φ(h) + 6φ(0) − 4φ(−h) + φ(−2h))/h⁴
//
// have errors in even powers of h, so R = (16·R1(h/2) − R1(h))/15 with
// R1(h) = (4·D(h/2) − D(h))/3 is accurate to O(h⁶). A component is NaN if phi reports it
// invalid anywhere on the stencil.
func fdDeriv(k int, h float64, phi func(s float64) ([]float64, []bool)) []float64 {
	stencil := [5][5]float64{ // weights of φ(−2h), φ(−h), φ(0), φ(h), φ(2h)
		1: {0, -0.5, 0, 0.5, 0},
		2: {0, 1, -2, 1, 0},
		3: {-0.5, 1, 0, -1, 0.5},
		4: {1, -4, 6, -4, 1},
	}
	var D [3][]float64
	for l := 0; l < 3; l++ {
		hl := h / float64(int(1)<<l)
		for p := -2; p <= 2; p++ {
			w := stencil[k][p+2]
			if w == 0 {
				continue
			}
			f, valid := phi(float64(p) * hl)
			if D[l] == nil {
				D[l] = make([]float64, len(f))
			}
			for i := range f {
				if !valid[i] {
					D[l][i] = math.NaN()
				}
				D[l][i] += w * f[i] / math.Pow(hl, float64(k))
			}
		}
	}
	d := make([]float64, len(D[0]))
	for i := range d {
		r1h := (4*D[1][i] - D[0][i]) / 3
		r1h2 := (4*D[2][i] - D[1][i]) / 3
		d[i] = (16*r1h2 - r1h) / 15
	}
	return d
}

// fdAdaptive returns the k-th derivative at 0 of every component of phi from fdDeriv at
// the steps h_l = h_0·2^{−l}, l = 0..7, choosing per component the pair of consecutive
// steps whose estimates agree best: the balance of truncation, which falls like h⁶, and
// rounding, which grows like ε·|φ|/h^k (Ridders' method). Steps whose stencil crosses a
// branch change of the component are not used; a component without two consecutive
// usable steps is NaN. The difference of the chosen pair estimates the error: a component
// whose estimate exceeds tol·max(1, |D|)/10 (only steps tiny enough to fit between two
// jumps of a floor are usable, so rounding dominates) is NaN too, as unresolved.
func fdAdaptive(k int, h0, tol float64, phi func(s float64) ([]float64, []bool)) []float64 {
	var est [8][]float64
	for l := range est {
		est[l] = fdDeriv(k, h0/float64(int(1)<<l), phi)
	}
	d := make([]float64, len(est[0]))
	for i := range d {
		d[i] = math.NaN()
		best := math.Inf(1)
		for l := 0; l+1 < len(est); l++ {
			if diff := math.Abs(est[l][i] - est[l+1][i]); diff < best { // false for NaN
				d[i], best = est[l+1][i], diff
			}
		}
		if best > tol*math.Max(1, math.Abs(d[i]))/10 {
			d[i] = math.NaN()
		}
	}
	return d
}

// fdTol are the tolerances, relative to max(1, |D^k|), for comparisons with fdAdaptive.
// At the chosen step the rounding error ≈ 3·ε·|φ|·Σ|w|/h^k and the truncation error
// O(h⁶·|D^{k+6}φ|) balance; for |φ| ≤ 20 and derivatives up to ~10³ over a radius ~1 that
// is about 1e-10 (k = 1), 1e-9 (k = 2), 1e-8 (k = 3) and 1e-7 (k = 4) relative, since the
// rounding term grows like h^{−k}. The tolerances add a factor ~100 for graphs whose
// high derivatives grow faster: 1e-7 for orders 1–2, 1e-6 and 1e-5 for orders 3–4.
var fdTol = [5]float64{0, 1e-7, 1e-7, 1e-6, 1e-5}

// fdStart is the largest step tried, by order; fdAdaptive halves it seven times.
var fdStart = [5]float64{0, 0.05, 0.1, 0.2, 0.3}
