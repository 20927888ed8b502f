package facade

import (
	"context"
	"errors"
	"net/http"
	"testing"

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
