package facade_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sailkit/accessrequests/facade"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// A call with a nil context is refused before anything happens: no hook runs, no token is
// fetched and nothing is sent, with or without WithTimeout (which would otherwise derive a
// context from nil and panic). Guards callWarn's nil check.
func TestANilContextIsRefusedBeforeAnything(t *testing.T) {
	t.Parallel()
	for _, timeout := range []time.Duration{0, time.Minute} {
		e := newEnv(t)
		hooked := 0
		opts := []facade.Option{facade.WithHooks(facade.Hooks{OperationStart: func(ctx context.Context, _ string) context.Context {
			hooked++
			return ctx
		}})}
		if timeout > 0 {
			opts = append(opts, facade.WithTimeout(timeout))
		}
		c := e.client(opts...)
		var ctx context.Context // nil, as a caller's bug would pass it
		_, err := c.GetConfig(ctx)
		require.EqualError(t, err, "accessrequests: "+e.op("getAccessRequestConfig")+": nil context", "timeout %v", timeout)
		assert.Zero(t, hooked, "no hook ran")
		assert.Zero(t, e.calls.Load(), "nothing was sent")
		assert.Zero(t, e.tokens.Load(), "no token was fetched")
	}
}

// New's refusal is ErrInvalidInput and unwraps to what was refused, without the library's
// prefix. Guards configError's Unwrap.
func TestANewRefusalUnwrapsToWhatWasRefused(t *testing.T) {
	_, err := facade.New(facade.WithAccessToken("a-fixed-token"))
	require.ErrorIs(t, err, facade.ErrInvalidInput)
	assert.EqualError(t, err, "accessrequests: no tenant: use WithTenant or WithBaseURL")
	cause := errors.Unwrap(err)
	require.NotNil(t, cause)
	assert.Equal(t, "no tenant: use WithTenant or WithBaseURL", cause.Error())
}

// A read whose caller gives up while it is on the wire ends at once with the caller's error:
// one attempt, reported to the Attempt hook as the last (no retry), and nothing sent again.
// Guards transport.do's check of the caller's context after a transport error, and its report.
func TestAReadGivenUpOnTheWireIsReportedOnceAndNotRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t).lax() // the held request is never answered
	arrived := make(chan struct{}, 4)
	e.handle("GET /access-request-config", func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done() // held until the client gives up
	})
	var mu sync.Mutex
	var attempts []facade.Attempt
	c := e.client(facade.WithHooks(facade.Hooks{Attempt: func(_ context.Context, a facade.Attempt) {
		mu.Lock()
		defer mu.Unlock()
		attempts = append(attempts, a)
	}}))
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	_, err := c.GetConfig(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.EqualValues(t, 1, e.calls.Load(), "sent once")
	mu.Lock()
	defer mu.Unlock()
	if assert.Len(t, attempts, 1) {
		assert.Equal(t, facade.RetryNone, attempts[0].Retry)
		assert.Zero(t, attempts[0].Status)
	}
}

// A call refused by the client's own rate limit names its operation. Guards transport.do's
// naming of the WaitError.
func TestAWaitErrorNamesItsOperation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", reply(200, e.configBody()))
	c := e.client(facade.WithRateLimit(rate.Every(time.Hour), 1))
	_, err := c.GetConfig(context.Background())
	require.NoError(t, noteErr(err))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = c.GetConfig(ctx)
	var we *facade.WaitError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, e.op("getAccessRequestConfig"), we.Operation)
}

// A read that met a broken connection is reported to the Attempt hook as followed by a retry,
// then its answer as the last; without retries, the one attempt is reported as the last, with
// its error. Guards transport.do's reports after a transport error.
func TestANetworkFailureIsReportedWithWhatFollowed(t *testing.T) {
	t.Parallel()
	for _, retries := range []bool{true, false} {
		e := newEnv(t)
		e.handle("GET /access-request-config", reply(200, e.configBody()))
		base := e.srv.Client().Transport
		var broke atomic.Bool
		flaky := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.URL.Path != "/oauth/token" && broke.CompareAndSwap(false, true) {
				return nil, errors.New("read: connection reset by peer")
			}
			return base.RoundTrip(r)
		})
		var mu sync.Mutex
		var attempts []facade.Attempt
		opts := []facade.Option{facade.WithHTTPClient(&http.Client{Transport: flaky}), facade.WithHooks(facade.Hooks{Attempt: func(_ context.Context, a facade.Attempt) {
			mu.Lock()
			defer mu.Unlock()
			attempts = append(attempts, a)
		}})}
		if !retries {
			opts = append(opts, facade.WithoutRetries())
		}
		_, err := e.client(opts...).GetConfig(context.Background())
		mu.Lock()
		if retries {
			require.NoError(t, noteErr(err))
			assert.Contains(t, e.logs.String(), `level=WARN msg="accessrequests: request failed" op=`+e.op("getAccessRequestConfig")+" method=GET",
				"a failed attempt is a warning")
			if assert.Len(t, attempts, 2) {
				assert.Equal(t, facade.RetryNetwork, attempts[0].Retry)
				assert.Error(t, attempts[0].Err)
				assert.Equal(t, facade.RetryNone, attempts[1].Retry)
				assert.Equal(t, http.StatusOK, attempts[1].Status)
			}
		} else {
			require.Error(t, err)
			if assert.Len(t, attempts, 1) {
				assert.Equal(t, facade.RetryNone, attempts[0].Retry)
				assert.Error(t, attempts[0].Err)
			}
		}
		mu.Unlock()
	}
}

// A status the client retries is reported to the Attempt hook as followed by a retry until
// the attempts run out, the last as followed by none; a 429 asking for longer than the cap is
// reported as the last at once. Guards transport.do's reports on those two paths.
func TestARetriedStatusIsReportedWithWhatFollowed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		header []string
		want   []facade.RetryReason
	}{
		{"503 until the attempts run out", http.StatusServiceUnavailable, nil, []facade.RetryReason{facade.RetryStatus, facade.RetryNone}},
		{"429 asking for a day", http.StatusTooManyRequests, []string{"Retry-After", "86400"}, []facade.RetryReason{facade.RetryNone}},
	} {
		e := newEnv(t).lax()
		e.handle("GET /access-request-config", reply(tc.status, `{"messages":[]}`, tc.header...))
		var mu sync.Mutex
		var got []facade.RetryReason
		c := e.client(facade.WithRetryPolicy(facade.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxRetryAfter: time.Minute}),
			facade.WithHooks(facade.Hooks{Attempt: func(_ context.Context, a facade.Attempt) {
				mu.Lock()
				defer mu.Unlock()
				got = append(got, a.Retry)
			}}))
		_, err := c.GetConfig(context.Background())
		require.Error(t, err, tc.name)
		mu.Lock()
		assert.Equal(t, tc.want, got, tc.name)
		mu.Unlock()
	}
}

// An Accept header the caller set (through Generated's request editors) is sent as it is; the
// client adds its own only when there is none. Guards transport.send's check.
func TestACallersAcceptHeaderIsKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t).lax()
	var accept string
	e.handle("GET /access-request-config", func(w http.ResponseWriter, r *http.Request) {
		accept = r.Header.Get("Accept")
		reply(200, e.configBody())(w, r)
	})
	resp, err := e.client().Generated().GetAccessRequestConfig(context.Background(), func(_ context.Context, r *http.Request) error {
		r.Header.Set("Accept", "application/json; charset=utf-8")
		return nil
	})
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, "application/json; charset=utf-8", accept)
}
