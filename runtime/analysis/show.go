package analysis

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
)

// ShowReport is the report of the show analysis: the compiled model, and with --at the
// drift, its Jacobian and Hessians at a point.
type ShowReport struct {
	Model        string           `json:"model"`
	Time         string           `json:"time"`
	Scale        *ScaleInfo       `json:"scale,omitempty"`
	Species      []string         `json:"species"`
	Params       map[string]any   `json:"params"`
	Environment  []EnvComponent   `json:"environment,omitempty"`
	EnvStates    int              `json:"environment_states"`
	Transitions  []TransitionInfo `json:"transitions"`
	ODE          []string         `json:"ode,omitempty"`
	Conservation []string         `json:"conservation"`
	At           []float64        `json:"at,omitempty"`
	Drift        []float64        `json:"drift,omitempty"`
	Jacobian     [][]float64      `json:"jacobian,omitempty"`
	Hessian      [][][]float64    `json:"hessian,omitempty"`
	Warnings     []string         `json:"warnings,omitempty"`
}

// ScaleInfo is the scale of a model.
type ScaleInfo struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// EnvComponent is one component of the environment.
type EnvComponent struct {
	Name   string   `json:"name"`
	States []string `json:"states,omitempty"`
	Lo     int      `json:"lo"`
	Hi     int      `json:"hi"`
}

// TransitionInfo is one compiled transition with its density expansion.
type TransitionInfo struct {
	Label      string         `json:"label"`
	Jump       map[string]int `json:"jump"`
	Propensity string         `json:"propensity"`
	Beta0      string         `json:"beta0,omitempty"`
	Beta1      string         `json:"beta1,omitempty"`
	Beta2      string         `json:"beta2,omitempty"`
	Perfect    *bool          `json:"perfect,omitempty"`
	Smooth     *bool          `json:"smooth,omitempty"`
	Kinds      []string       `json:"kinds,omitempty"`
}

// ShowSettings are the settings of the show analysis.
type ShowSettings struct {
	At string `flag:"at" usage:"densities (and environment values) at which to evaluate the drift, its Jacobian and Hessian: S=0.9,I=0.1"`
}

func init() {
	register(Analysis{Name: "show",
		Summary:  "print the compiled model: transitions, β₀/β₁, the mean-field ODE; --at evaluates derivatives",
		Synopsis: "[--at name=value,...]"},
		func() *ShowSettings { return &ShowSettings{} },
		func(ctx context.Context, p *Problem, s *ShowSettings) (Report, error) {
			rep := buildShow(p.Model)
			if s.At != "" {
				if err := evalAt(rep, p.Model, s.At); err != nil {
					return nil, fmt.Errorf("--at: %w", err)
				}
			}
			return rep, nil
		})
}

func buildShow(mod *runtime.Model) *ShowReport {
	m := mod.IR
	g := m.Graph
	nm := m.Names()
	rep := &ShowReport{Model: m.Name, Time: "continuous", Params: map[string]any{}, EnvStates: len(m.Env.Space)}
	if m.Time == ir.Discrete {
		rep.Time = "discrete"
	}
	if m.Scale != nil {
		rep.Scale = &ScaleInfo{m.Scale.Name, m.Scale.Value}
	}
	for _, s := range m.Species {
		rep.Species = append(rep.Species, s.Name)
	}
	for _, p := range m.Params {
		v := m.ParamValues[p.Offset : p.Offset+p.Size]
		if len(p.Shape) == 0 {
			rep.Params[p.Name] = v[0]
		} else {
			rep.Params[p.Name] = v
		}
	}
	for _, e := range m.Env.Components {
		rep.Environment = append(rep.Environment, EnvComponent{e.Name, e.States, e.Lo, e.Hi})
	}
	for _, t := range m.Transitions {
		tj := TransitionInfo{Label: t.Label, Jump: map[string]int{}, Propensity: g.String(t.Propensity, nm)}
		for _, j := range t.Jump {
			tj.Jump[m.Species[j.Species].Name] = j.Delta
		}
		if d := t.Density; d != nil {
			tj.Beta0, tj.Beta1, tj.Beta2 = g.String(d.Beta[0], nm), g.String(d.Beta[1], nm), g.String(d.Beta[2], nm)
			tj.Perfect, tj.Smooth = &d.Perfect, &d.Smooth
		}
		if len(m.Env.Components) > 0 {
			kinds := map[ir.Kind]bool{}
			for _, mv := range t.Moves {
				kinds[mv.Kind] = true
			}
			for k, s := range []string{"slow", "fast", "coupled"} {
				if kinds[ir.Kind(k)] {
					tj.Kinds = append(tj.Kinds, s)
				}
			}
		}
		rep.Transitions = append(rep.Transitions, tj)
	}
	if mod.HasDrift() {
		rep.ODE = driftText(mod, nm)
	}
	for _, law := range m.Conservation {
		var terms []string
		for i, c := range law {
			switch {
			case c == 0:
			case c == 1:
				terms = append(terms, m.Species[i].Name)
			default:
				terms = append(terms, fmt.Sprintf("%d %s", c, m.Species[i].Name))
			}
		}
		rep.Conservation = append(rep.Conservation, strings.Join(terms, " + "))
	}
	for _, d := range m.Diagnostics {
		rep.Warnings = append(rep.Warnings, d.Error())
	}
	return rep
}

// driftText writes the mean-field ODE dx_i/dt = F_i(x), one line per species.
func driftText(mod *runtime.Model, nm *ir.Names) []string {
	m := mod.IR
	out := make([]string, len(m.Species))
	for i, s := range m.Species {
		out[i] = fmt.Sprintf("d x_%s/dt = %s", s.Name, m.Graph.String(m.MeanField.Drift[0][i], nm))
	}
	return out
}

// evalAt evaluates the drift, Jacobian and Hessians at the densities given by --at.
func evalAt(rep *ShowReport, mod *runtime.Model, at string) error {
	if !mod.HasDrift() {
		return runtime.ErrNoMeanField
	}
	in := mod.Inputs()
	if err := parseAt(mod.IR, at, in); err != nil {
		return err
	}
	d := mod.Dim()
	rep.At = append([]float64(nil), in.Densities...)
	rep.Drift = make([]float64, d)
	if err := mod.EvalDrift(rep.Drift, in); err != nil {
		return err
	}
	var jac mat.Dense
	if err := mod.Jacobian(&jac, in); err != nil {
		return err
	}
	hess := make([]*mat.SymDense, d)
	for i := range hess {
		hess[i] = &mat.SymDense{}
	}
	if err := mod.Hessian(hess, in); err != nil {
		return err
	}
	rep.Jacobian = make([][]float64, d)
	rep.Hessian = make([][][]float64, d)
	for i := 0; i < d; i++ {
		rep.Jacobian[i] = mat.Row(nil, i, &jac)
		rep.Hessian[i] = make([][]float64, d)
		for j := 0; j < d; j++ {
			rep.Hessian[i][j] = make([]float64, d)
			for k := 0; k < d; k++ {
				rep.Hessian[i][j][k] = hess[i].At(j, k)
			}
		}
	}
	return nil
}

// parseAt reads "S=0.9,I=0.1,A[1]=tx" into densities and environment values. Commas inside
// brackets belong to names.
func parseAt(m *ir.Model, at string, in *ir.Inputs) error {
	depth, start := 0, 0
	var items []string
	for i, r := range at {
		switch r {
		case '[':
			depth++
		case ']':
			depth--
		case ',':
			if depth == 0 {
				items = append(items, at[start:i])
				start = i + 1
			}
		}
	}
	items = append(items, at[start:])
	for _, it := range items {
		eq := strings.LastIndexByte(it, '=')
		if eq <= 0 {
			return fmt.Errorf("%q: expected name=value", it)
		}
		name, val := strings.ReplaceAll(strings.TrimSpace(it[:eq]), " ", ""), strings.TrimSpace(it[eq+1:])
		if err := setAt(m, in, name, val); err != nil {
			return err
		}
	}
	return nil
}

func setAt(m *ir.Model, in *ir.Inputs, name, val string) error {
	for i, s := range m.Species {
		if s.Name == name {
			v, err := strconv.ParseFloat(val, 64)
			if err != nil {
				return fmt.Errorf("%s=%s: not a number", name, val)
			}
			in.Densities[i] = v
			return nil
		}
	}
	for c, e := range m.Env.Components {
		if e.Name != name {
			continue
		}
		if k := indexIn(e.States, val); k >= 0 {
			in.Env[c] = float64(k)
			return nil
		}
		v, err := strconv.Atoi(val)
		if err != nil || v < e.Lo || v > e.Hi {
			return fmt.Errorf("%s=%s: not a value of the environment component", name, val)
		}
		in.Env[c] = float64(v)
		return nil
	}
	return fmt.Errorf("%q is neither a species nor an environment component", name)
}

func indexIn(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// Text renders the compiled model.
func (r *ShowReport) Text() string {
	var b strings.Builder
	scale := "no scale"
	if r.Scale != nil {
		scale = fmt.Sprintf("scale %s = %g", r.Scale.Name, r.Scale.Value)
	}
	fmt.Fprintf(&b, "model %s (%s time, %s)\n\n", r.Model, r.Time, scale)
	fmt.Fprintf(&b, "species (%d): %s\n", len(r.Species), strings.Join(r.Species, ", "))
	if len(r.Environment) > 0 {
		fmt.Fprintf(&b, "environment: %d components, %d reachable states\n", len(r.Environment), r.EnvStates)
	}
	fmt.Fprintf(&b, "\ntransitions (%d):\n", len(r.Transitions))
	for _, t := range r.Transitions {
		var jumps []string
		for _, s := range r.Species {
			if d, ok := t.Jump[s]; ok {
				jumps = append(jumps, fmt.Sprintf("%s%+d", s, d))
			}
		}
		fmt.Fprintf(&b, "  %s: jump (%s)", t.Label, strings.Join(jumps, ", "))
		if len(t.Kinds) > 0 {
			fmt.Fprintf(&b, " [%s]", strings.Join(t.Kinds, ", "))
		}
		fmt.Fprintf(&b, "\n      propensity  %s\n", t.Propensity)
		if t.Beta0 != "" {
			flags := []string{}
			if *t.Perfect {
				flags = append(flags, "perfect")
			}
			if !*t.Smooth {
				flags = append(flags, "not smooth")
			}
			fmt.Fprintf(&b, "      β₀ = %s\n      β₁ = %s\n      β₂ = %s", t.Beta0, t.Beta1, t.Beta2)
			if len(flags) > 0 {
				fmt.Fprintf(&b, "   (%s)", strings.Join(flags, ", "))
			}
			b.WriteString("\n")
		}
	}
	if len(r.ODE) > 0 {
		b.WriteString("\nmean-field ODE:\n")
		for _, l := range r.ODE {
			b.WriteString("  " + l + "\n")
		}
	}
	if len(r.Conservation) > 0 {
		b.WriteString("\nconservation laws:\n")
		for _, l := range r.Conservation {
			b.WriteString("  " + l + " = constant\n")
		}
	}
	if r.Drift != nil {
		fmt.Fprintf(&b, "\nat x = %v:\n  drift    %v\n  jacobian\n", r.At, r.Drift)
		for _, row := range r.Jacobian {
			fmt.Fprintf(&b, "    %v\n", row)
		}
		b.WriteString("  hessians\n")
		for i, h := range r.Hessian {
			fmt.Fprintf(&b, "    d²F_%s:\n", r.Species[i])
			for _, row := range h {
				fmt.Fprintf(&b, "      %v\n", row)
			}
		}
	}
	return b.String()
}
