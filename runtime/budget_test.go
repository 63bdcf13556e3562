package runtime_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/runtime"
)

// TestBudget: sizes and durations parse with their units; bad values are refused naming
// the flag; the default memory budget is positive and at most 2 GiB.
func TestBudget(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		mem, timeout string
		bytes        int64
		err          string
	}{
		{"", "", runtime.DefaultMaxBytes(), ""},
		{"2G", "90s", 2 << 30, ""},
		{"500M", "0", 500 << 20, ""},
		{"1.5GiB", "", 3 << 29, ""},
		{"3X", "", 0, "--max-memory"},
		{"10", "", 0, "--max-memory"},
		{"NaN", "", 0, "--max-memory"},
		{"-1G", "", 0, "--max-memory"},
		{"", "soon", 0, "--timeout"},
		{"", "-5s", 0, "--timeout"},
	} {
		b := runtime.Budget{MaxMemory: c.mem, Timeout: c.timeout}
		err := b.Check()
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%+v: got %v, want an error naming %s", b, err, c.err)
			}
			continue
		}
		if err != nil || b.MaxBytes() != c.bytes {
			t.Errorf("%+v: %d bytes, %v; want %d", b, b.MaxBytes(), err, c.bytes)
		}
	}
	if n := runtime.DefaultMaxBytes(); n <= 0 || n > 2<<30 {
		t.Errorf("DefaultMaxBytes = %d", n)
	}
	if n := runtime.MaxBytesOf(runtime.WithMaxBytes(context.Background(), 12345)); n != 12345 {
		t.Errorf("MaxBytesOf = %d", n)
	}
}
