package ssa

import (
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/stdlib"
)

// Propensity kernels. A propensity that is a product of factors, each a constant (a
// node that reads no count, density, environment or time: parameters, constants, the
// scale), a count n_i, a density x_i or n_i/c, a shifted count n_i + c or a power n_i^c
// with c constant, possibly divided as a whole by a constant — the mass-action forms k·A·B,
// k·A·(A − 1)/(2N), β·S·I/N, k·(A/N)·N — is evaluated directly from the species instead of through the tape: the constants are
// evaluated once per simulator, and the product is taken in the order of the node's
// operands with the same operations as ir.Tape.Eval (the product of the leading constants
// first, then one multiplication per further factor), so that the value is the tape's,
// bit for bit (TestKernels), and the trajectories are unchanged. Other propensities
// (guards, environments, time, divisions, sums of terms) go through the tape.

// Kernel types.
const (
	kTape   uint8 = iota // not a kernel: evaluated by the tape
	kConst               // a constant propensity: lead
	kCount1              // lead·n[sp0]
	kCount2              // lead·n[sp0]·n[sp1]
	kGen                 // lead times the factors fac[f0:f1]
)

// Factor kinds of a general kernel.
const (
	fConst uint8 = iota // constant kc[c]
	fCount              // n[sp]
	fDens               // x[sp]
	fShift              // n[sp] + kc[c]
	fPow                // stdlib.Pow(n[sp], kc[c])
	fDivC               // n[sp] / kc[c]: a density written n/N
)

// kernel is the compiled form of one propensity.
type kernel struct {
	typ      uint8
	sp0, sp1 int32
	f0, f1   int32 // factors after the leading constants (kGen), in plan.fac
	nLead    int32 // number of leading constant factors, in plan.lead[l0:l0+nLead]
	l0       int32
	div      int32 // constant the product is divided by (kGen), −1 for none
}

// kdep is a dependent with a kernel, for the loop of Sim.fire.
type kdep struct {
	k        int32
	typ      uint8
	sp0, sp1 int32
}

// kfactor is one factor of a general kernel.
type kfactor struct {
	kind uint8
	sp   int32
	c    int32 // index into the constants (plan.constNodes, Sim.kc)
}

// kernels holds the kernels of a plan.
type kernels struct {
	kern       []kernel
	fac        []kfactor
	lead       []int32     // indices of leading constants, per kernel (kernel.l0, nLead)
	constNodes []ir.NodeID // the constant nodes the kernels read
	constTape  *ir.Tape    // evaluates constNodes; nil if none
}

// compileKernels compiles the propensities props of the transitions to kernels where
// they have a product form. O(size of the propensity nodes).
func compileKernels(g *ir.Graph, props []ir.NodeID) kernels {
	var ks kernels
	constIdx := map[ir.NodeID]int32{}
	isConst := func(id ir.NodeID) bool {
		return g.Dep(id)&(ir.DepCount|ir.DepDensity|ir.DepEnv|ir.DepTime) == 0 && g.Nodes[id].Type == ir.Num
	}
	cidx := func(id ir.NodeID) int32 {
		if c, ok := constIdx[id]; ok {
			return c
		}
		c := int32(len(ks.constNodes))
		constIdx[id] = c
		ks.constNodes = append(ks.constNodes, id)
		return c
	}
	// factor classifies one operand of the product.
	factor := func(id ir.NodeID) (kfactor, bool) {
		n := &g.Nodes[id]
		switch {
		case isConst(id):
			return kfactor{kind: fConst, c: cidx(id)}, true
		case n.Op == ir.OpCount:
			return kfactor{kind: fCount, sp: n.Aux}, true
		case n.Op == ir.OpDensity:
			return kfactor{kind: fDens, sp: n.Aux}, true
		case n.Op == ir.OpAdd && len(n.Args) == 2:
			a, b := n.Args[0], n.Args[1]
			if g.Nodes[b].Op == ir.OpCount {
				a, b = b, a
			}
			// Addition of two operands is commutative in floating point: n + c = c + n.
			if g.Nodes[a].Op == ir.OpCount && isConst(b) {
				return kfactor{kind: fShift, sp: g.Nodes[a].Aux, c: cidx(b)}, true
			}
		case n.Op == ir.OpDiv:
			a, b := n.Args[0], n.Args[1]
			if g.Nodes[a].Op == ir.OpCount && isConst(b) {
				return kfactor{kind: fDivC, sp: g.Nodes[a].Aux, c: cidx(b)}, true
			}
		case n.Op == ir.OpPow:
			a, b := n.Args[0], n.Args[1]
			if g.Nodes[a].Op == ir.OpCount && isConst(b) {
				return kfactor{kind: fPow, sp: g.Nodes[a].Aux, c: cidx(b)}, true
			}
		}
		return kfactor{}, false
	}
	ks.kern = make([]kernel, len(props))
	for k, id := range props {
		n := &g.Nodes[id]
		div := int32(-1)
		if n.Op == ir.OpDiv && !isConst(id) && isConst(n.Args[1]) {
			// A product over a constant: the division comes last, as in the tape.
			div = cidx(n.Args[1])
			id = n.Args[0]
			n = &g.Nodes[id]
		}
		args := []ir.NodeID{id}
		if n.Op == ir.OpMul && !isConst(id) {
			args = n.Args
		}
		var fs []kfactor
		ok := true
		for _, a := range args {
			f, good := factor(a)
			if !good {
				ok = false
				break
			}
			fs = append(fs, f)
		}
		if !ok {
			continue // kTape
		}
		kn := kernel{l0: int32(len(ks.lead)), div: div}
		i := 0
		for i < len(fs) && fs[i].kind == fConst {
			ks.lead = append(ks.lead, fs[i].c)
			i++
		}
		kn.nLead = int32(i)
		rest := fs[i:]
		switch {
		case div >= 0:
			kn.typ = kGen
			kn.f0 = int32(len(ks.fac))
			ks.fac = append(ks.fac, rest...)
			kn.f1 = int32(len(ks.fac))
		case len(rest) == 0:
			kn.typ = kConst
		case len(rest) == 1 && rest[0].kind == fCount:
			kn.typ, kn.sp0 = kCount1, rest[0].sp
		case len(rest) == 2 && rest[0].kind == fCount && rest[1].kind == fCount:
			kn.typ, kn.sp0, kn.sp1 = kCount2, rest[0].sp, rest[1].sp
		default:
			kn.typ = kGen
			kn.f0 = int32(len(ks.fac))
			ks.fac = append(ks.fac, rest...)
			kn.f1 = int32(len(ks.fac))
		}
		ks.kern[k] = kn
	}
	if len(ks.constNodes) > 0 {
		ks.constTape = g.Compile(ks.constNodes)
	}
	return ks
}

// constants evaluates the constants of the kernels at in into kc (len(constNodes)) and
// the product of each kernel's leading constants into lead (one per transition; 1 for a
// kernel without leading constants, whose first factor is then multiplied by 1, exactly).
// vals is scratch of length ≥ constTape.Len().
func (ks *kernels) constants(in *ir.Inputs, vals, kc, lead []float64) {
	if ks.constTape != nil {
		ks.constTape.Eval(vals, in)
		for i := range kc {
			kc[i] = vals[ks.constTape.Out[i]]
		}
	}
	for k := range ks.kern {
		kn := &ks.kern[k]
		if kn.typ == kTape {
			continue
		}
		v := 1.0
		for i, c := range ks.lead[kn.l0 : kn.l0+kn.nLead] {
			if i == 0 {
				v = kc[c]
			} else {
				v *= kc[c]
			}
		}
		lead[k] = v
	}
}

// eval returns the propensity of kernel k (not kTape) at counts n and densities x, with
// the constants kc and leading products lead of Sim. O(number of factors).
func (ks *kernels) eval(k int, n, x, kc, lead []float64) float64 {
	kn := &ks.kern[k]
	v := lead[k]
	switch kn.typ {
	case kCount1:
		return v * n[kn.sp0]
	case kCount2:
		return v * n[kn.sp0] * n[kn.sp1]
	case kConst:
		return v
	}
	for _, f := range ks.fac[kn.f0:kn.f1] {
		switch f.kind {
		case fConst:
			v *= kc[f.c]
		case fCount:
			v *= n[f.sp]
		case fDens:
			v *= x[f.sp]
		case fShift:
			v *= n[f.sp] + kc[f.c]
		case fPow:
			v *= stdlib.Pow(n[f.sp], kc[f.c])
		case fDivC:
			v *= n[f.sp] / kc[f.c]
		}
	}
	if kn.div >= 0 {
		v /= kc[kn.div]
	}
	return v
}
