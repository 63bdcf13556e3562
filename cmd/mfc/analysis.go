package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/load"
	"github.com/mfcproject/mfc/runtime/plot"
	"github.com/mfcproject/mfc/runtime/progress"
)

// analysisCommand makes the subcommand of a registered analysis: the flags every analysis
// shares (--set, --N, --format, -o) and one flag per tagged field of its settings.
func analysisCommand(a *analysis.Analysis) command {
	return command{a.Name, a.Summary, func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		return runAnalysis(ctx, a, args, stdout, stderr)
	}}
}

// cli holds the parsed flags of one analysis command.
type cli struct {
	name     string
	fs       *flag.FlagSet
	sets     setFlags
	scales   analysis.Scales
	format   string
	out      string
	plot     string
	only     string
	quiet    bool
	maxInput *int64
	settings any
	stderr   io.Writer
}

func runAnalysis(ctx context.Context, a *analysis.Analysis, args []string, stdout, stderr io.Writer) int {
	nflag := "[--N n]"
	if a.MultiScale {
		nflag = "[--N n1,n2,...]"
	}
	plotFlag := ""
	if plotted[a.Name] {
		plotFlag = " [--plot FILE.png|svg|pdf] [--only NAME,...]"
	}
	synopsis := fmt.Sprintf("FILE [--set name=value]... %s %s [--format text|csv|json] [-o FILE]%s [--quiet]", nflag, a.Synopsis, plotFlag)
	c := &cli{name: a.Name, fs: newFlagSet(a.Name, synopsis, stderr), settings: a.NewSettings(), stderr: stderr}
	c.fs.Var(&c.sets, "set", "override a parameter: name=value, name=[v1,v2,...] or name[i,j]=value; several separated by commas (k1=6,k2=0.5); repeatable")
	c.fs.Var(&c.scales, "N", "the scale, whatever its name in the model")
	c.fs.StringVar(&c.format, "format", "text", "output format: text, csv or json")
	c.fs.StringVar(&c.out, "o", "", "write the output to this file (atomically) instead of standard output")
	if plotted[a.Name] {
		c.fs.StringVar(&c.plot, "plot", "", "also draw the result as a figure in this file (.png, .svg or .pdf), written atomically")
		c.fs.StringVar(&c.only, "only", "", "comma-separated names of species, observables or measures: the rows of the text and CSV output (JSON keeps all) and what --plot draws (default: every row; the species for --plot)")
	}
	c.fs.BoolVar(&c.quiet, "quiet", false, "no progress bars on the terminal")
	c.maxInput = maxInputFlag(c.fs)
	analysis.DefineFlags(c.fs, c.settings)
	files, err := parseInterleaved(c.fs, args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if len(files) != 1 {
		what := "no model file"
		if len(files) > 1 {
			what = fmt.Sprintf("%d files (%s ...)", len(files), displayName(files[0]))
		}
		fmt.Fprintf(stderr, "mfc %s: expected one model file or library model, got %s: e.g. mfc %s examples/sir.mf, or mfc %s @sir\n  (mfc help %s lists the flags)\n", a.Name, what, a.Name, a.Name, a.Name)
		return 2
	}
	if len(c.scales) > 1 && !a.MultiScale {
		fmt.Fprintf(stderr, "mfc %s: --N takes one value here (mfc validate takes a list)\n", a.Name)
		return 2
	}
	if err := analysis.CheckSettings(c.settings); err != nil {
		return c.fail(err)
	}
	if !slices.Contains(analysis.Formats, c.format) {
		// Refused before the analysis runs, not after.
		return c.fail(&analysis.FormatError{Format: c.format})
	}
	if *c.maxInput <= 0 {
		fmt.Fprintf(stderr, "mfc %s: --max-input %d: the limit must be a positive number of bytes\n", a.Name, *c.maxInput)
		return 2
	}
	over, err := overrides(c.sets)
	if err != nil {
		fmt.Fprintf(stderr, "mfc %s: %v\n", a.Name, err)
		return 2
	}
	file := files[0]
	if c.out != "" && sameFile(c.out, file) {
		fmt.Fprintf(stderr, "mfc %s: -o %s is the input model: write the output to another file\n", a.Name, displayName(c.out))
		return 2
	}
	if c.plot != "" {
		if _, err := plot.FormatOf(c.plot); err != nil {
			fmt.Fprintf(stderr, "mfc %s: --plot: %v\n", a.Name, err)
			return 2
		}
		if sameFile(c.plot, file) || c.plot == c.out {
			fmt.Fprintf(stderr, "mfc %s: --plot %s is the input model or the -o file: draw the figure into another file\n", a.Name, displayName(c.plot))
			return 2
		}
	}
	// runErr receives what the analysis writes while it runs (diagnostics of the models it
	// loads, notes).
	runErr := &swappable{stderr}
	loadAt := func(scale float64) (*runtime.Model, error) {
		mod, diags := load.File(file, compiler.Options{Overrides: over, Scale: scale, MaxInput: *c.maxInput, FreezeTime: analysis.FreezeTime(c.settings)})
		printDiags(runErr, diags)
		if mod == nil {
			return nil, &compileError{}
		}
		return mod, nil
	}
	first := 0.0
	if len(c.scales) > 0 {
		first = c.scales[0]
	}
	mod, err := loadAt(first)
	if err != nil {
		return 1
	}
	if len(c.scales) > 0 && mod.IR.Scale == nil {
		fmt.Fprintf(stderr, "mfc %s: --N: the model has no scale, so there is nothing to set: declare one (scale N = 100) or drop --N\n", a.Name)
		return 2
	}
	p := &analysis.Problem{
		Model:  mod,
		Load:   loadAt,
		Scales: c.scales,
		Progress: func(label string, total int64) (func(done, total int64), func()) {
			bar := progress.New(stderr, fmt.Sprintf("mfc %s: %s", a.Name, label), total)
			return bar.Report, bar.Done
		},
		Notify: func(msg string) { fmt.Fprintf(runErr, "mfc %s: %s\n", a.Name, msg) },
	}
	if c.quiet {
		p.Progress = nil
	}
	rep, err := runRegistered(ctx, a, p, c.settings, args, runErr)
	if err != nil {
		return c.fail(err)
	}
	shown := rep
	if c.only != "" && c.format != "json" {
		sel, ok := rep.(analysis.Selector)
		if !ok && c.plot == "" {
			fmt.Fprintf(stderr, "mfc %s: --only: this report has no rows to select; it selects what --plot draws\n", a.Name)
			return 2
		}
		if ok {
			if shown, err = sel.Select(strings.Split(c.only, ",")); err != nil {
				return c.fail(err)
			}
		}
	}
	data, err := analysis.Render(shown, c.format)
	if err != nil {
		return c.fail(err)
	}
	if c.plot != "" {
		if code := c.drawPlot(rep); code != 0 {
			return code
		}
	}
	return emit(stdout, stderr, c.out, data)
}

// plotted are the analyses whose reports have a figure (runtime/plot).
var plotted = map[string]bool{"ode": true, "refine": true, "run": true, "ssa": true, "validate": true, "exact": true}

// drawPlot writes the figure of rep to the --plot file, atomically.
func (c *cli) drawPlot(rep analysis.Report) int {
	format, _ := plot.FormatOf(c.plot)
	opt := &plot.Options{}
	if c.only != "" {
		opt.Only = strings.Split(c.only, ",")
	}
	var b bytes.Buffer
	if err := plot.Render(&b, rep, format, opt); err != nil {
		fmt.Fprintf(c.stderr, "mfc %s: --plot: %s\n", c.name, strings.TrimPrefix(err.Error(), "plot: "))
		if errors.Is(err, plot.ErrNoFigure) {
			return 2
		}
		return 1
	}
	if err := writeFileAtomic(c.plot, b.Bytes()); err != nil {
		fmt.Fprintf(c.stderr, "mfc: writing %s: %v\n", displayName(c.plot), err)
		return 1
	}
	return 0
}

// runFunc runs an analysis for the command line args; what the run writes goes to runErr.
type runFunc func(ctx context.Context, a *analysis.Analysis, p *analysis.Problem, s any, args []string, runErr *swappable) (analysis.Report, error)

// runnerKey is the context key of a runFunc that replaces Analysis.Run: the golden tests run
// each analysis once for its three output formats.
type runnerKey struct{}

func runRegistered(ctx context.Context, a *analysis.Analysis, p *analysis.Problem, s any, args []string, runErr *swappable) (analysis.Report, error) {
	if run, ok := ctx.Value(runnerKey{}).(runFunc); ok {
		return run(ctx, a, p, s, args, runErr)
	}
	return a.Run(ctx, p, s)
}

// swappable is a writer whose target can be replaced while it is in use.
type swappable struct{ w io.Writer }

func (s *swappable) Write(p []byte) (int, error) { return s.w.Write(p) }

// compileError is returned by the loader after it printed the diagnostics.
type compileError struct{}

func (*compileError) Error() string { return "the model has errors" }

// fail reports an analysis error with the exit status it calls for: 2 for bad usage, 130
// for an interrupt, 1 otherwise.
func (c *cli) fail(err error) int {
	var usage *analysis.UsageError
	var format *analysis.FormatError
	var nomf *analysis.NoMeanFieldError
	var comp *compileError
	switch {
	case errors.As(err, &comp):
		return 1
	case errors.As(err, &usage), errors.As(err, &format):
		fmt.Fprintf(c.stderr, "mfc %s: %s\n", c.name, c.message(err))
		return 2
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(c.stderr, "mfc %s: interrupted\n", c.name)
		return 130
	case errors.As(err, &nomf):
		printDiags(c.stderr, nomf.Diagnostics)
	}
	fmt.Fprintf(c.stderr, "mfc %s: %s\n", c.name, c.message(err))
	return 1
}

// message is the text of an analysis error without a leading package prefix that repeats
// the command's name ("mfc ssa: ssa: …" reads "mfc ssa: …").
func (c *cli) message(err error) string {
	return strings.TrimPrefix(err.Error(), c.name+": ")
}

// emit writes output to stdout, or atomically to path; a failed write is an error.
func emit(stdout, stderr io.Writer, path string, data []byte) int {
	if path == "" {
		if _, err := stdout.Write(data); err != nil {
			fmt.Fprintf(stderr, "mfc: writing the output: %v\n", err)
			return 1
		}
		return 0
	}
	if err := writeFileAtomic(path, data); err != nil {
		fmt.Fprintf(stderr, "mfc: writing %s: %v\n", displayName(path), err)
		return 1
	}
	return 0
}

// sameFile reports whether the paths a and b name the same existing file (through links).
func sameFile(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}
