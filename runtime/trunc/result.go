package trunc

// Result is the outcome of one scheme on one truncation: its JSON form is the `mfc
// truncate` report (the issue's keys; null where a scheme does not give a value). Every
// number that is a bound says whether it is certified.
type Result struct {
	Model      string             `json:"model"`
	Scheme     string             `json:"scheme"`
	Region     string             `json:"region"`
	Reentry    *string            `json:"reentry"`
	Parameters map[string]float64 `json:"parameters"`

	Structure *Structure `json:"structure"`
	// States lists each state as {species: count}; Distribution (approximating schemes),
	// Lower and Upper (bounding schemes) are aligned with it.
	States       []map[string]int `json:"states_list"`
	Distribution []float64        `json:"distribution"`
	Lower        []float64        `json:"lower"`
	Upper        []float64        `json:"upper"`
	// LowerSolver and UpperSolver are the LP solver's own optima behind Lower and Upper
	// (ilp), which hold the certified bounds (the solver's value where a bound could not
	// be certified, as Notes then say).
	LowerSolver []float64 `json:"lower_solver,omitempty"`
	UpperSolver []float64 `json:"upper_solver,omitempty"`

	Marginals map[string]*Marginal      `json:"marginals"`
	Measures  map[string]*MeasureBounds `json:"measures"`

	Error       *ErrorReport   `json:"error"`
	Uniqueness  *Uniqueness    `json:"uniqueness"`
	Assumptions []string       `json:"assumptions"`
	Diagnostics *Diagnostics   `json:"diagnostics"`
	Adaptive    []AdaptiveStep `json:"adaptive"`
	// Notes are sentences for the user (an ambiguity, a non-unique optimum, a label).
	Notes []string `json:"notes,omitempty"`
}

// Structure describes a truncation (seed-003 §6.2).
type Structure struct {
	States            int         `json:"states"`
	OutBoundary       int         `json:"out_boundary"`
	InBoundary        int         `json:"in_boundary"`
	InteriorEquations int         `json:"interior_equations"`
	Levels            []int       `json:"levels"`
	LevelFunction     *string     `json:"level_function"`
	LDQBD             bool        `json:"ldqbd"`
	BirthDeath        bool        `json:"birth_death"`
	Components        []Component `json:"components"`
	Seeds             []string    `json:"seeds"`
}

// Component is a strongly connected component of the truncated graph with no edge to
// another component; Leaks reports one that loses mass through the out-boundary.
type Component struct {
	Size           int    `json:"size"`
	Representative string `json:"representative"`
	Leaks          bool   `json:"leaks"`
}

// Marginal is the law of one species: values, an approximation p, and bounds. Upper is
// not an upper bound on the marginal (seed-003 (4.43)) unless UpperIsBound.
type Marginal struct {
	Values       []int     `json:"values"`
	P            []float64 `json:"p"`
	Lower        []float64 `json:"lower"`
	Upper        []float64 `json:"upper"`
	UpperIsBound bool      `json:"upper_is_bound"`
	// Error holds the errors (4.44)–(4.46) of the bounds, nil for approximations.
	Error *MarginalError `json:"error,omitempty"`
}

// MeasureBounds brackets a stationary measure π(f) (seed-003 §3.7).
type MeasureBounds struct {
	Value     *float64 `json:"value"`
	Lower     *float64 `json:"lower"`
	Upper     *float64 `json:"upper"`
	Midpoint  *float64 `json:"midpoint"`
	HalfWidth *float64 `json:"half_width"`
	Certified bool     `json:"certified"`
	// Rule is the formula used: "4.38" (f ≥ 0 outside S: lower bound), "4.39" (f ≤ 0
	// outside S: upper bound) or "4.40" (two-sided, |f| ≤ K·w outside S).
	Rule string `json:"rule"`
}

// ErrorReport collects the error bounds and indicators of a scheme.
type ErrorReport struct {
	// TailBound is the bound c/r on the mass outside S (nil without one).
	TailBound *Number `json:"tail_bound"`
	// Mass is the mass the scheme puts on S (u(S) or l(S) for bounding schemes).
	Mass    *Number  `json:"mass"`
	TVLower *Number  `json:"tv_lower"`
	TVUpper *Number  `json:"tv_upper"`
	L1Upper *Number  `json:"l1_upper"`
	TABound *TABound `json:"ta_bound"`
	Outflow *float64 `json:"outflow"`
	// Uncertified holds indicators that are not bounds (seed-003 pitfall 6).
	Uncertified *Uncertified `json:"uncertified"`
}

// Number is a value with its certification status and, when certified given an
// assumption or a user assertion, the name of that assumption.
type Number struct {
	Value     float64 `json:"value"`
	Certified bool    `json:"certified"`
	Given     string  `json:"given,omitempty"`
}

// TABound is the Liu–Li–Masuyama bound (4.29) or its LP refinement (C.7).
type TABound struct {
	Value     float64 `json:"value"`
	Beta      float64 `json:"beta"`
	Variant   string  `json:"variant"`   // "4.29" or "C.7"
	PhiIndex  string  `json:"phi_index"` // "literal"
	Certified bool    `json:"certified"`
	// Other is the other bound of the pair when ta computed both (4.29) and (C.7): the
	// report keeps the better in ta_bound and states the other in its notes.
	Other *TABound `json:"-"`
}

// Uncertified holds error indicators that bound nothing.
type Uncertified struct {
	ConvergenceFactor *float64 `json:"convergence_factor"`
	Residual          *float64 `json:"residual"`
	Change            *float64 `json:"change"`
}

// Uniqueness is the uniqueness certificate of the bounding LP schemes: one state with a
// positive lower bound proves that there is at most one stationary law.
type Uniqueness struct {
	Certified  bool        `json:"certified"`
	Witness    *string     `json:"witness"`
	Candidates []Candidate `json:"candidates"`
}

// Candidate is one optimiser of `lp --classes`, a candidate ergodic distribution.
type Candidate struct {
	SupportSize    int    `json:"support_size"`
	Representative string `json:"representative"`
	// Support lists the states of the support (indices into S), for Go callers.
	Support []int `json:"-"`
}

// Diagnostics reports how the numbers were computed.
type Diagnostics struct {
	Solver       string   `json:"solver"`
	Residual     *float64 `json:"residual"`
	DynamicRange *float64 `json:"dynamic_range"`
	Scaling      string   `json:"scaling"`
	Precision    string   `json:"precision"`
	LP           *LPStats `json:"lp"`
}

// LPStats summarises the linear programs solved.
type LPStats struct {
	Status  string  `json:"status"`
	LPs     int     `json:"lps"`
	Pivots  int     `json:"pivots"`
	Seconds float64 `json:"seconds"`
}

// AdaptiveStep is one truncation of the adaptive driver.
type AdaptiveStep struct {
	Param          string  `json:"param"`
	Value          float64 `json:"value"`
	States         int     `json:"states"`
	CertifiedError float64 `json:"certified_error"`
	Certified      bool    `json:"certified"`
	Seconds        float64 `json:"seconds"`
}
