//go:build unix

package ssa

import (
	"syscall"
	"time"
)

// cpuTime returns the user plus system CPU time of the process, so that benchmarks can
// report throughput per CPU second on a machine shared with other work.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
