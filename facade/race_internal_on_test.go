//go:build race

package facade

// underRace is true when the internal tests run under the race detector, where sync.Pool drops
// objects at random, so the allocations of code that uses a pool are not exact.
const underRace = true
