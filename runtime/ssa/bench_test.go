package ssa

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// bench10 has 5 species and 10 reactions; each event changes 1–3 species, so the
// dependency graph re-evaluates a few propensities per event.
const bench10 = `model bench10
param k = 1
species A, B, C, D, E
r1:  A -> B     @ k * A
r2:  B -> C     @ k * B
r3:  C -> D     @ k * C
r4:  D -> E     @ k * D
r5:  E -> A     @ k * E
r6:  0 -> A     @ 100
r7:  A -> 0     @ 0.01 * A
r8:  A + B -> C @ 0.0001 * A * B
r9:  C -> 0     @ 0.01 * C
r10: D + E -> 0 @ 0.00001 * D * E
init { A = 1000, B = 1000, C = 1000, D = 1000, E = 1000 }
`

// TestDependencyGraph checks that the dependency-graph updates give the same trajectory as
// re-evaluating every propensity after each event.
func TestDependencyGraph(t *testing.T) {
	m := loadtest.Source(t, bench10, compiler.Options{})
	sameWithoutDeps(t, m, 20, 0)
}

// sameWithoutDeps runs m to time horizon from seed 5, once with the dependency graph and
// once re-evaluating every propensity after each event, and requires the same events and
// final state (and at least minEvents events).
func sameWithoutDeps(t *testing.T, m *runtime.Model, horizon float64, minEvents int64) {
	t.Helper()
	a, err := New(m, m.Inputs(), Settings{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(m, m.Inputs(), Settings{})
	pl := *b.p
	pl.noDeps = true
	b.p = &pl
	for _, s := range []*Sim{a, b} {
		if err := s.Reset(5, 0); err != nil {
			t.Fatal(err)
		}
		if err := s.Advance(context.Background(), horizon, nil); err != nil {
			t.Fatal(err)
		}
	}
	if a.Events() != b.Events() || a.StateString() != b.StateString() || a.Events() < minEvents {
		t.Errorf("dependency graph: %d events, %s; full: %d events, %s", a.Events(), a.StateString(), b.Events(), b.StateString())
	}
	t.Logf("%d events, %s", a.Events(), a.StateString())
}

// BenchmarkEvents measures single-trajectory events per second of both methods on bench10
// and on conversion networks of 20 to 2000 transitions (see network); the crossover of
// the two methods sets AutoCRThreshold.
func BenchmarkEvents(b *testing.B) {
	for _, size := range []int{10, 20, 40, 64, 100, 200, 1000, 2000} {
		src := bench10
		if size != 10 {
			src = network(size/2, 1)
		}
		m := loadtest.Source(b, src, compiler.Options{})
		for _, method := range []string{MethodDirect, MethodCR} {
			b.Run(fmt.Sprintf("J=%d/%s", size, method), func(b *testing.B) {
				benchEvents(b, m, method)
			})
		}
	}
}

func benchEvents(b *testing.B, m *runtime.Model, method string) {
	s, err := New(m, m.Inputs(), Settings{Method: method})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Reset(1, 0); err != nil {
		b.Fatal(err)
	}
	// Time steps of about 100 events, so the loop overhead is negligible.
	rate := 0.0
	for _, a := range s.props {
		rate += a
	}
	dt := 100 / rate
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	var events int64
	for i := 0; i < b.N; i++ {
		e0 := s.Events()
		if err := s.Advance(context.Background(), s.Time()+dt, nil); err != nil {
			b.Fatal(err)
		}
		events += s.Events() - e0
	}
	report(b, events, start, cpu0)
}

// report records events per wall-clock second and, where available, per CPU second of
// the process (the better per-core figure when other processes share the cores).
func report(b *testing.B, events int64, start time.Time, cpu0 time.Duration) {
	b.ReportMetric(float64(events)/time.Since(start).Seconds(), "events/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(events)/cpu.Seconds(), "events/cpu-s")
	}
}

// benchEnsemble measures an ensemble of 256 bench10 runs (8 blocks) on the given number of
// workers; the ratio of BenchmarkEnsemble2 to BenchmarkEnsemble1 events/s is the
// parallel speed-up (meaningful only when the cores are not shared).
func benchEnsemble(b *testing.B, workers int) {
	m := loadtest.Source(b, bench10, compiler.Options{})
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	var events int64
	for i := 0; i < b.N; i++ {
		res, err := Ensemble(context.Background(), m, m.Inputs(), Settings{Runs: 256, Times: []float64{1, 2}, Seed: uint64(i), Workers: workers})
		if err != nil {
			b.Fatal(err)
		}
		events += res.Events
	}
	report(b, events, start, cpu0)
}

func BenchmarkEnsemble1(b *testing.B) { benchEnsemble(b, 1) }
func BenchmarkEnsemble2(b *testing.B) { benchEnsemble(b, 2) }

// BenchmarkSteps measures discrete-time steps per second on the reflecting walk
// (time-homogeneous: an implicit self-loop costs one uniform and a comparison, a move
// re-evaluates the dependents), on slow_chain (9 time-dependent probabilities evaluated
// at every step) and on inventory (11 time-dependent Poisson probabilities).
func BenchmarkSteps(b *testing.B) {
	for _, tc := range []struct {
		name string
		m    *runtime.Model
	}{
		{"walk", loadtest.Source(b, walk, compiler.Options{})},
		{"slow_chain", loadtest.Model(b, "@slow_chain", compiler.Options{})},
		{"inventory", loadtest.Model(b, "@inventory", compiler.Options{Overrides: compiler.Overrides{"eps": {0}}})},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := New(tc.m, tc.m.Inputs(), Settings{})
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Reset(1, 0); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start, cpu0 := time.Now(), cpuTime()
			for i := 0; i < b.N; i++ {
				if err := s.Advance(context.Background(), s.Time()+100, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(100*b.N)/time.Since(start).Seconds(), "steps/s")
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(100*b.N)/cpu.Seconds(), "steps/cpu-s")
			}
		})
	}
}
