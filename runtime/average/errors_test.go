package average

import (
	"context"
	"errors"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// An environment with two closed classes {1} and {2} reachable from 0: π is not unique.
const reducibleEnv = `model reducible
scale N = 100
species I
env Y in 0..2
let x = I / N
infect:  0 -> I                @ N * (1 - x)
recover: I -> 0                @ N * x
a:       set Y = 1 when Y == 0 @ N * 1
b:       set Y = 2 when Y == 0 @ N * 1
init density { I = 0.5 }
`

const noScale = `model plain
species X
birth: 0 -> X @ 1
death: X -> 0 @ X
init { X = 0 }
`

// Refusals: assumption (A2) violated, and a model without a mean field. Reference: the
// documented errors of the package.
func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      error
		applies   bool // Applies is structural: a fast environment, whatever its classes
	}{
		{"two recurrent classes", reducibleEnv, ErrNotUnique, true},
		{"no scale", noScale, runtime.ErrNoMeanField, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := loadtest.Source(t, tc.src, compiler.Options{})
			_, err := Stationary(context.Background(), m, m.Inputs(), nil)
			if !errors.Is(err, tc.want) {
				t.Errorf("Stationary: error %v, want %v", err, tc.want)
			}
			_, err = ODE(context.Background(), m, m.Inputs(), []float64{1}, nil)
			if !errors.Is(err, tc.want) {
				t.Errorf("ODE: error %v, want %v", err, tc.want)
			}
			if Applies(m) != tc.applies {
				t.Errorf("Applies = %v, want %v", !tc.applies, tc.applies)
			}
		})
	}
}
