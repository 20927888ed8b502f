//go:build race

package facade_test

// raceEnabled is true when the suite runs under the race detector, which makes the large
// listings about ten times slower; those tests then list a tenth as many statuses, with the same
// page-size edge cases.
const raceEnabled = true
