package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A sweep split into shards, merged, is byte for byte the unsharded sweep, in CSV and in
// JSON; a rerun of a finished sweep computes nothing; the values are those of the analysis
// run alone at each point.
func TestSweepShardsMerge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := []string{"sweep", "@sir", "--vary", "beta=1.5:3:4", "--vary", "gamma=0.5,1"}
	after := []string{"--", "refine", "--order", "2"}
	args := func(extra ...string) []string {
		return append(append(append([]string{}, base...), extra...), after...)
	}
	for _, ext := range []string{".csv", ".json"} {
		whole := filepath.Join(dir, "whole"+ext)
		if _, errOut, status := runCLI(args("-o", whole)...); status != 0 {
			t.Fatalf("whole sweep: status %d: %s", status, errOut)
		}
		var parts []string
		for i := 0; i < 3; i++ {
			p := filepath.Join(dir, "part"+string(rune('0'+i))+ext)
			if _, errOut, status := runCLI(args("--shard", string(rune('0'+i))+"/3", "-o", p, "--workers", "1")...); status != 0 {
				t.Fatalf("shard %d: status %d: %s", i, status, errOut)
			}
			parts = append(parts, p)
		}
		merged := filepath.Join(dir, "merged"+ext)
		if _, errOut, status := runCLI(append([]string{"merge", merged}, parts...)...); status != 0 {
			t.Fatalf("merge: status %d: %s", status, errOut)
		}
		w, _ := os.ReadFile(whole)
		m, _ := os.ReadFile(merged)
		if !bytes.Equal(w, m) || len(w) < 200 {
			t.Errorf("%s: merged output differs from the whole sweep:\n%s\nwant\n%s", ext, m, w)
		}
		if _, errOut, status := runCLI("merge", merged, parts[0], parts[2]); status != 1 || !strings.Contains(errOut, "shards 1/3 (3 points)") {
			t.Errorf("merge with a part missing: status %d, %s", status, errOut)
		}
		if _, err := os.Stat(whole + ".journal"); !os.IsNotExist(err) {
			t.Errorf("the journal of a finished sweep is left: %v", err)
		}
	}
	// The point beta = 2, gamma = 0.5 (point 2) against mfc refine there.
	out, _, _ := runCLI("refine", "@sir", "--set", "beta=2", "--set", "gamma=0.5", "--order", "2", "--format", "csv")
	csv, _ := os.ReadFile(filepath.Join(dir, "whole.csv"))
	lines := strings.Split(string(csv), "\n")
	if !strings.HasPrefix(lines[1], "point,beta,gamma,N,order,fixed_point.0,") || !strings.HasPrefix(lines[4], "2,2,0.5,") {
		t.Fatalf("sweep CSV:\n%s", csv)
	}
	head := strings.Split(lines[1], ",")
	row := strings.Split(lines[4], ",")
	fp, _ := strconv.ParseFloat(row[indexOf(head, "fixed_point.0")], 64)
	if want := strconv.FormatFloat(fp, 'g', 10, 64); !strings.Contains(out, ","+want+",") {
		t.Errorf("the sweep's fixed_point.0 = %g at beta = 2, gamma = 0.5 (%s to 10 digits) is not in mfc refine's output there:\n%s", fp, want, out)
	}
}

func indexOf(xs []string, x string) int {
	for i, s := range xs {
		if s == x {
			return i
		}
	}
	return -1
}

// An interrupted sweep resumes from its journal; a journal of another sweep is refused.
func TestSweepResumes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "s.csv")
	args := []string{"sweep", "@sis", "--vary", "beta=1.5:3:5", "-o", out, "--", "fixpoint"}
	if _, errOut, status := runCLI(args...); status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	want, _ := os.ReadFile(out)
	// Simulate an interruption: keep the journal's head and two rows.
	lines := strings.SplitAfter(string(journalOf(t, args, dir)), "\n")
	if len(lines) < 6 {
		t.Fatalf("journal:\n%s", strings.Join(lines, ""))
	}
	os.Remove(out)
	if err := os.WriteFile(out+".journal", []byte(strings.Join(lines[:3], "")+`{"point":4,"par`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, status := runCLI(args...); status != 0 {
		t.Fatalf("resumed: status %d: %s", status, errOut)
	}
	got, _ := os.ReadFile(out)
	if !bytes.Equal(got, want) {
		t.Errorf("resumed output differs:\n%s\nwant\n%s", got, want)
	}
	if err := os.WriteFile(out+".journal", []byte(lines[0]), 0o644); err != nil {
		t.Fatal(err)
	}
	other := []string{"sweep", "@sis", "--vary", "beta=1.5:3:6", "-o", out, "--", "fixpoint"}
	if _, errOut, status := runCLI(other...); status != 1 || !strings.Contains(errOut, "journal of another sweep") {
		t.Errorf("another sweep's journal: status %d, %s", status, errOut)
	}
}

// journalOf runs the sweep of args with its output in dir and returns its journal, kept by
// making the final write fail.
func journalOf(t *testing.T, args []string, dir string) []byte {
	t.Helper()
	sub := filepath.Join(dir, "ro")
	os.Mkdir(sub, 0o755)
	a := append([]string{}, args...)
	for i := range a {
		if a[i] == "-o" {
			a[i+1] = filepath.Join(sub, "s.csv")
		}
	}
	// A directory in place of the output makes the final write fail after every point.
	os.Mkdir(filepath.Join(sub, "s.csv"), 0o755)
	if _, _, status := runCLI(a...); status == 0 {
		t.Fatal("the sweep wrote over a directory")
	}
	data, err := os.ReadFile(filepath.Join(sub, "s.csv.journal"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSweepUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep", "@sir", "--vary", "beta=1:2:3"}, "name the analysis after --"},
		{[]string{"sweep", "@sir", "--vary", "beta=1:2:3", "--", "nosuch"}, `unknown analysis "nosuch"`},
		{[]string{"sweep", "@sir", "--", "refine"}, "nothing to sweep"},
		{[]string{"sweep", "@sir", "--vary", "beta=1:2:0", "--", "refine"}, "integer in [1,"},
		{[]string{"sweep", "@sir", "--vary", "beta=1,2", "--vary", "gamma=1,2,3", "--zip", "--", "refine"}, "equal length"},
		{[]string{"sweep", "@sir", "--vary", "beta=1,2", "--", "refine", "--order", "7"}, "--order 7"},
		{[]string{"sweep", "@sir", "--vary", "beta=1,2", "--shard", "3/3", "--", "refine"}, "--shard"},
		{[]string{"sweep", "@sir", "--vary", "beta=1,2", "--emit-slurm", "--shards", "4", "--", "refine"}, "needs -o"},
		{[]string{"sweep", "@sir", "--vary", "beta=1,2", "--plot", "x.png", "--", "refine"}, "--plot needs --only"},
	} {
		_, errOut, status := runCLI(tc.args...)
		if status != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("mfc %s: status %d, %q; want 2 and %q", strings.Join(tc.args, " "), status, errOut, tc.want)
		}
	}
}

// The Slurm script: a job array of n tasks, each running this sweep on its shard (from
// SLURM_ARRAY_TASK_ID) into its own part, with the model's absolute path. The shard count is
// in the script, not taken from SLURM_ARRAY_TASK_COUNT: a task resubmitted alone
// (sbatch --array=i) still computes shard i of n.
func TestEmitSlurm(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	model := filepath.Join(dir, "m.mf")
	src, _ := os.ReadFile(filepath.Join("..", "..", "examples", "sir.mf"))
	os.WriteFile(model, src, 0o644)
	out, errOut, status := runCLI("sweep", model, "--vary", "beta=1:3:64", "--emit-slurm", "--shards", "8", "-o", filepath.Join(dir, "r.csv"), "--", "refine", "--order", "1")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	for _, want := range []string{"#!/bin/bash\n", "#SBATCH --array=0-7\n", "#SBATCH --cpus-per-task=1\n", " sweep " + model + " --vary beta=1:3:64 --workers 1 --shard \"${SLURM_ARRAY_TASK_ID}/8\" -o \"" + filepath.Join(dir, "r") + ".shard-${SLURM_ARRAY_TASK_ID}-of-8.csv\" -- refine --order 1\n", "merge " + filepath.Join(dir, "r.csv")} {
		if !strings.Contains(out, want) {
			t.Errorf("the script lacks %q:\n%s", want, out)
		}
	}
}

// Continuation finds the bifurcations of textbook models where theory puts them: the
// Brusselator's Hopf point at b = 1 + a² = 2 (fixpoint follows the branch through it;
// refine, which reports the stable point, sees it lost there) and the SIS model's
// transcritical point at beta = gamma = 1.
func TestSweepContinuationEvents(t *testing.T) {
	t.Parallel()
	bruss := filepath.Join("..", "..", "testdata", "bifurcation", "brusselator.mf")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep", bruss, "--vary", "b=1.5:2.5:11", "--continue", "--", "fixpoint"}, "Hopf point near b = 2 (points 5–6)"},
		{[]string{"sweep", bruss, "--vary", "b=1.5:2.5:11", "--continue", "--", "refine"}, "the stable branch is lost near b = 2 (between points 4 and 5"},
		{[]string{"sweep", "@sis", "--vary", "beta=0.5:2:16", "--continue", "--", "fixpoint"}, "fold or transcritical point near beta = 1 (points 5–6)"},
	} {
		out, errOut, status := runCLI(tc.args...)
		if status != 0 || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "mfc sweep: ") > 2 {
			t.Errorf("mfc %s: status %d, stderr %q; want %q", strings.Join(tc.args, " "), status, errOut, tc.want)
		}
		if len(out) < 100 {
			t.Errorf("mfc %s: output %q", strings.Join(tc.args, " "), out)
		}
	}
	out, _, _ := runCLI("sweep", bruss, "--vary", "b=1.5:2.5:11", "--continue", "--format", "json", "--", "fixpoint")
	if !strings.Contains(out, `"events": [{"kind":"hopf","from":5,"to":6,"axis":"b","at":`) {
		t.Errorf("JSON events:\n%.600s", out)
	}
}

// TestSweepSensitivity: a sweep over ρ ∈ {0.9 − h, 0.9, 0.9 + h} (h = 1e-5) of refine
// --order 2 --sensitivity rho on JSQ (K = 3) reports, at the middle point, for every value
// of the report, a column sensitivity.rho.<key> within 1e-6 (relative to max(1, |value|))
// of the central difference of the <key> columns of the outer points: the derivatives
// survive the flattening, and their keys match the values they differentiate.
func TestSweepSensitivity(t *testing.T) {
	t.Parallel()
	out, errOut, status := runCLI("sweep", "@jsq", "--set", "K=3", "--vary", "rho=0.89999:0.90001:3",
		"--workers", "1", "--", "refine", "--order", "2", "--sensitivity", "rho")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("want a comment, a header and 3 rows:\n%s", out)
	}
	head := strings.Split(lines[1], ",")
	rows := [3][]float64{}
	for r := range rows {
		for _, f := range strings.Split(lines[2+r], ",") {
			x, _ := strconv.ParseFloat(f, 64)
			rows[r] = append(rows[r], x)
		}
	}
	h := rows[2][1] - rows[1][1]
	if math.Abs(h-1e-5) > 1e-12 || math.Abs(rows[1][1]-rows[0][1]-h) > 1e-12 {
		t.Fatalf("rho column %v, want steps of 1e-5", []float64{rows[0][1], rows[1][1], rows[2][1]})
	}
	checked := 0
	for c, key := range head {
		base, ok := strings.CutPrefix(key, "sensitivity.rho.")
		if !ok {
			continue
		}
		v := indexOf(head, base)
		if v < 0 {
			t.Errorf("%s differentiates no column %s", key, base)
			continue
		}
		fd := (rows[2][v] - rows[0][v]) / (2 * h)
		if got := rows[1][c]; math.Abs(got-fd) > 1e-6*math.Max(1, math.Abs(fd)) {
			t.Errorf("%s = %.10g, central difference of %s = %.10g", key, got, base, fd)
		}
		checked++
	}
	// 3 species × (fixed point, V, A) + 6 observables × 5 values.
	if checked != 39 {
		t.Errorf("%d sensitivity columns checked, want 39", checked)
	}
}

// TestSweepGridZip: --grid and --zip together are a usage error, not one silently winning.
func TestSweepGridZip(t *testing.T) {
	t.Parallel()
	if _, errOut, status := runCLI("sweep", "@sir", "--vary", "beta=1,2", "--vary", "gamma=1,2", "--grid", "--zip", "--", "refine"); status != 2 || !strings.Contains(errOut, "exclude each other") {
		t.Errorf("status %d: %s", status, errOut)
	}
}
