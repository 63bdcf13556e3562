package trunc

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// maxLevelWeight is the largest weight u_i tried for the level functions ⟨u, x⟩, and
// maxLevelDim the largest number of species for which weights other than 1 are tried
// (maxLevelWeight^d candidates).
const (
	maxLevelWeight = 3
	maxLevelDim    = 4
)

// DetectLevels looks for a level function f on the counts with f(y) − f(x) ∈ {−1, 0, 1} for
// every jump x → y of positive rate from a state of S (into S or out of it), seed-003 §3.2:
// first ⟨u, x⟩ = x_1 + … + x_d, then max_i x_i (4.12), then ⟨u, x⟩ with other positive
// integer weights u_i ≤ 3 (4.14; up to 4 species), in order of Σu. On success it sets
// t.Level (f − min_S f) and t.LevelFunc and returns true; it leaves t unchanged otherwise
// (and for a model without species). O(candidates·(nnz + exits)·d).
func DetectLevels(t *Truncation) bool {
	d := t.Dim()
	if d == 0 || t.NumStates() == 0 {
		return false
	}
	ones := make([]int, d)
	for i := range ones {
		ones[i] = 1
	}
	if t.tryLevels(func(x []int32) int64 { return dot(ones, x) }, weightName(t.Species, ones)) {
		return true
	}
	if d > 1 && t.tryLevels(maxCount, "max("+strings.Join(t.Species, ", ")+")") {
		return true
	}
	if d > maxLevelDim {
		return false
	}
	// Other weights, by increasing Σu (the all-ones vector was tried).
	var cands [][]int
	u := make([]int, d)
	var gen func(i int)
	gen = func(i int) {
		if i == d {
			cands = append(cands, append([]int(nil), u...))
			return
		}
		for w := 1; w <= maxLevelWeight; w++ {
			u[i] = w
			gen(i + 1)
		}
	}
	gen(0)
	for sum := d + 1; sum <= d*maxLevelWeight; sum++ {
		for _, w := range cands {
			s := 0
			for _, v := range w {
				s += v
			}
			if s != sum {
				continue
			}
			if t.tryLevels(func(x []int32) int64 { return dot(w, x) }, weightName(t.Species, w)) {
				return true
			}
		}
	}
	return false
}

func dot(u []int, x []int32) int64 {
	s := int64(0)
	for i, w := range u {
		s += int64(w) * int64(x[i])
	}
	return s
}

func maxCount(x []int32) int64 {
	m := int64(x[0])
	for _, v := range x[1:] {
		m = max(m, int64(v))
	}
	return m
}

func weightName(species []string, u []int) string {
	parts := make([]string, len(u))
	for i, w := range u {
		if w == 1 {
			parts[i] = species[i]
		} else {
			parts[i] = strconv.Itoa(w) + "*" + species[i]
		}
	}
	return strings.Join(parts, " + ")
}

// tryLevels checks the level condition for f on every jump of positive rate from S and, if
// it holds, sets the levels. O((nnz + exits)·d).
func (t *Truncation) tryLevels(f func(x []int32) int64, name string) bool {
	n := t.NumStates()
	fx := make([]int64, n)
	lo := int64(math.MaxInt64)
	for x := 0; x < n; x++ {
		fx[x] = f(t.Counts(x))
		lo = min(lo, fx[x])
	}
	for x := 0; x < n; x++ {
		for p := t.Q.RowPtr[x]; p < t.Q.RowPtr[x+1]; p++ {
			if y := int(t.Q.Col[p]); y != x && t.Q.Val[p] > 0 {
				if dd := fx[y] - fx[x]; dd < -1 || dd > 1 {
					return false
				}
			}
		}
	}
	for _, e := range t.Exits {
		if e.Rate <= 0 {
			continue
		}
		if dd := f(e.Target[:t.Dim()]) - fx[e.From]; dd < -1 || dd > 1 {
			return false
		}
	}
	t.Level = make([]int32, n)
	for x := range fx {
		t.Level[x] = int32(fx[x] - lo)
	}
	t.LevelFunc = name
	return true
}

// SetLevels sets the level function from its values f at the states of S and at the exit
// targets (fOut, aligned with t.Exits; nil to skip them): they must be integers, and every
// jump of positive rate must change f by −1, 0 or 1. name describes f. O(nnz + exits).
func SetLevels(t *Truncation, f, fOut []float64, name string) error {
	n := t.NumStates()
	if len(f) != n || (fOut != nil && len(fOut) != len(t.Exits)) {
		return fmt.Errorf("trunc: level function %s has %d values for %d states", name, len(f), n)
	}
	for x, v := range f {
		if v != math.Trunc(v) || math.Abs(v) > math.MaxInt32 {
			return fmt.Errorf("trunc: level function %s is %v at [%s], not an integer", name, v, t.StateString(x))
		}
	}
	check := func(x int, fy float64, to string) error {
		if dd := fy - f[x]; dd < -1 || dd > 1 {
			return fmt.Errorf("trunc: level function %s changes by %v on the jump from [%s] to [%s]; levels need changes of −1, 0 or 1", name, dd, t.StateString(x), to)
		}
		return nil
	}
	for x := 0; x < n; x++ {
		for p := t.Q.RowPtr[x]; p < t.Q.RowPtr[x+1]; p++ {
			if y := int(t.Q.Col[p]); y != x && t.Q.Val[p] > 0 {
				if err := check(x, f[y], t.StateString(y)); err != nil {
					return err
				}
			}
		}
	}
	for k, e := range t.Exits {
		if fOut != nil && e.Rate > 0 {
			if err := check(e.From, fOut[k], "outside S"); err != nil {
				return err
			}
		}
	}
	lo := math.Inf(1)
	for _, v := range f {
		lo = math.Min(lo, v)
	}
	t.Level = make([]int32, n)
	for x, v := range f {
		t.Level[x] = int32(v - lo)
	}
	t.LevelFunc = name
	return nil
}

// ParseLevels sets the level function from a linear form over the species names, such as
// "P1 + 2*P2", or "max(P1, P2)" (--levels), checking it as SetLevels does. O(nnz + exits).
func ParseLevels(t *Truncation, expr string) error {
	d := t.Dim()
	idx := func(name string) int {
		for i, s := range t.Species {
			if s == strings.TrimSpace(name) {
				return i
			}
		}
		return -1
	}
	e := strings.TrimSpace(expr)
	var f func(x []int32) int64
	if strings.HasPrefix(e, "max(") && strings.HasSuffix(e, ")") {
		var ids []int
		for _, n := range strings.Split(e[4:len(e)-1], ",") {
			i := idx(n)
			if i < 0 {
				return fmt.Errorf("trunc: --levels %s: no species %s", expr, strings.TrimSpace(n))
			}
			ids = append(ids, i)
		}
		f = func(x []int32) int64 {
			m := int64(x[ids[0]])
			for _, i := range ids[1:] {
				m = max(m, int64(x[i]))
			}
			return m
		}
	} else {
		u := make([]int, d)
		for _, term := range strings.Split(e, "+") {
			w, name := 1, term
			if k, n, ok := strings.Cut(term, "*"); ok {
				v, err := strconv.Atoi(strings.TrimSpace(k))
				if err != nil || v <= 0 {
					return fmt.Errorf("trunc: --levels %s: want a positive integer weight in %q", expr, strings.TrimSpace(term))
				}
				w, name = v, n
			}
			i := idx(name)
			if i < 0 {
				return fmt.Errorf("trunc: --levels %s: no species %s (want a form such as P1 + 2*P2, max(P1, P2), or an observable)", expr, strings.TrimSpace(name))
			}
			u[i] += w
		}
		f = func(x []int32) int64 { return dot(u, x) }
	}
	vals := make([]float64, t.NumStates())
	for x := range vals {
		vals[x] = float64(f(t.Counts(x)))
	}
	out := make([]float64, len(t.Exits))
	for k, ex := range t.Exits {
		out[k] = float64(f(ex.Target[:d]))
	}
	return SetLevels(t, vals, out, e)
}
