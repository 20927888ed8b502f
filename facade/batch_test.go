package facade_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// batchTenant is a fake tenant and a client of generation api for it.
func batchTenant(t *testing.T, api facade.API) (*fake.Server, *facade.Client) {
	t.Helper()
	srv := fake.NewServer()
	t.Cleanup(srv.Close)
	return srv, fakeClientFor(t, srv, api)
}

// batchPairs is every identity of n with every item of items.
func batchPairs(n int, items ...facade.BatchPair) []facade.BatchPair {
	var out []facade.BatchPair
	for i := range n {
		for _, it := range items {
			it.Identity = fmt.Sprintf("2c9180835d191a86015d28455b4c%04d", i)
			out = append(out, it)
		}
	}
	return out
}

func entitlements(n int) []facade.BatchPair {
	out := make([]facade.BatchPair, n)
	for i := range out {
		out[i] = facade.BatchPair{Type: facade.ItemTypeEntitlement, ItemID: fmt.Sprintf("ent-%03d", i)}
	}
	return out
}

// pendingOnTheFake is every (identity, type, item) the fake holds an executing request of kind for.
func pendingOnTheFake(srv *fake.Server, kind facade.RequestType) map[string]int {
	out := map[string]int{}
	for _, st := range srv.Statuses() {
		if st.RequestType == kind && !facade.IsFinal(st.State) {
			out[st.RequestedFor.ID+" "+string(st.Type)+" "+st.ID]++
		}
	}
	return out
}

// 25 identities each granted the same 30 entitlements: each identity's items are cut into runs
// of 25 and 5, and identities asking for the same run share creates of at most 10: 3 creates
// for the runs of 25 and 3 for the runs of 5. Every pair ends pending on the fake once, and
// every create the fake received kept to the vendor's limits (the fake refuses one that does
// not: 400).
func TestSubmitBatchPacksGrantsWithinTheVendorsLimits(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		srv, c := batchTenant(t, api)
		pairs := batchPairs(25, entitlements(30)...)
		res, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeGrant, Pairs: pairs,
			ClientMetadata: map[string]string{"changeTicket": "CHG0031337"}})
		require.NoError(t, noteErr(err))
		assert.Equal(t, 6, res.Calls)
		assert.Equal(t, 6, srv.Creates())
		sent := 0
		for _, cr := range res.Sent {
			sent += len(cr.Pairs)
			assert.Equal(t, "answered", cr.How)
			assert.NotEmpty(t, cr.IDs)
		}
		assert.Equal(t, len(pairs), sent)
		assert.Empty(t, res.Skipped)
		assert.Empty(t, res.Unknown)
		pending := pendingOnTheFake(srv, facade.RequestTypeGrant)
		assert.Len(t, pending, len(pairs))
		for _, pr := range pairs {
			assert.Equal(t, 1, pending[pr.Identity+" ENTITLEMENT "+pr.ItemID], "%v", pr)
		}
		for _, st := range srv.Statuses() {
			assert.Equal(t, "CHG0031337", st.ClientMetadata["changeTicket"], "the caller's metadata is kept")
			assert.Len(t, st.ClientMetadata[facade.BatchKey], 32, "every create carries its batch key")
		}
	})
}

// A revoke is one identity and at most one entitlement per create; roles ride beside it.
func TestSubmitBatchPacksRevokesOneIdentityAndOneEntitlement(t *testing.T) {
	t.Parallel()
	_, c := batchTenant(t, facade.APIV1)
	items := append(entitlements(3), facade.BatchPair{Type: facade.ItemTypeRole, ItemID: "role-1"})
	for i := range items {
		items[i].Comment = "leaver"
	}
	pairs := batchPairs(2, items...)
	res, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeRevoke, Pairs: pairs})
	require.NoError(t, noteErr(err))
	assert.Equal(t, 6, res.Calls, "3 entitlements for each of 2 identities, the role beside the last")
	for _, cr := range res.Sent {
		ents := 0
		for _, pr := range cr.Pairs {
			assert.Equal(t, cr.Pairs[0].Identity, pr.Identity, "one identity per revoke")
			if pr.Type == facade.ItemTypeEntitlement {
				ents++
			}
		}
		assert.LessOrEqual(t, ents, 1)
	}
}

// Pairs with a request of the same type already pending are skipped, as the vendor advises; a
// pair given twice is sent once.
func TestSubmitBatchSkipsWhatIsAlreadyPending(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		srv, c := batchTenant(t, api)
		pairs := batchPairs(3, entitlements(2)...)
		first, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeGrant, Pairs: pairs[:2]})
		require.NoError(t, noteErr(err))
		require.Equal(t, 1, first.Calls)
		res, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeGrant, Pairs: append(pairs, pairs[5])})
		require.NoError(t, noteErr(err))
		assert.ElementsMatch(t, append(pairs[:2:2], pairs[5]), res.Skipped, "the two pending, and the pair given twice")
		assert.Equal(t, 4, countSent(res))
		assert.Equal(t, 2, srv.Creates(), "one create for the first two, one for the other four")
		for k, n := range pendingOnTheFake(srv, facade.RequestTypeGrant) {
			assert.Equal(t, 1, n, k)
		}
	})
}

func countSent(res *facade.BatchResult) int {
	n := 0
	for _, cr := range res.Sent {
		n += len(cr.Pairs)
	}
	return n
}

// What no create could carry is refused before anything is sent, naming each field.
func TestSubmitBatchRefusesBadPairsBeforeSending(t *testing.T) {
	t.Parallel()
	srv, c := batchTenant(t, facade.APIV1)
	_, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeRevoke,
		ClientMetadata: map[string]string{facade.BatchKey: "mine"},
		Pairs:          []facade.BatchPair{{Identity: " ", Type: "APP", ItemID: ""}, {Identity: "id", Type: facade.ItemTypeRole, ItemID: "r"}}})
	require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput)
	for _, want := range []string{"pairs[0].identity is empty", "pairs[0].item is empty", `pairs[0].type must be ROLE, ACCESS_PROFILE or ENTITLEMENT, got "APP"`,
		"pairs[0].comment is required for REVOKE_ACCESS", "pairs[1].comment is required", "clientMetadata must not hold " + facade.BatchKey, "nothing was sent"} {
		assert.Contains(t, err.Error(), want)
	}
	assert.Empty(t, srv.Received())
}

// journalLine is one line of a journal, as SubmitBatch writes it.
func journalLine(t *testing.T, v map[string]any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b) + "\n"
}

// A run killed after syncing a create to the journal, at each point it can be killed: the
// create sent and acted on but its answer never journaled, the create journaled but never sent,
// and a line cut short by the kill. Run again, the batch finds the first by its key (no
// duplicate), and sends the second (not listed, not pending) only when asked to; the cut line
// is cut off, and later entries start on a line of their own.
func TestSubmitBatchResumesFromItsJournalWithoutSendingTwice(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, resend := range []bool{false, true} {
			t.Run(fmt.Sprintf("resend unsettled %v", resend), func(t *testing.T) {
				srv, c := batchTenant(t, api)
				pairs := batchPairs(3, entitlements(1)...)
				ctx := context.Background()
				// The killed run: pairs[0] sent and acted on, pairs[1] journaled only.
				acted := facade.AccessRequest{RequestType: facade.RequestTypeGrant, RequestedFor: []string{pairs[0].Identity},
					RequestedItems: []facade.AccessRequestItem{{Type: pairs[0].Type, ID: pairs[0].ItemID}},
					ClientMetadata: map[string]string{facade.BatchKey: "k-acted"}}
				_, err := c.Create(ctx, acted)
				require.NoError(t, err)
				srv.SetState(srv.Statuses()[0].AccessRequestID, facade.StateRequestCompleted) // no longer pending: only the key finds it
				now := srv.Statuses()[0].Created
				journal := filepath.Join(t.TempDir(), "batch.journal")
				text := journalLine(t, map[string]any{"event": "send", "key": "k-acted", "requestType": "GRANT_ACCESS", "pairs": pairs[:1], "at": now}) +
					journalLine(t, map[string]any{"event": "send", "key": "k-lost", "requestType": "GRANT_ACCESS", "pairs": pairs[1:2], "at": now}) +
					`{"event":"send","key":"k-cut","requestType":"GRANT_ACC`
				require.NoError(t, os.WriteFile(journal, []byte(text), 0o600))

				res, err := c.SubmitBatch(ctx, facade.BatchParams{RequestType: facade.RequestTypeGrant, Pairs: pairs, Journal: journal, ResendUnsettled: resend})
				if !resend {
					require.ErrorIs(t, noteErr(err), facade.ErrOutcomeUnknown, "a pair left unknown is an error the caller cannot miss")
					assert.Equal(t, pairs[1:2], res.Unknown, "journaled, not listed, not pending: check it")
				} else {
					require.NoError(t, noteErr(err))
					assert.Empty(t, res.Unknown)
				}
				var settled, answered []facade.BatchPair
				for _, cr := range res.Sent {
					switch cr.How {
					case "settled":
						settled = append(settled, cr.Pairs...)
					case "answered":
						answered = append(answered, cr.Pairs...)
					}
				}
				assert.Equal(t, pairs[:1], settled, "found by its key")
				if resend {
					assert.ElementsMatch(t, pairs[1:], answered)
				} else {
					assert.Equal(t, pairs[2:], answered)
				}
				assert.Equal(t, 1, res.Calls, "the pairs left go in one create")
				assert.Equal(t, 1+res.Calls, srv.Creates(), "the acted-on create was not sent again")

				// And once more: everything is in the journal; nothing is sent.
				before := srv.Creates()
				again, err := c.SubmitBatch(ctx, facade.BatchParams{RequestType: facade.RequestTypeGrant, Pairs: pairs, Journal: journal, ResendUnsettled: resend})
				if resend {
					require.NoError(t, noteErr(err))
				} else {
					require.ErrorIs(t, noteErr(err), facade.ErrOutcomeUnknown)
				}
				assert.Equal(t, before, srv.Creates())
				assert.Zero(t, again.Calls)
				data, err := os.ReadFile(journal)
				require.NoError(t, err)
				assert.NotContains(t, string(data), "k-cut", "the line cut short is cut off")
				for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
					assert.True(t, json.Valid([]byte(line)), "line %d: %s", i+1, line)
				}
				fi, err := os.Stat(journal)
				require.NoError(t, err)
				assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
			})
		}
	})
}

// A create whose answer is lost after the tenant acted, and which Create then finds by its own
// lookup (settling), is journaled as sent, "settled": run again with the journal, the batch
// sends nothing and looks nothing up (no listing at all).
func TestSubmitBatchJournalsACreateThatSettledItselfAsSent(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		srv := fake.NewServer()
		t.Cleanup(srv.Close)
		c := fakeClientFor(t, srv, api, facade.WithSettlePeriod(5*time.Second))
		srv.FailNext(fake.NextFault{Method: http.MethodPost, Path: wirePath(api, "/access-requests"), Reset: true})
		pairs := batchPairs(2, entitlements(1)...)
		journal := filepath.Join(t.TempDir(), "batch.journal")
		ctx := context.Background()
		p := facade.BatchParams{RequestType: facade.RequestTypeGrant, Pairs: pairs, Journal: journal}

		res, err := c.SubmitBatch(ctx, p)
		require.NoError(t, noteErr(err))
		require.Len(t, res.Sent, 1)
		assert.Equal(t, "settled", res.Sent[0].How, "found by Create's lookup, not answered")
		assert.Len(t, res.Sent[0].IDs, 2)
		assert.Equal(t, 1, srv.Creates())
		data, err := os.ReadFile(journal)
		require.NoError(t, err)
		assert.Contains(t, string(data), `"event":"sent"`)
		assert.Contains(t, string(data), `"how":"settled"`)

		before := len(srv.Received())
		again, err := c.SubmitBatch(ctx, p)
		require.NoError(t, noteErr(err))
		assert.Zero(t, again.Calls)
		require.Len(t, again.Sent, 1)
		assert.Equal(t, "earlier run", again.Sent[0].How)
		assert.Equal(t, before, len(srv.Received()), "nothing sent or looked up again")
		assert.Equal(t, 1, srv.Creates())
	})
}

// PlanBatch shows the creates SubmitBatch would send, sends nothing, and refuses what
// SubmitBatch refuses.
func TestPlanBatchShowsTheCreatesAndSendsNothing(t *testing.T) {
	t.Parallel()
	srv, c := batchTenant(t, facade.APIV1)
	pairs := batchPairs(25, entitlements(30)...)
	plan, err := c.PlanBatch(facade.BatchParams{RequestType: facade.RequestTypeGrant, Pairs: append(pairs, pairs[0])})
	require.NoError(t, err)
	require.Len(t, plan, 6, "as SubmitBatch packs them; the pair given twice once")
	n := 0
	for _, req := range plan {
		assert.LessOrEqual(t, len(req.RequestedFor), facade.MaxBatchIdentities)
		assert.LessOrEqual(t, len(req.RequestedItems), facade.MaxBatchItems)
		assert.Len(t, req.ClientMetadata[facade.BatchKey], 32)
		n += len(req.RequestedFor) * len(req.RequestedItems)
	}
	assert.Equal(t, len(pairs), n)
	_, err = c.PlanBatch(facade.BatchParams{RequestType: facade.RequestTypeRevoke, Pairs: pairs[:1]})
	require.ErrorIs(t, err, facade.ErrInvalidInput)
	assert.Contains(t, err.Error(), "pairs[0].comment is required for REVOKE_ACCESS")
	assert.Empty(t, srv.Received())
}
