//go:build !nopty

package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pipeHeld is how many bytes the pipe r reads from holds, and how many it can hold.
func pipeHeld(t *testing.T, r *os.File) (held, size int) {
	t.Helper()
	var n int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, r.Fd(), syscall.TIOCINQ, uintptr(unsafe.Pointer(&n))); errno != 0 {
		t.Fatalf("FIONREAD: %v", errno)
	}
	sz, _, errno := syscall.Syscall(syscall.SYS_FCNTL, r.Fd(), syscall.F_GETPIPE_SZ, 0)
	require.Zero(t, errno, "F_GETPIPE_SZ")
	return int(n), int(sz)
}

// pipeFull reports whether the pipe r reads from is full, its writer blocked: it holds more than
// half its size and nothing more comes in 200ms (small writes fill its pages unevenly, so it
// blocks short of its size).
func pipeFull(t *testing.T, r *os.File) bool {
	t.Helper()
	held, size := pipeHeld(t, r)
	if held <= size/2 {
		return false
	}
	time.Sleep(200 * time.Millisecond)
	again, _ := pipeHeld(t, r)
	return again == held
}

// A command that cannot stop (its output goes to a pipe nobody reads) exits at the second signal.
func TestASecondSignalExitsAtOnce(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			binary(t) // built before tenant moves HOME, and with it Go's build cache
			srv := tenant(t)
			srv.SeedStatuses(1000, "id-alice", time.Now())
			r, w, err := os.Pipe()
			require.NoError(t, err)
			defer func() { _ = r.Close() }()

			c := startChild(t, w, "status", "--all", "-o", "ndjson")
			_ = w.Close() // the child holds it; nothing reads r until the end
			deadline := time.Now().Add(time.Minute)
			for !pipeFull(t, r) { // a page of 250 rows is more than the pipe holds: the child is stuck writing
				require.True(t, time.Now().Before(deadline), "the pipe never filled; stderr: %s", c.errOut.String())
				time.Sleep(10 * time.Millisecond)
			}
			require.NoError(t, c.cmd.Process.Signal(sig))
			for !strings.Contains(c.errOut.String(), "stopping") {
				require.True(t, time.Now().Before(deadline), "the first signal was not seen: %s", c.errOut.String())
				time.Sleep(10 * time.Millisecond)
			}
			require.NoError(t, c.cmd.Process.Signal(sig))
			code := c.exit(t)
			assert.Equal(t, 128+int(sig), code, c.errOut.String())
			assert.Contains(t, c.errOut.String(), "again: exiting at once; what was done is not reported\n")
		})
	}
}
