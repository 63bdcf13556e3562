package autodiff

import (
	"sort"

	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/runtime/linalg"
	"github.com/mfcproject/mfc/stdlib"
	"gonum.org/v1/gonum/mat"
)

func reuse(dst *mat.Dense, r, c int) {
	if dst.IsEmpty() {
		dst.ReuseAs(r, c)
		return
	}
	if rr, cc := dst.Dims(); rr != r || cc != c {
		panic(mat.ErrShape)
	}
}

// Jacobian is the precomputed sparsity of the derivatives of a tape's outputs with respect
// to Vars: the dependency pattern (output i depends on variable j through the tape) and a
// greedy colouring of its columns in which two columns sharing an output never share a
// colour. Every matrix-valued result (Jacobian, contractions D^kF[…,·], Hessians) is
// recovered from one directional sweep per colour (or pair of colours): the sum of the
// columns of a colour touches each output through at most one column.
//
// A Jacobian is immutable after NewJacobian and safe for concurrent use with separate
// Workspaces.
type Jacobian struct {
	tape   *ir.Tape
	vars   Vars
	pat    linalg.CSR // the dependency pattern; Val is nil
	row    []int32    // row of each entry
	color  []int      // colour of each column
	ncolor int
	// The entries of colour c are ent[entOff[c]:entOff[c+1]]; its columns are
	// cols[colOff[c]:colOff[c+1]].
	entOff, ent  []int
	colOff, cols []int
	// affine[i] reports that output i is an affine function of the variables (its Hessian
	// is structurally zero). The Hessian colouring (hcolor, nhcolor, hcolOff, hcols)
	// colours the columns of the other rows only: the Hessians need fewer sweeps when
	// affine outputs (a sum over all variables, say) would force many Jacobian colours.
	affine         []bool
	hcolor         []int
	nhcolor        int
	hcolOff, hcols []int
}

// NewJacobian computes the dependency pattern of the outputs of t on vars and colours it.
// The pattern follows derivatives, not mere references: the condition of a Select, the
// operands of comparisons and logic, floor/ceil and the k of poisson_* contribute nothing.
// It costs O(Σ_slots |deps(slot)|·log) for the pattern and O(Σ_i |row_i|²) for the colouring.
func NewJacobian(t *ir.Tape, vars Vars) *Jacobian {
	varOf := bind(t, vars)
	deps := make([][]int32, t.Len())
	// nonlin[s]: slot s may have a non-zero second derivative in the variables. A slot
	// without dependencies is constant; sums, negations, products with at most one varying
	// factor, quotients by a constant and selections of affine operands stay affine; step
	// functions have derivative 0. Anything else that varies is non-linear.
	nonlin := make([]bool, t.Len())
	mark := make([]int, len(vars))
	var buf []int32
	for s, ins := range t.Code {
		a := t.Args[ins.Lo:ins.Hi]
		switch ins.Op {
		case ir.OpParam, ir.OpCount, ir.OpDensity, ir.OpTime:
			if j := varOf[s]; j >= 0 {
				deps[s] = []int32{j}
			}
			continue
		case ir.OpAdd, ir.OpNeg:
			for _, j := range a {
				nonlin[s] = nonlin[s] || nonlin[j]
			}
		case ir.OpMul:
			varying := 0
			for _, j := range a {
				nonlin[s] = nonlin[s] || nonlin[j]
				if len(deps[j]) > 0 {
					varying++
				}
			}
			nonlin[s] = nonlin[s] || varying > 1
		case ir.OpDiv:
			nonlin[s] = nonlin[a[0]] || len(deps[a[1]]) > 0
		case ir.OpPow:
			nonlin[s] = true // cleared below when the power does not vary
		case ir.OpSelect:
			a = a[1:]
			nonlin[s] = nonlin[a[0]] || nonlin[a[1]]
		case ir.OpFn:
			nonlin[s] = true // cleared below when no argument varies
			// Step functions have derivative 0; a function's parameter arguments do not vary.
			b := stdlib.Fn(ins.Aux).Builtin()
			if b.Kind == stdlib.Step {
				continue
			}
			a = a[b.Params:]
		default:
			continue
		}
		// Union of the operands' sets; share the slice when only one is non-empty.
		var only []int32
		n := 0
		for _, j := range a {
			if len(deps[j]) > 0 {
				only = deps[j]
				n++
			}
		}
		if n == 0 {
			nonlin[s] = false
		}
		if n <= 1 {
			deps[s] = only
			continue
		}
		buf = buf[:0]
		for _, j := range a {
			for _, c := range deps[j] {
				if mark[c] != s+1 {
					mark[c] = s + 1
					buf = append(buf, c)
				}
			}
		}
		u := append([]int32(nil), buf...)
		sort.Slice(u, func(x, y int) bool { return u[x] < u[y] })
		deps[s] = u
	}

	m := len(t.Out)
	jac := &Jacobian{tape: t, vars: append(Vars(nil), vars...)}
	p := &jac.pat
	p.Rows, p.Cols = m, len(vars)
	p.RowPtr = make([]int, m+1)
	for i, s := range t.Out {
		for _, c := range deps[s] {
			p.Col = append(p.Col, c)
			jac.row = append(jac.row, int32(i))
		}
		p.RowPtr[i+1] = len(p.Col)
	}
	jac.affine = make([]bool, m)
	for i, s := range t.Out {
		jac.affine[i] = !nonlin[s]
	}
	jac.colorColumns()
	return jac
}

// colorColumns colours the columns greedily in natural order, each with the least colour
// not used by a column sharing a row with it (a band of half-width w gets 2w+1 colours),
// once over every row (the Jacobian colouring) and once over the rows that are not affine
// (the Hessian colouring; columns in no such row get no colour, −1).
func (jac *Jacobian) colorColumns() {
	jac.color, jac.ncolor, jac.colOff, jac.cols = colorRows(&jac.pat, jac.row, nil)
	jac.hcolor, jac.nhcolor, jac.hcolOff, jac.hcols = colorRows(&jac.pat, jac.row, jac.affine)
	// Group the entries by colour.
	p := &jac.pat
	jac.entOff = make([]int, jac.ncolor+1)
	for _, c := range p.Col {
		jac.entOff[jac.color[c]+1]++
	}
	for c := 0; c < jac.ncolor; c++ {
		jac.entOff[c+1] += jac.entOff[c]
	}
	jac.ent = make([]int, len(p.Col))
	ef := append([]int(nil), jac.entOff[:jac.ncolor]...)
	for k, col := range p.Col {
		c := jac.color[col]
		jac.ent[ef[c]] = k
		ef[c]++
	}
}

// colorRows colours the columns of p that occur in a row i with skip[i] false (every row
// when skip is nil) greedily, and groups them: the columns of colour c are
// cols[colOff[c]:colOff[c+1]]. Other columns get colour −1. O(Σ_i |row_i|²).
func colorRows(p *linalg.CSR, row []int32, skip []bool) (color []int, ncolor int, colOff, cols []int) {
	n := p.Cols
	// Transpose: the rows of each column.
	cptr := make([]int, n+1)
	for k, c := range p.Col {
		if skip == nil || !skip[row[k]] {
			cptr[c+1]++
		}
	}
	for j := 0; j < n; j++ {
		cptr[j+1] += cptr[j]
	}
	crow := make([]int, cptr[n])
	fill := append([]int(nil), cptr[:n]...)
	for k, c := range p.Col {
		if skip == nil || !skip[row[k]] {
			crow[fill[c]] = int(row[k])
			fill[c]++
		}
	}
	color = make([]int, n)
	for j := range color {
		color[j] = -1
	}
	forbid := make([]int, n+1) // forbid[c] == j+1: colour c is taken next to column j
	for j := 0; j < n; j++ {
		if cptr[j] == cptr[j+1] {
			if skip == nil {
				color[j] = 0 // a column in no row: any colour
			}
			continue
		}
		for _, i := range crow[cptr[j]:cptr[j+1]] {
			for _, k := range p.Col[p.RowPtr[i]:p.RowPtr[i+1]] {
				if c := color[k]; c >= 0 {
					forbid[c] = j + 1
				}
			}
		}
		c := 0
		for forbid[c] == j+1 {
			c++
		}
		color[j] = c
		if c+1 > ncolor {
			ncolor = c + 1
		}
	}
	if skip == nil && ncolor == 0 && n > 0 {
		ncolor = 1
	}
	colOff = make([]int, ncolor+1)
	for _, c := range color {
		if c >= 0 {
			colOff[c+1]++
		}
	}
	for c := 0; c < ncolor; c++ {
		colOff[c+1] += colOff[c]
	}
	cols = make([]int, colOff[ncolor])
	cf := append([]int(nil), colOff[:ncolor]...)
	for j, c := range color {
		if c >= 0 {
			cols[cf[c]] = j
			cf[c]++
		}
	}
	return color, ncolor, colOff, cols
}

// Pattern returns the dependency pattern as a CSR matrix with nil Val. It must not be
// modified.
func (jac *Jacobian) Pattern() *linalg.CSR { return &jac.pat }

// HessianColors returns the number of colours of the Hessian colouring, which ignores the
// affine outputs: Hessian and HessianBlocks cost HessianColors()·(HessianColors()+1)/2
// second-order sweeps.
func (jac *Jacobian) HessianColors() int { return jac.nhcolor }

// Affine reports whether output i is structurally an affine function of the variables
// (its Hessian is zero).
func (jac *Jacobian) Affine(i int) bool { return jac.affine[i] }

// Colors returns the number of colours, that is, of directional sweeps per Eval.
func (jac *Jacobian) Colors() int { return jac.ncolor }

// Color returns the colour of column j.
func (jac *Jacobian) Color(j int) int { return jac.color[j] }

// Vars returns the columns of the Jacobian.
func (jac *Jacobian) Vars() Vars { return jac.vars }

// NewWorkspace returns a workspace for jac's tape and variables.
func (jac *Jacobian) NewWorkspace() *Workspace { return NewWorkspace(jac.tape, jac.vars) }

// NewCSR returns a matrix with jac's pattern and zero values, the destination of EvalCSR
// and of the partial contractions.
func (jac *Jacobian) NewCSR() *linalg.CSR {
	p := jac.pat
	p.Val = make([]float64, len(p.Col))
	return &p
}

func (jac *Jacobian) check(ws *Workspace) {
	if ws.tape != jac.tape || len(ws.vars) != len(jac.vars) {
		panic("autodiff: workspace built for another tape or Vars")
	}
}

func (jac *Jacobian) checkCSR(dst *linalg.CSR) {
	if dst.Rows != jac.pat.Rows || dst.Cols != jac.pat.Cols || len(dst.Val) != len(jac.pat.Col) {
		panic("autodiff: CSR destination does not have the Jacobian's pattern (use NewCSR)")
	}
}

// setColor sets ws.ind to x on the columns of colour c and returns it. Calling it again
// with x = 0 restores the all-zero state that ws.ind keeps between uses.
func (jac *Jacobian) setColor(ws *Workspace, c int, x float64) []float64 {
	for _, j := range jac.cols[jac.colOff[c]:jac.colOff[c+1]] {
		ws.ind[j] = x
	}
	return ws.ind
}

// setHColor is setColor for the Hessian colouring.
func (jac *Jacobian) setHColor(ws *Workspace, c int, x float64) []float64 {
	for _, j := range jac.hcols[jac.hcolOff[c]:jac.hcolOff[c+1]] {
		ws.ind[j] = x
	}
	return ws.ind
}

// scatter stores vec (indexed by output) into the entries of colour c of dense or csr.
func (jac *Jacobian) scatter(dense *mat.Dense, csr *linalg.CSR, c int, vec []float64) {
	for _, k := range jac.ent[jac.entOff[c]:jac.entOff[c+1]] {
		i := jac.row[k]
		if csr != nil {
			csr.Val[k] = vec[i]
		} else {
			dense.Set(int(i), int(jac.pat.Col[k]), vec[i])
		}
	}
}

// Eval sets dst to the Jacobian ∂F_i/∂x_j at in; dst must be empty or outputs × vars.
// It costs one evaluation and Colors() tangent sweeps, O(Colors()·len(tape.Args) + nnz)
// besides zeroing dst; a banded drift has a constant number of colours, so O(d).
func (jac *Jacobian) Eval(dst *mat.Dense, ws *Workspace, in *ir.Inputs) error {
	reuse(dst, jac.pat.Rows, jac.pat.Cols)
	dst.Zero()
	return jac.eval(dst, nil, ws, in)
}

// EvalCSR sets the values of dst, which must come from NewCSR, to the Jacobian at in.
// It costs O(Colors()·len(tape.Args) + nnz).
func (jac *Jacobian) EvalCSR(dst *linalg.CSR, ws *Workspace, in *ir.Inputs) error {
	jac.checkCSR(dst)
	return jac.eval(nil, dst, ws, in)
}

func (jac *Jacobian) eval(dense *mat.Dense, csr *linalg.CSR, ws *Workspace, in *ir.Inputs) error {
	jac.check(ws)
	ws.eval(in)
	for c := 0; c < jac.ncolor; c++ {
		d := jac.setColor(ws, c, 1)
		err := ws.tangent(d)
		jac.setColor(ws, c, 0)
		if err != nil {
			return err
		}
		ws.outputs(ws.acc, 1)
		jac.scatter(dense, csr, c, ws.acc)
	}
	return nil
}
