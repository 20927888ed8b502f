package facade

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// The default transport is a copy of http.DefaultTransport that keeps 64 idle connections per
// host (the largest prefetch window, 32, and as many calls beside it) and at least as many in
// all; a program that replaced http.DefaultTransport with another kind of RoundTripper has
// its choice used as it is. Not parallel: it replaces http.DefaultTransport for a while.
// Guards defaultTransport and idleConnsPerHost.
func TestTheDefaultTransportKeepsConnectionsForAWindow(t *testing.T) {
	was := http.DefaultTransport
	t.Cleanup(func() { http.DefaultTransport = was })

	got, ok := defaultTransport().(*http.Transport)
	require.True(t, ok)
	assert.NotSame(t, was, got, "http.DefaultTransport itself is not changed")
	assert.Equal(t, 64, got.MaxIdleConnsPerHost)
	assert.Equal(t, was.(*http.Transport).MaxIdleConns, got.MaxIdleConns, "the default's 100 idle connections in all stay")

	small := was.(*http.Transport).Clone()
	small.MaxIdleConns = 10
	http.DefaultTransport = small
	got = defaultTransport().(*http.Transport)
	assert.Equal(t, 64, got.MaxIdleConns, "never fewer in all than per host")

	other := roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, http.ErrNotSupported })
	http.DefaultTransport = other
	_, isTransport := defaultTransport().(*http.Transport)
	assert.False(t, isTransport, "a program's own RoundTripper is used as it is")
}

// A request that got no answer (a broken connection, or no token to send it with) is no
// longer waited for by the learned limit: nothing is left pending. Guards transport.send's
// turn.lost calls.
func TestARequestWithoutAnAnswerIsNotLeftPending(t *testing.T) {
	broken := roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("read: connection reset by peer")
	})
	c, err := New(WithBaseURL("https://tenant.example"), WithAccessToken("a-fixed-token"), WithoutRetries(),
		WithHTTPClient(&http.Client{Transport: broken}))
	require.NoError(t, err)
	_, err = c.GetConfigV2(context.Background())
	require.Error(t, err)
	assert.Empty(t, c.tr.limits.get(string(c.api)).learn.pending, "after a broken connection")

	tokenless := oauth2.TokenSource(tokenFunc(func() (*oauth2.Token, error) { return nil, errors.New("no token today") }))
	c, err = New(WithBaseURL("https://tenant.example"), WithTokenSource(tokenless), WithoutRetries(),
		WithHTTPClient(&http.Client{Transport: broken}))
	require.NoError(t, err)
	_, err = c.GetConfigV2(context.Background())
	require.ErrorIs(t, err, ErrToken)
	assert.Empty(t, c.tr.limits.get(string(c.api)).learn.pending, "after no token")
}

type tokenFunc func() (*oauth2.Token, error)

func (f tokenFunc) Token() (*oauth2.Token, error) { return f() }

// A PUT whose body cannot be rewound for a retry is not sent again without it: the call ends
// with the rewind's error, the request reached the server once, and the attempts that could not
// be sent are not left pending in the learned limit. Guards transport.send's check of GetBody's
// error and its turn.lost call.
func TestABodyThatCannotBeRewoundIsNotSentAgain(t *testing.T) {
	errRewind := errors.New("the body is gone")
	var sent int
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent++
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body)
			_ = r.Body.Close()
		}
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	})
	c, err := New(WithBaseURL("https://tenant.example"), WithAccessToken("a-fixed-token"), WithHTTPClient(&http.Client{Transport: rt}),
		WithClock(time.Now, func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPut, "https://tenant.example/access-request-config/v2", strings.NewReader(`{}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.GetBody = func() (io.ReadCloser, error) { return nil, errRewind }
	resp, err := c.tr.Do(req)
	if resp != nil {
		_ = resp.Body.Close()
	}
	require.ErrorIs(t, err, errRewind)
	assert.Equal(t, 1, sent, "sent once, with its body")
	assert.Empty(t, c.tr.limits.get(string(c.api)).learn.pending)
}

// The Authorization value is built once per token: later attempts with the same token reuse
// it without allocating, and a new token gets its own. Guards transport.authorization's cache.
func TestTheAuthorizationValueIsBuiltOncePerToken(t *testing.T) {
	c, err := New(WithBaseURL("https://tenant.example"), WithAccessToken("a-fixed-token"))
	require.NoError(t, err)
	tok := &oauth2.Token{AccessToken: "token-one"}
	first := c.tr.authorization(tok)
	assert.Equal(t, []string{"Bearer token-one"}, first)
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = c.tr.authorization(tok) }))
	assert.Same(t, &first[0], &c.tr.authorization(tok)[0])
	assert.Equal(t, []string{"Bearer token-two"}, c.tr.authorization(&oauth2.Token{AccessToken: "token-two"}))
}
