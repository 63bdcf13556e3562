package trunc

import "math"

// dd is a double-double number hi + lo with |lo| ≤ ulp(hi)/2: about 32 significant digits
// with the exponent range of float64 (Dekker 1971; Hida, Li and Bailey 2001). The birth–death
// recursion uses it under --precision dd.
type dd struct{ hi, lo float64 }

// twoSum returns s = fl(a + b) and the rounding error e, with a + b = s + e exactly.
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return
}

// quickTwoSum is twoSum for |a| ≥ |b|.
func quickTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

// twoProd returns p = fl(a·b) and the rounding error e, with a·b = p + e exactly (FMA).
func twoProd(a, b float64) (p, e float64) {
	p = a * b
	return p, math.FMA(a, b, -p)
}

func (x dd) add(y dd) dd {
	s, e := twoSum(x.hi, y.hi)
	t, f := twoSum(x.lo, y.lo)
	e += t
	r := quickTwoSum(s, e)
	r = quickTwoSum(r.hi, r.lo+f)
	return r
}

func (x dd) mul(y dd) dd {
	p, e := twoProd(x.hi, y.hi)
	e += x.hi*y.lo + x.lo*y.hi
	return quickTwoSum(p, e)
}

// div returns x/y by two correction steps of the float64 quotient.
func (x dd) div(y dd) dd {
	q1 := x.hi / y.hi
	r := x.add(y.mul(dd{q1, 0}).neg())
	q2 := r.hi / y.hi
	r = r.add(y.mul(dd{q2, 0}).neg())
	q3 := r.hi / y.hi
	s := quickTwoSum(q1, q2)
	return s.add(dd{q3, 0})
}

func (x dd) neg() dd { return dd{-x.hi, -x.lo} }

// ldexp returns x·2^k (exact unless it under- or overflows).
func (x dd) ldexp(k int) dd { return dd{math.Ldexp(x.hi, k), math.Ldexp(x.lo, k)} }

func (x dd) float() float64 { return x.hi + x.lo }
