//go:build !race

package ir

// raceEnabled is true when the tests run under the race detector, whose instrumentation
// changes what the memory tests measure.
const raceEnabled = false
