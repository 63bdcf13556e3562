package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/runtime/trunc"
	"github.com/mfcproject/mfc/runtime/trunc/trunctest"
)

// test-augment, registered for these tests only (trunctest.Augment), solves the augmented
// chain of any re-entry rule by dense GTH, so that the command's parsing of the rules,
// options and rendering are exercised end to end independently of the schemes; the real
// schemes have their own cases.
func init() { trunc.Register("test-augment", trunctest.Augment) }

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
	{"truncate_toggle", "truncate examples/toggle.mf --region trunc --scheme test-augment --reentry middle --set L=6"},
	{"truncate_schlogl_levels", "truncate examples/schlogl.mf --region trunc --scheme test-augment --reentry drop --set r=8 --levels count"},
	{"truncate_c2_walk", "truncate testdata/trunc/c2_walk.mf --region trunc --scheme test-augment --reentry drop"},
	{"truncate_parity_enumerate", "truncate examples/parity.mf --region trunc --scheme test-augment --enumerate --reentry uniform"},
	{"truncate_no_scheme", "truncate examples/toggle.mf --region trunc --scheme nope"},
	{"truncate_no_region", "truncate examples/toggle.mf --scheme test-augment"},
	{"truncate_moment", "truncate examples/toggle.mf --region trunc --scheme test-augment --moment moment"},
	{"truncate_moment_unknown", "truncate examples/toggle.mf --region trunc --scheme ita --moment nope"},
	// The schemes (seed-003 §5.1, §5.2): Schlögl (a) by bdp, the toggle switch at L = 24 by
	// ta, ita and ldqbd, the tail bound c/r from the model's assumption.
	{"truncate_schlogl_bdp", "truncate examples/schlogl.mf --region trunc --scheme bdp --set r=700"},
	{"truncate_toggle_ta", "truncate examples/toggle.mf --region trunc --scheme ta --reentry middle --set L=12"},
	{"truncate_toggle_ita", "truncate examples/toggle.mf --region trunc --scheme ita --set L=12"},
	{"truncate_toggle_ldqbd", "truncate examples/toggle.mf --region trunc --scheme ldqbd --set L=12"},
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
