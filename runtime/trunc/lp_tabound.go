package trunc

import (
	"context"
	"fmt"
	"math"

	"github.com/mfcproject/mfc/runtime/lp"
)

// TARefinement is the input of RefineTABound: a TA solution with a single re-entry state,
// the Lyapunov data of the Liu–Li–Masuyama bound (4.29), and the β values with their φ̄
// (which the ta scheme computes for (4.29) anyway).
type TARefinement struct {
	// Z is the re-entry state z_r (an index into S) and Outflow the outflow rate
	// O_r = Σ_x π_r^z(x) q_o(x) of the TA solution π_r^z (4.27).
	Z       int
	Outflow float64
	// V and QV are the Lyapunov function v and its drift Qv at every state of S (Qv from
	// the full chain, including the jumps that leave S).
	V, QV []float64
	// F is the set F ⊆ S of the drift condition Qv ≤ −f + d·1_F, as indices into S.
	F []int
	// Betas are the β values tried and PhiBars the φ̄_r^β = max_x min_{y∈F} φ_r^β(x, y) of
	// (4.30) at each (the literal index order); a β whose φ̄ is not positive is skipped.
	Betas, PhiBars []float64
}

// RefineTABound computes the LP refinement (C.6)–(C.7) of the TA bound (seed-003 §3.3, App.
// C.5): with F∘ = {x ∈ F : q(x, y) = 0 for every y ∉ F}, for each β
//
//	c_r = inf { 1_{F∘}(z) w(z) + e/(β φ̄) :  w ≥ 0 on F∘, e ∈ ℝ,
//	            Σ_y q(x, y)[1_{F∘}(y) w(y) + 1_{F∘ᶜ}(y) v(y)] ≤ e − 1 for every x ∈ F },      (C.6)
//
//	‖π − π_r^z‖_TV ≤ (1_{F∘}(z) c_r + 1_{F∘ᶜ}(z)[v(z) + c_r]) · O_r,                          (C.7)
//
// and returns the least bound over β, with its β (Variant "C.7", PhiIndex "literal"). The
// constraint of x reads Qv(x) + Σ_{y∈F∘} q(x, y)(w(y) − v(y)) ≤ e − 1, so only v on F∘ and
// Qv on F are needed. w = v, e = d (d = max_F Qv + 1, the naive d) is feasible, so (C.7) is
// never above (v(z) + d/(βφ̄))·O_r, the (4.29) bound with the prefactor 1 (inf f = 1).
//
// The polytope does not depend on β: one LP per β, warm-started. The value returned is
// not the solver's: e is recomputed from the solver's w (clipped at 0) as the least e
// that satisfies every constraint, rounded up, so the point is feasible and its objective
// is a valid upper bound on c_r whatever the solver's tolerance. Certified is set: the
// bound holds given the Lyapunov data (its drift condition outside S is the user's
// assertion) and φ̄. O(|F|·row length) per β plus the LPs.
func RefineTABound(ctx context.Context, t *Truncation, in *TARefinement) (*TABound, error) {
	if err := lp.Available(); err != nil {
		return nil, fmt.Errorf("trunc: the (C.7) refinement needs an LP solver: %w", err)
	}
	n := t.NumStates()
	if len(in.V) != n || len(in.QV) != n {
		return nil, fmt.Errorf("trunc: (C.7): v and Qv need %d values, got %d and %d", n, len(in.V), len(in.QV))
	}
	if len(in.Betas) != len(in.PhiBars) || len(in.F) == 0 || in.Z < 0 || in.Z >= n {
		return nil, fmt.Errorf("trunc: (C.7): %d β values for %d φ̄, |F| = %d, z = %d", len(in.Betas), len(in.PhiBars), len(in.F), in.Z)
	}
	inF := make([]bool, n)
	for _, x := range in.F {
		if x < 0 || x >= n {
			return nil, fmt.Errorf("trunc: (C.7): F holds %d, not a state of S", x)
		}
		inF[x] = true
	}
	// F∘ and the column of each of its states.
	col := make([]int, n)
	var fo []int
	for _, x := range in.F {
		col[x] = -1
		if t.Out[x] > 0 {
			continue
		}
		ok := true
		for k := t.Q.RowPtr[x]; k < t.Q.RowPtr[x+1]; k++ {
			if y := int(t.Q.Col[k]); !inF[y] && t.Q.Val[k] > 0 {
				ok = false
			}
		}
		if ok {
			col[x] = len(fo)
			fo = append(fo, x)
		}
	}
	for x := range col {
		if !inF[x] {
			col[x] = -1
		}
	}
	m := len(fo)
	p := lp.NewProblem(m + 1) // w on F∘, then e
	p.SetBounds(m, math.Inf(-1), math.Inf(1))
	type term struct {
		k int
		q float64
	}
	rows := make([][]term, len(in.F))
	for i, x := range in.F {
		var cols []int
		var vals []float64
		r := -1 - in.QV[x]
		for k := t.Q.RowPtr[x]; k < t.Q.RowPtr[x+1]; k++ {
			y := int(t.Q.Col[k])
			if c := col[y]; c >= 0 && t.Q.Val[k] != 0 {
				cols, vals = append(cols, c), append(vals, t.Q.Val[k])
				rows[i] = append(rows[i], term{c, t.Q.Val[k]})
				r += t.Q.Val[k] * in.V[y]
			}
		}
		p.AddRow(append(cols, m), append(vals, -1), math.Inf(-1), r)
	}
	s := lp.New()
	defer s.Close()
	if err := s.Load(p, lp.Options{}); err != nil {
		return nil, err
	}
	zCol := col[in.Z]
	best := &TABound{Value: math.Inf(1), Variant: "C.7", PhiIndex: "literal", Certified: true}
	c := make([]float64, m+1)
	for b, beta := range in.Betas {
		phi := in.PhiBars[b]
		if !(phi > 0) || !(beta > 0) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// The objective w(z) + e/(βφ̄), scaled by a positive factor so that its largest
		// coefficient is 1: 1/(βφ̄) reaches 1e30 and beyond when φ̄ is tiny (Schlögl (a)),
		// which CLP refuses (it aborts on |c| ≥ 1e25). The minimiser is the same, and the
		// bound below is recomputed from the point, not from the objective value.
		inv := 1 / (beta * phi)
		if math.IsInf(inv, 0) {
			continue
		}
		clear(c)
		if inv > 1 {
			if zCol >= 0 {
				c[zCol] = 1 / inv
			}
			c[m] = 1
		} else {
			if zCol >= 0 {
				c[zCol] = 1
			}
			c[m] = inv
		}
		r, err := s.Solve(lp.Minimize, c)
		if err != nil {
			return nil, err
		}
		if r.Status != lp.Optimal {
			return nil, fmt.Errorf("trunc: (C.6) at β = %g: %v", beta, r.Status)
		}
		// The least feasible e for the solver's w ≥ 0, rounded up.
		e := math.Inf(-1)
		for i, x := range in.F {
			lhs, abs := in.QV[x]+1, math.Abs(in.QV[x])+1
			for _, tm := range rows[i] {
				d := tm.q * (math.Max(r.X[tm.k], 0) - in.V[fo[tm.k]])
				lhs += d
				abs += math.Abs(d)
			}
			e = math.Max(e, lhs+roundOut(len(rows[i])+2, abs))
		}
		cr := e / (beta * phi)
		if zCol >= 0 {
			cr += math.Max(r.X[zCol], 0)
		} else {
			cr += in.V[in.Z]
		}
		cr = math.Nextafter(cr, math.Inf(1)) * (1 + 4*0x1p-53)
		if v := cr * in.Outflow * (1 + 2*0x1p-53); v < best.Value {
			best.Value, best.Beta = v, beta
		}
	}
	if math.IsInf(best.Value, 1) {
		return nil, fmt.Errorf("trunc: (C.7): no β with φ̄ > 0; try a wider --beta range")
	}
	return best, nil
}
