//go:build !nopty

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

var (
	binaryOnce sync.Once
	binaryDir  string
	binaryPath string
	binaryErr  error
)

// binary builds the command once for the tests that drive it under a pseudo-terminal.
func binary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		binaryDir, binaryErr = os.MkdirTemp("", "accessreq-test-")
		if binaryErr != nil {
			return
		}
		binaryPath = filepath.Join(binaryDir, "accessreq")
		out, err := exec.Command("go", "build", "-buildvcs=auto", "-o", binaryPath, ".").CombinedOutput()
		if err != nil {
			binaryErr = err
			binaryPath = string(out)
		}
	})
	require.NoError(t, binaryErr, binaryPath)
	return binaryPath
}

func cleanupBinary() {
	if binaryDir != "" {
		_ = os.RemoveAll(binaryDir)
	}
}

// terminal is the command running with a pseudo-terminal as stdin and stderr (and stdout,
// unless the test gives another).
type terminal struct {
	cmd  *exec.Cmd
	tty  *os.File
	mu   sync.Mutex
	seen bytes.Buffer
	more chan struct{} // has a value when seen grew since waitFor last looked
	done chan struct{}
}

func startOnTerminal(t *testing.T, srv *fake.Server, stdout *bytes.Buffer, args ...string) *terminal {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), facade.EnvBaseURL+"="+srv.URL,
		facade.EnvClientID+"="+srv.ClientID, facade.EnvClientSecret+"="+srv.ClientSecret, envAPI+"=beta") // the fake's generation: see isolate
	ptmx, tty, err := pty.Open()
	require.NoError(t, err)
	require.NoError(t, pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 120}))
	cmd.Stdin, cmd.Stderr, cmd.Stdout = tty, tty, tty
	if stdout != nil {
		cmd.Stdout = stdout
	}
	require.NoError(t, cmd.Start())
	_ = tty.Close() // the child holds it
	term := &terminal{cmd: cmd, tty: ptmx, more: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(term.done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			term.mu.Lock()
			term.seen.Write(buf[:n])
			term.mu.Unlock()
			select {
			case term.more <- struct{}{}:
			default: // waitFor has not looked since the last read; it will see this one too
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { _ = ptmx.Close(); _ = cmd.Process.Kill() })
	return term
}

// waitFor waits until the terminal shows text, looking again each time the reader adds to it;
// the limit only keeps a broken test from hanging.
func (term *terminal) waitFor(t *testing.T, text string) {
	t.Helper()
	limit := time.NewTimer(time.Minute)
	defer limit.Stop()
	for {
		term.mu.Lock()
		ok := strings.Contains(term.seen.String(), text)
		term.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-term.more:
		case <-term.done:
			if !strings.Contains(term.output(), text) {
				t.Fatalf("the command ended and the terminal never showed %q; it showed %q", text, term.output())
			}
			return
		case <-limit.C:
			t.Fatalf("the terminal never showed %q; it showed %q", text, term.output())
		}
	}
}

// answer waits for a question and types a reply and Enter.
func (term *terminal) answer(t *testing.T, question, reply string) {
	t.Helper()
	term.waitFor(t, question)
	_, err := term.tty.Write([]byte(reply + "\r"))
	require.NoError(t, err)
}

// exit waits for the command and returns its exit code and everything the terminal showed.
func (term *terminal) exit(t *testing.T) (int, string) {
	t.Helper()
	err := term.cmd.Wait()
	<-term.done
	out := term.output()
	outputs = append(outputs, "terminal: "+out)
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out
	}
	require.NoError(t, err)
	return 0, out
}

func (term *terminal) output() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.seen.String()
}

func TestConfirmationOnATerminalIsAskedAndHonoured(t *testing.T) {
	srv := fake.NewServer()
	defer srv.Close()
	ids := srv.SeedStatuses(700, "id-alice", time.Now())
	file := writeFile(t, "ids.csv", "Access Request ID\n"+strings.Join(ids, "\n")+"\n")
	host := strings.TrimPrefix(srv.URL, "http://")

	t.Run("declined", func(t *testing.T) {
		term := startOnTerminal(t, srv, nil, "close", "--from-csv", file)
		term.answer(t, "Close 700 access requests on "+host+"? [y/N] ", "n")
		code, out := term.exit(t)
		assert.Equal(t, exitUsage, code, out)
		assert.Contains(t, out, "not confirmed: nothing was sent")
		assert.Zero(t, len(srv.Received()), "nothing reached the tenant, not even a token request")
	})

	t.Run("accepted, with a progress bar", func(t *testing.T) {
		term := startOnTerminal(t, srv, nil, "close", "--from-csv", file)
		term.answer(t, "Close 700 access requests on "+host+"? [y/N] ", "yes")
		code, out := term.exit(t)
		require.Equal(t, exitOK, code, out)
		assert.Contains(t, out, "\rclosing [#####################         ] 500/700")
		assert.Contains(t, out, "\rclosing [##############################] 700/700\r\n")
		assert.Contains(t, out, "closed 700 of 700 in 2 call(s)")
		for _, s := range srv.Statuses() {
			require.Equal(t, facade.StateTerminated, s.State)
		}
	})

	t.Run("--yes skips the question", func(t *testing.T) {
		more := srv.SeedStatuses(6, "id-bob", time.Now())
		term := startOnTerminal(t, srv, nil, append([]string{"close", "--yes"}, more...)...)
		code, out := term.exit(t)
		require.Equal(t, exitOK, code, out)
		assert.NotContains(t, out, "[y/N]")
	})
}

func TestStatusProgressOnATerminalWhileRowsGoElsewhere(t *testing.T) {
	srv := fake.NewServer()
	defer srv.Close()
	srv.SeedStatuses(260, "id-alice", time.Now())
	var stdout bytes.Buffer
	term := startOnTerminal(t, srv, &stdout, "status", "--all", "--count", "--limit", "100", "--output", "ndjson")
	code, shown := term.exit(t)
	require.Equal(t, exitOK, code, shown)
	assert.Contains(t, shown, "\rlisting [###########                   ] 100/260")
	assert.Contains(t, shown, "\rlisting [##############################] 260/260\r\ntotal: 260\r\n")
	assert.Equal(t, 260, strings.Count(stdout.String(), "\n"), "the rows went to stdout, without progress")
	assert.NotContains(t, stdout.String(), "\r")
}

func TestStatusDrawsNoProgressWhenRowsGoToTheTerminal(t *testing.T) {
	srv := fake.NewServer()
	defer srv.Close()
	srv.SeedStatuses(30, "id-alice", time.Now())
	term := startOnTerminal(t, srv, nil, "status", "--all", "--limit", "10")
	code, shown := term.exit(t)
	require.Equal(t, exitOK, code, shown)
	assert.Equal(t, 31, strings.Count(shown, "\r\n"), "a header and 30 rows")
	assert.NotContains(t, shown, "listing")
}
