// Package refine computes the order-1 refined mean field of a density-dependent model
// (Gast & Van Houdt 2018): the 1/N correction V with E[X_N] = x + V/N + O(1/N²), in steady
// state and along the mean-field trajectory, as rmftool's meanFieldExpansionSteadyState and
// meanFieldExpansionTransient with order = 1.
//
// Notation: the transitions jump by ℓ_j/N at rate N(β₀_j + β₁_j/N + …); F = Σ_j ℓ_j β₀_j is the
// drift (runtime.Model.Drift), F₁ = Σ_j ℓ_j β₁_j its O(1/N) correction (Drift1), A = DF the
// Jacobian, Q = Σ_j ℓ_j ℓ_jᵀ β₀_j the diffusion matrix and W the LNA covariance (package lna).
//
// # Stationary
//
// At the first stable fixed point x* returned by fixpoint.Find, with W solving
// A W + W Aᵀ + Q = 0 (lna.Stationary), V solves
//
//	A V + ½ D²F(x*):W + F₁(x*) = 0,   D²F:W = Σ_kl ∂²F/∂x_k∂x_l W_kl.
//
// With conservation laws A is singular on ℝ^d; since every ℓ_j, hence F, F₁ and every
// second derivative of F, lies in range(P) (P the orthonormal basis of the laws' null space),
// the equation is solved in reduced coordinates: (PᵀAP) z = −Pᵀb, V = P z, b = ½D²F:W + F₁.
// V then satisfies c·V = 0 for every law c.
//
// The Hessian contraction uses no d×d×d tensor: with the symmetric eigendecomposition
// W = Σ_r s_r u_r u_rᵀ, D²F:W = Σ_r s_r D²F[u_r, u_r], one Field.D2 per eigenvalue (each one
// evaluation and two second-order jet sweeps of the drift tape); eigenvalues with
// |s_r| ≤ 10⁻¹⁵ max|s| (the directions of the laws, where W vanishes) are skipped.
//
// Observables with a density expansion h = h₀ + h₁/N + … (runtime.Model.ObservableScaled) are
// refined as
//
//	E h(X_N) = h₀(x*) + C/N + O(1/N²),   C = Dh₀(x*)·V + ½ D²h₀(x*):W + h₁(x*),
//
// with one Directional sweep and the same eigenvectors (one D2 each) on the observables' tape.
//
// Cost, d species, r = d − rank(laws), T the tape length, k Newton iterations:
//
//	fixed point (fixpoint.Find)       k Jacobians + O(k(d²r + r³))
//	W (lna.Stationary, Bartels–Stewart) O(r³) + O(d²r)
//	eigendecomposition of W           O(d³)
//	D²F:W and D²h₀:W                  ≤ 2r D2 calls, O(r·T)
//	V (LU of PᵀAP)                    O(r³)
//
// For JSQ with K = 100 (d = r = 100) Stationary takes about 21 ms (2 cores), three quarters of
// it in the Lyapunov solve; the contraction costs about 1 ms.
//
// # Transient
//
// From the deterministic start x(0) = in.Densities, with V(0) = 0 and W(0) = 0,
//
//	ẋ = F(x),   V̇ = A(x) V + ½ D²F(x):W + F₁(x),   Ẇ = A(x) W + W A(x)ᵀ + Q(x),
//
// integrated jointly by runtime/ode (W packed as its upper triangle: 2d + d(d+1)/2 unknowns;
// the Jacobian of the joint system is left to the solver's finite differences if it switches to
// Rosenbrock). Each right-hand side costs one drift, one F₁, one Jacobian and one rates
// evaluation, O(d³) for A W and the eigendecomposition of W, and ≤ d D2 calls. Then
// E[X_N(t)] = x(t) + V(t)/N + O(1/N²) for every fixed t. The state stays on the affine set of
// the laws and V, W in range(P) automatically.
//
// # References
//
//   - N. Gast, B. Van Houdt, A refined mean field approximation, Proc. ACM Meas. Anal. Comput.
//     Syst. 1(2), 2017 (SIGMETRICS 2018), article 33.
//   - N. Gast, L. Bortolussi, M. Tribastone, Size expansions of mean field approximation:
//     transient and steady-state analysis, Performance Evaluation 129 (2019) 60–80.
//   - rmftool, https://github.com/ngast/rmf_tool (the reference values of the tests).
package refine
