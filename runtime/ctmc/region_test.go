package ctmc

import (
	"context"
	"slices"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestExploreRegionWhole: a region that holds every reachable state (a condition that is
// always true) gives Explore's chain exactly — same states in the same order, same
// generator — with no exits, out-rates 0 and an empty in-boundary, for a continuous-time
// model with an environment (T2) and a discrete-time one (@slow_chain). T2's states just
// beyond its total (S + I = N + 1) would enter the chain by a recovery, but the inflow
// 'wane' is negative there: they are not states of the chain and not predecessors.
func TestExploreRegionWhole(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"@t2_sirs_env", "@slow_chain"} {
		m := loadtest.Model(t, name, compiler.Options{})
		in := m.Inputs()
		ref, err := Explore(context.Background(), m, in, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		c, err := ExploreRegion(context.Background(), m, in, Limits{}, &Region{Cond: m.IR.Graph.True(), Name: "all"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c.Keys(), ref.Keys()) || !slices.Equal(c.Q.RowPtr, ref.Q.RowPtr) || !slices.Equal(c.Q.Col, ref.Q.Col) || !slices.Equal(c.Q.Val, ref.Q.Val) {
			t.Errorf("%s: the chain of the whole region differs from Explore's", name)
		}
		if len(c.Exits) != 0 || len(c.In) != 0 || slices.ContainsFunc(c.Out, func(o float64) bool { return o != 0 }) {
			t.Errorf("%s: exits %d, in-boundary %d", name, len(c.Exits), len(c.In))
		}
	}
}

// TestExploreRegionBirthDeath: the region x < 5 of an immigration–death chain (birth 2,
// death x): S = {0..4}, the only exit is the birth from 4 (rate 2), the diagonal of state 4
// keeps it (−(2 + 4)), and the in-boundary is {4} (entered by the death from 5).
func TestExploreRegionBirthDeath(t *testing.T) {
	t.Parallel()
	m := loadtest.Source(t, "model m\nspecies X as x\n0 <-> X @ 2, x\nregion r = x < 5\ninit { X = 0 }\n", compiler.Options{})
	var cond ir.NodeID = m.IR.Regions[0].Node
	c, err := ExploreRegion(context.Background(), m, m.Inputs(), Limits{}, &Region{Cond: cond, Name: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if c.NumStates() != 5 || len(c.Exits) != 1 || c.Exits[0].Rate != 2 || c.Exits[0].Target[0] != 5 {
		t.Fatalf("%d states, exits %+v", c.NumStates(), c.Exits)
	}
	x := c.Exits[0].From
	if c.Counts(x)[0] != 4 || c.Q.At(x, x) != -6 || c.Out[x] != 2 || !slices.Equal(c.In, []int{x}) {
		t.Errorf("exit state %v, diagonal %g, out %g, in-boundary %v", c.Counts(x), c.Q.At(x, x), c.Out[x], c.In)
	}
}
