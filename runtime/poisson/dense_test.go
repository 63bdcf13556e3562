package poisson

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestDenseSolveBits checks the written-out triangular solves of denseFactor against
// gonum's mat.LU (Factorize, SolveVecTo), the implementation they replace: the solutions
// must agree bit for bit, for columns and rows, on matrices with zeros (the solves skip
// zero factors as Dtrsm does), with pivoting, and on a stochastic resolvent I − qP.
func TestDenseSolveBits(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 14))
	sparse := func(n int, fill float64) *mat.Dense {
		m := mat.NewDense(n, n, nil)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if rng.Float64() < fill {
					m.Set(i, j, rng.NormFloat64())
				}
			}
			m.Set(i, i, m.At(i, i)+0.1*float64(n)*rng.Float64())
		}
		return m
	}
	resolvent := func(n int) *mat.Dense {
		m := mat.NewDense(n, n, nil)
		for i := 0; i < n; i++ {
			row := make([]float64, n)
			s := 0.0
			for j := range row {
				if j <= i+1 || j == n-1 {
					row[j] = rng.Float64()
					s += row[j]
				}
			}
			for j := range row {
				v := -0.9 * row[j] / s
				if i == j {
					v++
				}
				m.Set(i, j, v)
			}
		}
		return m
	}
	cases := []struct {
		name string
		m    *mat.Dense
	}{
		{"dense 7", sparse(7, 1)},
		{"half-filled 40", sparse(40, 0.5)},
		{"sparse 101", sparse(101, 0.05)},
		{"resolvent 101", resolvent(101)},
		{"1×1", mat.NewDense(1, 1, []float64{-3})},
	}
	for _, c := range cases {
		n, _ := c.m.Dims()
		f, err := newDenseFactor(mat.DenseCopyOf(c.m)) // it factorises in place
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var lu mat.LU
		lu.Factorize(c.m)
		b := make([]float64, n)
		for i := range b {
			b[i] = rng.NormFloat64()
		}
		for _, trans := range []bool{false, true} {
			x := make([]float64, n)
			if _, err := f.solve(context.Background(), x, b, trans); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			want := mat.NewVecDense(n, nil)
			if err := lu.SolveVecTo(want, trans, mat.NewVecDense(n, b)); err != nil {
				t.Fatalf("%s: gonum: %v", c.name, err)
			}
			for i := range x {
				if math.Float64bits(x[i]) != math.Float64bits(want.AtVec(i)) {
					t.Errorf("%s (transposed %v): x[%d] = %v, gonum's LU gives %v", c.name, trans, i, x[i], want.AtVec(i))
					break
				}
			}
		}
	}
	// A singular matrix is refused, as mat.LU's condition number refuses it.
	if _, err := newDenseFactor(mat.NewDense(2, 2, []float64{1, 2, 2, 4})); err == nil {
		t.Error("singular 2×2: no error")
	}
}
