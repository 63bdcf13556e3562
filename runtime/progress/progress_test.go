package progress

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSilentWhenNotTerminal checks that buffers, regular files and pipes receive nothing.
func TestSilentWhenNotTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	var buf bytes.Buffer
	for _, tc := range []struct {
		name string
		bar  *Bar
		size func() int64
	}{
		{"buffer", New(&buf, "runs", 10), func() int64 { return int64(buf.Len()) }},
		{"file", New(f, "runs", 10), func() int64 { fi, _ := f.Stat(); return fi.Size() }},
		{"pipe", New(w, "runs", 10), func() int64 { return 0 }},
	} {
		if tc.bar.term {
			t.Errorf("%s: detected as a terminal", tc.name)
		}
		for i := 0; i < 10; i++ {
			tc.bar.Add(1)
		}
		tc.bar.Report(10, 10)
		tc.bar.Done()
		if n := tc.size(); n != 0 {
			t.Errorf("%s: %d bytes written", tc.name, n)
		}
	}
	w.Close()
	var got bytes.Buffer
	got.ReadFrom(r)
	if got.Len() != 0 {
		t.Errorf("pipe: %q written", got.String())
	}
	var nilBar *Bar
	nilBar.Add(1)
	nilBar.Report(1, 2)
	nilBar.Done()
}

func TestFractionETA(t *testing.T) {
	for _, tc := range []struct {
		done, total int64
		elapsed     time.Duration
		frac        float64
		eta         string
	}{
		{0, 100, 0, 0, "--"},
		{0, 100, time.Second, 0, "--"},
		{50, 100, 10 * time.Second, 0.5, "10s"},
		{25, 100, 10 * time.Second, 0.25, "30s"},
		{1, 100, 10 * time.Second, 0.01, "16m30s"},
		{1, 1000, 10 * time.Second, 0.001, "2h47m"},
		{3, 10, time.Second, 0.3, "3s"}, // 2.33 s rounds up
		{100, 100, 5 * time.Second, 1, "0s"},
		{150, 100, 5 * time.Second, 1, "0s"},
		{-1, 100, time.Second, 0, "--"},
	} {
		if f := fraction(tc.done, tc.total); f != tc.frac {
			t.Errorf("fraction(%d, %d) = %g, want %g", tc.done, tc.total, f, tc.frac)
		}
		if e := formatETA(eta(tc.done, tc.total, tc.elapsed)); e != tc.eta {
			t.Errorf("ETA(%d/%d after %v) = %q, want %q", tc.done, tc.total, tc.elapsed, e, tc.eta)
		}
	}
	for _, tc := range []struct {
		r    float64
		want string
	}{{0, "0/s"}, {0.5, "0.5/s"}, {120, "120/s"}, {12500, "12.5k/s"}, {3.2e6, "3.2M/s"}, {4.56e9, "4.56G/s"}, {999999, "1000k/s"}} {
		if got := formatRate(tc.r); got != tc.want {
			t.Errorf("formatRate(%g) = %q, want %q", tc.r, got, tc.want)
		}
	}
}

// fakeClock is a settable clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// TestDrawing drives a bar with the terminal flag forced on and a fake clock, and checks
// the lines, the throttling and the final newline.
func TestDrawing(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	var buf bytes.Buffer
	b := newBar(&buf, "runs", 1000, true, clk.now)
	b.Add(1) // first call draws
	clk.t = clk.t.Add(50 * time.Millisecond)
	b.Add(1) // throttled
	if n := strings.Count(buf.String(), "\r"); n != 1 {
		t.Fatalf("%d redraws, want 1: %q", n, buf.String())
	}
	clk.t = clk.t.Add(9950 * time.Millisecond) // 10 s elapsed
	b.Add(448)                                 // 450 done: 45 runs/s, 550 left → 12.2 s
	lines := strings.Split(buf.String(), "\r")
	want := "runs [==========>             ]  45% 450/1000  45/s  ETA 13s"
	if got := lines[len(lines)-1]; got != want {
		t.Errorf("line\n%q, want\n%q", got, want)
	}
	b.Report(1000, 1000) // completion draws despite the throttle
	b.Done()
	b.Add(5) // after Done: nothing
	out := buf.String()
	if !strings.HasSuffix(out, "] 100% 1000/1000  100/s  ETA 0s\n") {
		t.Errorf("final output %q", out)
	}
	if strings.Count(out, "\r") != 4 {
		t.Errorf("%d redraws, want 4 (first, 450, completion, Done): %q", strings.Count(out, "\r"), out)
	}

	// Unknown total: count and rate only; a shorter line blanks the previous one.
	buf.Reset()
	b = newBar(&buf, "", 0, true, clk.now)
	b.width = 12
	clk.t = clk.t.Add(2 * time.Second)
	b.Add(7)
	if got := buf.String(); got != "\r7  3.5/s    " {
		t.Errorf("unknown total: %q", got)
	}
}

// TestConcurrent adds from several goroutines (run with -race to check locking).
func TestConcurrent(t *testing.T) {
	var buf bytes.Buffer
	b := newBar(&buf, "x", 800, true, time.Now)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				b.Add(1)
			}
		}()
	}
	wg.Wait()
	b.Done()
	if b.done != 800 || !strings.Contains(buf.String(), "800/800") {
		t.Errorf("done %d, output %q", b.done, buf.String())
	}
}
