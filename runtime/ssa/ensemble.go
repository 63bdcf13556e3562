package ssa

import (
	"context"
	"errors"
	"fmt"
	"math"
	goruntime "runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
)

// Settings controls a simulation. Zero values select the defaults.
type Settings struct {
	// Runs is the number of trajectories of an ensemble; 0 means 1000.
	Runs int
	// T is the final time of an ensemble, or the measured length (after Burnin) of a time
	// average. For a discrete-time model it is a number of steps (an integer).
	T float64
	// Times are the sample times of an ensemble, increasing, in [0, T]; nil means {T}. For
	// a discrete-time model they are step indices (integers): the sample at k is X_k.
	Times []float64
	// Seed selects the random streams: run r uses PCG seeded with splitmix64 of (Seed, r).
	Seed uint64
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int
	// Burnin is the time discarded before a time average (a number of steps, an integer,
	// for a discrete-time model).
	Burnin float64
	// Batches is the number of batches of a time average; 0 means 20.
	Batches int
	// Level is the confidence level of the intervals; 0 means 0.95.
	Level float64
	// RateBound bounds the sum of the time-dependent propensities for thinning; required
	// for a time-dependent continuous-time model, ignored otherwise (discrete-time models
	// evaluate their probabilities at every step and need no thinning).
	RateBound float64
	// EventBudget bounds the events (continuous time) or steps (discrete time) of all the
	// trajectories of an ensemble together, or of the trajectory of a time average; 0 means
	// DefaultEventBudget, a negative value no bound.
	EventBudget int64
	// MaxEvents bounds the events of each trajectory; 0 means no bound. In discrete time an
	// event is a step that takes a transition instance (explicit self-loops included, the
	// implicit self-loop not).
	MaxEvents int64
	// Method selects how the next transition is drawn: MethodDirect, MethodCR, or
	// MethodAuto / "" (composition–rejection from AutoCRThreshold transitions on). Both
	// simulate the same chain; their random streams are used differently, so trajectories
	// for a seed differ between methods (each is reproducible). Discrete-time models are
	// always simulated step by step (MethodAuto and MethodDirect); MethodCR is refused
	// for them with ErrDiscreteMethod.
	Method string
	// Progress, if non-nil, is called after each completed run of an ensemble with the
	// number of completed runs and Runs, and after each batch of a time average with the
	// number of completed batches and Batches. Calls are serialised and done increases by
	// one each call, so the function needs no locking of its own; it runs on a worker
	// goroutine and should return quickly.
	Progress func(done, total int64)
	// ConditionSurvival conditions on not being absorbed (a state where no transition can
	// fire, Sim.Absorbed): an ensemble leaves a run out of the statistics of every sample
	// time at which it is absorbed (EnsembleResult.Survivors), a time average restarts its
	// trajectory on absorption from a state drawn from its occupation measure, which
	// estimates the quasi-stationary law (AverageResult.Absorptions). Time-homogeneous
	// continuous-time models only (ErrCondition).
	ConditionSurvival bool
}

// Stat is an estimate with its confidence interval [Lo, Hi] at Settings.Level.
type Stat struct {
	Mean float64
	// Var is the sample variance across runs (ensembles) or of the batch means (time
	// averages).
	Var float64
	// SE is the standard error of Mean.
	SE     float64
	Lo, Hi float64
}

// EnsembleResult holds the statistics of an ensemble.
type EnsembleResult struct {
	Times []float64
	// Names lists the quantities: the species, then the observables.
	Names []string
	// Stats[k][q] is quantity q at Times[k]; CIs are normal (z) intervals.
	Stats [][]Stat
	Runs  int
	// Events is the total over all runs of the transitions fired (in discrete time, of the
	// steps that took an instance rather than the implicit self-loop).
	Events int64
	// Survivors[k] is the number of runs not absorbed at Times[k], over which the
	// statistics of that time are taken, and Absorbed the number absorbed by the last
	// sample time (Settings.ConditionSurvival; nil and 0 otherwise).
	Survivors []int
	Absorbed  int
	// Partial is empty for a complete ensemble; otherwise it says why the ensemble stopped
	// early (the event or time budget) and how many runs completed: Runs counts them.
	Partial string
}

// blockRuns is the fixed number of runs reduced together; blocks are merged in order, so
// results do not depend on the number of workers.
const blockRuns = 32

// moments are the running statistics of a block of runs: n runs, of which nt[k] count at
// sample time k (all of them, unless conditioned on survival).
type moments struct {
	n        float64
	nt       []float64
	mean, m2 []float64
}

func names(m *runtime.Model) []string {
	var out []string
	for _, s := range m.IR.Species {
		out = append(out, s.Name)
	}
	for _, o := range m.IR.Observables {
		out = append(out, o.Name)
	}
	return out
}

// DefaultEventBudget is the event budget of a simulation when Settings.EventBudget is 0.
const DefaultEventBudget = 1_000_000_000

// statBytes is the memory of the statistics of one sample time and quantity: the running
// mean and sum of squares of each block in the merge window and of the total (16 bytes
// each), the samples of the run of each worker (8 bytes each) and the Stat of the result
// (40 bytes).
func statBytes(workers int) int64 { return 16*int64(2*workers+1) + 8*int64(workers) + 40 }

// StatBytes is the memory of an ensemble per sample time and quantity with the given
// number of workers (0: GOMAXPROCS), for callers that budget the memory of a whole
// analysis.
func StatBytes(workers int) int64 {
	if workers <= 0 {
		workers = goruntime.GOMAXPROCS(0)
	}
	return statBytes(workers)
}

// Ensemble simulates s.Runs independent trajectories of m from in (see New) and returns,
// for every sample time, the mean, variance and confidence interval of every species count
// and observable. The result is bit-identical for any s.Workers.
//
// The statistics are streamed: runs are reduced in blocks of blockRuns by Welford's
// updates, and the blocks are merged in order as they complete, at most 2·workers of them
// pending, so the memory is O(workers·len(s.Times)·quantities) whatever the number of runs.
// It is checked against the budget of ctx (runtime.MaxBytesOf) before any run: a
// *runtime.MemoryError if it does not fit.
//
// The trajectories share the event budget s.EventBudget (events in continuous time, steps
// in discrete time). When it is spent, or when ctx reaches its deadline, the runs completed
// so far are the result, with Partial saying why (an error if no run completed). A trajectory
// that explodes fails with E806 (docs/language.md §8.2). When ctx is cancelled, every worker
// stops within a few thousand events and Ensemble returns an error wrapping ctx.Err().
func Ensemble(ctx context.Context, m *runtime.Model, in *ir.Inputs, s Settings) (*EnsembleResult, error) {
	if s.Runs <= 0 {
		s.Runs = 1000
	}
	times := s.Times
	if times == nil {
		times = []float64{s.T}
	}
	for k, t := range times {
		if !(t >= 0) || (k > 0 && t < times[k-1]) || math.IsInf(t, 0) {
			return nil, fmt.Errorf("ssa: sample times must be finite, non-negative and increasing")
		}
	}
	p, err := newPlan(m, &s)
	if err != nil {
		return nil, err
	}
	if p.disc {
		for _, t := range times {
			if err := checkSteps("sample time", t); err != nil {
				return nil, err
			}
		}
	}
	if s.ConditionSurvival && (p.disc || len(p.td) > 0) {
		return nil, ErrCondition
	}
	workers := s.Workers
	if workers <= 0 {
		workers = goruntime.GOMAXPROCS(0)
	}
	nq := p.d + len(m.IR.Observables)
	nb := (s.Runs + blockRuns - 1) / blockRuns
	workers = min(workers, nb)
	window := 2 * workers
	if need, budget := int64(len(times))*int64(nq)*statBytes(workers), runtime.MaxBytesOf(ctx); need > budget {
		return nil, &runtime.MemoryError{What: fmt.Sprintf("ssa: the statistics of %d sample times × %d quantities", len(times), nq),
			Need: need, Limit: budget, Hint: "lower --steps (the number of sample times), or raise --max-memory"}
	}
	budget := eventBudget(s)

	var (
		next     atomic.Int64 // next block to simulate
		used     atomic.Int64 // events (steps) of the trajectories so far
		events   atomic.Int64 // events of the completed runs
		mu       sync.Mutex   // guards the fields below
		cond     = sync.NewCond(&mu)
		pending  = map[int]*moments{}
		merged   int // blocks merged into tot
		tot      = moments{nt: make([]float64, len(times)), mean: make([]float64, len(times)*nq), m2: make([]float64, len(times)*nq)}
		stopped  bool
		firstErr error
		partial  string
		cause    error // of a partial result: ErrBudget or context.DeadlineExceeded
		done     int64
	)
	// stop ends the ensemble: with an error, or (err nil) with a partial result.
	stop := func(err error, why string) {
		mu.Lock()
		if !stopped {
			stopped = true
			firstErr, partial = err, why
			cause = ErrBudget
			if ctx.Err() != nil {
				cause = ctx.Err()
			}
		}
		cond.Broadcast()
		mu.Unlock()
	}
	// deposit hands a block over to be merged in order.
	deposit := func(b int, mo *moments) {
		mu.Lock()
		pending[b] = mo
		for {
			mo, ok := pending[merged]
			if !ok {
				break
			}
			delete(pending, merged)
			tot.merge(mo)
			merged++
		}
		cond.Broadcast()
		mu.Unlock()
	}
	report := func() {
		if s.Progress == nil {
			return
		}
		mu.Lock()
		done++
		s.Progress(done, int64(s.Runs))
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sim, err := p.newSim(in, s)
			if err != nil {
				stop(err, "")
				return
			}
			obs := make([]float64, len(m.IR.Observables))
			sample := make([]float64, len(times)*nq) // one run's samples, folded in once it completes
			for {
				b := int(next.Add(1) - 1)
				if b >= nb {
					return
				}
				mu.Lock()
				for b >= merged+window && !stopped {
					cond.Wait()
				}
				halt := stopped
				mu.Unlock()
				mo := &moments{}
				if halt {
					// The blocks not taken yet are not waited for: depositing an empty one
					// for each of up to 10⁷ blocks took seconds after a cancellation.
					deposit(b, mo)
					return
				}
				if err := ctx.Err(); err != nil {
					deposit(b, mo)
					if errors.Is(err, context.DeadlineExceeded) {
						stop(nil, "the time budget (--timeout) ran out")
					} else {
						stop(fmt.Errorf("ssa: ensemble stopped: %w", err), "")
					}
					continue
				}
				mo.nt, mo.mean, mo.m2 = make([]float64, len(times)), make([]float64, len(times)*nq), make([]float64, len(times)*nq)
				for r := b * blockRuns; r < min((b+1)*blockRuns, s.Runs); r++ {
					if err := sim.Reset(s.Seed, uint64(r)); err != nil {
						stop(fmt.Errorf("run %d: %w", r, err), "")
						break
					}
					left := budget - used.Load()
					if left <= 0 {
						stop(nil, fmt.Sprintf("the event budget of %d events (--max-events) is spent", budget))
						break
					}
					sim.SetLimit(left)
					var err error
					alive := len(times) // the sample times before absorption
					for k, t := range times {
						if err = sim.Advance(ctx, t, nil); err != nil {
							break
						}
						if s.ConditionSurvival && sim.Absorbed() {
							alive = k
							break
						}
						sim.Observables(obs)
						row := sample[k*nq : (k+1)*nq]
						copy(row, sim.in.Counts)
						copy(row[p.d:], obs)
					}
					used.Add(sim.work)
					if err != nil {
						var be *BudgetError
						switch {
						case errors.As(err, &be):
							stop(nil, fmt.Sprintf("run %d stopped: %s", r, be.Msg))
						case errors.Is(err, ErrBudget):
							stop(nil, fmt.Sprintf("the event budget of %d events (--max-events) is spent", budget))
						case errors.Is(err, context.DeadlineExceeded):
							stop(nil, "the time budget (--timeout) ran out")
						default:
							stop(fmt.Errorf("run %d: %w", r, err), "")
						}
						break
					}
					mo.add(sample, alive, nq)
					events.Add(sim.events)
					report()
				}
				deposit(b, mo)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if tot.n == 0 {
		return nil, &stopError{msg: "ssa: no run completed: " + partial, cause: cause}
	}
	z := distuv.UnitNormal.Quantile(0.5 + level(s)/2)
	res := &EnsembleResult{Times: append([]float64(nil), times...), Names: names(m), Runs: int(tot.n), Events: events.Load()}
	if partial != "" {
		res.Partial = fmt.Sprintf("%s: %d of %d runs completed (the runs cut short are left out, which may favour shorter trajectories)", partial, int(tot.n), s.Runs)
	}
	if s.ConditionSurvival {
		for k, n := range tot.nt {
			res.Survivors = append(res.Survivors, int(n))
			if n < 2 {
				return nil, fmt.Errorf("ssa: %d of the %d runs are not absorbed at t = %g: too few for a mean conditioned on survival (and its interval); sample earlier times (--t) or simulate more runs (--runs)", int(n), int(tot.n), times[k])
			}
		}
		res.Absorbed = int(tot.n) - res.Survivors[len(times)-1]
	}
	for k := range times {
		row := make([]Stat, nq)
		nk := tot.nt[k]
		for q := range row {
			i := k*nq + q
			v := 0.0
			if nk > 1 {
				v = tot.m2[i] / (nk - 1)
			}
			se := math.Sqrt(v / nk)
			mean := tot.mean[i]
			row[q] = Stat{Mean: mean, Var: v, SE: se, Lo: mean - z*se, Hi: mean + z*se}
		}
		res.Stats = append(res.Stats, row)
	}
	return res, nil
}

// eventBudget returns the event budget of s: EventBudget, DefaultEventBudget for 0, and
// math.MaxInt64 (no bound) for a negative value.
func eventBudget(s Settings) int64 {
	switch {
	case s.EventBudget > 0:
		return s.EventBudget
	case s.EventBudget < 0:
		return math.MaxInt64
	}
	return DefaultEventBudget
}

// stopError is an ensemble stopped by a budget before any run completed; it wraps ErrBudget
// or context.DeadlineExceeded.
type stopError struct {
	msg   string
	cause error
}

func (e *stopError) Error() string { return e.msg }
func (e *stopError) Unwrap() error { return e.cause }

// add folds the samples of one complete run into mo (Welford's update): those of its first
// alive sample times (of nq quantities each), the others being left out.
func (mo *moments) add(sample []float64, alive, nq int) {
	mo.n++
	for k := 0; k < alive; k++ {
		mo.nt[k]++
		n := mo.nt[k]
		for i := k * nq; i < (k+1)*nq; i++ {
			v := sample[i]
			delta := v - mo.mean[i]
			mo.mean[i] += delta / n
			mo.m2[i] += delta * (v - mo.mean[i])
		}
	}
}

// merge adds the block b to mo (Chan, Golub and LeVeque); blocks are merged in order.
func (mo *moments) merge(b *moments) {
	if b.n == 0 {
		return
	}
	nq := len(mo.mean) / len(mo.nt)
	for k, bn := range b.nt {
		if bn == 0 {
			continue
		}
		an := mo.nt[k]
		n := an + bn
		for i := k * nq; i < (k+1)*nq; i++ {
			delta := b.mean[i] - mo.mean[i]
			mo.m2[i] += b.m2[i] + delta*delta*an*bn/n
			mo.mean[i] += delta * bn / n
		}
		mo.nt[k] = n
	}
	mo.n += b.n
}

func level(s Settings) float64 {
	if s.Level > 0 && s.Level < 1 {
		return s.Level
	}
	return 0.95
}

// AverageResult holds stationary time averages by batch means.
type AverageResult struct {
	Names []string // species, then observables
	// Stats[q] is the time average of quantity q; Var is the variance of the batch means
	// and the interval is Student-t with Batches−1 degrees of freedom.
	Stats      []Stat
	BatchMeans [][]float64 // [batch][quantity]
	Events     int64
	// Absorptions counts the restarts of a trajectory conditioned on survival
	// (Settings.ConditionSurvival), after the burn-in and before it.
	Absorptions, BurninAbsorptions int64
}

// TimeAverage runs one trajectory of m from in with the stream of run 0, discards
// s.Burnin time units, and estimates the stationary mean of every species count and
// observable from s.T further time units split into s.Batches batches.
//
// For a discrete-time model s.Burnin and s.T are numbers of steps (integers, s.T ≥
// s.Batches): the estimate averages the states X_k, Burnin ≤ k < Burnin + T, and batch b
// holds the indices from Burnin + ⌊b·T/Batches⌋ on (batches differ by at most one step).
//
// When ctx is done, TimeAverage stops within a few thousand events with an error wrapping
// ctx.Err().
func TimeAverage(ctx context.Context, m *runtime.Model, in *ir.Inputs, s Settings) (*AverageResult, error) {
	if !(s.T > 0) {
		return nil, errors.New("ssa: TimeAverage needs Settings.T > 0")
	}
	nb := s.Batches
	if nb <= 0 {
		nb = 20
	}
	if nb < 2 {
		return nil, errors.New("ssa: TimeAverage needs at least 2 batches")
	}
	sim, err := New(m, in, s)
	if err != nil {
		return nil, err
	}
	if sim.p.disc {
		if err := checkSteps("Settings.Burnin", s.Burnin); err != nil {
			return nil, err
		}
		if err := checkSteps("Settings.T", s.T); err != nil {
			return nil, err
		}
		if s.T < float64(nb) {
			return nil, fmt.Errorf("ssa: TimeAverage of a discrete-time model needs Settings.T ≥ Batches = %d steps, got %g", nb, s.T)
		}
	}
	if s.ConditionSurvival {
		if sim.p.disc || len(sim.p.td) > 0 {
			return nil, ErrCondition
		}
		sim.occ = newOccupation(sim.p.d)
	}
	if err := sim.Reset(s.Seed, 0); err != nil {
		return nil, err
	}
	if s.ConditionSurvival && sim.Absorbed() {
		return nil, fmt.Errorf("ssa: the initial state %s is absorbing: no transition can fire from it, so there is no law conditioned on survival", sim.StateString())
	}
	budget := eventBudget(s)
	sim.SetLimit(budget)
	spent := func(err error) error {
		var be *BudgetError
		if errors.As(err, &be) {
			return fmt.Errorf("ssa: the time average stopped at t = %g: %w", sim.t, err)
		}
		if errors.Is(err, ErrBudget) {
			return fmt.Errorf("ssa: the time average stopped at t = %g: the event budget of %d events (--max-events) is spent: %w", sim.t, budget, err)
		}
		return err
	}
	if err := sim.Advance(ctx, s.Burnin, nil); err != nil {
		return nil, spent(err)
	}
	nq := sim.p.d + len(m.IR.Observables)
	res := &AverageResult{Names: names(m), Stats: make([]Stat, nq), BurninAbsorptions: sim.absorptions}
	w := s.T / float64(nb)
	for b := 0; b < nb; b++ {
		acc := make([]float64, nq)
		end := s.Burnin + float64(b+1)*w
		if sim.p.disc {
			end = s.Burnin + math.Floor(s.T*float64(b+1)/float64(nb))
		}
		start := sim.t
		if err := sim.Advance(ctx, end, acc); err != nil {
			return nil, spent(err)
		}
		for q := range acc {
			acc[q] /= end - start
		}
		res.BatchMeans = append(res.BatchMeans, acc)
		if s.Progress != nil {
			s.Progress(int64(b+1), int64(nb))
		}
	}
	res.Events = sim.events
	res.Absorptions = sim.absorptions - res.BurninAbsorptions
	tq := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(nb - 1)}.Quantile(0.5 + level(s)/2)
	for q := range res.Stats {
		mean := 0.0
		for _, bm := range res.BatchMeans {
			mean += bm[q]
		}
		mean /= float64(nb)
		v := 0.0
		for _, bm := range res.BatchMeans {
			v += (bm[q] - mean) * (bm[q] - mean)
		}
		v /= float64(nb - 1)
		se := math.Sqrt(v / float64(nb))
		res.Stats[q] = Stat{Mean: mean, Var: v, SE: se, Lo: mean - tq*se, Hi: mean + tq*se}
	}
	return res, nil
}
