package ode

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// RODAS4 coefficients in the transformed form of Hairer & Wanner, vol. II,
// section VI.4 (code RODAS, METH=1): γ = 1/4, stages k_i solve
// (I/(γh) − J) k_i = f(t+c_i h, x + Σ a_ij k_j) + Σ c_ij k_j / h + d_i h f_t.
// The last two stages are evaluated at t+h, so the method is stiffly
// accurate; the last stage is the embedded error estimate. The r* rows
// are the coefficients of the continuous extension.
const (
	rGamma = 0.25

	rC2 = 0.386
	rC3 = 0.21
	rC4 = 0.63

	rD1 = 0.25
	rD2 = -0.1043
	rD3 = 0.1035
	rD4 = -0.3620000000000023e-01

	rA21 = 0.1544000000000000e+01
	rA31 = 0.9466785280815826e+00
	rA32 = 0.2557011698983284e+00
	rA41 = 0.3314825187068521e+01
	rA42 = 0.2896124015972201e+01
	rA43 = 0.9986419139977817e+00
	rA51 = 0.1221224509226641e+01
	rA52 = 0.6019134481288629e+01
	rA53 = 0.1253708332932087e+02
	rA54 = -0.6878860361058950e+00

	rC21 = -0.5668800000000000e+01
	rC31 = -0.2430093356833875e+01
	rC32 = -0.2063599157091915e+00
	rC41 = -0.1073529058151375e+00
	rC42 = -0.9594562251023355e+01
	rC43 = -0.2047028614809616e+02
	rC51 = 0.7496443313967647e+01
	rC52 = -0.1024680431464352e+02
	rC53 = -0.3399990352819905e+02
	rC54 = 0.1170890893206160e+02
	rC61 = 0.8083246795921522e+01
	rC62 = -0.7981132988064893e+01
	rC63 = -0.3152159432874371e+02
	rC64 = 0.1631930543123136e+02
	rC65 = -0.6058818238834054e+01

	rI21 = 0.1012623508344586e+02
	rI22 = -0.7487995877610167e+01
	rI23 = -0.3480091861555747e+02
	rI24 = -0.7992771707568823e+01
	rI25 = 0.1025137723295662e+01
	rI31 = -0.6762803392801253e+00
	rI32 = 0.6087714651680015e+01
	rI33 = 0.1643084320892478e+02
	rI34 = 0.2476722511418386e+02
	rI35 = -0.6594389125716872e+01
)

// Step-size control (predictive controller of Gustafsson as in RODAS).
const (
	rSafe  = 0.9
	rFacMx = 6.0 // growth at most 6×
	rFacMn = 5.0 // shrink at most 5×
)

// rodas is the RODAS4 Rosenbrock stepper. The Jacobian ∂f/∂x and the time
// derivative ∂f/∂t (forward difference, one evaluation) are computed once
// per step point and reused after rejections; the matrix I/(γh) − J is
// factorized once per attempt.
type rodas struct {
	e                     *evaluator
	n                     int
	x, xnew, f0, ft, ytmp []float64
	fn, rhs               []float64
	k                     [6][]float64
	cont                  [4][]float64
	jac, a                *mat.Dense
	lu                    mat.LU
	jacOK                 bool
	hold, errold          float64
	first, rejectedLast   bool
	rhsV                  *mat.VecDense
	kV                    [6]*mat.VecDense
	fdX, fdF              []float64
}

func newRodas(e *evaluator, t float64, x0 []float64) (*rodas, error) {
	n := len(x0)
	buf := make([]float64, 19*n)
	next := func() []float64 { s := buf[:n:n]; buf = buf[n:]; return s }
	r := &rodas{e: e, n: n, first: true}
	r.x, r.xnew, r.f0, r.ft, r.ytmp, r.fn, r.rhs = next(), next(), next(), next(), next(), next(), next()
	for i := range r.k {
		r.k[i] = next()
		r.kV[i] = mat.NewVecDense(n, r.k[i])
	}
	for i := range r.cont {
		r.cont[i] = next()
	}
	r.fdX, r.fdF = next(), next()
	r.rhsV = mat.NewVecDense(n, r.rhs)
	r.jac = mat.NewDense(n, n, nil)
	r.a = mat.NewDense(n, n, nil)
	copy(r.x, x0)
	if err := e.f(t, r.x, r.f0); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *rodas) name() string     { return Rosenbrock.String() }
func (r *rodas) state() []float64 { return r.x }

// jacobian evaluates ∂f/∂x (exact, or by forward differences when
// Problem.Jac is nil, costing Dim evaluations) and ∂f/∂t by a forward
// difference at (t, x).
func (r *rodas) jacobian(t float64) error {
	e := r.e
	e.stats.JacEvals++
	if e.p.Jac != nil {
		r.jac.Zero()
		if err := e.p.Jac(t, r.x, r.jac); err != nil {
			return err
		}
	} else {
		copy(r.fdX, r.x)
		for j := 0; j < r.n; j++ {
			xj := r.x[j]
			d := math.Sqrt(eps * math.Max(1e-5, math.Abs(xj)))
			r.fdX[j] = xj + d
			d = r.fdX[j] - xj
			if err := e.f(t, r.fdX, r.fdF); err != nil {
				return err
			}
			for i := 0; i < r.n; i++ {
				r.jac.Set(i, j, (r.fdF[i]-r.f0[i])/d)
			}
			r.fdX[j] = xj
		}
	}
	dt := math.Sqrt(eps * math.Max(1e-5, math.Abs(t)))
	if err := e.f(t+dt, r.x, r.ft); err != nil {
		return err
	}
	for i := range r.ft {
		r.ft[i] = (r.ft[i] - r.f0[i]) / dt
	}
	r.jacOK = true
	return nil
}

// solve computes k[s] = (I/(γh) − J)⁻¹ rhs.
func (r *rodas) solve(s int) bool {
	return r.lu.SolveVecTo(r.kV[s], false, r.rhsV) == nil || finite(r.k[s])
}

func (r *rodas) attempt(t, h float64) (float64, error) {
	if !r.jacOK {
		if err := r.jacobian(t); err != nil {
			return 0, err
		}
	}
	n := r.n
	g := 1 / (rGamma * h)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			r.a.Set(i, j, -r.jac.At(i, j))
		}
		r.a.Set(i, i, r.a.At(i, i)+g)
	}
	r.lu.Factorize(r.a)
	r.e.stats.LUs++
	x, y, k, rhs := r.x, r.ytmp, r.k, r.rhs
	f := r.e.f
	for i := range x {
		rhs[i] = r.f0[i] + h*rD1*r.ft[i]
	}
	if !r.solve(0) {
		return math.Inf(1), nil
	}
	for i := range x {
		y[i] = x[i] + rA21*k[0][i]
	}
	if err := f(t+rC2*h, y, r.fn); err != nil {
		return 0, err
	}
	for i := range x {
		rhs[i] = r.fn[i] + h*rD2*r.ft[i] + rC21*k[0][i]/h
	}
	if !r.solve(1) {
		return math.Inf(1), nil
	}
	for i := range x {
		y[i] = x[i] + rA31*k[0][i] + rA32*k[1][i]
	}
	if err := f(t+rC3*h, y, r.fn); err != nil {
		return 0, err
	}
	for i := range x {
		rhs[i] = r.fn[i] + h*rD3*r.ft[i] + (rC31*k[0][i]+rC32*k[1][i])/h
	}
	if !r.solve(2) {
		return math.Inf(1), nil
	}
	for i := range x {
		y[i] = x[i] + rA41*k[0][i] + rA42*k[1][i] + rA43*k[2][i]
	}
	if err := f(t+rC4*h, y, r.fn); err != nil {
		return 0, err
	}
	for i := range x {
		rhs[i] = r.fn[i] + h*rD4*r.ft[i] + (rC41*k[0][i]+rC42*k[1][i]+rC43*k[2][i])/h
	}
	if !r.solve(3) {
		return math.Inf(1), nil
	}
	for i := range x {
		y[i] = x[i] + rA51*k[0][i] + rA52*k[1][i] + rA53*k[2][i] + rA54*k[3][i]
	}
	if err := f(t+h, y, r.fn); err != nil {
		return 0, err
	}
	for i := range x {
		rhs[i] = r.fn[i] + (rC51*k[0][i]+rC52*k[1][i]+rC53*k[2][i]+rC54*k[3][i])/h
	}
	if !r.solve(4) {
		return math.Inf(1), nil
	}
	for i := range x {
		y[i] += k[4][i]
	}
	if err := f(t+h, y, r.fn); err != nil {
		return 0, err
	}
	for i := range x {
		rhs[i] = r.fn[i] + (rC61*k[0][i]+rC62*k[1][i]+rC63*k[2][i]+rC64*k[3][i]+rC65*k[4][i])/h
	}
	if !r.solve(5) {
		return math.Inf(1), nil
	}
	for i := range x {
		r.xnew[i] = y[i] + k[5][i]
	}
	if !finite(r.xnew) {
		return math.Inf(1), nil
	}
	return r.e.norm(k[5], x, r.xnew), nil
}

func (r *rodas) accept(t, h float64) error {
	k := r.k
	for i := range r.x {
		r.cont[0][i] = r.x[i]
		r.cont[1][i] = r.xnew[i]
		r.cont[2][i] = rI21*k[0][i] + rI22*k[1][i] + rI23*k[2][i] + rI24*k[3][i] + rI25*k[4][i]
		r.cont[3][i] = rI31*k[0][i] + rI32*k[1][i] + rI33*k[2][i] + rI34*k[3][i] + rI35*k[4][i]
	}
	r.x, r.xnew = r.xnew, r.x
	r.jacOK = false
	return r.e.f(t+h, r.x, r.f0)
}

func (r *rodas) interp(theta float64, dst []float64) {
	s1 := 1 - theta
	c := &r.cont
	for i := range dst {
		dst[i] = c[0][i]*s1 + theta*(c[1][i]+s1*(c[2][i]+theta*c[3][i]))
	}
}

// next is the predictive (Gustafsson) controller used by RODAS.
func (r *rodas) next(h, e float64, accepted bool) float64 {
	fac := math.Max(1/rFacMx, math.Min(rFacMn, math.Pow(e, 0.25)/rSafe))
	hnew := h / fac
	if !accepted {
		r.rejectedLast = true
		return hnew
	}
	if !r.first {
		pred := (r.hold / h) * math.Pow(e*e/r.errold, 0.25) / rSafe
		pred = math.Max(1/rFacMx, math.Min(rFacMn, pred))
		hnew = h / math.Max(fac, pred)
	}
	r.first = false
	r.hold = h
	r.errold = math.Max(0.01, e)
	if r.rejectedLast {
		hnew = math.Min(hnew, h)
	}
	r.rejectedLast = false
	return hnew
}
