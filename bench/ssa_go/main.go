// Command ssa_go times an ensemble of mfc's SSA (package runtime/ssa) on one worker, for
// bench/ssa.sh, and writes mass-action networks for the C++ reference bench/ssa_ref.cpp.
//
//	go run ./bench/ssa_go -model bench/ssa10.mf -method direct -runs 100 -t 10 -seed 1
//	go run ./bench/ssa_go -model bench/ssa10.mf -net /tmp/ssa10.net
//
// It prints one line, "method runs events seconds events/s cpu-seconds", timing
// ssa.Ensemble alone (model compilation excluded); cpu-seconds is the process's user and
// system CPU time over the same span (the better figure on a shared machine). With -net it writes the network instead: species count,
// initial counts, and for every transition its rate constant c (hexadecimal float),
// reactants (species, stoichiometry) and jump (species, change), after checking that the
// propensity is c·n₁^ν₁·…, multiplied in reactant order, bit for bit at three states.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/mfcproject/mfc/bench/internal/cputime"
	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/load"
	"github.com/mfcproject/mfc/runtime/ssa"
)

func main() {
	model := flag.String("model", "bench/ssa10.mf", "model file")
	method := flag.String("method", ssa.MethodDirect, "direct or cr")
	runs := flag.Int("runs", 100, "runs of the ensemble")
	T := flag.Float64("t", 10, "final time")
	seed := flag.Uint64("seed", 1, "seed")
	net := flag.String("net", "", "write the network for ssa_ref to this file and exit")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the ensemble to this file")
	flag.Parse()
	m, diags := load.File(*model, compiler.Options{})
	if m == nil {
		fmt.Fprintln(os.Stderr, diags)
		os.Exit(1)
	}
	if *net != "" {
		if err := writeNet(m, *net); err != nil {
			fmt.Fprintln(os.Stderr, "ssa_go:", err)
			os.Exit(1)
		}
		return
	}
	if *prof != "" {
		f, err := os.Create(*prof)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "ssa_go:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	start, cpu0 := time.Now(), cputime.Process()
	res, err := ssa.Ensemble(context.Background(), m, m.Inputs(), ssa.Settings{Runs: *runs, Times: []float64{*T},
		Seed: *seed, Workers: 1, Method: *method, EventBudget: -1})
	sec := time.Since(start).Seconds()
	cpu := (cputime.Process() - cpu0).Seconds()
	if cpu <= 0 {
		cpu = sec
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssa_go:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
	fmt.Printf("%s %d %d %.6f %.6g %.6f\n", *method, res.Runs, res.Events, sec, float64(res.Events)/sec, cpu)
}

// writeNet writes m as a mass-action network (see the package comment).
func writeNet(m *runtime.Model, path string) error {
	mod := m.IR
	if len(mod.Env.Components) > 0 || mod.Time == ir.Discrete {
		return fmt.Errorf("the reference takes continuous-time networks without environment")
	}
	for _, tr := range mod.Transitions {
		if mod.Graph.Dep(tr.Propensity)&ir.DepTime != 0 {
			return fmt.Errorf("transition %s: the reference takes time-homogeneous propensities", tr.Label)
		}
	}
	in := m.Inputs()
	init := append([]float64(nil), in.Counts...)
	J := len(mod.Transitions)
	a := make([]float64, J)
	at := func(counts func(i int) float64) []float64 {
		for i := range in.Counts {
			in.Counts[i] = counts(i)
			if in.Scale > 0 {
				in.Densities[i] = in.Counts[i] / in.Scale
			}
		}
		m.Propensities(a, in)
		return append([]float64(nil), a...)
	}
	c := at(func(int) float64 { return 1 })
	var b strings.Builder
	fmt.Fprintf(&b, "species %d\n", m.Dim())
	if len(mod.Env.Space) > 0 {
		// Sim.Reset draws the initial environment state, even from a space of one state.
		b.WriteString("envdraw\n")
	}
	b.WriteString("init")
	for _, v := range init {
		fmt.Fprintf(&b, " %g", v)
	}
	fmt.Fprintf(&b, "\nreactions %d\n", J)
	for _, counts := range []func(i int) float64{
		func(i int) float64 { return init[i] },
		func(i int) float64 { return init[i] + float64(3+7*i) },
		func(i int) float64 { return float64(2 + i) },
	} {
		want := at(counts)
		for j, tr := range mod.Transitions {
			v := c[j]
			for _, r := range tr.Reactants {
				for q := 0; q < r.Delta; q++ {
					v *= in.Counts[r.Species]
				}
			}
			if v != want[j] {
				return fmt.Errorf("transition %s: propensity %v at %v is not c·Π n^ν = %v (not mass action in the reference's form)", tr.Label, want[j], in.Counts, v)
			}
		}
	}
	for j, tr := range mod.Transitions {
		b.WriteString(strconv.FormatFloat(c[j], 'x', -1, 64))
		fmt.Fprintf(&b, " %d", len(tr.Reactants))
		for _, r := range tr.Reactants {
			fmt.Fprintf(&b, " %d %d", r.Species, r.Delta)
		}
		fmt.Fprintf(&b, " %d", len(tr.Jump))
		for _, jp := range tr.Jump {
			fmt.Fprintf(&b, " %d %d", jp.Species, jp.Delta)
		}
		b.WriteString("\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
