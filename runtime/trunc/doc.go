// Package trunc approximates and bounds the stationary law of a continuous-time Markov
// chain on an unbounded state space from a finite truncation S of it (seed-003: Kuntz,
// Thomas, Stan and Barahona, "Stationary distributions of continuous-time Markov chains: a
// review of theory and truncation-based approximations", SIAM Review 63 (2021)).
//
// A Truncation holds S, the north-west-corner truncation Q_r of the generator with its
// original diagonal, the out-rates q_o, the exits and the in-boundary B_i. The schemes
// (bdp, ldqbd, ta, ita, lp, ilp) work on it and return a Result whose numbers each say
// whether they are certified.
//
// The schemes share one copy of each kernel:
//   - the block elimination of βI − Q_r over the levels with a GTH diagonal (levelFactor,
//     factorQr): ta's row solve, the φ̄ columns of (4.29), and the re-entry vectors π^z of
//     every z ∈ B_i (reentryVectors) on which ita bounds π and ilp solves its LPs, with the
//     column solve that certifies ilp's bounds;
//   - the tail bound of the options (tailFrom: c/r of a sublevel moment assumption or a
//     user-asserted --tail-bound), read by every scheme;
//   - the passage from bounds on the truncated law to error reports, marginals and
//     measures (bounds.go: BoundErrors, NewMarginal, MeasureFromMeanBounds), used by ita and
//     ilp, and the norms (norm.go: TV, TVDiffTail, L1Diff, WNorm);
//   - the Result's start (newResult), with newLPResult adding the LP schemes' parts.
package trunc
