package facade

import (
	"context"
	"time"
)

// WithClock replaces the clock and the wait between retries, so tests never sleep.
func WithClock(now func() time.Time, sleep func(context.Context, time.Duration) error) Option {
	return func(o *options) error {
		o.now, o.sleep = now, sleep
		return nil
	}
}

// ParseRetryAfter exposes parseRetryAfter to tests.
var ParseRetryAfter = parseRetryAfter

// Sleep exposes the real wait to tests.
var Sleep = sleep

// RetryCost exposes what one retry takes from the budget.
const RetryCost = retryCost

// BuildAt exposes Build with a given "now".
func (b *RequestBuilder) BuildAt(now time.Time) (AccessRequest, error) { return b.buildAt(now) }

// BudgetAvailable is what is left of c's retry budget.
func BudgetAvailable(c *Client) int {
	c.tr.budget.mu.Lock()
	defer c.tr.budget.mu.Unlock()
	return c.tr.budget.available
}

// FastUnmarshal exposes the clean-path decoder to the differential tests.
var FastUnmarshal = fastUnmarshal
