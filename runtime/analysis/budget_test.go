package analysis_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestMemoryBudget: an analysis whose arrays would outgrow --max-memory stops with an error
// naming the flag (and what to lower) before it allocates them, instead of exhausting the
// machine: the exact chain (checked as it grows), the order-2 refinement (refused from the
// number of species), the ssa statistics (refused from the number of sample times).
func TestMemoryBudget(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		analysis, model string
		opts            compiler.Options
		set             map[string]string
		want            []string
	}{
		{"exact", "@sir", compiler.Options{Scale: 300}, map[string]string{"max-memory": "1M"}, []string{"--max-memory", "--max-states"}},
		{"refine", "@jsq", compiler.Options{Overrides: compiler.Overrides{"K": {60}}}, map[string]string{"max-memory": "1M", "order": "2"}, []string{"--max-memory", "species fit", "--order 1"}},
		{"ssa", "@sir", compiler.Options{}, map[string]string{"max-memory": "1M", "steps": "1000000"}, []string{"--max-memory", "--steps"}},
	} {
		c := c
		t.Run(c.analysis, func(t *testing.T) {
			t.Parallel()
			m := loadtest.Model(t, c.model, c.opts)
			a := analysis.Lookup(c.analysis)
			s := a.NewSettings()
			for k, v := range c.set {
				if err := analysis.SetFlag(s, k, v); err != nil {
					t.Fatal(err)
				}
			}
			_, err := a.Run(context.Background(), &analysis.Problem{Model: m}, s)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
