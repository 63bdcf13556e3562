package ctmc

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/step"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
)

// DefaultMaxStates is the state limit used when Limits.MaxStates is 0.
const DefaultMaxStates = 2_000_000

// Limits bounds the exploration.
type Limits struct {
	// MaxStates is the largest number of states Explore enumerates; 0 means
	// DefaultMaxStates. The command line sets it with --max-states.
	MaxStates int
	// MaxBytes bounds the memory of the chain (state arena, hash table and generator, as
	// counted by Chain.Bytes); 0 means no bound. The solvers need more on top: about
	// 3·Chain.Bytes for Stationary and Discounted, 2 vectors of 8 bytes per state per
	// stored time for Transient.
	MaxBytes int64
}

// SolveFactor is the ratio of the memory a stationary solve needs to that of the chain
// (Chain.Bytes): the restricted generator, the ILU(0) factors and the Krylov vectors.
const SolveFactor = 3

// SolveLimits returns the limits of an exploration whose chain will then be solved
// (Stationary, Discounted) within a memory budget of budget bytes (0: no bound): the chain
// may use a SolveFactor-th of it.
func SolveLimits(maxStates int, budget int64) Limits {
	return Limits{MaxStates: maxStates, MaxBytes: budget / SolveFactor}
}

// LimitError reports an exploration stopped by a limit.
type LimitError struct {
	// Limit is "states" or "bytes".
	Limit string
	// Max is the limit's value; States the number of states found when it stopped.
	Max    int64
	States int
	// Estimate, when positive, is the bound on the state count from the conservation laws
	// Laws (SimplexBound) that made Explore refuse before exploring.
	Estimate float64
	Laws     string
}

// Error names the limit and how to raise it. O(1).
func (e *LimitError) Error() string {
	if e.Limit == "bytes" {
		return fmt.Sprintf("ctmc: the chain needs more than %d bytes (%s) of memory after %d states (Limits.MaxBytes in Go; on the command line a third of --max-memory, the solver needing the rest); raise --max-memory, or bound the chain with --max-states", e.Max, runtime.FormatBytes(e.Max), e.States)
	}
	if e.Estimate > 0 {
		return fmt.Sprintf("ctmc: the conservation laws (%s) allow up to %.4g states, more than the state limit %d: raise --max-states (Limits.MaxStates in Go) to explore them, which needs about %s, or lower --N", e.Laws, e.Estimate, e.Max, runtime.FormatBytes(int64(math.Min(e.Estimate*bytesPerState, math.MaxInt64/2))))
	}
	return fmt.Sprintf("ctmc: more than %d states are reachable from the initial state (the state limit: --max-states on the command line, Limits.MaxStates in Go); raise it to explore a larger chain", e.Max)
}

// Bytes returns the memory held by the chain: 4(d+1) bytes per state for the arena, 4 per
// hash-table slot, 8 per row pointer and 12 per generator entry. O(1).
func (c *Chain) Bytes() int64 {
	b := int64(len(c.keys))*4 + int64(len(c.table))*4
	if c.Q != nil {
		b += int64(len(c.Q.RowPtr))*8 + int64(len(c.Q.Col))*12
	}
	return b
}

// Chain is the explored state space of a model with its generator (continuous time) or
// its step matrix minus the identity (discrete time, Discrete set).
type Chain struct {
	// Model is the model the chain was built from.
	Model *runtime.Model
	// Dim is the number of species d.
	Dim int
	// Q is the generator: Q[i][j] is the total rate from state i to state j ≠ i, and
	// Q[i][i] = −Σ_{j≠i} Q[i][j]. Every row stores its diagonal.
	Q *linalg.CSR
	// Initial lists the indices of the initial states (one per initial environment state).
	Initial []int
	// Discrete reports a discrete-time chain (a 'time discrete' model): Q then holds P − I
	// for the one-step transition matrix P, so Q[i][j] is the probability of the step
	// i → j ≠ i and Q[i][i] = P[i][i] − 1.
	Discrete bool
	// Out, Exits and In are set by ExploreRegion only: the chain is then a truncation, Q
	// keeps the original diagonal (Q[i][i] = −q(i), every rate leaving i, so that row i
	// sums to −Out[i]), Out[i] is the total rate from i to states outside the region's set,
	// Exits lists those jumps by exit state and target (one entry per target), and In is the in-boundary: the states entered
	// by a jump from a state outside the set, in increasing order. Q is then not a
	// generator: package trunc augments it (re-entry rules).
	Out   []float64
	Exits []Exit
	In    []int

	keys  []int32 // arena: d counts then the environment index, per state
	table []int32 // open addressing: state index + 1, 0 for an empty slot
}

// NumStates returns the number of states.
func (c *Chain) NumStates() int { return len(c.keys) / (c.Dim + 1) }

// Counts returns the counts of state i as a view into the chain's arena; do not modify it.
func (c *Chain) Counts(i int) []int32 { return c.keys[i*(c.Dim+1) : i*(c.Dim+1)+c.Dim] }

// Keys returns the states' keys, d+1 int32 values per state (the d counts, then the
// environment index), as a view into the chain's arena; do not modify it. O(1).
func (c *Chain) Keys() []int32 { return c.keys }

// Env returns the environment index of state i (into Model.IR.Env.Space).
func (c *Chain) Env(i int) int { return int(c.keys[i*(c.Dim+1)+c.Dim]) }

// Index returns the index of the state with the given counts and environment index, or −1
// if it was not reached.
func (c *Chain) Index(counts []int, env int) int {
	if len(counts) != c.Dim {
		return -1
	}
	key := make([]int32, c.Dim+1)
	for i, v := range counts {
		if v < 0 || v > math.MaxInt32 {
			return -1
		}
		key[i] = int32(v)
	}
	key[c.Dim] = int32(env)
	return c.lookup(key)
}

// StateString formats state i as name=value pairs, e.g. "S=3, I=0, Y=1".
func (c *Chain) StateString(i int) string {
	return step.FormatState(c.Model.IR, c.Counts(i), c.Env(i), nil)
}

func hashKey(k []int32) uint64 {
	h := uint64(0x9E3779B97F4A7C15)
	for _, v := range k {
		h ^= uint64(uint32(v))
		h *= 0xBF58476D1CE4E5B9
		h ^= h >> 29
	}
	return h
}

func (c *Chain) keyOf(i int) []int32 { return c.keys[i*(c.Dim+1) : (i+1)*(c.Dim+1)] }

func equalKeys(a, b []int32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// lookup returns the index of key, or −1.
func (c *Chain) lookup(key []int32) int {
	mask := uint64(len(c.table) - 1)
	for h := hashKey(key) & mask; ; h = (h + 1) & mask {
		s := c.table[h]
		if s == 0 {
			return -1
		}
		if equalKeys(c.keyOf(int(s-1)), key) {
			return int(s - 1)
		}
	}
}

// insert returns the index of key, adding it if new; added reports whether it was new.
func (c *Chain) insert(key []int32) (idx int, added bool) {
	mask := uint64(len(c.table) - 1)
	h := hashKey(key) & mask
	for ; ; h = (h + 1) & mask {
		s := c.table[h]
		if s == 0 {
			break
		}
		if equalKeys(c.keyOf(int(s-1)), key) {
			return int(s - 1), false
		}
	}
	idx = c.NumStates()
	c.keys = append(c.keys, key...)
	c.table[h] = int32(idx + 1)
	if 2*(idx+1) > len(c.table) {
		c.grow()
	}
	return idx, true
}

func (c *Chain) grow() {
	t := make([]int32, 2*len(c.table))
	mask := uint64(len(t) - 1)
	for i, n := 0, c.NumStates(); i < n; i++ {
		h := hashKey(c.keyOf(i)) & mask
		for t[h] != 0 {
			h = (h + 1) & mask
		}
		t[h] = int32(i + 1)
	}
	c.table = t
}

// ErrDiscreteTime is returned by EvalMeasures when it is given no chain (nil) or a chain
// whose kind (Chain.Discrete) differs from the model's time kind.
var ErrDiscreteTime = errors.New("ctmc: the chain's time kind does not match the model's (explore the chain of the model with Explore)")

// entry is one off-diagonal element of a row being built: a target state and its rate
// (continuous time) or step probability (discrete time).
type entry struct {
	col  int32
	rate float64
}

// explorer evaluates the rows of a chain state by state, inserting the targets it reaches.
// It works on its own copy of the inputs, so the caller's buffers are never touched.
type explorer struct {
	c         *Chain
	m         *runtime.Model
	in        *ir.Inputs // private copy; in.Time is the time of the rows evaluated
	props     []float64
	next      []int32
	maxStates int
	maxBytes  int64
	extra     int64 // bytes held outside the arena and hash table (the CSR built so far)
	region    *regionFilter
	st        step.State // the state of the last propensities call
	// given, when set, holds the propensities of the state expanded next, which
	// propensities then checks instead of evaluating (StepStates).
	given []float64
	// known, when set, gives the targets the caller knows (StepStatesKnown).
	known func(s, j int) int
}

func newExplorer(c *Chain, m *runtime.Model, in *ir.Inputs, lim Limits) *explorer {
	maxStates := lim.MaxStates
	if maxStates <= 0 {
		maxStates = DefaultMaxStates
	}
	return &explorer{c: c, m: m, in: stateInputs(m, in), props: make([]float64, len(m.IR.Transitions)),
		next: make([]int32, c.Dim+1), maxStates: maxStates, maxBytes: lim.MaxBytes}
}

// load sets the inputs to the state of the given key (counts, densities, environment).
func (x *explorer) load(key []int32) {
	in, d := x.in, x.c.Dim
	for i := 0; i < d; i++ {
		in.Counts[i] = float64(key[i])
		if in.Scale > 0 {
			in.Densities[i] = float64(key[i]) / in.Scale
		}
	}
	if sp := x.m.IR.Env.Space; len(sp) > 0 {
		for k, v := range sp[key[d]] {
			in.Env[k] = float64(v)
		}
	}
}

// propensities evaluates and checks (E802, E803) the propensities at the state of key into
// x.props, returning the step state for the jump checks. O(tape + J).
func (x *explorer) propensities(key []int32) (*step.State, error) {
	x.load(key)
	if x.given != nil {
		copy(x.props, x.given)
	} else {
		x.m.Propensities(x.props, x.in)
	}
	x.st = step.State{Model: x.m.IR, Counts: x.in.Counts, Env: int(key[x.c.Dim]), Time: x.in.Time, Timed: x.c.Discrete}
	st := &x.st
	if _, err := step.Check(x.props, st); err != nil {
		return nil, err
	}
	return st, nil
}

// expand appends to row the transitions leaving state s that change the state (self-loops
// are dropped: in discrete time they are part of the remainder 1 − Σ row), inserting new
// target states into the chain, and returns the row with the sum of its values. The rules
// of a step and the checks E801, E802 and E803 are those of package step. With a region,
// the jumps to states outside it are not taken: they go to x.region's exits and out-rate.
// O(tape + J·d), plus a region evaluation per new target.
func (x *explorer) expand(s int, row []entry) ([]entry, float64, error) {
	c, mod := x.c, x.m.IR
	d := c.Dim
	cur := c.keyOf(s)
	y := int(cur[d])
	st, err := x.propensities(cur)
	if err != nil {
		return nil, 0, err
	}
	props := x.props
	next := x.next
	taken := 0.0 // the values of the transitions that change the state
	for j, a := range props {
		if a == 0 {
			continue
		}
		if x.known != nil {
			if idx := x.known(s, j); idx >= 0 {
				// An existing state (counts ≥ 0: CheckJump passes), taken as insert would.
				if idx != s {
					row = append(row, entry{int32(idx), a})
					taken += a
				}
				continue
			}
		}
		t := &mod.Transitions[j]
		if err := step.CheckJump(t, a, st); err != nil {
			return nil, 0, err
		}
		copy(next, cur)
		for _, jp := range t.Jump {
			v := int64(next[jp.Species]) + int64(jp.Delta)
			if v > math.MaxInt32 {
				return nil, 0, fmt.Errorf("ctmc: '%s' would make %s = %d, beyond the int32 range of the state encoding", t.Label, mod.Species[jp.Species].Name, v)
			}
			next[jp.Species] = int32(v)
		}
		if t.Update != nil {
			next[d] = int32(t.Update[y]) // allowed: step.Check zeroed the others
		}
		if equalKeys(next, cur) {
			continue // a self-loop does not change the generator
		}
		if x.region != nil && c.lookup(next) < 0 && !x.region.contains(next) {
			x.region.exit(s, a, next)
			continue
		}
		idx, added := c.insert(next)
		cur = c.keyOf(s) // the arena may have moved
		if added && c.NumStates() > x.maxStates {
			return nil, 0, &LimitError{Limit: "states", Max: int64(x.maxStates), States: c.NumStates()}
		}
		if added && x.maxBytes > 0 {
			// Capacities, not lengths: append doubles the arrays.
			if used := int64(cap(c.keys))*4 + int64(len(c.table))*4 + x.extra; used > x.maxBytes {
				return nil, 0, &LimitError{Limit: "bytes", Max: x.maxBytes, States: c.NumStates()}
			}
		}
		row = append(row, entry{int32(idx), a})
		taken += a
	}
	return row, taken, nil
}

// Explore enumerates the states reachable from the initial state of in — the counts
// in.Counts (set them with m.InitialCounts; they must be non-negative integers) and every
// environment state with positive weight in m.IR.Env.Init (all of them for 'env ~
// stationary' without a law, state 0 if Init is nil) — and builds the generator. The
// propensities are evaluated with the parameters, scale and time of in; in is not modified.
//
// For a discrete-time model (docs/language.md §6.4) the propensities are the probabilities of the
// transitions in one step, and the chain stores Q = P − I for the step matrix P: the
// off-diagonal Q[i][j] = P[i][j] and Q[i][i] = P[i][i] − 1 = −Σ_{j≠i} P[i][j], where P[i][i]
// collects the explicit self-loops and the remainder 1 − Σ_j a_j. Then πP = π is πQ = 0,
// so Stationary applies unchanged; Chain.Discrete is set. A time-inhomogeneous model is
// evaluated at the step index in.Time (the frozen chain); TimeVarying steps it with the
// probabilities of each step.
//
// The errors are: a *LimitError when more than lim.MaxStates states are reachable or the
// chain outgrows lim.MaxBytes; and, as *diag.Diagnostic, E801 (a positive propensity that
// would make a count negative), E802 (a negative, NaN or infinite propensity) and, in
// discrete time, E803 (probabilities leaving a state that sum to more than 1 + 1e-12).
//
// When ctx is done, Explore stops within ctxEvery states and returns an error wrapping
// ctx.Err().
//
// Cost: O(S·(tape + J·d)) time for S states and J transitions, O(S·(d+1) + E) memory.
func Explore(ctx context.Context, m *runtime.Model, in *ir.Inputs, lim Limits) (*Chain, error) {
	return exploreIn(ctx, m, in, lim, nil, nil)
}

// ExploreWith is Explore with the propensities of each state taken from props when it
// returns them: props is called once per state, in the order of the states (index s), with
// the state's key (its counts, then its environment index; a view to read, not keep), and
// returns the propensities at the time of in — bit for bit what m.Propensities gives, which
// Explore then checks as its own — or nil to have them evaluated. It serves a caller that
// evaluates them anyway (package slow's Taylor jets in t, whose values are the
// propensities). The returned slice is read before the next call. Cost: Explore's, less the
// evaluations props supplies.
func ExploreWith(ctx context.Context, m *runtime.Model, in *ir.Inputs, lim Limits, props func(s int, key []int32) []float64) (*Chain, error) {
	return exploreIn(ctx, m, in, lim, nil, props)
}

// exploreIn is Explore, restricted to a region when reg is not nil (ExploreRegion), with
// the propensities of props when not nil (ExploreWith).
func exploreIn(ctx context.Context, m *runtime.Model, in *ir.Inputs, lim Limits, reg *Region, props func(s int, key []int32) []float64) (*Chain, error) {
	mod := m.IR
	d := m.Dim()
	if len(in.Counts) != d {
		return nil, fmt.Errorf("ctmc: in.Counts has length %d, want %d species", len(in.Counts), d)
	}
	maxStates := lim.MaxStates
	if maxStates <= 0 {
		maxStates = DefaultMaxStates
	}
	// A product of simplices far larger than the limit is refused before any exploring,
	// with its size (exploring it to the limit can take seconds and gigabytes).
	// The margin of 4 leaves to exploring the chains that reach only part of their simplex.
	// A region may keep far fewer states: it is explored.
	if b, laws, ok := SimplexBound(mod, in.Counts); ok && reg == nil && b > 4*float64(maxStates) {
		return nil, &LimitError{Limit: "states", Max: int64(maxStates), Estimate: b, Laws: laws}
	}
	c := &Chain{Model: m, Dim: d, Discrete: mod.Time == ir.Discrete, table: make([]int32, 1024)}
	x := newExplorer(c, m, in, lim)
	starts, err := startKeys(mod, in.Counts)
	if err != nil {
		return nil, err
	}
	if reg != nil {
		if x.region, err = newRegionFilter(x, reg); err != nil {
			return nil, err
		}
		if starts, err = x.region.starts(starts); err != nil {
			return nil, err
		}
	}
	for _, key := range starts {
		idx, added := c.insert(key)
		if added {
			c.Initial = append(c.Initial, idx)
			if c.NumStates() > maxStates {
				return nil, &LimitError{Limit: "states", Max: int64(maxStates), States: c.NumStates()}
			}
		}
	}

	rowPtr := []int{0}
	var cols []int32
	var vals []float64
	var row []entry
	total := int64(0)
	if b, _, ok := SimplexBound(mod, in.Counts); ok && b <= float64(maxStates) && reg == nil {
		total = int64(b)
	}
	report, finish := runtime.StartProgress(ctx, "exploring the states", total)
	defer finish()
	for s := 0; s < c.NumStates(); s++ {
		if s%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("ctmc: exploration stopped after %d states: %w", s, err)
			}
			report(int64(s), total)
		}
		x.extra = int64(cap(rowPtr))*8 + int64(cap(cols))*4 + int64(cap(vals))*8
		if props != nil {
			x.given = props(s, c.keyOf(s))
		}
		var err error
		row, _, err = x.expand(s, row[:0])
		if err != nil {
			return nil, err
		}
		out := 0.0
		if x.region != nil {
			out = x.region.out
			x.region.out = 0
		}
		if need := len(cols) + len(row) + 1; need > cap(cols) && x.maxBytes == 0 {
			// Doubling: append's growth by a quarter on large slices copies the generator
			// about five times over. (Under a memory bound the capacities, which it counts,
			// grow as they always did.)
			m := max(2*cap(cols), need)
			cols, vals = append(make([]int32, 0, m), cols...), append(make([]float64, 0, m), vals...)
		}
		cols, vals = appendRow(cols, vals, row, s, out)
		rowPtr = append(rowPtr, len(cols))
	}
	n := c.NumStates()
	c.Q = &linalg.CSR{Rows: n, Cols: n, RowPtr: rowPtr, Col: cols, Val: vals}
	if x.region != nil {
		if err := x.region.finish(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// startKeys returns the keys of the initial states: the counts (non-negative integers) with
// every environment state of positive initial weight (all of them for 'env ~ stationary'
// without a law, state 0 if Init is nil).
func startKeys(mod *ir.Model, counts []float64) ([][]int32, error) {
	d := len(counts)
	key := make([]int32, d+1)
	for i, v := range counts {
		if v < 0 || v != math.Trunc(v) || v > math.MaxInt32 {
			return nil, fmt.Errorf("ctmc: initial count %s = %v is not a non-negative integer", mod.Species[i].Name, v)
		}
		key[i] = int32(v)
	}
	nEnv := len(mod.Env.Space)
	var envs []int
	switch {
	case nEnv == 0:
		envs = []int{0}
	case mod.Env.Init != nil:
		for y, w := range mod.Env.Init {
			if w > 0 {
				envs = append(envs, y)
			}
		}
	case mod.Env.Stationary:
		for y := 0; y < nEnv; y++ {
			envs = append(envs, y)
		}
	default:
		envs = []int{0}
	}
	keys := make([][]int32, 0, len(envs))
	for _, y := range envs {
		k := append([]int32(nil), key...)
		k[d] = int32(y)
		keys = append(keys, k)
	}
	return keys, nil
}

// appendRow sorts row by column (insertion sort: rows are short), merges duplicate
// targets, adds the diagonal −Σ row − out at column s (out: the rate to states outside a
// region, 0 without one) and appends the result to cols and vals.
func appendRow(cols []int32, vals []float64, row []entry, s int, out float64) ([]int32, []float64) {
	row = append(row, entry{int32(s), 0})
	for i := 1; i < len(row); i++ {
		for k := i; k > 0 && row[k].col < row[k-1].col; k-- {
			row[k], row[k-1] = row[k-1], row[k]
		}
	}
	start := len(cols)
	diagPos := -1
	sum := 0.0
	for _, e := range row {
		if n := len(cols); n > start && cols[n-1] == e.col {
			vals[n-1] += e.rate
		} else {
			cols = append(cols, e.col)
			vals = append(vals, e.rate)
		}
		if int(e.col) == s {
			diagPos = len(cols) - 1
		}
		sum += e.rate
	}
	vals[diagPos] = -sum - out
	return cols, vals
}

// ctxEvery is how many states, products or steps pass between two checks of the context
// of a long computation: well under a millisecond of work on small models, and about a
// second at most on the largest rows.
const ctxEvery = 1024
