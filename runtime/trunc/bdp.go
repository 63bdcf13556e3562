package trunc

import (
	"context"
	"fmt"
	"math"
	"math/cmplx"
	"sort"
)

func init() { Register("bdp", solveBDP) }

// birthDeath is a one-species birth–death chain seen on an interval S = {lo, …, lo+n−1} of
// counts (seed-003 §3.1): order[k] is the state with count lo+k, birth[k] the rate from
// lo+k to lo+k+1 and death[k] the rate from lo+k+1 to lo+k (k = 0..n−2).
type birthDeath struct {
	order        []int
	lo           int
	birth, death []float64
}

// detectBirthDeath returns the birth–death structure of t, or an error saying why t is not
// a birth–death chain: one species without environment, S an interval of counts, every jump
// (inside S and to the exits) changing the count by ±1, and positive death rates inside S
// (so that the product formula (4.4) gives the conditional law). O(|S| + nnz).
func detectBirthDeath(t *Truncation) (*birthDeath, error) {
	if t.Dim() != 1 {
		return nil, fmt.Errorf("bdp: the chain has %d species; the birth–death scheme needs one (try ta, ita or ldqbd)", t.Dim())
	}
	n := t.NumStates()
	if n == 0 {
		return nil, fmt.Errorf("bdp: the truncation is empty")
	}
	order := make([]int, n)
	for x := range order {
		order[x] = x
	}
	sort.Slice(order, func(i, j int) bool { return t.Key(order[i])[0] < t.Key(order[j])[0] })
	lo := int(t.Key(order[0])[0])
	pos := make([]int, n) // position of each state in order
	for k, x := range order {
		key := t.Key(x)
		if key[1] != 0 {
			return nil, fmt.Errorf("bdp: state %s has an environment; the birth–death scheme needs a chain on counts only", t.StateString(x))
		}
		if int(key[0]) != lo+k {
			return nil, fmt.Errorf("bdp: the truncation is not an interval of counts (%s is missing)", fmt.Sprintf("%s=%d", t.Species[0], lo+k))
		}
		pos[x] = k
	}
	bd := &birthDeath{order: order, lo: lo, birth: make([]float64, n-1), death: make([]float64, n-1)}
	for x := 0; x < n; x++ {
		for p := t.Q.RowPtr[x]; p < t.Q.RowPtr[x+1]; p++ {
			y := int(t.Q.Col[p])
			if y == x || t.Q.Val[p] == 0 {
				continue
			}
			switch pos[y] - pos[x] {
			case 1:
				bd.birth[pos[x]] = t.Q.Val[p]
			case -1:
				bd.death[pos[y]] = t.Q.Val[p]
			default:
				return nil, fmt.Errorf("bdp: the jump %s → %s changes the count by %d; a birth–death chain moves by ±1 (try ta or ldqbd)",
					t.StateString(x), t.StateString(y), pos[y]-pos[x])
			}
		}
	}
	for _, e := range t.Exits {
		if d := int(e.Target[0]) - int(t.Key(e.From)[0]); d != 1 && d != -1 {
			return nil, fmt.Errorf("bdp: the jump from %s leaving S changes the count by %d; a birth–death chain moves by ±1", t.StateString(e.From), d)
		}
	}
	for k, d := range bd.death {
		if !(d > 0) && bd.birth[k] > 0 {
			return nil, fmt.Errorf("bdp: the death rate at %s=%d is 0 while the birth rate below it is not: the chain is not irreducible on S and the product formula does not apply (try lp --classes)",
				t.Species[0], lo+k+1)
		}
	}
	return bd, nil
}

// gammaScaled returns γ(lo+k) = Π_{j<k} birth[j]/death[j] (seed-003 (4.4), relative to the
// lowest state) as mant[k]·2^exp[k], rescaled by powers of two so that no product over- or
// underflows: the relative error is of order k·ε. O(n).
func (bd *birthDeath) gammaScaled() (mant []float64, exp []int) {
	n := len(bd.order)
	mant, exp = make([]float64, n), make([]int, n)
	m, e := 1.0, 0
	mant[0] = 1
	for k := 1; k < n; k++ {
		if m != 0 {
			m *= bd.birth[k-1] / bd.death[k-1]
			if m > 0x1p500 || (m < 0x1p-500 && m > 0) {
				f, x := math.Frexp(m)
				m, e = f, e+x
			}
		}
		mant[k], exp[k] = m, e
	}
	return mant, exp
}

// gammaScaledDD is gammaScaled in double-double arithmetic: each ratio birth/death and each
// product is rounded to about 32 digits. O(n).
func (bd *birthDeath) gammaScaledDD() (mant []dd, exp []int) {
	n := len(bd.order)
	mant, exp = make([]dd, n), make([]int, n)
	m, e := dd{1, 0}, 0
	mant[0] = m
	for k := 1; k < n; k++ {
		if m.hi != 0 {
			m = m.mul(dd{bd.birth[k-1], 0}.div(dd{bd.death[k-1], 0}))
			if m.hi > 0x1p500 || (m.hi < 0x1p-500 && m.hi > 0) {
				_, x := math.Frexp(m.hi)
				m, e = m.ldexp(-x), e+x
			}
		}
		mant[k], exp[k] = m, e
	}
	return mant, exp
}

// conditional returns the conditional law u = γ/γ(S) on the positions of bd and log γ(S)
// (natural log, γ relative to the lowest state), normalising in log space: the terms are
// scaled by 2^−E with E the largest binary exponent, so γ(S) never overflows and the far
// tail (Schlögl (a): π(3000) ≈ 1e-1100) underflows to 0 only in u, not in the sum. With
// precision "dd" the recursion and the sum run in double-double. O(n).
func (bd *birthDeath) conditional(precision string) (u []float64, logSum float64) {
	n := len(bd.order)
	u = make([]float64, n)
	if precision == "dd" {
		ud, logSum := bd.conditionalDD()
		for k, v := range ud {
			u[k] = v.float()
		}
		return u, logSum
	}
	mant, exp := bd.gammaScaled()
	top := maxExponent(exp, func(k int) float64 { return mant[k] })
	sum := 0.0
	for k := range mant {
		u[k] = math.Ldexp(mant[k], exp[k]-top)
		sum += u[k]
	}
	for k := range u {
		u[k] /= sum
	}
	return u, math.Log(sum) + float64(top)*math.Ln2
}

// conditionalDD is conditional in double-double arithmetic, returning the double-double law.
// O(n).
func (bd *birthDeath) conditionalDD() (u []dd, logSum float64) {
	mant, exp := bd.gammaScaledDD()
	top := maxExponent(exp, func(k int) float64 { return mant[k].hi })
	sum := dd{}
	for k := range mant {
		sum = sum.add(mant[k].ldexp(exp[k] - top))
	}
	u = make([]dd, len(mant))
	for k := range mant {
		u[k] = mant[k].ldexp(exp[k] - top).div(sum)
	}
	return u, math.Log(sum.hi) + math.Log1p(sum.lo/sum.hi) + float64(top)*math.Ln2
}

// maxExponent returns the largest binary exponent exp[k] + ilogb(m(k)) over the non-zero
// mantissas.
func maxExponent(exp []int, m func(k int) float64) int {
	top := math.MinInt32
	for k, e := range exp {
		if v := m(k); v != 0 {
			_, x := math.Frexp(v)
			top = max(top, e+x)
		}
	}
	return top
}

// GammaSum returns γ(S) = Σ_{x<n} γ(x) with γ(0) = 1 and γ(x) = Π_{k=1..x} birth(k−1)/death(k)
// (seed-003 (4.4)), and its natural log, for the birth–death chain with the given rates on
// {0, …, n−1}: the normaliser of its stationary law when the tail beyond n is negligible.
// precision is "double" or "dd". It returns an error if a death rate is not positive. O(n).
func GammaSum(birth, death func(x float64) float64, n int, precision string) (sum, logSum float64, err error) {
	if n < 1 {
		return 0, 0, fmt.Errorf("trunc: GammaSum needs n ≥ 1, got %d", n)
	}
	bd := &birthDeath{order: make([]int, n), birth: make([]float64, n-1), death: make([]float64, n-1)}
	for k := 0; k < n-1; k++ {
		bd.birth[k], bd.death[k] = birth(float64(k)), death(float64(k+1))
		if !(bd.death[k] > 0) {
			return 0, 0, fmt.Errorf("trunc: GammaSum: the death rate at %d is %g, not positive", k+1, bd.death[k])
		}
	}
	_, logSum = bd.conditional(precision)
	return math.Exp(logSum), logSum, nil
}

// Hyp2F2 returns the generalised hypergeometric function
//
//	₂F₂(a1, a2; b1, b2; z) = Σ_n (a1)_n (a2)_n / ((b1)_n (b2)_n) · zⁿ/n!
//
// for complex parameters and real z, by summing the series until its terms, decreasing once
// n > |z|, fall below 1e-17 of the sum. With a2 = conj(a1) and b2 = conj(b1) (the Schlögl
// normaliser (4.32)) every term is real and positive. It returns an error if a b is a
// non-positive integer or the series has not converged after 10⁶ terms. O(number of terms).
func Hyp2F2(a1, a2, b1, b2 complex128, z float64) (complex128, error) {
	term, sum := complex(1, 0), complex(1, 0)
	for n := 0; n < 1_000_000; n++ {
		fn := complex(float64(n), 0)
		den := (b1 + fn) * (b2 + fn)
		if den == 0 {
			return 0, fmt.Errorf("trunc: Hyp2F2: b = %v or %v is a non-positive integer", b1, b2)
		}
		term *= (a1 + fn) * (a2 + fn) / den * complex(z/float64(n+1), 0)
		sum += term
		if float64(n) > math.Abs(z) && cmplx.Abs(term) <= 1e-17*cmplx.Abs(sum) {
			return sum, nil
		}
	}
	return sum, fmt.Errorf("trunc: Hyp2F2: the series has not converged after 10⁶ terms")
}

// SchloglNormaliser returns γ(S) of Schlögl's model (seed-003 §5.1.1: birth k1·x(x−1) + k3,
// death k2·x(x−1)(x−2) + k4·x) by the closed form (4.32)
//
//	γ(S) = ₂F₂(−(c1+1)/2, (c1−1)/2; −(c2+1)/2, (c2−1)/2; k1/k2),
//	c1 = √(1 − 4k3/k1),  c2 = √(1 − 4k4/k2),
//
// with complex square roots (c1, c2 are imaginary for both of the paper's parameter sets,
// and the parameters then come in conjugate pairs). It returns an error if the result has
// an imaginary part above 1e-10 of its real part. O(number of series terms).
func SchloglNormaliser(k1, k2, k3, k4 float64) (float64, error) {
	c1 := cmplx.Sqrt(complex(1-4*k3/k1, 0))
	c2 := cmplx.Sqrt(complex(1-4*k4/k2, 0))
	f, err := Hyp2F2(-(c1+1)/2, (c1-1)/2, -(c2+1)/2, (c2-1)/2, k1/k2)
	if err != nil {
		return 0, err
	}
	if math.Abs(imag(f)) > 1e-10*math.Abs(real(f)) {
		return 0, fmt.Errorf("trunc: SchloglNormaliser: ₂F₂ = %v is not real", f)
	}
	return real(f), nil
}

// solveBDP is the birth–death scheme (seed-003 §3.1): the conditional law u_r = π(·|S) by
// the product formula in log space, an upper bound on π on S (4.8); with a tail bound m_r ≤
// c/r (a moment assumption on the sublevel set S = {w < r}, or --tail-bound), the lower
// bound l_r = (1 − c/r)·u_r for r > c, with TV errors ‖u_r − π‖ ≤ c/r (4.9) and
// ‖l_r − π‖ = 1 − l_r(S) = c/r (4.10). O(|S|).
func solveBDP(ctx context.Context, t *Truncation, o *Options) (*Result, error) {
	bd, err := detectBirthDeath(t)
	if err != nil {
		return nil, err
	}
	prec := o.Precision
	if prec == "" {
		prec = "double"
	}
	if prec != "double" && prec != "dd" {
		return nil, fmt.Errorf("bdp: unknown precision %q (double or dd)", o.Precision)
	}
	uPos, logSum := bd.conditional(prec)
	n := t.NumStates()
	u := make([]float64, n)
	zeros := 0
	for k, x := range bd.order {
		u[x] = uPos[k]
		if uPos[k] == 0 {
			zeros++
		}
	}
	res := newResult(t, "bdp")
	res.Distribution, res.Upper = u, u
	res.Diagnostics = &Diagnostics{Solver: "product formula γ(x) = Π birth/death, normalised in log space", Precision: prec, Scaling: "powers of two"}
	res.Notes = append(res.Notes,
		"the birth–death structure is read from S and its exits; it is assumed to hold outside S (every jump of the model changes the count by ±1)",
		fmt.Sprintf("the distribution is the conditional law π(·|S), an upper bound on π on S (seed-003 (4.8)); log γ(S) = %.15g relative to %s=%d", logSum, t.Species[0], bd.lo))
	if zeros > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d states have probabilities below the float64 range and are reported as 0 (the normaliser is computed in log space)", zeros))
	}
	res.Error = &ErrorReport{Mass: &Number{Value: massOf(u), Certified: true}}
	tail, ok := tailBoundDirect(o, res)
	if !ok {
		res.Notes = append(res.Notes, "no tail bound (an assume on a sublevel truncation, or --tail-bound): the TV error m_r of u is not bounded and there is no lower bound")
		return res, nil
	}
	res.Error.TVUpper = &Number{Value: tail.Value, Certified: tail.Certified, Given: tail.Given}
	res.Error.L1Upper = &Number{Value: 2 * tail.Value, Certified: tail.Certified, Given: tail.Given}
	if alpha := 1 - tail.Value; alpha > 0 {
		l := make([]float64, n)
		for x := range u {
			l[x] = alpha * u[x]
		}
		res.Lower = l
		res.Error.TVLower = &Number{Value: tail.Value, Certified: tail.Certified, Given: tail.Given}
	} else {
		res.Notes = append(res.Notes, fmt.Sprintf("the tail bound %g is ≥ 1: no lower bound (seed-003 pitfall 5)", tail.Value))
	}
	return res, nil
}
