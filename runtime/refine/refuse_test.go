package refine

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/average"
	"github.com/mfcproject/mfc/runtime/fixpoint"
	"github.com/mfcproject/mfc/runtime/lna"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// On a model with a fast environment (toy T1 of seed digest 000, @t1_sis_env) the
// plain mean-field analyses used to return the fixed point of the drift frozen in the first
// environment state (x = 0.5296, where the two-timescale fixed point is 0.421364298533,
// digest 000 §5.1). Each of them must refuse the model with runtime.ErrFastEnvironment;
// average.Stationary must give the digest's fixed point (1e-9).
func TestFastEnvironmentRefused(t *testing.T) {
	m := loadtest.Model(t, "@t1_sis_env", compiler.Options{})
	if !m.HasFastEnvironment() || !average.Applies(m) {
		t.Fatal("@t1_sis_env: HasFastEnvironment = false")
	}
	in := m.Inputs()
	times := []float64{0, 1}
	refusals := []struct {
		name string
		run  func() error
	}{
		{"refine.Stationary", func() error { _, err := Stationary(context.Background(), m, in, nil); return err }},
		{"refine.Stationary order 2", func() error { _, err := Stationary(context.Background(), m, in, &Settings{Order: 2}); return err }},
		{"refine.Transient", func() error { _, err := Transient(context.Background(), m, in, times, nil); return err }},
		{"refine.Transient order 2", func() error { _, err := Transient(context.Background(), m, in, times, &Settings{Order: 2}); return err }},
		{"fixpoint.Find", func() error { _, err := fixpoint.Find(context.Background(), m, in, nil); return err }},
		{"lna.Stationary", func() error { _, err := lna.Stationary(m, in, []float64{0.4}); return err }},
		{"lna.Transient", func() error { _, err := lna.Transient(context.Background(), m, in, times, nil); return err }},
	}
	for _, r := range refusals {
		err := r.run()
		if !errors.Is(err, runtime.ErrFastEnvironment) {
			t.Errorf("%s: err = %v, want runtime.ErrFastEnvironment", r.name, err)
		} else if !strings.Contains(err.Error(), "two-timescale analysis") {
			t.Errorf("%s: the error does not name the two-timescale analysis: %v", r.name, err)
		}
	}
	res, err := average.Stationary(context.Background(), m, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := 0.421364298533; math.Abs(res.X[0]-want) > 1e-9 {
		t.Errorf("average.Stationary: x = %.12g, want %.12g", res.X[0], want)
	}
}

// TestRefuseDegenerate: at a degenerate fixed point (the two-patch SIS at R0 = 1) the
// refined expansion does not exist; Stationary says so instead of returning V ≈ −3·10⁵.
func TestRefuseDegenerate(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "testdata/bifurcation/metapop_sis.mf", compiler.Options{})
	_, err := Stationary(context.Background(), m, m.Inputs(), nil)
	var de *DegenerateError
	if !errors.As(err, &de) || de.Multiplicity != 2 || !strings.Contains(err.Error(), "degenerate") {
		t.Errorf("err = %v, want a DegenerateError", err)
	}
}

// TestTransientProgress: the refined trajectory reports its progress, as the fraction of
// the horizon reached, through the ProgressFunc of its context, and finishes the report.
func TestTransientProgress(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "@sir", compiler.Options{})
	var dones []int64
	finished := false
	ctx := runtime.WithProgress(context.Background(), func(label string, total int64) (func(done, total int64), func()) {
		if label != "refined trajectory" || total != 1000 {
			t.Errorf("progress %q of %d units", label, total)
		}
		return func(done, _ int64) { dones = append(dones, done) }, func() { finished = true }
	})
	if _, err := Transient(ctx, m, m.Inputs(), []float64{0, 2.5, 5}, nil); err != nil {
		t.Fatal(err)
	}
	if len(dones) < 5 || dones[len(dones)-1] != 1000 || !finished {
		t.Fatalf("progress reports %v, finished %v", dones, finished)
	}
	for k := 1; k < len(dones); k++ {
		if dones[k] < dones[k-1] {
			t.Errorf("progress goes back: %v", dones)
			break
		}
	}
}
