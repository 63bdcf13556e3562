package ctmc

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
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

// LimitError reports an exploration stopped by a limit.
type LimitError struct {
	// Limit is "states" or "bytes".
	Limit string
	// Max is the limit's value; States the number of states found when it stopped.
	Max    int64
	States int
}

// Error names the limit and how to raise it. O(1).
func (e *LimitError) Error() string {
	if e.Limit == "bytes" {
		return fmt.Sprintf("ctmc: the chain needs more than %d bytes of memory after %d states (the memory limit, Limits.MaxBytes); raise it to explore a larger chain", e.Max, e.States)
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

// CSR is a sparse matrix in compressed sparse row form. Row i has the column indices
// Col[RowPtr[i]:RowPtr[i+1]] (strictly increasing) and the values Val[RowPtr[i]:RowPtr[i+1]].
type CSR struct {
	Rows, Cols int
	RowPtr     []int
	Col        []int32
	Val        []float64
}

// At returns the element (i, j), 0 if it is not stored. It costs O(log(row length)).
func (a *CSR) At(i, j int) float64 {
	lo, hi := a.RowPtr[i], a.RowPtr[i+1]
	for lo < hi {
		mid := (lo + hi) / 2
		switch c := int(a.Col[mid]); {
		case c == j:
			return a.Val[mid]
		case c < j:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return 0
}

// NNZ returns the number of stored elements.
func (a *CSR) NNZ() int { return len(a.Val) }

// Transpose returns aᵀ in CSR form, with sorted columns. O(rows + cols + nnz).
func (a *CSR) Transpose() *CSR {
	t := &CSR{Rows: a.Cols, Cols: a.Rows, RowPtr: make([]int, a.Cols+1),
		Col: make([]int32, len(a.Col)), Val: make([]float64, len(a.Val))}
	for _, c := range a.Col {
		t.RowPtr[c+1]++
	}
	for i := 0; i < a.Cols; i++ {
		t.RowPtr[i+1] += t.RowPtr[i]
	}
	next := append([]int(nil), t.RowPtr[:a.Cols]...)
	for i := 0; i < a.Rows; i++ {
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			c := a.Col[p]
			q := next[c]
			next[c]++
			t.Col[q] = int32(i)
			t.Val[q] = a.Val[p]
		}
	}
	return t
}

// VecMul sets dst = xᵀ a (a row vector times the matrix); dst has length Cols.
func (a *CSR) VecMul(dst, x []float64) {
	for j := range dst {
		dst[j] = 0
	}
	for i := 0; i < a.Rows; i++ {
		xi := x[i]
		if xi == 0 {
			continue
		}
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			dst[a.Col[p]] += xi * a.Val[p]
		}
	}
}

// Chain is the explored state space of a model with its generator.
type Chain struct {
	// Model is the model the chain was built from.
	Model *runtime.Model
	// Dim is the number of species d.
	Dim int
	// Q is the generator: Q[i][j] is the total rate from state i to state j ≠ i, and
	// Q[i][i] = −Σ_{j≠i} Q[i][j]. Every row stores its diagonal.
	Q *CSR
	// Initial lists the indices of the initial states (one per initial environment state).
	Initial []int

	keys  []int32 // arena: d counts then the environment index, per state
	table []int32 // open addressing: state index + 1, 0 for an empty slot
}

// NumStates returns the number of states.
func (c *Chain) NumStates() int { return len(c.keys) / (c.Dim + 1) }

// Counts returns the counts of state i as a view into the chain's arena; do not modify it.
func (c *Chain) Counts(i int) []int32 { return c.keys[i*(c.Dim+1) : i*(c.Dim+1)+c.Dim] }

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
	return formatState(c.Model.IR, c.Counts(i), c.Env(i), nil)
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

// formatState writes counts and environment as name=value pairs. If only is non-nil and the
// model has more than 10 species, only the species listed in only are shown.
func formatState(m *ir.Model, counts []int32, env int, only []ir.Jump) string {
	var parts []string
	if only != nil && len(counts) > 10 {
		for _, j := range only {
			parts = append(parts, fmt.Sprintf("%s=%d", m.Species[j.Species].Name, counts[j.Species]))
		}
	} else {
		for i, v := range counts {
			parts = append(parts, fmt.Sprintf("%s=%d", m.Species[i].Name, v))
		}
	}
	if len(m.Env.Components) > 0 && env >= 0 && env < len(m.Env.Space) {
		for k, comp := range m.Env.Components {
			v := m.Env.Space[env][k]
			s := strconv.Itoa(v)
			if comp.States != nil && v >= 0 && v < len(comp.States) {
				s = comp.States[v]
			}
			parts = append(parts, comp.Name+"="+s)
		}
	}
	return strings.Join(parts, ", ")
}

// ErrDiscreteTime is returned by Explore for a discrete-time model.
var ErrDiscreteTime = errors.New("ctmc: discrete-time models are not yet supported (the exact chain is continuous-time only)")

// Explore enumerates the states reachable from the initial state of in — the counts
// in.Counts (set them with m.InitialCounts; they must be non-negative integers) and every
// environment state with positive weight in m.IR.Env.Init (all of them for 'env ~
// stationary' without a law, state 0 if Init is nil) — and builds the generator. The
// propensities are evaluated with the parameters, scale and time of in; in.Counts, in.Env
// and in.Densities are overwritten during the exploration and restored on return.
//
// The errors are: ErrDiscreteTime; a *LimitError when more than lim.MaxStates states are
// reachable or the chain outgrows lim.MaxBytes; and, as *diag.Diagnostic, E801 (a positive propensity that would make a
// count negative) and E802 (a negative, NaN or infinite propensity).
func Explore(m *runtime.Model, in *ir.Inputs, lim Limits) (*Chain, error) {
	mod := m.IR
	if mod.Time == ir.Discrete {
		return nil, ErrDiscreteTime
	}
	maxStates := lim.MaxStates
	if maxStates <= 0 {
		maxStates = DefaultMaxStates
	}
	d := m.Dim()
	if len(in.Counts) != d {
		return nil, fmt.Errorf("ctmc: in.Counts has length %d, want %d species", len(in.Counts), d)
	}
	saved := [3][]float64{append([]float64(nil), in.Counts...), append([]float64(nil), in.Env...), append([]float64(nil), in.Densities...)}
	defer func() {
		copy(in.Counts, saved[0])
		copy(in.Env, saved[1])
		copy(in.Densities, saved[2])
	}()

	c := &Chain{Model: m, Dim: d, table: make([]int32, 1024)}
	stride := d + 1
	key := make([]int32, stride)
	for i, v := range saved[0] {
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
	for _, y := range envs {
		key[d] = int32(y)
		idx, added := c.insert(key)
		if added {
			c.Initial = append(c.Initial, idx)
		}
	}

	nT := len(mod.Transitions)
	props := make([]float64, nT)
	rowPtr := []int{0}
	var cols []int32
	var vals []float64
	type entry struct {
		col  int32
		rate float64
	}
	var row []entry
	next := make([]int32, stride)
	if in.Env == nil && len(mod.Env.Components) > 0 {
		in.Env = make([]float64, len(mod.Env.Components))
	}
	scaled := in.Scale > 0 && len(in.Densities) == d

	for s := 0; s < c.NumStates(); s++ {
		cur := c.keyOf(s)
		y := int(cur[d])
		for i := 0; i < d; i++ {
			in.Counts[i] = float64(cur[i])
			if scaled {
				in.Densities[i] = float64(cur[i]) / in.Scale
			}
		}
		if nEnv > 0 {
			for k, v := range mod.Env.Space[y] {
				in.Env[k] = float64(v)
			}
		}
		m.Propensities(props, in)
		// Values within round-off of 0 (|a| ≤ 1e-12·Σ|a_j| at the state) count as 0, e.g.
		// N·(1 − S/N − I/N) at S + I = N, which may evaluate to ±1e-15.
		total := 0.0
		for _, a := range props {
			total += math.Abs(a)
		}
		row = row[:0]
		for j, a := range props {
			if a == 0 || math.Abs(a) <= zeroTol*total {
				continue
			}
			t := &mod.Transitions[j]
			if !(a > 0) || math.IsInf(a, 1) {
				return nil, diag.Errorf(t.Pos, "E802", "guard divisions and domain errors with 'when', e.g. when S > 0 @ k / S",
					"propensity of '%s' is %s at %s", t.Label, fmtNum(a), formatState(mod, c.keyOf(s)[:d], y, nil))
			}
			copy(next, c.keyOf(s))
			for _, jp := range t.Jump {
				v := int64(next[jp.Species]) + int64(jp.Delta)
				if v < 0 {
					name := mod.Species[jp.Species].Name
					return nil, diag.Errorf(t.Pos, "E801", fmt.Sprintf("add a guard, e.g. when %s > %d", name, -jp.Delta-1),
						"'%s' has propensity %s at %s and would make %s = %d", t.Label, fmtNum(a),
						formatState(mod, c.keyOf(s)[:d], y, t.Jump), name, v)
				}
				if v > math.MaxInt32 {
					return nil, fmt.Errorf("ctmc: '%s' would make %s = %d, beyond the int32 range of the state encoding", t.Label, mod.Species[jp.Species].Name, v)
				}
				next[jp.Species] = int32(v)
			}
			if t.Update != nil {
				u := t.Update[y]
				if u < 0 {
					// The transition is not allowed in this environment state.
					continue
				}
				next[d] = int32(u)
			}
			if equalKeys(next, c.keyOf(s)) {
				continue // a self-loop does not change the generator
			}
			idx, added := c.insert(next)
			if added && c.NumStates() > maxStates {
				return nil, &LimitError{Limit: "states", Max: int64(maxStates), States: c.NumStates()}
			}
			if added && lim.MaxBytes > 0 {
				used := int64(len(c.keys))*4 + int64(len(c.table))*4 + int64(len(rowPtr))*8 + int64(len(cols))*12
				if used > lim.MaxBytes {
					return nil, &LimitError{Limit: "bytes", Max: lim.MaxBytes, States: c.NumStates()}
				}
			}
			row = append(row, entry{int32(idx), a})
		}
		// Sort the row by column (insertion sort: rows are short), merge duplicates, add the
		// diagonal.
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
		vals[diagPos] = -sum
		rowPtr = append(rowPtr, len(cols))
	}
	n := c.NumStates()
	c.Q = &CSR{Rows: n, Cols: n, RowPtr: rowPtr, Col: cols, Val: vals}
	return c, nil
}

// zeroTol is the relative size below which a propensity counts as 0 (round-off).
const zeroTol = 1e-12

// fmtNum formats a propensity value for a message.
func fmtNum(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
