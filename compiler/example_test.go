package compiler_test

import (
	"fmt"

	"github.com/mfcproject/mfc/compiler"
)

// Compile a model from text and read its IR: species, jump vectors, conservation laws.
func ExampleCompileSource() {
	src := []byte(`
model dimer
scale N = 200
param c = 0.5, kr = 1
species S1 as x1, S2 as x2
let k = c / N
2S1 -> S2 @ k*x1*(x1-1)
S2 -> 2S1 @ kr*x2
`)
	m, diags := compiler.CompileSource("dimer.mf", src, compiler.Options{})
	if m == nil {
		fmt.Println(diags)
		return
	}
	for _, t := range m.Transitions {
		fmt.Println(t.Label, t.Jump, "perfect:", t.Density.Perfect)
	}
	fmt.Println("conservation:", m.Conservation)
	// Output:
	// L7 [{0 -2} {1 1}] perfect: false
	// L8 [{0 2} {1 -1}] perfect: true
	// conservation: [[1 2]]
}

// Diagnostics carry a position, a code, a message and a hint.
func ExampleCompileSource_diagnostics() {
	_, diags := compiler.CompileSource("m.mf", []byte("param beta = 1\nspecies S\nS -> 0 @ bta * S\n"), compiler.Options{})
	fmt.Println(diags.Error())
	// Output:
	// m.mf:3:10: error[E201]: unknown identifier 'bta'
	//     hint: did you mean 'beta' (param, 1:7)?
}
