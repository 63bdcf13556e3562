package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoldenSlow runs mfc slow on the seed-004 examples in the three formats and compares
// with testdata/cli/golden/slow.*. The values are checked against the digest in
// runtime/slow's tests; these goldens guard the command line and the renderings.
func TestGoldenSlow(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, args string }{
		{"slow_chain", "slow ../../examples/slow_chain.mf --exact"},
		{"slow_chain_fd", "slow ../../examples/slow_chain.mf --measure kappa --deriv fd --exact"},
		{"slow_chain_order", "slow ../../examples/slow_chain.mf --measure delta --order 2"},
		{"slow_ctmc", "slow ../../examples/slow_ctmc.mf"},
		{"inventory", "slow ../../examples/inventory.mf --exact --wrt m"},
	}
	for _, c := range cases {
		for _, format := range []string{"text", "csv", "json"} {
			args := append(strings.Fields(c.args), "--format", format)
			name := fmt.Sprintf("slow.%s.%s", c.name, format)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				var o, e bytes.Buffer
				status := runContext(context.Background(), args, &o, &e)
				got := fmt.Sprintf("$ mfc %s\n--- status %d\n--- stdout\n%s--- stderr\n%s",
					strings.Join(args, " "), status, o.String(), e.String())
				got = strings.ReplaceAll(got, "../../", "")
				goldenNumeric(t, filepath.Join("golden", name), got)
			})
		}
	}
}
