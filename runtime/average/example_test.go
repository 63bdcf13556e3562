package average_test

import (
	"context"
	"fmt"

	"github.com/mfcproject/mfc/runtime/load"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/average"
)

// The average mean field of toy T1 of seed digest 000 (an SIS epidemic in a fast two-state
// environment): the fixed point of the averaged drift, the environment's law there, and the
// refinement constant C of E[X_N] = φ∞ + C/N + O(1/N²).
func ExampleStationary() {
	m, diags := load.File("@t1_sis_env", compiler.Options{})
	if m == nil {
		fmt.Println(diags)
		return
	}
	res, err := average.Stationary(context.Background(), m, m.Inputs(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("φ∞ = %.9f, C = %.9f, N·Var → %.9f\n", res.X[0], res.C[0], res.Sigma.At(0, 0))
	for k, y := range m.IR.Env.Space {
		fmt.Printf("π(Y=%d) = %.9f\n", y[0], res.Pi[k])
	}
	// Output:
	// φ∞ = 0.421364299, C = -1.104810512, N·Var → 0.545515067
	// π(Y=1) = 0.432150200
	// π(Y=0) = 0.567849800
}
