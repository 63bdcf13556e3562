// Package series computes the N-expansion of docs/language.md §6.8: it maps every numeric node e of a
// count-form expression graph to a truncated Laurent series in h = 1/N,
//
//	E(e) = Σ_{k=p}^{K} e_k h^k,
//
// whose coefficients e_k are new nodes of the same graph over density leaves (x_i = n_i/N),
// environment values, t and parameters. From the series of a propensity a it derives the
// density-dependent form a = N·(β₀ + β₁/N + β₂/N² + …), its order, and the "perfect" and
// "smooth" flags; from the series of an observable its order and three coefficients.
//
// # Method
//
// The arithmetic is exact and symbolic: there is no sampling and no finite differencing.
// Leaves map as n_i ↦ x_i h⁻¹ and N ↦ h⁻¹; every node that depends on neither a count nor the
// scale is "free of N" and is its own series of order 0, unchanged. The other nodes follow
// the table of §6.8: termwise sums, Cauchy products, division by a series whose leading
// coefficient is not structurally zero (the geometric series of (1+r)⁻¹, computed by the
// equivalent recurrence c_k = (a_{k+q} − Σ_{j≥1} b_{q+j} c_{k−j}) / b_q), integer powers by
// repeated products (or a quotient), a^b for b free of N by the binomial series, a^b for b
// depending on N as exp(b·log a), Taylor series f(a₀+δ) = Σ_j f^{(j)}(a₀) δ^j / j! for the
// smooth built-ins (the derivative nodes f^{(j)}(a₀) are built in closed form: tan' = 1 +
// tan², the Poisson pmf recurrence in m, …), the leading form lead(E(a−b)) ⋈ 0 of each
// comparison, coefficientwise Select, and floor/ceil of the constant term.
//
// "Structurally zero" is the graph's constant 0 after folding (ir.Graph.IsZero); the folding
// rules of §6.5 live in the graph builders, so x − x and 0·e vanish as the coefficients are
// built.
//
// # Laziness and memoisation
//
// A series is a lower bound lo on its order, an upper bound hi beyond which every
// coefficient is zero (finite for polynomials in h such as x_i h⁻¹, unbounded after a
// general division or a Taylor series), the coefficients computed so far, and a generator
// for the next one. Asking for coefficient k computes exactly the operand coefficients that
// k needs, so each operation requests from its operands the precision it needs, and no
// precision K has to be fixed in advance. Every node's series is built once per Expander
// and each of its coefficients is computed once, so a subexpression shared by many
// propensities (the x[i] of a load-balancing model with thousands of species) is expanded
// once. Finding an order scans coefficients upward from lo; orders are bounded below, and
// the scan stops after a fixed window, beyond which a series is treated as structurally
// zero.
//
// Failures (§8.2 E603) are reported at the innermost node whose rule failed, with the
// node's position from the graph's side table; E602 is reported at the position the caller
// gives for the propensity.
package series
