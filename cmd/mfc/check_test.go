package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMaxInput: check and fmt stop at --max-input with E100 instead of reading a file of
// any size (a device such as /dev/zero would never end).
func TestMaxInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "m.mf")
	if err := os.WriteFile(path, []byte("species S\ndecay: S -> 0 @ S\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	huge := "/dev/zero"
	if _, err := os.Stat(huge); err != nil {
		huge = path // no device: the small limit below still applies
	}
	for _, c := range []struct {
		args   []string
		status int
		errHas string
	}{
		{[]string{"check", path}, 0, ""},
		{[]string{"check", "--max-input", "10", path}, 1, "error[E100]: file is larger than the limit of 10 bytes"},
		{[]string{"fmt", "--max-input", "10", path}, 1, "error[E100]: file is larger than the limit of 10 bytes"},
		{[]string{"check", "--max-input", "4096", huge}, 1, "hint: raise the limit with --max-input"},
		{[]string{"fmt", "--max-input", "4096", huge}, 1, "hint: raise the limit with --max-input"},
		{[]string{"check", "--max-input", "0", path}, 2, "--max-input 0"},
		{[]string{"fmt", "--max-input", "-1", path}, 2, "--max-input -1"},
		{[]string{"exact", "--max-input", "10", path}, 1, "error[E100]: file is larger than the limit of 10 bytes"},
		{[]string{"run", "--max-input", "4096", huge}, 1, "hint: raise the limit with --max-input"},
		{[]string{"sweep", "--max-input", "10", path, "--vary", "k=1,2", "--", "exact"}, 1, "error[E100]"},
		{[]string{"ssa", "--max-input", "0", path}, 2, "--max-input 0"},
	} {
		_, stderr, status := runCLI(c.args...)
		if status != c.status || !strings.Contains(stderr, c.errHas) {
			t.Errorf("mfc %s: status %d, stderr %q; want %d and %q", strings.Join(c.args, " "), status, stderr, c.status, c.errHas)
		}
	}
}

// TestCheckQuotesFileName: a file name with a newline or an escape is printed quoted.
func TestCheckQuotesFileName(t *testing.T) {
	t.Parallel()
	name := filepath.Join(t.TempDir(), "a\nb\x1b[31m.mf")
	for _, cmd := range []string{"check", "fmt"} {
		_, stderr, status := runCLI(cmd, name)
		if status != 1 || strings.ContainsAny(stderr, "\x1b") || strings.Count(stderr, "\n") != 2 {
			t.Errorf("mfc %s: status %d, stderr %q: want the name quoted", cmd, status, stderr)
		}
	}
}
