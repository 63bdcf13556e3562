package trunc

import (
	"context"
	"fmt"
)

func init() { Register("ita", solveITA) }

// solveITA is iterated truncation-and-augmentation (seed-003 §3.4): the TA vectors π^z for
// every z ∈ B_i, whose convex hull holds π(·|S) (4.33); u(x) = max_z π^z(x) ≥ π(x) (4.34)
// and, with a tail bound c/r, l(x) = max(0, 1 − c/r)·min_z π^z(x) ≤ π(x) (4.35); the
// marginals by the min and max over z of the marginal masses; the averages of o.Functions
// by (4.36)–(4.37) and (4.38)–(4.40); the errors (3.18), (3.20), (3.21).
func solveITA(ctx context.Context, t *Truncation, o *Options) (*Result, error) {
	if len(t.In) == 0 {
		return nil, fmt.Errorf("ita: the in-boundary of S is empty: no state is entered from outside S")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rb, err := reentryVectors(t)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := len(t.In)
	n := t.NumStates()
	lo, hi := make([]float64, n), make([]float64, n)
	for x := 0; x < n; x++ {
		a, b := minMax(rb.row(x))
		lo[x], hi[x] = a, b
	}
	res := newResult(t, "ita")
	res.Upper = hi
	res.Diagnostics = &Diagnostics{Solver: fmt.Sprintf("block elimination over %s with a GTH diagonal, %d re-entry states at once", rb.sys.Source, m), Precision: "double"}
	uS := massOf(hi)
	res.Error = &ErrorReport{Mass: &Number{Value: uS, Certified: true}}
	tail, ok := tailBoundDirect(o, res)
	alpha := 0.0
	if ok {
		alpha = max(0, 1-tail.Value)
		l := make([]float64, n)
		for x := range lo {
			l[x] = alpha * lo[x]
		}
		res.Lower = l
		res.Error = BoundErrors(l, hi, tail.Value, tail.Given)
		if tail.Value >= 1 {
			res.Notes = append(res.Notes, fmt.Sprintf("the tail bound c/r = %g is ≥ 1: the lower bounds are 0 (seed-003 pitfall 5)", tail.Value))
		}
	} else {
		res.Notes = append(res.Notes, "no tail bound: no lower bounds, and the TV error of u is only known to be ≥ u(S) − 1")
	}
	res.Notes = append(res.Notes,
		fmt.Sprintf("u(S) − 1 = %.6g is a lower bound on the TV and ℓ¹ errors of u (3.20)–(3.21)", uS-1),
		"the bounds assume a unique stationary law (an irreducible chain, seed-003 §3.4)")
	res.Marginals = itaMarginals(t, rb, alpha, tail)
	res.Measures = itaMeasures(rb, o, tail, alpha, res)
	return res, nil
}

// minMax returns the least and the greatest entry of a non-empty vector.
func minMax(v []float64) (a, b float64) {
	a, b = v[0], v[0]
	for _, x := range v[1:] {
		a, b = min(a, x), max(b, x)
	}
	return a, b
}

// itaMarginals returns, for each species, l̂(i) = max(0, 1 − c/r)·min_z π^z(A_i) and û(i) =
// max_z π^z(A_i ∩ S) over the values i it takes on S (seed-003 §3.4: tighter than summing
// the state-wise bounds, as MarginalsFromBounds would), with their errors (4.44)–(4.46) by
// NewMarginal; no l̂ without a tail bound. û is not an upper bound on the marginal (4.43).
// P stays nil: ITA bounds the marginal and gives no approximation of it (as for
// Result.Distribution; the TA law of one re-entry state is the ta scheme's). O(|S|·|B_i|·d).
func itaMarginals(t *Truncation, rb *reentryBasis, alpha float64, tail *Number) map[string]*Marginal {
	m := len(rb.in)
	out := map[string]*Marginal{}
	tv, given := 0.0, ""
	if tail != nil {
		tv, given = tail.Value, tail.Given
	}
	for sp, name := range t.Species {
		values, pos := SpeciesValues(t, sp)
		mass := make([]float64, len(values)*m) // the mass of each π^z on A_i ∩ S
		for x, i := range pos {
			dst := mass[i*m : (i+1)*m]
			for k, p := range rb.row(x) {
				dst[k] += p
			}
		}
		var lh []float64
		uh := make([]float64, len(values))
		if tail != nil {
			lh = make([]float64, len(values))
		}
		for i := range values {
			a, b := minMax(mass[i*m : (i+1)*m])
			uh[i] = b
			if lh != nil {
				lh[i] = alpha * a
			}
		}
		out[name] = NewMarginal(values, nil, lh, uh, tv, given)
	}
	return out
}

// itaMeasures bounds π(f) for each function of o: the truncated bounds (4.37)
//
//	l^f = min{min_z π^z(f), (1 − c/r) min_z π^z(f)},  u^f = max{max_z π^z(f), (1 − c/r) max_z π^z(f)},
//
// turned into bounds on π(f) by MeasureFromMeanBounds: (4.38) (f ≥ 0 outside S: lower),
// (4.39) (f ≤ 0 outside S: upper) or (4.40) (|f| ≤ K·w outside S: both, widened by c·K).
// Without a tail bound none. O(|S|·|B_i|) per function.
func itaMeasures(rb *reentryBasis, o *Options, tail *Number, alpha float64, res *Result) map[string]*MeasureBounds {
	if len(o.Functions) == 0 {
		return nil
	}
	m := len(rb.in)
	out := map[string]*MeasureBounds{}
	for _, fn := range o.Functions {
		if tail == nil {
			out[fn.Name] = &MeasureBounds{}
			res.Notes = append(res.Notes, "no tail bound: the measure "+fn.Name+" is not bounded")
			continue
		}
		pf := make([]float64, m)
		for x, v := range fn.F {
			for k, p := range rb.row(x) {
				pf[k] += p * v
			}
		}
		a, b := minMax(pf)
		lf, uf := min(a, alpha*a), max(b, alpha*b)
		mb := MeasureFromMeanBounds(lf, uf, fn, o.Moment, tail.Value)
		mb.Certified = mb.Certified && tail.Certified
		out[fn.Name] = mb
		if mb.Rule == "4.40" && fn.KAsserted {
			res.Assumptions = append(res.Assumptions, fmt.Sprintf("|%s| ≤ %g·w outside S (--tail-ratio, user-asserted)", fn.Name, fn.K))
		}
		if mb.Lower == nil && mb.Upper == nil {
			res.Notes = append(res.Notes, fmt.Sprintf("%s: nothing is known about it outside S (sign or |f| ≤ K·w): only the truncated bounds [%g, %g] on π_{|r}(f)", fn.Name, lf, uf))
		}
	}
	return out
}
