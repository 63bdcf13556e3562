package ode

import "math"

// Dormand–Prince 5(4) coefficients (Dormand & Prince 1980; Hairer,
// Nørsett & Wanner vol. I, Table II.5.2) with the error coefficients
// e = b - b̂ and the dense-output coefficients of DOPRI5.
const (
	dpC2 = 1.0 / 5
	dpC3 = 3.0 / 10
	dpC4 = 4.0 / 5
	dpC5 = 8.0 / 9

	dpA21 = 1.0 / 5
	dpA31 = 3.0 / 40
	dpA32 = 9.0 / 40
	dpA41 = 44.0 / 45
	dpA42 = -56.0 / 15
	dpA43 = 32.0 / 9
	dpA51 = 19372.0 / 6561
	dpA52 = -25360.0 / 2187
	dpA53 = 64448.0 / 6561
	dpA54 = -212.0 / 729
	dpA61 = 9017.0 / 3168
	dpA62 = -355.0 / 33
	dpA63 = 46732.0 / 5247
	dpA64 = 49.0 / 176
	dpA65 = -5103.0 / 18656
	dpA71 = 35.0 / 384
	dpA73 = 500.0 / 1113
	dpA74 = 125.0 / 192
	dpA75 = -2187.0 / 6784
	dpA76 = 11.0 / 84

	dpE1 = 71.0 / 57600
	dpE3 = -71.0 / 16695
	dpE4 = 71.0 / 1920
	dpE5 = -17253.0 / 339200
	dpE6 = 22.0 / 525
	dpE7 = -1.0 / 40

	dpD1 = -12715105075.0 / 11282082432
	dpD3 = 87487479700.0 / 32700410799
	dpD4 = -10690763975.0 / 1880347072
	dpD5 = 701980252875.0 / 199316789632
	dpD6 = -1453857185.0 / 822651844
	dpD7 = 69997945.0 / 29380423
)

// Step-size control constants (Hairer's DOPRI5 defaults).
const (
	dpSafe  = 0.9
	dpBeta  = 0.04              // PI stabilization
	dpExpo1 = 0.2 - dpBeta*0.75 // 1/5 - 0.75β
	dpFacMn = 0.2               // h may shrink to h/5 ... (facc1 = 1/0.2)
	dpFacMx = 10.0              // ... and grow to 10h
	dpStiff = 3.0               // h·ρ threshold, just below the stability limit ≈3.3 where PI control parks the step
	dpNStf  = 15                // consecutive detections reported as stiff
	dpNNon  = 6                 // non-stiff steps that reset the counter
	dpFacIn = 1e-4              // initial and minimal facold
)

// DP54 is the Dormand–Prince 5(4) pair of Solve's explicit method with its step-size
// control constants, for integrators outside this package whose state does not fit
// Problem (ctmc.Flow, whose state space grows as states are reached): stage s (1..6) is
// evaluated at t + C[s]·h from y + h·Σ_{j<s} A[s][j]·k_j, the solution is
// y + h·Σ_j A[6][j]·k_j (FSAL), and E = b − b̂ weighs the error estimate; a step is accepted
// when the error norm err ≤ 1 and the next step is h/min(1/FacMin, max(1/FacMax,
// err^Expo1/facold^Beta/Safe)) with facold = max(err, FacInit).
var DP54 = struct {
	C                                          [7]float64
	A                                          [7][6]float64
	E                                          [7]float64
	Safe, Beta, Expo1, FacMin, FacMax, FacInit float64
}{
	C: [7]float64{0, dpC2, dpC3, dpC4, dpC5, 1, 1},
	A: [7][6]float64{
		{},
		{dpA21},
		{dpA31, dpA32},
		{dpA41, dpA42, dpA43},
		{dpA51, dpA52, dpA53, dpA54},
		{dpA61, dpA62, dpA63, dpA64, dpA65},
		{dpA71, 0, dpA73, dpA74, dpA75, dpA76},
	},
	E:    [7]float64{dpE1, 0, dpE3, dpE4, dpE5, dpE6, dpE7},
	Safe: dpSafe, Beta: dpBeta, Expo1: dpExpo1, FacMin: dpFacMn, FacMax: dpFacMx, FacInit: dpFacIn,
}

// dopri is the Dormand–Prince 5(4) stepper with FSAL, PI control,
// 4th-order dense output and Shampine/Hairer stiffness detection.
type dopri struct {
	e                          *evaluator
	n                          int
	x, xnew, ytmp, ysti        []float64
	k1, k2, k3, k4, k5, k6, k7 []float64
	errv                       []float64
	cont                       [5][]float64
	facold                     float64
	rejectedLast               bool
	iasti, nonsti              int
	hrho                       float64
	stiff                      bool
}

func newDopri(e *evaluator, t float64, x0 []float64) (*dopri, error) {
	n := len(x0)
	buf := make([]float64, 17*n)
	next := func() []float64 { s := buf[:n:n]; buf = buf[n:]; return s }
	d := &dopri{e: e, n: n, facold: dpFacIn}
	d.x, d.xnew, d.ytmp, d.ysti = next(), next(), next(), next()
	d.k1, d.k2, d.k3, d.k4, d.k5, d.k6, d.k7 = next(), next(), next(), next(), next(), next(), next()
	d.errv = next()
	for i := range d.cont {
		d.cont[i] = next()
	}
	copy(d.x, x0)
	if err := e.f(t, d.x, d.k1); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *dopri) name() string     { return DormandPrince.String() }
func (d *dopri) state() []float64 { return d.x }

func (d *dopri) attempt(t, h float64) (float64, error) {
	x, y := d.x, d.ytmp
	f := d.e.f
	for i := range x {
		y[i] = x[i] + h*dpA21*d.k1[i]
	}
	if err := f(t+dpC2*h, y, d.k2); err != nil {
		return 0, err
	}
	for i := range x {
		y[i] = x[i] + h*(dpA31*d.k1[i]+dpA32*d.k2[i])
	}
	if err := f(t+dpC3*h, y, d.k3); err != nil {
		return 0, err
	}
	for i := range x {
		y[i] = x[i] + h*(dpA41*d.k1[i]+dpA42*d.k2[i]+dpA43*d.k3[i])
	}
	if err := f(t+dpC4*h, y, d.k4); err != nil {
		return 0, err
	}
	for i := range x {
		y[i] = x[i] + h*(dpA51*d.k1[i]+dpA52*d.k2[i]+dpA53*d.k3[i]+dpA54*d.k4[i])
	}
	if err := f(t+dpC5*h, y, d.k5); err != nil {
		return 0, err
	}
	for i := range x {
		d.ysti[i] = x[i] + h*(dpA61*d.k1[i]+dpA62*d.k2[i]+dpA63*d.k3[i]+dpA64*d.k4[i]+dpA65*d.k5[i])
	}
	if err := f(t+h, d.ysti, d.k6); err != nil {
		return 0, err
	}
	for i := range x {
		d.xnew[i] = x[i] + h*(dpA71*d.k1[i]+dpA73*d.k3[i]+dpA74*d.k4[i]+dpA75*d.k5[i]+dpA76*d.k6[i])
	}
	if err := f(t+h, d.xnew, d.k7); err != nil {
		return 0, err
	}
	if !finite(d.xnew) || !finite(d.k7) {
		return math.Inf(1), nil
	}
	for i := range x {
		d.errv[i] = h * (dpE1*d.k1[i] + dpE3*d.k3[i] + dpE4*d.k4[i] + dpE5*d.k5[i] + dpE6*d.k6[i] + dpE7*d.k7[i])
	}
	return d.e.norm(d.errv, x, d.xnew), nil
}

// accept commits the step, prepares the dense output and updates the
// stiffness detector: h·ρ ≈ h‖k7−k6‖/‖x_new−y_6‖, since stages 6 and 7
// are both evaluated at t+h (Hairer & Wanner vol. II, IV.2; Shampine).
func (d *dopri) accept(t, h float64) error {
	var num, den float64
	for i := range d.x {
		a := d.k7[i] - d.k6[i]
		b := d.xnew[i] - d.ysti[i]
		num += a * a
		den += b * b
	}
	if den > 0 {
		d.hrho = h * math.Sqrt(num/den)
		if d.hrho > dpStiff {
			d.nonsti = 0
			d.iasti++
			if d.iasti >= dpNStf {
				d.stiff = true
			}
		} else {
			d.nonsti++
			if d.nonsti == dpNNon {
				d.iasti = 0
			}
		}
	}
	for i := range d.x {
		ydiff := d.xnew[i] - d.x[i]
		bspl := h*d.k1[i] - ydiff
		d.cont[0][i] = d.x[i]
		d.cont[1][i] = ydiff
		d.cont[2][i] = bspl
		d.cont[3][i] = ydiff - h*d.k7[i] - bspl
		d.cont[4][i] = h * (dpD1*d.k1[i] + dpD3*d.k3[i] + dpD4*d.k4[i] + dpD5*d.k5[i] + dpD6*d.k6[i] + dpD7*d.k7[i])
	}
	d.x, d.xnew = d.xnew, d.x
	d.k1, d.k7 = d.k7, d.k1 // first same as last
	return nil
}

func (d *dopri) interp(theta float64, dst []float64) {
	t1 := 1 - theta
	c := &d.cont
	for i := range dst {
		dst[i] = c[0][i] + theta*(c[1][i]+t1*(c[2][i]+theta*(c[3][i]+t1*c[4][i])))
	}
}

// next is the PI step-size controller of DOPRI5 (Gustafsson; Hairer,
// Nørsett & Wanner vol. I, IV.2).
func (d *dopri) next(h, e float64, accepted bool) float64 {
	fac11 := math.Pow(e, dpExpo1)
	if !accepted {
		d.rejectedLast = true
		return h / math.Min(1/dpFacMn, fac11/dpSafe)
	}
	fac := fac11 / math.Pow(d.facold, dpBeta)
	fac = math.Max(1/dpFacMx, math.Min(1/dpFacMn, fac/dpSafe))
	hnew := h / fac
	d.facold = math.Max(e, dpFacIn)
	if d.rejectedLast {
		hnew = math.Min(hnew, h)
	}
	d.rejectedLast = false
	return hnew
}
