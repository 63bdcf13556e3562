package trunc

import "fmt"

// newResult starts the Result of a scheme on t: the scheme, the region and the states (with
// the environment's index under "env" when it is not 0). Every scheme starts here.
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

// tailFrom returns the bound on the mass outside S that o provides, nil without one: c/R
// from the moment assumption π(w) ≤ c on a sublevel truncation S = {w < R} (seed-003
// (3.14)–(3.15), certified given the assumption, which Given names), otherwise a
// user-asserted --tail-bound (certified given the user's assertion). Every scheme reads its
// tail bound here. O(1).
func tailFrom(o *Options) *Number {
	if m := o.Moment; m != nil && m.R > 0 && m.C >= 0 {
		return &Number{Value: m.C / m.R, Certified: true, Given: m.Label}
	}
	if o.TailBound > 0 {
		return &Number{Value: o.TailBound, Certified: true, Given: userTailBound}
	}
	return nil
}

// userTailBound names the assumption of a --tail-bound.
const userTailBound = "--tail-bound (user-asserted)"

// tailBoundDirect returns the tail bound of o (tailFrom), recording it in res.Error and its
// assumption in res.Assumptions; ok is false without one, with a note when a moment
// assumption was given on a truncation that is not its sublevel set.
func tailBoundDirect(o *Options, res *Result) (tail *Number, ok bool) {
	tail = tailFrom(o)
	if tail == nil {
		if m := o.Moment; m != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("the assumption %s is not used: S is not a sublevel set {w < r} of its function, so c/r is not a tail bound (give --tail-bound)", m.Label))
		}
		return nil, false
	}
	res.Assumptions = append(res.Assumptions, tail.Given)
	if res.Error == nil {
		res.Error = &ErrorReport{}
	}
	res.Error.TailBound = tail
	return tail, true
}
