// Package lptest is the conformance suite of the lp.Solver interface: small LPs with optima
// worked out by hand (textbook, equality rows, free variables, a degenerate vertex,
// infeasible, unbounded, two-sided rows, both senses), many objectives over one polytope
// whose warm-started optima must equal cold solves, and a badly scaled chain whose
// certified bound must bracket the exact optimum. Every backend must pass it:
//
//	func TestConformance(t *testing.T) { lptest.Conformance(t, lp.New) }
package lptest

import (
	"math"
	"math/big"
	"testing"

	"github.com/mfcproject/mfc/runtime/lp"
)

// row is a sparse row with its bounds.
type row struct {
	cols []int
	vals []float64
	lo   float64
	hi   float64
}

// bound is a variable bound other than the default [0, +Inf).
type bound struct {
	j      int
	lo, hi float64
}

type caseLP struct {
	name   string
	n      int
	rows   []row
	bounds []bound
	sense  lp.Sense
	c      []float64
	status lp.Status
	opt    float64   // the optimum when status is Optimal
	x      []float64 // the unique optimiser, when there is one
}

var inf = math.Inf(1)

// cases are the hand-solved LPs.
var cases = []caseLP{
	{
		// Hillier–Lieberman's Wyndor Glass: max 3x + 5y, x ≤ 4, 2y ≤ 12, 3x + 2y ≤ 18.
		name: "textbook 2-D", n: 2, sense: lp.Maximize, c: []float64{3, 5},
		rows: []row{{[]int{0}, []float64{1}, -inf, 4}, {[]int{1}, []float64{2}, -inf, 12},
			{[]int{0, 1}, []float64{3, 2}, -inf, 18}},
		status: lp.Optimal, opt: 36, x: []float64{2, 6},
	},
	{
		name: "textbook 2-D minimised", n: 2, sense: lp.Minimize, c: []float64{3, 5},
		rows: []row{{[]int{0}, []float64{1}, -inf, 4}, {[]int{1}, []float64{2}, -inf, 12},
			{[]int{0, 1}, []float64{3, 2}, -inf, 18}},
		status: lp.Optimal, opt: 0, x: []float64{0, 0},
	},
	{
		// x + y + z = 1, x − y = 0: x = y = 1/2, z = 0.
		name: "equality rows", n: 3, sense: lp.Minimize, c: []float64{1, 2, 3},
		rows:   []row{{[]int{0, 1, 2}, []float64{1, 1, 1}, 1, 1}, {[]int{0, 1}, []float64{1, -1}, 0, 0}},
		status: lp.Optimal, opt: 1.5, x: []float64{0.5, 0.5, 0},
	},
	{
		// Two free variables: min x1 s.t. x1 − x0 ≥ 5, x1 + x0 ≥ −3: x = (−4, 1).
		name: "free variables", n: 2, sense: lp.Minimize, c: []float64{0, 1},
		rows:   []row{{[]int{0, 1}, []float64{-1, 1}, 5, inf}, {[]int{0, 1}, []float64{1, 1}, -3, inf}},
		bounds: []bound{{0, -inf, inf}, {1, -inf, inf}},
		status: lp.Optimal, opt: 1, x: []float64{-4, 1},
	},
	{
		// Three rows through the optimum (4/3, 4/3): a degenerate vertex.
		name: "degenerate vertex", n: 2, sense: lp.Maximize, c: []float64{1, 1},
		rows: []row{{[]int{0, 1}, []float64{1, 2}, -inf, 4}, {[]int{0, 1}, []float64{2, 1}, -inf, 4},
			{[]int{0, 1}, []float64{1, 1}, -inf, 8.0 / 3}, {[]int{0, 1}, []float64{3, 3}, -inf, 8}},
		status: lp.Optimal, opt: 8.0 / 3, x: []float64{4.0 / 3, 4.0 / 3},
	},
	{
		// Degenerate at the origin: the cone x ≥ 0, y ≥ 0, x − y ≤ 0, y − x ≤ 0 meets at 0 for min x + y.
		name: "degenerate origin", n: 2, sense: lp.Minimize, c: []float64{1, 1},
		rows:   []row{{[]int{0, 1}, []float64{1, -1}, -inf, 0}, {[]int{0, 1}, []float64{-1, 1}, -inf, 0}},
		status: lp.Optimal, opt: 0, x: []float64{0, 0},
	},
	{
		name: "infeasible", n: 2, sense: lp.Minimize, c: []float64{1, 1},
		rows:   []row{{[]int{0, 1}, []float64{1, 1}, -inf, 1}, {[]int{0, 1}, []float64{1, 1}, 2, inf}},
		status: lp.Infeasible,
	},
	{
		name: "infeasible bounds and equality", n: 2, sense: lp.Maximize, c: []float64{1, 0},
		rows:   []row{{[]int{0, 1}, []float64{1, 1}, 3, 3}},
		bounds: []bound{{0, 0, 1}, {1, 0, 1}},
		status: lp.Infeasible,
	},
	{
		name: "unbounded", n: 2, sense: lp.Maximize, c: []float64{1, 1},
		rows:   []row{{[]int{0, 1}, []float64{1, -1}, -inf, 1}},
		status: lp.Unbounded,
	},
	{
		name: "unbounded free", n: 1, sense: lp.Minimize, c: []float64{1},
		rows:   []row{{[]int{0}, []float64{1}, -inf, 5}},
		bounds: []bound{{0, -inf, inf}},
		status: lp.Unbounded,
	},
	{
		// 1 ≤ x + y ≤ 3 and −1 ≤ x − y ≤ 1: max 2x + y at (2, 1) = 5.
		name: "two-sided rows max", n: 2, sense: lp.Maximize, c: []float64{2, 1},
		rows:   []row{{[]int{0, 1}, []float64{1, 1}, 1, 3}, {[]int{0, 1}, []float64{1, -1}, -1, 1}},
		status: lp.Optimal, opt: 5, x: []float64{2, 1},
	},
	{
		// Same polytope, min 2x + y: the lower side of the first row at (0, 1) = 1.
		name: "two-sided rows min", n: 2, sense: lp.Minimize, c: []float64{2, 1},
		rows:   []row{{[]int{0, 1}, []float64{1, 1}, 1, 3}, {[]int{0, 1}, []float64{1, -1}, -1, 1}},
		status: lp.Optimal, opt: 1, x: []float64{0, 1},
	},
	{
		// Variable bounds only (no rows), a negative lower bound.
		name: "bounds only", n: 2, sense: lp.Minimize, c: []float64{1, -1},
		bounds: []bound{{0, -2, 3}, {1, -1, 4}},
		status: lp.Optimal, opt: -6, x: []float64{-2, 4},
	},
}

func build(tc caseLP) *lp.Problem {
	p := lp.NewProblem(tc.n)
	for _, b := range tc.bounds {
		p.SetBounds(b.j, b.lo, b.hi)
	}
	for _, r := range tc.rows {
		p.AddRow(r.cols, r.vals, r.lo, r.hi)
	}
	return p
}

// Conformance runs the suite against the backend made by newSolver.
func Conformance(t *testing.T, newSolver func() lp.Solver) {
	t.Run("cases", func(t *testing.T) { t.Parallel(); testCases(t, newSolver) })
	t.Run("bad input", func(t *testing.T) { t.Parallel(); testBadInput(t, newSolver) })
	t.Run("warm equals cold", func(t *testing.T) { t.Parallel(); testWarm(t, newSolver) })
	t.Run("badly scaled certified", func(t *testing.T) { t.Parallel(); testBadlyScaled(t, newSolver) })
}

func testCases(t *testing.T, newSolver func() lp.Solver) {
	for _, tc := range cases {
		for _, o := range []lp.Options{{}, {NoPresolve: true, NoRowScaling: true, NoSolverScaling: true}} {
			s := newSolver()
			if err := s.Load(build(tc), o); err != nil {
				t.Fatalf("%s: Load: %v", tc.name, err)
			}
			r, err := s.Solve(tc.sense, tc.c)
			s.Close()
			if err != nil {
				t.Fatalf("%s: Solve: %v", tc.name, err)
			}
			if r.Status != tc.status {
				t.Errorf("%s %+v: status %v, want %v", tc.name, o, r.Status, tc.status)
				continue
			}
			if (r.Err() == nil) != (tc.status == lp.Optimal) {
				t.Errorf("%s: Err() = %v with status %v", tc.name, r.Err(), r.Status)
			}
			if tc.status != lp.Optimal {
				if r.Certified || r.Reason == "" || r.X != nil {
					t.Errorf("%s: status %v but certified %v, reason %q, x %v", tc.name, r.Status, r.Certified, r.Reason, r.X)
				}
				continue
			}
			checkOptimal(t, tc.name, tc.sense, tc.opt, tc.x, r)
		}
	}
}

// checkOptimal checks an optimal result against the known optimum: the value, the
// optimiser when unique, small residuals, and a certified bound on the right side.
func checkOptimal(t *testing.T, name string, sense lp.Sense, opt float64, x []float64, r *lp.Result) {
	t.Helper()
	tol := 1e-9 * math.Max(1, math.Abs(opt))
	if math.Abs(r.Objective-opt) > tol {
		t.Errorf("%s: objective %v, want %v", name, r.Objective, opt)
	}
	for j := range x {
		if math.Abs(r.X[j]-x[j]) > 1e-9 {
			t.Errorf("%s: x = %v, want %v", name, r.X, x)
			break
		}
	}
	if r.PrimalResidual > 1e-9 || r.DualResidual > 1e-9 {
		t.Errorf("%s: residuals primal %g dual %g", name, r.PrimalResidual, r.DualResidual)
	}
	if !r.Certified {
		t.Errorf("%s: bound not certified: %s", name, r.Reason)
		return
	}
	if sense == lp.Minimize && r.Bound > opt || sense == lp.Maximize && r.Bound < opt {
		t.Errorf("%s: certified bound %v on the wrong side of the optimum %v (%v)", name, r.Bound, opt, sense)
	}
	if math.Abs(r.Bound-opt) > tol {
		t.Errorf("%s: certified bound %v is far from the optimum %v", name, r.Bound, opt)
	}
}

func testBadInput(t *testing.T, newSolver func() lp.Solver) {
	bad := map[string]func() *lp.Problem{
		"column out of range": func() *lp.Problem {
			p := lp.NewProblem(2)
			p.AddRow([]int{0, 2}, []float64{1, 1}, 0, 1)
			return p
		},
		"NaN coefficient": func() *lp.Problem {
			p := lp.NewProblem(2)
			p.AddRow([]int{0}, []float64{math.NaN()}, 0, 1)
			return p
		},
		"crossed row bounds": func() *lp.Problem {
			p := lp.NewProblem(1)
			p.AddRow([]int{0}, []float64{1}, 2, 1)
			return p
		},
		"duplicate column": func() *lp.Problem {
			p := lp.NewProblem(2)
			p.AddRow([]int{1, 1}, []float64{1, 1}, 0, 1)
			return p
		},
		"bounds at +Inf": func() *lp.Problem {
			p := lp.NewProblem(1)
			p.SetBounds(0, inf, inf)
			return p
		},
	}
	for name, mk := range bad {
		s := newSolver()
		if err := s.Load(mk(), lp.Options{}); err == nil {
			t.Errorf("%s: Load accepted the problem", name)
		}
		s.Close()
	}
	s := newSolver()
	defer s.Close()
	if _, err := s.Solve(lp.Minimize, []float64{1}); err == nil {
		t.Errorf("Solve before Load: no error")
	}
	if err := s.Load(build(cases[0]), lp.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]float64{{1}, {1, math.NaN()}, {math.Inf(1), 0}} {
		if r, err := s.Solve(lp.Minimize, c); err == nil {
			t.Errorf("objective %v: no error (status %v)", c, r.Status)
		}
	}
}

// chain builds the stationary LP of a birth–death chain on {0..n−1} with birth rates
// 2^a[k] (k → k+1) and death rates 2^b[k] (k → k−1): the balance rows πQ = 0 and Σπ = 1,
// with 0 ≤ π ≤ 1. Powers of two keep every datum, the diagonal included, exact, so the
// LP's unique point is the product-form law, computed exactly in rationals.
func chain(a, b []int) (*lp.Problem, []*big.Rat) {
	n := len(a) + 1
	birth := func(k int) float64 { return math.Ldexp(1, a[k]) }   // k → k+1, k < n−1
	death := func(k int) float64 { return math.Ldexp(1, b[k-1]) } // k → k−1, k ≥ 1
	p := lp.NewProblem(n)
	for j := range n {
		p.SetBounds(j, 0, 1)
	}
	for y := range n { // column y of Q: Σ_x π(x) q(x, y) = 0
		var cols []int
		var vals []float64
		out := 0.0
		if y > 0 {
			cols, vals = append(cols, y-1), append(vals, birth(y-1))
			out += death(y)
		}
		if y < n-1 {
			cols, vals = append(cols, y+1), append(vals, death(y+1))
			out += birth(y)
		}
		cols, vals = append(cols, y), append(vals, -out)
		p.AddRow(cols, vals, 0, 0)
	}
	ones := make([]float64, n)
	all := make([]int, n)
	for j := range all {
		all[j], ones[j] = j, 1
	}
	p.AddRow(all, ones, 1, 1)
	// Exact law: γ(k) = Π birth(i−1)/death(i), π = γ/Σγ.
	gamma := make([]*big.Rat, n)
	gamma[0] = big.NewRat(1, 1)
	total := big.NewRat(1, 1)
	for k := 1; k < n; k++ {
		f := new(big.Rat).SetFloat64(birth(k - 1))
		f.Quo(f, new(big.Rat).SetFloat64(death(k)))
		gamma[k] = f.Mul(f, gamma[k-1])
		total.Add(total, gamma[k])
	}
	for k := range gamma {
		gamma[k].Quo(gamma[k], total)
	}
	return p, gamma
}

// spreadChain is a 40-state chain whose rates are powers of two with exponents in
// [−spread, spread], in a pattern set by step.
func spreadChain(spread, step int) (*lp.Problem, []*big.Rat) {
	a, b := make([]int, 39), make([]int, 39)
	for k := range a {
		a[k] = (k*step)%(2*spread+1) - spread
		b[k] = (k*11+5)%(2*spread+1) - spread
	}
	return chain(a, b)
}

// testBadlyScaled optimises every π(k) both ways over two chains whose LP has a single
// point, known exactly. With rates in 2^-4 … 2^4 the solver's values land on the wrong
// side of the exact optimum by round-off for about half of the objectives; the certified
// bound must never do so and must stay within 1e-9. With rates in 2^-24 … 2^24 (a law
// over hundreds of orders of magnitude) the solver's values are far off; the certified
// bound must still bracket the exact optimum.
func testBadlyScaled(t *testing.T, newSolver func() lp.Solver) {
	for _, ch := range []struct {
		spread, step int
		tight        bool
	}{{4, 7, true}, {24, 13, false}} {
		p, exact := spreadChain(ch.spread, ch.step)
		s := newSolver()
		if err := s.Load(p, lp.Options{}); err != nil {
			t.Fatal(err)
		}
		c := make([]float64, p.NumVars())
		wrongSolver := 0
		for k := range c {
			for _, sense := range []lp.Sense{lp.Minimize, lp.Maximize} {
				clear(c)
				c[k] = 1
				r, err := s.Solve(sense, c)
				if err != nil {
					t.Fatal(err)
				}
				if r.Status != lp.Optimal {
					t.Errorf("spread %d, π(%d) %v: status %v", ch.spread, k, sense, r.Status)
					continue
				}
				if !r.Certified {
					t.Errorf("spread %d, π(%d) %v: not certified: %s", ch.spread, k, sense, r.Reason)
					continue
				}
				wrong := func(v float64) bool {
					cmp := new(big.Rat).SetFloat64(v).Cmp(exact[k])
					return sense == lp.Minimize && cmp > 0 || sense == lp.Maximize && cmp < 0
				}
				if wrong(r.Objective) {
					wrongSolver++
				}
				if wrong(r.Bound) {
					t.Errorf("spread %d, π(%d) %v: certified bound %v misses the exact optimum %v", ch.spread, k, sense, r.Bound, exact[k].FloatString(20))
				}
				if e, _ := exact[k].Float64(); ch.tight && math.Abs(r.Bound-e) > 1e-9 {
					t.Errorf("spread %d, π(%d) %v: certified bound %v, exact %v", ch.spread, k, sense, r.Bound, e)
				}
			}
		}
		t.Logf("spread %d: the solver's value lies on the wrong side of the exact optimum for %d of %d objectives", ch.spread, wrongSolver, 2*len(c))
		s.Close()
	}
}

func testWarm(t *testing.T, newSolver func() lp.Solver) {
	p, exact := chain([]int{0, 1, 0, -1, 2, 0, 1, -2, 0, 0, 1}, []int{1, 0, 0, 1, 0, 2, 0, 0, -1, 1, 0})
	warm, cold := newSolver(), newSolver()
	defer warm.Close()
	defer cold.Close()
	if err := warm.Load(p, lp.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := cold.Load(p, lp.Options{Cold: true}); err != nil {
		t.Fatal(err)
	}
	n := p.NumVars()
	c := make([]float64, n)
	warmed := 0
	for k := range n {
		for _, sense := range []lp.Sense{lp.Maximize, lp.Minimize} {
			clear(c)
			c[k] = 1
			c[(k+3)%n] = -0.5 // not only indicators
			rw, err1 := warm.Solve(sense, c)
			rc, err2 := cold.Solve(sense, c)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if rw.Warm {
				warmed++
			}
			if rc.Warm {
				t.Errorf("cold solve reports a warm start")
			}
			if rw.Status != lp.Optimal || rc.Status != lp.Optimal {
				t.Fatalf("objective %d %v: statuses warm %v cold %v", k, sense, rw.Status, rc.Status)
			}
			f, _ := exact[k].Float64()
			g, _ := exact[(k+3)%n].Float64()
			checkOptimal(t, "warm", sense, f-0.5*g, nil, rw)
			checkOptimal(t, "cold", sense, f-0.5*g, nil, rc)
		}
	}
	if warmed < 2*n-1 {
		t.Errorf("%d of %d objectives were warm-started", warmed, 2*n)
	}
}
