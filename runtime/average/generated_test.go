package average

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// csmaSource generates the .mf text of a CSMA-like model with the given number of classes
// and buffer size (d = classes·buffer slow coordinates, one environment component per
// class): a pseudo-random interference graph (edge probability 0.4) and rates drawn from a
// seeded generator so that the queues are stable.
func csmaSource(classes, buffer int, seed uint64) (string, []float64, []float64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	g := make([][]int, classes)
	for i := range g {
		g[i] = make([]int, classes)
	}
	for i := 0; i < classes; i++ {
		for j := i + 1; j < classes; j++ {
			if rng.Float64() < 0.4 {
				g[i][j], g[j][i] = 1, 1
			}
		}
	}
	lam, nu, mu := make([]float64, classes), make([]float64, classes), make([]float64, classes)
	for c := range lam {
		// Four decimals, as printed in the source.
		lam[c] = math.Round((0.3+0.3*rng.Float64())*1e4) / 1e4
		nu[c] = math.Round((2+2*rng.Float64())*1e4) / 1e4
		mu[c] = math.Round((2+2*rng.Float64())*1e4) / 1e4
	}
	list := func(v []float64) string {
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = fmt.Sprintf("%.4f", x)
		}
		return "[" + strings.Join(s, ", ") + "]"
	}
	rows := make([]string, classes)
	for i, r := range g {
		s := make([]string, classes)
		for j, v := range r {
			s[j] = fmt.Sprint(v)
		}
		rows[i] = "[" + strings.Join(s, ",") + "]"
	}
	src := fmt.Sprintf(`model csma_generated
scale N = 10
param C = %d
param B = %d
param G[1..C, 1..C] = [%s]
param lam[1..C] = %s
param nu[1..C]  = %s
param mu[1..C]  = %s
species Q[1..C, 1..B]
env A[1..C] { idle, tx }
let x[c in 1..C, b in 0..B+1] = if b == 0 then 1 else if b == B + 1 then 0 else Q[c, b] / N
let free[c in 1..C] = A[c] == idle and all(d in 1..C where G[c, d] == 1: A[d] == idle)
for c in 1..C {
  for b in 1..B:
    arrive: 0 -> Q[c, b] @ N * lam[c] * (x[c, b-1] - x[c, b])
  for b in 1..B:
    activate: Q[c, b] -> 0 set A[c] = tx when free[c] @ N * nu[c] * (x[c, b] - x[c, b+1])
  finish: set A[c] = idle when A[c] == tx @ N * mu[c]
}
observable queue[c in 1..C]        = sum(b in 1..B: x[c, b])
observable transmitting[c in 1..C] = ind(A[c] == tx)
init { for c in 1..C: A[c] = idle }
`, classes, buffer, strings.Join(rows, ", "), list(lam), list(nu), list(mu))
	return src, lam, mu
}

// A generated CSMA-like model with 5 classes and buffer 4 (d = 20). Reference: the flow
// balance μ_c P(Y_c = 1) = λ_c(1 − E x_{c,B}), an exact identity of the model that must hold
// for the mean field and for the 1/N terms separately (digest §3(d)); tolerance 1e-11
// (round-off of the Newton, Lyapunov and m×m solves). Timing: under 5 s (the acceptance
// target for d = 50; this size takes a few milliseconds).
func TestGeneratedCSMA(t *testing.T) {
	for _, tc := range []struct{ classes, buffer int }{{5, 4}} {
		src, lam, mu := csmaSource(tc.classes, tc.buffer, 1)
		m := loadtest.Source(t, src, compiler.Options{})
		t0 := time.Now()
		res, err := Stationary(context.Background(), m, m.Inputs(), nil)
		if err != nil {
			t.Fatal(err)
		}
		el := time.Since(t0)
		if el > 5*time.Second {
			t.Errorf("d = %d: Stationary took %v", m.Dim(), el)
		}
		B := tc.buffer
		for c := 0; c < tc.classes; c++ {
			o := obs(t, res.Observables, fmt.Sprintf("transmitting[%d]", c+1))
			xb, cb := res.X[(c+1)*B-1], res.C[(c+1)*B-1]
			if e := math.Abs(mu[c]*o.MeanField - lam[c]*(1-xb)); e > 1e-11 {
				t.Errorf("class %d: mean-field flow balance off by %.3g", c+1, e)
			}
			if e := math.Abs(mu[c]*o.C + lam[c]*cb); e > 1e-11 {
				t.Errorf("class %d: refined flow balance off by %.3g", c+1, e)
			}
		}
		t.Logf("d = %d, |𝒴| = %d: Stationary %v, max Re λ = %.4g", m.Dim(), len(m.IR.Env.Space), el, real(res.Eigenvalues[0]))
	}
}

// BenchmarkGeneratedCSMA times Stationary (ODE to t = 200, Newton, the full refinement
// and the observables) on generated CSMA-like models with 5 environment components and
// d = 10, 20, 50, 100 slow coordinates ("full"), and the same call started at the fixed
// point with Horizon < 0, which leaves one Newton check and the refinement ("refine").
// Compilation is outside the timer.
func BenchmarkGeneratedCSMA(b *testing.B) {
	for _, buffer := range []int{2, 4, 10, 20} {
		src, _, _ := csmaSource(5, buffer, 1)
		m := loadtest.Source(b, src, compiler.Options{})
		b.Run(fmt.Sprintf("full/d=%d", m.Dim()), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Stationary(context.Background(), m, m.Inputs(), nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		res, err := Stationary(context.Background(), m, m.Inputs(), nil)
		if err != nil {
			b.Fatal(err)
		}
		in := m.Inputs()
		in.Densities = res.X
		b.Run(fmt.Sprintf("refine/d=%d", m.Dim()), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Stationary(context.Background(), m, in, &Settings{Horizon: -1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
