package main

import (
	"context"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fuzzCommands are the commands FuzzCLIArgs picks from (help, and every command).
var fuzzCommands = func() []string {
	names := []string{"help"}
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return names
}()

// FuzzCLIArgs runs a command on a tiny model with a random argument vector (arguments
// separated by NUL): whatever the flags and their values, mfc neither panics nor runs out
// of memory, exits with a documented status, and stops within its time budget once
// cancelled. -o writes under the test's directory; fmt -w and absolute paths are left out.
func FuzzCLIArgs(f *testing.F) {
	for _, s := range []struct {
		cmd  string
		args string
	}{
		{"ssa", "--steps\x00-1"}, {"ssa", "--steps\x001000000000000"}, {"ssa", "--runs\x001000000000000"},
		{"ssa", "--runs\x000"}, {"ssa", "--runs\x00-1"}, {"ssa", "--steps\x000"}, {"ssa", "--t\x00NaN"},
		{"ssa", "--runs=1e12"}, {"ssa", "--workers\x00-3"}, {"exact", "--max-states\x000"},
		{"run", "--max-states\x000"}, {"ode", "--rtol\x00-1"}, {"ode", "--atol\x00Inf"},
		{"ode", "--t\x00-Inf"}, {"validate", "--batches\x0099999999999"}, {"validate", "--burnin\x00NaN"},
		{"validate", "--transient\x00NaN"}, {"validate", "--runs\x001"}, {"converge", "--samples\x0099999999999"},
		{"fixpoint", "--starts\x0099999999999"}, {"refine", "--order\x003"}, {"refine", "--transient\x00Inf"},
		{"run", "--set\x00beta=NaN"}, {"run", "--set\x00beta=Inf"}, {"run", "--set\x00 =0"},
		{"run", "--set\x00=1"}, {"run", "--N\x00NaN"}, {"run", "--N\x00-1"}, {"run", "--N\x001,2"},
		{"show", "--at\x00S=NaN"}, {"show", "--at\x00S=1e400"}, {"run", "--format\x00xml"},
		{"run", "-o\x00out.txt\x00--format\x00json"}, {"models", "@sis\x00--format\x00json"},
		{"check", "--strict"}, {"fmt", "-l"}, {"help", ""}, {"run", "--\x00-h"}, {"ode", "--steps\x002"},
	} {
		f.Add(s.cmd, s.args)
	}
	model := filepath.Join("..", "..", "testdata", "cli", "hostile", "tiny.mf")
	f.Fuzz(func(t *testing.T, cmd, argv string) {
		dir := t.TempDir()
		args := []string{cmd}
		for _, a := range strings.Split(argv, "\x00") {
			name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
			switch {
			case strings.HasPrefix(a, "-") && name == "o":
				args = append(args, "-o="+filepath.Join(dir, "out"))
			case strings.HasPrefix(a, "-") && name == "w",
				strings.HasPrefix(a, "/"), strings.Contains(a, ".."):
			default:
				args = append(args, a)
			}
		}
		args = append(args, model)
		if bigOutput(args) {
			// A report of 10⁵ sample times or more is legitimate (its size is range-checked
			// against --max-memory) but takes seconds to render once the run is cut short,
			// which the fuzzing engine takes for a hang; TestFlagRanges covers --steps.
			t.Skip("asks for 10⁵ sample times or more")
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		status := runContext(ctx, args, io.Discard, io.Discard)
		// The analysis is cancelled after 1 s; what remains is rendering its (partial)
		// report, bounded for fewer than 10⁵ sample times: a run of 30 s is a hang.
		if el := time.Since(start); el > 30*time.Second {
			t.Errorf("mfc %q took %v (cancelled after 1 s)", args, el)
		}
		switch status {
		case 0, 1, 2, 130:
		default:
			t.Errorf("mfc %q: status %d", args, status)
		}
	})
}

// bigOutput reports whether args ask for 10⁵ sample times or more (--steps).
func bigOutput(args []string) bool {
	for i, a := range args {
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name != "steps" || !strings.HasPrefix(a, "-") {
			continue
		}
		if !hasVal && i+1 < len(args) {
			val = args[i+1]
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil && v >= 1e5 {
			return true
		}
	}
	return false
}
