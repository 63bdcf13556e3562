package ctmc

import (
	"errors"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

func TestLimits(t *testing.T) {
	m := loadtest.Source(t, mm1k, compiler.Options{Overrides: compiler.Overrides{"K": {1000}}})
	for _, tc := range []struct {
		name  string
		lim   Limits
		limit string
		msg   []string
	}{
		{"states", Limits{MaxStates: 100}, "states", []string{"100 states", "--max-states", "Limits.MaxStates"}},
		{"bytes", Limits{MaxBytes: 20000}, "bytes", []string{"20000 bytes", "Limits.MaxBytes", "--max-memory", "--max-states"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := explore(t, m, tc.lim)
			var le *LimitError
			if !errors.As(err, &le) || le.Limit != tc.limit {
				t.Fatalf("got %v, want a %s LimitError", err, tc.limit)
			}
			for _, s := range tc.msg {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%q lacks %q", err.Error(), s)
				}
			}
		})
	}
	// Within the byte limit the chain reports its size.
	c, err := explore(t, m, Limits{MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if b := c.Bytes(); b <= 0 || b > 1<<20 {
		t.Errorf("Bytes() = %d", b)
	}
}
