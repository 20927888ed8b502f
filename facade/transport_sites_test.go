package facade_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sailkit/accessrequests/facade"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// list is what the Attempt hook was told, in order.
func (a *attempts) list() []facade.Attempt {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]facade.Attempt(nil), a.all...)
}

// breakNth is base with the nth request to the API (not the token endpoint) failing as a
// connection reset by the peer (never, for n 0); sent counts those requests.
func breakNth(base http.RoundTripper, n int64, sent *atomic.Int64) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path != "/oauth/token" && sent.Add(1) == n {
			return nil, errors.New("read: connection reset by peer")
		}
		return base.RoundTrip(r)
	})
}

// A call whose caller gives up while it waits to retry (after a broken connection, or after a
// status it retries) ends there with the caller's error: no further attempt is made or reported.
// Guards transport.do's two checks of the wait between attempts (after a transport error, and
// after a retried status).
func TestACallGivenUpBetweenAttemptsEndsThere(t *testing.T) {
	t.Parallel()
	for _, broken := range []bool{true, false} {
		e := newEnv(t)
		if broken {
			e.handle("GET /access-request-config", reply(200, e.configBody()))
		} else {
			e.handle("GET /access-request-config", reply(500, errorJSON))
		}
		var sent atomic.Int64
		var breaks int64
		if broken {
			breaks = 1
		}
		rt := breakNth(e.srv.Client().Transport, breaks, &sent)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var seen attempts
		c := e.client(facade.WithHTTPClient(&http.Client{Transport: rt}), facade.WithHooks(facade.Hooks{Attempt: func(ctx context.Context, a facade.Attempt) {
			seen.hook(ctx, a)
			if a.Retry != facade.RetryNone {
				cancel() // the caller gives up as the client is about to wait for the next attempt
			}
		}}))
		_, err := c.GetConfig(ctx)
		require.ErrorIs(t, err, context.Canceled, "broken connection: %v", broken)
		got := seen.list()
		if assert.Len(t, got, 1, "broken connection: %v: one attempt, reported once", broken) {
			if broken {
				assert.Equal(t, facade.RetryNetwork, got[0].Retry)
			} else {
				assert.Equal(t, facade.RetryStatus, got[0].Retry)
			}
		}
		assert.EqualValues(t, 1, sent.Load(), "broken connection: %v: nothing handed to the HTTP client again", broken)
	}
}

// An attempt that follows one without an answer reports no status of its own, not the status
// of the attempt before: a 500, then a broken connection, then a 200 are reported as 500, 0
// (with the error) and 200. Guards transport.report's reset of the call's status.
func TestAnAttemptWithoutAnAnswerReportsNoStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", sequence(reply(500, errorJSON), reply(200, e.configBody())))
	var sent atomic.Int64
	rt := breakNth(e.srv.Client().Transport, 2, &sent)
	var seen attempts
	var done facade.Operation
	c := e.client(facade.WithHTTPClient(&http.Client{Transport: rt}), facade.WithHooks(facade.Hooks{
		Attempt:       seen.hook,
		OperationDone: func(_ context.Context, op facade.Operation) { done = op },
	}))
	_, err := c.GetConfig(context.Background())
	require.NoError(t, noteErr(err))
	got := seen.list()
	require.Len(t, got, 3)
	assert.Equal(t, []int{500, 0, 200}, []int{got[0].Status, got[1].Status, got[2].Status})
	assert.Error(t, got[1].Err)
	assert.Equal(t, 200, done.Status)
	assert.Equal(t, 3, done.Attempts)
}

// A failed attempt's warning carries its error, as text under the key "error". Guards
// transport.logAttempt's error attribute.
func TestAFailedAttemptIsLoggedWithItsError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", reply(200, e.configBody()))
	var sent atomic.Int64
	rt := breakNth(e.srv.Client().Transport, 1, &sent)
	_, err := e.client(facade.WithHTTPClient(&http.Client{Transport: rt})).GetConfig(context.Background())
	require.NoError(t, noteErr(err))
	assert.Regexp(t, `level=WARN msg="accessrequests: request failed" op=\S+ method=GET path=\S+ attempt=1 duration=\S+ error=".*: read: connection reset by peer"\n`,
		e.logs.String())
}

// A wait of more than a second on the client's own rate limit is logged at info level with
// the operation, the API version, the wait and its reason; a wait for the shared pause adds the
// Retry-After that began it and when it was asked for, a wait for WithRateLimit's limit does
// not; a wait of a second or less is not logged. In virtual time. Guards transport.waitTurn's log
// line and its attributes.
func TestALongWaitOnTheRateLimitIsLogged(t *testing.T) {
	t.Run("pause", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			askedAt := time.Now()
			var calls atomic.Int64
			rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				if calls.Add(1) == 1 {
					return inMemoryReply(r, http.StatusTooManyRequests, errorJSON, "Retry-After", "3"), nil
				}
				return inMemoryReply(r, http.StatusOK, configV2JSON), nil
			})
			var logs bytes.Buffer
			c := waitClient(t, rt, &logs, facade.WithoutRetries())
			_, err := c.GetConfigV2(context.Background())
			require.ErrorIs(t, err, facade.ErrRateLimited)
			_, err = c.GetConfigV2(context.Background())
			require.NoError(t, noteErr(err))
			assert.Contains(t, logs.String(), `level=INFO msg="accessrequests: waited for the client's rate limit" op=getAccessRequestConfigV2 api=v1 waited=3s for=pause retry_after=3s asked_at=`+
				askedAt.Format("2006-01-02T15:04:05.000Z07:00")+"\n")
		})
	})
	t.Run("limit", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				return inMemoryReply(r, http.StatusOK, configV2JSON), nil
			})
			for _, every := range []time.Duration{2 * time.Second, time.Second, 500 * time.Millisecond} {
				var logs bytes.Buffer
				c := waitClient(t, rt, &logs, facade.WithRateLimit(rate.Every(every), 1))
				for range 2 {
					_, err := c.GetConfigV2(context.Background())
					require.NoError(t, noteErr(err))
				}
				if every > time.Second {
					assert.Contains(t, logs.String(), `level=INFO msg="accessrequests: waited for the client's rate limit" op=getAccessRequestConfigV2 api=v1 waited=2s for=limit`+"\n",
						"a wait for the limit names no Retry-After")
				} else {
					assert.NotContains(t, logs.String(), "waited for the client's rate limit", "a wait of %v", every)
				}
			}
		})
	})
}

// waitClient is a v1 client over rt, logging at debug level to logs.
func waitClient(t *testing.T, rt http.RoundTripper, logs *bytes.Buffer, opts ...facade.Option) *facade.Client {
	t.Helper()
	base := []facade.Option{facade.WithAPI(facade.APIV1), facade.WithBaseURL("https://tenant.invalid"), facade.WithAccessToken("sim-token-123"),
		facade.WithHTTPClient(&http.Client{Transport: rt}),
		facade.WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}
	c, err := facade.New(append(base, opts...)...)
	require.NoError(t, err)
	return c
}

// A shared pause of exactly MaxRetryAfter is waited for, as a retry's Retry-After of exactly
// MaxRetryAfter is: only a longer one is refused. Guards apiLimits.wait's cap (`left > maxPause`).
func TestAPauseOfExactlyTheCapIsWaitedFor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	maxWait := facade.DefaultRetryPolicy().MaxRetryAfter
	e.handle("GET /access-request-config", sequence(reply(429, `{"message":"Rate Limit Exceeded"}`, "Retry-After", strconv.Itoa(int(maxWait/time.Second))), reply(200, e.configBody())))
	c := e.client(facade.WithoutRetries())
	_, err := c.GetConfig(context.Background())
	require.ErrorIs(t, err, facade.ErrRateLimited)
	_, err = c.GetConfig(context.Background())
	require.NoError(t, noteErr(err), "a pause of exactly the cap is waited for")
	assert.Equal(t, []time.Duration{maxWait}, e.clock.Waits())
}
