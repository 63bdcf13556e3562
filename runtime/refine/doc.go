// Package refine computes the refined mean field of a density-dependent model (Gast & Van
// Houdt 2018; Gast, Bortolussi & Tribastone 2019): the 1/N correction V and, at order 2, the
// 1/N² correction A with E[X_N] = x + V/N + A/N² + O(1/N³), in steady state and along the
// mean-field trajectory, as rmftool's meanFieldExpansionSteadyState and
// meanFieldExpansionTransient with order = 1 or 2, and including the finite-size terms β₁, β₂
// of N-dependent propensities.
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
//	W (lna.Stationary, Bartels–Stewart) O(|S|³) + O(d²r), S ⊆ 1..r the closure of Q's
//	                                  support under A's pattern (|S| = 9 for JSQ, K = 1000)
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
// # Order 2
//
// With Y = X_N − x, write E[Y] = V/N + A/N², E[Y⊗Y] = W/N + M2/N², E[Y⊗Y⊗Y] = M3/N² (and,
// to this order, E[Y⊗⁴] = 3 sym(W⊗W)/N²). Applying the generator
// Lf = F·∇f + (1/2N) Q:∇²f + (1/6N²) R:∇³f + … (F, Q = Σ ℓℓᵀβ, R = Σ ℓ⊗ℓ⊗ℓ β, each with its
// own 1/N expansion) to f = Y, Y⊗Y, Y⊗Y⊗Y and collecting the 1/N² terms gives, with
// J = DF, H_s = D²F_s, g = ½ D²F:W + F₁ (so that J V + g = 0):
//
//	Σ_modes J·M3 + R3 = 0,  R3_ijk = Z_i,jk + Z_j,ik + Z_k,ij + Σ_t ℓ_ti ℓ_tj ℓ_tk β_t,
//	                        Z_s,pq = g_s W_pq + (W H_s W)_pq + Q_pq V_s + (DQ_pq·W)_s,
//	J M2 + M2 Jᵀ + S2 = 0,  S2 = U + Uᵀ + DQ·V + ½ D²Q:W + Q₁,
//	                        U_ij = ½ H_i:M3_··j + ½ (D³F_i:W)·W_·j + F₁_i V_j + (DF₁ W)_ij,
//	J A + b₂ = 0,           b₂ = ½ D²F:M2 + (1/6) D³F:M3 + (1/8) D⁴F:(W,W) + DF₁·V + ½ D²F₁:W + F₂,
//
// and along a trajectory the same right-hand sides drive Ṁ3, Ṁ2 and Ȧ (all zero at t = 0).
// An observable h = h₀ + h₁/N + h₂/N² gets the 1/N² coefficient
// D = Dh₀·A + ½ D²h₀:M2 + (1/6) D³h₀:M3 + (1/8) D⁴h₀:(W,W) + Dh₁·V + ½ D²h₁:W + h₂.
// Every tensor lies in range(P)^⊗k, so the three equations are solved in reduced coordinates
// like V.
//
// No derivative tensor of order 3 or 4 is formed. Second derivatives of the drift come as
// per-output Hessian blocks over each output's dependencies (C(C+1)/2 sweeps for C Jacobian
// colours). Third and fourth derivatives enter only contracted, by polarization of
// single-direction Taylor jets: D³f:M3 slice by slice (M3_··c = Σ λ u uᵀ, then
// D³f[u,u,e_c] = c₃(u+e_c) − c₃(u−e_c) − 2c₃(e_c)), D⁴f:(W,W) over pairs of W's scaled
// eigenvectors, and D³F:W·W by r D3Partial calls. The third-moment equation is a tensor
// Sylvester equation with the operator J⊗I⊗I + I⊗J⊗I + I⊗I⊗J: it is solved in the real Schur
// basis of J (quasi-triangular back substitution over sorted block triples, systems of order
// ≤ 8), never as an r³×r³ system. Costs, r = d − rank(laws), T the drift tape:
//
//	R3 (Hessian blocks, rates' Jacobian)   O(Σ_s |deps_s|·d² + transitions·d + d³)
//	M3 (tensor Sylvester, Schur basis)     O(r³ + |S|⁴): three mode products each way, |S|⁴/4
//	                                       solve, on the closure S of R3's support under J's
//	                                       pattern (linalg.TensorSylvesterStable; |S| = r for
//	                                       a dense J, 10 for JSQ with K = 300)
//	S2 and M2 (Bartels–Stewart)            O(Σ_i |deps_i|²·d + r·colours·T + d² + |S|³)
//	D³F:M3                                 d symmetric eigendecompositions, O(d⁴), and
//	                                       ≤ 2d² + d third-order sweeps, O(d²T)
//	D⁴F:(W,W)                              r² fourth-order sweeps, O(r²T)
//
// JSQ(2) with K = 20 takes about 30 ms and K = 100 about 0.6 s (2 cores); the order-2 terms are
// checked against an independent Kronecker evaluation (1e-15), the long-time limit of the
// transient system, rmftool's transient A(t), and exact chains (fitted error slopes −1, −2, −3).
//
// # Models with a fast environment
//
// Stationary and Transient refuse a model with a fast environment
// (runtime.Model.HasFastEnvironment) with an error wrapping runtime.ErrFastEnvironment: its
// drift F(x, y) depends on an environment that changes N times faster than x, and F frozen
// in one environment state is not its mean field. Package runtime/average computes the
// two-timescale refinement of such models.
//
// # References
//
//   - N. Gast, B. Van Houdt, A refined mean field approximation, Proc. ACM Meas. Anal. Comput.
//     Syst. 1(2), 2017 (SIGMETRICS 2018), article 33.
//   - N. Gast, L. Bortolussi, M. Tribastone, Size expansions of mean field approximation:
//     transient and steady-state analysis, Performance Evaluation 129 (2019) 60–80.
//   - rmftool, https://github.com/ngast/rmf_tool (the reference values of the tests).
package refine
