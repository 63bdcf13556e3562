package ctmc

import (
	"context"
	"math"
	"testing"

	"github.com/mfcproject/mfc/compiler"
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
