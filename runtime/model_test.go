package runtime_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
	"github.com/mfcproject/mfc/stdlib/models"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler"
)

// TestSIRDrift compares the drift, Jacobian and Hessians of @sir with the closed
// form of its ODE (a = 1, β = 2, γ = 1, δ = 3). The expressions are the same polynomials
// evaluated in another order, so agreement is to a few ulps.
func TestSIRDrift(t *testing.T) {
	m := loadtest.Model(t, "@sir", compiler.Options{})
	in := m.Inputs()
	for _, x := range [][]float64{{0.5, 0.3, 0.2}, {0.9, 0.05, 0.05}} {
		copy(in.Densities, x)
		s, i, r := x[0], x[1], x[2]
		want := []float64{3*r - s - 2*s*i, s + 2*s*i - i, i - 3*r}
		got := make([]float64, 3)
		if err := m.EvalDrift(got, in); err != nil {
			t.Fatal(err)
		}
		wantJ := mat.NewDense(3, 3, []float64{-1 - 2*i, -2 * s, 3, 1 + 2*i, 2*s - 1, 0, 0, 1, -3})
		var jac mat.Dense
		if err := m.Jacobian(&jac, in); err != nil {
			t.Fatal(err)
		}
		for k := range want {
			if math.Abs(got[k]-want[k]) > 1e-15 {
				t.Errorf("F_%d(%v) = %v, want %v", k, x, got[k], want[k])
			}
		}
		if !mat.EqualApprox(&jac, wantJ, 1e-15) {
			t.Errorf("Jacobian at %v:\n%v\nwant\n%v", x, mat.Formatted(&jac), mat.Formatted(wantJ))
		}
		hess := []*mat.SymDense{{}, {}, {}}
		if err := m.Hessian(hess, in); err != nil {
			t.Fatal(err)
		}
		if hess[0].At(0, 1) != -2 || hess[1].At(1, 0) != 2 || hess[2].At(0, 1) != 0 {
			t.Errorf("Hessians: %v %v %v", hess[0].At(0, 1), hess[1].At(1, 0), hess[2].At(0, 1))
		}
	}
}

// TestJSQJacobianBanded: the JSQ drift's Jacobian is tridiagonal and matches its closed form
// ∂F_i/∂x_{i-1} = 2ρx_{i-1}, ∂F_i/∂x_i = −2ρx_i − 1, ∂F_i/∂x_{i+1} = 1 (d = 2).
func TestJSQJacobianBanded(t *testing.T) {
	m := jsq(t, 50)
	in := m.Inputs()
	for i := range in.Densities {
		in.Densities[i] = math.Pow(0.9, float64(i+1))
	}
	csr := m.NewJacobianCSR()
	if err := m.Drift.JacobianCSR(csr, in); err != nil {
		t.Fatal(err)
	}
	if csr.NNZ() != 3*50-2 {
		t.Errorf("nnz = %d, want %d", csr.NNZ(), 3*50-2)
	}
	x := in.Densities
	for i := 0; i < 50; i++ {
		if i > 0 && math.Abs(csr.At(i, i-1)-1.8*x[i-1]) > 1e-15 {
			t.Errorf("J[%d][%d] = %v", i, i-1, csr.At(i, i-1))
		}
		if math.Abs(csr.At(i, i)-(-1.8*x[i]-1)) > 1e-15 {
			t.Errorf("J[%d][%d] = %v", i, i, csr.At(i, i))
		}
		if i < 49 && csr.At(i, i+1) != 1 {
			t.Errorf("J[%d][%d] = %v", i, i+1, csr.At(i, i+1))
		}
	}
}

func TestNoMeanField(t *testing.T) {
	m := loadtest.Model(t, "@toggle", compiler.Options{})
	if m.HasDrift() || m.EvalDrift(nil, m.Inputs()) != runtime.ErrNoMeanField {
		t.Error("a model without a scale has no drift")
	}
	p := make([]float64, len(m.IR.Transitions))
	in := m.Inputs()
	in.Counts[0], in.Counts[1] = 3, 4
	m.Propensities(p, in)
	// make1.fwd = a/(1+x2), make1.rev = x1, make2.fwd = a/(1+x1), make2.rev = x2
	want := []float64{20.0 / 5, 3, 20.0 / 4, 4}
	for j := range want {
		if p[j] != want[j] {
			t.Errorf("propensity %s = %v, want %v", m.IR.Transitions[j].Label, p[j], want[j])
		}
	}
}

func TestEvalAllocs(t *testing.T) {
	m := jsq(t, 100)
	in := m.Inputs()
	f := make([]float64, 100)
	p := make([]float64, len(m.IR.Transitions))
	csr := m.NewJacobianCSR()
	if n := testing.AllocsPerRun(50, func() {
		m.Drift.Eval(f, in)
		m.Propensities(p, in)
		_ = m.Drift.JacobianCSR(csr, in)
	}); n != 0 {
		t.Errorf("allocations per evaluation: %v, want 0", n)
	}
}

// jsqSource returns the text of @jsq with K servers written in it.
func jsqSource(tb testing.TB, k int) string {
	lib, err := models.Get("jsq")
	if err != nil {
		tb.Fatal(err)
	}
	src := string(lib.Source)
	s := strings.Replace(src, "param K = 100", fmt.Sprintf("param K = %d", k), 1)
	if s == src && k != 100 {
		tb.Fatal("cannot set K in @jsq")
	}
	return s
}

func jsq(tb testing.TB, k int) *runtime.Model {
	return loadtest.Source(tb, jsqSource(tb, k), compiler.Options{})
}

// BenchmarkCompileJSQFirstJacobian: compile JSQ(2) and evaluate the first drift Jacobian.
func BenchmarkCompileJSQFirstJacobian(b *testing.B) {
	for _, k := range []int{100, 1000} {
		src := jsqSource(b, k)
		b.Run(fmt.Sprint("K=", k), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				m := loadtest.Source(b, src, compiler.Options{})
				csr := m.NewJacobianCSR()
				if err := m.Drift.JacobianCSR(csr, m.Inputs()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// networkSource generates a mass-action network with d species and r reactions.
func networkSource(d, r int) string {
	var s strings.Builder
	fmt.Fprintf(&s, "model net\nscale N = 1000\nparam k[1..%d] = 1\nspecies X[1..%d]\ninit density { for i in 1..%d: X[i] = 0.5 }\n", r, d, d)
	for j := 0; j < r; j++ {
		a, c, e := j%d+1, (j*7+3)%d+1, (j*13+5)%d+1
		switch j % 3 {
		case 0:
			fmt.Fprintf(&s, "r%d: X[%d] -> X[%d] @ k[%d] * X[%d]\n", j, a, c, j+1, a)
		case 1:
			fmt.Fprintf(&s, "r%d: X[%d] + X[%d] -> X[%d] @ k[%d] * X[%d] * X[%d] / N\n", j, a, c, e, j+1, a, c)
		default:
			fmt.Fprintf(&s, "r%d: 0 -> X[%d] @ N * k[%d]\n", j, a, j+1)
		}
	}
	return s.String()
}

// BenchmarkCompileNetworkFirstJacobian: 1 000 species, 10 000 reactions.
func BenchmarkCompileNetworkFirstJacobian(b *testing.B) {
	src := networkSource(1000, 10000)
	for i := 0; i < b.N; i++ {
		m := loadtest.Source(b, src, compiler.Options{})
		csr := m.NewJacobianCSR()
		if err := m.Drift.JacobianCSR(csr, m.Inputs()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDrift reports the drift evaluation time; divide by the transition count (2K) for
// the time per transition.
func BenchmarkDrift(b *testing.B) {
	for _, k := range []int{100, 1000, 10000} {
		m := jsq(b, k)
		in, f := m.Inputs(), make([]float64, k)
		b.Run(fmt.Sprint("K=", k), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				m.Drift.Eval(f, in)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(2*k), "ns/transition")
		})
	}
}

// BenchmarkJacobianJSQ shows the Jacobian cost growing linearly in K.
func BenchmarkJacobianJSQ(b *testing.B) {
	for _, k := range []int{100, 1000, 10000} {
		m := jsq(b, k)
		in, csr := m.Inputs(), m.NewJacobianCSR()
		b.Run(fmt.Sprint("K=", k), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				_ = m.Drift.JacobianCSR(csr, in)
			}
		})
	}
}

// Reduced is computed once and shared by clones: SIR has one law (r = 2), JSQ none (r = d).
// HasFastEnvironment holds for the two-timescale examples only.
func TestReducedAndFastEnvironment(t *testing.T) {
	for _, c := range []struct {
		name string
		r    int
		fast bool
	}{
		{"@sir", 2, false},
		{"@sis_external", 1, false},
		{"@t1_sis_env", 1, true},
		{"@t2_sirs_env", 2, true},
	} {
		m := loadtest.Model(t, c.name, compiler.Options{})
		b := m.Reduced()
		if _, r := b.Dims(); r != c.r {
			t.Errorf("%s: r = %d, want %d", c.name, r, c.r)
		}
		if m.Reduced() != b || m.Clone().Reduced() != b {
			t.Errorf("%s: Reduced is recomputed (or not shared by a clone)", c.name)
		}
		if m.HasFastEnvironment() != c.fast {
			t.Errorf("%s: HasFastEnvironment = %v", c.name, !c.fast)
		}
	}
}
