// Package fixpoint finds the equilibria of the mean-field drift F(x) = Σ_j ℓ_j β₀_j(x) of a
// runtime.Model and classifies their stability.
//
// Conservation laws. Every law c (a row of IR.Conservation, c·ℓ_j = 0) makes c·x invariant, so
// J = ∂F/∂x is singular along the laws and F(x) always lies in range(P), where P (d×r, r = d −
// rank C) is an orthonormal basis of the null space of the law matrix C, from a full SVD of C
// (runtime.Model.Reduced: O(m d² + d³), once per model). Newton is therefore run in reduced
// coordinates x = x₀ + P z:
//
//	(PᵀJ(x)P) Δz = −PᵀF(x),   x ← x − t·PΔz,
//
// which keeps c·x = c·x₀ exactly and makes the singular J harmless (PᵀF = 0 ⟺ F = 0). The step
// is damped by backtracking (t = 1, ½, ¼, …) until ‖F‖∞ decreases (Armijo factor 1 − 10⁻⁴t).
// Each iteration costs one Jacobian (exact, forward-mode AD, one sweep per colour), O(d² r) for
// PᵀJP and O(r³) for its LU. An ill-conditioned PᵀJP (cond > 10¹⁴) stops that start with a
// *SingularError.
//
// Starts. Settings.Starts > 1 adds deterministic pseudo-random starts (PCG, Settings.Seed) with
// the conserved totals of the initial state: a law with nonnegative coefficients spreads its
// total over its support with Dirichlet(1,…,1) weights, other species are uniform on
// [0, Settings.Box]; see Starts.
//
// ODE fallback. When Newton fails from a start, the mean-field ODE is integrated from it with
// runtime/ode (Auto method, exact Jacobian for the Rosenbrock stage) to Settings.Horizon
// (default 10⁴) and the end point is polished by Newton. Only attracting equilibria are found
// this way.
//
// Stability. At each distinct fixed point (two points closer than DedupTol = 10⁻⁸ in ∞-norm
// are one) the eigenvalues of the reduced Jacobian A = PᵀJP (linalg.Eigenvalues, O(r³)) give
// the class by linalg.Classify, the one stability decision of every analysis: stable if
// max Re λ < −ε, unstable if > ε, marginal otherwise, ε = EigTol·max(1, ‖A‖∞) with EigTol
// linalg.StabilityTol = 10⁻⁹ by default. The zero eigenvalues of J along the laws are
// excluded by construction.
//
// Models with a fast environment (runtime.Model.HasFastEnvironment) are refused: their
// mean field is the average drift of package runtime/average.
//
// Fixed points with a component below −10⁻⁹ are discarded unless Settings.AllowNegative.
// Find fails with a *NoConvergenceError (which wraps the last cause) only when no start
// converged.
package fixpoint
