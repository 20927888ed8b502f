package main

import (
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// silentTenant accepts connections and never answers (nor reads): the tenant that hangs cron
// jobs. It returns its base URL. (So that a broken test fails rather than hangs, it drops a
// connection after 20 seconds: the client then sees another error.)
func silentTenant(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var (
		wg   sync.WaitGroup
		stop = make(chan struct{})
	)
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				select {
				case <-stop:
				case <-time.After(20 * time.Second):
				}
				_ = c.Close()
			})
		}
	})
	t.Cleanup(func() {
		_ = l.Close()
		close(stop)
		wg.Wait()
	})
	return "http://" + l.Addr().String()
}

// A tenant that never answers ends the command with exit 1 within --timeout, at the token
// endpoint and at the API alike (the timeout is short here; nothing measures the clock).
func TestAServerThatNeverAnswersEndsTheCommandWithinItsTimeout(t *testing.T) {
	isolate(t)
	t.Setenv(facade.EnvBaseURL, silentTenant(t))
	t.Setenv(facade.EnvClientID, "client-id")
	t.Setenv(facade.EnvClientSecret, "a-secret-of-some-length")
	r := cli(t, "--timeout", "200ms", "config", "get")
	assert.Equal(t, exitAPI, r.code)
	assert.Equal(t, "accessreq config get: getAccessRequestConfig: context deadline exceeded (no answer within --timeout 200ms)\n", r.errOut)
	assert.Empty(t, r.out)

	srv := tenant(t)
	front(t, srv, func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		if r.URL.Path != "/beta/access-request-status" {
			return false // the token comes through
		}
		select { // holds the request while the client waits; the later case only keeps a broken test from hanging
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
		return true
	})
	r = cli(t, "--timeout", "200ms", "status", "--all")
	assert.Equal(t, exitAPI, r.code)
	assert.Equal(t, "accessreq status: listAccessRequestStatus: context deadline exceeded (no answer within --timeout 200ms)\n", r.errOut)
	assert.Equal(t, 1, srv.TokenRequests(), "the token came; the listing did not")
}
