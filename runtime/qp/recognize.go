package qp

import (
	"fmt"
	"math"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
)

// RecognitionError is a model that is not a quarter-plane walk, with the reason.
type RecognitionError struct{ Msg string }

func (e *RecognitionError) Error() string { return e.Msg }

func refuse(format string, args ...any) error {
	return &RecognitionError{Msg: fmt.Sprintf(format, args...)}
}

// sample points of the constancy check (the item 1).
var (
	axisPoints     = []int{1, 2, 3, 7, 64, 1000}
	interiorPoints = []int{1, 2, 3, 7, 64}
)

// Recognize reads the four rate tables of a compiled model: a continuous-time model without
// scale, environment or time dependence, with two species (axes gives their indices: n1 is
// species axes[0], n2 species axes[1]), every transition jumping by (i, j) ∈ {−1,0,1}² \ {0}
// and the rates summed per direction constant on each component. Constancy is checked
// numerically at the origin, the axis points n ∈ {1, 2, 3, 7, 64, 1000} and the interior
// grid {1, 2, 3, 7, 64}² to 1e-12 relative, and structurally: the counts may enter a
// propensity only through comparisons with count-free expressions (in the branches of
// conditionals that the parameters select). A refusal is a *RecognitionError naming the
// transition and the two states that differ. Cost: O(T·P) tape evaluations for T
// transitions and P = 37 points.
func Recognize(m *runtime.Model, axes [2]int) (*Walk, error) {
	mi := m.IR
	switch {
	case mi.Time != ir.Continuous:
		return nil, refuse("a quarter-plane walk is a continuous-time chain; this model is in discrete time")
	case len(mi.Env.Components) > 0:
		return nil, refuse("a quarter-plane walk has no environment; this model has one")
	case mi.Scale != nil:
		return nil, refuse("a quarter-plane walk has no scale; this model declares scale %s", mi.Scale.Name)
	case m.Dim() != 2:
		return nil, refuse("a quarter-plane walk has two species; this model has %d", m.Dim())
	}
	if axes[0] == axes[1] || axes[0] < 0 || axes[1] < 0 || axes[0] > 1 || axes[1] > 1 {
		return nil, refuse("--axes must name the two species, each once")
	}
	dirs := make([][2]int, len(mi.Transitions))
	for k, t := range mi.Transitions {
		var d [2]int
		for _, jp := range t.Jump {
			for a := range 2 {
				if jp.Species == axes[a] {
					d[a] = jp.Delta
				}
			}
		}
		if d[0] < -1 || d[0] > 1 || d[1] < -1 || d[1] > 1 {
			return nil, refuse("transition '%s' jumps by (%d,%d): a quarter-plane walk moves by at most 1 in each coordinate", t.Label, d[0], d[1])
		}
		if mi.Graph.Dep(t.Propensity)&ir.DepTime != 0 {
			return nil, refuse("the rate of '%s' depends on time t: a quarter-plane walk is time-homogeneous", t.Label)
		}
		dirs[k] = d
	}
	in := m.Inputs()
	props := make([]float64, len(mi.Transitions))
	eval := func(n1, n2 int) []float64 {
		in.Counts[axes[0]], in.Counts[axes[1]] = float64(n1), float64(n2)
		out := make([]float64, len(props))
		m.Propensities(out, in)
		return out
	}
	type point struct{ n1, n2 int }
	comps := [4][]point{} // S4, S1, S2, S3
	for _, a := range interiorPoints {
		for _, b := range interiorPoints {
			comps[0] = append(comps[0], point{a, b})
		}
	}
	for _, a := range axisPoints {
		comps[1] = append(comps[1], point{a, 0})
		comps[2] = append(comps[2], point{0, a})
	}
	comps[3] = []point{{0, 0}}
	w := &Walk{}
	tables := [4]*Table{&w.Q, &w.H, &w.V, &w.R}
	for c, pts := range comps {
		var first []float64
		var sum0 Table
		for p, pt := range pts {
			r := eval(pt.n1, pt.n2)
			var sum Table
			for k, x := range r {
				if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
					return nil, refuse("'%s' has rate %g at (%d,%d): rates must be finite and ≥ 0", mi.Transitions[k].Label, x, pt.n1, pt.n2)
				}
				d := dirs[k]
				if x != 0 && (d == [2]int{} || pt.n1+d[0] < 0 || pt.n2+d[1] < 0) {
					return nil, refuse("'%s' has rate %g at (%d,%d) but its jump (%d,%d) leaves the quarter plane (guard it)", mi.Transitions[k].Label, x, pt.n1, pt.n2, d[0], d[1])
				}
				sum[d[0]+1][d[1]+1] += x
			}
			if p == 0 {
				first, sum0 = r, sum
				continue
			}
			for i := range 3 {
				for j := range 3 {
					a, b := sum0[i][j], sum[i][j]
					if math.Abs(a-b) <= 1e-12*max(math.Abs(a), math.Abs(b)) {
						continue
					}
					// Name a transition of that direction whose rate differs.
					for k := range r {
						if dirs[k] == [2]int{i - 1, j - 1} && first[k] != r[k] {
							return nil, refuse("'%s' has rate %.10g at (%d,%d) and %.10g at (%d,%d): a quarter-plane walk has constant rates on each boundary component",
								mi.Transitions[k].Label, first[k], pts[0].n1, pts[0].n2, r[k], pt.n1, pt.n2)
						}
					}
					return nil, refuse("the rate of the jump (%d,%d) is %.10g at (%d,%d) and %.10g at (%d,%d): a quarter-plane walk has constant rates on each boundary component",
						i-1, j-1, a, pts[0].n1, pts[0].n2, b, pt.n1, pt.n2)
				}
			}
		}
		*tables[c] = sum0
	}
	s := &structural{g: mi.Graph, in: in, memo: map[ir.NodeID]bool{}}
	for _, t := range mi.Transitions {
		if !s.ok(t.Propensity) {
			return nil, refuse("the rate of '%s' uses the counts other than through comparisons with constants: a quarter-plane walk has constant rates on each component (checked at sample points, but not provable)", t.Label)
		}
	}
	if err := w.Check(); err != nil {
		return nil, refuse("%v", err)
	}
	return w, nil
}

// structural checks that counts enter an expression only through comparisons of a count
// with a count-free expression; conditionals whose condition is count-free are followed
// only in the branch the parameters select.
type structural struct {
	g    *ir.Graph
	in   *ir.Inputs
	memo map[ir.NodeID]bool
}

func (s *structural) ok(id ir.NodeID) bool {
	if s.g.Dep(id)&ir.DepCount == 0 {
		return true
	}
	if v, done := s.memo[id]; done {
		return v
	}
	n := s.g.Node(id)
	v := false
	switch n.Op {
	case ir.OpCount:
		v = false
	case ir.OpCmp:
		v = true
		for _, a := range n.Args {
			if s.g.Dep(a)&ir.DepCount != 0 && s.g.Node(a).Op != ir.OpCount {
				v = false
			}
		}
	case ir.OpSelect:
		c := n.Args[0]
		if s.g.Dep(c)&ir.DepCount == 0 {
			if s.value(c) != 0 {
				v = s.ok(n.Args[1])
			} else {
				v = s.ok(n.Args[2])
			}
			break
		}
		v = s.ok(c) && s.ok(n.Args[1]) && s.ok(n.Args[2])
	default:
		v = true
		for _, a := range n.Args {
			v = v && s.ok(a)
		}
	}
	s.memo[id] = v
	return v
}

// value evaluates a count-free node at the model's parameters.
func (s *structural) value(id ir.NodeID) float64 {
	t := s.g.Compile([]ir.NodeID{id})
	vals := make([]float64, t.Len())
	t.Eval(vals, s.in)
	return t.Output(vals, 0)
}
