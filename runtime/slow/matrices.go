package slow

import (
	"fmt"
	"math"
	"sort"

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
type Builder struct {
	m        *runtime.Model
	states   *ctmc.Chain
	discrete bool
	tape     *ir.Tape
	ws       *autodiff.Workspace
	in       *ir.Inputs
	jet      []float64
	key      []int
	// Dropped counts the transitions with a non-zero rate (or derivative) whose target is
	// not among the states in the last call of At; they are left out with the diagonal
	// rebuilt from the others, so every matrix stays conservative (pitfall 11).
	Dropped int
	// DroppedRate is the largest |rate| or |derivative| left out.
	DroppedRate float64
}

// NewBuilder returns a builder on the states of c (its Q is not used: c may be the state
// list of a ctmc.StepResult), with the parameters and scale of in. Cost: compiling the
// propensity tape, O(tape).
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
	props := make([]ir.NodeID, len(m.IR.Transitions))
	for j, t := range m.IR.Transitions {
		props[j] = t.Propensity
	}
	tape := m.IR.Graph.Compile(props)
	local := *in
	local.Counts = make([]float64, m.Dim())
	local.Densities = make([]float64, m.Dim())
	local.Env = make([]float64, len(m.IR.Env.Components))
	return &Builder{m: m, states: c, discrete: m.IR.Time == ir.Discrete, tape: tape,
		ws: autodiff.NewWorkspace(tape, v), in: &local,
		jet: make([]float64, 3*len(props)), key: make([]int, m.Dim())}
}

// N returns the number of states.
func (b *Builder) N() int { return b.states.NumStates() }

// At returns the matrix at time t and, for order ≥ 1 and 2, its first and second
// derivatives in t (Matrices.D1, D2; nil above order). Off-diagonal elements are the
// propensities (and their Taylor coefficients, times k! for the k-th derivative) summed
// per target state; self-loops are dropped; the diagonal is rebuilt after differentiation
// as 1 − Σ_{j≠i} p_ij (discrete) or −Σ_{j≠i} q_ij, and −Σ of the row for the derivatives,
// so every derivative matrix has zero row sums. Cost: O(S·order²·tape + E log E).
func (b *Builder) At(t float64, order int) (Matrices, error) {
	if order < 0 || order > 2 {
		panic("slow: Builder.At order outside 0..2")
	}
	n := b.N()
	mod := b.m.IR
	b.Dropped, b.DroppedRate = 0, 0
	b.in.Time = t
	mats := make([]*linalg.CSR, order+1)
	for k := range mats {
		mats[k] = &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, n+1)}
	}
	type ent struct {
		col int
		v   [3]float64
	}
	var row []ent
	dir := []float64{1}
	jet := b.jet[:len(mod.Transitions)*(order+1)]
	for s := 0; s < n; s++ {
		b.load(s)
		if err := autodiff.Jet(jet, order, b.ws, b.in, dir); err != nil {
			return Matrices{}, fmt.Errorf("slow: differentiating the propensities in t at state %s: %w", b.states.StateString(s), err)
		}
		row = row[:0]
		counts, y := b.states.Counts(s), b.states.Env(s)
		for j := range mod.Transitions {
			c := jet[j*(order+1) : (j+1)*(order+1)]
			var v [3]float64
			nz := false
			for k := 0; k <= order; k++ {
				v[k] = c[k]
				if k == 2 {
					v[k] *= 2 // d²/dt² = 2·c₂
				}
				if math.IsNaN(v[k]) || math.IsInf(v[k], 0) {
					return Matrices{}, fmt.Errorf("slow: the propensity of '%s' or its derivative %d in t is %v at state %s (t = %v)", mod.Transitions[j].Label, k, v[k], b.states.StateString(s), t)
				}
				nz = nz || v[k] != 0
			}
			if !nz {
				continue
			}
			tr := &mod.Transitions[j]
			if !step.Allowed(tr, y) {
				continue
			}
			target := b.target(tr, counts, y)
			if target == s {
				continue
			}
			if target < 0 {
				b.Dropped++
				for k := 0; k <= order; k++ {
					b.DroppedRate = math.Max(b.DroppedRate, math.Abs(v[k]))
				}
				continue
			}
			row = append(row, ent{target, v})
		}
		sort.Slice(row, func(a, c int) bool { return row[a].col < row[c].col })
		// Merge duplicates and insert the diagonal.
		var sum [3]float64
		merged := row[:0]
		for _, e := range row {
			if l := len(merged); l > 0 && merged[l-1].col == e.col {
				for k := range e.v {
					merged[l-1].v[k] += e.v[k]
				}
			} else {
				merged = append(merged, e)
			}
			for k := range e.v {
				sum[k] += e.v[k]
			}
		}
		var diag [3]float64
		for k := 0; k <= order; k++ {
			diag[k] = -sum[k]
		}
		if b.discrete {
			diag[0] = 1 - sum[0]
			if diag[0] < -1e-12 {
				return Matrices{}, fmt.Errorf("slow: the probabilities leaving state %s sum to %v > 1 at t = %v", b.states.StateString(s), sum[0], t)
			}
			diag[0] = math.Max(diag[0], 0)
		}
		placed := false
		for _, e := range merged {
			if !placed && e.col > s {
				appendAll(mats, s, diag)
				placed = true
			}
			appendAll(mats, e.col, e.v)
		}
		if !placed {
			appendAll(mats, s, diag)
		}
		for _, a := range mats {
			a.RowPtr[s+1] = len(a.Col)
		}
	}
	out := Matrices{P: mats[0]}
	if order >= 1 {
		out.D1 = mats[1]
	}
	if order >= 2 {
		out.D2 = mats[2]
	}
	return out, nil
}

func appendAll(mats []*linalg.CSR, col int, v [3]float64) {
	for k, a := range mats {
		a.Col = append(a.Col, int32(col))
		a.Val = append(a.Val, v[k])
	}
}

// load sets the counts, densities and environment of state s into the inputs.
func (b *Builder) load(s int) {
	in := b.in
	for i, v := range b.states.Counts(s) {
		in.Counts[i] = float64(v)
		if in.Scale > 0 {
			in.Densities[i] = float64(v) / in.Scale
		}
	}
	if sp := b.m.IR.Env.Space; len(sp) > 0 && len(in.Env) > 0 {
		for k, v := range sp[b.states.Env(s)] {
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

// Combine returns Σ_k c[k]·a[k] for matrices of one size (the union of their patterns).
// O(Σ nnz log).
func Combine(c []float64, a []*linalg.CSR) *linalg.CSR {
	n, cols := a[0].Rows, a[0].Cols
	out := &linalg.CSR{Rows: n, Cols: cols, RowPtr: make([]int, n+1)}
	acc := map[int32]float64{}
	var keys []int32
	for i := 0; i < n; i++ {
		clear(acc)
		keys = keys[:0]
		for k, m := range a {
			for p := m.RowPtr[i]; p < m.RowPtr[i+1]; p++ {
				j := m.Col[p]
				if _, ok := acc[j]; !ok {
					keys = append(keys, j)
				}
				acc[j] += c[k] * m.Val[p]
			}
		}
		sort.Slice(keys, func(x, y int) bool { return keys[x] < keys[y] })
		for _, j := range keys {
			out.Col = append(out.Col, j)
			out.Val = append(out.Val, acc[j])
		}
		out.RowPtr[i+1] = len(out.Col)
	}
	return out
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
