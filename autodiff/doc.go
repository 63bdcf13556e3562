// Package autodiff computes forward-mode derivatives of the outputs of an ir.Tape with
// respect to a chosen set of leaves (docs/language.md §7.2, differentiation contract; §6.11).
//
// # Variables and directions
//
// A Vars lists the independent variables: density, count, time and parameter leaves
// (Densities, Counts, Time, Params, Join). Every other leaf, and the scale N and the
// environment, is held fixed. A direction v is a []float64 over Vars.
//
// # Taylor arithmetic
//
// For F: ℝ^d → ℝ^m given by the tape's outputs, a base point x (ir.Inputs) and a direction
// v, the jet sweep propagates truncated Taylor series (Griewank & Walther, ch. 13)
//
//	F(x + s·v) = Σ_{k=0}^{K} c_k s^k + O(s^{K+1}),   D^kF(x)[v, …, v] = k!·c_k,   K ≤ 5,
//
// through every instruction: sums and negation coefficientwise; products by the Cauchy
// product c_k = Σ_j a_j b_{k−j}; quotients by q_k = (a_k − Σ_{j≥1} b_j q_{k−j})/b_0; exp,
// log, sqrt, sin/cos, tan (y' = (1+y²)a'), tanh (y' = (1−y²)a') by their first-order
// linear recurrences, e.g. e_k = (1/k) Σ_{j=1}^{k} j a_j e_{k−j} for e = exp(a).
//
// a^b with an exponent constant along v uses the recurrence of a·y' = p·a'·y when a_0 ≠ 0
// and p is not an integer; an integer p, or a_0 = 0, composes with the exact Taylor
// coefficients C(p, m)·a_0^{p−m}, so that x² at x = 0 has derivatives exactly 0 and 2. A
// varying exponent gives exp(b·log a); at a_0 = 0 the derivatives through b are 0 (docs/language.md §10
// ruling 5) and the exponent is frozen at b_0.
//
// poisson_pmf(k, m) and poisson_cdf(k, m) are differentiated in m only, composing with
// d^n/dm^n pmf(k, m) = Σ_{i=0}^{n} C(n, i)(−1)^{n−i} pmf(k−i, m), the n-fold application
// of d/dm pmf(k) = pmf(k−1) − pmf(k), and d/dm cdf(k) = −pmf(k). If the jet of k is not
// constant the sweep returns a *KError (E805). floor, ceil, comparisons, logic and EnvIs
// have zero derivatives; Select takes the jet of the branch its condition selects.
//
// Conventions at singular points: an operation whose operands are constant along v has
// zero derivatives, and a product with an exact zero factor is zero even next to an
// infinite one (stdlib.MulZ), so a structurally zero derivative never becomes NaN (√x at x = 0
// with v_x = 0). Values always come from ir.Tape.Eval, so c_0 is bit-identical to it.
//
// # Entry points and cost
//
// Let L = len(tape.Args) + tape.Len() be the size of the tape, m the number of outputs, n
// the number of variables and C the number of colours of the Jacobian's pattern.
//
//	Directional            one evaluation + one tangent sweep: O(L)
//	Jet(order K)           one evaluation + one jet sweep: O(K²·L)
//	D2, D3, D4, D5         2, 4, 8, 16 jet sweeps of order 2, 3, 4, 5 (polarization)
//	Jacobian.Eval, EvalCSR C tangent sweeps: O(C·L + nnz)
//	D2/D3/D4Partial        2C, 4C, 8C jet sweeps of order 2, 3, 4
//	Hessian, HessianBlocks C(C+1)/2 jet sweeps of order 2 + O(Σ_i |row_i|²)
//	NewJacobian            O(Σ_slots |deps|·log) pattern + O(Σ_i |row_i|²) colouring
//
// Mixed derivatives come from directional jets by polarization of the homogeneous form
// q(x) = D^nF[x, …, x] (Griewank, Utke & Walther 2000):
//
//	D^nF[x_1, …, x_n] = 2^{1−n} Σ_{ε ∈ {±1}^{n−1}} ε_2⋯ε_n · c_n(x_1 + ε_2 x_2 + … + ε_n x_n),
//
// whose weights ±2^{1−n} are exact; n = 2 is (D²F[u+v, u+v] − D²F[u−v, u−v])/4.
//
// # Sparsity
//
// NewJacobian computes which variables each output depends on through the tape (following
// derivatives: Select conditions, comparisons, floor/ceil and the k of poisson_* do not
// count) and colours the columns greedily so that columns sharing an output differ in
// colour (Curtis, Powell & Reid 1974; Gebremedhin, Manne & Pothen 2005). One sweep along
// the sum of the columns of a colour yields all of them. A tridiagonal drift, such as JSQ
// where output i depends on x_{i−1}, x_i, x_{i+1}, needs 3 colours for any d, so its
// Jacobian costs O(d). The partial contractions D^nF[…, ·] vanish where the Jacobian's
// pattern does, and a Hessian entry (j, k) of output i vanishes unless (i, j) and (i, k)
// are in the pattern, so the same colouring serves them: one sweep per colour or pair of
// colours.
//
// Every entry point writes into caller-provided destinations and a Workspace; with a warm
// workspace Directional, Jet, the D_n and Jacobian.Eval/EvalCSR do not allocate.
//
// References:
//
//	A. Griewank, A. Walther, Evaluating Derivatives, 2nd ed., SIAM 2008, ch. 13.
//	A. Griewank, J. Utke, A. Walther, Evaluating higher derivative tensors by forward
//	  propagation of univariate Taylor series, Math. Comp. 69 (2000) 1117–1130.
//	A. R. Curtis, M. J. D. Powell, J. K. Reid, On the estimation of sparse Jacobian
//	  matrices, IMA J. Appl. Math. 13 (1974) 117–119.
//	A. H. Gebremedhin, F. Manne, A. Pothen, What color is your Jacobian? SIAM Rev. 47
//	  (2005) 629–705.
package autodiff
