// Package average computes the "average" mean field of a two-timescale population model and
// its order-1 refinement (Allmeier & Gast, "Bias and refinement of multiscale mean field
// models"; seed digest 000, whose corrected formulas §2.7 and algorithms §3 it follows).
//
// # Model
//
// A model with a scale N and an environment (docs/language.md §5.4, §6.8) is a pair (X, Y): the
// densities X ∈ ℝ^d are the slow component, the environment state Y ∈ 𝒴 (m = |𝒴| states,
// IR.Env.Space) the fast one. Each transition instance j that can fire from y (its EnvMove
// from y) jumps (x, y) → (x + ℓ_j/N, y′) at rate N·β₀_j(x, y) + O(1): slow (ℓ ≠ 0, y′ = y),
// fast (ℓ = 0, y′ ≠ y) or coupled (both). From the density rates β₀_j (exact derivatives by
// forward-mode AD, package autodiff, on a tape of the rates compiled once):
//
//	F(x, y)  = Σ_j β₀_j(x, y) ℓ_j                       drift in environment y
//	K(x)     fast kernel, K_{yy′} = Σ_{j: y→y′≠y} β₀_j(x, y), rows summing to 0 (no factor N)
//	π(x)     its stationary law: πᵀM = e_mᵀ, M = K with its last column set to ones
//	K⁺       group inverse (K + 1πᵀ)⁻¹ − 1πᵀ
//	F̄(x)     = Σ_y π_y(x) F(x, y)                       averaged drift; dφ/dt = F̄(φ) is the ODE
//	∂_nπᵀ    = −πᵀ ∂_nK K⁺                               implicit differentiation of πᵀK = 0
//	A        = ∂F̄ = Σ_y ∂π_y F(y) + π_y ∂F(y)
//
// # Steady state (Stationary)
//
// The fixed point φ∞ is reached by integrating the ODE to Settings.Horizon (runtime/ode) and
// polishing by damped Newton on F̄ = 0, in the coordinates orthogonal to the conservation
// laws (runtime.Model.Reduced). The Lyapunov equations below are solved in the same reduced
// coordinates by Bartels–Stewart (linalg.Basis.Lyapunov and LyapunovGeneral). With G = K⁺F (row y′ solves the fast Poisson equation),
// w_{y′} = Σ_y π_y Σ_{j: y→y′} β₀_j ℓ_j, Q̄ = Σ_y π_y Σ_j β₀_j ℓ_j ℓ_jᵀ, all at φ∞:
//
//	O = Σ_{y′} G(y′) w_{y′}ᵀ,   R = Σ_{y′} DG(y′)[w_{y′}],
//	A W + W Aᵀ + Q̄ = 0,   A U + U Aᵀ + O = 0,
//	V = −A⁻¹(½ B:W + F̄₁),   T = A⁻¹(B:U),   S = A⁻¹R,
//	C = V + T + S,   Σ∞ = W − U − Uᵀ,
//	E[X_N] = φ∞ + C/N + O(1/N²),   N·Cov(X_N) → Σ∞,
//
// where B:M = Σ_kl ∂²F̄/∂x_k∂x_l M_kl. F̄₁ = Σ_y π_y F₁(y) − Σ_y (πᵀK₁K⁺)_y F(y) is the
// averaged O(1/N) part of the rates (F₁, K₁ assembled from β₁ like F, K from β₀); it is zero
// for the N-independent density rates of the digest, and makes the model without
// environment reduce exactly to package refine. This term is an extension: the digest
// (§6.1) suggests it without a derivation.
//
// An observable h(x, y) = h₀ + h₁/N + … (y may appear) is refined as (digest §3(d))
//
//	E h = h̄(φ∞) + C_h/N,   h̄ = Σ_y π_y h₀(y),
//	C_h = ∇h̄·C + ½ ∂²h̄:Σ∞ − Σ_{y′} DG_h(y′)[w_{y′}] + Σ_y π_y h₁(y) − (πᵀK₁K⁺)_y h₀(y),
//
// with G_h = K⁺h. With one environment state, or an observable of x only, G_h ≡ 0.
//
// # Large d
//
// The d×d×d tensor B and the second derivatives ∂²π, ∂²K are never formed. A contraction
// with a symmetric M uses P = M ∂π (d×m), the rate Hessians contracted with M (sparse
// Hessian blocks from autodiff.HessianBlocks, C(C+1)/2 jet sweeps per state for C Jacobian
// colours) and
//
//	∂²π:M = −(2 Σ_l P_lᵀ ∂_lK + πᵀ(∂²K:M)) K⁺,
//	B:M   = Σ_y (∂²π:M)_y F(y) + 2 Σ_{y,l} P_ly ∂_lF(y) + Σ_y π_y Σ_j ℓ_j (∂²β₀_j(y):M).
//
// DG[w] uses DK⁺[w] = −K⁺ DK[w] K⁺ − 1(Dπ[w])ᵀK⁺ (DK, Dπ contracted with w) without
// forming ∂K⁺.
//
// # Cost
//
// Let m = |𝒴|, J the transitions, d the species, r = d − rank(laws), L the rate tape length
// and C its Jacobian colours. One evaluation of the fast chain at x costs m tape
// evaluations and O(J m + m³) (order 0: F̄, π, K⁺); order 1 adds m sparse Jacobians (C·L
// each), O(d m²) for ∂π and O(m d²) for ∂F and A; order 2 adds m Hessian-block sweeps
// (C(C+1)/2 · L each). Then, in Stationary:
//
//	ODE to the horizon          per right-hand side: one order-0 evaluation
//	Newton                      per step: one order-1 evaluation + O(d²r + r³)
//	eigenvalues of PᵀAP         O(r³)
//	W and U (Bartels–Stewart)   O(r³) (U as an off-diagonal block of an order-2r problem)
//	O, Q̄, w                     O(m J |ℓ|² + m d²)
//	R                           O(m² d² + m³ d)   (DK[w_{y′}] for each y′)
//	B:W, B:U, ∂²h̄:Σ∞            O(d² m + d m² + m d² + Σ|Hessian blocks|) each
//	V, T, S                     three solves with the LU of PᵀAP, O(r²)
//
// For the 5-class CSMA model of digest §4 (d = 50, m = 12, J = 105) Stationary takes about
// 80 ms including the ODE to t = 200 on one core.
//
// # Transient
//
// Transient integrates (digest §3(c), a candidate validated against exact chains)
//
//	dφ/dt = F̄(φ),   dΣ/dt = AΣ + ΣAᵀ + Q̄ − O − Oᵀ,   dm/dt = A m + ½ B:Σ − R + F̄₁,
//
// from φ(0) = x₀, Σ(0) = 0 and m(0) = −Σ_y μ_y G(x₀, y) (μ the initial environment law;
// m(0) = 0 when μ = π(x₀)), so that E[X_N(t)] = φ(t) + m(t)/N + O(1/N²) for fixed t > 0
// (there is an initial layer of length O(1/N) in which Y mixes). Each right-hand side costs
// one order-2 evaluation, one contraction, R and O(d³) for AΣ.
//
// # Degenerate cases
//
// With one environment state, or a drift that does not depend on y, G ≡ 0, so O = R = U = 0,
// T = S = 0, and V, W are the classical refined mean field of package refine.
//
// # Errors
//
// ErrNotUnique when K(x) has several recurrent classes (assumption A2);
// *UnstableError when A at the fixed point is not stable by linalg.Classify (A3); runtime.ErrNoMeanField for a
// model without a mean field.
package average
