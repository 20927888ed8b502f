package facade

import (
	"bytes"
	"context"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// A backoff window never overflows, however long the cap: with a MaxDelay as large as a
// Duration holds (no cap, in effect), a window of half a second doubled past 2^63 ns, or one
// starting past half the cap, stops at the cap and the wait is in its upper half, never 0 (a
// retry at once, again and again); below the cap it doubles at each retry. Guards retry.go
// backoff's `window > p.MaxDelay/2` and the cap it sets.
func TestABackoffWindowStopsAtItsCapWithoutOverflowing(t *testing.T) {
	t.Parallel()
	const huge = time.Duration(math.MaxInt64)
	for _, base := range []time.Duration{500 * time.Millisecond, 3 << 61, huge/2 + 1} {
		p := RetryPolicy{MaxAttempts: 100, BaseDelay: base, MaxDelay: huge}
		require.NoError(t, p.validate())
		for _, n := range []int{2, 35, 36, 37, 64, 99} {
			least, most := huge/2, huge // the window doubled past the cap is the cap
			if w := math.Ldexp(float64(base), n-1); w < float64(huge) {
				least, most = time.Duration(w/2), time.Duration(w)
			}
			d := p.backoff(n)
			assert.GreaterOrEqual(t, d, least, "base %v, retry %d", base, n)
			assert.LessOrEqual(t, d, most, "base %v, retry %d: the window doubles, one retry at a time", base, n)
		}
	}
}

// leastAllocs is the least of three AllocsPerRun counts of f: AllocsPerRun counts the whole
// process, and the least leaves out what another goroutine allocated meanwhile.
func leastAllocs(runs int, f func()) float64 {
	least := math.Inf(1)
	for range 3 {
		least = min(least, testing.AllocsPerRun(runs, f))
	}
	return least
}

// A body is read in one allocation when its length is declared, up to the largest body read
// (16 MiB) included, and in none into a held buffer of exactly the size it needs; a length
// declared as 0 says nothing (a caller's RoundTripper may declare 0 and send a body), so such a
// body is read from a 4 KiB buffer as one of unknown length, in one allocation under 4 KiB. Not
// parallel: AllocsPerRun counts the whole process's allocations. Guards client.go
// readBoundedInto's `declared > 0`, `int(declared) + 1`, `min(size, limit+1)` and
// `cap(buf) < size`.
func TestABodyIsReadInOneAllocationAtMost(t *testing.T) {
	var r bytes.Reader
	read := func(buf []byte, body []byte, declared int64) func() {
		return func() {
			r.Reset(body)
			got, err := readBoundedInto(buf, &r, maxResponseBody, declared)
			if err != nil || len(got) != len(body) {
				t.Fatalf("read %d of %d bytes: %v", len(got), len(body), err)
			}
		}
	}
	small := bytes.Repeat([]byte("a"), 1000)
	assert.Equal(t, 1.0, leastAllocs(20, read(nil, small, int64(len(small)))), "a declared length")
	assert.Equal(t, 1.0, leastAllocs(20, read(nil, small, 0)), "a length declared as 0, as one unknown")
	assert.Equal(t, 1.0, leastAllocs(20, read(nil, small, -1)), "an unknown length")
	held := make([]byte, 0, len(small)+1)
	assert.Zero(t, leastAllocs(20, read(held, small, int64(len(small)))), "a held buffer of exactly the size")
	largest := bytes.Repeat([]byte("a"), maxResponseBody)
	assert.Equal(t, 1.0, testing.AllocsPerRun(2, read(nil, largest, maxResponseBody)), "the largest body, declared")
}

// A write that is sent once never asks its request for a fresh copy of its body: the body it
// was made with is sent, so a write costs no allocation more than the same request without
// GetBody (a copy is a new reader: two allocations a call). Not parallel: AllocsPerRun counts
// the whole process's allocations. Guards transport.go do's `sends > 0`.
func TestAWriteSentOnceTakesNoCopyOfItsBody(t *testing.T) {
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 204, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	})}
	c, err := New(WithBaseURL("https://tenant.example"), WithAccessToken("test-token"), WithHTTPClient(hc))
	require.NoError(t, err)
	e, err := c.endpoint(opCreate, "Create")
	require.NoError(t, err)
	ctx := context.Background()
	body := []byte(`{"requestedFor":["id-1"],"requestType":"GRANT_ACCESS"}`)
	build := func(keepGetBody bool) func(context.Context) (*http.Request, error) {
		return func(ctx context.Context) (*http.Request, error) {
			req, err := e.request(ctx, http.MethodPost, e.url, body)
			if err == nil && !keepGetBody {
				req.GetBody = nil
			}
			return req, err
		}
	}
	calls := func(keepGetBody bool) float64 {
		b := build(keepGetBody)
		return leastAllocs(50, func() {
			if _, err := c.call(ctx, e.op, nil, b); err != nil {
				t.Fatal(err)
			}
		})
	}
	assert.Equal(t, calls(false), calls(true))
}

// A wait whose end comes exactly at the call's deadline is waited, not refused: as
// rate.Limiter, only a wait that would outlast the deadline is refused at once. (The manual
// clock's sleep ends at once; the context's deadline, on the real clock, is not near.) Guards
// ratelimit.go wait's `d.Sub(now) < at.Sub(now)`.
func TestAWaitEndingAtTheDeadlineIsWaited(t *testing.T) {
	t.Parallel()
	clock := &manualClock{t: time.Now()}
	l := newAPILimits(clock.now, clock.sleep, rate.NewLimiter(rate.Inf, 1), nil, "")
	l.get("beta").pause = pause{until: clock.now().Add(10 * time.Second), asked: 10 * time.Second, at: clock.now()}
	ctx, cancel := context.WithDeadline(context.Background(), clock.now().Add(10*time.Second))
	defer cancel()
	tr, err := l.wait(ctx, "beta", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, WaitPause, tr.reason)
	assert.Equal(t, 10*time.Second, tr.waited)
}
