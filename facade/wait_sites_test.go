package facade_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// Wait is for one request and calls no OnFinal (that is WaitAll's): one given is left alone,
// and an error it would return does not end the wait. Guards Wait's clearing of OnFinal.
func TestWaitCallsNoOnFinal(t *testing.T) {
	t.Parallel()
	_, c, ids := scriptedTenant(t, facade.APIBeta, 1, 1)
	p := fastWait
	called := 0
	p.OnFinal = func(string, []facade.Status) error {
		called++
		return errors.New("OnFinal is WaitAll's")
	}
	st, err := c.Wait(context.Background(), ids[0], p)
	require.NoError(t, noteErr(err))
	assert.Equal(t, ids[0], st.AccessRequestID)
	assert.Zero(t, called)
}

// A timeout of one nanosecond bounds the wait as any other: it ends at once with an error that
// says how many requests were not final after 1ns. Guards waitAll's and timedOut's checks that
// a timeout was given (> 0, not > 1).
func TestATimeoutOfOneNanosecondBoundsTheWait(t *testing.T) {
	t.Parallel()
	_, c, ids := scriptedTenant(t, facade.APIBeta, 1, 1)
	p := fastWait
	p.Timeout = time.Nanosecond
	_, err := c.Wait(context.Background(), ids[0], p)
	require.ErrorIs(t, noteErr(err), context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "1 request(s) not final after 1ns")
}

// Without a timeout, a wait ended by the caller's own deadline returns that error as it is: it
// claims no timeout the caller did not give. Guards timedOut's check that a timeout was given.
func TestACallersDeadlineIsNotCalledTheWaitsTimeout(t *testing.T) {
	t.Parallel()
	_, c, ids := scriptedTenant(t, facade.APIBeta, 1, 1<<20)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Wait(ctx, ids[0], fastWait)
	require.ErrorIs(t, noteErr(err), context.DeadlineExceeded)
	assert.NotContains(t, err.Error(), "not final after")
}

// When the client's own rate limit refuses a wait that would outlast the timeout, before the
// deadline has come, the wait ends as timed out all the same: the error says how many requests
// were not final. Guards timedOut's reading of the refusal (a WaitError wrapping
// context.DeadlineExceeded) on a client without WithTimeout.
func TestARateLimitWaitPastTheTimeoutEndsTheWaitAsTimedOut(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer()
	t.Cleanup(srv.Close)
	ids := srv.SeedStatuses(1, "id-wait", time.Now().Add(-time.Hour))
	require.True(t, srv.Script(ids[0], fake.Step{Polls: 1 << 20, Outcome: fake.Complete}))
	// One listing at once (the token's exchange is not rate-limited), then one an hour.
	c := fakeClientFor(t, srv, facade.APIBeta, facade.WithRateLimit(rate.Every(time.Hour), 1))
	p := fastWait
	p.Timeout = time.Minute
	res, err := c.WaitAll(context.Background(), ids, p)
	require.ErrorIs(t, noteErr(err), context.DeadlineExceeded)
	var we *facade.WaitError
	require.ErrorAs(t, err, &we, "the rate limit refused the wait")
	assert.Contains(t, err.Error(), "1 request(s) not final after 1m0s")
	assert.Equal(t, ids, res.Pending)
	assert.Equal(t, 2, res.Polls)
}

// A pause between polls that fails (its context ended) ends the wait after the polls made, with
// the requests not final in Pending. Guards waitAll's check of the pause's error and its
// Pending.
func TestAFailedPauseBetweenPollsEndsTheWait(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer()
	t.Cleanup(srv.Close)
	ids := srv.SeedStatuses(2, "id-wait", time.Now().Add(-time.Hour))
	require.True(t, srv.Script(ids[0], fake.Step{Polls: 2, Outcome: fake.Complete}))
	require.True(t, srv.Script(ids[1], fake.Step{Polls: 1, Outcome: fake.Complete}))
	errStop := errors.New("the pause was cut short")
	c := fakeClientFor(t, srv, facade.APIBeta, facade.WithClock(time.Now, func(context.Context, time.Duration) error { return errStop }))
	res, err := c.WaitAll(context.Background(), ids, fastWait)
	require.ErrorIs(t, err, errStop)
	assert.Equal(t, 1, res.Polls)
	assert.Equal(t, ids, res.Pending, "neither was final at the first poll")
	assert.Empty(t, res.Final)
}

// Requests no listing shows are named in the error: one by its id, several by the first and
// how many more. Guards describeIDs.
func TestWaitAllNamesTheRequestsNotFound(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer()
	t.Cleanup(srv.Close)
	c := fakeClientFor(t, srv, facade.APIBeta)
	for ids, want := range map[*[]string]string{
		{"nope"}:               "listAccessRequestStatus: access request nope: not found",
		{"nope", "nah", "nil"}: "listAccessRequestStatus: access request nope and 2 more: not found",
	} {
		res, err := c.WaitAll(context.Background(), *ids, fastWait)
		require.ErrorIs(t, noteErr(err), facade.ErrNotFound)
		assert.Contains(t, err.Error(), want)
		assert.Equal(t, *ids, res.NotFound)
	}
}

// An interval given without a maximum is accepted: the maximum then defaults to 30 s (or the
// interval). Guards WaitParams.check's `MaxInterval > 0`, which leaves an unset maximum alone.
func TestAnIntervalWithoutAMaximumIsAccepted(t *testing.T) {
	t.Parallel()
	_, c, ids := scriptedTenant(t, facade.APIBeta, 1, 1)
	_, err := c.Wait(context.Background(), ids[0], facade.WaitParams{Interval: time.Millisecond})
	require.NoError(t, noteErr(err))
}
