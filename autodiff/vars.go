package autodiff

import (
	"fmt"

	"github.com/mfcproject/mfc/compiler/ir"
)

// Kind is the kind of leaf an independent variable is.
type Kind uint8

// Leaf kinds that can be independent variables (docs/language.md §7.2: Count, Density, Time, Param).
const (
	KindDensity Kind = iota // ir.OpDensity, Index = species
	KindCount               // ir.OpCount, Index = species
	KindTime                // ir.OpTime, Index unused (0)
	KindParam               // ir.OpParam, Index = flat parameter index
)

var kindNames = [...]string{"density", "count", "time", "param"}

// String returns the kind's name.
func (k Kind) String() string { return kindNames[k] }

// Var is one independent variable: a leaf of the graph.
type Var struct {
	Kind  Kind
	Index int
}

// String returns a short name such as "x3", "n0", "t" or "p2".
func (v Var) String() string {
	switch v.Kind {
	case KindDensity:
		return fmt.Sprintf("x%d", v.Index)
	case KindCount:
		return fmt.Sprintf("n%d", v.Index)
	case KindTime:
		return "t"
	}
	return fmt.Sprintf("p%d", v.Index)
}

// Vars is an ordered set of independent variables. Position j in Vars is coordinate j of
// every direction vector and column j of every Jacobian. Leaves not in Vars are held
// fixed; the scale N and environment leaves are never variables.
type Vars []Var

// Densities returns the density leaves x_0, …, x_{d−1}.
func Densities(d int) Vars { return indexed(KindDensity, seq(d)) }

// DensityIndices returns the density leaves of the given species, in order.
func DensityIndices(idx ...int) Vars { return indexed(KindDensity, idx) }

// Counts returns the count leaves n_0, …, n_{d−1}.
func Counts(d int) Vars { return indexed(KindCount, seq(d)) }

// Params returns the parameter leaves of the given flat indices, in order.
func Params(idx ...int) Vars { return indexed(KindParam, idx) }

// Time returns the time leaf t alone.
func Time() Vars { return Vars{{Kind: KindTime}} }

// Join concatenates variable sets, e.g. Join(Densities(d), Params(0), Time()).
func Join(vs ...Vars) Vars {
	var out Vars
	for _, v := range vs {
		out = append(out, v...)
	}
	return out
}

func seq(d int) []int {
	s := make([]int, d)
	for i := range s {
		s[i] = i
	}
	return s
}

func indexed(k Kind, idx []int) Vars {
	out := make(Vars, len(idx))
	for j, i := range idx {
		out[j] = Var{Kind: k, Index: i}
	}
	return out
}

// kindOf maps a leaf op to its variable kind.
func kindOf(op ir.Op) (Kind, bool) {
	switch op {
	case ir.OpDensity:
		return KindDensity, true
	case ir.OpCount:
		return KindCount, true
	case ir.OpTime:
		return KindTime, true
	case ir.OpParam:
		return KindParam, true
	}
	return 0, false
}

// bind returns, for every slot of t, the position in vars of the leaf it loads, or −1.
// It panics if vars lists a leaf twice.
func bind(t *ir.Tape, vars Vars) []int32 {
	pos := make(map[Var]int32, len(vars))
	for j, v := range vars {
		if v.Kind == KindTime {
			v.Index = 0
		}
		if _, dup := pos[v]; dup {
			panic(fmt.Sprintf("autodiff: variable %v listed twice", v))
		}
		pos[v] = int32(j)
	}
	varOf := make([]int32, t.Len())
	for s, ins := range t.Code {
		varOf[s] = -1
		if k, ok := kindOf(ins.Op); ok {
			v := Var{Kind: k, Index: int(ins.Aux)}
			if k == KindTime {
				v.Index = 0
			}
			if j, ok := pos[v]; ok {
				varOf[s] = j
			}
		}
	}
	return varOf
}
