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

// TestGTHBandedExplicitZeros: a generator may store explicit zeros outside the band of its
// non-zeros (an augmented truncation adds q_o(x) = 0 at the re-entry column of every row).
// Bandwidths ignores them, so the band solve must too: writing them at their (out-of-band)
// position once clobbered a rate of another row and gave a wrong law with no error.
func TestGTHBandedExplicitZeros(t *testing.T) {
	// A birth–death chain on 0..n−1 plus a zero entry from every state to state n/2.
	n := 12
	q := &CSR{Rows: n, Cols: n, RowPtr: make([]int, n+1)}
	for i := 0; i < n; i++ {
		row := map[int]float64{}
		if i > 0 {
			row[i-1] = float64(i)
		}
		if i < n-1 {
			row[i+1] = 2
		}
		d := 0.0
		for _, v := range row {
			d -= v
		}
		row[i] += d
		if _, ok := row[n/2]; !ok {
			row[n/2] = 0
		}
		for j := 0; j < n; j++ {
			if v, ok := row[j]; ok {
				q.Col = append(q.Col, int32(j))
				q.Val = append(q.Val, v)
			}
		}
		q.RowPtr[i+1] = len(q.Col)
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	bl, bu := Bandwidths(q, perm)
	if bl != 1 || bu != 1 {
		t.Fatalf("bandwidths %d, %d; want 1, 1 (zeros ignored)", bl, bu)
	}
	banded, dense := make([]float64, n), make([]float64, n)
	if err := StationaryGTHBanded(banded, q, perm, bl, bu); err != nil {
		t.Fatal(err)
	}
	if err := StationaryGTH(dense, q); err != nil {
		t.Fatal(err)
	}
	for i := range dense {
		if math.Abs(banded[i]-dense[i]) > 1e-14*dense[i] {
			t.Errorf("π(%d): banded %.17g, dense %.17g", i, banded[i], dense[i])
		}
	}
}
