package lang

import (
	"strings"
	"testing"
)

// TestReductionKeywordLabels: the reduction keywords may label a transition
// (docs/language.md §6.1), in both parsers, in loops and after a propensity, without
// changing how a reduction in an expression parses, and 'mfc fmt' keeps them.
func TestReductionKeywordLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		labels    []string
	}{
		{"prod first", "prod: 0 -> P @ k\n", []string{"prod"}},
		{"CRN labels", "prod: 0 -> P @ k\nsum: P -> 0 @ g * P\nall: P -> 0 @ 1\nany: P -> 0 @ P\n", []string{"prod", "sum", "all", "any"}},
		{"on one line", "prod: 0 -> P @ k sum: P -> 0 @ P", []string{"prod", "sum"}},
		{"after a reduction", "prod: 0 -> P[1] @ sum(i in 1..3: P[i]) sum: P[1] -> 0 @ prod(i in 1..2: P[i])", []string{"prod", "sum"}},
		{"in a loop block", "for i in 1..3 { prod: 0 -> P[i] @ k  any: P[i] -> 0 @ P[i] }", []string{"prod", "any"}},
		{"in a single loop", "for i in 1..3: prod: 0 -> P[i] @ sum(j in 1..i: P[j])", []string{"prod"}},
		{"after a guard", "deg: P -> 0 when all(i in 1..2: P > i) @ P prod: 0 -> P @ 1", []string{"deg", "prod"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ds := Parse("t.mf", []byte(tt.src))
			if len(ds) > 0 {
				t.Fatalf("diagnostics:\n%s", ds.Error())
			}
			var got []string
			var walk func(tr *Transition, loop *ForStmt)
			walk = func(tr *Transition, loop *ForStmt) {
				if tr != nil {
					if tr.Label == nil {
						got = append(got, "")
					} else {
						got = append(got, tr.Label.Name)
					}
				}
				if loop != nil {
					if loop.Single != nil {
						walk(loop.Single.Transition, loop.Single.For)
					}
					for _, b := range loop.Block {
						walk(b.Transition, b.For)
					}
				}
			}
			for _, s := range f.Stmts {
				walk(s.Transition, s.For)
			}
			if strings.Join(got, ",") != strings.Join(tt.labels, ",") {
				t.Errorf("labels %q, want %q", got, tt.labels)
			}
			if err := CheckTwin("t.mf", []byte(tt.src)); err != nil {
				t.Error(err)
			}
			out := checkFormat(t, "t.mf", tt.src)
			for _, l := range tt.labels {
				if !strings.Contains(out, l+": ") {
					t.Errorf("mfc fmt lost the label %q:\n%s", l, out)
				}
			}
		})
	}
}
