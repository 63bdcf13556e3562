package poisson

import (
	"context"
	"math"
	"testing"

	"github.com/mfcproject/mfc/runtime/linalg"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// uniformised returns P = I + Q/Λ for a generator Q, Λ = 1.1·max|q_ii|.
func uniformised(q *linalg.CSR) *linalg.CSR {
	lam := 0.0
	for i := 0; i < q.Rows; i++ {
		lam = math.Max(lam, -q.At(i, i))
	}
	lam *= 1.1
	p := &linalg.CSR{Rows: q.Rows, Cols: q.Cols, RowPtr: append([]int(nil), q.RowPtr...),
		Col: append([]int32(nil), q.Col...), Val: make([]float64, len(q.Val))}
	for i := 0; i < q.Rows; i++ {
		for k := q.RowPtr[i]; k < q.RowPtr[i+1]; k++ {
			p.Val[k] = q.Val[k] / lam
			if int(q.Col[k]) == i {
				p.Val[k]++
			}
		}
	}
	return p
}

// denseSolve returns M⁻¹b (trans: M⁻ᵀb) by gonum's dense solve: the reference.
func denseSolve(t *testing.T, m *mat.Dense, b []float64, trans bool) []float64 {
	t.Helper()
	var x mat.VecDense
	var a mat.Matrix = m
	if trans {
		a = m.T()
	}
	if err := x.SolveVec(a, mat.NewVecDense(len(b), append([]float64(nil), b...))); err != nil {
		t.Fatal(err)
	}
	return x.RawVector().Data
}

// TestResolvent checks I − qP, αI − Q and I − B, dense and iterative, columns and rows,
// against gonum's dense solve of the matrix written out from its definition (tolerance
// 1e-10 relative: both are backward stable and the systems are well conditioned).
func TestResolvent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lam, mu := mm1k(0.8, 1, 40)
	q := birthDeath(lam, mu)
	p := uniformised(q)
	n := q.Rows
	b := make([]float64, n)
	for i := range b {
		b[i] = math.Cos(float64(i))
	}
	inC := make([]bool, n)
	for i := 0; i < n-3; i++ {
		inC[i] = true
	}
	idx := Taboo(inC)
	cases := []struct {
		name  string
		build func(o *Options) (*Resolvent, error)
		ref   func() *mat.Dense
	}{
		{"I-qP", func(o *Options) (*Resolvent, error) { return NewDiscountedDTMC(ctx, p, 0.9, o) }, func() *mat.Dense {
			m := mat.NewDense(n, n, nil)
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					v := -0.9 * p.At(i, j)
					if i == j {
						v++
					}
					m.Set(i, j, v)
				}
			}
			return m
		}},
		{"aI-Q", func(o *Options) (*Resolvent, error) { return NewDiscountedCTMC(ctx, q, 0.05, o) }, func() *mat.Dense {
			m := mat.NewDense(n, n, nil)
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					v := -q.At(i, j)
					if i == j {
						v += 0.05
					}
					m.Set(i, j, v)
				}
			}
			return m
		}},
		{"I-B", func(o *Options) (*Resolvent, error) { return NewTaboo(ctx, p, inC, o) }, func() *mat.Dense {
			k := len(idx)
			m := mat.NewDense(k, k, nil)
			for a, i := range idx {
				for c, j := range idx {
					v := -p.At(i, j)
					if i == j {
						v++
					}
					m.Set(a, c, v)
				}
			}
			return m
		}},
	}
	for _, c := range cases {
		for _, meth := range methods {
			r, err := c.build(&Options{Method: meth})
			if err != nil {
				t.Fatalf("%s %v: %v", c.name, meth, err)
			}
			ref := c.ref()
			k, _ := ref.Dims()
			for _, row := range []bool{false, true} {
				x := make([]float64, k)
				solve := r.Solve
				if row {
					solve = r.SolveRow
				}
				st, err := solve(ctx, x, b[:k])
				if err != nil {
					t.Fatal(err)
				}
				want := denseSolve(t, ref, b[:k], row)
				if d := floats.Distance(x, want, math.Inf(1)) / floats.Norm(want, math.Inf(1)); d > 1e-10 || st.Residual > 1e-12 {
					t.Errorf("%s %v row=%v: relative error %.3g, residual %.3g", c.name, meth, row, d, st.Residual)
				}
			}
		}
	}
}

// TestTabooTrapped: a continuation set with a closed class is refused.
func TestTabooTrapped(t *testing.T) {
	t.Parallel()
	p := FromDense(mat.NewDense(3, 3, []float64{0.5, 0.5, 0, 0.5, 0.5, 0, 0.2, 0.3, 0.5}))
	if _, err := NewTaboo(context.Background(), p, []bool{true, true, false}, nil); err == nil {
		t.Fatal("states 0, 1 never leave C = {0, 1}: want an error")
	}
}

// TestRelaxationTime: two-state chains have the gap p + q (discrete, P = [[1−p, p],
// [q, 1−q]], eigenvalue 1 − p − q) and a + b (continuous); birth–death M/M/1/K against the
// dense eigenvalues of Q. Tolerance 1e-5 relative: the power iteration stops at 1e-9
// between successive estimates.
func TestRelaxationTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p2 := FromDense(mat.NewDense(2, 2, []float64{0.7, 0.3, 0.2, 0.8}))
	q2 := FromDense(mat.NewDense(2, 2, []float64{-1.5, 1.5, 2, -2}))
	lam, mu := mm1k(0.5, 1, 30)
	qb := birthDeath(lam, mu)
	var d mat.Dense
	qb.ToDense(&d)
	var eig mat.Eigen
	if !eig.Factorize(&d, mat.EigenNone) {
		t.Fatal("eigen")
	}
	gap := math.Inf(1)
	for _, v := range eig.Values(nil) {
		if a := math.Hypot(real(v), imag(v)); a > 1e-9 {
			gap = math.Min(gap, a)
		}
	}
	cases := []struct {
		name string
		c    func() (*Chain, error)
		want float64
	}{
		{"dtmc2", func() (*Chain, error) { return NewDTMC(ctx, p2, nil) }, 1 / 0.5},
		{"ctmc2", func() (*Chain, error) { return NewCTMC(ctx, q2, nil) }, 1 / 3.5},
		{"mm1k", func() (*Chain, error) { return NewCTMC(ctx, qb, nil) }, 1 / gap},
	}
	for _, c := range cases {
		ch, err := c.c()
		if err != nil {
			t.Fatal(err)
		}
		got, err := ch.RelaxationTime(ctx, 400, 1e-9)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-c.want) > 1e-5*c.want {
			t.Errorf("%s: relaxation time %.10g, want %.10g", c.name, got, c.want)
		}
	}
}

// TestPeriod: a 3-cycle has period 3, with a self-loop 1, a 2–4 cycle pair gcd 2.
func TestPeriod(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		p    []float64
		n    int
		want int
	}{
		{[]float64{0, 1, 0, 0, 0, 1, 1, 0, 0}, 3, 3},
		{[]float64{0.1, 0.9, 0, 0, 0, 1, 1, 0, 0}, 3, 1},
		{[]float64{0, 1, 0, 0, 0.5, 0, 0.5, 0, 0, 0.5, 0, 0.5, 0, 0, 1, 0}, 4, 2},
	}
	for _, c := range cases {
		ch, err := NewDTMC(ctx, FromDense(mat.NewDense(c.n, c.n, c.p)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := ch.Period(); got != c.want {
			t.Errorf("%v: period %d, want %d", c.p, got, c.want)
		}
	}
}
