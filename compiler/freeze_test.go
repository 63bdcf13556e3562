package compiler

import (
	"testing"

	"github.com/mfcproject/mfc/compiler/ir"
)

// Options.FreezeTime admits the stationary measure of a time-dependent model (E706
// otherwise): the model stays time-inhomogeneous and keeps the measure, which the runtime
// evaluates on the chain frozen at one time (mfc exact --freeze T).
func TestFreezeTimeAdmitsStationary(t *testing.T) {
	t.Parallel()
	src := []byte(`param beta = 1
species S, I
infect: S + I -> 2I @ beta * S * I * (1 + t)
recover: I -> S @ I
measure m = stationary(I)
`)
	if _, errs := CompileSource("t.mf", src, Options{}); !errs.HasErrors() || errs[0].Code != "E706" {
		t.Fatalf("without FreezeTime: %v, want E706", errs)
	}
	m, errs := CompileSource("t.mf", src, Options{FreezeTime: true})
	if errs.HasErrors() {
		t.Fatalf("with FreezeTime: %v", errs)
	}
	if m.TimeHomogeneous || len(m.Measures) != 1 || m.Measures[0].Kind != ir.Stationary {
		t.Errorf("time-homogeneous %v, measures %+v: want a time-inhomogeneous model with its stationary measure", m.TimeHomogeneous, m.Measures)
	}
}
