package facade_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// revokePairs is n entitlement revokes of one identity, each its own create (a revoke holds at
// most one entitlement), in order.
func revokePairs(identity string, n int) []facade.BatchPair {
	out := entitlements(n)
	for i := range out {
		out[i].Identity, out[i].Comment = identity, "leaver"
	}
	return out
}

// journalEvents reads a journal back as "event key" lines, in order, and each line's decoded
// entry.
func journalEvents(t *testing.T, path string) ([]string, []map[string]any) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var events []string
	var entries []map[string]any
	for line := range strings.Lines(string(data)) {
		var e map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &e), line)
		events = append(events, fmt.Sprint(e["event"], " ", e["key"]))
		entries = append(entries, e)
	}
	return events, entries
}

// writeJournal writes a journal holding text (lines as journalLine makes them, or others) in
// a directory of the test's own, and returns its path.
func writeJournal(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "batch.journal")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

// openFilesOn counts this process's open descriptors on path (Linux's /proc/self/fd; -1 where
// there is none to read).
func openFilesOn(t *testing.T, path string) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && target == path {
			n++
		}
	}
	return n
}

// statusListings counts the status listings the fake received.
func statusListings(srv *fake.Server, api facade.API) int {
	n := 0
	for _, r := range srv.Received() {
		if r.Method == http.MethodGet && r.Path == wirePath(api, "/access-request-status") {
			n++
		}
	}
	return n
}

// Three creates of one identity, one answered, one refused (400 before the tenant acted) and
// one whose answer is lost after the tenant acted (outcome unknown, settling off), in either
// order: each create's pairs land in Sent, Refused or Unknown; the error is the last of them
// (the refusal, or Create's own unknown outcome); the journal holds each create's send and its
// outcome, named by its key; Progress sees the counts after each create; one listing asks what
// is pending. Run again with the journal: the refused create is sent again, the unknown one is
// found by its key, the answered one is taken from the journal: nothing is sent twice, and the
// journal is closed when the batch returns. Guards SubmitBatch's outcome switch, its journal
// entries, progress and countPairs, identitiesOf, earlierRuns' "refused" case and the journal's
// close.
func TestABatchSortsEachCreateByItsOutcomeAndJournalsIt(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, unknownFirst := range []bool{true, false} {
			t.Run(fmt.Sprintf("unknown first %v", unknownFirst), func(t *testing.T) {
				srv := fake.NewServer()
				t.Cleanup(srv.Close)
				c := fakeClientFor(t, srv, api, facade.WithoutSettling())
				post := wirePath(api, "/access-requests")
				lost := fake.NextFault{Method: http.MethodPost, Path: post, Reset: true}
				refused := fake.NextFault{Method: http.MethodPost, Path: post, Status: http.StatusBadRequest}
				unknownAt, refusedAt := 0, 1
				if unknownFirst {
					srv.FailNext(lost, refused)
				} else {
					srv.FailNext(refused, lost)
					unknownAt, refusedAt = 1, 0
				}
				pairs := revokePairs("2c9180835d191a86015d28455b4c0001", 3)
				journal := filepath.Join(t.TempDir(), "batch.journal")
				var seen []facade.BatchProgress
				p := facade.BatchParams{RequestType: facade.RequestTypeRevoke, Pairs: pairs, Journal: journal,
					Progress: func(bp facade.BatchProgress) { seen = append(seen, bp) }}

				res, err := c.SubmitBatch(context.Background(), p)
				require.Error(t, noteErr(err))
				assert.Equal(t, res.Err, err)
				assert.Equal(t, pairs[unknownAt:unknownAt+1], res.Unknown)
				assert.Equal(t, pairs[refusedAt:refusedAt+1], res.Refused)
				require.Len(t, res.Sent, 1)
				assert.Equal(t, pairs[2:], res.Sent[0].Pairs)
				assert.Equal(t, "answered", res.Sent[0].How)
				assert.NotEmpty(t, res.Sent[0].IDs)
				assert.Empty(t, res.NotSent)
				assert.Equal(t, 3, res.Calls)
				assert.Equal(t, 2, srv.Creates(), "the refused create was not acted on")
				if unknownFirst {
					assert.NotErrorIs(t, err, facade.ErrOutcomeUnknown, "the last refusal")
					var apiErr *facade.APIError
					require.ErrorAs(t, err, &apiErr)
					assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
				} else {
					require.ErrorIs(t, err, facade.ErrOutcomeUnknown, "Create's own unknown outcome")
					assert.NotContains(t, err.Error(), "earlier run")
				}
				assert.Equal(t, []facade.BatchProgress{
					{Pairs: 3, Unknown: 1 - unknownAt, Refused: 1 - refusedAt},
					{Pairs: 3, Unknown: 1, Refused: 1},
					{Pairs: 3, Sent: 1, Unknown: 1, Refused: 1},
				}, seen)
				assert.Equal(t, 1, statusListings(srv, api), "one listing for the one identity's pending requests")

				events, entries := journalEvents(t, journal)
				require.Len(t, events, 6)
				outcome := []string{"unknown", "refused"}
				if !unknownFirst {
					outcome[0], outcome[1] = outcome[1], outcome[0]
				}
				for i, want := range []string{"send", outcome[0], "send", outcome[1], "send", "sent"} {
					assert.Equal(t, want, entries[i]["event"], "line %d", i+1)
					assert.Equal(t, entries[i-i%2]["key"], entries[i]["key"], "line %d names its create", i+1)
				}
				assert.NotEmpty(t, entries[1]["error"])
				assert.NotEmpty(t, entries[3]["error"])
				assert.Equal(t, 0, max(openFilesOn(t, journal), 0), "the journal is closed when the batch returns")

				// Again: the refused pair is sent, the unknown one found by its key.
				again, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeRevoke, Pairs: pairs, Journal: journal})
				require.NoError(t, noteErr(err))
				assert.Equal(t, 1, again.Calls)
				assert.Equal(t, 3, srv.Creates(), "nothing acted on twice")
				assert.Empty(t, again.Unknown)
				hows := map[string][]facade.BatchPair{}
				for _, cr := range again.Sent {
					hows[cr.How] = append(hows[cr.How], cr.Pairs...)
				}
				assert.Equal(t, map[string][]facade.BatchPair{"earlier run": pairs[2:], "settled": pairs[unknownAt : unknownAt+1],
					"answered": pairs[refusedAt : refusedAt+1]}, hows)
				assert.Equal(t, 0, max(openFilesOn(t, journal), 0))
			})
		}
	})
}

// A journal SubmitBatch cannot open (its directory is missing) refuses the batch before
// anything is sent, with the open's error. Guards openJournal's and SubmitBatch's checks of it.
func TestABatchWhoseJournalCannotBeOpenedSendsNothing(t *testing.T) {
	t.Parallel()
	srv, c := batchTenant(t, facade.APIV1)
	journal := filepath.Join(t.TempDir(), "missing", "batch.journal")
	res, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeGrant,
		Pairs: batchPairs(2, entitlements(1)...), Journal: journal})
	require.ErrorIs(t, noteErr(err), fs.ErrNotExist)
	assert.Contains(t, err.Error(), "accessrequests: SubmitBatch: open "+journal)
	assert.Nil(t, res)
	assert.Empty(t, srv.Received(), "not even a listing")
}

// A journal line that is not JSON (other than a last line cut short) refuses the batch: the
// error names the journal and the line, nothing is sent, and the journal is not left open.
// Guards openJournal's parse error, its message and its Close.
func TestABatchWhoseJournalHasABadLineNamesItAndSendsNothing(t *testing.T) {
	t.Parallel()
	srv, c := batchTenant(t, facade.APIV1)
	pairs := batchPairs(1, entitlements(1)...)
	text := journalLine(t, map[string]any{"event": "send", "key": "k-1", "requestType": "GRANT_ACCESS", "pairs": pairs}) +
		"not json\n" + journalLine(t, map[string]any{"event": "sent", "key": "k-1"})
	journal := writeJournal(t, text)
	res, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeGrant, Pairs: pairs, Journal: journal})
	require.Error(t, noteErr(err))
	assert.Nil(t, res)
	assert.Contains(t, err.Error(), "accessrequests: SubmitBatch: journal "+journal+": line 2: invalid character")
	assert.Empty(t, srv.Received())
	assert.Equal(t, 0, max(openFilesOn(t, journal), 0), "the journal is closed")
	data, err := os.ReadFile(journal)
	require.NoError(t, err)
	assert.Equal(t, text, string(data), "left as it was")
}

// farClockTenant is a fake tenant and a client whose clock reads the year 10000, past what a
// time's JSON can hold (four-digit years).
func farClockTenant(t *testing.T) (*fake.Server, *facade.Client) {
	t.Helper()
	srv := fake.NewServer()
	t.Cleanup(srv.Close)
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	return srv, fakeClientFor(t, srv, facade.APIV1, facade.WithClock(func() time.Time { return far }, facade.Sleep))
}

// A batch whose clock is past what a journal line can hold (the year 10000: a time's JSON has
// four-digit years) cannot journal its first create, so it sends none: every pair NotSent, the
// journal's error returned. Guards batchJournal.append's marshal check and SubmitBatch's check
// of the send's entry.
func TestABatchThatCannotJournalACreateDoesNotSendIt(t *testing.T) {
	t.Parallel()
	srv, c := farClockTenant(t)
	pairs := revokePairs("2c9180835d191a86015d28455b4c0001", 2)
	res, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeRevoke, Pairs: pairs,
		Journal: filepath.Join(t.TempDir(), "batch.journal")})
	require.Error(t, noteErr(err))
	assert.Contains(t, err.Error(), "accessrequests: SubmitBatch: journal: json: error calling MarshalJSON for type time.Time")
	assert.Equal(t, pairs, res.NotSent)
	assert.Zero(t, res.Calls)
	assert.Zero(t, srv.Creates())
}

// The listing a batch reads first fails (400): no pair is sent, every pair is NotSent, and
// the listing's error is the batch's. Both listings: the pending requests' (no journal), and
// the lookup of an earlier run's create never seen answered (a journal). Guards the error
// checks of pendingPairs, findByMetadata and SubmitBatch after each.
func TestABatchWhoseFirstListingFailsSendsNothing(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, earlier := range []bool{false, true} {
			t.Run(fmt.Sprintf("earlier run %v", earlier), func(t *testing.T) {
				srv, c := batchTenant(t, api)
				pairs := batchPairs(2, entitlements(1)...)
				p := facade.BatchParams{RequestType: facade.RequestTypeGrant, Pairs: pairs}
				if earlier {
					p.Journal = writeJournal(t, journalLine(t, map[string]any{"event": "send", "key": "k-lost", "requestType": "GRANT_ACCESS", "pairs": pairs[:1], "at": time.Now().UTC()}))
				}
				srv.FailNext(fake.NextFault{Method: http.MethodGet, Path: wirePath(api, "/access-request-status"), Status: http.StatusBadRequest})
				res, err := c.SubmitBatch(context.Background(), p)
				var apiErr *facade.APIError
				require.ErrorAs(t, noteErr(err), &apiErr)
				assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
				assert.Equal(t, res.Err, err)
				assert.Equal(t, pairs, res.NotSent)
				assert.Empty(t, res.Sent)
				assert.Empty(t, res.Unknown)
				assert.Zero(t, res.Calls)
				assert.Zero(t, srv.Creates())
			})
		}
	})
}

// A batch whose context ends after its first create (Progress cancels it) sends no other:
// the rest are NotSent and the context's error is the batch's. Guards SubmitBatch's check of
// ctx between creates.
func TestABatchStopsBetweenCreatesWhenItsContextEnds(t *testing.T) {
	t.Parallel()
	srv, c := batchTenant(t, facade.APIV1)
	pairs := revokePairs("2c9180835d191a86015d28455b4c0001", 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := c.SubmitBatch(ctx, facade.BatchParams{RequestType: facade.RequestTypeRevoke, Pairs: pairs,
		Progress: func(facade.BatchProgress) { cancel() }})
	require.ErrorIs(t, noteErr(err), context.Canceled)
	assert.Equal(t, res.Err, err)
	assert.Equal(t, 1, res.Calls)
	assert.Equal(t, 1, srv.Creates())
	require.Len(t, res.Sent, 1)
	assert.Equal(t, pairs[:1], res.Sent[0].Pairs)
	assert.Equal(t, pairs[1:], res.NotSent)
}

// A journal holds an earlier run's entries of every kind, and a run of the other request type
// (a revoke run); a grant batch now reads it. The revoke run's creates count for nothing (their
// pair is sent again as a grant); a create answered is taken from the journal once even if its
// line is repeated; a create never seen answered and found by its key holds only the pairs
// asked for now, with its ids sorted, and is journaled "settled"; one never seen answered whose
// identity has only other requests in the window is Unknown. Guards earlierRuns (the type,
// the sent case, the pairs kept) and findByMetadata's match and sort.
func TestABatchReadsAnEarlierRunsJournalForItsOwnTypeAndPairs(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		srv, c := batchTenant(t, api)
		const a, b, x = "2c9180835d191a86015d28455b4c00aa", "2c9180835d191a86015d28455b4c00bb", "2c9180835d191a86015d28455b4c00cc"
		ent := func(id, item string) facade.BatchPair {
			return facade.BatchPair{Identity: id, Type: facade.ItemTypeEntitlement, ItemID: item}
		}
		at := time.Now().UTC().Truncate(time.Second)
		// The create k-found reached the tenant: its requests carry its key (ids made to be listed
		// out of order).
		for _, row := range []struct{ identity, id string }{{a, "ar-2"}, {b, "ar-1"}} {
			srv.AddStatus(fake.Status{AccessRequestID: row.id, RequestType: facade.RequestTypeGrant, State: facade.StateExecuting,
				Type: facade.ItemTypeEntitlement, ID: "e2", Created: at, Modified: at, RequestedFor: facade.AccessItemRequestedFor{ID: row.identity},
				ClientMetadata: map[string]string{facade.BatchKey: "k-found"}})
		}
		revoked := ent(a, "e1")
		revoked.Comment = "leaver"
		journal := writeJournal(t, journalLine(t, map[string]any{"event": "send", "key": "k-revoke", "requestType": "REVOKE_ACCESS", "pairs": []facade.BatchPair{revoked}, "at": at})+
			journalLine(t, map[string]any{"event": "sent", "key": "k-revoke", "ids": []string{"ar-r"}, "how": "answered"})+
			journalLine(t, map[string]any{"event": "send", "key": "k-found", "requestType": "GRANT_ACCESS", "pairs": []facade.BatchPair{ent(a, "e2"), ent(b, "e2"), ent(x, "e2")}, "at": at})+
			journalLine(t, map[string]any{"event": "send", "key": "k-lost", "requestType": "GRANT_ACCESS", "pairs": []facade.BatchPair{ent(a, "e3")}, "at": at})+
			journalLine(t, map[string]any{"event": "send", "key": "k-done", "requestType": "GRANT_ACCESS", "pairs": []facade.BatchPair{ent(b, "e1")}, "at": at})+
			journalLine(t, map[string]any{"event": "sent", "key": "k-done", "ids": []string{"ar-d"}, "how": "answered"})+
			journalLine(t, map[string]any{"event": "sent", "key": "k-done", "ids": []string{"ar-d"}, "how": "answered"}))

		pairs := []facade.BatchPair{ent(a, "e1"), ent(a, "e2"), ent(b, "e2"), ent(a, "e3"), ent(b, "e1")}
		res, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeGrant, Pairs: pairs, Journal: journal})
		require.ErrorIs(t, noteErr(err), facade.ErrOutcomeUnknown)
		assert.Equal(t, []facade.BatchPair{ent(a, "e3")}, res.Unknown, "k-lost: its identity's rows carry another key")
		require.Len(t, res.Sent, 3)
		assert.Equal(t, facade.BatchCreate{Key: "k-done", Pairs: []facade.BatchPair{ent(b, "e1")}, IDs: []string{"ar-d"}, How: "earlier run"}, res.Sent[0])
		assert.Equal(t, facade.BatchCreate{Key: "k-found", Pairs: []facade.BatchPair{ent(a, "e2"), ent(b, "e2")}, IDs: []string{"ar-1", "ar-2"}, How: "settled"}, res.Sent[1],
			"only the pairs asked for now; ids sorted")
		assert.Equal(t, []facade.BatchPair{ent(a, "e1")}, res.Sent[2].Pairs, "the revoke run's pair is granted")
		assert.Equal(t, "answered", res.Sent[2].How)
		assert.Equal(t, 1, res.Calls)
		assert.Equal(t, 1, srv.Creates())
		_, entries := journalEvents(t, journal)
		settled := entries[7]
		assert.Equal(t, map[string]any{"event": "sent", "key": "k-found", "ids": []any{"ar-1", "ar-2"}, "how": "settled"}, settled)
		for _, r := range srv.Received() {
			assert.NotContains(t, r.Query, x, "no lookup for a pair not asked for now")
		}
	})
}

// A grant batch skips a pair only for a pending request of its own type (a pending revoke of
// the same item does not count); a batch of one pair is sent; a revoke packs the roles before
// its one entitlement into the same create. Guards pendingPairs' type check, checkBatch's
// bound on the pairs and packPairs' count of a revoke's entitlements.
func TestABatchSkipsOnlyPendingRequestsOfItsOwnType(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		srv, c := batchTenant(t, api)
		const id = "2c9180835d191a86015d28455b4c00aa"
		srv.AddStatus(fake.Status{RequestType: facade.RequestTypeRevoke, State: facade.StateExecuting, Type: facade.ItemTypeEntitlement,
			ID: "e1", Created: time.Now().UTC(), RequestedFor: facade.AccessItemRequestedFor{ID: id}})
		pair := facade.BatchPair{Identity: id, Type: facade.ItemTypeEntitlement, ItemID: "e1"}
		res, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeGrant, Pairs: []facade.BatchPair{pair}})
		require.NoError(t, noteErr(err))
		assert.Empty(t, res.Skipped, "a pending revoke is no pending grant")
		require.Len(t, res.Sent, 1)
		assert.Equal(t, []facade.BatchPair{pair}, res.Sent[0].Pairs)

		role := facade.BatchPair{Identity: id, Type: facade.ItemTypeRole, ItemID: "r1", Comment: "leaver"}
		revoke := facade.BatchPair{Identity: id, Type: facade.ItemTypeEntitlement, ItemID: "e9", Comment: "leaver"}
		res, err = c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeRevoke, Pairs: []facade.BatchPair{role, revoke}})
		require.NoError(t, noteErr(err))
		assert.Equal(t, 1, res.Calls, "a role beside the one entitlement")
	})
}

// Identities share a create only when their items are the same in type, id and comment, in
// order; items that differ in any of these (or only in where one comment ends and the next
// item starts) keep their identities apart, and each identity is asked exactly its own items.
// Guards itemsSignature.
func TestABatchGroupsIdentitiesOnlyWhenTheirItemsAreTheSame(t *testing.T) {
	t.Parallel()
	_, c := batchTenant(t, facade.APIV1)
	item := func(identity string, typ facade.ItemType, id, comment string) facade.BatchPair {
		return facade.BatchPair{Identity: identity, Type: typ, ItemID: id, Comment: comment}
	}
	pairs := []facade.BatchPair{
		item("id-a", facade.ItemTypeRole, "x", ""),
		item("id-b", facade.ItemTypeEntitlement, "x", ""),
		item("id-c", facade.ItemTypeRole, "y", ""),
		item("id-d", facade.ItemTypeRole, "x", "other"),
		item("id-e", facade.ItemTypeRole, "r1", "a"), item("id-e", facade.ItemTypeRole, "r2", "b"),
		item("id-f", facade.ItemTypeRole, "r1", "aROLE\x00r2\x00b"),
		item("id-g", facade.ItemTypeRole, "x", ""),
		item("id-h", facade.ItemTypeRole, "ab", ""),
		item("id-i", facade.ItemTypeRole, "a", "b"),
	}
	plan, err := c.PlanBatch(facade.BatchParams{RequestType: facade.RequestTypeGrant, Pairs: pairs})
	require.NoError(t, err)
	asked := map[string][]facade.BatchPair{}
	for _, req := range plan {
		for _, who := range req.RequestedFor {
			for _, it := range req.RequestedItems {
				asked[who] = append(asked[who], item(who, it.Type, it.ID, it.Comment))
			}
		}
	}
	want := map[string][]facade.BatchPair{}
	for _, pr := range pairs {
		want[pr.Identity] = append(want[pr.Identity], pr)
	}
	assert.Equal(t, want, asked)
	require.Len(t, plan, 8, "id-a and id-g share a create; every other identity has its own")
	assert.True(t, slices.ContainsFunc(plan, func(r facade.AccessRequest) bool {
		return slices.Equal(r.RequestedFor, []string{"id-a", "id-g"})
	}))
}

// An identity's grant of exactly MaxBatchItems items is one create, of twice as many two: no
// create is planned for the nothing left after the last full run. Guards packPairs' `start <
// len(items)`.
func TestAGrantOfExactlyMaxBatchItemsIsOneCreate(t *testing.T) {
	t.Parallel()
	_, c := batchTenant(t, facade.APIV1)
	for _, n := range []int{facade.MaxBatchItems, 2 * facade.MaxBatchItems} {
		var pairs []facade.BatchPair
		for i := range n {
			pairs = append(pairs, facade.BatchPair{Identity: "id-a", Type: facade.ItemTypeRole, ItemID: fmt.Sprintf("r%d", i)})
		}
		plan, err := c.PlanBatch(facade.BatchParams{RequestType: facade.RequestTypeGrant, Pairs: pairs})
		require.NoError(t, err)
		require.Len(t, plan, n/facade.MaxBatchItems, "%d items", n)
		for _, req := range plan {
			assert.Len(t, req.RequestedItems, facade.MaxBatchItems, "%d items", n)
		}
	}
}

// SubmitBatch and PlanBatch refuse, before anything is sent, a request type other than grant
// and revoke and a batch without pairs, naming the field and the rule. Guards checkBatch.
func TestABatchRefusesAnotherRequestTypeAndNoPairs(t *testing.T) {
	t.Parallel()
	srv, c := batchTenant(t, facade.APIV1)
	p := facade.BatchParams{RequestType: facade.RequestTypeModify}
	_, err := c.SubmitBatch(context.Background(), p)
	require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput)
	assert.Contains(t, err.Error(), `requestType must be GRANT_ACCESS or REVOKE_ACCESS, got "MODIFY_ACCESS"`)
	assert.Contains(t, err.Error(), "pairs must hold at least one pair")
	_, err = c.PlanBatch(p)
	require.ErrorIs(t, err, facade.ErrInvalidInput)
	assert.Contains(t, err.Error(), "pairs must hold at least one pair")
	assert.Empty(t, srv.Received())
}

// An earlier run's create never seen answered is looked for among the requests created within
// 10 minutes either side of its send: one whose key is on a request created 9 minutes before
// is found, one whose key is on a request created 11 minutes before is not (Unknown). Guards
// lookupSkew.
func TestABatchLooksForAnEarlierRunsCreateWithinTenMinutesOfItsSend(t *testing.T) {
	t.Parallel()
	srv, c := batchTenant(t, facade.APIV1)
	pairs := batchPairs(2, entitlements(1)...)
	at := time.Now().UTC().Truncate(time.Second)
	var text string
	for i, before := range []time.Duration{9 * time.Minute, 11 * time.Minute} {
		key := fmt.Sprintf("k-%d", i)
		srv.AddStatus(fake.Status{AccessRequestID: fmt.Sprintf("ar-%d", i), RequestType: facade.RequestTypeGrant, State: facade.StateRequestCompleted,
			Type: pairs[i].Type, ID: pairs[i].ItemID, Created: at.Add(-before), Modified: at.Add(-before),
			RequestedFor: facade.AccessItemRequestedFor{ID: pairs[i].Identity}, ClientMetadata: map[string]string{facade.BatchKey: key}})
		text += journalLine(t, map[string]any{"event": "send", "key": key, "requestType": "GRANT_ACCESS", "pairs": pairs[i : i+1], "at": at})
	}
	res, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeGrant, Pairs: pairs, Journal: writeJournal(t, text)})
	require.ErrorIs(t, noteErr(err), facade.ErrOutcomeUnknown)
	require.Len(t, res.Sent, 1)
	assert.Equal(t, facade.BatchCreate{Key: "k-0", Pairs: pairs[:1], IDs: []string{"ar-0"}, How: "settled"}, res.Sent[0])
	assert.Equal(t, pairs[1:], res.Unknown)
	assert.Zero(t, res.Calls)
}

// A batch stopped by its journal returns the result's Err, as SubmitBatch's doc says (it was
// nil at the three sites that return a journal error).
func TestABatchStoppedByItsJournalSetsItsResultsErr(t *testing.T) {
	_, c := farClockTenant(t)
	res, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeGrant,
		Pairs: batchPairs(1, entitlements(1)...), Journal: filepath.Join(t.TempDir(), "batch.journal")})
	require.Error(t, err)
	assert.Equal(t, err, res.Err)
}
