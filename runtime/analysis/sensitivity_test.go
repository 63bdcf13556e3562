package analysis_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
	"github.com/mfcproject/mfc/runtime/meanfield"
)

// TestRefineSensitivity: --sensitivity adds, per parameter, the derivatives under the keys of
// the values (JSON, text and CSV); it is refused with --transient, for a fast environment and
// for a parameter the graph cannot differentiate, each with the reason. The values
// themselves are checked against central differences in runtime/refine and, through the
// flattened sweep, in cmd/mfc.
func TestRefineSensitivity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sir := &analysis.Problem{Model: loadtest.Model(t, "@sir", compiler.Options{})}
	a := analysis.Lookup("refine")
	rep, err := a.Run(ctx, sir, &analysis.RefineSettings{Order: 2, Steps: 1, Sensitivity: "beta, gamma"})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.(*analysis.RefineReport)
	if len(r.Sensitivity) != 2 || r.Sensitivity["beta"] == nil || len(r.Sensitivity["gamma"].A) != 3 ||
		len(r.Sensitivity["beta"].Observables) != len(r.Observables) {
		t.Fatalf("sensitivity %+v", r.Sensitivity)
	}
	for format, want := range map[string]string{
		"json": `"sensitivity": {`, "text": "derivatives with respect to gamma (at N = 1000):", "csv": "d/dbeta:species,\"S\","} {
		out, err := analysis.Render(rep, format)
		if err != nil || !strings.Contains(string(out), want) {
			t.Errorf("%s: %v, no %q in\n%s", format, err, want, out)
		}
	}
	if q, err := analysis.Quantity(rep, "sensitivity.beta.observables[name=infected].refined2"); err != nil || q == 0 {
		t.Errorf("the derivative of the refined infected fraction: %g, %v", q, err)
	}
	var ue *analysis.UsageError
	if _, err := a.Run(ctx, sir, &analysis.RefineSettings{Order: 1, Steps: 1, Transient: 5, Sensitivity: "beta"}); !errors.As(err, &ue) {
		t.Errorf("--transient with --sensitivity: %v, want a usage error", err)
	}
	var pe *runtime.ParamError
	if _, err := a.Run(ctx, sir, &analysis.RefineSettings{Order: 1, Steps: 1, Sensitivity: "s0"}); !errors.As(err, &pe) {
		t.Errorf("a parameter of the initial state: %v, want a ParamError", err)
	}
	t1 := &analysis.Problem{Model: loadtest.Model(t, "@t1_sis_env", compiler.Options{})}
	if _, err := a.Run(ctx, t1, &analysis.RefineSettings{Order: 1, Steps: 1, Sensitivity: "a"}); !errors.Is(err, meanfield.ErrSensitivityAveraged) {
		t.Errorf("a fast environment: %v", err)
	}
}
