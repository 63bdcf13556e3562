// Command stationary_go times mfc's exact stationary solve (ctmc.Stationary) on a model's
// chain, for bench/table.sh, and writes the chain and its stationary law for SciPy's driver
// bench/stationary_scipy.py, which solves the same chain by SuperLU.
//
//	go run ./bench/stationary_go -model bench/sirs.mf -N 400
//	go run ./bench/stationary_go -model bench/sirs.mf -N 400 -chain /tmp/sirs400
//
// It explores the chain (not timed), then runs ctmc.Stationary -runs times and prints one
// line, "states nnz seconds cpu-seconds residual residual-f64 iterations method", with the
// best wall clock of the runs and the CPU seconds (user and system, the better figure on a
// shared machine) of the same run; residual is ‖πQ‖₁ recomputed from Q and π in
// double-double (linalg.StationaryResidualDD), residual-f64 the same evaluated in float64
// (the Result.Residual that mfc exact reports). With -chain PREFIX
// it also writes the generator Q as PREFIX.csr and mfc's π as PREFIX.pi (see writeChain).
package main

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime/pprof"
	"time"

	"github.com/mfcproject/mfc/bench/internal/cputime"
	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/load"
)

func main() {
	model := flag.String("model", "bench/sirs.mf", "model file")
	N := flag.Float64("N", 0, "the scale (0: the model's)")
	runs := flag.Int("runs", 1, "solves; the fastest is reported")
	chain := flag.String("chain", "", "also write the generator (PREFIX.csr) and π (PREFIX.pi)")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the solves to this file")
	flag.Parse()
	if err := run(*model, *N, *runs, *chain, *prof); err != nil {
		fmt.Fprintln(os.Stderr, "stationary_go:", err)
		os.Exit(1)
	}
}

func run(model string, N float64, runs int, chain, prof string) error {
	m, diags := load.File(model, compiler.Options{Scale: N})
	if m == nil {
		return fmt.Errorf("%v", diags)
	}
	c, err := ctmc.Explore(context.Background(), m, m.Inputs(), ctmc.Limits{})
	if err != nil {
		return err
	}
	if prof != "" {
		f, err := os.Create(prof)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var res *ctmc.Result
	best, bestCPU := math.Inf(1), 0.0
	for range max(runs, 1) {
		start, cpu0 := time.Now(), cputime.Process()
		res, err = ctmc.Stationary(context.Background(), c, nil)
		sec := time.Since(start).Seconds()
		cpu := (cputime.Process() - cpu0).Seconds()
		if err != nil {
			return err
		}
		if sec < best {
			best, bestCPU = sec, cpu
		}
	}
	if bestCPU <= 0 {
		bestCPU = best
	}
	fmt.Printf("%d %d %.6f %.6f %.3e %.3e %d %q\n", c.NumStates(), c.Q.NNZ(), best, bestCPU,
		linalg.StationaryResidualDD(c.Q, res.Pi), linalg.StationaryResidual(c.Q, res.Pi), res.Iterations, res.Method)
	if chain != "" {
		return writeChain(chain, c.Q, res.Pi)
	}
	return nil
}

// writeChain writes q to prefix.csr and pi to prefix.pi, little-endian: the .csr file holds
// the magic "MFCCSR01", n and nnz as int64, then the row pointers (n+1 int64), the column
// indices (nnz int32) and the values (nnz float64), row i of the generator holding the rates
// out of state i and its diagonal; the .pi file holds n float64.
func writeChain(prefix string, q *linalg.CSR, pi []float64) error {
	f, err := os.Create(prefix + ".csr")
	if err != nil {
		return err
	}
	ptr := make([]int64, len(q.RowPtr))
	for i, p := range q.RowPtr {
		ptr[i] = int64(p)
	}
	for _, v := range []any{[8]byte([]byte("MFCCSR01")), int64(q.Rows), int64(len(q.Val)), ptr, q.Col, q.Val} {
		if err = binary.Write(f, binary.LittleEndian, v); err != nil {
			break
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	g, err := os.Create(prefix + ".pi")
	if err != nil {
		return err
	}
	err = binary.Write(g, binary.LittleEndian, pi)
	if cerr := g.Close(); err == nil {
		err = cerr
	}
	return err
}
