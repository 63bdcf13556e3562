package trunc

import (
	"sort"

	"github.com/mfcproject/mfc/runtime/linalg"
)

// gen builds a Truncation from a rate function on the states of S: jumps(x) lists the
// targets of the jumps leaving x with their rates; targets for which inS is false leave S.
// It fills Keys, Q (original diagonal), Out, Exits and In (predecessors outside S found by
// the preds function: the states outside S with a positive rate into a state of S).
func gen(species []string, states [][]int32, jumps func(x []int32) ([][]int32, []float64)) *Truncation {
	d := len(species)
	t := &Truncation{Species: species}
	for _, s := range states {
		t.Keys = append(t.Keys, s...)
		if len(s) == d {
			t.Keys = append(t.Keys, 0)
		}
	}
	n := t.NumStates()
	t.Out = make([]float64, n)
	t.Q = &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, n+1)}
	entered := make([]bool, n)
	for x := 0; x < n; x++ {
		tg, rates := jumps(t.Counts(x))
		row := map[int]float64{}
		total := 0.0
		for k, y := range tg {
			if rates[k] <= 0 {
				continue
			}
			total += rates[k]
			if j := t.Index(y); j >= 0 && j != x {
				row[j] += rates[k]
			} else if j < 0 {
				t.Out[x] += rates[k]
				t.Exits = append(t.Exits, Exit{From: x, Rate: rates[k], Target: append(append([]int32{}, y...), 0)})
				// a state outside S with a jump into S: check the reverse jumps of y
			}
		}
		row[x] = -total
		cols := make([]int, 0, len(row))
		for c := range row {
			cols = append(cols, c)
		}
		sort.Ints(cols)
		for _, c := range cols {
			t.Q.Col = append(t.Q.Col, int32(c))
			t.Q.Val = append(t.Q.Val, row[c])
		}
		t.Q.RowPtr[x+1] = len(t.Q.Col)
	}
	// In-boundary: states of S reached by a jump from one of the outside neighbours.
	seen := map[string]bool{}
	for _, e := range t.Exits {
		k := keyString(e.Target)
		if seen[k] {
			continue
		}
		seen[k] = true
		tg, rates := jumps(e.Target[:d])
		for i, y := range tg {
			if rates[i] > 0 {
				if j := t.Index(y); j >= 0 {
					entered[j] = true
				}
			}
		}
	}
	for x, b := range entered {
		if b {
			t.In = append(t.In, x)
		}
	}
	return t
}

// toggleTruncation is the toggle switch without cooperativity (seed-003 §5.2.1) on
// S = {x1 + x2 < L}, levels x1 + x2. The outside predecessors of S are on level L only
// (degradations), so gen's in-boundary is exact.
func toggleTruncation(L int, a float64) *Truncation {
	var states [][]int32
	var level []int32
	for l := 0; l < L; l++ {
		for x1 := 0; x1 <= l; x1++ {
			states = append(states, []int32{int32(x1), int32(l - x1)})
			level = append(level, int32(l))
		}
	}
	t := gen([]string{"P1", "P2"}, states, func(x []int32) ([][]int32, []float64) {
		x1, x2 := x[0], x[1]
		return [][]int32{{x1 + 1, x2}, {x1 - 1, x2}, {x1, x2 + 1}, {x1, x2 - 1}},
			[]float64{a / (1 + float64(x2)), float64(x1), a / (1 + float64(x1)), float64(x2)}
	})
	t.Level, t.LevelFunc = level, "x1 + x2"
	return t
}

// birthDeathTruncation is a one-species birth–death chain with birth rate birth(x) and death
// rate death(x) on S = {0, …, r−1}.
func birthDeathTruncation(r int, birth, death func(x float64) float64) *Truncation {
	states := make([][]int32, r)
	level := make([]int32, r)
	for x := range states {
		states[x] = []int32{int32(x)}
		level[x] = int32(x)
	}
	t := gen([]string{"X"}, states, func(x []int32) ([][]int32, []float64) {
		v := float64(x[0])
		return [][]int32{{x[0] + 1}, {x[0] - 1}}, []float64{birth(v), death(v)}
	})
	t.Level, t.LevelFunc = level, "x"
	return t
}

// productLaw returns the stationary law of a birth–death chain on {0, …, n−1} by the
// product formula γ(x) = Π_{k≤x} birth(k−1)/death(k), normalised over those n states (the
// tests' independent reference for the birth–death schemes).
func productLaw(n int, birth, death func(x float64) float64) []float64 {
	gamma := make([]float64, n)
	gamma[0] = 1
	for x := 1; x < n; x++ {
		gamma[x] = gamma[x-1] * birth(float64(x-1)) / death(float64(x))
	}
	g := massOf(gamma)
	for x := range gamma {
		gamma[x] /= g
	}
	return gamma
}

// schlogl returns the birth and death rates of Schlögl's model (seed-003 §5.1.1), set (a)
// or (b).
func schlogl(set byte) (birth, death func(x float64) float64) {
	k1, k2, k3, k4 := 0.025, 4.17e-5, 60.0, 3.127
	if set == 'b' {
		k1, k2, k3, k4 = 6, 1.0/3, 50, 3
	}
	birth = func(x float64) float64 { return k1*x*(x-1) + k3 }
	death = func(x float64) float64 { return k2*x*(x-1)*(x-2) + k4*x }
	return
}
