// Package compiler turns a parsed .mf file into the IR every analysis reads (package ir):
// names and types are checked once (docs/language.md §4), parameters are evaluated with run-time
// overrides (§5.1), families, loops, where filters and static ifs are expanded (§5.6), the
// whole model becomes one hash-consed expression graph (§7.2), the environment space 𝒴 is
// explored (§5.4), transitions get jump vectors, update maps and kinds (§6.1–6.2) and the
// static non-negativity check (§6.5), and the initial state, measures and conservation laws
// are computed (§6.9, §6.10). For continuous-time models with a scale, every propensity is
// expanded in powers of 1/N (§6.8, package series).
//
// Every problem is a diag.Diagnostic with a position, a catalogue code, a one-line message
// and a hint (§8). Stages 2–3 report every error they find; later stages run only if the
// earlier ones succeeded (§7.1).
//
// Typical use:
//
//	m, diags := compiler.CompileFile("sir.mf", compiler.Options{
//		Overrides: compiler.Overrides{"beta": {2.5}},
//		Scale:     500,
//	})
//	if m == nil {
//		log.Fatal(diags)
//	}
//
// Cost: compilation is linear in the size of the expanded model (transition instances times
// the size of their expressions, plus |𝒴| times the number of environment updates), except
// for the conservation laws, O(R·b·d) for R transitions, d species and b ≤ d laws.
package compiler
