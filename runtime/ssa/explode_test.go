package ssa

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestExplosion: a chain that explodes (rate X²/N) and one whose count passes 2^53 stop
// with E806 naming the transition, instead of running forever; a linear birth process
// (exponential growth, no explosion) and a stationary chain are not stopped.
func TestExplosion(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, model string
		T           float64
		want        string // substring of the E806 message, "" for no error
	}{
		{"explode", "testdata/hostile/explode.mf", 100, "explodes"},
		{"big jump", "testdata/hostile/big_jump.mf", 1e6, "2^53"},
		{"linear birth", "", 12, ""},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var m = loadtest.Source(t, "model birth\nspecies X\nsplit: X -> 2X @ X\ninit { X = 1 }\n", compiler.Options{})
			if c.model != "" {
				m = loadtest.Model(t, c.model, compiler.Options{})
			}
			_, err := Ensemble(context.Background(), m, m.Inputs(), Settings{Runs: 1, T: c.T, Workers: 1})
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var d *diag.Diagnostic
			if !errors.As(err, &d) || d.Code != "E806" || !strings.Contains(d.Msg, c.want) || !d.Pos.IsValid() {
				t.Fatalf("got %v, want E806 with %q and a position", err, c.want)
			}
		})
	}
}
