package trunc

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mfcproject/mfc/runtime/linalg"
)

func init() { Register("ta", solveTA) }

// reentry is a re-entry law independent of the exit state (seed-003 §3.3, uniqueness
// condition (a)): α on S, with the rule's description. z ≥ 0 when α is a single state.
type reentry struct {
	alpha []float64
	z     int
	desc  string
}

// parseReentry returns the re-entry law of rule on t: "state:S1=3,S2=4" (a single state),
// "level0" (the single state of the lowest level), "middle" (the middle of the in-boundary
// B_i in lexicographic order: (⌊(L−1)/2⌋, L−1−⌊(L−1)/2⌋) on the simplex x1 + x2 < L) or
// "uniform" (α uniform on B_i); "" means "middle". The exit-dependent rules "drop" and
// "nearest", and a general matrix, need the augmented chain and are refused here.
func parseReentry(t *Truncation, rule string) (*reentry, error) {
	n := t.NumStates()
	single := func(z int, desc string) *reentry {
		a := make([]float64, n)
		a[z] = 1
		return &reentry{alpha: a, z: z, desc: desc + ": " + t.StateString(z)}
	}
	switch {
	case rule == "" || rule == "middle":
		in := t.lexIn() // the order of Augment's middle
		if len(in) == 0 {
			return nil, fmt.Errorf("ta: the in-boundary of S is empty: no state is entered from outside, so there is no middle re-entry state (give --reentry state:…)")
		}
		return single(in[(len(in)-1)/2], "middle"), nil
	case rule == "level0":
		if t.Level == nil {
			return nil, fmt.Errorf("ta: --reentry level0 needs a level structure (--levels)")
		}
		low, zs := int32(math.MaxInt32), []int{}
		for x, l := range t.Level {
			if l < low {
				low, zs = l, zs[:0]
			}
			if l == low {
				zs = append(zs, x)
			}
		}
		if len(zs) != 1 {
			return nil, fmt.Errorf("ta: --reentry level0 needs a single state on the lowest level; level %d has %d", low, len(zs))
		}
		return single(zs[0], "level0"), nil
	case rule == "uniform":
		if len(t.In) == 0 {
			return nil, fmt.Errorf("ta: the in-boundary of S is empty: no uniform re-entry law on it (give --reentry state:…)")
		}
		a := make([]float64, n)
		for _, y := range t.In {
			a[y] = 1 / float64(len(t.In))
		}
		return &reentry{alpha: a, z: -1, desc: fmt.Sprintf("uniform on the %d states of the in-boundary", len(t.In))}, nil
	case strings.HasPrefix(rule, "state:"):
		z, err := parseState(t, strings.TrimPrefix(rule, "state:"))
		if err != nil {
			return nil, err
		}
		return single(z, "state"), nil
	case exitDependent(rule, nil):
		return nil, fmt.Errorf("ta: --reentry %s depends on the exit state and needs the augmented chain (solveTAAugmented)", rule)
	}
	return nil, fmt.Errorf("ta: unknown re-entry rule %q (drop, middle, nearest, level0, uniform or state:S=v,…)", rule)
}

// parseState finds the state "S1=3,S2=4" of S; every species must be given.
func parseState(t *Truncation, spec string) (int, error) {
	key := make([]int32, t.Dim())
	given := make([]bool, t.Dim())
	for _, part := range strings.Split(spec, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return -1, fmt.Errorf("ta: re-entry state %q: want NAME=VALUE pairs separated by commas", spec)
		}
		i := slices.Index(t.Species, strings.TrimSpace(name))
		if i < 0 {
			return -1, fmt.Errorf("ta: re-entry state %q: no species %q (species: %s)", spec, name, strings.Join(t.Species, ", "))
		}
		v, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil {
			return -1, fmt.Errorf("ta: re-entry state %q: %q is not an integer", spec, val)
		}
		key[i], given[i] = int32(v), true
	}
	for i, g := range given {
		if !g {
			return -1, fmt.Errorf("ta: re-entry state %q does not give %s", spec, t.Species[i])
		}
	}
	z := t.Index(key)
	if z < 0 {
		return -1, fmt.Errorf("ta: the re-entry state %s is not in the truncation", spec)
	}
	return z, nil
}

// taSolve returns the TA approximation with the re-entry law α (seed-003 (4.22)–(4.24)):
// π ∝ α(−Q_r)^{-1}, since π Q^{e_r} = 0 reads π Q_r = −O_r·α (C.8); for α = e_z the
// normalised row z of (−Q_r)^{-1}. One block elimination over the levels (levelFactor,
// subtraction-free up to the dense LU inside each level). O(Σ_l n_l³ + nnz).
func taSolve(f *levelFactor, alpha []float64) []float64 {
	s := f.s
	b := make([][]float64, len(s.states))
	for x, a := range alpha {
		if a != 0 {
			l := s.lev[x]
			if b[l] == nil {
				b[l] = make([]float64, len(s.states[l]))
			}
			b[l][s.pos[x]] = a
		}
	}
	f.solveRows(b, 1)
	pi := f.scatter(b, 1, 0)
	sum := 0.0
	for _, v := range pi {
		sum += v
	}
	for x := range pi {
		pi[x] /= sum
	}
	return pi
}

// outflow returns O_r = Σ_x π(x) q_o(x) (4.27).
func outflow(t *Truncation, pi []float64) float64 {
	o := 0.0
	for x, v := range pi {
		o += v * t.Out[x]
	}
	return o
}

// taResidual returns ‖π Q^{e_r}‖₁ = ‖π Q_r + O_r·α‖₁ relative to O_r + max_x π(x)q(x). O(nnz).
func taResidual(t *Truncation, pi, alpha []float64, o float64) float64 {
	r := make([]float64, len(pi))
	t.Q.VecMul(r, pi)
	scale, sum := o, 0.0
	for x := range r {
		r[x] += o * alpha[x]
		sum += math.Abs(r[x])
	}
	for x := 0; x < t.NumStates(); x++ {
		for p := t.Q.RowPtr[x]; p < t.Q.RowPtr[x+1]; p++ {
			if int(t.Q.Col[p]) == x {
				scale = max(scale, -pi[x]*t.Q.Val[p])
			}
		}
	}
	if scale == 0 {
		return sum
	}
	return sum / scale
}

// solveTA is truncation-and-augmentation (seed-003 §3.3) with a re-entry law independent of
// the exit state: one block elimination, the outflow O_r, the uncertified convergence factor
// F_r and residual, and with a Lyapunov function the Liu–Li–Masuyama bound (4.29).
func solveTA(ctx context.Context, t *Truncation, o *Options) (*Result, error) {
	if exitDependent(o.Reentry, o) {
		return solveTAAugmented(ctx, t, o)
	}
	re, err := parseReentry(t, o.Reentry)
	if err != nil {
		return nil, err
	}
	f, err := factorQr(t)
	if err != nil {
		return nil, err
	}
	sys := f.s
	pi := taSolve(f, re.alpha)
	res := newResult(t, "ta")
	res.Reentry = &re.desc
	res.Distribution = pi
	res.Diagnostics = &Diagnostics{Solver: "block elimination over " + sys.Source + " with a GTH diagonal", Precision: "double"}
	switch o.Precision {
	case "", "double":
	case "dd":
		if err := taDD(sys, re, res); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("ta: unknown precision %q (double or dd)", o.Precision)
	}
	out := outflow(t, pi)
	resid := taResidual(t, pi, re.alpha, out)
	res.Diagnostics.Residual, res.Diagnostics.DynamicRange = &resid, dynamicRange(pi)
	res.Error = &ErrorReport{Outflow: &out, Uncertified: &Uncertified{Residual: &resid}}
	if re.z >= 0 && !contains(t.In, re.z) {
		res.Notes = append(res.Notes, "the re-entry state is not in the in-boundary B_i: no jump from outside S enters it (seed-003 §3.3 recommends re-entry through B_i)")
	}
	tailBoundDirect(o, res)
	if o.Lyapunov != nil {
		if err := taLyapunov(ctx, t, sys, o, re, out, res); err != nil {
			return nil, err
		}
	} else {
		res.Notes = append(res.Notes, "TA has no error bound of its own: give a Lyapunov function (--lyapunov) for the bound (4.29)")
	}
	return res, nil
}

func contains(xs []int, x int) bool {
	i := sort.SearchInts(xs, x)
	return i < len(xs) && xs[i] == x
}

// dynamicRange returns max π / min positive π, nil when π has no positive entry.
func dynamicRange(pi []float64) *float64 {
	lo, hi := math.Inf(1), 0.0
	for _, v := range pi {
		if v > 0 {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if hi == 0 {
		return nil
	}
	r := hi / lo
	return &r
}

// exitDependent reports whether the re-entry law asked for depends on the exit state: the
// rules "drop" (re-enter where the jump would have left S, projected) and "nearest", or a
// general matrix o.ReentryMatrix. TA's solution is then the stationary law of the augmented
// generator, not a row of (−Q_r)^{-1}.
func exitDependent(rule string, o *Options) bool {
	return rule == "drop" || rule == "nearest" || o != nil && o.ReentryMatrix != nil
}

// maxAugmentedDense caps the dense GTH solve of the augmented chain (n² float64: 72 MB at
// 3 000 states, O(n³) time), used when the band of its reverse Cuthill–McKee order is too
// wide for the banded GTH solve (more than maxAugmentedBand operations).
const (
	maxAugmentedDense = 3000
	maxAugmentedBand  = 1e9
)

// solveTAAugmented is TA with a re-entry law that depends on the exit state: the
// stationary law of the augmented generator Q^{e_r} = Q_r + q_o·e_r of o's law
// (ReentryOf, AugmentWith: refused when it has more than one closed class), by GTH (subtraction-free, every component to a
// relative accuracy of order n·ε), with the outflow O_r and the residual. There is no
// bound (4.29) for such a law (it needs a single re-entry state). O(n³) time, O(n²)
// memory, up to maxAugmentedDense states.
func solveTAAugmented(ctx context.Context, t *Truncation, o *Options) (*Result, error) {
	r, err := ReentryOf(t, o, "middle")
	if err != nil {
		return nil, err
	}
	q, err := t.AugmentWith(r)
	if err != nil {
		return nil, err
	}
	desc := r.Rule
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := t.NumStates()
	pi := make([]float64, n)
	perm := linalg.RCM(q)
	bl, bu := linalg.Bandwidths(q, perm)
	solver := "banded GTH (reverse Cuthill–McKee order) on the augmented generator Q^{e_r}"
	switch {
	case float64(n)*float64(bl)*float64(bu) <= maxAugmentedBand:
		err = linalg.StationaryGTHBanded(pi, q, perm, bl, bu)
	case n <= maxAugmentedDense:
		solver = "GTH on the augmented generator Q^{e_r}"
		err = linalg.StationaryGTH(pi, q)
	default:
		return nil, fmt.Errorf("ta: the augmented chain (%s) has %d states and a band of %d×%d, too wide for the GTH solves; use a re-entry law independent of the exit state (state:…, middle, level0, uniform), solved by block elimination over the levels", desc, n, bl, bu)
	}
	if err != nil {
		return nil, fmt.Errorf("ta: the augmented chain (%s): %v", desc, err)
	}
	res := newResult(t, "ta")
	res.Reentry = &desc
	res.Distribution = pi
	out := outflow(t, pi)
	resid := linalg.StationaryResidual(q, pi)
	res.Diagnostics = &Diagnostics{Solver: solver, Precision: "double", Residual: &resid, DynamicRange: dynamicRange(pi)}
	res.Error = &ErrorReport{Outflow: &out, Uncertified: &Uncertified{Residual: &resid}}
	tailBoundDirect(o, res)
	if o.Lyapunov != nil {
		res.Notes = append(res.Notes, "the bound (4.29) needs a single re-entry state; none for "+desc)
	} else {
		res.Notes = append(res.Notes, "TA has no error bound of its own")
	}
	return res, nil
}
