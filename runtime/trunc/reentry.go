package trunc

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/linalg"
)

// Reentry is a re-entry law e_r (seed-003 §3.3): Target(x) lists, for an exit state x, the
// states of S a jump leaving S from x re-enters at, with their probabilities.
type Reentry struct {
	// Rule names the law ("drop", "middle", "state:P1=3,P2=4", "matrix", ...).
	Rule string
	// single, when non-nil, maps each exit state to one re-entry state.
	single func(x int) int
	// matrix is a general law: row x (an exit state) over the columns of S.
	matrix *linalg.CSR
	// z is the re-entry state of a law independent of the exit state, −1 otherwise.
	z int
}

// State returns the single re-entry state z of a law independent of the exit state
// (state:..., middle, level0), and false for the others (drop, nearest, uniform, a
// matrix). O(1).
func (r *Reentry) State() (int, bool) { return r.z, r.z >= 0 }

// ReentryRules lists the rules of Augment's string form.
var ReentryRules = []string{"drop", "middle", "level0", "nearest", "uniform", "state:S1=v,..."}

// ParseReentry returns the re-entry law of rule on t:
//   - drop: a jump that would leave S is not taken (e_r(x, ·) = δ_x);
//   - state:S1=3,S2=4: the single state z of S with those values (species and environment
//     components, as StateString writes them; the names not given must leave one state);
//   - middle: the state of B_i in the middle of its lexicographic order (index ⌊(|B_i|−1)/2⌋:
//     (11, 12) on the simplex x1 + x2 < 24);
//   - level0: the single state of level 0 (needs levels);
//   - nearest: the state of B_i closest to the exit state in ℓ¹, ties broken
//     lexicographically;
//   - uniform: the uniform law on B_i.
//
// O(|S|·d) for state and middle, O(|B_o|·|B_i|·d) for nearest.
func ParseReentry(t *Truncation, rule string) (*Reentry, error) {
	rule = strings.TrimSpace(rule)
	single := func(z int) *Reentry { return &Reentry{Rule: rule, single: func(int) int { return z }, z: z} }
	switch {
	case rule == "drop":
		return &Reentry{Rule: rule, single: func(x int) int { return x }, z: -1}, nil
	case strings.HasPrefix(rule, "state:"):
		z, err := t.FindState(strings.TrimPrefix(rule, "state:"))
		if err != nil {
			return nil, fmt.Errorf("trunc: --reentry %s: %w", rule, err)
		}
		return single(z), nil
	case rule == "middle":
		in := t.lexIn()
		if len(in) == 0 {
			return nil, fmt.Errorf("trunc: --reentry middle: the in-boundary is empty (no state of S is entered from outside)")
		}
		return single(in[(len(in)-1)/2]), nil
	case rule == "level0":
		if t.Level == nil {
			return nil, fmt.Errorf("trunc: --reentry level0: the truncation has no level structure (mfc truncate takes one with --levels)")
		}
		z := -1
		for x, l := range t.Level {
			if l == 0 {
				if z >= 0 {
					return nil, fmt.Errorf("trunc: --reentry level0: level 0 of %s has several states ([%s], [%s], ...)", t.LevelFunc, t.StateString(z), t.StateString(x))
				}
				z = x
			}
		}
		return single(z), nil
	case rule == "nearest":
		in := t.lexIn()
		if len(in) == 0 {
			return nil, fmt.Errorf("trunc: --reentry nearest: the in-boundary is empty")
		}
		near := map[int]int{}
		for _, e := range t.Exits {
			if _, ok := near[e.From]; ok {
				continue
			}
			best, bestD := -1, int64(-1)
			for _, z := range in { // lexicographic: the first of equal distance wins
				dist := int64(0)
				a, b := t.Key(e.From), t.Key(z)
				for i := range a {
					v := int64(a[i]) - int64(b[i])
					if v < 0 {
						v = -v
					}
					dist += v
				}
				if best < 0 || dist < bestD {
					best, bestD = z, dist
				}
			}
			near[e.From] = best
		}
		return &Reentry{Rule: rule, single: func(x int) int { return near[x] }, z: -1}, nil
	case rule == "uniform":
		in := t.lexIn()
		if len(in) == 0 {
			return nil, fmt.Errorf("trunc: --reentry uniform: the in-boundary is empty")
		}
		n := t.NumStates()
		m := &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, n+1)}
		cols := slices.Clone(t.In)
		w := 1 / float64(len(cols))
		for x := 0; x < n; x++ {
			if t.Out[x] > 0 {
				for _, z := range cols {
					m.Col = append(m.Col, int32(z))
					m.Val = append(m.Val, w)
				}
			}
			m.RowPtr[x+1] = len(m.Col)
		}
		return &Reentry{Rule: rule, matrix: m, z: -1}, nil
	}
	return nil, fmt.Errorf("trunc: unknown re-entry rule %q (the rules are %s)", rule, strings.Join(ReentryRules, ", "))
}

// MatrixReentry wraps a general re-entry law: e is |S|×|S|, its row x (for every exit state
// x, Out[x] > 0) a probability law on S. O(nnz(e)) to check.
func MatrixReentry(t *Truncation, e *linalg.CSR) (*Reentry, error) {
	n := t.NumStates()
	if e == nil || e.Rows != n || e.Cols != n {
		return nil, fmt.Errorf("trunc: a re-entry matrix must be %d×%d", n, n)
	}
	for x := 0; x < n; x++ {
		if t.Out[x] == 0 {
			continue
		}
		s := 0.0
		for p := e.RowPtr[x]; p < e.RowPtr[x+1]; p++ {
			if e.Val[p] < 0 {
				return nil, fmt.Errorf("trunc: re-entry matrix row %d has a negative entry", x)
			}
			s += e.Val[p]
		}
		if s < 1-1e-12 || s > 1+1e-12 {
			return nil, fmt.Errorf("trunc: re-entry matrix row %d (exit state [%s]) sums to %g, want 1", x, t.StateString(x), s)
		}
	}
	return &Reentry{Rule: "matrix", matrix: e, z: -1}, nil
}

// lexIn returns the in-boundary sorted lexicographically (lexLess).
func (t *Truncation) lexIn() []int {
	in := slices.Clone(t.In)
	sort.Slice(in, func(i, j int) bool { return t.lexLess(in[i], in[j]) })
	return in
}

// lexLess orders states lexicographically by their counts, then by the values of their
// environment components (the model's environment space; the index without a model).
func (t *Truncation) lexLess(x, y int) bool {
	if c := slices.Compare(t.Counts(x), t.Counts(y)); c != 0 {
		return c < 0
	}
	ex, ey := int(t.Key(x)[t.Dim()]), int(t.Key(y)[t.Dim()])
	if t.chain != nil {
		if sp := t.chain.Model.IR.Env.Space; len(sp) > 0 {
			return slices.Compare(sp[ex], sp[ey]) < 0
		}
	}
	return ex < ey
}

// FindState returns the state of S described by "NAME=value,..." pairs (the species and
// environment components as StateString writes them); the names left out must leave a
// single state. O(|S|·d).
func (t *Truncation) FindState(spec string) (int, error) {
	want := map[string]string{}
	for _, p := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || strings.TrimSpace(k) == "" {
			return -1, fmt.Errorf("state %q: want NAME=value pairs separated by commas", spec)
		}
		want[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	found, seen := -1, map[string]bool{}
	for x := 0; x < t.NumStates(); x++ {
		match := true
		for _, p := range strings.Split(t.StateString(x), ", ") {
			k, v, _ := strings.Cut(p, "=")
			seen[k] = true
			if w, ok := want[k]; ok && w != v {
				match = false
			}
		}
		if !match {
			continue
		}
		if found >= 0 {
			return -1, fmt.Errorf("state %q matches several states of the truncation ([%s], [%s], ...): give every species", spec, t.StateString(found), t.StateString(x))
		}
		found = x
	}
	for k := range want {
		if !seen[k] && t.NumStates() > 0 {
			return -1, fmt.Errorf("state %q: no species or environment component %s", spec, k)
		}
	}
	if found < 0 {
		return -1, fmt.Errorf("state %q is not in the truncation", spec)
	}
	return found, nil
}

// NonUniqueError reports an augmented chain with more than one closed class (or none): its
// stationary law is not unique (seed-003 §3.3, App. C.2), so no vector is given.
type NonUniqueError struct {
	Rule    string
	Classes []ctmc.ClassInfo
}

// Error names the closed classes with a representative each.
func (e *NonUniqueError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "trunc: the truncated chain augmented by re-entry rule %s has %d closed classes, so its stationary law is not unique:", e.Rule, len(e.Classes))
	for i, c := range e.Classes {
		if i == 5 {
			fmt.Fprintf(&b, " and %d more;", len(e.Classes)-5)
			break
		}
		if c.Size == 1 {
			fmt.Fprintf(&b, " absorbing state [%s];", c.State)
		} else {
			fmt.Fprintf(&b, " a class of %d states, e.g. [%s];", c.Size, c.State)
		}
	}
	return strings.TrimSuffix(b.String(), ";") + " (try a re-entry rule independent of the exit state: middle, level0, uniform or state:...)"
}

// Augment returns the generator Q^{e_r} = Q_r + q_o·e_r of the truncation augmented by the
// re-entry rule (ParseReentry), with rows summing to 0 (the diagonal is recomputed as −Σ of
// the row's off-diagonal entries), and checks that it has exactly one closed class; if not,
// it returns the generator with a *NonUniqueError. O(|S| + nnz) plus the rule's cost.
func (t *Truncation) Augment(rule string) (*linalg.CSR, error) {
	r, err := ParseReentry(t, rule)
	if err != nil {
		return nil, err
	}
	return t.AugmentWith(r)
}

// AugmentWith is Augment with a parsed or matrix re-entry law.
func (t *Truncation) AugmentWith(r *Reentry) (*linalg.CSR, error) {
	n := t.NumStates()
	q := t.Q
	a := &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, 1, n+1)}
	a.Col = make([]int32, 0, len(q.Col)+len(t.Exits))
	a.Val = make([]float64, 0, len(q.Col)+len(t.Exits))
	type ent struct {
		c int32
		v float64
	}
	var row []ent
	for x := 0; x < n; x++ {
		row = row[:0]
		for p := q.RowPtr[x]; p < q.RowPtr[x+1]; p++ {
			if int(q.Col[p]) != x {
				row = append(row, ent{q.Col[p], q.Val[p]})
			}
		}
		if o := t.Out[x]; o > 0 {
			switch {
			case r.single != nil:
				row = append(row, ent{int32(r.single(x)), o})
			case r.matrix != nil:
				for p := r.matrix.RowPtr[x]; p < r.matrix.RowPtr[x+1]; p++ {
					row = append(row, ent{r.matrix.Col[p], o * r.matrix.Val[p]})
				}
			}
		}
		row = append(row, ent{int32(x), 0})
		sort.SliceStable(row, func(i, j int) bool { return row[i].c < row[j].c })
		start := len(a.Col)
		sum, diag := 0.0, -1
		for _, e := range row {
			if int(e.c) != x {
				sum += e.v
			}
			if k := len(a.Col); k > start && a.Col[k-1] == e.c {
				if int(e.c) != x {
					a.Val[k-1] += e.v
				}
				continue
			}
			if int(e.c) == x {
				diag = len(a.Col)
				a.Col = append(a.Col, e.c)
				a.Val = append(a.Val, 0)
				continue
			}
			a.Col = append(a.Col, e.c)
			a.Val = append(a.Val, e.v)
		}
		a.Val[diag] = -sum
		a.RowPtr = append(a.RowPtr, len(a.Col))
	}
	if classes := ctmc.GeneratorClosedClasses(a); len(classes) != 1 {
		sort.Slice(classes, func(i, j int) bool { return t.lexLess(classes[i][0], classes[j][0]) })
		e := &NonUniqueError{Rule: r.Rule}
		for _, cl := range classes {
			e.Classes = append(e.Classes, ctmc.ClassInfo{Size: len(cl), Representative: cl[0], State: t.StateString(cl[0])})
		}
		return a, e
	}
	return a, nil
}

// ReentryOf returns the re-entry law that o asks for: o.ReentryMatrix when set, else the
// rule o.Reentry, else def (the scheme's default rule).
func ReentryOf(t *Truncation, o *Options, def string) (*Reentry, error) {
	if o != nil && o.ReentryMatrix != nil {
		return MatrixReentry(t, o.ReentryMatrix)
	}
	rule := def
	if o != nil && o.Reentry != "" {
		rule = o.Reentry
	}
	return ParseReentry(t, rule)
}
