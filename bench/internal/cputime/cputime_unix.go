//go:build unix

// Package cputime reads the CPU time of the process, so that the benchmark programs of
// bench/ can report work done on a machine shared with other jobs.
package cputime

import (
	"syscall"
	"time"
)

// Process returns the user plus system CPU time of the process, or 0 if it cannot be read.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
