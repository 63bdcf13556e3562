// Package ode solves initial-value problems for systems of ordinary
// differential equations x'(t) = f(t, x), x(t0) = x0.
//
// It is self-contained: a Problem is a dimension, a right-hand side and an
// optional exact Jacobian, and Solve returns the state at every requested
// output time.
//
// # Methods
//
// DormandPrince is the explicit Runge–Kutta pair of order 5(4) of Dormand
// and Prince, with the "first same as last" property (six evaluations of
// f per step), the PI step-size controller of DOPRI5, and the 4th-order
// continuous extension of Dormand & Prince, so that output at arbitrary
// times does not shorten the steps (Settings.Dense).
//
// Stiffness is detected as in DOPRI5 (Hairer & Wanner vol. II, IV.2,
// after Shampine): stages 6 and 7 are both evaluated at t+h, so
// h·ρ ≈ h‖k7−k6‖/‖y7−y6‖ estimates the step size times the dominant
// eigenvalue of the Jacobian at no extra cost. When this estimate
// exceeds 3.0 on 15 accepted steps without 6 non-stiff steps in between,
// the problem is reported stiff. (The stability boundary of the method on
// the negative real axis is about 3.3; DOPRI5 uses 3.25, but the PI
// controller parks most stability-limited steps just below that, which
// delayed detection by thousands of steps on the Robertson problem.)
// Then Method DormandPrince stops with a *StiffError, and Method Auto
// switches to Rosenbrock for the rest of the interval (it never switches
// back).
//
// Rosenbrock is the linearly implicit, L-stable, stiffly accurate method
// RODAS4 of Hairer and Wanner, of order 4 with an embedded estimate of
// order 3, the predictive step-size controller of Gustafsson and a
// 3rd-order continuous extension. It uses the exact Jacobian
// Problem.Jac; when Jac is nil, this package (and only this package)
// substitutes a forward-difference Jacobian costing Dim extra evaluations
// of f per step, which is less accurate and may cost more steps. The
// partial derivative ∂f/∂t is always approximated by one forward
// difference. Linear systems are solved by LU factorization (gonum
// mat.LU).
//
// # Cost
//
// Per attempted step, DormandPrince costs 6 evaluations of f and O(Dim)
// arithmetic; the first step costs 1 more, and the automatic initial step
// 2 more. Rosenbrock costs, per attempted step, 6 evaluations of f, one
// LU factorization (O(Dim³)) and 6 triangular solves (O(Dim²)), plus,
// per accepted step, one Jacobian evaluation and 2 evaluations of f
// (∂f/∂t and f at the new point). Dense output costs O(Dim) per output
// time. The counts are reported in Result.Stats.
//
// # Errors
//
// Solve returns typed errors carrying the time reached: *StepError
// (step size underflow, state became NaN or Inf), *StiffError
// (DormandPrince on a stiff problem) and *MaxStepsError. The partial
// Result is returned with them.
//
// # References
//
//   - J. R. Dormand, P. J. Prince, A family of embedded Runge–Kutta
//     formulae, J. Comput. Appl. Math. 6 (1980) 19–26.
//   - E. Hairer, S. P. Nørsett, G. Wanner, Solving Ordinary Differential
//     Equations I: Nonstiff Problems, 2nd ed., Springer 1993 (DOPRI5,
//     dense output, initial step size, PI control).
//   - E. Hairer, G. Wanner, Solving Ordinary Differential Equations II:
//     Stiff and Differential-Algebraic Problems, 2nd ed., Springer 1996
//     (RODAS, section VI.4; stiffness detection, section IV.2).
//   - L. F. Shampine, Stiffness and nonstiff differential equation
//     solvers II: detecting stiffness with Runge–Kutta methods, ACM
//     Trans. Math. Software 3 (1977) 44–53.
package ode
