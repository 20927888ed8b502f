//go:build !race

package facade_test

// raceEnabled is false in an ordinary run: the large listings run at full size.
const raceEnabled = false
