package analysis

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/trunc"
)

// TruncateSettings are the settings of the truncate analysis (issue 13, section E): a
// truncation of a region of the model and a scheme of package runtime/trunc.
type TruncateSettings struct {
	Region     string   `flag:"region" usage:"the region of the model whose truncation the scheme works on (region NAME = ...)"`
	Scheme     string   `flag:"scheme" usage:"the truncation scheme: bdp, ldqbd, ta, ita, lp or ilp (those built into this binary)"`
	Reentry    string   `flag:"reentry" usage:"the re-entry rule of ta: drop, middle, level0, nearest, uniform or state:S1=v,... (default: the scheme's)"`
	Levels     string   `flag:"levels" usage:"the level function: auto (detect x1 + ... + xd, max(x), or <u, x> with small weights), a form over the species such as P1 + 2*P2 or max(P1, P2), or an observable of the model"`
	Moment     string   `flag:"moment" usage:"the label of the model's assumption stationary(w) <= c that gives the tail bound"`
	TailBound  float64  `flag:"tail-bound" usage:"a user-asserted bound on the stationary mass outside the truncation (0: none)" range:"[0,1]"`
	Lyapunov   string   `flag:"lyapunov" usage:"an observable v used as a Lyapunov function (the (4.29) bound of ta)"`
	Beta       string   `flag:"beta" usage:"the beta grid of the (4.29) bound, lo:hi:step in decades (log10), default -3:4:0.05"`
	TailRatio  []string `flag:"tail-ratio" usage:"NAME=K: a user-asserted constant with |f| <= K*w outside the truncation, for the measure NAME"`
	Targets    string   `flag:"targets" usage:"the targets of ilp: states, marginal:SPECIES, measures or all"`
	Classes    bool     `flag:"classes" usage:"lp: return every candidate ergodic distribution (4.54)"`
	LDQBDSolve string   `flag:"ldqbd-solve" usage:"ldqbd's level-0 system: norm (drop one equation and normalise) or lsq (least squares)"`
	Seed       []string `flag:"seed" usage:"a further start state of the exploration of the region, S1=v,S2=w,..."`
	Enumerate  bool     `flag:"enumerate" usage:"enumerate the region point by point (a bounded conjunction of linear inequalities in the counts) instead of exploring it from the initial state"`
	Adaptive   string   `flag:"adaptive" usage:"a parameter that sizes the region: grow it (+1 for integers, x1.25 otherwise) until the scheme's certified TV error is at most --tol"`
	Tol        float64  `flag:"tol" usage:"the error target of --adaptive" range:"[0,1)"`
	Precision  string   `flag:"precision" usage:"double, or dd (double-double) for the birth-death recursions and small dense systems"`
	MaxStates  int      `flag:"max-states" usage:"the largest truncation" range:"[1,1e9]"`
	runtime.Budget
}

// maxAdaptiveSteps bounds the truncations of the adaptive driver.
const maxAdaptiveSteps = 400

// Check reads the flags that need more than a range (--region and --scheme, required, are
// checked when the analysis runs, after the model is read).
func (s *TruncateSettings) Check() error {
	if s.Beta != "" {
		if _, _, _, err := parseBeta(s.Beta); err != nil {
			return err
		}
	}
	if _, err := parseTailRatios(s.TailRatio); err != nil {
		return err
	}
	if s.Adaptive != "" && s.Tol == 0 {
		return usageErrorf("--adaptive needs --tol, the error target")
	}
	switch s.LDQBDSolve {
	case "", "norm", "lsq":
	default:
		return usageErrorf("--ldqbd-solve %s: norm or lsq", s.LDQBDSolve)
	}
	switch s.Precision {
	case "", "double", "dd":
	default:
		return usageErrorf("--precision %s: double or dd", s.Precision)
	}
	return nil
}

func schemeList() string {
	if n := trunc.SchemeNames(); len(n) > 0 {
		return "the schemes are " + strings.Join(n, ", ")
	}
	return "no scheme is built into this binary"
}

func parseBeta(s string) (lo, hi, step float64, err error) {
	parts := strings.Split(s, ":")
	bad := usageErrorf("--beta %s: want lo:hi:step in decades, such as -3:4:0.05", s)
	if len(parts) != 3 {
		return 0, 0, 0, bad
	}
	var v [3]float64
	for i, p := range parts {
		if v[i], err = strconv.ParseFloat(strings.TrimSpace(p), 64); err != nil || math.IsNaN(v[i]) || math.IsInf(v[i], 0) {
			return 0, 0, 0, bad
		}
	}
	if !(v[0] < v[1]) || !(v[2] > 0) {
		return 0, 0, 0, bad
	}
	return v[0], v[1], v[2], nil
}

func parseTailRatios(list []string) (map[string]float64, error) {
	if len(list) == 0 {
		return nil, nil
	}
	m := map[string]float64{}
	for _, s := range list {
		k, v, ok := strings.Cut(s, "=")
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || strings.TrimSpace(k) == "" || err != nil || !(x > 0) || math.IsInf(x, 0) {
			return nil, usageErrorf("--tail-ratio %s: want NAME=K with K > 0", s)
		}
		m[strings.TrimSpace(k)] = x
	}
	return m, nil
}

func init() {
	register(Analysis{Name: "truncate",
		Summary:  "stationary law of an infinite chain on a truncation: approximations and certified bounds (seed-003 schemes)",
		Synopsis: "--region NAME --scheme bdp|ldqbd|ta|ita|lp|ilp [--reentry RULE] [--levels EXPR|auto] [--moment LABEL] [--tail-bound m] [--lyapunov OBSERVABLE] [--beta lo:hi:step] [--tail-ratio NAME=K]... [--targets states|marginal:SPECIES|measures|all] [--classes] [--ldqbd-solve norm|lsq] [--seed S=v,...]... [--enumerate] [--adaptive PARAM --tol EPS] [--precision double|dd] [--max-states k]"},
		func() *TruncateSettings {
			return &TruncateSettings{Levels: "auto", MaxStates: 2_000_000, Precision: "double"}
		},
		runTruncate)
}

// TruncateReport is the report of the truncate analysis: the scheme's Result, whose JSON
// keys are the report's.
type TruncateReport struct {
	trunc.Result
	species []string // the model's species, in order (text)
}

// checkRequired checks the flags without a default: --region and a registered --scheme.
func (s *TruncateSettings) checkRequired() error {
	if s.Region == "" {
		return usageErrorf("--region: name the region of the model to truncate to")
	}
	if s.Scheme == "" {
		return usageErrorf("--scheme: choose a truncation scheme (%s)", schemeList())
	}
	if !slices.Contains(trunc.SchemeNames(), s.Scheme) {
		return usageErrorf("--scheme %s: no such scheme in this binary (%s)", s.Scheme, schemeList())
	}
	return nil
}

func runTruncate(ctx context.Context, p *Problem, s *TruncateSettings) (Report, error) {
	if err := s.checkRequired(); err != nil {
		return nil, err
	}
	mod := p.Model
	in := mod.Inputs()
	if s.Adaptive != "" {
		return adaptiveTruncate(ctx, mod, in, s)
	}
	res, _, err := truncateOnce(ctx, mod, in, s)
	if err != nil {
		return nil, err
	}
	return &TruncateReport{Result: *res, species: mod.SpeciesNames()}, nil
}

// truncateOnce builds the truncation at the inputs in, runs the scheme and fills the
// report's common keys. It also returns the truncation.
func truncateOnce(ctx context.Context, mod *runtime.Model, in *ir.Inputs, s *TruncateSettings) (*trunc.Result, *trunc.Truncation, error) {
	spec, err := truncationSpec(mod, s.Region, s.Seed, s.Enumerate, s.MaxStates)
	if err != nil {
		return nil, nil, err
	}
	tr, err := trunc.FromModel(ctx, mod, in, spec)
	if err != nil {
		return nil, nil, err
	}
	if err := setLevels(mod, in, tr, s.Levels); err != nil {
		return nil, nil, err
	}
	o, notes, err := truncateOptions(mod, in, tr, s)
	if err != nil {
		return nil, nil, err
	}
	res, err := trunc.Run(ctx, s.Scheme, tr, o)
	defer func() {
		if res != nil {
			res.Notes = append(notes, res.Notes...)
		}
	}()
	var nu *trunc.NonUniqueError
	if errors.As(err, &nu) {
		// Reported, not failed: the classes instead of a vector (seed-003 App. C.2).
		res = &trunc.Result{Uniqueness: &trunc.Uniqueness{Candidates: []trunc.Candidate{}}, Notes: []string{nu.Error()}}
		for _, c := range nu.Classes {
			res.Uniqueness.Candidates = append(res.Uniqueness.Candidates, trunc.Candidate{SupportSize: c.Size, Representative: c.State})
		}
		if nu.Rule != "" {
			r := nu.Rule
			res.Reentry = &r
		}
	} else if err != nil {
		return nil, nil, err
	}
	res.Model, res.Scheme, res.Region = mod.IR.Name, s.Scheme, s.Region
	if res.Reentry == nil && s.Reentry != "" {
		r := s.Reentry
		res.Reentry = &r
	}
	if res.Parameters == nil {
		res.Parameters = map[string]float64{}
		for _, p := range mod.IR.Params {
			if p.Size == 1 && len(p.Shape) == 0 {
				res.Parameters[p.Name] = in.Params[p.Offset]
			}
		}
	}
	approximateMeasures(res, o)
	if res.Structure == nil {
		res.Structure = trunc.Describe(tr, s.Seed)
	}
	if res.States == nil {
		res.States = make([]map[string]int, tr.NumStates())
		for x := range res.States {
			m := make(map[string]int, tr.Dim())
			for i, name := range tr.Species {
				m[name] = int(tr.Counts(x)[i])
			}
			res.States[x] = m
		}
	}
	if res.Assumptions == nil {
		res.Assumptions = []string{}
		if o.Moment != nil {
			res.Assumptions = append(res.Assumptions, o.Moment.Label)
		}
	}
	return res, tr, nil
}

// approximateMeasures gives every stationary measure the value Σ_S π_r f of an
// approximating scheme's distribution (ta, ldqbd, lp, bdp's conditional law) where the
// scheme reported none: an approximation, labelled so (rule "approximation", not
// certified); bounding schemes keep their intervals beside it. O(|S|) per measure.
func approximateMeasures(res *trunc.Result, o *trunc.Options) {
	if res.Distribution == nil {
		return
	}
	for _, f := range o.Functions {
		m := res.Measures[f.Name]
		if m != nil && m.Value != nil {
			continue
		}
		v := 0.0
		for x, p := range res.Distribution {
			v += p * f.F[x]
		}
		if m == nil {
			if res.Measures == nil {
				res.Measures = map[string]*trunc.MeasureBounds{}
			}
			m = &trunc.MeasureBounds{Rule: "approximation"}
			res.Measures[f.Name] = m
		}
		m.Value = &v
	}
}

// setLevels applies --levels: auto keeps what FromModel detected; an observable's values
// at the states of S and at the exit targets must change by −1, 0 or 1 along every jump.
func setLevels(mod *runtime.Model, in *ir.Inputs, tr *trunc.Truncation, levels string) error {
	if levels == "" || levels == "auto" {
		return nil
	}
	node, ok := observableNode(mod, levels)
	if !ok {
		if err := trunc.ParseLevels(tr, levels); err != nil {
			return usageErrorf("%v (or name an observable of the model: %s)", err, modelObservables(mod))
		}
		return nil
	}
	f := keyValues(mod, in, node, tr.Keys, tr.Stride())
	var targets []int32
	for _, e := range tr.Exits {
		targets = append(targets, e.Target...)
	}
	fOut := keyValues(mod, in, node, targets, tr.Stride())
	return trunc.SetLevels(tr, f, fOut, levels)
}

func observableNode(mod *runtime.Model, name string) (ir.NodeID, bool) {
	for _, o := range mod.IR.Observables {
		if o.Name == name {
			return o.Node, true
		}
	}
	return 0, false
}

func modelObservables(mod *runtime.Model) string {
	var n []string
	for _, o := range mod.IR.Observables {
		n = append(n, o.Name)
	}
	if len(n) == 0 {
		return "it has none"
	}
	return strings.Join(n, ", ")
}

// keyValues evaluates node at each state key (d counts then the environment index, stride
// values each) with the parameters, scale and time of in. O(states·tape).
func keyValues(mod *runtime.Model, in *ir.Inputs, node ir.NodeID, keys []int32, stride int) []float64 {
	d := stride - 1
	n := len(keys) / stride
	out := make([]float64, n)
	tape := mod.IR.Graph.Compile([]ir.NodeID{node})
	vals := make([]float64, tape.Len())
	local := *in
	local.Counts = make([]float64, d)
	local.Densities = make([]float64, d)
	local.Env = make([]float64, len(mod.IR.Env.Components))
	for x := 0; x < n; x++ {
		k := keys[x*stride : (x+1)*stride]
		for i := 0; i < d; i++ {
			local.Counts[i] = float64(k[i])
			if local.Scale > 0 {
				local.Densities[i] = float64(k[i]) / local.Scale
			}
		}
		if sp := mod.IR.Env.Space; len(sp) > 0 {
			for c, v := range sp[k[d]] {
				local.Env[c] = float64(v)
			}
		}
		tape.Eval(vals, &local)
		out[x] = tape.Output(vals, 0)
	}
	return out
}

// truncateOptions fills the scheme's options from the settings and the model.
func truncateOptions(mod *runtime.Model, in *ir.Inputs, tr *trunc.Truncation, s *TruncateSettings) (*trunc.Options, []string, error) {
	o := &trunc.Options{Reentry: s.Reentry, TailBound: s.TailBound, Targets: s.Targets, Classes: s.Classes,
		LDQBDSolve: s.LDQBDSolve, Precision: s.Precision}
	if s.Beta != "" {
		o.BetaLo, o.BetaHi, o.BetaStep, _ = parseBeta(s.Beta)
	}
	var err error
	if o.TailRatio, err = parseTailRatios(s.TailRatio); err != nil {
		return nil, nil, err
	}
	var wNode ir.NodeID
	var notes []string
	if o.Moment, wNode, notes, err = momentFromModel(mod, in, tr, s.Moment); err != nil {
		return nil, nil, err
	}
	if s.Lyapunov != "" {
		node, ok := observableNode(mod, s.Lyapunov)
		if !ok {
			return nil, nil, usageErrorf("--lyapunov %s: name an observable of the model (%s)", s.Lyapunov, modelObservables(mod))
		}
		o.LyapunovName = s.Lyapunov
		o.Lyapunov, o.LyapunovQv = drift(mod, in, tr, node)
		notes = append(notes, regularityNote(s.Lyapunov, o.Lyapunov, o.LyapunovQv))
	}
	notes = append(notes, unboundedProduction(mod)...)
	for _, ms := range mod.IR.Measures {
		if ms.Kind != ir.Stationary {
			continue
		}
		f := trunc.Function{Name: ms.Name, F: keyValues(mod, in, ms.Args[0], tr.Keys, tr.Stride())}
		g := mod.IR.Graph
		if nonNegative(g, in, ms.Args[0]) {
			f.SignOutside = 1
		}
		switch k, ok := o.TailRatio[ms.Name]; {
		case ok:
			f.K, f.KAsserted = k, true
		case o.Moment != nil && wNode == ms.Args[0]:
			f.K = 1
		case o.Moment != nil && o.Moment.R > 0:
			if sup, ok := boundedSup(g, in, ms.Args[0]); ok {
				f.K = sup / o.Moment.R
			}
		}
		o.Functions = append(o.Functions, f)
	}
	for name := range o.TailRatio {
		if !slices.ContainsFunc(o.Functions, func(f trunc.Function) bool { return f.Name == name }) {
			return nil, nil, usageErrorf("--tail-ratio %s: the model has no stationary measure %s", name, name)
		}
	}
	return o, notes, nil
}

// regularityNote states the regularity criterion of Theorem 2.4 (seed-003 §1.4) on S: Q is
// regular (non-explosive) iff Qv ≤ d₁v + d₂ everywhere for a norm-like v; on S this holds
// with d₁ = 1 and d₂ = max_S (Qv − v), which the note reports. Outside S it is the user's
// assertion, like the drift condition of the (4.29) bound. O(|S|).
func regularityNote(name string, v, qv []float64) string {
	d2 := math.Inf(-1)
	for x := range v {
		d2 = max(d2, qv[x]-v[x])
	}
	return fmt.Sprintf("regularity (seed-003 Theorem 2.4): Q%s ≤ %s + d₂ holds on S with d₂ = %.6g; with %s norm-like and the inequality holding outside S (user-asserted), the chain is non-explosive", name, name, d2, name)
}

// unboundedProduction warns about species that some transition produces and none consumes:
// their counts grow without bound, and the chain has no stationary law however large the
// truncation (seed-003 pitfall 1). O(transitions · jumps).
func unboundedProduction(mod *runtime.Model) []string {
	m := mod.IR
	up := make([]bool, len(m.Species))
	down := make([]bool, len(m.Species))
	for _, t := range m.Transitions {
		for _, j := range t.Jump {
			if j.Delta > 0 {
				up[j.Species] = true
			} else if j.Delta < 0 {
				down[j.Species] = true
			}
		}
	}
	var out []string
	for i, sp := range m.Species {
		if up[i] && !down[i] {
			out = append(out, fmt.Sprintf("warning: species %s is produced by some transition and consumed by none: its count grows without bound, so the chain has no stationary law and every truncation's answer is an artefact", sp.Name))
		}
	}
	return out
}

// drift returns v at the states of S and its drift Qv(x) = Σ_y q(x, y)(v(y) − v(x)), over
// the jumps into S and out of it (v evaluated at the exit targets). O(nnz + exits) plus
// the evaluations.
func drift(mod *runtime.Model, in *ir.Inputs, tr *trunc.Truncation, node ir.NodeID) (v, qv []float64) {
	v = keyValues(mod, in, node, tr.Keys, tr.Stride())
	qv = make([]float64, len(v))
	q := tr.Q
	for x := range v {
		for p := q.RowPtr[x]; p < q.RowPtr[x+1]; p++ {
			if y := int(q.Col[p]); y != x {
				qv[x] += q.Val[p] * (v[y] - v[x])
			}
		}
	}
	var targets []int32
	for _, e := range tr.Exits {
		targets = append(targets, e.Target...)
	}
	vt := keyValues(mod, in, node, targets, tr.Stride())
	for k, e := range tr.Exits {
		qv[e.From] += e.Rate * (vt[k] - v[e.From])
	}
	return v, qv
}

// momentFromModel returns the assumption `assume LABEL: stationary(w) <= c` used for the
// tail bound, with w at every state of S and c at the parameters, and the node of w (a
// measure whose f is that node has K = 1). The assumption is the one named by label, or,
// without a label, the one whose w is the left side of the truncation's region written
// w < R or w <= R (ir.Model.Sublevel); then R is set and the tail bound c/R is certified
// given the assumption. An assumption whose w is negative at a state of S gets W801 in
// the notes (the bound assumes w ≥ 0). Nil without a label and without a matching region.
func momentFromModel(mod *runtime.Model, in *ir.Inputs, tr *trunc.Truncation, label string) (*trunc.Moment, ir.NodeID, []string, error) {
	m := mod.IR
	region := slices.IndexFunc(m.Regions, func(r ir.Region) bool { return r.Name == tr.Region })
	sub, level, _, isSub := -1, ir.None, false, false
	if region >= 0 {
		sub, level, _, isSub = m.Sublevel(region)
	}
	a := -1
	switch {
	case label != "":
		a = slices.IndexFunc(m.Assumptions, func(as ir.Assumption) bool { return as.Label == label })
		if a < 0 {
			var names []string
			for _, as := range m.Assumptions {
				names = append(names, as.Label)
			}
			if len(names) == 0 {
				return nil, 0, nil, usageErrorf("--moment %s: the model declares no assumption (assume LABEL: stationary(w) <= c); give a user-asserted tail bound with --tail-bound m", label)
			}
			return nil, 0, nil, usageErrorf("--moment %s: the model has no assumption %s (it has %s)", label, label, strings.Join(names, ", "))
		}
	case isSub:
		a = sub
	default:
		return nil, 0, nil, nil
	}
	as := m.Assumptions[a]
	c, err := runtime.AssumptionBound(m, a)
	if err != nil {
		return nil, 0, nil, err
	}
	mo := &trunc.Moment{Label: as.Label, C: c, W: keyValues(mod, in, as.W, tr.Keys, tr.Stride())}
	if isSub && sub == a {
		r := keyValues(mod, in, level, tr.Keys[:tr.Stride()], tr.Stride())
		if len(r) == 1 && r[0] > 0 && !math.IsInf(r[0], 0) {
			mo.R = r[0]
		}
	}
	var notes []string
	if d := runtime.CheckAssumption(m, a, mo.W, tr.StateString); d != nil {
		notes = append(notes, d.Error())
	}
	return mo, as.W, notes, nil
}

// nonNegative reports whether node is ≥ 0 at every state, by its structure: counts,
// densities, non-negative constants and parameter values, indicators and conditions, and
// sums, products, quotients, powers of non-negative bases, and selections of such. A
// false answer means "unknown". O(size of the expression).
func nonNegative(g *ir.Graph, in *ir.Inputs, id ir.NodeID) bool {
	n := g.Node(id)
	switch n.Op {
	case ir.OpConst:
		return n.Val >= 0
	case ir.OpParam:
		return in.Params[n.Aux] >= 0
	case ir.OpScale:
		return in.Scale >= 0
	case ir.OpCount, ir.OpDensity, ir.OpCmp, ir.OpAnd, ir.OpOr, ir.OpNot, ir.OpEnvIs:
		return true
	case ir.OpAdd, ir.OpMul:
		for _, a := range n.Args {
			if !nonNegative(g, in, a) {
				return false
			}
		}
		return true
	case ir.OpDiv:
		return nonNegative(g, in, n.Args[0]) && nonNegative(g, in, n.Args[1])
	case ir.OpPow:
		return nonNegative(g, in, n.Args[0])
	case ir.OpSelect:
		return nonNegative(g, in, n.Args[1]) && nonNegative(g, in, n.Args[2])
	}
	return false
}

// boundedSup returns a bound on |f| over all states when f is built from constants,
// parameters, the scale, conditions and indicators (selections between such), by
// structure. O(size of the expression).
func boundedSup(g *ir.Graph, in *ir.Inputs, id ir.NodeID) (float64, bool) {
	n := g.Node(id)
	switch n.Op {
	case ir.OpConst:
		return math.Abs(n.Val), true
	case ir.OpParam:
		return math.Abs(in.Params[n.Aux]), true
	case ir.OpScale:
		return math.Abs(in.Scale), true
	case ir.OpCmp, ir.OpAnd, ir.OpOr, ir.OpNot, ir.OpEnvIs:
		return 1, true
	case ir.OpNeg:
		return boundedSup(g, in, n.Args[0])
	case ir.OpAdd, ir.OpMul:
		acc := 0.0
		if n.Op == ir.OpMul {
			acc = 1
		}
		for _, a := range n.Args {
			s, ok := boundedSup(g, in, a)
			if !ok {
				return 0, false
			}
			if n.Op == ir.OpAdd {
				acc += s
			} else {
				acc *= s
			}
		}
		return acc, true
	case ir.OpSelect:
		a, ok1 := boundedSup(g, in, n.Args[1])
		b, ok2 := boundedSup(g, in, n.Args[2])
		return math.Max(a, b), ok1 && ok2
	}
	return 0, false
}

// adaptiveTruncate is --adaptive PARAM --tol ε (issue 13 item 18): the parameter grows
// (+1 for an integer value, ×1.25 otherwise) from the model's value until the scheme's
// certified TV error (error.tv_upper, or the ta bound when certified) is at most ε. A
// scheme without a certified error stops when the tail bound and the change (TV) between
// successive truncations are both at most ε, which is labelled uncertified. Each
// truncation is one entry of the report's adaptive list; the report is that of the last.
func adaptiveTruncate(ctx context.Context, mod *runtime.Model, in *ir.Inputs, s *TruncateSettings) (Report, error) {
	k, err := mod.DiffParam(s.Adaptive)
	if err != nil {
		return nil, usageErrorf("--adaptive: %v", err)
	}
	local := *in
	local.Params = append([]float64(nil), in.Params...)
	var steps []trunc.AdaptiveStep
	var prev *trunc.Result
	for range maxAdaptiveSteps {
		v := local.Params[k]
		start := time.Now()
		res, tr, err := truncateOnce(ctx, mod, &local, s)
		if err != nil {
			return nil, fmt.Errorf("--adaptive %s = %g: %w", s.Adaptive, v, err)
		}
		step := trunc.AdaptiveStep{Param: s.Adaptive, Value: v, States: tr.NumStates(), Seconds: time.Since(start).Seconds()}
		e, certified := certifiedError(res)
		done := false
		if certified {
			step.CertifiedError, step.Certified = e, true
			done = e <= s.Tol
		} else if tail := res.Error; tail != nil && tail.TailBound != nil && prev != nil {
			change := changeTV(prev, res)
			step.CertifiedError = math.Max(tail.TailBound.Value, change)
			done = step.CertifiedError <= s.Tol
			if res.Error.Uncertified == nil {
				res.Error.Uncertified = &trunc.Uncertified{}
			}
			res.Error.Uncertified.Change = &change
		}
		steps = append(steps, step)
		if done {
			res.Adaptive = steps
			if !certified {
				res.Notes = append(res.Notes, fmt.Sprintf("the adaptive driver stopped on the tail bound and the change between successive truncations (at most %g): an uncertified criterion", s.Tol))
			}
			return &TruncateReport{Result: *res, species: mod.SpeciesNames()}, nil
		}
		prev = res
		if v == math.Trunc(v) {
			local.Params[k] = v + 1
		} else {
			local.Params[k] = v * 1.25
		}
	}
	return nil, fmt.Errorf("--adaptive %s: the error target %g was not met after %d truncations (last %s = %g); the scheme may give no certified error: add an assumption (--moment) or a tail bound", s.Adaptive, s.Tol, maxAdaptiveSteps, s.Adaptive, local.Params[k])
}

// certifiedError is the certified TV error of a result: the upper TV bound, else the ta
// bound, when certified.
func certifiedError(r *trunc.Result) (float64, bool) {
	if r.Error == nil {
		return 0, false
	}
	if t := r.Error.TVUpper; t != nil && t.Certified {
		return t.Value, true
	}
	if t := r.Error.TABound; t != nil && t.Certified {
		return t.Value, true
	}
	return 0, false
}

// changeTV is the TV distance between the distributions (or lower bounds) of two results
// on the union of their states (a state missing from one has mass 0 there).
func changeTV(a, b *trunc.Result) float64 {
	vec := func(r *trunc.Result) []float64 {
		if r.Distribution != nil {
			return r.Distribution
		}
		return r.Lower
	}
	va, vb := vec(a), vec(b)
	if va == nil || vb == nil {
		return math.Inf(1)
	}
	key := func(m map[string]int, names []string) string {
		var sb strings.Builder
		for _, n := range names {
			fmt.Fprintf(&sb, "%d,", m[n])
		}
		return sb.String()
	}
	var names []string
	if len(b.States) > 0 {
		for n := range b.States[0] {
			names = append(names, n)
		}
		slices.Sort(names)
	}
	diff := map[string]float64{}
	for i, st := range a.States {
		diff[key(st, names)] += va[i]
	}
	for i, st := range b.States {
		diff[key(st, names)] -= vb[i]
	}
	rho := make([]float64, 0, len(diff))
	for _, k := range slices.Sorted(maps.Keys(diff)) { // a fixed order of summation
		rho = append(rho, diff[k])
	}
	return trunc.TV(rho)
}

// Text renders the result: the truncation's structure, the error block, the measures and
// marginal summaries, the uniqueness certificate and the notes.
func (r *TruncateReport) Text() string {
	var b strings.Builder
	re := ""
	if r.Reentry != nil {
		re = ", re-entry " + *r.Reentry
	}
	fmt.Fprintf(&b, "model %s: truncation scheme %s on region %s%s\n", r.Model, r.Scheme, r.Region, re)
	if s := r.Structure; s != nil {
		fmt.Fprintf(&b, "\nstructure: |S| = %d, |B_o| = %d, |B_i| = %d, |N_r| = %d", s.States, s.OutBoundary, s.InBoundary, s.InteriorEquations)
		if s.LevelFunction != nil {
			fmt.Fprintf(&b, "; %d levels of %s (LDQBD)", len(s.Levels), *s.LevelFunction)
		}
		if s.BirthDeath {
			b.WriteString("; a birth–death chain")
		}
		b.WriteString("\n")
		for i, c := range s.Components {
			if i == 5 {
				fmt.Fprintf(&b, "  ... %d closed components in all\n", len(s.Components))
				break
			}
			leak := ""
			if c.Leaks {
				leak = ", leaks through B_o"
			}
			fmt.Fprintf(&b, "  closed component of %d states, e.g. [%s]%s\n", c.Size, c.Representative, leak)
		}
		if len(s.Seeds) > 0 {
			fmt.Fprintf(&b, "  seeds: %s\n", strings.Join(s.Seeds, "; "))
		}
	}
	if e := r.Error; e != nil {
		b.WriteString("\nerror\n")
		num := func(name string, n *trunc.Number) {
			if n == nil {
				return
			}
			fmt.Fprintf(&b, "  %-22s %14.6g  %s\n", name, n.Value, certText(n.Certified, n.Given))
		}
		num("tail bound", e.TailBound)
		num("mass on S", e.Mass)
		num("TV lower", e.TVLower)
		num("TV upper", e.TVUpper)
		num("l1 upper", e.L1Upper)
		if t := e.TABound; t != nil {
			fmt.Fprintf(&b, "  %-22s %14.6g  %s (β = %.4g, φ index %s)\n", "TA bound ("+t.Variant+")", t.Value, certText(t.Certified, ""), t.Beta, t.PhiIndex)
		}
		if e.Outflow != nil {
			fmt.Fprintf(&b, "  %-22s %14.6g  (indicator)\n", "outflow O_r", *e.Outflow)
		}
		if u := e.Uncertified; u != nil {
			for _, p := range []struct {
				name string
				v    *float64
			}{{"convergence factor", u.ConvergenceFactor}, {"residual", u.Residual}, {"change", u.Change}} {
				if p.v != nil {
					fmt.Fprintf(&b, "  %-22s %14.6g  uncertified\n", p.name, *p.v)
				}
			}
		}
	}
	if len(r.Distribution) > 0 || len(r.Lower) > 0 {
		means := func(v []float64) []float64 {
			if len(r.States) != len(v) || len(r.States) == 0 {
				return nil
			}
			names := r.species
			m := make([]float64, len(names))
			for x, st := range r.States {
				for i, n := range names {
					m[i] += v[x] * float64(st[n])
				}
			}
			return m
		}
		if len(r.States) > 0 {
			names := r.species
			fmt.Fprintf(&b, "\n%-20s %16s %16s %16s\n", "species", "E (approx.)", "Σ lower·x", "Σ upper·x")
			md, ml, mu := means(r.Distribution), means(r.Lower), means(r.Upper)
			for i, n := range names {
				fmt.Fprintf(&b, "%-20s %16s %16s %16s\n", n, at(md, i), at(ml, i), at(mu, i))
			}
		}
	}
	if len(r.Measures) > 0 {
		fmt.Fprintf(&b, "\n%-20s %14s %14s %14s %14s %s\n", "measure", "value", "lower", "upper", "half-width", "")
		for _, k := range sortedKeys(r.Measures) {
			m := r.Measures[k]
			rule := ""
			if m.Rule != "" {
				rule = "(" + m.Rule + ") "
			}
			fmt.Fprintf(&b, "%-20s %14s %14s %14s %14s %s%s\n", k, ptr(m.Value), ptr(m.Lower), ptr(m.Upper), ptr(m.HalfWidth), rule, certText(m.Certified, ""))
		}
	}
	if len(r.Marginals) > 0 {
		b.WriteString("\nmarginals (JSON and CSV hold the values):")
		for _, k := range sortedKeys(r.Marginals) {
			fmt.Fprintf(&b, " %s (%d values)", k, len(r.Marginals[k].Values))
		}
		b.WriteString("\n")
	}
	if u := r.Uniqueness; u != nil {
		if u.Certified && u.Witness != nil {
			fmt.Fprintf(&b, "\nuniqueness: certified (positive lower bound at [%s])\n", *u.Witness)
		} else if len(u.Candidates) > 1 && r.Distribution == nil && r.Lower == nil {
			fmt.Fprintf(&b, "\nNOT UNIQUE: the augmented chain has %d closed classes, so no distribution is given\n", len(u.Candidates))
			for _, c := range u.Candidates {
				fmt.Fprintf(&b, "  closed class of %d states, e.g. [%s]\n", c.SupportSize, c.Representative)
			}
		} else {
			b.WriteString("\nuniqueness: not certified\n")
			for _, c := range u.Candidates {
				fmt.Fprintf(&b, "  candidate ergodic distribution: %d states, e.g. [%s]\n", c.SupportSize, c.Representative)
			}
		}
	}
	if d := r.Diagnostics; d != nil {
		fmt.Fprintf(&b, "\nsolver: %s", d.Solver)
		if d.Residual != nil {
			fmt.Fprintf(&b, ", residual %.3g", *d.Residual)
		}
		if d.Precision != "" {
			fmt.Fprintf(&b, ", precision %s", d.Precision)
		}
		b.WriteString("\n")
	}
	if len(r.Adaptive) > 0 {
		fmt.Fprintf(&b, "\n%-12s %12s %10s %14s %10s\n", "adaptive", "value", "states", "error", "seconds")
		for _, a := range r.Adaptive {
			fmt.Fprintf(&b, "%-12s %12.6g %10d %14.6g %10.3f %s\n", a.Param, a.Value, a.States, a.CertifiedError, a.Seconds, certText(a.Certified, ""))
		}
	}
	if len(r.Assumptions) > 0 {
		fmt.Fprintf(&b, "\nassumptions used: %s\n", strings.Join(r.Assumptions, ", "))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.String()
}

func certText(c bool, given string) string {
	switch {
	case c && given != "":
		return "certified, given " + given
	case c:
		return "certified"
	}
	return "not certified"
}

func at(v []float64, i int) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(v[i], 'g', 10, 64)
}

func ptr(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v, 'g', 8, 64)
}

func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for n := range m {
		k = append(k, n)
	}
	slices.Sort(k)
	return k
}
