package trunc

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ctmc"
)

// Spec says which truncation of a model to build (FromModel).
type Spec struct {
	// Region names a region of the model (region NAME = condition).
	Region string
	// Seeds are further start states: d counts, optionally followed by the environment
	// index (the first initial environment state when absent).
	Seeds [][]int
	// Enumerate enumerates the region point by point instead of exploring it from the
	// initial state: the region must be a conjunction of linear inequalities in the counts
	// with a bounded solution set (needed when it holds several closed classes).
	Enumerate bool
	// MaxStates bounds |S| (0: ctmc.DefaultMaxStates); beyond, a *ctmc.LimitError.
	MaxStates int
}

// FromModel builds the truncation S of spec.Region (docs/language.md, regions as
// truncations): the states satisfying the region that are reachable from the initial state
// of in and from every seed through transitions whose source and target both satisfy it
// (with spec.Enumerate, every lattice point of the region, each a seed; for a model without
// species, every environment state satisfying it). It fills Keys, Q (original diagonal),
// Out, Exits, the in-boundary In (predecessors outside S with a positive propensity into
// S; E801/E802 are checked there too) and, when one is detected, the level structure
// (DetectLevels). in is not modified.
//
// Cost: that of ctmc.ExploreRegion, O(S·(tape + J·d)), plus the level detection.
func FromModel(ctx context.Context, m *runtime.Model, in *ir.Inputs, spec Spec) (*Truncation, error) {
	mod := m.IR
	var reg *ir.Region
	var names []string
	for i := range mod.Regions {
		names = append(names, mod.Regions[i].Name)
		if mod.Regions[i].Name == spec.Region {
			reg = &mod.Regions[i]
		}
	}
	if reg == nil {
		if len(names) == 0 {
			return nil, fmt.Errorf("trunc: the model declares no region (add one, e.g. region trunc = x < r)")
		}
		return nil, fmt.Errorf("trunc: the model has no region %q (it has: %s)", spec.Region, strings.Join(names, ", "))
	}
	d := m.Dim()
	if len(in.Counts) != d {
		return nil, fmt.Errorf("trunc: in.Counts has length %d, want %d species", len(in.Counts), d)
	}
	env0 := int32(0)
	if init := mod.Env.Init; init != nil {
		for y, w := range init {
			if w > 0 {
				env0 = int32(y)
				break
			}
		}
	}
	r := &ctmc.Region{Cond: reg.Node, Name: reg.Name}
	for _, s := range spec.Seeds {
		if len(s) != d && len(s) != d+1 {
			return nil, fmt.Errorf("trunc: a seed has %d values, want %d (the counts of %s)", len(s), d, strings.Join(m.SpeciesNames(), ", "))
		}
		key := make([]int32, d+1)
		key[d] = env0
		for i, v := range s {
			if v < 0 || v > math.MaxInt32 {
				return nil, fmt.Errorf("trunc: seed value %d out of range", v)
			}
			key[i] = int32(v)
		}
		r.Seeds = append(r.Seeds, key)
	}
	if spec.Enumerate && d > 0 {
		pts, err := enumerateRegion(m, in, reg, spec.MaxStates)
		if err != nil {
			return nil, err
		}
		r.Seeds = append(r.Seeds, pts...)
	}
	c, err := ctmc.ExploreRegion(ctx, m, in, ctmc.Limits{MaxStates: spec.MaxStates}, r)
	if err != nil {
		return nil, err
	}
	t := fromChain(c, reg.Name)
	DetectLevels(t)
	return t, nil
}

// fromChain wraps a chain explored by ctmc.ExploreRegion. O(S·d + exits).
func fromChain(c *ctmc.Chain, region string) *Truncation {
	t := &Truncation{Species: c.Model.SpeciesNames(), Region: region, Keys: append([]int32(nil), c.Keys()...),
		Q: c.Q, Out: c.Out, In: c.In, chain: c, names: c.StateString}
	t.Exits = make([]Exit, len(c.Exits))
	for i, e := range c.Exits {
		t.Exits[i] = Exit{From: e.From, Rate: e.Rate, Target: e.Target}
	}
	return t
}

// affine reports whether node id is an affine function of the counts (and densities): sums,
// negations, products with at most one factor depending on the state, and quotients by a
// state-free denominator of such functions, over leaves that do not involve the
// environment or time. O(size of the expression).
func affine(g *ir.Graph, id ir.NodeID) bool {
	const state = ir.DepCount | ir.DepDensity
	dep := g.Dep(id)
	if dep&(ir.DepEnv|ir.DepTime) != 0 {
		return false
	}
	if dep&state == 0 {
		return true
	}
	n := g.Node(id)
	switch n.Op {
	case ir.OpCount, ir.OpDensity:
		return true
	case ir.OpAdd:
		for _, a := range n.Args {
			if !affine(g, a) {
				return false
			}
		}
		return true
	case ir.OpNeg:
		return affine(g, n.Args[0])
	case ir.OpMul:
		k := 0
		for _, a := range n.Args {
			if g.Dep(a)&state != 0 {
				k++
				if k > 1 || !affine(g, a) {
					return false
				}
			}
		}
		return true
	case ir.OpDiv:
		return g.Dep(n.Args[1])&state == 0 && affine(g, n.Args[0])
	}
	return false
}

// linearConstraint is Σ c_i x_i ≤ b (strictness is left to the region's own test).
type linearConstraint struct {
	c []float64
	b float64
}

// linearConstraints reads a region that is a conjunction of comparisons <, <=, >, >= (and
// ==, as two) between affine functions of the counts, as constraints Σ c_i x_i ≤ b.
func linearConstraints(m *runtime.Model, in *ir.Inputs, node ir.NodeID) ([]linearConstraint, error) {
	g := m.IR.Graph
	var conj []ir.NodeID
	var walk func(id ir.NodeID) bool
	walk = func(id ir.NodeID) bool {
		n := g.Node(id)
		switch n.Op {
		case ir.OpAnd:
			for _, a := range n.Args {
				if !walk(a) {
					return false
				}
			}
			return true
		case ir.OpCmp:
			if ir.Cmp(n.Aux) == ir.CmpNe || !affine(g, n.Args[0]) || !affine(g, n.Args[1]) {
				return false
			}
			conj = append(conj, id)
			return true
		}
		return false
	}
	if !walk(node) {
		return nil, fmt.Errorf("trunc: --enumerate needs a region that is a conjunction of linear inequalities in the counts (such as x1 + x2 < 12 and x1 <= 8)")
	}
	d := m.Dim()
	var out []linearConstraint
	local := *in
	local.Counts = make([]float64, d)
	local.Densities = make([]float64, d)
	for _, id := range conj {
		n := g.Node(id)
		tape := g.Compile([]ir.NodeID{n.Args[0], n.Args[1]}) // the graph is not modified
		vals := make([]float64, tape.Len())
		eval := func(x []float64) float64 {
			for i := range x {
				local.Counts[i] = x[i]
				if local.Scale > 0 {
					local.Densities[i] = x[i] / local.Scale
				}
			}
			tape.Eval(vals, &local)
			return tape.Output(vals, 0) - tape.Output(vals, 1)
		}
		x := make([]float64, d)
		h0 := eval(x)
		c := make([]float64, d)
		for i := range c {
			x[i] = 1
			c[i] = eval(x) - h0
			x[i] = 0
		}
		// h(x) = c·x + h0 op 0.
		switch ir.Cmp(n.Aux) {
		case ir.CmpLt, ir.CmpLe:
			out = append(out, linearConstraint{c, -h0})
		case ir.CmpGt, ir.CmpGe:
			neg := make([]float64, d)
			for i := range c {
				neg[i] = -c[i]
			}
			out = append(out, linearConstraint{neg, h0})
		case ir.CmpEq:
			neg := make([]float64, d)
			for i := range c {
				neg[i] = -c[i]
			}
			out = append(out, linearConstraint{c, -h0}, linearConstraint{neg, h0})
		}
	}
	return out, nil
}

// enumerateRegion returns the keys (counts, environment index) of every lattice point x ≥ 0
// of a region that is a conjunction of linear inequalities with a bounded solution set, in
// every environment state where the region's condition holds: a box is derived from the
// constraints (bounds propagated d times) and each of its points is tested with the
// condition. O(box size · |𝒴| · tape).
func enumerateRegion(m *runtime.Model, in *ir.Inputs, reg *ir.Region, maxStates int) ([][]int32, error) {
	cons, err := linearConstraints(m, in, reg.Node)
	if err != nil {
		return nil, err
	}
	d := m.Dim()
	ub := make([]float64, d)
	for i := range ub {
		ub[i] = math.Inf(1)
	}
	for pass := 0; pass <= d; pass++ {
		for _, lc := range cons {
			for i, ci := range lc.c {
				if ci <= 0 {
					continue
				}
				rest := lc.b
				for j, cj := range lc.c {
					if j != i && cj < 0 {
						rest -= cj * ub[j]
					}
				}
				if v := math.Floor(rest/ci + 1e-9); v < ub[i] {
					ub[i] = v
				}
			}
		}
	}
	size := 1.0
	for i, u := range ub {
		if math.IsInf(u, 1) || math.IsNaN(u) {
			return nil, fmt.Errorf("trunc: --enumerate: region %s does not bound %s: give a bounded region", reg.Name, m.IR.Species[i].Name)
		}
		if u < 0 {
			return nil, nil
		}
		size *= u + 1
	}
	if maxStates <= 0 {
		maxStates = ctmc.DefaultMaxStates
	}
	size *= float64(max(len(m.IR.Env.Space), 1))
	if size > 64*float64(maxStates) {
		return nil, &ctmc.LimitError{Limit: "states", Max: int64(maxStates), Estimate: size, Laws: "the bounding box of region " + reg.Name}
	}
	g := m.IR.Graph
	tape := g.Compile([]ir.NodeID{reg.Node})
	vals := make([]float64, tape.Len())
	local := *in
	local.Counts = make([]float64, d)
	local.Densities = make([]float64, d)
	local.Env = append([]float64(nil), in.Env...)
	space := m.IR.Env.Space
	nEnv := max(len(space), 1)
	x := make([]int32, d)
	var pts [][]int32
	for {
		for i := range x {
			local.Counts[i] = float64(x[i])
			if local.Scale > 0 {
				local.Densities[i] = float64(x[i]) / local.Scale
			}
		}
		for y := 0; y < nEnv; y++ {
			if len(space) > 0 {
				for c, v := range space[y] {
					local.Env[c] = float64(v)
				}
			}
			tape.Eval(vals, &local)
			if tape.Output(vals, 0) != 0 {
				pts = append(pts, append(append(make([]int32, 0, d+1), x...), int32(y)))
				if len(pts) > maxStates {
					return nil, &ctmc.LimitError{Limit: "states", Max: int64(maxStates), States: len(pts)}
				}
			}
		}
		i := d - 1
		for ; i >= 0; i-- {
			if float64(x[i]) < ub[i] {
				x[i]++
				break
			}
			x[i] = 0
		}
		if i < 0 {
			return pts, nil
		}
	}
}

// ParseSeed reads a state of the model written "NAME=value,...": every species by name
// (its count), and optionally environment components (an integer value or a state name;
// those left out keep their value in the first initial environment state). It returns the
// d counts followed by the environment index, for Spec.Seeds. O(d + |𝒴|).
func ParseSeed(m *runtime.Model, s string) ([]int, error) {
	mod := m.IR
	d := m.Dim()
	out := make([]int, d+1)
	given := make([]bool, d)
	var envVals []int
	if sp := mod.Env.Space; len(sp) > 0 {
		y := 0
		for k, w := range mod.Env.Init {
			if w > 0 {
				y = k
				break
			}
		}
		envVals = append([]int(nil), sp[y]...)
	}
	for _, p := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("seed %q: want NAME=value pairs separated by commas, such as P1=3,P2=4", s)
		}
		found := false
		for i, sp := range mod.Species {
			if sp.Name == k {
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("seed %q: %s = %s is not a non-negative integer", s, k, v)
				}
				out[i], given[i], found = n, true, true
			}
		}
		for c, comp := range mod.Env.Components {
			if comp.Name != k {
				continue
			}
			found = true
			if n, err := strconv.Atoi(v); err == nil && comp.States == nil {
				envVals[c] = n
			} else if i := slices.Index(comp.States, v); i >= 0 {
				envVals[c] = i
			} else {
				return nil, fmt.Errorf("seed %q: %s has no value %s", s, k, v)
			}
		}
		if !found {
			return nil, fmt.Errorf("seed %q: the model has no species or environment component %s", s, k)
		}
	}
	for i, g := range given {
		if !g {
			return nil, fmt.Errorf("seed %q: give the count of every species (%s is missing)", s, mod.Species[i].Name)
		}
	}
	if envVals != nil {
		y := slices.IndexFunc(mod.Env.Space, func(t []int) bool { return slices.Equal(t, envVals) })
		if y < 0 {
			return nil, fmt.Errorf("seed %q: the environment state is not reachable", s)
		}
		out[d] = y
	}
	return out, nil
}
