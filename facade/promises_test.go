package facade_test

// Each test here holds one promise the docs or SECURITY.md make, and was seen to fail with the
// line it protects mutated (see the mutation notes in the README).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/sailkit/accessrequests/facade"
)

// TestBackoffDoublesUpToMaxDelay: each retry's wait is drawn from a window that starts at
// BaseDelay and doubles per retry up to MaxDelay; a wait is at least half its window.
func TestBackoffDoublesUpToMaxDelay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", reply(500, errorJSON))
	policy := facade.RetryPolicy{MaxAttempts: 6, BaseDelay: time.Second, MaxDelay: 6 * time.Second, MaxRetryAfter: time.Minute}
	err := getConfig(context.Background(), e.client(facade.WithRetryPolicy(policy)))
	require.ErrorIs(t, noteErr(err), facade.ErrServer)
	windows := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 6 * time.Second, 6 * time.Second}
	waits := e.clock.Waits()
	require.Len(t, waits, len(windows))
	for i, w := range windows {
		assert.GreaterOrEqual(t, waits[i], w/2, "retry %d waits at least half of its %v window", i+1, w)
		assert.LessOrEqual(t, waits[i], w, "retry %d waits at most its %v window", i+1, w)
	}
}

// TestRetryBudgetIsEarnedBackBySuccesses: a spent budget stops retries; each success returns
// one unit, so RetryCost successes pay for the next retry.
func TestRetryBudgetIsEarnedBackBySuccesses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var fail atomic.Bool
	e.handle("GET /access-request-config", func(w http.ResponseWriter, r *http.Request) {
		if fail.Swap(false) {
			reply(500, errorJSON)(w, r)
			return
		}
		reply(200, e.configBody())(w, r)
	})
	c := e.client(facade.WithRetryPolicy(facade.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Second,
		MaxDelay: time.Second, MaxRetryAfter: time.Minute, Budget: facade.RetryCost}))
	failOnce := func() error {
		fail.Store(true)
		err := getConfig(context.Background(), c)
		return noteErr(err)
	}
	ok := func() {
		err := getConfig(context.Background(), c)
		require.NoError(t, noteErr(err))
	}

	require.NoError(t, failOnce(), "the full budget pays for one retry")
	// That success returned one unit: RetryCost-1 are missing.
	require.ErrorIs(t, failOnce(), facade.ErrServer, "the budget is spent")
	for range facade.RetryCost - 1 {
		ok()
	}
	require.NoError(t, failOnce(), "RetryCost successes paid for another retry")
}

// TestRetryAfterCapIsInclusive: a Retry-After up to MaxRetryAfter is waited for, exactly; one
// second more is not waited for at all.
func TestRetryAfterCapIsInclusive(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		policy := facade.WithRetryPolicy(facade.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond,
			MaxDelay: time.Millisecond, MaxRetryAfter: 10 * time.Second})
		for _, tc := range []struct {
			after    string
			requests int64
			waits    []time.Duration
		}{
			{"10", 2, []time.Duration{10 * time.Second}},
			{"11", 1, nil},
		} {
			t.Run("Retry-After "+tc.after, func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api)
				e.handle("GET /access-request-config", sequence(
					reply(429, `{"message":"slow down"}`, "Retry-After", tc.after), reply(200, e.configBody())))
				err := getConfig(context.Background(), e.client(policy))
				if tc.waits == nil {
					require.ErrorIs(t, noteErr(err), facade.ErrRateLimited)
				} else {
					require.NoError(t, noteErr(err))
				}
				assert.Equal(t, tc.requests, e.calls.Load())
				assert.Equal(t, tc.waits, e.clock.Waits())
			})
		}
	})
}

// TestRetryAfterIsHonouredOn503: a 503's Retry-After sets the wait, as a 429's does.
func TestRetryAfterIsHonouredOn503(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api).lax()
		e.handle("GET /access-request-config", sequence(
			reply(503, `{"detailCode":"503"}`, "Retry-After", "9"), reply(200, e.configBody())))
		err := getConfig(context.Background(), e.client())
		require.NoError(t, noteErr(err))
		assert.Equal(t, []time.Duration{9 * time.Second}, e.clock.Waits())
	})
}

// dialFailsAfterHeaders reports headers written, then fails as a refused dial does: a proxying
// RoundTripper that gave up on one connection and could not open the next.
type dialFailsAfterHeaders struct{ calls atomic.Int64 }

func (d *dialFailsAfterHeaders) RoundTrip(r *http.Request) (*http.Response, error) {
	d.calls.Add(1)
	if tr := httptrace.ContextClientTrace(r.Context()); tr != nil && tr.WroteHeaders != nil {
		tr.WroteHeaders()
	}
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
}

// TestPostIsRetriedAfterAFailedDial: a failed dial cannot have reached the server, so a POST
// is sent again, whatever else the transport reported.
func TestPostIsRetriedAfterAFailedDial(t *testing.T) {
	t.Parallel()
	rt := &dialFailsAfterHeaders{}
	clock := &fakeClock{now: time.Now()}
	c, err := facade.New(facade.WithBaseURL("https://acme.api.identitynow.com"), facade.WithAccessToken(tokenPrefix+"static"),
		facade.WithHTTPClient(&http.Client{Transport: rt}), facade.WithClock(clock.Now, clock.Sleep))
	require.NoError(t, err)
	_, err = c.Create(context.Background(), grantRequest())
	require.Error(t, noteErr(err))
	assert.NotErrorIs(t, err, facade.ErrOutcomeUnknown)
	assert.EqualValues(t, facade.DefaultRetryPolicy().MaxAttempts, rt.calls.Load(), "every attempt is made")
}

// TestRateLimitIsApplied: with one request an hour allowed, a second call inside the caller's
// deadline is refused locally and never reaches the server. Nothing here waits: the limiter
// sees at once that the deadline comes first.
func TestRateLimitIsApplied(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", reply(200, e.configBody()))
	c := e.client(facade.WithRateLimit(rate.Every(time.Hour), 1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := getConfig(ctx, c)
	require.NoError(t, noteErr(err))
	err = getConfig(ctx, c)
	require.Error(t, noteErr(err))
	assert.EqualValues(t, 1, e.calls.Load(), "the second call waited on our side")
}

// TestUserAgentNamesTheLibrary: every request says which library (and version) sent it, with
// the caller's suffix.
func TestUserAgentNamesTheLibrary(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, tc := range []struct {
			opts []facade.Option
			want string
		}{
			{nil, "accessrequests-go/" + facade.Version},
			{[]facade.Option{facade.WithUserAgent(" nightly-sync/1.2 ")}, "accessrequests-go/" + facade.Version + " nightly-sync/1.2"},
		} {
			t.Run(tc.want, func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api)
				var got atomic.Value
				e.handle("GET /access-request-config", func(w http.ResponseWriter, r *http.Request) {
					got.Store(r.Header.Get("User-Agent"))
					reply(200, e.configBody())(w, r)
				})
				err := getConfig(context.Background(), e.client(tc.opts...))
				require.NoError(t, noteErr(err))
				assert.Equal(t, tc.want, got.Load())
			})
		}
	})
}

// TestDedupeSkipsRepeatedEntries: offset paging over a changing set can serve an entry twice;
// Dedupe yields it once, and without Dedupe it is yielded as served.
func TestDedupeSkipsRepeatedEntries(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		pages := map[string][]string{"0": {"a", "b"}, "2": {"b", "c"}, "4": {"d"}}
		for _, tc := range []struct {
			dedupe bool
			want   []string
		}{{true, []string{"a", "b", "c", "d"}}, {false, []string{"a", "b", "b", "c", "d"}}} {
			t.Run(fmt.Sprintf("dedupe=%v", tc.dedupe), func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api)
				e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
					var items []facade.Status
					for _, id := range pages[r.URL.Query().Get("offset")] {
						items = append(items, facade.Status{AccessRequestID: id, AccountActivityItemID: id})
					}
					reply(200, mustJSON(items))(w, r)
				})
				got, err := e.client().CollectStatus(context.Background(), facade.ListStatusParams{PageSize: 2, Dedupe: tc.dedupe}, 0)
				require.NoError(t, noteErr(err))
				var ids []string
				for _, s := range got {
					ids = append(ids, s.AccessRequestID)
				}
				assert.Equal(t, tc.want, ids)
			})
		}
	})
}

// TestCreateSendsDatesInUTC: Create itself (not only the builders) sends dates in UTC, and
// leaves the caller's request as it was.
func TestCreateSendsDatesInUTC(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		var body atomic.Value
		e.handle("POST /access-requests", func(w http.ResponseWriter, r *http.Request) {
			var m map[string]any
			require.NoError(t, json.NewDecoder(r.Body).Decode(&m))
			body.Store(m)
			reply(202, createdJSON)(w, r)
		})
		paris := time.FixedZone("CEST", 2*3600)
		start := e.clock.Now().Add(48 * time.Hour).In(paris)
		remove := start.Add(24 * time.Hour)
		perID := []facade.IdentityRequest{{IdentityID: "id-2", RequestedItems: []facade.IdentityItem{
			{Type: facade.ItemTypeRole, ID: "role-2", StartDate: start, RemoveDate: remove}}}}
		for name, req := range map[string]facade.AccessRequest{
			"requestedItems": func() facade.AccessRequest {
				r := grantRequest()
				r.RequestedItems[0].StartDate, r.RequestedItems[0].RemoveDate = start, remove
				return r
			}(),
			"requestedForWithRequestedItems": {RequestedForWithRequestedItems: perID},
		} {
			_, err := e.client().Create(context.Background(), req)
			require.NoError(t, noteErr(err), name)
			sent, _ := json.Marshal(body.Load())
			assert.Contains(t, string(sent), `"startDate":"`+start.UTC().Format(time.RFC3339)+`"`, name)
			assert.Contains(t, string(sent), `"removeDate":"`+remove.UTC().Format(time.RFC3339)+`"`, name)
			assert.NotContains(t, string(sent), "+02:00", name)
		}
		assert.Equal(t, paris, start.Location(), "the caller's dates are not changed")
	})
}

// TestWaitStopsAtEveryFinalState: each final state, ERROR included, ends Wait at the first poll.
func TestWaitStopsAtEveryFinalState(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, state := range []facade.State{facade.StateRequestCompleted, facade.StateCancelled,
			facade.StateTerminated, facade.StateRejected, facade.StateProvisioningFailed, facade.StateNotAllItemsProvisioned,
			facade.StateError} {
			t.Run(string(state), func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api)
				// A second poll would see a different state: Wait must have stopped at the first.
				e.handle("GET /access-request-status", sequence(
					reply(200, `[{"accessRequestId":"ar-1","state":"`+string(state)+`"}]`),
					reply(200, `[{"accessRequestId":"ar-1","state":"REQUEST_COMPLETED"}]`),
					reply(200, `[{"accessRequestId":"ar-1","state":"CANCELLED"}]`)))
				st, err := e.client().Wait(context.Background(), "ar-1", facade.WaitParams{})
				require.NoError(t, noteErr(err))
				assert.Equal(t, state, st.State)
				assert.EqualValues(t, 1, e.calls.Load())
				assert.Empty(t, e.clock.Waits())
			})
		}
	})
}

// TestPlainHTTPIsAllowedOnLoopbackOnly: localhost and loopback addresses may use plain http
// (a fake tenant, a local proxy); other hosts may not.
func TestPlainHTTPIsAllowedOnLoopbackOnly(t *testing.T) {
	t.Parallel()
	creds := facade.WithClientCredentials(testClientID, testSecret)
	for base, ok := range map[string]bool{
		"http://localhost:8080":      true,
		"http://127.0.0.2":           true,
		"http://[::1]:9000":          true,
		"http://localhost.evil.com":  false,
		"http://10.0.0.1":            false,
		"http://acme.api.example.io": false,
	} {
		_, err := facade.New(facade.WithBaseURL(base), creds)
		if ok {
			assert.NoError(t, noteErr(err), base)
		} else if assert.Error(t, noteErr(err), base) {
			assert.Contains(t, err.Error(), "refusing plain http", base)
		}
	}
}

// TestPrefetchStopsAtARepeatedPage: a server that serves the same page at every offset ends a
// prefetching listing with ErrInconsistentPage after the first page.
func TestPrefetchStopsAtARepeatedPage(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api).lax()
		e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
			items := make([]facade.Status, 10)
			for i := range items {
				items[i] = facade.Status{AccessRequestID: fmt.Sprintf("same-%d", i)}
			}
			reply(200, mustJSON(items), "X-Total-Count", "40")(w, r)
		})
		// The limit bounds the listing should the guard fail: the pages are full forever.
		got, err := e.client().CollectStatus(context.Background(), facade.ListStatusParams{PageSize: 10, Prefetch: 3}, 100)
		require.ErrorIs(t, noteErr(err), facade.ErrInconsistentPage)
		assert.Contains(t, err.Error(), ": offsets 0 and 10 returned the same entries")
		assert.Len(t, got, 10, "only the first page is yielded")
	})
}

// TestBlankIDsAreRefusedBeforeSending: an id of spaces is as empty as "" for every call that
// takes one.
func TestBlankIDsAreRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		c := e.client()
		ctx := context.Background()
		blankItem := grantRequest()
		blankItem.RequestedItems[0].ID = " \t"
		blankFor := grantRequest()
		blankFor.RequestedFor = []string{"  "}
		blankIdentity := facade.AccessRequest{RequestedForWithRequestedItems: []facade.IdentityRequest{
			{IdentityID: " ", RequestedItems: []facade.IdentityItem{{Type: facade.ItemTypeRole, ID: "r"}}}}}
		blankComment := grantRequest()
		blankComment.RequestType = facade.RequestTypeRevoke
		blankComment.RequestedItems[0].Comment = "  "
		for name, call := range map[string]func() error{
			"cancel id":      func() error { return c.Cancel(ctx, facade.CancelParams{ID: "  ", Comment: "mistake"}) },
			"cancel comment": func() error { return c.Cancel(ctx, facade.CancelParams{ID: "ar-1", Comment: "\t"}) },
			"close id": func() error {
				_, err := c.CloseRequests(ctx, facade.CloseRequestsParams{IDs: []string{"ar-1", " "}})
				return err
			},
			"wait id":        func() error { _, err := c.Wait(ctx, " ", facade.WaitParams{}); return err },
			"item id":        func() error { _, err := c.Create(ctx, blankItem); return err },
			"requestedFor":   func() error { _, err := c.Create(ctx, blankFor); return err },
			"identityId":     func() error { _, err := c.Create(ctx, blankIdentity); return err },
			"revoke comment": func() error { _, err := c.Create(ctx, blankComment); return err },
			"client id option": func() error {
				_, err := facade.New(facade.WithTenant("acme"), facade.WithClientCredentials(" ", "s"))
				return err
			},
			"access token": func() error { _, err := facade.New(facade.WithTenant("acme"), facade.WithAccessToken(" ")); return err },
		} {
			err := noteErr(call())
			if assert.Error(t, err, name) && !strings.HasSuffix(name, "option") && name != "access token" {
				assert.ErrorIs(t, err, facade.ErrInvalidInput, name)
			}
		}
		assert.Zero(t, e.calls.Load(), "nothing was sent")
	})
}

// TestCloseStopsBetweenChunksWhenTheContextEnds: ids after the caller gave up are NotSent, not
// Failed, and no further call is made.
func TestCloseStopsBetweenChunksWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		e.handle("POST /access-requests/close", reply(202, `{}`))
		ids := make([]string, 3*facade.MaxCloseIDs)
		for i := range ids {
			ids[i] = fmt.Sprintf("ar-%04d", i)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		res, err := e.client().CloseRequests(ctx, facade.CloseRequestsParams{IDs: ids, Progress: func(int, int) { cancel() }})
		require.ErrorIs(t, noteErr(err), context.Canceled)
		assert.Equal(t, 1, res.Calls)
		assert.EqualValues(t, 1, e.calls.Load())
		assert.Equal(t, ids[:facade.MaxCloseIDs], res.Accepted)
		assert.Empty(t, res.Refused)
		assert.Empty(t, res.Unknown)
		assert.Equal(t, ids[facade.MaxCloseIDs:], res.NotSent)
	})
}

// TestAFixedTokenIsNotRefreshed: a 401 with WithAccessToken is returned as it is; there is
// nothing to refresh and the request is not sent again.
func TestAFixedTokenIsNotRefreshed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", reply(401, `{"error":"JWT is expired"}`))
	c, err := facade.New(facade.WithAPI(e.api), facade.WithBaseURL(e.srv.URL), facade.WithAccessToken(tokenPrefix+"fixed"),
		facade.WithClock(e.clock.Now, e.clock.Sleep))
	require.NoError(t, err)
	err = getConfig(context.Background(), c)
	require.ErrorIs(t, noteErr(err), facade.ErrUnauthorized)
	assert.EqualValues(t, 1, e.calls.Load())
	assert.Zero(t, e.tokens.Load())
}

// TestALate401DoesNotDropANewerToken: a call that used the old token and is answered 401 after
// another call already replaced that token keeps the new one instead of fetching a third.
func TestALate401DoesNotDropANewerToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := "Bearer " + tokenPrefix + "1"
	arrived, release := make(chan struct{}), make(chan struct{})
	var once atomic.Bool
	e.handle("GET /access-request-config", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == first {
			if once.CompareAndSwap(false, true) {
				close(arrived)
			}
			<-release
			reply(401, `{"error":"JWT is expired"}`)(w, r)
			return
		}
		reply(200, e.configBody())(w, r)
	})
	e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == first {
			reply(401, `{"error":"JWT is expired"}`)(w, r)
			return
		}
		reply(200, `[]`)(w, r)
	})
	var releaseOnce sync.Once
	releaseAll := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(releaseAll) // before the server closes, whatever fails below
	c := e.client()
	done := make(chan error, 1)
	go func() { err := getConfig(context.Background(), c); done <- err }()
	select {
	case <-arrived:
	case err := <-done:
		t.Fatalf("the first call ended before the server had it: %v", noteErr(err))
	}
	_, err := c.ListStatusPage(context.Background(), facade.ListStatusParams{}, 0) // 401, refresh to token 2, 200
	require.NoError(t, noteErr(err))
	releaseAll()
	require.NoError(t, noteErr(<-done))
	assert.EqualValues(t, 2, e.tokens.Load(), "the late 401 reused token 2")
}

// TestWithHTTPClientCopiesTheClient: changing the caller's client after New does not change
// the Client made from it.
func TestWithHTTPClientCopiesTheClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", reply(200, e.configBody()))
	var used atomic.Int64
	base := e.srv.Client().Transport
	mine := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used.Add(1)
		return base.RoundTrip(r)
	})}
	c, err := facade.New(facade.WithAPI(e.api), facade.WithBaseURL(e.srv.URL), facade.WithClientCredentials(testClientID, testSecret),
		facade.WithHTTPClient(mine), facade.WithClock(e.clock.Now, e.clock.Sleep))
	require.NoError(t, err)
	mine.Transport = roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("caller's new transport") })
	err = getConfig(context.Background(), c)
	require.NoError(t, noteErr(err))
	assert.EqualValues(t, 2, used.Load(), "the token and the call went through the transport given to New")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestTokenErrorsSayTheStatusWhenThereIsOne: the token endpoint's HTTP status is in the
// message when it answered, and no "(HTTP 0)" appears when it did not.
func TestTokenErrorsSayTheStatusWhenThereIsOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	err := getConfig(context.Background(), e.client(facade.WithClientCredentials(testClientID, "wrong-"+testSecret)))
	require.ErrorIs(t, noteErr(err), facade.ErrToken)
	assert.Contains(t, err.Error(), "(HTTP 401)")

	c, err := facade.New(facade.WithAPI(e.api), facade.WithBaseURL(e.srv.URL), facade.WithTokenSource(failingSource{}))
	require.NoError(t, err)
	err = getConfig(context.Background(), c)
	require.ErrorIs(t, noteErr(err), facade.ErrToken)
	assert.NotContains(t, err.Error(), "(HTTP")
}

// TestWithTokenURLTakesAnAbsoluteURL: a token URL on another host is accepted and used; a
// relative one is refused.
func TestWithTokenURLTakesAnAbsoluteURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", reply(200, e.configBody()))
	// The API root has a path prefix the token endpoint does not share, so the default token
	// URL (the root's /oauth/token) would not answer.
	c, err := facade.New(facade.WithAPI(e.api), facade.WithBaseURL(e.srv.URL+"/elsewhere"), facade.WithTokenURL(e.srv.URL+"/oauth/token"),
		facade.WithClientCredentials(testClientID, testSecret), facade.WithHTTPClient(e.srv.Client()),
		facade.WithoutRetries(), facade.WithClock(e.clock.Now, e.clock.Sleep))
	require.NoError(t, noteErr(err))
	err = getConfig(context.Background(), c)
	require.Error(t, noteErr(err)) // there is no API under /elsewhere
	assert.NotErrorIs(t, err, facade.ErrToken)
	assert.EqualValues(t, 1, e.tokens.Load(), "the token came from the token URL")

	for _, bad := range []string{"/oauth/token", "ftp://tokens.example.com/t", "https:///t"} {
		_, err := facade.New(facade.WithTenant("acme"), facade.WithTokenURL(bad), facade.WithClientCredentials(testClientID, testSecret))
		if assert.Error(t, noteErr(err), bad) {
			assert.Contains(t, err.Error(), "WithTokenURL: \""+bad+"\" is not an absolute http(s) URL", bad) // the URL in its place
		}
	}
}

// TestTheDefaultBackoffStartsAtHalfASecondAndDoubles: without a Retry-After, the default policy
// waits a random time in the upper half of a window of 500 ms, then 1 s, then 2 s (the
// documented DefaultRetryPolicy), so a failing server is not hammered and a caller is not held
// for long.
func TestTheDefaultBackoffStartsAtHalfASecondAndDoubles(t *testing.T) {
	t.Parallel()
	e := newEnv(t).lax()
	e.handle("GET /access-request-config", sequence(
		reply(503, `{"detailCode":"503"}`), reply(503, `{"detailCode":"503"}`), reply(503, `{"detailCode":"503"}`), reply(200, e.configBody())))
	err := getConfig(context.Background(), e.client())
	require.NoError(t, noteErr(err))
	waits := e.clock.Waits()
	require.Len(t, waits, 3)
	for i, window := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second} {
		assert.GreaterOrEqual(t, waits[i], window/2, "retry %d", i+1)
		assert.LessOrEqual(t, waits[i], window, "retry %d", i+1)
	}
}

// TestAZeroMaxDelayKeepsEveryWaitAtTheBaseDelay: MaxDelay 0 means the window does not grow, not
// that retries come at once.
func TestAZeroMaxDelayKeepsEveryWaitAtTheBaseDelay(t *testing.T) {
	t.Parallel()
	e := newEnv(t).lax()
	e.handle("GET /access-request-config", sequence(
		reply(503, `{"detailCode":"503"}`), reply(503, `{"detailCode":"503"}`), reply(200, e.configBody())))
	policy := facade.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Second, MaxDelay: 0, MaxRetryAfter: time.Minute}
	err := getConfig(context.Background(), e.client(facade.WithRetryPolicy(policy)))
	require.NoError(t, noteErr(err))
	waits := e.clock.Waits()
	require.Len(t, waits, 2)
	for i, w := range waits {
		assert.GreaterOrEqual(t, w, 500*time.Millisecond, "retry %d", i+1)
		assert.LessOrEqual(t, w, time.Second, "retry %d", i+1)
	}
}

// TestTheSmallestBaseDelaysWork: a window of a nanosecond or two still gives a wait in its
// upper half (a draw over an empty range would panic).
func TestTheSmallestBaseDelaysWork(t *testing.T) {
	t.Parallel()
	for _, base := range []time.Duration{time.Nanosecond, 2 * time.Nanosecond} {
		e := newEnv(t).lax()
		e.handle("GET /access-request-config", sequence(reply(503, `{"detailCode":"503"}`), reply(200, e.configBody())))
		policy := facade.RetryPolicy{MaxAttempts: 2, BaseDelay: base, MaxDelay: base, MaxRetryAfter: time.Minute}
		err := getConfig(context.Background(), e.client(facade.WithRetryPolicy(policy)))
		require.NoError(t, noteErr(err))
		waits := e.clock.Waits()
		require.Len(t, waits, 1)
		assert.GreaterOrEqual(t, waits[0], base/2)
		assert.LessOrEqual(t, waits[0], base)
	}
}

// TestA401DoesNotUseUpAnAttempt: the token refresh after a 401 is not a retry, so the policy's
// attempts are all still there for what follows.
func TestA401DoesNotUseUpAnAttempt(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api).lax()
		e.handle("GET /access-request-config", sequence(
			reply(401, `{"error":"expired"}`), reply(503, `{"detailCode":"503"}`), reply(200, e.configBody())))
		policy := facade.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Second, MaxRetryAfter: time.Minute, Budget: 100}
		err := getConfig(context.Background(), e.client(facade.WithRetryPolicy(policy)))
		require.NoError(t, noteErr(err))
		assert.EqualValues(t, 3, e.calls.Load())
	})
}

// TestOnlyAnswersBelow400EarnTheBudgetBack: a success earns a unit of the retry budget back; a
// 400 is not a success.
func TestOnlyAnswersBelow400EarnTheBudgetBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t).lax()
	e.handle("GET /access-request-config", sequence(reply(503, `{"detailCode":"503"}`), reply(400, `{"detailCode":"400"}`), reply(200, e.configBody())))
	policy := facade.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Second, MaxRetryAfter: time.Minute, Budget: 100}
	c := e.client(facade.WithRetryPolicy(policy))
	err := getConfig(context.Background(), c) // 503, then 400
	require.ErrorIs(t, err, facade.ErrBadRequest)
	assert.Equal(t, 100-facade.RetryCost, facade.BudgetAvailable(c), "the retry spent, the 400 earned nothing")
	err = getConfig(context.Background(), c) // 200
	require.NoError(t, noteErr(err))
	assert.Equal(t, 100-facade.RetryCost+1, facade.BudgetAvailable(c), "the success earned a unit back")
}

// TestRequestsAskForJSON: every request says it accepts JSON, unless the caller said otherwise.
func TestRequestsAskForJSON(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		var accept string
		e.handle("GET /access-request-config", func(w http.ResponseWriter, r *http.Request) {
			accept = r.Header.Get("Accept")
			reply(200, e.configBody())(w, r)
		})
		err := getConfig(context.Background(), e.client())
		require.NoError(t, noteErr(err))
		assert.Equal(t, "application/json", accept)
	})
}
