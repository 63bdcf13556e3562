package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNonFiniteJSON: a NaN in a report is an error naming the quantity, with a non-zero
// status, and -o keeps the good file it would have replaced.
func TestNonFiniteJSON(t *testing.T) {
	t.Parallel()
	out, errOut, status := runCLI("show", "@sir", "--at", "S=NaN", "--format", "json")
	if status != 1 || out != "" || !strings.Contains(errOut, "at[0] is NaN") {
		t.Errorf("status %d, stdout %q, stderr %q", status, out, errOut)
	}
	path := filepath.Join(t.TempDir(), "rep.json")
	if _, errOut, status := runCLI("show", "@sir", "--format", "json", "-o", path); status != 0 {
		t.Fatal(errOut)
	}
	good, _ := os.ReadFile(path)
	if _, _, status := runCLI("show", "@sir", "--at", "S=NaN", "--format", "json", "-o", path); status != 1 {
		t.Errorf("status %d", status)
	}
	if now, _ := os.ReadFile(path); string(now) != string(good) || len(good) < 100 {
		t.Errorf("-o file replaced after a failed run")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestWriteError: a failed write to standard output is an error.
func TestWriteError(t *testing.T) {
	t.Parallel()
	var errOut strings.Builder
	if status := run([]string{"show", "@sir"}, failWriter{}, &errOut); status != 1 || !strings.Contains(errOut.String(), "disk full") {
		t.Errorf("status %d, stderr %q", status, errOut.String())
	}
}

// TestHelp: help goes to standard output with status 0, for mfc and for each command.
func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"help"}, {"help", "refine"}, {"validate", "-h"}, {"models", "--help"}} {
		out, errOut, status := runCLI(args...)
		if status != 0 || !strings.Contains(out, "usage: mfc") || errOut != "" {
			t.Errorf("%v: status %d, stdout %q, stderr %q", args, status, out, errOut)
		}
	}
	if _, errOut, status := runCLI(); status != 2 || !strings.Contains(errOut, "usage: mfc") {
		t.Errorf("no arguments: status %d, stderr %q", status, errOut)
	}
}

// TestModelsCommand: mfc models lists the library and prints one model.
func TestModelsCommand(t *testing.T) {
	t.Parallel()
	out, _, status := runCLI("models")
	if status != 0 || !strings.Contains(out, "@sir ") || !strings.Contains(out, "@mm1k ") {
		t.Errorf("mfc models: status %d\n%s", status, out)
	}
	out, _, status = runCLI("models", "@mm1k")
	if status != 0 || !strings.HasPrefix(out, "# M/M/1/K queue") {
		t.Errorf("mfc models @mm1k: status %d\n%s", status, out)
	}
	if _, errOut, status := runCLI("run", "@nosuch"); status != 1 || !strings.Contains(errOut, "mfc models") {
		t.Errorf("mfc run @nosuch: status %d, %s", status, errOut)
	}
	out, errOut, status := runCLI("run", "@sir", "--format", "csv")
	if status != 0 || !strings.HasPrefix(out, "kind,name,") {
		t.Errorf("mfc run @sir: status %d %s\n%s", status, errOut, out)
	}
}

// TestRunMaxStates: the hint of a state limit names --max-states, and mfc run has that flag
// (it solves the exact chain of a model without a mean field).
func TestRunMaxStates(t *testing.T) {
	t.Parallel()
	_, errOut, status := runCLI("run", "@toggle", "--max-states", "1000")
	if status != 1 || !strings.Contains(errOut, "more than 1000 states") || !strings.Contains(errOut, "--max-states") {
		t.Errorf("status %d, stderr %q", status, errOut)
	}
	out, _, _ := runCLI("help", "run")
	if !strings.Contains(out, "-max-states") {
		t.Errorf("mfc help run does not list --max-states:\n%s", out)
	}
	out, errOut, status = runCLI("run", "@mm1k", "--max-states", "100", "--format", "json")
	if status != 0 || !strings.Contains(out, `"states": 11`) {
		t.Errorf("run @mm1k: status %d %s\n%s", status, errOut, out)
	}
}
