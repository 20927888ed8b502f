package facade

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
