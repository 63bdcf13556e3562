package trunc

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/lp"
)

func init() { Register("lp", solveLP) }

// outerSet is the outer approximation 𝒫_r of the stationary laws (seed-003 (4.48)):
//
//	𝒫_r = { π on S :  (πQ_r)(y) = 0 for y ∈ N_r = S \ B_i,
//	                   1 − m ≤ π(S) ≤ 1,   π(w) ≤ c,   π ≥ 0 },
//
// with m the tail bound (c/r for a sublevel truncation S = {w < r} under the assumption
// π(w) ≤ c, or a user-asserted bound, or none: m = 1). The restriction π_{|r} of every
// stationary law π satisfying the assumption lies in 𝒫_r.
type outerSet struct {
	t *Truncation
	// tail is the bound on π(S^c) (0 when none, from tailFrom); given names the assumption
	// it rests on (the moment's label, or userTailBound).
	tail   float64
	given  string
	massLo float64
	// w and c are the moment row (w nil without a moment assumption).
	w []float64
	c float64
	// interior is N_r, in increasing order.
	interior []int
	notes    []string
}

func newOuterSet(t *Truncation, o *Options) (*outerSet, error) {
	s := &outerSet{t: t, interior: t.Interior()}
	if m := o.Moment; m != nil {
		if len(m.W) != t.NumStates() {
			return nil, fmt.Errorf("trunc: the moment function has %d values for %d states", len(m.W), t.NumStates())
		}
		if !(m.C > 0) || math.IsInf(m.C, 0) {
			return nil, fmt.Errorf("trunc: the moment bound c = %g of %q is not a positive number", m.C, m.Label)
		}
		for x, v := range m.W {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("trunc: the moment function of %q is %g at %s (it must be finite and ≥ 0)", m.Label, v, t.StateString(x))
			}
		}
		s.w, s.c = m.W, m.C
	}
	if tail := tailFrom(o); tail != nil {
		s.tail, s.given = tail.Value, tail.Given
		if tail.Given == userTailBound {
			s.notes = append(s.notes, fmt.Sprintf("the tail bound %g is user-asserted (--tail-bound)", o.TailBound))
		}
	}
	switch {
	case s.tail == 0:
		s.notes = append(s.notes, "no tail bound (a sublevel truncation of an assumed moment, or --tail-bound): the mass of 𝒫_r may be anything in [0, 1], so every lower bound is 0")
	case s.tail >= 1:
		s.notes = append(s.notes, fmt.Sprintf("the tail bound %.4g is at least 1: the lower bounds are vacuous (0)", s.tail))
	}
	s.massLo = math.Max(0, 1-s.tail)
	return s, nil
}

// assumptions lists the labels the bounds rest on.
func (s *outerSet) assumptions() []string {
	if s.given != "" {
		return []string{s.given}
	}
	return nil
}

// direct returns 𝒫_r as an LP in the variables π(x), x ∈ S, each in [0, 1] (finite bounds
// implied by π ≥ 0 and π(S) ≤ 1, which make every bound certifiable): the balance rows of
// N_r (columns of Q_r), the mass row, and the moment row Σ w(x)π(x) ≤ c (runtime/lp scales
// each row to unit 2-norm by an exact power of two, so dividing it by c, the digest's
// scaling, adds nothing and would round). Rows 0..|N_r|−1 are the balance rows, then the
// mass row, then the moment row. O(nnz(Q_r)).
func (s *outerSet) direct() *lp.Problem {
	t := s.t
	n := t.NumStates()
	p := lp.NewProblem(n)
	for j := 0; j < n; j++ {
		p.SetBounds(j, 0, 1)
	}
	qt := t.Q.Transpose()
	cols := make([]int, 0, 8)
	for _, y := range s.interior {
		cols = cols[:0]
		a, b := qt.RowPtr[y], qt.RowPtr[y+1]
		for k := a; k < b; k++ {
			cols = append(cols, int(qt.Col[k]))
		}
		p.AddRow(cols, qt.Val[a:b], 0, 0)
	}
	all, ones := make([]int, n), make([]float64, n)
	for j := range all {
		all[j], ones[j] = j, 1
	}
	p.AddRow(all, ones, s.massLo, 1)
	if s.w != nil {
		p.AddRow(all, s.w, math.Inf(-1), s.c)
	}
	return p
}

// solveLP is the lp scheme (seed-003 §3.5): a point of 𝒫_r of greatest mass (4.53), and,
// with Options.Classes, candidate ergodic distributions from (4.54).
func solveLP(ctx context.Context, t *Truncation, o *Options) (*Result, error) {
	if err := lp.Available(); err != nil {
		return nil, fmt.Errorf("trunc: the lp scheme needs an LP solver: %w", err)
	}
	start := time.Now()
	set, err := newOuterSet(t, o)
	if err != nil {
		return nil, err
	}
	p := set.direct()
	s := lp.New()
	defer s.Close()
	if err := s.Load(p, lp.Options{}); err != nil {
		return nil, err
	}
	n := t.NumStates()
	stats := &LPStats{}
	solve := func(c []float64) (*lp.Result, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r, err := s.Solve(lp.Maximize, c)
		if err != nil {
			return nil, err
		}
		stats.LPs++
		stats.Pivots += r.Iterations
		stats.Status = r.Status.String()
		if r.Status != lp.Optimal {
			return r, lpStatusError(r, set)
		}
		return r, nil
	}
	ones := make([]float64, n)
	for j := range ones {
		ones[j] = 1
	}
	r, err := solve(ones)
	if err != nil {
		return nil, err
	}
	pi := clampPoint(r.X)
	res := newLPResult(t, "lp", set)
	res.Distribution = pi
	mass := massOf(pi)
	res.Error = &ErrorReport{Mass: &Number{Value: mass}}
	if set.tail > 0 {
		res.Error.TailBound = &Number{Value: set.tail, Certified: set.given != "", Given: set.given}
	}
	res.Notes = append(res.Notes, "the LP optimum (4.53) is not unique (every point of 𝒫_r with mass 1 is optimal): the distribution is the vertex CLP returned, one of many; the lp scheme has no error bound")
	if r.Certified {
		res.Notes = append(res.Notes, fmt.Sprintf("the greatest mass of 𝒫_r is at most %.12g (certified); the point's mass is %.12g", r.Bound, mass))
	}
	if o.Classes {
		cands, err := lpClasses(t, solve)
		if err != nil {
			return nil, err
		}
		res.Uniqueness = &Uniqueness{Candidates: cands}
		if len(cands) > 1 {
			res.Notes = append(res.Notes, fmt.Sprintf("%d candidate ergodic distributions with disjoint supports: the chain may have several stationary laws", len(cands)))
		}
	}
	res.Diagnostics = &Diagnostics{Solver: "clp", Scaling: "rows to unit 2-norm", Precision: "double", LP: stats}
	res.Diagnostics.Residual = &r.PrimalResidual
	stats.Seconds = time.Since(start).Seconds()
	return res, nil
}

// lpClasses searches for the ergodic distributions (seed-003 (4.54)): for a state x of a
// closed class of the truncated graph (a strongly connected component of Q_r's graph with
// no rate to another component of S; edges leaving S are ignored, as the classes of the
// full chain may leak out of S), to which no earlier optimiser gave mass, it maximises π(x)
// over 𝒫_r and reports the optimiser's support (states above 1e-9 relative to its
// largest value) as a candidate. Choosing x in a closed class rather than any state keeps
// away the transient states of the in-boundary, which 𝒫_r lets carry mass fed from
// outside S. One LP per closed class at most.
func lpClasses(t *Truncation, solve func([]float64) (*lp.Result, error)) ([]Candidate, error) {
	n := t.NumStates()
	comp, nc := ctmc.Components(t.Q)
	closed := make([]bool, nc)
	for i := range closed {
		closed[i] = true
	}
	for x := 0; x < n; x++ {
		for k := t.Q.RowPtr[x]; k < t.Q.RowPtr[x+1]; k++ {
			if y := t.Q.Col[k]; comp[y] != comp[x] && t.Q.Val[k] > 0 {
				closed[comp[x]] = false
			}
		}
	}
	charged := make([]bool, n)
	done := make([]bool, nc)
	var cands []Candidate
	c := make([]float64, n)
	for x := 0; x < n; x++ {
		k := comp[x]
		if !closed[k] || done[k] || charged[x] {
			continue
		}
		done[k] = true
		clear(c)
		c[x] = 1
		r, err := solve(c)
		if err != nil {
			return nil, err
		}
		pi := clampPoint(r.X)
		top := 0.0
		for _, v := range pi {
			top = math.Max(top, v)
		}
		if !(pi[x] > 1e-9) {
			continue
		}
		size, rep := 0, -1
		for y, v := range pi {
			if v > 1e-9*top {
				size++
				charged[y] = true
				if rep < 0 || v > pi[rep] {
					rep = y
				}
			}
		}
		cands = append(cands, Candidate{SupportSize: size, Representative: t.StateString(rep), Support: supportOf(pi, 1e-9*top)})
	}
	return cands, nil
}

func supportOf(pi []float64, tol float64) []int {
	var s []int
	for x, v := range pi {
		if v > tol {
			s = append(s, x)
		}
	}
	return s
}

// clampPoint copies an LP point with its round-off below 0 set to 0.
func clampPoint(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = math.Max(v, 0)
	}
	return out
}

func lpStatusError(r *lp.Result, set *outerSet) error {
	if r.Status == lp.Infeasible {
		return fmt.Errorf("trunc: 𝒫_r is empty (the LP is infeasible): no law on S satisfies the balance equations of N_r with mass at least %.6g and the moment bound; check the assumption and the tail bound", set.massLo)
	}
	return fmt.Errorf("trunc: the LP solver stopped: %v; try a smaller truncation", r.Status)
}

// newLPResult fills the parts of a Result every LP scheme shares: newResult's, the
// structure, the assumptions and the outer set's notes.
func newLPResult(t *Truncation, scheme string, set *outerSet) *Result {
	res := newResult(t, scheme)
	res.Structure, res.Assumptions = lpStructure(t), set.assumptions()
	res.Notes = append(res.Notes, set.notes...)
	return res
}

// lpStructure reports the sizes of S, B_o, B_i and N_r and the level sizes.
func lpStructure(t *Truncation) *Structure {
	s := &Structure{States: t.NumStates(), OutBoundary: len(t.OutBoundary()), InBoundary: len(t.In),
		InteriorEquations: t.NumStates() - len(t.In), Levels: t.LevelSizes()}
	if t.LevelFunc != "" {
		f := t.LevelFunc
		s.LevelFunction = &f
	}
	return s
}
