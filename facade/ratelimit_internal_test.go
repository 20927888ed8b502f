package facade

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// manualClock is a clock whose sleeps advance it, and that records them.
type manualClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func (c *manualClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *manualClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.t = c.t.Add(d)
	return ctx.Err()
}

func newTestLimits(p *prior) (*apiLimits, *manualClock) {
	clock := &manualClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	return newAPILimits(clock.now, clock.sleep, nil, p, ""), clock
}

// send lets one request of API version key through, answers it after latency (refused with
// retryAfter when refused), and returns what it waited.
func send(t *testing.T, l *apiLimits, c *manualClock, key string, latency time.Duration, refused bool, retryAfter time.Duration) time.Duration {
	t.Helper()
	tr, err := l.wait(context.Background(), key, time.Minute)
	require.NoError(t, err)
	c.advance(latency)
	tr.answer(c.now(), refused, retryAfter, retryAfter > 0)
	return tr.waited
}

func TestNothingIsPacedUntilA429(t *testing.T) {
	l, clock := newTestLimits(nil)
	for range 1000 {
		send(t, l, clock, "beta", 0, false, 0)
	}
	assert.Empty(t, clock.sleeps, "no request waited")
	assert.Zero(t, l.get("beta").learn.rate)
}

// The API version a path is under (apiVersion), and the limit a request made through Generated
// is kept under (generationOf): the generation whose operation its path calls, so the
// successor's config at /access-request-config/v2 shares "v1" with the rest of the successor;
// any other path goes by its version segment. Guards generationOf's trimming of the root and
// the leading slash (their arguments' order) and its match against the path table.
func TestTheAPIVersionOfAPath(t *testing.T) {
	for _, tc := range []struct{ root, path, version, generation string }{
		{"", "/beta/access-request-status", "beta", "beta"},
		{"", "/access-request-status/v1", "v1", "v1"},
		{"", "/access-requests/v1/cancel", "v1", "v1"},
		{"", "/access-request-config/v2", "v2", "v1"},
		{"", "/access-requests/v1/bulk-cancel", "v1", "v1"},
		{"", "/beta/access-request-config", "beta", "beta"},
		{"", "/v2025/access-requests", "v2025", "v2025"},
		{"", "/v2019/access-requests", "v2019", "v2019"}, // every digit, 0 and 9 too (isVersion's bounds)
		{"", "/access-request-config/v3", "v3", "v3"},    // no operation: its version segment
		{"", "/access-request-config/v2/x", "v2", "v2"},  // a path under an operation's is not that operation
		{"/proxy/sail", "/proxy/sail/beta/access-requests", "beta", "beta"},
		{"/proxy/sail", "/proxy/sail/access-request-config/v2", "v2", "v1"},
		{"/proxy/sail", "/access-request-config/v2", "v2", "v1"}, // outside the root: matched as given
		{"/v1", "/v1/beta/access-requests", "beta", "beta"},      // the root's own segments are not the version
		{"", "/access-requests/vx/cancel", "", ""},
		{"", "/access-requests/v", "", ""},
		{"", "/", "", ""},
		{"", "", "", ""},
	} {
		l := newAPILimits(time.Now, sleep, nil, nil, tc.root)
		assert.Equal(t, tc.version, l.apiVersion(tc.path), "version of %s under %q", tc.path, tc.root)
		assert.Equal(t, tc.generation, l.generationOf(tc.path), "generation of %s under %q", tc.path, tc.root)
	}
}

// One API version's 429 pauses and paces its own requests only.
func TestOneAPIVersionsPauseAndPaceAreItsOwn(t *testing.T) {
	l, clock := newTestLimits(nil)
	for range 100 {
		send(t, l, clock, "beta", 10*time.Millisecond, false, 0)
		send(t, l, clock, "v1", 10*time.Millisecond, false, 0)
	}
	send(t, l, clock, "beta", 0, true, 5*time.Second)
	assert.Zero(t, send(t, l, clock, "v1", 0, false, 0), "v1 waited on beta's pause")
	assert.Zero(t, l.get("v1").learn.rate, "v1 is paced by beta's 429")
	assert.Equal(t, 5*time.Second, send(t, l, clock, "beta", 0, false, 0), "beta waited out its pause")
}

func TestARetryNowTeachesNothing(t *testing.T) {
	l, clock := newTestLimits(nil)
	tr := &transport{limits: l, now: clock.now, policy: DefaultRetryPolicy()}
	for range 10 {
		send(t, l, clock, "beta", 100*time.Millisecond, false, 0)
	}
	for _, ra := range []string{"0", "1"} {
		resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {ra}}}
		turn, err := l.wait(context.Background(), "beta", time.Minute)
		require.NoError(t, err)
		paused := tr.learn(turn, resp)
		assert.Equal(t, ra == "1", paused, "Retry-After %s", ra)
		if ra == "0" {
			assert.Zero(t, l.get("beta").pause.until, "Retry-After: 0 asks nobody to wait")
		}
	}
}

// A 429 after an idle spell, with no answer since (or too few to measure anything), pauses and
// sets no pace: the window it would measure holds no answers. Before, the first ceiling was
// measured over the second before the 429, which read as a rate of 0, and the pace fell to its
// floor.
func TestAnEstimateIsNeverTakenFromAWindowWithoutAnswers(t *testing.T) {
	for answers := range minAnswers {
		l, clock := newTestLimits(nil)
		for range 200 {
			send(t, l, clock, "beta", 50*time.Millisecond, false, 0)
		}
		clock.advance(time.Minute)
		for range answers {
			send(t, l, clock, "beta", 50*time.Millisecond, false, 0)
		}
		send(t, l, clock, "beta", 50*time.Millisecond, true, time.Second)
		assert.Zero(t, l.get("beta").learn.rate, "%d answers since the idle spell set a pace", answers)
		assert.Equal(t, time.Second-0, send(t, l, clock, "beta", 0, false, 0), "the pause is waited out")
	}
}

// A firm estimate survives an idle spell, and a rough cut after it (a 429 after a few answers)
// returns to it within seconds.
func TestAfterAnIdleSpellThePaceReturnsToWhatWasMeasured(t *testing.T) {
	l, clock := newTestLimits(nil)
	learn := l.get("beta").learn
	learn.rate, learn.burst, learn.best, learn.bucket, learn.firm = 48, 8, 50, 10, true
	learn.raised, learn.held = clock.now(), clock.now().Add(firmHold)
	clock.advance(time.Minute)
	for range 10 {
		send(t, l, clock, "beta", 20*time.Millisecond, false, 0)
	}
	send(t, l, clock, "beta", 0, true, time.Second)
	cut := learn.rate
	require.Less(t, cut, 48.0, "the 429 cut the pace")
	assert.GreaterOrEqual(t, cut, 0.7*48, "by at most 30%")
	clock.advance(5 * time.Second) // the pause, then 4 s
	learn.grow(clock.now())
	assert.GreaterOrEqual(t, learn.rate, 0.9*50, "back within 10%% of the firm estimate 4 s after the pause (from %.1f)", cut)
}

// Two runs from a full bucket, at different speeds, give the bucket's rate and burst; and the
// pace after a firm estimate holds below it.
func TestTheLearnerFindsATokenBucketsRateAndBurst(t *testing.T) {
	for _, tc := range []struct {
		name          string
		perSec, burst float64
		every         time.Duration // how often the client sends when nothing holds it back
		within        float64       // the runs of a small burst hold a handful of requests: a count off by one is 10%
	}{
		{"50 a second, a burst of 100 (refills within the pause)", 50, 100, 5 * time.Millisecond, 0.05},
		{"200 a second, a burst of 100 (fills up during the pause)", 200, 100, time.Millisecond, 0.05},
		{"50 a second, a burst of 10", 50, 10, 5 * time.Millisecond, 0.1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, clock := newTestLimits(nil)
			server := &testBucket{perSec: tc.perSec, burst: tc.burst}
			learn := l.get("beta").learn
			for range 100000 {
				tr, err := l.wait(context.Background(), "beta", time.Minute)
				require.NoError(t, err)
				ok := server.take(clock.now())
				var ra time.Duration
				if !ok {
					ra = time.Second
				}
				tr.answer(clock.now(), !ok, ra, !ok)
				clock.advance(tc.every)
				if learn.firm {
					break
				}
			}
			require.True(t, learn.firm, "a firm estimate")
			t.Logf("rate %.1f, burst %.1f, pace %.1f", learn.best, learn.bucket, learn.rate)
			assert.InEpsilon(t, tc.perSec, learn.best, tc.within, "the rate")
			assert.InEpsilon(t, tc.burst, learn.bucket, 0.25, "the burst")
			assert.Less(t, learn.rate, tc.perSec, "paced below it")
			assert.GreaterOrEqual(t, learn.rate, 0.9*learn.best, "by at most 10%")
		})
	}
}

// testBucket is a server's token bucket on the manual clock.
type testBucket struct {
	perSec, burst, tokens float64
	last                  time.Time
}

func (b *testBucket) take(now time.Time) bool {
	if b.last.IsZero() {
		b.tokens = b.burst
	}
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.perSec)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}

// At the vendor's host the learned pace starts at the documented limit and never goes above it;
// 429s still lower it.
func TestTheVendorsLimitIsThePriorAndTheCeiling(t *testing.T) {
	vendor, _ := url.Parse("https://acme.api.identitynow.com")
	proxy, _ := url.Parse("https://sail-proxy.example.com")
	require.NotNil(t, priorFor(vendor))
	assert.Nil(t, priorFor(proxy))
	l, clock := newTestLimits(priorFor(vendor))
	learn := l.get("beta").learn
	assert.Equal(t, 10.0, learn.rate)
	for range 2000 {
		send(t, l, clock, "beta", 0, false, 0)
	}
	assert.InDelta(t, 200, clock.now().Sub(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)).Seconds(), 1.5, "2,000 requests at 10 a second")
	clock.advance(10 * time.Minute)
	learn.grow(clock.now())
	assert.Equal(t, 10.0, learn.rate, "never above the documented limit")
}

// A refusal the pace does not explain, twice (the first request after a pause of a second
// refused), means a server that refuses a share whatever the pace: the pace goes back to what it
// was before the cuts, and short Retry-Afters stop pausing the other requests.
func TestRefusalsThePaceDoesNotExplainStopTheCuts(t *testing.T) {
	l, clock := newTestLimits(nil)
	learn := l.get("beta").learn
	learn.rate, learn.burst, learn.best, learn.bucket, learn.firm = 40, 10, 42, 12, true
	learn.raised, learn.held = clock.now(), clock.now().Add(firmHold)
	for range 20 {
		send(t, l, clock, "beta", 20*time.Millisecond, false, 0)
	}
	for range 3 {
		send(t, l, clock, "beta", 5*time.Millisecond, true, time.Second)
	}
	assert.True(t, learn.share)
	assert.Equal(t, 40.0, learn.rate, "the pace from before the cuts")
	tr, err := l.wait(context.Background(), "beta", time.Minute)
	require.NoError(t, err)
	assert.False(t, tr.answer(clock.now(), true, time.Second, true), "a short Retry-After no longer pauses everyone")
	tr, err = l.wait(context.Background(), "beta", time.Minute)
	require.NoError(t, err)
	assert.True(t, tr.answer(clock.now(), true, time.Minute, true), "a long one still does")
	clock.advance(time.Minute + shareQuiet)
	send(t, l, clock, "beta", 0, false, 0)
	assert.False(t, learn.share, "%v without a 429 ends it", shareQuiet)
}

// Callers that give up waiting do not keep their slots: otherwise those still there wait for
// the ones who left, and a call with a deadline is refused at once.
func TestTheSlotsOfCallersWhoLeftAreGivenBack(t *testing.T) {
	clock := &manualClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	l := newAPILimits(clock.now, func(context.Context, time.Duration) error { return context.Canceled }, nil, nil, "")
	learn := l.get("beta").learn
	learn.rate, learn.burst, learn.firm, learn.best, learn.raised, learn.held = 1, 1, true, 10, clock.now(), clock.now().Add(time.Hour)
	_, err := l.wait(context.Background(), "beta", time.Minute) // paced from now on: the next slot is 1 s away
	require.NoError(t, err)
	for range 30 {
		_, err := l.wait(context.Background(), "beta", time.Minute)
		assert.ErrorIs(t, err, context.Canceled)
	}
	assert.LessOrEqual(t, learn.tat.Sub(clock.now()), time.Second, "30 callers that gave up still hold their slots")
	assert.Len(t, learn.pending, 1, "only the request that left is in flight")
}

// A caller that gives up does not shorten a pause a 429 asked for while it waited.
func TestAPauseStaysWholeWhenAWaiterLeaves(t *testing.T) {
	clock := &manualClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	var l *apiLimits
	l = newAPILimits(clock.now, func(context.Context, time.Duration) error {
		lim := l.get("beta")
		lim.mu.Lock()
		lim.pause = pause{until: clock.now().Add(5 * time.Second), asked: 5 * time.Second, at: clock.now()}
		lim.mu.Unlock()
		return context.Canceled
	}, nil, nil, "")
	learn := l.get("beta").learn
	learn.rate, learn.burst, learn.firm, learn.best, learn.raised, learn.held = 1, 1, true, 1, clock.now(), clock.now().Add(time.Hour)
	learn.tat = clock.now().Add(time.Second)
	_, err := l.wait(context.Background(), "beta", time.Minute)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 5*time.Second, l.get("beta").pause.until.Sub(clock.now()), "the pause was shortened")
}

// A pause that begins while a request waits for its turn at the pace holds that request too;
// the slot it held is given back, so a slow pace does not hold it a second time past the
// pause. Guards wait's loop on a new pause and its release of the slot.
func TestAPauseThatBeginsDuringAWaitHoldsTheWaiter(t *testing.T) {
	for _, rate := range []float64{2, 0.25} {
		clock := &manualClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
		var l *apiLimits
		first := true
		l = newAPILimits(clock.now, func(ctx context.Context, d time.Duration) error {
			clock.advance(d)
			if first {
				first = false
				lim := l.get("beta")
				lim.mu.Lock()
				lim.pause = pause{until: clock.now().Add(3 * time.Second), asked: 3 * time.Second, at: clock.now()}
				lim.mu.Unlock()
			}
			return nil
		}, nil, nil, "")
		learn := l.get("beta").learn
		learn.rate, learn.burst, learn.firm, learn.best, learn.raised, learn.held = rate, 1, true, rate, clock.now(), clock.now().Add(time.Hour)
		learn.tat = clock.now().Add(500 * time.Millisecond)
		start := clock.now()
		tr, err := l.wait(context.Background(), "beta", time.Minute)
		require.NoError(t, err)
		assert.Equal(t, 3500*time.Millisecond, clock.now().Sub(start), "pace %v: half a second of pace, then the 3 s pause", rate)
		assert.Equal(t, WaitPause, tr.reason, "pace %v: the pause is what held it longest", rate)
	}
}

// A 429 without Retry-After pauses the API version briefly, and the refused request's retry
// waits on that pause (and the pace), not on a backoff of its own.
func TestARetryAfterA429WithoutRetryAfterWaitsOnThePause(t *testing.T) {
	l, clock := newTestLimits(nil)
	tr := &transport{limits: l, now: clock.now, sleep: clock.sleep, policy: DefaultRetryPolicy(),
		budget: newBudget(DefaultRetryPolicy().Budget), log: slog.New(slog.DiscardHandler), tokens: &tokenCache{static: true, now: clock.now}}
	tr.tokens.tok = nil
	_ = tr
	turn, err := l.wait(context.Background(), "beta", time.Minute)
	require.NoError(t, err)
	assert.True(t, tr.learn(turn, &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{}}))
	assert.Equal(t, noHintPause, send(t, l, clock, "beta", 0, false, 0))
}

// Guards WaitError.Error's cases: the operation named only when known, ErrRateLimited and
// context.DeadlineExceeded told through wrapping (errors.Is with the error first), and the
// Retry-After shown whenever it is above 0.
func TestWaitErrorsSayWhatTheCallWaitedFor(t *testing.T) {
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		err  *WaitError
		want string
		is   []error
	}{
		{&WaitError{Operation: "listAccessRequestStatus", API: "beta", Reason: WaitPause, Left: 4 * time.Minute, RetryAfter: 5 * time.Minute, AskedAt: at, Err: ErrRateLimited, maxPause: time.Minute},
			"accessrequests: listAccessRequestStatus: rate limited: not sent: the client's shared pause for the beta API has 4m0s left, more than RetryPolicy.MaxRetryAfter (1m0s) (a 429 asked for 5m0s at 2026-06-01T12:00:00Z)",
			[]error{ErrRateLimited}},
		{&WaitError{Operation: "getAccessRequestConfig", API: "beta", Reason: WaitPause, Left: 25 * time.Second, RetryAfter: 30 * time.Second, AskedAt: at, Err: context.DeadlineExceeded},
			"accessrequests: getAccessRequestConfig: waited for the client's shared pause for the beta API 0s with 25s left (a 429 asked for 30s at 2026-06-01T12:00:00Z); the call's deadline comes first: context deadline exceeded",
			[]error{context.DeadlineExceeded}},
		{&WaitError{Operation: "getAccessRequestConfig", API: "v1", Reason: WaitPause, Waited: 5 * time.Second, Left: 25 * time.Second, RetryAfter: 30 * time.Second, AskedAt: at, Err: context.Canceled},
			"accessrequests: getAccessRequestConfig: waited for the client's shared pause for the v1 API 5s with 25s left (a 429 asked for 30s at 2026-06-01T12:00:00Z): context canceled",
			[]error{context.Canceled}},
		{&WaitError{Operation: "createAccessRequest", API: "beta", Reason: WaitPace, Left: 2 * time.Second, Err: context.DeadlineExceeded},
			"accessrequests: createAccessRequest: waited for the pace it learned for the beta API 0s with 2s left; the call's deadline comes first: context deadline exceeded",
			[]error{context.DeadlineExceeded}},
		{&WaitError{Operation: "createAccessRequest", Reason: WaitLimit, Err: context.DeadlineExceeded},
			"accessrequests: createAccessRequest: waited for its rate limit for the this API 0s with 0s left; the call's deadline comes first: context deadline exceeded",
			[]error{context.DeadlineExceeded}},
		// A WaitError a caller built, with no operation and errors that wrap the ones it names:
		// each is told by errors.Is, not by equality, and a Retry-After of 1ns is still shown.
		{&WaitError{API: "beta", Reason: WaitPause, Left: 4 * time.Minute, RetryAfter: time.Nanosecond, AskedAt: at, Err: fmt.Errorf("held: %w", ErrRateLimited), maxPause: time.Minute},
			"accessrequests: rate limited: not sent: the client's shared pause for the beta API has 4m0s left, more than RetryPolicy.MaxRetryAfter (1m0s) (a 429 asked for 1ns at 2026-06-01T12:00:00Z)",
			[]error{ErrRateLimited}},
		{&WaitError{API: "v1", Reason: WaitPace, Left: time.Second, Err: fmt.Errorf("late: %w", context.DeadlineExceeded)},
			"accessrequests: waited for the pace it learned for the v1 API 0s with 1s left; the call's deadline comes first: late: context deadline exceeded",
			[]error{context.DeadlineExceeded}},
	} {
		assert.Equal(t, tc.want, tc.err.Error())
		for _, target := range tc.is {
			assert.True(t, errors.Is(tc.err, target), "%v is %v", tc.err, target)
		}
		assert.False(t, errors.Is(tc.err, ErrOutcomeUnknown))
	}
}

// bucketRate separates a token bucket's rate from its burst with two runs that each began with
// the bucket full and ended at its first refusal, whichever was longer.
func TestBucketRate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		n1     int
		t1     float64
		n2     int
		t2     float64
		want   float64
		reason string
	}{
		{"burst of 10 at 50/s", 15, 0.1, 160, 3.0, 50, "(160-15)/(3.0-0.1)"},
		{"burst of 10 at 50/s, a short second run", 15, 0.1, 70, 1.2, 50, "(70-15)/(1.2-0.1)"},
		{"no burst", 5, 0.1, 150, 3.0, 50, "(150-5)/(2.9)"},
		{"the second run as short as the first", 15, 0.1, 15, 0.1, 150, "nothing to separate: all of n2 over t2"},
		{"the second run shorter than the first", 160, 3.0, 15, 0.1, 50, "(160-15)/(3.0-0.1), the other way round"},
		{"the second run let through fewer in longer", 30, 0.1, 20, 1.0, 20, "a negative rate: all of n2 over t2"},
		{"the second run let through as many", 20, 0.1, 20, 1.0, 20, "all of n2 over t2, not none"},
		{"a shorter second run that let through more", 10, 1.0, 40, 0.5, 80, "all of n2 over t2"},
		{"never above all of n2 over t2", 100, 1.9, 110, 2.0, 52.6, "(110-100)/0.1 = 100 is more than 110/2 and 100/1.9"},
		{"a first run at once", 10, 0, 110, 2.0, 50, "(110-10)/2.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := bucketRate(tc.n1, tc.t1, tc.n2, tc.t2)
			assert.InDelta(t, tc.want, got, 0.1, tc.reason)
		})
	}
}

// WithRateLimit's limiter is shared by every API version (the caller's own limit), while each
// version keeps its own pause.
func TestAFixedLimitIsTheClientsWhateverTheVersion(t *testing.T) {
	clock := &manualClock{t: time.Now()}
	l := newAPILimits(clock.now, clock.sleep, rate.NewLimiter(rate.Inf, 1), nil, "")
	assert.Nil(t, l.get("beta").learn)
	tr, err := l.wait(context.Background(), "v1", time.Minute)
	require.NoError(t, err)
	assert.False(t, tr.answer(clock.now(), true, time.Second, true), "a short Retry-After is the refused request's own")
	assert.True(t, tr.answer(clock.now(), true, longPause, true), "a long one pauses its version")
	_, err = l.wait(context.Background(), "beta", time.Minute)
	assert.NoError(t, err, "another version is not paused")
}

// With WithRateLimit's limiter: a request that did not wait reports no reason (the limiter had
// a token); one the limiter held reports the limiter; one held by a pause reports the pause, not the limiter; a pause longer than the
// call's deadline refuses it at once (no learned pace to give a slot back to); and a context
// ended before the limiter's turn ends the wait with its own error. Guards wait's fixed-limit
// branch, its reset of a wait of 0 and its release closure's check for a learner.
func TestAFixedLimitsWaitsSayWhatHeldThem(t *testing.T) {
	clock := &manualClock{t: time.Now()}
	l := newAPILimits(clock.now, clock.sleep, rate.NewLimiter(rate.Every(time.Hour), 1), nil, "")
	tr, err := l.wait(context.Background(), "beta", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, WaitNone, tr.reason, "the limiter had a token")
	assert.Zero(t, tr.waited)

	// The limiter keeps real time: on the real clock, a request it held reports it.
	l = newAPILimits(time.Now, clock.sleep, rate.NewLimiter(rate.Every(20*time.Millisecond), 1), nil, "")
	_, err = l.wait(context.Background(), "beta", time.Minute) // takes the token
	require.NoError(t, err)
	tr, err = l.wait(context.Background(), "beta", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, WaitLimit, tr.reason, "the limiter held it")
	assert.Positive(t, tr.waited)

	l = newAPILimits(clock.now, clock.sleep, rate.NewLimiter(rate.Inf, 1), nil, "")
	l.get("beta").pause = pause{until: clock.now().Add(20 * time.Second), asked: 20 * time.Second, at: clock.now()}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = l.wait(ctx, "beta", time.Minute)
	var we *WaitError
	require.ErrorAs(t, err, &we)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, WaitPause, we.Reason)
	tr, err = l.wait(context.Background(), "beta", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, WaitPause, tr.reason, "the pause held it, not the limiter")
	assert.Equal(t, 20*time.Second, tr.waited)

	l = newAPILimits(clock.now, clock.sleep, rate.NewLimiter(rate.Every(time.Hour), 1), nil, "")
	_, err = l.wait(context.Background(), "beta", time.Minute) // takes the token
	require.NoError(t, err)
	ended, end := context.WithCancel(context.Background())
	end()
	_, err = l.wait(ended, "beta", time.Minute)
	require.ErrorAs(t, err, &we)
	assert.Equal(t, context.Canceled, we.Err)
	assert.Equal(t, WaitLimit, we.Reason)

	// Held by a pause, then refused by the limiter (its next token is past the deadline): the
	// pause is still what it waited for. A clock of its own, so that the deadline (real time)
	// is not already past on the manual clock the pauses above moved on.
	clock = &manualClock{t: time.Now()}
	l = newAPILimits(clock.now, clock.sleep, rate.NewLimiter(rate.Every(time.Hour), 1), nil, "")
	_, err = l.wait(context.Background(), "beta", time.Minute) // takes the token
	require.NoError(t, err)
	l.get("beta").pause = pause{until: clock.now().Add(2 * time.Second), asked: 2 * time.Second, at: clock.now()}
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = l.wait(ctx, "beta", time.Minute)
	require.ErrorAs(t, err, &we)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, WaitPause, we.Reason)
}

// The pace rises while requests are sent, not while none are: after an idle hour it is what
// it was, not 19 times that.
func TestAnIdleSpellRaisesNothing(t *testing.T) {
	l, clock := newTestLimits(nil)
	learn := l.get("beta").learn
	learn.rate, learn.burst, learn.best, learn.bucket, learn.firm = 48, 8, 50, 10, true
	learn.raised, learn.held = clock.now(), clock.now()
	send(t, l, clock, "beta", 0, false, 0)
	clock.advance(time.Hour)
	send(t, l, clock, "beta", 0, false, 0)
	assert.InDelta(t, 48, learn.rate, 0.01)
}

// A request held by a pause and then by the pace past the pause's end waited for the pause
// first: its reason stays the pause. Guards wait's `t.reason == WaitNone` before it names the
// pace.
func TestAWaitForAPauseThenThePaceIsAPause(t *testing.T) {
	l, clock := newTestLimits(nil)
	lim := l.get("beta")
	learn := lim.learn
	learn.rate, learn.burst, learn.firm, learn.best, learn.raised, learn.held = 1, 1, true, 1, clock.now(), clock.now().Add(time.Hour)
	learn.tat = clock.now().Add(8 * time.Second)
	lim.pause = pause{until: clock.now().Add(5 * time.Second), asked: 5 * time.Second, at: clock.now()}
	tr, err := l.wait(context.Background(), "beta", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, WaitPause, tr.reason)
	assert.Equal(t, 8*time.Second, tr.waited, "held past the pause by the pace")
}

// A request refused at once because its slot at the pace comes after its deadline gives the
// slot back: it is no longer waited for, and the next request is not pushed back by it.
// Guards the release before wait's deadline refusal.
func TestAWaitRefusedByItsDeadlineGivesItsSlotBack(t *testing.T) {
	clock := &manualClock{t: time.Now()}
	l := newAPILimits(clock.now, clock.sleep, nil, nil, "")
	learn := l.get("beta").learn
	learn.rate, learn.burst, learn.firm, learn.best, learn.raised, learn.held = 1, 1, true, 1, clock.now(), clock.now().Add(time.Hour)
	learn.tat = clock.now().Add(5 * time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), clock.now().Add(2*time.Second))
	defer cancel()
	_, err := l.wait(ctx, "beta", time.Minute)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Empty(t, learn.pending, "a request never sent is not waited for")
	assert.Equal(t, clock.now().Add(5*time.Second), learn.tat, "the slot is given back")
}

// A request that got no answer is no longer waited for (an idle spell can begin), and under
// WithRateLimit's limiter, which learns nothing, losing one is nothing to the limit. Guards
// lost's check for a learner and its forget.
func TestALostRequestIsNoLongerWaitedFor(t *testing.T) {
	l, clock := newTestLimits(nil)
	tr, err := l.wait(context.Background(), "beta", time.Minute)
	require.NoError(t, err)
	require.Len(t, l.get("beta").learn.pending, 1)
	tr.lost()
	assert.Empty(t, l.get("beta").learn.pending)

	l = newAPILimits(clock.now, clock.sleep, rate.NewLimiter(rate.Inf, 1), nil, "")
	tr, err = l.wait(context.Background(), "beta", time.Minute)
	require.NoError(t, err)
	assert.NotPanics(t, tr.lost)
}

// A pause is never shortened by a later 429 that asks for less, and a Retry-After of 10 s
// pauses the whole API version under WithRateLimit's limiter while 9 s is the refused
// request's own. Guards answer's comparison with the pause and longPause's value.
func TestALongRetryAfterPausesAndAShorterOneShortensNothing(t *testing.T) {
	clock := &manualClock{t: time.Now()}
	l := newAPILimits(clock.now, clock.sleep, rate.NewLimiter(rate.Inf, 1), nil, "")
	answer := func(retryAfter time.Duration) bool {
		tr, err := l.wait(context.Background(), "beta", time.Hour)
		require.NoError(t, err)
		return tr.answer(clock.now(), true, retryAfter, true)
	}
	assert.False(t, answer(9*time.Second), "9 s is the request's own back-off")
	assert.True(t, l.get("beta").pause.until.IsZero())
	assert.True(t, answer(10*time.Second), "10 s pauses the version")
	start := clock.now()
	assert.Equal(t, start.Add(10*time.Second), l.get("beta").pause.until)
	l.get("beta").pause = pause{until: start.Add(30 * time.Second), asked: 30 * time.Second, at: start}
	other := &turn{lim: l.get("beta")} // a request sent before the pause, answered now
	assert.True(t, other.answer(start, true, 12*time.Second, true))
	assert.Equal(t, pause{until: start.Add(30 * time.Second), asked: 30 * time.Second, at: start}, l.get("beta").pause, "the longer pause stands")
}

// A wait of one nanosecond is a wait: its reason is kept. Guards wait's reset of a wait of 0.
func TestAOneNanosecondPauseIsAWait(t *testing.T) {
	clock := &manualClock{t: time.Now()}
	l := newAPILimits(clock.now, clock.sleep, rate.NewLimiter(rate.Inf, 1), nil, "")
	l.get("beta").pause = pause{until: clock.now().Add(time.Nanosecond), asked: time.Nanosecond, at: clock.now()}
	tr, err := l.wait(context.Background(), "beta", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, time.Nanosecond, tr.waited)
	assert.Equal(t, WaitPause, tr.reason)
}

// A request that gives up while it waits for its slot gives the slot back under the API
// version's lock, while other requests of the version are answered (run with -race). Guards
// the lock around the release after a failed sleep.
func TestAWaiterThatGivesUpReleasesUnderTheLock(t *testing.T) {
	asleep := make(chan struct{})
	l := newAPILimits(time.Now, func(ctx context.Context, _ time.Duration) error {
		close(asleep)
		<-ctx.Done()
		return ctx.Err()
	}, nil, nil, "")
	learn := l.get("beta").learn
	learn.rate, learn.burst, learn.firm, learn.best, learn.raised, learn.held = 0.1, 1, true, 0.1, time.Now(), time.Now().Add(time.Hour)
	first, err := l.wait(context.Background(), "beta", time.Hour) // the slot now
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() {
		_, err := l.wait(ctx, "beta", time.Hour) // the next slot, 10 s away
		gaveUp <- err
	}()
	<-asleep
	cancel()
	first.answer(time.Now(), false, 0, false) // under the lock, unordered with the release
	require.ErrorIs(t, <-gaveUp, context.Canceled)
	l.get("beta").mu.Lock()
	defer l.get("beta").mu.Unlock()
	assert.Empty(t, learn.pending)
}

// A refused wait for a pause that no Retry-After began (a learned pause) names no 429's request.
// Guards WaitError.Error's check of RetryAfter (`> 0`).
func TestAWaitErrorForALearnedPauseNamesNoRetryAfter(t *testing.T) {
	e := &WaitError{API: "v1", Reason: WaitPause, Left: 5 * time.Second, Err: ErrRateLimited, maxPause: time.Minute}
	assert.NotContains(t, e.Error(), "asked for")
	e.RetryAfter, e.AskedAt = 90*time.Second, time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	assert.Contains(t, e.Error(), "(a 429 asked for 1m30s at 2026-06-01T12:00:00Z)")
}
