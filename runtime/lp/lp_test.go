package lp_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/runtime/lp"
	"github.com/mfcproject/mfc/runtime/lp/lptest"
)

// needSolver skips a test when this binary has no LP solver; under CI (CI set in the
// environment, as .ci/run runs) it fails instead.
func needSolver(tb testing.TB) {
	tb.Helper()
	if err := lp.Available(); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%v (CI requires it)", err)
		}
		tb.Skip(err)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	needSolver(t)
	lptest.Conformance(t, lp.New)
}

// TestNoSolverReported: without a backend (CGO_ENABLED=0, or no CLP library) Load says so
// with ErrNoSolver; with one, Available agrees with Load.
func TestNoSolverReported(t *testing.T) {
	t.Parallel()
	p := lp.NewProblem(1)
	s := lp.New()
	defer s.Close()
	err := s.Load(p, lp.Options{})
	if avail := lp.Available(); avail != nil {
		if !errors.Is(err, lp.ErrNoSolver) || !strings.Contains(err.Error(), "no LP solver") {
			t.Errorf("Load without a backend: %v", err)
		}
		if _, err := s.Solve(lp.Minimize, []float64{1}); err == nil {
			t.Errorf("Solve without a backend: no error")
		}
		return
	}
	if err != nil {
		t.Errorf("Available() = nil but Load: %v", err)
	}
}
