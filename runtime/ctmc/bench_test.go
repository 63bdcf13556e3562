package ctmc

import (
	"context"
	"testing"
	"time"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// Benchmarks at scale. The SIRS chain of the tests (const sirs) on the triangle
// S + I ≤ N has (N+1)(N+2)/2 states: N = 446 gives 100 128 states, N = 1413 gives
// 1 000 405. The benchmarks report states/s of the exploration, the residual ‖πQ‖₁ of the
// stationary solve (×1e12) and the products per second of uniformisation.
//
//	go test ./runtime/ctmc -run XXX -bench . -benchtime 1x

var benchSizes = []struct {
	name string
	N    float64
}{
	{"1e5", 446},
	{"1e6", 1413},
}

func BenchmarkExplore(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			m := loadtest.Source(b, sirs, compiler.Options{Scale: sz.N})
			states := 0
			t0 := time.Now()
			for i := 0; i < b.N; i++ {
				c, err := explore(b, m, Limits{})
				if err != nil {
					b.Fatal(err)
				}
				states += c.NumStates()
			}
			b.ReportMetric(float64(states)/time.Since(t0).Seconds(), "states/s")
		})
	}
}

func BenchmarkStationary(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			m := loadtest.Source(b, sirs, compiler.Options{Scale: sz.N})
			c, err := explore(b, m, Limits{})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			var r *Result
			for i := 0; i < b.N; i++ {
				r, err = Stationary(context.Background(), c, nil)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(c.NumStates()), "states")
			b.ReportMetric(r.Residual*1e12, "residual×1e12")
			b.ReportMetric(float64(r.Iterations), "iterations")
		})
	}
}

// BenchmarkTransient runs uniformisation on the SIRS chains to t = 0.2 (q·t ≈ 190 at
// 1e5 states, 600 at 1e6) with the cumulative integral, from the initial state.
func BenchmarkTransient(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			c, p0 := benchChain(b, sz.N)
			b.ResetTimer()
			var r *TransientResult
			var err error
			t0 := time.Now()
			for i := 0; i < b.N; i++ {
				r, err = Transient(context.Background(), c, p0, []float64{0.1, 0.2}, &TransientSettings{Cumulative: true})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(r.Products*b.N)/time.Since(t0).Seconds(), "products/s")
			b.ReportMetric(float64(r.Products), "products")
			b.ReportMetric(r.Epsilon[1]*1e12, "epsilon×1e12")
		})
	}
}

// BenchmarkDiscounted solves x(δI − Q) = p₀ with δ = 0.1 on the SIRS chains.
func BenchmarkDiscounted(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			c, p0 := benchChain(b, sz.N)
			b.ResetTimer()
			var r *LinearResult
			var err error
			for i := 0; i < b.N; i++ {
				r, err = Discounted(context.Background(), c, p0, 0.1, nil)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(r.Iterations), "iterations")
			b.ReportMetric(r.Residual*1e12, "residual×1e12")
		})
	}
}

func benchChain(b *testing.B, N float64) (*Chain, []float64) {
	m := loadtest.Source(b, sirs, compiler.Options{Scale: N})
	c, err := explore(b, m, Limits{})
	if err != nil {
		b.Fatal(err)
	}
	p0, err := InitialDistribution(c)
	if err != nil {
		b.Fatal(err)
	}
	return c, p0
}

// BenchmarkTimeVaryingReferences times the exact references of the seed digest 004 at their
// smallest ε (issue 14's speed targets: C1 at ε = 0.005, t = 200, < 0.5 s; D2 at ε = 0.0025,
// < 50 ms), from the compiled model: Explore and EvalMeasures of the one measure.
//
//	go test ./runtime/ctmc -run XXX -bench TimeVaryingReferences
func BenchmarkTimeVaryingReferences(b *testing.B) {
	for _, bc := range []struct {
		name, model, measure string
		eps                  float64
	}{
		{"C1-eps0.005", "@slow_ctmc", "at_end", 0.005},
		{"C2-eps0.01", "@slow_ctmc", "disc", 0.01},
		{"D2-eps0.0025", "@slow_chain", "delta", 0.0025},
	} {
		b.Run(bc.name, func(b *testing.B) {
			m := loadtest.Model(b, bc.model, compiler.Options{Overrides: compiler.Overrides{"eps": {bc.eps}}})
			for i := 0; i < b.N; i++ {
				in := m.Inputs()
				c, err := Explore(context.Background(), m, in, Limits{})
				if err != nil {
					b.Fatal(err)
				}
				vals, err := EvalMeasures(context.Background(), c, m, in, nil, &MeasureSettings{Only: []string{bc.measure}})
				if err != nil {
					b.Fatal(err)
				}
				for _, v := range vals {
					if v.Name == bc.measure && v.Err != nil {
						b.Fatal(v.Err)
					}
				}
			}
		})
	}
}

// BenchmarkSIRTransient is the transient measure of examples/sir.mf at its own size
// (N = 1000, 501 501 states): the law at t = 5 from the point mass of the initial state,
// by adaptive uniformisation with pruning (issue 18, item 1). It reports the products,
// the certified ℓ₁ bound and E[infected] at t = 5.
//
//	go test ./runtime/ctmc -run XXX -bench SIRTransient -benchtime 1x
func BenchmarkSIRTransient(b *testing.B) {
	m := loadtest.Model(b, "examples/sir.mf", compiler.Options{})
	c, err := Explore(context.Background(), m, m.Inputs(), Limits{})
	if err != nil {
		b.Fatal(err)
	}
	p0, err := InitialDistribution(c)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var r *TransientResult
	for i := 0; i < b.N; i++ {
		r, err = Transient(context.Background(), c, p0, []float64{5}, nil)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	mean := 0.0
	for s, p := range r.P[0] {
		mean += p * float64(c.Counts(s)[1])
	}
	b.ReportMetric(float64(r.Products), "products")
	b.ReportMetric(r.Epsilon[0]*1e12, "epsilon×1e12")
	b.ReportMetric(mean/1000, "infected_t5")
	b.ReportMetric(float64(r.rows)/float64(r.Products), "rows/product")
	b.ReportMetric(float64(r.rebuilds), "rebuilds")
	b.ReportMetric(float64(r.Restarts), "restarts")
}
