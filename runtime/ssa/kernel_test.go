package ssa

import (
	"math/rand/v2"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// forms has a propensity of every kind the kernels take (constant, n, n·m, constants after
// a count, densities, shifted counts, powers) and some they leave to the tape (a guard, a
// division, a sum).
const forms = `model forms
scale N = 50
param k = 0.7, c = 3
species A, B, C
r1: A -> B @ k * A
r2: A + B -> C @ k * A * B / N
r3: 2A -> C @ k * A * (A - 1) / (2 * N)
r4: 0 -> A @ c * N
r5: C -> 0 @ A * k
r6: B -> A @ c * (B / N) * (A / N) * N
r7: C -> A @ k * C^2 / N
r8: A -> 0 when A > 3 @ k * A
r9: B -> C @ k * B / (1 + C / N)
r10: C -> B @ k * C + c * C / N
r11: 0 -> C @ A
r12: A -> B @ k * (A / N) * N
init { A = 20, B = 10, C = 5 }
`

// TestKernels checks that every kernel gives the tape's value bit for bit (the product
// taken in the tape's order) at random states of models with and without kernels, and
// that the kernels apply where they should: at least minKernels transitions of each model.
func TestKernels(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		m          *runtime.Model
		minKernels int
	}{
		{"forms", loadtest.Source(t, forms, compiler.Options{}), 9},
		{"bench10", loadtest.Source(t, bench10, compiler.Options{}), 10},
		{"schlogl", loadtest.Model(t, "@schlogl", compiler.Options{}), 4},
		{"sis_external", loadtest.Model(t, "@sis_external", compiler.Options{}), 2},
		{"toggle", loadtest.Model(t, "@toggle", compiler.Options{}), 0},
		{"csma", loadtest.Model(t, "@csma", compiler.Options{Overrides: compiler.Overrides{"B": {4}}}), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := New(tc.m, tc.m.Inputs(), Settings{Method: MethodDirect, RateBound: 1e6})
			if err != nil {
				t.Fatal(err)
			}
			ks := &s.p.ks
			n := 0
			for _, kn := range ks.kern {
				if kn.typ != kTape {
					n++
				}
			}
			if n < tc.minKernels {
				t.Errorf("%d kernels, want at least %d", n, tc.minKernels)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			in := tc.m.Inputs()
			want := make([]float64, len(ks.kern))
			for trial := 0; trial < 200; trial++ {
				for i := range in.Counts {
					in.Counts[i] = float64(rng.IntN(100))
					if in.Scale > 0 {
						in.Densities[i] = in.Counts[i] / in.Scale
					}
				}
				tc.m.Propensities(want, in)
				for k, kn := range ks.kern {
					if kn.typ == kTape {
						continue
					}
					if got := ks.eval(k, in.Counts, in.Densities, s.kc, s.lead); got != want[k] {
						t.Fatalf("%s at %v: kernel %v, tape %v", tc.m.IR.Transitions[k].Label, in.Counts, got, want[k])
					}
				}
			}
		})
	}
}

// TestKernelTrajectory runs forms with the dependency graph and kernels and with every
// propensity re-evaluated by the full tape after each event: the same events and state.
func TestKernelTrajectory(t *testing.T) {
	t.Parallel()
	sameWithoutDeps(t, loadtest.Source(t, forms, compiler.Options{}), 5, 1000)
}
