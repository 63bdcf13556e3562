package ctmc

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/linalg"
)

// Settings controls Stationary. The zero value (or nil) selects the defaults.
type Settings struct {
	// Tol is the target residual ‖πQ‖₁ of the normalised π. 0 means, for the iterative
	// solve, the larger of 1e-13 and the round-off floor of the residual in double precision,
	// 2ε·Σπ_i|Q_ii| (linalg.StationaryFloor: 3.5e-13 on a SIRS chain of 10⁶ states), the
	// solve itself aiming at 1e-13 in double-double (linalg.StationaryResidualDD: 7.8e-14 on
	// that chain, 8.8e-14 as Result.Residual sums it in float64),
	// and for the GTH eliminations 1e-10 scaled by the rates, as Stationary describes.
	Tol float64
	// DenseMax is the largest closed class solved by dense GTH; 0 means 2000, negative
	// forces the iterative method.
	DenseMax int
	// MaxIter bounds the BiCGSTAB iterations of each solve; 0 means 2000.
	MaxIter int
}

// Result is a stationary distribution.
type Result struct {
	// Pi is the stationary probability of each state of the chain (0 on transient states).
	Pi []float64
	// Residual is ‖πQ‖₁.
	Residual float64
	// Iterations is the number of Krylov iterations (0 for the direct solves).
	Iterations int
	// Method is "banded GTH (…)", "dense GTH", "BiCGSTAB+ILU(0)" or, with the coarse-grid
	// correction of large chains, "BiCGSTAB+ILU(0)+aggregation (… aggregates)".
	Method string
	// Closed is the number of states in the closed class; the other states are transient.
	Closed int
	// Class describes the closed class (its size and a representative state); Absorbing
	// reports that it is one absorbing state (no rate leaves it).
	Class ClassInfo
	// Absorbing is the number of absorbing states of the chain (0 or 1 here: a chain with
	// more closed classes has no Result).
	Absorbing int

	closed []int   // the states of the closed class, sorted
	target float64 // the residual target of the iterative solve
}

// InClosedClass reports whether state i belongs to the closed class, on which the
// stationary law lives; a state outside it is transient. O(log Closed).
func (r *Result) InClosedClass(i int) bool {
	_, ok := slices.BinarySearch(r.closed, i)
	return ok
}

// ClassInfo describes one closed communicating class.
type ClassInfo struct {
	Size           int
	Representative int    // index of the class's first state
	State          string // the representative as name=value pairs
}

// ReducibleError reports a chain with more than one closed class: its stationary
// distribution is not unique.
type ReducibleError struct {
	Classes []ClassInfo
}

// reducibleShown is the number of closed classes a *ReducibleError's message describes.
const reducibleShown = 3

// Error gives the number of closed classes and describes the first few (all of them are
// in Classes): a chain with thousands of absorbing states still gets a one-line message.
func (e *ReducibleError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ctmc: the chain is reducible: %d closed classes, so the stationary distribution depends on the initial state:", len(e.Classes))
	for i, c := range e.Classes {
		if i == reducibleShown {
			fmt.Fprintf(&b, " and %d more;", len(e.Classes)-reducibleShown)
			break
		}
		fmt.Fprintf(&b, " class %d has %d state(s), e.g. [%s];", i+1, c.Size, c.State)
	}
	return strings.TrimSuffix(b.String(), ";")
}

// Components returns the strongly connected components of the transition graph of q (an
// edge i → j for every stored off-diagonal element with positive value): comp[i] is the
// component of state i, numbered in the order Tarjan's algorithm completes them, and n is
// their number. It is iterative, O(S + E).
func Components(q *linalg.CSR) (comp []int32, n int) {
	N := q.Rows
	index := make([]int32, N)
	low := make([]int32, N)
	comp = make([]int32, N)
	for i := range index {
		index[i] = -1
		comp[i] = -1
	}
	onStack := make([]bool, N)
	var stack []int32
	type frame struct {
		v int32
		p int // next edge position
	}
	var call []frame
	counter := int32(0)
	for root := 0; root < N; root++ {
		if index[root] >= 0 {
			continue
		}
		call = append(call, frame{int32(root), q.RowPtr[root]})
		index[root], low[root] = counter, counter
		counter++
		stack = append(stack, int32(root))
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			v := f.v
			pushed := false
			for f.p < q.RowPtr[v+1] {
				w := q.Col[f.p]
				val := q.Val[f.p]
				f.p++
				if w == v || !(val > 0) {
					continue
				}
				if index[w] < 0 {
					index[w], low[w] = counter, counter
					counter++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{w, q.RowPtr[w]})
					pushed = true
					break
				} else if onStack[w] && index[w] < low[v] {
					low[v] = index[w]
				}
			}
			if pushed {
				continue
			}
			if low[v] == index[v] {
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp[w] = int32(n)
					if w == v {
						break
					}
				}
				n++
			}
			call = call[:len(call)-1]
			if len(call) > 0 {
				u := call[len(call)-1].v
				if low[v] < low[u] {
					low[u] = low[v]
				}
			}
		}
	}
	return comp, n
}

// ClosedClasses returns the closed communicating classes of the chain (components with no
// positive rate leaving them), each as the sorted list of its states.
func ClosedClasses(c *Chain) [][]int { return GeneratorClosedClasses(c.Q) }

// GeneratorClosedClasses returns the closed classes of the graph of the generator q
// (strongly connected components with no positive rate to another), each as the sorted
// list of its states. O(n + nnz).
func GeneratorClosedClasses(q *linalg.CSR) [][]int {
	comp, n := Components(q)
	open := make([]bool, n)
	for i := 0; i < q.Rows; i++ {
		for p := q.RowPtr[i]; p < q.RowPtr[i+1]; p++ {
			if q.Val[p] > 0 && comp[q.Col[p]] != comp[i] {
				open[comp[i]] = true
			}
		}
	}
	slot := make([]int, n)
	for i := range slot {
		slot[i] = -1
	}
	var classes [][]int
	for i := 0; i < q.Rows; i++ {
		k := comp[i]
		if open[k] {
			continue
		}
		if slot[k] < 0 {
			slot[k] = len(classes)
			classes = append(classes, nil)
		}
		classes[slot[k]] = append(classes[slot[k]], i)
	}
	return classes
}

// maxBandWork bounds the multiply-adds of a banded GTH solve beyond DenseMax states (about
// a second); wider chains go to the iterative solve.
const maxBandWork = 1e9

// Stationary returns the stationary distribution of the chain. It fails with a
// *ReducibleError if the chain has more than one closed class. With exactly one, the
// transient states get probability 0 and πQ = 0, Σπ = 1 is solved on the closed class by
// GTH elimination — on the band of the reverse Cuthill–McKee ordering when that costs
// O(n·bl·bu) ≤ 10⁹ (or less than dense), else dense up to s.DenseMax states — or, beyond,
// by BiCGSTAB preconditioned by ILU(0) — with an aggregation coarse-grid correction from
// 20 000 states (linalg.StationaryIterative) — and iterative refinement (DenseMax < 0
// forces it), to the residual max(1e-13, 2ε·Σπ_i|Q_ii|) by default, the larger of 1e-13 and
// the round-off floor of ‖πQ‖₁ in double precision. It returns an error if the residual
// target is not met, and one wrapping ctx.Err() if ctx is done during the iterative solve
// (dense LU, at most a second or two at the default DenseMax, runs to its end).
func Stationary(ctx context.Context, c *Chain, s *Settings) (*Result, error) {
	var set Settings
	if s != nil {
		set = *s
	}
	autoTol := set.Tol <= 0
	set = set.withDefaults()
	classes := ClosedClasses(c)
	if len(classes) != 1 {
		e := &ReducibleError{}
		for _, cl := range classes {
			e.Classes = append(e.Classes, ClassInfo{Size: len(cl), Representative: cl[0], State: c.StateString(cl[0])})
		}
		return nil, e
	}
	class := classes[0]
	N := c.NumStates()
	// Restrict Q to the closed class (no rate leaves it, so the rows stay conservative).
	sub := restrict(c.Q, class)
	n := len(class)
	res := &Result{Closed: n, Class: ClassInfo{Size: n, Representative: class[0], State: c.StateString(class[0])}, closed: class}
	if n == 1 {
		res.Absorbing = 1
	}
	iterSet := set
	if autoTol {
		iterSet.Tol = 0 // the iterative solve's own default, relative to the floor
	}
	pi, err := solveGenerator(ctx, sub, iterSet, res)
	if err != nil {
		return nil, err
	}
	res.Pi = make([]float64, N)
	for k, i := range class {
		res.Pi[i] = pi[k]
	}
	res.Residual = linalg.StationaryResidual(sub, pi)
	tol := set.Tol
	if autoTol && res.target > 0 {
		tol = res.target
	}
	if strings.Contains(res.Method, "GTH") {
		// A GTH solve is accurate componentwise; its residual is round-off in the rates,
		// of the order of ε times the largest rate, which may exceed an absolute target on
		// a chain with large rates: the target scales with them.
		tol *= max(1, sub.NormInf()/2)
	}
	if !(res.Residual <= tol) {
		return res, fmt.Errorf("ctmc: stationary solve (%s, %d states) reached residual ‖πQ‖₁ = %.3g, above the target %.3g", res.Method, n, res.Residual, tol)
	}
	return res, nil
}

// solveGenerator solves πq = 0, Σπ = 1 for an irreducible conservative generator q by the
// methods of Stationary, setting res.Method and res.Iterations.
func solveGenerator(ctx context.Context, sub *linalg.CSR, set Settings, res *Result) ([]float64, error) {
	n := sub.Rows
	var pi []float64
	var err error
	// The direct solves are GTH eliminations (no subtraction: every component to a
	// relative n·ε, however small), on the band of the reverse Cuthill–McKee ordering
	// when it is narrow (a chain along one count, with or without an environment), else
	// dense up to DenseMax states; beyond, the iterative solve.
	var perm []int
	var bl, bu int
	band := false
	bandWork := func(bl, bu int) float64 { return float64(n) * float64(max(bl, 1)) * float64(max(bu, 1)) }
	// The exploration's breadth-first order already has a band within a few times RCM's;
	// the reordering (a fraction of a second on 10⁶ states) is skipped when even a band
	// four times narrower would be too wide.
	if n > 1 && set.DenseMax >= 0 {
		l0, u0 := linalg.Bandwidths(sub, nil)
		if n <= set.DenseMax || bandWork(l0/4, u0/4) <= maxBandWork {
			perm = linalg.RCM(sub)
			bl, bu = linalg.Bandwidths(sub, perm)
			work := bandWork(bl, bu)
			mem := float64(n) * float64(bl+bu+1) * 8
			band = mem <= float64(runtime.MaxBytesOf(ctx))/2 &&
				(n <= set.DenseMax && work < float64(n)*float64(n)*float64(n)/3 || work <= maxBandWork)
		}
	}
	switch {
	case n == 1:
		pi = []float64{1}
		res.Method = "trivial"
	case band:
		pi = make([]float64, n)
		report, finish := runtime.StartProgress(ctx, fmt.Sprintf("stationary law (%d states, banded GTH elimination)", n), int64(n))
		err = linalg.StationaryGTHBandedProgress(pi, sub, perm, bl, bu, func(done, total int) { report(int64(done), int64(total)) })
		finish()
		res.Method = fmt.Sprintf("banded GTH (RCM order, bandwidths %d, %d)", bl, bu)
	case set.DenseMax > 0 && n <= set.DenseMax:
		pi = make([]float64, n)
		err = linalg.StationaryGTH(pi, sub)
		res.Method = "dense GTH"
	default:
		pi = make([]float64, n)
		report, finish := runtime.StartProgress(ctx, fmt.Sprintf("stationary law (%d states, BiCGSTAB iterations)", n), 0)
		var info linalg.StationaryInfo
		info, err = linalg.StationaryIterative(ctx, pi, sub, &linalg.StationarySettings{Tol: set.Tol, MaxIter: set.MaxIter,
			Progress: func(it int) { report(int64(it), 0) }})
		finish()
		res.Iterations, res.target = info.Iterations, info.Target
		res.Method = "BiCGSTAB+ILU(0)"
		if info.Coarse > 0 {
			res.Method = fmt.Sprintf("BiCGSTAB+ILU(0)+aggregation (%d aggregates)", info.Coarse)
		}
	}
	return pi, err
}

// restrict returns the rows and columns of q of the states of class, in its order: the
// generator of a closed class. O(nnz).
func restrict(q *linalg.CSR, class []int) *linalg.CSR {
	local := make([]int32, q.Rows)
	for i := range local {
		local[i] = -1
	}
	for k, i := range class {
		local[i] = int32(k)
	}
	n := len(class)
	sub := &linalg.CSR{Rows: n, Cols: n, RowPtr: make([]int, 1, n+1)}
	if n == q.Rows {
		sub.Col = make([]int32, 0, len(q.Col))
		sub.Val = make([]float64, 0, len(q.Val))
	}
	for _, i := range class {
		for p := q.RowPtr[i]; p < q.RowPtr[i+1]; p++ {
			if l := local[q.Col[p]]; l >= 0 {
				sub.Col = append(sub.Col, l)
				sub.Val = append(sub.Val, q.Val[p])
			}
		}
		sub.RowPtr = append(sub.RowPtr, len(sub.Col))
	}
	return sub
}
