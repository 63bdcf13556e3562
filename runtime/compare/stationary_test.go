package compare

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestSettingsCheck: non-finite and negative settings are refused with the flag's name;
// the defaults pass.
func TestSettingsCheck(t *testing.T) {
	t.Parallel()
	if err := DefaultSettings().Check(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, c := range []struct {
		flag string
		set  func(s *Settings)
	}{
		{"--burnin", func(s *Settings) { s.Burnin = math.NaN() }},
		{"--burnin", func(s *Settings) { s.Burnin = math.Inf(1) }},
		{"--burnin", func(s *Settings) { s.Burnin = -5 }},
		{"--transient", func(s *Settings) { s.Transient = math.NaN() }},
		{"--transient", func(s *Settings) { s.Transient = -1 }},
		{"--transient", func(s *Settings) { s.Transient = math.Inf(1) }},
		{"--ssa-t", func(s *Settings) { s.SSAT = math.NaN() }},
		{"--ssa-t", func(s *Settings) { s.SSAT = -1 }},
		{"--batches", func(s *Settings) { s.Batches = 1 }},
		{"--runs", func(s *Settings) { s.Runs = -1 }},
		{"--max-states", func(s *Settings) { s.MaxStates = -1 }},
	} {
		s := DefaultSettings()
		c.set(s)
		err := s.Check()
		if err == nil || !strings.Contains(err.Error(), c.flag) {
			t.Errorf("%+v: got %v, want an error naming %s", *s, err, c.flag)
		}
	}
}

// TestNoStationaryMean: a chain without a stationary law (immigration only: the count grows
// without bound) and a reducible chain (two absorbing states) get no simulated stationary
// mean, with a note saying why.
func TestNoStationaryMean(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, src, why string }{
		{"immigration", "model imm\nscale N = 10\nspecies X\narrive: 0 -> X @ N\ninit { X = 0 }\n", "drift"},
		{"reducible", "model absorb\nscale N = 10\nspecies X\nup: 0 -> X when X < N @ X * (N - X)\ndown: X -> 0 @ X * (N - X)\ninit { X = 5 }\n", "closed classes"},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := loadtest.Source(t, c.src, compiler.Options{})
			s := DefaultSettings()
			s.SSAT, s.Burnin, s.MaxStates = 40, 4, 2000
			rep, err := Run(context.Background(), m, nil, nil, s, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, tb := range rep.Tables {
				if tb.SSAMean[0] != nil {
					t.Errorf("%s: simulated stationary mean %g ± %g", tb.Name, *tb.SSAMean[0], *tb.SSACI[0])
				}
			}
			if notes := strings.Join(rep.Notes, "\n"); !strings.Contains(notes, c.why) || !strings.Contains(notes, "no simulated stationary mean") {
				t.Errorf("notes lack %q:\n%s", c.why, notes)
			}
		})
	}
}
