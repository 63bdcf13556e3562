package ssa

import (
	"os"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestBenchFiles keeps the models of bench/ssa.sh equal to those of BenchmarkEvents:
// bench/ssa10.mf is bench10 (after its comment lines) and bench/ssa_conv1000.mf is
// network(500, 1), the network of BenchmarkEvents/J=1000.
func TestBenchFiles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ file, want string }{
		{"bench/ssa10.mf", bench10},
		{"bench/ssa_conv1000.mf", network(500, 1)},
	} {
		b, err := os.ReadFile(loadtest.Path(tc.file))
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, l := range strings.SplitAfter(string(b), "\n") {
			if !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
		if got := strings.Join(lines, ""); got != tc.want {
			t.Errorf("%s differs from the model of BenchmarkEvents:\n%s", tc.file, got)
		}
	}
}
