package converge_test

import (
	"context"
	"fmt"

	"github.com/mfcproject/mfc/runtime/load"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/converge"
)

// The SIS model with external infection of seed digest 001: C = 2 − √2, and the exact
// chain at N = 100 gives N·E‖X − x*‖² = 0.584531 (digest §4.3).
func ExampleAnalyze() {
	const file = "@sis_external"
	m, diags := load.File(file, compiler.Options{})
	if m == nil {
		fmt.Println(diags)
		return
	}
	rep, err := converge.Analyze(context.Background(), m, m.Inputs(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("x* = %.6f, abscissa %.6f, C = %.6f, bound %.6f\n", rep.X, rep.Stability.Abscissa, rep.Prediction.C, rep.Prediction.Upper)
	cmp, err := converge.Compare(context.Background(), rep, []int{100}, load.Scaled(file, compiler.Options{}), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("N = 100: N·E‖X − x*‖² = %.6f\n", cmp.Points[0].Scaled)
	// Output:
	// x* = [0.585786 0.414214], abscissa -1.414214, C = 0.585786, bound 0.970563
	// N = 100: N·E‖X − x*‖² = 0.584531
}
