package poisson

import (
	"context"
	"testing"

	"github.com/mfcproject/mfc/runtime/linalg"
)

// tandem returns the generator of two queues in tandem truncated at k customers each:
// arrivals λ to queue 1 (lost when full), service μ1 moving a customer to queue 2 (blocked
// when full), service μ2 out. (k+1)² states, at most five elements a row.
func tandem(lambda, mu1, mu2 float64, k int) *linalg.CSR {
	n := (k + 1) * (k + 1)
	q := &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, n+1)}
	id := func(a, b int) int { return a*(k+1) + b }
	for a := 0; a <= k; a++ {
		for b := 0; b <= k; b++ {
			row := map[int]float64{}
			if a < k {
				row[id(a+1, b)] += lambda
			}
			if a > 0 && b < k {
				row[id(a-1, b+1)] += mu1
			}
			if b > 0 {
				row[id(a, b-1)] += mu2
			}
			i, out := id(a, b), 0.0
			for _, v := range row {
				out += v
			}
			row[i] = -out
			for j := 0; j < n && len(row) > 0; j++ {
				if v, ok := row[j]; ok {
					q.Col = append(q.Col, int32(j))
					q.Val = append(q.Val, v)
					delete(row, j)
				}
			}
			q.RowPtr[i+1] = len(q.Val)
		}
	}
	return q
}

// benchmarkChain measures NewCTMC (π) and one Solve of f(i) = i, reporting the GMRES
// iterations of the solve and its residual.
func benchmarkChain(b *testing.B, q *linalg.CSR) {
	f := make([]float64, q.Rows)
	for i := range f {
		f[i] = float64(i)
	}
	g := make([]float64, q.Rows)
	var st Stats
	for b.Loop() {
		c, err := NewCTMC(context.Background(), q, nil)
		if err != nil {
			b.Fatal(err)
		}
		if st, err = c.Solve(context.Background(), g, f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(st.Iterations), "iter")
	b.ReportMetric(st.Residual*1e15, "residual×1e15")
}

func BenchmarkBirthDeath1e3(b *testing.B) { benchmarkChain(b, birthDeath(mm1k(0.9, 1, 999))) }
func BenchmarkBirthDeath1e4(b *testing.B) { benchmarkChain(b, birthDeath(mm1k(0.9, 1, 9999))) }
func BenchmarkBirthDeath1e5(b *testing.B) { benchmarkChain(b, birthDeath(mm1k(0.9, 1, 99999))) }
func BenchmarkTandem1e4(b *testing.B)     { benchmarkChain(b, tandem(0.7, 1, 1.2, 99)) }
func BenchmarkTandem1e5(b *testing.B)     { benchmarkChain(b, tandem(0.7, 1, 1.2, 315)) }
