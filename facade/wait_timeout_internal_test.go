package facade

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A deadline error that comes while the wait's context still has exactly one call's bound
// (WithTimeout) left belongs to that call, and is returned as it is; with a nanosecond less
// left it is the wait's timeout. Guards timedOut's `dl.Sub(c.tr.now()) < c.timeout`.
func TestADeadlineWithExactlyOneCallsBoundLeftIsTheCalls(t *testing.T) {
	now := time.Date(2126, 12, 6, 0, 0, 0, 0, time.UTC) // the context's deadline stays ahead
	c, err := New(WithBaseURL("https://tenant.invalid"), WithAccessToken("token-123456"),
		WithTimeout(time.Second), WithClock(func() time.Time { return now }, Sleep))
	require.NoError(t, err)
	p := WaitParams{Timeout: time.Minute}
	for _, tc := range []struct {
		left time.Duration
		ours bool
	}{
		{time.Second, false},
		{time.Second - time.Nanosecond, true},
	} {
		ctx, cancel := context.WithDeadline(context.Background(), now.Add(tc.left))
		got := c.timedOut(ctx, "Wait", p, 1, context.DeadlineExceeded)
		cancel()
		assert.True(t, errors.Is(got, context.DeadlineExceeded), "%s left", tc.left)
		assert.Equal(t, tc.ours, got != context.DeadlineExceeded, "%s left: %v", tc.left, got)
	}
}
