package trunc

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestMeasureFromMeanBounds checks the rules (4.38)–(4.40) of seed-003 §3.7 on hand
// values: with lf = 2, uf = 5, c = 10, K = 0.1 the correction c·K is 1.
func TestMeasureFromMeanBounds(t *testing.T) {
	t.Parallel()
	m := &Moment{C: 10, R: 100}
	for _, c := range []struct {
		name   string
		f      Function
		m      *Moment
		tail   float64
		lo, hi float64 // NaN: side absent
		rule   string
	}{
		{"f ≥ 0 outside", Function{SignOutside: 1}, m, 0, 2, math.NaN(), "4.38"},
		{"f ≤ 0 outside", Function{SignOutside: -1}, m, 0, math.NaN(), 5, "4.39"},
		{"two-sided", Function{K: 0.1}, m, 0, 1, 6, "4.40"},
		{"two-sided, f ≥ 0 keeps its lower side", Function{K: 0.1, SignOutside: 1}, m, 0, 2, 6, "4.40"},
		{"bounded f, tail bound, no moment", Function{K: 4}, nil, 0.25, 1, 6, "4.40"},
		{"nothing known", Function{}, m, 0, math.NaN(), math.NaN(), ""},
	} {
		mb := MeasureFromMeanBounds(2, 5, c.f, c.m, c.tail)
		check := func(side string, p *float64, want float64) {
			switch {
			case math.IsNaN(want) && p != nil:
				t.Errorf("%s: %s side %g, want none", c.name, side, *p)
			case !math.IsNaN(want) && (p == nil || math.Abs(*p-want) > 1e-14):
				t.Errorf("%s: %s side %v, want %g", c.name, side, p, want)
			case !math.IsNaN(want) && side == "lower" && *p > want, !math.IsNaN(want) && side == "upper" && *p < want:
				t.Errorf("%s: %s side %g rounded inward of %g", c.name, side, *p, want)
			}
		}
		check("lower", mb.Lower, c.lo)
		check("upper", mb.Upper, c.hi)
		if mb.Rule != c.rule || mb.Certified != (mb.Lower != nil || mb.Upper != nil) {
			t.Errorf("%s: rule %q certified %v", c.name, mb.Rule, mb.Certified)
		}
		if mb.Lower != nil && mb.Upper != nil {
			if math.Abs(*mb.Midpoint-(c.lo+c.hi)/2) > 1e-14 || *mb.HalfWidth < (c.hi-c.lo)/2 {
				t.Errorf("%s: midpoint %g half-width %g", c.name, *mb.Midpoint, *mb.HalfWidth)
			}
		} else if mb.Midpoint != nil || mb.HalfWidth != nil {
			t.Errorf("%s: a midpoint without two sides", c.name)
		}
	}
}

// TestTruncatedMeanBounds: the bounds of Σ f·π from l ≤ π ≤ u take the side the sign of f
// asks for and enclose every π in the box, here the corners (checked exhaustively).
func TestTruncatedMeanBounds(t *testing.T) {
	t.Parallel()
	l := []float64{0.1, 0.2, 0.05}
	u := []float64{0.3, 0.25, 0.4}
	f := []float64{2, -1, 0.5}
	lf, uf := TruncatedMeanBounds(l, u, f)
	// exact: lf = 0.2 − 0.25 + 0.025 = −0.025, uf = 0.6 − 0.2 + 0.2 = 0.6
	if math.Abs(lf+0.025) > 1e-15 || math.Abs(uf-0.6) > 1e-15 || lf > -0.025 || uf < 0.6 {
		t.Errorf("[%g, %g], want [−0.025, 0.6] rounded outward", lf, uf)
	}
	for mask := 0; mask < 8; mask++ {
		s := 0.0
		for i := range f {
			p := l[i]
			if mask>>i&1 == 1 {
				p = u[i]
			}
			s += f[i] * p
		}
		if s < lf || s > uf {
			t.Errorf("corner %03b: %g outside [%g, %g]", mask, s, lf, uf)
		}
	}
}

// TestBoundErrors checks the error formulas (3.18), (3.20), (3.21) and (4.44)–(4.46) on
// hand values: l(S) = 0.7, u(S) = 1.2, tail 0.05.
func TestBoundErrors(t *testing.T) {
	t.Parallel()
	l, u := []float64{0.3, 0.4}, []float64{0.5, 0.7}
	e := BoundErrors(l, u, 0.05, "moment")
	near := func(n *Number, want float64) bool { return n != nil && math.Abs(n.Value-want) < 1e-15 }
	if !near(e.TVLower, 0.3) || !near(e.TVUpper, 0.25) || !near(e.L1Upper, 0.3) || !near(e.Mass, 1.2) ||
		!near(e.TailBound, 0.05) || e.TVUpper.Given != "moment" || e.TVLower.Given != "moment" {
		t.Errorf("%+v %+v %+v", e.TVLower, e.TVUpper, e.L1Upper)
	}
	// u(S) < 1: the TV upper end is the tail bound itself (max{u(S) − 1 + m, m}).
	if e := BoundErrors(l, []float64{0.4, 0.5}, 0.2, "m"); !near(e.TVUpper, 0.2) || !near(e.L1Upper, 0.3) {
		t.Errorf("u(S) = 0.9: %+v %+v", e.TVUpper, e.L1Upper)
	}
	if e := BoundErrors(l, u, 0, ""); e.TVUpper != nil || e.TailBound != nil || !near(e.TVLower, 0.3) {
		t.Errorf("no tail bound: %+v", e)
	}
	me := MarginalErrors([]float64{0.3, 0.4}, []float64{0.5, 0.7}, 0.05, "moment")
	if !near(me.TVLower, 0.3) || !near(me.UpperMin, 0.2) || !near(me.TVUpper, 0.25) || !near(me.L1Upper, 0.3) {
		t.Errorf("marginal errors %+v", me)
	}
}

// TestMarginalsFromBounds: summing state-wise bounds over A_i ∩ S, on the toggle states
// of L = 3 (values 0, 1, 2 of each species), with the upper side labelled not a bound.
func TestMarginalsFromBounds(t *testing.T) {
	t.Parallel()
	tr := toggleTruncation(3, 20) // (0,0) (0,1) (1,0) (0,2) (1,1) (2,0)
	l := []float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.1}
	u := []float64{0.2, 0.3, 0.2, 0.3, 0.2, -0.05}
	ms := MarginalsFromBounds(tr, l, u, 0.1, "moment")
	p1 := ms["P1"]
	want := []float64{0.8, 0.4, -0.05}
	if p1.UpperIsBound || len(p1.Values) != 3 {
		t.Fatalf("%+v", p1)
	}
	for i, v := range want {
		if p1.Values[i] != i || math.Abs(p1.Upper[i]-v) > 1e-15 {
			t.Errorf("P1 = %d: û %g, want %g", i, p1.Upper[i], v)
		}
	}
	if math.Abs(p1.Lower[0]-0.3) > 1e-15 || math.Abs(ms["P2"].Lower[2]-0.1) > 1e-15 {
		t.Errorf("l̂ P1 %v, P2 %v", p1.Lower, ms["P2"].Lower)
	}
	// Negative round-off below 0 is clamped (pitfall 10).
	if mg := NewMarginal([]int{0}, nil, []float64{-1e-19}, []float64{1}, 0, ""); mg.Lower[0] != 0 {
		t.Errorf("l̂ = %g, want 0", mg.Lower[0])
	}
}

// TestReentryVectors checks the re-entry vectors and the column solve on the level
// factorisation of −Q_r (shared by ita and ilp) against gonum's dense solve:
// π^z Q_r = −O_r e_z (C.8) for every z ∈ B_i (toggle L = 10), and the column solve
// (−Q_r) v = b, to 1e-12 relative (an M-matrix of moderate condition).
func TestReentryVectors(t *testing.T) {
	t.Parallel()
	tr := toggleTruncation(10, 20)
	n := tr.NumStates()
	re, err := reentryVectors(tr)
	if err != nil {
		t.Fatal(err)
	}
	a := mat.NewDense(n, n, nil)
	for x := 0; x < n; x++ {
		for k := tr.Q.RowPtr[x]; k < tr.Q.RowPtr[x+1]; k++ {
			a.Set(x, int(tr.Q.Col[k]), -tr.Q.Val[k])
		}
	}
	var inv mat.Dense
	if err := inv.Inverse(a); err != nil {
		t.Fatal(err)
	}
	pis := re.vectors()
	for k, z := range tr.In {
		row := mat.Row(nil, z, &inv)
		m := massOf(row)
		if math.Abs(re.mass[k]-m) > 1e-12*m {
			t.Errorf("z = %s: mass %g, dense %g", tr.StateString(z), re.mass[k], m)
		}
		for x := range row {
			if math.Abs(pis[k][x]-row[x]/m) > 1e-12*row[x]/m+1e-300 {
				t.Errorf("z = %s, x = %s: %g, dense %g", tr.StateString(z), tr.StateString(x), pis[k][x], row[x]/m)
			}
		}
	}
	b := make([]float64, n)
	for i := range b {
		b[i] = math.Sin(float64(i))
	}
	v := re.solveCol(b)
	var want mat.VecDense
	want.MulVec(&inv, mat.NewVecDense(n, b))
	for i := range v {
		if math.Abs(v[i]-want.AtVec(i)) > 1e-12*(1+math.Abs(want.AtVec(i))) {
			t.Errorf("solveCol[%d] = %g, dense %g", i, v[i], want.AtVec(i))
		}
	}
}
