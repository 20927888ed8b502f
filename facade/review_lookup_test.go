package facade_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// shortIDTenant stores n final requests with short ids (so that all n fit in one lookup URL)
// on a beta fake that answers 400 for an offset past the end, as some tenants do.
func shortIDTenant(t *testing.T, n int) (*fake.Server, *facade.Client, []string) {
	t.Helper()
	srv := fake.NewServer()
	t.Cleanup(srv.Close)
	srv.SetDeviations(fake.Deviations{EndOffset400: true})
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("ar%04d", i)
		srv.AddStatus(fake.Status{AccessRequestID: ids[i], State: facade.StateRequestCompleted,
			Created: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)})
	}
	return srv, fakeClientFor(t, srv, facade.APIBeta), ids
}

// A lookup by id whose rows fill a page exactly is read to its end as every listing is: a
// tenant that answers 400 for the offset after a full page has ended the listing, it has not
// refused the lookup. 250 final requests in one batch: WaitAll finds them all, and SkipFinal
// skips them all.
func TestALookupWhoseRowsFillAPageEndsAtThe400AfterIt(t *testing.T) {
	t.Parallel()
	t.Run("WaitAll", func(t *testing.T) {
		t.Parallel()
		_, c, ids := shortIDTenant(t, facade.MaxPageSize)
		res, err := c.WaitAll(context.Background(), ids, fastWait)
		require.NoError(t, noteErr(err))
		assert.Len(t, res.Final, len(ids))
		assert.Empty(t, res.Pending)
	})
	t.Run("CloseRequests SkipFinal", func(t *testing.T) {
		t.Parallel()
		srv, c, ids := shortIDTenant(t, facade.MaxPageSize)
		res, err := c.CloseRequests(context.Background(), facade.CloseRequestsParams{IDs: ids, SkipFinal: true})
		require.NoError(t, noteErr(err))
		assert.Equal(t, ids, res.Skipped)
		assert.Empty(t, res.NotSent)
		assert.Zero(t, srv.Count(http.MethodPost, "/beta/access-requests/close", 0))
	})
}

// A server that serves the same full page at every offset does not keep a lookup by id
// paging for ever: it fails as every listing does (ErrInconsistentPage), and WaitAll returns.
func TestALookupByIDStopsAtAPageServedTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t).lax()
	rows := make([]facade.Status, facade.MaxPageSize)
	for i := range rows {
		rows[i].AccessRequestID = fmt.Sprintf("other-%03d", i)
		rows[i].State = facade.StateExecuting
	}
	e.handle("GET /access-request-status", reply(200, mustJSON(rows)))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := e.client().WaitAll(ctx, []string{"mine"}, facade.WaitParams{})
	require.ErrorIs(t, noteErr(err), facade.ErrInconsistentPage)
	require.NoError(t, ctx.Err(), "the lookup paged until the test's own deadline")
	assert.Equal(t, []string{"mine"}, res.Pending)
}
