package facade_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// stall accepts a request and never answers it while the client waits: it returns only when
// the client has given up (or, should the client never give up, after a while, with an answer
// that makes the test fail instead of hang).
func stall(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body) // so that the server notices when the client hangs up
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
		reply(200, configJSON)(w, r)
	}
}

// WithTimeout bounds every call, retries included: against a server that accepts and never
// answers, a read ends with DeadlineExceeded, a write with ErrOutcomeUnknown too, and a token
// endpoint that never answers ends the call the same way, before any API request.
func TestWithTimeoutEndsACallToAServerThatNeverAnswers(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api).lax()
		e.handle("GET /access-request-config", stall)
		e.handle("POST /access-requests/cancel", stall)
		c := e.client(facade.WithTimeout(100 * time.Millisecond))

		err := getConfig(context.Background(), c)
		require.ErrorIs(t, noteErr(err), context.DeadlineExceeded)

		err = c.Cancel(context.Background(), facade.CancelParams{ID: "ar-1", Comment: "no longer needed"})
		require.ErrorIs(t, noteErr(err), context.DeadlineExceeded)
		assert.ErrorIs(t, err, facade.ErrOutcomeUnknown, "the cancel was sent: it may have been acted on")

		e2 := newEnvFor(t, api)
		e2.mu.Lock()
		e2.tokenReply = func(_ int64, w http.ResponseWriter) bool {
			time.Sleep(300 * time.Millisecond) // longer than the timeout; the client has gone by then
			return false
		}
		e2.mu.Unlock()
		err = getConfig(context.Background(), e2.client(facade.WithTimeout(50*time.Millisecond)))
		require.ErrorIs(t, noteErr(err), context.DeadlineExceeded)
		assert.Zero(t, e2.calls.Load())
	})
}

func TestWithTimeoutRefusesANonPositiveDuration(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{0, -time.Second} {
		_, err := facade.New(facade.WithTenant("acme"), facade.WithAccessToken("token-abcdefgh"), facade.WithTimeout(d))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "WithTimeout: the timeout must be positive")
	}
}
