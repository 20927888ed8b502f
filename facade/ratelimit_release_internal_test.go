package facade

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

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
