package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// goldenTrunc are the commands of truncated chains (issue 13): mfc exact --region with its
// re-entry rules, seeds and enumeration, and the non-unique cases of App. C.2 and of the
// parity network (errors naming the closed classes).
var goldenTrunc = []struct{ name, args string }{
	{"exact_region_schlogl", "exact examples/schlogl.mf --region trunc --set r=200"},
	{"exact_region_toggle_middle", "exact examples/toggle.mf --region trunc --reentry middle --set L=10 --measures none"},
	{"exact_region_c2_death", "exact testdata/trunc/c2_death.mf --region trunc --reentry state:X=3"},
	{"exact_region_c2_walk", "exact testdata/trunc/c2_walk.mf --region trunc --reentry drop"},
	{"exact_region_parity_enumerate", "exact examples/parity.mf --region trunc --enumerate"},
	{"exact_region_parity_seed", "exact examples/parity.mf --region trunc --seed S1=1,S2=0 --reentry level0"},
	{"exact_region_bad_seed", "exact examples/parity.mf --region trunc --seed S1=1"},
}

// TestGoldenTrunc runs goldenTrunc in text and JSON and compares with
// testdata/cli/golden/trunc (go test ./cmd/mfc -run GoldenTrunc -update rewrites them).
func TestGoldenTrunc(t *testing.T) {
	t.Parallel()
	for _, c := range goldenTrunc {
		for _, format := range []string{"text", "json"} {
			name := fmt.Sprintf("%s.%s", c.name, format)
			fields := strings.Fields(c.args)
			for i, f := range fields {
				if strings.HasSuffix(f, ".mf") {
					fields[i] = "../../" + f
				}
			}
			args := append(fields, "--format", format)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				out, errOut, status := runCLI(args...)
				got := fmt.Sprintf("$ mfc %s\n--- status %d\n--- stdout\n%s--- stderr\n%s", strings.Join(args, " "), status, out, errOut)
				goldenNumeric(t, filepath.Join("golden", "trunc", name), strings.ReplaceAll(got, "../../", ""))
			})
		}
	}
}
