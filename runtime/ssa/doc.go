// Package ssa simulates the Markov chain of a compiled model exactly — a continuous-time
// model by Gillespie's direct method or by composition–rejection for large networks, a
// discrete-time model step by step — and estimates transient and stationary expectations
// from trajectories.
//
// Method. A state is (n, y): species counts n and an environment index y into
// ir.Model.Env.Space. With propensities a_j(n, y) (count form, the model's own propensity
// nodes, guards included) and a₀ = Σ_j a_j, the time to the next event is exponential with
// rate a₀ and transition j fires with probability a_j/a₀ (D. T. Gillespie, "Exact
// stochastic simulation of coupled chemical reactions", J. Phys. Chem. 81:2340–2361, 1977).
// Firing j adds ℓ_j to n and moves y to Update_j[y]; a transition whose Update is −1 in the
// current environment state is not allowed there and counts as propensity 0, and a
// propensity with |a_j| ≤ 1e-12·Σ|a_k| (finite values) counts as 0 and does not fire —
// the rules of package step, which ctmc.Explore shares, so the simulated chain is the one
// it builds.
//
// Dependency graph. After j fires only the propensities that read a changed leaf are
// re-evaluated (M. A. Gibson and J. Bruck, J. Phys. Chem. A 104:1876–1889, 2000; see also
// A. Slepoy, A. P. Thompson and S. J. Plimpton, J. Chem. Phys. 128:205101, 2008, for
// constant-time selection). Transition k depends on j when the propensity node of k reads
// (through the expression graph) a count or density of a species in ℓ_j, or when j moves the
// environment and k reads it or has its own Update. A propensity of product form — constants
// (parameters, numbers, the scale) times counts, densities, shifted counts n_i + c and powers
// n_i^c, possibly over a constant: the mass-action forms k·A·B, β·S·I/N, k·A·(A − 1)/(2N) — is
// a kernel: its constants are evaluated once per simulator and the product is taken directly
// from the counts, in the tape's order of operations, so that its value is the tape's bit for
// bit. For every j the propensities of its other dependents are compiled into one tape
// (shared subexpressions evaluated once); when they are at least half of all transitions the
// full propensity tape is used instead.
//
// Costs per event, for J transitions: O(J) for the sum a₀ and the linear search of the
// direct method, plus one or two multiplications per dependent kernel and one evaluation of
// the other dependents' tape (O(its length), typically a few instructions per dependent),
// plus O(|ℓ_j|) for the jump. Memory: the tapes, O(J²) in the worst case, and O(J + d) per
// trajectory. Two random numbers per event: math/rand/v2's PCG with its Float64 and
// ziggurat ExpFloat64, reimplemented as concrete methods (the same streams, no interface
// call). bench/ssa.sh measures the loop against a C++ direct method and a C++
// composition–rejection with the same streams, event for event (bench/README.md).
//
// Composition–rejection (Settings.Method = MethodCR; Slepoy, Thompson and Plimpton 2008).
// Every positive time-homogeneous propensity a_j is kept in the group of its binary
// exponent, [2^(e−1), 2^e), with the group sums maintained as propensities change. The
// event time uses a₀ = Σ of the group sums; a group is chosen with probability
// proportional to its sum by a linear search over the G non-empty groups (largest
// propensities first), and a uniformly chosen member of the group is accepted with
// probability a_j/2^e ≥ 1/2, else another is tried. Each propensity change moves at most
// one entry between groups in O(1) (O(G) if a group empties or appears), and a group sum
// is recomputed from its members after twice its size in incremental updates, which keeps
// round-off at a few ulps for O(1) amortised cost. Cost per event: O(G) + O(dependents),
// with G ≤ log₂(max a/min a) + 1 independent of J; 2 + 1/(acceptance rate) ≤ 4 random
// numbers per event on average. It simulates the same chain as the direct method — same guards,
// environments, zero tolerance, thinning (the homogeneous part is drawn by
// composition–rejection, the time-dependent part by a linear scan) and checks — but it
// uses the random stream differently, so the trajectory of a seed depends on the method.
// MethodAuto (the default) uses it from AutoCRThreshold transitions on, where the direct
// method's O(J) scan becomes the larger cost (BenchmarkEvents).
//
// Time-dependent propensities (ir.Model.TimeHomogeneous false) are simulated by thinning
// when Settings.RateBound > 0 bounds the sum of the time-dependent propensities over the
// simulated horizon: candidate events come at rate a₀,hom(n, y) + RateBound, the
// time-dependent propensities are evaluated at the candidate time, and the candidate is a
// null event with probability (RateBound − Σ a_j,td)/(a₀,hom + RateBound). A bound that is
// exceeded is an error (ErrBoundExceeded) when a candidate time finds the sum above it (an
// excess between candidate times goes unnoticed). Without a bound such models are refused with ErrTimeDependent. On the
// command line the bound is mfc ssa --rate-bound B; for slow_ctmc.mf (every exit rate of
// Q(θ) at most 2) B = 2 gives means within their confidence intervals of the exact
// time-varying references of package ctmc (TestSSARateBoundAgainstExact in
// runtime/analysis).
//
// Discrete time (ir.Model.Time == ir.Discrete, docs/language.md §6.4, §6.6). Time is the step index
// k = 0, 1, 2, …, and a_j(n, y, k) is the probability that instance j is taken in the step
// X_k → X_{k+1}. Each step draws one uniform u on [0, 1) and takes the first j with
// u < a_1 + … + a_j, or the implicit self-loop (nothing changes) when u ≥ Σ_j a_j.
// Time-dependent probabilities are evaluated at t = k in every step, so no thinning and
// no RateBound are needed; the others are kept up to date by the dependency graph as
// above. At every state from which a step is taken: a probability in [−1e-12, 0) is
// round-off and counts as 0, any other negative, NaN or infinite value is E802, and a sum
// Σ_j a_j > 1 + 1e-12 is E803 (the message names the state, the sum, t and the largest
// contribution); E801 is checked as in continuous time. Explicit self-loops are
// transitions like any other (they count as events); the implicit one does not.
// Observables of X_k see t = k. Ensemble sample times, and TimeAverage's T and Burnin,
// are step counts and must be integers; the state at time τ is X_⌊τ⌋ (a path is held
// constant between steps), so the time average over [B, B+T) is the mean of X_B, …,
// X_{B+T−1}, and the batch means use batches of ⌊T/Batches⌋ or ⌈T/Batches⌉ steps.
// Composition–rejection does not apply: MethodAuto and MethodDirect both select the
// step-by-step method and MethodCR is refused with ErrDiscreteMethod.
//
// Costs per step in discrete time, for J transitions of which J_t are time-dependent:
// one evaluation of the tape of the time-dependent probabilities (if J_t > 0), plus O(J)
// for the checks, the sum and the linear search — except that a time-homogeneous model
// in an unchanged state skips the checks (their result is cached), so an implicit
// self-loop costs one uniform and a comparison — plus, when an instance is taken, the
// dependents' tape (restricted to the time-homogeneous transitions) and O(|ℓ_j|) for the
// jump. The number of steps is the horizon, whatever the probabilities; a chain that
// rarely moves still costs one uniform per step (BenchmarkSteps: about 3·10⁷ steps/s on
// the reflecting walk, 3·10⁶ on slow_chain, 1.4·10⁶ on inventory, one core).
//
// Run-time checks: a transition that fires with a positive propensity but would make a
// count negative is E801, a negative, NaN or infinite propensity is E802, and (discrete
// time) probabilities leaving a state that sum to more than 1 + 1e-12 are E803; all are
// *diag.Diagnostic at a transition (for E803, the largest contribution) with the state as
// name=value pairs.
//
// Ensembles. Ensemble runs Settings.Runs independent trajectories on Settings.Workers
// goroutines. The random stream of run r is PCG seeded with splitmix64 of (Seed, r) only,
// and the runs are reduced in fixed blocks of runs merged in block order, so results are
// bit-identical for any number of workers. For every sample time it reports the mean,
// variance and a normal confidence interval of every species count and every observable
// (count form, ir.Model.Observables[i].Node). Cost: O(Runs·events) time, O(blocks·times·
// quantities) memory. Settings.Progress, if set, is told of every completed run.
//
// Stationary averages. TimeAverage runs one long trajectory, discards Settings.Burnin time
// units, then splits Settings.T time units into Settings.Batches equal batches and
// integrates each species count and observable over each batch exactly (piecewise
// constant paths); the batch means give the estimate and a Student-t confidence interval
// (the batch-means method). Observables are evaluated once per event (in discrete time,
// once per step if one reads t), at the current time.
//
// Conditioning on survival (Settings.ConditionSurvival; time-homogeneous continuous-time
// models). A state where every propensity is 0 is absorbing (Sim.Absorbed). An ensemble
// leaves a run out of the statistics of every sample time at which it is absorbed, and
// reports the runs kept per time (EnsembleResult.Survivors): the means are E[f(X_t) | not
// absorbed by t]. A time average restarts its trajectory, on absorption, from a state drawn
// afresh from its own occupation measure since the start (kept per state visited, with a
// Fenwick tree: O(d + log S) per event, O(S·d) memory for S states visited); the occupation
// measure of this process converges to the quasi-stationary law (Aldous, Flannery and
// Palacios 1988; Benaïm and Cloez 2015), and AverageResult.Absorptions counts the restarts.
package ssa
