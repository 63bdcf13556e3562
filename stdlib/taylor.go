package stdlib

// Term is one term of a symbolic Taylor coefficient f^{(j)}(a₀)/j! of a smooth built-in:
//
//	Coef · F(p₀ − Shift, p₁, …, a₀)^FnPow · a₀^ArgPow
//
// where F is the built-in Fn applied to the parameter arguments p of the call (the first
// one shifted; the k of poisson_pmf) and to the constant term a₀ of the argument. FnPow 0
// means no factor F, ArgPow 0 no factor a₀; a negative ArgPow divides by a power of a₀.
// compiler/series builds the terms as graph nodes; the tests evaluate them as numbers.
type Term struct {
	Coef   float64
	Fn     Fn
	FnPow  int
	Shift  float64
	ArgPow int
}

// TaylorRule appends to dst the terms whose sum is f^{(j)}(a₀)/j!.
type TaylorRule func(dst []Term, j int) []Term

// Factorial returns j!.
func Factorial(j int) float64 {
	f := 1.0
	for i := 2; i <= j; i++ {
		f *= float64(i)
	}
	return f
}

// Binomial returns C(r, j) = r(r−1)…(r−j+1)/j! for a real r.
func Binomial(r float64, j int) float64 {
	c := 1.0
	for i := 0; i < j; i++ {
		c *= (r - float64(i)) / float64(i+1)
	}
	return c
}

func sign(j int) float64 { return 1 - 2*float64(j&1) } // (−1)^j

func expTaylor(dst []Term, j int) []Term {
	return append(dst, Term{Coef: 1 / Factorial(j), Fn: FnExp, FnPow: 1})
}

// logTaylor: log(a₀) for j = 0, then (−1)^{j−1} / (j a₀^j).
func logTaylor(dst []Term, j int) []Term {
	if j == 0 {
		return append(dst, Term{Coef: 1, Fn: FnLog, FnPow: 1})
	}
	return append(dst, Term{Coef: -sign(j) / float64(j), ArgPow: -j})
}

// sqrtTaylor: C(1/2, j) √a₀ / a₀^j.
func sqrtTaylor(dst []Term, j int) []Term {
	return append(dst, Term{Coef: Binomial(0.5, j), Fn: FnSqrt, FnPow: 1, ArgPow: -j})
}

// sinTaylor returns the rule of sin (shift 0) or cos (shift 1): the derivatives of sin
// cycle through sin, cos, −sin, −cos.
func sinTaylor(shift int) TaylorRule {
	return func(dst []Term, j int) []Term {
		c := 1 / Factorial(j)
		fn := FnSin
		switch (j + shift) % 4 {
		case 1:
			fn = FnCos
		case 2:
			c = -c
		case 3:
			fn, c = FnCos, -c
		}
		return append(dst, Term{Coef: c, Fn: fn, FnPow: 1})
	}
}

// tanTaylor returns the rule of f = tan (sg = 1) or tanh (sg = −1), from f' = 1 + sg·f²:
// f^{(j)} = P_j(f), a polynomial in f.
func tanTaylor(f Fn, sg float64) TaylorRule {
	return func(dst []Term, j int) []Term {
		scale := 1 / Factorial(j)
		for i, ci := range tanPoly(j, sg) {
			if ci != 0 {
				dst = append(dst, Term{Coef: scale * ci, Fn: f, FnPow: i})
			}
		}
		return dst
	}
}

// tanPoly returns the coefficients (by power of t) of the polynomial P_j with
// f^{(j)} = P_j(f) for f' = 1 + sg·f²: P_0 = t, P_{j+1} = P_j'(t)·(1 + sg·t²).
func tanPoly(j int, sg float64) []float64 {
	p := []float64{0, 1}
	for ; j > 0; j-- {
		q := make([]float64, len(p)+1)
		for i := 1; i < len(p); i++ {
			d := float64(i) * p[i] // coefficient of t^{i-1} in P'
			q[i-1] += d
			q[i+1] += sg * d
		}
		p = q
	}
	return p
}

// poissonTaylor is the rule in m of poisson_pmf(k, m) (cdf false) or poisson_cdf(k, m):
// d/dm pmf(k, m) = pmf(k−1, m) − pmf(k, m), so the j-th derivative of the pmf is
// Σ_i C(j, i) (−1)^{j−i} pmf(k−i, m); d/dm cdf(k, m) = −pmf(k, m).
func poissonTaylor(cdf bool) TaylorRule {
	pmf := func(dst []Term, j int, scale float64) []Term {
		for i := 0; i <= j; i++ {
			c := scale * Binomial(float64(j), i) * sign(j-i)
			dst = append(dst, Term{Coef: c, Fn: FnPoissonPMF, FnPow: 1, Shift: float64(i)})
		}
		return dst
	}
	if !cdf {
		return func(dst []Term, j int) []Term { return pmf(dst, j, 1/Factorial(j)) }
	}
	return func(dst []Term, j int) []Term {
		if j == 0 {
			return append(dst, Term{Coef: 1, Fn: FnPoissonCDF, FnPow: 1})
		}
		return pmf(dst, j-1, -1/Factorial(j))
	}
}
