package facade

import (
	"context"
	"math"
	"sync"
	"time"
)

// adaptiveLimit is the rate limit a Client uses unless WithRateLimit gives one: it learns the
// server's limit from its 429s, and every goroutine of the client waits on it.
//
// Until the first 429 it lets everything through. A 429 starts an episode:
//   - every request waits out the Retry-After (or the retry backoff when there is none), so the
//     requests of all goroutines stop together instead of each collecting its own 429;
//   - requests are then paced, one at a time, below a ceiling: on the first episode the
//     average rate the server let through since the first request (a rough figure: it counts
//     the server's initial burst, and answers still on their way are missing), on later ones
//     the paced rate that was refused (a firm one);
//   - the pace starts at a fraction of the ceiling and closes half the gap to 90% of it every
//     second; above that it rises by 5% a second while the ceiling is rough, by 1% once firm,
//     so a limit that was raised, or learned too low, is found again.
//
// 429s for requests sent before an episode began, or within a second of its start, are part
// of it and move nothing further. A 429 before any request got through (another client of the
// same tenant emptied its bucket) only pauses: the measure starts again after the pause.
type adaptiveLimit struct {
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu       sync.Mutex
	start    time.Time // when the first request was let through
	accepted int       // answers other than 429 since start
	resumed  time.Time // when requests resumed after the last episode
	// acceptedSince counts answers other than 429 to requests sent since resumed.
	acceptedSince int
	perSecond     float64   // the paced rate; 0 until the first 429
	ceiling       float64   // the rate refused at the last episode
	firm          bool      // the ceiling was a paced rate, not the first rough average
	raised        time.Time // when perSecond was last set or raised
	cut           time.Time // when the last episode began
	next          time.Time // the earliest time the next request may leave
	pauses        int       // how many times a 429 has pushed next back
}

// Constants of the learning rule; see adaptiveLimit.
const (
	firstCut   = 0.7  // of the rough ceiling, after the first episode
	laterCut   = 0.8  // of the firm ceiling, after each later one
	plateau    = 0.9  // of the ceiling: the pace closes half the gap to it every second
	roughRise  = 0.05 // per second above the plateau, while the ceiling is rough
	firmRise   = 0.01 // per second above the plateau, once it is firm
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
	if d, ok := ctx.Deadline(); ok && time.Until(d) < at.Sub(now) {
		a.mu.Unlock()
		return time.Time{}, errLocalLimit
	}
	var gap time.Duration
	if a.perSecond > 0 {
		gap = time.Duration(float64(time.Second) / a.perSecond)
		a.next = at.Add(gap)
	}
	pauses := a.pauses
	a.mu.Unlock()
	if at.After(now) {
		if err := a.sleep(ctx, at.Sub(now)); err != nil {
			a.release(gap, pauses)
			return time.Time{}, err
		}
	}
	return at, nil
}

// release gives back the slot of a caller that gave up waiting, so that callers who left do not
// hold back those still there. When a 429 has pushed the schedule back since, nothing is given
// back: the pause it asked for stays whole.
func (a *adaptiveLimit) release(gap time.Duration, pauses int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if gap > 0 && a.pauses == pauses {
		a.next = a.next.Add(-gap)
		if now := a.now(); a.next.Before(now) {
			a.next = now
		}
	}
}

// grow raises the paced rate for the time since it was last set (see adaptiveLimit).
func (a *adaptiveLimit) grow(now time.Time) {
	dt := now.Sub(a.raised).Seconds()
	if a.perSecond == 0 || dt < 0.1 {
		return
	}
	a.raised = now
	if target := plateau * a.ceiling; a.perSecond < target {
		a.perSecond = target - (target-a.perSecond)*math.Pow(0.5, dt)
		return
	}
	rise := roughRise
	if a.firm {
		rise = firmRise
	}
	a.perSecond = min(a.perSecond*(1+rise*dt), maxPerSec)
}

// observe learns from the answer to a request let through at sent: a 429 (with the server's
// Retry-After, or the retry backoff as wait) or anything else.
func (a *adaptiveLimit) observe(sent time.Time, limited bool, wait time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !limited {
		a.accepted++
		if !sent.Before(a.resumed) {
			a.acceptedSince++
		}
		return
	}
	now := a.now()
	if resume := now.Add(max(wait, resumeStep)); resume.After(a.next) {
		a.next = resume
		a.pauses++
	}
	if sent.Before(a.cut) || now.Sub(a.cut) < episode {
		return // sent before this episode began, or soon after: part of it
	}
	a.cut = now
	if a.perSecond == 0 {
		if a.accepted == 0 {
			// Refused before anything got through (another client emptied the server's
			// bucket): that measures nothing about the limit, so everyone waits out the
			// pause and the measure starts again when requests resume.
			a.start = a.next
			return
		}
		a.ceiling = minPerSec
		if elapsed := now.Sub(a.start).Seconds(); elapsed > 0 {
			a.ceiling = max(float64(a.accepted)/elapsed, minPerSec)
		}
		a.perSecond = a.ceiling * firstCut
	} else {
		// The paced rate was refused; what the server let through since the last episode
		// ended is closer to its limit when the refusal came late (after its bucket drained).
		a.ceiling, a.firm = a.perSecond, true
		if since := now.Sub(a.resumed).Seconds(); since > 0 && a.acceptedSince > 0 {
			// Not below half the pace, though: a caller that sent less than the pace allowed
			// measured its own demand, not the server's limit.
			a.ceiling = max(min(a.ceiling, float64(a.acceptedSince)/since), a.ceiling/2, minPerSec)
		}
		a.perSecond = a.ceiling * laterCut
	}
	a.acceptedSince = 0
	a.perSecond = min(max(a.perSecond, minPerSec), maxPerSec)
	a.raised, a.resumed = a.next, a.next // it rises again from when requests resume
}

// rate is the paced rate in requests per second; 0 while nothing has been learned.
func (a *adaptiveLimit) rate() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.grow(a.now())
	return a.perSecond
}
