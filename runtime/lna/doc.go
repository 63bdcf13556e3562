// Package lna computes the linear noise approximation of a density-dependent model: the
// covariance W with N·Cov(x_N) → W, in steady state and along the mean-field trajectory.
//
// Stationary. At a stable fixed point x* (package fixpoint), with A = ∂F/∂x(x*) and the
// diffusion matrix
//
//	Q = Σ_j ℓ_j ℓ_jᵀ β₀_j(x*)   (from Model.Rates and IR.Transitions[j].Jump; O(Σ_j |ℓ_j|²)),
//
// W solves the Lyapunov equation A W + W Aᵀ + Q = 0. With conservation laws A is singular, so
// the equation is solved in reduced coordinates: P (d×r) an orthonormal basis of the law null
// space, A_r = PᵀAP, Q_r = PᵀQP, A_r W_r + W_r A_rᵀ + Q_r = 0, W = P W_r Pᵀ. This is exact
// because every ℓ_j and every column of A lie in range(P); W then satisfies C W = 0.
//
// Method: Bartels–Stewart on the real Schur form (linalg.Lyapunov; the basis P is
// runtime.Model.Reduced and the reduced solve linalg.Basis.LyapunovStable). Since A_r is
// stable, the equation is solved on the closure S of Q_r's support under A_r's pattern only,
// exactly (W = 0 elsewhere): species that are 0 at x* and fed by no other species at first
// order carry no noise. JSQ with K = 1000 has |S| = 9. Cost O(r² + |S|³) time, O(r²)
// memory, backward stable, and it needs no diagonalizability (unlike a complex
// eigendecomposition, which is ill-conditioned for non-normal A such as the JSQ Jacobian). A
// singular operator (λ_i + λ_j ≈ 0) gives a *linalg.SingularError; an A_r that is not stable
// by linalg.Classify gives an *UnstableError from Stationary.
//
// Models with a fast environment (runtime.Model.HasFastEnvironment) are refused with an error
// wrapping runtime.ErrFastEnvironment: their mean field is that of package runtime/average.
//
// Transient. W(t) solves dW/dt = A(x(t))W + W A(x(t))ᵀ + Q(x(t)), W(0) = 0, along
// dx/dt = F(x), x(0) = in.Densities. Both are integrated jointly by runtime/ode (W packed as its
// upper triangle: d + d(d+1)/2 unknowns). Each right-hand side costs one drift, one Jacobian,
// one rates evaluation and O(d³); the Rosenbrock stage (if the problem is stiff) uses the
// solver's finite-difference Jacobian of the joint system.
package lna
