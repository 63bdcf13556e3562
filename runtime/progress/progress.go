// Package progress draws a one-line progress bar with rate and estimated time to
// completion, for long computations reporting to a terminal (typically os.Stderr).
//
// A Bar draws only when its writer is a terminal (an *os.File that is a character device,
// which also includes /dev/null); for any other writer — a pipe, a regular file, a buffer —
// it writes nothing, so redirected output stays clean. Redraws are throttled to at most one per MinInterval, so Add may be
// called for every unit of work. All methods are safe for concurrent use and for a nil
// *Bar (they do nothing).
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// MinInterval is the minimum time between two redraws (at most 10 per second).
const MinInterval = 100 * time.Millisecond

// barWidth is the number of cells of the bar itself.
const barWidth = 24

// Bar is a progress bar for total units of work.
type Bar struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	total    int64
	done     int64
	term     bool             // draw at all
	now      func() time.Time // clock, replaceable in tests
	start    time.Time
	last     time.Time // time of the last redraw
	drawn    bool      // something has been drawn
	width    int       // length of the last line drawn, to blank leftovers
	finished bool
}

// New returns a bar labelled label for total units of work (total ≤ 0: unknown, no bar or
// ETA is shown) that draws on w if w is a terminal and is silent otherwise. Cost: O(1);
// one Stat call.
func New(w io.Writer, label string, total int64) *Bar {
	return newBar(w, label, total, isTerminal(w), time.Now)
}

func newBar(w io.Writer, label string, total int64, term bool, now func() time.Time) *Bar {
	return &Bar{w: w, label: label, total: total, term: term, now: now, start: now()}
}

// isTerminal reports whether w is an *os.File on a character device.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Add records n more completed units and redraws if MinInterval has passed since the last
// redraw or the work is complete. Cost: O(1), plus one write when it redraws.
func (b *Bar) Add(n int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	b.maybeDraw()
}

// Report sets the completed units to done and the total to total, and redraws as Add
// does. Its signature matches ssa.Settings.Progress, so a bar can be passed there as
// bar.Report. Cost: O(1), plus one write when it redraws.
func (b *Bar) Report(done, total int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done, b.total = done, total
	b.maybeDraw()
}

// Done draws the final state and ends the line if the writer is a terminal; later calls of
// any method draw nothing. Cost: O(1).
func (b *Bar) Done() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	if b.term {
		b.draw(b.now())
		io.WriteString(b.w, "\n")
	}
	b.finished = true
}

func (b *Bar) maybeDraw() {
	if !b.term || b.finished {
		return
	}
	now := b.now()
	if b.drawn && now.Sub(b.last) < MinInterval && (b.total <= 0 || b.done < b.total) {
		return
	}
	b.draw(now)
}

// draw writes the line for the current state at time now, preceded by a carriage return
// and padded to cover the previous line.
func (b *Bar) draw(now time.Time) {
	line := b.line(now.Sub(b.start))
	pad := ""
	if n := b.width - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	io.WriteString(b.w, "\r"+line+pad)
	b.width = len(line)
	b.last = now
	b.drawn = true
}

// line formats the bar after elapsed time, e.g.
// "runs [==========>           ]  45% 450/1000  120/s  ETA 4s".
func (b *Bar) line(elapsed time.Duration) string {
	var sb strings.Builder
	if b.label != "" {
		sb.WriteString(b.label)
		sb.WriteByte(' ')
	}
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(b.done) / s
	}
	if b.total > 0 {
		f := fraction(b.done, b.total)
		fill := int(f * barWidth)
		sb.WriteByte('[')
		for i := 0; i < barWidth; i++ {
			switch {
			case i < fill:
				sb.WriteByte('=')
			case i == fill && fill < barWidth:
				sb.WriteByte('>')
			default:
				sb.WriteByte(' ')
			}
		}
		fmt.Fprintf(&sb, "] %3d%% %d/%d", int(f*100), b.done, b.total)
	} else {
		fmt.Fprintf(&sb, "%d", b.done)
	}
	sb.WriteString("  " + formatRate(rate))
	if b.total > 0 {
		sb.WriteString("  ETA " + formatETA(eta(b.done, b.total, elapsed)))
	}
	return sb.String()
}

// fraction returns done/total clamped to [0, 1].
func fraction(done, total int64) float64 {
	if total <= 0 || done <= 0 {
		return 0
	}
	if done >= total {
		return 1
	}
	return float64(done) / float64(total)
}

// eta estimates the remaining time at the mean rate so far; −1 means unknown (no work
// done yet or no time elapsed).
func eta(done, total int64, elapsed time.Duration) time.Duration {
	if done >= total {
		return 0
	}
	if done <= 0 || elapsed <= 0 {
		return -1
	}
	return time.Duration(float64(elapsed) * float64(total-done) / float64(done))
}

// formatETA formats a remaining time compactly: "--" if unknown, "42s", "3m05s",
// "2h07m", rounded up to whole seconds (or minutes from one hour on).
func formatETA(d time.Duration) string {
	if d < 0 {
		return "--"
	}
	s := int64((d + time.Second - 1) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	m := (s + 59) / 60
	return fmt.Sprintf("%dh%02dm", m/60, m%60)
}

// formatRate formats units per second with about three significant digits and a k/M/G
// suffix, e.g. "0.5/s", "120/s", "12.5k/s", "3.2M/s".
func formatRate(r float64) string {
	suffix := ""
	for _, u := range []struct {
		scale float64
		name  string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if r >= u.scale {
			r /= u.scale
			suffix = u.name
			break
		}
	}
	if r >= 100 {
		return fmt.Sprintf("%.0f%s/s", r, suffix)
	}
	return fmt.Sprintf("%.3g%s/s", r, suffix)
}
