package average

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/runtime/fit"
)

// digits parses a reference value as printed in the digest and returns it with the
// tolerance "to the digits given": half a unit of its last printed decimal (0.5e-9 for
// -1.104810512, 0.5e-8 for 4.577e-5), plus 1e-15 for round-off.
func digits(ref string) (float64, float64) {
	v, err := strconv.ParseFloat(ref, 64)
	if err != nil {
		panic(err)
	}
	mant, exp := ref, 0
	if i := strings.IndexAny(ref, "eE"); i >= 0 {
		mant = ref[:i]
		exp, _ = strconv.Atoi(ref[i+1:])
	}
	dec := 0
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		dec = len(mant) - i - 1
	}
	return v, 0.5*math.Pow(10, float64(exp-dec)) + 1e-15
}

// near checks got against a printed reference to its printed digits and returns |error|.
func near(t *testing.T, what string, got float64, ref string) float64 {
	t.Helper()
	want, tol := digits(ref)
	e := math.Abs(got - want)
	if !(e <= tol) {
		t.Errorf("%s = %.13g, want %s (error %.3g > tolerance %.3g of the printed digits)", what, got, ref, e, tol)
	}
	return e
}

// nearAll checks a vector element-wise with near and returns the largest error.
func nearAll(t *testing.T, what string, got []float64, refs ...string) float64 {
	t.Helper()
	if len(got) != len(refs) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(refs))
	}
	worst := 0.0
	for i, r := range refs {
		worst = math.Max(worst, near(t, what+"["+strconv.Itoa(i)+"]", got[i], r))
	}
	return worst
}

// slope fits log|err| = a + s log N by least squares and returns s.
func slope(ns, errs []float64) float64 {
	s, _ := fit.Order(ns, errs)
	return s
}

func obs(t *testing.T, list []Observable, name string) Observable {
	t.Helper()
	for _, o := range list {
		if o.Name == name {
			return o
		}
	}
	t.Fatalf("observable %s not found", name)
	return Observable{}
}
