package analysis_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestExactProgress: mfc exact reports the progress of each long phase — the exploration,
// the stationary solve (here banded GTH) and the uniformisation of a transient measure —
// through Problem.Progress, each report finished.
func TestExactProgress(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "examples/sir.mf", compiler.Options{Scale: 80})
	var mu sync.Mutex
	started, finished := map[string]int{}, map[string]int{}
	p := &analysis.Problem{Model: m, Progress: func(label string, total int64) (func(done, total int64), func()) {
		mu.Lock()
		defer mu.Unlock()
		started[label]++
		return func(int64, int64) {}, func() {
			mu.Lock()
			defer mu.Unlock()
			finished[label]++
		}
	}}
	if _, err := analysis.Lookup("exact").Run(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"exploring the states", "stationary law", "uniformisation"} {
		found := false
		for l, n := range started {
			if strings.HasPrefix(l, want) {
				found = true
				if finished[l] != n {
					t.Errorf("%q started %d times, finished %d", l, n, finished[l])
				}
			}
		}
		if !found {
			t.Errorf("no progress report of %q; reports %v", want, started)
		}
	}
}
