package average

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
	"github.com/mfcproject/mfc/runtime/refine"
)

// An SIS epidemic in a two-state environment whose drift does not depend on the environment
// (the infection rate is the same in both states and no transition is coupled), so G ≡ 0.
const sisFlatEnv = `model sis_flat_env
scale N = 100
param beta = 2.0, eps = 0.1, gamma = 1.0
species I
env Y in 0..1
let x = I / N
infect:  0 -> I                @ N * (beta * x * (1 - x) + eps * (1 - x))
recover: I -> 0                @ N * gamma * x
up:      set Y = 1 when Y == 0 @ N * (0.5 + x)
down:    set Y = 0 when Y == 1 @ N * 1
observable infected = x
observable sq = x^2
init density { I = 0.5 }
`

// sisFlatNoEnv is sisFlatEnv without its environment: the reference of the flat case
// (refine refuses a model with a fast environment).
var sisFlatNoEnv = strings.NewReplacer("env Y in 0..1\n", "", "up:      set Y = 1 when Y == 0 @ N * (0.5 + x)\n", "",
	"down:    set Y = 0 when Y == 1 @ N * 1\n", "").Replace(sisFlatEnv)

// Degenerate cases reduce to the classical refined mean field. Reference: refine.Stationary
// (Gast–Van Houdt V and W, validated against rmftool in package refine) on the same model
// for models without environment (with a conservation law: sir; with O(1/N) rates β₁: dimer
// and sis_external), and on the model without its environment for a model whose drift does
// not depend on the environment. Tolerance 1e-10
// (relative to max(1, |value|)): both sides are exact up to the Newton and Lyapunov
// round-off; T, S, U, O and R must vanish to 1e-13.
func TestDegenerate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		m, ref func(t *testing.T) *runtime.Model
	}{
		{"@sir", func(t *testing.T) *runtime.Model { return loadtest.Model(t, "@sir", compiler.Options{}) }, nil},
		{"@dimer", func(t *testing.T) *runtime.Model { return loadtest.Model(t, "@dimer", compiler.Options{}) }, nil},
		{"@sis_external", func(t *testing.T) *runtime.Model { return loadtest.Model(t, "@sis_external", compiler.Options{}) }, nil},
		{"flat environment", func(t *testing.T) *runtime.Model { return loadtest.Source(t, sisFlatEnv, compiler.Options{}) },
			func(t *testing.T) *runtime.Model { return loadtest.Source(t, sisFlatNoEnv, compiler.Options{}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.m(t)
			r := m
			if tc.ref != nil {
				r = tc.ref(t)
				if r.HasFastEnvironment() {
					t.Fatal("the reference model still has its environment")
				}
			}
			want, err := refine.Stationary(context.Background(), r, r.Inputs(), nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Stationary(context.Background(), m, m.Inputs(), nil)
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			cmp := func(what string, g, w float64, tol float64) {
				e := math.Abs(g-w) / math.Max(1, math.Abs(w))
				worst = math.Max(worst, e)
				if !(e <= tol) {
					t.Errorf("%s = %.15g, refine gives %.15g", what, g, w)
				}
			}
			d := m.Dim()
			for i := 0; i < d; i++ {
				cmp("X", got.X[i], want.X[i], 1e-10)
				cmp("C", got.C[i], want.V[i], 1e-10)
				cmp("V", got.V[i], want.V[i], 1e-10)
				for _, z := range [][]float64{got.T, got.S, got.R} {
					cmp("T, S, R", z[i], 0, 1e-13)
				}
				for j := 0; j < d; j++ {
					cmp("W", got.W.At(i, j), want.W[i][j], 1e-10)
					cmp("Sigma", got.Sigma.At(i, j), want.W[i][j], 1e-10)
					cmp("U", got.U.At(i, j), 0, 1e-13)
					cmp("O", got.O.At(i, j), 0, 1e-13)
				}
			}
			if len(got.Observables) != len(want.Observables) {
				t.Fatalf("%d observables, refine has %d", len(got.Observables), len(want.Observables))
			}
			for k, o := range want.Observables {
				cmp(o.Name+" mean field", got.Observables[k].MeanField, o.MeanField, 1e-10)
				cmp(o.Name+" C", got.Observables[k].C, o.C, 1e-10)
			}
			t.Logf("%s: worst relative difference to refine %.2g", tc.name, worst)
		})
	}
}
