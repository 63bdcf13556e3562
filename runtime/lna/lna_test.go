package lna

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/fixpoint"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
	"github.com/mfcproject/mfc/runtime/ode"
)

func fixed(t *testing.T, m *runtime.Model) []float64 {
	t.Helper()
	res, err := fixpoint.Find(context.Background(), m, m.Inputs(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Points[0].X
}

// SIS (seed-001 §4.3): lim M·E[(x0 − x0*)²] = 1 − 1/√2 = W_00. Tolerance 1e-12.
func TestSISVariance(t *testing.T) {
	m := loadtest.Model(t, "@sis_external", compiler.Options{})
	x := fixed(t, m)
	res, err := Stationary(m, m.Inputs(), x)
	if err != nil {
		t.Fatal(err)
	}
	want := 1 - 1/math.Sqrt2
	if math.Abs(res.W.At(0, 0)-want) > 1e-12 || math.Abs(res.W.At(0, 1)+want) > 1e-12 || math.Abs(res.W.At(1, 1)-want) > 1e-12 {
		t.Errorf("W = %v, want ±%.10f", mat.Formatted(res.W), want)
	}
	if math.Abs(res.Ar.At(0, 0)+math.Sqrt2) > 1e-12 {
		t.Errorf("A_r = %v", res.Ar.At(0, 0))
	}
}

// JSQ K = 5: W vs rmftool's tight W (tolerance 1e-9 absolute; entries are O(1)).
func TestJSQW(t *testing.T) {
	raw, err := os.ReadFile(loadtest.Path("testdata/ref/rmftool_jsq_K5.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		SteadyState struct {
			Tight struct {
				Pi []float64
				W  [][]float64
			} `json:"tight"`
		} `json:"steady_state"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	m := loadtest.Model(t, "@jsq", compiler.Options{Overrides: compiler.Overrides{"K": {5}}})
	x := fixed(t, m)
	res, err := Stationary(m, m.Inputs(), x)
	if err != nil {
		t.Fatal(err)
	}
	maxd := 0.0
	for i, row := range ref.SteadyState.Tight.W {
		for j, w := range row {
			maxd = math.Max(maxd, math.Abs(res.W.At(i, j)-w))
		}
	}
	t.Logf("JSQ K=5: max |W − W_ref| = %.3g", maxd)
	if maxd > 1e-9 {
		t.Errorf("W = %v", mat.Formatted(res.W))
	}
}

// Transient W(t) reaches the stationary W (SIS, t = 30, tolerance 1e-7) and W(0) = 0.
func TestTransientSIS(t *testing.T) {
	m := loadtest.Model(t, "@sis_external", compiler.Options{})
	st := ode.DefaultSettings()
	st.RelTol, st.AbsTol = 1e-11, 1e-13
	tr, err := Transient(context.Background(), m, m.Inputs(), []float64{0, 1, 30}, st)
	if err != nil {
		t.Fatal(err)
	}
	want := 1 - 1/math.Sqrt2
	if tr.W[0].At(0, 0) != 0 || math.Abs(tr.W[2].At(0, 0)-want) > 1e-7 || math.Abs(tr.W[2].At(0, 1)+want) > 1e-7 {
		t.Errorf("W(0) = %v, W(30) = %v", tr.W[0], mat.Formatted(tr.W[2]))
	}
	if math.Abs(tr.X[2][0]-(2-math.Sqrt2)) > 1e-9 {
		t.Errorf("x(30) = %v", tr.X[2])
	}
}

// SIR (one law, r = 2): the full W satisfies A W + W Aᵀ + Q = 0 and (1,1,1)·W = 0 to 1e-12.
func TestSIRW(t *testing.T) {
	m := loadtest.Model(t, "@sir", compiler.Options{})
	x := fixed(t, m)
	res, err := Stationary(m, m.Inputs(), x)
	if err != nil {
		t.Fatal(err)
	}
	var aw, r mat.Dense
	aw.Mul(res.A, res.W)
	r.Add(&aw, aw.T())
	r.Add(&r, res.Q)
	if n := mat.Norm(&r, math.Inf(1)); n > 1e-12 {
		t.Errorf("residual %g", n)
	}
	for j := 0; j < 3; j++ {
		if s := res.W.At(0, j) + res.W.At(1, j) + res.W.At(2, j); math.Abs(s) > 1e-12 {
			t.Errorf("law: column %d sums to %g", j, s)
		}
	}
}

// JSQ with its default K = 100 (d = 100, no law): fixed point + W, residual ≤ 1e-10·‖Q‖.
func TestJSQ100(t *testing.T) {
	m := loadtest.Model(t, "@jsq", compiler.Options{})
	t0 := time.Now()
	x := fixed(t, m)
	t1 := time.Now()
	res, err := Stationary(m, m.Inputs(), x)
	if err != nil {
		t.Fatal(err)
	}
	t2 := time.Now()
	var aw, r mat.Dense
	aw.Mul(res.A, res.W)
	r.Add(&aw, aw.T())
	r.Add(&r, res.Q)
	if n := mat.Norm(&r, math.Inf(1)) / mat.Norm(res.Q, math.Inf(1)); n > 1e-10 {
		t.Errorf("relative residual %g", n)
	}
	t.Logf("d = 100: fixpoint %v, Lyapunov %v", t1.Sub(t0), t2.Sub(t1))
}

// JSQ with K = 1000: the solve is restricted to the closure of Q's support (9 of the 1000
// coordinates, those not 0 at the fixed point, and the next). The residual of the whole
// equation A W + W Aᵀ + Q over all 10⁶ entries (A is tridiagonal: the products go over its
// non-zeros) must be at rounding level: 2e-14·‖Q‖∞ (6e-15 measured). Entry by entry,
// relative to |A||W| + |W||Aᵀ| + |Q|, it must be below 1e-6 (6e-9 measured: the smallest
// entries of W, 1e-24, carry a relative error of 1e-8 against an mpmath solve), which fails
// if a coordinate carrying noise were left out of the restriction (W_99 ≈ 2e-24 is enough).
func TestJSQK1000Residual(t *testing.T) {
	m := loadtest.Model(t, "@jsq", compiler.Options{Overrides: compiler.Overrides{"K": {1000}}})
	res, err := Stationary(m, m.Inputs(), fixed(t, m))
	if err != nil {
		t.Fatal(err)
	}
	d := m.Dim()
	for i := 0; i < d; i++ {
		for k := 0; k < d; k++ {
			if (k < i-1 || k > i+1) && res.A.At(i, k) != 0 {
				t.Fatalf("A(%d,%d) ≠ 0: not tridiagonal", i, k)
			}
		}
	}
	r := mat.NewDense(d, d, nil)
	b := mat.NewDense(d, d, nil) // |A||W| + |W||Aᵀ| + |Q|, the scale of each entry
	for i := 0; i < d; i++ {
		for k := max(0, i-1); k <= min(d-1, i+1); k++ {
			a := res.A.At(i, k)
			for j := 0; j < d; j++ {
				x := a * res.W.At(k, j)
				r.Set(i, j, r.At(i, j)+x) // (A W)_ij
				r.Set(j, i, r.At(j, i)+x) // (W Aᵀ)_ji
				b.Set(i, j, b.At(i, j)+math.Abs(x))
				b.Set(j, i, b.At(j, i)+math.Abs(x))
			}
		}
	}
	worst, worstRel, support := 0.0, 0.0, 0
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			e := math.Abs(r.At(i, j) + res.Q.At(i, j))
			worst = math.Max(worst, e)
			if s := b.At(i, j) + math.Abs(res.Q.At(i, j)); s > 0 {
				worstRel = math.Max(worstRel, e/s)
			}
			if res.W.At(i, j) != 0 && j == i {
				support++
			}
		}
	}
	t.Logf("residual %.3g relative to ‖Q‖∞, %.3g entry by entry; %d non-zero diagonal entries of W", worst/mat.Norm(res.Q, math.Inf(1)), worstRel, support)
	if n := worst / mat.Norm(res.Q, math.Inf(1)); n > 2e-14 {
		t.Errorf("relative residual %g", n)
	}
	if worstRel > 1e-6 {
		t.Errorf("entry-by-entry relative residual %g", worstRel)
	}
	if support > 20 {
		t.Errorf("W has %d non-zero diagonal entries; the fixed point has about 9 non-zero coordinates", support)
	}
}

// TestStationaryWithEigenvalues: given the fixed point's eigenvalues (fixpoint.Point, the
// same reduced Jacobian), the LNA equals Stationary's bit for bit; eigenvalues of the wrong
// length are recomputed; given ones are those checked (an unstable set is refused); on the library's JSQ and SIRS (a conservation law: a reduced
// basis), at their stable fixed point.
func TestStationaryWithEigenvalues(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"@jsq", "@sirs"} {
		m := loadtest.Model(t, name, compiler.Options{})
		in := m.Inputs()
		fp, err := fixpoint.Find(context.Background(), m, in, nil)
		if err != nil {
			t.Fatal(err)
		}
		var pt *fixpoint.Point
		for k := range fp.Points {
			if fp.Points[k].Stability == linalg.Stable {
				pt = &fp.Points[k]
				break
			}
		}
		if pt == nil {
			t.Fatalf("%s: no stable fixed point", name)
		}
		want, err := Stationary(m, in, pt.X)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range [][]complex128{pt.Eigenvalues, pt.Eigenvalues[:len(pt.Eigenvalues)-1]} {
			got, err := StationaryWithEigenvalues(m, in, pt.X, ev)
			if err != nil {
				t.Fatal(err)
			}
			if !mat.Equal(got.W, want.W) || got.Method != want.Method {
				t.Errorf("%s (%d eigenvalues given): W or method differ from Stationary's", name, len(ev))
			}
		}
		// The given eigenvalues are the ones checked: an unstable set is refused.
		bad := slices.Clone(pt.Eigenvalues)
		bad[0] = complex(1, 0)
		var ue *UnstableError
		if _, err := StationaryWithEigenvalues(m, in, pt.X, bad); !errors.As(err, &ue) {
			t.Errorf("%s: eigenvalues with Re λ = 1 given: error %v, want an UnstableError", name, err)
		}
	}
}
