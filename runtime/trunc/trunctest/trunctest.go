// Package trunctest holds a stand-in truncation scheme for the tests of the packages that
// drive the schemes (runtime/analysis, cmd/mfc): it exercises the parsing of the re-entry
// rules, the options and the rendering independently of the real schemes.
package trunctest

import (
	"context"

	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/trunc"
)

// Augment solves the augmented chain of the re-entry rule of o (middle by default) by
// dense GTH and reports its law and outflow, with the solver "dense GTH (test scheme)".
// O(|S|³).
func Augment(ctx context.Context, t *trunc.Truncation, o *trunc.Options) (*trunc.Result, error) {
	rule := o.Reentry
	if rule == "" {
		rule = "middle"
	}
	q, err := t.Augment(rule)
	if err != nil {
		return nil, err
	}
	pi := make([]float64, t.NumStates())
	if err := linalg.StationaryGTH(pi, q); err != nil {
		return nil, err
	}
	out := 0.0
	for x, p := range pi {
		out += p * t.Out[x]
	}
	return &trunc.Result{Reentry: &rule, Distribution: pi, Error: &trunc.ErrorReport{Outflow: &out},
		Diagnostics: &trunc.Diagnostics{Solver: "dense GTH (test scheme)", Precision: "double"}}, nil
}
