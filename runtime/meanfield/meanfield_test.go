package meanfield_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
	"github.com/mfcproject/mfc/runtime/meanfield"
)

// TestMethod: the method follows the model: refined for a slow or absent environment,
// averaged for a fast one, none without a mean field. The values are the library's known
// answers (stdlib/models): the SIRS fixed point of rmftool, T1's two-timescale fixed point
// of digest 000 §5.1 (12 printed digits), V = −γ/(β − γ) of the SIS model.
func TestMethod(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		model, method string
		order         int
		x0, tol       float64
	}{
		{"@sir", meanfield.Refined, 2, 0.262595183183658, 1e-10},
		{"@t1_sis_env", meanfield.Averaged, 1, 0.421364298533, 5e-13},
	} {
		m := loadtest.Model(t, tc.model, compiler.Options{})
		res, err := meanfield.Stationary(ctx, m, m.Inputs(), 2)
		if err != nil {
			t.Fatal(err)
		}
		if res.Method != tc.method || res.Order != tc.order || math.Abs(res.X[0]-tc.x0) > tc.tol {
			t.Errorf("%s: %s order %d x0 %.15g, want %s order %d x0 %.15g", tc.model, res.Method, res.Order, res.X[0], tc.method, tc.order, tc.x0)
		}
		if (tc.order == 1) != (len(res.Notes) == 1) {
			t.Errorf("%s: notes %q", tc.model, res.Notes)
		}
		tr, err := meanfield.Transient(ctx, m, m.Inputs(), []float64{0, 50}, 2)
		if err != nil {
			t.Fatal(err)
		}
		// At t = 50 the transient has settled on the fixed point (both models are stable
		// with a spectral gap ≥ 0.97).
		if tr.Method != tc.method || math.Abs(tr.X[1][0]-tc.x0) > 1e-8 {
			t.Errorf("%s: transient %s x(50) = %.12g, want %.12g", tc.model, tr.Method, tr.X[1][0], tc.x0)
		}
		path, err := meanfield.ODE(ctx, m, m.Inputs(), []float64{0, 50}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if path.Method != tc.method || math.Abs(path.X[1][0]-tc.x0) > 1e-7 {
			t.Errorf("%s: ODE %s x(50) = %.12g, want %.12g", tc.model, path.Method, path.X[1][0], tc.x0)
		}
	}
	sis := loadtest.Model(t, "@sis", compiler.Options{Overrides: compiler.Overrides{"beta": {4}}})
	res, err := meanfield.Stationary(ctx, sis, sis.Inputs(), 1)
	if err != nil || math.Abs(res.V[1]+1.0/3) > 1e-12 {
		t.Errorf("SIS V = %v (%v), want -1/3", res.V, err)
	}
	mm1k := loadtest.Model(t, "@mm1k", compiler.Options{})
	if _, err := meanfield.Method(mm1k); !errors.Is(err, runtime.ErrNoMeanField) {
		t.Errorf("M/M/1/K: %v, want ErrNoMeanField", err)
	}
}
