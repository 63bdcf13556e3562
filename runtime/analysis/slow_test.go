package analysis_test

import (
	"context"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// d4Source is slow_chain with the horizon tied to ε (n = 1/ε) and lag 1, the regime of test
// D4 (seed-004 §8), so that --slopes can vary ε alone.
const d4Source = `model d4
time discrete
param eps = 0.02
param Pa[0..2, 0..2] = [[0.5, 0.3, 0.2], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4]]
param Pb[0..2, 0..2] = [[0.2, 0.3, 0.5], [0.1, 0.4, 0.5], [0.3, 0.5, 0.2]]
param rew[0..2] = [1, 3, -2]
env X in 0..2
let w = 1 - exp(-eps * (t + 1))
for i in 0..2, j in 0..2:
  step: set X = j when X == i @ Pa[i, j] + w * (Pb[i, j] - Pa[i, j])
observable r = match X { 0: rew[0], 1: rew[1], 2: rew[2] }
init { X = 0 }
measure chi = transient(r, floor(1 / eps + 0.5))
`

// TestSlowSlopes runs mfc slow --slopes on D1, D3, D4, D5, C1 and C2 (seed-004 §8) and checks the
// halving ratios of the errors against the digest's windows: [3.0, 4.6] for first order,
// [6.0, 9.0] for second order; also that the report carries the exact values and errors.
func TestSlowSlopes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, model, measure, expand, slopes string
		src                                  bool
		order                                int
		windows                              map[int][2]float64
	}{
		{"D1", "@slow_chain", "kappa", "", "eps=0.1,0.05,0.025,0.0125", false, 2, map[int][2]float64{1: {3, 4.6}, 2: {6, 9}}},
		{"D3", "@slow_chain", "chi", "start", "eps=0.002,0.001,0.0005", false, 1, map[int][2]float64{1: {3, 4.6}}},
		{"D4", d4Source, "chi", "end", "eps=0.02,0.01,0.005,0.0025", true, 2, map[int][2]float64{1: {3, 4.6}, 2: {6, 9}}},
		{"D5", "@slow_chain", "tau", "", "eps=0.0004,0.0002,0.0001", false, 1, map[int][2]float64{1: {3, 4.6}}},
		// Continuous time against the forward-equation reference of mfc exact (ctmc.Flow).
		{"C1", "@slow_ctmc", "at_end", "", "eps=0.04,0.02,0.01,0.005", false, 2, map[int][2]float64{1: {3, 4.6}, 2: {6, 9}}},
		{"C2", "@slow_ctmc", "disc", "", "eps=0.04,0.02,0.01", false, 2, map[int][2]float64{1: {3, 4.6}, 2: {6, 9}}},
	}
	a := analysis.Lookup("slow")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := func() *analysis.Problem {
				if c.src {
					return &analysis.Problem{Model: loadtest.Source(t, c.model, compiler.Options{})}
				}
				return &analysis.Problem{Model: loadtest.Model(t, c.model, compiler.Options{})}
			}()
			s := a.NewSettings().(*analysis.SlowSettings)
			s.Measures, s.Expand, s.Slopes, s.Exact, s.Order = []string{c.measure}, c.expand, c.slopes, true, c.order
			rep, err := a.Run(context.Background(), m, s)
			if err != nil {
				t.Fatal(err)
			}
			r := rep.(*analysis.SlowReport)
			sl := r.Slopes[c.measure]
			if sl == nil || len(sl.Ratios) == 0 {
				t.Fatalf("no slopes in %+v", r)
			}
			for order, w := range c.windows {
				for i, row := range sl.Ratios {
					if q := row[order]; q < w[0] || q > w[1] {
						t.Errorf("order %d ratio %.3g at %s = %v outside %v", order, q, sl.Param, sl.Eps[i+1], w)
					}
				}
			}
			if ms := r.Measures[c.measure]; ms.Exact == nil || len(ms.Error) != len(ms.Terms) {
				t.Errorf("no exact reference or errors: %+v", ms)
			}
		})
	}
}
