package converge

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// A cancellation stops Analyze within a second: JSQ with K = 30 finds its equilibrium in
// about 0.1 s (fixpoint.Find takes the context too), then samples its Poisson solution for
// minutes; it is cancelled after 50 ms. Compare with a cancelled context returns at once.
func TestCancel(t *testing.T) {
	m := loadtest.Model(t, "@jsq", compiler.Options{Overrides: compiler.Overrides{"K": {30}}})
	ctx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(50*time.Millisecond, cancel)
	defer timer.Stop()
	start := time.Now()
	rep, err := Analyze(ctx, m, m.Inputs(), nil)
	el := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Analyze: err = %v after %v, want context.Canceled", err, el)
	}
	if el > 50*time.Millisecond+time.Second {
		t.Errorf("Analyze returned %v after the cancellation", el-50*time.Millisecond)
	}
	if rep == nil || rep.X == nil {
		t.Error("no partial report")
	}
	sis := loadSIS(t, 0.5, 0.5)
	full, err := Analyze(context.Background(), sis, sis.Inputs(), nil)
	if err != nil {
		t.Fatal(err)
	}
	done, stop := context.WithCancel(context.Background())
	stop()
	if _, err := Compare(done, full, []int{20}, load.Scaled("@sis_external", sisOptions(0.5, 0.5)), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Compare: err = %v, want context.Canceled", err)
	}
}
