package analysis_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/runtime/analysis"
	"github.com/mfcproject/mfc/runtime/compare"
	"github.com/mfcproject/mfc/runtime/load"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestInfinitePropensity: a propensity that is ±Inf or NaN at a reachable state (the
// models under testdata/hostile/inf, and @sir with beta = Inf) is an error, E802 at run time
// or E506 when the compiler sees a constant (E102 for a literal beyond float64, E806 if a
// simulation's clock stalls first), in
// exact, ssa and validate: never a result
// (docs/language.md, E802).
func TestInfinitePropensity(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(loadtest.Path("testdata/hostile/inf/*.mf"))
	if err != nil || len(files) < 6 {
		t.Fatalf("hostile models: %v %v", files, err)
	}
	type input struct {
		name string
		path string
		opts compiler.Options
	}
	var inputs []input
	for _, f := range files {
		inputs = append(inputs, input{filepath.Base(f), f, compiler.Options{}})
	}
	inputs = append(inputs, input{"sir beta=Inf", "@sir", compiler.Options{Overrides: compiler.Overrides{"beta": {math.Inf(1)}}, Scale: 20}})
	for _, in := range inputs {
		for _, name := range []string{"exact", "ssa", "validate"} {
			in, name := in, name
			t.Run(in.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				m, diags := load.File(in.path, in.opts)
				if m == nil {
					if !hasCode(diags, "E506", "E802", "E102") {
						t.Fatalf("compile errors without E506, E802 or E102: %v", diags)
					}
					return
				}
				a := analysis.Lookup(name)
				s := a.NewSettings()
				switch s := s.(type) {
				case *analysis.SSASettings:
					s.Runs, s.T, s.Steps, s.Workers = 4, 1, 2, 1
				case *compare.Settings:
					s.SSAT, s.Batches = 20, 4
				}
				rep, err := a.Run(context.Background(), &analysis.Problem{Model: m}, s)
				var d *diag.Diagnostic
				// E806: a simulation may stop first because its clock stalls under the
				// growing rate (exp(100·S) is 7e86 at S = 2).
				if !errors.As(err, &d) || d.Code != "E802" && d.Code != "E506" && d.Code != "E806" {
					txt := ""
					if rep != nil {
						txt = rep.Text()
					}
					t.Fatalf("got error %v and report\n%s\nwant E802", err, txt)
				}
				if d.Code == "E802" && !strings.Contains(d.Msg, "Inf") && !strings.Contains(d.Msg, "NaN") {
					t.Errorf("message %q does not say which value", d.Msg)
				}
			})
		}
	}
}

func hasCode(l diag.List, codes ...string) bool {
	for _, d := range l.Errors() {
		for _, c := range codes {
			if d.Code == c {
				return true
			}
		}
	}
	return false
}
