package compiler

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/stdlib"
)

// initialState evaluates the init blocks (docs/language.md §6.9, §10 rulings 2, 6, 7): counts as graph
// nodes over parameters and the scale, densities as values, and the environment's initial
// law over explicit values and laws.
func (c *compiler) initialState() {
	m := c.model
	d := len(m.Species)
	m.Init.Counts = make([]ir.NodeID, d)
	for i := range m.Init.Counts {
		m.Init.Counts[i] = c.g.Const(0)
	}
	seen := map[string]diag.Pos{}
	envVal := make([]int, c.nEnv)
	for i, comp := range m.Env.Components {
		envVal[i] = comp.Lo
	}
	laws := make([]map[int]float64, c.nEnv)
	var stationaryPos diag.Pos
	for _, in := range c.inits {
		var density []densityItem
		for _, it := range in.items {
			if it.stationary {
				if p, dup := seen["env"]; dup {
					c.errorf(it.pos, "E703", "keep one of the two items", "'env ~ stationary' is already given (%s)", p.Short())
				}
				if !m.Env.Stationary {
					seen["env"] = it.pos
					m.Env.Stationary, stationaryPos = true, it.pos
				}
				continue
			}
			c.eachBinding(it.binders, nil, func(b *bindings) {
				c.instance = b.describe()
				c.initItem(it, b, in.density, seen, envVal, laws, &density)
			})
			c.instance = ""
		}
		if in.density {
			c.roundDensities(density)
		}
		sort.Strings(m.Init.DensityReads)
		m.Init.DensityReads = slices.Compact(m.Init.DensityReads)
	}
	if m.Env.Stationary {
		for comp, p := range seen {
			if comp != "env" && c.isEnvName(comp) {
				c.errorf(p, "E703", "'env ~ stationary' sets every environment component", "'%s' is initialised although 'env ~ stationary' is given (%s)", comp, stationaryPos.Short())
			}
		}
	}
	c.initialLaw(envVal, laws)
}

func (c *compiler) isEnvName(name string) bool {
	for _, comp := range c.model.Env.Components {
		if comp.Name == name {
			return true
		}
	}
	return false
}

type densityItem struct {
	species int
	x       float64
	pos     diag.Pos
}

func (c *compiler) initItem(it initItem, b *bindings, density bool, seen map[string]diag.Pos, envVal []int, laws []map[int]float64, dens *[]densityItem) {
	defer func() {
		if r := recover(); r != nil {
			if _, is := r.(constErr); !is {
				panic(r)
			}
		}
	}()
	s := it.target.sym
	idx := c.lowerIndex(it.target, s, b)
	var name string
	var flat int
	switch s.kind {
	case symSpecies, symAlias:
		t := s
		if s.kind == symAlias {
			t = s.target
		}
		flat = t.offset + t.flat(idx)
		name = c.model.Species[flat].Name
	case symEnv:
		flat = s.offset + s.flat(idx)
		name = c.model.Env.Components[flat].Name
	}
	if p, dup := seen[name]; dup {
		c.errorf(c.at(it.target.pos), "E703", "keep one of the two items", "'%s' is already initialised (%s)%s", name, p.Short(), c.inst())
		return
	}
	seen[name] = c.at(it.target.pos)
	if s.kind == symEnv {
		c.initEnv(it, b, flat, envVal, laws)
		return
	}
	if density {
		x, ok := c.ceval(it.value, b, "initial density")
		if !ok {
			return
		}
		if x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
			c.badInit(it, "density", name, x)
			return
		}
		*dens = append(*dens, densityItem{species: flat, x: x, pos: c.at(it.value.pos)})
		c.model.Init.DensityReads = append(c.model.Init.DensityReads, c.paramsRead(it.value)...)
		return
	}
	node := c.lower(it.value, b)
	if bad := c.g.Dep(node) &^ (ir.DepParam | ir.DepScale); bad != 0 {
		c.errorf(c.at(it.value.pos), "E307", "initial counts use literals, parameters, the scale and binders", "initial count of '%s' depends on %s%s", name, depNoun(bad), c.inst())
		return
	}
	v := c.evalConstNode(node)
	switch {
	case v < 0 || math.IsNaN(v) || math.IsInf(v, 0) || v > maxExactInt:
		c.badInit(it, "count", name, v)
		return
	case math.Abs(v-math.Round(v)) > 1e-9:
		c.warnf(c.at(it.value.pos), "W701", "give an integer count", "initial count of '%s' rounded from %s to %s", name, fmtNum(v), fmtNum(math.Round(v)))
		node = c.g.Call(stdlib.FnFloor, c.g.Add(node, c.g.Const(0.5)))
	}
	c.model.Init.Counts[flat] = node
}

// badInit reports E702 for the initial count or density v of the species called name:
// negative, NaN, infinite or (a count) beyond 2^53.
func (c *compiler) badInit(it initItem, what, name string, v float64) {
	hint, more := "initial counts and densities are ≥ 0", ""
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		hint = "initial counts and densities are finite numbers ≥ 0"
	case v > maxExactInt:
		hint, more = "counts are integers up to 2^53", ", more than 2^53"
	}
	c.errorf(c.at(it.value.pos), "E702", hint, "initial %s of '%s' is %s%s%s", what, name, fmtNum(v), more, c.inst())
}

// evalConstNode evaluates a node over parameters and the scale at the current values. The
// values are fixed once evalParams has run (every caller comes later), so each node is
// evaluated once: a tape costs O(graph), and a family of K measures with one horizon asks
// K times (quadratic in K before the memo). Cost O(graph) per new node, O(1) after.
func (c *compiler) evalConstNode(id ir.NodeID) float64 {
	if v, ok := c.constMemo[id]; ok {
		return v
	}
	if c.constMemo == nil {
		c.constMemo = map[ir.NodeID]float64{}
	}
	v := c.evalConstTape(id)
	c.constMemo[id] = v
	return v
}

// evalConstTape evaluates a node over parameters and the scale on a tape of its own.
func (c *compiler) evalConstTape(id ir.NodeID) float64 {
	t := c.g.Compile([]ir.NodeID{id})
	vals := make([]float64, t.Len())
	in := &ir.Inputs{Params: c.paramVals}
	if c.model.Scale != nil {
		in.Scale = c.model.Scale.Value
	}
	t.Eval(vals, in)
	return t.Output(vals, 0)
}

// roundDensities turns densities into counts by largest remainder, so that the rounded
// counts of the block sum to round(N · Σ x) (docs/language.md §10 ruling 6).
func (c *compiler) roundDensities(items []densityItem) {
	m := c.model
	if m.Scale == nil || len(items) == 0 {
		return
	}
	if m.Init.Densities == nil {
		m.Init.Densities = make([]float64, len(m.Species))
		m.Init.DensityPos = make([]diag.Pos, len(m.Species))
	}
	m.Init.Density = true
	n := m.Scale.Value
	total := 0.0
	counts := make([]float64, len(items))
	order := make([]int, len(items))
	for i, it := range items {
		m.Init.Densities[it.species] = it.x
		m.Init.DensityPos[it.species] = it.pos
		total += it.x * n
		counts[i] = math.Floor(it.x*n + 1e-9)
		order[i] = i
	}
	left := math.Round(total)
	for _, k := range counts {
		left -= k
	}
	sort.SliceStable(order, func(a, b int) bool {
		ra := items[order[a]].x*n - counts[order[a]]
		rb := items[order[b]].x*n - counts[order[b]]
		return ra > rb
	})
	for i := 0; i < int(left) && i < len(order); i++ {
		counts[order[i]]++
	}
	for i, it := range items {
		if math.Abs(it.x*n-counts[i]) > 1e-9 {
			c.warnf(it.pos, "W701", "choose N so that N·x is an integer, or give counts in 'init { ... }'",
				"initial count of '%s' rounded from %s to %s", m.Species[it.species].Name, fmtNum(it.x*n), fmtNum(counts[i]))
		}
		m.Init.Counts[it.species] = c.g.Const(counts[i])
	}
}

func (c *compiler) initEnv(it initItem, b *bindings, comp int, envVal []int, laws []map[int]float64) {
	x := c.model.Env.Components[comp]
	if it.law == nil {
		v, ok := c.cint(it.value, b, "initial environment value")
		if !ok {
			return
		}
		if v < x.Lo || v > x.Hi {
			c.errorf(c.at(it.value.pos), "E704", fmt.Sprintf("'%s' takes values %d..%d", x.Name, x.Lo, x.Hi), "initial value %d of '%s' is out of range%s", v, x.Name, c.inst())
			return
		}
		envVal[comp] = v
		return
	}
	law := map[int]float64{}
	sum := 0.0
	for _, a := range it.law {
		w, ok := c.ceval(a.body, b, "initial weight")
		if !ok {
			return
		}
		v := a.value
		if !a.isInt {
			v = indexOf(x.States, a.name)
		}
		if w < 0 {
			c.errorf(c.at(a.pos), "E704", "weights are ≥ 0, sum to 1 and name states of the component", "weight of '%s' is negative (%s)", armKey(a), fmtNum(w))
			return
		}
		law[v] += w
		sum += w
	}
	if math.Abs(sum-1) > 1e-9 {
		c.errorf(c.at(it.target.pos), "E704", "weights are ≥ 0, sum to 1 and name states of the component", "weights of '%s' sum to %s, not 1", x.Name, fmtNum(sum))
		return
	}
	laws[comp] = law
}

// initialLaw builds the product law of the environment components as a list of
// (tuple, weight); tuples are resolved to 𝒴 indices by envSpace.
func (c *compiler) initialLaw(envVal []int, laws []map[int]float64) {
	c.initTuples = [][]int{append([]int(nil), envVal...)}
	c.initWeights = []float64{1}
	for comp, law := range laws {
		if law == nil {
			continue
		}
		var tuples [][]int
		var weights []float64
		vals := make([]int, 0, len(law))
		for v := range law {
			vals = append(vals, v)
		}
		sort.Ints(vals)
		for i, t := range c.initTuples {
			for _, v := range vals {
				if law[v] == 0 {
					continue
				}
				nt := append([]int(nil), t...)
				nt[comp] = v
				tuples = append(tuples, nt)
				weights = append(weights, c.initWeights[i]*law[v])
			}
		}
		c.initTuples, c.initWeights = tuples, weights
	}
}
