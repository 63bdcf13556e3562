package ir

import (
	"fmt"

	"github.com/mfcproject/mfc/lang/diag"
)

// TimeKind says whether propensities are rates or step probabilities.
type TimeKind uint8

// Time kinds.
const (
	Continuous TimeKind = iota
	Discrete
)

// Model is the compiled model (docs/language.md §7.2). Every expression is a node of Graph.
type Model struct {
	Name   string
	Time   TimeKind
	Scale  *Scale // nil for a model without a scale
	Params []Param
	// ParamValues holds the current value of every parameter element, by flat index
	// (Param.Offset + row-major element index).
	ParamValues []float64
	Species     []Species
	Env         Env
	Transitions []Transition
	Observables []Observable
	Regions     []Region
	Measures    []Measure
	// Assumptions are the 'assume' declarations, in source order (docs/language.md §5.7).
	Assumptions []Assumption
	Init        Init
	// Conservation is an integer basis of {c : c·ℓ_j = 0 for every transition j}, one row
	// per law, indexed by species.
	Conservation    [][]int64
	TimeHomogeneous bool
	Graph           *Graph
	Diagnostics     diag.List // warnings of the compile
	MeanField       MeanField
}

// Scale is the system size declaration.
type Scale struct {
	Name    string
	Default NodeID // constant expression over parameters
	Value   float64
	// Reads names the parameters the default reads, sorted (nil when the scale was given).
	Reads []string
	Pos   diag.Pos
}

// Param is one parameter, scalar or array.
type Param struct {
	Name       string
	Shape      []Range // empty for a scalar
	Offset     int     // flat index of the first element in Model.ParamValues
	Size       int
	Bool       bool // declared with a true/false default
	Structural bool // used where a compile-time constant is needed (docs/language.md §4.4)
	// Reads names the parameters the default reads, sorted (nil when --set gave the value):
	// a derivative with respect to one of them changes this parameter too.
	Reads []string
	Pos   diag.Pos
}

// Range is an inclusive integer range.
type Range struct{ Lo, Hi int }

// Len returns the number of integers in r.
func (r Range) Len() int {
	if r.Hi < r.Lo {
		return 0
	}
	return r.Hi - r.Lo + 1
}

// Species is one flattened species instance; its index is its coordinate in n and x.
type Species struct {
	Name string // instance name, e.g. "Q[2,3]"
	Pos  diag.Pos
}

// Env is the finite environment: its components and the reachable space 𝒴.
type Env struct {
	Components []EnvComponent
	// Space lists the reachable tuples y (one value per component: integer value, or state
	// index for named components). Index into Space is the environment state's number.
	Space [][]int
	// Init is the initial law over Space (a point mass unless laws or 'env ~ stationary').
	Init       []float64
	Stationary bool // init { env ~ stationary }
}

// EnvComponent is one environment component.
type EnvComponent struct {
	Name   string   // instance name, e.g. "A[2]"
	States []string // named states, or nil for an integer component
	Lo, Hi int      // integer range (for named components: 0..len(States)-1)
	Pos    diag.Pos
}

// Kind classifies a transition instance in a two-timescale model.
type Kind uint8

// Transition kinds (docs/language.md §6.8).
const (
	Slow    Kind = iota // ℓ ≠ 0, u(y) = y
	Fast                // ℓ = 0, u(y) ≠ y
	Coupled             // ℓ ≠ 0, u(y) ≠ y
)

// Jump is one species' net change.
type Jump struct {
	Species int
	Delta   int
}

// EnvMove is the environment move of a transition from environment state From.
type EnvMove struct {
	From, To int // indices into Env.Space
	Kind     Kind
}

// Transition is one expanded transition instance.
type Transition struct {
	Label     string   // with instance suffix, e.g. "activate[c=2,b=3]" or "bind.fwd"
	Pos       diag.Pos // first token of the transition (its label if it has one)
	RatePos   diag.Pos // first token of the propensity
	GuardPos  diag.Pos // first token of the 'when' condition; zero without a guard
	Jump      []Jump   // ℓ, sparse, sorted by species
	Reactants []Jump   // left-hand side coefficients
	// Update maps each environment state to its successor; nil if the transition has no
	// 'set' clause.
	Update     []int
	Moves      []EnvMove // for each y where the guard is not definitely false
	Guard      NodeID    // bool
	Propensity NodeID    // Select(guard, rate, 0), count form
	Density    *Density  // scaled continuous-time models only
}

// Density is the N-expansion of a propensity: a = N·(β₀ + β₁/N + β₂/N² + …).
type Density struct {
	Order   int       // order p of the Laurent series of a in h = 1/N
	Beta    [3]NodeID // β₀, β₁, β₂ over density leaves
	Perfect bool      // β_k ≡ 0 for k ≥ 1
	Smooth  bool      // β₀ is C^∞ in the densities
}

// Observable is a named numeric output.
type Observable struct {
	Name   string
	Node   NodeID // count form
	Series *Series
	Pos    diag.Pos
}

// Series is the expansion of an observable in h = 1/N: Σ_{k=Order}^{Order+2} Coef[k-Order] h^k.
type Series struct {
	Order int
	Coef  [3]NodeID
}

// Region is a named condition.
type Region struct {
	Name string
	Node NodeID
	Pos  diag.Pos
}

// Assumption is 'assume LABEL: stationary(w) <= c': every stationary law π of the model has
// π(w) ≤ c (docs/language.md §5.7). W reads counts, environment values and parameters (never t
// or the scale); C reads parameters only.
type Assumption struct {
	Label string // as written, or "assume<k>" for the k-th assumption (from 1) without one
	W     NodeID // the function w, count form
	C     NodeID // the bound c
	Pos   diag.Pos
}

// Sublevel reports whether region number region (an index into m.Regions) is a sublevel set
// {w < r} or {w <= r} of the function w of an assumption: its condition compares, with <, <=
// (or >, >= with the sides swapped), the very node W of assumption number assumption with a
// level that reads parameters and the scale only. Hash-consing makes the same expression one
// node, so 'region trunc = w < L^6' after 'observable w = (x1 + x2)^6' and 'assume
// stationary(w) <= c' is recognised, and so is the expression written out again. strict is
// true for '<'. Cost: O(len(m.Assumptions)).
func (m *Model) Sublevel(region int) (assumption int, level NodeID, strict bool, ok bool) {
	if region < 0 || region >= len(m.Regions) {
		return -1, None, false, false
	}
	g := m.Graph
	n := g.Node(m.Regions[region].Node)
	if n.Op != OpCmp {
		return -1, None, false, false
	}
	lhs, rhs := n.Args[0], n.Args[1]
	switch Cmp(n.Aux) {
	case CmpLt, CmpLe:
		strict = Cmp(n.Aux) == CmpLt
	case CmpGt, CmpGe:
		strict = Cmp(n.Aux) == CmpGt
		lhs, rhs = rhs, lhs
	default:
		return -1, None, false, false
	}
	if g.Dep(rhs)&^(DepParam|DepScale) != 0 {
		return -1, None, false, false
	}
	for a, as := range m.Assumptions {
		if as.W == lhs {
			return a, rhs, strict, true
		}
	}
	return -1, None, false, false
}

// MeasureKind is the kind of a measure (docs/language.md §6.10).
type MeasureKind uint8

// Measure kinds.
const (
	Stationary MeasureKind = iota
	Transient
	Cumulative
	Discounted
	Until
)

var measureNames = [...]string{"stationary", "transient", "cumulative", "discounted", "until"}

// String returns the kind's keyword.
func (k MeasureKind) String() string { return measureNames[k] }

// Measure is one named quantity to compute.
type Measure struct {
	Name string
	Kind MeasureKind
	Args []NodeID // f, then T, a or R
	Pos  diag.Pos
}

// Init is the initial state.
type Init struct {
	Counts     []NodeID   // per species, over parameters and the scale
	Densities  []float64  // per species, from 'init density' (nil otherwise)
	DensityPos []diag.Pos // per species, where its density is given (with Densities)
	Density    bool
	// DensityReads names the parameters the 'init density' values read, sorted: the
	// densities are numbers, so their derivatives are not in the graph.
	DensityReads []string
}

// MeanField records whether mean-field analyses can run and, if not, why, and holds the
// nodes of the density-dependent expansion assembled over all transitions. The node slices
// are set only when Available.
type MeanField struct {
	Available   bool
	Diagnostics diag.List // E601-E604 as errors
	// Drift[k][i] is F_k,i = Σ_j ℓ_ij β_k,j over the density leaves: the mean-field drift
	// (k = 0) and its O(1/N) and O(1/N²) finite-size corrections.
	Drift [3][]NodeID
	// Rates[k][j] is β_k,j of transition j (k = 0, 1).
	Rates [2][]NodeID
	// Observables[i][k] is h_k of observable i, where h = h₀(x) + h₁(x)/N + h₂(x)/N² for a
	// deterministic state x; constant zero for an observable that is not a density
	// (ObservableScaled[i] false).
	Observables      [][3]NodeID
	ObservableScaled []bool
}

// Names returns the printable names of the graph's leaves: species and environment
// instance names, and parameter element names such as lam[2].
func (m *Model) Names() *Names {
	nm := &Names{Params: make([]string, len(m.ParamValues))}
	for _, s := range m.Species {
		nm.Species = append(nm.Species, s.Name)
	}
	for _, p := range m.Params {
		if len(p.Shape) == 0 {
			nm.Params[p.Offset] = p.Name
			continue
		}
		k := 0
		forEachIndex(p.Shape, func(idx []int) {
			nm.Params[p.Offset+k] = elementName(p.Name, idx)
			k++
		})
	}
	for _, e := range m.Env.Components {
		nm.Env = append(nm.Env, e.Name)
		nm.States = append(nm.States, e.States)
	}
	if m.Scale != nil {
		nm.Scale = m.Scale.Name
	}
	return nm
}

func elementName(name string, idx []int) string {
	s := name + "["
	for i, v := range idx {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprint(v)
	}
	return s + "]"
}

func forEachIndex(dims []Range, f func(idx []int)) {
	idx := make([]int, len(dims))
	for d := range dims {
		if dims[d].Len() == 0 {
			return
		}
		idx[d] = dims[d].Lo
	}
	for {
		f(idx)
		d := len(dims) - 1
		for ; d >= 0; d-- {
			if idx[d]++; idx[d] <= dims[d].Hi {
				break
			}
			idx[d] = dims[d].Lo
		}
		if d < 0 {
			return
		}
	}
}
