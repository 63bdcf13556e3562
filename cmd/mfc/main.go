// Command mfc analyses Markov population models written in the .mf language.
//
// Usage:
//
//	mfc <command> [flags] FILE...
//
// Commands:
//
//	check    parse and check models; print diagnostics or a one-line summary per file
//	fmt      print models in canonical layout (-w rewrites the files in place)
//	ode      the mean-field ODE from the initial state (Dormand-Prince or RODAS4)
//	fixpoint fixed points of the mean-field ODE, their stability and LNA covariance
//	refine   refined mean field of order 1 (Gast and Van Houdt), stationary or transient
//	run      the default job: fixed point, stability and the refined value of every observable
//	exact    the exact stationary law of the finite chain at the model's N
//	ssa      stochastic simulation (Gillespie) ensembles with confidence intervals
//	slow     expansions of the measures of slowly changing chains, with exact references
//	show     print the compiled model: transitions, jump vectors, β₀ and β₁, the mean-field
//	         ODE and conservation laws; --at x evaluates the drift, Jacobian and Hessians
//
// Every analysis command accepts --set name=value (repeatable), --N n (the scale, whatever
// its name in the model) and --format text|csv|json. Run 'mfc help <command>' for details.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	goruntime "runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/mfcproject/mfc/docs"
	"github.com/mfcproject/mfc/runtime/analysis"
)

// command is one subcommand of mfc.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// commands returns the front-end commands (check, fmt, models) and one command per analysis
// of the runtime registry.
func commands() []command {
	cmds := []command{
		{"check", "parse and check models; print diagnostics or a summary per file", plain(runCheck)},
		{"fmt", "print models in canonical layout; -w rewrites the files", plain(runFmt)},
		{"models", "list the library of standard models (@name) with their known answers", plain(runModels)},
	}
	for _, a := range analysis.All() {
		cmds = append(cmds, analysisCommand(a))
	}
	return append(cmds,
		command{"sweep", "run an analysis over a grid of parameter values (on all cores, resumable, shardable for Slurm)", runSweep},
		command{"merge", "join the outputs of the shards of a sweep", plain(runMerge)})
}

// plain adapts a command that does no long-running work.
func plain(f func(args []string, stdout, stderr io.Writer) int) func(context.Context, []string, io.Writer, io.Writer) int {
	return func(_ context.Context, args []string, stdout, stderr io.Writer) int { return f(args, stdout, stderr) }
}

func main() {
	// mfc is a short-lived process whose large inputs (a 10 MB model, a big chain) are
	// mostly live data: collecting at twice the live heap, not once, saves a sixth of the
	// time of checking a 10 MB model at about the same peak memory. GOGC still rules.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	// Ctrl-C (or SIGTERM) cancels the running analysis, which stops within a second; the
	// output file being written, if any, is completed or removed. A second signal exits at
	// once, after removing the temporary files of atomic writes.
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		cancel()
		<-sigs
		removeTemps()
		fmt.Fprintln(os.Stderr, "mfc: interrupted")
		os.Exit(130)
	}()
	status := runContext(ctx, os.Args[1:], os.Stdout, os.Stderr)
	signal.Stop(sigs)
	cancel()
	os.Exit(status)
}

// run executes one mfc invocation and returns the process exit status: 0 on success,
// 1 when the model or the analysis has errors, 2 on bad usage, 130 when interrupted.
func run(args []string, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdout, stderr)
}

// runContext is run with a context that interrupts long analyses. A failed write to stdout,
// by any command (help included), makes the status 1.
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	out := &checkedWriter{w: stdout}
	status := dispatch(ctx, args, out, stderr)
	if out.err != nil && status == 0 {
		fmt.Fprintf(stderr, "mfc: writing to standard output: %v\n", out.err)
		status = 1
	}
	return status
}

// dispatch runs the command named by args[0].
func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" && len(args) == 1 {
		usage(stdout)
		return 0
	}
	if args[0] == "version" || args[0] == "--version" || args[0] == "-version" {
		fmt.Fprintln(stdout, version())
		return 0
	}
	name := args[0]
	if name == "help" {
		switch args[1] {
		case "help":
			fmt.Fprintln(stdout, "usage: mfc help [COMMAND|TOPIC|CODE]\n\nPrints the commands (no argument), a command's flags with their ranges, a section of the\nlanguage reference, or a diagnostic's entry (mfc help E802).")
			return 0
		case "version":
			fmt.Fprintln(stdout, "usage: mfc version (or mfc --version)\n\nPrints the version of mfc, the revision it was built from and the Go version.")
			return 0
		}
		if !isCommand(args[1]) {
			return helpTopic(args[1], stdout, stderr)
		}
		name, args = args[1], []string{args[1], "-h"}
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	names := []string{"help", "version"}
	for _, c := range commands() {
		names = append(names, c.name)
	}
	msg := fmt.Sprintf("mfc: unknown command %q", name)
	if s := nearest(name, names); s != "" {
		msg += fmt.Sprintf(": did you mean %q?", s)
	}
	fmt.Fprintf(stderr, "%s\n  (mfc help lists the commands)\n", msg)
	return 2
}

// version is the module's version and VCS revision as the Go toolchain recorded them.
func version() string {
	v, rev, dirty := "(devel)", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	out := "mfc " + v
	if rev != "" {
		out += " " + rev[:min(12, len(rev))]
		if dirty {
			out += "+dirty"
		}
	}
	return out + " " + goruntime.Version()
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: mfc <command> [flags] FILE...   (mfc version prints the version)")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'mfc help <command>' for the flags of a command, 'mfc help TOPIC' for the language")
	fmt.Fprintf(w, "reference (topics: %s) and 'mfc help E802' for a diagnostic.\n", strings.Join(docs.Topics(), ", "))
}

func isCommand(name string) bool {
	for _, c := range commands() {
		if c.name == name {
			return true
		}
	}
	return false
}

// helpTopic prints a topic of the documentation (package docs).
func helpTopic(name string, stdout, stderr io.Writer) int {
	text, ok := docs.Topic(name)
	if !ok {
		fmt.Fprintf(stderr, "mfc help: no command or topic %q\n  topics: %s\n  diagnostics: mfc help diagnostics lists the codes (mfc help E802)\n", name, strings.Join(docs.Topics(), ", "))
		return 2
	}
	_, err := io.WriteString(stdout, text)
	if err != nil {
		return 1
	}
	return 0
}
