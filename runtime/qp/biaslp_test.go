package qp

import (
	"context"
	"fmt"
	"math"
	"testing"
)

// TestBiasLP: at Table C's r = 0.05 (η = 0.3, F = n1) the LP bound, when the LP is
// feasible, is at least 0.99 × the oracle's floor and at least the exact error (digest
// §3.6); at r = 0.5 the LP either gives such a bound or reports infeasibility.
func TestBiasLP(t *testing.T) {
	t.Parallel()
	for _, row := range tableC1 {
		r := row[0]
		if r != 0.05 && r != 0.5 {
			continue
		}
		mu := 1 / (1 + 2*r)
		w := jointDeparture(r*mu, mu, 0.3*mu)
		p, _, _ := Build(w, Spec{})
		res, err := p.BiasLP(queue1.Eval, 10, 1)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("r = %g: LP %s, objective %g, %d variables, %d rows", r, res.Status, res.Objective, res.Variables, res.Constraints)
		if res.Status != "optimal" {
			if r == 0.05 || res.Status != "infeasible" {
				t.Fatalf("r = %g: LP %s", r, res.Status)
			}
			continue
		}
		e := p.Bound(res.Bias)
		box, _ := NewBox(context.Background(), w.Rate, 150)
		o, _ := p.RunOracle(context.Background(), box, queue1.Eval, queue1.Mean(p))
		exact := math.Abs(queue1.Mean(p) - o.F)
		if e.Total < 0.99*o.FloorValue || e.Total < exact {
			t.Errorf("r = %g: LP bound %g, floor %g, exact error %g", r, e.Total, o.FloorValue, exact)
		}
		if math.Abs(e.Total-res.Objective) > 1e-6*e.Total {
			t.Errorf("r = %g: bound of the LP's B %g, LP objective %g", r, e.Total, res.Objective)
		}
	}
}

// lpCase is one walk and reward of the degree and one-sided LP tests: Table C (η = 0.3,
// F = n1), a Table A row (the same walk family, F = 1{0}), a Table B row with η = 0.7,
// where the premise of Theorem 4.2 fails (h̄_{−1,0}(n) < μ* for large n: q̄ − q takes both
// signs on the axes), and the generic walk of digest §3.7 (terms of acceptance 3, outward
// rates at the Theorem 3.4 thresholds), where R̄ also changes the axis-to-interior rates
// (δ_h, δ_v > 0).
type lpCase struct {
	name string
	r    float64 // Table C/A load; 0: the generic walk, −η: Table B (λ = 0.2, μ = 0.6, μ* = ημ)
	rw   *Reward
}

var lpCases = []lpCase{
	{"C r=0.05 F=n1", 0.05, queue1},
	{"C r=0.3 F=n1", 0.3, queue1},
	{"C r=0.5 F=n1", 0.5, queue1},
	{"A r=0.3 F=1{0}", 0.3, indicator},
	{"B eta=0.7 F=n1", -0.7, queue1},
	{"generic F=n1", 0, queue1},
}

// lpWalk builds the walk and perturbation of c.
func lpWalk(t *testing.T, c lpCase) (*Walk, *Perturbed) {
	t.Helper()
	if c.r == 0 {
		w := generic()
		pts := []Point{{0.75, 0.6708799312799236}, {0.9, 0.6358947992452972}}
		p, err := NewPerturbed(w, pts, []float64{0.049368010308011454, 0.014564208030188108}, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		p.SetOutward(p.Thresholds())
		return w, p
	}
	mu := 1 / (1 + 2*c.r)
	w := jointDeparture(c.r*mu, mu, 0.3*mu)
	if c.r < 0 {
		w = jointDeparture(0.2, 0.6, -0.6*c.r)
	}
	p, _, err := Build(w, Spec{})
	if err != nil {
		t.Fatal(err)
	}
	return w, p
}

// lpLevel is the partition level of the tests (L = 10 is the command's default and the
// speed target; L = 6 keeps the package's tests within seconds: the properties checked
// hold at every level).
const lpLevel = 6

// TestBiasLPDegreesAndSides checks, at the points of lpCases, the two-sided LP of degree
// M = 1, 2, 3 and the one-sided LP of degree 1 and 2 against independent references:
//   - the truth 𝓕 of the box chain N = 150 with leaving jumps dropped (its boundary mass is
//     below 1e-14 at these points): every two-sided bound ≥ |𝓕̄ − 𝓕| and the
//     one-sided interval [𝓕̄ − upper, 𝓕̄ + lower] contains 𝓕 (slack 1e-9 for the box's
//     solve);
//   - the Poisson solution ΔV on that box (its limit of the bias, digest §2.6): the LP's
//     direction bounds satisfy |ΔV_u(n)| ≤ B_u(n), or −L_u(n) ≤ ΔV_u(n) ≤ U_u(n), at every
//     n ∈ {0..60}² and every direction, to 1e-7 relative (the box's V and the LP's primal
//     tolerance);
//   - the feasible set of M = 2 contains that of M = 1, so its optimum is no larger, and
//     U = L = B_u of the two-sided LP is feasible for the one-sided one, so upper and lower
//     are no larger than the two-sided bound at the same L, M (to 1e-7 relative: the LP
//     tolerance);
//   - the certified re-summation of the one-sided bounds equals the LP's objectives to 1e-6.
func TestBiasLPDegreesAndSides(t *testing.T) {
	t.Parallel()
	for _, c := range lpCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w, p := lpWalk(t, c)
			f := c.rw.Eval
			fbar := c.rw.Mean(p)
			box, err := NewBox(context.Background(), w.Rate, 150)
			if err != nil {
				t.Fatal(err)
			}
			truth := box.Expect(f)
			v, err := box.Relative(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			dv := func(u [2]int, n1, n2 int) float64 { return v[box.Index(n1+u[0], n2+u[1])] - v[box.Index(n1, n2)] }
			// checkDirs is the a-posteriori check of direction bounds against ΔV.
			checkDirs := func(what string, d *DirBounds) {
				worst := 0.0
				for n1 := 0; n1 <= 60; n1++ {
					for n2 := 0; n2 <= 60; n2++ {
						for _, u := range allDirs {
							if n1+u[0] < 0 || n2+u[1] < 0 {
								continue
							}
							x, up, lo := dv(u, n1, n2), d.Upper(u, n1, n2), d.Lower(u, n1, n2)
							tol := 1e-7 * max(1, math.Abs(x))
							if x > up+tol || x < -lo-tol {
								t.Fatalf("%s: ΔV_%v(%d, %d) = %.10g outside [−%.10g, %.10g]", what, u, n1, n2, x, lo, up)
							}
							worst = max(worst, math.Abs(x)/max(up, lo, 1e-300))
						}
					}
				}
				t.Logf("%s: max |ΔV|/bound on {0..60}² = %.6f", what, worst)
			}
			exact := math.Abs(fbar - truth)
			two := map[int]float64{}
			for _, M := range []int{1, 2, 3} {
				res, err := p.BiasLP(f, lpLevel, M)
				if err != nil {
					t.Fatal(err)
				}
				if res.Status != "optimal" {
					t.Fatalf("two-sided M = %d: %s", M, res.Status)
				}
				e := p.Bound(res.Bias)
				two[M] = e.Total
				t.Logf("two-sided L = %d, M = %d: bound %.8g (LP %.8g), exact error %.8g, %d variables, %d rows", lpLevel, M, e.Total, res.Objective, exact, res.Variables, res.Constraints)
				if e.Total < exact {
					t.Errorf("two-sided M = %d: bound %g < exact error %g", M, e.Total, exact)
				}
				if math.Abs(e.Total-res.Objective) > 1e-6*e.Total {
					t.Errorf("two-sided M = %d: bound of the LP's B %g, LP objective %g", M, e.Total, res.Objective)
				}
				checkDirs(fmt.Sprintf("two-sided M = %d", M), res.Dirs)
			}
			if two[2] > two[1]*(1+1e-7) {
				t.Errorf("two-sided: M = 2 bound %g > M = 1 bound %g", two[2], two[1])
			}
			one := map[int]SignedError{}
			for _, M := range []int{1, 2} {
				res, err := p.BiasLPOneSided(f, lpLevel, M)
				if err != nil {
					t.Fatal(err)
				}
				if res.Status != "optimal" {
					t.Fatalf("one-sided M = %d: %s", M, res.Status)
				}
				e, ok := p.OneSidedBound(res)
				if !ok {
					t.Fatal("no one-sided bound from an optimal LP")
				}
				one[M] = e
				lo, hi := fbar-e.Upper, fbar+e.Lower
				t.Logf("one-sided L = %d, M = %d: F̄ − F ≤ %.8g, F − F̄ ≤ %.8g: F ∈ [%.8g, %.8g], truth %.10g (F̄ %.10g); %d variables, %d rows", lpLevel, M, e.Upper, e.Lower, lo, hi, truth, fbar, res.Variables, res.Constraints)
				if truth < lo-1e-9 || truth > hi+1e-9 {
					t.Errorf("one-sided M = %d: truth %.10g outside [%.10g, %.10g]", M, truth, lo, hi)
				}
				if math.Abs(e.Upper-res.Upper) > 1e-6*max(e.Upper, 1e-3) || math.Abs(e.Lower-res.Lower) > 1e-6*max(e.Lower, 1e-3) {
					t.Errorf("one-sided M = %d: certified (%g, %g), LP (%g, %g)", M, e.Upper, e.Lower, res.Upper, res.Lower)
				}
				for _, b := range []float64{e.Upper, e.Lower} {
					if b > two[M]*(1+1e-7) {
						t.Errorf("one-sided M = %d: %g above the two-sided bound %g", M, b, two[M])
					}
				}
				checkDirs(fmt.Sprintf("one-sided M = %d (upper LP)", M), res.Dirs)
				checkDirs(fmt.Sprintf("one-sided M = %d (lower LP)", M), res.DirsLower)
			}
			if one[2].Upper > one[1].Upper*(1+1e-7)+1e-12 || one[2].Lower > one[1].Lower*(1+1e-7)+1e-12 {
				t.Errorf("one-sided: M = 2 (%g, %g) worse than M = 1 (%g, %g)", one[2].Upper, one[2].Lower, one[1].Upper, one[1].Lower)
			}
		})
	}
}

// TestBiasLPReward: the LP of degree M takes rewards whose differences are polynomials
// of degree ≤ M far out and refuses the others; F = n1² (bias growing like n²) at M = 2
// gives a bound ≥ the exact error of the box chain N = 150 (r = 0.3, truncation error
// below 1e-19) or reports infeasibility.
func TestBiasLPReward(t *testing.T) {
	t.Parallel()
	mu := 1 / 1.6
	w := jointDeparture(0.3*mu, mu, 0.3*mu)
	p, _, _ := Build(w, Spec{})
	sq := &Reward{}
	sq.P[2][0] = 1
	cube := &Reward{}
	cube.P[3][0] = 1
	for _, c := range []struct {
		rw     *Reward
		M      int
		refuse bool
	}{{sq, 0, true}, {sq, 1, false}, {cube, 1, true}, {cube, 2, false}, {queue1, 0, false}} {
		_, err := p.BiasLP(c.rw.Eval, 3, c.M)
		if (err != nil) != c.refuse {
			t.Errorf("F = %s, M = %d: error %v, want refused %v", c.rw, c.M, err, c.refuse)
		}
	}
	res, err := p.BiasLP(sq.Eval, lpLevel, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("F = n1², M = 2: %s, objective %g", res.Status, res.Objective)
	if res.Status == "optimal" {
		box, _ := NewBox(context.Background(), w.Rate, 150)
		exact := math.Abs(sq.Mean(p) - box.Expect(sq.Eval))
		if e := p.Bound(res.Bias); e.Total < exact {
			t.Errorf("F = n1², M = 2: bound %g < exact error %g", e.Total, exact)
		}
	} else if res.Status != "infeasible" {
		t.Errorf("F = n1², M = 2: %s", res.Status)
	}
}

// TestFitCell: the interpolation of the reward's differences recovers a polynomial of
// degree ≤ M in each coordinate exactly (its coefficients, by hand) and rejects one of
// higher degree.
func TestFitCell(t *testing.T) {
	t.Parallel()
	g := func(y1, y2 int) float64 { a, b := float64(y1), float64(y2); return 3 - 2*a + 0.5*a*a*b + b*b }
	test := []int{0, 1, 2, 3, 4, 37}
	c, ok := fitCell(g, 2, true, true, test, test)
	if !ok {
		t.Fatal("a polynomial of degree 2 in each coordinate was rejected")
	}
	want := map[[2]int]float64{{0, 0}: 3, {1, 0}: -2, {2, 1}: 0.5, {0, 2}: 1}
	for k, x := range c {
		if math.Abs(x-want[k]) > 1e-12 {
			t.Errorf("coefficient %v = %g, want %g", k, x, want[k])
		}
	}
	if _, ok := fitCell(g, 1, true, true, test, test); ok {
		t.Error("degree 2 accepted at M = 1")
	}
}

// BenchmarkBiasLP: the bias LP at the command's default level L = 10 (Table C, r = 0.3,
// F = n1), two-sided of degree 1 (the speed target: < 1 s), 2 and 3, and one-sided (two
// LPs) of degree 1, 2 and 3.
func BenchmarkBiasLP(b *testing.B) {
	mu := 1 / 1.6
	p, _, _ := Build(jointDeparture(0.3*mu, mu, 0.3*mu), Spec{})
	for _, sided := range []bool{false, true} {
		for _, M := range []int{1, 2, 3} {
			name := fmt.Sprintf("two/M=%d", M)
			solve := p.BiasLP
			if sided {
				name, solve = fmt.Sprintf("one/M=%d", M), p.BiasLPOneSided
			}
			b.Run(name, func(b *testing.B) {
				for range b.N {
					if res, err := solve(queue1.Eval, 10, M); err != nil || res.Status != "optimal" {
						b.Fatal(err, res.Status)
					}
				}
			})
		}
	}
}

// TestDirCells checks the report of the LP's direction bounds: on every component, the
// polynomial written from Cells and Monomials (the documented form, shift s on a tail
// coordinate) equals Upper and Lower at points of the component, and a component left out
// has both bounds 0 there; for a two-sided and a one-sided LP of degrees 2 and 1.
func TestDirCells(t *testing.T) {
	t.Parallel()
	w := jointDeparture(0.2, 0.6, 0.18)
	p, _, _ := Build(w, Spec{})
	f := func(n1, n2 int) float64 { return float64(n1) }
	const L = 5
	two, err := p.BiasLP(f, L, 2)
	if err != nil {
		t.Fatal(err)
	}
	one, err := p.BiasLPOneSided(f, L, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		d    *DirBounds
	}{{"two-sided M = 2", two.Dirs}, {"one-sided M = 1 (upper LP)", one.Dirs}, {"one-sided M = 1 (lower LP)", one.DirsLower}} {
		if c.d == nil {
			t.Fatalf("%s: no solution", c.name)
		}
		mono, shift := c.d.Monomials()
		listed := map[[2][2]int]DirCell{}
		for _, cell := range c.d.Cells() {
			listed[[2][2]int{cell.U, cell.Cell}] = cell
		}
		if len(listed) == 0 {
			t.Fatalf("%s: no cell reported", c.name)
		}
		for _, u := range dirsUp {
			for c1 := 0; c1 <= L; c1++ {
				for c2 := 0; c2 <= L; c2++ {
					for _, extra := range []int{0, 3} { // two points of a tail component
						n1, n2 := c1, c2
						y1, y2 := float64(n1), float64(n2)
						if c1 == L {
							n1 += extra
							y1 = float64(n1 - shift)
						}
						if c2 == L {
							n2 += extra
							y2 = float64(n2 - shift)
						}
						if n1+u[0] < 0 || n2+u[1] < 0 {
							continue
						}
						var wantU, wantL float64
						if cell, ok := listed[[2][2]int{u, {c1, c2}}]; ok {
							for k, ab := range mono {
								m := math.Pow(y1, float64(ab[0])) * math.Pow(y2, float64(ab[1]))
								wantU += cell.Upper[k] * m
								wantL += cell.Lower[k] * m
							}
						}
						gotU, gotL := c.d.Upper(u, n1, n2), c.d.Lower(u, n1, n2)
						if math.Abs(gotU-wantU) > 1e-12*max(1, math.Abs(gotU)) || math.Abs(gotL-wantL) > 1e-12*max(1, math.Abs(gotL)) {
							t.Fatalf("%s: u = %v at (%d, %d): Upper %g, Lower %g; from the reported cells %g, %g", c.name, u, n1, n2, gotU, gotL, wantU, wantL)
						}
					}
				}
			}
		}
	}
}
