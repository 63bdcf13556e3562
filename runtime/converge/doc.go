// Package converge estimates the rate of convergence of the stationary distribution of a
// density-dependent population model to its mean-field equilibrium, following L. Ying,
// "On the rate of convergence of mean-field models: Stein's method meets the perturbation
// theory" (seed digest 001, §2–§3): under a unique, globally asymptotically and locally
// exponentially stable equilibrium x*,
//
//	E_π‖X_N − x*‖² = C/N + o(1/N),
//
// and the package computes C, the evidence for the hypotheses, bounds valid for every N,
// and (Compare) the exact finite-N values from the chain.
//
// Notation: transitions jump by ℓ_j/N at rate N β_j(x) (runtime.Model.Rates), the drift is
// F = Σ_j ℓ_j β_j (Model.Drift), J = ∂F/∂x, P (d×r) is an orthonormal basis of the tangent
// space of the compatibility class (runtime.Model.Reduced, the null space of the conservation laws) and
// J_r = PᵀJ(x*)P the reduced Jacobian. The test function is ‖x − x*‖² = ‖z‖²,
// z = Pᵀ(x − x*). Below, d is the number of species, r = d − rank(laws), J the number of
// transitions, K ≤ J the number of distinct jump directions (up to sign) and S the number
// of sample points (1 + Settings.Samples + the vertices of the simplex laws).
//
// # Equilibrium and local stability
//
// fixpoint.Find (Settings.Fixpoint, 24 starts by default; per start k Newton iterations,
// each one Jacobian plus O(d²r + r³)) lists the equilibria. Exactly one must be stable
// by linalg.Classify with the margin Settings.EigTol (the abscissa of J_r below
// −EigTol·max(1, ‖J_r‖∞)), which fixpoint.Find applies; otherwise Analyze fails
// with a *NoStableError, a *SeveralStableError (the stationary law is then multimodal) or
// a *NotExponentialError (a degenerate or critical equilibrium). Other, unstable
// equilibria are reported as warnings: the mean field is then not globally stable.
//
// At x* the eigenvalues of J_r (O(r³)) give the abscissa (the d − r zero eigenvalues of J
// along the laws are excluded by construction), and Π solves
//
//	J_rᵀ Π + Π J_r = −I
//
// by Bartels–Stewart (linalg.Lyapunov, O(r³)); λ_min(Π), λ_max(Π), their ratio and the
// guaranteed linear decay rate 1/(2λ_max(Π)) are reported.
//
// # Prediction
//
// With W the stationary LNA covariance (lna.Stationary, O(r³)) and
// D_r = Σ_j β_j(x*) Pᵀℓ_j ℓ_jᵀP,
//
//	C = tr W = tr(Π D_r) = Σ_j β_j(x*) (Pᵀℓ_j)ᵀ Π (Pᵀℓ_j).
//
// The last sum, the per-transition breakdown (Term), is the leading term of the Stein
// identity below with ∇²g(x*) = −2Π on the tangent space; tr W = tr(ΠD_r) is checked
// (Prediction.CStein). W_ii is the constant of coordinate i alone. Cost O(J d r + r³).
//
// # Poisson solution
//
// g(x) = −∫₀^∞ ‖x(t, x) − x*‖² dt solves ∇g·F = ‖x − x*‖² (Poisson). Its derivatives come
// from the variational equations along the trajectory, with ℓ_z = Pᵀℓ:
//
//	Φ̇ = J(x(t)) Φ,                              Φ(0) = P,
//	ẇ_ℓ = J(x(t)) w_ℓ + D²F(x(t))[Φℓ_z, Φℓ_z],   w_ℓ(0) = 0,
//	∇_z g = −2 ∫ Φᵀ(x − x*) dt,
//	ℓᵀ∇²g ℓ = −2 ∫ (‖Φℓ_z‖² + (x − x*)·w_ℓ) dt.
//
// They are integrated by runtime/ode (Dormand–Prince, switching to Rosenbrock if stiff)
// in segments of 10/|abscissa| until everything is below PoissonSettings.Decay, and the
// exponential tail integrand(T)/(2|abscissa|) is added. The system has
// d(1 + r + K) + 1 + r + K unknowns (Poisson.Unknowns); each right-hand side costs one
// drift evaluation, r + K tangent sweeps (Field.Directional) and K second-order
// contractions (Field.D2). Only directions in the tangent space are allowed: normal to
// it, the second derivative of g diverges. Above Settings.MaxUnknowns the sampled runs
// drop the second derivatives (and then the gradient) and the bounds are skipped.
//
// # Global stability evidence
//
// The Poisson integration from each of the S sample points (the initial state,
// pseudo-random points of the class from fixpoint.Starts, and the simplex vertices)
// doubles as an ODE run: convergence, time to reach x*, and a κ estimate for
// α = Settings.AlphaFraction·|abscissa| (a large κ means slow nonlinear transients far
// from x*). The quadratic function V = zᵀΠz is tested (V̇ < 0) on Settings.LyapunovSamples
// further points (one drift evaluation each), and a one-dimensional class gets a sign test
// of the reduced drift on 2000 grid points. This is numerical evidence, not a proof.
//
// # Bounds for every N
//
// For a perfect model, the Stein identity
//
//	E_π‖X − x*‖² = E_π[−Σ_j N β_j(X) (g(X + ℓ_j/N) − g(X) − ∇g(X)·ℓ_j/N)]
//
// and a second-order Taylor remainder give, for every N,
//
//	N·E_π‖X − x*‖² ≤ ½ sup_x Σ_j β_j(x) sup_ξ |ℓ_jᵀ∇²g(ξ)ℓ_j|,
//
// and the matching lower bound with infima when every sampled ℓ_jᵀ∇²gℓ_j is negative.
// The sups are sampled on the S points (and the rates also on the Lyapunov samples), so
// the bounds are not certified. For an imperfect model (a rate depends on N) the leading
// drift-error term max‖∇g‖·sup‖F₁‖ of the asymptotically-accurate corollary is added.
// Cost O((S + LyapunovSamples)·J) after the Poisson runs.
//
// # Constants and bias
//
// The computable constants of the paper's Section IV (Constants): the Hessian bounds L and
// μ from one exact Hessian per sample point, and c_l, c_u, c_p, c_d of V = zᵀΠz. The
// order-1 refined mean field (Gast and Van Houdt 2018, as package refine),
//
//	E_π[X] = x* + V/N + O(1/N²),   J_r z = −Pᵀ(½ D²F(x*):W + F₁(x*)),   V = P z,
//
// is reported next to the mean-square error; it is a different quantity. Cost O(r³) and
// r second-order contractions.
//
// # Exact comparison
//
// Compare solves the exact chain (runtime/ctmc) at given N and reports N·E_π‖X − x*‖², its
// per-species parts, the bias, the gap to C with a log-log fit of |gap| against N (slope
// ≈ −1), and, for small chains of a perfect model, both sides of the Stein identity, which
// is exact at every N and therefore tests the whole computation of g.
package converge
