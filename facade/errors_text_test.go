package facade_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// An APIError's one line carries each part a caller needs to act on, from real responses: the
// first message that has text (an empty one is skipped), a Retry-After past the cap, a proxy's
// body, and a write's unknown outcome. Guards APIError.Error's message loop, its Retry-After,
// body and outcome clauses.
func TestAnAPIErrorSaysEveryPartItHas(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		serve func(e *env)
		call  func(c *facade.Client) error
		want  string
	}{
		{"the first message with text", func(e *env) {
			e.handle("GET /access-request-config", reply(400, `{"detailCode":"400.1 Bad Request Content","messages":[{"text":""},{"text":"second"}]}`))
		}, func(c *facade.Client) error { return getConfig(context.Background(), c) },
			"accessrequests: getAccessRequestConfig: HTTP 400.1 Bad Request Content: second"},
		{"a Retry-After past the cap", func(e *env) {
			e.lax().handle("GET /access-request-config", reply(429, `{"detailCode":"429 Too Many Requests"}`, "Retry-After", "3600"))
		}, func(c *facade.Client) error { return getConfig(context.Background(), c) },
			"accessrequests: getAccessRequestConfig: HTTP 429 Too Many Requests (retry after 1h0m0s)"},
		{"a proxy's body", func(e *env) {
			e.lax().handle("GET /access-request-config", reply(502, "<html>bad gateway</html>", "Content-Type", "text/html"))
		}, func(c *facade.Client) error { return getConfig(context.Background(), c) },
			`accessrequests: getAccessRequestConfig: HTTP 502: body "<html>bad gateway</html>"`},
		{"a write's unknown outcome", func(e *env) {
			e.lax().handle("POST /access-requests", reply(503, `{"detailCode":"503 Service Unavailable"}`))
		}, func(c *facade.Client) error {
			_, err := c.Create(context.Background(), grantRequest())
			return err
		}, "accessrequests: createAccessRequest: HTTP 503 Service Unavailable (outcome unknown: the write may have been acted on; check before sending it again)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tc.serve(e)
			err := tc.call(e.client(facade.WithoutRetries(), facade.WithoutSettling()))
			var apiErr *facade.APIError
			require.True(t, errors.As(err, &apiErr), "%v", err)
			assert.Equal(t, tc.want, apiErr.Error())
		})
	}
}

// Each error type's line, word for word, from its exported fields: the operation, the status
// and the cause each land where the sentence says. Guards the arguments of
// ResponseError.Error's two sentences and OutcomeUnknownError.Error's.
func TestTheErrorTypesLinesPutEachFieldInItsPlace(t *testing.T) {
	cause := errors.New("unexpected EOF")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&facade.ResponseError{Operation: "createAccessRequest", StatusCode: 202, Err: cause},
			"accessrequests: createAccessRequest: the server accepted the call (HTTP 202) but its response could not be decoded; do not resubmit: unexpected EOF"},
		{&facade.ResponseError{Operation: "listAccessRequestStatus", StatusCode: 200, Err: cause},
			"accessrequests: listAccessRequestStatus: HTTP 200 response could not be decoded: unexpected EOF"},
		{&facade.ResponseError{Operation: "createAccessRequest", StatusCode: 400, Err: cause},
			"accessrequests: createAccessRequest: HTTP 400 response could not be decoded: unexpected EOF"},
		{&facade.OutcomeUnknownError{Operation: "cancelAccessRequest", Err: cause},
			"accessrequests: cancelAccessRequest: outcome unknown, the request may have reached the server; check before sending it again: unexpected EOF"},
	} {
		assert.Equal(t, tc.want, tc.err.Error())
	}
}

// A redirect answered to a write says its outcome is unknown; one answered to a read does not.
// Guards RedirectError.Error's clause for writes.
func TestARedirectedWriteSaysItsOutcomeIsUnknown(t *testing.T) {
	t.Parallel()
	e := newEnv(t).lax()
	e.handle("POST /access-requests", reply(307, `{}`, "Location", "https://elsewhere.example/x"))
	e.handle("GET /access-request-config", reply(302, `{}`, "Location", "https://elsewhere.example/y"))
	c := e.client(facade.WithoutRetries(), facade.WithoutSettling())
	_, err := c.Create(context.Background(), grantRequest())
	var re *facade.RedirectError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, `accessrequests: createAccessRequest: the server redirected (HTTP 307) to "https://elsewhere.example/x"; redirects are not followed (outcome unknown: check before sending the write again)`, re.Error())
	require.ErrorAs(t, getConfig(context.Background(), c), &re)
	assert.Equal(t, `accessrequests: getAccessRequestConfig: the server redirected (HTTP 302) to "https://elsewhere.example/y"; redirects are not followed`, re.Error())
}

// What a failed response's body says is kept as the server sent it, less the blank space
// around it: a body of blanks says nothing, a one-byte body is kept, and a long body of bytes
// that are not UTF-8 reads as one "?" (a run of them is one), cut. Guards newAPIError's
// TrimSpace, its empty-body check (at one byte) and snippet's cut of a body with no character.
func TestAnAPIErrorKeepsTheBodyAsSentLessItsBlanks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body, want string
	}{
		{"blanks only", " \r\n\t ", ""},
		{"blanks around text", "  upstream timed out \n", "upstream timed out"},
		{"one byte", "x", "x"},
		{"no UTF-8 in the first 512 bytes", strings.Repeat("\xff", 600), "?…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t).lax()
			e.handle("GET /access-request-config", reply(502, tc.body, "Content-Type", "text/plain"))
			err := getConfig(context.Background(), e.client(facade.WithoutRetries()))
			var apiErr *facade.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.want, apiErr.Body)
		})
	}
}

// The exported error types hand their cause to errors.Is and errors.As, and an APIError built
// by a caller says any positive Retry-After, however short. Guards ResponseError.Unwrap,
// OutcomeUnknownError.Unwrap and APIError.Error's `RetryAfter > 0`.
func TestTheErrorTypesUnwrapAndSayTheirFields(t *testing.T) {
	t.Parallel()
	cause := errors.New("unexpected EOF")
	assert.ErrorIs(t, &facade.ResponseError{Operation: "listAccessRequestStatus", StatusCode: 200, Err: cause}, cause)
	assert.ErrorIs(t, &facade.OutcomeUnknownError{Operation: "cancelAccessRequest", Err: cause}, cause)
	e := &facade.APIError{Operation: "getAccessRequestConfig", StatusCode: 429, RetryAfter: time.Nanosecond}
	assert.Equal(t, "accessrequests: getAccessRequestConfig: HTTP 429 (retry after 1ns)", e.Error())
}
