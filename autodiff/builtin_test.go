package autodiff

import (
	"errors"
	"math"
	"testing"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/stdlib"
)

// derivs returns f^{(k)}(x) for k = 0..4 in closed form.
type derivs func(x float64) [5]float64

// fallingPow returns the derivatives of x^p: p(p−1)…(p−k+1)·x^{p−k}.
func fallingPow(p float64) derivs {
	return func(x float64) (d [5]float64) {
		c := 1.0
		for k := 0; k <= 4; k++ {
			if c != 0 {
				d[k] = c * math.Pow(x, p-float64(k))
			}
			c *= p - float64(k)
		}
		return d
	}
}

// poissonDerivs returns d^n/dm^n of pmf(k, m) (cdf = false) or cdf(k, m) by the Leibniz
// rule on e^{−m}·m^k/k!: Σ_i C(n, i)(−1)^{n−i} e^{−m} m^{k−i}/(k−i)!, and d^n cdf =
// −d^{n−1} pmf, written with math.Exp and math.Pow rather than ir.PoissonPMF.
func poissonDerivs(k int, cdf bool) derivs {
	pmfD := func(n int, m float64) float64 {
		var s float64
		c := 1.0
		for i := 0; i <= n && i <= k; i++ {
			fact := 1.0
			for j := 2; j <= k-i; j++ {
				fact *= float64(j)
			}
			s += c * math.Pow(-1, float64(n-i)) * math.Exp(-m) * math.Pow(m, float64(k-i)) / fact
			c = c * float64(n-i) / float64(i+1)
		}
		return s
	}
	return func(m float64) (d [5]float64) {
		if cdf {
			d[0] = stdlib.PoissonCDF(float64(k), m)
			for n := 1; n <= 4; n++ {
				d[n] = -pmfD(n-1, m)
			}
			return d
		}
		for n := 0; n <= 4; n++ {
			d[n] = pmfD(n, m)
		}
		return d
	}
}

var builtins = []struct {
	name   string
	build  func(g *ir.Graph, x ir.NodeID) ir.NodeID
	d      derivs
	points []float64
	tol    float64
}{
	// The tolerances are a few hundred ulps: each coefficient is a recurrence of at most
	// K = 4 steps with O(K²) terms of similar magnitude, so the rounding error is
	// O(K²·ε)·|terms|, while the closed forms have their own ulp-level errors. Points
	// where terms cancel strongly (tan near π/2) are avoided. Errors are relative to
	// max(1, |f^{(k)}|), so values near 0 (sin at 0, cos at π/2) are compared absolutely.
	// Floor, ceil and 0^x must be exactly 0 (tolerance 0), x² at 0 and x^4.5 at 0 exact.
	{"exp", fn(stdlib.FnExp), func(x float64) [5]float64 {
		e := math.Exp(x)
		return [5]float64{e, e, e, e, e}
	}, []float64{-2, 0, 0.3, 1.7, 5}, 1e-13},
	{"log", fn(stdlib.FnLog), func(x float64) (d [5]float64) {
		d[0] = math.Log(x)
		f := 1.0 // (k−1)!
		for k := 1; k <= 4; k++ {
			d[k] = math.Pow(-1, float64(k-1)) * f / math.Pow(x, float64(k))
			f *= float64(k)
		}
		return d
	}, []float64{0.1, 0.5, 1, 3.5, 20}, 1e-12},
	{"sqrt", fn(stdlib.FnSqrt), fallingPow(0.5), []float64{0.05, 0.7, 1, 9, 123}, 1e-12},
	{"sin", fn(stdlib.FnSin), func(x float64) (d [5]float64) {
		for k := range d {
			d[k] = math.Sin(x + float64(k)*math.Pi/2)
		}
		return d
	}, []float64{-1.2, 0, 0.4, 2, 7}, 1e-13},
	{"cos", fn(stdlib.FnCos), func(x float64) (d [5]float64) {
		for k := range d {
			d[k] = math.Cos(x + float64(k)*math.Pi/2)
		}
		return d
	}, []float64{-1.2, 0, 0.4, 2, 7}, 1e-13},
	{"tan", fn(stdlib.FnTan), func(x float64) [5]float64 {
		t := math.Tan(x)
		t2 := t * t
		return [5]float64{t, 1 + t2, 2*t + 2*t*t2, 2 + 8*t2 + 6*t2*t2, 16*t + 40*t*t2 + 24*t*t2*t2}
	}, []float64{-1, 0, 0.3, 1.2}, 1e-12},
	{"tanh", fn(stdlib.FnTanh), func(x float64) [5]float64 {
		t := math.Tanh(x)
		t2 := t * t
		return [5]float64{t, 1 - t2, -2*t + 2*t*t2, -2 + 8*t2 - 6*t2*t2, 16*t - 40*t*t2 + 24*t*t2*t2}
	}, []float64{-1, 0, 0.3, 1.2, 3}, 1e-12},
	{"floor", fn(stdlib.FnFloor), func(x float64) [5]float64 { return [5]float64{math.Floor(x)} },
		[]float64{-1.5, 0.3, 2.7}, 0},
	{"ceil", fn(stdlib.FnCeil), func(x float64) [5]float64 { return [5]float64{math.Ceil(x)} },
		[]float64{-1.5, 0.3, 2.7}, 0},
	{"1/x", func(g *ir.Graph, x ir.NodeID) ir.NodeID { return g.Div(g.Const(1), x) }, fallingPow(-1),
		[]float64{-2, 0.25, 1, 3}, 1e-13},
	{"x^2", pow(2), fallingPow(2), []float64{0, -1.5, 0.5, 3}, 1e-15},
	{"x^3", pow(3), fallingPow(3), []float64{0, -1.5, 0.5, 3}, 1e-14},
	{"x^4", pow(4), fallingPow(4), []float64{0, -1.5, 0.5, 3}, 1e-14},
	{"x^-2", pow(-2), fallingPow(-2), []float64{-1.5, 0.5, 3}, 1e-13},
	{"x^2.5", pow(2.5), fallingPow(2.5), []float64{0.5, 1, 3}, 1e-13},
	{"x^-1.5", pow(-1.5), fallingPow(-1.5), []float64{0.5, 1, 3}, 1e-13},
	{"x^4.5 at 0", pow(4.5), fallingPow(4.5), []float64{0}, 0},
	{"2.5^x", func(g *ir.Graph, x ir.NodeID) ir.NodeID { return g.Pow(g.Const(2.5), x) },
		func(x float64) (d [5]float64) {
			l := math.Log(2.5)
			for k := range d {
				d[k] = math.Pow(2.5, x) * math.Pow(l, float64(k))
			}
			return d
		}, []float64{-1, 0, 0.5, 2}, 1e-13},
	// Ruling 5: 0^x ≡ 0 for x > 0, so every derivative is 0 (and not NaN from log 0).
	{"0^x", func(g *ir.Graph, x ir.NodeID) ir.NodeID { return g.Pow(g.Param(0), x) },
		func(float64) [5]float64 { return [5]float64{} }, []float64{0.5, 2}, 0},
	{"x^x", func(g *ir.Graph, x ir.NodeID) ir.NodeID { return g.Pow(x, x) },
		func(x float64) [5]float64 {
			y, u := math.Pow(x, x), 1+math.Log(x)
			return [5]float64{y, y * u, y * (u*u + 1/x), y * (u*u*u + 3*u/x - 1/(x*x)),
				y * (u*u*u*u + 6*u*u/x - 4*u/(x*x) + 3/(x*x) + 2/(x*x*x))}
		}, []float64{0.3, 1, 2.2}, 1e-12},
	{"if x > 1 then exp(x) else x^2", func(g *ir.Graph, x ir.NodeID) ir.NodeID {
		return g.Select(g.Compare(ir.CmpGt, x, g.Const(1)), g.Call(stdlib.FnExp, x), g.Pow(x, g.Const(2)))
	}, func(x float64) [5]float64 {
		if x > 1 {
			e := math.Exp(x)
			return [5]float64{e, e, e, e, e}
		}
		return fallingPow(2)(x)
	}, []float64{0.5, 1, 2}, 1e-14},
	{"poisson_pmf(0, m)", poisson(stdlib.FnPoissonPMF, 0), poissonDerivs(0, false), []float64{0, 0.5, 3}, 1e-12},
	{"poisson_pmf(1, m)", poisson(stdlib.FnPoissonPMF, 1), poissonDerivs(1, false), []float64{0, 0.5, 3}, 1e-12},
	{"poisson_pmf(3, m)", poisson(stdlib.FnPoissonPMF, 3), poissonDerivs(3, false), []float64{0, 0.5, 3, 10}, 1e-12},
	{"poisson_pmf(6, m)", poisson(stdlib.FnPoissonPMF, 6), poissonDerivs(6, false), []float64{0.5, 3, 10}, 1e-12},
	{"poisson_cdf(0, m)", poisson(stdlib.FnPoissonCDF, 0), poissonDerivs(0, true), []float64{0, 0.5, 3}, 1e-12},
	{"poisson_cdf(2, m)", poisson(stdlib.FnPoissonCDF, 2), poissonDerivs(2, true), []float64{0, 0.5, 3, 10}, 1e-12},
	{"poisson_cdf(5, m)", poisson(stdlib.FnPoissonCDF, 5), poissonDerivs(5, true), []float64{0.5, 3, 10}, 1e-12},
}

func fn(f ir.Fn) func(g *ir.Graph, x ir.NodeID) ir.NodeID {
	return func(g *ir.Graph, x ir.NodeID) ir.NodeID { return g.Call(f, x) }
}

func pow(p float64) func(g *ir.Graph, x ir.NodeID) ir.NodeID {
	return func(g *ir.Graph, x ir.NodeID) ir.NodeID { return g.Pow(x, g.Const(p)) }
}

func poisson(f ir.Fn, k int) func(g *ir.Graph, x ir.NodeID) ir.NodeID {
	return func(g *ir.Graph, x ir.NodeID) ir.NodeID { return g.Call(f, g.Const(float64(k)), x) }
}

// TestBuiltins compares D^kf[v, …, v] = k!·c_k with v^k·f^{(k)} in closed form, for every
// built-in, order 1..4 (each order computed by its own Jet call), two directions, and
// Directional against order 1.
func TestBuiltins(t *testing.T) {
	for _, tc := range builtins {
		tape := unary(tc.build)
		ws := NewWorkspace(tape, Densities(1))
		for _, x := range tc.points {
			want := tc.d(x)
			in := &ir.Inputs{Densities: []float64{x}, Params: []float64{0}}
			for _, v := range []float64{1, -0.7} {
				for order := 1; order <= 4; order++ {
					dst := make([]float64, order+1)
					mustNil(t, Jet(dst, order, ws, in, []float64{v}))
					fact := 1.0
					for k := 0; k <= order; k++ {
						if k > 0 {
							fact *= float64(k)
						}
						got := fact * dst[k]
						w := want[k] * math.Pow(v, float64(k))
						if !close(got, w, tc.tol) {
							t.Errorf("%s at x=%g, v=%g, order %d: D^%d = %.17g, want %.17g (rel %.2g)",
								tc.name, x, v, order, k, got, w, relErr(got, w))
						}
					}
				}
				d1 := make([]float64, 1)
				mustNil(t, Directional(d1, ws, in, []float64{v}))
				if w := want[1] * v; !close(d1[0], w, tc.tol) {
					t.Errorf("%s at x=%g: Directional = %.17g, want %.17g", tc.name, x, d1[0], w)
				}
			}
		}
	}
}

// TestSquareAtZero checks the exactness required for x² at x = 0: D = 0, D² = 2, and the
// zero direction gives zero derivatives everywhere, including √x at 0 (no 0·Inf = NaN).
func TestSquareAtZero(t *testing.T) {
	tape := unary(pow(2))
	ws := NewWorkspace(tape, Densities(1))
	dst := make([]float64, 5)
	mustNil(t, Jet(dst, 4, ws, &ir.Inputs{Densities: []float64{0}}, []float64{1}))
	if dst[0] != 0 || dst[1] != 0 || 2*dst[2] != 2 || dst[3] != 0 || dst[4] != 0 {
		t.Errorf("x^2 at 0: coefficients %v, want [0 0 1 0 0]", dst)
	}
	// f = x_1 + √x_0 at x_0 = 0: ∂f/∂x_1 = 1, not NaN.
	g := ir.NewGraph()
	tape = g.Compile([]ir.NodeID{g.Add(g.Density(1), g.Call(stdlib.FnSqrt, g.Density(0)))})
	ws = NewWorkspace(tape, Densities(2))
	in := &ir.Inputs{Densities: []float64{0, 1}}
	mustNil(t, Jet(dst, 4, ws, in, []float64{0, 1}))
	if dst[1] != 1 || dst[2] != 0 || dst[3] != 0 || dst[4] != 0 {
		t.Errorf("√x0 + x1 along e1: %v", dst)
	}
	mustNil(t, Directional(dst[:1], ws, in, []float64{0, 1}))
	if dst[0] != 1 {
		t.Errorf("√x0 + x1 along e1: Directional = %v", dst[0])
	}
}

// TestPoissonK checks E805: a k that varies along the direction is an error, one that is
// constant along it (a leaf outside Vars, or a floor) is not.
func TestPoissonK(t *testing.T) {
	g := ir.NewGraph()
	x0, x1 := g.Density(0), g.Density(1)
	bad := g.Call(stdlib.FnPoissonPMF, g.Mul(g.Const(3), x0), x1)
	good := g.Call(stdlib.FnPoissonCDF, g.Call(stdlib.FnFloor, g.Mul(g.Const(3), x0)), x1)
	in := &ir.Inputs{Densities: []float64{1, 0.5}}
	for _, tc := range []struct {
		out  ir.NodeID
		v    []float64
		fail bool
	}{{bad, []float64{1, 0}, true}, {bad, []float64{0, 1}, false}, {good, []float64{1, 1}, false}} {
		tape := g.Compile([]ir.NodeID{tc.out})
		ws := NewWorkspace(tape, Densities(2))
		dst := make([]float64, 5)
		errs := []error{Directional(dst[:1], ws, in, tc.v), Jet(dst, 4, ws, in, tc.v)}
		if tc.fail {
			jac := NewJacobian(tape, Densities(2))
			errs = append(errs, jac.EvalCSR(jac.NewCSR(), ws, in))
		}
		for _, err := range errs {
			var ke *KError
			if got := errors.As(err, &ke); got != tc.fail {
				t.Errorf("%s along %v: error %v, want failure %v", g.String(tc.out, nil), tc.v, err, tc.fail)
			}
		}
	}
}
