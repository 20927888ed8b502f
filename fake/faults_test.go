package fake_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// fastRetries keeps fault tests quick: short backoff, generous attempts.
var fastRetries = facade.WithRetryPolicy(facade.RetryPolicy{MaxAttempts: 12, BaseDelay: time.Millisecond,
	MaxDelay: 5 * time.Millisecond, MaxRetryAfter: 2 * time.Second, Budget: 0})

func TestFault429IsRetriedUntilItPasses(t *testing.T) {
	t.Parallel()
	srv, c, _ := tenant(t, fastRetries)
	srv.SetFaults(fake.Faults{RateLimitedRatio: 0.3, RetryAfter: "0"})
	for range 20 {
		_, err := c.GetConfig(context.Background())
		require.NoError(t, err)
	}
	assert.Positive(t, srv.Count("GET", "/access-request-config", http.StatusTooManyRequests), "some calls were rate limited")
	assert.Equal(t, 20, srv.Count("GET", "/access-request-config", http.StatusOK))
}

func TestFault5xxIsRetriedForReadsButNotForCreates(t *testing.T) {
	t.Parallel()
	srv, c, _ := tenant(t, fastRetries)
	srv.SetFaults(fake.Faults{ServerErrorRatio: 1, ServerErrorStatus: 500, Methods: []string{"POST"}})
	_, err := c.Create(context.Background(), grant([]string{alice}, role("r1")))
	require.ErrorIs(t, err, facade.ErrServer)
	assert.Equal(t, 1, srv.Count("POST", "/access-requests", 0), "a POST answered 500 is sent once")

	srv.SetFaults(fake.Faults{ServerErrorRatio: 0.3, ServerErrorStatus: 500, Methods: []string{"GET"}})
	for range 10 {
		_, err := c.GetConfig(context.Background())
		require.NoError(t, err)
	}
	assert.Positive(t, srv.Count("GET", "/access-request-config", http.StatusInternalServerError))
}

func TestFaultLatencyMeetsTheCallersDeadline(t *testing.T) {
	t.Parallel()
	srv, c, _ := tenant(t, facade.WithoutRetries())
	_, err := c.GetConfig(context.Background()) // fetch the token before the latency starts
	require.NoError(t, err)
	srv.SetFaults(fake.Faults{Latency: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.GetConfig(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestFaultRateLimitWindowIsHonoured(t *testing.T) {
	t.Parallel()
	srv, c, _ := tenant(t, fastRetries)
	srv.SetFaults(fake.Faults{RateLimit: 3, RateWindow: 500 * time.Millisecond})
	for range 5 {
		_, err := c.GetConfig(context.Background())
		require.NoError(t, err, "the client waits out the window")
	}
	assert.Positive(t, srv.Count("GET", "/access-request-config", http.StatusTooManyRequests))
}

func TestFaultTokensExpiringEarlyAreRefreshed(t *testing.T) {
	t.Parallel()
	srv, c, _ := tenant(t)
	_, err := c.GetConfig(context.Background())
	require.NoError(t, err)
	srv.RevokeTokens()
	_, err = c.GetConfig(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, srv.TokenRequests())
	assert.Equal(t, 1, srv.Count("GET", "/access-request-config", http.StatusUnauthorized))
}

func TestFaultShortTokenLifetime(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer(fake.WithTokenLifetime(30 * time.Second)) // shorter than the client's usual 60 s leeway
	defer srv.Close()
	c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret))
	require.NoError(t, err)
	for range 3 {
		_, err := c.GetConfig(context.Background())
		require.NoError(t, err)
	}
	assert.Equal(t, 1, srv.TokenRequests(), "a short-lived token is shared for three quarters of its life")
}

func TestFaultProcessThenDropNeverDuplicatesACreate(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer()
	defer srv.Close()
	c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret), fastRetries)
	require.NoError(t, err)
	srv.SetFaults(fake.Faults{DropAfterProcessingRatio: 1, Methods: []string{"POST"}})
	res, err := c.Create(context.Background(), grant([]string{alice}, role("r1")))
	require.NoError(t, err, "the lost answer is settled by looking the create's key up")
	require.NotNil(t, res.Settled)
	assert.ErrorIs(t, res.Settled.Cause, facade.ErrOutcomeUnknown)
	assert.Equal(t, srv.Statuses()[0].AccessRequestID, res.NewRequests[0].AccessRequestIDs[0])
	assert.Equal(t, 1, srv.Creates(), "the server acted once")
	assert.Equal(t, 1, srv.Count("POST", "/access-requests", 0), "and the client did not send it again")
	assert.Len(t, srv.Statuses(), 1)
}

func TestFaultMalformedBodyOnCreateSaysItWasAccepted(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer()
	defer srv.Close()
	c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret))
	require.NoError(t, err)
	srv.SetFaults(fake.Faults{MalformedRatio: 1, Paths: []string{"/access-requests"}})
	_, err = c.Create(context.Background(), grant([]string{alice}, role("r1")))
	var re *facade.ResponseError
	require.ErrorAs(t, err, &re)
	assert.True(t, re.Accepted())
	assert.Equal(t, 1, srv.Creates())
}
