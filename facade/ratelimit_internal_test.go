package facade

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

func newTestLimit() (*adaptiveLimit, *manualClock) {
	clock := &manualClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	return newAdaptiveLimit(clock.now, clock.sleep), clock
}

// send lets one request through and answers it after latency.
func send(t *testing.T, a *adaptiveLimit, c *manualClock, latency time.Duration, limited bool, retryAfter time.Duration) {
	t.Helper()
	sent, err := a.wait(context.Background())
	require.NoError(t, err)
	c.advance(latency)
	a.observe(sent, limited, retryAfter)
}

func TestAdaptiveLimitLetsEverythingThroughUntilA429(t *testing.T) {
	a, clock := newTestLimit()
	for range 1000 {
		send(t, a, clock, 0, false, 0)
	}
	assert.Empty(t, clock.sleeps, "no request waited")
	assert.Zero(t, a.rate())
}

func TestAdaptiveLimitPacesBelowTheAcceptedRateAfterTheFirst429(t *testing.T) {
	a, clock := newTestLimit()
	// 100 requests accepted over one second, then a 429 asking for 2 s.
	for range 100 {
		send(t, a, clock, 10*time.Millisecond, false, 0)
	}
	send(t, a, clock, 0, true, 2*time.Second)
	assert.InDelta(t, 100*firstCut, a.rate(), 0.5, "a fraction of the 100 per second that got through")

	// Every request now waits out the Retry-After, then goes at the learned pace.
	clock.sleeps = nil
	for range 3 {
		send(t, a, clock, 0, false, 0)
	}
	perSec := 100 * firstCut
	gap := time.Duration(float64(time.Second) / perSec)
	assert.Equal(t, []time.Duration{2 * time.Second, gap, gap}, clock.sleeps)
}

func TestAdaptiveLimitClosesHalfTheGapToThePlateauEverySecond(t *testing.T) {
	a, clock := newTestLimit()
	for range 100 {
		send(t, a, clock, 10*time.Millisecond, false, 0)
	}
	send(t, a, clock, 0, true, time.Second)
	clock.advance(2 * time.Second) // one second of pause, then one of pacing
	target := plateau * 100
	assert.InDelta(t, target-(target-100*firstCut)/2, a.rate(), 0.01)
}

func TestAdaptiveLimitCutsOncePerEpisode(t *testing.T) {
	a, clock := newTestLimit()
	for range 100 {
		send(t, a, clock, 10*time.Millisecond, false, 0)
	}
	// Eight requests in flight together; all eight come back 429.
	var sent []time.Time
	for range 8 {
		at, err := a.wait(context.Background())
		require.NoError(t, err)
		sent = append(sent, at)
	}
	clock.advance(50 * time.Millisecond)
	for _, at := range sent {
		a.observe(at, true, time.Second)
	}
	// The last second before the 429s held the answers at 50 ms to 1 s: 96 of them.
	assert.InDelta(t, 96*firstCut, a.rate(), 0.1, "one cut for the eight")

	// A 429 for a request sent after the episode, more than a second later, cuts again: to
	// a fraction of the pace that was refused, when the client kept to the pace.
	clock.advance(time.Second)
	paced := a.rate()
	for range int(paced) {
		send(t, a, clock, 0, false, 0)
	}
	pace := a.rate()
	send(t, a, clock, 0, true, time.Second)
	assert.InEpsilon(t, pace*laterCut, a.rate(), 0.1)
	assert.LessOrEqual(t, a.rate(), pace*laterCut)
}

func TestAdaptiveLimitIgnoresRetryNow(t *testing.T) {
	a, clock := newTestLimit()
	tr := &transport{adapt: a, now: clock.now, policy: DefaultRetryPolicy()}
	send(t, a, clock, time.Second, false, 0)
	for _, ra := range []string{"0", "1"} {
		resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {ra}}}
		sent, err := a.wait(context.Background())
		require.NoError(t, err)
		tr.learn(sent, resp)
		if ra == "0" {
			assert.Zero(t, a.rate(), "Retry-After: 0 asks nobody to slow down")
		} else {
			assert.Positive(t, a.rate())
		}
	}
}

func TestAdaptiveLimitRisesWithout429s(t *testing.T) {
	a, clock := newTestLimit()
	for range 10 {
		send(t, a, clock, 100*time.Millisecond, false, 0)
	}
	send(t, a, clock, 0, true, 0)
	learned := a.rate()
	require.InDelta(t, 10*firstCut, learned, 0.1)
	clock.advance(10 * time.Second)
	send(t, a, clock, 0, false, 0)
	assert.Greater(t, a.rate(), learned)

	// The first ceiling is only what the client itself reached (a stalled client reaches
	// little): without a 429 the pace goes on rising past 90% of it, and past it.
	for range 60 {
		clock.advance(500 * time.Millisecond)
		a.rate()
	}
	assert.Greater(t, a.rate(), a.ceiling, "the pace stopped below the first ceiling")
}

func TestAdaptiveLimitRefusesAWaitPastTheDeadline(t *testing.T) {
	a, clock := newTestLimit()
	send(t, a, clock, time.Second, false, 0)
	send(t, a, clock, 0, true, 30*time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), clock.now().Add(time.Second))
	defer cancel()
	clock.sleeps = nil
	_, err := a.wait(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Empty(t, clock.sleeps, "refused without waiting")
}

func TestALearnedPausePastTheDeadlineFailsAtOnceWithoutRetrying(t *testing.T) {
	a, clock := newTestLimit()
	send(t, a, clock, time.Second, false, 0)
	send(t, a, clock, 0, true, 30*time.Second) // everyone waits 30 s from now
	tr := &transport{adapt: a, now: clock.now, sleep: clock.sleep, policy: DefaultRetryPolicy(),
		budget: newBudget(DefaultRetryPolicy().Budget), log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:1/never", nil)
	require.NoError(t, err)
	clock.sleeps = nil
	_, err = tr.Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Empty(t, clock.sleeps, "neither the pause nor a retry backoff was waited for")
}

// Callers that give up waiting (a cancelled context, an abandoned prefetch) must not keep
// their slots: otherwise those still there wait for the ones who left, and a call with a
// deadline is refused at once.
func TestAdaptiveLimitGivesBackTheSlotsOfCallersWhoLeft(t *testing.T) {
	clock := &manualClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	a := newAdaptiveLimit(clock.now, func(context.Context, time.Duration) error { return context.Canceled })
	a.perSecond, a.ceiling, a.raised = 1, 10, clock.now()
	_, err := a.wait(context.Background()) // paced from now on: the next slot is 1 s away
	assert.NoError(t, err)
	for range 30 {
		_, err := a.wait(context.Background())
		assert.ErrorIs(t, err, context.Canceled)
	}
	assert.LessOrEqual(t, a.next.Sub(clock.now()), time.Second,
		"30 callers that gave up still hold their slots")
}

// A 429 before anything got through (another client emptied the server's bucket) says nothing
// about the limit: it must pause, not pace at the floor of one request every 10 s (a 40-page
// listing against a 50/s bucket took 2 min instead of about a second).
func TestAdaptiveLimitDoesNotLearnFromA429BeforeAnythingGotThrough(t *testing.T) {
	a, clock := newTestLimit()
	sent, err := a.wait(context.Background())
	assert.NoError(t, err)
	clock.advance(100 * time.Millisecond)
	a.observe(sent, true, time.Second)
	assert.Zero(t, a.rate(), "a 429 on the first request set a pace")
	sent, err = a.wait(context.Background()) // waits out the pause
	assert.NoError(t, err)
	assert.Equal(t, []time.Duration{time.Second}, clock.sleeps)
	// Once requests get through, the first real 429 is measured from the resume.
	for range 50 {
		clock.advance(20 * time.Millisecond)
		a.observe(sent, false, 0)
		sent, _ = a.wait(context.Background())
	}
	a.observe(sent, true, time.Second)
	assert.InDelta(t, 50*firstCut, a.rate(), 5, "the ceiling is the rate let through since the resume")
}

// A caller that gives up does not shorten a pause a 429 asked for while it waited.
func TestAdaptiveLimitKeepsAPauseWholeWhenAWaiterLeaves(t *testing.T) {
	clock := &manualClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	var a *adaptiveLimit
	a = newAdaptiveLimit(clock.now, func(context.Context, time.Duration) error {
		a.observe(clock.now(), true, 5*time.Second) // a 429 arrives while the caller waits
		return context.Canceled
	})
	a.perSecond, a.ceiling, a.raised, a.next = 1, 10, clock.now(), clock.now().Add(time.Second)
	a.cut = clock.now() // the 429 is part of the current episode: it pauses, it does not cut
	_, err := a.wait(context.Background())
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 5*time.Second, a.next.Sub(clock.now()), "the pause was shortened")
}

// bucketRate separates a token bucket's rate from its burst with two runs that each began with
// the bucket full and ended at its first refusal.
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
		{"the second run shorter than the first", 30, 0.5, 20, 0.2, 100, "all of n2 over t2"},
		{"the second run let through fewer", 30, 0.1, 20, 1.0, 20, "all of n2 over t2"},
		{"the second run let through as many", 20, 0.1, 20, 1.0, 20, "all of n2 over t2, not none"},
		{"a shorter second run that let through more", 10, 1.0, 40, 0.5, 80, "all of n2 over t2"},
		{"never above all of n2 over t2", 100, 1.9, 110, 2.0, 55, "(110-100)/0.1 = 100 is more than 110/2"},
		{"a first run at once", 10, 0, 110, 2.0, 50, "(110-10)/2.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := bucketRate(tc.n1, tc.t1, tc.n2, tc.t2)
			assert.InDelta(t, tc.want, got, 0.01, tc.reason)
		})
	}
}

func TestRecentAnswersRate(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	every := func(from, step time.Duration, n int) []time.Time {
		var out []time.Time
		for i := range n {
			out = append(out, at(from+time.Duration(i)*step))
		}
		return out
	}
	for _, tc := range []struct {
		name       string
		answers    []time.Time
		start, now time.Time
		want       float64
	}{
		{"nothing answered", nil, t0, at(time.Second), 0},
		{"a run shorter than a second: since start", every(20*time.Millisecond, 20*time.Millisecond, 10), t0, at(200 * time.Millisecond), 50},
		{"a stall, then a burst: the last second only", append(every(0, time.Second, 4), every(4050*time.Millisecond, 50*time.Millisecond, 20)...), t0, at(5 * time.Second), 20},
		{"answers before start are not counted", every(0, 10*time.Millisecond, 50), at(500 * time.Millisecond), at(time.Second), 0},
		{"more answers than kept: over the ones kept", every(500*time.Millisecond, time.Millisecond, 300), t0, at(800 * time.Millisecond), 1000},
		{"now itself", nil, t0, t0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r recentAnswers
			for _, a := range tc.answers {
				r.add(a)
			}
			assert.InDelta(t, tc.want, r.rate(tc.start, tc.now), 0.01)
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

// After the second episode the pace is the server's rate with its burst taken out, not the
// rate let through since the pause (which counts the burst again: 70 per second here).
func TestAdaptiveLimitTakesTheBurstOutOfTheSecondEstimate(t *testing.T) {
	a, clock := newTestLimit()
	server := &testBucket{perSec: 50, burst: 10}
	// The client sends one request every 10 ms when nothing holds it back: 100 per second,
	// twice the server's rate. The first 429 comes after about 20 answers in 0.2 s.
	for range 1000 {
		sent, err := a.wait(context.Background())
		require.NoError(t, err)
		ok := server.take(clock.now())
		clock.advance(10 * time.Millisecond)
		a.observe(sent, !ok, time.Second)
		if a.firm {
			break
		}
	}
	require.True(t, a.firm, "a second episode")
	assert.InEpsilon(t, 50, a.ceiling, 0.1)
	assert.InEpsilon(t, 50*laterCut, a.rate(), 0.1)
}

// The pace is raised at most every tenth of a second, and a pace within 1% of the plateau has
// reached it: from there it rises by the slow rate instead of halving a gap that never closes.
func TestAdaptiveLimitGrowthAtItsThresholds(t *testing.T) {
	const ceiling = 100.0
	atPlateau := 0.99 * plateau * ceiling
	cases := []struct {
		name      string
		start     float64
		after     time.Duration
		wantPace  float64
		wantRaise bool
	}{
		{"just under a tenth of a second: not yet", 50, 99 * time.Millisecond, 50, false},
		{"a tenth of a second: raised", 50, 100 * time.Millisecond, plateau*ceiling - (plateau*ceiling-50)*math.Pow(0.5, 0.1), true},
		{"exactly 1% under the plateau: rises slowly", atPlateau, time.Second, atPlateau * (1 + roughRise), true},
		{"more than 1% under the plateau: halves the gap", 80, time.Second, plateau*ceiling - (plateau*ceiling-80)/2, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, clock := newTestLimit()
			a.ceiling, a.perSecond, a.raised = ceiling, tc.start, clock.now()
			clock.advance(tc.after)
			a.grow(clock.now())
			assert.InDelta(t, tc.wantPace, a.perSecond, 1e-9)
			assert.Equal(t, tc.wantRaise, a.raised.Equal(clock.now()), "whether the time of the last raise moved")
		})
	}
}

// A 429 exactly one episode after the last cut begins a new episode; and a pace refused before
// a single answer got through since the pause is the ceiling as it stands, not a measure of
// the server (nothing since the pause measured anything).
func TestAdaptiveLimitASecondEpisodeAtExactlyASecond(t *testing.T) {
	a, clock := newTestLimit()
	for range 100 {
		send(t, a, clock, 10*time.Millisecond, false, 0)
	}
	send(t, a, clock, 0, true, time.Second) // the first episode
	require.False(t, a.firm)
	pace, cut1 := a.rate(), a.cut
	// The next request waits out the pause, exactly one episode, and is refused at once.
	send(t, a, clock, 0, true, time.Second)
	assert.Equal(t, episode, a.cut.Sub(cut1), "the cut moved to the second 429, one episode on")
	assert.True(t, a.firm, "a 429 an episode after the cut is a new episode")
	assert.InDelta(t, pace*laterCut, a.rate(), 1e-9, "the refused pace is the ceiling")
}

// A pace refused a while after the pause, with nothing let through since, is the ceiling: with
// no answer since the pause there is nothing to measure the server's rate by.
func TestAdaptiveLimitARefusalWithNothingThroughSinceThePause(t *testing.T) {
	a, clock := newTestLimit()
	for range 100 {
		send(t, a, clock, 10*time.Millisecond, false, 0)
	}
	send(t, a, clock, 0, true, time.Second)
	pace := a.rate()
	send(t, a, clock, 200*time.Millisecond, true, time.Second)
	require.True(t, a.firm, "a new episode")
	assert.InDelta(t, pace*laterCut, a.rate(), 1e-9, "the refused pace is the ceiling, not half of it")
}
