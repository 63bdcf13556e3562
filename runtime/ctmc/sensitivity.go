package ctmc

import (
	"context"
	"fmt"
	"math"

	"github.com/mfcproject/mfc/autodiff"
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/linalg"
)

// StationarySensitivity returns dπ/dp, the derivative of the stationary law res of the
// chain with respect to the parameter of flat index k (runtime.Model.DiffParam), at the
// inputs in the chain was explored with. Differentiating πQ = 0, Σπ = 1 gives
// (dπ)Q = −π·dQ, Σdπ = 0, solved on the closed class (linalg.StationaryDerivative); dQ
// comes from the derivative of every propensity in p by forward AD, one tangent sweep per
// state and transition tape. The chain's states must not change with p: a transition with
// propensity 0 whose derivative is not is refused (its state space would change).
// Cost: O(S·tape) for dQ, and one sparse solve of the size of the closed class.
func StationarySensitivity(ctx context.Context, c *Chain, res *Result, in *ir.Inputs, k int) ([]float64, error) {
	m := c.Model
	mod := m.IR
	nodes := make([]ir.NodeID, len(mod.Transitions))
	for j, t := range mod.Transitions {
		nodes[j] = t.Propensity
	}
	prop := runtime.NewFieldVars(mod.Graph, nodes, autodiff.Params(k))
	local := stateInputs(m, in)
	a := make([]float64, len(nodes))
	da := make([]float64, len(nodes))
	one := []float64{1}
	d := c.Dim
	S := c.NumStates()
	// rhs = −π·dQ over all states; only the closed class has π > 0.
	rhs := make([]float64, S)
	next := make([]int, d)
	for s := 0; s < S; s++ {
		ps := res.Pi[s]
		if ps == 0 {
			continue
		}
		if s%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		setState(c, m, local, s)
		prop.Eval(a, local)
		if err := prop.Directional(da, local, one); err != nil {
			return nil, err
		}
		cur := c.Counts(s)
		y := c.Env(s)
		for j, t := range mod.Transitions {
			if da[j] == 0 {
				continue
			}
			if a[j] == 0 || math.IsNaN(da[j]) || math.IsInf(da[j], 0) {
				return nil, fmt.Errorf("ctmc: the propensity of '%s' at [%s] is %g with derivative %g: the chain's transitions change with the parameter there", t.Label, c.StateString(s), a[j], da[j])
			}
			for i := range next {
				next[i] = int(cur[i])
			}
			for _, jp := range t.Jump {
				next[jp.Species] += int(jp.Delta)
			}
			ny := y
			if t.Update != nil {
				ny = t.Update[y]
			}
			to := c.Index(next, ny)
			if to == s {
				continue
			}
			if to < 0 {
				return nil, fmt.Errorf("ctmc: '%s' from [%s] leads out of the explored chain", t.Label, c.StateString(s))
			}
			rhs[to] -= ps * da[j]
			rhs[s] += ps * da[j]
		}
	}
	// The closed class, in the order Stationary solved it.
	class := res.closed
	sub := restrict(c.Q, class)
	n := len(class)
	pi := make([]float64, n)
	b := make([]float64, n)
	for l, i := range class {
		pi[l], b[l] = res.Pi[i], rhs[i]
	}
	x, err := linalg.StationaryDerivative(ctx, sub, pi, b, 2000, 1e-12)
	if err != nil {
		return nil, err
	}
	out := make([]float64, S)
	for l, i := range class {
		out[i] = x[l]
	}
	return out, nil
}

// ExpectSensitivity returns d/dp of E_π f for each node f of nodes: Σ_s dπ_s f(s) +
// Σ_s π_s ∂f/∂p(s), the second term for an f that reads the parameter of flat index k.
func ExpectSensitivity(c *Chain, m *runtime.Model, in *ir.Inputs, pi, dpi []float64, nodes []ir.NodeID, k int) ([]float64, error) {
	out := ExpectNodes(c, m, in, dpi, nodes)
	if len(nodes) == 0 {
		return out, nil
	}
	f := runtime.NewFieldVars(m.IR.Graph, nodes, autodiff.Params(k))
	if len(f.Pattern().Col) == 0 {
		return out, nil
	}
	local := stateInputs(m, in)
	df := make([]float64, len(nodes))
	for s, p := range pi {
		if p == 0 {
			continue
		}
		setState(c, m, local, s)
		if err := f.Directional(df, local, []float64{1}); err != nil {
			return nil, err
		}
		for i := range out {
			out[i] += p * df[i]
		}
	}
	return out, nil
}
