// Package lp solves linear programs
//
//	minimise or maximise cᵀx  subject to  lo_i ≤ a_i·x ≤ hi_i (rows),  l_j ≤ x_j ≤ u_j,
//
// with sparse rows, equalities (lo_i = hi_i), one-sided rows and bounds (±Inf) and free
// variables, for the stationary-bound LPs of truncated chains: many objectives over one
// polytope (every state's or marginal's lower and upper bound), each re-optimised from the
// previous basis.
//
// # Backend
//
// The solver is COIN-OR CLP (Debian package coinor-libclp-dev, or coinor-libclp1 at run
// time) through a thin binding of its C interface, coin/Clp_C_Interface.h. The library is
// loaded with dlopen on first use, so the module builds without CLP's headers, and a binary
// on a machine without the library (or built with CGO_ENABLED=0) still runs: Load then
// returns ErrNoSolver with the reason. The first objective is solved by CLP's initialSolve
// (presolve on unless Options.NoPresolve); each later one changes the objective and calls
// the primal simplex from the current basis, without presolve. Outcomes are typed Status
// values (optimal, infeasible, unbounded, iteration or time limit, numerical failure);
// Solve's error is reserved for calls that solved nothing.
//
// Tolerances are 1e-9 (primal and dual) by default. Each row is scaled to unit 2-norm by us,
// by an exact power of two (the scaled 2-norm lies in [1/√2, √2)), so the scaled model is
// exactly the same polytope; CLP's own automatic scaling of rows and columns applies on top
// unless Options.NoSolverScaling. The duals are mapped back to the rows as given.
//
// # Residuals and certified bounds
//
// The LPs of truncated chains are badly conditioned: solvers report "optimal" for points
// that violate rows by 1e-7 to 1e-4 and values that lie on the wrong side of the true
// optimum. So every Result carries the primal residual (largest violation of a row or bound
// by x) and the dual residual (largest |c − Aᵀy − d| and sign violation of y and d),
// computed here from the problem as given, and a bound on the optimum that holds despite
// round-off, by the construction of A. Neumaier and O. Shcherbina, "Safe bounds in linear
// and mixed-integer linear programming", Math. Program. 99 (2004) 283–296: for any row
// multipliers y and every feasible x, cᵀx = yᵀ(Ax) + rᵀx with r = c − Aᵀy, hence
//
//	cᵀx ≥ Σ_i min(y_i·lo_i, y_i·hi_i) + Σ_j min over r_j ∈ [r̲_j, r̄_j] of min(r_j·l_j, r_j·u_j),
//
// (a multiplier whose needed side is infinite is set to 0 first), where [r̲, r̄] encloses r.
// SafeBound evaluates it with directed rounding: the exact error of every product (FMA) and
// sum (TwoSum) is recovered and the result moved outward by one ulp only when it was
// inexact, so exact data give exact residuals and free variables with r = 0 stay
// certifiable. A maximisation is the minimisation of −c. When a needed variable bound is
// infinite and the enclosure of r_j does not exclude the wrong sign, the bound cannot be
// certified: Result.Certified is false and Result.Reason says which variable. Giving every
// variable a finite bound implied by the rows (π ≤ 1 when the mass is at most 1) avoids
// that. The solver's own value is reported too (Result.Objective, uncertified).
//
// # Costs
//
// Load is O(nnz); SafeBound and the residuals are O(nnz + rows + columns) per objective. On
// the toggle switch's stationary-bounds LP (820 variables, L = 40) a warm-started marginal
// bound takes about 8 ms and 14 pivots against about 60 ms and 800 pivots cold
// (BenchmarkToggleMarginals).
//
// # Licences
//
// CLP is distributed under the Eclipse Public License 2.0 (EPL-2.0). The binary links it
// dynamically at run time without modifying it, which the EPL permits for a program under
// any licence; CLP's source and licence are those of the coinor-libclp1 package.
//
// The conformance suite that every backend must pass is in package lptest.
package lp
