package facade_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

func TestConcurrentCallsShareOneToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", reply(200, e.configBody()))
	c := e.client()

	const calls = 1000
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := getConfig(context.Background(), c)
			errs <- noteErr(err)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, e.tokens.Load(), "token requests")
	assert.EqualValues(t, calls, e.calls.Load(), "API requests")
}

func TestTokenIsReplacedShortlyBeforeItExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.tokenTTL = 5 * time.Minute
	e.handle("GET /access-request-config", reply(200, e.configBody()))
	c := e.client()
	ctx := context.Background()

	err := getConfig(ctx, c)
	require.NoError(t, noteErr(err))
	e.clock.Advance(3 * time.Minute) // 2 minutes left: still used
	err = getConfig(ctx, c)
	require.NoError(t, noteErr(err))
	assert.EqualValues(t, 1, e.tokens.Load())
	e.clock.Advance(90 * time.Second) // 30 seconds left: inside the leeway, so replaced
	err = getConfig(ctx, c)
	require.NoError(t, noteErr(err))
	assert.EqualValues(t, 2, e.tokens.Load())
}

func TestUnauthorizedTriggersOneRefreshAndOneRetry(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		var mu sync.Mutex
		var seenTokens []string
		e.handle("POST /access-requests", func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			assert.Contains(t, string(body), `"id":"role-1"`, "every attempt carries the whole body")
			mu.Lock()
			seenTokens = append(seenTokens, r.Header.Get("Authorization"))
			first := len(seenTokens) == 1
			mu.Unlock()
			if first { // the server revoked the first token
				reply(401, `{"error":"JWT validation failed: JWT is expired"}`)(w, r)
				return
			}
			reply(202, createdJSON)(w, r)
		})
		c := e.client()
		res, err := c.Create(context.Background(), grantRequest())
		require.NoError(t, noteErr(err))
		require.Len(t, res.NewRequests, 1)
		assert.EqualValues(t, 2, e.tokens.Load())
		require.Len(t, seenTokens, 2)
		assert.NotEqual(t, seenTokens[0], seenTokens[1], "the retry must carry the new token")
	})
}

func TestPersistentUnauthorizedIsReturnedAfterOneRefresh(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", reply(401, `{"error":"JWT is expired"}`))
	c := e.client()
	err := getConfig(context.Background(), c)
	require.ErrorIs(t, noteErr(err), facade.ErrUnauthorized)
	assert.EqualValues(t, 2, e.calls.Load())
	assert.EqualValues(t, 2, e.tokens.Load())
	var apiErr *facade.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "JWT is expired", apiErr.Messages[0].Text)
}

func grantRequest() facade.AccessRequest {
	return facade.AccessRequest{
		RequestType:    facade.RequestTypeGrant,
		RequestedFor:   []string{"id-1"},
		RequestedItems: []facade.AccessRequestItem{{Type: facade.ItemTypeRole, ID: "role-1"}},
	}
}

// retryCase is one rule of the retry policy, seen from the server.
type retryCase struct {
	name     string
	call     func(*facade.Client) error
	pattern  string
	handler  http.HandlerFunc
	lax      bool
	opts     []facade.Option
	requests int64 // how many the server must see
	wantErr  error // nil: success
	waits    []time.Duration
	minWaits int // at least this many waits when waits is nil
}

func TestRetryRules(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		get := func(c *facade.Client) error { return getConfig(context.Background(), c) }
		put := func(c *facade.Client) error { return setConfig(context.Background(), c) }
		create := func(c *facade.Client) error { _, err := c.Create(context.Background(), grantRequest()); return err }
		cancel := func(c *facade.Client) error {
			return c.Cancel(context.Background(), facade.CancelParams{ID: "ar-1", Comment: "mistake"})
		}
		list := func(c *facade.Client) error {
			_, err := c.ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
			return err
		}
		httpDate := time.Date(2026, 6, 1, 12, 0, 7, 0, time.UTC).Format(http.TimeFormat) // fake clock + 7s
		cfg := (&env{api: api}).configBody()

		cases := []retryCase{
			{name: "GET answered 503 is retried", call: get, pattern: "GET /access-request-config",
				handler: sequence(reply(503, `{"detailCode":"503"}`), reply(200, cfg)), lax: true, requests: 2, minWaits: 1},
			{name: "GET answered 500 is retried until attempts run out", call: get, pattern: "GET /access-request-config",
				handler: reply(500, errorJSON), requests: 4, wantErr: facade.ErrServer, minWaits: 3},
			{name: "a listing's GET answered 502 is retried", call: list, pattern: "GET /access-request-status",
				handler: sequence(reply(502, errorJSON), reply(200, `[]`)), lax: true, requests: 2, minWaits: 1},
			{name: "PUT answered 500 is retried", call: put, pattern: "PUT /access-request-config",
				handler: sequence(reply(500, errorJSON), reply(200, cfg)), requests: 2, minWaits: 1},
			{name: "POST answered 500 is not retried", call: create, pattern: "POST /access-requests",
				handler: reply(500, errorJSON), requests: 1, opts: []facade.Option{facade.WithoutSettling()}, wantErr: facade.ErrServer, waits: []time.Duration{}},
			{name: "POST answered 429 is retried after Retry-After seconds", call: create, pattern: "POST /access-requests",
				handler:  sequence(reply(429, `{"message":"Rate Limit Exceeded"}`, "Retry-After", "7"), reply(202, createdJSON)),
				requests: 2, waits: []time.Duration{7 * time.Second}},
			{name: "GET answered 429 is retried after a Retry-After date", call: get, pattern: "GET /access-request-config",
				handler:  sequence(reply(429, `{"message":"slow down"}`, "Retry-After", httpDate), reply(200, cfg)),
				requests: 2, waits: []time.Duration{7 * time.Second}},
			{name: "Retry-After over the cap is not waited for", call: cancel, pattern: "POST /access-requests/cancel",
				handler: reply(429, `{"message":"come back tomorrow"}`, "Retry-After", "86400"), requests: 1,
				wantErr: facade.ErrRateLimited, waits: []time.Duration{}},
			{name: "POST whose connection drops after sending is not retried", call: create, pattern: "POST /access-requests",
				handler: dropAfterRead, lax: true, requests: 1, opts: []facade.Option{facade.WithoutSettling()}, wantErr: facade.ErrOutcomeUnknown, waits: []time.Duration{}},
			{name: "GET whose connection drops is retried", call: get, pattern: "GET /access-request-config",
				handler: sequence(dropAfterRead, dropAfterRead, dropAfterRead, reply(200, cfg)), lax: true, requests: 4, minWaits: 1},
			{name: "WithoutRetries sends once", call: get, pattern: "GET /access-request-config",
				handler: reply(500, errorJSON), opts: []facade.Option{facade.WithoutRetries()}, requests: 1,
				wantErr: facade.ErrServer, waits: []time.Duration{}},
			{name: "the retry budget stops retries when spent", call: get, pattern: "GET /access-request-config",
				handler: reply(500, errorJSON), requests: 3, wantErr: facade.ErrServer,
				opts: []facade.Option{facade.WithRetryPolicy(facade.RetryPolicy{MaxAttempts: 10, BaseDelay: time.Second,
					MaxDelay: time.Minute, MaxRetryAfter: time.Minute, Budget: 2 * facade.RetryCost})}, minWaits: 2},
		}
		if api == facade.APIV1 {
			bulk := func(c *facade.Client) error {
				_, err := c.CancelRequests(context.Background(), facade.CancelRequestsParams{IDs: []string{"ar-1"}, Comment: "mistake"})
				return err
			}
			admin := func(c *facade.Client) error {
				_, err := c.ListStatusPage(context.Background(), facade.ListStatusParams{Admin: true}, 0)
				return err
			}
			cases = append(cases,
				retryCase{name: "bulk cancel answered 429 is retried", call: bulk, pattern: "POST /access-requests/v1/bulk-cancel",
					handler:  sequence(reply(429, `{"message":"Rate Limit Exceeded"}`, "Retry-After", "7"), reply(202, `{}`)),
					requests: 2, waits: []time.Duration{7 * time.Second}},
				retryCase{name: "bulk cancel answered 500 is not retried", call: bulk, pattern: "POST /access-requests/v1/bulk-cancel",
					handler: reply(500, errorJSON), requests: 1, wantErr: facade.ErrOutcomeUnknown, waits: []time.Duration{}},
				retryCase{name: "the administrators' listing answered 503 is retried", call: admin, pattern: "GET /access-request-administration/v1",
					handler: sequence(reply(503, errorJSON), reply(200, `[]`)), lax: true, requests: 2, minWaits: 1})
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api)
				if tc.lax {
					e.lax()
				}
				e.handle(tc.pattern, tc.handler)
				err := noteErr(tc.call(e.client(tc.opts...)))
				if tc.wantErr == nil {
					require.NoError(t, err)
				} else {
					require.ErrorIs(t, err, tc.wantErr)
				}
				assert.Equal(t, tc.requests, e.calls.Load(), "requests the server saw")
				waits := e.clock.Waits()
				if tc.waits != nil {
					assert.Equal(t, tc.waits, nilIfEmpty(waits))
				} else {
					assert.GreaterOrEqual(t, len(waits), tc.minWaits)
				}
			})
		}
	})
}

func nilIfEmpty(d []time.Duration) []time.Duration {
	if len(d) == 0 {
		return []time.Duration{}
	}
	return d
}

func TestRetryAfterOverTheCapKeepsTheResponse(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		e.handle("GET /access-request-status", reply(429, `{"message":"Rate Limit Exceeded"}`, "Retry-After", "3600"))
		_, err := e.client().ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
		var apiErr *facade.APIError
		require.ErrorAs(t, noteErr(err), &apiErr)
		assert.Equal(t, time.Hour, apiErr.RetryAfter)
		assert.Equal(t, 429, apiErr.StatusCode)
		assert.Equal(t, e.op("listAccessRequestStatus"), apiErr.Operation)
		assert.Equal(t, "Rate Limit Exceeded", apiErr.Messages[0].Text)
	})
}

func TestPostIsRetriedWhenItNeverLeftTheMachine(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens: every dial is refused

	clock := &fakeClock{now: time.Now()}
	c, err := facade.New(facade.WithBaseURL("http://"+addr), facade.WithAccessToken(tokenPrefix+"static"),
		facade.WithClock(clock.Now, clock.Sleep))
	require.NoError(t, err)
	_, err = c.Create(context.Background(), grantRequest())
	require.Error(t, noteErr(err))
	assert.NotErrorIs(t, err, facade.ErrOutcomeUnknown, "a refused dial cannot have reached the server")
	assert.Len(t, clock.Waits(), facade.DefaultRetryPolicy().MaxAttempts-1, "every attempt but the last is followed by a wait")
}

func TestWaitEndsWhenContextEnds(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		e.handle("GET /access-request-config", func(w http.ResponseWriter, r *http.Request) {
			cancel() // the caller gives up while the client would wait 30 s
			reply(429, `{"message":"slow"}`, "Retry-After", "30")(w, r)
		})
		c, err := facade.New(facade.WithAPI(e.api), facade.WithBaseURL(e.srv.URL), facade.WithAccessToken(tokenPrefix+"x"),
			facade.WithClock(time.Now, facade.Sleep))
		require.NoError(t, err)
		start := time.Now()
		err = getConfig(ctx, c)
		require.ErrorIs(t, noteErr(err), context.Canceled)
		assert.Less(t, time.Since(start), 10*time.Second, "the 30 s wait must end with the context")
		assert.EqualValues(t, 1, e.calls.Load())
	})
}

func TestErrorSentinels(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		cases := []struct {
			status   int
			body     string
			sentinel error
		}{
			{400, errorJSON, facade.ErrBadRequest},
			{403, `{"detailCode":"403 Forbidden","trackingId":"track-42","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"no"}]}`, facade.ErrForbidden},
			{404, `{"detailCode":"404 Not found","trackingId":"track-42","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"no such request"}]}`, facade.ErrNotFound},
			{429, `{"message":"Rate Limit Exceeded"}`, facade.ErrRateLimited},
			{500, `{"detailCode":"500.0 Internal Fault","trackingId":"track-42","messages":[]}`, facade.ErrServer},
			{401, `{"error":"JWT validation failed"}`, facade.ErrUnauthorized},
		}
		all := []error{facade.ErrBadRequest, facade.ErrUnauthorized, facade.ErrForbidden, facade.ErrNotFound, facade.ErrRateLimited, facade.ErrServer}
		for _, tc := range cases {
			t.Run(fmt.Sprintf("HTTP %d matches only its sentinel", tc.status), func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api)
				e.handle("POST /access-requests/cancel", reply(tc.status, tc.body, "Retry-After", "1"))
				err := noteErr(e.client(facade.WithoutRetries()).Cancel(context.Background(), facade.CancelParams{ID: "ar-1", Comment: "why"}))
				for _, s := range all {
					assert.Equal(t, s == tc.sentinel, errors.Is(err, s), "errors.Is(err, %v)", s)
				}
				var apiErr *facade.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, tc.status, apiErr.StatusCode)
				assert.Equal(t, e.op("cancelAccessRequest"), apiErr.Operation)
				if strings.Contains(tc.body, "track-42") {
					assert.Equal(t, "track-42", apiErr.TrackingID)
				}
			})
		}
	})
}

func TestAPIErrorCarriesTheVendorsDetails(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		e.handle("POST /access-requests", reply(400, errorJSON))
		_, err := e.client().Create(context.Background(), grantRequest())
		var apiErr *facade.APIError
		require.ErrorAs(t, noteErr(err), &apiErr)
		assert.Equal(t, "400.1 Bad Request Content", apiErr.DetailCode)
		assert.Equal(t, []facade.Message{{Locale: "en-US", LocaleOrigin: "DEFAULT", Text: "requestedItems is invalid"}}, apiErr.Messages)
		assert.Equal(t, []facade.Message{{Locale: "en-US", Text: "item role-9 does not exist"}}, apiErr.Causes)
		assert.Equal(t, "accessrequests: "+e.op("createAccessRequest")+": HTTP 400.1 Bad Request Content: requestedItems is invalid (tracking id track-42)", apiErr.Error())
	})
}

func TestHTMLErrorBodyIsKeptAsABoundedSnippet(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api).lax() // a proxy's answer is not in the spec
		page := "<html><body><h1>502 Bad Gateway</h1>" + strings.Repeat("<p>upstream</p>", 5000) + "</body></html>"
		e.handle("GET /access-request-config", reply(502, page, "Content-Type", "text/html"))
		err := getConfig(context.Background(), e.client(facade.WithoutRetries()))
		var apiErr *facade.APIError
		require.ErrorAs(t, noteErr(err), &apiErr)
		assert.ErrorIs(t, err, facade.ErrServer)
		assert.True(t, strings.HasPrefix(apiErr.Body, "<html><body><h1>502 Bad Gateway</h1>"))
		assert.LessOrEqual(t, len(apiErr.Body), 600)
	})
}

func TestUndecodableSuccessSaysTheServerAccepted(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		cases := map[string]http.HandlerFunc{
			"truncated JSON":        reply(202, `{"newRequests":[{"requestedFor":"id-1"`),
			"wrong content type":    reply(202, createdJSON, "Content-Type", "text/plain"),
			"data after the value":  reply(202, createdJSON+`{"again":true}`),
			"a field of wrong type": reply(202, `{"newRequests":"none"}`),
		}
		for name, h := range cases {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api).lax()
				e.handle("POST /access-requests", h)
				_, err := e.client().Create(context.Background(), grantRequest())
				require.ErrorIs(t, noteErr(err), facade.ErrUndecodable)
				var re *facade.ResponseError
				require.ErrorAs(t, err, &re)
				assert.True(t, re.Accepted())
				assert.Contains(t, err.Error(), "do not resubmit")
				assert.EqualValues(t, 1, e.calls.Load(), "an accepted POST is never sent again")
			})
		}
	})
}

func TestDecodingToleratesUnknownEnumsAndLargeNumbers(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api).lax() // the values are outside the spec on purpose
		e.handle("GET /access-request-status", reply(200,
			`[{"id":"i1","state":"SOME_FUTURE_STATE","type":"NEW_KIND","requestType":"TRANSFER_ACCESS","created":"2026-01-02T03:04:05Z"}]`,
			"X-Total-Count", "9999999999"))
		e.handle("POST /access-requests", reply(202, createdJSON))
		c := e.client()
		page, err := c.ListStatusPage(context.Background(), facade.ListStatusParams{Count: true}, 0)
		require.NoError(t, noteErr(err))
		require.Len(t, page.Items, 1)
		assert.Equal(t, "SOME_FUTURE_STATE", string(page.Items[0].State))
		assert.True(t, page.HasTotal)

		res, err := c.Create(context.Background(), grantRequest())
		require.NoError(t, noteErr(err))
		assert.EqualValues(t, 2843118224, res.NewRequests[0].AttributesHash)
	})
}

func TestLogsSayWhatHappenedButNotTheToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", sequence(reply(500, errorJSON), reply(200, e.configBody())))
	err := getConfig(context.Background(), e.client())
	require.NoError(t, noteErr(err))
	logs := e.logs.String()
	for _, want := range []string{"op=getAccessRequestConfig", "method=GET", "path=/beta/access-request-config", "status=500", "status=200", "attempt=1", "attempt=2", "duration="} {
		assert.Contains(t, logs, want)
	}
	assert.NotContains(t, logs, "Authorization")
	assert.NotContains(t, logs, "Bearer")
}

func TestNothingIsSentForInvalidInput(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		c := e.client()
		err := noteErr(c.Cancel(context.Background(), facade.CancelParams{ID: " ", Comment: ""}))
		require.ErrorIs(t, err, facade.ErrInvalidInput)
		var ve *facade.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, []facade.FieldError{{Field: "accountActivityId", Rule: "is required"}, {Field: "comment", Rule: "is required"}}, ve.Problems)

		_, err = c.ListStatusPage(context.Background(), facade.ListStatusParams{RegardingIdentity: "me", RequestedBy: "x", PageSize: 251}, -1)
		require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput)
		for _, field := range []string{"regarding-identity", "limit", "offset"} {
			assert.Contains(t, err.Error(), field)
		}
		assert.Zero(t, e.calls.Load())
		assert.Zero(t, e.tokens.Load(), "not even a token is fetched")
	})
}

func TestAnErrorPageEchoingTheRequestDoesNotLeakTheToken(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api).lax()
		e.handle("GET /access-request-config", func(w http.ResponseWriter, r *http.Request) {
			auth := r.Header.Get("Authorization")
			reply(502, "<html><pre>upstream failed for request with Authorization: "+auth+"</pre></html>", "Content-Type", "text/html")(w, r)
		})
		e.handle("POST /access-requests/cancel", func(w http.ResponseWriter, r *http.Request) {
			_, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
			reply(400, `{"detailCode":"400.1 `+tok+`","trackingId":"t","messages":[{"text":"token `+tok+` is odd"}]}`)(w, r)
		})
		c := e.client(facade.WithoutRetries())
		err := getConfig(context.Background(), c)
		require.ErrorIs(t, noteErr(err), facade.ErrServer)
		assert.Contains(t, err.Error(), "Authorization: Bearer [redacted]")
		err = noteErr(c.Cancel(context.Background(), facade.CancelParams{ID: "ar-1", Comment: "c"}))
		require.ErrorIs(t, err, facade.ErrBadRequest)
		assert.NotContains(t, err.Error(), tokenPrefix)
		var apiErr *facade.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, "token [redacted] is odd", apiErr.Messages[0].Text)
	})
}

func TestAPostCutShortByTheCallersDeadlineIsAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api).lax()
		// The caller gives up once the server has the whole request: the handler cancels, so no
		// deadline races the token fetch and the write on a slow machine.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		e.handle("POST /access-requests", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // the server has the request and acts on it...
			cancel()                           // ...but the caller gives up before the answer
			<-r.Context().Done()
		})
		_, err := e.client().Create(ctx, grantRequest())
		require.ErrorIs(t, noteErr(err), facade.ErrOutcomeUnknown)
		assert.ErrorIs(t, err, context.Canceled)
		assert.EqualValues(t, 1, e.calls.Load())

		// A read cut short the same way is just the context's error.
		e.handle("GET /access-request-config", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel2()
		err = getConfig(ctx2, e.client())
		require.ErrorIs(t, noteErr(err), context.DeadlineExceeded)
		assert.NotErrorIs(t, err, facade.ErrOutcomeUnknown)
	})
}
