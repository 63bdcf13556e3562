package ctmc

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestAdaptiveTransient checks adaptive uniformisation with pruning against the plain one
// on SIR (N = 60, 1 891 states, from a point mass, t = 0.5, 2, 5): the two laws differ in ℓ₁
// by no more than the sum of their certified bounds, the adaptive bound stays below 1e-9
// (its pruning budget is 1e-10, the truncation 1e-12), and it uses fewer products.
func TestAdaptiveTransient(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "examples/sir.mf", compiler.Options{Scale: 60})
	c, err := Explore(context.Background(), m, m.Inputs(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	p0 := make([]float64, c.NumStates())
	p0[c.Initial[0]] = 1
	times := []float64{0.5, 2, 5}
	plain, err := Transient(context.Background(), c, p0, times, &TransientSettings{Prune: -1})
	if err != nil {
		t.Fatal(err)
	}
	ad, err := adaptiveTransient(context.Background(), c, p0, times, 1e-12, 1e-10, 1e8)
	if err != nil {
		t.Fatal(err)
	}
	for k := range times {
		d := 0.0
		for i := range ad.P[k] {
			d += math.Abs(ad.P[k][i] - plain.P[k][i])
		}
		if d > ad.Epsilon[k]+plain.Epsilon[k] || ad.Epsilon[k] > 1e-9 {
			t.Errorf("t = %g: ‖adaptive − plain‖₁ = %.3g, bounds %.3g + %.3g", times[k], d, ad.Epsilon[k], plain.Epsilon[k])
		}
	}
	if ad.Products >= plain.Products {
		t.Errorf("adaptive %d products, plain %d", ad.Products, plain.Products)
	}
	t.Logf("products: adaptive %d, plain %d; bound %.3g", ad.Products, plain.Products, ad.Epsilon[2])
}

const fiveReactions = `model five
scale N = 120
species S, I
infect:  S -> I @ (2 * I / N + 0.05) * S
recover: I -> 0 @ I
wane:    0 -> S @ 0.5 * (N - S - I)
die:     S -> 0 @ 0.1 * S
import:  0 -> I @ 0.2 * (N - S - I)
init { S = 100, I = 10 }
`

// TestAdaptiveWindow checks adaptive uniformisation against the plain one (no pruning) on
// chains where its working set is rebuilt many times and its steps restarted: SIR at
// N = 150 (11 476 states) from its point mass, and a model of five reactions (so that P_A
// is not stored with three slots per row) at N = 120. The laws differ
// in ℓ₁ by no more than the sum of the certified bounds, and the adaptive bound stays
// below 1e-9 (pruning budget 1e-10, truncation 1e-12).
func TestAdaptiveWindow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		load func(t *testing.T) *runtime.Model
	}{
		{"sir-150", func(t *testing.T) *runtime.Model {
			return loadtest.Model(t, "examples/sir.mf", compiler.Options{Scale: 150})
		}},
		{"five-120", func(t *testing.T) *runtime.Model { return loadtest.Source(t, fiveReactions, compiler.Options{}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := tc.load(t)
			c, err := Explore(context.Background(), m, m.Inputs(), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			p0, err := InitialDistribution(c)
			if err != nil {
				t.Fatal(err)
			}
			times := []float64{0.25, 1, 3}
			plain, err := Transient(context.Background(), c, p0, times, &TransientSettings{Prune: -1})
			if err != nil {
				t.Fatal(err)
			}
			ad, err := adaptiveTransient(context.Background(), c, p0, times, 1e-12, 1e-10, 1e8)
			if err != nil {
				t.Fatal(err)
			}
			for k := range times {
				d := 0.0
				for i := range ad.P[k] {
					d += math.Abs(ad.P[k][i] - plain.P[k][i])
				}
				if d > ad.Epsilon[k]+plain.Epsilon[k] || ad.Epsilon[k] > 1e-9 {
					t.Errorf("t = %g: ‖adaptive − plain‖₁ = %.3g, bounds %.3g + %.3g", times[k], d, ad.Epsilon[k], plain.Epsilon[k])
				}
			}
			if ad.rebuilds == 0 || ad.Restarts == 0 {
				t.Errorf("%d rebuilds of the working set, %d restarts: the test does not exercise them", ad.rebuilds, ad.Restarts)
			}
			t.Logf("%d states; products: adaptive %d (%d restarts, %d rebuilds), plain %d; bound %.3g", c.NumStates(), ad.Products, ad.Restarts, ad.rebuilds, plain.Products, ad.Epsilon[2])
		})
	}
}

// TestWindowKernels: the three forms of the product on a working set (ELLPACK of width 3,
// ELLPACK of any width, CSR) give the same bits, with and without the Poisson sum, on the
// window of SIR (N = 60) around its initial state.
func TestWindowKernels(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "examples/sir.mf", compiler.Options{Scale: 60})
	c, err := Explore(context.Background(), m, m.Inputs(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	exit := make([]float64, c.NumStates())
	for i := range exit {
		exit[i] = -c.Q.At(i, i)
	}
	w := newWindow(c.Q, exit)
	w.build([]int32{int32(c.Initial[0])}, 20, UniformisationRate(c.Q))
	if w.ellK != 3 {
		t.Fatalf("ELLPACK width %d, want 3 (SIR has three reactions)", w.ellK)
	}
	n := w.size()
	v := make([]float64, n)
	for j := range v {
		v[j] = 1 / float64(j+1) // any positive vector
	}
	run := func(k int, acc bool) ([]float64, []float64) {
		w.ellK = k
		dst, out := make([]float64, n), make([]float64, n)
		for j := range out {
			out[j] = 0.5
		}
		switch k {
		case -3:
			w.ellK = 3
			w.productELL(dst, v, out, 0.25, acc)
		default:
			w.product(dst, v, out, 0.25, acc)
		}
		return dst, out
	}
	for _, acc := range []bool{false, true} {
		d3, o3 := run(3, acc)
		for _, k := range []int{-3, 0} {
			d, o := run(k, acc)
			for j := range d {
				if d[j] != d3[j] || o[j] != o3[j] {
					t.Fatalf("form %d, acc %v, row %d: %v, %v; ELLPACK-3 gives %v, %v", k, acc, j, d[j], o[j], d3[j], o3[j])
				}
			}
		}
		if acc && o3[0] != 0.5+0.25*v[0] {
			t.Errorf("Poisson sum %v, want %v", o3[0], 0.5+0.25*v[0])
		}
	}
}

// TestAdaptiveCancel: adaptive uniformisation over a horizon of about 10⁸ jumps stops
// within a second of its context's deadline, with an error wrapping it.
func TestAdaptiveCancel(t *testing.T) {
	t.Parallel()
	m := loadtest.Source(t, `model small
species A
up:   0 -> A when A < 50 @ 1
down: A -> 0 when A > 0 @ A
init { A = 0 }
`, compiler.Options{})
	c, err := Explore(context.Background(), m, m.Inputs(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	p0 := make([]float64, c.NumStates())
	p0[c.Initial[0]] = 1
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = adaptiveTransient(ctx, c, p0, []float64{2e6}, 1e-12, 1e-10, 1e8)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("stopped after %v", d)
	}
}
