package facade_test

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
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
		facade.WithClock(time.Now, func(context.Context, time.Duration) error { return nil }),
		facade.WithoutSettling()) // the cancel's own sends are counted, not a read-back's
	require.NoError(t, err)
	err = noteErr(c.Cancel(context.Background(), facade.CancelParams{ID: "ar-1", Comment: "no longer needed"}))
	assert.ErrorIs(t, err, facade.ErrOutcomeUnknown)
	assert.Equal(t, int64(1), acted.Load(), "the cancel reached the server once")
}

// goAwayAfterActing is an HTTP/2 server written frame by frame, as a gateway may behave: it
// reads each request whole, acts on it, then sends GOAWAY naming no stream as processed (the
// frame net/http's client answers by sending the request again on a new connection, when it
// can rewind its body), and keeps the connection open until the client leaves.
func goAwayAfterActing(ln net.Listener, acted *atomic.Int64) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			preface := make([]byte, len("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"))
			if _, err := io.ReadFull(conn, preface); err != nil {
				return
			}
			frame := func(typ, flags byte, stream uint32, payload []byte) {
				h := []byte{byte(len(payload) >> 16), byte(len(payload) >> 8), byte(len(payload)), typ, flags, 0, 0, 0, 0}
				binary.BigEndian.PutUint32(h[5:], stream)
				_, _ = conn.Write(append(h, payload...))
			}
			frame(0x4, 0, 0, nil) // SETTINGS
			head := make([]byte, 9)
			for {
				if _, err := io.ReadFull(conn, head); err != nil {
					return
				}
				payload := make([]byte, int(head[0])<<16|int(head[1])<<8|int(head[2]))
				if _, err := io.ReadFull(conn, payload); err != nil {
					return
				}
				typ, flags := head[3], head[4]
				switch {
				case typ == 0x4 && flags&0x1 == 0: // SETTINGS: acknowledge
					frame(0x4, 0x1, 0, nil)
				case typ == 0x0 && flags&0x1 != 0: // the request's last DATA: act, then GOAWAY
					acted.Add(1)
					frame(0x7, 0, 0, make([]byte, 8)) // last stream 0, NO_ERROR
				}
			}
		}()
	}
}

// TestAWriteMetByGoAwayAfterActingIsSentOnce: over TLS and HTTP/2, a server that acts on a
// write and then sends GOAWAY as though it had not: net/http would send the request again on a
// new connection if it could rewind the body; a write offers no GetBody, so it is sent once and
// ends in ErrOutcomeUnknown. (With GetBody left on the request, the same call is acted on twice.)
func TestAWriteMetByGoAwayAfterActingIsSentOnce(t *testing.T) {
	t.Parallel()
	certs := httptest.NewUnstartedServer(http.NotFoundHandler())
	certs.EnableHTTP2 = true
	certs.StartTLS()
	t.Cleanup(certs.Close)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: certs.TLS.Certificates, NextProtos: []string{"h2"}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	var acted atomic.Int64
	go goAwayAfterActing(ln, &acted)

	c, err := facade.New(facade.WithBaseURL("https://"+ln.Addr().String()), facade.WithAccessToken("test-token-0123456789"),
		facade.WithHTTPClient(certs.Client()), facade.WithClock(time.Now, func(context.Context, time.Duration) error { return nil }),
		facade.WithoutSettling()) // the cancel's own sends are counted, not a read-back's
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = noteErr(c.Cancel(ctx, facade.CancelParams{ID: "ar-1", Comment: "no longer needed"}))
	assert.ErrorIs(t, err, facade.ErrOutcomeUnknown)
	assert.Equal(t, int64(1), acted.Load(), "the cancel was acted on once")
}

// TestAWriteOnAReusedConnectionDroppedAfterActingIsSentOnce: over HTTP/1.1 keep-alive, a
// write that goes out on a connection a read used before, and whose connection the server
// drops after acting on it, is sent once and ends in ErrOutcomeUnknown (net/http re-sends a
// request on a reused connection that failed only when it can rewind the body and the request
// is replayable); a read after it opens a new connection and succeeds.
func TestAWriteOnAReusedConnectionDroppedAfterActingIsSentOnce(t *testing.T) {
	t.Parallel()
	var acted, conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{}`)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		acted.Add(1)
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS() // HTTP/1.1 only: EnableHTTP2 is not set
	t.Cleanup(srv.Close)
	c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithAccessToken("test-token-0123456789"),
		facade.WithHTTPClient(srv.Client()), facade.WithClock(time.Now, func(context.Context, time.Duration) error { return nil }),
		facade.WithoutSettling()) // the cancel's own sends are counted, not a read-back's
	require.NoError(t, err)
	ctx := context.Background()
	_, err = c.GetConfig(ctx)
	require.NoError(t, noteErr(err))
	err = noteErr(c.Cancel(ctx, facade.CancelParams{ID: "ar-1", Comment: "no longer needed"}))
	assert.ErrorIs(t, err, facade.ErrOutcomeUnknown)
	assert.Equal(t, 1, strings.Count(err.Error(), "accessrequests:"), "the prefix once (client.go wrapTransportError): %s", err)
	assert.Equal(t, int64(1), acted.Load(), "the cancel was acted on once")
	assert.Equal(t, int64(1), conns.Load(), "the cancel went out on the read's connection")
	_, err = c.GetConfig(ctx)
	require.NoError(t, noteErr(err))
	assert.Equal(t, int64(2), conns.Load())

	// A transport error of a read names the operation, once (client.go wrapTransportError).
	srv.Close()
	_, err = c.GetConfig(ctx)
	require.Error(t, noteErr(err))
	assert.True(t, strings.HasPrefix(err.Error(), "accessrequests: getAccessRequestConfig: "), "%s", err)
	assert.Equal(t, 1, strings.Count(err.Error(), "accessrequests:"), "%s", err)
}

// An answer whose body the call does not need (a cancel's 202) is read to its end before it is
// closed, so that HTTP/1.1 keeps the connection for the next call: three cancels, one
// connection. (client.go exchange: the drain of a body with no output.)
func TestAnAnswerWithoutOutputLeavesItsConnectionReusable(t *testing.T) {
	t.Parallel()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"note":"`+strings.Repeat("x", 2000)+`"}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS() // HTTP/1.1 only
	t.Cleanup(srv.Close)
	c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithAccessToken("test-token-0123456789"),
		facade.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	for i := range 3 {
		require.NoError(t, noteErr(c.Cancel(context.Background(), facade.CancelParams{ID: fmt.Sprintf("ar-%d", i), Comment: "no longer needed"})))
	}
	assert.Equal(t, int64(1), conns.Load(), "one connection for three cancels")
}

// A body declared larger than the read bound is refused from its Content-Length, before a byte
// of it is read: a server that declares 1 GiB and sends nothing does not hold the call. (client.go
// decodeJSON: the declared-length check.)
func TestABodyDeclaredTooLargeIsRefusedBeforeItIsRead(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", fmt.Sprint(1<<30))
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-release
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first
	c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithAccessToken("test-token-0123456789"),
		facade.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = c.GetConfig(ctx)
	var re *facade.ResponseError
	require.ErrorAs(t, noteErr(err), &re)
	assert.Contains(t, err.Error(), "body is larger than")
	assert.NoError(t, ctx.Err(), "refused without waiting for the body")
}
