package linalg

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// The conformance suite of the stationary solvers, in the manner of gonum's
// lapack/testlapack: one table of generators with known stationary laws that every solver
// runs. A new solver joins by adding a line to stationarySolvers.

// stationarySolver is one implementation under test.
type stationarySolver struct {
	name  string
	solve func(ctx context.Context, pi []float64, q *CSR) error
	// componentwise solvers promise a small relative error on every component, however
	// small (GTH); the others promise a small absolute error (a normwise bound).
	componentwise bool
}

var stationarySolvers = []stationarySolver{
	{"dense LU", func(_ context.Context, pi []float64, q *CSR) error { return StationaryDense(pi, q) }, false},
	{"GTH", func(_ context.Context, pi []float64, q *CSR) error { return StationaryGTH(pi, q) }, true},
	{"banded GTH (RCM)", func(_ context.Context, pi []float64, q *CSR) error {
		perm := RCM(q)
		bl, bu := Bandwidths(q, perm)
		return StationaryGTHBanded(pi, q, perm, bl, bu)
	}, true},
	{"ILU(0)-BiCGSTAB", func(ctx context.Context, pi []float64, q *CSR) error {
		_, err := StationaryBiCGSTAB(ctx, pi, q, &StationarySettings{Tol: 1e-13})
		return err
	}, false},
}

// stationaryCase is a generator with its stationary law (nil when only the residual can
// be checked) and the tolerances of the check.
type stationaryCase struct {
	name string
	q    *CSR
	want []float64 // nil: checked by residual only
	// abs bounds max_i |π_i − want_i| for every solver; rel bounds |π_i − want_i| / want_i
	// for the componentwise solvers.
	abs, rel float64
	// res bounds ‖πQ‖₁ for every solver.
	res float64
}

// generator builds a CSR generator from a rate function on n states (rate(i, j) for
// j ≠ i; 0 means no edge), with the diagonal stored.
func generator(n int, rate func(i, j int) float64) *CSR {
	q := &CSR{Rows: n, Cols: n, RowPtr: make([]int, 1, n+1)}
	for i := 0; i < n; i++ {
		out := 0.0
		for j := 0; j < n; j++ {
			if j != i {
				out += rate(i, j)
			}
		}
		for j := 0; j < n; j++ {
			switch v := rate(i, j); {
			case j == i:
				q.Col, q.Val = append(q.Col, int32(j)), append(q.Val, -out)
			case v != 0:
				q.Col, q.Val = append(q.Col, int32(j)), append(q.Val, v)
			}
		}
		q.RowPtr = append(q.RowPtr, len(q.Col))
	}
	return q
}

// birthDeath returns the generator of a birth–death chain on 0..n−1 and its stationary law
// by detailed balance, π_{k+1} μ_{k+1} = π_k λ_k, computed in products (no subtraction:
// every component is accurate to a few ulps).
func birthDeath(n int, birth, death func(k int) float64) (*CSR, []float64) {
	q := &CSR{Rows: n, Cols: n, RowPtr: make([]int, 1, n+1)}
	for i := 0; i < n; i++ {
		var up, down float64
		if i > 0 {
			down = death(i)
			q.Col, q.Val = append(q.Col, int32(i-1)), append(q.Val, down)
		}
		if i+1 < n {
			up = birth(i)
		}
		q.Col, q.Val = append(q.Col, int32(i)), append(q.Val, -(up+down))
		if i+1 < n {
			q.Col, q.Val = append(q.Col, int32(i+1)), append(q.Val, up)
		}
		q.RowPtr = append(q.RowPtr, len(q.Col))
	}
	pi := make([]float64, n)
	pi[0] = 1
	for k := 1; k < n; k++ {
		pi[k] = pi[k-1] * birth(k-1) / death(k)
	}
	s := 0.0
	for _, v := range pi {
		s += v
	}
	for k := range pi {
		pi[k] /= s
	}
	return q, pi
}

func stationaryCases() []stationaryCase {
	var cases []stationaryCase
	// Two states, 0 → 1 at α and 1 → 0 at β: π = (β, α)/(α + β) in closed form. The
	// tolerances are a few ulps of the O(1) entries.
	alpha, beta := 3.0, 0.5
	cases = append(cases, stationaryCase{name: "two-state",
		q:    generator(2, func(i, j int) float64 { return []float64{alpha, beta}[i] }),
		want: []float64{beta / (alpha + beta), alpha / (alpha + beta)},
		abs:  1e-14, rel: 1e-14, res: 1e-13})
	// M/M/1/K with λ = 0.7, μ = 1, K = 50: π_k = (1 − ρ) ρ^k / (1 − ρ^{K+1}), geometric
	// (Kleinrock 1975, §3.6). The smallest entry is about 5e-9: 1e-12 absolute is the
	// normwise accuracy of a residual of 1e-13 on a chain of condition ~10; GTH keeps 1e-12
	// relative (n·ε with n = 51 and a margin).
	const K, lam, mu = 50, 0.7, 1.0
	rho := lam / mu
	mm1 := make([]float64, K+1)
	for k := range mm1 {
		mm1[k] = (1 - rho) * math.Pow(rho, float64(k)) / (1 - math.Pow(rho, K+1))
	}
	q, _ := birthDeath(K+1, func(int) float64 { return lam }, func(int) float64 { return mu })
	cases = append(cases, stationaryCase{name: "M/M/1/K", q: q, want: mm1, abs: 1e-12, rel: 1e-12, res: 1e-12})
	// A birth–death chain with rates of varying size (λ_k = 2 + sin k, μ_k = k^0.7), 300
	// states, law by detailed balance. The law is unimodal around k ≈ 6 with a tail down to
	// underflow-free small values; tolerances as for M/M/1/K, the chain being larger.
	q, bd := birthDeath(300, func(k int) float64 { return 2 + math.Sin(float64(k)) },
		func(k int) float64 { return math.Pow(float64(k), 0.7) })
	cases = append(cases, stationaryCase{name: "birth-death", q: q, want: bd, abs: 1e-12, rel: 1e-11, res: 1e-12})
	// A random irreducible chain: 200 states, a cycle i → i+1 (which makes it irreducible)
	// and 4 random edges per state with rates in (0, 1]. No closed form: checked by the
	// residual (‖Q‖ ≈ 5, so 1e-12 is about 2000 ulps of the rates summed over the states).
	rng := rand.New(rand.NewPCG(1, 2))
	const nr = 200
	rates := make(map[[2]int]float64)
	for i := 0; i < nr; i++ {
		rates[[2]int{i, (i + 1) % nr}] = 0.1 + rng.Float64()
		for e := 0; e < 4; e++ {
			if j := rng.IntN(nr); j != i {
				rates[[2]int{i, j}] += rng.Float64()
			}
		}
	}
	cases = append(cases, stationaryCase{name: "random",
		q:   generator(nr, func(i, j int) float64 { return rates[[2]int{i, j}] }),
		res: 1e-12})
	// A stiff chain: a birth–death chain with λ = 1, μ = 10 on 13 states, so that
	// π_k = 0.9·10^{−k}/(1 − 10^{−13}) spans 1 … 1e-12, and a fast inner loop (rates 1e4
	// and 1e5 between states 0 and 1) that makes the rates span five orders of magnitude.
	// The normwise solvers are held to 1e-12 absolute: a backward-stable solve perturbs the
	// balance equations by about ε·max|Q_ii| ≈ 2e-11, which the slow rates (≥ 1) turn into
	// an error of order 1e-12 on π (dense LU gives 1.5e-13 on π_0). GTH must get even
	// π_12 ≈ 1e-13 to 1e-12 relative. The residual bound is n·ε·max|Q_ii| with a margin.
	q, stiff := birthDeath(13, func(k int) float64 {
		if k == 0 {
			return 1e4
		}
		return 1
	}, func(k int) float64 {
		if k == 1 {
			return 1e5
		}
		return 10
	})
	cases = append(cases, stationaryCase{name: "stiff", q: q, want: stiff, abs: 1e-12, rel: 1e-12, res: 1e-9})
	// One state: Q = [0], π = (1), exactly.
	cases = append(cases, stationaryCase{name: "one state",
		q:    &CSR{Rows: 1, Cols: 1, RowPtr: []int{0, 1}, Col: []int32{0}, Val: []float64{0}},
		want: []float64{1}, abs: 0, rel: 0, res: 0})
	return cases
}

func TestStationaryConformance(t *testing.T) {
	for _, c := range stationaryCases() {
		for _, s := range stationarySolvers {
			pi := make([]float64, c.q.Rows)
			if err := s.solve(context.Background(), pi, c.q); err != nil {
				t.Errorf("%s, %s: %v", c.name, s.name, err)
				continue
			}
			sum := 0.0
			for i, v := range pi {
				if !(v >= 0) {
					t.Errorf("%s, %s: π[%d] = %g", c.name, s.name, i, v)
				}
				sum += v
			}
			if math.Abs(sum-1) > 1e-14 {
				t.Errorf("%s, %s: Σπ − 1 = %g", c.name, s.name, sum-1)
			}
			if r := StationaryResidual(c.q, pi); r > c.res {
				t.Errorf("%s, %s: ‖πQ‖₁ = %g > %g", c.name, s.name, r, c.res)
			}
			for i, w := range c.want {
				d := math.Abs(pi[i] - w)
				if d > c.abs && !(s.componentwise && d <= c.rel*w) {
					t.Errorf("%s, %s: π[%d] = %.17g, want %.17g (error %.3g > %.3g)", c.name, s.name, i, pi[i], w, d, c.abs)
				}
				if s.componentwise && d > c.rel*w {
					t.Errorf("%s, %s: π[%d] = %.17g, want %.17g (relative error %.3g > %.3g)", c.name, s.name, i, pi[i], w, d/w, c.rel)
				}
			}
		}
	}
}
