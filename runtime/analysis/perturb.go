package analysis

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/qp"
)

// PerturbSettings are the settings of the perturb analysis (README.md, mfc perturb).
type PerturbSettings struct {
	Reward          string  `flag:"reward" usage:"the reward F: an observable or a stationary measure (default: the first stationary measure)"`
	Axes            string  `flag:"axes" usage:"the species of n1 and n2, comma-separated (default: the first two declared)"`
	Tables          string  `flag:"tables" usage:"read the rate tables q, h, v, r (3×3 arrays, index [i+1][j+1]) from this JSON file instead of the model"`
	Perturbation    string  `flag:"perturbation" usage:"inhomogeneous (Theorem 3.1, sum of geometric terms) or homogeneous (product form)"`
	Terms           string  `flag:"terms" usage:"auto (Q∩H and Q∩V), or the terms \"rho,sigma,c;...\" (c optional: then --weights and normalisation)"`
	Weights         string  `flag:"weights" usage:"relative weights w1,w2,... of the terms before normalisation (default: equal)"`
	HBar10          string  `flag:"hbar10" usage:"outward rate of the perturbed horizontal axis: original, threshold (Theorem 3.4), limit (Theorem 3.2) or a value"`
	VBar01          string  `flag:"vbar01" usage:"outward rate of the perturbed vertical axis: original, threshold, limit or a value"`
	Bias            string  `flag:"bias" usage:"bias bounds in continuous-time units, \"b1=c0,c1,...;b2=...;b3=...\" (B1(n) = Σ c_m n^m), or lp (found by a linear program); empty: no error bound"`
	LPLevel         int     `flag:"lp-level" usage:"--bias lp: the partition level L (strips 0..L−1 of each coordinate and the tail)" range:"[1,200]"`
	LPDegree        int     `flag:"lp-degree" usage:"--bias lp: the degree M of the bias bounds on each component (0 to 4)" range:"[0,4]"`
	LPCoefficients  bool    `flag:"lp-coefficients" usage:"--bias lp: also report the coefficients of the LP's direction bounds on every component (JSON bias.lp.directions; thousands of numbers at the default level)"`
	LPSided         string  `flag:"lp-sided" usage:"--bias lp: two (bounds on |D|, one LP) or one (upper and lower bounds U ≥ D ≥ −L, two LPs: a signed error interval)"`
	Gamma           float64 `flag:"gamma" usage:"uniformisation constant γ (0: the largest total rate of R and R̄); bounds in continuous-time units do not depend on it" range:"[0,inf)"`
	CheckTruncation int     `flag:"check-truncation" usage:"also solve the walk on the boxes {0..N}² and {0..2N}² with leaving jumps dropped (0: no)" range:"[0,1000]"`
	Oracle          int     `flag:"oracle" usage:"also solve the Poisson equation on the box {0..N}²: the exact identity and the floor of affine bias bounds (0: no; else ≥ 62)" range:"0|[62,1000]"`
	EmitModel       string  `flag:"emit-model" usage:"write the perturbed walk as a model file (for mfc exact)"`
}

// Check validates the choices.
func (s *PerturbSettings) Check() error {
	if s.Perturbation != "inhomogeneous" && s.Perturbation != "homogeneous" {
		return usageErrorf("--perturbation %q: inhomogeneous or homogeneous", s.Perturbation)
	}
	for _, o := range []struct{ name, v string }{{"hbar10", s.HBar10}, {"vbar01", s.VBar01}} {
		if _, err := qp.ParseOutward(o.v); err != nil {
			return usageErrorf("--%s: %v", o.name, err)
		}
	}
	if s.LPSided != "two" && s.LPSided != "one" {
		return usageErrorf("--lp-sided %q: two (bounds on |D|) or one (upper and lower bounds)", s.LPSided)
	}
	if s.Bias != "" && strings.TrimSpace(s.Bias) != "lp" {
		if _, err := qp.ParseBias(s.Bias); err != nil {
			return &UsageError{Msg: err.Error()}
		}
	}
	return nil
}

// PerturbReport is the report of the perturb analysis.
type PerturbReport struct {
	Model  string            `json:"model"`
	Reward PerturbRewardInfo `json:"reward"`
	Walk   PerturbWalk       `json:"walk"`
	// Intersections lists every point of Q ∩ H and Q ∩ V in (0, 1)² as [ρ, σ].
	Intersections map[string][][2]float64 `json:"intersections"`
	PerturbBlock
	Bias        *PerturbBias       `json:"bias,omitempty"`
	Homogeneous *PerturbBlock      `json:"homogeneous,omitempty"`
	Truncation  *PerturbTruncation `json:"truncation,omitempty"`
	Oracle      *PerturbOracle     `json:"oracle,omitempty"`
	Notes       []string           `json:"notes,omitempty"`
}

// PerturbRewardInfo is the recognised reward.
type PerturbRewardInfo struct {
	Name         string             `json:"name"`
	Class        string             `json:"class"`
	Coefficients map[string]float64 `json:"coefficients"`
}

// PerturbWalk holds the rate tables, index [i+1][j+1], and γ.
type PerturbWalk struct {
	Q     qp.Table `json:"q"`
	H     qp.Table `json:"h"`
	V     qp.Table `json:"v"`
	R     qp.Table `json:"r"`
	Gamma float64  `json:"gamma"`
}

// PerturbBlock is one perturbed walk R̄ with its reward and bound.
type PerturbBlock struct {
	Perturbation   string               `json:"perturbation"`
	Terms          []PerturbTerm        `json:"terms"`
	HBar10         float64              `json:"hbar10"`
	VBar01         float64              `json:"vbar01"`
	Thresholds     map[string]float64   `json:"thresholds"`
	Limits         map[string]float64   `json:"limits,omitempty"`
	PerturbedRates map[string][]float64 `json:"perturbed_rates"`
	Deltas         map[string]float64   `json:"deltas"`
	FBar           float64              `json:"F_bar"`
	Error          *PerturbError        `json:"error,omitempty"`
	Interval       []float64            `json:"interval,omitempty"`
	Diagnostics    PerturbDiagnostics   `json:"diagnostics"`
	Oracle         *PerturbOracleBlock  `json:"oracle_identity,omitempty"`
	// PrintedFormula is the paper's printed homogeneous bound (joint-departure walk only),
	// for traceability; PrintedNotABound flags μ* > μ/2, where it is not a bound.
	PrintedFormula   *float64 `json:"printed_formula,omitempty"`
	PrintedNotABound bool     `json:"printed_formula_not_a_bound,omitempty"`
}

// PerturbTerm is one geometric term with its constants.
type PerturbTerm struct {
	Rho   float64 `json:"rho"`
	Sigma float64 `json:"sigma"`
	C     float64 `json:"c"`
	Alpha float64 `json:"alpha"`
	Beta  float64 `json:"beta"`
	RH    float64 `json:"r_h"`
	RV    float64 `json:"r_v"`
}

// PerturbError is the error bound g(1) + g(2) + g(3).
type PerturbError struct {
	G1           float64 `json:"g1"`
	G2           float64 `json:"g2"`
	G3           float64 `json:"g3"`
	Total        float64 `json:"total"`
	Formula      string  `json:"formula"`
	PremiseHolds bool    `json:"premise_holds"`
	Why          string  `json:"why"`
	// Upper and Lower are the one-sided bounds 𝓕̄ − 𝓕 ≤ upper and 𝓕 − 𝓕̄ ≤ lower
	// (--lp-sided one); Total is then their maximum and g1..g3 the parts of that one.
	Upper *float64 `json:"upper,omitempty"`
	Lower *float64 `json:"lower,omitempty"`
}

// PerturbBias are the bias bounds used.
type PerturbBias struct {
	Source string     `json:"source"`
	B1     []float64  `json:"b1"`
	B2     []float64  `json:"b2"`
	B3     float64    `json:"b3"`
	Units  string     `json:"units"`
	LP     *PerturbLP `json:"lp,omitempty"`
}

// PerturbLP is the outcome of the bias-bound LP.
type PerturbLP struct {
	Status         string  `json:"status"`
	Variables      int     `json:"variables"`
	Constraints    int     `json:"constraints"`
	Objective      float64 `json:"objective"`
	Level          int     `json:"level"`
	Degree         int     `json:"degree"`
	PrimalResidual float64 `json:"primal_residual"`
	Note           string  `json:"note"`
	// Sided is "one" for one-sided bounds (absent for two-sided), with the minima of the
	// two LPs: upper (of 𝓕̄ − 𝓕) and lower (of 𝓕 − 𝓕̄); Objective is then their maximum.
	Sided      string             `json:"sided,omitempty"`
	Objectives map[string]float64 `json:"objectives,omitempty"`
	// Directions (with --lp-coefficients) are the coefficients of the direction bounds the
	// LP found: one solution for two-sided bounds (U = L = B), two for one-sided ones (the
	// LP of the upper bound of 𝓕̄ − 𝓕, then that of the lower).
	Directions *PerturbDirections `json:"directions,omitempty"`
}

// PerturbDirections are the direction bounds of the bias LP (qp.DirBounds): on component
// (c1, c2) of the partition (c = level for the tail) U_u(x) = Σ_k upper[k]·(x1 − s1)^a
// (x2 − s2)^b with (a, b) = monomials[k], s = shift on a tail coordinate and 0 on a point;
// L_u likewise; components where both are 0 are left out. The other four directions follow
// from D_{−u}(n) = −D_u(n − u): U_{−u}(n) = L_u(n − u), L_{−u}(n) = U_u(n − u).
type PerturbDirections struct {
	Monomials [][2]int             `json:"monomials"`
	Shift     int                  `json:"shift"`
	Solutions []PerturbDirSolution `json:"solutions"`
}

// PerturbDirSolution is one LP's direction bounds.
type PerturbDirSolution struct {
	LP    string           `json:"lp"`
	Cells []PerturbDirCell `json:"cells"`
}

// PerturbDirCell is the coefficients of U_u and L_u on one component (qp.DirCell).
type PerturbDirCell struct {
	U     [2]int    `json:"u"`
	Cell  [2]int    `json:"cell"`
	Upper []float64 `json:"upper"`
	Lower []float64 `json:"lower"`
}

// dirCells converts the LP's cells for the report.
func dirCells(cs []qp.DirCell) []PerturbDirCell {
	out := make([]PerturbDirCell, len(cs))
	for i, c := range cs {
		out[i] = PerturbDirCell{c.U, c.Cell, c.Upper, c.Lower}
	}
	return out
}

// PerturbDiagnostics are the checks of R̄ (qp.Diagnostics).
type PerturbDiagnostics struct {
	TermIdentity  float64   `json:"term_identity_residual"`
	Balance       float64   `json:"balance_residual"`
	BalanceBox    int       `json:"balance_box"`
	Normalisation float64   `json:"normalisation_residual"`
	MinPi         float64   `json:"min_pi"`
	MinPiBox      int       `json:"min_pi_box"`
	AllPositive   bool      `json:"c_positive"`
	MinHMinus     float64   `json:"min_h_minus"`
	MinVMinus     float64   `json:"min_v_minus"`
	GammaBar      float64   `json:"gamma_bar"`
	PremiseH      string    `json:"premise_h"`
	PremiseV      string    `json:"premise_v"`
	Drift         []float64 `json:"interior_drift"`
	Warnings      []string  `json:"warnings,omitempty"`
}

// PerturbTruncation is the truncation cross-check.
type PerturbTruncation struct {
	N            int        `json:"N"`
	FN           float64    `json:"F_N"`
	F2N          float64    `json:"F_2N"`
	BoundaryMass [2]float64 `json:"boundary_mass"`
	ExactError   float64    `json:"exact_error"`
	Covered      *bool      `json:"covered,omitempty"`
	Homogeneous  *float64   `json:"exact_error_homogeneous,omitempty"`
}

// PerturbOracle is the Poisson-equation cross-check of the original walk.
type PerturbOracle struct {
	N    int       `json:"N"`
	F    float64   `json:"F_N"`
	DVh  []float64 `json:"dV_h"`
	DVv  []float64 `json:"dV_v"`
	Note string    `json:"note"`
	// Solver names the iterative Poisson solve of a box beyond the banded LU's reach
	// (empty for the LU), with its backward error ‖r‖₁/(‖G‖₁‖V‖₁ + ‖b‖₁) and iterations.
	Solver     string  `json:"solver,omitempty"`
	Backward   float64 `json:"backward_error,omitempty"`
	Iterations int     `json:"iterations,omitempty"`
	// LPCheck is the check of the LP's direction bounds against ΔV (--bias lp).
	LPCheck *PerturbLPCheck `json:"lp_check,omitempty"`
}

// PerturbLPCheck is the a-posteriori check of the bias LP's direction bounds: ΔV_u(n) of
// the box within [−L_u(n), U_u(n)] (two-sided: |ΔV_u(n)| ≤ B_u(n)) for n ∈ {0..Box}².
type PerturbLPCheck struct {
	Box int  `json:"box"`
	OK  bool `json:"ok"`
	// Worst is the largest ratio of ΔV to the bound on its side (≤ 1 when OK).
	Worst float64 `json:"worst_ratio"`
}

// PerturbOracleBlock is the oracle's result for one perturbation.
type PerturbOracleBlock struct {
	IdentityResidual float64              `json:"identity_residual"`
	Identity         float64              `json:"identity"`
	Floor            map[string][]float64 `json:"floor"`
	FloorValue       float64              `json:"floor_value"`
	FloorOK          *bool                `json:"bias_above_floor,omitempty"`
}

func init() {
	register(Analysis{Name: "perturb",
		Summary:  "random walks in the quarter plane: stationary reward of a perturbed walk with a sum-of-geometric-terms law, and a certified error bound (Bai and Goseling)",
		Synopsis: "[--reward NAME] [--axes A,B] [--tables FILE.json] [--perturbation inhomogeneous|homogeneous] [--terms auto|\"rho,sigma,c;...\"] [--weights w1,w2] [--hbar10 original|threshold|limit|VALUE] [--vbar01 ...] [--bias \"b1=...;b2=...;b3=...\" | --bias lp [--lp-level L] [--lp-degree M] [--lp-sided two|one] [--lp-coefficients]] [--gamma g] [--check-truncation N] [--oracle N] [--emit-model FILE]"},
		func() *PerturbSettings {
			return &PerturbSettings{Perturbation: "inhomogeneous", Terms: "auto", HBar10: "original", VBar01: "original", LPLevel: 10, LPDegree: 1, LPSided: "two"}
		},
		runPerturb)
}

func runPerturb(ctx context.Context, p *Problem, s *PerturbSettings) (Report, error) {
	m := p.Model
	axes, err := perturbAxes(m, s.Axes)
	if err != nil {
		return nil, err
	}
	var w *qp.Walk
	if s.Tables != "" {
		if w, err = readTables(s.Tables); err != nil {
			return nil, err
		}
	} else if w, err = qp.Recognize(m, axes); err != nil {
		return nil, err
	}
	rep := &PerturbReport{Model: m.IR.Name, Walk: PerturbWalk{Q: w.Q, H: w.H, V: w.V, R: w.R, Gamma: w.Gamma()},
		Intersections: map[string][][2]float64{"QH": {}, "QV": {}}}
	for _, pt := range w.IntersectQH() {
		rep.Intersections["QH"] = append(rep.Intersections["QH"], [2]float64{pt.Rho, pt.Sigma})
	}
	for _, pt := range w.IntersectQV() {
		rep.Intersections["QV"] = append(rep.Intersections["QV"], [2]float64{pt.Rho, pt.Sigma})
	}
	rep.Walk.Gamma = s.Gamma
	f, name, err := perturbReward(m, s.Reward, axes)
	if err != nil {
		return nil, err
	}
	rw, err := qp.Classify(f)
	if err != nil {
		return nil, fmt.Errorf("reward %s: %v", name, err)
	}
	rep.Reward = PerturbRewardInfo{Name: name, Class: rw.Class(), Coefficients: rw.Coefficients()}
	var bias *qp.Bias
	switch strings.TrimSpace(s.Bias) {
	case "":
		rep.Notes = append(rep.Notes, "no bias bounds (--bias): F̄ is reported without an error bound")
	case "lp":
	default:
		bias, _ = qp.ParseBias(s.Bias)
		rep.Bias = &PerturbBias{Source: "user", B1: orEmpty(bias.B1), B2: orEmpty(bias.B2), B3: bias.B3, Units: "continuous-time"}
	}
	hOut, _ := qp.ParseOutward(s.HBar10)
	vOut, _ := qp.ParseOutward(s.VBar01)
	pts, cs, err := parseTerms(s.Terms)
	if err != nil {
		return nil, err
	}
	wts, err := parseList(s.Weights)
	if err != nil {
		return nil, usageErrorf("--weights: %v", err)
	}
	var main, hom *qp.Perturbed
	var notes []string
	if s.Perturbation == "homogeneous" {
		var pt *qp.Point
		if len(pts) > 1 {
			return nil, usageErrorf("--perturbation homogeneous takes one point in --terms")
		}
		if len(pts) == 1 {
			pt = &pts[0]
		}
		if main, notes, err = qp.BuildHomogeneous(w, pt, hOut, vOut); err != nil {
			return nil, err
		}
	} else {
		if main, notes, err = qp.Build(w, qp.Spec{Points: pts, C: cs, Weights: wts, H: hOut, V: vOut}); err != nil {
			return nil, err
		}
		if h, n2, err := qp.BuildHomogeneous(w, nil, hOut, vOut); err == nil {
			hom = h
			notes = append(notes, n2...)
		} else {
			notes = append(notes, "no homogeneous comparison: "+err.Error())
		}
	}
	rep.Notes = append(rep.Notes, notes...)
	var lpres *qp.LPResult
	if strings.TrimSpace(s.Bias) == "lp" {
		solve, note := main.BiasLP, "the paper names this LP without writing it; these constraints are our reconstruction (docs/perturb.md), sufficient for |D_u(n)| ≤ B_u(n) at all times"
		if s.LPSided == "one" {
			solve, note = main.BiasLPOneSided, "the paper names this LP without writing it; these constraints are our reconstruction (docs/perturb.md), sufficient for −L_u(n) ≤ D_u(n) ≤ U_u(n) at all times; the bounds are per direction and component (their coefficients with --lp-coefficients), not reduced to b1, b2, b3 (left empty)"
		}
		res, err := solve(f, s.LPLevel, s.LPDegree)
		if err != nil {
			return nil, fmt.Errorf("--bias lp: %v", err)
		}
		lpres = res
		rep.Bias = &PerturbBias{Source: "lp", B1: []float64{}, B2: []float64{}, Units: "continuous-time",
			LP: &PerturbLP{Status: res.Status, Variables: res.Variables, Constraints: res.Constraints, Objective: res.Objective,
				Level: res.Level, Degree: res.Degree, PrimalResidual: res.PrimalResidual, Note: note}}
		if res.OneSided {
			rep.Bias.LP.Sided = "one"
			if res.Dirs != nil {
				rep.Bias.LP.Objectives = map[string]float64{"upper": res.Upper, "lower": res.Lower}
			}
		}
		if res.Dirs != nil && s.LPCoefficients {
			mono, shift := res.Dirs.Monomials()
			d := &PerturbDirections{Monomials: mono, Shift: shift}
			if res.OneSided {
				d.Solutions = []PerturbDirSolution{{"upper", dirCells(res.Dirs.Cells())}, {"lower", dirCells(res.DirsLower.Cells())}}
			} else {
				d.Solutions = []PerturbDirSolution{{"two-sided", dirCells(res.Dirs.Cells())}}
			}
			rep.Bias.LP.Directions = d
		}
		if res.Dirs == nil {
			rep.Notes = append(rep.Notes, fmt.Sprintf("bias LP %s: no bias bound of this structure; refine --lp-level or --lp-degree, or use the truncation (--check-truncation)", res.Status))
		} else if res.Bias != nil {
			bias = res.Bias
			rep.Bias.B1, rep.Bias.B2, rep.Bias.B3 = res.Bias.B1, res.Bias.B2, res.Bias.B3
		}
	}
	rep.PerturbBlock = perturbBlock(main, s.Perturbation, rw, bias, lpres)
	if hom != nil {
		b := perturbBlock(hom, "homogeneous", rw, bias, lpres)
		rep.Homogeneous = &b
	}
	// γ uniformises R and R̄ together (Corollary 3.3): by default the largest total rate of
	// both; a smaller --gamma is reported.
	top := max(w.Gamma(), rep.Diagnostics.GammaBar)
	if rep.Homogeneous != nil {
		top = max(top, rep.Homogeneous.Diagnostics.GammaBar)
	}
	if s.Gamma == 0 {
		rep.Walk.Gamma = top
	} else if s.Gamma < top*(1-1e-12) {
		rep.Diagnostics.Warnings = append(rep.Diagnostics.Warnings, fmt.Sprintf("--gamma %.10g is below the largest total rate %.10g of R and R̄: no uniformisation with it", s.Gamma, top))
	}
	if s.CheckTruncation > 0 {
		if err := perturbTruncation(ctx, rep, w, rw, s.CheckTruncation); err != nil {
			return nil, err
		}
	}
	if s.Oracle > 0 {
		if err := perturbOracle(ctx, rep, w, rw, main, hom, s.Oracle, lpres); err != nil {
			return nil, err
		}
	}
	if s.EmitModel != "" {
		if err := os.WriteFile(s.EmitModel, []byte(qp.EmitModel(main, m.IR.Name, 200)), 0o644); err != nil {
			return nil, fmt.Errorf("--emit-model: %v", err)
		}
		p.notify("wrote the perturbed walk to %s", s.EmitModel)
	}
	return rep, nil
}

func orEmpty(x []float64) []float64 {
	if x == nil {
		return []float64{}
	}
	return x
}

// lowerEnd is the lower end of an error interval: cut at 0 when the reward is certainly
// non-negative (then so is its stationary mean), left as computed otherwise.
func lowerEnd(rw *qp.Reward, x float64) float64 {
	if rw.NonNegative() {
		return max(0, x)
	}
	return x
}

// perturbBlock evaluates one perturbed walk: rates, reward, bound, diagnostics. The
// one-sided LP's bounds (lpres) give the signed interval [F̄ − upper, F̄ + lower].
func perturbBlock(pp *qp.Perturbed, kind string, rw *qp.Reward, bias *qp.Bias, lpres *qp.LPResult) PerturbBlock {
	b := PerturbBlock{Perturbation: kind, HBar10: pp.HBar10, VBar01: pp.VBar01, FBar: rw.Mean(pp),
		PerturbedRates: map[string][]float64{}}
	for _, t := range pp.Terms {
		b.Terms = append(b.Terms, PerturbTerm{t.Rho, t.Sigma, t.C, t.Alpha, t.Beta, t.RH, t.RV})
	}
	th, tv := pp.Thresholds()
	b.Thresholds = map[string]float64{"hbar10": th, "vbar01": tv}
	if lh, lv, ok := pp.Limits(); ok {
		b.Limits = map[string]float64{"h": lh, "v": lv}
	}
	for n := 1; n <= 10; n++ {
		h, _ := pp.HMinus(n)
		v, _ := pp.VMinus(n)
		b.PerturbedRates["h_minus"] = append(b.PerturbedRates["h_minus"], h)
		b.PerturbedRates["v_minus"] = append(b.PerturbedRates["v_minus"], v)
	}
	dh, dv, dr := pp.Deltas()
	b.Deltas = map[string]float64{"h": dh, "v": dv, "r": dr}
	if bias != nil {
		e := pp.Bound(bias)
		b.Error = &PerturbError{G1: e.G1, G2: e.G2, G3: e.G3, Total: e.Total, Formula: e.Formula, PremiseHolds: e.PremiseHolds, Why: e.Why}
		b.Interval = []float64{lowerEnd(rw, b.FBar-e.Total), b.FBar + e.Total}
	}
	if e, ok := pp.OneSidedBound(lpres); ok {
		ph, pv := pp.CheckPremise()
		g := e.GUpper
		if e.Lower > e.Upper {
			g = e.GLower
		}
		up, lo := e.Upper, e.Lower
		b.Error = &PerturbError{G1: g[0], G2: g[1], G3: g[2], Total: max(up, lo), Formula: "7-signed", PremiseHolds: ph.Holds && pv.Holds,
			Why:   "one-sided bias bounds: F̄ − F ≤ Σ π̄ Σ_v (dq⁺ U_v + dq⁻ L_v) = upper and F − F̄ ≤ Σ π̄ Σ_v (dq⁺ L_v + dq⁻ U_v) = lower, dq = q̄ − q, summed over the axes with a certified tail (no premise needed); total = max(upper, lower), g(1..3) its parts",
			Upper: &up, Lower: &lo}
		b.Interval = []float64{lowerEnd(rw, b.FBar-up), b.FBar + lo}
	}
	if len(pp.Terms) == 1 {
		if v, bad, ok := pp.Walk.PrintedHomogeneous(pp.Terms[0].Rho); ok && pp.Terms[0].Rho == pp.Terms[0].Sigma {
			b.PrintedFormula, b.PrintedNotABound = &v, bad
		}
	}
	d := pp.Diagnose()
	ph, pv := pp.CheckPremise()
	premise := func(p qp.Premise) string {
		if p.Holds {
			return "holds: " + p.How
		}
		if p.At > 0 {
			return fmt.Sprintf("fails at n = %d (%s)", p.At, p.How)
		}
		return "fails (" + p.How + ")"
	}
	w := pp.Walk
	drift := []float64{0, 0}
	for i := -1; i <= 1; i++ {
		for j := -1; j <= 1; j++ {
			drift[0] += float64(i) * w.Q.At(i, j)
			drift[1] += float64(j) * w.Q.At(i, j)
		}
	}
	b.Diagnostics = PerturbDiagnostics{TermIdentity: d.TermIdentity, Balance: d.Balance, BalanceBox: d.BalanceBox,
		Normalisation: d.Normalisation, MinPi: d.MinPi, MinPiBox: d.MinPiBox, AllPositive: pp.AllPositive(),
		MinHMinus: d.MinHMinus, MinVMinus: d.MinVMinus, GammaBar: d.GammaBar,
		PremiseH: premise(ph), PremiseV: premise(pv), Drift: drift, Warnings: d.Warnings}
	return b
}

func perturbTruncation(ctx context.Context, rep *PerturbReport, w *qp.Walk, rw *qp.Reward, N int) error {
	var fs [2]float64
	t := &PerturbTruncation{N: N}
	for k, n := range []int{N, 2 * N} {
		b, err := qp.NewBoxLaw(ctx, w.Rate, n)
		if err != nil {
			return err
		}
		fs[k] = b.Expect(rw.Eval)
		t.BoundaryMass[k] = b.BoundaryMass()
	}
	t.FN, t.F2N = fs[0], fs[1]
	t.ExactError = math.Abs(rep.FBar - t.F2N)
	if rep.Error != nil {
		c := rep.Error.Total >= t.ExactError
		if rep.Error.Upper != nil {
			c = rep.FBar-*rep.Error.Upper <= t.F2N && t.F2N <= rep.FBar+*rep.Error.Lower
		}
		t.Covered = &c
	}
	if rep.Homogeneous != nil {
		e := math.Abs(rep.Homogeneous.FBar - t.F2N)
		t.Homogeneous = &e
	}
	rep.Truncation = t
	return nil
}

// perturbOracleLU is the largest --oracle N solved by the banded LU.
const perturbOracleLU = 200

func perturbOracle(ctx context.Context, rep *PerturbReport, w *qp.Walk, rw *qp.Reward, main, hom *qp.Perturbed, N int, lpres *qp.LPResult) error {
	// The banded LU up to N = perturbOracleLU (130 MB at 200, O(N⁴) time), ILU(0)-BiCGSTAB
	// beyond (O(N²) memory), the two agreeing to the solvers' accuracy.
	newBox := qp.NewBox
	if N > perturbOracleLU {
		newBox = qp.NewBoxLaw
	}
	b, err := newBox(ctx, w.Rate, N)
	if err != nil {
		return err
	}
	v, err := b.Relative(ctx, rw.Eval)
	if err != nil {
		return err
	}
	blocks := []*PerturbBlock{&rep.PerturbBlock}
	pps := []*qp.Perturbed{main}
	if hom != nil {
		blocks, pps = append(blocks, rep.Homogeneous), append(pps, hom)
	}
	for k, pp := range pps {
		o, err := pp.OracleWith(b, v, rw.Eval, blocks[k].FBar)
		if err != nil {
			return err
		}
		if k == 0 {
			rep.Oracle = &PerturbOracle{N: N, F: o.F, DVh: o.DVh, DVv: o.DVv,
				Note: "ΔV of the Poisson equation on the box bounds the limit of the bias only: the floor is a lower limit for bias bounds, never a certificate"}
			if N > perturbOracleLU {
				rep.Oracle.Solver, rep.Oracle.Backward, rep.Oracle.Iterations = "ILU(0)-BiCGSTAB", b.RelBackward, b.RelIterations
			}
		}
		ob := &PerturbOracleBlock{IdentityResidual: o.Residual, Identity: o.Identity, FloorValue: o.FloorValue,
			Floor: map[string][]float64{"b1": o.FloorB1[:], "b2": o.FloorB2[:], "b3": {o.FloorB3}}}
		// The floor is the best affine two-sided bound: a comparison for user bounds and the
		// LP of degree ≤ 1; a one-sided or higher-degree LP may go below it legitimately and
		// is checked pointwise against ΔV instead (lp_check).
		affine := lpres == nil || !lpres.OneSided && lpres.Degree <= 1
		if blocks[k].Error != nil && affine {
			okf := blocks[k].Error.Total >= o.FloorValue*0.99
			ob.FloorOK = &okf
		}
		blocks[k].Oracle = ob
	}
	if lpres != nil && lpres.Dirs != nil {
		rep.Oracle.LPCheck = lpCheck(b, v, lpres)
	}
	return nil
}

// lpCheck compares the LP's direction bounds with ΔV_u(n) = V(n + u) − V(n) of the box
// for n ∈ {0..60}² (within the box) and every direction: a valid bound is never below the
// limit of the bias, so a violation beyond 1e-7 relative (the box's solve and the LP's
// primal tolerance) is a bug. O(60²).
func lpCheck(b *qp.Box, v []float64, res *qp.LPResult) *PerturbLPCheck {
	c := &PerturbLPCheck{Box: min(60, b.N-1), OK: true}
	for _, d := range []*qp.DirBounds{res.Dirs, res.DirsLower} {
		if d == nil {
			continue
		}
		for n1 := 0; n1 <= c.Box; n1++ {
			for n2 := 0; n2 <= c.Box; n2++ {
				for i := -1; i <= 1; i++ {
					for j := -1; j <= 1; j++ {
						if i == 0 && j == 0 || n1+i < 0 || n2+j < 0 {
							continue
						}
						u := [2]int{i, j}
						x := v[b.Index(n1+i, n2+j)] - v[b.Index(n1, n2)]
						up, lo := d.Upper(u, n1, n2), d.Lower(u, n1, n2)
						tol := 1e-7 * max(1, math.Abs(x))
						if x > up+tol || x < -lo-tol {
							c.OK = false
						}
						if x > 0 && up > 0 {
							c.Worst = max(c.Worst, x/up)
						} else if x < 0 && lo > 0 {
							c.Worst = max(c.Worst, -x/lo)
						}
					}
				}
			}
		}
	}
	return c
}

// perturbAxes returns the species indices of n1 and n2.
func perturbAxes(m *runtime.Model, spec string) ([2]int, error) {
	if spec == "" {
		return [2]int{0, 1}, nil
	}
	parts := strings.Split(spec, ",")
	if len(parts) != 2 {
		return [2]int{}, usageErrorf("--axes %q: two species names, comma-separated", spec)
	}
	var ax [2]int
	for k, p := range parts {
		ax[k] = -1
		for i, sp := range m.SpeciesNames() {
			if sp == strings.TrimSpace(p) {
				ax[k] = i
			}
		}
		if ax[k] < 0 {
			return ax, usageErrorf("--axes: no species %q (species: %s)", p, strings.Join(m.SpeciesNames(), ", "))
		}
	}
	return ax, nil
}

// perturbReward returns the reward as a function of (n1, n2) and its name.
func perturbReward(m *runtime.Model, name string, axes [2]int) (func(n1, n2 int) float64, string, error) {
	mi := m.IR
	node := ir.NodeID(-1)
	label := name
	for _, me := range mi.Measures {
		if me.Kind == ir.Stationary && (name == "" && node < 0 || me.Name == name) {
			node, label = me.Args[0], me.Name
		}
	}
	for _, o := range mi.Observables {
		if name != "" && o.Name == name {
			node, label = o.Node, o.Name
		}
	}
	if node < 0 {
		if name == "" {
			return nil, "", usageErrorf("the model has no stationary measure: name the reward with --reward OBSERVABLE")
		}
		return nil, "", usageErrorf("--reward %s: no observable or stationary measure of that name", name)
	}
	t := mi.Graph.Compile([]ir.NodeID{node})
	vals := make([]float64, t.Len())
	in := m.Inputs()
	return func(n1, n2 int) float64 {
		in.Counts[axes[0]], in.Counts[axes[1]] = float64(n1), float64(n2)
		t.Eval(vals, in)
		return t.Output(vals, 0)
	}, label, nil
}

// readTables reads {"q": [[..]], "h": .., "v": .., "r": ..}, index [i+1][j+1].
func readTables(path string) (*qp.Walk, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--tables: %v", err)
	}
	var t struct{ Q, H, V, R *qp.Table }
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("--tables %s: %v (expected {\"q\": [[...],[...],[...]], \"h\": ..., \"v\": ..., \"r\": ...})", path, err)
	}
	if t.Q == nil || t.H == nil || t.V == nil || t.R == nil {
		return nil, fmt.Errorf("--tables %s: the four tables q, h, v and r are all needed", path)
	}
	w := &qp.Walk{Q: *t.Q, H: *t.H, V: *t.V, R: *t.R}
	if err := w.Check(); err != nil {
		return nil, fmt.Errorf("--tables %s: %v", path, err)
	}
	return w, nil
}

// parseTerms reads "auto" or "rho,sigma[,c];...".
func parseTerms(s string) ([]qp.Point, []float64, error) {
	if s == "" || s == "auto" {
		return nil, nil, nil
	}
	var pts []qp.Point
	var cs []float64
	for _, part := range strings.Split(s, ";") {
		xs, err := parseList(part)
		if err != nil || len(xs) < 2 || len(xs) > 3 {
			return nil, nil, usageErrorf("--terms %q: each term is rho,sigma or rho,sigma,c", part)
		}
		pts = append(pts, qp.Point{Rho: xs[0], Sigma: xs[1]})
		if len(xs) == 3 {
			cs = append(cs, xs[2])
		}
	}
	if len(cs) != 0 && len(cs) != len(pts) {
		return nil, nil, usageErrorf("--terms: give c for every term or for none")
	}
	if len(cs) == 0 {
		cs = nil
	}
	return pts, cs, nil
}

func parseList(s string) ([]float64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []float64
	for _, f := range strings.Split(s, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%q is not a finite number", f)
		}
		out = append(out, x)
	}
	return out, nil
}

// Text prints the tables, the terms, the perturbed rates, F̄ and the bound, the
// comparison and the cross-checks.
func (r *PerturbReport) Text() string {
	var b strings.Builder
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', 10, 64) }
	fmt.Fprintf(&b, "model %s: random walk in the quarter plane\n\n", r.Model)
	w := qp.Walk{Q: r.Walk.Q, H: r.Walk.H, V: r.Walk.V, R: r.Walk.R}
	b.WriteString(w.String())
	for _, k := range []string{"QH", "QV"} {
		fmt.Fprintf(&b, "Q ∩ %s in (0,1)²:", k[1:])
		for _, pt := range r.Intersections[k] {
			fmt.Fprintf(&b, " (%s, %s)", g(pt[0]), g(pt[1]))
		}
		if len(r.Intersections[k]) == 0 {
			b.WriteString(" none")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "uniformisation constant γ = %s (bias bounds are in continuous-time units: no bound depends on γ)\n\n", g(r.Walk.Gamma))
	fmt.Fprintf(&b, "reward %s: %s", r.Reward.Name, r.Reward.Class)
	rw := &qp.Reward{}
	for k, c := range r.Reward.Coefficients {
		if k == "1{0}" {
			rw.Ind = c
			continue
		}
		var a, bb int
		fmt.Sscanf(k, "n1^%d n2^%d", &a, &bb)
		rw.P[a][bb] = c
	}
	fmt.Fprintf(&b, ", F = %s\n", rw.String())
	if r.Bias != nil {
		if l := r.Bias.LP; l != nil {
			sided := ""
			if l.Sided == "one" {
				sided = ", one-sided"
			}
			fmt.Fprintf(&b, "bias LP (level %d, degree %d%s; %d variables, %d constraints): %s", l.Level, l.Degree, sided, l.Variables, l.Constraints, l.Status)
			switch {
			case l.Status == "optimal" && l.Objectives != nil:
				fmt.Fprintf(&b, ", objectives upper %s, lower %s, primal residual %.2g", g(l.Objectives["upper"]), g(l.Objectives["lower"]), l.PrimalResidual)
			case l.Status == "optimal":
				fmt.Fprintf(&b, ", objective %s, primal residual %.2g", g(l.Objective), l.PrimalResidual)
			}
			fmt.Fprintf(&b, "\n  %s\n", l.Note)
		}
		if r.Bias.LP == nil || r.Bias.LP.Status == "optimal" && r.Bias.LP.Sided == "" {
			fmt.Fprintf(&b, "bias bounds (%s, %s units): B1 = %v, B2 = %v, B3 = %s\n", r.Bias.Source, r.Bias.Units, r.Bias.B1, r.Bias.B2, g(r.Bias.B3))
		}
	}
	b.WriteString("\n")
	writeBlock(&b, &r.PerturbBlock)
	if r.Homogeneous != nil {
		b.WriteString("\ncomparison:\n")
		writeBlock(&b, r.Homogeneous)
	}
	if t := r.Truncation; t != nil {
		fmt.Fprintf(&b, "\ntruncation check (box {0..N}², leaving jumps dropped):\n  F_%d = %s, F_%d = %s, boundary mass %.3g / %.3g\n  exact error |F̄ − F_%d| = %s",
			t.N, g(t.FN), 2*t.N, g(t.F2N), t.BoundaryMass[0], t.BoundaryMass[1], 2*t.N, g(t.ExactError))
		if t.Covered != nil {
			fmt.Fprintf(&b, ", covered by the bound: %v", *t.Covered)
		}
		if t.Homogeneous != nil {
			fmt.Fprintf(&b, "; homogeneous %s", g(*t.Homogeneous))
		}
		b.WriteString("\n")
	}
	if o := r.Oracle; o != nil {
		fmt.Fprintf(&b, "\noracle (Poisson equation QV = 𝓕 − F on the box N = %d, V(0,0) = 0): F_N = %s\n  ΔV_(−1,0)(n,0), n = 1..4: %s\n  ΔV_(0,−1)(0,n), n = 1..4: %s\n  %s\n",
			o.N, g(o.F), fmtValues(o.DVh), fmtValues(o.DVv), o.Note)
		if o.Solver != "" {
			fmt.Fprintf(&b, "  solved by %s: backward error %.2g after %d iterations\n", o.Solver, o.Backward, o.Iterations)
		}
		if c := o.LPCheck; c != nil {
			fmt.Fprintf(&b, "  the LP's direction bounds cover ΔV on {0..%d}²: %v (largest ratio %.6f)\n", c.Box, c.OK, c.Worst)
		}
		for _, bl := range []*PerturbBlock{&r.PerturbBlock, r.Homogeneous} {
			if bl == nil || bl.Oracle == nil {
				continue
			}
			ob := bl.Oracle
			fmt.Fprintf(&b, "  %s: identity π̄(Q̄ − Q)V = %s, residual %.3g; floor %s (B1 ≥ %s + %s n, B2 ≥ %s + %s n, B3 ≥ %s)",
				bl.Perturbation, g(ob.Identity), ob.IdentityResidual, g(ob.FloorValue), g(ob.Floor["b1"][0]), g(ob.Floor["b1"][1]), g(ob.Floor["b2"][0]), g(ob.Floor["b2"][1]), g(ob.Floor["b3"][0]))
			if ob.FloorOK != nil {
				fmt.Fprintf(&b, "; bound ≥ 0.99·floor: %v", *ob.FloorOK)
			}
			b.WriteString("\n")
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "note: %s\n", n)
		}
	}
	return b.String()
}

// fmtValues formats xs with 10 significant digits, separated by commas.
func fmtValues(xs []float64) string {
	var s []string
	for _, x := range xs {
		s = append(s, strconv.FormatFloat(x, 'g', 10, 64))
	}
	return strings.Join(s, ", ")
}

func writeBlock(b *strings.Builder, bl *PerturbBlock) {
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', 10, 64) }
	fmt.Fprintf(b, "%s perturbation, %d term(s):\n", bl.Perturbation, len(bl.Terms))
	for k, t := range bl.Terms {
		fmt.Fprintf(b, "  term %d: ρ = %s, σ = %s, c = %s, α = %s, β = %s, r^h = %s, r^v = %s\n",
			k+1, g(t.Rho), g(t.Sigma), g(t.C), g(t.Alpha), g(t.Beta), g(t.RH), g(t.RV))
	}
	fmt.Fprintf(b, "  outward rates h̄_{1,0} = %s, v̄_{0,1} = %s (Theorem 3.4 thresholds %s, %s)\n",
		g(bl.HBar10), g(bl.VBar01), g(bl.Thresholds["hbar10"]), g(bl.Thresholds["vbar01"]))
	fmt.Fprintf(b, "  h̄_{−1,0}(n), n = 1..10: %s\n", fmtValues(bl.PerturbedRates["h_minus"]))
	fmt.Fprintf(b, "  v̄_{0,−1}(n), n = 1..10: %s\n", fmtValues(bl.PerturbedRates["v_minus"]))
	if bl.Limits != nil {
		fmt.Fprintf(b, "  limits (Theorem 3.2): h̄ → %s, v̄ → %s\n", g(bl.Limits["h"]), g(bl.Limits["v"]))
	}
	fmt.Fprintf(b, "  δ_h = %s, δ_v = %s, δ_r = %s\n", g(bl.Deltas["h"]), g(bl.Deltas["v"]), g(bl.Deltas["r"]))
	fmt.Fprintf(b, "  F̄ = %s\n", g(bl.FBar))
	if e := bl.Error; e != nil && e.Upper != nil {
		fmt.Fprintf(b, "  one-sided error bounds: F̄ − F ≤ %s, F − F̄ ≤ %s (total %s; g(1) = %s, g(2) = %s, g(3) = %s)\n    %s\n",
			g(*e.Upper), g(*e.Lower), g(e.Total), g(e.G1), g(e.G2), g(e.G3), e.Why)
		fmt.Fprintf(b, "  F ∈ [%s, %s]\n", g(bl.Interval[0]), g(bl.Interval[1]))
	} else if e != nil {
		fmt.Fprintf(b, "  error bound (formula (%s)): g(1) = %s, g(2) = %s, g(3) = %s, total %s\n    %s\n",
			e.Formula, g(e.G1), g(e.G2), g(e.G3), g(e.Total), e.Why)
		fmt.Fprintf(b, "  F ∈ [%s, %s]\n", g(bl.Interval[0]), g(bl.Interval[1]))
	}
	if bl.PrintedFormula != nil {
		fmt.Fprintf(b, "  the paper's printed homogeneous formula: %s (for traceability; it takes B = (μ − μ*)/(μμ*)", g(*bl.PrintedFormula))
		if bl.PrintedNotABound {
			b.WriteString(", which is NOT a bias bound for μ* > μ/2: this value is not a bound")
		}
		b.WriteString(")\n")
	}
	d := bl.Diagnostics
	fmt.Fprintf(b, "  checks: term identity %.2g, balance %.2g on {0..%d}², normalisation %.2g, min π̄ %.3g on {0..%d}², c_k > 0: %v\n",
		d.TermIdentity, d.Balance, d.BalanceBox, d.Normalisation, d.MinPi, d.MinPiBox, d.AllPositive)
	fmt.Fprintf(b, "    min h̄_{−1,0} %s, min v̄_{0,−1} %s, γ̄ = %s, interior drift (%s, %s)\n",
		g(d.MinHMinus), g(d.MinVMinus), g(d.GammaBar), g(d.Drift[0]), g(d.Drift[1]))
	fmt.Fprintf(b, "    premise of Theorem 4.2: horizontal %s; vertical %s\n", d.PremiseH, d.PremiseV)
	for _, wn := range d.Warnings {
		fmt.Fprintf(b, "  warning: %s\n", wn)
	}
}
