package compiler

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestParseOverride: what --set accepts (a name and finite values) and what it refuses.
func TestParseOverride(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		key  string
		vals []float64
	}{
		{in: "beta=2", key: "beta", vals: []float64{2}},
		{in: " k = [1, [2, 3]]", key: "k", vals: []float64{1, 2, 3}},
		{in: "G[1, 2]=0.5", key: "G[1,2]", vals: []float64{0.5}},
		{in: "on=true", key: "on", vals: []float64{1}},
		{in: " =0"},
		{in: "\t=1"},
		{in: "=3"},
		{in: "x="},
		{in: "beta=NaN"},
		{in: "beta=nan"},
		{in: "beta=Inf"},
		{in: "beta=-inf"},
		{in: "beta=+Infinity"},
		{in: "beta=1e999"},
		{in: "k=[1, NaN]"},
		// Malformed lists and names are refused, not read as something else.
		{in: "beta=[1,"},
		{in: "beta=[1,,2]"},
		{in: "beta=1]"},
		{in: "beta=1 2"},
		{in: "bet a=2"},
		{in: "G[1,=2"},
		{in: "k=[[1, 2], [3, 4]]", key: "k", vals: []float64{1, 2, 3, 4}},
		{in: "k=[]"},
	} {
		key, vals, err := ParseOverride(c.in)
		if c.key == "" {
			if err == nil {
				t.Errorf("ParseOverride(%q) = %q, %v; want an error", c.in, key, vals)
			}
			continue
		}
		if err != nil || key != c.key || len(vals) != len(c.vals) {
			t.Errorf("ParseOverride(%q) = %q, %v, %v; want %q, %v", c.in, key, vals, err, c.key, c.vals)
			continue
		}
		for i, v := range vals {
			if v != c.vals[i] || math.IsNaN(v) {
				t.Errorf("ParseOverride(%q) values %v, want %v", c.in, vals, c.vals)
			}
		}
	}
}

// TestSuggestions: "did you mean" offers a name within a third of the shorter name's
// length (at least one edit), and --set offers only parameters and the scale.
func TestSuggestions(t *testing.T) {
	t.Parallel()
	const src = "scale N = 10\nparam beta = 1\nspecies S, I\ninfect: S -> I @ %s * S\ninit { S = 5 }\n"
	for use, want := range map[string]string{"bta": "did you mean 'beta'", "zz": "", "betaa": "did you mean 'beta'"} {
		_, errs := CompileSource("s.mf", []byte(fmt.Sprintf(src, use)), Options{})
		if len(errs) == 0 || want != "" && !strings.Contains(errs[0].Hint, want) || want == "" && strings.Contains(errs[0].Hint, "did you mean") {
			t.Errorf("%s: %v, want a hint %q", use, errs, want)
		}
	}
	_, errs := CompileSource("s.mf", []byte(fmt.Sprintf(src, "beta")), Options{Overrides: Overrides{"J": {1}}})
	if len(errs) == 0 || strings.Contains(errs[0].Hint, "'I'") {
		t.Errorf("--set J: %v; the species I is not a suggestion for --set", errs)
	}
}

// TestSplitOverrides checks the splitting of one --set argument into assignments: commas
// split only outside brackets and before name= or name[…]=.
func TestSplitOverrides(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"k=1", []string{"k=1"}},
		{"k1=6,k2=0.3333333333333333,k3=50,k4=3", []string{"k1=6", "k2=0.3333333333333333", "k3=50", "k4=3"}},
		{"lam=[1, 2],mu=3", []string{"lam=[1, 2]", "mu=3"}},
		{"G[1,2]=3,H[0, 1] = 4", []string{"G[1,2]=3", "H[0, 1] = 4"}},
		{"x=1,2", []string{"x=1,2"}},
		{"x=[[1,2],[3,4]], y=true", []string{"x=[[1,2],[3,4]]", " y=true"}},
	} {
		got := SplitOverrides(c.in)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("SplitOverrides(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
