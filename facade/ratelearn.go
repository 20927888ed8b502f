package facade

import (
	"math"
	"time"
)

// learner learns one API version's rate limit from the server's 429s, taking the server to be a
// token bucket: R requests a second, and a burst of B requests after a rest. Until its first 429
// a client without a prior lets everything through. A 429 begins an episode: the API version's
// requests pause for its Retry-After (apiLimit), and from the answers the limit is estimated:
//
//   - A server's bucket is empty when it refuses a request, so between two refusals that begin
//     episodes it let through exactly R times the time between them, unless it filled up in
//     between (a pause longer than B/R): then the run since the pause and an earlier run that also
//     began with a full bucket differ by R times the difference of their lengths (bucketRate).
//     The estimate is taken from whichever of the two fits the burst it implies; the pace is set
//     below it by twice its spread (2% to 10%), and the client's own bucket holds 0.8 of the
//     estimated burst, so that after a pause the tokens the server saved are used, not lost.
//   - The first episode of a busy spell measures only the client's own speed (until its first
//     refusal a server lets through all it gets): the pace starts at half of it (or at 70% of the
//     pace it had, at least), and closes half the gap every second to the last firm estimate, or
//     with none to that speed, so that a second refusal, from a run at another speed, gives the
//     firm estimate.
//   - An estimate is never taken from a window without answers: a run that let fewer than
//     minAnswers through measures nothing (a 429 after an idle spell, or before anything got
//     through, only pauses). An idle spell begins a new busy spell; it does not lower the pace.
//   - A 429 that the pace does not explain (the first request after a pause of a second or more,
//     sent alone, refused; or one paced at or below a firm estimate), twice within shareMemory,
//     means the server refuses a share of requests whatever the pace: the pace goes back to what
//     it was before the cuts, and short Retry-Afters no longer pause the other requests, until
//     shareQuiet passes without a 429. (Another client using the same client id and emptying
//     the bucket reads the same way: the pace then stays, and each refused request waits its
//     own Retry-After.)
//
// A firm pace holds for firmHold, then rises by firmRise a second, to find a limit that was
// raised (only while requests are sent: an idle spell raises nothing); a pace cut roughly (the
// first episode of a busy spell) closes half the gap to the last firm estimate every second, so
// after an idle spell it is back to what was measured within seconds. The vendor's documented limit, when it is the prior, is also the ceiling: at the vendor's host
// the pace never goes above it (a refusal there can cost a back-off of minutes).
type learner struct {
	rate, burst float64   // the pace: a bucket of burst tokens, rate a second; rate 0: unpaced
	bucket      float64   // the server's burst as last estimated; 0: unknown
	tat         time.Time // the bucket as GCRA keeps it: the theoretical time of the next request
	ceiling     float64   // never paced above this; 0: no ceiling
	firm        bool      // the pace comes from a firm estimate (or the prior)
	best        float64   // the last firm estimate: where a rough cut returns to
	target      float64   // after a rough cut: the rate the pace closes the gap to
	raised      time.Time // when the pace was last raised or set
	held        time.Time // a firm pace holds until then before it rises

	seq      uint64               // requests let through so far
	pending  map[uint64]time.Time // sent and not yet answered
	accepted int                  // answers other than 429, all told
	latest   [64]uint64           // the seq of the latest answers other than 429
	nLatest  int
	lastSend time.Time
	episodes int // episodes so far; a caller who gives up gives its slot back only if none began since

	run        *mark // where the current run began: the start of the busy spell, or the end of a pause
	runFull    bool  // the run began with the server's bucket taken to be full
	runFirst   int   // requests that left at the first instant of a run that began at a pause's end
	prev       runStat
	empty      *mark         // the refusal that began the last episode of this busy spell
	episodeSeq uint64        // requests up to this one were sent before the last episode began: part of it
	pauseEnd   time.Time     // when the last episode's pause ends
	pauseLen   time.Duration // and how long it was

	contra     int       // 429s the pace does not explain, within shareMemory of each other
	lastContra time.Time // when the last one came
	share      bool      // the server refuses a share of requests whatever the pace
	lastRefuse time.Time
	beforeCuts float64 // the pace before the cuts of this busy spell (-1: none yet)
}

// mark is a point in the stream of requests: the request numbered seq, sent at at, and how many
// requests sent before it (seq below it) were let through; acc grows as their answers come.
type mark struct {
	seq uint64
	at  time.Time
	acc int
}

// runStat is a run that ended in a refusal: n requests let through in t seconds.
type runStat struct {
	n    int
	t    float64
	full bool
	ok   bool
}

// ticket is a request let through: its number, when it left, and what it reserved of the pace.
type ticket struct {
	seq      uint64
	sent     time.Time
	gap      time.Duration
	rate     float64
	episodes int
}

// Constants of the learning rule; see learner.
const (
	minAnswers  = 4                // a run with fewer answers let through measures nothing
	firmHold    = 30 * time.Second // a firm pace holds this long before it rises
	firmRise    = 0.005
	roughRise   = 0.01
	minPerSec   = 0.1 // never slower than one request every 10 s
	maxPerSec   = 1e4 // above this, pacing is not worth doing
	idleGap     = time.Second
	noHintPause = 100 * time.Millisecond // the pause after a 429 without Retry-After
	shareMemory = time.Minute
	shareQuiet  = 30 * time.Second
)

// prior is where the learning starts: a pace already known (the vendor's documented limit),
// which is also its ceiling.
type prior struct {
	rate, burst float64
}

func newLearner(p *prior) *learner {
	l := &learner{pending: map[uint64]time.Time{}, beforeCuts: -1}
	if p != nil {
		l.rate, l.burst, l.ceiling, l.firm, l.best = p.rate, p.burst, p.rate, true, p.rate
	}
	return l
}

// reserve lets a request leave no earlier than notBefore (now, or the end of a pause), at the
// pace, and returns when it leaves.
func (l *learner) reserve(now, notBefore time.Time) (time.Time, ticket) {
	at := notBefore
	if last := later(l.lastSend, l.pauseEnd); len(l.pending) == 0 && !last.IsZero() && at.Sub(last) >= idleGap {
		l.newSpell(at)
	}
	if l.run == nil {
		l.newSpell(at)
	}
	if l.share && !l.lastRefuse.IsZero() && now.Sub(l.lastRefuse) >= shareQuiet {
		l.share, l.contra = false, 0
	}
	var gap time.Duration
	if l.rate > 0 {
		l.grow(at)
		gap = time.Duration(float64(time.Second) / l.rate)
		tau := time.Duration((l.burst - 1) * float64(time.Second) / l.rate)
		if allow := l.tat.Add(-tau); allow.After(at) {
			at = allow
		}
		if l.tat.After(at) {
			l.tat = l.tat.Add(gap)
		} else {
			l.tat = at.Add(gap)
		}
	}
	if at.Equal(l.run.at) {
		l.runFirst++
	}
	l.seq++
	l.pending[l.seq] = at
	if at.After(l.lastSend) {
		l.lastSend = at
	}
	return at, ticket{seq: l.seq, sent: at, gap: gap, rate: l.rate, episodes: l.episodes}
}

// newSpell begins a busy spell at at: the server's bucket has had time to fill, and the last
// episode's refusal is too old to measure from.
func (l *learner) newSpell(at time.Time) {
	l.raised = at // the pace rises while requests are sent, not while none are
	l.run = &mark{seq: l.seq + 1, at: at, acc: l.accepted}
	l.runFull, l.empty, l.prev = true, nil, runStat{}
	l.beforeCuts = -1
}

// release gives back the slot of a request whose caller gave up before it left, so that those
// who left do not hold back those still there; after an episode began since, nothing is given
// back (the pause and the new pace stand).
func (l *learner) release(tk ticket) {
	delete(l.pending, tk.seq)
	if tk.gap > 0 && tk.episodes == l.episodes {
		l.tat = l.tat.Add(-tk.gap)
	}
}

// forget drops a request that got no answer.
func (l *learner) forget(tk ticket) { delete(l.pending, tk.seq) }

// grow raises the pace for the time since it was last raised (see learner).
func (l *learner) grow(now time.Time) {
	dt := now.Sub(l.raised).Seconds()
	if l.rate == 0 || dt < 0.1 {
		return
	}
	l.raised = now
	switch {
	case l.firm && now.Before(l.held):
	case l.firm:
		l.rate *= 1 + firmRise*dt
	case l.rate < 0.99*l.target:
		l.rate = l.target - (l.target-l.rate)*math.Pow(0.5, dt)
	default:
		l.rate *= 1 + roughRise*dt
	}
	l.rate = min(l.rate, maxPerSec)
	if l.ceiling > 0 {
		l.rate = min(l.rate, l.ceiling)
	}
}

// answered learns from the answer to a request: a 429 (with the server's Retry-After when
// hinted) or anything else. For a 429 it reports whether every request of the API version is
// to pause, and for how long.
func (l *learner) answered(tk ticket, now time.Time, refused bool, retryAfter time.Duration, hinted bool) (shared bool, wait time.Duration) {
	delete(l.pending, tk.seq)
	if !refused {
		l.accepted++
		l.latest[l.nLatest%len(l.latest)] = tk.seq
		l.nLatest++
		for _, m := range [...]*mark{l.run, l.empty} {
			if m != nil && tk.seq < m.seq {
				m.acc++
			}
		}
		return false, 0
	}
	if hinted && retryAfter == 0 {
		return false, 0 // "retry now": the server is not asking anyone to slow down
	}
	wait = retryAfter
	if !hinted {
		wait = noHintPause
	}
	l.lastRefuse = now
	if tk.seq <= l.episodeSeq {
		return !l.share, wait // sent before this episode began: part of it
	}
	l.episodes++
	l.episodeSeq = l.seq
	if l.share {
		return false, wait
	}
	// Requests that leave at one instant reach the server in no known order: the first of them
	// by number may come last, and meet an empty bucket.
	firstAfterPause := tk.seq == l.run.seq && l.runFirst == 1 && !l.pauseEnd.IsZero() && l.run.at.Equal(l.pauseEnd) && l.pauseLen >= time.Second
	if firstAfterPause || (l.firm && tk.rate > 0 && tk.rate <= l.best) {
		// The first request after a pause of a second or more, alone (a bucket refilling at two
		// a second or more had a token for it), or one paced at or below a firm estimate, and
		// refused all the same.
		if now.Sub(l.lastContra) > shareMemory {
			l.contra = 0
		}
		l.contra++
		l.lastContra = now
		if l.contra >= 2 {
			l.share = true
			if l.beforeCuts >= 0 {
				l.rate = l.beforeCuts
			}
			return false, wait
		}
	}
	resume := now.Add(wait)
	e := &mark{seq: tk.seq, at: tk.sent, acc: l.accepted - l.answeredAfter(tk.seq)}
	refusedAt := 0.0
	if tk.rate > 0 {
		refusedAt = tk.rate
	}
	l.estimate(e, resume, refusedAt)
	l.empty = e
	l.run, l.runFirst = &mark{seq: l.seq + 1, at: resume, acc: l.accepted}, 0
	l.pauseEnd, l.pauseLen = resume, wait
	return true, wait
}

// answeredAfter counts the latest answers other than 429 to requests sent after seq.
func (l *learner) answeredAfter(seq uint64) int {
	n := 0
	for _, s := range l.latest[:min(l.nLatest, len(l.latest))] {
		if s > seq {
			n++
		}
	}
	return n
}

// estimate sets the pace for after the pause that the refusal e began, which ends at resume.
// The run that e ended let n requests through in t seconds since it began (the start of the
// busy spell, or the end of the last pause).
func (l *learner) estimate(e *mark, resume time.Time, refusedAt float64) {
	n := e.acc - l.run.acc
	t := e.at.Sub(l.run.at).Seconds()
	run := runStat{n: n, t: t, full: l.runFull, ok: n >= minAnswers && t > 0}
	refill := 0.0
	if l.empty != nil {
		refill = l.run.at.Sub(l.empty.at).Seconds()
	}
	defer func() {
		if l.firm && l.empty != nil && refill*l.best >= l.bucket {
			run.full = true // the bucket as now estimated had time to fill before the run
		}
		l.prev = run
		// The next run begins full when the pause is long enough for the estimated bucket to fill.
		l.runFull = l.firm && resume.Sub(e.at).Seconds()*l.best >= l.bucket
		if l.rate > 0 {
			// The server's bucket is empty at the refusal, and refills over the pause, less
			// what the requests sent since took: so is the bucket of the pace.
			gap := time.Duration(float64(time.Second) / l.rate)
			l.tat = e.at.Add(time.Duration((l.burst-1)*float64(time.Second)/l.rate) + gap*time.Duration(1+l.seq-e.seq))
			l.raised = resume
		}
	}()
	if l.beforeCuts < 0 {
		l.beforeCuts = l.rate
	}
	if l.empty == nil {
		// The first episode of the busy spell: only the client's own speed was measured.
		if !run.ok {
			return // nothing measured: the pause alone
		}
		own := float64(n) / t
		if l.rate == 0 {
			l.rate, l.burst = max(own/2, minPerSec), 1
		} else {
			l.rate = min(l.rate, max(0.7*l.rate, own/2))
		}
		// The pace closes the gap to what was measured firmly before (an idle spell is no reason
		// to forget it), or, with nothing measured yet, to the client's own speed.
		l.firm, l.target = false, l.best
		if l.target == 0 {
			l.target = own
		}
		l.cap()
		return
	}
	// Between the last refusal and this one the server's bucket went from empty to empty: it let
	// through R times the time between them, less what it could not hold once full.
	N := e.acc - l.empty.acc
	T := e.at.Sub(l.empty.at).Seconds()
	if N < minAnswers || T <= 0 || !run.ok {
		return // nothing measured: the pause alone
	}
	est, bucket, spread := l.solve(run, N, T, refill)
	if refusedAt > 0 && l.firm {
		// A firm pace was refused: the server's rate is below it; but one episode never more
		// than halves it.
		est = max(min(est, refusedAt), l.rate/2)
	}
	l.best, l.bucket = max(est, minPerSec), bucket
	// Below the estimate by twice its spread (at least 2%, at most 10%): a pace above the
	// server's rate costs a pause; one below it, only that much of the rate.
	l.rate = l.best * (1 - min(0.1, max(0.02, 2*spread)))
	l.burst, l.firm, l.held = max(1, math.Floor(bucket*0.8)), true, resume.Add(firmHold)
	l.cap()
}

// solve estimates the server's rate and burst from the run that just ended (n in t seconds,
// after a pause of refill seconds since the last refusal) and the N requests let through in
// the T seconds between the two refusals. Either the bucket never filled during the pause, and
// N = R·T; or it did, and the run let through the burst and R·t: the burst is known from an
// earlier run that began full too (their difference is R times the difference of their
// lengths, bucketRate), or from the last estimate. The hypothesis kept is one whose burst
// agrees with it (filled or not within refill seconds).
//
// spread is the estimate's relative uncertainty: a count may be off by one or two answers (a
// request in flight at a refusal may land on either side of it).
func (l *learner) solve(run runStat, N int, T, refill float64) (rate, bucket, spread float64) {
	notFilled := float64(N) / T
	bNot := l.bucket
	if l.prev.ok && l.prev.full {
		bNot = float64(l.prev.n) - notFilled*l.prev.t
	}
	filled, bFilled, span := 0.0, 0.0, 0
	if l.prev.ok && l.prev.full && math.Abs(run.t-l.prev.t) >= 0.2*max(run.t, l.prev.t) {
		filled = bucketRate(l.prev.n, l.prev.t, run.n, run.t)
		bFilled = float64(run.n) - filled*run.t
		span = run.n - l.prev.n
	} else if l.bucket >= 1 {
		filled, bFilled = (float64(run.n)-l.bucket)/run.t, l.bucket
		span = run.n - int(l.bucket)
	}
	if filled >= notFilled && bFilled >= 1 && filled*refill >= 0.9*bFilled {
		return filled, bFilled, 2 / max(math.Abs(float64(span)), 1)
	}
	// The bucket did not fill, or the runs are too short to tell: the safe side, a lower bound.
	return notFilled, max(bNot, 1), 1.5 / float64(N)
}

// cap keeps the pace within its bounds.
func (l *learner) cap() {
	l.rate = min(max(l.rate, minPerSec), maxPerSec)
	if l.ceiling > 0 {
		l.rate, l.best = min(l.rate, l.ceiling), min(l.best, l.ceiling)
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// bucketRate estimates the rate of a token bucket from two runs that each began with the
// bucket full and ended at its first refusal: n1 requests let through in t1 seconds, then n2
// in t2. Each count is the burst plus the rate times the run's length, so the difference
// between the runs is the rate alone, whichever run was longer; it is never above either run's
// own average. When the runs are too alike to tell (or the difference would mean a negative
// rate), the answer is all of n2 over t2, burst included.
func bucketRate(n1 int, t1 float64, n2 int, t2 float64) float64 {
	all := float64(n2) / t2
	if n2 == n1 || t2 == t1 || (n2 > n1) != (t2 > t1) {
		return all
	}
	return min(float64(n2-n1)/(t2-t1), all, float64(n1)/t1)
}
