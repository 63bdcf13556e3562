//go:build !unix

package main

import "time"

// cpuTime is unavailable here; stationary_go then reports wall-clock seconds as CPU seconds.
func cpuTime() time.Duration { return 0 }
