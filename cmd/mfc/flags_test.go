package main

import (
	"strings"
	"testing"
)

// TestFlagRanges: a flag value out of range is a usage error (status 2) naming the flag and
// its range, never a panic, an out-of-memory death or a silent default.
func TestFlagRanges(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"ssa", "@sis", "--steps", "-1"}, "--steps -1: must be an integer in [1, 1000000]"},
		{[]string{"ssa", "@sis", "--steps", "0"}, "--steps 0: must be an integer in [1, 1000000]"},
		{[]string{"ssa", "@sis", "--steps", "1000000000000"}, "--steps 1000000000000: must be"},
		{[]string{"ssa", "@sis", "--runs", "1000000000000"}, "--runs 1000000000000: must be"},
		{[]string{"ssa", "@sis", "--runs", "0"}, "--runs 0: must be"},
		{[]string{"ssa", "@sis", "--runs", "-1"}, "--runs -1: must be"},
		{[]string{"ssa", "@sis", "--t", "NaN"}, "--t NaN: must be a finite number"},
		{[]string{"ssa", "@sis", "--runs", "1e12"}, "--runs 1000000000000: must be an integer in [2, 1000000000]"},
		{[]string{"ssa", "@sis", "--runs", "2.5"}, `expected an integer (such as 1000 or 1e6), got "2.5"`},
		{[]string{"exact", "@mm1k", "--max-states", "0"}, "--max-states 0: must be"},
		{[]string{"ode", "@sis", "--rtol", "-1"}, "--rtol -1: must be a finite number in (0, 1)"},
		{[]string{"ode", "@sis", "--atol", "NaN"}, "--atol NaN: must be"},
		{[]string{"fixpoint", "@sis", "--starts", "1000000000000"}, "--starts 1000000000000: must be"},
		{[]string{"converge", "@sis", "--samples", "1000000000000"}, "--samples 1000000000000: must be"},
		{[]string{"validate", "@mm1k", "--batches", "1000000000000"}, "--batches 1000000000000: must be"},
		{[]string{"validate", "@mm1k", "--burnin", "NaN"}, "--burnin NaN: must be -1 or a finite number in [0, inf)"},
		{[]string{"validate", "@mm1k", "--transient", "NaN"}, "--t NaN: must be"},
		{[]string{"refine", "@sis", "--t", "Inf"}, "--t inf: must be"},
		{[]string{"run", "@sis", "--N", "NaN"}, `invalid value "NaN" for flag -N`},
		{[]string{"run", "@sis", "--N", "-3"}, `invalid value "-3" for flag -N`},
		{[]string{"run", "@sis", "--set", "=1"}, "--set"},
		{[]string{"run", "@sis", "--set", "beta"}, `invalid value "beta" for flag -set`},
		{[]string{"run", "@sis", "--set", "beta=x"}, "--set beta"},
	}
	for _, c := range cases {
		out, errOut, status := runCLI(c.args...)
		if status != 2 || out != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("mfc %s: status %d, stdout %q, stderr %q; want status 2 and %q", strings.Join(c.args, " "), status, out, errOut, c.want)
		}
	}
}
