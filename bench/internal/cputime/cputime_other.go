//go:build !unix

// Package cputime reads the CPU time of the process, so that the benchmark programs of
// bench/ can report work done on a machine shared with other jobs.
package cputime

import "time"

// Process is unavailable here and returns 0; callers then report wall-clock time.
func Process() time.Duration { return 0 }
