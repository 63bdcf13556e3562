package ssa

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestExplosion: a chain that explodes (rate X²/N) and one whose count passes 2^53 stop
// with E806 naming the transition, instead of running forever; a linear birth process
// (exponential growth, no explosion) and a stationary chain are not stopped.
func TestExplosion(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, model string
		T           float64
		want        string // substring of the E806 message, "" for no error
	}{
		{"explode", "testdata/hostile/sim/explode.mf", 100, "explodes"},
		{"big jump", "testdata/hostile/sim/big_jump.mf", 1e6, "2^53"},
		{"linear birth", "", 12, ""},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var m = loadtest.Source(t, "model birth\nspecies X\nsplit: X -> 2X @ X\ninit { X = 1 }\n", compiler.Options{})
			if c.model != "" {
				m = loadtest.Model(t, c.model, compiler.Options{})
			}
			_, err := Ensemble(context.Background(), m, m.Inputs(), Settings{Runs: 1, T: c.T, Workers: 1})
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var d *diag.Diagnostic
			if !errors.As(err, &d) || d.Code != "E806" || !strings.Contains(d.Msg, c.want) || !d.Pos.IsValid() {
				t.Fatalf("got %v, want E806 with %q and a position", err, c.want)
			}
		})
	}
}

// TestEventBudget: an ensemble that spends its event budget reports the runs completed as a
// partial result, saying so; one whose first run cannot complete is an error wrapping
// ErrBudget, at once when the event rate shows it.
func TestEventBudget(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "@sis", compiler.Options{Scale: 50})
	res, err := Ensemble(context.Background(), m, m.Inputs(), Settings{Runs: 64, T: 5, Workers: 2, EventBudget: 3000})
	if err != nil {
		t.Fatal(err)
	}
	if res.Partial == "" || res.Runs >= 64 || res.Runs == 0 || !strings.Contains(res.Partial, "--max-events") {
		t.Errorf("runs %d, partial %q", res.Runs, res.Partial)
	}
	full, err := Ensemble(context.Background(), m, m.Inputs(), Settings{Runs: 64, T: 5, Workers: 2})
	if err != nil || full.Partial != "" || full.Runs != 64 {
		t.Errorf("full ensemble: %v, runs %d, partial %q", err, full.Runs, full.Partial)
	}
	// With the default budget of 1e9 events, the projection stops at once a run that cannot
	// reach its end: a rate of 1e32 over t = 10, and 1e12 steps of a discrete-time model.
	fast := loadtest.Model(t, "testdata/hostile/sim/fast.mf", compiler.Options{})
	_, err = Ensemble(context.Background(), fast, fast.Inputs(), Settings{Runs: 4, T: 10, Workers: 1})
	if !errors.Is(err, ErrBudget) || !strings.Contains(err.Error(), "needs about") {
		t.Errorf("rate 1e32: got %v, want ErrBudget with a projection", err)
	}
	walk := loadtest.Source(t, "model walk\ntime discrete\nspecies X\nup: 0 -> X when X < 3 @ 0.5\ndown: X -> 0 when X > 0 @ 0.5\ninit { X = 0 }\n", compiler.Options{})
	_, err = Ensemble(context.Background(), walk, walk.Inputs(), Settings{Runs: 4, T: 1e12, Workers: 1})
	if !errors.Is(err, ErrBudget) || !strings.Contains(err.Error(), "more steps") {
		t.Errorf("1e12 steps: got %v, want ErrBudget", err)
	}
}
