package facade_test

import (
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/sailkit/accessrequests/facade"
)

// A token that lives an hour is used until a minute of its life is left, then replaced: a call
// never starts with a token that may lapse in flight, and no call fetches one sooner than it
// must. (auth.go: tokenLeeway's value.)
func TestAnHourLongTokenIsReplacedAMinuteBeforeItLapses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.tokenTTL = time.Hour
	e.handle("GET /access-request-config", reply(200, e.configBody()))
	c := e.client()
	require.NoError(t, noteErr(getConfig(context.Background(), c)))
	e.clock.Advance(time.Hour - 65*time.Second) // 65 s left: outside the minute, kept
	require.NoError(t, noteErr(getConfig(context.Background(), c)))
	assert.EqualValues(t, 1, e.tokens.Load(), "65 s left: the token is still used")
	e.clock.Advance(10 * time.Second) // 55 s left: replaced
	require.NoError(t, noteErr(getConfig(context.Background(), c)))
	assert.EqualValues(t, 2, e.tokens.Load(), "55 s left: a new token")
}

// countingSource hands out tokens without an expiry and counts them.
type countingSource struct{ n atomic.Int64 }

func (s *countingSource) Token() (*oauth2.Token, error) {
	s.n.Add(1)
	return &oauth2.Token{AccessToken: tokenPrefix + "no-expiry", TokenType: "bearer"}, nil
}

// A token without an expiry is kept until the server refuses it, not fetched for every call.
// (auth.go storeLocked: the expiry read only when the token has one.)
func TestATokenWithoutExpiryIsKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", reply(200, e.configBody()))
	src := &countingSource{}
	c, err := facade.New(facade.WithAPI(e.api), facade.WithBaseURL(e.srv.URL), facade.WithTokenSource(src),
		facade.WithClock(e.clock.Now, e.clock.Sleep))
	require.NoError(t, err)
	for range 5 {
		require.NoError(t, noteErr(getConfig(context.Background(), c)))
		e.clock.Advance(24 * time.Hour)
	}
	assert.EqualValues(t, 1, src.n.Load(), "5 calls over 5 days, one token")
}

// Calls refused with the same token replace it once: each drops the token it carried only if
// it is still the cached one. Every call holds the first token; all are refused at once, or
// one is refused at once and fetches the second and the others are refused only once the
// second is in use, and must not drop it. (auth.go invalidate: the "still cached" check; its
// lock is TestTakingAndDroppingTheTokenAtOnceIsSafe's.)
func TestCallsRefusedWithTheSameTokenReplaceItOnce(t *testing.T) {
	t.Parallel()
	t.Run("all at once", func(t *testing.T) { t.Parallel(); refusedWithTheSameToken(t, false) })
	t.Run("the others after the replacement", func(t *testing.T) { t.Parallel(); refusedWithTheSameToken(t, true) })
}

func refusedWithTheSameToken(t *testing.T, holdOthers bool) {
	const n = 8
	e := newEnv(t)
	var first sync.WaitGroup
	first.Add(n)
	var arrived atomic.Int64
	secondInUse := make(chan struct{})
	var once sync.Once
	e.handle("GET /access-request-config", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+tokenPrefix+"1" {
			once.Do(func() { close(secondInUse) })
			reply(200, e.configBody())(w, r)
			return
		}
		k := arrived.Add(1)
		if k <= n {
			first.Done()
			first.Wait() // every call holds the first token before any is refused
		}
		if holdOthers && k > 1 {
			select {
			case <-secondInUse:
			case <-time.After(10 * time.Second):
			}
		}
		reply(401, `{"error":"token revoked"}`)(w, r)
	})
	c := e.client()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = getConfig(context.Background(), c) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, noteErr(err))
	}
	assert.EqualValues(t, 2, e.tokens.Load(), "the refused token, and one replacement for all %d calls", n)
}

// A fixed access token (WithAccessToken) is removed from error text as fetched ones are: a
// gateway's page echoing the request's header does not carry it into the error. (client.go
// tokenCache: the fixed token held by the scrubber.)
func TestAFixedAccessTokenIsScrubbedFromErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t).lax() // a proxy's HTML page, which the spec does not describe
	const fixed = tokenPrefix + "fixed-0123456789"
	e.handle("GET /access-request-config", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "<html>bad request: "+r.Header.Get("Authorization")+"</html>")
	})
	c, err := facade.New(facade.WithAPI(e.api), facade.WithBaseURL(e.srv.URL), facade.WithAccessToken(fixed))
	require.NoError(t, err)
	_, err = c.GetConfig(context.Background())
	require.Error(t, noteErr(err))
	assert.Contains(t, err.Error(), "bad request: Bearer [redacted]")
	assert.NotContains(t, err.Error(), fixed)
}

// WithTimeout bounds each call however short it is: a timeout of one nanosecond ends the call
// with context.DeadlineExceeded. (client.go callWarn: the timeout applied when positive.)
func TestAOneNanosecondTimeoutEndsTheCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", reply(200, e.configBody()))
	_, err := e.client(facade.WithTimeout(time.Nanosecond)).GetConfig(context.Background())
	require.ErrorIs(t, noteErr(err), context.DeadlineExceeded)
}
