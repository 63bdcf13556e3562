package analysis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/fit"
	"github.com/mfcproject/mfc/runtime/slow"
)

// SlowSettings are the settings of the slow analysis (seed-004: expansions of the measures
// of slowly changing chains).
type SlowSettings struct {
	Measures  []string `flag:"measure" list:"names" usage:"a measure to expand (repeatable, or comma-separated; default: every time-dependent measure)"`
	Order     int      `flag:"order" usage:"the highest order, 0, 1 or 2 (-1: the highest each measure has; a higher order than a measure has is refused with the reason)" range:"[-1,2]"`
	Expand    string   `flag:"expand" usage:"start or end (default: end for transient measures, start for the others)"`
	Deriv     string   `flag:"deriv" usage:"exact (forward AD in t) or fd (finite differences of the step matrices, §3.4)"`
	FDStep    int      `flag:"fd-step" usage:"the step j of the finite differences (0: ⌈1/(1 − e^{−α})⌉ for discounted measures, 2 at the start, 1 at the end)" range:"[0,1e6]"`
	Wrt       string   `flag:"wrt" usage:"a parameter: also report the derivative of each discounted measure of the frozen chain with respect to it (Theorem 1 with a ≡ 1)"`
	Exact     bool     `flag:"exact" usage:"also compute the exact reference of each measure and the error of every order"`
	Slopes    string   `flag:"slopes" usage:"PARAM=v1,v2,...: rerun at each value of the parameter (the speed ε), with the exact reference, and fit the error slope of every order"`
	MaxStates int      `flag:"max-states" usage:"stop the state-space exploration beyond this many states" range:"[1,1e9]"`
	runtime.Budget
}

// Check validates the choices.
func (s *SlowSettings) Check() error {
	if s.Expand != "" && s.Expand != "start" && s.Expand != "end" {
		return usageErrorf("--expand %q: want start or end", s.Expand)
	}
	if s.Deriv != "exact" && s.Deriv != "fd" {
		return usageErrorf("--deriv %q: want exact or fd", s.Deriv)
	}
	if s.Slopes != "" {
		if _, _, err := parseSlopes(s.Slopes); err != nil {
			return err
		}
	}
	return nil
}

// SlowReport is the report of the slow analysis. Frozen, Diagnostics, PMFCorrection and
// Slopes are keyed by measure, like Measures, since each measure has its own frozen chain.
type SlowReport struct {
	Model         string                      `json:"model"`
	Time          string                      `json:"time"`
	Measures      map[string]*SlowMeasure     `json:"measures"`
	Frozen        map[string]*SlowFrozen      `json:"frozen"`
	PMFCorrection map[string]*SlowPMF         `json:"pmf_correction,omitempty"`
	Diagnostics   map[string]*SlowDiagnostics `json:"diagnostics"`
	Slopes        map[string]*SlowSlopes      `json:"slopes,omitempty"`
	Sensitivity   map[string]*SlowSensitivity `json:"sensitivity,omitempty"`
	// NotExpanded maps the measures that were not expanded to the reason.
	NotExpanded map[string]string `json:"not_expanded,omitempty"`
	names       []string
}

// SlowMeasure is the expansion of one measure. Terms include their power of ε, so that
// Value = Σ Terms; Error[k] = exact − (Σ_{i≤k} Terms[i]) and ErrorPct = 100·Error/|exact|.
type SlowMeasure struct {
	Kind            string    `json:"kind"`
	Expand          string    `json:"expand"`
	Deriv           string    `json:"deriv"`
	FDStep          *int      `json:"fd_step"` // nil with exact derivatives
	Order           int       `json:"order"`
	Terms           []float64 `json:"terms"`
	Value           float64   `json:"value"`
	Exact           *float64  `json:"exact"`
	ExactBound      float64   `json:"exact_bound,omitempty"`
	ExactNote       string    `json:"exact_note,omitempty"`
	Error           []float64 `json:"error"`     // nil without --exact
	ErrorPct        []float64 `json:"error_pct"` // nil without --exact
	AvailableOrders []int     `json:"available_orders"`
	States          int       `json:"states"`
	Solves          int       `json:"solves"`
}

// fdStep is the finite-difference step j for the report, nil with exact derivatives (j = 0).
func fdStep(j int) *int {
	if j <= 0 {
		return nil
	}
	return &j
}

// SlowFrozen is the frozen chain of a measure: its time and stationary law (omitted above
// 10 000 states).
type SlowFrozen struct {
	T  float64   `json:"t"`
	Pi []float64 `json:"pi,omitempty"`
}

// SlowPMF is the first-order correction of the law of a continuous-time transient measure.
type SlowPMF struct {
	PiDot []float64 `json:"pi_dot"`
	P1    []float64 `json:"p1"`
}

// SlowDiagnostics are the checks of §10.3.
type SlowDiagnostics struct {
	RelaxationTime float64  `json:"relaxation_time"`
	SlownessRatio  float64  `json:"slowness_ratio"`
	Regime         []string `json:"regime"`
	Warnings       []string `json:"warnings"`
}

// SlowSlopes are the errors of every order along a sequence of ε: Errors[i][k] at Eps[i],
// Slopes[k] the least-squares slope of log|error| against log ε, Ratios[i][k] =
// Errors[i][k]/Errors[i+1][k].
type SlowSlopes struct {
	Param  string      `json:"param"`
	Eps    []float64   `json:"eps"`
	Errors [][]float64 `json:"errors"`
	Slopes []float64   `json:"slopes"`
	Ratios [][]float64 `json:"ratios"`
}

// SlowSensitivity is the derivative of a discounted measure of the frozen chain.
type SlowSensitivity struct {
	Param string  `json:"param"`
	Value float64 `json:"value"`
	Deriv float64 `json:"derivative"`
}

func init() {
	register(Analysis{Name: "slow",
		Summary:  "expansions of the measures of slowly changing chains (Zheng, Honnappa and Glynn): each order's term, with the exact reference",
		Synopsis: "[--measure NAME]... [--order 0|1|2] [--expand start|end] [--deriv exact|fd] [--fd-step j] [--wrt PARAM] [--exact] [--slopes eps=v1,v2,...] [--max-states k]"},
		func() *SlowSettings { return &SlowSettings{Order: 2, Deriv: "exact", MaxStates: 2_000_000} },
		runSlow)
}

func parseSlopes(spec string) (string, []float64, error) {
	name, list, ok := strings.Cut(spec, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return "", nil, usageErrorf("--slopes %q: want PARAM=v1,v2,... (for example eps=0.1,0.05,0.025)", spec)
	}
	var vals []float64
	for _, f := range strings.Split(list, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x <= 0 {
			return "", nil, usageErrorf("--slopes: %q is not a positive number", f)
		}
		vals = append(vals, x)
	}
	if len(vals) < 2 {
		return "", nil, usageErrorf("--slopes %q: give at least two values", spec)
	}
	return name, vals, nil
}

func runSlow(ctx context.Context, p *Problem, s *SlowSettings) (Report, error) {
	m := p.Model
	mod := m.IR
	rep := &SlowReport{Model: mod.Name, Time: "continuous", Measures: map[string]*SlowMeasure{},
		Frozen: map[string]*SlowFrozen{}, Diagnostics: map[string]*SlowDiagnostics{}}
	if mod.Time == ir.Discrete {
		rep.Time = "discrete"
	}
	names := s.Measures
	if len(names) == 0 {
		for _, ms := range mod.Measures {
			if ms.Kind != ir.Stationary {
				names = append(names, ms.Name)
			}
		}
	}
	known := map[string]bool{}
	for _, ms := range mod.Measures {
		known[ms.Name] = true
	}
	for _, n := range names {
		if !known[n] {
			return nil, usageErrorf("--measure %s: the model has no such measure", n)
		}
	}
	if len(names) == 0 {
		return nil, errors.New("slow: the model has no time-dependent measure (transient, cumulative, discounted or until)")
	}
	set := &slow.Settings{Order: s.Order, Expand: s.Expand, Deriv: s.Deriv, FDStep: s.FDStep,
		Limits: ctmc.SolveLimits(s.MaxStates, s.MaxBytes())}
	var slopeParam string
	var slopeVals []float64
	if s.Slopes != "" {
		slopeParam, slopeVals, _ = parseSlopes(s.Slopes)
	}
	in := m.Inputs()
	if slopeParam != "" {
		// ε is known: the regime checks n ≪ ε^{−1/3}, ε^{−1/4} and log(1/ε) use its value.
		for _, p := range mod.Params {
			if p.Name == slopeParam && p.Size == 1 {
				set.Eps = in.Params[p.Offset]
			}
		}
	}
	for _, name := range names {
		mset := *set
		capped := ""
		if len(s.Measures) == 0 {
			// Not named: the highest order the measure has, up to --order.
			if avail := availableOrders(mod, name, s.Expand); len(avail) > 0 && avail[len(avail)-1] < s.Order {
				mset.Order = avail[len(avail)-1]
				capped = fmt.Sprintf("order %d asked for, but this expansion stops at order %d (%s)", s.Order, mset.Order, "the paper gives no higher order")
			}
		}
		res, err := slow.Expand(ctx, m, in, name, &mset)
		if err != nil {
			var limit *ctmc.LimitError
			if ctx.Err() != nil || errors.As(err, &limit) {
				return nil, err // the chain cannot be explored, whichever the measure
			}
			if len(s.Measures) > 0 && len(names) == 1 {
				return nil, err
			}
			if rep.NotExpanded == nil {
				rep.NotExpanded = map[string]string{}
			}
			rep.NotExpanded[name] = err.Error()
			continue
		}
		rep.names = append(rep.names, name)
		sm := &SlowMeasure{Kind: res.Kind, Expand: res.Expand, Deriv: res.Deriv, FDStep: fdStep(res.FDStep), Order: res.Order,
			Terms: res.Terms, Value: res.Value, AvailableOrders: res.AvailableOrders, States: res.States, Solves: res.Solves}
		rep.Measures[name] = sm
		fr := &SlowFrozen{T: res.T}
		if res.States <= 10000 {
			fr.Pi = res.Pi
		}
		rep.Frozen[name] = fr
		if capped != "" {
			res.Warnings = append(res.Warnings, capped)
		}
		rep.Diagnostics[name] = &SlowDiagnostics{RelaxationTime: res.RelaxationTime, SlownessRatio: res.SlownessRatio,
			Regime: nonNil(res.Regime), Warnings: nonNil(res.Warnings)}
		if res.PMF != nil {
			if rep.PMFCorrection == nil {
				rep.PMFCorrection = map[string]*SlowPMF{}
			}
			rep.PMFCorrection[name] = &SlowPMF{PiDot: res.PiDot, P1: res.PMF}
		}
		if s.Exact {
			v, bound, err := slow.Exact(ctx, m, in, name, set.Limits)
			if err != nil {
				sm.ExactNote = err.Error()
			} else {
				sm.Exact, sm.ExactBound = &v, bound
				sm.Error, sm.ErrorPct = errorsOf(res.Terms, v)
			}
		}
		if s.Wrt != "" && res.Kind == "discounted" && rep.Time == "discrete" {
			v, d, err := slow.ParamSensitivity(ctx, m, in, name, s.Wrt, set)
			if err != nil {
				return nil, err
			}
			if rep.Sensitivity == nil {
				rep.Sensitivity = map[string]*SlowSensitivity{}
			}
			rep.Sensitivity[name] = &SlowSensitivity{Param: s.Wrt, Value: v, Deriv: d}
		}
		if slopeParam != "" {
			sl, err := slopes(ctx, m, name, set, slopeParam, slopeVals)
			if err != nil {
				return nil, err
			}
			if rep.Slopes == nil {
				rep.Slopes = map[string]*SlowSlopes{}
			}
			rep.Slopes[name] = sl
		}
	}
	if s.Wrt != "" && rep.Sensitivity == nil {
		return nil, usageErrorf("--wrt %s: the derivative with respect to a parameter (Theorem 1 with a ≡ 1) is for the discounted measures of discrete-time models, and none was expanded", s.Wrt)
	}
	if len(rep.names) == 0 {
		// One line per distinct reason, naming its measures.
		var reasons []string
		byReason := map[string][]string{}
		for _, n := range names {
			r := rep.NotExpanded[n]
			if byReason[r] == nil {
				reasons = append(reasons, r)
			}
			byReason[r] = append(byReason[r], n)
		}
		var why []string
		for _, r := range reasons {
			why = append(why, strings.Join(byReason[r], ", ")+": "+r)
		}
		return nil, fmt.Errorf("slow: no measure could be expanded (%s)", strings.Join(why, "; "))
	}
	return rep, nil
}

// availableOrders returns the orders of the measure called name at the expansion point
// expand ("" for its default), nil when it is not expanded there.
func availableOrders(mod *ir.Model, name, expand string) []int {
	for _, ms := range mod.Measures {
		if ms.Name == name {
			if expand == "" {
				expand = slow.DefaultExpand(ms.Kind)
			}
			avail, _ := slow.Available(ms.Kind, expand, mod.Time == ir.Discrete)
			return avail
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// errorsOf returns exact − the partial sums of terms, absolute and in percent of |exact|.
func errorsOf(terms []float64, exact float64) (abs, pct []float64) {
	sum := 0.0
	for _, t := range terms {
		sum += t
		e := exact - sum
		abs = append(abs, e)
		pct = append(pct, 100*e/math.Abs(exact))
	}
	return abs, pct
}

// slopes reruns the expansion and the exact reference of one measure at each value of a
// parameter (the parameter's value in the inputs; defaults of other parameters that read
// it keep their compiled values) and fits the error slopes.
func slopes(ctx context.Context, m *runtime.Model, name string, set *slow.Settings, param string, vals []float64) (*SlowSlopes, error) {
	off := -1
	for _, p := range m.IR.Params {
		if p.Name == param && p.Size == 1 && len(p.Shape) == 0 {
			off = p.Offset
		}
	}
	if off < 0 {
		return nil, usageErrorf("--slopes: '%s' is not a scalar parameter of the model", param)
	}
	out := &SlowSlopes{Param: param, Eps: vals}
	local := *set
	local.Eps = 0
	for _, v := range vals {
		in := m.Inputs()
		in.Params[off] = v
		res, err := slow.Expand(ctx, m, in, name, &local)
		if err != nil {
			return nil, err
		}
		ex, _, err := slow.Exact(ctx, m, in, name, set.Limits)
		if err != nil {
			return nil, fmt.Errorf("--slopes needs the exact reference of '%s': %w", name, err)
		}
		e, _ := errorsOf(res.Terms, ex)
		out.Errors = append(out.Errors, e)
	}
	k := len(out.Errors[0])
	for order := 0; order < k; order++ {
		col := make([]float64, len(vals))
		for i := range vals {
			col[i] = out.Errors[i][order]
		}
		sl, _ := fit.Order(vals, col)
		out.Slopes = append(out.Slopes, sl)
	}
	for i := 0; i+1 < len(vals); i++ {
		row := make([]float64, k)
		for order := range row {
			row[order] = out.Errors[i][order] / out.Errors[i+1][order]
		}
		out.Ratios = append(out.Ratios, row)
	}
	return out, nil
}

// Text renders the terms, values and errors of every measure with its diagnostics.
func (r *SlowReport) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "model %s (%s time): expansions of slowly changing chains (Zheng, Honnappa and Glynn)\n", r.Model, r.Time)
	for _, name := range r.sortedNames() {
		m := r.Measures[name]
		fmt.Fprintf(&b, "\nmeasure %s: %s, expanded at the %s (frozen chain at t = %v, %d states), %s derivatives", name, m.Kind, m.Expand, r.Frozen[name].T, m.States, m.Deriv)
		if m.FDStep != nil {
			fmt.Fprintf(&b, " (step j = %d)", *m.FDStep)
		}
		fmt.Fprintf(&b, "; orders available %v\n", m.AvailableOrders)
		fmt.Fprintf(&b, "  %-6s %-18s %-18s", "order", "term", "value")
		if m.Exact != nil {
			fmt.Fprintf(&b, " %-12s %-10s", "error", "error %")
		}
		b.WriteString("\n")
		sum := 0.0
		for k, t := range m.Terms {
			sum += t
			fmt.Fprintf(&b, "  %-6d %-18.12g %-18.12g", k, t, sum)
			if m.Exact != nil {
				fmt.Fprintf(&b, " %-12.4g %-10.4g", m.Error[k], m.ErrorPct[k])
			}
			b.WriteString("\n")
		}
		if m.Exact != nil {
			fmt.Fprintf(&b, "  exact  %.12g\n", *m.Exact)
		} else if m.ExactNote != "" {
			fmt.Fprintf(&b, "  exact: %s\n", m.ExactNote)
		}
		if d := r.Diagnostics[name]; d != nil {
			fmt.Fprintf(&b, "  relaxation time %.6g, slowness ratio |term 1|/|term 0| = %.4g\n", d.RelaxationTime, d.SlownessRatio)
			for _, s := range d.Regime {
				fmt.Fprintf(&b, "  regime: %s\n", s)
			}
			for _, s := range d.Warnings {
				fmt.Fprintf(&b, "  warning: %s\n", s)
			}
		}
		if s := r.Sensitivity[name]; s != nil {
			fmt.Fprintf(&b, "  d/d%s of the frozen chain's value %.12g: %.12g\n", s.Param, s.Value, s.Deriv)
		}
		if s := r.Slopes[name]; s != nil {
			fmt.Fprintf(&b, "  error slopes against %s: %s\n", s.Param, fmtList(s.Slopes))
			for i, row := range s.Ratios {
				fmt.Fprintf(&b, "  ratio %s = %v → %v: %s\n", s.Param, s.Eps[i], s.Eps[i+1], fmtList(row))
			}
		}
	}
	for _, n := range sortedKeys(r.NotExpanded) {
		fmt.Fprintf(&b, "\nmeasure %s not expanded: %s\n", n, r.NotExpanded[n])
	}
	return b.String()
}

// CSV renders one row per measure and order.
func (r *SlowReport) CSV() string {
	var b strings.Builder
	b.WriteString("measure,kind,expand,deriv,order,term,value,exact,error,error_pct\n")
	for _, name := range r.sortedNames() {
		m := r.Measures[name]
		sum := 0.0
		for k, t := range m.Terms {
			sum += t
			ex, e, p := "", "", ""
			if m.Exact != nil {
				ex, e, p = fmtNum(*m.Exact), fmtNum(m.Error[k]), fmtNum(m.ErrorPct[k])
			}
			fmt.Fprintf(&b, "%s,%s,%s,%s,%d,%s,%s,%s,%s,%s\n", name, m.Kind, m.Expand, m.Deriv, k, fmtNum(t), fmtNum(sum), ex, e, p)
		}
	}
	return b.String()
}

func (r *SlowReport) sortedNames() []string {
	names := append([]string(nil), r.names...)
	if len(names) == 0 {
		names = sortedKeys(r.Measures)
	}
	return names
}

func fmtNum(x float64) string { return strconv.FormatFloat(x, 'g', 12, 64) }

func fmtList(x []float64) string {
	parts := make([]string, len(x))
	for i, v := range x {
		parts[i] = strconv.FormatFloat(v, 'g', 4, 64)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
