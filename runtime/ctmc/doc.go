// Package ctmc builds and solves the exact Markov chain of a compiled model: a
// continuous-time chain (generator Q), or for a 'time discrete' model a discrete-time chain
// stored as Q = P − I for its step matrix P (Chain.Discrete).
//
// A state is a pair (n, y) of species counts n ∈ ℕ^d and an environment index y into
// ir.Model.Env.Space. Transition j with propensity a_j(n, y) > 0 moves (n, y) to
// (n + ℓ_j, u_j(y)); transitions with the same effect add up (docs/language.md §6.4).
//
// The pipeline and its cost, for S reachable states, J transitions, d species and
// E = number of non-zero generator entries (at most S·(J+1)):
//
//   - Explore enumerates the reachable states breadth first from the initial state. Each
//     state is stored as d+1 int32 values in one arena, indexed by an open-addressing hash
//     table keyed by those values: O(d) per lookup, O(S·(d+1)) memory. Each state costs one
//     evaluation of the propensity tape (O(tape length)) plus O(J·d) for the jumps, so
//     exploration is O(S·(tape + J·d)). Every visited state is checked by the rules of
//     package step, which the simulator (package ssa) shares: a positive propensity that
//     would make a count negative is E801, a negative, NaN or infinite propensity is E802,
//     both returned as *diag.Diagnostic at the transition. A propensity with
//     |a_j| ≤ 1e-12·Σ_k |a_k| (the sum over the finite values) at the state is round-off
//     and counts as 0 (for example N·(1 − S/N − I/N) at S + I = N, which evaluates to
//     ±1e-15).
//   - The generator Q is built row by row during exploration as a CSR matrix: off-diagonal
//     rates summed per target, diagonal = −(row sum). O(E) memory.
//   - Stationary first finds the strongly connected components with an iterative Tarjan
//     algorithm, O(S + E). More than one closed class is an error (*ReducibleError) that
//     lists each closed class with its size and a representative state. With exactly one
//     closed class, transient states get probability 0 and πQ = 0, Σπ = 1 is solved on the
//     closed class with the solvers of package linalg. GTH elimination (no subtraction:
//     every component to a relative n·ε, however small) runs on the band of the reverse
//     Cuthill–McKee ordering when that band is narrow (O(S·bl·bu) time, O(S·(bl+bu))
//     memory, at most 10⁹ operations beyond DenseMax: chains along one count, with or
//     without an environment, of any length), else dense when the class has at most
//     Settings.DenseMax states (O(S³) time, O(S²) memory); otherwise BiCGSTAB with an
//     ILU(0) preconditioner on the nonsingular system obtained by fixing one component of
//     π (O(E) per iteration, O(E) memory), followed by iterative refinement until
//     ‖πQ‖₁ ≤ Settings.Tol. The
//     pivot and the first guess come from a random walk of at most 4e6 jumps on the chain
//     (its occupation measure), smoothed by Gauss–Seidel sweeps; BiCGSTAB restarts when it
//     stagnates.
//   - The Result of Stationary names its closed class (Result.Class, with a representative
//     state) and counts the absorbing states (Result.Absorbing); Result.InClosedClass tells a
//     transient state, so that a caller can say when the law sits on an absorbing class that
//     the initial state is not in.
//   - QuasiStationary computes the quasi-stationary law: the left Perron vector ν of the
//     generator Q_T restricted to the transient states T (νQ_T = −θν), the law conditioned on
//     non-absorption, with the absorption rate θ (mean time to absorption 1/θ from ν). It is
//     refused for a chain without transient states (ErrNoAbsorption). Transient states in
//     several classes get the limit law from the initial state, on the slowest-decaying class
//     it reaches and downstream; mass left on classes that cannot reach each other is refused
//     (*TransientReducibleError: the law would not be unique). First the chain restarted at
//     the initial state on absorption is solved like Stationary (its law is one exact step of
//     inverse iteration, ν up to O(θ/λ₂)): in the metastable chains, where θ ≈ e^{−cN}, that
//     is the answer, componentwise accurate by GTH down to θ ≈ 1e-300. Otherwise inverse
//     iteration with δI − Q_T, δ = 1e-4·‖Q_T‖∞, factorised once (dense LU up to 500 states,
//     else ILU(0) with GMRES solves, O(E) per iteration). Where ν did not come from GTH, a
//     rate below 1e-12·‖Q_T‖∞ is reported as an upper bound. The SIRS chain without
//     importation at N = 200 (20301 states) takes about 2 s.
//   - Transient computes p(t) = p₀e^{Qt} by uniformisation with Fox–Glynn truncation
//     (FoxGlynn), and optionally ∫₀^t p(s) ds with cumulative Poisson weights:
//     O(E·(q·t + √(q·t))) for the uniformisation rate q = max|Q_ii|. Discounted solves
//     x(δI − Q) = p₀ and Until solves the hitting-time equations off a region, with the
//     dense LU or ILU(0)-BiCGSTAB.
//   - The entry points that can run long (Explore, Stationary, Transient, Discounted,
//     Until, EvalMeasures, TimeVarying, Flow, TimeVaryingUntil) take a context.Context and stop, with an error
//     wrapping ctx.Err(), within about a second of its cancellation.
//   - EvalMeasures evaluates the measures of docs/language.md §6.10 on the chain; StateValues,
//     ExpectNodes and ObservableMeans evaluate graph nodes at the states.
//   - Expectation and MeanCounts are O(S·d) sums over the states.
//
// Memory: the chain holds about 4(d+1) + 16 bytes per state and 12 per generator entry
// (Chain.Bytes; bounded by Limits.MaxBytes); Stationary needs about three times that
// again. The SIRS benchmark (about 4.5 entries per row) explores 1e6 states in about 1 s
// and solves them in about 14 s (405 BiCGSTAB iterations) to ‖πQ‖₁ < 1e-10 on one core.
//
// Discrete time (docs/language.md §6.4): a_j is the probability that transition j is taken in the step;
// Explore checks a_j ≥ 0 (E802; −1e-12 ≤ a_j < 0 counts as 0, every positive value is kept)
// and Σ_j a_j ≤ 1 + 1e-12 at every state (E803), the remainder being a self-loop, and stores
// Q = P − I. Since πP = π is πQ = 0, Stationary, ClosedClasses and InitialDistribution work
// unchanged. Transient steps p_{k+1} = p_k P for integer times (O(E) per step; cumulative
// laws are Σ_{j<k} p_j), Discounted solves x(I − e^{−a}P) = p₀ and Until includes the
// reward at the hitting step (docs/language.md §6.10).
//
// # Time-inhomogeneous models (exact references for the slow-variation expansions)
//
// The chain Explore builds is evaluated at the time in.Time of its inputs: for a model whose
// propensities depend on t it is the chain frozen at that time, and its stationary law is
// the frozen law (mfc exact --freeze T). The measures that follow time are computed on the
// time-varying chain from t₀ = in.Time (MeasureSettings.Start with Frozen), with the
// propensities re-evaluated as time goes on and the states first reached later added as
// they appear, so the results are exact references, not frozen approximations. The entry
// points, for callers that want the laws rather than the measures (package slow):
//
//   - TimeVarying (discrete time): p_{k+1} = p_k P(t₀ + k); the laws at given steps, the
//     cumulative laws Σ_{j<k} p_j and the discounted law Σ_j e^{−aj} p_j (truncated where
//     the tail weight e^{−aJ}/(1 − e^{−a}) is below 1e-13, reported). Exact up to round-off;
//     O(S·(tape + J·d)) per step.
//   - Flow (continuous time): the forward equation p' = p·Q(t) integrated by the
//     Dormand–Prince 5(4) pair in the ℓ₁ norm, with the cumulative law ∫p and the discounted
//     law ∫e^{−as}p as components of the same system. Error: the propagator of the exact
//     equation is a stochastic matrix, a contraction in ℓ₁, so the error of p(t) is at most
//     the sum of the local errors, which Flow adds up from the embedded estimates into
//     FlowResult.Error (default target 1e-11 at the end of the horizon; the digest's C1, C1b
//     and C2 references are met to about 5e-13). Six evaluations of p·Q(t) per step; an
//     explicit method, so a stiff chain takes about q·t/3.3 steps for its largest exit rate
//     q, the cost of uniformisation.
//   - TimeVaryingUntil (both): the law restricted to the continuation set C (R absorbing)
//     carried forward, the reward collected on C (discrete time: and on entering R, the
//     reward at the hitting step included), stopped when the mass left in C is below
//     1e-14, with an estimate of the reward left out from the observed decay of that mass
//     (UntilResult.Bound). A chain that stays in C with positive probability is refused
//     with ErrNotLeft.
//
// EvalMeasures uses them for every time-dependent measure of a time-inhomogeneous model and
// reports the bounds in MeasureValue.Bound; stationary measures of such a model need
// MeasureSettings.Frozen (ErrTimeInhomogeneous otherwise). Conventions (docs/language.md
// §6.6): in discrete time the probabilities evaluated at t = k govern the step X_k → X_{k+1};
// ε is an ordinary parameter of the model (let lam = m + eps * t), varied by overrides.
//
// ExploreRegion is Explore restricted to a region (a truncation of a chain on an unbounded
// state space, seed-003): the same explorer, which does not take the jumps to states outside
// the region but records them (Chain.Out, Chain.Exits), keeps the original diagonal in Q, and
// finds the in-boundary (Chain.In). Package runtime/trunc builds on it.
package ctmc
