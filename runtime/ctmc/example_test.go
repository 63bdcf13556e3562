package ctmc_test

import (
	"context"
	"fmt"

	"github.com/mfcproject/mfc/runtime/load"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/ctmc"
)

// The exact chain of an M/M/1/5 queue: its stationary law, and the model's measures
// (stationary, transient by uniformisation, discounted). P(Q = 0) is (1 − ρ)/(1 − ρ⁶) with
// ρ = 1/2.
func ExampleEvalMeasures() {
	src := `
model mm1k
param lam = 0.5, mu = 1
species Q
arrive: 0 -> Q when Q < 5 @ lam
serve:  Q -> 0 @ mu * ind(Q > 0)
observable busy = ind(Q > 0)
init { Q = 0 }
measure busy_ss = stationary(busy)
measure busy_t2 = transient(busy, 2)
measure busy_disc = discounted(busy, 0.5)
`
	m, diags := load.Source("mm1k.mf", []byte(src), compiler.Options{})
	if m == nil {
		fmt.Println(diags)
		return
	}
	in := m.Inputs()
	c, err := ctmc.Explore(context.Background(), m, in, ctmc.Limits{})
	if err != nil {
		fmt.Println(err)
		return
	}
	st, err := ctmc.Stationary(context.Background(), c, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d states, P(Q = 0) = %.6f\n", c.NumStates(), st.Pi[c.Index([]int{0}, 0)])
	vals, err := ctmc.EvalMeasures(context.Background(), c, m, in, st.Pi, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range vals {
		fmt.Printf("%s (%s) = %.6f\n", v.Name, v.Kind, v.Value)
	}
	// Output:
	// 6 states, P(Q = 0) = 0.507937
	// busy_ss (stationary) = 0.492063
	// busy_t2 (transient) = 0.366205
	// busy_disc (discounted) = 0.585714
}
