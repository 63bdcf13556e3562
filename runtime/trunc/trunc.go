package trunc

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/linalg"
)

// Truncation is a finite set S of states of a chain on an unbounded state space, with the
// parts of the generator that the schemes need (seed-003 §3.0). States are indexed 0..n−1;
// state x has the key Key(x): its d counts, then its environment index (0 without an
// environment).
//
// Q is the north-west-corner truncation Q_r: Q[x][y] = q(x, y) for x ≠ y in S, and the
// original diagonal Q[x][x] = −q(x) (every rate leaving x, including those to states
// outside S), so that row x sums to −Out[x]. Every row stores its diagonal.
type Truncation struct {
	// Species names the d counts of a state.
	Species []string
	// Region names the region that defined S ("" for a truncation built in Go).
	Region string
	// Keys holds the states, Stride() = d+1 int32 values per state.
	Keys []int32
	// Q is Q_r with the original diagonal.
	Q *linalg.CSR
	// Out[x] = q_o(x), the total rate from x to states outside S.
	Out []float64
	// Exits lists the jumps that leave S, by exit state (increasing From).
	Exits []Exit
	// In lists the in-boundary B_i (states of S entered from outside S, (4.25)), in
	// increasing order.
	In []int
	// Level[x] is the level of state x under LevelFunc, nil without a level structure.
	Level []int32
	// LevelFunc describes the level function ("x1 + x2", "max(x1, x2)", a user expression).
	LevelFunc string

	index map[string]int
	// chain is the explored chain of a truncation built from a model (FromModel), nil
	// otherwise; names formats its states with the model's species and environment.
	chain *ctmc.Chain
	names func(x int) string
}

// Chain returns the explored chain behind a truncation built by FromModel (its Q is Q_r
// with the original diagonal), nil for one built in Go.
func (t *Truncation) Chain() *ctmc.Chain { return t.chain }

// Exit is one jump from a state of S to a state outside S.
type Exit struct {
	// From is the exit state (in S); Rate the rate of the jump.
	From int
	Rate float64
	// Target is the key of the state outside S (d counts, then the environment index).
	Target []int32
}

// Dim returns the number of species d.
func (t *Truncation) Dim() int { return len(t.Species) }

// Stride returns the number of int32 values per state key, d+1.
func (t *Truncation) Stride() int { return len(t.Species) + 1 }

// NumStates returns |S|.
func (t *Truncation) NumStates() int { return len(t.Keys) / t.Stride() }

// Key returns the key of state x (a view; do not modify it).
func (t *Truncation) Key(x int) []int32 { s := t.Stride(); return t.Keys[x*s : (x+1)*s] }

// Counts returns the d counts of state x (a view; do not modify it).
func (t *Truncation) Counts(x int) []int32 { s := t.Stride(); return t.Keys[x*s : x*s+s-1] }

// Index returns the index of the state with the given key (d counts and the environment
// index; a key of length d means environment 0), or −1 when it is not in S. The first call
// builds a map, O(|S|·d); later calls are O(d).
func (t *Truncation) Index(key []int32) int {
	if t.index == nil {
		t.index = make(map[string]int, t.NumStates())
		for x := 0; x < t.NumStates(); x++ {
			t.index[keyString(t.Key(x))] = x
		}
	}
	if len(key) == t.Dim() {
		key = append(append(make([]int32, 0, len(key)+1), key...), 0)
	}
	if i, ok := t.index[keyString(key)]; ok {
		return i
	}
	return -1
}

func keyString(k []int32) string {
	b := make([]byte, 4*len(k))
	for i, v := range k {
		u := uint32(v)
		b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
	}
	return string(b)
}

// OutBoundary returns B_o = {x ∈ S : q_o(x) > 0}, in increasing order. O(|S|).
func (t *Truncation) OutBoundary() []int {
	var b []int
	for x, o := range t.Out {
		if o > 0 {
			b = append(b, x)
		}
	}
	return b
}

// Interior returns N_r = S \ B_i (4.49): the states whose balance equation involves only
// states of S, in increasing order. O(|S|).
func (t *Truncation) Interior() []int {
	in := make([]bool, t.NumStates())
	for _, x := range t.In {
		in[x] = true
	}
	var n []int
	for x, b := range in {
		if !b {
			n = append(n, x)
		}
	}
	return n
}

// LevelSizes returns the number of states on each level 0..max, nil without levels.
func (t *Truncation) LevelSizes() []int {
	if t.Level == nil {
		return nil
	}
	var sizes []int
	for _, l := range t.Level {
		for int(l) >= len(sizes) {
			sizes = append(sizes, 0)
		}
		sizes[l]++
	}
	return sizes
}

// StateString formats state x as name=value pairs, e.g. "P1=3, P2=4" (the environment index
// as env=k when it is not 0; a truncation built from a model names its environment as the
// model does).
func (t *Truncation) StateString(x int) string {
	if t.names != nil {
		return t.names(x)
	}
	var sb strings.Builder
	k := t.Key(x)
	for i, name := range t.Species {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "%s=%d", name, k[i])
	}
	if e := k[len(k)-1]; e != 0 {
		fmt.Fprintf(&sb, ", env=%d", e)
	}
	return sb.String()
}

// Check verifies the invariants of t: key and vector lengths, a square Q with a stored
// diagonal and non-negative off-diagonal entries, rows summing to −Out (to 1e-12 of the
// row's scale), sorted in-boundary indices and exits. O(|S| + nnz).
func (t *Truncation) Check() error {
	n := t.NumStates()
	if len(t.Keys) != n*t.Stride() {
		return fmt.Errorf("trunc: %d key values for %d states of stride %d", len(t.Keys), n, t.Stride())
	}
	if t.Q == nil || t.Q.Rows != n || t.Q.Cols != n {
		return fmt.Errorf("trunc: Q is not %d×%d", n, n)
	}
	if len(t.Out) != n {
		return fmt.Errorf("trunc: Out has length %d, want %d", len(t.Out), n)
	}
	for x := 0; x < n; x++ {
		sum, scale, diag := 0.0, 0.0, false
		for p := t.Q.RowPtr[x]; p < t.Q.RowPtr[x+1]; p++ {
			v := t.Q.Val[p]
			if int(t.Q.Col[p]) == x {
				diag = true
			} else if v < 0 {
				return fmt.Errorf("trunc: negative rate %g from state %d to %d", v, x, t.Q.Col[p])
			}
			sum += v
			if v < 0 {
				scale -= v
			} else {
				scale += v
			}
		}
		if !diag {
			return fmt.Errorf("trunc: row %d of Q stores no diagonal", x)
		}
		if t.Out[x] < 0 {
			return fmt.Errorf("trunc: negative out-rate %g at state %d", t.Out[x], x)
		}
		if d := sum + t.Out[x]; d > 1e-12*scale || d < -1e-12*scale {
			return fmt.Errorf("trunc: row %d of Q sums to %g, want −Out = %g", x, sum, -t.Out[x])
		}
	}
	if !sort.IntsAreSorted(t.In) {
		return fmt.Errorf("trunc: the in-boundary is not sorted")
	}
	for i, e := range t.Exits {
		if e.From < 0 || e.From >= n || (i > 0 && e.From < t.Exits[i-1].From) {
			return fmt.Errorf("trunc: exit %d has a bad or unsorted exit state %d", i, e.From)
		}
	}
	if t.Level != nil && len(t.Level) != n {
		return fmt.Errorf("trunc: Level has length %d, want %d", len(t.Level), n)
	}
	return nil
}
