package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSlurmSweep runs a sharded sweep on a real Slurm cluster (scripts/slurm-local.sh start
// gives one on this machine): the script of --emit-slurm submitted with sbatch, one task
// resubmitted alone as after a failure, and the parts joined with mfc merge must give the
// unsharded output byte for byte. Without sbatch or a cluster that answers the test skips,
// unless MFC_REQUIRE_SLURM=1 (CI), where it fails.
func TestSlurmSweep(t *testing.T) {
	t.Parallel()
	require := os.Getenv("MFC_REQUIRE_SLURM") == "1"
	unavailable := func(format string, a ...any) {
		t.Helper()
		if require {
			t.Fatalf("MFC_REQUIRE_SLURM=1 but "+format, a...)
		}
		t.Skipf(format, a...)
	}
	if _, err := exec.LookPath("sbatch"); err != nil {
		unavailable("sbatch is not on PATH: no Slurm here (scripts/slurm-local.sh install && scripts/slurm-local.sh start)")
	}
	env := slurmEnv()
	// A configuration without a controller makes sinfo retry for seconds; one that runs
	// answers at once.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	sinfo := exec.CommandContext(ctx, "sinfo", "-h")
	sinfo.Env = env
	if out, err := sinfo.CombinedOutput(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("no answer in 3 s")
		}
		unavailable("the Slurm cluster does not answer (sinfo: %v: %s); start one with scripts/slurm-local.sh start", err, bytes.TrimSpace(out))
	}
	if testing.Short() && !require {
		t.Skip("a Slurm job takes seconds: skipped with -short")
	}

	// The job's tasks run this directory's binary and write here: slurmd runs as root and
	// reads it.
	dir := t.TempDir()
	mfc := filepath.Join(dir, "mfc")
	if out, err := slurmCommand(env, filepath.Join("..", ".."), "go", "build", "-o", mfc, "./cmd/mfc").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	sweepArgs := []string{"sweep", "@sir", "--vary", "beta=1.5:3:8"}
	analysisArgs := []string{"--", "refine", "--order", "2"}
	run := func(args ...string) []byte {
		t.Helper()
		var stderr bytes.Buffer
		c := slurmCommand(env, dir, mfc, args...)
		c.Stderr = &stderr
		out, err := c.Output()
		if err != nil {
			t.Fatalf("mfc %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
		}
		return out
	}
	whole := filepath.Join(dir, "whole.csv")
	run(append(append(append([]string{}, sweepArgs...), "-o", whole), analysisArgs...)...)

	out := filepath.Join(dir, "r.csv")
	script := filepath.Join(dir, "r.sbatch")
	const n = 4
	emitted := run(append(append(append([]string{}, sweepArgs...), "--emit-slurm", "--shards", fmt.Sprint(n), "-o", out), analysisArgs...)...)
	if err := os.WriteFile(script, emitted, 0o644); err != nil {
		t.Fatal(err)
	}
	part := func(i int) string { return filepath.Join(dir, fmt.Sprintf("r.shard-%d-of-%d.csv", i, n)) }
	submit := func(extra ...string) {
		t.Helper()
		args := append(append([]string{"--parsable"}, extra...), script)
		b, err := slurmCommand(env, dir, "sbatch", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("sbatch %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		id, _, _ := strings.Cut(strings.TrimSpace(string(b)), ";")
		start := time.Now()
		waitJob(t, env, id, dir)
		t.Logf("job %s (sbatch %s) ran in %.1f s", id, strings.Join(extra, " "), time.Since(start).Seconds())
	}
	submit()
	// A task rerun alone (sbatch --array=i, as after a failure) writes the same part.
	if err := os.Remove(part(2)); err != nil {
		t.Fatalf("the job array did not write its parts: %v", err)
	}
	submit("--array=2")

	merged := filepath.Join(dir, "merged.csv")
	parts := []string{"merge", merged}
	for i := 0; i < n; i++ {
		parts = append(parts, part(i))
	}
	run(parts...)
	want, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(merged)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the merged parts differ from the unsharded sweep:\n%s\nwant\n%s", got, want)
	}
}

// slurmEnv is the environment of the Slurm commands and of mfc: without SLURM_CONF or
// /etc/slurm/slurm.conf, the configuration of scripts/slurm-local.sh; without the
// scheduler's shard variables of an enclosing job.
func slurmEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "SLURM_ARRAY_") || strings.HasPrefix(kv, "JOB_COMPLETION_INDEX=") || strings.HasPrefix(kv, "MFC_SHARD_COUNT=") {
			continue
		}
		env = append(env, kv)
	}
	if os.Getenv("SLURM_CONF") == "" && !fileExists("/etc/slurm/slurm.conf") {
		dir := os.Getenv("MFC_SLURM_DIR")
		if dir == "" {
			dir = "/tmp/mfc-slurm"
		}
		if conf := filepath.Join(dir, "slurm.conf"); fileExists(conf) {
			env = append(env, "SLURM_CONF="+conf)
		}
	}
	return env
}

func slurmCommand(env []string, dir, name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.Env = env
	c.Dir = dir
	return c
}

// waitJob polls squeue until every task of job id has ended, and fails unless all completed,
// with the tasks' logs.
func waitJob(t *testing.T, env []string, id, dir string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, err := slurmCommand(env, "", "squeue", "-h", "-r", "-t", "all", "-j", id, "-o", "%i %T").CombinedOutput()
		if err != nil {
			t.Fatalf("squeue -j %s: %v\n%s", id, err, b)
		}
		states := strings.TrimSpace(string(b))
		running, failed := false, false
		for _, line := range strings.Split(states, "\n") {
			_, state, _ := strings.Cut(line, " ")
			switch state {
			case "COMPLETED":
			case "PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "RESIZING":
				running = true
			default:
				failed = true
			}
		}
		if states != "" && !running {
			if failed {
				logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
				var b strings.Builder
				for _, l := range logs {
					s, _ := os.ReadFile(l)
					fmt.Fprintf(&b, "--- %s\n%s", filepath.Base(l), s)
				}
				t.Fatalf("job %s:\n%s\n%s", id, states, b.String())
			}
			return
		}
		if time.Now().After(deadline) {
			slurmCommand(env, "", "scancel", id).Run()
			t.Fatalf("job %s has not ended in 60 s:\n%s", id, states)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
