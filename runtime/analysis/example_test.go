package analysis_test

import (
	"context"
	"fmt"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/load"
)

// The refined mean field of the library's SIS model through the registry: the fixed point is
// i* = 1 − γ/β and the order-1 correction of the infected density is V.
func Example() {
	m, diags := load.File("@sis", compiler.Options{Overrides: compiler.Overrides{"beta": {4}}})
	if m == nil {
		fmt.Println(diags)
		return
	}
	a := analysis.Lookup("refine")
	s := a.NewSettings().(*analysis.RefineSettings)
	s.Order = 2
	rep, err := a.Run(context.Background(), &analysis.Problem{Model: m}, s)
	if err != nil {
		fmt.Println(err)
		return
	}
	x, _ := analysis.Quantity(rep, "fixed_point.1")
	v, _ := analysis.Quantity(rep, "V.1")
	fmt.Printf("i* = %.6f, V = %.6f\n", x, v)
	// Output: i* = 0.750000, V = -0.333333
}
