package facade

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// adaptiveLimit is the rate limit a Client uses unless WithRateLimit gives one: it learns the
// server's limit from its 429s, and every goroutine of the client waits on it.
//
// Until the first 429 it lets everything through. A 429 starts an episode:
//   - every request waits out the Retry-After (or the retry backoff when there is none), so the
//     requests of all goroutines stop together instead of each collecting its own 429;
//   - requests are paced, one at a time, at a rate learned from what the server let through:
//     on the first episode half the rate accepted since the first request (what got through
//     before the first 429 includes the server's burst allowance, which a paced client does
//     not get again), on later ones the paced rate less a fifth.
//
// 429s for requests sent before an episode began, or within a second of its start, are part
// of it and cut the rate no further.
// Without 429s the rate creeps up by 2% a second, so a limit that was raised, or learned too
// low, is found again.
type adaptiveLimit struct {
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu        sync.Mutex
	start     time.Time // when the first request was let through
	accepted  int       // answers other than 429 since start
	perSecond float64   // the paced rate; 0 until the first 429
	raised    time.Time // when perSecond was last set or raised
	cut       time.Time // when the last episode began
	next      time.Time // the earliest time the next request may leave
}

// Constants of the learning rule; see adaptiveLimit.
const (
	firstCut   = 0.5  // of the rate accepted before the first 429
	laterCut   = 0.8  // of the paced rate, on each further episode
	growth     = 0.02 // per second without a 429
	minPerSec  = 0.1  // never slower than one request every 10 s
	maxPerSec  = 1e4  // above this, pacing is not worth doing
	resumeStep = time.Millisecond
	episode    = time.Second // the rate is cut at most once in this long
)

func newAdaptiveLimit(now func() time.Time, sleep func(context.Context, time.Duration) error) *adaptiveLimit {
	return &adaptiveLimit{now: now, sleep: sleep}
}

// wait holds the caller until its request may leave, and returns when it was let through.
// A wait the context's deadline would end early is refused at once, as rate.Limiter does.
func (a *adaptiveLimit) wait(ctx context.Context) (time.Time, error) {
	a.mu.Lock()
	now := a.now()
	if a.start.IsZero() {
		a.start = now
	}
	a.grow(now)
	at := now
	if a.next.After(at) {
		at = a.next
	}
	if d, ok := ctx.Deadline(); ok && at.After(d) {
		a.mu.Unlock()
		return time.Time{}, fmt.Errorf("the learned rate limit would hold this request past its deadline: %w", context.DeadlineExceeded)
	}
	if a.perSecond > 0 {
		a.next = at.Add(time.Duration(float64(time.Second) / a.perSecond))
	}
	a.mu.Unlock()
	if at.After(now) {
		if err := a.sleep(ctx, at.Sub(now)); err != nil {
			return time.Time{}, err
		}
	}
	return at, nil
}

// grow raises the paced rate by growth per second since it was last set.
func (a *adaptiveLimit) grow(now time.Time) {
	if a.perSecond == 0 {
		return
	}
	if dt := now.Sub(a.raised).Seconds(); dt >= 1 {
		a.perSecond = min(a.perSecond*(1+growth*dt), maxPerSec)
		a.raised = now
	}
}

// observe learns from the answer to a request let through at sent: a 429 (with the server's
// Retry-After, or the retry backoff as wait) or anything else.
func (a *adaptiveLimit) observe(sent time.Time, limited bool, wait time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !limited {
		a.accepted++
		return
	}
	now := a.now()
	if resume := now.Add(max(wait, resumeStep)); resume.After(a.next) {
		a.next = resume
	}
	if sent.Before(a.cut) || now.Sub(a.cut) < episode {
		return // sent before this episode began, or soon after: part of it
	}
	a.cut = now
	switch {
	case a.perSecond == 0:
		elapsed := now.Sub(a.start).Seconds()
		if elapsed <= 0 || a.accepted == 0 {
			a.perSecond = minPerSec
			break
		}
		a.perSecond = float64(a.accepted) / elapsed * firstCut
	default:
		a.perSecond *= laterCut
	}
	a.perSecond = min(max(a.perSecond, minPerSec), maxPerSec)
	a.raised = now
}

// rate is the paced rate in requests per second; 0 while nothing has been learned.
func (a *adaptiveLimit) rate() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.perSecond
}
