package ir

import (
	"math"
	"runtime"
	"testing"

	"github.com/mfcproject/mfc/stdlib"
)

// TestFolding checks the rules that decide "structurally zero" (docs/language.md §6.5) and the
// canonical forms that make hash-consing find equal subexpressions.
func TestFolding(t *testing.T) {
	g := NewGraph()
	x, y, k := g.Count(0), g.Count(1), g.Param(0)
	tests := []struct {
		name string
		got  NodeID
		want NodeID
	}{
		{"0*e", g.Mul(g.Const(0), x), g.Const(0)},
		{"e*0", g.Mul(x, g.Const(0)), g.Const(0)},
		{"0/2", g.Div(g.Const(0), g.Const(2)), g.Const(0)},
		{"-0", g.Neg(g.Const(0)), g.Const(0)},
		{"0^p", g.Pow(g.Const(0), g.Const(2)), g.Const(0)},
		{"e-e", g.Sub(g.Mul(k, x), g.Mul(k, x)), g.Const(0)},
		{"e+(-e)", g.Add(x, g.Neg(x)), g.Const(0)},
		{"2e-2e", g.Sub(g.Mul(g.Const(2), x), g.Mul(x, g.Const(2))), g.Const(0)},
		{"x+y=y+x", g.Add(x, y), g.Add(y, x)},
		{"x*y=y*x", g.Mul(x, y), g.Mul(y, x)},
		{"(x+y)+x=2x+y", g.Add(g.Add(x, y), x), g.Add(g.Mul(g.Const(2), x), y)},
		{"e^1", g.Pow(x, g.Const(1)), x},
		{"e^0", g.Pow(x, g.Const(0)), g.Const(1)},
		{"e/1", g.Div(x, g.Const(1)), x},
		{"--e", g.Neg(g.Neg(x)), x},
		{"const", g.Add(g.Const(2), g.Mul(g.Const(3), g.Const(4))), g.Const(14)},
		{"if true", g.Select(g.True(), x, y), x},
		{"if c then 0 else 0", g.Select(g.Compare(CmpGt, x, y), g.Const(0), g.Const(0)), g.Const(0)},
		{"cmp const", g.Compare(CmpLt, g.Const(1), g.Const(2)), g.True()},
		{"false and e", g.And(g.False(), g.Compare(CmpGt, x, y)), g.False()},
		{"true or e", g.Or(g.Compare(CmpGt, x, y), g.True()), g.True()},
		{"not not", g.Not(g.Not(g.Compare(CmpGt, x, y))), g.Compare(CmpGt, x, y)},
		{"fn const", g.Call(stdlib.FnExp, g.Const(0)), g.Const(1)},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got node %d (%s), want %d (%s)", tt.name, tt.got, g.String(tt.got, nil), tt.want, g.String(tt.want, nil))
		}
	}
	// 0/e is NaN where e = 0 (docs/language.md §6.11): it stays a division, and 0/0 folds to NaN.
	if d := g.Div(g.Const(0), x); g.Nodes[d].Op != OpDiv {
		t.Errorf("0/e folded to %s", g.String(d, nil))
	}
	if v, ok := g.IsConst(g.Div(g.Const(0), g.Const(0))); !ok || !math.IsNaN(v) {
		t.Errorf("0/0 = %v, %v; want the constant NaN", v, ok)
	}
}

// TestDeps checks the dependency masks that drive the static checks.
func TestDeps(t *testing.T) {
	g := NewGraph()
	e := g.Mul(g.Param(0), g.Div(g.Count(0), g.Scale()))
	if got, want := g.Dep(e), DepParam|DepCount|DepScale; got != want {
		t.Errorf("dep = %b, want %b", got, want)
	}
	if g.Dep(g.Select(g.EnvIs(0, 1), g.Time(), g.Const(0))) != DepEnv|DepTime {
		t.Error("Select: want env|time")
	}
}

// TestTapeEval evaluates every kind of node against direct float64 arithmetic.
func TestTapeEval(t *testing.T) {
	g := NewGraph()
	x, y, p := g.Density(0), g.Density(1), g.Param(0)
	outs := []NodeID{
		g.Add(x, g.Mul(p, y)),
		g.Div(g.Pow(x, g.Const(2.5)), g.Sub(y, g.Const(1))),
		g.Select(g.And(g.Compare(CmpGt, x, y), g.EnvIs(0, 1)), g.Call(stdlib.FnLog, x), g.Call(stdlib.FnTanh, y)),
		g.Ind(g.Or(g.Not(g.Compare(CmpLe, x, g.Const(0))), g.Compare(CmpEq, g.EnvVal(0), g.Const(0)))),
		g.Call(stdlib.FnPoissonPMF, g.Const(2), p),
		g.Call(stdlib.FnPoissonCDF, g.Const(3), p),
		g.Mul(g.Scale(), g.Time()),
	}
	tp := g.Compile(outs)
	vals := make([]float64, tp.Len())
	for _, c := range []struct{ x, y, p, env float64 }{{0.3, 0.2, 1.5, 1}, {0.1, 0.7, 0.4, 0}, {2, 1, 3, 1}} {
		in := &Inputs{Densities: []float64{c.x, c.y}, Params: []float64{c.p}, Env: []float64{c.env}, Scale: 10, Time: 0.5}
		tp.Eval(vals, in)
		sel := math.Tanh(c.y)
		if c.x > c.y && c.env == 1 {
			sel = math.Log(c.x)
		}
		ind := 0.0
		if c.x > 0 || c.env == 0 {
			ind = 1
		}
		want := []float64{
			c.x + c.p*c.y,
			math.Pow(c.x, 2.5) / (c.y - 1),
			sel,
			ind,
			math.Exp(-c.p) * c.p * c.p / 2,
			math.Exp(-c.p) * (1 + c.p + c.p*c.p/2 + c.p*c.p*c.p/6),
			5,
		}
		for i, w := range want {
			// Same operations in a different order: agreement to a few ulps.
			if got := tp.Output(vals, i); math.Abs(got-w) > 1e-14*math.Max(1, math.Abs(w)) {
				t.Errorf("case %+v output %d: got %v, want %v", c, i, got, w)
			}
		}
	}
}

// TestTapeEvalAllocs: evaluation allocates nothing.
func TestTapeEvalAllocs(t *testing.T) {
	g := NewGraph()
	var outs []NodeID
	for i := 0; i < 50; i++ {
		outs = append(outs, g.Mul(g.Param(0), g.Call(stdlib.FnExp, g.Sub(g.Density(i), g.Density(i+1)))))
	}
	tp := g.Compile(outs)
	vals := make([]float64, tp.Len())
	in := &Inputs{Densities: make([]float64, 51), Params: []float64{2}}
	if n := testing.AllocsPerRun(100, func() { tp.Eval(vals, in) }); n != 0 {
		t.Errorf("Eval allocates %v times per run, want 0", n)
	}
}

func TestPoisson(t *testing.T) {
	for _, m := range []float64{0, 0.5, 3, 20} {
		s := 0.0
		for k := 0.0; k <= 60; k++ {
			s += stdlib.PoissonPMF(k, m)
			if c := stdlib.PoissonCDF(k, m); math.Abs(c-s) > 1e-13 {
				t.Errorf("cdf(%v, %v) = %v, sum of pmf %v", k, m, c, s)
			}
		}
	}
	if stdlib.PoissonPMF(-1, 2) != 0 || !math.IsNaN(stdlib.PoissonPMF(1.5, 2)) {
		t.Error("pmf: k < 0 gives 0, a fractional k gives NaN")
	}
}

// TestInternAllocations checks that hash-consing a node of at most two operands allocates
// no key: a model of a million such nodes must compile within its time budget.
func TestInternAllocations(t *testing.T) {
	g := NewGraph()
	n := 0
	allocs := testing.AllocsPerRun(1000, func() {
		n++
		g.Const(float64(n) + 0.5)
		g.Param(n)
	})
	if allocs > 0.1 { // the node slices and the table grow now and then
		t.Errorf("a new leaf allocates %.2f times, want about 0", allocs)
	}
}

// TestInternMemory bounds the memory of a large graph per node: the node, its position and
// dependencies, and its slot in the hash-consing table (a model may have millions of nodes).
func TestInternMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's shadow allocations are counted in TotalAlloc")
	}
	const n = 1 << 15
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	g := NewGraph()
	x := g.Param(0)
	for i := 0; i < n; i++ {
		g.Compare(CmpLt, x, g.Const(float64(i)+0.5))
	}
	runtime.ReadMemStats(&after)
	perNode := float64(after.TotalAlloc-before.TotalAlloc) / float64(g.Len())
	t.Logf("%.0f bytes per node", perNode)
	if perNode > 200 {
		t.Errorf("a graph of %d nodes allocates %.0f bytes per node, want at most 200", g.Len(), perNode)
	}
}

// TestEvalMemo checks that EvalMemo gives the bits of Eval: a tape of poisson_pmf and
// poisson_cdf calls at k = x − z for more values of z than the memo has entries (so that
// entries collide and are replaced), evaluated at many states and times through one memo,
// against Eval without it; also non-integer and negative k, and λ = 0. A tape without a
// two-argument built-in gets no memo.
func TestEvalMemo(t *testing.T) {
	t.Parallel()
	g := NewGraph()
	x, lam := g.Count(0), g.Add(g.Param(0), g.Mul(g.Param(1), g.Time()))
	var outs []NodeID
	for z := 0; z < 3*memoSize/2; z += 1 {
		k := g.Sub(x, g.Const(float64(z)))
		outs = append(outs, g.Call(stdlib.FnPoissonPMF, k, lam))
		if z%7 == 0 {
			outs = append(outs, g.Call(stdlib.FnPoissonCDF, k, lam))
		}
	}
	outs = append(outs, g.Call(stdlib.FnPoissonPMF, g.Mul(g.Const(0.5), x), lam))
	tape := g.Compile(outs)
	memo := NewMemo(tape)
	if memo == nil {
		t.Fatal("NewMemo: nil for a tape with poisson_pmf")
	}
	in := &Inputs{Counts: []float64{0}, Params: []float64{1, 0.25}}
	want, got := make([]float64, tape.Len()), make([]float64, tape.Len())
	for _, time := range []float64{0, 1, 2, 0, -4} {
		in.Time = time
		for _, c := range []float64{0, 1, 3, 40, 1500, 3, 0, 7} {
			in.Counts[0] = c
			tape.Eval(want, in)
			tape.EvalMemo(got, in, memo)
			for s := range want {
				if math.Float64bits(got[s]) != math.Float64bits(want[s]) {
					t.Fatalf("t = %v, x = %v: slot %d is %v with the memo, %v without", time, c, s, got[s], want[s])
				}
			}
		}
	}
	// Two λ whose calls share entries: the memo must tell them apart.
	l1, l2 := 1.0, 0.0
	for i := 1; l2 == 0; i++ {
		if c := 1 + float64(i)/1024; memoSlot(int32(stdlib.FnPoissonPMF), 3, c) == memoSlot(int32(stdlib.FnPoissonPMF), 3, l1) {
			l2 = c
		}
	}
	one := g.Compile([]NodeID{g.Call(stdlib.FnPoissonPMF, x, g.Param(0))})
	memo = NewMemo(one)
	for _, l := range []float64{l1, l2, l1, l2} {
		in.Params[0], in.Counts[0] = l, 3
		one.Eval(want, in)
		one.EvalMemo(got, in, memo)
		if o := one.Out[0]; math.Float64bits(got[o]) != math.Float64bits(want[o]) {
			t.Fatalf("pmf(3, %v) = %v with the memo, %v without", l, got[o], want[o])
		}
	}
	if m := NewMemo(g.Compile([]NodeID{g.Call(stdlib.FnExp, lam)})); m != nil {
		t.Error("NewMemo: a memo for a tape without two-argument built-ins")
	}
}
