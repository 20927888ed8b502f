package facade

import (
	"math"
	"testing"
	"time"
)

// The pace's rise, case by case, to the exact value the learning rule gives (see learner): a
// firm pace holds until its hold ends, then rises by firmRise a second; a rough pace closes
// half the gap to its target a second, and past the target rises by roughRise a second; no
// pace rises past maxPerSec or the ceiling; a pace of 1 a second rises like any other; under a
// tenth of a second nothing changes. Guards grow's cases, its bounds, and the constants
// firmRise, roughRise and maxPerSec.
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
		{"rough, no target", 10, 0, 0, false, 0, 2 * time.Second, 10 * 1.02},
		{"a pace of one a second", 1, 0, 0, false, 0, time.Second, 1.01},
		{"not past maxPerSec", 9999, 0, 0, false, 0, 10 * time.Second, 1e4},
		{"not past a ceiling under 1", 0.45, 0, 0.5, false, 0, 30 * time.Second, 0.5},
		{"nothing under a tenth of a second", 10, 0, 0, false, 0, 50 * time.Millisecond, 10},
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
// before its cuts. Guards answered's ring of latest answers, its retry-now and share cases and
// its episode count, answeredAfter's count, and newSpell's run and reset.
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
// client's speed (three measure nothing), and so does a window of four between two refusals;
// a firm estimate holds for 30 s. Guards the constants idleGap, shareQuiet, shareMemory,
// minAnswers and firmHold.
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
		share bool
	}{{time.Minute, true}, {61 * time.Second, false}} {
		s := newLearner(nil)
		s.rate, s.burst, s.firm, s.best = 5, 1, true, 5
		s.contra, s.lastContra = 1, t0
		now := t0.Add(tc.apart)
		_, tk := s.reserve(now, now)
		s.answered(tk, now, true, 2*time.Second, true)
		if s.share != tc.share {
			t.Errorf("two refusals against the pace %v apart: share %v, want %v", tc.apart, s.share, tc.share)
		}
	}

	for _, tc := range []struct {
		answers  int
		wantRate float64 // half the client's speed, or unpaced when nothing was measured
	}{{3, 0}, {4, 1}} {
		s := newLearner(nil)
		s.run = &mark{seq: 1, at: t0}
		s.estimate(&mark{seq: 10, at: t0.Add(2 * time.Second), acc: tc.answers}, t0.Add(3*time.Second), 0)
		if s.rate != tc.wantRate {
			t.Errorf("a first run that let %d through in 2 s: pace %v, want %v", tc.answers, s.rate, tc.wantRate)
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
