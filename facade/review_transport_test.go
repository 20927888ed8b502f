package facade_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// detached is a caller's RoundTripper that sends each request under a context of its own (as a
// worker pool, a cache or a transport with its own deadlines may): net/http's client trace,
// which the facade reads to learn whether a write's headers were written, never reaches the
// connection.
type detached struct{ next http.RoundTripper }

func (d detached) RoundTrip(r *http.Request) (*http.Response, error) {
	return d.next.RoundTrip(r.Clone(context.Background()))
}

// TestAWriteThroughATransportThatDoesNotTraceIsNeverSentTwice: through a transport that does not
// report the write's progress, a write whose connection failed after the server acted on it is
// not sent again: nothing says its headers were not written. It ends in ErrOutcomeUnknown.
// Before: the missing signal read as "never written", and the create was acted on once per
// attempt (4 times) and reported as a plain network failure.
func TestAWriteThroughATransportThatDoesNotTraceIsNeverSentTwice(t *testing.T) {
	t.Parallel()
	var acted atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		acted.Add(1) // the create happened
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close() // and the connection drops before the answer
		}
	}))
	t.Cleanup(srv.Close)
	c, err := facade.New(facade.WithBaseURL(srv.URL), facade.WithAccessToken("test-token-0123456789"),
		facade.WithHTTPClient(&http.Client{Transport: detached{srv.Client().Transport}}),
		facade.WithClock(time.Now, func(context.Context, time.Duration) error { return nil }))
	require.NoError(t, err)
	err = noteErr(c.Cancel(context.Background(), "ar-1", "no longer needed"))
	assert.ErrorIs(t, err, facade.ErrOutcomeUnknown)
	assert.Equal(t, int64(1), acted.Load(), "the cancel reached the server once")
}
