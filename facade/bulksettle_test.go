package facade_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// bulkPaths are where each generation takes a close and a bulk cancel.
var bulkPaths = map[string]map[facade.API]string{
	"close":  {facade.APIBeta: "/access-requests/close", facade.APIV1: "/access-requests/v1/close"},
	"cancel": {facade.APIV1: "/access-requests/v1/bulk-cancel"},
}

// bulkTenant seeds n EXECUTING requests on a TLS (HTTP/2) fake whose next call to path meets
// fault, and returns a client of generation api for it.
func bulkTenant(t *testing.T, api facade.API, n int, fault fake.NextFault, opts ...facade.Option) (*fake.Server, *facade.Client, []string) {
	t.Helper()
	srv := fake.NewServer(fake.WithTLS())
	t.Cleanup(srv.Close)
	ids := srv.SeedStatuses(n, "id-bulk", time.Now().Add(-time.Hour))
	srv.FailNext(fault)
	hc := srv.Client()
	t.Cleanup(hc.CloseIdleConnections) // before the server closes: no read loop is left behind
	return srv, fakeClientFor(t, srv, api, append([]facade.Option{facade.WithHTTPClient(hc)}, opts...)...), ids
}

// A close call whose answer is lost after the tenant acted (an HTTP/2 stream reset) is read
// back: its ids are Settled, the work goes on, and nothing is sent twice. The beta's listing
// reads many ids per call; the successor's user listing one each.
func TestCloseRequestsSettlesALostAnswerByReadingStatesBack(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		path := bulkPaths["close"][api]
		srv, c, ids := bulkTenant(t, api, 1100, fake.NextFault{Method: http.MethodPost, Path: path, Reset: true})
		res, err := c.CloseRequests(context.Background(), facade.CloseRequestsParams{IDs: ids})
		require.NoError(t, noteErr(err))
		assert.Equal(t, ids[:500], res.Settled)
		assert.Equal(t, ids[500:], res.Accepted)
		assert.Empty(t, res.NotAccepted())
		assert.Equal(t, 3, res.Calls)
		assert.Equal(t, 3, srv.Count(http.MethodPost, path, 0), "nothing sent twice")
		want := map[facade.API]int{facade.APIBeta: 3, facade.APIV1: 500}[api]
		assert.Equal(t, want, res.Lookups)
		t.Logf("%s: 500 ids read back in %d listing(s)", api, res.Lookups)
	})
}

// Read back after a lost bulk cancel, a CANCELLED request is Settled, one final in another
// state is Refused (nothing left to cancel), and one still pending when the settle period ends
// is Unknown, as is one not listed at all, with the error still matching ErrOutcomeUnknown.
func TestCancelRequestsReadBackSortsEachRequest(t *testing.T) {
	t.Parallel()
	// A 502 before the tenant acts: the client cannot tell it from one after.
	srv, c, ids := bulkTenant(t, facade.APIV1, 3, fake.NextFault{Method: http.MethodPost, Path: bulkPaths["cancel"][facade.APIV1], Status: http.StatusBadGateway},
		facade.WithSettlePeriod(500*time.Millisecond))
	require.True(t, srv.SetState(ids[1], facade.StateRequestCompleted))
	require.True(t, srv.SetState(ids[2], facade.StateCancelled))
	ids = append(ids, "ar-not-listed") // no row: nothing read back can settle it
	res, err := c.CancelRequests(context.Background(), facade.CancelRequestsParams{IDs: ids, Comment: "not needed"})
	require.ErrorIs(t, noteErr(err), facade.ErrOutcomeUnknown)
	assert.Equal(t, []string{ids[2]}, res.Settled)
	assert.Equal(t, []string{ids[1]}, res.Refused)
	assert.Equal(t, []string{ids[0], ids[3]}, res.Unknown)
	assert.Empty(t, res.Accepted)
	assert.GreaterOrEqual(t, res.Lookups, 2, "the pending one was looked at again before the period ended")
}

// ContinueOnError goes on past a refused call; without it the rest is NotSent. WithoutSettling
// leaves a lost answer Unknown, with nothing read back.
func TestBulkWritesGoOnPastAFailureOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		path := bulkPaths["close"][api]
		for _, cont := range []bool{false, true} {
			_, c, ids := bulkTenant(t, api, 1100, fake.NextFault{Method: http.MethodPost, Path: path, Status: http.StatusBadRequest})
			res, err := c.CloseRequests(context.Background(), facade.CloseRequestsParams{IDs: ids, ContinueOnError: cont})
			require.ErrorIs(t, noteErr(err), facade.ErrBadRequest)
			assert.Equal(t, ids[:500], res.Refused)
			if cont {
				assert.Equal(t, ids[500:], res.Accepted)
				assert.Empty(t, res.NotSent)
				assert.Equal(t, 3, res.Calls)
			} else {
				assert.Empty(t, res.Accepted)
				assert.Equal(t, ids[500:], res.NotSent)
				assert.Equal(t, 1, res.Calls)
			}
		}
		srv, c, ids := bulkTenant(t, api, 10, fake.NextFault{Method: http.MethodPost, Path: path, Reset: true}, facade.WithoutSettling())
		res, err := c.CloseRequests(context.Background(), facade.CloseRequestsParams{IDs: ids})
		require.ErrorIs(t, noteErr(err), facade.ErrOutcomeUnknown)
		assert.Equal(t, ids, res.Unknown)
		assert.Zero(t, res.Lookups)
		listings, _ := listingCalls(srv)
		assert.Zero(t, listings)
	})
}

// The beta's Cancel, one request per call, reads a lost answer back too: CANCELLED is success.
func TestCancelReadsALostAnswerBack(t *testing.T) {
	t.Parallel()
	var logged bytes.Buffer
	srv, c, ids := bulkTenant(t, facade.APIBeta, 1, fake.NextFault{Method: http.MethodPost, Path: "/access-requests/cancel", Status: http.StatusGatewayTimeout, AfterProcessing: true},
		facade.WithLogger(slog.New(slog.NewTextHandler(&logged, nil))))
	require.NoError(t, noteErr(c.Cancel(context.Background(), facade.CancelParams{ID: ids[0], Comment: "not needed"})))
	// The lost answer is not silent: the log says it was settled, by which operation, how.
	assert.Contains(t, logged.String(), `msg="cancel settled: its answer was lost and the request reads back CANCELLED" operation=cancelAccessRequest lookups=1`)
	st, ok := srv.Status(ids[0])
	require.True(t, ok)
	assert.Equal(t, facade.StateCancelled, st.State)
	assert.Equal(t, 1, srv.Count(http.MethodPost, "/access-requests/cancel", 0))

	srv, c, ids = bulkTenant(t, facade.APIBeta, 1, fake.NextFault{Method: http.MethodPost, Path: "/access-requests/cancel", Status: http.StatusGatewayTimeout},
		facade.WithSettlePeriod(300*time.Millisecond))
	err := c.Cancel(context.Background(), facade.CancelParams{ID: ids[0], Comment: "not needed"})
	require.ErrorIs(t, noteErr(err), facade.ErrOutcomeUnknown)
	assert.Contains(t, err.Error(), "not cancelled yet")
	assert.Equal(t, 1, srv.Count(http.MethodPost, "/access-requests/cancel", 0))
}

// SkipFinal reads the states first and sends only the requests not final: a rerun of a bulk
// close or cancel sends nothing twice.
func TestSkipFinalSendsOnlyWhatIsNotFinal(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		srv, c, ids := bulkTenant(t, api, 10, fake.NextFault{Method: http.MethodDelete, Path: "/nothing"})
		for _, id := range ids[:4] {
			require.True(t, srv.SetState(id, facade.StateCancelled))
		}
		res, err := c.CloseRequests(context.Background(), facade.CloseRequestsParams{IDs: ids, SkipFinal: true})
		require.NoError(t, noteErr(err))
		assert.Equal(t, ids[:4], res.Skipped)
		assert.Equal(t, ids[4:], res.Accepted)
		assert.Equal(t, map[facade.API]int{facade.APIBeta: 1, facade.APIV1: 10}[api], res.Lookups, "the states read first are counted")
		var body struct{ AccessRequestIDs []string }
		for _, r := range srv.Received() {
			if r.Method == http.MethodPost && strings.HasSuffix(r.Path, bulkPaths["close"][api]) {
				require.NoError(t, json.Unmarshal(r.Body, &body))
			}
		}
		assert.Equal(t, ids[4:], body.AccessRequestIDs, "only the requests not final were sent")
		for _, id := range ids[:4] {
			st, _ := srv.Status(id)
			assert.Equal(t, facade.StateCancelled, st.State, "a final request is not closed again")
		}
	})
}

// With SkipFinal, a request the listing does not show is not known to be final: it is sent,
// and the server says what becomes of it. Guards postInChunks' `len(rows) > 0` (no rows is no
// proof of a final state).
func TestSkipFinalSendsARequestTheListingDoesNotShow(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		_, c, ids := bulkTenant(t, api, 1, fake.NextFault{Method: http.MethodDelete, Path: "/nothing"})
		unlisted := "2c9180835d191a86015d28455b4c0fff"
		res, _ := c.CloseRequests(context.Background(), facade.CloseRequestsParams{IDs: []string{ids[0], unlisted}, SkipFinal: true})
		assert.Empty(t, res.Skipped)
		assert.Equal(t, 1, res.Calls)
		assert.ElementsMatch(t, []string{ids[0], unlisted}, slices.Concat(res.Accepted, res.Refused, res.Settled, res.Unknown))
	})
}

// Progress counts the requests a lost answer's read-back found cancelled as accepted: two
// settled of two is (2, 2). Guards postInChunks' `len(r.Accepted)+len(r.Settled)`.
func TestProgressCountsTheSettledAsAccepted(t *testing.T) {
	t.Parallel()
	srv, c, ids := bulkTenant(t, facade.APIV1, 2, fake.NextFault{Method: http.MethodPost, Path: bulkPaths["cancel"][facade.APIV1], Status: http.StatusBadGateway},
		facade.WithSettlePeriod(2*time.Second))
	for _, id := range ids {
		require.True(t, srv.SetState(id, facade.StateCancelled))
	}
	var seen [][2]int
	res, err := c.CancelRequests(context.Background(), facade.CancelRequestsParams{IDs: ids, Comment: "not needed",
		Progress: func(accepted, total int) { seen = append(seen, [2]int{accepted, total}) }})
	require.NoError(t, noteErr(err))
	assert.Equal(t, ids, res.Settled)
	assert.Equal(t, [][2]int{{2, 2}}, seen)
}

// A lost answer whose every request reads back known (cancelled, or final in another state) is
// no unknown outcome: the error says so, and does not match ErrOutcomeUnknown, in bulk and for
// the beta's Cancel.
func TestAReadBackWithNothingUnknownIsNotAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	// A short settle period: every state is known at the first look, and a broken lookup fails
	// the test in seconds.
	srv, c, ids := bulkTenant(t, facade.APIV1, 2, fake.NextFault{Method: http.MethodPost, Path: bulkPaths["cancel"][facade.APIV1], Status: http.StatusBadGateway},
		facade.WithSettlePeriod(2*time.Second))
	require.True(t, srv.SetState(ids[0], facade.StateCancelled))
	require.True(t, srv.SetState(ids[1], facade.StateRequestCompleted))
	res, err := c.CancelRequests(context.Background(), facade.CancelRequestsParams{IDs: ids, Comment: "not needed"})
	require.Error(t, noteErr(err))
	assert.NotErrorIs(t, err, facade.ErrOutcomeUnknown)
	assert.Contains(t, err.Error(), "1 of 2 request(s) read back final in another state")
	assert.Equal(t, []string{ids[0]}, res.Settled)
	assert.Equal(t, []string{ids[1]}, res.Refused)
	assert.Empty(t, res.Unknown)

	srv, c, ids = bulkTenant(t, facade.APIBeta, 1, fake.NextFault{Method: http.MethodPost, Path: "/access-requests/cancel", Status: http.StatusBadGateway},
		facade.WithSettlePeriod(2*time.Second))
	require.True(t, srv.SetState(ids[0], facade.StateRequestCompleted))
	err = c.Cancel(context.Background(), facade.CancelParams{ID: ids[0], Comment: "not needed"})
	require.Error(t, noteErr(err))
	assert.NotErrorIs(t, err, facade.ErrOutcomeUnknown)
	assert.Equal(t, 0, strings.Index(err.Error(), "accessrequests: cancelAccessRequest: the request read back final in another state"), err.Error())
	assert.Contains(t, err.Error(), "nothing is left to cancel")
}

// With SkipFinal, a state read that fails sends nothing: every id is NotSent, with the error.
func TestSkipFinalSendsNothingWhenTheStatesCannotBeRead(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		e.handle("GET /access-request-status", reply(403, `{"detailCode":"403 Forbidden","messages":[{"locale":"en-US","text":"no"}]}`))
		ids := []string{"ar-1", "ar-2"}
		res, err := e.client().CloseRequests(context.Background(), facade.CloseRequestsParams{IDs: ids, SkipFinal: true})
		require.ErrorIs(t, noteErr(err), facade.ErrForbidden)
		assert.Equal(t, ids, res.NotSent)
		assert.Empty(t, res.Accepted)
		assert.Zero(t, res.Calls)
		assert.EqualValues(t, 1, e.calls.Load(), "one listing, no close")
	})
}

// A read-back whose lookup fails part-way still decides the requests of the listings it read
// whole; the ones it could not read stay Unknown (the successor's user listing: one per id).
func TestAReadBackDecidesWhatItReadBeforeALookupFailed(t *testing.T) {
	t.Parallel()
	e := newEnvFor(t, facade.APIV1).lax() // a gateway's 502, which the spec does not list
	e.handle("POST /access-requests/close", reply(502, `<html>bad gateway</html>`, "Content-Type", "text/html"))
	var gets atomic.Int32
	e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
		if gets.Add(1) == 1 {
			reply(200, `[{"accessRequestId":"ar-1","state":"TERMINATED"}]`)(w, r)
			return
		}
		reply(403, `{"detailCode":"403 Forbidden","messages":[{"locale":"en-US","text":"no"}]}`)(w, r)
	})
	// The client's own clock: the read-back's rounds end on it (the env's fake clock is fixed).
	res, err := e.client(facade.WithClock(time.Now, facade.Sleep)).CloseRequests(context.Background(), facade.CloseRequestsParams{IDs: []string{"ar-1", "ar-2"}})
	require.ErrorIs(t, noteErr(err), facade.ErrOutcomeUnknown)
	assert.Equal(t, []string{"ar-1"}, res.Settled)
	assert.Equal(t, []string{"ar-2"}, res.Unknown)
	assert.Contains(t, err.Error(), "read back failed")
	assert.EqualValues(t, 2, gets.Load())
}

// A request the first look finds still pending is looked at again, paced, until the settle
// period ends: one that reaches a final state by the second look is Settled.
func TestAReadBackLooksAgainUntilTheRequestIsFinal(t *testing.T) {
	t.Parallel()
	// A 502 before the tenant acts; the request then completes by itself after one listing.
	srv, c, ids := bulkTenant(t, facade.APIBeta, 1, fake.NextFault{Method: http.MethodPost, Path: bulkPaths["close"][facade.APIBeta], Status: http.StatusBadGateway},
		facade.WithSettlePeriod(6*time.Second))
	require.True(t, srv.Script(ids[0], fake.Step{Polls: 1, Outcome: fake.Complete}))
	res, err := c.CloseRequests(context.Background(), facade.CloseRequestsParams{IDs: ids})
	require.NoError(t, noteErr(err))
	assert.Equal(t, ids, res.Settled)
	assert.Equal(t, 2, res.Lookups, "looked at once, and again after the first wait")
}

// A lookup listing that fails after a full page has been read says nothing sure of the ids it
// asked for: their rows are dropped, not judged from the page read (the next page may hold a
// row still pending), and they are Unknown; the rows of a listing read whole stand. The beta
// asks for both ids in one listing ("in"), the successor for each alone ("eq"). Guards
// lookupIDs' drop of a failed batch's rows, the ids idBatches gives each batch in both forms,
// and its choice of "in" for a batch of two ids.
func TestAReadBackDropsWhatAListingReadInPartSaid(t *testing.T) {
	t.Parallel()
	full := func(ids ...string) string {
		rows := make([]string, facade.MaxPageSize)
		for i := range rows {
			rows[i] = fmt.Sprintf(`{"accessRequestId":%q,"state":"TERMINATED"}`, ids[i%len(ids)])
		}
		return "[" + strings.Join(rows, ",") + "]"
	}
	forbidden := reply(403, `{"detailCode":"403 Forbidden","messages":[{"locale":"en-US","text":"no"}]}`)
	for _, tc := range []struct {
		api             facade.API
		pages           []string // the listings' pages in the order asked; then 403s
		settled, unknow []string
	}{
		{facade.APIBeta, []string{full("ar-1", "ar-2")}, nil, []string{"ar-1", "ar-2"}},
		{facade.APIV1, []string{`[{"accessRequestId":"ar-1","state":"TERMINATED"}]`, full("ar-2")}, []string{"ar-1"}, []string{"ar-2"}},
	} {
		t.Run(string(tc.api), func(t *testing.T) {
			e := newEnvFor(t, tc.api).lax()
			e.handle("POST /access-requests/close", reply(502, `<html>bad gateway</html>`, "Content-Type", "text/html"))
			var gets atomic.Int32
			e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
				n := int(gets.Add(1))
				if f := r.URL.Query().Get("filters"); tc.api == facade.APIBeta && !(strings.Contains(f, "ar-1") && strings.Contains(f, "ar-2")) {
					t.Errorf("the beta's lookup of two ids asks for %q", f)
				}
				if n <= len(tc.pages) {
					reply(200, tc.pages[n-1])(w, r)
					return
				}
				forbidden(w, r)
			})
			res, err := e.client(facade.WithClock(time.Now, facade.Sleep)).CloseRequests(context.Background(), facade.CloseRequestsParams{IDs: []string{"ar-1", "ar-2"}})
			require.ErrorIs(t, noteErr(err), facade.ErrOutcomeUnknown)
			assert.Equal(t, tc.settled, res.Settled)
			assert.Equal(t, tc.unknow, res.Unknown)
			assert.EqualValues(t, len(tc.pages)+1, gets.Load())
		})
	}
}

// clockTenant answers every write (a close, a create) with a gateway's 502, its outcome
// unknown, and the nth listing (from 1) with rows(n, meta) after lag(n), where meta is the
// clientMetadata the last write carried (JSON, "null" without); it counts the listings. For
// tests on the fake clock of testing/synctest.
type clockTenant struct {
	lag      func(n int) time.Duration
	rows     func(n int, meta string) string
	listings atomic.Int32
	meta     atomic.Value
}

func (s *clockTenant) RoundTrip(r *http.Request) (*http.Response, error) {
	answer := func(code int, body string) (*http.Response, error) {
		return &http.Response{StatusCode: code, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	}
	if r.Method == http.MethodPost {
		var sent struct {
			ClientMetadata json.RawMessage `json:"clientMetadata"`
		}
		if r.Body != nil {
			_ = json.NewDecoder(r.Body).Decode(&sent)
		}
		s.meta.Store(cmp.Or(string(sent.ClientMetadata), "null"))
		return answer(http.StatusBadGateway, `{}`)
	}
	n := int(s.listings.Add(1))
	var lag time.Duration
	if s.lag != nil {
		lag = s.lag(n)
	}
	select {
	case <-time.After(lag):
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	meta, _ := s.meta.Load().(string)
	return answer(http.StatusOK, "["+s.rows(n, meta)+"]")
}

// stateRow is a listing's one row, of ar-1, in state.
func stateRow(state facade.State) func(int, string) string {
	return func(int, string) string { return `{"accessRequestId":"ar-1","state":"` + string(state) + `"}` }
}

func (s *clockTenant) client(t *testing.T, opts ...facade.Option) *facade.Client {
	c, err := facade.New(append([]facade.Option{facade.WithBaseURL("https://tenant.invalid"), facade.WithAccessToken("test-token-123"),
		facade.WithHTTPClient(&http.Client{Transport: s})}, opts...)...)
	require.NoError(t, err)
	return c
}

// The read-back of a close whose answer was lost, on the fake clock of testing/synctest: its
// looks come at once, then 2 s later, each wait half as long again as the last up to 15 s, the
// last at the end of the settle period; a look slower than the settle grace (10 s) still counts
// while the period lasts; and a context ended during a wait ends the read-back with no failed
// lookup to report. Guards readBack's round deadline (`grace.After(end)`), its growing wait and
// its cap, and its stop when the sleep is cut.
func TestTheReadBacksLooksOnTheClock(t *testing.T) {
	t.Run("the looks of a 60 s period", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := &clockTenant{rows: stateRow(facade.StateExecuting)}
			start := time.Now()
			res, err := s.client(t, facade.WithSettlePeriod(time.Minute)).CloseRequests(context.Background(), facade.CloseRequestsParams{IDs: []string{"ar-1"}})
			require.ErrorIs(t, err, facade.ErrOutcomeUnknown)
			assert.Equal(t, []string{"ar-1"}, res.Unknown)
			// At 0, 2, 5, 9.5, 16.25, 26.375, 41.375 and 56.375 s (the wait capped at 15 s), and 60 s.
			assert.EqualValues(t, 9, s.listings.Load())
			assert.Equal(t, time.Minute, time.Since(start))
		})
	})
	t.Run("a look slower than the grace", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := &clockTenant{lag: func(int) time.Duration { return 12 * time.Second }, rows: stateRow(facade.StateTerminated)}
			res, err := s.client(t, facade.WithSettlePeriod(time.Minute)).CloseRequests(context.Background(), facade.CloseRequestsParams{IDs: []string{"ar-1"}})
			require.NoError(t, err)
			assert.Equal(t, []string{"ar-1"}, res.Settled)
		})
	})
	t.Run("a context ended during a wait", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := &clockTenant{rows: stateRow(facade.StateExecuting)}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			res, err := s.client(t, facade.WithSettlePeriod(time.Minute)).CloseRequests(ctx, facade.CloseRequestsParams{IDs: []string{"ar-1"}})
			require.ErrorIs(t, err, facade.ErrOutcomeUnknown)
			assert.NotContains(t, err.Error(), "read back failed")
			assert.Equal(t, []string{"ar-1"}, res.Unknown)
			assert.EqualValues(t, 1, s.listings.Load())
		})
	})
}

// A create's settling on the fake clock of testing/synctest: a lookup slower than the settle
// grace (10 s) still counts while the period lasts, the last round, at the period's end, is
// given the grace, and no more: a listing that outlasts both is cut, and the create's outcome
// stays unknown, with the window looked in (5 min either side of the period, for clock skew).
// Guards settleCreate's round deadline (`grace.After(end)` and `end = grace`), settleGrace and
// settleSkew.
func TestTheSettlingsRoundsOnTheClock(t *testing.T) {
	row := func(meta string) string {
		return `{"accessRequestId":"ar-1","state":"EXECUTING","type":"ROLE","id":"role-1","requestedFor":{"id":"id-1"},"clientMetadata":` + meta + `}`
	}
	req, err := facade.NewGrant().For("id-1").Role("role-1").Build()
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		period time.Duration
		lag    time.Duration
		from   int // the first listing that shows the create's row
	}{
		{"a look slower than the grace", time.Minute, 12 * time.Second, 1},
		// Looks at 0, 3, 7 and 10 s, each taking 1 s: the last begins as the period ends.
		{"the last look, at the period's end", 10 * time.Second, time.Second, 4},
		{"a look that outlasts the period and the grace", 5 * time.Second, 15 * time.Second, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &clockTenant{lag: func(int) time.Duration { return tc.lag }, rows: func(n int, meta string) string {
					if n < tc.from {
						return ""
					}
					return row(meta)
				}}
				sent := time.Now()
				res, err := s.client(t, facade.WithSettlePeriod(tc.period)).Create(context.Background(), req)
				if tc.lag > tc.period {
					var ue *facade.UnsettledError
					require.ErrorAs(t, err, &ue)
					assert.ErrorIs(t, ue.LookupErr, context.DeadlineExceeded)
					assert.Equal(t, sent.Add(-5*time.Minute), ue.Lookup.From)
					assert.Equal(t, sent.Add(tc.period+5*time.Minute), ue.Lookup.To)
					assert.Equal(t, 10*time.Second, ue.Lookup.Elapsed, "cut at the grace")
					return
				}
				require.NoError(t, noteErr(err))
				require.NotNil(t, res.Settled)
				assert.Equal(t, 1, res.Settled.Matched)
				assert.EqualValues(t, tc.from, s.listings.Load())
			})
		})
	}
}
