package slow

import (
	"context"
	"math"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// BenchmarkInventoryS100 is one ε of Table 4: the four approximations (orders 1 and 2,
// exact and FD derivatives), from the model (issue 14 target: < 10 ms).
func BenchmarkInventoryS100(b *testing.B) {
	m := loadtest.Model(b, "@inventory", compiler.Options{Overrides: compiler.Overrides{"s": {40}, "S": {100}, "eps": {0.016}}})
	in := m.Inputs()
	ctx := context.Background()
	for b.Loop() {
		for _, d := range []string{"exact", "fd"} {
			if _, err := Expand(ctx, m, in, "kappa", &Settings{Order: 2, Deriv: d}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkInventoryS100Exact is the same with the exact reference (target < 0.5 s).
func BenchmarkInventoryS100Exact(b *testing.B) {
	m := loadtest.Model(b, "@inventory", compiler.Options{Overrides: compiler.Overrides{"s": {40}, "S": {100}, "eps": {0.016}}})
	in := m.Inputs()
	ctx := context.Background()
	for b.Loop() {
		for _, d := range []string{"exact", "fd"} {
			if _, err := Expand(ctx, m, in, "kappa", &Settings{Order: 2, Deriv: d}); err != nil {
				b.Fatal(err)
			}
		}
		if _, _, err := Exact(ctx, m, in, "kappa", Settings{}.Limits); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInventoryGrid is the whole grid of Tables 4–6: 3 settings × 7 ε, four
// approximations each (target < 0.2 s).
func BenchmarkInventoryGrid(b *testing.B) { benchmarkInventoryGrid(b, false) }

// BenchmarkInventoryGridExact is BenchmarkInventoryGrid with the exact reference of every
// cell (target < 10 s).
func BenchmarkInventoryGridExact(b *testing.B) { benchmarkInventoryGrid(b, true) }

// benchmarkInventoryGrid runs the four approximations of every cell of Tables 4–6 and,
// with exact, the exact reference of each.
func benchmarkInventoryGrid(b *testing.B, exact bool) {
	ctx := context.Background()
	var models []*runtime.Model
	for _, alpha := range []float64{0.1, 0.5, 1} {
		models = append(models, loadtest.Model(b, "@inventory", compiler.Options{Overrides: compiler.Overrides{"s": {40}, "S": {100}, "alpha": {alpha}}}))
	}
	for b.Loop() {
		for _, m := range models {
			off := -1
			for _, p := range m.IR.Params {
				if p.Name == "eps" {
					off = p.Offset
				}
			}
			for _, eps := range invEps {
				in := m.Inputs()
				in.Params[off] = eps
				for _, d := range []string{"exact", "fd"} {
					if _, err := Expand(ctx, m, in, "kappa", &Settings{Order: 2, Deriv: d}); err != nil {
						b.Fatal(err)
					}
				}
				if !exact {
					continue
				}
				if _, _, err := Exact(ctx, m, in, "kappa", Settings{}.Limits); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

// BenchmarkMtMInf5000 is M_t/M/∞ at λ0 = 5000 (6001 states), orders 1 and 2 at one t
// (target < 0.2 s).
func BenchmarkMtMInf5000(b *testing.B) {
	m := loadtest.Model(b, "testdata/slow/mtinf_sin.mf", compiler.Options{})
	in := m.Inputs()
	for b.Loop() {
		if _, err := Expand(context.Background(), m, in, "mean", &Settings{Order: 2}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTandem250 is the tandem on a 250 × 250 box (63 001 states), orders 1 and 2 at
// one t (target < 2 s), checked against the closed-form terms of issue 14 (acceptance 12:
// λ/μ2 = 0.5, −λ′(1/μ1 + 1/μ2)/μ2 = −0.375, λ″(1/μ1² + 1/(μ1μ2) + 1/μ2²)/μ2 = −0.175) to
// 1e-8, the digest's tolerance for references: on 63 001 states the frozen law comes from
// package poisson's iterative path (ILU(0)-GMRES), whose backward error leaves π̃r off by
// 2e-9 (the 16 × 16 box of TestClosedForms, solved densely, meets 1e-10); the box itself
// truncates a Poisson tail far below that.
func BenchmarkTandem250(b *testing.B) {
	m := loadtest.Model(b, "testdata/slow/tandem.mf", compiler.Options{Overrides: compiler.Overrides{"K": {250}}})
	in := m.Inputs()
	for b.Loop() {
		res, err := Expand(context.Background(), m, in, "mean2", &Settings{Order: 2})
		if err != nil {
			b.Fatal(err)
		}
		for k, w := range []float64{0.5, -0.375, -0.175} {
			if math.Abs(res.Terms[k]-w) > 1e-8 {
				b.Errorf("term %d = %.15g, want %g", k, res.Terms[k], w)
			}
		}
		b.ReportMetric(float64(res.States), "states")
	}
}
