// Package poisson solves Poisson equations of finite Markov chains: the stationary law, the
// deviation matrix (group inverse) and the fundamental matrix applied to column vectors
// (functions) and row vectors (measures), all through one factorisation of the chain.
//
// # Conventions
//
// Probability vectors (μ, π) are rows, functions (f, g) are columns, 1 is the column of ones
// (seed-004 §1). A chain is given as a generator Q of a continuous-time chain (NewCTMC) or a
// transition matrix P of a discrete-time chain (NewDTMC); both are written with
//
//	A = −Q  (continuous time),   A = I − P  (discrete time),
//
// a matrix with rows summing to 0 whose left null vector is the stationary law π (πA = 0,
// π1 = 1). With Π = 1π, the objects of the package are
//
//	Z = (A + Π)⁻¹                fundamental matrix: (I − P + Π)⁻¹, or (Π − Q)⁻¹
//	D = Z − Π = A^#              deviation matrix, the group inverse of A
//	                             (D = Σ_{n≥0}(Pⁿ − Π) for an aperiodic P, ∫₀^∞(e^{Qt} − Π)dt for Q)
//
// and D1 = 0, πD = 0, AD = DA = I − Π, πZ = π, Z1 = 1. The solves are
//
//	Solve:    g = D f    the solution of A g = f − (πf)1 with πg = 0,
//	                     that is Q g = −(f − (πf)1), or (I − P) g = f − (πf)1
//	SolveRow: h = μ D    the solution of h A = μ − (μ1)π with h1 = 0,
//	                     that is h Q = −(μ − (μ1)π), or h (I − P) = μ − (μ1)π
//	Z:        Z f = g + (πf)1
//	ZRow:     μ Z = h + (μ1)π
//
// In continuous time Z = (Π − Q)⁻¹ is the matrix seed-004 §5 calls D; our D is the deviation
// matrix, which it is not. The relative value function of seed-002 §2.6, QV = 𝓕1 − F with
// 𝓕 = πF, is V = Solve(F) (normalised by πV = 0; V − V(s)1 for V(s) = 0). The row equation
// p Q = π̇, p1 = 0 of seed-004 §5.4 is p = SolveRow(−π̇).
//
// GroupInverse forms the dense group inverse of a small generator K,
//
//	K⁺ = (K + 1π)⁻¹ − 1π = −D,
//
// the matrix package average uses for its fast kernel (note the sign: K⁺ = Q^# = −D).
//
// # Resolvents and the spectral gap
//
// Resolvent factorises the nonsingular matrices of discounted and hitting problems, again
// once for every column and row right-hand side (seed-004 §3, §4.1, §5.5):
//
//	NewDiscountedDTMC  M = I − qP   (I − qP)ν = b, y(I − qP) = μ
//	NewDiscountedCTMC  M = αI − Q
//	NewTaboo           M = I − B    B = P on a continuation set C, left with probability 1
//
// Chain.RelaxationTime estimates 1/γ, γ the spectral gap of the chain, by power iteration
// on D (its dominant eigenvalue is 1/γ); Chain.Period detects a periodic P.
//
// # Factorisation
//
// One matrix is factorised, for π and for every solve:
//
//	M = A + σ 1 e_kᵀ,   σ = max_i |A_ii|
//
// (σ added to column k: the last state on the dense path, a state of large probability on
// the iterative one). For an irreducible chain M is nonsingular, and, writing v = σe_k, the
// identities πM = σe_kᵀ, M⁻¹ = D + (1/σ)1(π − vᵀD) give
//
//	π      = e_kᵀ M⁻¹ / (e_kᵀ M⁻¹ 1)
//	M x = f − (πf)1   ⇒  A x = f − (πf)1 (x_k = 0),   g = x − (πx)1
//	y M = μ − (μ1)π   ⇒  y A = μ − (μ1)π (y1 = 0),    h = y
//
// so ‖M⁻¹‖ ≤ 2‖D‖ + 1/σ: the system is as well conditioned as the chain's deviation matrix
// (its mixing time), unlike the grounded system that deletes one state, whose inverse holds
// the expected times to reach that state. No inverse is formed (but by GroupInverse, for
// small generators).
//
// Chains with at most Options.DenseMax states (default 2000: a dense LU of that size costs
// about 5·10⁹ flops and 32 MB) are factorised by gonum's dense LU with partial pivoting,
// O(n³) once and O(n²) a solve. Larger chains use restarted GMRES(m) (Saad and Schultz
// 1986) with right ILU(0) preconditioning of M, whose pattern is that of A and its last
// column: O(nnz + n) memory for the factors and O(m·n) for the Krylov basis, O(nnz + m·n)
// an iteration. The factors grow like 1/π_k (for an M/M/1/K queue at load ρ < 1 bordered at
// state K, like ρ^{−K}, which overflows for K ≈ 7000 at ρ = 0.9), so k is the largest
// component after 20 symmetric Gauss–Seidel sweeps on πA = 0, chosen again (at most twice)
// when the computed π_k is below 1% of max π; states k and n are swapped so that the border
// comes last in the elimination. ILU(0) is then exact for birth–death chains (tridiagonal
// A), where GMRES needs 1–3 iterations. Transposed solves use Mᵀ and the transposed factors, so the row and column
// solves share the factorisation. GMRES and ILU(0) are those of package runtime/linalg
// (linalg.GMRES, linalg.ILU0); this package supplies the bordering, the state swap and the
// backward error test.
//
// NewCTMC and NewDTMC rebuild the diagonal of A as the sum of the off-diagonal rates
// (A_ii = Σ_{j≠i} q_ij, or Σ_{j≠i} p_ij, which is accurate when p_ii is close to 1), so that
// A1 = 0 holds exactly.
//
// # Accuracy and errors
//
// Every solve returns Stats with the normwise backward error of the equation it solves,
// recomputed at the end,
//
//	‖A g − b‖∞ / (‖A‖∞‖g‖∞ + ‖b‖∞),   b = f − (πf)1   (with Aᵀ, h and μ − (μ1)π for rows),
//
// and ‖πA‖₁/σ for π. The forward error is at most about the backward error times the
// condition number ‖A‖·‖D‖, ‖D‖ of the order of the mixing time times the rates; a relative
// residual ‖A g − b‖/‖b‖ cannot fall below ε times that, so the iterative solves stop on the
// backward error of the bordered system (Options.Tol). The dense path is backward stable: π is accurate in norm, not
// component by component, so tail probabilities far below 10⁻¹⁶ are noise (package ctmc's
// GTH elimination gives them to relative accuracy; pass such a π as Options.Pi). A chain
// that is not irreducible is a *ReducibleError, found from the graph before any arithmetic;
// an iterative solve that does not reach Options.Tol within Options.MaxIter iterations is a
// *ConvergenceError carrying the residual; a dense M with condition number above 10¹⁴ is
// ErrSingular. Cancelling the context stops an iterative solve between iterations.
//
// References: Kemeny and Snell, Finite Markov Chains (1960), the fundamental matrix; Meyer,
// "The role of the group generalized inverse in the theory of finite Markov chains", SIAM
// Review 17 (1975); Coolen-Schrijner and van Doorn, "The deviation matrix of a
// continuous-time Markov chain", Prob. Eng. Inf. Sci. 16 (2002); Saad, Iterative Methods for
// Sparse Linear Systems (2003), §6.5 (GMRES) and §10.3 (ILU(0)).
package poisson
