package lp

import (
	"errors"
	"fmt"
	"math"
)

// Sense is the direction of optimisation.
type Sense int

const (
	// Minimize asks for the least value of cᵀx.
	Minimize Sense = iota
	// Maximize asks for the greatest value of cᵀx.
	Maximize
)

func (s Sense) String() string {
	if s == Maximize {
		return "maximize"
	}
	return "minimize"
}

// Status is the outcome of one solve.
type Status int

const (
	// NotSolved: no solve took place (Solve returned an error).
	NotSolved Status = iota
	// Optimal: the solver proved optimality within its tolerances.
	Optimal
	// Infeasible: no x satisfies the rows and bounds.
	Infeasible
	// Unbounded: the objective is unbounded in the direction of optimisation over a
	// feasible set (the solver proved the dual infeasible).
	Unbounded
	// Limit: the iteration or time limit of Options stopped the solver.
	Limit
	// Numerical: the solver gave up on numerical difficulties.
	Numerical
)

func (s Status) String() string {
	switch s {
	case Optimal:
		return "optimal"
	case Infeasible:
		return "infeasible"
	case Unbounded:
		return "unbounded"
	case Limit:
		return "iteration or time limit"
	case Numerical:
		return "numerical failure"
	}
	return "not solved"
}

// ErrNoSolver is returned (wrapped, with the reason) by Load when this binary has no LP
// solver: built with CGO_ENABLED=0, or the COIN-OR CLP library cannot be loaded.
var ErrNoSolver = errors.New("this binary has no LP solver")

// StatusError is the error form of a non-optimal Status (see Result.Err).
type StatusError struct{ Status Status }

func (e *StatusError) Error() string { return "LP " + e.Status.String() }

// Problem is a polytope {x : lo_i ≤ a_i·x ≤ hi_i for every row i, l_j ≤ x_j ≤ u_j}, built
// row by row. Variables start with bounds [0, +Inf). Build errors (an index out of range, a
// NaN, crossed bounds) are kept and returned by Solver.Load.
type Problem struct {
	lo, hi   []float64 // variable bounds
	rowStart []int     // row i holds cols/vals[rowStart[i]:rowStart[i+1]]
	cols     []int
	vals     []float64
	rlo, rhi []float64 // row bounds
	err      error
}

// NewProblem returns a problem in n variables, each with bounds [0, +Inf), and no rows.
func NewProblem(n int) *Problem {
	p := &Problem{lo: make([]float64, n), hi: make([]float64, n), rowStart: []int{0}}
	for j := range p.hi {
		p.hi[j] = math.Inf(1)
	}
	if n <= 0 {
		p.fail(fmt.Errorf("lp: a problem needs at least one variable, got %d", n))
	}
	return p
}

func (p *Problem) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

// NumVars is the number of variables.
func (p *Problem) NumVars() int { return len(p.lo) }

// NumRows is the number of rows added so far.
func (p *Problem) NumRows() int { return len(p.rlo) }

// Err is the first build error, or nil.
func (p *Problem) Err() error { return p.err }

// SetBounds sets l_j ≤ x_j ≤ u_j; ±Inf makes a side open, (-Inf, +Inf) a free variable.
func (p *Problem) SetBounds(j int, lo, hi float64) {
	if j < 0 || j >= len(p.lo) {
		p.fail(fmt.Errorf("lp: SetBounds: variable %d out of range [0, %d)", j, len(p.lo)))
		return
	}
	if err := checkBounds(lo, hi); err != nil {
		p.fail(fmt.Errorf("lp: variable %d: %v", j, err))
		return
	}
	p.lo[j], p.hi[j] = lo, hi
}

// Bounds returns the bounds of variable j.
func (p *Problem) Bounds(j int) (lo, hi float64) { return p.lo[j], p.hi[j] }

// AddRow adds the row lo ≤ Σ_k vals[k]·x[cols[k]] ≤ hi and returns its index; lo = hi is an
// equality, ±Inf an open side. The slices are copied; a column may appear once per row.
func (p *Problem) AddRow(cols []int, vals []float64, lo, hi float64) int {
	i := len(p.rlo)
	if len(cols) != len(vals) {
		p.fail(fmt.Errorf("lp: row %d: %d columns but %d values", i, len(cols), len(vals)))
		cols = cols[:0]
	}
	if err := checkBounds(lo, hi); err != nil {
		p.fail(fmt.Errorf("lp: row %d: %v", i, err))
		lo, hi = math.Inf(-1), math.Inf(1)
	}
	seen := make(map[int]bool, len(cols))
	for k, j := range cols {
		switch {
		case j < 0 || j >= len(p.lo):
			p.fail(fmt.Errorf("lp: row %d: column %d out of range [0, %d)", i, j, len(p.lo)))
			continue
		case seen[j]:
			p.fail(fmt.Errorf("lp: row %d: column %d appears twice", i, j))
			continue
		case math.IsNaN(vals[k]) || math.IsInf(vals[k], 0):
			p.fail(fmt.Errorf("lp: row %d: coefficient %v of column %d is not finite", i, vals[k], j))
			continue
		}
		seen[j] = true
		if vals[k] != 0 {
			p.cols = append(p.cols, j)
			p.vals = append(p.vals, vals[k])
		}
	}
	p.rowStart = append(p.rowStart, len(p.cols))
	p.rlo = append(p.rlo, lo)
	p.rhi = append(p.rhi, hi)
	return i
}

// Row returns row i: its columns and values (not to be modified) and its bounds.
func (p *Problem) Row(i int) (cols []int, vals []float64, lo, hi float64) {
	a, b := p.rowStart[i], p.rowStart[i+1]
	return p.cols[a:b], p.vals[a:b], p.rlo[i], p.rhi[i]
}

func checkBounds(lo, hi float64) error {
	switch {
	case math.IsNaN(lo) || math.IsNaN(hi):
		return errors.New("bound is NaN")
	case lo > hi:
		return fmt.Errorf("lower bound %v exceeds upper bound %v", lo, hi)
	case math.IsInf(lo, 1) || math.IsInf(hi, -1):
		return fmt.Errorf("bounds [%v, %v] admit no finite value", lo, hi)
	}
	return nil
}

// Options tunes a Solver. The zero value is the default.
type Options struct {
	// PrimalTol and DualTol are the solver's feasibility tolerances (0: 1e-9).
	PrimalTol, DualTol float64
	// NoPresolve turns off presolve for cold solves (it is on by default; warm starts
	// never presolve).
	NoPresolve bool
	// NoRowScaling keeps the rows as given instead of scaling each to unit 2-norm by an
	// exact power of two (see the package documentation).
	NoRowScaling bool
	// NoSolverScaling turns off the backend's own scaling (CLP: automatic geometric and
	// equilibrium scaling of rows and columns), applied on top of the row scaling.
	NoSolverScaling bool
	// Cold makes every Solve start from scratch (a fresh model with presolve) instead of
	// re-optimising from the previous basis.
	Cold bool
	// MaxIterations and MaxSeconds bound each solve (0: no limit); reaching one gives
	// Status Limit.
	MaxIterations int
	MaxSeconds    float64
}

func (o Options) primalTol() float64 {
	if o.PrimalTol > 0 {
		return o.PrimalTol
	}
	return 1e-9
}

func (o Options) dualTol() float64 {
	if o.DualTol > 0 {
		return o.DualTol
	}
	return 1e-9
}

// Result is the outcome of one objective. X, Y and D are nil unless Status is Optimal or
// Limit.
type Result struct {
	Status Status
	// Objective is the solver's value of cᵀx (uncertified).
	Objective float64
	// X is the primal solution, Y the row duals and D the reduced costs, in the sense of
	// the problem as posed: c = Aᵀy + d, with y_i ≥ 0 on a row at its lower bound when
	// minimising (signs reversed when maximising).
	X, Y, D []float64
	// PrimalResidual is the largest violation of a row or a bound by X, computed here in
	// float64 from the problem as given (not from the solver's scaled model).
	PrimalResidual float64
	// DualResidual is the largest of |c − Aᵀy − d| and of the dual sign violations (a
	// reduced cost or row dual whose sign needs a bound that is infinite), computed here.
	DualResidual float64
	// Bound is the certified bound on the optimum from Y (see SafeBound): a lower bound
	// when minimising, an upper bound when maximising. Meaningful only when Certified.
	Bound float64
	// Certified tells whether Bound is rigorous; Reason says why not when it is not.
	Certified bool
	Reason    string
	// Iterations is the solver's pivot count for this objective, Seconds its wall time.
	Iterations int
	Seconds    float64
	// Warm is true when this objective was re-optimised from the previous basis.
	Warm bool
	// Note carries a backend remark that does not change Status (e.g. CLP's "scaled
	// problem optimal, unscaled has primal infeasibilities").
	Note string
}

// Err returns nil when Status is Optimal, and a *StatusError otherwise.
func (r *Result) Err() error {
	if r.Status == Optimal {
		return nil
	}
	return &StatusError{r.Status}
}

// Solver solves many objectives over one polytope. A Solver is not safe for concurrent use;
// use one per goroutine.
type Solver interface {
	// Name names the backend ("clp", or "none").
	Name() string
	// Load builds the solver's model of p (which must not change afterwards) with the
	// options o. It returns p's build error, or ErrNoSolver wrapped with the reason.
	Load(p *Problem, o Options) error
	// Solve optimises cᵀx (len(c) = p.NumVars()) over the loaded polytope, from the
	// previous basis when there is one (unless Options.Cold). The error is non-nil only when
	// no solve took place (nothing loaded, a bad c, a closed solver); every solver outcome,
	// infeasible, unbounded or stopped included, is a Status in the Result.
	Solve(sense Sense, c []float64) (*Result, error)
	// Close releases the backend's memory. The Solver is unusable afterwards.
	Close()
}

// finish fills the fields every backend computes the same way from the problem and the
// solver's vectors: residuals and the certified bound.
func finish(p *Problem, sense Sense, c []float64, r *Result) {
	if r.Status != Optimal && r.Status != Limit {
		r.X, r.Y, r.D = nil, nil, nil
		r.Reason = "the solver's status is " + r.Status.String()
		return
	}
	r.PrimalResidual, r.DualResidual = Residuals(p, sense, c, r.X, r.Y, r.D)
	r.Bound, r.Certified, r.Reason = SafeBound(p, sense, c, r.Y)
}

func checkObjective(p *Problem, c []float64) error {
	if len(c) != p.NumVars() {
		return fmt.Errorf("lp: objective has %d coefficients, the problem %d variables", len(c), p.NumVars())
	}
	for j, v := range c {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("lp: objective coefficient %d is %v", j, v)
		}
	}
	return nil
}
