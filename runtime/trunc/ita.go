package trunc

import (
	"context"
	"fmt"
	"math"
)

func init() { Register("ita", solveITA) }

// itaVectors returns the TA vectors π^z for every z of the in-boundary B_i, normalised, as
// the columns of a per-level matrix (the layout of levelFactor.solveRows, m = |B_i|): one
// factorisation of −Q_r and one block back-substitution for all z at once (seed-003 §3.4,
// §5.2.2). O(Σ_l n_l³ + Σ_l n_l²·|B_i|).
func itaVectors(f *levelFactor, in []int) [][]float64 {
	s := f.s
	m := len(in)
	b := make([][]float64, len(s.states))
	for k, z := range in {
		l := s.lev[z]
		if b[l] == nil {
			b[l] = make([]float64, len(s.states[l])*m)
		}
		b[l][s.pos[z]*m+k] = 1
	}
	f.solveRows(b, m)
	sum := make([]float64, m)
	for _, bl := range b {
		for i := 0; i < len(bl); i += m {
			for k, v := range bl[i : i+m] {
				sum[k] += v
			}
		}
	}
	for _, bl := range b {
		for i := 0; i < len(bl); i += m {
			for k := range bl[i : i+m] {
				bl[i+k] /= sum[k]
			}
		}
	}
	return b
}

// solveITA is iterated truncation-and-augmentation (seed-003 §3.4): the TA vectors π^z for
// every z ∈ B_i, whose convex hull holds π(·|S) (4.33); u(x) = max_z π^z(x) ≥ π(x) (4.34)
// and, with a tail bound c/r, l(x) = max(0, 1 − c/r)·min_z π^z(x) ≤ π(x) (4.35); the
// marginals by the min and max over z of the marginal masses; the averages of o.Functions
// by (4.36)–(4.37) and (4.38)–(4.40); the errors (3.18), (3.20), (3.21).
func solveITA(ctx context.Context, t *Truncation, o *Options) (*Result, error) {
	if len(t.In) == 0 {
		return nil, fmt.Errorf("ita: the in-boundary of S is empty: no state is entered from outside S")
	}
	sys, err := newLevelSystem(t)
	if err != nil {
		return nil, err
	}
	f, err := sys.factor(0)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := len(t.In)
	vec := itaVectors(f, t.In)
	n := t.NumStates()
	lo, hi := make([]float64, n), make([]float64, n)
	for l, st := range sys.states {
		for i, x := range st {
			row := vec[l][i*m : (i+1)*m]
			a, b := row[0], row[0]
			for _, v := range row[1:] {
				a, b = min(a, v), max(b, v)
			}
			lo[x], hi[x] = a, b
		}
	}
	res := newResult(t, "ita")
	res.Upper = hi
	res.Diagnostics = &Diagnostics{Solver: fmt.Sprintf("block elimination over %s with a GTH diagonal, %d re-entry states at once", sys.Source, m), Precision: "double"}
	res.Error = &ErrorReport{}
	uS := sumOf(hi)
	res.Error.Mass = &Number{Value: uS, Certified: true}
	tail, ok := tailBoundDirect(o, res)
	alpha := 0.0
	if ok {
		alpha = max(0, 1-tail.Value)
		l := make([]float64, n)
		for x := range lo {
			l[x] = alpha * lo[x]
		}
		res.Lower = l
		res.Error.TVLower = &Number{Value: 1 - sumOf(l), Certified: tail.Certified, Given: tail.Given}
		res.Error.TVUpper = &Number{Value: max(uS-1+tail.Value, tail.Value), Certified: tail.Certified, Given: tail.Given}
		res.Error.L1Upper = &Number{Value: uS - 1 + 2*tail.Value, Certified: tail.Certified, Given: tail.Given}
		if tail.Value >= 1 {
			res.Notes = append(res.Notes, fmt.Sprintf("the tail bound c/r = %g is ≥ 1: the lower bounds are 0 (seed-003 pitfall 5)", tail.Value))
		}
	} else {
		res.Notes = append(res.Notes, "no tail bound: no lower bounds, and the TV error of u is only known to be ≥ u(S) − 1")
	}
	res.Notes = append(res.Notes,
		fmt.Sprintf("u(S) − 1 = %.6g is a lower bound on the TV and ℓ¹ errors of u (3.20)–(3.21)", uS-1),
		"the bounds assume a unique stationary law (an irreducible chain, seed-003 §3.4)")
	res.Marginals = itaMarginals(t, sys, vec, m, alpha, ok)
	res.Measures = itaMeasures(sys, vec, m, o, tail, alpha, res)
	return res, nil
}

func sumOf(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

// itaMarginals returns, for each species, l̂(i) = max(0, 1 − c/r)·min_z π^z(A_i) and û(i) =
// max_z π^z(A_i ∩ S) over the values i it takes on S (seed-003 §3.4: tighter than summing the
// state-wise bounds). û is not an upper bound on the marginal (4.43). O(|S|·|B_i|·d).
func itaMarginals(t *Truncation, sys *levelSystem, vec [][]float64, m int, alpha float64, withLower bool) map[string]*Marginal {
	out := map[string]*Marginal{}
	for sp, name := range t.Species {
		lo, hi := int32(math.MaxInt32), int32(math.MinInt32)
		for x := 0; x < t.NumStates(); x++ {
			lo, hi = min(lo, t.Key(x)[sp]), max(hi, t.Key(x)[sp])
		}
		mass := make([][]float64, hi-lo+1) // by value − lo: the mass of each π^z
		for l, st := range sys.states {
			for i, x := range st {
				v := t.Key(x)[sp] - lo
				if mass[v] == nil {
					mass[v] = make([]float64, m)
				}
				dst := mass[v]
				for k, p := range vec[l][i*m : (i+1)*m] {
					dst[k] += p
				}
			}
		}
		mg := &Marginal{}
		for v, ms := range mass {
			if ms == nil {
				continue
			}
			a, b := math.Inf(1), 0.0
			for _, p := range ms {
				a, b = min(a, p), max(b, p)
			}
			mg.Values = append(mg.Values, v+int(lo))
			mg.Upper = append(mg.Upper, b)
			if withLower {
				mg.Lower = append(mg.Lower, alpha*a)
			}
		}
		out[name] = mg
	}
	return out
}

// itaMeasures bounds π(f) for each function of o: the truncated bounds (4.37)
//
//	l^f = min{min_z π^z(f), (1 − c/r) min_z π^z(f)},  u^f = max{max_z π^z(f), (1 − c/r) max_z π^z(f)},
//
// turned into bounds on π(f) by (4.38) (f ≥ 0 outside S: lower), (4.39) (f ≤ 0 outside S:
// upper) or (4.40) (|f| ≤ K·w outside S: both, widened by c·K). Without a tail bound none.
func itaMeasures(sys *levelSystem, vec [][]float64, m int, o *Options, tail *Number, alpha float64, res *Result) map[string]*MeasureBounds {
	if len(o.Functions) == 0 {
		return nil
	}
	out := map[string]*MeasureBounds{}
	for _, fn := range o.Functions {
		pf := make([]float64, m)
		for l, st := range sys.states {
			for i, x := range st {
				for k, p := range vec[l][i*m : (i+1)*m] {
					pf[k] += p * fn.F[x]
				}
			}
		}
		a, b := math.Inf(1), math.Inf(-1)
		for _, v := range pf {
			a, b = min(a, v), max(b, v)
		}
		mb := &MeasureBounds{}
		out[fn.Name] = mb
		if tail == nil {
			res.Notes = append(res.Notes, "no tail bound: the measure "+fn.Name+" is not bounded")
			continue
		}
		lf, uf := min(a, alpha*a), max(b, alpha*b)
		mb.Certified = tail.Certified
		switch {
		case fn.K > 0 && o.Moment != nil:
			lo, hi := lf-o.Moment.C*fn.K, uf+o.Moment.C*fn.K
			mid, half := (lo+hi)/2, (hi-lo)/2
			mb.Lower, mb.Upper, mb.Midpoint, mb.HalfWidth, mb.Rule = &lo, &hi, &mid, &half, "4.40"
			if fn.KAsserted {
				res.Assumptions = append(res.Assumptions, fmt.Sprintf("|%s| ≤ %g·w outside S (--tail-ratio, user-asserted)", fn.Name, fn.K))
			}
		case fn.SignOutside > 0:
			mb.Lower, mb.Rule = &lf, "4.38"
		case fn.SignOutside < 0:
			mb.Upper, mb.Rule = &uf, "4.39"
		default:
			mb.Certified = false
			res.Notes = append(res.Notes, fmt.Sprintf("%s: nothing is known about it outside S (sign or |f| ≤ K·w): only the truncated bounds [%g, %g] on π_{|r}(f)", fn.Name, lf, uf))
		}
	}
	return out
}
