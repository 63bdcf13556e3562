package runtime

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Budget bounds the resources of an analysis: memory and wall time. The settings of every
// analysis that may grow large embed it, so that the command line has the same flags
// --max-memory and --timeout everywhere. The zero value means the defaults: DefaultMaxBytes
// of memory, no time limit. (Simulations also bound their events: ssa.DefaultMaxEvents.)
type Budget struct {
	// MaxMemory is the memory an analysis may allocate for its large arrays (chains,
	// tensors, simulation statistics), as bytes with an optional suffix K, M, G or T
	// (powers of 1024): "2G", "500M". Empty means DefaultMaxBytes.
	MaxMemory string `flag:"max-memory" usage:"memory budget of the large arrays, e.g. 2G or 500M (default: half the machine's memory, at most 2G)"`
	// Timeout bounds the wall time, as a Go duration ("90s", "10m"); empty or "0" means
	// no bound. A simulation stopped by it reports its result so far as partial.
	Timeout string `flag:"timeout" usage:"stop after this wall time, e.g. 90s or 10m (default: none); an ensemble simulation reports its runs so far as a partial result"`
}

// maxDefaultBytes caps DefaultMaxBytes on large machines.
const maxDefaultBytes = 2 << 30

// DefaultMaxBytes returns the memory budget when Budget.MaxMemory is empty: half of the
// machine's memory (MemTotal of /proc/meminfo), at most 2 GiB (the same where the size of
// the memory is unknown). Larger analyses ask for more with --max-memory.
func DefaultMaxBytes() int64 {
	defaultBytesOnce.Do(func() {
		defaultBytes = maxDefaultBytes
		if total := memTotal(); total > 0 {
			defaultBytes = min(total/2, maxDefaultBytes)
		}
	})
	return defaultBytes
}

var (
	defaultBytesOnce sync.Once
	defaultBytes     int64
)

// memTotal returns MemTotal of /proc/meminfo in bytes, 0 if it cannot be read.
func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil || kb <= 0 {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// Check reports a budget that does not parse or is out of range, naming the flag.
func (b *Budget) Check() error {
	if _, err := b.bytes(); err != nil {
		return err
	}
	_, err := b.timeout()
	return err
}

// MaxBytes returns the memory budget in bytes (DefaultMaxBytes if MaxMemory is empty or
// does not parse; Check reports the latter).
func (b *Budget) MaxBytes() int64 {
	n, err := b.bytes()
	if err != nil || n == 0 {
		return DefaultMaxBytes()
	}
	return n
}

// Deadline returns the wall-time budget, 0 for none.
func (b *Budget) Deadline() time.Duration {
	d, _ := b.timeout()
	return d
}

// Limits returns the budget itself; the settings that embed a Budget have this method, by
// which generic code (the analysis registry) finds their budget.
func (b *Budget) Limits() *Budget { return b }

func (b *Budget) bytes() (int64, error) {
	s := strings.TrimSpace(b.MaxMemory)
	if s == "" {
		return 0, nil
	}
	s = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(s, "B"), "b"), "i")
	if s == "" {
		return 0, usageErrorf("--max-memory %q: want a size from 1M up, such as 2G or 500M", b.MaxMemory)
	}
	mult := 1.0
	switch strings.ToUpper(s[len(s)-1:]) {
	case "K":
		mult = 1 << 10
	case "M":
		mult = 1 << 20
	case "G":
		mult = 1 << 30
	case "T":
		mult = 1 << 40
	}
	num := s
	if mult > 1 {
		num = s[:len(s)-1]
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || !(v*mult >= 1<<20) || v*mult > math.MaxInt64/2 {
		return 0, usageErrorf("--max-memory %q: want a size from 1M up, such as 2G or 500M", b.MaxMemory)
	}
	return int64(v * mult), nil
}

func (b *Budget) timeout() (time.Duration, error) {
	s := strings.TrimSpace(b.Timeout)
	if s == "" || s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, usageErrorf("--timeout %q: want a duration ≥ 0 such as 90s or 10m", b.Timeout)
	}
	return d, nil
}

// FormatBytes prints a byte count in the units of --max-memory (e.g. "1.5G").
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'g', 3, 64) + "G"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'g', 3, 64) + "M"
	default:
		return strconv.FormatFloat(float64(n)/(1<<10), 'g', 3, 64) + "K"
	}
}

// MemoryError reports an analysis refused or stopped because it would need more memory
// than its budget: What names the arrays, Need estimates their size, Hint says which
// setting makes the problem smaller.
type MemoryError struct {
	What  string
	Need  int64
	Limit int64
	Hint  string
}

// Error names the budget flag --max-memory and the hint's flags.
func (e *MemoryError) Error() string {
	s := fmt.Sprintf("%s needs about %s of memory, beyond the budget of %s (--max-memory)", e.What, FormatBytes(e.Need), FormatBytes(e.Limit))
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

// UsageError is a setting out of range (a flag's value on the command line, which then
// exits with status 2); Msg names the flag.
type UsageError struct{ Msg string }

// Error returns Msg.
func (e *UsageError) Error() string { return e.Msg }

func usageErrorf(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

type maxBytesKey struct{}

// WithMaxBytes returns a context that carries the memory budget n (bytes) of an analysis to
// the packages it calls (refine, ssa, ...); the analysis registry sets it from Budget.
func WithMaxBytes(ctx context.Context, n int64) context.Context {
	return context.WithValue(ctx, maxBytesKey{}, n)
}

// MaxBytesOf returns the memory budget carried by ctx (WithMaxBytes), DefaultMaxBytes if
// it carries none. Packages check it before their large allocations.
func MaxBytesOf(ctx context.Context) int64 {
	if n, ok := ctx.Value(maxBytesKey{}).(int64); ok && n > 0 {
		return n
	}
	return DefaultMaxBytes()
}
