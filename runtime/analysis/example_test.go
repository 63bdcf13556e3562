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

// The typed report of an analysis: a type assertion gives its fields (the JSON keys of the
// CLI), here the refined value of every observable of the SIR model at N = 100.
func Example_typedReport() {
	m, _ := load.File("@sir", compiler.Options{Scale: 100})
	a := analysis.Lookup("run")
	s := a.NewSettings()
	// Settings by the names of their command-line flags, as strings.
	if err := analysis.SetFlag(s, "order", "1"); err != nil {
		fmt.Println(err)
		return
	}
	rep, err := a.Run(context.Background(), &analysis.Problem{Model: m}, s)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := rep.(*analysis.RefineReport)
	for _, o := range r.Observables {
		fmt.Printf("%-12s mean field %.4f  refined %.4f\n", o.Name, o.MeanField, o.Refined1)
	}
	// Output:
	// susceptible  mean field 0.2626  refined 0.2642
	// infected     mean field 0.5531  refined 0.5519
	// recovered    mean field 0.1844  refined 0.1840
}
