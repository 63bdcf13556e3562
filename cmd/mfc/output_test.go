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

// TestEveryCommandWriteError: for every command, help included, a failed write to standard
// output is an error (status 1, the cause on standard error), never a silent exit 0.
func TestEveryCommandWriteError(t *testing.T) {
	t.Parallel()
	model := filepath.Join(t.TempDir(), "m.mf")
	if err := os.WriteFile(model, []byte(sisSource(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	argv := [][]string{
		{"--help"}, {"help"}, {"help", "ode"}, {"ode", "-h"},
		{"models"}, {"models", "@sis"}, {"models", "--format", "json"},
		{"check", model}, {"fmt", model},
		{"show", model}, {"ode", model, "--t", "1", "--steps", "1"},
		{"fixpoint", model}, {"refine", model}, {"run", model},
		{"exact", model, "--set", "N=10"}, {"ssa", model, "--runs", "2", "--t", "0.1", "--steps", "1"},
	}
	for _, args := range argv {
		var errOut strings.Builder
		if status := run(args, failWriter{}, &errOut); status != 1 || !strings.Contains(errOut.String(), "disk full") {
			t.Errorf("mfc %s > /dev/full: status %d, stderr %q", strings.Join(args, " "), status, errOut.String())
		}
	}
}

// sisSource is the text of the library's SIS model.
func sisSource(t *testing.T) string {
	out, _, status := runCLI("models", "@sis")
	if status != 0 {
		t.Fatal("mfc models @sis failed")
	}
	return out
}

// TestOutputFileIntegrity: -o writes through a symbolic link (the link stays, its target is
// replaced) and keeps the target's mode; a failed write names the destination, never the
// temporary file, and leaves no temporary file behind; -o onto the input model is refused.
func TestOutputFileIntegrity(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "target.txt")
	link := filepath.Join(dir, "link.txt")
	if err := os.WriteFile(target, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("target.txt", link); err != nil {
		t.Fatal(err)
	}
	if _, errOut, status := runCLI("show", "@sis", "-o", link); status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", st.Mode(), err)
	}
	st, _ := os.Stat(target)
	data, _ := os.ReadFile(target)
	if !strings.HasPrefix(string(data), "model sis") || st.Mode().Perm() != 0o600 {
		t.Errorf("target: mode %v, text %.40q", st.Mode(), data)
	}
	// fmt -w through a link to a read-only file.
	unformatted := filepath.Join(dir, "u.mf")
	if err := os.WriteFile(unformatted, []byte("model  u\nspecies S\nS -> 0 @ S\ninit { S = 1 }\n"), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("u.mf", filepath.Join(dir, "u-link.mf")); err != nil {
		t.Fatal(err)
	}
	if _, errOut, status := runCLI("fmt", "-w", filepath.Join(dir, "u-link.mf")); status != 0 {
		t.Fatalf("fmt -w: status %d: %s", status, errOut)
	}
	st, _ = os.Stat(unformatted)
	data, _ = os.ReadFile(unformatted)
	if lst, _ := os.Lstat(filepath.Join(dir, "u-link.mf")); lst.Mode()&os.ModeSymlink == 0 || !strings.HasPrefix(string(data), "model u\n") || st.Mode().Perm() != 0o444 {
		t.Errorf("fmt -w through a link: mode %v, text %q", st.Mode(), data)
	}
	// A directory in the way: the rename fails.
	blocked := filepath.Join(dir, "blocked\x1b[31m")
	if err := os.Mkdir(blocked, 0o755); err != nil {
		t.Fatal(err)
	}
	_, errOut, status := runCLI("show", "@sis", "-o", blocked)
	if status != 1 || strings.Contains(errOut, ".tmp") || !strings.Contains(errOut, `blocked\x1b[31m`) || strings.Contains(errOut, "\x1b") {
		t.Errorf("status %d, stderr %q", status, errOut)
	}
	// The input model.
	model := filepath.Join(dir, "m.mf")
	src := sisSource(t)
	if err := os.WriteFile(model, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("m.mf", filepath.Join(dir, "m-link.mf")); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{model, filepath.Join(dir, "m-link.mf"), filepath.Join(dir, ".", "m.mf")} {
		_, errOut, status := runCLI("show", model, "-o", out)
		if status != 2 || !strings.Contains(errOut, "input model") {
			t.Errorf("-o %s: status %d, stderr %q", out, status, errOut)
		}
	}
	if data, _ := os.ReadFile(model); string(data) != src {
		t.Errorf("the model was overwritten")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// TestRemoveTemps: the temporary files of writes in progress are removed before a forced
// exit (a second interrupt). Not parallel: removeTemps removes the files of every write
// in progress, those of other tests included.
func TestRemoveTemps(t *testing.T) {
	f, err := createTemp(t.TempDir(), ".x.tmp*")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	removeTemps()
	if _, err := os.Stat(f.Name()); !os.IsNotExist(err) {
		t.Errorf("%s still exists: %v", f.Name(), err)
	}
}

// TestDisplayName: file names with unprintable characters are quoted, others are not.
func TestDisplayName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"m.mf": "m.mf", "dir/a b.mf": "dir/a b.mf", "ü.mf": "ü.mf",
		"a\nb.mf": `"a\nb.mf"`, "\x1b[2Jx.mf": `"\x1b[2Jx.mf"`, "bad\xff.mf": `"bad\xff.mf"`,
	} {
		if got := displayName(in); got != want {
			t.Errorf("displayName(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestNoSilentNaN: a NaN in a result is an error naming it in every format (status 1, no
// output), and -o keeps the file it would have replaced; a NaN setting is a usage error.
func TestNoSilentNaN(t *testing.T) {
	t.Parallel()
	model := "../../testdata/cli/hostile/nan_observable.mf"
	path := filepath.Join(t.TempDir(), "out.txt")
	if err := os.WriteFile(path, []byte("good\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"ssa", model, "--runs", "2", "--steps", "1", "--t", "0.1"}, 1, "mean[0][1] is NaN"},
		{[]string{"ssa", model, "--runs", "2", "--steps", "1", "--t", "0.1", "--format", "csv"}, 1, "mean[0][1] is NaN"},
		{[]string{"ssa", model, "--runs", "2", "--steps", "1", "--t", "0.1", "--format", "json", "-o", path}, 1, "mean[0][1] is NaN"},
		{[]string{"show", "@sis", "--at", "S=NaN,I=0.1"}, 1, "is NaN"},
		{[]string{"validate", "@mm1k", "--burnin", "NaN", "-o", path}, 2, "--burnin NaN: must be"},
	}
	for _, c := range cases {
		out, errOut, status := runCLI(c.args...)
		if status != c.status || out != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("mfc %s: status %d, stdout %q, stderr %q", strings.Join(c.args, " "), status, out, errOut)
		}
	}
	if data, _ := os.ReadFile(path); string(data) != "good\n" {
		t.Errorf("-o replaced the file: %q", data)
	}
}

// TestFileNamesQuoted: a file name with a newline or an escape sequence reaches the
// terminal quoted, in the messages and listings of mfc itself.
func TestFileNamesQuoted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	model := filepath.Join(dir, "a\nb\x1b[2J.mf")
	if err := os.WriteFile(model, []byte("model  m\nspecies S\nS -> 0 @ S\ninit { S = 1 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"check", model}, {"fmt", "-l", model}, {"fmt", model + "x"}, {"show", "@sis", "-o", filepath.Join(dir, "no\x1bdir", "out")}} {
		out, errOut, _ := runCLI(args...)
		if strings.ContainsAny(out+errOut, "\x1b") || !strings.Contains(out+errOut, `\x1b`) {
			t.Errorf("mfc %q: stdout %q, stderr %q", args, out, errOut)
		}
	}
}

// TestOnlyRows: --only keeps the named species, observables and measures in text and CSV
// (JSON keeps every row), and names the rows a report has when one is unknown.
func TestOnlyRows(t *testing.T) {
	t.Parallel()
	out, errOut, status := runCLI("run", "@sir", "--only", "I,infected_ss", "--format", "csv")
	want := "kind,name,mean_field,correction1,correction2,refined1,refined2\nspecies,\"I\","
	if status != 0 || !strings.HasPrefix(out, want) || strings.Count(out, "\n") != 3 || !strings.Contains(out, "measure,\"infected_ss\",") {
		t.Errorf("run --only I,infected_ss: status %d\n%s%s", status, out, errOut)
	}
	out, _, _ = runCLI("run", "@sir", "--only", "I", "--format", "json")
	if !strings.Contains(out, `"R"`) {
		t.Errorf("JSON lost rows with --only:\n%s", out)
	}
	out, _, _ = runCLI("ode", "@sir", "--t", "1", "--steps", "1", "--only", "infected")
	if !strings.Contains(out, "\nt infected\n") {
		t.Errorf("ode --only infected:\n%s", out)
	}
	if _, errOut, status := runCLI("refine", "@sir", "--only", "J"); status != 2 || !strings.Contains(errOut, `no row "J"; it has S, I, R, susceptible`) {
		t.Errorf("an unknown row: status %d, %s", status, errOut)
	}
}
