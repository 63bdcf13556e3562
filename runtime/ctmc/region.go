package ctmc

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/step"
)

// Region restricts an exploration to the states satisfying a condition: the truncation S
// of a chain on an unbounded state space (seed-003 §3.0, docs/language.md on regions).
type Region struct {
	// Cond is the region's condition node (ir.Region.Node), evaluated at each state with
	// the parameters, scale and time of the exploration's inputs.
	Cond ir.NodeID
	// Seeds are further start states (d counts, then the environment index), explored
	// besides the initial state. Seeds outside the region are an error.
	Seeds [][]int32
	// Name names the region in messages.
	Name string
}

// Exit is one jump from a state of a truncation to a state outside it.
type Exit struct {
	// From is the exit state; Rate the rate of the jump.
	From int
	Rate float64
	// Target is the key of the state outside the set: d counts, then the environment index.
	Target []int32
}

// regionFilter evaluates a region's condition during an exploration and collects the jumps
// that leave it.
type regionFilter struct {
	x     *explorer
	reg   *Region
	tape  *ir.Tape
	vals  []float64
	local *ir.Inputs
	out   float64 // the out-rate of the state being expanded
}

func newRegionFilter(x *explorer, reg *Region) (*regionFilter, error) {
	g := x.m.IR.Graph
	if int(reg.Cond) < 0 || int(reg.Cond) >= g.Len() {
		return nil, fmt.Errorf("ctmc: region %s: no such graph node %d", reg.Name, reg.Cond)
	}
	tape := g.Compile([]ir.NodeID{reg.Cond})
	return &regionFilter{x: x, reg: reg, tape: tape, vals: make([]float64, tape.Len()), local: stateInputs(x.m, x.in)}, nil
}

// contains evaluates the condition at the state of key. O(tape).
func (r *regionFilter) contains(key []int32) bool {
	in, d := r.local, r.x.c.Dim
	for i := 0; i < d; i++ {
		in.Counts[i] = float64(key[i])
		if in.Scale > 0 {
			in.Densities[i] = float64(key[i]) / in.Scale
		}
	}
	if sp := r.x.m.IR.Env.Space; len(sp) > 0 && len(in.Env) > 0 {
		for k, v := range sp[key[d]] {
			in.Env[k] = float64(v)
		}
	}
	r.tape.Eval(r.vals, in)
	return r.tape.Output(r.vals, 0) != 0
}

// exit records a jump of rate a from state s to the outside state of key.
func (r *regionFilter) exit(s int, a float64, key []int32) {
	r.out += a
	c := r.x.c
	c.Exits = append(c.Exits, Exit{From: s, Rate: a, Target: append([]int32(nil), key...)})
}

// starts returns the start states of the restricted exploration: the initial states that
// satisfy the region (every environment state that does, for a model without species),
// then the seeds. It fails when a seed lies outside the region or no start is left.
func (r *regionFilter) starts(initial [][]int32) ([][]int32, error) {
	mod := r.x.m.IR
	d := r.x.c.Dim
	var keys [][]int32
	if d == 0 && len(mod.Env.Space) > 0 {
		initial = initial[:0]
		for y := range mod.Env.Space {
			initial = append(initial, []int32{int32(y)})
		}
	}
	for _, k := range initial {
		if r.contains(k) {
			keys = append(keys, k)
		}
	}
	for _, k := range r.reg.Seeds {
		if len(k) != d+1 {
			return nil, fmt.Errorf("ctmc: a seed state has %d values, want %d counts and the environment index", len(k), d)
		}
		for i := 0; i < d; i++ {
			if k[i] < 0 {
				return nil, fmt.Errorf("ctmc: seed %s has a negative count", step.FormatState(mod, k[:d], int(k[d]), nil))
			}
		}
		if e := int(k[d]); e < 0 || (len(mod.Env.Space) > 0 && e >= len(mod.Env.Space)) || (len(mod.Env.Space) == 0 && e != 0) {
			return nil, fmt.Errorf("ctmc: seed environment index %d out of range", e)
		}
		if !r.contains(k) {
			return nil, fmt.Errorf("ctmc: the seed state [%s] does not satisfy region %s", step.FormatState(mod, k[:d], int(k[d]), nil), r.reg.Name)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("ctmc: the initial state [%s] does not satisfy region %s, and no seed was given: give a state of the region with a seed (--seed)",
			step.FormatState(mod, initial[0][:d], int(initial[0][d]), nil), r.reg.Name)
	}
	return keys, nil
}

// finish sets the chain's out-rates and its in-boundary: the states s of the set with a
// predecessor p = s − ℓ_j outside the set (non-negative counts, and for a transition that
// sets the environment, an environment state it maps to that of s) where a_j(p) > 0. The
// propensity a_j(p) is checked as at any explored state (E802: negative, NaN or infinite);
// p + ℓ_j = s has no negative count, so E801 cannot arise. A predecessor where another
// propensity is invalid is not a state of the chain (it lies outside the reachable set, as
// beyond the total of a model whose births stop there) and is skipped. The in-boundary may
// still include states entered only from unreachable predecessors with valid propensities:
// an over-approximation, which the schemes' bounds tolerate (they use fewer equations).
// O(S·J·(d + tape)) at worst; a predecessor inside the set costs one lookup.
func (r *regionFilter) finish() error {
	x := r.x
	c, mod := x.c, x.m.IR
	d := c.Dim
	n := c.NumStates()
	c.Out = make([]float64, n)
	for _, e := range c.Exits {
		c.Out[e.From] += e.Rate
	}
	// By exit state, then target; jumps of several transitions to one target merged.
	sort.SliceStable(c.Exits, func(i, j int) bool {
		a, b := c.Exits[i], c.Exits[j]
		if a.From != b.From {
			return a.From < b.From
		}
		return slices.Compare(a.Target, b.Target) < 0
	})
	merged := c.Exits[:0]
	for _, e := range c.Exits {
		if k := len(merged) - 1; k >= 0 && merged[k].From == e.From && equalKeys(merged[k].Target, e.Target) {
			merged[k].Rate += e.Rate
			continue
		}
		merged = append(merged, e)
	}
	c.Exits = merged
	pred := make([]int32, d+1)
	inB := make([]bool, n)
	var envs []int
	for s := 0; s < n; s++ {
		for j := range mod.Transitions {
			t := &mod.Transitions[j]
			if inB[s] {
				break
			}
			cur := c.keyOf(s)
			copy(pred, cur)
			neg := false
			for _, jp := range t.Jump {
				v := int64(pred[jp.Species]) - int64(jp.Delta)
				if v < 0 || v > math.MaxInt32 {
					neg = true
					break
				}
				pred[jp.Species] = int32(v)
			}
			if neg {
				continue
			}
			envs = envs[:0]
			if t.Update == nil {
				envs = append(envs, int(cur[d]))
			} else {
				for y, to := range t.Update {
					if to == int(cur[d]) {
						envs = append(envs, y)
					}
				}
			}
			for _, y := range envs {
				pred[d] = int32(y)
				if equalKeys(pred, cur) || c.lookup(pred) >= 0 {
					continue
				}
				// Only the propensity of the jump into S matters (and is checked, E802):
				// a state outside the reachable set may have other propensities that are
				// invalid there and never used.
				x.load(pred)
				x.m.Propensities(x.props, x.in)
				a := x.props[j]
				if a == 0 || step.RoundOff(a, step.Scale(x.props), c.Discrete) {
					continue
				}
				st := step.State{Model: mod, Counts: x.in.Counts, Env: y, Time: x.in.Time, Timed: c.Discrete}
				if !(a > 0) || a > math.MaxFloat64 {
					props := make([]float64, len(x.props))
					props[j] = a
					_, err := step.Check(props, &st) // E802 naming transition j at pred
					return err
				}
				if _, err := step.Check(x.props, &st); err != nil {
					continue // not a state of the chain: another propensity is invalid there
				}
				inB[s] = true
				break
			}
		}
	}
	c.In = c.In[:0]
	for s, b := range inB {
		if b {
			c.In = append(c.In, s)
		}
	}
	return nil
}

// ExploreRegion enumerates the truncation S of region reg: the states satisfying reg.Cond
// reachable from the initial state of in (as in Explore; for a model without species,
// every environment state satisfying the condition) and from every seed, through
// transitions whose source and target both satisfy it. The chain's Q is the north-west
// corner Q_r with the original diagonal; Out, Exits and In give the out-rates, the jumps
// leaving S and the in-boundary (Chain). The limits and the checks E801, E802 and E803 are
// those of Explore, applied also at the outside predecessors of the in-boundary.
//
// Cost: that of Explore on S, plus one evaluation of the condition per new target and the
// in-boundary search, O(S·J·d) plus a propensity evaluation per outside predecessor.
func ExploreRegion(ctx context.Context, m *runtime.Model, in *ir.Inputs, lim Limits, reg *Region) (*Chain, error) {
	if reg == nil {
		return nil, fmt.Errorf("ctmc: ExploreRegion needs a region")
	}
	return exploreIn(ctx, m, in, lim, reg, nil)
}
