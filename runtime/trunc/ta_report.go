package trunc

import "fmt"

// newResult starts the Result of a scheme on t: the scheme, the region and the states.
// O(|S|·d).
func newResult(t *Truncation, scheme string) *Result {
	res := &Result{Scheme: scheme, Region: t.Region, States: make([]map[string]int, t.NumStates())}
	for x := range res.States {
		m := make(map[string]int, t.Dim()+1)
		k := t.Key(x)
		for i, s := range t.Species {
			m[s] = int(k[i])
		}
		if k[len(k)-1] != 0 {
			m["env"] = int(k[len(k)-1])
		}
		res.States[x] = m
	}
	return res
}

// tailBoundDirect returns the bound on the mass outside S that o provides, recording its
// assumption in res: c/R from the moment assumption π(w) ≤ c on a sublevel truncation
// S = {w < R} (seed-003 (3.14)–(3.15), certified given the assumption), otherwise a
// user-asserted --tail-bound. ok is false without either.
func tailBoundDirect(o *Options, res *Result) (tail *Number, ok bool) {
	if m := o.Moment; m != nil && m.R > 0 && m.C >= 0 {
		res.Assumptions = append(res.Assumptions, m.Label)
		tail = &Number{Value: m.C / m.R, Certified: true, Given: m.Label}
	} else if o.TailBound > 0 {
		tail = &Number{Value: o.TailBound, Certified: true, Given: "--tail-bound (user-asserted)"}
		res.Assumptions = append(res.Assumptions, "--tail-bound (user-asserted)")
	} else {
		if m != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("the assumption %s is not used: S is not a sublevel set {w < r} of its function, so c/r is not a tail bound (give --tail-bound)", m.Label))
		}
		return nil, false
	}
	if res.Error == nil {
		res.Error = &ErrorReport{}
	}
	res.Error.TailBound = tail
	return tail, true
}

// tvDirect returns the total-variation norm of the signed measure ρ = p − q (zero-padded
// vectors of equal length) with the mass rest of q outside them: max(Σρ⁺, Σρ⁻) (seed-003
// §2.1, pitfall 8; never ½ℓ¹ for sub-probability vectors). O(n).
func tvDirect(p, q []float64, rest float64) float64 {
	pos, neg := 0.0, rest
	for i := range p {
		if d := p[i] - q[i]; d > 0 {
			pos += d
		} else {
			neg -= d
		}
	}
	return max(pos, neg)
}
