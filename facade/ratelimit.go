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
//   - requests are then paced, one at a time, below a ceiling. On the first episode it is the
//     rate the server let through in the second before the 429 (or since the first request,
//     if that is shorter): a rough figure, since until its first refusal a server lets
//     through all it gets, so this mostly measures the client's own speed and the server's
//     burst. On later ones it is the server's rate as two runs that each ended in a 429
//     measure it (see bucketRate: the first run and the one since the last pause, the burst
//     taken out), and never above the paced rate that was refused: a firm figure;
//   - after the first episode the pace starts at 70% of the ceiling and closes half the gap to
//     90% of it every second, then (once within 1% of it) rises by 1% a second; after a later
//     one it starts at 95% of the firm ceiling and rises by 0.5% a second, so a limit that was
//     raised, or learned too low, is found again. The rises are slow because each refusal
//     costs a whole second of pause (Retry-After is whole seconds).
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
	recent   recentAnswers
	resumed  time.Time // when requests resumed after the last episode
	// acceptedSince counts answers other than 429 to requests sent since resumed.
	acceptedSince int
	perSecond     float64 // the paced rate; 0 until the first 429
	ceiling       float64 // the rate refused at the last episode
	// firstN and firstT are what the first episode measured: firstN answers other than 429
	// in firstT seconds since the first request, the server's burst and its rate together.
	firstN int
	firstT float64
	firm   bool      // the ceiling was a paced rate, not the first rough average
	raised time.Time // when perSecond was last set or raised
	cut    time.Time // when the last episode began
	next   time.Time // the earliest time the next request may leave
	pauses int       // how many times a 429 has pushed next back
}

// Constants of the learning rule; see adaptiveLimit.
const (
	firstCut   = 0.7   // of the rough ceiling, after the first episode
	laterCut   = 0.95  // of the firm ceiling, after each later one
	plateau    = 0.9   // of the ceiling: the pace closes half the gap to it every second
	roughRise  = 0.01  // per second above the plateau, while the ceiling is rough
	firmRise   = 0.005 // per second above the plateau, once it is firm
	minPerSec  = 0.1   // never slower than one request every 10 s
	maxPerSec  = 1e4   // above this, pacing is not worth doing
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
	// Halving the gap never closes it: within 1% of the plateau, the pace has reached it.
	if target := plateau * a.ceiling; a.perSecond < 0.99*target {
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
		a.recent.add(a.now())
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
		a.firstN, a.firstT = a.accepted, now.Sub(a.start).Seconds()
		a.ceiling = max(a.recent.rate(a.start, now), minPerSec)
		a.perSecond = a.ceiling * firstCut
	} else {
		// The paced rate was refused; what the server let through since the last episode
		// ended, less the burst the first episode measured, is its rate.
		a.ceiling, a.firm = a.perSecond, true
		if since := now.Sub(a.resumed).Seconds(); since > 0 && a.acceptedSince > 0 {
			// Not below half the pace, though: a caller that sent less than the pace allowed
			// measured its own demand, not the server's limit.
			est := bucketRate(a.firstN, a.firstT, a.acceptedSince, since)
			a.ceiling = max(min(a.ceiling, est), a.ceiling/2, minPerSec)
		}
		a.perSecond = a.ceiling * laterCut
	}
	a.acceptedSince = 0
	a.perSecond = min(max(a.perSecond, minPerSec), maxPerSec)
	a.raised, a.resumed = a.next, a.next // it rises again from when requests resume
}

// recentAnswers keeps the times of the latest answers other than 429.
type recentAnswers struct {
	at [128]time.Time
	n  int // how many were added in all
}

func (r *recentAnswers) add(t time.Time) {
	r.at[r.n%len(r.at)] = t
	r.n++
}

// rate is the answers per second over the second before now, or since start when that is
// shorter: a client that sent little at first (or stalled) would otherwise measure its own
// idleness. When more answers came in that second than are kept, it is measured over the
// ones kept.
func (r *recentAnswers) rate(start, now time.Time) float64 {
	from := now.Add(-time.Second)
	if start.After(from) {
		from = start
	}
	kept := r.at[:min(r.n, len(r.at))]
	count, oldest := 0, now
	for _, t := range kept {
		if !t.Before(from) {
			count++
			if t.Before(oldest) {
				oldest = t
			}
		}
	}
	if count == len(r.at) {
		from = oldest
	}
	span := now.Sub(from).Seconds()
	if span <= 0 {
		return 0
	}
	return float64(count) / span
}

// bucketRate estimates the rate of a token bucket from two runs that each began with the
// bucket full and ended at its first refusal: n1 requests let through in t1 seconds, then n2
// in t2. Each count is the burst plus the rate times the run's length, so the difference
// between the runs is the rate alone. When the runs are too alike to tell (or the difference
// would mean a burst below none), the answer is all of n2 over t2, burst included.
func bucketRate(n1 int, t1 float64, n2 int, t2 float64) float64 {
	all := float64(n2) / t2
	if n2 <= n1 || t2 <= t1 {
		return all
	}
	return min(float64(n2-n1)/(t2-t1), all)
}

// rate is the paced rate in requests per second; 0 while nothing has been learned.
func (a *adaptiveLimit) rate() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.grow(a.now())
	return a.perSecond
}
