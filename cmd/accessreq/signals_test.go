//go:build !nopty

package main

// Stop signals, sent to the built command as a service manager, kill or a closed terminal
// would send them.

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/fake"
)

// child is the built command running with the test's environment (see tenant and front).
type child struct {
	cmd         *exec.Cmd
	out, errOut *syncBuffer
}

func startChild(t *testing.T, stdout *os.File, args ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(binary(t), args...), out: &syncBuffer{}, errOut: &syncBuffer{}}
	c.cmd.Stderr = c.errOut
	c.cmd.Stdout = c.out
	if stdout != nil {
		c.cmd.Stdout = stdout
	}
	require.NoError(t, c.cmd.Start())
	t.Cleanup(func() { _ = c.cmd.Process.Kill(); _ = c.cmd.Wait() })
	return c
}

// exit waits for the command and returns its exit code.
func (c *child) exit(t *testing.T) int {
	t.Helper()
	limit := time.AfterFunc(time.Minute, func() { _ = c.cmd.Process.Kill() }) // only keeps a broken test from hanging
	defer limit.Stop()
	err := c.cmd.Wait()
	outputs = append(outputs, "stdout: "+c.out.String(), "stderr: "+c.errOut.String())
	var ee *exec.ExitError
	if err != nil {
		require.ErrorAs(t, err, &ee)
		return ee.ExitCode()
	}
	return 0
}

func TestEachStopSignalReportsAndWritesRemaining(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			binary(t) // built before tenant moves HOME, and with it Go's build cache
			srv := tenant(t)
			ids := srv.SeedStatuses(1100, "id-alice", time.Now())
			second := make(chan struct{})
			var calls atomic.Int32
			front(t, srv, func(w http.ResponseWriter, r *http.Request, forward http.Handler) bool {
				if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/close") {
					return false
				}
				if calls.Add(1) == 2 { // the second close hangs until the command gives up on it
					_, _ = io.Copy(io.Discard, r.Body) // so the server sees the connection close
					close(second)
					select {
					case <-r.Context().Done():
					case <-time.After(time.Minute): // only keeps a broken test from hanging
					}
					return true
				}
				return false
			})
			file := writeFile(t, "ids.csv", "id\n"+strings.Join(ids, "\n")+"\n")
			remaining := writeFile(t, "left.csv", "")

			c := startChild(t, nil, "close", "--yes", "--from-csv", file, "--remaining", remaining)
			select {
			case <-second:
			case <-time.After(time.Minute): // only keeps a broken test from hanging
				t.Fatalf("the second close never came; stderr: %s", c.errOut.String())
			}
			require.NoError(t, c.cmd.Process.Signal(sig))
			code := c.exit(t)

			assert.Equal(t, exitAPI, code, c.errOut.String())
			name := map[syscall.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT"}[sig]
			assert.Contains(t, c.errOut.String(), "accessreq: "+name+": stopping and reporting what was done (send it again to exit at once)\n")
			assert.Contains(t, c.errOut.String(), "(stopped by "+name+")\n")
			out := c.out.String()
			for _, want := range []string{"closed 500 of 1100 in 2 call(s)\n", checkThese + " (500):\n", "not sent (100):\n"} {
				assert.True(t, strings.Contains(out, want), "stdout lacks %q", want)
			}
			left := readFile(t, remaining)
			outputs = append(outputs, "file: "+left)
			assert.Equal(t, 601, strings.Count(left, "\n"), "a header and the 600 ids not closed")
			assert.True(t, strings.HasPrefix(left, "accessRequestId,outcome\n"+ids[500]+",unknown\n"), "the first id of the second call")
			assert.True(t, strings.HasSuffix(left, ids[1099]+",not-sent\n"), "the last id, never sent")
		})
	}
}

func TestASignalAtTheConfirmationSendsNothing(t *testing.T) {
	srv := fake.NewServer()
	defer srv.Close()
	ids := srv.SeedStatuses(6, "id-alice", time.Now())
	term := startOnTerminal(t, srv, nil, append([]string{"close"}, ids...)...)
	term.waitFor(t, "? [y/N] ")
	require.NoError(t, term.cmd.Process.Signal(syscall.SIGTERM))
	code, out := term.exit(t)
	assert.Equal(t, exitUsage, code, out)
	assert.Contains(t, out, "not confirmed (stopped): nothing was sent")
	assert.Zero(t, len(srv.Received()))
}
