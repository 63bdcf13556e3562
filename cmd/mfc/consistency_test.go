package main

import (
	"flag"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/runtime/analysis"
)

// One consistent command line: mistakes get one line naming the fix (a did-you-mean for
// commands and flags), not the whole usage; mfc version; --N only where there is a scale;
// a missing output directory is named.
func TestCommandLineMistakes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args   []string
		status int
		stdout string
		stderr string
	}{
		{[]string{"rn", "@sir"}, 2, "", `unknown command "rn": did you mean "run"?`},
		{[]string{"vrsion"}, 2, "", `did you mean "version"?`},
		{[]string{"frobnicate"}, 2, "", "unknown command \"frobnicate\"\n  (mfc help lists the commands)\n"},
		{[]string{"run", "@sir", "--ordr", "2"}, 2, "", "mfc run: unknown flag --ordr: did you mean --order?\n  (mfc help run lists the flags)\n"},
		{[]string{"sweep", "@sir", "--vray", "beta=1,2", "--", "refine"}, 2, "", "did you mean --vary?"},
		{[]string{"run"}, 2, "", "mfc run: expected one model file or library model, got no model file: e.g. mfc run examples/sir.mf, or mfc run @sir"},
		{[]string{"exact", "../../examples/schlogl.mf", "--N", "10"}, 2, "", "--N: the model has no scale"},
		{[]string{"run", "@sir", "-o", "/nonexistent-dir/x/out.txt"}, 1, "", "the directory /nonexistent-dir/x does not exist"},
		{[]string{"version"}, 0, "mfc ", ""},
		{[]string{"--version"}, 0, "mfc ", ""},
	} {
		out, errOut, status := runCLI(tc.args...)
		if status != tc.status || !strings.Contains(out, tc.stdout) || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("mfc %s: status %d, stdout %q, stderr %q; want %d, %q, %q", strings.Join(tc.args, " "), status, out, errOut, tc.status, tc.stdout, tc.stderr)
		}
		if status == 2 && strings.Count(errOut, "\n") > 3 {
			t.Errorf("mfc %s: %d lines of usage for one mistake:\n%s", strings.Join(tc.args, " "), strings.Count(errOut, "\n"), errOut)
		}
	}
}

func TestNearest(t *testing.T) {
	t.Parallel()
	names := []string{"order", "transient", "steps", "max-states", "N", "o"}
	for in, want := range map[string]string{"ordr": "order", "oredr": "order", "stpes": "steps", "transeint": "transient", "x": "", "maxstates": "max-states", "zzzzz": ""} {
		if got := nearest(in, names); got != want {
			t.Errorf("nearest(%q) = %q, want %q", in, got, want)
		}
	}
}

// Messages that tell what to change name a flag of the command that printed them, and the
// flag works: a time-inhomogeneous model is simulated with --rate-bound, the step limit of
// the ODE is --max-steps, more Newton starts are --starts.
func TestHintsNameFlags(t *testing.T) {
	t.Parallel()
	slow := "../../examples/slow_ctmc.mf"
	for _, tc := range []struct {
		fail []string
		flag string
		fix  []string
	}{
		{[]string{"ssa", slow, "--runs", "4", "--t", "2"}, "--rate-bound", []string{"--rate-bound", "50"}},
		{[]string{"ode", "@sir", "--max-steps", "3"}, "--max-steps", []string{"--max-steps", "100000"}},
	} {
		_, errOut, status := runCLI(tc.fail...)
		if status != 1 || !strings.Contains(errOut, tc.flag) {
			t.Errorf("mfc %s: status %d, %q; want a hint naming %s", strings.Join(tc.fail, " "), status, errOut, tc.flag)
			continue
		}
		help, _, _ := runCLI("help", tc.fail[0])
		if !strings.Contains(help, "-"+strings.TrimPrefix(tc.flag, "--")+" ") {
			t.Errorf("mfc help %s does not list %s", tc.fail[0], tc.flag)
		}
		args := append(append([]string{}, tc.fail...), tc.fix...)
		if _, errOut, status := runCLI(args...); status != 0 {
			t.Errorf("mfc %s: status %d, %q", strings.Join(args, " "), status, errOut)
		}
	}
}

// TestEveryCommand: every command has help on standard output with exit status 0, names
// a missing model file with E100 and exit status 1, and every analysis refuses an unknown
// format by listing the valid ones (exit status 2) and renders all three.
func TestEveryCommand(t *testing.T) {
	t.Parallel()
	cmds := []string{"check", "fmt", "models", "sweep", "merge", "version", "help"}
	for _, a := range analysis.All() {
		cmds = append(cmds, a.Name)
	}
	for _, c := range cmds {
		out, errOut, status := runCLI("help", c)
		if status != 0 || !strings.Contains(out, "mfc "+c) || errOut != "" {
			t.Errorf("mfc help %s: status %d, stdout %.60q, stderr %q", c, status, out, errOut)
		}
	}
	for _, a := range analysis.All() {
		_, errOut, status := runCLI(a.Name, "/nonexistent/m.mf")
		if status != 1 || !strings.Contains(errOut, "/nonexistent/m.mf") || !strings.Contains(errOut, "E100") {
			t.Errorf("mfc %s on a missing file: status %d, %q", a.Name, status, errOut)
		}
		_, errOut, status = runCLI(a.Name, "@sir", "--format", "xml")
		if status != 2 || !strings.Contains(errOut, "text, csv or json") {
			t.Errorf("mfc %s --format xml: status %d, %q", a.Name, status, errOut)
		}
	}
	// Every format of every analysis is exercised by the golden files (TestGoldenExamples).
	for _, c := range []string{"check", "fmt", "sweep"} {
		_, errOut, status := runCLI(c, "/nonexistent/m.mf", "--vary", "a=1,2", "--", "refine")
		if c != "sweep" {
			_, errOut, status = runCLI(c, "/nonexistent/m.mf")
		}
		if status != 1 || !strings.Contains(errOut, "E100") {
			t.Errorf("mfc %s on a missing file: status %d, %q", c, status, errOut)
		}
	}
}

// TestSharedFlagDefaults: a flag shared by several commands has one default everywhere
// (--order 2, --max-states 2 000 000, --runs 1000), and the transient horizon is --t (with
// --transient as its other name where it existed).
func TestSharedFlagDefaults(t *testing.T) {
	t.Parallel()
	want := map[string]string{"order": "2", "max-states": "2000000", "runs": "1000"}
	for _, a := range analysis.All() {
		fs := flag.NewFlagSet(a.Name, flag.ContinueOnError)
		analysis.DefineFlags(fs, a.NewSettings())
		for name, def := range want {
			if f := fs.Lookup(name); f != nil && f.DefValue != def {
				t.Errorf("mfc %s --%s defaults to %s, elsewhere %s", a.Name, name, f.DefValue, def)
			}
		}
		if f := fs.Lookup("transient"); f != nil && fs.Lookup("t") == nil {
			t.Errorf("mfc %s has --transient but no --t", a.Name)
		}
	}
}
