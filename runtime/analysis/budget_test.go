package analysis_test

import (
	"context"
	"errors"
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

// TestSimulationBudget: an ssa run stopped by --max-events is labelled partial in its text
// and JSON; one stopped by --timeout before any run completed is a *TimeoutError naming the
// flag.
func TestSimulationBudget(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "@sis", compiler.Options{Scale: 50})
	a := analysis.Lookup("ssa")
	s := a.NewSettings().(*analysis.SSASettings)
	s.Runs, s.T, s.Workers, s.MaxEvents = 64, 5, 1, 3000
	rep, err := a.Run(context.Background(), &analysis.Problem{Model: m}, s)
	if err != nil {
		t.Fatal(err)
	}
	js, err := analysis.Render(rep, "json")
	if err != nil {
		t.Fatal(err)
	}
	if txt := rep.Text(); !strings.Contains(txt, "PARTIAL RESULT") || !strings.Contains(string(js), `"partial"`) {
		t.Errorf("not labelled partial:\n%s\n%s", txt, js)
	}
	s.MaxEvents, s.Timeout = 0, "1ns"
	_, err = a.Run(context.Background(), &analysis.Problem{Model: m}, s)
	var te *analysis.TimeoutError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "--timeout") {
		t.Errorf("got %v, want a TimeoutError", err)
	}
}
