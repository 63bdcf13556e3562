// Package slow approximates the measures of Markov chains whose transition matrices P(t)
// (discrete time) or generators Q(t) (continuous time) change slowly, by the first- and
// second-order expansions of Zheng, Honnappa and Glynn, "Approximating performance measures
// for slowly changing non-stationary Markov chains" (2018), with the corrections of the
// digest seed-004 §9. Every term is a few linear solves with the frozen chain's matrix,
// through one factorisation (package poisson).
//
// # Conventions
//
// Real time units; ε is not declared. A model writes its slow variation with an ordinary
// parameter and t (let lam = m + eps * t). The expansions use the derivatives in t, so that
// in discrete time εP⁽¹⁾ = dP/dt and ε²P⁽²⁾ = d²P/dt² per step (digest §5.4), obtained exactly
// by forward-mode AD of the propensities along the time leaf (Builder; autodiff.Jet). The
// diagonal (the implicit self-loop 1 − Σ_{j≠i} p_ij, or −Σ_{j≠i} q_ij) is rebuilt after
// differentiation, so every derivative matrix has zero row sums (digest §1). Every Result
// term includes its power of ε: the approximation of order k is Σ_{i≤k} Terms[i].
//
// Discrete-time index (docs/language.md §6.6): the probabilities evaluated at t = k govern
// the step X_k → X_{k+1}, so the digest's P_j is P(t₀ + j − 1). Expanding at the start uses
// P̃ = P(t₀), Ṗ(t₀), P̈(t₀) (Theorems 1–4, 8: a_{i1} = i − 1, a_{i2} = (i − 1)²). Expanding at
// the end of a horizon n uses the matrix of the last transition, P̃ = P(t₀ + n − 1), and the
// forward derivatives there; the leading correction has a minus sign (Theorems 5, 6).
// Continuous time: Q̃ = Q(t), Q̇(t), Q̈(t) at the evaluation time t (Theorems 9, 10); the
// discounted reward (§5.5, derived, not in the paper) expands at t₀. Discrete time has
// Z²P̃r where continuous time has D²r.
//
// Measures (docs/language.md §6.10): discounted(f, a) is κ = E Σ_j e^{−aj} f(X_j) (rewards at
// the period start); until(f, R) is δ = E Σ_{j=0}^{T} f(X_j), the reward at the hitting step
// included; transient(f, n) is χ_n = E f(X_n); cumulative(f, n) is τ_n = E Σ_{j<n} f(X_j).
//
// Available orders (Available): 0..2 for discounted measures (both times), transient
// measures expanded at the end and continuous-time transient measures; 0..1 for until
// (Theorem 3), transient at the start (Theorem 4) and cumulative (Theorem 8). A higher
// order, or an expansion point a kind does not have, is refused with the reason. Theorem 7
// (general state spaces) is out of scope.
//
// # The kernels
//
//	Discounted            μRr + q²μP̃R²P⁽¹⁾Rr + corrected (18)              R = (I − qP̃)⁻¹
//	Hitting               μGr̃ + μB̃G²B⁽¹⁾Gr̃ + μB̃G²r̃⁽¹⁾ (Theorem 3)         G = (I − B̃)⁻¹
//	TransientStart        π̃r + nπ̃P⁽¹⁾Zr − π̃P⁽¹⁾Z²r (Theorem 4)            Z = (I − P̃ + Π̃)⁻¹
//	TransientEnd          π̃r − π̃P⁽¹⁾Z²P̃r + corrected Theorem 6
//	Cumulative            (n−1)π̃r + μZr + corrected Theorem 8
//	Transient             π̃r − π̃Q̇D²r + π̃Q̈D³r + π̃Q̇(D²Q̇D² + 2DQ̇D³)r        D = (Π̃ − Q̃)⁻¹
//	DiscountedContinuous  μR_c r + μR_c²Q̇R_c r + … (§5.5)                    R_c = (αI − Q̃)⁻¹
//
// Package poisson's Z is the digest's Z (discrete) and D (continuous time); its D is the
// deviation matrix, which none of these formulas uses. The function-form variant (38) of
// TransientEnd solves centred Poisson equations; its free constants do not matter because
// the derivative matrices annihilate constants (pitfall 4).
//
// # States
//
// The frozen chain's states are those ctmc.Explore reaches at the frozen time. For the
// resolvent expansions of discrete-time chains (discounted, until) they are closed under
// one step at the frozen time, the next step and the finite-difference samples
// (ctmc.TimeVarying appends the states it reaches): a probability that rounds to 0 at t₀
// (stock 0 of the inventory model at demand 1) matters once demand grows. The expansions
// that need Z keep the states of the frozen chain, where it must be irreducible. A
// transition whose target is not among the states is left out with the diagonal rebuilt
// (the truncated chain stays conservative, pitfall 11) and counted in a warning.
//
// # Finite differences
//
// With Settings.Deriv = "fd" (§3.4): at the start εP⁽¹⁾ ≈ (P_j − P_1)/(j − 1) (16) and
// ε²P⁽²⁾ ≈ (P_{2j−1} − 2P_j + P_1)/(j − 1)² (19), j = ⌈1/(1 − e^{−α})⌉ by default for discounted
// measures (11, 3, 2 for α = 0.1, 0.5, 1) and 2 otherwise; at the end (P_n − P_{n−j})/j and
// (P_n − 2P_{n−j} + P_{n−2j})/j², j = 1 by default. Discrete time only.
//
// # Diagnostics
//
// Expand reports π̃, the relaxation time 1/(spectral gap) of the frozen chain
// (poisson.Chain.RelaxationTime), the slowness ratio |term₁|/|term₀| (a warning above 0.1),
// the regime checks of §10.3 (horizon against log(1/ε) relaxation times; n ≪ ε^{−1/3} for
// Theorem 4 and ε^{−1/4} for Theorem 8 when Settings.Eps is known; the contraction of B̃ for
// hitting; the discounting horizon), and warnings for a periodic P̃, a frozen chain that is
// not irreducible, and a non-conservative truncation.
//
// Exact references come from package ctmc (Exact): the time-varying stepping of discrete
// chains for transient, cumulative and discounted measures; ExactHook is where the exact
// until and continuous-time references are wired.
package slow
