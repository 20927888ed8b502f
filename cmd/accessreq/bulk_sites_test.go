package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A stop signal while the question waits for an answer ends it at once: the line is ended and
// nothing is confirmed, though stdin never answers. Guards ask's stop case.
func TestAStopWhileAskingConfirmsNothing(t *testing.T) {
	in, w := io.Pipe()
	t.Cleanup(func() { _ = w.Close() })
	stop := make(chan struct{})
	close(stop)
	var prompt bytes.Buffer
	a := &app{io: stdio{in: in, err: &prompt}, inTerminal: true, stop: stop}
	err := a.ask("close 6 access requests on acme", false)
	assert.EqualError(t, err, "not confirmed (stopped): nothing was sent")
	assert.Equal(t, "Close 6 access requests on acme? [y/N] \n", prompt.String())
}

// One id found by reading back is enough for the line that says so. Guards outcome.print's
// `len(o.settled) > 0`.
func TestOneSettledIDIsReported(t *testing.T) {
	var b bytes.Buffer
	outcome{accepted: []string{"a"}, settled: []string{"b"}}.print(&b, "closed", 1)
	assert.Equal(t, "closed 2 of 2 in 1 call(s)\n1 of them in a call whose answer was lost: their states, read back, show it took effect (sent once)\n", b.String())
}

// close's --message is a flag with no default, described as a note. Guards the order of
// StringVar's default and usage.
func TestCloseMessageFlagHelp(t *testing.T) {
	isolate(t)
	r := cli(t, "close", "--help")
	assert.Regexp(t, `--message string +note recorded on each request\n`, r.out)
}

// A bad --settle or --timeout stops close and cancel before anything is sent. Guards the
// checks of settleOption's and session's errors in runClose and runCancel.
func TestBulkCommandsStopAtABadSetting(t *testing.T) {
	for _, api := range []string{"beta", "v1"} {
		srv := tenant(t)
		t.Setenv(envAPI, api)
		ids := srv.SeedStatuses(2, "id-alice", time.Now())
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"close", "--settle", "-1s", ids[0]}, "accessreq close: --settle must be 0"},
			{[]string{"cancel", "--comment", "c", "--settle", "-1s", ids[0]}, "accessreq cancel: --settle must be 0"},
			{[]string{"--timeout", "0", "close", ids[0]}, "accessreq close: --timeout must be positive"},
			{[]string{"--timeout", "0", "cancel", "--comment", "c", ids[0]}, "accessreq cancel: --timeout must be positive"},
		} {
			r := cli(t, tc.args...)
			assert.Equal(t, exitUsage, r.code, "%s %v", api, tc.args)
			assert.True(t, strings.HasPrefix(r.errOut, tc.want), "%s %v: %s", api, tc.args, r.errOut)
		}
		assert.Zero(t, apiCalls(srv), "%s: nothing was sent", api)
	}
}

// Without --remaining nothing is written or tried: close works from a directory where no file
// can be made. A --remaining whose parent is a file is refused with the system's reason, and one
// in a missing directory names the directory's problem, not the temporary file tried there.
// Guards checkRemaining's empty path, its lstat error case, and its unwrapping of the
// temporary file's name.
func TestRemainingIsCheckedOnlyWhenGivenAndSaysWhy(t *testing.T) {
	srv := tenant(t)
	ids := srv.SeedStatuses(1, "id-alice", time.Now())
	t.Chdir("/proc") // no file can be created here, even by root
	r := cli(t, "close", ids[0])
	require.Equal(t, exitOK, r.code, r.errOut)

	file := writeFile(t, "f", "x")
	r = cli(t, "close", "--remaining", filepath.Join(file, "left.csv"), ids[0])
	assert.Equal(t, exitUsage, r.code)
	assert.Equal(t, "accessreq close: --remaining: lstat "+filepath.Join(file, "left.csv")+": not a directory\n", r.errOut)

	missing := filepath.Join(t.TempDir(), "missing", "left.csv")
	r = cli(t, "close", "--remaining", missing, ids[0])
	assert.Equal(t, exitUsage, r.code)
	assert.Equal(t, "accessreq close: --remaining: cannot write in the directory of "+missing+": no such file or directory\n", r.errOut)
}

// On the beta (one call per id), --keep-going goes on past a refused id; a context already
// ended sends nothing and accounts every id as not sent. Guards runCancel's keepGoing check and
// its check of the context before each call.
func TestBetaCancelKeepsGoingOrStops(t *testing.T) {
	srv := tenant(t)
	t.Setenv(envAPI, "beta")
	ids := srv.SeedStatuses(2, "id-alice", time.Now())
	r := cli(t, "cancel", "--comment", "c", "--keep-going", "no-such-request", ids[0], ids[1])
	assert.Equal(t, exitAPI, r.code, r.errOut)
	assert.True(t, strings.HasPrefix(r.out, "cancelled 2 of 3 in 3 call(s)\n"), r.out)

	ids = srv.SeedStatuses(2, "id-bob", time.Now())
	sent := srv.Count("POST", "/beta/access-requests/cancel", 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a, out, _ := onTerminal(false)
	err := a.runCancel(ctx, bulkFlags{yes: true}, "c", ids)
	require.ErrorIs(t, err, context.Canceled)
	assert.True(t, strings.HasPrefix(out.String(), "cancelled 0 of 2 in 0 call(s)\n"), out.String())
	assert.Equal(t, sent, srv.Count("POST", "/beta/access-requests/cancel", 0), "no cancel was sent")
}

// On v1 (bulk cancel), more than a handful of ids need a confirmation that names them and the
// tenant, and on a terminal the calls draw a bar. Guards runBulkCancel's confirm arguments, its
// Progress and bar.end.
func TestV1CancelAsksAndDrawsProgress(t *testing.T) {
	srv := tenant(t)
	t.Setenv(envAPI, "v1")
	ids := srv.SeedStatuses(60, "id-alice", time.Now())
	r := cli(t, append([]string{"cancel", "--comment", "c"}, ids...)...)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "refusing to cancel 60 access requests on "+strings.TrimPrefix(srv.URL, "http://")+" without confirmation")

	a, out, errOut := onTerminal(false)
	a.api = newAPIChoice()
	require.NoError(t, a.runCancel(context.Background(), bulkFlags{yes: true}, "c", ids))
	assert.Equal(t, bars("cancelling", 60, 50, 60), errOut.String())
	assert.Equal(t, "cancelled 60 of 60 in 2 call(s)\n", out.String())
}

// writePrivate reports what stops it and leaves nothing behind: a directory that does not
// exist (no temporary file can be made), and a path that is a directory (the rename fails: the
// temporary file is removed). Guards its checks of CreateTemp's and Rename's errors and the
// removal of the temporary file.
func TestWritePrivateReportsAndCleansUp(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing", "left.csv")
	assert.ErrorContains(t, writePrivate(missing, []byte("x")), "no such file or directory")

	parent := t.TempDir()
	dir := filepath.Join(parent, "left.csv")
	require.NoError(t, os.Mkdir(dir, 0o700))
	require.Error(t, writePrivate(dir, []byte("x")))
	entries, err := os.ReadDir(parent)
	require.NoError(t, err)
	require.Len(t, entries, 1, "the temporary file was removed")
	assert.Equal(t, "left.csv", entries[0].Name())
}

// A --remaining file that cannot be written after all (its directory removed while the close
// ran) is an error joined to the command's own, not a line claiming it was written. Guards
// finish's check of writeRemaining's error, the order of the two, and writeRemaining's own.
func TestCloseSaysWhenItsRemainingFileCannotBeWritten(t *testing.T) {
	srv := tenant(t)
	ids := srv.SeedStatuses(2, "id-alice", time.Now())
	dir := t.TempDir()
	remaining := filepath.Join(dir, "left.csv")
	front(t, srv, removeOnPost(dir, "/close"))
	refuseNextClose(srv)
	r := cli(t, "close", "--remaining", remaining, ids[0], ids[1])
	assert.Equal(t, exitAPI, r.code, r.errOut)
	assert.NotContains(t, r.out, "wrote ")
	assert.Contains(t, r.errOut, "--remaining: open "+dir+"/")
	assert.Less(t, strings.Index(r.errOut, "HTTP 400"), strings.Index(r.errOut, "--remaining: open"), "the close's error first")
}

// removeOnPost is a front hook that removes dir when a POST to a path ending in suffix passes
// (on its way to the fake, which then acts on it): a directory gone while the command runs.
func removeOnPost(dir, suffix string) func(http.ResponseWriter, *http.Request, http.Handler) bool {
	return func(_ http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, suffix) {
			_ = os.RemoveAll(dir)
		}
		return false
	}
}
