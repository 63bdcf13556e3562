package step_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
	"github.com/mfcproject/mfc/runtime/ssa"
)

// TestInvalidPropensity checks that an infinite or NaN propensity at a reachable state is
// E802 naming the transition and the state, in exploration and in simulation alike. (An
// infinite value once made the round-off scale Σ|a_j| infinite, so that exploration
// dropped every transition of the state as round-off and simulation zeroed −Inf.)
func TestInvalidPropensity(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string // in the message
	}{
		{"-Inf", `model loginf
species S
birth: 0 -> S when S < 3 @ 1
die:   S -> 0 when S > 0 @ S + log(S - 1)
init { S = 3 }
`, []string{"'die'", "-Inf", "S=1"}},
		{"+Inf", `model inf
species A
grow: 0 -> A when A < 3 @ 1 / (A - 1)^2
drop: A -> 0 when A > 0 @ 1
init { A = 0 }
`, []string{"'grow'", "+Inf", "A=1"}},
		{"NaN", `model nan
species A
grow: 0 -> A when A < 3 @ 2 * sqrt(A - 1)
drop: A -> 0 when A > 0 @ 1
init { A = 2 }
`, []string{"'grow'", "NaN", "A=0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := loadtest.Source(t, tc.src, compiler.Options{})
			check := func(what string, err error) {
				t.Helper()
				var d *diag.Diagnostic
				if !errors.As(err, &d) || d.Code != "E802" {
					t.Errorf("%s: err = %v, want E802", what, err)
					return
				}
				for _, w := range tc.want {
					if !strings.Contains(d.Msg, w) {
						t.Errorf("%s: %q does not contain %q", what, d.Msg, w)
					}
				}
			}
			_, err := ctmc.Explore(context.Background(), m, m.Inputs(), ctmc.Limits{})
			check("ctmc.Explore", err)
			for _, method := range []string{ssa.MethodDirect, ssa.MethodCR} {
				_, err := ssa.TimeAverage(context.Background(), m, m.Inputs(), ssa.Settings{T: 1000, Seed: 1, Method: method})
				check("ssa.TimeAverage "+method, err)
			}
		})
	}
}
