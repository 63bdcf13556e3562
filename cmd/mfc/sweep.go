package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/load"
	"github.com/mfcproject/mfc/runtime/plot"
	"github.com/mfcproject/mfc/runtime/progress"
	"github.com/mfcproject/mfc/runtime/sweep"
)

// varyFlags collects repeated --vary axes.
type varyFlags []sweep.Axis

func (v *varyFlags) String() string { return "" }

func (v *varyFlags) Set(s string) error {
	ax, err := sweep.ParseAxis(s)
	if err != nil {
		return err
	}
	*v = append(*v, ax)
	return nil
}

const sweepSynopsis = `FILE --vary NAME=lo:hi:n[,log] [--vary ...] [--zip] [--continue] [--set name=value]... [--N n]
       [--workers k] [--shard i/n] [--format csv|json] [-o FILE] [--plot FILE.png --only KEY,...]
       [--emit-slurm --shards n] -- ANALYSIS [analysis flags]

Runs ANALYSIS (any of: %s) at every point of the grid of
the --vary axes (their Cartesian product; --zip pairs the k-th values instead), on
--workers points at once, and writes one row per point: its index, the swept values, every
number of the analysis's report by its JSON path (e.g. V.0, observables[name=x].refined1,
as analysis.Quantity names them) and the error of a point that failed. With -o the rows are
journaled as they come (FILE.journal), and a rerun skips the points already computed.
--shard i/n computes the points k with k mod n = i (Slurm job arrays and Kubernetes indexed
jobs set it through SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT or JOB_COMPLETION_INDEX with
MFC_SHARD_COUNT); 'mfc merge OUT PARTS...' joins the parts. --emit-slurm prints an sbatch
script running the sweep as a job array of --shards tasks. With --continue, the points of
each line of the grid (the last axis) run in order, each fixed-point search starting from the
fixed point before, and the stability changes along the lines (folds, Hopf points, the loss
of the stable branch) are reported on stderr and under "events" in JSON.
`

// runSweep is mfc sweep.
func runSweep(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	own, rest, dashed := cutDashDash(args)
	var names []string
	for _, a := range analysis.All() {
		names = append(names, a.Name)
	}
	fs := newFlagSet("sweep", fmt.Sprintf(sweepSynopsis, strings.Join(names, ", ")), stderr)
	var (
		vary      varyFlags
		sets      setFlags
		scales    analysis.Scales
		zip       bool
		cont      bool
		workers   int
		shardFlag string
		format    string
		out       string
		plotPath  string
		only      string
		emitSlurm bool
		shards    int
	)
	fs.Var(&vary, "vary", "a swept parameter: NAME=lo:hi:n (n values from lo to hi), NAME=lo:hi:n,log or NAME=v1,v2,... (repeatable)")
	fs.BoolVar(&zip, "zip", false, "pair the k-th values of the axes (equal lengths) instead of their Cartesian product")
	fs.Bool("grid", true, "the Cartesian product of the axes (the default)")
	fs.BoolVar(&cont, "continue", false, "continuation: run the points of each line (the last axis) in order, each fixed-point search starting from the point before")
	fs.Var(&sets, "set", "override a parameter at every point: name=value (repeatable)")
	fs.Var(&scales, "N", "the scale at every point, whatever its name in the model")
	fs.IntVar(&workers, "workers", 0, "points computed at once (0: one per core; range [0, 4096])")
	fs.StringVar(&shardFlag, "shard", "", "compute only the points k with k mod n = i: i/n (default: from the scheduler's environment, else all)")
	fs.StringVar(&format, "format", "", "output format: csv or json (default: from the -o extension, else csv)")
	fs.StringVar(&out, "o", "", "write the result to this file (atomically; a journal FILE.journal makes reruns resume)")
	fs.StringVar(&plotPath, "plot", "", "also draw the result (.png, .svg or .pdf): the --only keys against the swept parameter, a heat map for two axes")
	fs.StringVar(&only, "only", "", "the keys drawn by --plot (comma-separated)")
	quiet := fs.Bool("quiet", false, "no progress bar on the terminal")
	fs.BoolVar(&emitSlurm, "emit-slurm", false, "print an sbatch script that runs this sweep as a Slurm job array of --shards tasks, instead of running it")
	fs.IntVar(&shards, "shards", 0, "the number of tasks of --emit-slurm (range [1, 100000])")
	maxInput := maxInputFlag(fs)
	files, err := parseInterleaved(fs, own, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "mfc sweep: "+format+"\n", a...)
		return 2
	}
	if len(files) != 1 {
		fs.Usage()
		return 2
	}
	gridSet := false
	fs.Visit(func(f *flag.Flag) { gridSet = gridSet || f.Name == "grid" })
	if gridSet && zip {
		return usage("--grid and --zip exclude each other: the Cartesian product of the axes, or their values paired")
	}
	if !dashed || len(rest) == 0 {
		return usage("name the analysis after --, e.g. mfc sweep m.mf --vary rho=0.5:0.9:5 -- refine --order 2")
	}
	a := analysis.Lookup(rest[0])
	if a == nil {
		return usage("unknown analysis %q after -- (one of %s)", rest[0], strings.Join(names, ", "))
	}
	aArgs := rest[1:]
	if _, err := analysisSettings(a, aArgs, io.Discard); err != nil {
		fmt.Fprintf(stderr, "mfc sweep: %s: %v\n", a.Name, err)
		return 2
	}
	plan := sweep.Plan{Axes: vary, Zip: zip, Continue: cont}
	if err := plan.Check(); err != nil {
		return usage("%v", err)
	}
	if *maxInput <= 0 {
		return usage("--max-input %d: the limit must be a positive number of bytes", *maxInput)
	}
	if workers < 0 || workers > 4096 {
		return usage("--workers %d: must be an integer in [0, 4096]", workers)
	}
	base, err := overrides(sets)
	if err != nil {
		return usage("--set: %v", err)
	}
	for _, ax := range vary {
		if _, _, err := compiler.ParseOverride(ax.Name + "=0"); err != nil {
			return usage("--vary %s: %v", ax.Name, err)
		}
	}
	if len(scales) > 1 && !a.MultiScale {
		return usage("--N takes one value here (%s analyses one scale)", a.Name)
	}
	if format == "" {
		format = "csv"
		if strings.EqualFold(filepath.Ext(out), ".json") {
			format = "json"
		}
	}
	if format != "csv" && format != "json" {
		return usage("--format %q: csv or json", format)
	}
	if plotPath != "" {
		if _, err := plot.FormatOf(plotPath); err != nil {
			return usage("--plot: %v", err)
		}
		if only == "" {
			return usage("--plot needs --only KEY,... : the quantities to draw (keys of the output's header, e.g. fixed_point.0)")
		}
	}
	file := files[0]
	if out != "" && sameFile(out, file) {
		return usage("-o %s is the input model: write the output to another file", displayName(out))
	}
	shard := sweep.Shard{}
	if shardFlag != "" {
		if shard, err = sweep.ParseShard(shardFlag); err != nil {
			return usage("--shard: %v", err)
		}
	} else if s, ok, err := sweep.ShardFromEnv(nil); err != nil {
		return usage("%v (or give --shard i/n)", err)
	} else if ok {
		shard = s
	}
	h := sweep.Header{Analysis: a.Name, Args: recordArgs(file, sets, scales, aArgs), Plan: plan, Points: plan.Len(), Shard: shard.String()}
	if emitSlurm {
		if shards < 1 || shards > 100_000 {
			return usage("--emit-slurm needs --shards n with n in [1, 100000]")
		}
		if out == "" {
			return usage("--emit-slurm needs -o FILE: each task writes FILE.shard-i-of-n%s", filepath.Ext(out))
		}
		script, err := slurmScript(own, rest, out, shards, workers)
		if err != nil {
			fmt.Fprintf(stderr, "mfc sweep: %v\n", err)
			return 1
		}
		return emit(stdout, stderr, "", []byte(script))
	}

	loadAt := func(over compiler.Overrides, scale float64) (*runtime.Model, error) {
		mod, diags := load.File(file, compiler.Options{Overrides: over, Scale: scale, MaxInput: *maxInput})
		if mod == nil {
			if len(diags) > 0 {
				return nil, errors.New(diags[0].Error())
			}
			return nil, errors.New("the model has errors")
		}
		return mod, nil
	}
	// The model must compile at the base point: a mistake in it is not a row per point.
	if _, err := loadAt(base, firstScale(scales)); err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 1
	}
	eval := func(ctx context.Context, params []float64, prev *sweep.Row) (analysis.Report, error) {
		over := compiler.Overrides{}
		for k, v := range base {
			over[k] = v
		}
		for i, ax := range plan.Axes {
			k, v, err := compiler.ParseOverride(ax.Name + "=" + strconv.FormatFloat(params[i], 'g', -1, 64))
			if err != nil {
				return nil, err
			}
			over[k] = v
		}
		mod, err := loadAt(over, firstScale(scales))
		if err != nil {
			return nil, err
		}
		s, err := analysisSettings(a, aArgs, io.Discard)
		if err != nil {
			return nil, err
		}
		p := &analysis.Problem{Model: mod, Scales: scales, Guess: guessFrom(prev, mod.Dim()),
			Load: func(n float64) (*runtime.Model, error) { return loadAt(over, n) }}
		return a.Run(ctx, p, s)
	}
	set := &sweep.Settings{Header: h, Workers: workers}
	journalPath := ""
	if out != "" {
		journalPath = out + ".journal"
		// A finished earlier run of this sweep: its rows count as done.
		if f, err := os.Open(out); err == nil {
			prev, rerr := sweep.Read(f)
			f.Close()
			if rerr == nil && prev.Fingerprint() == h.Fingerprint() && prev.Shard == h.Shard {
				set.Done = prev.Rows
			}
		}
		j, rows, err := sweep.OpenJournal(journalPath, &h)
		if err != nil {
			fmt.Fprintf(stderr, "mfc sweep: %v\n", err)
			return 1
		}
		defer j.Close()
		set.Journal = j
		set.Done = append(set.Done, rows...)
	}
	var bar *progress.Bar
	if !*quiet {
		bar = progress.New(stderr, "mfc sweep: points", 0)
	}
	set.Progress = bar.Report
	res, err := sweep.Run(ctx, set, eval)
	bar.Done()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			if journalPath == "" {
				fmt.Fprintf(stderr, "mfc sweep: interrupted (with -o FILE, a rerun would resume where it stopped)\n")
			} else {
				fmt.Fprintf(stderr, "mfc sweep: interrupted; the points computed are in %s: rerun to resume\n", displayName(journalPath))
			}
			return 130
		}
		fmt.Fprintf(stderr, "mfc sweep: %v\n", err)
		return 1
	}
	for _, e := range res.Events {
		fmt.Fprintf(stderr, "mfc sweep: %s\n", e)
	}
	if n := res.Failed(); n > 0 {
		fmt.Fprintf(stderr, "mfc sweep: %d of %d points failed (their error is in the error column)\n", n, len(res.Rows))
	}
	if plotPath != "" {
		fig, err := plot.Sweep(res, strings.Split(only, ","), nil)
		if err == nil {
			var b bytes.Buffer
			pf, _ := plot.FormatOf(plotPath)
			if err = fig.Write(&b, pf, nil); err == nil {
				err = writeFileAtomic(plotPath, b.Bytes())
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "mfc sweep: --plot: %s\n", strings.TrimPrefix(err.Error(), "plot: "))
			return 1
		}
	}
	if code := writeResult(stdout, stderr, "sweep", res, format, out); code != 0 {
		return code
	}
	if journalPath != "" {
		set.Journal.Close()
		os.Remove(journalPath)
	}
	return 0
}

func firstScale(scales analysis.Scales) float64 {
	if len(scales) > 0 {
		return scales[0]
	}
	return 0
}

// cutDashDash splits args at the first "--".
func cutDashDash(args []string) (before, after []string, found bool) {
	for i, a := range args {
		if a == "--" {
			return args[:i], args[i+1:], true
		}
	}
	return args, nil, false
}

// analysisSettings parses the flags of analysis a into fresh settings and checks them.
func analysisSettings(a *analysis.Analysis, args []string, stderr io.Writer) (any, error) {
	s := a.NewSettings()
	fs := flag.NewFlagSet(a.Name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	analysis.DefineFlags(fs, s)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (the model comes before --)", fs.Arg(0))
	}
	if err := analysis.CheckSettings(s); err != nil {
		return nil, err
	}
	return s, nil
}

// recordArgs are the arguments that fix a sweep besides its plan: the model (by base name:
// parts computed in different directories still merge), the overrides, the scales and the
// analysis's flags.
func recordArgs(file string, sets setFlags, scales analysis.Scales, aArgs []string) []string {
	out := []string{filepath.Base(file)}
	for _, s := range sets {
		out = append(out, "--set", s)
	}
	if len(scales) > 0 {
		out = append(out, "--N", scales.String())
	}
	return append(out, aArgs...)
}

// slurmScript is an sbatch script running the sweep of args as a job array of n tasks;
// task i (SLURM_ARRAY_TASK_ID) computes shard i/n and writes OUT.shard-i-of-n.ext.
func slurmScript(own, rest []string, out string, n, workers int) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot locate the mfc binary for the script: %v", err)
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return "", err
	}
	ext := filepath.Ext(absOut)
	stem := strings.TrimSuffix(absOut, ext)
	var cmd []string
	cmd = append(cmd, exe, "sweep")
	skip := false
	for i, a := range own {
		if skip {
			skip = false
			continue
		}
		name := strings.TrimLeft(a, "-")
		flagName, _, hasValue := strings.Cut(name, "=")
		switch flagName {
		case "emit-slurm":
			continue
		case "shards", "o", "shard", "plot", "only":
			skip = !hasValue && i+1 < len(own)
			continue
		}
		if !strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "@") && fileExists(a) {
			if abs, err := filepath.Abs(a); err == nil {
				a = abs
			}
		}
		cmd = append(cmd, a)
	}
	cpus := workers
	if cpus <= 0 {
		cpus = 1
	}
	if workers <= 0 {
		cmd = append(cmd, "--workers", "1")
	}
	// The shard is explicit: SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN describe the
	// array submitted, and a task resubmitted alone (sbatch --array=i) would read them as
	// shard 0 of 1, the whole sweep.
	cmd = append(cmd, "--shard", "${SLURM_ARRAY_TASK_ID}/"+strconv.Itoa(n))
	cmd = append(cmd, "-o", stem+".shard-${SLURM_ARRAY_TASK_ID}-of-"+strconv.Itoa(n)+ext, "--")
	cmd = append(cmd, rest...)
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/bash\n")
	fmt.Fprintf(&b, "# mfc sweep as a Slurm job array: submit with sbatch; when every task is done,\n")
	fmt.Fprintf(&b, "#   %s merge %s %s.shard-*-of-%d%s\n", shellQuote(exe), shellQuote(absOut), shellQuote(stem), n, ext)
	fmt.Fprintf(&b, "#SBATCH --job-name=mfc-sweep\n")
	fmt.Fprintf(&b, "#SBATCH --array=0-%d\n", n-1)
	fmt.Fprintf(&b, "#SBATCH --cpus-per-task=%d\n", cpus)
	fmt.Fprintf(&b, "#SBATCH --output=%s.shard-%%a-of-%d.log\n", stem, n)
	fmt.Fprintf(&b, "set -eu\n")
	var q []string
	for _, c := range cmd {
		if strings.Contains(c, "${SLURM_ARRAY_TASK_ID}") {
			q = append(q, `"`+strings.ReplaceAll(c, `"`, `\"`)+`"`)
		} else {
			q = append(q, shellQuote(c))
		}
	}
	fmt.Fprintf(&b, "exec %s\n", strings.Join(q, " "))
	return b.String(), nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// shellQuote quotes s for a POSIX shell (single quotes), leaving plain words as they are.
func shellQuote(s string) string {
	plain := s != ""
	for _, r := range s {
		if !(r == '-' || r == '_' || r == '.' || r == '/' || r == '=' || r == ',' || r == ':' || r == '@' || r == '+' ||
			r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// runMerge is mfc merge OUT PARTS...: the parts of a sharded sweep joined into OUT.
func runMerge(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("merge", "OUT PART... [--format csv|json]\n\nJoins the outputs of the shards of a sweep (mfc sweep --shard i/n) into OUT, the output\nthe unsharded sweep writes; fails naming the shards with missing points.\n", stderr)
	var format string
	fs.StringVar(&format, "format", "", "output format: csv or json (default: from OUT's extension, else csv)")
	files, err := parseInterleaved(fs, args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if len(files) < 2 {
		fs.Usage()
		return 2
	}
	out, parts := files[0], files[1:]
	if format == "" {
		format = "csv"
		if strings.EqualFold(filepath.Ext(out), ".json") {
			format = "json"
		}
	}
	if format != "csv" && format != "json" {
		fmt.Fprintf(stderr, "mfc merge: --format %q: csv or json\n", format)
		return 2
	}
	var results []*sweep.Result
	for _, p := range parts {
		if sameFile(p, out) {
			fmt.Fprintf(stderr, "mfc merge: %s is both the output and a part\n", displayName(p))
			return 2
		}
		f, err := os.Open(p)
		if err != nil {
			fmt.Fprintf(stderr, "mfc merge: %v\n", err)
			return 1
		}
		r, err := sweep.Read(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "mfc merge: %s: %v\n", displayName(p), err)
			return 1
		}
		results = append(results, r)
	}
	merged, err := sweep.Merge(results)
	if err != nil {
		fmt.Fprintf(stderr, "mfc merge: %v\n", err)
		return 1
	}
	return writeResult(stdout, stderr, "merge", merged, format, out)
}

// writeResult writes a sweep's result as CSV or JSON to stdout, or atomically to path.
func writeResult(stdout, stderr io.Writer, cmd string, res *sweep.Result, format, path string) int {
	var b bytes.Buffer
	var err error
	if format == "json" {
		err = res.WriteJSON(&b)
	} else {
		err = res.WriteCSV(&b)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mfc %s: %v\n", cmd, err)
		return 1
	}
	return emit(stdout, stderr, path, b.Bytes())
}

// guessFrom is the fixed point of the previous point of a continuation, or nil: the first
// point of a fixpoint report (points.0.x, the branch being followed, stable or not), else
// the report's fixed_point.
func guessFrom(prev *sweep.Row, d int) []float64 {
	if prev == nil {
		return nil
	}
	for _, prefix := range []string{"points.0.x.", "fixed_point."} {
		g := make([]float64, d)
		found := 0
		for i, k := range prev.Keys {
			if idx, ok := strings.CutPrefix(k, prefix); ok && prev.Values[i] != nil {
				if j, err := strconv.Atoi(idx); err == nil && j < d {
					g[j] = *prev.Values[i]
					found++
				}
			}
		}
		if found == d {
			return g
		}
	}
	return nil
}
