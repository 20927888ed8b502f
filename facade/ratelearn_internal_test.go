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
