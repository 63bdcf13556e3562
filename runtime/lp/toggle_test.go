package lp_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/mfcproject/mfc/runtime/lp"
)

// toggleLP is the outer stationary set 𝒫_r of the toggle switch (0 ⇄ P1 at 20/(1 + x2), x1;
// 0 ⇄ P2 at 20/(1 + x1), x2) on S = {x1 + x2 < L}: one balance equation per state that no
// outside state enters (x1 + x2 < L − 1), the mass in [1 − c/r, 1] with r = L⁶, the moment
// row Σ (x1 + x2)⁶ π(x) ≤ c = 1.8e7, and 0 ≤ π ≤ 1. It returns the problem and each
// state's x1.
func toggleLP(L int) (*lp.Problem, []int) {
	index := map[[2]int]int{}
	var states [][2]int
	for s := 0; s < L; s++ {
		for x1 := 0; x1 <= s; x1++ {
			index[[2]int{x1, s - x1}] = len(states)
			states = append(states, [2]int{x1, s - x1})
		}
	}
	n := len(states)
	p := lp.NewProblem(n)
	for j := range n {
		p.SetBounds(j, 0, 1)
	}
	rates := func(x [2]int) (moves [][2]int, a []float64) {
		x1, x2 := float64(x[0]), float64(x[1])
		return [][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}}, []float64{20 / (1 + x2), x1, 20 / (1 + x1), x2}
	}
	for _, y := range states {
		if y[0]+y[1] >= L-1 {
			continue // in-boundary: entered from outside S
		}
		row := map[int]float64{}
		moves, a := rates(y)
		for k, mv := range moves {
			row[index[y]] -= a[k]
			// the predecessor y − mv jumps to y by move k
			x := [2]int{y[0] - mv[0], y[1] - mv[1]}
			if x[0] < 0 || x[1] < 0 {
				continue
			}
			if _, ax := rates(x); ax[k] > 0 {
				row[index[x]] += ax[k]
			}
		}
		var cols []int
		var vals []float64
		for j, v := range row {
			cols, vals = append(cols, j), append(vals, v)
		}
		p.AddRow(cols, vals, 0, 0)
	}
	all, ones, w := make([]int, n), make([]float64, n), make([]float64, n)
	x1 := make([]int, n)
	for j, x := range states {
		all[j], ones[j], w[j], x1[j] = j, 1, math.Pow(float64(x[0]+x[1]), 6), x[0]
	}
	c, r := 1.8e7, math.Pow(float64(L), 6)
	p.AddRow(all, ones, math.Max(0, 1-c/r), 1)
	p.AddRow(all, w, math.Inf(-1), c)
	return p, x1
}

// marginals solves the 2L LPs of the P1 marginal bounds (min and max of π(x1 = i)) and
// returns the total time, the time of the first LP, and the widest gap between the
// solver's value and its certified bound.
func marginals(tb testing.TB, L int, o lp.Options) (total, first time.Duration, gap float64, iters int) {
	p, x1 := toggleLP(L)
	s := lp.New()
	defer s.Close()
	if err := s.Load(p, o); err != nil {
		tb.Fatal(err)
	}
	c := make([]float64, p.NumVars())
	start := time.Now()
	for i := range L {
		for _, sense := range []lp.Sense{lp.Maximize, lp.Minimize} {
			for j := range c {
				c[j] = 0
				if x1[j] == i {
					c[j] = 1
				}
			}
			t0 := time.Now()
			r, err := s.Solve(sense, c)
			if err != nil || r.Status != lp.Optimal {
				tb.Fatalf("L=%d, i=%d %v: %v %v", L, i, sense, err, r.Err())
			}
			if first == 0 {
				first = time.Since(t0)
			}
			if !r.Certified {
				tb.Fatalf("L=%d, i=%d %v: not certified: %s", L, i, sense, r.Reason)
			}
			gap = math.Max(gap, math.Abs(r.Bound-r.Objective))
			iters += r.Iterations
		}
	}
	return time.Since(start), first, gap, iters
}

// BenchmarkToggleMarginals measures the P1-marginal bounds of the toggle switch: 2L LPs
// over one polytope, warm-started from the previous basis or each solved cold.
func BenchmarkToggleMarginals(b *testing.B) {
	needSolver(b)
	for _, L := range []int{24, 40} {
		for _, v := range []struct {
			name string
			o    lp.Options
		}{
			{"warm", lp.Options{}},
			{"cold", lp.Options{Cold: true}},
			{"cold-nopresolve", lp.Options{Cold: true, NoPresolve: true}},
			{"warm-nopresolve", lp.Options{NoPresolve: true}},
			{"warm-noscaling", lp.Options{NoRowScaling: true, NoSolverScaling: true}},
		} {
			b.Run(fmt.Sprintf("L=%d/%s", L, v.name), func(b *testing.B) {
				var total, first time.Duration
				var gap float64
				var iters int
				for b.Loop() {
					total, first, gap, iters = marginals(b, L, v.o)
				}
				b.ReportMetric(total.Seconds()/float64(2*L)*1e3, "ms/LP")
				b.ReportMetric(first.Seconds()*1e3, "ms-first")
				b.ReportMetric(float64(iters)/float64(2*L), "pivots/LP")
				b.ReportMetric(gap, "max|bound-value|")
			})
		}
	}
}

// TestToggleWarmEqualsCold checks, on the toggle switch's stationary-bounds LP at L = 12,
// that warm-started marginal bounds equal cold ones and are all certified.
func TestToggleWarmEqualsCold(t *testing.T) {
	t.Parallel()
	needSolver(t)
	p, x1 := toggleLP(12)
	warm, cold := lp.New(), lp.New()
	defer warm.Close()
	defer cold.Close()
	if err := warm.Load(p, lp.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := cold.Load(p, lp.Options{Cold: true}); err != nil {
		t.Fatal(err)
	}
	c := make([]float64, p.NumVars())
	for i := range 12 {
		for _, sense := range []lp.Sense{lp.Maximize, lp.Minimize} {
			for j := range c {
				c[j] = 0
				if x1[j] == i {
					c[j] = 1
				}
			}
			rw, err1 := warm.Solve(sense, c)
			rc, err2 := cold.Solve(sense, c)
			if err1 != nil || err2 != nil || rw.Status != lp.Optimal || rc.Status != lp.Optimal {
				t.Fatalf("i=%d %v: %v %v %v %v", i, sense, err1, err2, rw, rc)
			}
			if math.Abs(rw.Objective-rc.Objective) > 1e-9 || !rw.Certified || !rc.Certified ||
				math.Abs(rw.Bound-rc.Bound) > 1e-9 {
				t.Errorf("i=%d %v: warm %v (bound %v, %v) cold %v (bound %v, %v)", i, sense,
					rw.Objective, rw.Bound, rw.Reason, rc.Objective, rc.Bound, rc.Reason)
			}
		}
	}
}

// TestIterationLimit: an iteration limit stops the solver with Status Limit, reported as a
// status (with the point reached and its residuals), not as an error.
func TestIterationLimit(t *testing.T) {
	t.Parallel()
	needSolver(t)
	p, _ := toggleLP(12)
	s := lp.New()
	defer s.Close()
	if err := s.Load(p, lp.Options{MaxIterations: 1, NoPresolve: true}); err != nil {
		t.Fatal(err)
	}
	c := make([]float64, p.NumVars())
	c[5] = 1
	r, err := s.Solve(lp.Maximize, c)
	if err != nil || r.Status != lp.Limit || r.X == nil || r.Err() == nil {
		t.Fatalf("err %v, status %v, x %v, Err() %v", err, r.Status, r.X != nil, r.Err())
	}
}
