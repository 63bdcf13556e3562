package models

import "math"

// Provenance of the answers, shared by several entries.
const (
	rmftool      = "peer tool rmftool (ngast/rmf_tool, commit 237675b), meanFieldExpansionSteadyState; testdata/ref"
	rmftoolWhy   = "mfc and rmftool agree to 1e-13 on π and V (rmftool's fixed point comes from a long ODE run)"
	closedForm   = "closed form in the model's header comment"
	newtonWhy    = "Newton's residual is below 1e-13"
	digest000    = "seed digest 000 §5.1–5.2 (toy models T1, T2: an independent numpy reproduction, checked against exact chains)"
	digest000Why = "half a unit of the last digit printed in the digest"
	digest004    = "seed digest 004, test D1 (slowly varying chain), printed to 10 digits"
)

// answers holds the known answers of the library's models by model name.
var answers = map[string][]Answer{
	"sirs": {
		{Analysis: "fixpoint", Path: "fixed_point.0", Value: 1.0 / 3, Tol: 1e-10, Source: closedForm, Why: newtonWhy},
		{Analysis: "fixpoint", Path: "fixed_point.1", Value: 2.0 / 9, Tol: 1e-10, Source: closedForm, Why: newtonWhy},
		{Analysis: "fixpoint", Path: "fixed_point.2", Value: 4.0 / 9, Tol: 1e-10, Source: closedForm, Why: newtonWhy},
		{Analysis: "fixpoint", Sets: []string{"beta=5", "delta=2"}, Path: "fixed_point.1", Value: 2 * 0.8 / 3, Tol: 1e-10, Source: closedForm, Why: newtonWhy},
	},
	"sis": {
		{Analysis: "fixpoint", Path: "fixed_point.1", Value: 0.5, Tol: 1e-10, Source: closedForm, Why: newtonWhy},
		{Analysis: "fixpoint", Path: "W.1.1", Value: 0.5, Tol: 1e-10, Source: closedForm + " (W = γ/β)", Why: "the Lyapunov solve is exact to round-off"},
		{Analysis: "refine", Sets: []string{"beta=4"}, Path: "V.1", Value: -1.0 / 3, Tol: 1e-12, Source: closedForm + " (V = −γ/(β − γ))", Why: "a 1-d linear solve, exact to round-off"},
		{Analysis: "fixpoint", Sets: []string{"beta=4"}, Path: "W.1.1", Value: 0.25, Tol: 1e-10, Source: closedForm + " (W = γ/β)", Why: "the Lyapunov solve is exact to round-off"},
	},
	"mminf": {
		{Analysis: "fixpoint", Path: "fixed_point.0", Value: 4, Tol: 1e-10, Source: closedForm + " (Poisson law, mean λ/μ)", Why: newtonWhy},
		{Analysis: "fixpoint", Path: "W.0.0", Value: 4, Tol: 1e-10, Source: closedForm + " (Poisson law: variance = mean)", Why: "the Lyapunov solve is exact to round-off"},
		{Analysis: "refine", Flags: map[string]string{"order": "2"}, Path: "V.0", Value: 0, Tol: 1e-12, Source: closedForm + " (the mean field of a linear model is exact)", Why: "V and A vanish up to round-off"},
		{Analysis: "ode", Flags: map[string]string{"t": "2", "steps": "1"}, Path: "x.1.0", Value: 4 * (1 - math.Exp(-1)), Tol: 1e-7, Source: closedForm + " (E X(t)/N = (λ/μ)(1 − e^{−μt}))", Why: "the ODE's tolerances are rtol 1e-8, atol 1e-10"},
	},
	"mm1k": {
		{Analysis: "exact", Path: "mean.0", Value: 2.9663142664841535, Tol: 1e-10, Source: closedForm + " (E[Q] of M/M/1/K)", Why: "dense LU on 11 states, residual 1e-16"},
		{Analysis: "exact", Path: "measures.loss_ss", Value: 0.023492857579905612, Tol: 1e-12, Source: closedForm + " (P(Q = K))", Why: "dense LU on 11 states, residual 1e-16"},
		{Analysis: "exact", Sets: []string{"lam=1.25"}, Path: "measures.loss_ss", Value: 0.25 * math.Pow(1.25, 10) / (math.Pow(1.25, 11) - 1), Tol: 1e-12, Source: closedForm + " (P(Q = K), ρ > 1)", Why: "dense LU on 11 states, residual 1e-16"},
	},
	"tandem": {
		{Analysis: "exact", Path: "mean.0", Value: 1, Tol: 1e-8, Source: closedForm + " (Jackson: ρ1/(1 − ρ1))", Why: "iterative solve on 3721 states with residual ≈ 1e-10; the truncation at L = 60 moves the value by < 1e-10"},
		{Analysis: "exact", Path: "mean.1", Value: 5.0 / 3, Tol: 1e-8, Source: closedForm + " (Jackson: ρ2/(1 − ρ2))", Why: "as mean.0"},
		{Analysis: "exact", Path: "measures.empty_ss", Value: 0.1875, Tol: 1e-9, Source: closedForm + " (Jackson: (1 − ρ1)(1 − ρ2))", Why: "as mean.0"},
	},
	"bike": {
		{Analysis: "fixpoint", Path: "fixed_point.0", Value: 0.13570827129179236, Tol: 1e-9, Source: "Fricker and Gast (2016): truncated geometric fixed point, ρ = 0.91596751883995 solved by bisection to 1e-15", Why: newtonWhy},
		{Analysis: "fixpoint", Path: "fixed_point.10", Value: 0.056416618568732, Tol: 1e-9, Source: "as fixed_point.0", Why: newtonWhy},
		{Analysis: "fixpoint", Path: "fixed_point.11", Value: 0.8642917287082077, Tol: 1e-9, Source: "as fixed_point.0 (riding bikes per station, r = λ(1 − x_0)/μ)", Why: newtonWhy},
	},
	"sir": {
		{Analysis: "refine", Path: "fixed_point.0", Value: 0.262595183183658, Tol: 1e-10, Source: rmftool, Why: rmftoolWhy},
		{Analysis: "refine", Path: "fixed_point.1", Value: 0.5530536126122568, Tol: 1e-10, Source: rmftool, Why: rmftoolWhy},
		{Analysis: "refine", Path: "V.0", Value: 0.15875528519049145, Tol: 1e-10, Source: rmftool, Why: rmftoolWhy},
		{Analysis: "refine", Path: "V.1", Value: -0.11906646389286854, Tol: 1e-10, Source: rmftool, Why: rmftoolWhy},
	},
	"sir_nonstable": {
		{Analysis: "refine", Path: "fixed_point.0", Value: 0.2108839251119912, Tol: 1e-10, Source: rmftool, Why: rmftoolWhy},
		{Analysis: "refine", Path: "V.0", Value: 3.219186109742597, Tol: 1e-9, Source: rmftool, Why: rmftoolWhy},
		{Analysis: "refine", Path: "V.1", Value: -2.032614419768824, Tol: 1e-9, Source: rmftool, Why: rmftoolWhy},
	},
	"cache": {
		{Analysis: "refine", Path: "fixed_point.0", Value: 0.4018052989165137, Tol: 1e-10, Source: rmftool, Why: rmftoolWhy},
		{Analysis: "refine", Path: "V.0", Value: -0.02412501117284889, Tol: 1e-10, Source: rmftool, Why: rmftoolWhy},
		{Analysis: "refine", Path: "V.3", Value: 0.018099430912555038, Tol: 1e-10, Source: rmftool, Why: rmftoolWhy},
	},
	"jsq": {
		// Power of two choices: x_k = ρ^(2^k − 1) (Mitzenmacher 2001, Vvedenskaya et al. 1996),
		// exact for a buffer K far beyond the levels that carry mass.
		{Analysis: "fixpoint", Sets: []string{"K=10"}, Path: "fixed_point.3", Value: math.Pow(0.9, 15), Tol: 1e-10, Source: "closed form x_k = ρ^(2^k − 1) of JSQ(2)", Why: newtonWhy},
		{Analysis: "fixpoint", Sets: []string{"K=10", "rho=0.7", "d=3"}, Path: "fixed_point.2", Value: math.Pow(0.7, 13), Tol: 1e-10, Source: "closed form x_k = ρ^((d^k − 1)/(d − 1)) of JSQ(d)", Why: newtonWhy},
		{Analysis: "refine", Sets: []string{"K=10"}, Path: "V.1", Value: 0.13063786976542435, Tol: 1e-10, Source: rmftool, Why: rmftoolWhy},
		{Analysis: "refine", Sets: []string{"K=10"}, Path: "V.3", Value: 1.5520316472261821, Tol: 1e-10, Source: rmftool, Why: rmftoolWhy},
	},
	"sis_external": {
		{Analysis: "fixpoint", Path: "fixed_point.0", Value: 2 - math.Sqrt2, Tol: 1e-10, Source: "closed form x0* = (s − √(s² − 4βr))/(2β) of seed digest 001", Why: newtonWhy},
	},
	"t1_sis_env": {
		{Analysis: "run", Path: "fixed_point.0", Value: 0.421364298533, Tol: 5e-13, Source: digest000, Why: digest000Why},
		{Analysis: "run", Path: "V.0", Value: -1.104810512, Tol: 5e-10, Source: digest000 + " (C = V + T + S)", Why: digest000Why},
	},
	"t2_sirs_env": {
		{Analysis: "run", Path: "fixed_point.0", Value: 0.491648781425, Tol: 5e-13, Source: digest000, Why: digest000Why},
		{Analysis: "run", Path: "fixed_point.1", Value: 0.157083279433, Tol: 5e-13, Source: digest000, Why: digest000Why},
		{Analysis: "run", Path: "V.0", Value: 1.9801677198, Tol: 5e-11, Source: digest000 + " (C)", Why: digest000Why},
	},
	"slow_chain": {
		{Analysis: "exact", Sets: []string{"eps=0.1"}, Path: "measures.kappa", Value: 2.5002770433, Tol: 1e-9, Source: digest004, Why: "half a unit of the last printed digit"},
	},
	"inventory": {
		{Analysis: "exact", Path: "measures.kappa", Value: 62.9696, Tol: 5e-5, Source: "seed digest 004, inventory table (column TT, S = 100)", Why: "the digest prints 4 decimals"},
	},
}
