package facade_test

// The eight findings of issue 10, each as a test that failed before the fix. Faults come from
// the fake served over TLS with HTTP/2, or from env's loopback server.

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// tlsFake starts a fake tenant over TLS with HTTP/2 and a client of generation api that trusts
// it.
func tlsFake(t *testing.T, api facade.API, opts ...facade.Option) (*fake.Server, *facade.Client) {
	t.Helper()
	srv := fake.NewServer(fake.WithTLS())
	t.Cleanup(srv.Close)
	return srv, fakeClientFor(t, srv, api, append([]facade.Option{facade.WithHTTPClient(srv.Client())}, opts...)...)
}

// write is a POST operation run against an id the fake holds; its path is the beta's without
// /beta (wirePath gives a generation's).
type write struct {
	name string
	path string
	call func(ctx context.Context, c *facade.Client, id string) error
}

// writesOf are the POST operations of generation api that change a request: the three both
// generations have, and on the successor bulk cancel.
func writesOf(api facade.API) []write {
	if api == facade.APIBeta {
		return writes
	}
	return append(slices.Clip(writes), write{"bulk cancel", "/access-requests/v1/bulk-cancel", func(ctx context.Context, c *facade.Client, id string) error {
		_, err := c.CancelRequests(ctx, facade.CancelRequestsParams{IDs: []string{id}, Comment: "no longer needed"})
		return err
	}})
}

// writes are the three POST operations both generations have.
var writes = []write{
	{"create", "/access-requests", func(ctx context.Context, c *facade.Client, id string) error {
		req, err := facade.NewGrant().For("id-" + id).Role("role-1").Build()
		if err != nil {
			return err
		}
		_, err = c.Create(ctx, req)
		return err
	}},
	{"cancel", "/access-requests/cancel", func(ctx context.Context, c *facade.Client, id string) error {
		return c.Cancel(ctx, facade.CancelParams{ID: id, Comment: "no longer needed"})
	}},
	{"close", "/access-requests/close", func(ctx context.Context, c *facade.Client, id string) error {
		_, err := c.CloseRequests(ctx, facade.CloseRequestsParams{IDs: []string{id}})
		return err
	}},
}

// Finding 1: net/http's HTTP/2 transport re-sent a POST by itself after a PROTOCOL_ERROR reset.
func TestAWriteResetAfterProcessingIsSentOnceAndReportedUnknown(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, w := range writesOf(api) {
			t.Run(w.name, func(t *testing.T) {
				t.Parallel()
				// Without settling, the create's unknown outcome is returned (settle_test.go settles it).
				srv, c := tlsFake(t, api, soakPolicy, facade.WithoutSettling())
				id := srv.SeedStatuses(1, "id-seed", time.Now())[0]
				srv.SetFaults(fake.Faults{Methods: []string{"POST"}, ResetAfterProcessingRatio: 1})
				// Before the fix the transport re-sent the POST until the deadline: keep one.
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				err := w.call(ctx, c, id)
				require.ErrorIs(t, noteErr(err), facade.ErrOutcomeUnknown)
				assert.Equal(t, 1, srv.Count("POST", wirePath(api, w.path), 0), "the POST went on the wire once")
				rec := srv.Received()
				assert.Equal(t, "HTTP/2.0", rec[len(rec)-1].Proto)
			})
		}
	})
}

// Finding 2: redirects carried the client secret and the bearer token to another URL.
func TestRedirectsAreNeverFollowed(t *testing.T) {
	t.Parallel()
	var trapped atomic.Int64
	var leaked atomic.Bool
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		trapped.Add(1)
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), "client_secret") || r.Header.Get("Authorization") != "" {
			leaked.Store(true)
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	defer trap.Close()
	location := trap.URL + "/collect"

	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, tc := range []struct {
			name   string
			faults fake.Faults
			call   func(*facade.Client) error
			kind   error
		}{
			{"token endpoint 307", fake.Faults{RedirectTokenTo: location}, func(c *facade.Client) error {
				return getConfig(context.Background(), c)
			}, facade.ErrToken},
			{"API read 302", fake.Faults{RedirectAPITo: location, RedirectStatus: http.StatusFound}, func(c *facade.Client) error {
				return getConfig(context.Background(), c)
			}, facade.ErrRedirect},
			{"API write 307", fake.Faults{RedirectAPITo: location}, func(c *facade.Client) error {
				return c.Cancel(context.Background(), facade.CancelParams{ID: "2c9180835d191a86015d28455b4b00a1", Comment: "x"})
			}, facade.ErrOutcomeUnknown},
		} {
			t.Run(tc.name, func(t *testing.T) {
				srv, c := tlsFake(t, api, facade.WithoutRetries())
				srv.SetFaults(tc.faults)
				err := noteErr(tc.call(c))
				require.Error(t, err)
				assert.Contains(t, err.Error(), location, "the error names where the server pointed")
				assert.ErrorIs(t, err, tc.kind)
				var re *facade.RedirectError
				if assert.ErrorAs(t, err, &re) {
					assert.Equal(t, location, re.Location)
				}
			})
		}
	})
	assert.Zero(t, trapped.Load(), "nothing reached the redirect target")
	assert.False(t, leaked.Load())
}

// Finding 2, continued: the policy holds on a caller's client, which is left as it was.
func TestRedirectPolicyHoldsOnTheCallersClientWithoutChangingIt(t *testing.T) {
	t.Parallel()
	var trapped atomic.Int64
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { trapped.Add(1) }))
	defer trap.Close()
	srv := fake.NewServer(fake.WithTLS())
	defer srv.Close()
	srv.SetFaults(fake.Faults{RedirectAPITo: trap.URL, RedirectStatus: http.StatusPermanentRedirect})

	var asked atomic.Int64
	follow := func(*http.Request, []*http.Request) error { asked.Add(1); return nil }
	mine := &http.Client{Transport: srv.Client().Transport, CheckRedirect: follow}
	for _, api := range facade.APIs() {
		c := fakeClientFor(t, srv, api, facade.WithHTTPClient(mine), facade.WithoutRetries())
		require.ErrorIs(t, noteErr(getConfig(context.Background(), c)), facade.ErrRedirect, api)
	}
	assert.Zero(t, trapped.Load())
	assert.Zero(t, asked.Load(), "the caller's own redirect policy is not consulted")
	require.NotNil(t, mine.CheckRedirect, "the caller's client is not changed")
	require.NoError(t, mine.CheckRedirect(nil, nil))
	assert.EqualValues(t, 1, asked.Load(), "and still holds the caller's function")
}

// Finding 3: a write answered by a gateway's 5xx (or 408) may have been acted on.
func TestAWriteAnswered5xxOr408IsAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, status := range []int{500, 502, 503, 504, 408} {
			t.Run(fmt.Sprint(status), func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api).lax()
				e.handle("POST /access-requests", reply(status, "<html>upstream</html>", "Content-Type", "text/html"))
				e.handle("GET /access-request-config", sequence(reply(status, "<html>upstream</html>", "Content-Type", "text/html"), reply(200, e.configBody())))
				c := e.client(facade.WithoutSettling()) // the lookups are settle_test.go's
				_, err := c.Create(context.Background(), grantRequest())
				require.ErrorIs(t, noteErr(err), facade.ErrOutcomeUnknown)
				if status >= 500 {
					assert.ErrorIs(t, err, facade.ErrServer)
				}
				var apiErr *facade.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, status, apiErr.StatusCode)

				err = getConfig(context.Background(), c)
				require.NoError(t, noteErr(err), "a read is retried instead")
				assert.EqualValues(t, 3, e.calls.Load(), "one create, two reads")
			})
		}
	})
}

func TestAGatewayErrorAfterProcessingOverHTTP2(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, status := range []int{502, 504} {
			t.Run(fmt.Sprint(status), func(t *testing.T) {
				t.Parallel()
				srv, c := tlsFake(t, api, soakPolicy)
				srv.SetFaults(fake.Faults{Methods: []string{"POST"}, GatewayErrorRatio: 1, GatewayErrorStatus: status})
				req, err := facade.NewGrant().For("id-1").Role("role-1").Build()
				require.NoError(t, err)
				// The gateway's answer leaves the outcome unknown; the lookup settles it.
				res, err := c.Create(context.Background(), req)
				require.NoError(t, noteErr(err))
				require.NotNil(t, res.Settled)
				assert.ErrorIs(t, res.Settled.Cause, facade.ErrOutcomeUnknown)
				assert.ErrorIs(t, res.Settled.Cause, facade.ErrServer)
				require.Len(t, res.NewRequests, 1)
				assert.Equal(t, srv.Statuses()[0].AccessRequestID, res.NewRequests[0].AccessRequestIDs[0])
				assert.Equal(t, 1, srv.Creates(), "the tenant acted")
				assert.Equal(t, 1, srv.Count("POST", wirePath(api, "/access-requests"), 0), "and got it once")
			})
		}
	})
}

// Finding 4: the error text was scrubbed of the token current at error time, not of the token
// the failing request carried.
func TestTheTokenARequestCarriedIsScrubbedAfterARefresh(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, when := range []string{"while the refresh is in flight", "after the refresh"} {
			t.Run(when, func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api).lax()
				refreshing, release, bDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
				e.mu.Lock()
				e.tokenReply = func(n int64, w http.ResponseWriter) bool {
					if n == 2 {
						close(refreshing)
						<-release
					}
					return false
				}
				e.mu.Unlock()
				aArrived := make(chan struct{})
				e.handle("GET /access-request-config", func(w http.ResponseWriter, r *http.Request) {
					close(aArrived)
					if when == "after the refresh" {
						<-bDone
					} else {
						<-refreshing
					}
					reply(500, "<pre>upstream saw: "+r.Header.Get("Authorization")+"</pre>", "Content-Type", "text/html")(w, r)
				})
				e.handle("GET /access-request-status", sequence(reply(401, `{"error":"JWT expired"}`), reply(200, `[]`)))
				c := e.client(facade.WithoutRetries())

				errA := make(chan error, 1)
				go func() { err := getConfig(context.Background(), c); errA <- err }()
				<-aArrived
				go func() {
					defer close(bDone)
					_, _ = c.ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
				}()
				if when == "after the refresh" {
					<-refreshing
					close(release)
				}
				err := <-errA
				if when != "after the refresh" {
					close(release)
				}
				<-bDone
				require.Error(t, err)
				assert.NotContains(t, err.Error(), tokenPrefix+"1", "the token the request carried")
				assert.Contains(t, err.Error(), "upstream saw: Bearer [redacted]")
				noteErr(err)
			})
		}
	})
}

func TestASnippetIsCutAfterScrubbing(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api).lax()
		e.handle("GET /access-request-config", func(w http.ResponseWriter, r *http.Request) {
			token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			reply(500, strings.Repeat("a", 500)+token+strings.Repeat("b", 100), "Content-Type", "text/plain")(w, r)
		})
		err := getConfig(context.Background(), e.client(facade.WithoutRetries()))
		require.Error(t, noteErr(err))
		assert.NotContains(t, err.Error(), tokenPrefix[:8], "no token prefix survives the cut")
		assert.Contains(t, err.Error(), "a[redacted]")
	})
}

func TestTheSecretIsScrubbedInItsEncodedForms(t *testing.T) {
	t.Parallel()
	const odd = "s3cr3t+SECRET/value&9a8b=x y" // every character form encoding changes
	e := newEnv(t)
	e.mu.Lock()
	e.tokenReply = func(n int64, w http.ResponseWriter) bool {
		basic := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(testClientID) + ":" + url.QueryEscape(odd)))
		raw := base64.StdEncoding.EncodeToString([]byte(testClientID + ":" + odd))
		form := url.Values{"client_secret": {odd}}.Encode()
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request",
			"error_description": "got " + form + " and Basic " + basic + " or " + raw + " path " + url.PathEscape(odd)})
		return true
	}
	e.mu.Unlock()
	c, err := facade.New(facade.WithAPI(e.api), facade.WithBaseURL(e.srv.URL), facade.WithClientCredentials(testClientID, odd))
	require.NoError(t, err)
	err = getConfig(context.Background(), c)
	require.ErrorIs(t, noteErr(err), facade.ErrToken)
	msg := err.Error()
	for _, form := range []string{odd, url.QueryEscape(odd), url.PathEscape(odd), "s3cr3t%2BSECRET",
		base64.StdEncoding.EncodeToString([]byte(testClientID + ":" + odd))[:12],
		base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(testClientID) + ":" + url.QueryEscape(odd)))[:12]} {
		assert.NotContains(t, msg, form)
	}
	assert.Contains(t, msg, "got client_secret=[redacted] and Basic [redacted] or [redacted] path [redacted]")
}

// Finding 5: a short secret garbled unrelated words ("identit[redacted]now.com") and pointed at
// itself. Secrets that short are refused; longer ones are replaced only where they occur.
func TestShortSecretsAreRefusedAndLongOnesDoNotGarbleText(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{"y", "api", "fifteen-chars!!"} {
		_, err := facade.New(facade.WithTenant("acme"), facade.WithClientCredentials("id", secret))
		require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput, "secret %q", secret)
		assert.Contains(t, err.Error(), "at least 16 characters")
		assert.NotContains(t, err.Error(), fmt.Sprintf("%q", secret))
	}
	_, err := facade.New(facade.WithTenant("acme"), facade.WithAccessToken("short"))
	require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput)
	assert.Contains(t, err.Error(), "at least 8 characters")

	short := newEnv(t)
	short.mu.Lock()
	short.tokenReply = func(n int64, w http.ResponseWriter) bool {
		writeJSON(w, http.StatusOK, map[string]any{"access_token": "abc", "token_type": "bearer", "expires_in": 3600})
		return true
	}
	short.mu.Unlock()
	short.handle("GET /access-request-config", reply(200, short.configBody()))
	err = getConfig(context.Background(), short.client())
	require.ErrorIs(t, noteErr(err), facade.ErrToken, "a fetched token that short is refused too")
	assert.Contains(t, err.Error(), "too short")
	assert.Zero(t, short.calls.Load(), "and never sent")

	e := newEnv(t)
	e.mu.Lock()
	e.tokenReply = func(n int64, w http.ResponseWriter) bool {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request",
			"error_description": "acme.api.identitynow.com says: secret " + testSecret + " is not allowed for yyy"})
		return true
	}
	e.mu.Unlock()
	err = getConfig(context.Background(), e.client())
	require.ErrorIs(t, noteErr(err), facade.ErrToken)
	assert.Contains(t, err.Error(), "acme.api.identitynow.com says: secret [redacted] is not allowed for yyy")
}

// Finding 6: callers waiting on a failing token fetch each fetched again, one after another.
func TestCallersWaitingOnATokenFetchShareItsFailure(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var fetches atomic.Int64
		src := tokenSourceFunc(func() (*oauth2.Token, error) {
			fetches.Add(1)
			time.Sleep(50 * time.Millisecond) // the endpoint answers 503 after 50 ms
			return nil, errors.New("token endpoint answered 503")
		})
		// Not the vendor's host: there the client would pace the 200 calls at the documented
		// limit, 10 a second, and most would come after the fetch failed.
		c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL("https://tenant.invalid"), facade.WithTokenSource(src))
		require.NoError(t, err)
		start := time.Now()
		var wg sync.WaitGroup
		var slowest atomic.Int64
		for range 200 {
			wg.Go(func() {
				err := getConfig(context.Background(), c)
				if !errors.Is(err, facade.ErrToken) {
					t.Errorf("want a token error, got %v", err)
				}
				slowest.Store(max(slowest.Load(), int64(time.Since(start))))
			})
		}
		wg.Wait()
		assert.EqualValues(t, 1, fetches.Load(), "one fetch for 200 waiting callers")
		assert.Equal(t, 50*time.Millisecond, time.Duration(slowest.Load()), "the last caller waited for one fetch, not 200")
	})
}

// The leader's token request is held at the endpoint until its caller gives up; the follower
// is by then waiting on that fetch (synctest.Wait says so: every goroutine of the bubble is
// blocked), and must fetch again rather than inherit the leader's cancellation. The transport
// is in memory, so that "blocked" can be told: no sleep orders the goroutines.
func TestACallerThatGivesUpDoesNotFailTheOthersWaitingOnItsFetch(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var tokenRequests, apiRequests atomic.Int64
		tenant := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.URL.Path == "/oauth/token" {
				if n := tokenRequests.Add(1); n == 1 {
					<-r.Context().Done() // held until the leader gives up
					return nil, r.Context().Err()
				}
				return inMemoryReply(r, http.StatusOK, `{"access_token":"`+tokenPrefix+`2","token_type":"bearer","expires_in":3600}`), nil
			}
			apiRequests.Add(1)
			return inMemoryReply(r, http.StatusOK, configJSON), nil
		})
		c, err := facade.New(facade.WithBaseURL("https://acme.api.identitynow.com"),
			facade.WithClientCredentials(testClientID, testSecret),
			facade.WithHTTPClient(&http.Client{Transport: tenant}), facade.WithLogger(debugLogger()))
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		leader := make(chan error, 1)
		go func() { leader <- getConfig(ctx, c) }()
		synctest.Wait() // the leader's fetch is at the token endpoint
		follower := make(chan error, 1)
		go func() { follower <- getConfig(context.Background(), c) }()
		synctest.Wait() // and the follower waits on it
		require.EqualValues(t, 1, tokenRequests.Load(), "the follower waits on the leader's fetch instead of starting its own")
		cancel()
		require.ErrorIs(t, noteErr(<-leader), context.Canceled)
		require.NoError(t, noteErr(<-follower), "the follower fetches again rather than inherit a cancellation")
		assert.EqualValues(t, 2, tokenRequests.Load(), "one fetch given up, one that the follower made")
		assert.EqualValues(t, 1, apiRequests.Load(), "only the follower reached the API")
	})
}

// A caller waiting on another's token fetch stops when its own context ends, with its own
// error, and the fetch goes on for the caller that made it. Guards tokenCache.token's wait on
// a flight.
func TestACallerWaitingOnAnothersFetchStopsWhenItsContextEnds(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var tokenRequests atomic.Int64
		release := make(chan struct{})
		tenant := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.URL.Path == "/oauth/token" {
				tokenRequests.Add(1)
				<-release
				return inMemoryReply(r, http.StatusOK, `{"access_token":"`+tokenPrefix+`1","token_type":"bearer","expires_in":3600}`), nil
			}
			return inMemoryReply(r, http.StatusOK, configJSON), nil
		})
		c, err := facade.New(facade.WithBaseURL("https://acme.api.identitynow.com"),
			facade.WithClientCredentials(testClientID, testSecret),
			facade.WithHTTPClient(&http.Client{Transport: tenant}), facade.WithLogger(debugLogger()))
		require.NoError(t, err)
		leader := make(chan error, 1)
		go func() { leader <- getConfig(context.Background(), c) }()
		synctest.Wait() // the leader's fetch is at the token endpoint
		ctx, cancel := context.WithCancel(context.Background())
		follower := make(chan error, 1)
		go func() { follower <- getConfig(ctx, c) }()
		synctest.Wait() // the follower waits on it
		cancel()
		require.ErrorIs(t, noteErr(<-follower), context.Canceled, "the follower stops with its own context")
		close(release)
		require.NoError(t, noteErr(<-leader), "the leader's fetch went on")
		assert.EqualValues(t, 1, tokenRequests.Load())
	})
}

// inMemoryReply is a JSON response to r with header pairs, for transports that never touch the
// network.
func inMemoryReply(r *http.Request, status int, body string, headers ...string) *http.Response {
	h := http.Header{"Content-Type": {"application/json"}}
	for i := 0; i+1 < len(headers); i += 2 {
		h.Set(headers[i], headers[i+1])
	}
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}
}

// Finding 7: a fixed 60 s leeway made every call fetch a new token when tokens live 60 s.
func TestShortLivedTokensAreReusedForPartOfTheirLife(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.tokenTTL = 60 * time.Second
	e.handle("GET /access-request-config", reply(200, e.configBody()))
	c := e.client()
	for range 20 {
		err := getConfig(context.Background(), c)
		require.NoError(t, noteErr(err))
	}
	assert.EqualValues(t, 1, e.tokens.Load(), "20 calls, one token")
	e.clock.Advance(44 * time.Second) // 16 s left: more than a quarter of the life, still used
	err := getConfig(context.Background(), c)
	require.NoError(t, noteErr(err))
	assert.EqualValues(t, 1, e.tokens.Load())
	e.clock.Advance(2 * time.Second) // 14 s left: inside the leeway, replaced
	err = getConfig(context.Background(), c)
	require.NoError(t, noteErr(err))
	assert.EqualValues(t, 2, e.tokens.Load())
}

// Finding 8: refusals by the client's own rate limiter spent the retry budget.
func TestLocalRateLimiterRefusalsDoNotSpendTheRetryBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", reply(200, e.configBody()))
	c := e.client(facade.WithRateLimit(rate.Every(time.Hour), 1),
		facade.WithRetryPolicy(facade.RetryPolicy{MaxAttempts: 4, Budget: 20}))
	err := getConfig(context.Background(), c) // spends the limiter's only token
	require.NoError(t, noteErr(err))
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := getConfig(ctx, c)
		cancel()
		require.ErrorIs(t, noteErr(err), context.DeadlineExceeded, "the limiter refuses a wait past the deadline")
		assert.Contains(t, err.Error(), "rate limit")
	}
	assert.Equal(t, 20, facade.BudgetAvailable(c), "no retry was spent")
	assert.EqualValues(t, 1, e.calls.Load())
}

type tokenSourceFunc func() (*oauth2.Token, error)

func (f tokenSourceFunc) Token() (*oauth2.Token, error) { return f() }

// A write without a body (possible through Generated) is refused before it leaves: net/http's
// HTTP/2 transport re-sends a bodiless request after a stream reset without asking GetBody, so
// one call reached a resetting server 2,169 times in 3 s.
func TestAWriteWithoutABodyIsRefusedBeforeItLeaves(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, api := range facade.APIs() {
		srv, c := tlsFake(t, api, soakPolicy)
		srv.SetFaults(fake.Faults{Methods: []string{"POST"}, ResetAfterProcessingRatio: 1})
		var err error
		if api == facade.APIV1 {
			_, err = c.Generated().CancelAccessRequestV1WithBody(ctx, "application/json", strings.NewReader(""))
		} else {
			_, err = c.Generated().CancelAccessRequestWithBody(ctx, "application/json", strings.NewReader(""))
		}
		require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput)
		assert.ErrorContains(t, err, "a POST request needs a body")
		assert.Equal(t, 0, srv.Count("POST", wirePath(api, "/access-requests/cancel"), 0), "the bodiless POST went on the wire")
	}
}

func TestTheShortestCredentialsThatCanBeScrubbedAreAccepted(t *testing.T) {
	t.Parallel()
	_, err := facade.New(facade.WithTenant("acme"), facade.WithClientCredentials("id", "sixteen-chars!!!"))
	require.NoError(t, noteErr(err), "a 16-character secret is long enough")
	_, err = facade.New(facade.WithTenant("acme"), facade.WithAccessToken("8-chars!"))
	require.NoError(t, noteErr(err), "an 8-character token is long enough")
	_, err = facade.New(facade.WithTenant("acme"), facade.WithAccessToken("7-chars"))
	require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput, "a 7-character token is not")
}

func TestWhichStatusesAreRedirectsFailuresOrSuccesses(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		cases := []struct {
			status   int
			redirect bool
			ok       bool
		}{
			{299, false, true},
			{300, true, false},
			{399, true, false},
			{400, false, false},
		}
		for _, tc := range cases {
			t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api).lax()
				e.handle("GET /access-request-config", reply(tc.status, configJSON, "Location", "https://elsewhere.example/x"))
				err := getConfig(context.Background(), e.client(facade.WithoutRetries()))
				if tc.ok {
					require.NoError(t, noteErr(err))
					return
				}
				require.Error(t, noteErr(err))
				assert.Equal(t, tc.redirect, errors.Is(err, facade.ErrRedirect), "%v", err)
			})
		}
	})
}
