package refine

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// opaque hides that a field is a model field, so that degree does not bound it and the
// contractions sweep: the path every field took before the degree shortcut.
type opaque struct{ field }

// TestDegreeShortcut checks the contractions that the polynomial degree of the drift
// skips against the sweeps they replace, at a random point with a random positive
// definite W and a random symmetric M3: on JSQ(2) (quadratic drift) D³F:M3, D⁴F:(W,W) and
// K = D³F:W are 0 by the shortcut and within 1e-13 of 0 by the sweeps (slice-wise
// polarization of a quadratic, round-off of O(1) jets); on JSQ(3) (cubic) D³F:M3 is not
// skipped and D⁴F:(W,W) is, against the sweeps to 1e-12 relative (round-off of two
// different contractions). The transient results of JSQ(2) K = 10 were also checked
// bit-identical before and after the shortcut (the sweeps give exact zeros).
func TestDegreeShortcut(t *testing.T) {
	t.Parallel()
	for _, dd := range []float64{2, 3} {
		m := loadtest.Model(t, "@jsq", compiler.Options{Overrides: compiler.Overrides{"K": {8}, "d": {dd}}})
		d := m.Dim()
		rng := rand.New(rand.NewPCG(uint64(dd), 5))
		in := m.Inputs()
		in.Densities = make([]float64, d)
		for i := range in.Densities {
			in.Densities[i] = math.Pow(0.8, float64(i+1)) * (0.8 + 0.4*rng.Float64())
		}
		b := mat.NewDense(d, d, nil)
		for i := range d * d {
			b.RawMatrix().Data[i] = rng.NormFloat64() * 0.1
		}
		w := mat.NewSymDense(d, nil)
		w.SymOuterK(1, b)
		m3 := linalg.NewTensor3(d)
		for i := 0; i < d; i++ {
			for j := i; j < d; j++ {
				for k := j; k < d; k++ {
					m3.SetSym(i, j, k, rng.NormFloat64())
				}
			}
		}
		e, err := newExpander(m, in, w, newContractor(d))
		if err != nil {
			t.Fatal(err)
		}
		if got := degree(e.f.drift, in); got != int(dd) {
			t.Fatalf("JSQ(%v): degree of the drift %d", dd, got)
		}
		eo := *e
		fo := *e.f
		fo.drift = opaque{e.f.drift}
		eo.f = &fo
		cmp := func(name string, got, want []float64, tol float64) {
			t.Helper()
			scale := 1.0
			for _, x := range want {
				scale = math.Max(scale, math.Abs(x))
			}
			for i := range got {
				if math.Abs(got[i]-want[i]) > tol*scale {
					t.Errorf("JSQ(%v) %s[%d]: shortcut %.17g, sweeps %.17g", dd, name, i, got[i], want[i])
				}
			}
		}
		tol := 1e-13
		if dd == 3 {
			tol = 1e-12
		}
		got, want := make([]float64, d), make([]float64, d)
		for _, c := range []struct {
			name string
			f    func(e *expander, dst []float64) error
		}{
			{"D³F:M3/6", func(e *expander, dst []float64) error { return e.third(dst, e.f.drift, m3) }},
			{"D⁴F:(W,W)/8", func(e *expander, dst []float64) error { return e.fourthWW(dst, e.f.drift) }},
		} {
			if err := c.f(e, got); err != nil {
				t.Fatal(err)
			}
			if err := c.f(&eo, want); err != nil {
				t.Fatal(err)
			}
			cmp(c.name, got, want, tol)
		}
		v := make([]float64, d)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		s2, err := e.rhs2(v, m3)
		if err != nil {
			t.Fatal(err)
		}
		s2o, err := eo.rhs2(v, m3)
		if err != nil {
			t.Fatal(err)
		}
		cmp("S2", s2.RawSymmetric().Data, s2o.RawSymmetric().Data, tol)
	}
}

// TestConstantHessianCache checks that the contractor serves a field's Hessian blocks at a
// new point from its cache exactly when they are constant there: for JSQ(2) (quadratic) and
// a quadratic with a time-dependent coefficient, the cached blocks at x₂ (and t₂) equal
// those a fresh contractor computes there, bit for bit; for JSQ(3) (cubic) and the
// non-polynomial model of TestOrder2TransientLimit they differ from those at x₁, so the cache
// must not serve the old ones.
func TestConstantHessianCache(t *testing.T) {
	t.Parallel()
	timed := loadtest.Source(t, `
model timed
scale N = 100
species A, B
let xA = A / N
let xB = B / N
meet: A -> B @ N * (1 + t) * xA * xB
back: B -> A @ N * xB
init density { A = 0.7, B = 0.3 }
`, compiler.Options{})
	cases := []struct {
		name  string
		load  func() *runtime.Model
		moves bool // the blocks change from x₁ to x₂
	}{
		{"JSQ(2)", func() *runtime.Model {
			return loadtest.Model(t, "@jsq", compiler.Options{Overrides: compiler.Overrides{"K": {6}}})
		}, false},
		{"JSQ(3)", func() *runtime.Model {
			return loadtest.Model(t, "@jsq", compiler.Options{Overrides: compiler.Overrides{"K": {6}, "d": {3}}})
		}, true},
		{"time-dependent quadratic", func() *runtime.Model { return timed }, true},
		{"non-polynomial", func() *runtime.Model { return loadtest.Source(t, nonlinearSrc, compiler.Options{}) }, true},
	}
	for _, tc := range cases {
		m := tc.load()
		d := m.Dim()
		in1, in2 := m.Inputs(), m.Inputs()
		in1.Densities, in2.Densities = make([]float64, d), make([]float64, d)
		for i := 0; i < d; i++ {
			in1.Densities[i] = 0.5 / float64(i+1)
			in2.Densities[i] = 0.3 / float64(i+1)
		}
		in1.Time, in2.Time = 0.5, 2
		c := newContractor(d)
		for _, f := range []*runtime.Field{m.Drift, m.Rates} {
			b1, err := c.hessianBlocks(f, in1)
			if err != nil {
				t.Fatal(err)
			}
			v1 := slices.Clone(b1.Val)
			b2, err := c.hessianBlocks(f, in2)
			if err != nil {
				t.Fatal(err)
			}
			fresh, err := newContractor(d).hessianBlocks(f, in2)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(b2.Val, fresh.Val) {
				t.Errorf("%s: cached Hessian blocks at x₂ %v, computed there %v", tc.name, b2.Val, fresh.Val)
			}
			if f == m.Drift && slices.Equal(v1, fresh.Val) == tc.moves {
				t.Errorf("%s: the drift's Hessian blocks at x₁ and x₂ are equal: %v; want moves = %v", tc.name, slices.Equal(v1, fresh.Val), tc.moves)
			}
		}
	}
}

// TestModeSumSym checks modeSumSym, which reads the packed M, against modeSum on the
// unpacked M entry by entry, on a random sparse A and a random symmetric M: bit for bit
// (the same additions in the same order); and sym3Row against the unpacked rows.
func TestModeSumSym(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 12))
	for _, d := range []int{1, 2, 5, 9} {
		a := mat.NewDense(d, d, nil)
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				if rng.IntN(3) == 0 {
					a.Set(i, j, rng.NormFloat64())
				}
			}
		}
		ac := linalg.FromDense(a)
		m := linalg.NewTensor3(d)
		packed := make([]float64, sym3Len(d))
		for i := range packed {
			packed[i] = rng.NormFloat64()
		}
		unpackSym3(m, packed)
		got := slices.Clone(packed)
		off := sym3Offsets(d)
		modeSumSym(got, ac, packed, off)
		row := make([]float64, d)
		for a := 0; a < d; a++ {
			for b := 0; b < d; b++ {
				sym3Row(row, packed, off, a, b)
				if o := (a*d + b) * d; !slices.Equal(row, m.Data[o:o+d]) {
					t.Errorf("d = %d: sym3Row(%d, %d) = %v, want %v", d, a, b, row, m.Data[o:o+d])
				}
			}
		}
		k := 0
		for i := 0; i < d; i++ {
			for l := i; l < d; l++ {
				for n := l; n < d; n++ {
					if want := modeSum(packed[k], ac, m, i, l, n); got[k] != want {
						t.Errorf("d = %d (%d, %d, %d): %.17g, modeSum %.17g", d, i, l, n, got[k], want)
					}
					k++
				}
			}
		}
	}
}

// TestApplyLinearField checks the shortcut of apply for a field of degree ≤ 1: the
// observables of JSQ (x_i, Σ x_i, Σ x_i / ρ, x_1) get ½ D²h:W = 0 without a sweep, bit for
// bit what the Hessian-block sweeps give (exact zeros), while the quadratic drift still
// sweeps (its contraction is not 0).
func TestApplyLinearField(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "@jsq", compiler.Options{Overrides: compiler.Overrides{"K": {6}}})
	d := m.Dim()
	rng := rand.New(rand.NewPCG(3, 9))
	in := m.Inputs()
	in.Densities = make([]float64, d)
	for i := range in.Densities {
		in.Densities[i] = math.Pow(0.7, float64(i+1))
	}
	b := mat.NewDense(d, d, nil)
	for i := range d * d {
		b.RawMatrix().Data[i] = rng.NormFloat64()
	}
	w := mat.NewSymDense(d, nil)
	w.SymOuterK(1, b)
	c := newContractor(d)
	if err := c.decompose(w); err != nil {
		t.Fatal(err)
	}
	if deg, _ := c.polynomial(m.Observables, in); deg != 1 {
		t.Fatalf("the observables have degree %d, want 1", deg)
	}
	got := make([]float64, m.Observables.Len())
	if err := c.apply(got, m.Observables, in); err != nil {
		t.Fatal(err)
	}
	swept := make([]float64, len(got))
	if err := c.applyBlocks(swept, m.Observables, in); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != 0 || math.Float64bits(got[i]) != math.Float64bits(swept[i]) {
			t.Fatalf("output %d: %g by the shortcut, %g by the sweeps", i, got[i], swept[i])
		}
	}
	drift := make([]float64, d)
	if err := c.apply(drift, m.Drift, in); err != nil {
		t.Fatal(err)
	}
	if slices.Max(drift) == 0 && slices.Min(drift) == 0 {
		t.Error("½ D²F:W of the quadratic drift is 0")
	}
}
