package linalg

import (
	"slices"
	"testing"
)

// grid2D is the generator of a random walk on an n×n grid with drifts toward the origin
// (a tandem-queue-like chain): at most 5 entries per row, the pattern of the 2-D exact
// chains.
func grid2D(n int) *CSR {
	q := &CSR{Rows: n * n, Cols: n * n, RowPtr: make([]int, 1, n*n+1)}
	for i := 0; i < n*n; i++ {
		x, y := i/n, i%n
		type e struct {
			j int
			r float64
		}
		var es []e
		if x > 0 {
			es = append(es, e{i - n, 1.0})
		}
		if y > 0 {
			es = append(es, e{i - 1, 1.1})
		}
		if y < n-1 {
			es = append(es, e{i + 1, 0.5})
		}
		if x < n-1 {
			es = append(es, e{i + n, 0.6})
		}
		out := 0.0
		for _, t := range es {
			out += t.r
		}
		es = append(es, e{i, -out})
		slices.SortFunc(es, func(a, b e) int { return a.j - b.j })
		for _, t := range es {
			q.Col, q.Val = append(q.Col, int32(t.j)), append(q.Val, t.r)
		}
		q.RowPtr = append(q.RowPtr, len(q.Col))
	}
	return q
}

func BenchmarkMulVec(b *testing.B) {
	a := grid2D(500)
	x := make([]float64, a.Cols)
	for i := range x {
		x[i] = 1 / float64(i+1)
	}
	dst := make([]float64, a.Rows)
	b.SetBytes(int64(len(a.Val) * 12))
	for b.Loop() {
		a.MulVec(dst, x)
	}
}

func BenchmarkILU0Solve(b *testing.B) {
	a := grid2D(500).Transpose()
	a, _ = dropPivot(a, 0)
	f, err := NewILU0(a)
	if err != nil {
		b.Fatal(err)
	}
	x := make([]float64, a.Cols)
	rhs := make([]float64, a.Rows)
	for i := range rhs {
		rhs[i] = 1 / float64(i+1)
	}
	b.SetBytes(int64(len(a.Val) * 12))
	for b.Loop() {
		f.Solve(x, rhs)
	}
}
