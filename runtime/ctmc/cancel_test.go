package ctmc

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestCancel checks that a cancelled context stops the long-running entry points within
// about a second: exploration of a state space of 1e8 states, uniformisation over a
// horizon of 1e9 jumps, and the iterative stationary solver.
func TestCancel(t *testing.T) {
	m := loadtest.Source(t, `model big
species A, B
a: 0 -> A when A < 10000 @ 1
b: 0 -> B when B < 10000 @ 1
init { A = 0, B = 0 }
`, compiler.Options{})
	run := func(what string, f func(ctx context.Context) error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := f(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: err = %v, want context.DeadlineExceeded", what, err)
		}
		if d := time.Since(start); d > 1500*time.Millisecond {
			t.Errorf("%s: stopped after %v", what, d)
		}
	}
	run("Explore", func(ctx context.Context) error {
		_, err := Explore(ctx, m, m.Inputs(), Limits{MaxStates: 1e9})
		return err
	})
	small := loadtest.Source(t, `model small
species A
up:   0 -> A when A < 50 @ 1
down: A -> 0 when A > 0 @ A
init { A = 0 }
`, compiler.Options{})
	c, err := Explore(context.Background(), small, small.Inputs(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	p0 := make([]float64, c.NumStates())
	p0[0] = 1
	run("Transient", func(ctx context.Context) error {
		_, err := Transient(ctx, c, p0, []float64{2e7}, &TransientSettings{MaxTerms: 2e9})
		return err
	})
	// Flow over a long horizon, and TimeVaryingUntil on a chain that leaves C slowly (the
	// predicted time stays below MaxTime, so only the context stops it).
	slowT := loadtest.Source(t, `model slowt
species A
up:   0 -> A when A < 50 @ 1 + 0 * t
down: A -> 0 when A > 0 @ A * (1 + 0.1 * sin(t))
init { A = 0 }
measure u = until(1, A >= 8)
`, compiler.Options{})
	ct, err := Explore(context.Background(), slowT, slowT.Inputs(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	pt := make([]float64, ct.NumStates())
	pt[0] = 1
	run("Flow", func(ctx context.Context) error {
		_, err := Flow(ctx, ct, slowT, slowT.Inputs(), pt, &FlowSettings{Times: []float64{1e9}})
		return err
	})
	u := slowT.IR.Measures[0]
	run("TimeVaryingUntil", func(ctx context.Context) error {
		_, err := TimeVaryingUntil(ctx, ct, slowT, slowT.Inputs(), pt, u.Args[0], u.Args[1], &UntilSettings{MaxTime: 1e300})
		return err
	})
	// The iterative stationary solver checks its context from the start.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Stationary(ctx, c, &Settings{DenseMax: -1}); !errors.Is(err, context.Canceled) {
		t.Errorf("Stationary: err = %v, want context.Canceled", err)
	}
}
