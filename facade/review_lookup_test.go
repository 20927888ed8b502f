package facade_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
	"github.com/sailkit/accessrequests/internal/filter"
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

// MaxLookupURL bounds every page's URL, not only the first's: the offset of a later page
// ("offset=250" against "offset=0") makes it longer. A batch packed to exactly the bound at
// offset 0, whose rows fill a page, must not go past it when the next page is asked for.
func TestALookupsLaterPagesStayWithinMaxLookupURL(t *testing.T) {
	t.Parallel()
	full := make([]facade.Status, facade.MaxPageSize)
	for i := range full {
		full[i].AccessRequestID = fmt.Sprintf("other-%03d", i)
		full[i].State = facade.StateExecuting
	}
	type sent struct{ length, ids int }
	wait := func(ids []string) []sent {
		e := newEnv(t).lax()
		var mu sync.Mutex
		var got []sent
		e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
			expr, err := filter.Parse(r.URL.Query().Get("filters"))
			if !assert.NoError(t, err) || !assert.Len(t, expr, 1) {
				return
			}
			mu.Lock()
			got = append(got, sent{len(e.srv.URL) + len(r.URL.RequestURI()), len(expr[0].Values)})
			mu.Unlock()
			if r.URL.Query().Get("offset") == "0" {
				reply(200, mustJSON(full))(w, r)
				return
			}
			reply(200, `[]`)(w, r)
		})
		_, err := e.client().WaitAll(context.Background(), ids, facade.WaitParams{})
		require.ErrorIs(t, noteErr(err), facade.ErrNotFound)
		mu.Lock()
		defer mu.Unlock()
		return got
	}
	ids := make([]string, 400)
	for i := range ids {
		ids[i] = fmt.Sprintf("%020d", i)
	}
	first := wait(ids)[0]
	require.Less(t, first.ids, len(ids), "the ids fill more than one batch")
	// The last id of the first batch, lengthened by the room left at offset 0, makes the batch
	// exactly the bound there (it did before the fix: 8,000 bytes, then 8,002 at offset 250).
	ids[first.ids-1] += strings.Repeat("x", facade.MaxLookupURL-first.length)
	got := wait(ids)
	for i, s := range got {
		assert.LessOrEqual(t, s.length, facade.MaxLookupURL, "listing page %d of %d: %v", i, len(got), got)
	}
}

// A read-back that could not read (the listing refused with 403) says so: the error does not
// claim the request reads back "not cancelled yet", and the bulk result's error names the
// read-back's failure. The error still matches ErrOutcomeUnknown and not the listing's 403,
// which refused a read, not the write.
func TestAFailedReadBackSaysItCouldNotRead(t *testing.T) {
	t.Parallel()
	lost := func(path string) []fake.NextFault {
		return []fake.NextFault{
			{Method: http.MethodPost, Path: path, Status: http.StatusBadGateway, AfterProcessing: true},
			{Method: http.MethodGet, Status: http.StatusForbidden, Times: 100},
		}
	}
	t.Run("Cancel", func(t *testing.T) {
		t.Parallel()
		srv, c, ids := bulkTenant(t, facade.APIBeta, 1, fake.NextFault{Method: http.MethodDelete, Path: "/nothing"})
		srv.FailNext(lost("/beta/access-requests/cancel")...)
		err := c.Cancel(context.Background(), facade.CancelParams{ID: ids[0], Comment: "not needed"})
		require.ErrorIs(t, noteErr(err), facade.ErrOutcomeUnknown)
		assert.NotErrorIs(t, err, facade.ErrForbidden)
		assert.NotContains(t, err.Error(), "not cancelled yet", "nothing was read")
		assert.Contains(t, err.Error(), "read back failed")
		assert.Contains(t, err.Error(), "403")
	})
	t.Run("CloseRequests", func(t *testing.T) {
		t.Parallel()
		srv, c, ids := bulkTenant(t, facade.APIBeta, 3, fake.NextFault{Method: http.MethodDelete, Path: "/nothing"})
		srv.FailNext(lost("/beta/access-requests/close")...)
		res, err := c.CloseRequests(context.Background(), facade.CloseRequestsParams{IDs: ids})
		require.ErrorIs(t, noteErr(err), facade.ErrOutcomeUnknown)
		assert.NotErrorIs(t, err, facade.ErrForbidden)
		assert.Equal(t, ids, res.Unknown)
		assert.Contains(t, err.Error(), "read back failed")
		assert.Contains(t, err.Error(), "403")
	})
}

// A listing cut short by the client's own per-call bound (WithTimeout) is not WaitAll's
// Timeout passing: the error does not say the requests were "not final after" a Timeout that
// has not passed.
func TestWaitAllDoesNotBlameItsTimeoutForACallsOwn(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer()
	t.Cleanup(srv.Close)
	ids := srv.SeedStatuses(1, "id-wait", time.Now().Add(-time.Hour))
	srv.SetFaults(fake.Faults{Methods: []string{http.MethodGet}, Latency: 2 * time.Second})
	c := fakeClientFor(t, srv, facade.APIBeta, facade.WithTimeout(200*time.Millisecond))
	p := fastWait
	p.Timeout = time.Hour
	start := time.Now()
	res, err := c.WaitAll(context.Background(), ids, p)
	require.ErrorIs(t, noteErr(err), context.DeadlineExceeded)
	require.Less(t, time.Since(start), time.Minute)
	assert.NotContains(t, err.Error(), "not final after 1h0m0s", "the hour has not passed")
	assert.Equal(t, ids, res.Pending)
}
