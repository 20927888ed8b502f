package facade_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// Every status class is decided at its edges: 408 and the whole 5xx range make a write's
// outcome unknown, 5xx (all of it, and nothing past it) is a server error, and Retry-After is
// kept for the caller on 429 and 503 only.
func TestErrorKindsAtTheEdgesOfTheirStatusRanges(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status          int
		server, unknown bool
		keepsRetryAfter bool
		rateLimited     bool
	}{
		{407, false, false, false, false},
		{408, false, true, false, false},
		{429, false, false, true, true},
		{499, false, false, false, false},
		{500, true, true, false, false},
		{503, true, true, true, false},
		{599, true, true, false, false},
		{600, false, false, false, false},
	}
	for _, tc := range cases {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t).lax()
			e.handle("POST /access-requests/cancel", reply(tc.status, `{"detailCode":"x"}`, "Retry-After", "7"))
			e.handle("GET /access-request-config", reply(tc.status, `{"detailCode":"x"}`, "Retry-After", "7"))
			c := e.client(facade.WithoutRetries())

			_, err := c.GetConfig(context.Background())
			var apiErr *facade.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.server, errors.Is(err, facade.ErrServer), "read: server error")
			assert.False(t, errors.Is(err, facade.ErrOutcomeUnknown), "a read is never of unknown outcome")
			assert.Equal(t, tc.rateLimited, errors.Is(err, facade.ErrRateLimited))
			want := time.Duration(0)
			if tc.keepsRetryAfter {
				want = 7 * time.Second
			}
			assert.Equal(t, want, apiErr.RetryAfter, "Retry-After kept for the caller")

			err = c.Cancel(context.Background(), facade.CancelParams{ID: "2c9180835d2e5168015d32f890ca1581", Comment: "no longer needed"})
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.unknown, errors.Is(err, facade.ErrOutcomeUnknown), "write: outcome unknown")
			assert.Equal(t, tc.unknown, apiErr.OutcomeUnknown())
		})
	}
}

// Accepted is true for every 2xx and nothing else: a write that was accepted must not be sent
// again.
func TestAResponseErrorIsAcceptedForEvery2xxOnly(t *testing.T) {
	for status, want := range map[int]bool{199: false, 200: true, 204: true, 299: true, 300: false} {
		e := &facade.ResponseError{Operation: "createAccessRequest", StatusCode: status, Err: errors.New("odd body")}
		assert.Equal(t, want, e.Accepted(), "HTTP %d", status)
	}
}

// A redirect error names the library once: a token error already says where it comes from.
func TestARedirectErrorNamesTheLibraryOnce(t *testing.T) {
	call := (&facade.RedirectError{Operation: "getAccessRequestConfig", StatusCode: 302, Location: "https://elsewhere.example/"}).Error()
	assert.True(t, strings.HasPrefix(call, "accessrequests: getAccessRequestConfig: "), call)
	tok := (&facade.RedirectError{Operation: "token", StatusCode: 302, Location: "https://elsewhere.example/"}).Error()
	assert.True(t, strings.HasPrefix(tok, "token: the server redirected"), tok)
}

// The status is said once, whatever the detail code looks like.
func TestAnAPIErrorSaysTheStatusOnce(t *testing.T) {
	for detail, want := range map[string]string{
		"":                           "accessrequests: getAccessRequestConfig: HTTP 404",
		"404":                        "accessrequests: getAccessRequestConfig: HTTP 404",
		"404 Not found":              "accessrequests: getAccessRequestConfig: HTTP 404 Not found",
		"404.1 Not found":            "accessrequests: getAccessRequestConfig: HTTP 404.1 Not found",
		"Not found":                  "accessrequests: getAccessRequestConfig: HTTP 404 Not found",
		"4040 another status's code": "accessrequests: getAccessRequestConfig: HTTP 404 4040 another status's code",
	} {
		e := &facade.APIError{Operation: "getAccessRequestConfig", StatusCode: 404, DetailCode: detail}
		assert.Equal(t, want, e.Error(), "detail code %q", detail)
	}
}

// An answer of 400 or more is logged at info level; anything below it at debug level only.
func TestAttemptsAreLoggedAtInfoFrom400(t *testing.T) {
	t.Parallel()
	for status, wantLevel := range map[int]string{200: "level=DEBUG", 399: "level=DEBUG", 400: "level=INFO"} {
		e := newEnv(t).lax()
		body := configJSON
		if status >= 300 {
			body = `{"detailCode":"x"}`
		}
		e.handle("GET /access-request-config", reply(status, body))
		_, _ = e.client(facade.WithoutRetries()).GetConfig(context.Background())
		var line string
		for _, l := range strings.Split(e.logs.String(), "\n") {
			if strings.Contains(l, "accessrequests: response") && strings.Contains(l, "status="+strconv.Itoa(status)) {
				line = l
			}
		}
		assert.Contains(t, line, wantLevel, "HTTP %d: %q", status, line)
	}
}

// A warning about an item says which, the first one included.
func TestAWarningNamesItsItemFromTheFirst(t *testing.T) {
	for item, want := range map[int]string{
		-1: "listAccessRequestStatus: requester.type: got number 1, want string",
		0:  "listAccessRequestStatus: item [0].requester.type: got number 1, want string",
		3:  "listAccessRequestStatus: item [3].requester.type: got number 1, want string",
	} {
		w := facade.Warning{Operation: "listAccessRequestStatus", Item: item, Path: "requester.type", Problem: "got number 1, want string"}
		assert.Equal(t, want, w.String())
	}
}

// A policy of one attempt (no retries) is a valid policy.
func TestAPolicyOfOneAttemptIsValid(t *testing.T) {
	_, err := facade.New(facade.WithBaseURL("https://acme.api.identitynow.com"), facade.WithAccessToken(tokenPrefix+"static"),
		facade.WithRetryPolicy(facade.RetryPolicy{MaxAttempts: 1}))
	require.NoError(t, err)
	_, err = facade.New(facade.WithBaseURL("https://acme.api.identitynow.com"), facade.WithAccessToken(tokenPrefix+"static"),
		facade.WithRetryPolicy(facade.RetryPolicy{MaxAttempts: 0}))
	require.ErrorContains(t, err, "RetryPolicy.MaxAttempts must be at least 1")
}

// The real wait returns the context's error for a wait of zero once the context has ended,
// every time (a timer of zero racing the context would not).
func TestSleepOfZeroOnAnEndedContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 50 {
		require.ErrorIs(t, facade.Sleep(ctx, 0), context.Canceled)
	}
	require.NoError(t, facade.Sleep(context.Background(), 0))
}
