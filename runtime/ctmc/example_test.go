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

// The exact references of a slowly varying chain (the seed digest 004, test C1b): two states,
// rate 1 → 2 a(t) = 1 + εt, rate 2 → 1 b = 2, from state 1. Flow integrates the forward
// equation to t = 1/ε, with its ℓ₁ error bound; EvalMeasures does the same for the
// model's measures (digest: 0.499372641472 at ε = 0.02). The chain frozen at t = 1/ε
// (Explore at in.Time = 50) has π₂ = a/(a + b) = 1/2.
func ExampleFlow() {
	src := `
model c1b
param eps = 0.02
env X in 0..1
up:   set X = 1 when X == 0 @ 1 + eps * t
down: set X = 0 when X == 1 @ 2
observable r = X
init { X = 0 }
measure at_end = transient(r, 1 / eps)
`
	m, diags := load.Source("c1b.mf", []byte(src), compiler.Options{})
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
	p0, _ := ctmc.InitialDistribution(c)
	fr, err := ctmc.Flow(context.Background(), c, m, in, p0, &ctmc.FlowSettings{Times: []float64{50}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("p2(50) = %.12f (ℓ₁ error bound below 1e-10: %v)\n", fr.P[0][c.Index(nil, 1)], fr.Error[0] < 1e-10)
	vals, _ := ctmc.EvalMeasures(context.Background(), c, m, in, nil, nil)
	fmt.Printf("%s = %.12f\n", vals[0].Name, vals[0].Value)
	frozen := *in
	frozen.Time = 50
	fc, _ := ctmc.Explore(context.Background(), m, &frozen, ctmc.Limits{})
	st, _ := ctmc.Stationary(context.Background(), fc, nil)
	fmt.Printf("frozen at t = 50: π2 = %.12f\n", st.Pi[fc.Index(nil, 1)])
	// Output:
	// p2(50) = 0.499372641472 (ℓ₁ error bound below 1e-10: true)
	// at_end = 0.499372641472
	// frozen at t = 50: π2 = 0.500000000000
}
