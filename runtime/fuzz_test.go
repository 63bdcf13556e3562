package runtime_test

import (
	"strings"
	"testing"

	"github.com/mfcproject/mfc/runtime/load"
	"github.com/mfcproject/mfc/stdlib/models"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler"
)

// FuzzModel checks that every model the compiler accepts can be loaded and evaluated without
// a panic: the inputs, the propensities at the initial state, and (with a mean field) the
// drift, its Jacobian and the per-transition rates there. Seeds: every library model.
//
//	go test ./runtime -run '^$' -fuzz FuzzModel -fuzztime 10m -fuzzminimizetime 100x
func FuzzModel(f *testing.F) {
	for _, name := range models.Names() {
		lib, err := models.Get(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(lib.Source)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 16<<10 || strings.Count(string(src), "..") > 8 {
			t.Skip("large inputs and many ranges test speed, not logic")
		}
		m, _ := load.Source("fuzz.mf", src, compiler.Options{MaxEnvStates: 1000, MaxElements: 10000})
		if m == nil {
			return
		}
		in := m.Inputs()
		p := make([]float64, len(m.IR.Transitions))
		m.Propensities(p, in)
		if !m.HasDrift() {
			return
		}
		d := m.Dim()
		f := make([]float64, d)
		m.EvalDrift(f, in)
		_ = m.Drift.Jacobian(mat.NewDense(d, d, nil), in)
		r := make([]float64, m.Rates.Len())
		m.Rates.Eval(r, in)
	})
}
