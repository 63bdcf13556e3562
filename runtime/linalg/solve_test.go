package linalg

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
)

// linearSolvers are the solvers of a x = b that the chain analyses choose between.
var linearSolvers = []struct {
	name  string
	solve func(x []float64, a *CSR, b []float64) error
}{
	{"dense LU", SolveDenseLU},
	{"ILU(0)-BiCGSTAB", func(x []float64, a *CSR, b []float64) error {
		m, err := NewILU0(a)
		if err != nil {
			return err
		}
		_, err = BiCGSTAB(context.Background(), a, b, x, &BiCGSTABSettings{M: m, Abs: 1e-13})
		return err
	}},
	{"BiCGSTAB", func(x []float64, a *CSR, b []float64) error {
		_, err := BiCGSTAB(context.Background(), a, b, x, &BiCGSTABSettings{Abs: 1e-13})
		return err
	}},
}

// TestLinearConformance solves δI − Qᵀ x = p₀ (the discounted occupation of a random
// chain, the system of ctmc.Discounted) with a known solution: b is computed from x*.
// The matrix is an M-matrix with diagonal dominance δ = 0.5 against rates summing to at
// most 5, so its condition number is at most about 20 and a residual of 1e-13 gives an
// error below 1e-11.
func TestLinearConformance(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 150
	q := randomGenerator(rng, n)
	a := q.Transpose()
	for i := range a.Val {
		a.Val[i] = -a.Val[i]
	}
	for i := 0; i < n; i++ {
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			if int(a.Col[p]) == i {
				a.Val[p] += 0.5
			}
		}
	}
	want := make([]float64, n)
	for i := range want {
		want[i] = rng.Float64()
	}
	b := make([]float64, n)
	a.MulVec(b, want)
	for _, s := range linearSolvers {
		x := make([]float64, n)
		if err := s.solve(x, a, b); err != nil {
			t.Errorf("%s: %v", s.name, err)
			continue
		}
		for i := range x {
			if d := math.Abs(x[i] - want[i]); d > 1e-11 {
				t.Errorf("%s: x[%d] = %g, want %g", s.name, i, x[i], want[i])
				break
			}
		}
	}
}

func randomGenerator(rng *rand.Rand, n int) *CSR {
	rates := make(map[[2]int]float64)
	for i := 0; i < n; i++ {
		rates[[2]int{i, (i + 1) % n}] = 0.1 + rng.Float64()
		for e := 0; e < 4; e++ {
			if j := rng.IntN(n); j != i {
				rates[[2]int{i, j}] += rng.Float64()
			}
		}
	}
	return generator(n, func(i, j int) float64 { return rates[[2]int{i, j}] })
}

// TestStationaryCancel checks that a cancelled context stops the iterative stationary
// solver at once, with an error wrapping context.Canceled.
func TestStationaryCancel(t *testing.T) {
	const n = 200_000
	q, _ := birthDeath(n, func(int) float64 { return 1 }, func(int) float64 { return 1.01 })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	_, err := StationaryBiCGSTAB(ctx, make([]float64, n), q, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v after cancellation", d)
	}
	x := make([]float64, n)
	b := make([]float64, n)
	b[0] = 1
	if _, err := BiCGSTAB(ctx, q.Transpose(), b, x, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("BiCGSTAB: err = %v, want context.Canceled", err)
	}
}

// TestCSRMatrix checks the mat.Matrix methods of CSR against a dense copy.
func TestCSRMatrix(t *testing.T) {
	a := &CSR{Rows: 2, Cols: 3, RowPtr: []int{0, 2, 3}, Col: []int32{0, 2, 1}, Val: []float64{1, 2, 3}}
	var d mat.Dense
	a.ToDense(&d)
	want := mat.NewDense(2, 3, []float64{1, 0, 2, 0, 3, 0})
	if !mat.Equal(&d, want) || !mat.Equal(a, want) || !mat.Equal(a.T(), want.T()) || !mat.Equal(a.Transpose(), want.T()) {
		t.Errorf("CSR %v differs from %v", mat.Formatted(a), mat.Formatted(want))
	}
	if a.NNZ() != 3 {
		t.Errorf("NNZ = %d", a.NNZ())
	}
	pat := *a
	pat.Val = nil
	if pat.At(0, 2) != 0 || pat.NNZ() != 3 {
		t.Errorf("a pattern reads %g, NNZ %d", pat.At(0, 2), pat.NNZ())
	}
	defer func() {
		if recover() != mat.ErrIndexOutOfRange {
			t.Errorf("At(2, 0) did not panic with ErrIndexOutOfRange")
		}
	}()
	a.At(2, 0)
}
