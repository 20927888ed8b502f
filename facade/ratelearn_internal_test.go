package facade

import (
	"math"
	"testing"
	"time"
)

// The pace's rise, case by case, to the exact value the learning rule gives (see learner): a
// firm pace holds until its hold ends, then rises by firmRise a second; a rough pace closes
// half the gap to its target a second, and from 99% of the target on rises by roughRise a
// second; no pace rises past maxPerSec or the ceiling; a pace of 1 a second rises like any
// other; under a tenth of a second nothing changes, from a tenth on it rises. Guards grow's
// cases, its bounds (`dt < 0.1`, `l.rate < 0.99*l.target`), and the constants firmRise,
// roughRise and maxPerSec.
func TestThePaceRisesByTheRule(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name                  string
		rate, target, ceiling float64
		firm                  bool
		held                  time.Duration // after t0
		after                 time.Duration
		want                  float64
	}{
		{"firm, held", 10, 0, 0, true, 5 * time.Second, 2 * time.Second, 10},
		{"firm, after the hold", 10, 0, 0, true, 5 * time.Second, 10 * time.Second, 10 * (1 + 0.005*10)},
		{"rough, below its target", 10, 20, 0, false, 0, time.Second, 15},
		{"rough, at its target", 20, 20, 0, false, 0, time.Second, 20 * 1.01},
		{"rough, at 99% of its target", 99, 100, 0, false, 0, time.Second, 99 * 1.01},
		{"rough, no target", 10, 0, 0, false, 0, 2 * time.Second, 10 * 1.02},
		{"a pace of one a second", 1, 0, 0, false, 0, time.Second, 1.01},
		{"not past maxPerSec", 9999, 0, 0, false, 0, 10 * time.Second, 1e4},
		{"not past a ceiling under 1", 0.45, 0, 0.5, false, 0, 30 * time.Second, 0.5},
		{"nothing under a tenth of a second", 10, 0, 0, false, 0, 50 * time.Millisecond, 10},
		{"a tenth of a second exactly", 10, 0, 0, false, 0, 100 * time.Millisecond, 10 * (1 + 0.01*0.1)},
	} {
		l := newLearner(nil)
		l.rate, l.target, l.ceiling, l.firm = tc.rate, tc.target, tc.ceiling, tc.firm
		l.raised, l.held = t0, t0.Add(tc.held)
		l.grow(t0.Add(tc.after))
		if math.Abs(l.rate-tc.want) > 1e-9 {
			t.Errorf("%s: rate %v, want %v", tc.name, l.rate, tc.want)
		}
	}
}

// cap keeps the pace between minPerSec and maxPerSec and under a ceiling, the last firm
// estimate too. Guards cap's clamp, its ceiling check (a ceiling under 1 included) and the
// constants minPerSec and maxPerSec.
func TestThePaceIsKeptInItsBounds(t *testing.T) {
	for _, tc := range []struct {
		rate, best, ceiling float64
		wantRate, wantBest  float64
	}{
		{0.01, 0, 0, 0.1, 0},
		{2e4, 0, 0, 1e4, 0},
		{0.8, 0.9, 0.5, 0.5, 0.5},
		{0.3, 0.4, 0.5, 0.3, 0.4},
	} {
		l := newLearner(nil)
		l.rate, l.best, l.ceiling = tc.rate, tc.best, tc.ceiling
		l.cap()
		if l.rate != tc.wantRate || l.best != tc.wantBest {
			t.Errorf("cap of rate %v, best %v under ceiling %v: %v, %v; want %v, %v", tc.rate, tc.best, tc.ceiling, l.rate, l.best, tc.wantRate, tc.wantBest)
		}
	}
}

// The learner's bookkeeping, step by step: answers other than 429 are counted by sequence
// (answeredAfter counts those after a request), a hinted "retry now" (Retry-After: 0) starts
// no episode, a refusal while the server refuses a share pauses no one else, a refusal starts
// an episode, and a new busy spell starts its run at the next request and forgets the pace
// before its cuts. A refusal's run counts only the answers to requests sent before it, not
// those to requests sent after it that were answered first. Guards answered's ring of latest
// answers, its retry-now and share cases and its episode count, the refusal's count
// (`l.accepted - l.answeredAfter(tk.seq)`), answeredAfter's count, and newSpell's run and
// reset.
func TestTheLearnersBookkeeping(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	l := newLearner(nil)
	var tks []ticket
	for range 5 {
		_, tk := l.reserve(t0, t0)
		tks = append(tks, tk)
	}
	for _, tk := range tks {
		l.answered(tk, t0, false, 0, false)
	}
	if got := l.answeredAfter(tks[1].seq); got != 3 {
		t.Errorf("answers after the second request: %d, want 3", got)
	}

	_, tk := l.reserve(t0, t0)
	if shared, wait := l.answered(tk, t0, true, 0, true); shared || wait != 0 || l.episodes != 0 {
		t.Errorf("a 429 with Retry-After: 0: shared %v, wait %v, episodes %d; want no pause and no episode", shared, wait, l.episodes)
	}
	_, tk = l.reserve(t0, t0)
	if _, wait := l.answered(tk, t0, true, 2*time.Second, true); wait != 2*time.Second || l.episodes != 1 {
		t.Errorf("a 429 with Retry-After: 2: wait %v, episodes %d; want 2s and one episode", wait, l.episodes)
	}

	s := newLearner(nil)
	s.share = true
	_, tk = s.reserve(t0, t0)
	if shared, wait := s.answered(tk, t0, true, 2*time.Second, true); shared || wait != 2*time.Second {
		t.Errorf("a 429 while the server refuses a share: shared %v, wait %v; want its own wait only", shared, wait)
	}

	// Ten sent half a second apart; the fifth (at 2 s) is refused after the others were answered:
	// 4 let through in 2 s before it, so the first pace is half of 2 a second.
	r := newLearner(nil)
	tks = nil
	for i := range 10 {
		at := t0.Add(time.Duration(i) * 500 * time.Millisecond)
		_, tk := r.reserve(at, at)
		tks = append(tks, tk)
	}
	for i, tk := range tks {
		if i != 4 {
			r.answered(tk, t0.Add(5*time.Second), false, 0, false)
		}
	}
	r.answered(tks[4], t0.Add(5*time.Second), true, time.Second, true)
	if r.rate != 1 {
		t.Errorf("4 through in 2 s before the refused request: pace %v, want 1", r.rate)
	}

	n := newLearner(nil)
	n.seq, n.beforeCuts = 7, 5
	n.newSpell(t0)
	if n.run.seq != 8 || n.beforeCuts != -1 {
		t.Errorf("a new spell: run from %d, beforeCuts %v; want 8 and -1", n.run.seq, n.beforeCuts)
	}
}

// A slot is given back only by a caller who gave up before an episode began, however small its
// gap; a request that got no answer is no longer pending; an unpaced learner lets every request
// leave when asked, and the last send time never goes back. Guards release's check (and its
// `gap > 0`), forget's delete, reserve's `rate > 0` and its lastSend update.
func TestSlotsAndSendTimes(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	l := newLearner(nil)
	l.tat, l.episodes = t0, 1
	l.release(ticket{gap: time.Second, episodes: 0})
	if !l.tat.Equal(t0) {
		t.Errorf("a slot from before an episode was given back: tat %v", l.tat)
	}
	l.release(ticket{gap: 1, episodes: 1})
	if want := t0.Add(-1); !l.tat.Equal(want) {
		t.Errorf("a 1ns slot: tat %v, want %v", l.tat, want)
	}

	u := newLearner(nil)
	_, tk := u.reserve(t0, t0.Add(5*time.Second))
	u.forget(tk)
	if len(u.pending) != 0 {
		t.Errorf("%d pending after forget, want 0", len(u.pending))
	}
	for i := range 10 {
		if at, _ := u.reserve(t0, t0.Add(time.Second)); !at.Equal(t0.Add(time.Second)) {
			t.Fatalf("unpaced request %d leaves at %v, want when asked", i, at)
		}
	}
	if !u.lastSend.Equal(t0.Add(5 * time.Second)) {
		t.Errorf("last send %v, want the latest, %v", u.lastSend, t0.Add(5*time.Second))
	}
}

// The first request after a pause of a second, refused, counts as a refusal the pace does not
// explain only when it left alone: requests that leave at one instant reach the server in no
// known order, and the first by number may meet the bucket last. Twice alone, the learner takes
// the server to refuse a share; twice among others, never. Guards answered's firstAfterPause
// (its count of requests at the run's first instant) and reserve's count. Before, an unpaced
// listing with 8 pages in flight took this for a share about once in a hundred runs, stayed
// unpaced, and failed a page after four 429s (TestOneAPIVersionsRefusalsNeverHoldAnother).
func TestOnlyARequestSentAloneAfterAPauseIsRefusedAgainstThePace(t *testing.T) {
	for _, together := range []int{1, 2, 8} {
		t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
		l := newLearner(nil)
		now := t0
		// A run of answers, then a refusal that begins the first episode with a pause of 1 s.
		for range 10 {
			_, tk := l.reserve(now, now)
			l.answered(tk, now, false, 0, false)
			now = now.Add(10 * time.Millisecond)
		}
		_, tk := l.reserve(now, now)
		if shared, wait := l.answered(tk, now, true, time.Second, true); !shared || wait != time.Second {
			t.Fatalf("the first refusal: shared %v, wait %v; want a shared pause of 1s", shared, wait)
		}
		l.rate = 0 // unpaced, as a learner that measured nothing yet: all leave when the pause ends
		for episode := range 2 {
			resume := l.pauseEnd
			var tks []ticket
			for range together {
				at, tk := l.reserve(now, resume)
				if !at.Equal(resume) {
					t.Fatalf("%d together: a request leaves at %v, want the end of the pause %v", together, at, resume)
				}
				tks = append(tks, tk)
			}
			now = resume.Add(50 * time.Millisecond)
			l.answered(tks[0], now, true, time.Second, true)
			for _, tk := range tks[1:] {
				l.answered(tk, now, false, 0, false)
			}
			if want := together == 1 && episode == 1; l.share != want {
				t.Errorf("%d sent together, episode %d: share %v, want %v", together, episode+2, l.share, want)
			}
		}
	}
}

// The learning rule's spans and counts at their edges: a second without a request in flight
// begins a new busy spell (999 ms does not); a share refused whatever the pace is forgotten
// after 30 s without a 429 (29 s is not enough); two refusals against the pace a minute apart
// make a share, 61 s apart they do not; a run that let four requests through measures the
// client's speed (three measure nothing, and four that took no time measure no speed), and so
// does a window of four between two refusals; a firm estimate holds for 30 s. A request sent
// unpaced is not refused against the pace, even with a firm estimate kept (a share that
// restored an unpaced client leaves one). Guards the constants idleGap, shareQuiet,
// shareMemory, minAnswers and firmHold, estimate's `t > 0` and answered's `tk.rate > 0`.
func TestTheLearningRulesSpansAtTheirEdges(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)

	l := newLearner(nil)
	at := t0
	for _, tc := range []struct {
		idle    time.Duration
		newSpan bool
	}{{0, true}, {999 * time.Millisecond, false}, {time.Second, true}} {
		at = at.Add(tc.idle)
		before := l.run
		_, tk := l.reserve(at, at)
		l.answered(tk, at, false, 0, false)
		if began := l.run != before && l.run.at.Equal(at); began != tc.newSpan {
			t.Errorf("after %v without a request in flight: a new busy spell %v, want %v", tc.idle, began, tc.newSpan)
		}
	}

	for _, tc := range []struct {
		quiet time.Duration
		share bool
	}{{29 * time.Second, true}, {30 * time.Second, false}} {
		s := newLearner(nil)
		s.share, s.contra, s.lastRefuse = true, 2, t0
		s.reserve(t0.Add(tc.quiet), t0.Add(tc.quiet))
		if s.share != tc.share {
			t.Errorf("%v without a 429: share %v, want %v", tc.quiet, s.share, tc.share)
		}
	}

	for _, tc := range []struct {
		apart time.Duration
		rate  float64 // the pace the second refused request was sent at; 0: unpaced
		share bool
	}{{time.Minute, 5, true}, {61 * time.Second, 5, false}, {time.Minute, 0, false}} {
		s := newLearner(nil)
		s.rate, s.burst, s.firm, s.best = tc.rate, 1, true, 5
		s.contra, s.lastContra = 1, t0
		now := t0.Add(tc.apart)
		_, tk := s.reserve(now, now)
		s.answered(tk, now, true, 2*time.Second, true)
		if s.share != tc.share {
			t.Errorf("two refusals %v apart, the second sent at a pace of %v: share %v, want %v", tc.apart, tc.rate, s.share, tc.share)
		}
	}

	for _, tc := range []struct {
		answers  int
		took     time.Duration
		wantRate float64 // half the client's speed, or unpaced when nothing was measured
	}{{3, 2 * time.Second, 0}, {4, 2 * time.Second, 1}, {4, 0, 0}} {
		s := newLearner(nil)
		s.run = &mark{seq: 1, at: t0}
		s.estimate(&mark{seq: 10, at: t0.Add(tc.took), acc: tc.answers}, t0.Add(3*time.Second), 0)
		if s.rate != tc.wantRate {
			t.Errorf("a first run that let %d through in %v: pace %v, want %v", tc.answers, tc.took, s.rate, tc.wantRate)
		}
	}

	for _, tc := range []struct {
		answers int
		firm    bool
	}{{3, false}, {4, true}} {
		s := newLearner(nil)
		s.rate, s.burst = 1, 1
		s.empty = &mark{seq: 1, at: t0}
		s.run = &mark{seq: 2, at: t0.Add(time.Second)}
		resume := t0.Add(5 * time.Second)
		s.estimate(&mark{seq: 20, at: t0.Add(3 * time.Second), acc: tc.answers}, resume, 0)
		if s.firm != tc.firm {
			t.Errorf("%d let through between two refusals: firm %v, want %v", tc.answers, s.firm, tc.firm)
		}
		if tc.firm && !s.held.Equal(resume.Add(30*time.Second)) {
			t.Errorf("a firm estimate holds until %v, want 30 s after the pause, %v", s.held, resume.Add(30*time.Second))
		}
	}
}

// solve, hypothesis by hypothesis, to the values the rule gives: with nothing known the lower
// bound (N/T, a burst of 1); a burst known from the last estimate (1.5 of it counts as 1 in the
// span), or from an earlier full run when the two runs differ enough (bucketRate), for a bucket
// that had time to fill; a spread of 2 over a span of at most one; and a burst read from an
// earlier run only when that run began full. At the edges: a known burst of exactly one token
// counts; two full runs exactly 20% apart are told apart; a rate from the burst equal to N/T is
// kept with its own spread; a pause that refills exactly 90% of the burst counts as filled, and
// a shorter one does not. Guards solve's branches, bounds and span, its `>= 0.2*max(...)`,
// `l.bucket >= 1`, and each term of `filled >= notFilled && bFilled >= 1 && filled*refill >=
// 0.9*bFilled`.
func TestSolveKeepsTheHypothesisItsBurstAgreesWith(t *testing.T) {
	for _, tc := range []struct {
		name                string
		prev                runStat
		bucket              float64
		run                 runStat
		N                   int
		T, refill           float64
		rate, burst, spread float64
	}{
		{"nothing known: the lower bound", runStat{}, 0, runStat{n: 10, t: 2}, 10, 3, 1, 10.0 / 3, 1, 0.15},
		{"a burst known, and time to fill", runStat{}, 5, runStat{n: 15, t: 2}, 12, 4, 3, 5, 5, 0.2},
		{"a burst of 1.5 known", runStat{}, 1.5, runStat{n: 15, t: 2}, 12, 4, 3, 6.75, 1.5, 2.0 / 14},
		{"a span of one", runStat{}, 5, runStat{n: 6, t: 0.2}, 12, 4, 1, 5, 5, 2},
		{"an earlier run that did not begin full", runStat{n: 20, t: 1, ok: true}, 2, runStat{n: 10, t: 2}, 10, 3, 0.1, 10.0 / 3, 2, 0.15},
		{"two full runs too alike to tell", runStat{n: 12, t: 2, ok: true, full: true}, 4, runStat{n: 13, t: 2.1}, 10, 4, 1, 9 / 2.1, 4, 2.0 / 9},
		{"two full runs apart", runStat{n: 15, t: 0.1, ok: true, full: true}, 0, runStat{n: 160, t: 3}, 200, 5, 1, 50, 10, 2.0 / 145},
		{"two full runs exactly 20% apart", runStat{n: 60, t: 4, ok: true, full: true}, 0, runStat{n: 70, t: 5}, 60, 7, 2, 10, 20, 0.2},
		{"a burst of exactly 1 known", runStat{}, 1, runStat{n: 11, t: 2}, 12, 4, 1, 5, 1, 0.2},
		{"the burst's rate equal to N/T", runStat{}, 5, runStat{n: 105, t: 20}, 120, 24, 3, 5, 5, 0.02},
		{"exactly 90% of the burst refilled", runStat{}, 10, runStat{n: 28, t: 2}, 32, 4, 1, 9, 10, 2.0 / 18},
		{"a burst known, no time to fill", runStat{}, 5, runStat{n: 15, t: 2}, 12, 4, 0.5, 3, 5, 0.125},
	} {
		l := newLearner(nil)
		l.prev, l.bucket = tc.prev, tc.bucket
		rate, burst, spread := l.solve(tc.run, tc.N, tc.T, tc.refill)
		if math.Abs(rate-tc.rate) > 1e-9 || math.Abs(burst-tc.burst) > 1e-9 || math.Abs(spread-tc.spread) > 1e-9 {
			t.Errorf("%s: rate %v, burst %v, spread %v; want %v, %v, %v", tc.name, rate, burst, spread, tc.rate, tc.burst, tc.spread)
		}
	}
}

// estimate after a refusal, to every value it sets: the pace below the estimate by its
// spread, the burst, the hold, the run kept for the next estimate (full or not), whether the
// next run begins full, the pace's bucket (tat) as the refusal leaves it, and the pace before
// the cuts kept from the first of them. A firm pace refused at a rate of 1 a second is held to
// it (never more than halved). The first episode of a spell closes the gap to the last firm
// estimate, and an unpaced client's first pace is no faster than maxPerSec; a run that
// measured nothing leaves an unpaced client unpaced, its clock untouched. A pause exactly as
// long as the estimated burst takes to refill at the estimated rate counts as filling it, the
// one before the run and the one after the refusal alike; a client unpaced before its cuts
// keeps that as the pace before them; a long window's small spread cuts the pace by twice it
// (3%), and never by less than 2%. Guards estimate's deferred bookkeeping (both
// `>= l.bucket`), its beforeCuts (`l.beforeCuts < 0`), target, cap and refusedAt cases, its
// `2*spread`, and answered's passing of the refused request's pace.
func TestAnEstimateSetsWhatTheRuleSays(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

	// Second episode, nothing known before: N/T = 10/3 a second, spread 1.5/10.
	l := newLearner(nil)
	l.rate, l.burst, l.beforeCuts, l.seq = 5, 1, 0.5, 22
	l.empty = &mark{seq: 1, at: t0}
	l.run = &mark{seq: 2, at: t0.Add(time.Second)}
	resume := t0.Add(4 * time.Second)
	l.estimate(&mark{seq: 20, at: t0.Add(3 * time.Second), acc: 10}, resume, 0)
	best := 10.0 / 3
	if math.Abs(l.best-best) > 1e-9 || math.Abs(l.rate-0.9*best) > 1e-9 || l.burst != 1 || l.bucket != 1 || !l.firm {
		t.Errorf("pace %v, best %v, burst %v, bucket %v, firm %v; want %v, %v, 1, 1, firm", l.rate, l.best, l.burst, l.bucket, l.firm, 0.9*best, best)
	}
	if !l.held.Equal(resume.Add(firmHold)) || !l.raised.Equal(resume) {
		t.Errorf("held until %v, raised %v; want %v and %v", l.held, l.raised, resume.Add(firmHold), resume)
	}
	if want := (runStat{n: 10, t: 2, full: true, ok: true}); l.prev != want || !l.runFull {
		t.Errorf("run kept %+v, next run full %v; want %+v (a second's pause filled the bucket of 1) and full", l.prev, l.runFull, want)
	}
	gap := time.Duration(float64(time.Second) / l.rate)
	if want := t0.Add(3*time.Second + 3*gap); !l.tat.Equal(want) {
		t.Errorf("tat %v, want %v: the refusal's time and a gap for it and each of the two sent since", l.tat, want)
	}
	if l.beforeCuts != 0.5 {
		t.Errorf("the pace before the cuts became %v; it was set before (0.5)", l.beforeCuts)
	}

	// A firm pace of 1.6 refused at 1 a second, through answered; a pause of half a second
	// does not fill a bucket of 1 at that rate.
	l = newLearner(nil)
	l.rate, l.burst, l.firm, l.best, l.seq, l.accepted = 1.6, 1, true, 4, 22, 10
	l.empty = &mark{seq: 1, at: t0}
	l.run = &mark{seq: 2, at: t0.Add(500 * time.Millisecond)}
	now := t0.Add(3 * time.Second)
	l.answered(ticket{seq: 20, sent: now, rate: 1}, now, true, time.Second, true)
	if l.best != 1 || math.Abs(l.rate-0.9) > 1e-9 || l.contra != 1 || l.share {
		t.Errorf("refused at 1/s: best %v, pace %v, contra %d, share %v; want 1, 0.9, one refusal against the pace, no share", l.best, l.rate, l.contra, l.share)
	}
	if want := (runStat{n: 10, t: 2.5, ok: true}); l.prev != want {
		t.Errorf("run kept %+v, want %+v", l.prev, want)
	}
	if want := now.Add(3 * time.Duration(float64(time.Second)/l.rate)); !l.tat.Equal(want) || !l.raised.Equal(now.Add(time.Second)) {
		t.Errorf("a pace under 1 a second: tat %v, raised %v; want %v and the pause's end", l.tat, l.raised, want)
	}

	// At the vendor's host the estimate is held to its documented limit, 10 a second.
	l = newLearner(&prior{rate: 10, burst: 10})
	l.empty = &mark{seq: 1, at: t0}
	l.run = &mark{seq: 2, at: t0.Add(time.Second)}
	l.estimate(&mark{seq: 200, at: t0.Add(3 * time.Second), acc: 150}, t0.Add(4*time.Second), 0)
	if l.rate != 10 || l.best != 10 {
		t.Errorf("an estimate of 50 a second under a ceiling of 10: pace %v, best %v; want 10 and 10", l.rate, l.best)
	}

	// The first episode of a spell: the pace cut to 70%, closing the gap to the last estimate.
	l = newLearner(nil)
	l.rate, l.best = 5, 4
	l.run = &mark{seq: 1, at: t0}
	l.estimate(&mark{seq: 11, at: t0.Add(2 * time.Second), acc: 10}, t0.Add(3*time.Second), 0)
	if math.Abs(l.rate-3.5) > 1e-9 || l.target != 4 || l.firm || l.beforeCuts != 5 {
		t.Errorf("first episode: pace %v, target %v, firm %v, before the cuts %v; want 3.5, 4, rough, 5", l.rate, l.target, l.firm, l.beforeCuts)
	}

	// An unpaced client that sent 100 in a millisecond starts at maxPerSec, not 50,000.
	l = newLearner(nil)
	l.run = &mark{seq: 1, at: t0}
	l.estimate(&mark{seq: 101, at: t0.Add(time.Millisecond), acc: 100}, t0.Add(time.Second), 0)
	if l.rate != maxPerSec || l.target != 1e5 {
		t.Errorf("100 in 1 ms: pace %v, target %v; want %v and 1e5", l.rate, l.target, float64(maxPerSec))
	}

	// Two through only: nothing measured, nothing set.
	l = newLearner(nil)
	l.run = &mark{seq: 1, at: t0}
	l.estimate(&mark{seq: 3, at: t0.Add(sec(0.5)), acc: 2}, t0.Add(time.Second), 0)
	if l.rate != 0 || !l.tat.IsZero() || !l.raised.IsZero() || l.beforeCuts != 0 {
		t.Errorf("nothing measured: pace %v, tat %v, raised %v, before the cuts %v; want unpaced and untouched", l.rate, l.tat, l.raised, l.beforeCuts)
	}

	// An unpaced client (before the cuts: 0) cut once already: a later cut keeps the 0.
	l = newLearner(nil)
	l.rate, l.burst, l.beforeCuts = 5, 1, 0
	l.run = &mark{seq: 1, at: t0}
	l.estimate(&mark{seq: 11, at: t0.Add(2 * time.Second), acc: 10}, t0.Add(3*time.Second), 0)
	if l.beforeCuts != 0 {
		t.Errorf("the pace before the cuts was none (0), and became %v", l.beforeCuts)
	}

	// 4 in 2 s between the refusals: 2 a second, a burst of 1, which takes half a second to
	// fill. The run began half a second after the last refusal, and the pause is half a second.
	l = newLearner(nil)
	l.rate, l.burst = 5, 1
	l.empty = &mark{seq: 1, at: t0}
	l.run = &mark{seq: 2, at: t0.Add(sec(0.5))}
	l.estimate(&mark{seq: 10, at: t0.Add(2 * time.Second), acc: 4}, t0.Add(sec(2.5)), 0)
	if l.best != 2 || l.bucket != 1 || !l.prev.full || !l.runFull {
		t.Errorf("half a second to fill a burst of 1 at 2/s: best %v, bucket %v, run kept full %v, next run full %v; want 2, 1, full, full", l.best, l.bucket, l.prev.full, l.runFull)
	}

	// A long window between the refusals: the spread is 1.5/N, the cut twice that, at least 2%.
	for _, tc := range []struct {
		N   int
		cut float64
	}{{100, 0.03}, {400, 0.02}} {
		l = newLearner(nil)
		l.rate, l.burst = 5, 1
		l.empty = &mark{seq: 1, at: t0}
		l.run = &mark{seq: 2, at: t0.Add(time.Second)}
		l.estimate(&mark{seq: 500, at: t0.Add(11 * time.Second), acc: tc.N}, t0.Add(12*time.Second), 0)
		if want := float64(tc.N) / 11 * (1 - tc.cut); math.Abs(l.rate-want) > 1e-9 {
			t.Errorf("%d in 11 s: pace %v, want %v (%v below the estimate)", tc.N, l.rate, want, tc.cut)
		}
	}
}

// When two refusals against the pace make a share, the pace goes back to what it was before
// the cuts of the spell, if there were cuts (half a request a second included, and no pace at
// all: an unpaced client is unpaced again), and stays otherwise. Guards answered's check of
// beforeCuts (`l.beforeCuts >= 0`).
func TestAShareRestoresThePaceBeforeTheCuts(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		beforeCuts, want float64
	}{{-1, 5}, {0.5, 0.5}, {8, 8}, {0, 0}} {
		l := newLearner(nil)
		l.rate, l.burst, l.firm, l.best = 5, 1, true, 5
		l.contra, l.lastContra = 1, t0
		now := t0.Add(time.Second)
		_, tk := l.reserve(now, now) // begins the spell
		l.beforeCuts = tc.beforeCuts
		l.answered(tk, now, true, 2*time.Second, true)
		if !l.share || l.rate != tc.want {
			t.Errorf("before the cuts %v: share %v, pace %v; want a share at %v", tc.beforeCuts, l.share, l.rate, tc.want)
		}
	}
}

// An unpaced learner reserves nothing: no slot, no gap to give back. A run's first instant
// counts the requests that leave at it, and only those. Guards reserve's `rate > 0` and its
// count of the run's first instant.
func TestAnUnpacedReservationHoldsNoSlot(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	l := newLearner(nil)
	_, tk := l.reserve(t0, t0)
	if tk.gap != 0 || !l.tat.IsZero() {
		t.Errorf("unpaced: gap %v, tat %v; want none", tk.gap, l.tat)
	}
	l.reserve(t0.Add(time.Millisecond), t0.Add(time.Millisecond))
	l.reserve(t0, t0)
	if l.runFirst != 2 {
		t.Errorf("%d counted at the run's first instant, want the 2 that left at it", l.runFirst)
	}
}
