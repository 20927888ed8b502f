package facade_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// Each rule of RetryPolicy.validate refuses its own field's bad value before any client
// exists. Guards RetryPolicy.validate's delay case and budget case one by one (the delay case
// is held for each of its three fields: a check dropped from the || lets that field alone
// through).
func TestEveryBadRetryPolicyFieldIsRefused(t *testing.T) {
	ok := facade.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Second, MaxRetryAfter: time.Second, Budget: 10}
	for _, tc := range []struct {
		name string
		bend func(p *facade.RetryPolicy)
		want string
	}{
		{"MaxAttempts", func(p *facade.RetryPolicy) { p.MaxAttempts = 0 }, "accessrequests: WithRetryPolicy: RetryPolicy.MaxAttempts must be at least 1"},
		{"BaseDelay", func(p *facade.RetryPolicy) { p.BaseDelay = -time.Nanosecond }, "accessrequests: WithRetryPolicy: RetryPolicy delays must not be negative"},
		{"MaxDelay", func(p *facade.RetryPolicy) { p.MaxDelay = -time.Nanosecond }, "accessrequests: WithRetryPolicy: RetryPolicy delays must not be negative"},
		{"MaxRetryAfter", func(p *facade.RetryPolicy) { p.MaxRetryAfter = -time.Nanosecond }, "accessrequests: WithRetryPolicy: RetryPolicy delays must not be negative"},
		{"Budget", func(p *facade.RetryPolicy) { p.Budget = -1 }, "accessrequests: WithRetryPolicy: RetryPolicy.Budget must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.bend(&p)
			c, err := facade.New(facade.WithBaseURL("https://acme.api.identitynow.com"), facade.WithAccessToken(tokenPrefix+"static"), facade.WithRetryPolicy(p))
			require.EqualError(t, err, tc.want)
			assert.Nil(t, c)
		})
	}
	_, err := facade.New(facade.WithBaseURL("https://acme.api.identitynow.com"), facade.WithAccessToken(tokenPrefix+"static"), facade.WithRetryPolicy(ok))
	require.NoError(t, err, "the policy the cases bend is valid")
}

// A MaxDelay of one nanosecond caps every backoff wait at one nanosecond, however long the
// BaseDelay: the cap holds at its smallest value. Guards RetryPolicy.backoff's cap (its
// "MaxDelay > 0" test).
func TestTheSmallestMaxDelayCapsEveryWait(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", reply(500, errorJSON))
	policy := facade.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Second, MaxDelay: time.Nanosecond, MaxRetryAfter: time.Minute}
	err := getConfig(context.Background(), e.client(facade.WithRetryPolicy(policy)))
	require.ErrorIs(t, noteErr(err), facade.ErrServer)
	waits := e.clock.Waits()
	require.Len(t, waits, 2)
	for i, w := range waits {
		assert.LessOrEqual(t, w, time.Nanosecond, "retry %d", i+1)
	}
}

// The default policy's budget is the 500 units its doc gives: at 5 a retry, 100 retries across
// the client, then failures come back at once. 70 failing calls could take 210 retries: they
// take 100. Guards DefaultRetryPolicy's Budget.
func TestTheDefaultRetryBudgetPaysForAHundredRetries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", reply(500, errorJSON))
	c := e.client(facade.WithRetryPolicy(facade.DefaultRetryPolicy()))
	for range 70 {
		require.ErrorIs(t, noteErr(getConfig(context.Background(), c)), facade.ErrServer)
	}
	assert.EqualValues(t, 70+100, e.calls.Load())
	assert.Len(t, e.clock.Waits(), 100)
}
