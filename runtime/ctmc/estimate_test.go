package ctmc

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestSimplexBound: SIR at N = 1000 lives on the simplex S + I + R = 1000, whose
// C(1002, 2) = 501 501 points it fills (the explored chain has exactly that many states); a
// catalyst no transition changes stays fixed; a birth–death species has no bound. At
// N = 10⁴ (5·10⁷ states) Explore refuses at once with the estimate.
func TestSimplexBound(t *testing.T) {
	t.Parallel()
	m := loadtest.Model(t, "@sir", compiler.Options{})
	in := m.Inputs()
	b, laws, ok := SimplexBound(m.IR, in.Counts)
	if !ok || b != 501501 || laws != "S + I + R = 1000" {
		t.Errorf("SIR: %g, %q, %v", b, laws, ok)
	}
	const cat = `
species A, B, E
conv: A + E -> B + E @ 2 * A * E
back: B -> A @ B
init { A = 30, E = 5 }
`
	m = loadtest.Source(t, cat, compiler.Options{})
	if b, _, ok := SimplexBound(m.IR, m.Inputs().Counts); !ok || b != 31 {
		t.Errorf("catalysed A ⇄ B with 30 molecules: %g, %v, want 31", b, ok)
	}
	const bd = `
species X
birth: 0 -> X @ 2
death: X -> 0 @ X
init { X = 0 }
`
	m = loadtest.Source(t, bd, compiler.Options{})
	if _, _, ok := SimplexBound(m.IR, m.Inputs().Counts); ok {
		t.Error("a birth–death species has no conservation bound")
	}
	m = loadtest.Model(t, "@sir", compiler.Options{Scale: 1e4})
	start := time.Now()
	_, err := Explore(context.Background(), m, m.Inputs(), Limits{})
	var le *LimitError
	if !errors.As(err, &le) || le.Estimate != 50015001 || time.Since(start) > time.Second/10 {
		t.Errorf("SIR at N = 10⁴: %v after %v", err, time.Since(start))
	}
}
