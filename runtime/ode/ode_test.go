package ode

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

func decay() Problem {
	return Problem{Dim: 1,
		Func: func(t float64, x, dx []float64) error { dx[0] = -x[0]; return nil },
		Jac:  func(t float64, x []float64, j *mat.Dense) error { j.Set(0, 0, -1); return nil },
	}
}

func oscillator() Problem {
	return Problem{Dim: 2,
		Func: func(t float64, x, dx []float64) error { dx[0], dx[1] = x[1], -x[0]; return nil },
		Jac: func(t float64, x []float64, j *mat.Dense) error {
			j.Set(0, 1, 1)
			j.Set(1, 0, -1)
			return nil
		},
	}
}

func grid(a, b float64, n int) []float64 {
	ts := make([]float64, n)
	for i := range ts {
		ts[i] = a + (b-a)*float64(i+1)/float64(n)
	}
	return ts
}

// TestClosedForm compares with exact solutions at rtol 1e-10; the bound
// 1e-8 leaves two orders of magnitude for the accumulation of local
// errors over the interval.
func TestClosedForm(t *testing.T) {
	cases := []struct {
		name  string
		p     Problem
		x0    []float64
		exact func(t float64) []float64
	}{
		{"decay", decay(), []float64{1}, func(t float64) []float64 { return []float64{math.Exp(-t)} }},
		{"oscillator", oscillator(), []float64{1, 0}, func(t float64) []float64 { return []float64{math.Cos(t), -math.Sin(t)} }},
	}
	for _, c := range cases {
		for _, m := range []Method{Auto, DormandPrince, Rosenbrock} {
			for _, dense := range []bool{true, false} {
				ts := grid(0, 10, 37)
				res, err := Solve(context.Background(), c.p, 0, c.x0, ts, &Settings{RelTol: 1e-10, AbsTol: 1e-12, Method: m, Dense: dense})
				if err != nil {
					t.Fatalf("%s %v: %v", c.name, m, err)
				}
				var worst float64
				for i, tt := range ts {
					for k, v := range c.exact(tt) {
						worst = math.Max(worst, math.Abs(res.States[i][k]-v))
					}
				}
				if worst > 1e-8 {
					t.Errorf("%s %v dense=%v: max error %g > 1e-8", c.name, m, dense, worst)
				}
				t.Logf("%s %v dense=%v: max error %.2g, %+v", c.name, m, dense, worst, res.Stats)
			}
		}
	}
}

// fixedSteps integrates with n constant steps of a stepper.
func fixedSteps(t *testing.T, st stepper, t0, t1 float64, n int) []float64 {
	h := (t1 - t0) / float64(n)
	for i := 0; i < n; i++ {
		tt := t0 + float64(i)*h
		if _, err := st.attempt(tt, h); err != nil {
			t.Fatal(err)
		}
		if err := st.accept(tt, h); err != nil {
			t.Fatal(err)
		}
	}
	return st.state()
}

// TestOrder fits the slope of log(global error) against log(h) for
// constant steps. DP5 must show order 5 and RODAS4 order 4, within ±0.3
// (the fit sits in the asymptotic range, far from round-off). RODAS is
// checked on a non-autonomous problem so that the ∂f/∂t terms count.
func TestOrder(t *testing.T) {
	nonAuto := Problem{Dim: 1,
		Func: func(t float64, x, dx []float64) error { dx[0] = -2*x[0] + math.Sin(3*t) + t*t; return nil },
		Jac:  func(t float64, x []float64, j *mat.Dense) error { j.Set(0, 0, -2); return nil },
	}
	// Exact solution of x' = -2x + sin 3t + t², x(0)=1.
	nonAutoExact := func(t float64) float64 {
		part := (2*math.Sin(3*t)-3*math.Cos(3*t))/13 + t*t/2 - t/2 + 0.25
		c := 1 - (-3.0/13 + 0.25)
		return part + c*math.Exp(-2*t)
	}
	cases := []struct {
		name  string
		want  float64
		ns    []int
		make  func(e *evaluator) (stepper, error)
		p     Problem
		x0    []float64
		exact []float64
	}{
		{"DormandPrince/oscillator", 5, []int{10, 14, 20, 28, 40},
			func(e *evaluator) (stepper, error) { return newDopri(e, 0, []float64{1, 0}) },
			oscillator(), []float64{1, 0}, []float64{math.Cos(2), -math.Sin(2)}},
		{"DormandPrince/nonautonomous", 5, []int{10, 14, 20, 28, 40},
			func(e *evaluator) (stepper, error) { return newDopri(e, 0, []float64{1}) },
			nonAuto, []float64{1}, []float64{nonAutoExact(2)}},
		{"Rosenbrock/nonautonomous", 4, []int{20, 28, 40, 56, 80},
			func(e *evaluator) (stepper, error) { return newRodas(e, 0, []float64{1}) },
			nonAuto, []float64{1}, []float64{nonAutoExact(2)}},
	}
	for _, c := range cases {
		var lh, le []float64
		for _, n := range c.ns {
			e := &evaluator{p: c.p, stats: &Stats{}, rtol: 1, atol: 1}
			st, err := c.make(e)
			if err != nil {
				t.Fatal(err)
			}
			x := fixedSteps(t, st, 0, 2, n)
			var errv float64
			for i := range x {
				errv = math.Max(errv, math.Abs(x[i]-c.exact[i]))
			}
			lh = append(lh, math.Log(2/float64(n)))
			le = append(le, math.Log(errv))
		}
		_, slope := stat.LinearRegression(lh, le, nil, false)
		t.Logf("%s: fitted order %.3f", c.name, slope)
		if math.Abs(slope-c.want) > 0.3 {
			t.Errorf("%s: fitted order %.3f, want %v±0.3", c.name, slope, c.want)
		}
	}
}

func robertson(withJac bool) Problem {
	p := Problem{Dim: 3, Func: func(t float64, y, dy []float64) error {
		dy[0] = -0.04*y[0] + 1e4*y[1]*y[2]
		dy[2] = 3e7 * y[1] * y[1]
		dy[1] = -dy[0] - dy[2]
		return nil
	}}
	if withJac {
		p.Jac = func(t float64, y []float64, j *mat.Dense) error {
			j.Set(0, 0, -0.04)
			j.Set(0, 1, 1e4*y[2])
			j.Set(0, 2, 1e4*y[1])
			j.Set(2, 1, 6e7*y[1])
			j.Set(1, 0, 0.04)
			j.Set(1, 1, -1e4*y[2]-6e7*y[1])
			j.Set(1, 2, -1e4*y[1])
			return nil
		}
	}
	return p
}

// TestRobertson checks y(40) against the reference values to 1e-6
// relative. AbsTol is 1e-14 because y2 ~ 1e-5: a looser absolute
// tolerance would allow a larger relative error in y2.
func TestRobertson(t *testing.T) {
	want := []float64{0.7158270687, 9.185534764e-6, 0.2841637457}
	cases := []struct {
		name     string
		method   Method
		jac      bool
		switched bool
	}{
		{"Rosenbrock/exact-Jacobian", Rosenbrock, true, false},
		{"Rosenbrock/finite-difference", Rosenbrock, false, false},
		{"Auto", Auto, true, true},
	}
	for _, c := range cases {
		start := time.Now()
		res, err := Solve(context.Background(), robertson(c.jac), 0, []float64{1, 0, 0}, []float64{0.4, 4, 40},
			&Settings{RelTol: 1e-10, AbsTol: 1e-14, Method: c.method, Dense: true})
		el := time.Since(start)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		y := res.States[2]
		for i := range want {
			if rel := math.Abs(y[i]-want[i]) / want[i]; rel > 1e-6 {
				t.Errorf("%s: y%d(40)=%.10g, want %.10g (rel %g)", c.name, i+1, y[i], want[i], rel)
			}
		}
		if el > time.Second {
			t.Errorf("%s: took %v, want < 1s", c.name, el)
		}
		if res.Stats.Switched != c.switched {
			t.Errorf("%s: Switched=%v, want %v", c.name, res.Stats.Switched, c.switched)
		}
		t.Logf("%s: %v, %+v", c.name, el, res.Stats)
	}
}

// stiffLinear is x' = A x, A = [[-1, 1-1e4], [0, -1e4]], with eigenvalues
// -1 and -1e4 (rates 10^4 apart) and exact solution x1 = e^{-t} + e^{-1e4 t},
// x2 = e^{-1e4 t} for x(0) = (2, 1).
func stiffLinear() (Problem, func(t float64) []float64) {
	const k = 1e4
	p := Problem{Dim: 2,
		Func: func(t float64, x, dx []float64) error {
			dx[0] = -x[0] + (1-k)*x[1]
			dx[1] = -k * x[1]
			return nil
		},
		Jac: func(t float64, x []float64, j *mat.Dense) error {
			j.Set(0, 0, -1)
			j.Set(0, 1, 1-k)
			j.Set(1, 1, -k)
			return nil
		},
	}
	exact := func(t float64) []float64 {
		return []float64{math.Exp(-t) + math.Exp(-k*t), math.Exp(-k * t)}
	}
	return p, exact
}

// TestStiffLinear: Rosenbrock integrates to t=100 quickly and accurately
// (1e-6 absolute at the default tolerances); DormandPrince would need
// about 3·10^5 steps and instead stops with a *StiffError within 500.
func TestStiffLinear(t *testing.T) {
	p, exact := stiffLinear()
	ts := []float64{1, 10, 100}
	for _, m := range []Method{Rosenbrock, Auto} {
		start := time.Now()
		res, err := Solve(context.Background(), p, 0, []float64{2, 1}, ts, &Settings{Method: m, Dense: true})
		el := time.Since(start)
		if err != nil {
			t.Fatalf("%v: %v", m, err)
		}
		for i, tt := range ts {
			for k, v := range exact(tt) {
				if d := math.Abs(res.States[i][k] - v); d > 1e-6 {
					t.Errorf("%v: x%d(%g) error %g", m, k, tt, d)
				}
			}
		}
		if el > time.Second {
			t.Errorf("%v: took %v", m, el)
		}
		t.Logf("%v: %v, %+v", m, el, res.Stats)
	}
	res, err := Solve(context.Background(), p, 0, []float64{2, 1}, ts, &Settings{Method: DormandPrince, Dense: true})
	var se *StiffError
	if !errors.As(err, &se) {
		t.Fatalf("DormandPrince: err = %v, want *StiffError", err)
	}
	if res.Stats.Steps > 500 || se.T <= 0 || se.T >= 100 {
		t.Errorf("DormandPrince: stopped after %d steps at t=%g", res.Stats.Steps, se.T)
	}
	t.Logf("DormandPrince: %v; %+v", err, res.Stats)
}

// TestDense checks output at 500 non-step times: with Dense the steps are
// not shortened (same step count as asking only for the final time), and
// the interpolant error stays below 1e-7 at rtol 1e-10 (the continuous
// extensions are of order 4 (DP5) and 3 (RODAS4), lower than the step
// order, hence the looser bound than TestClosedForm).
func TestDense(t *testing.T) {
	p := oscillator()
	ts := grid(0, 20, 500)
	for _, m := range []Method{DormandPrince, Rosenbrock} {
		s := &Settings{RelTol: 1e-10, AbsTol: 1e-12, Method: m, Dense: true}
		res, err := Solve(context.Background(), p, 0, []float64{1, 0}, ts, s)
		if err != nil {
			t.Fatal(err)
		}
		only, err := Solve(context.Background(), p, 0, []float64{1, 0}, ts[len(ts)-1:], s)
		if err != nil {
			t.Fatal(err)
		}
		if res.Stats.Steps != only.Stats.Steps {
			t.Errorf("%v: %d steps with dense output, %d without", m, res.Stats.Steps, only.Stats.Steps)
		}
		var worst float64
		for i, tt := range ts {
			worst = math.Max(worst, math.Abs(res.States[i][0]-math.Cos(tt)))
			worst = math.Max(worst, math.Abs(res.States[i][1]+math.Sin(tt)))
		}
		if worst > 1e-7 {
			t.Errorf("%v: dense output error %g > 1e-7", m, worst)
		}
		t.Logf("%v: dense max error %.2g over %d outputs, %d steps", m, worst, len(ts), res.Stats.Steps)
	}
}

func TestErrors(t *testing.T) {
	blowup := Problem{Dim: 1, Func: func(t float64, x, dx []float64) error { dx[0] = x[0] * x[0]; return nil }}
	nanAfter := Problem{Dim: 1, Func: func(t float64, x, dx []float64) error {
		dx[0] = 1
		if t > 0.5 {
			dx[0] = math.NaN()
		}
		return nil
	}}
	errBoom := errors.New("boom")
	failing := Problem{Dim: 1, Func: func(t float64, x, dx []float64) error {
		if t > 0.25 {
			return errBoom
		}
		dx[0] = 1
		return nil
	}}
	for _, m := range []Method{DormandPrince, Rosenbrock} {
		// x' = x², x(0)=1 has x = 1/(1-t): blows up at t = 1.
		_, err := Solve(context.Background(), blowup, 0, []float64{1}, []float64{2}, &Settings{Method: m})
		var se *StepError
		if !errors.As(err, &se) || math.Abs(se.T-1) > 1e-6 {
			t.Errorf("%v blow-up: err = %v, want *StepError near t=1", m, err)
		} else {
			t.Logf("%v blow-up: %v", m, err)
		}
		_, err = Solve(context.Background(), nanAfter, 0, []float64{0}, []float64{1}, &Settings{Method: m})
		if !errors.As(err, &se) || math.Abs(se.T-0.5) > 1e-6 {
			t.Errorf("%v NaN: err = %v, want *StepError near t=0.5", m, err)
		} else {
			t.Logf("%v NaN: %v", m, err)
		}
		_, err = Solve(context.Background(), failing, 0, []float64{0}, []float64{1}, &Settings{Method: m})
		if !errors.Is(err, errBoom) {
			t.Errorf("%v: err = %v, want wrapped Func error", m, err)
		}
		res, err := Solve(context.Background(), oscillator(), 0, []float64{1, 0}, []float64{1, 1000}, &Settings{Method: m, MaxSteps: 50})
		var me *MaxStepsError
		if !errors.As(err, &me) || me.T <= 1 || res.States[0] == nil || res.States[1] != nil {
			t.Errorf("%v: err = %v, want *MaxStepsError with partial result", m, err)
		}
	}
	if _, err := Solve(context.Background(), decay(), 0, []float64{1}, []float64{2, 1}, nil); err == nil {
		t.Error("decreasing times accepted")
	}
	if _, err := Solve(context.Background(), decay(), 0, []float64{1, 2}, []float64{1}, nil); err == nil {
		t.Error("wrong dimension accepted")
	}
	res, err := Solve(context.Background(), decay(), 0, []float64{1}, []float64{0, 0, 1}, nil)
	if err != nil || res.States[0][0] != 1 || res.States[1][0] != 1 || math.Abs(res.States[2][0]-math.Exp(-1)) > 1e-7 {
		t.Errorf("outputs at t0: %v %v", res, err)
	}
}

// A cancelled context stops an integration that would otherwise run for a long time (a
// harmonic oscillator over 10⁹ time units with a tight tolerance) within one step, with an
// error wrapping the context's error and the states reached so far.
func TestSolveCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	p := oscillator()
	f := p.Func
	p.Func = func(t float64, x, dx []float64) error {
		calls++
		if calls == 1000 {
			cancel()
		}
		return f(t, x, dx)
	}
	start := time.Now()
	res, err := Solve(ctx, p, 0, []float64{1, 0}, []float64{1, 1e9}, &Settings{RelTol: 1e-12, AbsTol: 1e-14, MaxSteps: 1 << 40})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("stopped after %v", el)
	}
	if res == nil || res.States[0] == nil || res.States[1] != nil {
		t.Errorf("partial result: %+v", res)
	}
	if calls > 1100 {
		t.Errorf("%d evaluations after the cancellation", calls-1000)
	}
	if _, err := Solve(ctx, decay(), 0, []float64{1}, []float64{1}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("already cancelled: err = %v", err)
	}
}
