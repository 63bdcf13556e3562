package linalg

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// permuteStates renumbers the states of q: state i becomes p[i].
func permuteStates(q *CSR, p []int) *CSR {
	n := q.Rows
	d := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for k := q.RowPtr[i]; k < q.RowPtr[i+1]; k++ {
			d.Set(p[i], p[int(q.Col[k])], q.Val[k])
		}
	}
	return FromDense(d)
}

// RCM finds the narrow band of a chain whose states were shuffled: bandwidth 1 for a
// birth–death chain, at most L+1 for a walk on an L×L grid; and the banded GTH solve agrees
// with the dense one componentwise.
func TestRCMBandwidth(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	bd, _ := birthDeath(300, func(k int) float64 { return 1 + 0.1*float64(k%7) }, func(k int) float64 { return 1.5 })
	grid := grid2D(20)
	for _, tc := range []struct {
		name string
		q    *CSR
		band int
	}{{"birth-death", bd, 1}, {"20×20 grid", grid, 21}} {
		shuffled := permuteStates(tc.q, rng.Perm(tc.q.Rows))
		perm := RCM(shuffled)
		bl, bu := Bandwidths(shuffled, perm)
		if bl > tc.band || bu > tc.band {
			t.Errorf("%s: bandwidths %d, %d after RCM, want at most %d", tc.name, bl, bu, tc.band)
		}
		banded := make([]float64, shuffled.Rows)
		dense := make([]float64, shuffled.Rows)
		if err := StationaryGTHBanded(banded, shuffled, perm, bl, bu); err != nil {
			t.Fatal(err)
		}
		if err := StationaryGTH(dense, shuffled); err != nil {
			t.Fatal(err)
		}
		for i := range dense {
			if d := math.Abs(banded[i] - dense[i]); d > 1e-12*dense[i] {
				t.Errorf("%s: π[%d] = %g banded, %g dense", tc.name, i, banded[i], dense[i])
				break
			}
		}
	}
}

// A birth–death chain of 200 000 states whose law spans 300 orders of magnitude: the banded
// GTH solve gives every component to a relative 1e-10 against the product form, in about the
// time of a few sparse products.
func TestGTHBandedLongChain(t *testing.T) {
	t.Parallel()
	const n = 200_000
	birth := func(k int) float64 { return 1 }
	death := func(k int) float64 { return 1.0035 }
	q, want := birthDeath(n, birth, death)
	perm := RCM(q)
	bl, bu := Bandwidths(q, perm)
	pi := make([]float64, n)
	if err := StationaryGTHBanded(pi, q, perm, bl, bu); err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i, w := range want {
		if w > 0 {
			worst = math.Max(worst, math.Abs(pi[i]-w)/w)
		}
	}
	if worst > 1e-10 || bl != 1 || bu != 1 {
		t.Errorf("relative error %.3g (bandwidths %d, %d)", worst, bl, bu)
	}
}
