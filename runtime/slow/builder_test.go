package slow

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// TestBuilderGrow checks that a Builder moved by Grow to a larger state set builds, at a
// time and order it had built before, exactly (bit for bit) the matrices of a fresh Builder
// on that set, with the same count of left-out transitions: the rows it copies must be the
// rows a full evaluation gives. The inventory at S = 100 and ε = 0.016 leaves out the
// transitions to stock 0 (unreached at t = 0, O(ε) derivatives), which the union of
// Expand adds; the reused rows and the re-assembled rows both occur.
func TestBuilderGrow(t *testing.T) {
	t.Parallel()
	m, in, base, grown := inventoryUnion(t)
	if grown.NumStates() <= base.NumStates() {
		t.Fatalf("the union added no state (%d states): the test needs one", base.NumStates())
	}
	cases := []struct {
		t     float64
		order int
	}{{0, 2}, {0, 1}, {0, 0}, {10, 0}, {20, 0}}
	for _, c := range cases {
		b := NewBuilder(m, base, in)
		if _, err := b.At(c.t, c.order); err != nil {
			t.Fatal(err)
		}
		if b.Dropped == 0 && c.order > 0 {
			t.Errorf("t = %v, order %d: no transition left out on the explored states", c.t, c.order)
		}
		b.Grow(grown)
		got, err := b.At(c.t, c.order)
		if err != nil {
			t.Fatal(err)
		}
		fresh := NewBuilder(m, grown, in)
		want, err := fresh.At(c.t, c.order)
		if err != nil {
			t.Fatal(err)
		}
		for k, pair := range [][2]*linalg.CSR{{got.P, want.P}, {got.D1, want.D1}, {got.D2, want.D2}} {
			g, w := pair[0], pair[1]
			if (g == nil) != (w == nil) {
				t.Fatalf("t = %v, order %d: matrix %d present %v, fresh %v", c.t, c.order, k, g != nil, w != nil)
			}
			if g != nil && !(slices.Equal(g.RowPtr, w.RowPtr) && slices.Equal(g.Col, w.Col) && slices.Equal(g.Val, w.Val)) {
				t.Errorf("t = %v, order %d: matrix %d after Grow differs from a fresh build", c.t, c.order, k)
			}
		}
		if b.Dropped != fresh.Dropped || b.DroppedRate != fresh.DroppedRate {
			t.Errorf("t = %v, order %d: left out %d (%g) after Grow, %d (%g) fresh", c.t, c.order, b.Dropped, b.DroppedRate, fresh.Dropped, fresh.DroppedRate)
		}
	}
}

// TestCombineMatchesDense checks Combine against the dense sum of its operands, on
// matrices with different patterns (the finite differences combine P at three times).
func TestCombineMatchesDense(t *testing.T) {
	t.Parallel()
	a := csr(3, []float64{0.5, 0, 0.5, 0, 1, 0, 0.25, 0.25, 0.5})
	b := csr(3, []float64{0, 0.7, 0.3, 0.1, 0.9, 0, 0, 0, 1})
	c := csr(3, []float64{1, 0, 0, 0, 0, 1, 0.5, 0.5, 0})
	w := []float64{2, -3, 0.5}
	got := Combine(w, []*linalg.CSR{a, b, c})
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			want := w[0]*a.At(i, j) + w[1]*b.At(i, j) + w[2]*c.At(i, j)
			if g := got.At(i, j); g != want {
				t.Errorf("(%d, %d): %v, want %v", i, j, g, want)
			}
		}
	}
}

// TestCombineSamePattern checks Combine on matrices with one pattern (its elementwise path)
// against combineMerge, bit for bit.
func TestCombineSamePattern(t *testing.T) {
	t.Parallel()
	a := csr(3, []float64{0.5, 1e-300, 0.5, 0, 1, 0, 0.25, 0.25, 0.5})
	b := csr(3, []float64{0.1, 0.3, 0.6, 0, 1, 0, 0.3, 0.2, 0.5})
	c := csr(3, []float64{0.2, 0.2, 0.6, 0, 1, 0, 0.125, 0.375, 0.5})
	for _, w := range [][]float64{{2, -3, 0.5}, {-1, 0, 0}, {1.0 / 3, -2.0 / 3, 1.0 / 3}} {
		ms := []*linalg.CSR{a, b, c}
		if !samePattern(ms) {
			t.Fatal("samePattern: false for one pattern")
		}
		got, want := Combine(w, ms), combineMerge(w, ms)
		if !slices.Equal(got.RowPtr, want.RowPtr) || !slices.Equal(got.Col, want.Col) {
			t.Fatalf("weights %v: pattern differs from the merge", w)
		}
		for p := range got.Val {
			if math.Float64bits(got.Val[p]) != math.Float64bits(want.Val[p]) {
				t.Errorf("weights %v: entry %d is %v, the merge gives %v", w, p, got.Val[p], want.Val[p])
			}
		}
	}
	if samePattern([]*linalg.CSR{a, csr(3, []float64{0.5, 0, 0.5, 0, 1, 0, 0.25, 0.25, 0.5})}) {
		t.Error("samePattern: true for different patterns")
	}
}

// TestStateUnionValues checks the union of the states against its definition by
// ctmc.TimeVarying (one step from the uniform law on the states not yet stepped from, at
// each time, until none is added), on the inventory at S = 100 (stock 0 is reached only
// after t = 0): with a builder that kept the propensities at some of the times (the samples
// of the finite differences) and with one that kept none, the same states in the same
// order.
func TestStateUnionValues(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := loadtest.Model(t, "@inventory", compiler.Options{Overrides: compiler.Overrides{"s": {40}, "S": {100}, "eps": {0.064}}})
	in := m.Inputs()
	base, err := ctmc.Explore(ctx, m, in, ctmc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	times := []float64{1, 10, 20, 10}
	// The definition.
	want := base
	for from := 0; from < want.NumStates(); {
		n := want.NumStates()
		for _, tt := range times {
			local := *in
			local.Time = tt
			p0 := make([]float64, want.NumStates())
			for i := from; i < n; i++ {
				p0[i] = 1 / float64(n-from)
			}
			res, err := ctmc.TimeVarying(ctx, want, m, &local, p0, &ctmc.StepSettings{Steps: []float64{1}})
			if err != nil {
				t.Fatal(err)
			}
			want = res.Chain
		}
		from = n
	}
	if want.NumStates() <= base.NumStates() {
		t.Fatalf("the union added no state (%d states): the test needs one", base.NumStates())
	}
	kept := NewBuilder(m, base, in)
	for _, tt := range []float64{0, 10, 20} {
		if _, err := kept.At(tt, 0); err != nil {
			t.Fatal(err)
		}
	}
	for name, b := range map[string]*Builder{"kept": kept, "none": NewBuilder(m, base, in)} {
		got, err := stateUnion(ctx, m, in, base, times, ctmc.Limits{}, b)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Keys(), want.Keys()) {
			t.Errorf("%s: %d states, the definition gives %d (or another order)", name, got.NumStates(), want.NumStates())
		}
	}
}

// TestBuilderScan checks that At after scan (which leaves the rows with a transition out
// unassembled and keeps every row's jets) builds, on the same states and after Grow to the
// union, exactly the matrices of a fresh Builder, with the same count of left-out
// transitions, and that scan counts them as At does.
func TestBuilderScan(t *testing.T) {
	t.Parallel()
	m, in, base, grown := inventoryUnion(t)
	for _, c := range []struct {
		t     float64
		order int
	}{{0, 2}, {0, 0}, {10, 0}, {20, 1}} {
		for _, states := range []*ctmc.Chain{base, grown} {
			b := NewBuilder(m, base, in)
			if ok, err := b.scan(c.t, c.order); !ok || err != nil {
				t.Fatalf("scan: %v, %v", ok, err)
			}
			fresh := NewBuilder(m, base, in)
			if _, err := fresh.At(c.t, c.order); err != nil {
				t.Fatal(err)
			}
			if b.Dropped != fresh.Dropped || b.DroppedRate != fresh.DroppedRate {
				t.Errorf("t = %v, order %d: scan left out %d (%g), At %d (%g)", c.t, c.order, b.Dropped, b.DroppedRate, fresh.Dropped, fresh.DroppedRate)
			}
			b.Grow(states)
			got, err := b.At(c.t, c.order)
			if err != nil {
				t.Fatal(err)
			}
			fresh = NewBuilder(m, states, in)
			want, err := fresh.At(c.t, c.order)
			if err != nil {
				t.Fatal(err)
			}
			for k, pair := range [][2]*linalg.CSR{{got.P, want.P}, {got.D1, want.D1}, {got.D2, want.D2}} {
				g, w := pair[0], pair[1]
				if (g == nil) != (w == nil) || g != nil && !(slices.Equal(g.RowPtr, w.RowPtr) && slices.Equal(g.Col, w.Col) && slices.Equal(g.Val, w.Val)) {
					t.Errorf("t = %v, order %d, %d states: matrix %d after scan differs from a fresh build", c.t, c.order, states.NumStates(), k)
				}
			}
			if b.Dropped != fresh.Dropped || b.DroppedRate != fresh.DroppedRate {
				t.Errorf("t = %v, order %d, %d states: left out %d (%g) after scan, %d (%g) fresh", c.t, c.order, states.NumStates(), b.Dropped, b.DroppedRate, fresh.Dropped, fresh.DroppedRate)
			}
		}
	}
}

// TestStepsWithin checks the shortcut of stateUnion: Builder.stepsWithin reports that a
// step at t stays among the states exactly when ctmc.StepStates adds none, on the
// inventory at S = 100, where a step at t = 1, 10 or 20 from the states explored at t = 0
// reaches stock 0 at large ε (1.024) and stays inside at small ε (0.001; the states
// explored at t = 0 then include stock 0 already), and on the states so stepped. The builder kept the propensities at t (a scan at t, as Expand's finite
// differences do); without them it must answer false.
func TestStepsWithin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, eps := range []float64{0.001, 1.024} {
		m := loadtest.Model(t, "@inventory", compiler.Options{Overrides: compiler.Overrides{"s": {40}, "S": {100}, "eps": {eps}}})
		in := m.Inputs()
		base, err := ctmc.Explore(ctx, m, in, ctmc.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []float64{1, 10, 20} {
			b := NewBuilder(m, base, in)
			if b.stepsWithin(base, tt, 0) {
				t.Errorf("ε = %v, t = %v: stepsWithin without the propensities at t", eps, tt)
			}
			if _, err := b.scan(tt, 0); err != nil {
				t.Fatal(err)
			}
			local := *in
			local.Time = tt
			stepped, err := ctmc.StepStates(ctx, base, m, &local, 0, nil, ctmc.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			adds := stepped.NumStates() > base.NumStates()
			if got := b.stepsWithin(base, tt, 0); got == adds {
				t.Errorf("ε = %v, t = %v: stepsWithin = %v, but StepStates goes from %d to %d states", eps, tt, got, base.NumStates(), stepped.NumStates())
			}
			if eps > 1 && !adds {
				t.Errorf("ε = %v, t = %v: the step adds no state; the test needs one", eps, tt)
			}
			// On the grown states (those beyond the builder's are evaluated).
			again, err := ctmc.StepStates(ctx, stepped, m, &local, 0, nil, ctmc.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := b.stepsWithin(stepped, tt, 0); got == (again.NumStates() > stepped.NumStates()) {
				t.Errorf("ε = %v, t = %v: on the stepped states stepsWithin = %v, but StepStates goes from %d to %d states", eps, tt, got, stepped.NumStates(), again.NumStates())
			}
		}
	}
}

// TestCombineMergeRows checks combineMerge, bit for bit, against its definition — each
// element 0 + Σ_k c[k]·a[k]_ij over the matrices storing it, in their order, the columns of
// a row their union in increasing order — on the finite differences' samples of the
// inventory at S = 100 and ε = 0.016 on the union of its states (P at t = 0, 10, 20, whose
// patterns differ by the probabilities that underflow: rows of the dense-accumulator path), with a hand-made
// matrix whose rows no single matrix covers (rows of the merge path) added.
func TestCombineMergeRows(t *testing.T) {
	t.Parallel()
	m, in, _, chain := inventoryUnion(t)
	var ps []*linalg.CSR
	for _, tt := range []float64{0, 10, 20} {
		mm, err := NewBuilder(m, chain, in).At(tt, 0)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, mm.P)
	}
	if samePattern(ps) {
		t.Fatal("the samples share a pattern: the test needs different ones")
	}
	n := chain.NumStates()
	odd := &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, n+1)}
	for i := 0; i < n; i++ {
		odd.Col = append(odd.Col, int32((i*7+3)%n))
		odd.Val = append(odd.Val, 0.125*float64(i+1))
		odd.RowPtr[i+1] = len(odd.Col)
	}
	for _, c := range []struct {
		w  []float64
		ms []*linalg.CSR
	}{
		{[]float64{0.1, -0.1}, ps[:2]},
		{[]float64{0.01, -0.02, 0.01}, ps},
		{[]float64{1, -2, 1, 3}, append(slices.Clone(ps), odd)},
	} {
		got := combineMerge(c.w, c.ms)
		for i := 0; i < n; i++ {
			val := map[int32]float64{}
			var cols []int32
			for k, a := range c.ms {
				for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
					j := a.Col[p]
					if _, ok := val[j]; !ok {
						val[j] = 0
						cols = append(cols, j)
					}
					val[j] += c.w[k] * a.Val[p]
				}
			}
			slices.Sort(cols)
			gc, gv := got.Col[got.RowPtr[i]:got.RowPtr[i+1]], got.Val[got.RowPtr[i]:got.RowPtr[i+1]]
			if !slices.Equal(gc, cols) {
				t.Fatalf("%d matrices, row %d: columns %v, want %v", len(c.ms), i, gc, cols)
			}
			for p, j := range cols {
				if math.Float64bits(gv[p]) != math.Float64bits(val[j]) {
					t.Errorf("%d matrices, (%d, %d) = %v, want %v", len(c.ms), i, j, gv[p], val[j])
				}
			}
		}
	}
}

// inventoryUnion is the inventory at S = 100 and ε = 0.016 (its stock-0 transitions unreached
// at t = 0), its chain explored at t = 0 and the union of its states over the steps at
// t = 1, 10, 20, which adds states (the setting of the Builder tests).
func inventoryUnion(t *testing.T) (*runtime.Model, *ir.Inputs, *ctmc.Chain, *ctmc.Chain) {
	t.Helper()
	ctx := context.Background()
	m := loadtest.Model(t, "@inventory", compiler.Options{Overrides: compiler.Overrides{"s": {40}, "S": {100}, "eps": {0.016}}})
	in := m.Inputs()
	base, err := ctmc.Explore(ctx, m, in, ctmc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	grown, err := stateUnion(ctx, m, in, base, []float64{1, 10, 20}, ctmc.Limits{}, NewBuilder(m, base, in))
	if err != nil {
		t.Fatal(err)
	}
	return m, in, base, grown
}
