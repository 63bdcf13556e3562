package sweep

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Event is a change of stability seen between two neighbouring points of a line of the
// sweep (the last axis, the others fixed): the rightmost eigenvalue of the reported fixed
// point crosses the imaginary axis, or the stable fixed point is lost.
type Event struct {
	// Kind is "fold" (a real eigenvalue crosses 0: a fold or a transcritical point),
	// "hopf" (a complex pair crosses: oscillations start or stop) or "lost" (the next point
	// has no stable fixed point, or failed: the branch ends near there).
	Kind string `json:"kind"`
	// From and To are the points between which it happens; At estimates the value of the
	// last axis where the real part is 0 (linear interpolation, or extrapolation from the
	// two points before a loss), NaN-free: the midpoint when there is nothing better.
	From int     `json:"from"`
	To   int     `json:"to"`
	Axis string  `json:"axis"`
	At   float64 `json:"at"`
	// Real and Imag are the rightmost eigenvalue at From.
	Real float64 `json:"real"`
	Imag float64 `json:"imag"`
}

// String describes the event for a person.
func (e Event) String() string {
	switch e.Kind {
	case "hopf":
		return fmt.Sprintf("Hopf point near %s = %.6g (points %d–%d): a complex pair of eigenvalues (imaginary part %.3g) crosses the imaginary axis", e.Axis, e.At, e.From, e.To, e.Imag)
	case "fold":
		return fmt.Sprintf("fold or transcritical point near %s = %.6g (points %d–%d): a real eigenvalue crosses 0", e.Axis, e.At, e.From, e.To)
	}
	return fmt.Sprintf("the stable branch is lost near %s = %.6g (between points %d and %d; the rightmost eigenvalue was %.3g%+.3gi): a fold or the onset of oscillations", e.Axis, e.At, e.From, e.To, e.Real, e.Imag)
}

// rightmost returns the eigenvalue of largest real part of the fixed point a row reports,
// and whether it has any: that of the first point of a fixpoint report (points.0, the
// branch followed by a continuation, stable or not), else the report's eigenvalues (the
// stable point of refine and run).
func rightmost(r *Row) (re, im float64, ok bool) {
	if r.Error != "" {
		return 0, 0, false
	}
	vals := map[string]float64{}
	for i, k := range r.Keys {
		if strings.Contains(k, "eigenvalues.") && r.Values[i] != nil {
			vals[k] = *r.Values[i]
		}
	}
	for _, prefix := range []string{"points.0.eigenvalues.", "eigenvalues."} {
		re = math.Inf(-1)
		for k := 0; ; k++ {
			x, okRe := vals[prefix+strconv.Itoa(k)+".0"]
			if !okRe {
				break
			}
			if x > re {
				re, im, ok = x, vals[prefix+strconv.Itoa(k)+".1"], true
			}
		}
		if ok {
			return re, im, true
		}
	}
	return 0, 0, false
}

// Events returns the stability changes along the lines of a continuation (Plan.Continue;
// points in order of the last axis, with Zip all the points in order). Without
// continuation the reported fixed point may jump between branches from one point to the
// next, so there are none; nor for a report without eigenvalues. With fixpoint the branch
// followed is reported whatever its stability, so every crossing shows; refine and run
// report the stable point, so a crossing shows as its loss.
func Events(r *Result) []Event {
	axes := r.axisNames()
	if len(axes) == 0 || len(r.Rows) < 2 || r.lineLength() == 0 {
		return nil
	}
	axis := axes[len(axes)-1]
	last := len(axes) - 1
	line := r.lineLength()
	var out []Event
	for i := 1; i < len(r.Rows); i++ {
		a, b := &r.Rows[i-1], &r.Rows[i]
		if b.Point != a.Point+1 || b.Point%line == 0 {
			continue // not neighbours on a line
		}
		ra, ia, okA := rightmost(a)
		rb, ib, okB := rightmost(b)
		pa, pb := a.Params[last], b.Params[last]
		switch {
		case okA && okB && (ra < 0) != (rb < 0):
			at := pa + (pb-pa)*ra/(ra-rb)
			kind := "fold"
			if math.Abs(ia) > 1e-9*math.Max(1, math.Abs(ra)) || math.Abs(ib) > 1e-9*math.Max(1, math.Abs(rb)) {
				kind = "hopf"
			}
			out = append(out, Event{Kind: kind, From: a.Point, To: b.Point, Axis: axis, At: at, Real: ra, Imag: ia})
		case okA && !okB && ra < 0:
			at := (pa + pb) / 2
			if i >= 2 {
				if z := &r.Rows[i-2]; z.Point == a.Point-1 && a.Point%line != 0 {
					if rz, _, okZ := rightmost(z); okZ && rz < ra {
						pz := z.Params[last]
						// Accepted within the interval (round-off at its ends clamped).
						lo, hi := math.Min(pa, pb), math.Max(pa, pb)
						slack := 1e-9 * (hi - lo)
						if x := pa + (pa-pz)*(-ra)/(ra-rz); x >= lo-slack && x <= hi+slack {
							at = math.Min(math.Max(x, lo), hi)
						}
					}
				}
			}
			out = append(out, Event{Kind: "lost", From: a.Point, To: b.Point, Axis: axis, At: at, Real: ra, Imag: ia})
		}
	}
	return out
}
