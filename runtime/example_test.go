package runtime_test

import (
	"fmt"

	"github.com/mfcproject/mfc/runtime/load"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler"
)

// A model given as text, with a parameter override: the drift and its Jacobian at a point.
func Example() {
	src := []byte(`
scale N = 100
param beta = 2, gamma = 1
species S, I
infect:  S + I -> 2I @ beta * S * I / N
recover: I -> S      @ gamma * I
`)
	m, diags := load.Source("sis.mf", src, compiler.Options{Overrides: compiler.Overrides{"beta": {3}}})
	if m == nil {
		fmt.Println(diags)
		return
	}
	in := m.Inputs()
	in.Densities[0], in.Densities[1] = 0.6, 0.4
	f := make([]float64, m.Dim())
	_ = m.EvalDrift(f, in)
	var jac mat.Dense
	_ = m.Jacobian(&jac, in)
	fmt.Printf("F = [%.2f %.2f]\n", f[0], f[1])
	fmt.Printf("J = %.2f\n", mat.Formatted(&jac, mat.Prefix("    ")))
	// Output:
	// F = [-0.32 0.32]
	// J = ⎡-1.20  -0.80⎤
	//     ⎣ 1.20   0.80⎦
}

// Propensities in count form, as simulation and the exact chain use them.
func ExampleModel_Propensities() {
	m, _ := load.File("@sir", compiler.Options{Scale: 10})
	in := m.Inputs() // initial counts: S = 9, I = 1, R = 0
	p := make([]float64, len(m.IR.Transitions))
	m.Propensities(p, in)
	for j, t := range m.IR.Transitions {
		fmt.Printf("%s %.2f\n", t.Label, p[j])
	}
	// Output:
	// infect 10.80
	// recover 1.00
	// wane 0.00
}

// Third derivatives of the drift contracted with directions, never a dense tensor.
func ExampleField_D3() {
	m, _ := load.Source("cubic.mf", []byte("scale N = 10\nspecies X\n0 -> X @ N * (X/N)^3\n"), compiler.Options{})
	in := m.Inputs()
	in.Densities[0] = 0.5
	out := make([]float64, 1)
	u := []float64{1}
	_ = m.Drift.D3(out, in, u, u, u)
	fmt.Println(out[0]) // d³/dx³ x³ = 6
	// Output: 6
}
