package trunc

import "github.com/mfcproject/mfc/runtime/ctmc"

// maxComponentsShown bounds the components a structure report lists (their count is
// always exact in the text).
const maxComponentsShown = 100

// Describe returns the structure report of t (seed-003 §6.2): |S|, |B_o|, |B_i|, |N_r|, the
// level sizes and function (an LDQBD process when the levels exist), whether the chain is a
// birth–death chain (one species, no environment, every jump ±1, so one state per level),
// and the strongly connected components of the truncated graph with no edge to another
// component, each flagged when it leaks through the out-boundary; seeds names the seed
// states used. O(|S| + nnz).
func Describe(t *Truncation, seeds []string) *Structure {
	s := &Structure{States: t.NumStates(), OutBoundary: len(t.OutBoundary()), InBoundary: len(t.In),
		InteriorEquations: len(t.Interior()), Levels: t.LevelSizes(), Seeds: seeds}
	if s.Seeds == nil {
		s.Seeds = []string{}
	}
	if t.Level != nil {
		f := t.LevelFunc
		s.LevelFunction = &f
		s.LDQBD = true
		bd := t.Dim() == 1
		for x := 0; x < t.NumStates() && bd; x++ {
			bd = t.Key(x)[1] == 0
		}
		for _, n := range s.Levels {
			if n != 1 {
				bd = false
			}
		}
		s.BirthDeath = bd
	}
	comp, nc := ctmc.Components(t.Q)
	closed := make([]bool, nc)
	for i := range closed {
		closed[i] = true
	}
	size := make([]int, nc)
	rep := make([]int, nc)
	leaks := make([]bool, nc)
	for i := range rep {
		rep[i] = -1
	}
	for x := 0; x < t.NumStates(); x++ {
		k := comp[x]
		size[k]++
		if rep[k] < 0 {
			rep[k] = x
		}
		if t.Out[x] > 0 {
			leaks[k] = true
		}
		for p := t.Q.RowPtr[x]; p < t.Q.RowPtr[x+1]; p++ {
			if t.Q.Val[p] > 0 && comp[t.Q.Col[p]] != k {
				closed[k] = false
			}
		}
	}
	s.Components = []Component{}
	// In order of their first state.
	order := make([]int, 0, nc)
	seen := make([]bool, nc)
	for x := 0; x < t.NumStates(); x++ {
		if k := comp[x]; !seen[k] {
			seen[k] = true
			order = append(order, int(k))
		}
	}
	for _, k := range order {
		if closed[k] && len(s.Components) < maxComponentsShown {
			s.Components = append(s.Components, Component{Size: size[k], Representative: t.StateString(rep[k]), Leaks: leaks[k]})
		}
	}
	return s
}
