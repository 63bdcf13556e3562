package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoldenTimeVarying runs the commands of the exact references of time-inhomogeneous
// models (issue 14, part A) and compares their output with testdata/cli/golden/timevarying
// (numbers to a relative 1e-9; go test ./cmd/mfc -run GoldenTimeVarying -update rewrites
// them). The values are checked against the seed digest 004 by the tests of runtime/ctmc
// and runtime/analysis; here the frozen law is checked too: slow_ctmc.mf frozen at
// t = 1/ε = 50 is the chain Q(τ = 1), whose stationary mean of r is the digest's
// π(1)r = 1.5411437294 (§8, C1; 1e-9).
func TestGoldenTimeVarying(t *testing.T) {
	for _, tc := range []struct{ name, args string }{
		{"slow_ctmc.c1", "exact examples/slow_ctmc.mf --set eps=0.005 --measures at_end"},
		{"slow_ctmc.freeze", "exact examples/slow_ctmc.mf --freeze 50"},
		{"slow_ctmc.ssa", "ssa examples/slow_ctmc.mf --rate-bound 2 --runs 4 --t 1 --steps 2 --seed 3"},
		{"slow_ctmc.ssa_bound", "ssa examples/slow_ctmc.mf --rate-bound 1 --runs 40 --t 50 --steps 1 --seed 1 --workers 1"},
		{"slow_chain.d2", "exact examples/slow_chain.mf --set eps=0.0025 --measures delta"},
		{"slow_chain.freeze", "run examples/slow_chain.mf --freeze 100"},
	} {
		for _, format := range []string{"text", "json"} {
			t.Run(tc.name+"."+format, func(t *testing.T) {
				t.Parallel()
				args := append(strings.Fields(strings.ReplaceAll(tc.args, "examples/", "../../examples/")), "--format", format)
				var o, e bytes.Buffer
				status := run(args, &o, &e)
				got := fmt.Sprintf("$ mfc %s\n--- status %d\n--- stdout\n%s--- stderr\n%s", strings.Join(args, " "), status, o.String(), e.String())
				goldenNumeric(t, filepath.Join("golden", "timevarying", tc.name+"."+format), strings.ReplaceAll(got, "../../", ""))
				if tc.name == "slow_ctmc.freeze" && format == "json" {
					var rep struct {
						Observables map[string]float64 `json:"observables"`
						FrozenAt    *float64           `json:"frozen_at"`
					}
					if err := json.Unmarshal(o.Bytes(), &rep); err != nil {
						t.Fatal(err)
					}
					if r := rep.Observables["r"]; math.Abs(r-1.5411437294) > 1e-9 || rep.FrozenAt == nil || *rep.FrozenAt != 50 {
						t.Errorf("frozen at %v: E_π r = %.12g, want π(1)r = 1.5411437294", rep.FrozenAt, r)
					}
				}
			})
		}
	}
}
