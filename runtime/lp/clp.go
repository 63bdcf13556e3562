//go:build cgo

package lp

/*
#cgo linux LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

// The C interface of COIN-OR CLP (coin/Clp_C_Interface.h), loaded with dlopen so that the
// module builds without CLP's headers and a binary without the library reports that it has
// no LP solver instead of failing to start. CoinBigIndex is int in Debian's build
// (COIN_BIG_INDEX 0). F declares a function with a result, V one without.
#define CLP_API(F, V) \
	F(void *, Clp_newModel, (void), ()) \
	V(Clp_deleteModel, (void *m), (m)) \
	F(void *, ClpSolve_new, (void), ()) \
	V(ClpSolve_delete, (void *s), (s)) \
	V(ClpSolve_setPresolveType, (void *s, int a, int e), (s, a, e)) \
	V(Clp_loadProblem, (void *m, int nc, int nr, const int *st, const int *ix, const double *v, \
		const double *cl, const double *cu, const double *obj, const double *rl, const double *ru), \
		(m, nc, nr, st, ix, v, cl, cu, obj, rl, ru)) \
	V(Clp_chgObjCoefficients, (void *m, const double *c), (m, c)) \
	V(Clp_setPrimalTolerance, (void *m, double v), (m, v)) \
	V(Clp_setDualTolerance, (void *m, double v), (m, v)) \
	V(Clp_setMaximumIterations, (void *m, int v), (m, v)) \
	V(Clp_setMaximumSeconds, (void *m, double v), (m, v)) \
	V(Clp_setLogLevel, (void *m, int v), (m, v)) \
	V(Clp_scaling, (void *m, int v), (m, v)) \
	F(int, Clp_initialSolveWithOptions, (void *m, void *s), (m, s)) \
	F(int, Clp_primal, (void *m, int v), (m, v)) \
	F(int, Clp_status, (void *m), (m)) \
	F(int, Clp_secondaryStatus, (void *m), (m)) \
	F(int, Clp_numberIterations, (void *m), (m)) \
	F(double, Clp_objectiveValue, (void *m), (m)) \
	F(double *, Clp_primalColumnSolution, (void *m), (m)) \
	F(double *, Clp_dualRowSolution, (void *m), (m)) \
	F(double *, Clp_dualColumnSolution, (void *m), (m))

#define PTR_F(R, N, P, A) static R (*p_##N) P;
#define PTR_V(N, P, A) static void (*p_##N) P;
CLP_API(PTR_F, PTR_V)
#define CALL_F(R, N, P, A) static R w_##N P { return p_##N A; }
#define CALL_V(N, P, A) static void w_##N P { p_##N A; }
CLP_API(CALL_F, CALL_V)

// clp_open loads the library at path and resolves every function; it returns NULL or the
// reason of the failure.
static const char *clp_open(const char *path) {
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) return dlerror();
#define LOAD_F(R, N, P, A) if (!(p_##N = (R (*) P) dlsym(h, #N))) return "symbol " #N " is missing";
#define LOAD_V(N, P, A) if (!(p_##N = (void (*) P) dlsym(h, #N))) return "symbol " #N " is missing";
	CLP_API(LOAD_F, LOAD_V)
	return NULL;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// clpLibraries are the names tried, in order, by dlopen.
var clpLibraries = []string{"libClp.so.1", "libClp.so", "libClp.dylib"}

var (
	clpOnce sync.Once
	clpErr  error
)

// loadCLP loads the library once for the process.
func loadCLP() error {
	clpOnce.Do(func() {
		var why []string
		for _, name := range clpLibraries {
			cs := C.CString(name)
			msg := C.clp_open(cs)
			C.free(unsafe.Pointer(cs))
			if msg == nil {
				return
			}
			why = append(why, C.GoString(msg))
		}
		clpErr = fmt.Errorf("%w: COIN-OR CLP cannot be loaded (install it: apt-get install -y coinor-libclp-dev): %s", ErrNoSolver, strings.Join(why, "; "))
	})
	return clpErr
}

// Available returns nil when this binary can solve LPs, and the reason (wrapping
// ErrNoSolver) otherwise.
func Available() error { return loadCLP() }

// New returns a Solver backed by COIN-OR CLP.
func New() Solver {
	s := &clpSolver{}
	runtime.SetFinalizer(s, (*clpSolver).Close)
	return s
}

type clpSolver struct {
	p      *Problem
	o      Options
	model  unsafe.Pointer
	scale  []float64 // row i of the solver's model is scale[i]·(row i of p)
	start  []C.int   // the scaled matrix, column-wise
	index  []C.int
	value  []C.double
	collb  []C.double
	colub  []C.double
	rowlb  []C.double
	rowub  []C.double
	basis  bool // the model holds an optimal basis to start from
	closed bool
}

func (s *clpSolver) Name() string { return "clp" }

func (s *clpSolver) Load(p *Problem, o Options) error {
	if s.closed {
		return errors.New("lp: Load on a closed solver")
	}
	if p.err != nil {
		return p.err
	}
	if err := loadCLP(); err != nil {
		return err
	}
	s.free()
	s.p, s.o = p, o
	s.buildArrays()
	s.newModel()
	return nil
}

// clpInf maps ±Inf to CLP's infinity (±DBL_MAX).
func clpInf(v float64) C.double {
	if math.IsInf(v, 0) {
		return C.double(math.Copysign(math.MaxFloat64, v))
	}
	return C.double(v)
}

// buildArrays scales every row to unit 2-norm by an exact power of two (so the scaled model
// is exactly equivalent) and converts the row-wise matrix to CLP's column-wise format.
func (s *clpSolver) buildArrays() {
	p := s.p
	m, n := p.NumRows(), p.NumVars()
	s.scale = make([]float64, m)
	s.rowlb, s.rowub = make([]C.double, m), make([]C.double, m)
	count := make([]int, n+1)
	for i := range m {
		cols, vals, lo, hi := p.Row(i)
		norm := 0.0
		for k, j := range cols {
			norm = math.Hypot(norm, vals[k])
			count[j+1]++
		}
		s.scale[i] = 1
		if !s.o.NoRowScaling && norm > 0 {
			frac, e := math.Frexp(norm) // norm = frac·2^e, frac ∈ [0.5, 1)
			if frac < math.Sqrt2/2 {
				e--
			}
			s.scale[i] = math.Ldexp(1, -e) // scaled norm in [1/√2, √2)
		}
		s.rowlb[i], s.rowub[i] = clpInf(lo*s.scale[i]), clpInf(hi*s.scale[i])
	}
	for j := range n {
		count[j+1] += count[j]
	}
	s.start = make([]C.int, n+1)
	for j := range count {
		s.start[j] = C.int(count[j])
	}
	s.index = make([]C.int, len(p.cols)+1) // +1: never a zero-length array to take &[0] of
	s.value = make([]C.double, len(p.vals)+1)
	next := count[:n]
	for i := range m {
		cols, vals, _, _ := p.Row(i)
		for k, j := range cols {
			s.index[next[j]] = C.int(i)
			s.value[next[j]] = C.double(vals[k] * s.scale[i])
			next[j]++
		}
	}
	s.collb, s.colub = make([]C.double, n), make([]C.double, n)
	for j := range n {
		s.collb[j], s.colub[j] = clpInf(p.lo[j]), clpInf(p.hi[j])
	}
}

// newModel creates the CLP model of the loaded problem, without a basis.
func (s *clpSolver) newModel() {
	m := C.w_Clp_newModel()
	C.w_Clp_setLogLevel(m, 0)
	C.w_Clp_setPrimalTolerance(m, C.double(s.o.primalTol()))
	C.w_Clp_setDualTolerance(m, C.double(s.o.dualTol()))
	if s.o.NoSolverScaling {
		C.w_Clp_scaling(m, 0)
	}
	var rl, ru *C.double
	if len(s.rowlb) > 0 {
		rl, ru = &s.rowlb[0], &s.rowub[0]
	}
	C.w_Clp_loadProblem(m, C.int(s.p.NumVars()), C.int(s.p.NumRows()), &s.start[0], &s.index[0], &s.value[0],
		&s.collb[0], &s.colub[0], nil, rl, ru)
	s.model, s.basis = m, false
}

func (s *clpSolver) free() {
	if s.model != nil {
		C.w_Clp_deleteModel(s.model)
		s.model = nil
	}
}

func (s *clpSolver) Solve(sense Sense, c []float64) (*Result, error) {
	switch {
	case s.closed:
		return nil, errors.New("lp: Solve on a closed solver")
	case s.model == nil:
		return nil, errors.New("lp: Solve before Load")
	}
	if err := checkObjective(s.p, c); err != nil {
		return nil, err
	}
	sgn := 1.0 // the model always minimises sgn·c
	if sense == Maximize {
		sgn = -1
	}
	n, m := s.p.NumVars(), s.p.NumRows()
	obj := make([]C.double, n)
	for j, v := range c {
		obj[j] = C.double(sgn * v)
	}
	if s.o.Cold && s.basis {
		s.free()
		s.newModel()
	}
	warm := s.basis
	C.w_Clp_chgObjCoefficients(s.model, &obj[0])
	maxIter := s.o.MaxIterations
	if maxIter <= 0 {
		maxIter = math.MaxInt32
	}
	C.w_Clp_setMaximumIterations(s.model, C.int(maxIter))
	if s.o.MaxSeconds > 0 {
		C.w_Clp_setMaximumSeconds(s.model, C.double(s.o.MaxSeconds))
	} else {
		C.w_Clp_setMaximumSeconds(s.model, -1)
	}
	t0 := time.Now()
	if warm {
		C.w_Clp_primal(s.model, 0)
	} else {
		opts := C.w_ClpSolve_new()
		presolve := C.int(0) // 0 on, 1 off
		if s.o.NoPresolve {
			presolve = 1
		}
		C.w_ClpSolve_setPresolveType(opts, presolve, -1)
		C.w_Clp_initialSolveWithOptions(s.model, opts)
		C.w_ClpSolve_delete(opts)
	}
	r := &Result{Seconds: time.Since(t0).Seconds(), Warm: warm}
	r.Iterations = int(C.w_Clp_numberIterations(s.model))
	switch C.w_Clp_status(s.model) {
	case 0:
		r.Status = Optimal
	case 1:
		r.Status = Infeasible
	case 2:
		r.Status = Unbounded
	case 3:
		r.Status = Limit
	default:
		r.Status = Numerical
	}
	switch C.w_Clp_secondaryStatus(s.model) {
	case 2:
		r.Note = "CLP: scaled problem optimal, unscaled has primal infeasibilities"
	case 3:
		r.Note = "CLP: scaled problem optimal, unscaled has dual infeasibilities"
	case 4:
		r.Note = "CLP: scaled problem optimal, unscaled has primal and dual infeasibilities"
	}
	s.basis = r.Status == Optimal
	if r.Status == Optimal || r.Status == Limit {
		r.Objective = sgn * float64(C.w_Clp_objectiveValue(s.model))
		x := unsafe.Slice((*float64)(unsafe.Pointer(C.w_Clp_primalColumnSolution(s.model))), n)
		d := unsafe.Slice((*float64)(unsafe.Pointer(C.w_Clp_dualColumnSolution(s.model))), n)
		r.X, r.D, r.Y = make([]float64, n), make([]float64, n), make([]float64, m)
		copy(r.X, x)
		for j := range d {
			r.D[j] = sgn * d[j]
		}
		if m > 0 {
			y := unsafe.Slice((*float64)(unsafe.Pointer(C.w_Clp_dualRowSolution(s.model))), m)
			for i := range y {
				r.Y[i] = sgn * s.scale[i] * y[i]
			}
		}
	}
	finish(s.p, sense, c, r)
	return r, nil
}

func (s *clpSolver) Close() {
	s.free()
	s.closed = true
}
