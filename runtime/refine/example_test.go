package refine_test

import (
	"context"
	"fmt"

	"github.com/mfcproject/mfc/runtime/load"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/refine"
)

// The refined mean field of order 2 of an SIR model with waning immunity: the fixed point,
// and the 1/N and 1/N² corrections of E[X_N] (S + I + R = N is conserved, so each
// correction sums to zero).
func ExampleStationary() {
	src := `
model sir
scale N = 100
param beta = 2
species S, I, R
infect:  S -> I @ N * (S/N + beta * S/N * I/N)
recover: I -> R @ I
wane:    R -> S @ 3 * R
init density { S = 0.9, I = 0.1 }
`
	m, diags := load.Source("sir.mf", []byte(src), compiler.Options{})
	if m == nil {
		fmt.Println(diags)
		return
	}
	res, err := refine.Stationary(context.Background(), m, m.Inputs(), &refine.Settings{Order: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, s := range []string{"S", "I", "R"} {
		fmt.Printf("%s: x* = %.6f  V = %+.6f  A = %+.6f  E[x] ≈ %.6f\n", s, res.X[i], res.V[i], res.A[i],
			res.X[i]+res.V[i]/res.N+res.A[i]/(res.N*res.N))
	}
	// Output:
	// S: x* = 0.262595  V = +0.158755  A = +0.077999  E[x] ≈ 0.264191
	// I: x* = 0.553054  V = -0.119066  A = -0.058500  E[x] ≈ 0.551857
	// R: x* = 0.184351  V = -0.039689  A = -0.019500  E[x] ≈ 0.183952
}
