package ssa

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestCancel checks that a cancelled context stops a long simulation within about a
// second, for one long trajectory (TimeAverage, continuous and discrete time) and for an
// ensemble (without an event budget, which would stop them first).
func TestCancel(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"continuous", `model long
species A
up:   0 -> A @ 10
down: A -> 0 when A > 0 @ A
init { A = 0 }
`},
		{"discrete", `model long
time discrete
species A
up:   0 -> A when A < 5 @ 0.5
down: A -> 0 when A > 0 @ 0.1 * A
init { A = 0 }
`},
	} {
		m := loadtest.Source(t, tc.src, compiler.Options{})
		for _, what := range []string{"TimeAverage", "Ensemble"} {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			start := time.Now()
			var err error
			if what == "TimeAverage" {
				_, err = TimeAverage(ctx, m, m.Inputs(), Settings{T: 1e12, Seed: 1, EventBudget: -1})
			} else {
				_, err = Ensemble(ctx, m, m.Inputs(), Settings{Runs: 1000, T: 1e12, Seed: 1, Workers: 2, EventBudget: -1})
			}
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s %s: err = %v, want context.DeadlineExceeded", tc.name, what, err)
			}
			if d := time.Since(start); d > 1500*time.Millisecond {
				t.Errorf("%s %s: stopped after %v", tc.name, what, d)
			}
		}
	}
}

// TestCancelManyRuns: an ensemble of 10⁹ short runs stops within a second of its context's
// end (it spent seconds handing over an empty block for each of the 10⁷ blocks not run yet).
func TestCancelManyRuns(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "testdata/cli/hostile/tiny.mf", compiler.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := Ensemble(ctx, m, m.Inputs(), Settings{Runs: 1e9, T: 1, Seed: 1, Workers: 2})
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("stopped after %v", d)
	}
	if err == nil && res.Partial == "" {
		t.Error("a cut ensemble is not marked partial")
	}
}
