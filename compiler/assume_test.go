package compiler

import (
	"math"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/stdlib"
)

// evalAt evaluates node id of m at the counts n (and environment env), with the model's
// parameters and scale.
func evalAt(m *ir.Model, id ir.NodeID, n []float64, env []float64) float64 {
	t := m.Graph.Compile([]ir.NodeID{id})
	vals := make([]float64, t.Len())
	in := &ir.Inputs{Counts: n, Densities: make([]float64, len(n)), Params: m.ParamValues, Env: env}
	if m.Scale != nil {
		in.Scale = m.Scale.Value
	}
	t.Eval(vals, in)
	return t.Output(vals, 0)
}

func observable(t *testing.T, m *ir.Model, name string) ir.NodeID {
	t.Helper()
	for _, o := range m.Observables {
		if o.Name == name {
			return o.Node
		}
	}
	t.Fatalf("no observable %q", name)
	return ir.None
}

func region(t *testing.T, m *ir.Model, name string) int {
	t.Helper()
	for i, r := range m.Regions {
		if r.Name == name {
			return i
		}
	}
	t.Fatalf("no region %q", name)
	return -1
}

// TestDrift checks drift(e) = Σ_j a_j(x)(e(x + ℓ_j) − e(x)) by evaluation of the compiled
// node at states, against closed forms worked out by hand from the propensities. The
// expressions are polynomials and rationals in small integers, so the values are exact up to
// a few roundings: tolerance 1e-12 relative.
func TestDrift(t *testing.T) {
	t.Parallel()
	type state struct {
		n    []float64
		want float64
	}
	tests := []struct {
		name, src, obs string
		want           func(n []float64) float64
		states         [][]float64
	}{
		{
			// M/M/1 with arrival rate λ = 2 and service rate μ = 3: drift(x) = λ − μ·1[x > 0].
			name: "mm1", obs: "Qx",
			src: "param lam = 2, mu = 3\nspecies X as x\narrive: 0 -> X @ lam\nserve: X -> 0 when x > 0 @ mu\nobservable Qx = drift(x)",
			want: func(n []float64) float64 {
				if n[0] > 0 {
					return 2 - 3
				}
				return 2
			},
			states: [][]float64{{0}, {1}, {7}},
		},
		{
			// The same queue, drift of x²: λ(2x + 1) + μ·1[x > 0](1 − 2x).
			name: "mm1-square", obs: "Qv",
			src: "param lam = 2, mu = 3\nspecies X as x\narrive: 0 -> X @ lam\nserve: X -> 0 when x > 0 @ mu\nobservable Qv = drift(x^2)",
			want: func(n []float64) float64 {
				x := n[0]
				return 2*(2*x+1) + 3*b2f(x > 0)*(1-2*x)
			},
			states: [][]float64{{0}, {1}, {5}},
		},
		{
			// Toggle switch (digest 003 §5.2.1), a = 20: drift(x1 + x2) = a/(1 + x2) + a/(1 + x1) − x1 − x2.
			name: "toggle", obs: "Qs",
			src: "param a = 20\nspecies P1 as x1, P2 as x2\nmake1: 0 <-> P1 @ a / (1 + x2), x1\nmake2: 0 <-> P2 @ a / (1 + x1), x2\nobservable Qs = drift(x1 + x2)",
			want: func(n []float64) float64 {
				return 20/(1+n[1]) + 20/(1+n[0]) - n[0] - n[1]
			},
			states: [][]float64{{0, 0}, {3, 5}, {10, 0}},
		},
		{
			// Parity model (issue 13, acceptance): ∅ → 2S1 @ 1, 2S1 → ∅ @ x1(x1−1)/2, S2 → ∅ @ x2.
			// For v = x1 + 2x2: Qv = 2 − x1(x1 − 1) − 2x2, so Qv + (x1 + x2) = 2 + 2x1 − x1² − x2,
			// the expression of the digest's §1.4 recipe (≤ 3, whence stationary(x1 + x2) <= 3).
			name: "parity", obs: "QvW",
			src: "species S1 as x1, S2 as x2\nborn: 0 -> 2S1 @ 1\npair: 2S1 -> 0 @ x1 * (x1 - 1) / 2\ngone: S2 -> 0 @ x2\nobservable QvW = drift(x1 + 2 * x2) + x1 + x2",
			want: func(n []float64) float64 {
				return 2 + 2*n[0] - n[0]*n[0] - n[1]
			},
			states: [][]float64{{0, 0}, {1, 0}, {4, 3}, {9, 2}},
		},
		{
			// Discrete time: (P − I)e = Σ_j p_j(x)(e(x + ℓ_j) − e(x)); the self-loop adds 0.
			// A walk up with probability 0.3, down with 0.5 when x > 0: drift(x) = 0.3 − 0.5·1[x > 0].
			name: "discrete", obs: "Px",
			src:    "time discrete\nspecies X as x\nup: 0 -> X @ 0.3\ndown: X -> 0 when x > 0 @ 0.5\nobservable Px = drift(x)",
			want:   func(n []float64) float64 { return 0.3 - 0.5*b2f(n[0] > 0) },
			states: [][]float64{{0}, {4}},
		},
		{
			// A scaled model: drift is defined on the counts; the propensities are in count form.
			name: "scaled", obs: "QI",
			src:    "scale N = 100\nparam beta = 2, gamma = 1\nspecies S, I\ninfect: S + I -> 2I @ beta * S * I / N\nrecover: I -> S @ gamma * I\nobservable QI = drift(I)",
			want:   func(n []float64) float64 { return 2*n[0]*n[1]/100 - n[1] },
			states: [][]float64{{90, 10}, {50, 50}},
		},
		{
			// drift in a let and in a region; a static environment (no updates) is allowed.
			name: "region", obs: "Qx",
			src:    "env E { lo, hi }\nspecies X as x\nup: 0 -> X @ match E { lo: 1, hi: 4 }\ndown: X -> 0 @ 2 * x\nlet q = drift(x)\nobservable Qx = q\nregion F = q > -1",
			want:   func(n []float64) float64 { return 1 - 2*n[0] }, // E = lo
			states: [][]float64{{0}, {3}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := mustCompile(t, tc.src, Options{})
			id := observable(t, m, tc.obs)
			for _, n := range tc.states {
				got, want := evalAt(m, id, n, []float64{0}), tc.want(n)
				if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
					t.Errorf("%s at %v = %.17g, want %.17g", tc.obs, n, got, want)
				}
			}
		})
	}
}

// TestDriftEnvironment checks drift(e) = Σ_j a_j(n, y)(e(n + ℓ_j, u_j(y)) − e(n, y)) in models
// whose transitions change the environment, by evaluation against closed forms worked out by
// hand (small integers: exact up to rounding, tolerance 1e-12).
func TestDriftEnvironment(t *testing.T) {
	t.Parallel()
	type point struct {
		n, env []float64
		want   float64
	}
	tests := []struct {
		name, src string
		points    []point
	}{
		{
			// e = x + 10·[E = hi]. At lo: up 1·(+1), down x·(−1), flip 1·(+10), grab (x > 0)
			// 3·(−1 + 10); at hi: up 4, down −x, flop 2·(−10).
			name: "named",
			src: `env E { lo, hi }
species X as x
up: 0 -> X @ match E { lo: 1, hi: 4 }
down: X -> 0 @ x
flip: set E = hi when E == lo @ 1
flop: set E = lo when E == hi @ 2
grab: X -> 0 set E = hi when E == lo and x > 0 @ 3
observable q = drift(x + 10 * ind(E == hi))`,
			points: []point{
				{[]float64{0}, []float64{0}, 1 + 10},
				{[]float64{3}, []float64{0}, 1 - 3 + 10 + 3*9},
				{[]float64{0}, []float64{1}, 4 - 20},
				{[]float64{3}, []float64{1}, 4 - 3 - 20},
			},
		},
		{
			// An integer environment climbing 0..3 at rate 1 + L: drift(L^2) = (1 + L)(2L + 1)
			// below 3, 0 at 3; no species.
			name: "integer",
			src: `env L in 0..3
step: set L = L + 1 when L < 3 @ 1 + L
observable q = drift(L^2)`,
			points: []point{
				{nil, []float64{0}, 1},
				{nil, []float64{2}, 3 * 5},
				{nil, []float64{3}, 0},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := mustCompile(t, tc.src, Options{})
			id := observable(t, m, "q")
			for _, p := range tc.points {
				got := evalAt(m, id, p.n, p.env)
				if math.Abs(got-p.want) > 1e-12*math.Max(1, math.Abs(p.want)) {
					t.Errorf("q at n=%v, y=%v = %.17g, want %v", p.n, p.env, got, p.want)
				}
			}
		})
	}
}

// TestDriftNodes checks that drift leaves ordinary nodes: no call node in the graph, and
// drift of a constant is the constant 0.
func TestDriftNodes(t *testing.T) {
	t.Parallel()
	m := mustCompile(t, "param k = 2\nspecies X as x\nup: 0 -> X @ k\ndown: X -> 0 @ x\nobservable z = drift(k)\nobservable q = drift(drift(x))\n"+
		"observable Qx = drift(x)\nmeasure mq = stationary(drift(x))", Options{})
	// The measure's reward and the observable are one node (hash-consing); its value k − x.
	if qx := observable(t, m, "Qx"); m.Measures[0].Args[0] != qx || evalAt(m, qx, []float64{5}, nil) != 2-5 {
		t.Errorf("measure of drift(x) is node %d, observable Qx node %d", m.Measures[0].Args[0], qx)
	}
	if !m.Graph.IsZero(observable(t, m, "z")) {
		t.Errorf("drift(k) is %s, want the constant 0", m.Graph.String(observable(t, m, "z"), m.Names()))
	}
	// drift(drift(x)) = Q(k − x) = k·(−1) + x·(1) = x − k.
	q := observable(t, m, "q")
	for _, x := range []float64{0, 3} {
		if got := evalAt(m, q, []float64{x}, nil); got != x-2 {
			t.Errorf("drift(drift(x)) at %v = %v, want %v", x, got, x-2)
		}
	}
	for id := range m.Graph.Nodes {
		if n := m.Graph.Node(ir.NodeID(id)); n.Op == ir.OpFn && stdlib.Fn(n.Aux) == stdlib.FnDrift {
			t.Fatalf("node %d is a call of drift", id)
		}
	}
}

// TestAssume checks what the compiler makes of 'assume': labels (automatic ones numbered from
// 1), the nodes of w and c, and the sublevel detection of regions.
func TestAssume(t *testing.T) {
	t.Parallel()
	src := `param a = 20, L = 24
species P1 as x1, P2 as x2
make1: 0 <-> P1 @ a / (1 + x2), x1
make2: 0 <-> P2 @ a / (1 + x1), x2
observable w = (x1 + x2)^6
assume moment: stationary(w) <= 1.8e7
assume stationary(x1) <= a / 2
region trunc = w < L^6
region again = (x1 + x2)^6 <= L^6
region flipped = L > x1
region box = x1 < L and x2 < L
region other = x1 + x2 < L
`
	m := mustCompile(t, src, Options{})
	if len(m.Assumptions) != 2 {
		t.Fatalf("%d assumptions, want 2", len(m.Assumptions))
	}
	a0, a1 := m.Assumptions[0], m.Assumptions[1]
	if a0.Label != "moment" || a1.Label != "assume2" {
		t.Errorf("labels %q, %q; want moment, assume2", a0.Label, a1.Label)
	}
	if a0.Pos.Line != 6 || a0.Pos.Col != 1 || a1.Pos.Line != 7 {
		t.Errorf("positions %s, %s", a0.Pos, a1.Pos)
	}
	// The observable and the assumption's w are one node (hash-consing).
	if w := observable(t, m, "w"); a0.W != w {
		t.Errorf("assume W is node %d, observable w is node %d", a0.W, w)
	}
	if got := evalAt(m, a0.W, []float64{2, 1}, nil); got != 729 {
		t.Errorf("w(2, 1) = %v, want 3^6 = 729", got)
	}
	if got := evalAt(m, a0.C, nil, nil); got != 1.8e7 {
		t.Errorf("c = %v, want 1.8e7", got)
	}
	if got := evalAt(m, a1.C, nil, nil); got != 10 {
		t.Errorf("c of assume2 = %v, want a/2 = 10", got)
	}
	tests := []struct {
		region     string
		ok, strict bool
		assumption int
		level      float64
	}{
		{"trunc", true, true, 0, math.Pow(24, 6)},
		{"again", true, false, 0, math.Pow(24, 6)},
		{"flipped", true, true, 1, 24},
		{"box", false, false, -1, 0},
		{"other", false, false, -1, 0},
	}
	for _, tc := range tests {
		a, level, strict, ok := m.Sublevel(region(t, m, tc.region))
		if ok != tc.ok || a != tc.assumption || strict != tc.strict {
			t.Errorf("Sublevel(%s) = %d, %v, %v; want %d, %v, %v", tc.region, a, strict, ok, tc.assumption, tc.strict, tc.ok)
			continue
		}
		if ok {
			if got := evalAt(m, level, nil, nil); got != tc.level {
				t.Errorf("Sublevel(%s) level %v, want %v", tc.region, got, tc.level)
			}
		}
	}
	if _, _, _, ok := m.Sublevel(len(m.Regions)); ok {
		t.Error("Sublevel of a region out of range is ok")
	}
}

// TestAssumeDiagnostics checks E708 (position and message), drift refused where the
// transitions are not known or the environment changes (E305), and labels used twice (E204).
func TestAssumeDiagnostics(t *testing.T) {
	t.Parallel()
	head := "scale N = 10\nparam c = 3\nspecies S\nenv E { lo, hi }\ndecay: S -> 0 @ S\n"
	tests := []struct {
		name, src, code, pos, msg, hint string
	}{
		{"bound-state", "assume moment: stationary(S) <= c * S", "E708", "6:37",
			"the bound of 'moment' must be a parameter expression; it uses the species 'S'",
			"the bound c of stationary(w) <= c uses literals and parameters only"},
		{"bound-env", "assume m: stationary(S) <= if E == lo then 1 else 2", "E708", "6:31",
			"the bound of 'm' must be a parameter expression; it uses the env 'E'", ""},
		{"bound-scale", "assume stationary(S) <= N", "E708", "6:25",
			"the bound of 'assume1' must be a parameter expression; it uses the scale 'N'", ""},
		{"bound-through-let", "let q = 2 * S\nassume m: stationary(S) <= q", "E708", "7:28",
			"the bound of 'm' must be a parameter expression; it uses the species 'S' (through 'q')", ""},
		{"bound-drift", "assume m: stationary(S) <= drift(c)", "E708", "6:28",
			"the bound of 'm' must be a parameter expression; it uses drift(...), which reads the state", ""},
		{"w-time", "assume moment: stationary(S * t) <= c", "E708", "6:31",
			"the function of 'moment' must be a state expression; it uses the time 't'",
			"w is a function of the state: counts, environment values and parameters, without t or the scale"},
		{"w-scale", "observable x = S / N\nassume m: stationary(x) <= c", "E708", "7:22",
			"the function of 'm' must be a state expression; it uses the scale 'N' (through 'x')", ""},
		{"w-bool", "assume m: stationary(S > 1) <= c", "E301", "6:24", "", ""},
		{"dup-label", "assume m: stationary(S) <= c\nassume m: stationary(S^2) <= c", "E204", "7:8",
			"assumption label 'm' is already used (6:8)", "give each assumption its own label"},
		{"drift-in-rate", "let q = drift(S)\ngrow: 0 -> S @ 1 + q", "E305", "6:9",
			"drift(...) needs the model's transitions; it cannot be used in transition 'grow'", ""},
		{"drift-env-too-many", "env L in 0..20000\nstep: set L = L + 1 when L < 20000 @ 1\nobservable q = drift(S)", "E305", "8:16",
			"drift(...) of a model with 20000 environment moves is not supported", ""},
		{"drift-too-large", "for i in 1..300: grow: 0 -> i S @ i\nobservable q = drift(drift(drift(S^2 + S^3)))", "E406", "7:16",
			"drift(...) would copy more than 4000000 nodes", ""},
		{"drift-arity", "observable q = drift(S, S)", "E305", "6:16", "drift expects 1 argument, got 2", ""},
		{"drift-static", "param k = drift(c)", "E307", "6:11", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, ds := CompileSource("t.mf", []byte(head+tc.src), Options{})
			for _, d := range ds {
				if d.Code != tc.code {
					continue
				}
				pos := strings.TrimPrefix(d.Pos.String(), "t.mf:")
				if pos != tc.pos || (tc.msg != "" && d.Msg != tc.msg) || (tc.hint != "" && d.Hint != tc.hint) {
					t.Errorf("got %s\n    hint: %s\nwant %s at %s: %s (hint %q)", d.Error(), d.Hint, tc.code, tc.pos, tc.msg, tc.hint)
				}
				return
			}
			t.Errorf("no %s; got:\n%s", tc.code, ds.Error())
		})
	}
}

// TestToggleExample checks examples/toggle.mf as issue 13 writes it: 'observable w =
// (x1 + x2)^6', 'assume moment: stationary(w) <= 1.8e7' and 'region trunc = w < L^6' give one
// node for w (hash-consing), and the region is recognised as the sublevel set of 'moment'
// at the level L^6 (L = 24 by default), strict.
func TestToggleExample(t *testing.T) {
	t.Parallel()
	m, ds := CompileFile("../examples/toggle.mf", Options{})
	if m == nil {
		t.Fatal(ds.Error())
	}
	if len(m.Assumptions) != 1 || m.Assumptions[0].Label != "moment" {
		t.Fatalf("assumptions %+v", m.Assumptions)
	}
	a := m.Assumptions[0]
	if a.W != observable(t, m, "w") {
		t.Errorf("the assumption's w (node %d) is not the observable w (node %d)", a.W, observable(t, m, "w"))
	}
	if c := evalAt(m, a.C, nil, nil); c != 1.8e7 {
		t.Errorf("c = %v, want 1.8e7", c)
	}
	k, level, strict, ok := m.Sublevel(region(t, m, "trunc"))
	if !ok || k != 0 || !strict {
		t.Fatalf("Sublevel(trunc) = %d, %v, %v", k, strict, ok)
	}
	if r := evalAt(m, level, nil, nil); r != math.Pow(24, 6) {
		t.Errorf("level %v, want 24^6", r)
	}
	// The region is {x1 + x2 < 24}: on the boundary and just inside.
	for _, n := range [][]float64{{23, 0}, {12, 11}, {24, 0}, {12, 12}} {
		want := b2f(n[0]+n[1] < 24)
		if got := evalAt(m, m.Regions[0].Node, n, nil); got != want {
			t.Errorf("trunc at %v = %v, want %v", n, got, want)
		}
	}
}

// TestParityRecipe follows the moment-bound recipe of digest 003 §1.4 on the parity model of
// issue 13 with v = x1 + 2x2 and w = x1 + x2: Qv + w = 2 + 2x1 − x1² − x2 has the maximum
// D = 3 (at x1 = 1, x2 = 0), whence stationary(x1 + x2) <= 3, and F = {Qv > −w − 1} =
// {3 + 2x1 − x1² − x2 > 0} is the finite set of 3 + 4 + 3 = 10 states with x1 ≤ 2. Both are
// computed by evaluating the compiled region and observable on the grid 0..40 × 0..40, which
// contains F (outside x1 ≤ 2, x2 ≤ 3 the polynomial is ≤ 0); the values are small integers,
// so exact.
func TestParityRecipe(t *testing.T) {
	t.Parallel()
	m := mustCompile(t, `species S1 as x1, S2 as x2
born: 0 -> 2S1 @ 1
pair: 2S1 -> 0 @ x1 * (x1 - 1) / 2
gone: S2 -> 0 @ x2
let v = x1 + 2 * x2
let w = x1 + x2
observable D = drift(v) + w
region F = drift(v) > -w - 1
assume stationary(w) <= 3`, Options{})
	d, f := observable(t, m, "D"), m.Regions[region(t, m, "F")].Node
	best, inF := math.Inf(-1), 0
	for x1 := 0.0; x1 <= 40; x1++ {
		for x2 := 0.0; x2 <= 40; x2++ {
			best = math.Max(best, evalAt(m, d, []float64{x1, x2}, nil))
			inF += int(evalAt(m, f, []float64{x1, x2}, nil))
		}
	}
	if best != 3 || inF != 10 {
		t.Errorf("max(Qv + w) = %v, |F| = %d; want 3 and 10", best, inF)
	}
}
