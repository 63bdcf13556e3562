// Package trunc approximates and bounds the stationary law of a continuous-time Markov
// chain on an unbounded state space from a finite truncation S of it (seed-003: Kuntz,
// Thomas, Stan and Barahona, "Stationary distributions of continuous-time Markov chains: a
// review of theory and truncation-based approximations", SIAM Review 63 (2021)).
//
// A Truncation holds S, the north-west-corner truncation Q_r of the generator with its
// original diagonal, the out-rates q_o, the exits and the in-boundary B_i. The schemes
// (bdp, ldqbd, ta, ita, lp, ilp) work on it and return a Result whose numbers each say
// whether they are certified.
package trunc
