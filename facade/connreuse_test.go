package facade_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// connCount is what a prefetching listing cost in TCP connections, counted by the server.
type connCount struct {
	firstWindow int64 // opened by the time the first page and the first window were yielded
	total       int64 // opened by the end of the listing
	items       int
}

// listCountingConns lists pages*250 statuses with prefetch pages in flight from a canned
// server that counts the connections it accepts (ConnState StateNew). With h2 the server
// speaks TLS and HTTP/2 and the client trusts it through hc; otherwise it speaks HTTP/1.1 and
// the client uses hc when given, its default transport when not.
func listCountingConns(tb testing.TB, pages, prefetch int, h2 bool, hc func(*httptest.Server) *http.Client) connCount {
	tb.Helper()
	var opened atomic.Int64
	srv := httptest.NewUnstartedServer(benchHandler(pages * facade.MaxPageSize))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	if h2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	tb.Cleanup(srv.Close)
	opts := []facade.Option{facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithClientCredentials("id", "bench-secret-0123456789")}
	if hc != nil {
		opts = append(opts, facade.WithHTTPClient(hc(srv)))
	}
	c, err := facade.New(opts...)
	require.NoError(tb, err)
	var out connCount
	out.firstWindow = -1
	for _, err := range c.ListStatus(context.Background(), facade.ListStatusParams{Prefetch: prefetch}) {
		require.NoError(tb, err)
		out.items++
		if out.items == (1+prefetch)*facade.MaxPageSize {
			out.firstWindow = opened.Load()
		}
	}
	out.total = opened.Load()
	if tr, ok := srv.Client().Transport.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
	return out
}

func TestPrefetchReusesItsConnections(t *testing.T) {
	t.Parallel()
	const pages, prefetch = 40, 8
	for _, tc := range []struct {
		name string
		h2   bool
		hc   func(*httptest.Server) *http.Client
	}{
		{name: "HTTP/1.1 through the client's default transport", h2: false},
		{name: "TLS and HTTP/2", h2: true, hc: (*httptest.Server).Client},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := listCountingConns(t, pages, prefetch, tc.h2, tc.hc)
			assert.Equal(t, pages*facade.MaxPageSize, got.items)
			require.Positive(t, got.firstWindow, "connections were counted")
			if tc.h2 {
				assert.EqualValues(t, 1, got.total, "HTTP/2 multiplexes every request on one connection")
				return
			}
			// Connections are kept and reused, never closed and opened again: the listing
			// needs about as many as it has requests in flight, whatever its length. (One
			// more can open after the first window when, on a loaded machine, that window
			// never had all its requests in flight at once; a dial that loses the race to an
			// idle connection adds one too. Through a transport with 2 idle connections per
			// host the same listing opens 24 or more.)
			assert.LessOrEqual(t, got.total, int64(2*prefetch), "connections opened for 40 pages with 8 in flight")
		})
	}
}

func TestWithHTTPClientTransportIsNotChanged(t *testing.T) {
	t.Parallel()
	tr := &http.Transport{}
	got := listCountingConns(t, 12, 4, false, func(*httptest.Server) *http.Client { return &http.Client{Transport: tr} })
	assert.Equal(t, 12*facade.MaxPageSize, got.items)
	assert.Zero(t, tr.MaxIdleConnsPerHost, "the caller's transport keeps its own settings")
	assert.Zero(t, tr.MaxIdleConns)
	tr.CloseIdleConnections()
}

// BenchmarkPrefetchConnections lists 100 pages with 8 in flight and reports the connections
// the server accepted by the end of the first window and after it: through the client's
// default transport (HTTP/1.1), over TLS and HTTP/2, and, for comparison, through a copy of
// http.DefaultTransport (2 idle connections per host), which is what the client used before.
func BenchmarkPrefetchConnections(b *testing.B) {
	const pages, prefetch = 100, 8
	twoIdle := func(*httptest.Server) *http.Client {
		return &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	for _, tc := range []struct {
		name string
		h2   bool
		hc   func(*httptest.Server) *http.Client
	}{
		{name: "default-transport-http1"},
		{name: "tls-http2", h2: true, hc: (*httptest.Server).Client},
		{name: "2-idle-per-host-http1", hc: twoIdle},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var first, after int64
			for range b.N {
				got := listCountingConns(b, pages, prefetch, tc.h2, tc.hc)
				first += got.firstWindow
				after += got.total - got.firstWindow
			}
			b.ReportMetric(float64(first)/float64(b.N), "conns-first-window")
			b.ReportMetric(float64(after)/float64(b.N), "new-conns-after")
		})
	}
}
