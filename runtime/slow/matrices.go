package slow

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/mfcproject/mfc/autodiff"
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/step"
)

// Builder evaluates the step matrix P(t) (discrete time) or the generator Q(t) of a model
// on a fixed list of states, with its derivatives in t by forward-mode AD of the
// propensity tape along the time leaf (autodiff.Jet in the direction of t). A Builder is
// not safe for concurrent use.
//
// A Builder remembers the matrices of its recent At calls (one per time and order) so that,
// after Grow extends its states, At at the same time and order evaluates only the new
// states and the rows that had left out a transition: the others cannot change (their
// targets keep their indices).
type Builder struct {
	m        *runtime.Model
	states   *ctmc.Chain
	discrete bool
	tape     *ir.Tape
	ws       *autodiff.Workspace
	in       *ir.Inputs
	jet      []float64
	key      []int
	row      []ent
	memo     []*built
	nnz      int // the largest number of entries of a matrix built so far (capacity hint)
	skipped  int // the entries of the rows a scan left unassembled (counted by assemble)
	hint     int // the capacity of the matrices of the current call
	// targets[s·J + j] caches the target of transition j from state s (−1: not among the
	// states, −2: not computed yet); nil when S·J exceeds targetBudget.
	targets []int32
	// seed holds the propensity jets the exploration of the states evaluated (explore):
	// seed.jets[s·J·(order+1):] for the first seed.n states, at time seed.t and seed.order.
	seed *built
	// Dropped counts the transitions with a non-zero rate (or derivative) whose target is
	// not among the states in the last call of At; they are left out with the diagonal
	// rebuilt from the others, so every matrix stays conservative (pitfall 11).
	Dropped int
	// DroppedRate is the largest |rate| or |derivative| left out.
	DroppedRate float64
}

// ent is one off-diagonal entry of a row being assembled: its column and the value and
// first two derivatives.
type ent struct {
	col int
	v   [3]float64
}

// built is the record of one At call: the matrices, the inputs they were evaluated with,
// the rows that left out a transition, and, for the first build at its time and order, the
// propensity jets of those rows (while they fit in memoJetBudget), which assemble them
// again on grown states.
type built struct {
	t       float64
	order   int
	n       int // states
	nnz     int // the entries of the matrices, assembled or (scan) not
	drops   int // the transitions left out (entries of the matrices on grown states)
	params  []float64
	scale   float64
	mats    []*linalg.CSR
	dropped []bool
	// jets[at[s]:at[s]+J·(order+1)] are the propensity jets of a row that left out a
	// transition (at[s] < 0: not kept).
	jets []float64
	at   []int32
}

// memoJetBudget bounds the propensity jets a Builder keeps per At call (floats; 8 MB): rows
// beyond it are evaluated again after Grow.
const memoJetBudget = 1 << 20

// targetBudget bounds the cached targets (int32; 16 MB).
const targetBudget = 1 << 22

// memoKeep is the number of At records kept: the three times of the finite differences.
const memoKeep = 3

// NewBuilder returns a builder on the states of c (its Q is not used: c may be the state
// list of a ctmc.StepResult), with the parameters and scale of in. It evaluates the
// model's propensity tape (runtime.Model.PropensityTape) with buffers of its own. Cost:
// O(tape).
func NewBuilder(m *runtime.Model, c *ctmc.Chain, in *ir.Inputs) *Builder {
	return newBuilder(m, c, in, autodiff.Time())
}

// NewBuilderParam is NewBuilder with the derivatives taken with respect to the parameter
// of flat index k (runtime.Model.DiffParam) instead of t: the sensitivity of a stationary
// chain (Theorem 1 with a ≡ 1).
func NewBuilderParam(m *runtime.Model, c *ctmc.Chain, in *ir.Inputs, k int) *Builder {
	return newBuilder(m, c, in, autodiff.Params(k))
}

func newBuilder(m *runtime.Model, c *ctmc.Chain, in *ir.Inputs, v autodiff.Vars) *Builder {
	tape := m.PropensityTape()
	local := *in
	local.Counts = make([]float64, m.Dim())
	local.Densities = make([]float64, m.Dim())
	local.Env = make([]float64, len(m.IR.Env.Components))
	return &Builder{m: m, states: c, discrete: m.IR.Time == ir.Discrete, tape: tape,
		ws: autodiff.NewWorkspace(tape, v), in: &local,
		jet: make([]float64, 3*len(m.IR.Transitions)), key: make([]int, m.Dim())}
}

// explore explores the states of the model from in (ctmc.ExploreWith) with the builder's
// propensity jets of the given order at in.Time, which give the exploration its
// propensities and are kept (within memoJetBudget) for the next At at that time and
// order, so that the states are not evaluated twice; the builder moves to the chain
// explored. in must have the builder's parameters and scale. A state whose jets fail is
// evaluated by the exploration itself (and the jets kept stop there). Cost: Explore's,
// with a jet instead of an evaluation per state.
func (b *Builder) explore(ctx context.Context, in *ir.Inputs, lim ctmc.Limits, order int) (*ctmc.Chain, error) {
	J := len(b.m.IR.Transitions)
	w := order + 1
	seed := &built{t: in.Time, order: order}
	vals := make([]float64, J)
	dir := []float64{1}
	b.in.Time = in.Time
	keep := true
	c, err := ctmc.ExploreWith(ctx, b.m, in, lim, func(s int, key []int32) []float64 {
		if !keep || s != seed.n || (s+1)*J*w > memoJetBudget {
			keep = false
			return nil
		}
		b.loadKey(key[:len(key)-1], int(key[len(key)-1]))
		jet := b.jet[:J*w]
		if err := autodiff.Jet(jet, order, b.ws, b.in, dir); err != nil {
			keep = false // evaluated by the exploration; the next At reports the error
			return nil
		}
		if len(seed.jets)+len(jet) > cap(seed.jets) {
			// Doubling (append grows large slices by a quarter, copying them many times).
			grown := make([]float64, len(seed.jets), min(max(2*cap(seed.jets), 64*len(jet)), memoJetBudget))
			copy(grown, seed.jets)
			seed.jets = grown
		}
		seed.jets = append(seed.jets, jet...)
		seed.n++
		for j := range vals {
			vals[j] = jet[j*w]
		}
		return vals
	})
	if err != nil {
		return nil, err
	}
	b.states = c
	b.targets = nil
	b.memo = nil
	b.seed = seed
	return c, nil
}

// N returns the number of states.
func (b *Builder) N() int { return b.states.NumStates() }

// Grow moves the builder to the states of c, which must begin with the builder's states in
// the same order (ctmc.TimeVarying appends the states it finds after the old ones). The
// records of earlier At calls, and the targets found among the old states, are kept when
// that holds and dropped otherwise, so Grow is always safe. O(S·(d + J)).
func (b *Builder) Grow(c *ctmc.Chain) {
	old := b.states
	b.states = c
	n := old.NumStates()
	targets := b.targets
	b.targets = nil // rebuilt on the grown states by the next At
	if c.NumStates() < n || c.Dim != old.Dim {
		b.memo = nil
		return
	}
	for s := 0; s < n; s++ {
		if c.Env(s) != old.Env(s) || !slices.Equal(c.Counts(s), old.Counts(s)) {
			b.memo = nil
			return
		}
	}
	// The cached targets among the old states keep their indices; those that were not
	// among them (−1) may be among the new ones: computed again, as are the new rows'.
	J := len(b.m.IR.Transitions)
	if targets != nil && len(targets) == n*J && c.NumStates()*J <= targetBudget {
		b.targets = make([]int32, c.NumStates()*J)
		for i, v := range targets {
			if v == -1 {
				v = -2
			}
			b.targets[i] = v
		}
		for i := len(targets); i < len(b.targets); i++ {
			b.targets[i] = -2
		}
	}
}

// record returns the record of an earlier At call at time t and order on the current
// inputs, or nil.
func (b *Builder) record(t float64, order int) *built {
	for _, r := range b.memo {
		if r.t == t && r.order == order && r.n <= b.N() && r.scale == b.in.Scale && slices.Equal(r.params, b.in.Params) {
			return r
		}
	}
	return nil
}

// At returns the matrix at time t and, for order ≥ 1 and 2, its first and second
// derivatives in t (Matrices.D1, D2; nil above order). Off-diagonal elements are the
// propensities (and their Taylor coefficients, times k! for the k-th derivative) summed
// per target state; self-loops are dropped; the diagonal is rebuilt after differentiation
// as 1 − Σ_{j≠i} p_ij (discrete) or −Σ_{j≠i} q_ij, and −Σ of the row for the derivatives,
// so every derivative matrix has zero row sums. Cost: O(S·order²·tape + E log E); after
// Grow, at a time and order built before, only for the new states and the rows that left
// out a transition (O(nnz) for the others).
func (b *Builder) At(t float64, order int) (Matrices, error) { return b.at(t, order, false) }

// scan is At for a caller that will build the matrices again at t and order, on these
// states or, after Grow, on more (Expand, before the union of the states): the rows that
// leave a transition out are checked for non-finite values and counted (Dropped,
// DroppedRate) but neither summed nor assembled, since they will be (and their sums
// checked), from the jets it keeps for every row. It reports false, and does
// nothing, when those jets do not fit in memoJetBudget. Cost: At's, less the assembly of
// those rows.
func (b *Builder) scan(t float64, order int) (bool, error) {
	if b.N()*len(b.m.IR.Transitions)*(order+1) > memoJetBudget {
		return false, nil
	}
	_, err := b.at(t, order, true)
	return err == nil, err
}

// at is At; with lazy (scan), the rows that leave a transition out are left empty in the
// matrices of the record (which only a later At reads, re-assembling them).
func (b *Builder) at(t float64, order int, lazy bool) (Matrices, error) {
	if order < 0 || order > 2 {
		panic("slow: Builder.At order outside 0..2")
	}
	n := b.N()
	mod := b.m.IR
	b.Dropped, b.DroppedRate, b.skipped = 0, 0, 0
	b.in.Time = t
	prev := b.record(t, order)
	hint := b.nnz
	switch {
	case prev != nil:
		// At most a transition and the diagonal in each new row.
		hint = prev.nnz + prev.drops + (n-prev.n)*min(len(mod.Transitions)+1, n)
	case hint == 0 && b.states.Q != nil:
		hint = len(b.states.Q.Col) + len(b.states.Q.Col)/8 // and the entries of derivatives only
	}
	mats := make([]*linalg.CSR, order+1)
	b.hint = hint
	for k := range mats {
		mats[k] = &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, n+1)}
		if !lazy { // a scan allocates at its first assembled row (often none)
			mats[k].Col, mats[k].Val = make([]int32, 0, hint), make([]float64, 0, hint)
		}
	}
	rec := &built{t: t, order: order, n: n, params: slices.Clone(b.in.Params), scale: b.in.Scale,
		mats: mats, dropped: make([]bool, n), at: make([]int32, n)}
	dir := []float64{1}
	jet := b.jet[:len(mod.Transitions)*(order+1)]
	all := n*len(jet) <= memoJetBudget
	// A first build at the exploration's time and order keeps the jets of the exploration
	// as they are (all of them fit: they are every row's, in order).
	seeded := 0
	if sd := b.seed; prev == nil && all && sd != nil && sd.t == t && sd.order == order && sd.n <= n {
		seeded = sd.n
		rec.jets = sd.jets[: seeded*len(jet) : seeded*len(jet)]
	}
	for s := 0; s < n; s++ {
		var src []float64
		rec.at[s] = -1
		if prev != nil && s < prev.n {
			if !prev.dropped[s] {
				// Every target of the row was among the states and keeps its index.
				for k, a := range prev.mats {
					lo, hi := a.RowPtr[s], a.RowPtr[s+1]
					mats[k].Col = append(mats[k].Col, a.Col[lo:hi]...)
					mats[k].Val = append(mats[k].Val, a.Val[lo:hi]...)
					mats[k].RowPtr[s+1] = len(mats[k].Col)
				}
				continue
			}
			if a := prev.at[s]; a >= 0 {
				src = prev.jets[a : int(a)+len(jet)]
			}
		}
		if src == nil && b.seed != nil && s < b.seed.n && b.seed.t == t && b.seed.order == order {
			w := order + 1
			src = b.seed.jets[s*len(mod.Transitions)*w : (s+1)*len(mod.Transitions)*w]
		}
		if src == nil {
			b.load(s)
			if err := autodiff.Jet(jet, order, b.ws, b.in, dir); err != nil {
				return Matrices{}, fmt.Errorf("slow: differentiating the propensities in t at state %s: %w", b.states.StateString(s), err)
			}
			src = jet
		}
		drops, err := b.assemble(s, src, order, t, mats, lazy)
		if err != nil {
			return Matrices{}, err
		}
		if drops > 0 {
			rec.dropped[s] = true
		}
		// Kept on a first build only (Expand grows the states once): the rows that left a
		// transition out, or every row when they all fit (their values step the union of
		// the states, Values).
		if s < seeded {
			rec.at[s] = int32(s * len(jet)) // taken with the seed, below
			continue
		}
		if (drops > 0 || all) && prev == nil && len(rec.jets)+len(src) <= memoJetBudget {
			if rec.jets == nil {
				// Room for every row left, within the budget (trimmed below).
				rec.jets = make([]float64, 0, min(memoJetBudget, (n-s)*len(src)))
			}
			rec.at[s] = int32(len(rec.jets))
			rec.jets = append(rec.jets, src...)
		}
	}
	if len(rec.jets) < cap(rec.jets)/2 {
		rec.jets = slices.Clone(rec.jets) // few rows left a transition out
	}
	b.remember(rec)
	rec.nnz, rec.drops = len(mats[0].Col)+b.skipped, b.Dropped
	b.nnz = max(b.nnz, rec.nnz)
	out := Matrices{P: mats[0]}
	if order >= 1 {
		out.D1 = mats[1]
	}
	if order >= 2 {
		out.D2 = mats[2]
	}
	return out, nil
}

// Values returns, for the states of an earlier At call at time t on the current inputs,
// the propensities of state i at t (the value part of the jets, bit for bit what
// Model.Propensities gives), or nil for the states it did not keep: the form
// ctmc.StepStates takes. The slice returned is reused by the next call. O(J) a state.
func (b *Builder) Values(t float64) func(i int) []float64 {
	var r *built
	for order := 0; order <= 2 && r == nil; order++ {
		r = b.record(t, order)
	}
	if r == nil {
		return nil
	}
	J := len(b.m.IR.Transitions)
	buf := make([]float64, J)
	return func(i int) []float64 {
		if i >= r.n || r.at[i] < 0 {
			return nil
		}
		src := r.jets[r.at[i]:]
		for j := range buf {
			buf[j] = src[j*(r.order+1)]
		}
		return buf
	}
}

// remember keeps rec as the record of its time and order, with at most memoKeep records.
func (b *Builder) remember(rec *built) {
	keep := b.memo[:0]
	for _, r := range b.memo {
		if r.t != rec.t || r.order != rec.order {
			keep = append(keep, r)
		}
	}
	if len(keep) >= memoKeep {
		keep = keep[1:]
	}
	b.memo = append(keep, rec)
}

// assemble appends row s of the matrices from the propensity jets of state s
// (jet[j*(order+1)+k] = c_k of transition j), and returns the number of transitions left out
// because their target is not among the states. O(J + r log r) for r entries.
func (b *Builder) assemble(s int, jet []float64, order int, t float64, mats []*linalg.CSR, lazy bool) (int, error) {
	mod := b.m.IR
	row := b.row[:0]
	defer func() { b.row = row[:0] }()
	counts, y := b.states.Counts(s), b.states.Env(s)
	drops := 0
	w := order + 1
	J := len(mod.Transitions)
	jet = jet[:J*w]
	targets := b.targetRow(s) // the cached targets of row s, or nil
	for j := 0; j < J; j++ {
		var v [3]float64
		v[0] = jet[j*w]
		if order >= 1 {
			v[1] = jet[j*w+1]
		}
		if order >= 2 {
			v[2] = jet[j*w+2] * 2 // d²/dt² = 2·c₂
		}
		if v[0] == 0 && v[1] == 0 && v[2] == 0 {
			continue
		}
		// x − x is 0 for a finite x, NaN for ±Inf and NaN.
		if v[0]-v[0] != 0 || v[1]-v[1] != 0 || v[2]-v[2] != 0 {
			for k, x := range v {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return 0, fmt.Errorf("slow: the propensity of '%s' or its derivative %d in t is %v at state %s (t = %v)", mod.Transitions[j].Label, k, x, b.states.StateString(s), t)
				}
			}
		}
		tr := &mod.Transitions[j]
		if !step.Allowed(tr, y) {
			continue
		}
		var target int
		if targets != nil && targets[j] != -2 {
			target = int(targets[j])
		} else {
			target = b.cachedTarget(s, j, tr, counts, y)
		}
		if target == s {
			continue
		}
		if target < 0 {
			drops++
			for k := 0; k <= order; k++ {
				b.DroppedRate = math.Max(b.DroppedRate, math.Abs(v[k]))
			}
			continue
		}
		row = append(row, ent{target, v})
	}
	b.Dropped += drops
	if lazy && drops > 0 {
		// scan: assembled, and checked, again by the next At from the same jets.
		for _, a := range mats {
			a.RowPtr[s+1] = len(a.Col)
		}
		b.skipped += len(row) + 1 // a capacity hint: duplicates are few
		return drops, nil
	}
	// Merge duplicates (a row with increasing columns has none) and sum the row, every
	// entry in the order of the row.
	var sum [3]float64
	merged := row
	if !increasing(row) {
		slices.SortFunc(row, func(a, c ent) int { return a.col - c.col })
		merged = row[:0]
		for _, e := range row {
			if l := len(merged); l > 0 && merged[l-1].col == e.col {
				for k := range e.v {
					merged[l-1].v[k] += e.v[k]
				}
			} else {
				merged = append(merged, e)
			}
			for k := 0; k <= order; k++ {
				sum[k] += e.v[k]
			}
		}
	} else {
		for _, e := range row {
			for k := 0; k <= order; k++ {
				sum[k] += e.v[k]
			}
		}
	}
	var diag [3]float64
	for k := 0; k <= order; k++ {
		diag[k] = -sum[k]
	}
	if b.discrete {
		diag[0] = 1 - sum[0]
		if diag[0] < -1e-12 {
			return 0, fmt.Errorf("slow: the probabilities leaving state %s sum to %v > 1 at t = %v", b.states.StateString(s), sum[0], t)
		}
		diag[0] = math.Max(diag[0], 0)
	}
	if cap(mats[0].Col) == 0 {
		for _, a := range mats {
			a.Col, a.Val = make([]int32, 0, b.hint), make([]float64, 0, b.hint)
		}
	}
	// The row with its diagonal, in column order, into each matrix.
	nr := len(merged) + 1
	for k, a := range mats {
		base := len(a.Col)
		a.Col = slices.Grow(a.Col, nr)[:base+nr]
		a.Val = slices.Grow(a.Val, nr)[:base+nr]
		cols, vals := a.Col[base:], a.Val[base:]
		p, placed := 0, false
		for _, e := range merged {
			if !placed && e.col > s {
				cols[p], vals[p] = int32(s), diag[k]
				p, placed = p+1, true
			}
			cols[p], vals[p] = int32(e.col), e.v[k&3]
			p++
		}
		if !placed {
			cols[p], vals[p] = int32(s), diag[k]
		}
		a.RowPtr[s+1] = len(a.Col)
	}
	return drops, nil
}

// increasing reports whether the columns of row increase strictly (sorting it would
// change nothing). O(r).
func increasing(row []ent) bool {
	for i := 1; i < len(row); i++ {
		if row[i].col <= row[i-1].col {
			return false
		}
	}
	return true
}

// cachedTarget is target through the cache of the builder: the targets do not depend on t,
// so the finite differences' three matrices compute them once. O(d + J) when computed.
func (b *Builder) cachedTarget(s, j int, tr *ir.Transition, counts []int32, y int) int {
	J := len(b.m.IR.Transitions)
	if b.targetRow(s) == nil {
		return b.target(tr, counts, y)
	}
	if v := b.targets[s*J+j]; v != -2 {
		return int(v)
	}
	v := b.target(tr, counts, y)
	b.targets[s*J+j] = int32(v)
	return v
}

// targetRow returns the cached targets of the transitions from state s (−2: not computed
// yet), allocating the cache on first use, or nil when it exceeds targetBudget.
func (b *Builder) targetRow(s int) []int32 {
	J := len(b.m.IR.Transitions)
	if b.targets == nil {
		if n := b.N(); n*J <= targetBudget {
			b.targets = make([]int32, n*J)
			for i := range b.targets {
				b.targets[i] = -2
			}
		}
	}
	if b.targets == nil {
		return nil
	}
	return b.targets[s*J : s*J+J]
}

// load sets the counts, densities and environment of state s into the inputs.
func (b *Builder) load(s int) { b.loadKey(b.states.Counts(s), b.states.Env(s)) }

// loadKey sets the counts, densities and environment y of a state into the inputs.
func (b *Builder) loadKey(counts []int32, y int) {
	in := b.in
	for i, v := range counts {
		in.Counts[i] = float64(v)
		if in.Scale > 0 {
			in.Densities[i] = float64(v) / in.Scale
		}
	}
	if sp := b.m.IR.Env.Space; len(sp) > 0 && len(in.Env) > 0 {
		for k, v := range sp[y] {
			in.Env[k] = float64(v)
		}
	}
}

// target returns the index of the state transition tr leads to from (counts, y), or −1
// when it is not among the states (or would make a count negative).
func (b *Builder) target(tr *ir.Transition, counts []int32, y int) int {
	for i, v := range counts {
		b.key[i] = int(v)
	}
	for _, jp := range tr.Jump {
		b.key[jp.Species] += int(jp.Delta)
		if b.key[jp.Species] < 0 {
			return -1
		}
	}
	if tr.Update != nil {
		y = tr.Update[y]
	}
	return b.states.Index(b.key, y)
}

// Combine returns Σ_k c[k]·a[k] for matrices of one size (the union of their patterns; the
// columns of each row sorted, as CSR rows are). Each element is accumulated in the order of
// a. O(Σ nnz·len(a)).
func Combine(c []float64, a []*linalg.CSR) *linalg.CSR {
	if samePattern(a) {
		n, cols := a[0].Rows, a[0].Cols
		// The usual case (the matrices of one chain at nearby times): the sums elementwise,
		// in the order of combineMerge.
		m := a[0]
		out := &linalg.CSR{Rows: n, Cols: cols, RowPtr: slices.Clone(m.RowPtr), Col: slices.Clone(m.Col), Val: make([]float64, len(m.Val))}
		for p := range out.Val {
			v := 0.0
			for k, b := range a {
				v += c[k] * b.Val[p]
			}
			out.Val[p] = v
		}
		return out
	}
	return combineMerge(c, a)
}

// combineMerge is Combine by merging the rows of the matrices. A row in which one matrix
// stores every column the others store (columns increasing: the usual case of matrices at
// nearby times, whose patterns differ by the probabilities that underflow) is summed into a
// dense accumulator on that matrix's columns; other rows are merged column by column.
// Either way each element is 0 + Σ_k c[k]·a[k]_ij over the matrices storing it, in the
// order of a. O(Σ nnz·len(a)).
func combineMerge(c []float64, a []*linalg.CSR) *linalg.CSR {
	n, cols := a[0].Rows, a[0].Cols
	nnz := 0
	for _, m := range a {
		nnz = max(nnz, len(m.Col))
	}
	out := &linalg.CSR{Rows: n, Cols: cols, RowPtr: make([]int, n+1), Col: make([]int32, 0, nnz), Val: make([]float64, 0, nnz)}
	pos := make([]int, len(a)) // the next entry of row i in each matrix
	acc := make([]float64, cols)
	mark := make([]int32, cols) // mark[j] = i + 1: column j is stored in the widest matrix's row i
	for i := 0; i < n; i++ {
		if combineRow(out, c, a, i, acc, mark) {
			out.RowPtr[i+1] = len(out.Col)
			continue
		}
		for k, m := range a {
			pos[k] = m.RowPtr[i]
		}
		for {
			// The smallest column not yet taken among the matrices.
			j := int32(math.MaxInt32)
			for k, m := range a {
				if pos[k] < m.RowPtr[i+1] && m.Col[pos[k]] < j {
					j = m.Col[pos[k]]
				}
			}
			if j == math.MaxInt32 {
				break
			}
			v := 0.0
			for k, m := range a {
				// A row lists a column once, except that rows of unsorted input would repeat it.
				for pos[k] < m.RowPtr[i+1] && m.Col[pos[k]] == j {
					v += c[k] * m.Val[pos[k]]
					pos[k]++
				}
			}
			out.Col = append(out.Col, j)
			out.Val = append(out.Val, v)
		}
		out.RowPtr[i+1] = len(out.Col)
	}
	return out
}

// combineRow appends row i of Σ_k c[k]·a[k] to out when the row of one matrix stores every
// column the rows of the others store, all with increasing columns, and reports whether it
// did (else it appends nothing). acc and mark are scratch of length Cols, mark never set to
// i + 1 before. O(Σ_k nnz of row i).
func combineRow(out *linalg.CSR, c []float64, a []*linalg.CSR, i int, acc []float64, mark []int32) bool {
	wide := 0
	for k, m := range a {
		if m.RowPtr[i+1]-m.RowPtr[i] > a[wide].RowPtr[i+1]-a[wide].RowPtr[i] {
			wide = k
		}
	}
	stamp := int32(i + 1)
	w := a[wide]
	wcols := w.Col[w.RowPtr[i]:w.RowPtr[i+1]]
	for p, j := range wcols {
		if p > 0 && j <= wcols[p-1] {
			return false
		}
		mark[j] = stamp
		acc[j] = 0
	}
	for k, m := range a {
		if k == wide {
			continue
		}
		mcols := m.Col[m.RowPtr[i]:m.RowPtr[i+1]]
		for p, j := range mcols {
			if mark[j] != stamp || (p > 0 && j <= mcols[p-1]) {
				return false
			}
		}
	}
	for k, m := range a {
		ck := c[k]
		mcols, mvals := m.Col[m.RowPtr[i]:m.RowPtr[i+1]], m.Val[m.RowPtr[i]:m.RowPtr[i+1]]
		mvals = mvals[:len(mcols)]
		for p, j := range mcols {
			acc[j] += ck * mvals[p]
		}
	}
	for _, j := range wcols {
		out.Col = append(out.Col, j)
		out.Val = append(out.Val, acc[j])
	}
	return true
}

// samePattern reports whether the matrices have the same rows and columns stored, the
// columns of each row increasing. O(nnz).
func samePattern(a []*linalg.CSR) bool {
	m := a[0]
	for i := 0; i < m.Rows; i++ {
		for p := m.RowPtr[i] + 1; p < m.RowPtr[i+1]; p++ {
			if m.Col[p] <= m.Col[p-1] {
				return false
			}
		}
	}
	for _, m := range a[1:] {
		if m.Rows != a[0].Rows || !slices.Equal(m.RowPtr, a[0].RowPtr) || !slices.Equal(m.Col, a[0].Col) {
			return false
		}
	}
	return true
}

// RowSums returns max_i |Σ_j a_ij|, the conservation defect of a derivative matrix (0 up to
// round-off when the diagonal was rebuilt). O(nnz).
func RowSums(a *linalg.CSR) float64 {
	worst := 0.0
	for i := 0; i < a.Rows; i++ {
		s := 0.0
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			s += a.Val[p]
		}
		worst = math.Max(worst, math.Abs(s))
	}
	return worst
}
