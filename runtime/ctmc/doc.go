// Package ctmc builds and solves the exact continuous-time Markov chain of a compiled model.
//
// A state is a pair (n, y) of species counts n ∈ ℕ^d and an environment index y into
// ir.Model.Env.Space. Transition j with propensity a_j(n, y) > 0 moves (n, y) to
// (n + ℓ_j, u_j(y)); transitions with the same effect add up (spec §6.4).
//
// The pipeline and its cost, for S reachable states, J transitions, d species and
// E = number of non-zero generator entries (at most S·(J+1)):
//
//   - Explore enumerates the reachable states breadth first from the initial state. Each
//     state is stored as d+1 int32 values in one arena, indexed by an open-addressing hash
//     table keyed by those values: O(d) per lookup, O(S·(d+1)) memory. Each state costs one
//     evaluation of the propensity tape (O(tape length)) plus O(J·d) for the jumps, so
//     exploration is O(S·(tape + J·d)). Every visited state is checked: a positive
//     propensity that would make a count negative is E801, a negative, NaN or infinite
//     propensity is E802, both returned as *diag.Diagnostic at the transition. A propensity
//     with |a_j| ≤ 1e-12·Σ_k |a_k| at the state is round-off and counts as 0 (for example
//     N·(1 − S/N − I/N) at S + I = N, which evaluates to ±1e-15).
//   - The generator Q is built row by row during exploration as a CSR matrix: off-diagonal
//     rates summed per target, diagonal = −(row sum). O(E) memory.
//   - Stationary first finds the strongly connected components with an iterative Tarjan
//     algorithm, O(S + E). More than one closed class is an error (*ReducibleError) that
//     lists each closed class with its size and a representative state. With exactly one
//     closed class, transient states get probability 0 and πQ = 0, Σπ = 1 is solved on the
//     closed class: by dense LU (gonum) when it has at most Settings.DenseMax states
//     (O(S³) time, O(S²) memory), otherwise by BiCGSTAB with an ILU(0) preconditioner on
//     the nonsingular system obtained by fixing one component of π (O(E) per iteration,
//     O(E) memory), followed by iterative refinement until ‖πQ‖₁ ≤ Settings.Tol.
//   - Expectation and MeanCounts are O(S·d) sums over the states.
//
// Only continuous-time models are supported; discrete-time models return an error. The
// chain is evaluated at the time in.Time of the inputs given to Explore (a frozen chain for
// a time-inhomogeneous model).
package ctmc
