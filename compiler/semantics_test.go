package compiler

import (
	"math"
	"reflect"
	"testing"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/stdlib/models"
)

// evalNode evaluates a density-form node at densities x with the model's parameters.
func evalNode(m *ir.Model, id ir.NodeID, x []float64, env []float64) float64 {
	t := m.Graph.Compile([]ir.NodeID{id})
	vals := make([]float64, t.Len())
	in := &ir.Inputs{Densities: x, Counts: make([]float64, len(x)), Params: m.ParamValues, Env: env}
	if m.Scale != nil {
		in.Scale = m.Scale.Value
	}
	t.Eval(vals, in)
	return t.Output(vals, 0)
}

func mustCompile(t *testing.T, src string, opts Options) *ir.Model {
	t.Helper()
	m, ds := CompileSource("t.mf", []byte(src), opts)
	if m == nil {
		t.Fatalf("compile failed:\n%s", ds.Error())
	}
	return m
}

// TestDensityTable runs every row of the table of docs/language.md §6.8 through the whole compiler.
// β values are checked at two density points against the closed forms; the tolerance is
// a few ulps because the coefficients are exact expressions, only evaluated in floating point.
func TestDensityTable(t *testing.T) {
	const head = "scale N = 100\nparam beta = 2, k = 0.7, lam = 1.5, k3 = 0.3, c = 0.5, nu = 1.2\nspecies S, I, Q\n"
	type beta func(x []float64) float64
	zero := func([]float64) float64 { return 0 }
	tests := []struct {
		name          string
		line          string
		order         int
		b0, b1, b2    beta
		perfect       bool
		smooth        bool
		warn, failure string
	}{
		{"mass action", "tr: S + I -> 2I @ beta*S*I/N", -1, func(x []float64) float64 { return 2 * x[0] * x[1] }, zero, zero, true, true, "", ""},
		{"pairs", "tr: 2S -> Q @ k*S*(S-1)/N", -1, func(x []float64) float64 { return 0.7 * x[0] * x[0] }, func(x []float64) float64 { return -0.7 * x[0] }, zero, false, true, "", ""},
		{"let c/N", "let kk = c/N\nspecies S1 as x1\ntr: 2S1 -> Q @ kk*x1*(x1-1)", -1, func(x []float64) float64 { return 0.5 * x[3] * x[3] }, func(x []float64) float64 { return -0.5 * x[3] }, zero, false, true, "", ""},
		{"logistic", "tr: 0 -> Q @ N*lam*(1 - Q/N)", -1, func(x []float64) float64 { return 1.5 * (1 - x[2]) }, zero, zero, true, true, "", ""},
		{"constant", "tr: 0 -> Q @ k3", 0, zero, func([]float64) float64 { return 0.3 }, zero, false, true, "W601", ""},
		{"c/(1+S)", "tr: 0 -> Q @ c/(1 + S)", 1, zero, zero, func(x []float64) float64 { return 0.5 / x[0] }, false, true, "W601", ""},
		{"too fast", "tr: S -> Q @ k*S*S", 0, nil, nil, nil, false, false, "", "E602"},
		{"log of count", "tr: 0 -> Q @ k*log(S + 1)", 0, nil, nil, nil, false, false, "", "E603"},
		{"indicator", "tr: 0 -> Q @ N*nu*ind(S > 0)", -1, func(x []float64) float64 {
			if x[0] > 0 {
				return 1.2
			}
			return 0
		}, zero, zero, true, false, "W602", ""},
	}
	points := [][]float64{{0.3, 0.2, 0.6, 0.4}, {0.7, 0.1, 0.05, 0.9}}
	for _, tt := range tests {
		m := mustCompile(t, head+tt.line+"\n", Options{})
		codes := map[string]bool{}
		for _, d := range m.Diagnostics {
			codes[d.Code] = true
		}
		if tt.failure != "" {
			if m.MeanField.Available || len(m.MeanField.Diagnostics) == 0 || m.MeanField.Diagnostics[0].Code != tt.failure {
				t.Errorf("%s: want mean field unavailable with %s, got %v", tt.name, tt.failure, m.MeanField.Diagnostics.Codes())
			}
			if !codes[tt.failure] {
				t.Errorf("%s: plain compile should warn %s, got %v", tt.name, tt.failure, m.Diagnostics.Codes())
			}
			continue
		}
		if tt.warn != "" && !codes[tt.warn] {
			t.Errorf("%s: want warning %s, got %v", tt.name, tt.warn, m.Diagnostics.Codes())
		}
		tr := m.Transitions[0]
		d := tr.Density
		if d.Order != tt.order || d.Perfect != tt.perfect || d.Smooth != tt.smooth {
			t.Errorf("%s: order %d perfect %v smooth %v, want %d %v %v", tt.name, d.Order, d.Perfect, d.Smooth, tt.order, tt.perfect, tt.smooth)
		}
		for _, x := range points {
			xs := x[:len(m.Species)]
			for k, want := range []beta{tt.b0, tt.b1, tt.b2} {
				got, w := evalNode(m, d.Beta[k], xs, nil), want(x)
				if math.Abs(got-w) > 1e-14 {
					t.Errorf("%s: β%d(%v) = %v, want %v", tt.name, k, xs, got, w)
				}
			}
		}
	}
}

// TestDimerCardLine: the design card's line yields β₀ = c·x₁², β₁ = −c·x₁ (@dimer).
func TestDimerCardLine(t *testing.T) {
	m, ds := compileLibrary(t, "dimer", Options{})
	if m == nil {
		t.Fatal(ds)
	}
	c := m.ParamValues[m.Params[0].Offset]
	for _, x1 := range []float64{0.2, 0.9} {
		x := []float64{x1, 0.1}
		tr := m.Transitions[0]
		if b0 := evalNode(m, tr.Density.Beta[0], x, nil); math.Abs(b0-c*x1*x1) > 1e-15 {
			t.Errorf("β₀ = %v, want %v", b0, c*x1*x1)
		}
		if b1 := evalNode(m, tr.Density.Beta[1], x, nil); math.Abs(b1+c*x1) > 1e-15 {
			t.Errorf("β₁ = %v, want %v", b1, -c*x1)
		}
	}
	if want := [][]int64{{1, 2}}; !reflect.DeepEqual(m.Conservation, want) {
		t.Errorf("conservation = %v, want %v", m.Conservation, want)
	}
}

// TestConservation checks the integer basis of the left null space on small networks.
func TestConservation(t *testing.T) {
	tests := []struct {
		src  string
		want [][]int64
	}{
		{"species S, I, R\nS -> I @ S\nI -> R @ I\nR -> S @ R\n", [][]int64{{1, 1, 1}}},
		{"species A, B, C\nA + B <-> C @ A*B, C\n", [][]int64{{0, 1, 1}, {1, 0, 1}}},
		{"species A, B\n0 -> A @ 1\nA -> B @ A\nB -> 0 @ B\n", nil},
		{"species E, S, ES, P\nE + S <-> ES @ E*S, ES\nES -> E + P @ ES\n", [][]int64{{0, 1, 1, 1}, {1, 0, 1, 0}}},
	}
	for _, tt := range tests {
		m := mustCompile(t, tt.src, Options{})
		got := m.Conservation
		if len(got) == 0 {
			got = nil
		}
		// Each wanted law must lie in the span; compare as sets when the basis is canonical.
		if len(got) != len(tt.want) {
			t.Errorf("%q: %d laws %v, want %v", tt.src, len(got), got, tt.want)
			continue
		}
		for _, law := range got {
			for _, tr := range m.Transitions {
				s := int64(0)
				for _, j := range tr.Jump {
					s += law[j.Species] * int64(j.Delta)
				}
				if s != 0 {
					t.Errorf("%q: law %v not conserved by %s", tt.src, law, tr.Label)
				}
			}
		}
	}
}

// TestEnvironmentSpace: the CSMA environment is the set of independent sets of the
// interference graph (12 for the 5-node graph of seed digest 000 §4.4, 5 for the path of 3),
// and transitions get the kinds of docs/language.md §6.8.
func TestEnvironmentSpace(t *testing.T) {
	for _, tt := range []struct {
		file   string
		states int
	}{{"csma", 12}, {"csma3", 5}, {"t1_sis_env", 2}, {"inventory", 11}} {
		m, ds := compileLibrary(t, tt.file, Options{})
		if m == nil {
			t.Fatal(ds)
		}
		if len(m.Env.Space) != tt.states {
			t.Errorf("%s: |Y| = %d, want %d", tt.file, len(m.Env.Space), tt.states)
		}
	}
	m, _ := compileLibrary(t, "t1_sis_env", Options{})
	kinds := map[string][]ir.Kind{}
	for _, tr := range m.Transitions {
		for _, mv := range tr.Moves {
			kinds[tr.Label] = append(kinds[tr.Label], mv.Kind)
		}
	}
	want := map[string][]ir.Kind{"infect": {ir.Slow, ir.Slow}, "recover": {ir.Slow, ir.Slow}, "up": {ir.Fast}, "down": {ir.Fast}, "coupled": {ir.Coupled}}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("kinds = %v, want %v", kinds, want)
	}
}

// TestOverrides: scalar, array and element overrides, derived defaults that follow an
// overridden parameter, the scale by --N, and a structural override that recompiles.
func TestOverrides(t *testing.T) {
	src := "scale N = 10\nparam a = 1, b = 2*a, v[1..3] = [1, 2, 3]\nspecies S\nS -> 0 @ a*b*v[1]*v[2]*v[3]*S\n"
	m := mustCompile(t, src, Options{Overrides: Overrides{"a": {3}, "v[2]": {5}}, Scale: 50})
	if got, want := m.ParamValues, []float64{3, 6, 1, 5, 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("params = %v, want %v", got, want)
	}
	if m.Scale.Value != 50 {
		t.Errorf("scale = %v, want 50", m.Scale.Value)
	}
	three := Overrides{"C": {3}, "G": {0, 1, 0, 1, 0, 1, 0, 1, 0}, "lam": {0.4, 0.2, 0.5}, "nu": {1.2, 2, 1.5}, "mu": {1.4, 1.3, 1.7}}
	m3, ds := compileLibrary(t, "csma", Options{Overrides: three})
	if m3 == nil {
		t.Fatal(ds)
	}
	if len(m3.Species) != 30 || len(m3.Env.Space) != 5 {
		t.Errorf("3-node CSMA: %d species, |Y| = %d; want 30, 5", len(m3.Species), len(m3.Env.Space))
	}
	if _, ds := CompileSource("t.mf", []byte(src), Options{Overrides: Overrides{"zz": {1}}}); !ds.HasErrors() {
		t.Error("override of an unknown name must fail")
	}
}

// TestInitRounding: init density rounds by largest remainder, preserving the total (ruling 6).
func TestInitRounding(t *testing.T) {
	m := mustCompile(t, "scale N = 10\nspecies A, B, C\nA -> B @ A\ninit density { A = 0.35, B = 0.35, C = 0.3 }\n", Options{})
	var got []float64
	for _, id := range m.Init.Counts {
		v, _ := m.Graph.IsConst(id)
		got = append(got, v)
	}
	if got[0]+got[1]+got[2] != 10 || got[2] != 3 {
		t.Errorf("counts %v: want a total of 10 with C = 3", got)
	}
}

// compileLibrary compiles the model called name of the library (package stdlib/models).
func compileLibrary(tb testing.TB, name string, opts Options) (*ir.Model, diag.List) {
	tb.Helper()
	lib, err := models.Get(name)
	if err != nil {
		tb.Fatal(err)
	}
	return CompileSource("@"+name, lib.Source, opts)
}
