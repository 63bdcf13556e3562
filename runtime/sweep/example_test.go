package sweep_test

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/load"
	"github.com/mfcproject/mfc/runtime/sweep"
)

// A sweep from Go: the SIS model's fixed point over the contact rate beta, written as CSV.
// Eval compiles the model with the point's values as overrides and runs the analysis.
func ExampleRun() {
	beta, _ := sweep.ParseAxis("beta=2:4:3")
	set := &sweep.Settings{Header: sweep.Header{Analysis: "fixpoint", Plan: sweep.Plan{Axes: []sweep.Axis{beta}}}}
	a := analysis.Lookup("fixpoint")
	res, err := sweep.Run(context.Background(), set, func(ctx context.Context, p []float64, _ *sweep.Row) (analysis.Report, error) {
		m, diags := load.File("@sis", compiler.Options{Overrides: compiler.Overrides{"beta": {p[0]}}})
		if m == nil {
			return nil, fmt.Errorf("%v", diags)
		}
		return a.Run(ctx, &analysis.Problem{Model: m}, nil)
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, row := range res.Rows {
		for i, k := range row.Keys {
			if k == "fixed_point.1" {
				fmt.Println("beta", row.Params[0], "i*", strconv.FormatFloat(*row.Values[i], 'f', 4, 64))
			}
		}
	}
	_ = res.WriteCSV(io.Discard) // the CLI's output; res.WriteJSON too
	// Output:
	// beta 2 i* 0.5000
	// beta 3 i* 0.6667
	// beta 4 i* 0.7500
}
