//go:build nopty

package main

// The nopty tag leaves out the tests that build the binary and drive it under a
// pseudo-terminal (pty_test.go), so mutation testing fits a 2-core machine: those tests
// rebuild the whole command for every mutant. Without the tag they always run.

// cleanupBinary has nothing to remove when no binary was built.
func cleanupBinary() {}
