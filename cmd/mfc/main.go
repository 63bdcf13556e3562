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
//	show     print the compiled model: transitions, jump vectors, β₀ and β₁, the mean-field
//	         ODE and conservation laws; --at x evaluates the drift, Jacobian and Hessians
//
// Every analysis command accepts --set name=value (repeatable), --N n (the scale, whatever
// its name in the model) and --format text|csv|json. Run 'mfc help <command>' for details.
package main

import (
	"fmt"
	"io"
	"os"
)

// command is one subcommand of mfc.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"check", "parse and check models; print diagnostics or a summary per file", runCheck},
		{"fmt", "print models in canonical layout; -w rewrites the files", runFmt},
		{"ode", "integrate the mean-field ODE from the initial state (explicit, stiff or automatic)", runODE},
		{"fixpoint", "fixed points of the mean-field ODE with stability and LNA covariance", runFixpoint},
		{"refine", "refined mean field of order 1 or 2, stationary or --transient T", runRefine},
		{"run", "the default job: fixed point, stability, refined mean field (orders 1 and 2) of every observable", runRun},
		{"exact", "stationary law of the finite chain: expected counts, observables, stationary measures", runExact},
		{"ssa", "stochastic simulation ensembles: means and 95% confidence intervals", runSSA},
		{"converge", "rate of convergence of the mean field (Stein's method): stability, Poisson equation, predicted N·E‖X − x*‖², --exact comparison", runConverge},
		{"validate", "every method side by side at several N: mean field, refined 1 and 2, exact, simulation; error slopes", runValidate},
		{"show", "print the compiled model: transitions, β₀/β₁, the mean-field ODE; --at evaluates derivatives", runShow},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one mfc invocation and returns the process exit status: 0 on success,
// 1 when the model or the analysis has errors, 2 on bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" && len(args) == 1 {
		usage(stderr)
		return 2
	}
	name := args[0]
	if name == "help" {
		name, args = args[1], []string{args[1], "-h"}
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "mfc: unknown command %q\n", name)
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: mfc <command> [flags] FILE...")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'mfc help <command>' for the flags of a command.")
}
