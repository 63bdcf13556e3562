package lp

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// exactVertexOptimum finds, in rational arithmetic, the optimum of min cᵀx over p (rows
// with a finite lower bound and no upper bound, finite variable bounds, non-degenerate):
// it tries every set of n active constraints, solves for the vertex and for the
// multipliers λ of c = Σ λ_k a_k, and returns the vertex that is feasible with λ ≥ 0 (an
// optimum by LP duality) with the row multipliers.
func exactVertexOptimum(t *testing.T, p *Problem, c []float64) (*big.Rat, []*big.Rat) {
	t.Helper()
	n, m := p.NumVars(), p.NumRows()
	type con struct {
		a   []*big.Rat
		b   *big.Rat
		row int // −1 for a bound
	}
	rat := func(v float64) *big.Rat { return new(big.Rat).SetFloat64(v) }
	var cons []con // each a·x ≥ b
	for i := range m {
		cols, vals, lo, _ := p.Row(i)
		a := make([]*big.Rat, n)
		for j := range a {
			a[j] = new(big.Rat)
		}
		for k, j := range cols {
			a[j] = rat(vals[k])
		}
		cons = append(cons, con{a, rat(lo), i})
	}
	for j := range n {
		for _, s := range []float64{1, -1} {
			a := make([]*big.Rat, n)
			for k := range a {
				a[k] = new(big.Rat)
			}
			a[j] = rat(s)
			b := p.lo[j]
			if s < 0 {
				b = -p.hi[j]
			}
			cons = append(cons, con{a, rat(b), -1})
		}
	}
	// solve returns z with M z = r for square M (rows given), or nil when singular.
	solve := func(M [][]*big.Rat, r []*big.Rat) []*big.Rat {
		k := len(r)
		A := make([][]*big.Rat, k)
		for i := range A {
			A[i] = make([]*big.Rat, k+1)
			for j := range k {
				A[i][j] = new(big.Rat).Set(M[i][j])
			}
			A[i][k] = new(big.Rat).Set(r[i])
		}
		for col := range k {
			piv := -1
			for i := col; i < k; i++ {
				if A[i][col].Sign() != 0 {
					piv = i
					break
				}
			}
			if piv < 0 {
				return nil
			}
			A[col], A[piv] = A[piv], A[col]
			for i := range k {
				if i == col || A[i][col].Sign() == 0 {
					continue
				}
				f := new(big.Rat).Quo(A[i][col], A[col][col])
				for j := col; j <= k; j++ {
					A[i][j].Sub(A[i][j], new(big.Rat).Mul(f, A[col][j]))
				}
			}
		}
		z := make([]*big.Rat, k)
		for i := range z {
			z[i] = new(big.Rat).Quo(A[i][k], A[i][i])
		}
		return z
	}
	var pick func(start int, chosen []int) (*big.Rat, []*big.Rat)
	pick = func(start int, chosen []int) (*big.Rat, []*big.Rat) {
		if len(chosen) == n {
			M, r := make([][]*big.Rat, n), make([]*big.Rat, n)
			MT := make([][]*big.Rat, n)
			for i, k := range chosen {
				M[i], r[i] = cons[k].a, cons[k].b
			}
			for j := range n {
				MT[j] = make([]*big.Rat, n)
				for i, k := range chosen {
					MT[j][i] = cons[k].a[j]
				}
			}
			x := solve(M, r)
			if x == nil {
				return nil, nil
			}
			for _, cn := range cons {
				ax := new(big.Rat)
				for j := range n {
					ax.Add(ax, new(big.Rat).Mul(cn.a[j], x[j]))
				}
				if ax.Cmp(cn.b) < 0 {
					return nil, nil
				}
			}
			cr := make([]*big.Rat, n)
			for j := range cr {
				cr[j] = rat(c[j])
			}
			lambda := solve(MT, cr)
			if lambda == nil {
				return nil, nil
			}
			y := make([]*big.Rat, m)
			for i := range y {
				y[i] = new(big.Rat)
			}
			for i, k := range chosen {
				if lambda[i].Sign() < 0 {
					return nil, nil
				}
				if cons[k].row >= 0 {
					y[cons[k].row] = lambda[i]
				}
			}
			opt := new(big.Rat)
			for j := range n {
				opt.Add(opt, new(big.Rat).Mul(cr[j], x[j]))
			}
			return opt, y
		}
		for k := start; k < len(cons); k++ {
			if opt, y := pick(k+1, append(chosen, k)); opt != nil {
				return opt, y
			}
		}
		return nil, nil
	}
	opt, y := pick(0, nil)
	if opt == nil {
		t.Fatal("no optimal vertex found")
	}
	return opt, y
}

// TestSafeBoundExactRational compares the certified bound with the exact rational optimum
// of a small LP whose data (0.1, 0.7, 1/3, …) are not exact in binary: from the exact
// duals rounded to float64 the bound must lie below the optimum and within 1e-14 of it;
// from perturbed duals it must still lie below; when maximising, the mirror image.
func TestSafeBoundExactRational(t *testing.T) {
	t.Parallel()
	p := NewProblem(3)
	for j := range 3 {
		p.SetBounds(j, 0, 10)
	}
	p.AddRow([]int{0, 1}, []float64{0.1, 0.7}, 1.0/3, math.Inf(1))
	p.AddRow([]int{1, 2}, []float64{0.3, 0.9}, 0.2, math.Inf(1))
	p.AddRow([]int{0, 2}, []float64{0.6, 0.2}, 0.5, math.Inf(1))
	c := []float64{1, 1.1, 0.7}
	opt, yr := exactVertexOptimum(t, p, c)
	y := make([]float64, len(yr))
	for i, v := range yr {
		y[i], _ = v.Float64()
	}
	exact, _ := opt.Float64()
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 50 {
		yt := append([]float64(nil), y...)
		if trial > 0 {
			for i := range yt {
				yt[i] *= 1 + 1e-3*(rng.Float64()-0.5)
			}
		}
		b, ok, why := SafeBound(p, Minimize, c, yt)
		if !ok {
			t.Fatalf("trial %d: not certified: %s", trial, why)
		}
		if new(big.Rat).SetFloat64(b).Cmp(opt) > 0 {
			t.Errorf("trial %d: bound %v exceeds the exact optimum %v", trial, b, opt.FloatString(25))
		}
		if trial == 0 && exact-b > 1e-14 {
			t.Errorf("bound %v from the exact duals is far below the optimum %v", b, exact)
		}
		// max (−c)ᵀx = −opt, with multipliers −y.
		for i := range yt {
			yt[i] = -yt[i]
		}
		nc := []float64{-c[0], -c[1], -c[2]}
		ub, ok, _ := SafeBound(p, Maximize, nc, yt)
		if !ok || new(big.Rat).SetFloat64(ub).Cmp(new(big.Rat).Neg(opt)) < 0 {
			t.Errorf("trial %d: maximising, bound %v (certified %v) below the exact optimum", trial, ub, ok)
		}
	}
}

// TestSafeBoundUncertified: min c0·x0 + x1 over a·x0 + x1 ≥ 1, x1 ∈ [0, 1], with row
// multiplier y, so the residual of x0 is r0 = c0 − a·y. An infinite bound of x0 that the
// sign of r0 needs makes the bound uncertifiable, and the reason names the variable.
func TestSafeBoundUncertified(t *testing.T) {
	t.Parallel()
	inf := math.Inf(1)
	tests := []struct {
		name      string
		lo, hi    float64
		c0, a, y  float64
		certified bool
	}{
		{"free, exact zero residual", -inf, inf, 0.5, 1, 0.5, true},
		{"free, residual 0.3 − 0.1·3 ≠ 0 in binary", -inf, inf, 0.3, 0.1, 3, false},
		{"free, positive residual", -inf, inf, 0.5, 1, 0.4, false},
		{"x0 ≥ 0, negative residual", 0, inf, 0.5, 1, 1, false},
		{"x0 ≥ 0, positive residual", 0, inf, 0.5, 1, 0.25, true},
		{"x0 ≤ 0, positive residual", -inf, 0, 0.5, 1, 0.25, false},
		{"x0 ≤ 0, negative residual", -inf, 0, 0.5, 1, 1, true},
	}
	for _, tc := range tests {
		p := NewProblem(2)
		p.SetBounds(0, tc.lo, tc.hi)
		p.SetBounds(1, 0, 1)
		p.AddRow([]int{0, 1}, []float64{tc.a, 1}, 1, inf)
		_, ok, why := SafeBound(p, Minimize, []float64{tc.c0, 1}, []float64{tc.y})
		if ok != tc.certified || !ok && !strings.Contains(why, "variable 0") {
			t.Errorf("%s: certified %v (%q), want %v with a reason naming variable 0", tc.name, ok, why, tc.certified)
		}
	}
}

// TestRoundingEnclosures checks the directed products and sums against exact big.Float
// arithmetic on random, tiny and huge operands.
func TestRoundingEnclosures(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	exact := func(f func(a, b *big.Float) *big.Float, a, b float64) *big.Float {
		return f(new(big.Float).SetPrec(2200).SetFloat64(a), new(big.Float).SetPrec(2200).SetFloat64(b))
	}
	mul := func(a, b *big.Float) *big.Float { return new(big.Float).SetPrec(2200).Mul(a, b) }
	add := func(a, b *big.Float) *big.Float { return new(big.Float).SetPrec(2200).Add(a, b) }
	in := func(lo, hi float64, v *big.Float) bool {
		return big.NewFloat(lo).Cmp(v) <= 0 && v.Cmp(big.NewFloat(hi)) <= 0
	}
	for range 2000 {
		a := (rng.Float64() - 0.5) * math.Ldexp(1, rng.IntN(80)-40)
		b := (rng.Float64() - 0.5) * math.Ldexp(1, rng.IntN(2000)-1000)
		lo, hi := mulIv(a, b)
		if v := exact(mul, a, b); !in(lo, hi, v) {
			t.Fatalf("mulIv(%v, %v) = [%v, %v] misses %v", a, b, lo, hi, v)
		}
		if v := exact(add, a, b); !in(addDown(a, b), addUp(a, b), v) {
			t.Fatalf("add(%v, %v): [%v, %v] misses %v", a, b, addDown(a, b), addUp(a, b), v)
		}
	}
	if lo, hi := mulIv(3, 0.5); lo != 1.5 || hi != 1.5 {
		t.Errorf("exact product widened: [%v, %v]", lo, hi)
	}
	if addDown(0.5, 0.25) != 0.75 || addUp(0.5, 0.25) != 0.75 {
		t.Errorf("exact sum widened")
	}
}
