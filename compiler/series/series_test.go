package series

import (
	"math"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/stdlib"
)

// fix is a small scaled model: species S (0) and I (1), the scale N and parameters.
type fix struct {
	g                                *ir.Graph
	names                            *ir.Names
	S, I, N                          ir.NodeID
	beta, k, c, lam, nu, k3, rho, k0 ir.NodeID
}

var paramNames = []string{"beta", "k", "c", "lam", "nu", "k3", "rho", "k0"}
var paramVals = []float64{1.7, 0.9, 2.3, 1.1, 0.6, 0.45, 0.8, 2}

func newFix() *fix {
	g := ir.NewGraph()
	f := &fix{g: g, names: &ir.Names{Species: []string{"S", "I"}, Params: paramNames, Scale: "N"}}
	for i, p := range []*ir.NodeID{&f.beta, &f.k, &f.c, &f.lam, &f.nu, &f.k3, &f.rho, &f.k0} {
		*p = g.Param(i)
	}
	f.S, f.I, f.N = g.Count(0), g.Count(1), g.Scale()
	return f
}

// at sets the position of the nodes built next.
func (f *fix) at(line, col int) { f.g.At = diag.Pos{Line: line, Col: col} }

func (f *fix) c0(v float64) ir.NodeID { return f.g.Const(v) }

// xS is the count-form density S/N; h is 1/N.
func (f *fix) xS() ir.NodeID { return f.g.Div(f.S, f.N) }
func (f *fix) h() ir.NodeID  { return f.g.Div(f.c0(1), f.N) }

// eval evaluates a density-form node at densities x.
func (f *fix) eval(node ir.NodeID, x []float64) float64 {
	t := f.g.Compile([]ir.NodeID{node})
	vals := make([]float64, t.Len())
	t.Eval(vals, &ir.Inputs{Densities: x, Params: paramVals})
	return t.Output(vals, 0)
}

// closed is a closed form in the densities x = (x_S, x_I) and the parameter values p.
type closed func(x, p []float64) float64

func zero(x, p []float64) float64 { return 0 }

var points = [][]float64{{0.3, 0.6}, {0.7, 0.2}, {1.3, 0.9}, {0.05, 2.5}}

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-12*(1+math.Abs(b)) || (math.IsNaN(a) && math.IsNaN(b))
}

// checkBeta compares coefficient nodes with closed forms at every density point.
func checkBeta(t *testing.T, f *fix, name string, got []ir.NodeID, want []closed) {
	t.Helper()
	for k, w := range want {
		if w == nil {
			continue
		}
		for _, x := range points {
			if v, u := f.eval(got[k], x), w(x, paramVals); !near(v, u) {
				t.Errorf("%s: coefficient %d = %s at x=%v: got %.15g, want %.15g", name, k,
					f.g.String(got[k], f.names), x, v, u)
			}
		}
	}
}

type propCase struct {
	name    string
	build   func(f *fix) ir.NodeID
	order   int
	beta    [3]closed
	perfect bool
	smooth  bool
	code    string // expected diagnostic code, if any
	line    int    // expected diagnostic line (col = 1 in every case below)
	msg     string // substrings of message and hint
	hint    string
}

// propCases holds every row of the examples table of docs/language.md §6.8 first, then more.
var propCases = []propCase{
	{name: "beta*S*I/N", order: -1, perfect: true, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Div(f.g.Mul(f.beta, f.S, f.I), f.N) },
		beta:  [3]closed{func(x, p []float64) float64 { return p[0] * x[0] * x[1] }, zero, zero}},
	{name: "k*S*(S-1)/N", order: -1, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Div(f.g.Mul(f.k, f.S, f.g.Sub(f.S, f.c0(1))), f.N) },
		beta: [3]closed{func(x, p []float64) float64 { return p[1] * x[0] * x[0] },
			func(x, p []float64) float64 { return -p[1] * x[0] }, zero}},
	{name: "k*x1*(x1-1), k = c/N", order: -1, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Mul(f.g.Div(f.c, f.N), f.S, f.g.Sub(f.S, f.c0(1))) },
		beta: [3]closed{func(x, p []float64) float64 { return p[2] * x[0] * x[0] },
			func(x, p []float64) float64 { return -p[2] * x[0] }, zero}},
	{name: "N*lam*(1 - Q/N)", order: -1, perfect: true, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Mul(f.N, f.lam, f.g.Sub(f.c0(1), f.xS())) },
		beta:  [3]closed{func(x, p []float64) float64 { return p[3] * (1 - x[0]) }, zero, zero}},
	{name: "k3", order: 0, smooth: true,
		build: func(f *fix) ir.NodeID { return f.k3 },
		beta:  [3]closed{zero, func(x, p []float64) float64 { return p[5] }, zero}},
	{name: "c/(1 + S)", order: 1, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Div(f.c, f.g.Add(f.c0(1), f.S)) },
		beta:  [3]closed{zero, zero, func(x, p []float64) float64 { return p[2] / x[0] }}},
	{name: "k*S*S", code: "E602", line: 7,
		msg:  "propensity of 'k*S*S' grows like N^2 at fixed density (leading term k*x_S*x_S*N^2)",
		hint: "divide by N: k*S*S/N",
		build: func(f *fix) ir.NodeID {
			return f.g.Mul(f.k, f.S, f.S)
		}},
	{name: "k*log(S)", code: "E603", line: 9,
		msg:  "log(S) has no expansion in powers of 1/N: its argument grows like N",
		hint: "apply it to a density: log(S/N)",
		build: func(f *fix) ir.NodeID {
			f.at(9, 1)
			l := f.g.Call(stdlib.FnLog, f.S)
			f.at(0, 0)
			return f.g.Mul(f.k, l)
		}},
	{name: "N*nu*ind(S > 0)", order: -1, perfect: true, smooth: false,
		build: func(f *fix) ir.NodeID {
			return f.g.Mul(f.N, f.nu, f.g.Ind(f.g.Compare(ir.CmpGt, f.S, f.c0(0))))
		},
		beta: [3]closed{func(x, p []float64) float64 { return p[4] * b2f(x[0] > 0) }, zero, zero}},

	// Beyond the table.
	{name: "N*x/(1 + 1/N)", order: -1, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Div(f.g.Mul(f.N, f.xS()), f.g.Add(f.c0(1), f.h())) },
		beta: [3]closed{func(x, p []float64) float64 { return x[0] },
			func(x, p []float64) float64 { return -x[0] }, func(x, p []float64) float64 { return x[0] }}},
	{name: "N*exp(-S/N + 1/N)", order: -1, smooth: true,
		build: func(f *fix) ir.NodeID {
			return f.g.Mul(f.N, f.g.Call(stdlib.FnExp, f.g.Add(f.g.Neg(f.xS()), f.h())))
		},
		beta: [3]closed{func(x, p []float64) float64 { return math.Exp(-x[0]) },
			func(x, p []float64) float64 { return math.Exp(-x[0]) },
			func(x, p []float64) float64 { return math.Exp(-x[0]) / 2 }}},
	{name: "N*sqrt(S/N + 1/N)", order: -1, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Mul(f.N, f.g.Call(stdlib.FnSqrt, f.xh())) },
		beta: [3]closed{func(x, p []float64) float64 { return math.Sqrt(x[0]) },
			func(x, p []float64) float64 { return 0.5 / math.Sqrt(x[0]) },
			func(x, p []float64) float64 { return -1 / (8 * math.Pow(x[0], 1.5)) }}},
	{name: "N*(S/N + 1/N)^2.5", order: -1, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Mul(f.N, f.g.Pow(f.xh(), f.c0(2.5))) },
		beta: [3]closed{func(x, p []float64) float64 { return math.Pow(x[0], 2.5) },
			func(x, p []float64) float64 { return 2.5 * math.Pow(x[0], 1.5) },
			func(x, p []float64) float64 { return 1.875 * math.Sqrt(x[0]) }}},
	{name: "N*(S/N + 1/N)^k0 (parameter exponent)", order: -1, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Mul(f.N, f.g.Pow(f.xh(), f.k0)) },
		beta: [3]closed{func(x, p []float64) float64 { return x[0] * x[0] },
			func(x, p []float64) float64 { return 2 * x[0] }, func(x, p []float64) float64 { return 1 }}},
	{name: "N*(S/N + 1/N)^3", order: -1, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Mul(f.N, f.g.Pow(f.xh(), f.c0(3))) },
		beta: [3]closed{func(x, p []float64) float64 { return x[0] * x[0] * x[0] },
			func(x, p []float64) float64 { return 3 * x[0] * x[0] }, func(x, p []float64) float64 { return 3 * x[0] }}},
	{name: "N*(S/N + 1/N)^-2", order: -1, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Mul(f.N, f.g.Pow(f.xh(), f.c0(-2))) },
		beta: [3]closed{func(x, p []float64) float64 { return math.Pow(x[0], -2) },
			func(x, p []float64) float64 { return -2 * math.Pow(x[0], -3) },
			func(x, p []float64) float64 { return 3 * math.Pow(x[0], -4) }}},
	{name: "N*log(S/N + 1/N)", order: -1, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Mul(f.N, f.g.Call(stdlib.FnLog, f.xh())) },
		beta: [3]closed{func(x, p []float64) float64 { return math.Log(x[0]) },
			func(x, p []float64) float64 { return 1 / x[0] },
			func(x, p []float64) float64 { return -0.5 / (x[0] * x[0]) }}},
	{name: "N*(1 + 1/N)^N", order: -1, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Mul(f.N, f.g.Pow(f.g.Add(f.c0(1), f.h()), f.N)) },
		beta: [3]closed{func(x, p []float64) float64 { return math.E },
			func(x, p []float64) float64 { return -math.E / 2 },
			func(x, p []float64) float64 { return 11 * math.E / 24 }}},
	{name: "N*2^(S/N + 1/N)", order: -1, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Mul(f.N, f.g.Pow(f.c0(2), f.xh())) },
		beta: [3]closed{func(x, p []float64) float64 { return math.Pow(2, x[0]) },
			func(x, p []float64) float64 { return math.Pow(2, x[0]) * math.Ln2 },
			func(x, p []float64) float64 { return math.Pow(2, x[0]) * math.Ln2 * math.Ln2 / 2 }}},
	{name: "N*sin(x+h)", order: -1, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Mul(f.N, f.g.Call(stdlib.FnSin, f.xh())) },
		beta: [3]closed{func(x, p []float64) float64 { return math.Sin(x[0]) },
			func(x, p []float64) float64 { return math.Cos(x[0]) },
			func(x, p []float64) float64 { return -math.Sin(x[0]) / 2 }}},
	{name: "N*cos(x+h)", order: -1, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Mul(f.N, f.g.Call(stdlib.FnCos, f.xh())) },
		beta: [3]closed{func(x, p []float64) float64 { return math.Cos(x[0]) },
			func(x, p []float64) float64 { return -math.Sin(x[0]) },
			func(x, p []float64) float64 { return -math.Cos(x[0]) / 2 }}},
	{name: "N*tan(x+h)", order: -1, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Mul(f.N, f.g.Call(stdlib.FnTan, f.xh())) },
		beta: [3]closed{func(x, p []float64) float64 { return math.Tan(x[0]) },
			func(x, p []float64) float64 { return 1 + math.Tan(x[0])*math.Tan(x[0]) },
			func(x, p []float64) float64 { t := math.Tan(x[0]); return t * (1 + t*t) }}},
	{name: "N*tanh(x+h)", order: -1, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Mul(f.N, f.g.Call(stdlib.FnTanh, f.xh())) },
		beta: [3]closed{func(x, p []float64) float64 { return math.Tanh(x[0]) },
			func(x, p []float64) float64 { return 1 - math.Tanh(x[0])*math.Tanh(x[0]) },
			func(x, p []float64) float64 { t := math.Tanh(x[0]); return -t * (1 - t*t) }}},
	{name: "N*poisson_pmf(2, x+h)", order: -1, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Mul(f.N, f.g.Call(stdlib.FnPoissonPMF, f.c0(2), f.xh())) },
		beta: [3]closed{func(x, p []float64) float64 { return pmf(2, x[0]) },
			func(x, p []float64) float64 { return pmf(1, x[0]) - pmf(2, x[0]) },
			func(x, p []float64) float64 { return (pmf(0, x[0]) - 2*pmf(1, x[0]) + pmf(2, x[0])) / 2 }}},
	{name: "N*poisson_cdf(2, x+h)", order: -1, smooth: true,
		build: func(f *fix) ir.NodeID { return f.g.Mul(f.N, f.g.Call(stdlib.FnPoissonCDF, f.c0(2), f.xh())) },
		beta: [3]closed{func(x, p []float64) float64 { return stdlib.PoissonCDF(2, x[0]) },
			func(x, p []float64) float64 { return -pmf(2, x[0]) },
			func(x, p []float64) float64 { return -(pmf(1, x[0]) - pmf(2, x[0])) / 2 }}},
	{name: "N*floor(3*S/N + 1/N)", order: -1, perfect: true, smooth: false,
		build: func(f *fix) ir.NodeID {
			return f.g.Mul(f.N, f.g.Call(stdlib.FnFloor, f.g.Add(f.g.Mul(f.c0(3), f.xS()), f.h())))
		},
		beta: [3]closed{func(x, p []float64) float64 { return math.Floor(3 * x[0]) }, zero, zero}},
	{name: "N*(if I > N/2 then S/N else 1/N) (Select)", order: -1, smooth: false,
		build: func(f *fix) ir.NodeID {
			return f.g.Mul(f.N, f.g.Select(f.g.Compare(ir.CmpGt, f.I, f.g.Div(f.N, f.c0(2))), f.xS(), f.h()))
		},
		beta: [3]closed{func(x, p []float64) float64 { return x[0] * b2f(x[1] > 0.5) },
			func(x, p []float64) float64 { return b2f(x[1] <= 0.5) }, zero}},
	{name: "N*(if k > 1 then S/N else I/N) (smooth: condition on a parameter)", order: -1, perfect: true, smooth: true,
		build: func(f *fix) ir.NodeID {
			return f.g.Mul(f.N, f.g.Select(f.g.Compare(ir.CmpGt, f.k, f.c0(1)), f.xS(), f.g.Div(f.I, f.N)))
		},
		beta: [3]closed{func(x, p []float64) float64 { return x[1] }, zero, zero}},
	{name: "k*S*S*S", code: "E602", line: 0, msg: "grows like N^3", hint: "divide by N^2: k*S*S*S/N^2",
		build: func(f *fix) ir.NodeID { return f.g.Mul(f.k, f.S, f.S, f.S) }},
	{name: "N*sqrt(1/N)", code: "E603", line: 4, msg: "sqrt(1/N) has no expansion in powers of 1/N: its argument vanishes like 1/N",
		build: func(f *fix) ir.NodeID { f.at(4, 1); return f.g.Mul(f.N, f.g.Call(stdlib.FnSqrt, f.h())) }},
	{name: "S^2.5", code: "E603", line: 5, msg: "its base grows like N", hint: "raise a density instead: (S/N)^2.5",
		build: func(f *fix) ir.NodeID { f.at(5, 1); return f.g.Pow(f.S, f.c0(2.5)) }},
	{name: "N*(S/N)^S", code: "E603", line: 6, msg: "its exponent times the log of its base grows like N",
		build: func(f *fix) ir.NodeID { f.at(6, 1); return f.g.Mul(f.N, f.g.Pow(f.xS(), f.S)) }},
	{name: "N*poisson_pmf(S, x)", code: "E603", line: 8, msg: "its k depends on N",
		build: func(f *fix) ir.NodeID { f.at(8, 1); return f.g.Mul(f.N, f.g.Call(stdlib.FnPoissonPMF, f.S, f.xS())) }},
	{name: "N/(S - S)", code: "E603", line: 3, msg: "its divisor is structurally zero",
		build: func(f *fix) ir.NodeID { f.at(3, 1); return f.g.Div(f.N, f.g.Sub(f.S, f.S)) }},
	{name: "exp(S) inside a guard branch", code: "E603", line: 2, msg: "exp(S) has no expansion", hint: "exp(S/N)",
		build: func(f *fix) ir.NodeID {
			f.at(2, 1)
			e := f.g.Call(stdlib.FnExp, f.S)
			f.at(0, 0)
			return f.g.Select(f.g.Compare(ir.CmpGt, f.I, f.c0(0)), e, f.c0(0))
		}},
}

// xh is S/N + 1/N.
func (f *fix) xh() ir.NodeID { return f.g.Add(f.xS(), f.h()) }

func pmf(k, m float64) float64 { return stdlib.PoissonPMF(k, m) }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func TestPropensity(t *testing.T) {
	for _, tc := range propCases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFix()
			node := tc.build(f)
			f.at(0, 0)
			pos := diag.Pos{Line: 7, Col: 1}
			r, d := ExpandPropensity(f.g, f.names, node, tc.name, pos)
			if tc.code != "" {
				if d == nil {
					t.Fatalf("want %s, got %s", tc.code, r.String(f.g, f.names))
				}
				if d.Code != tc.code || !strings.Contains(d.Msg, tc.msg) || !strings.Contains(d.Hint, tc.hint) ||
					(tc.line != 0 && d.Pos.Line != tc.line) {
					t.Fatalf("got %v (code %s, line %d), want %s at line %d: %q / %q", d, d.Code, d.Pos.Line, tc.code, tc.line, tc.msg, tc.hint)
				}
				return
			}
			if d != nil {
				t.Fatalf("unexpected %v", d)
			}
			if r.Order != tc.order || r.Perfect != tc.perfect || r.Smooth != tc.smooth {
				t.Errorf("got %s; want order %d perfect=%v smooth=%v", r.String(f.g, f.names), tc.order, tc.perfect, tc.smooth)
			}
			checkBeta(t, f, tc.name, r.Beta[:], tc.beta[:])
			for k, w := range tc.beta {
				if w != nil && isZeroFn(w) && !f.g.IsZero(r.Beta[k]) {
					t.Errorf("β%d = %s, want structurally 0", k, f.g.String(r.Beta[k], f.names))
				}
			}
		})
	}
}

func isZeroFn(c closed) bool {
	for _, x := range points {
		if c(x, paramVals) != 0 {
			return false
		}
	}
	return true
}

func TestIndRoughAndW602(t *testing.T) {
	f := newFix()
	f.at(20, 14)
	ind := f.g.Ind(f.g.Compare(ir.CmpGt, f.S, f.c0(0)))
	f.at(0, 0)
	r, d := New(f.g, f.names).Propensity(f.g.Mul(f.N, f.nu, ind), "serve", diag.Pos{Line: 20, Col: 1})
	if d != nil || r.Smooth || r.Rough == ir.None {
		t.Fatalf("got %v, %+v", d, r)
	}
	w := NonSmooth(f.g, "serve", diag.Pos{Line: 20, Col: 1}, r.Rough, diag.Pos{})
	if w.Code != "W602" || w.Msg != "β₀ of 'serve' is not smooth in the densities (ind at 20:14); refinements assume C² rates" {
		t.Errorf("got %v", w)
	}
	if got := f.g.String(r.Beta[0], f.names); got != "nu*(if x_S > 0 then 1 else 0)" {
		t.Errorf("β0 = %s", got)
	}
}

func TestConditions(t *testing.T) {
	f := newFix()
	e := New(f.g, f.names)
	for _, tc := range []struct {
		name string
		c    ir.NodeID
		want string
		eval func(x float64) bool
	}{
		{"S < N/2", f.g.Compare(ir.CmpLt, f.S, f.g.Div(f.N, f.c0(2))), "x_S < 0.5", func(x float64) bool { return x < 0.5 }},
		{"S >= 1", f.g.Compare(ir.CmpGe, f.S, f.c0(1)), "x_S >= 0", func(x float64) bool { return x >= 0 }},
		{"1/N > 0", f.g.Compare(ir.CmpGt, f.h(), f.c0(0)), "true", func(float64) bool { return true }},
		{"S+1 > S", f.g.Compare(ir.CmpGt, f.g.Add(f.S, f.c0(1)), f.S), "true", func(float64) bool { return true }},
		{"not (S == N and k > 0)", f.g.Not(f.g.And(f.g.Compare(ir.CmpEq, f.S, f.N), f.g.Compare(ir.CmpGt, f.k, f.c0(0)))),
			"not (x_S == 1 and k > 0)", func(x float64) bool { return x != 1 }},
	} {
		c, d := e.Cond(tc.c)
		if d != nil {
			t.Fatalf("%s: %v", tc.name, d)
		}
		if got := f.g.String(c, f.names); got != tc.want {
			t.Errorf("%s ↦ %s, want %s", tc.name, got, tc.want)
		}
		for _, x := range []float64{0, 0.25, 0.5, 0.75, 1, 1.5} {
			if got := f.eval(c, []float64{x, 0}) != 0; got != tc.eval(x) {
				t.Errorf("%s at x=%g: %v", tc.name, x, got)
			}
		}
	}
}

func TestObservable(t *testing.T) {
	f := newFix()
	e := New(f.g, f.names)
	xI := f.g.Density(1)
	for _, tc := range []struct {
		node  ir.NodeID
		order int
		coef  [3]ir.NodeID
	}{
		{f.I, -1, [3]ir.NodeID{xI, f.c0(0), f.c0(0)}},
		{f.g.Div(f.I, f.N), 0, [3]ir.NodeID{xI, f.c0(0), f.c0(0)}},
		{f.g.Div(f.I, f.g.Add(f.N, f.c0(1))), 0, [3]ir.NodeID{xI, f.g.Neg(xI), xI}},
		{f.k, 0, [3]ir.NodeID{f.k, f.c0(0), f.c0(0)}},
	} {
		s, d := e.Observable(tc.node)
		if d != nil || s.Order != tc.order || s.Coef != tc.coef {
			t.Errorf("%s: got %+v %v, want order %d %v", f.g.String(tc.node, f.names), s, d, tc.order, tc.coef)
		}
	}
}

// TestShared checks that a subexpression shared by propensities is expanded once: the
// second propensity that uses x = S/N adds no node for x's coefficients.
func TestShared(t *testing.T) {
	f := newFix()
	e := New(f.g, f.names)
	x := f.xS()
	a := f.g.Mul(f.N, f.g.Call(stdlib.FnExp, f.g.Add(x, f.h())))
	b := f.g.Mul(f.N, f.k, f.g.Call(stdlib.FnExp, f.g.Add(x, f.h())))
	ra, _ := e.Propensity(a, "a", diag.Pos{})
	rb, _ := e.Propensity(b, "b", diag.Pos{})
	for k := range ra.Beta {
		if want := f.g.Mul(f.k, ra.Beta[k]); rb.Beta[k] != want {
			t.Errorf("β%d: %s vs %s", k, f.g.String(rb.Beta[k], f.names), f.g.String(want, f.names))
		}
	}
}
