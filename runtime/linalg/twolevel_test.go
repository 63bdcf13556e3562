package linalg

import (
	"context"
	"math"
	"testing"
)

// rotatingGrid is a generator on the L×L grid with a drift that turns around the centre (a
// non-reversible chain, like an epidemic cycle): the rates of the four moves depend on the
// position, so that π is not a product form and ILU(0) alone needs many iterations.
func rotatingGrid(L int) *CSR {
	n := L * L
	q := &CSR{Rows: n, Cols: n, RowPtr: make([]int, 1, n+1)}
	c := float64(L-1) / 2
	for i := 0; i < n; i++ {
		x, y := i%L, i/L
		dx, dy := float64(x)-c, float64(y)-c
		// rotation (−dy, dx) plus a pull to the centre, spread over the four moves.
		right := 1 + 0.5*math.Max(0, -dy/c) + 0.3*math.Max(0, -dx/c)
		left := 1 + 0.5*math.Max(0, dy/c) + 0.3*math.Max(0, dx/c)
		up := 1 + 0.5*math.Max(0, dx/c) + 0.3*math.Max(0, -dy/c)
		down := 1 + 0.5*math.Max(0, -dx/c) + 0.3*math.Max(0, dy/c)
		type e struct {
			j int
			r float64
		}
		var es []e
		if y > 0 {
			es = append(es, e{i - L, down})
		}
		if x > 0 {
			es = append(es, e{i - 1, left})
		}
		es = append(es, e{i, 0})
		if x < L-1 {
			es = append(es, e{i + 1, right})
		}
		if y < L-1 {
			es = append(es, e{i + L, up})
		}
		out := 0.0
		for _, v := range es {
			out += v.r
		}
		for _, v := range es {
			q.Col = append(q.Col, int32(v.j))
			if v.j == i {
				q.Val = append(q.Val, -out)
			} else {
				q.Val = append(q.Val, v.r)
			}
		}
		q.RowPtr = append(q.RowPtr, len(q.Col))
	}
	return q
}

// The iterative solve with the aggregation coarse correction (22 500 states, above
// twoLevelMin) against the banded GTH elimination, accurate componentwise: the default
// target is the residual floor (here max(1e-13, 2ε·Σπ|Q_ii|) = 1e-13), and the ℓ₁ error of
// π is at most the residual times ‖Q^#‖ (the group inverse, of the order of the mixing
// time: up to L²/4 ≈ 6·10³ here). Measured: 2e-13 with the coarse correction, 1.4e-12
// without; 1e-11 leaves a margin of 7. ILU(0) alone must
// reach the same law, and the coarse correction must cut its iterations at least in half.
func TestStationaryTwoLevelGrid(t *testing.T) {
	t.Parallel()
	const L = 150
	q := rotatingGrid(L)
	n := q.Rows
	ref := make([]float64, n)
	perm := RCM(q)
	bl, bu := Bandwidths(q, perm)
	if err := StationaryGTHBanded(ref, q, perm, bl, bu); err != nil {
		t.Fatal(err)
	}
	iters := map[bool]int{}
	for _, noCoarse := range []bool{false, true} {
		pi := make([]float64, n)
		info, err := StationaryIterative(context.Background(), pi, q, &StationarySettings{NoCoarse: noCoarse})
		if err != nil {
			t.Fatal(err)
		}
		if (info.Coarse > 0) == noCoarse {
			t.Errorf("NoCoarse %v: %d aggregates", noCoarse, info.Coarse)
		}
		if info.Target != 1e-13 {
			t.Errorf("NoCoarse %v: target %g, want 1e-13 (the floor is below it)", noCoarse, info.Target)
		}
		res := StationaryResidual(q, pi)
		if res > info.Target {
			t.Errorf("NoCoarse %v: residual %.3g above the target %.3g", noCoarse, res, info.Target)
		}
		d := 0.0
		for i := range pi {
			d += math.Abs(pi[i] - ref[i])
		}
		if d > 1e-11 {
			t.Errorf("NoCoarse %v: ‖π − π_GTH‖₁ = %.3g", noCoarse, d)
		}
		iters[noCoarse] = info.Iterations
		t.Logf("NoCoarse %v: %d iterations, %d aggregates, residual %.3g, ‖π − π_GTH‖₁ = %.3g", noCoarse, info.Iterations, info.Coarse, res, d)
	}
	if 2*iters[false] > iters[true] {
		t.Errorf("%d iterations with the coarse correction, %d without: less than halved", iters[false], iters[true])
	}
}

// StationaryFloor is 2ε·Σπ_i|Q_ii|: on a two-state chain with rates a, b, π = (b, a)/(a+b)
// and Σπ_i|Q_ii| = 2ab/(a+b).
func TestStationaryFloor(t *testing.T) {
	t.Parallel()
	a, b := 3.0, 5.0
	q := &CSR{Rows: 2, Cols: 2, RowPtr: []int{0, 2, 4}, Col: []int32{0, 1, 0, 1}, Val: []float64{-a, a, b, -b}}
	got := StationaryFloor(q, []float64{b / (a + b), a / (a + b)})
	want := 2 * 0x1p-52 * 2 * a * b / (a + b)
	if math.Abs(got-want) > 1e-15*want {
		t.Errorf("floor %g, want %g", got, want)
	}
}
