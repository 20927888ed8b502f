package facade

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RetryPolicy says when and how long a Client waits before sending a request again.
//
// Whatever the policy, a request is only sent again when that cannot make it act twice: a 429
// (the server did not act) for any method; a 5xx or a network error only for GET and PUT; a POST
// after a network error only when its headers were never written (the server cannot act on part
// of a request head). Below the policy, net/http's transports cannot send a POST again by
// themselves: its request has no GetBody. Waiting on the client's own rate limiter is not a
// retry and spends no budget; nor is the retry after a 429 without Retry-After that paused its
// API version delayed by the backoff: it waits on that pause and on the lowered pace instead.
type RetryPolicy struct {
	// MaxAttempts is the most times one call is sent, the first included; 1 turns retries off.
	MaxAttempts int
	// BaseDelay is the wait before the first retry; each further retry doubles it, with jitter.
	BaseDelay time.Duration
	// MaxDelay caps one computed backoff wait; 0 keeps every wait at BaseDelay (no doubling).
	MaxDelay time.Duration
	// MaxRetryAfter caps a server's Retry-After: a longer one is not waited for, and the 429 is
	// returned at once as an *APIError with its RetryAfter set. It caps waits on the shared
	// pause a 429 began as well: while more of it is left, a call ends at once with a *WaitError
	// matching ErrRateLimited (see New).
	MaxRetryAfter time.Duration
	// Budget is the size of the client-wide retry budget: each retry spends 5 units, each
	// success returns one unit. With the budget spent, failures are returned without retrying,
	// so a failing service is not hammered by every goroutine at once. 0 means no budget.
	Budget int
}

// retryCost is what one retry takes from the budget.
const retryCost = 5

// DefaultRetryPolicy is what New uses unless told otherwise: at most 4 attempts; backoff waits
// drawn from the upper half of a window of 500 ms that doubles with each retry up to 20 s; a
// server's Retry-After honoured up to 60 s; a retry budget of 500.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxAttempts:   4,
		BaseDelay:     500 * time.Millisecond,
		MaxDelay:      20 * time.Second,
		MaxRetryAfter: 60 * time.Second,
		Budget:        500,
	}
}

func (p RetryPolicy) validate() error {
	switch {
	case p.MaxAttempts < 1:
		return errors.New("RetryPolicy.MaxAttempts must be at least 1")
	case p.BaseDelay < 0 || p.MaxDelay < 0 || p.MaxRetryAfter < 0:
		return errors.New("RetryPolicy delays must not be negative")
	case p.Budget < 0:
		return errors.New("RetryPolicy.Budget must not be negative")
	}
	return nil
}

// backoff is the wait before retry number n (1 for the first retry): "full jitter" over an
// exponentially growing window, so many clients retrying at once spread out.
func (p RetryPolicy) backoff(n int) time.Duration {
	window := p.BaseDelay
	for i := 1; i < n && window < p.MaxDelay; i++ {
		if window > p.MaxDelay/2 {
			window = p.MaxDelay // doubled, it would pass the cap (or overflow, for a cap past 2^62 ns)
		} else {
			window *= 2
		}
	}
	if p.MaxDelay > 0 && window > p.MaxDelay {
		window = p.MaxDelay
	}
	if window <= 0 {
		return 0
	}
	return window/2 + rand.N(window/2+1)
}

// budget is a token bucket of retries shared by all calls of one client.
type budget struct {
	mu        sync.Mutex
	capacity  int
	available int
}

func newBudget(capacity int) *budget { return &budget{capacity: capacity, available: capacity} }

// take spends one retry's cost; false when the budget cannot afford it.
func (b *budget) take() bool {
	if b == nil || b.capacity == 0 {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.available < retryCost {
		return false
	}
	b.available -= retryCost
	return true
}

// refund returns one unit after a success.
func (b *budget) refund() {
	if b == nil || b.capacity == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.available < b.capacity {
		b.available++
	}
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date. Negative, garbage
// and absurdly large values are refused rather than trusted.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return min(time.Duration(min(secs, int64(maxRetryAfterHint/time.Second)))*time.Second, maxRetryAfterHint), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), maxRetryAfterHint), true
}

// maxRetryAfterHint is the longest Retry-After taken at face value; anything longer reads as
// a year, which is past any sensible cap and so is returned to the caller at once.
const maxRetryAfterHint = 365 * 24 * time.Hour

// idempotent reports whether sending the method twice has the effect of sending it once.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodOptions, http.MethodDelete:
		return true
	}
	return false
}

// retryableStatus reports whether a status may be retried for the method.
func retryableStatus(method string, status int) bool {
	if status == http.StatusTooManyRequests {
		return true // the server did not act
	}
	if !idempotent(method) {
		return false
	}
	return status == http.StatusRequestTimeout || status == http.StatusBadGateway ||
		status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout ||
		status == http.StatusInternalServerError
}

// neverSent reports whether a transport error happened before any byte of the request could
// reach the server: a failed dial, or a failure before the request was written.
func neverSent(err error, wrote bool) bool {
	if !wrote {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
