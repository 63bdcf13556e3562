package analysis

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/fixpoint"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/runtime/meanfield"
)

// RefineReport is the report of the refine and run analyses. Stationary runs fill
// fixed_point, eigenvalues, V, W (and A at order 2); transient runs fill time and the per-time
// arrays x, V_t (and A_t at order 2).
type RefineReport struct {
	Model string  `json:"model"`
	N     float64 `json:"N"`
	Order int     `json:"order"`
	// Method is "refined mean field", or "average mean field" for a model with a fast
	// environment (two timescales: V is then C = V + T + S and W is Σ∞ = W − U − Uᵀ).
	Method string `json:"method"`
	// EnvLaw is the stationary law of the fast environment at the fixed point, over the
	// environment states EnvStates (two-timescale models).
	EnvStates   []string          `json:"env_states,omitempty"`
	EnvLaw      []float64         `json:"env_law,omitempty"`
	Notes       []string          `json:"notes,omitempty"`
	Species     []string          `json:"species"`
	FixedPoint  []float64         `json:"fixed_point,omitempty"`
	Eigenvalues [][2]float64      `json:"eigenvalues,omitempty"`
	V           []float64         `json:"V,omitempty"`
	A           []float64         `json:"A,omitempty"`
	W           [][]float64       `json:"W,omitempty"`
	Observables []ObservableValue `json:"observables,omitempty"`
	Time        []float64         `json:"time,omitempty"`
	X           [][]float64       `json:"x,omitempty"`
	VT          [][]float64       `json:"V_t,omitempty"`
	AT          [][]float64       `json:"A_t,omitempty"`
	// WT[k] is lim N·Cov(X_N(Time[k])) (Σ(t) for two-timescale models).
	WT [][][]float64 `json:"W_t,omitempty"`
	// ObservablesT[k] are the refined observables at Time[k].
	ObservablesT [][]ObservableValue `json:"observables_t,omitempty"`
	// Warnings say where the stationary expansion cannot be trusted at this N (W603–W605:
	// a refined density outside its feasible range, terms that do not decrease, a fixed
	// point near a bifurcation).
	Warnings []Warning `json:"warnings,omitempty"`
	// Sensitivity holds, by parameter (--sensitivity), the derivatives of the stationary
	// quantities at fixed N.
	Sensitivity map[string]*SensitivityValue `json:"sensitivity,omitempty"`
	// Measures are the model's measures by the refined mean field (mfc run).
	Measures []MeasureValue `json:"measures,omitempty"`
}

// SensitivityValue holds the derivatives of a stationary refined mean field with respect to
// one parameter, under the keys of the values they differentiate.
type SensitivityValue struct {
	FixedPoint  []float64         `json:"fixed_point"`
	V           []float64         `json:"V"`
	A           []float64         `json:"A,omitempty"`
	Observables []ObservableValue `json:"observables,omitempty"`
}

// Warning is a reason not to trust a number of a report (meanfield.Warning).
type Warning = meanfield.Warning

// ObservableValue is one refined observable: E h = mean_field + C/N (+ D/N²).
type ObservableValue struct {
	Name      string   `json:"name"`
	MeanField float64  `json:"mean_field"`
	Refined1  float64  `json:"refined1"`
	C         float64  `json:"C"`
	Refined2  *float64 `json:"refined2,omitempty"`
	D         *float64 `json:"D,omitempty"`
}

func observableValues(obs []meanfield.Observable, order int) []ObservableValue {
	var out []ObservableValue
	for _, o := range obs {
		v := ObservableValue{Name: o.Name, MeanField: o.MeanField, Refined1: o.Refined1, C: o.C}
		if order >= 2 {
			r2, d := o.Refined2, o.D
			v.Refined2, v.D = &r2, &d
		}
		out = append(out, v)
	}
	return out
}

// RefineSettings are the settings of the refine and run analyses.
type RefineSettings struct {
	Order     int     `flag:"order" usage:"order of the expansion in 1/N: 1 (V) or 2 (V and A)" range:"[1,2]"`
	Transient float64 `flag:"t" alias:"transient" usage:"if > 0, the transient refinement on [0, T] from the initial state (0: stationary)" range:"[0,inf)"`
	Steps     int     `flag:"steps" usage:"number of output intervals of a transient run" range:"[1,1e6]"`
	Starts    int     `flag:"starts" usage:"Newton starts of the fixed-point search: the initial state, then pseudo-random states with the same conserved totals (0: 1)" range:"0|[1,1e5]"`
	// Sensitivity lists parameters, comma-separated.
	Sensitivity string `flag:"sensitivity" usage:"comma-separated parameters: also report the derivative of every stationary quantity with respect to each, at fixed N (forward AD)"`
	runtime.Budget
}

// sensitivityParams returns the parameters of --sensitivity.
func (s *RefineSettings) sensitivityParams() []string { return splitNames(s.Sensitivity) }

// RunSettings are the settings of the run analysis: those of refine, and the bound on the
// exact chain it solves instead for a model without a mean field.
type RunSettings struct {
	RefineSettings
	MaxStates int `flag:"max-states" usage:"for a model without a mean field: stop the exploration of the exact chain beyond this many states" range:"[1,1e9]"`
	// Freeze is ExactSettings.Freeze, for a model without a mean field.
	Freeze string `flag:"freeze" usage:"for a model without a mean field: a time T ≥ 0, the stationary law and stationary measures of the exact chain frozen at t = T (as mfc exact --freeze T)"`
}

// Check reports settings out of range.
func (s *RunSettings) Check() error {
	if _, err := parseFreeze(s.Freeze); err != nil {
		return err
	}
	return s.RefineSettings.Check()
}

// Check reports settings out of range.
func (s *RefineSettings) Check() error {
	if err := s.Budget.Check(); err != nil {
		return err
	}
	if s.Order != 1 && s.Order != 2 {
		return usageErrorf("--order %d: the refined mean field has orders 1 and 2", s.Order)
	}
	if s.Sensitivity != "" && s.Transient > 0 {
		return usageErrorf("--sensitivity is computed for the stationary expansion: drop --t")
	}
	if s.Sensitivity != "" && len(s.sensitivityParams()) == 0 {
		return usageErrorf("--sensitivity %q names no parameter: give parameter names separated by commas", s.Sensitivity)
	}
	return nil
}

func init() {
	register(Analysis{Name: "refine", MeanField: true,
		Summary:  "refined mean field of order 1 or 2, stationary or along the transient to --t T",
		Synopsis: "[--order 1|2] [--t T [--steps k]] [--sensitivity p,...] [--max-memory M] [--timeout D]"},
		func() *RefineSettings { return &RefineSettings{Order: 2, Steps: 10, Starts: 1} }, runRefine)
	register(Analysis{Name: "run",
		Summary:  "the default job: fixed point, stability, refined mean field (orders 1 and 2) of every observable",
		Synopsis: "[--order 1|2] [--t T [--steps k]] [--max-states k] [--freeze T] [--max-memory M] [--timeout D]"},
		func() *RunSettings {
			return &RunSettings{RefineSettings: RefineSettings{Order: 2, Steps: 10, Starts: 1}, MaxStates: 2_000_000}
		}, runRun)
}

// runRun is the default job: the refined mean field of a model with one (two timescales for
// a fast environment), the exact stationary law of a model without.
func runRun(ctx context.Context, p *Problem, s *RunSettings) (Report, error) {
	mod := p.Model
	freeze, err := parseFreeze(s.Freeze)
	if err != nil {
		return nil, err
	}
	if !mod.HasDrift() {
		why := "no mean field"
		if ds := mod.IR.MeanField.Diagnostics; len(ds) > 0 {
			why = ds[0].Msg
		}
		p.notify("no mean-field analysis (%s); computing the exact stationary law of the finite chain instead, as mfc exact does", why)
		return exactReport(ctx, mod, ctmc.SolveLimits(s.MaxStates, s.MaxBytes()), nil, false, freeze)
	}
	if freeze != nil {
		return nil, usageErrorf("--freeze %s: the model has a mean field, and --freeze freezes the exact chain of a model without one; mfc exact --freeze %s solves this model's exact chain frozen there", s.Freeze, s.Freeze)
	}
	rep, err := runRefine(ctx, p, &s.RefineSettings)
	if err != nil || s.Transient > 0 {
		return rep, err
	}
	r := rep.(*RefineReport)
	if r.Measures, err = refineMeasures(ctx, mod, mod.Inputs(), r, r.Order); err != nil {
		return nil, err
	}
	return r, nil
}

// runRefine returns the refined mean field by the method that applies (runtime/meanfield):
// the two-timescale average mean field of order 1 for a model with a fast environment, else
// the refined mean field of the order of s; stationary or on [0, s.Transient].
func runRefine(ctx context.Context, p *Problem, s *RefineSettings) (Report, error) {
	mod := p.Model
	in := mod.Inputs()
	rep := &RefineReport{Model: mod.IR.Name, N: in.Scale, Order: s.Order}
	rep.Species = mod.SpeciesNames()
	if s.Transient > 0 {
		// Per time: x, V, A and the d×d W, with their rendering (about 60 bytes a number).
		d := int64(mod.Dim())
		times, err := timeGrid(s.Transient, s.Steps, 60*(d*d+4*d)+64, s.MaxBytes(), "the transient report")
		if err != nil {
			return nil, err
		}
		tr, err := meanfield.Transient(ctx, mod, in, times, s.Order)
		if err != nil {
			return nil, err
		}
		rep.setMethod(mod, tr.Method, tr.Order, tr.Notes)
		rep.Time, rep.X, rep.VT, rep.AT = tr.Times, tr.X, tr.V, tr.A
		for _, w := range tr.W {
			rep.WT = append(rep.WT, linalg.Rows(w))
		}
		for _, obs := range tr.Observables {
			rep.ObservablesT = append(rep.ObservablesT, observableValues(obs, tr.Order))
		}
		return rep, nil
	}
	var res *meanfield.Result
	var sens []meanfield.Sensitivity
	var err error
	fps := &fixpoint.Settings{Starts: s.Starts, Guess: p.Guess}
	if params := s.sensitivityParams(); len(params) > 0 {
		res, sens, err = meanfield.StationarySensitivities(ctx, mod, in, s.Order, fps, params)
	} else {
		res, err = meanfield.StationaryFrom(ctx, mod, in, s.Order, fps)
	}
	if err != nil {
		return nil, err
	}
	for _, sn := range sens {
		if rep.Sensitivity == nil {
			rep.Sensitivity = map[string]*SensitivityValue{}
		}
		rep.Sensitivity[sn.Param] = &SensitivityValue{FixedPoint: sn.X, V: sn.V, A: sn.A, Observables: observableValues(sn.Observables, res.Order)}
	}
	rep.setMethod(mod, res.Method, res.Order, res.Notes)
	rep.FixedPoint, rep.V, rep.A, rep.W, rep.Eigenvalues = res.X, res.V, res.A, res.W, eigenPairs(res.Eigenvalues)
	rep.EnvLaw = res.EnvLaw
	rep.Observables = observableValues(res.Observables, res.Order)
	rep.Warnings = meanfield.Validity(mod, in.Scale, rep.Species, res.X, res.V, res.A, res.Eigenvalues)
	if res.Method == meanfield.Refined {
		rep.Warnings = append(rep.Warnings, meanfield.Absorption(mod, in, rep.Species, res.X)...)
	}
	return rep, nil
}

// setMethod records the method and order computed, and for the two-timescale method the
// environment's states.
func (r *RefineReport) setMethod(mod *runtime.Model, method string, order int, notes []string) {
	r.Method, r.Order, r.Notes = method, order, notes
	if method == meanfield.Averaged {
		for _, y := range mod.IR.Env.Space {
			r.EnvStates = append(r.EnvStates, envStateName(mod, y))
		}
	}
}

// grid returns steps+1 equally spaced times on [0, horizon].
// timeGrid returns grid(horizon, steps) after checking its size: steps ≥ 1, and the
// memory of the report, perTime bytes per time, within the budget. what names the report.
func timeGrid(horizon float64, steps int, perTime, budget int64, what string) ([]float64, error) {
	if steps < 1 {
		return nil, usageErrorf("--steps must be at least 1, got %d", steps)
	}
	if need := float64(steps+1) * float64(perTime); need > float64(budget) {
		return nil, &runtime.MemoryError{What: fmt.Sprintf("%s at %d times", what, steps+1),
			Need: int64(math.Min(need, math.MaxInt64/2)), Limit: budget, Hint: "lower --steps, or raise --max-memory"}
	}
	return grid(horizon, steps), nil
}

func grid(horizon float64, steps int) []float64 {
	times := make([]float64, steps+1)
	for k := range times {
		times[k] = horizon * float64(k) / float64(steps)
	}
	return times
}

// envStateName prints an environment state as name=value pairs.
func envStateName(mod *runtime.Model, y []int) string {
	parts := make([]string, len(y))
	for k, v := range y {
		parts[k] = fmt.Sprintf("%s=%d", mod.IR.Env.Components[k].Name, v)
	}
	return strings.Join(parts, ",")
}

// refineRow is one line of the tables: a value with its corrections.
func refineRow(mf, c1 float64, c2 []float64, i int, n float64) (r1, r2 float64) {
	r1 = mf + c1/n
	r2 = r1
	if c2 != nil {
		r2 += c2[i] / (n * n)
	}
	return r1, r2
}

// Text renders the report as tables.
func (r *RefineReport) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "model %s, N = %g: %s of order %d\n", r.Model, r.N, r.Method, r.Order)
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	two := r.Order >= 2
	if r.Time != nil {
		if two {
			fmt.Fprintf(&b, "\n%-10s %-14s %16s %16s %16s %16s %16s\n", "t", "name", "mean field", "V | C", "A | D", "refined1", "refined2")
		} else {
			fmt.Fprintf(&b, "\n%-10s %-14s %16s %16s %16s\n", "t", "name", "mean field", "V | C", "refined")
		}
		for k, t := range r.Time {
			var at []float64
			if two {
				at = r.AT[k]
			}
			for i, s := range r.Species {
				r1, r2 := refineRow(r.X[k][i], r.VT[k][i], at, i, r.N)
				if two {
					fmt.Fprintf(&b, "%-10.4g %-14s %16.10g %16.10g %16.10g %16.10g %16.10g\n", t, s, r.X[k][i], r.VT[k][i], at[i], r1, r2)
				} else {
					fmt.Fprintf(&b, "%-10.4g %-14s %16.10g %16.10g %16.10g\n", t, s, r.X[k][i], r.VT[k][i], r1)
				}
			}
			if k < len(r.ObservablesT) {
				for _, o := range r.ObservablesT[k] {
					if two {
						fmt.Fprintf(&b, "%-10.4g %-14s %16.10g %16.10g %16.10g %16.10g %16.10g\n", t, o.Name, o.MeanField, o.C, *o.D, o.Refined1, *o.Refined2)
					} else {
						fmt.Fprintf(&b, "%-10.4g %-14s %16.10g %16.10g %16.10g\n", t, o.Name, o.MeanField, o.C, o.Refined1)
					}
				}
			}
		}
		if r.Method == meanfield.Refined {
			b.WriteString("\nspecies are densities X/N: E[X/N] ≈ mean field + V/N + A/N²; observables: E[h] ≈ mean field + C/N + D/N²\n")
		}
		return b.String()
	}
	b.WriteString("\neigenvalues of the reduced Jacobian:" + eigenText(r.Eigenvalues))
	if len(r.EnvLaw) > 0 {
		b.WriteString("\n\nstationary law of the fast environment at the fixed point:")
		for k, p := range r.EnvLaw {
			fmt.Fprintf(&b, "\n  %-30s %.8g", r.EnvStates[k], p)
		}
	}
	b.WriteString("\n")
	switch {
	case len(r.Species) == 0:
	case two:
		fmt.Fprintf(&b, "\n%-20s %16s %16s %16s %16s %16s\n", "species", "mean field", "V", "A", "refined1", "refined2")
	default:
		fmt.Fprintf(&b, "\n%-20s %16s %16s %16s\n", "species", "mean field", "V", "refined")
	}
	for i, s := range r.Species {
		r1, r2 := refineRow(r.FixedPoint[i], r.V[i], r.A, i, r.N)
		if two {
			fmt.Fprintf(&b, "%-20s %16.10g %16.10g %16.10g %16.10g %16.10g\n", s, r.FixedPoint[i], r.V[i], r.A[i], r1, r2)
		} else {
			fmt.Fprintf(&b, "%-20s %16.10g %16.10g %16.10g\n", s, r.FixedPoint[i], r.V[i], r1)
		}
	}
	if len(r.Observables) > 0 {
		if two {
			fmt.Fprintf(&b, "\n%-20s %16s %16s %16s %16s %16s\n", "observable", "mean field", "C (1/N)", "D (1/N²)", "refined1", "refined2")
		} else {
			fmt.Fprintf(&b, "\n%-20s %16s %16s %16s\n", "observable", "mean field", "C (1/N term)", "refined")
		}
		for _, o := range r.Observables {
			if two {
				fmt.Fprintf(&b, "%-20s %16.10g %16.10g %16.10g %16.10g %16.10g\n", o.Name, o.MeanField, o.C, *o.D, o.Refined1, *o.Refined2)
			} else {
				fmt.Fprintf(&b, "%-20s %16.10g %16.10g %16.10g\n", o.Name, o.MeanField, o.C, o.Refined1)
			}
		}
	}
	measuresText(&b, r.Measures)
	if r.Method == meanfield.Refined {
		b.WriteString("\nspecies are densities X/N: E[X/N] ≈ mean field + V/N + A/N²; observables: E[h] ≈ mean field + C/N + D/N²\n")
	}
	for _, p := range r.sensitivityParams() {
		r.sensitivityText(&b, p)
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\n")
		for _, w := range r.Warnings {
			b.WriteString(w.String() + "\n")
		}
	}
	return b.String()
}

// sensitivityParams returns the parameters of r.Sensitivity, sorted.
func (r *RefineReport) sensitivityParams() []string {
	return slices.Sorted(maps.Keys(r.Sensitivity))
}

// sensitivityText writes the derivatives with respect to p as the tables of the values.
func (r *RefineReport) sensitivityText(b *strings.Builder, p string) {
	sv := r.Sensitivity[p]
	two := r.Order >= 2
	fmt.Fprintf(b, "\nderivatives with respect to %s (at N = %g):\n", p, r.N)
	if two {
		fmt.Fprintf(b, "%-20s %16s %16s %16s %16s %16s\n", "species", "mean field", "V", "A", "refined1", "refined2")
	} else {
		fmt.Fprintf(b, "%-20s %16s %16s %16s\n", "species", "mean field", "V", "refined")
	}
	for i, s := range r.Species {
		r1, r2 := refineRow(sv.FixedPoint[i], sv.V[i], sv.A, i, r.N)
		if two {
			fmt.Fprintf(b, "%-20s %16.10g %16.10g %16.10g %16.10g %16.10g\n", s, sv.FixedPoint[i], sv.V[i], sv.A[i], r1, r2)
		} else {
			fmt.Fprintf(b, "%-20s %16.10g %16.10g %16.10g\n", s, sv.FixedPoint[i], sv.V[i], r1)
		}
	}
	if len(sv.Observables) > 0 {
		if two {
			fmt.Fprintf(b, "\n%-20s %16s %16s %16s %16s %16s\n", "observable", "mean field", "C (1/N)", "D (1/N²)", "refined1", "refined2")
		} else {
			fmt.Fprintf(b, "\n%-20s %16s %16s %16s\n", "observable", "mean field", "C (1/N term)", "refined")
		}
		for _, o := range sv.Observables {
			if two {
				fmt.Fprintf(b, "%-20s %16.10g %16.10g %16.10g %16.10g %16.10g\n", o.Name, o.MeanField, o.C, *o.D, o.Refined1, *o.Refined2)
			} else {
				fmt.Fprintf(b, "%-20s %16.10g %16.10g %16.10g\n", o.Name, o.MeanField, o.C, o.Refined1)
			}
		}
	}
}

// CSV renders the report with one line per species or observable (per time point).
func (r *RefineReport) CSV() string {
	var b strings.Builder
	if r.Time != nil {
		b.WriteString("t,kind,name,mean_field,correction1,correction2,refined1,refined2\n")
		for k, t := range r.Time {
			at := make([]float64, len(r.Species))
			if r.AT != nil {
				at = r.AT[k]
			}
			var obs []ObservableValue
			if k < len(r.ObservablesT) {
				obs = r.ObservablesT[k]
			}
			csvRows(&b, fmt.Sprintf("%.10g,", t), r.Species, r.X[k], r.VT[k], at, obs, r.N)
		}
		return b.String()
	}
	a := r.A
	if a == nil {
		a = make([]float64, len(r.Species))
	}
	b.WriteString("kind,name,mean_field,correction1,correction2,refined1,refined2\n")
	csvRows(&b, "", r.Species, r.FixedPoint, r.V, a, r.Observables, r.N)
	for _, m := range r.Measures {
		fmt.Fprintf(&b, "measure,%q,%s,,,%s,%s\n", m.Name, maybeCSV(m.MeanField), maybeCSV(m.Refined1), maybeCSV(m.Refined2))
	}
	for _, p := range r.sensitivityParams() {
		sv := r.Sensitivity[p]
		sa := sv.A
		if sa == nil {
			sa = make([]float64, len(r.Species))
		}
		csvRows(&b, "d/d"+p+":", r.Species, sv.FixedPoint, sv.V, sa, sv.Observables, r.N)
	}
	return b.String()
}

// csvRows writes the species and observable rows of a stationary report, their kinds
// prefixed by prefix.
func csvRows(b *strings.Builder, prefix string, species []string, x, v, a []float64, obs []ObservableValue, n float64) {
	for i, s := range species {
		r1, r2 := refineRow(x[i], v[i], a, i, n)
		fmt.Fprintf(b, "%sspecies,%q,%.10g,%.10g,%.10g,%.10g,%.10g\n", prefix, s, x[i], v[i], a[i], r1, r2)
	}
	for _, o := range obs {
		d, r2 := 0.0, o.Refined1
		if o.D != nil {
			d, r2 = *o.D, *o.Refined2
		}
		fmt.Fprintf(b, "%sobservable,%q,%.10g,%.10g,%.10g,%.10g,%.10g\n", prefix, o.Name, o.MeanField, o.C, d, o.Refined1, r2)
	}
}
