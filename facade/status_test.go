package facade_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/gen"
)

// pager serves a listing of total synthetic statuses and records the offsets asked for. It can
// also behave as some tenants do: answer 400 for an offset at or past the end (end400), send a
// total that lies (claim), and grow after the first request (grownTotal).
type pager struct {
	total      int
	failAt     int    // offset answered 500 (after the retries run out), -1 for none
	end400     bool   // an offset at or past the end is answered 400 "offset invalid"
	claim      string // X-Total-Count to send instead of the truth, when not empty
	grownTotal int    // the total from the second request on, when not 0
	requests   atomic.Int64
	mu         sync.Mutex
	offsets    []int
}

func (p *pager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	p.requests.Add(1)
	p.mu.Lock()
	p.offsets = append(p.offsets, offset)
	total := p.total
	if len(p.offsets) > 1 && p.grownTotal > 0 {
		total = p.grownTotal
	}
	p.mu.Unlock()
	switch {
	case offset == p.failAt:
		reply(500, errorJSON)(w, r)
		return
	case p.end400 && offset > 0 && offset >= total:
		reply(400, `{"detailCode":"400.1 Bad Request Content","messages":[{"text":"offset invalid"}]}`)(w, r)
		return
	}
	items := []facade.Status{}
	for i := offset; i < min(offset+limit, total); i++ {
		id := fmt.Sprintf("ar-%06d", i)
		items = append(items, facade.Status{AccessRequestID: id, AccountActivityItemID: id})
	}
	if q.Get("count") == "true" {
		w.Header().Set("X-Total-Count", cmp.Or(p.claim, strconv.Itoa(total)))
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(items)
}

func (p *pager) asked() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]int(nil), p.offsets...)
}

func TestListStatusVisitsEveryPageOnce(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, total := range []int{0, 1, 249, 250, 251, 500, bigListing()} {
			for _, count := range []bool{false, true} {
				t.Run(fmt.Sprintf("%d statuses, count=%v", total, count), func(t *testing.T) {
					t.Parallel()
					e := newEnvFor(t, api)
					p := &pager{total: total, failAt: -1}
					e.handle("GET /access-request-status", p.ServeHTTP)
					got, err := e.client().CollectStatus(context.Background(), facade.ListStatusParams{Count: count}, 0)
					require.NoError(t, noteErr(err))
					require.Len(t, got, total)
					for i, s := range got {
						require.Equal(t, fmt.Sprintf("ar-%06d", i), s.AccessRequestID)
					}
					var want []int
					for off := 0; off < total || off == 0; off += 250 {
						want = append(want, off)
					}
					if total > 0 && total%250 == 0 {
						want = append(want, total) // only a short page says "the end"; the total is not trusted
					}
					assert.Equal(t, want, p.asked(), "offsets asked for, each once, none past the end")
				})
			}
		}
	})
}

func TestListStatusStopsOnBreakAndContext(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		p := &pager{total: 1000, failAt: -1}
		e.handle("GET /access-request-status", p.ServeHTTP)
		c := e.client()

		n := 0
		for _, err := range c.ListStatus(context.Background(), facade.ListStatusParams{}) {
			require.NoError(t, err)
			n++
			if n == 300 {
				break
			}
		}
		assert.Equal(t, []int{0, 250}, p.asked(), "an early break fetches no further page")

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		n, errs := 0, 0
		for _, err := range c.ListStatus(ctx, facade.ListStatusParams{}) {
			if err != nil {
				errs++
				assert.ErrorIs(t, noteErr(err), context.Canceled)
				continue
			}
			n++
			if n == 250 {
				cancel()
			}
		}
		assert.Equal(t, 250, n)
		assert.Equal(t, 1, errs, "the error is yielded once, last")
	})
}

func TestListStatusYieldsAPageErrorOnceAndStops(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		p := &pager{total: 2000, failAt: 750}
		e.handle("GET /access-request-status", p.ServeHTTP)
		var items, errs int
		var last error
		for _, err := range e.client(facade.WithoutRetries()).ListStatus(context.Background(), facade.ListStatusParams{}) {
			if err != nil {
				errs++
				last = err
				continue
			}
			require.Zero(t, errs, "nothing after the error")
			items++
		}
		assert.Equal(t, 750, items)
		assert.Equal(t, 1, errs)
		assert.ErrorIs(t, noteErr(last), facade.ErrServer)
		assert.Equal(t, []int{0, 250, 500, 750}, p.asked())
	})
}

func TestListStatusGuardsAgainstALyingServer(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api).lax()
		calls := 0
		e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
			calls++
			id := "same"
			reply(200, mustJSON([]facade.Status{{AccessRequestID: id}}), "X-Total-Count", "1000000")(w, r)
		})
		got, err := e.client().CollectStatus(context.Background(), facade.ListStatusParams{PageSize: 1, Count: true}, 0)
		require.ErrorIs(t, noteErr(err), facade.ErrInconsistentPage)
		assert.Len(t, got, 1, "the repeated page is not yielded again")
		assert.Equal(t, 2, calls, "the listing stops at the repeat instead of paging to the lying total")
	})
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCloseSendsChunksAndAccountsForEveryID(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		ids := make([]string, 10000)
		for i := range ids {
			ids[i] = fmt.Sprintf("ar-%05d", i)
		}
		for _, tc := range []struct {
			name      string
			failChunk int // 1-based, 0 for none
			accepted  int
		}{{"all accepted", 0, 10000}, {"failure on chunk 7", 7, 3000}} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api)
				var mu sync.Mutex
				var sizes []int
				e.handle("POST /access-requests/close", func(w http.ResponseWriter, r *http.Request) {
					var body gen.CloseAccessRequest
					require.NoError(t, json.NewDecoder(r.Body).Decode(&body))
					mu.Lock()
					sizes = append(sizes, len(body.AccessRequestIDs))
					n := len(sizes)
					mu.Unlock()
					if n == tc.failChunk {
						reply(400, errorJSON)(w, r)
						return
					}
					reply(202, `{}`)(w, r)
				})
				res, err := e.client().CloseRequests(context.Background(), facade.CloseRequestsParams{IDs: ids, ExecutionStatus: facade.ExecutionStatusTerminated})
				if tc.failChunk == 0 {
					require.NoError(t, noteErr(err))
					assert.Equal(t, 20, res.Calls)
					assert.Len(t, sizes, 20)
				} else {
					require.ErrorIs(t, noteErr(err), facade.ErrBadRequest)
					assert.Equal(t, tc.failChunk, res.Calls)
					assert.Len(t, res.Refused, 500)
					assert.Len(t, res.NotSent, 10000-tc.accepted-500)
					assert.Len(t, res.NotAccepted(), 10000-tc.accepted)
					assert.Equal(t, ids[tc.accepted:], res.NotAccepted())
				}
				assert.Len(t, res.Accepted, tc.accepted)
				assert.Equal(t, ids[:tc.accepted], res.Accepted)
				for _, s := range sizes {
					assert.LessOrEqual(t, s, facade.MaxCloseIDs)
				}
			})
		}
	})
}

func TestCloseRefusesBadInput(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		_, err := e.client().CloseRequests(context.Background(), facade.CloseRequestsParams{IDs: []string{"a", "", "a"}, ExecutionStatus: "Paused", CompletionStatus: "Partial"})
		require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput)
		for _, want := range []string{"accessRequestIds[1] is empty", "accessRequestIds[2] repeats accessRequestIds[0]", "executionStatus must be Terminated or Completed",
			`completionStatus must be Success, Incomplete or Failure, got "Partial"`} {
			assert.Contains(t, err.Error(), want)
		}
		assert.Zero(t, e.calls.Load())
	})
}

func TestWaitPollsUntilAFinalState(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		states := []string{"EXECUTING", "EXECUTING", "PROVISIONING_VERIFICATION_PENDING", "REQUEST_COMPLETED"}
		var n int
		e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
			assert.Equal(t, `accessRequestId eq "ar-1"`, r.URL.Query().Get("filters"))
			s := states[min(n, len(states)-1)]
			n++
			reply(200, `[{"accessRequestId":"ar-1","state":"`+s+`"}]`)(w, r)
		})
		st, err := e.client().Wait(context.Background(), "ar-1", facade.WaitParams{Interval: time.Second, MaxInterval: 2 * time.Second})
		require.NoError(t, noteErr(err))
		assert.Equal(t, facade.StateRequestCompleted, st.State)
		assert.Equal(t, []time.Duration{time.Second, 1500 * time.Millisecond, 2 * time.Second}, e.clock.Waits())
	})
}

func TestWaitForAnUnknownID(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		e.handle("GET /access-request-status", reply(200, `[]`))
		_, err := e.client().Wait(context.Background(), "nope", facade.WaitParams{})
		require.ErrorIs(t, noteErr(err), facade.ErrNotFound)
		assert.Contains(t, err.Error(), "access request nope", "the error names the id it looked for")
		assert.EqualValues(t, 1, e.calls.Load(), "an empty answer is not polled again")
		assert.Empty(t, e.clock.Waits())
	})
}

func TestPrefetchKeepsOrderAndBoundsMemory(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, n := range []int{2, 4, 8} {
			t.Run(fmt.Sprintf("%d pages in flight", n), func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api)
				total := bigListing()
				p := &pager{total: total, failAt: -1}
				e.handle("GET /access-request-status", p.ServeHTTP)
				i := 0
				for s, err := range e.client().ListStatus(context.Background(), facade.ListStatusParams{Prefetch: n}) {
					require.NoError(t, noteErr(err))
					require.Equal(t, fmt.Sprintf("ar-%06d", i), s.AccessRequestID, "items come in order")
					page := i / 250
					for _, off := range p.asked() {
						require.LessOrEqual(t, off/250, page+n, "at most %d pages are fetched ahead of the one being read", n)
					}
					i++
				}
				assert.Equal(t, total, i)
				asked := p.asked()
				assert.Len(t, asked, total/250+1, "each page once, and one past the last full page: the total does not end a listing")
				seen := map[int]bool{}
				for _, off := range asked {
					assert.False(t, seen[off], "offset %d asked twice", off)
					seen[off] = true
				}
			})
		}
	})
}

func TestPrefetchStopsCleanlyOnBreakAndError(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		p := &pager{total: 5000, failAt: 2500}
		e.handle("GET /access-request-status", p.ServeHTTP)
		c := e.client(facade.WithoutRetries())
		n := 0
		for _, err := range c.ListStatus(context.Background(), facade.ListStatusParams{Prefetch: 4}) {
			require.NoError(t, err)
			if n++; n == 600 {
				break
			}
		}
		var items, errs int
		for _, err := range c.ListStatus(context.Background(), facade.ListStatusParams{Prefetch: 4}) {
			if err != nil {
				errs++
				assert.ErrorIs(t, noteErr(err), facade.ErrServer)
				continue
			}
			items++
		}
		assert.Equal(t, 2500, items, "everything before the failed page, in order")
		assert.Equal(t, 1, errs)

		// The first page failed: its error alone, and nothing fetched ahead.
		e = newEnvFor(t, api)
		p = &pager{total: 5000, failAt: 0}
		e.handle("GET /access-request-status", p.ServeHTTP)
		var got []error
		for _, err := range e.client(facade.WithoutRetries()).ListStatus(context.Background(), facade.ListStatusParams{Prefetch: 4}) {
			got = append(got, err)
		}
		require.Len(t, got, 1)
		assert.ErrorIs(t, noteErr(got[0]), facade.ErrServer)
		assert.EqualValues(t, 1, p.requests.Load())

		// A break at the first item: nothing fetched ahead either.
		e = newEnvFor(t, api)
		p = &pager{total: 5000, failAt: -1}
		e.handle("GET /access-request-status", p.ServeHTTP)
		for _, err := range e.client().ListStatus(context.Background(), facade.ListStatusParams{Prefetch: 4}) {
			require.NoError(t, noteErr(err))
			break
		}
		assert.EqualValues(t, 1, p.requests.Load(), "a break in the first page asks for no other")
	})
}

// TestStatusBooleansKeepFalseInJSON: booleans where false is an answer (cancelable, forwarded,
// existing) are encoded when false, so a status read and written out as JSON (the CLI's
// "status -o json") says "not cancelable" instead of leaving the field out.
func TestStatusBooleansKeepFalseInJSON(t *testing.T) {
	in := `{"accessRequestId":"r1","state":"EXECUTING","cancelable":false,
		"approvalDetails":[{"forwarded":false}],
		"manualWorkItemDetails":[{"forwarded":false}],
		"sodViolationContext":{"violationCheckResult":{"violationContexts":[{"conflictingAccessCriteria":
			{"leftCriteria":{"criteriaList":[{"existing":false}]},"rightCriteria":{"criteriaList":[{"existing":false}]}}}]}}}`
	var st facade.Status
	require.NoError(t, json.Unmarshal([]byte(in), &st))
	out, err := json.Marshal(st)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(out), `"cancelable":false`), "%s", out)
	assert.Equal(t, 2, strings.Count(string(out), `"forwarded":false`), "%s", out)
	assert.Equal(t, 2, strings.Count(string(out), `"existing":false`), "%s", out)
}

// TestStatusEnumsReadWithoutGen: the enums met reading a status are named in this package, so
// a user compares them without importing gen or writing the strings.
func TestStatusEnumsReadWithoutGen(t *testing.T) {
	in := `{"accessRequestId":"r1","state":"EXECUTING",
		"accessRequestPhases":[{"state":"EXECUTING","result":"SUCCESSFUL"}],
		"approvalDetails":[{"scheme":"MANAGER","errorMessages":[{"localeOrigin":"DEFAULT"}]}],
		"manualWorkItemDetails":[{"forwardHistory":[{"reassignmentType":"MANUAL_REASSIGNMENT"}]}],
		"requester":{"type":"IDENTITY"},
		"preApprovalTriggerDetails":{"decision":"APPROVED"},
		"sodViolationContext":{"state":"SUCCESS","violationCheckResult":{"violatedPolicies":[{"type":"SOD_POLICY"}]}}}`
	var st facade.Status
	require.NoError(t, json.Unmarshal([]byte(in), &st))
	assert.Equal(t, facade.PhaseStateExecuting, st.AccessRequestPhases[0].State)
	assert.Equal(t, facade.PhaseResultSuccessful, st.AccessRequestPhases[0].Result)
	assert.Equal(t, facade.ApprovalSchemeManager, st.ApprovalDetails[0].Scheme)
	assert.Equal(t, facade.ReassignmentTypeManualReassignment, st.ManualWorkItemDetails[0].ForwardHistory[0].ReassignmentType)
	assert.Equal(t, facade.OwnerTypeIdentity, st.Requester.Type)
	assert.Equal(t, facade.PreApprovalDecisionApproved, st.PreApprovalTriggerDetails.Decision)
	assert.Equal(t, facade.SodCheckStateSuccess, st.SodViolationContext.State)
	assert.Equal(t, facade.SodPolicyTypeSodPolicy, st.SodViolationContext.ViolationCheckResult.ViolatedPolicies[0].Type)
	assert.Equal(t, facade.LocaleOriginDefault, st.ApprovalDetails[0].ErrorMessages[0].LocaleOrigin)
}

// bigListing is the size of the long listings: 10,000 statuses (40 pages), or 3,000 (12 pages,
// still more than the largest prefetch window tested) under -short, which mutation testing runs.
func bigListing() int {
	if testing.Short() {
		return 3000
	}
	return 10000
}

// A prefetching listing that stops has ended every fetch it started: those still in flight
// are cancelled and waited for before the loop over it returns. Guards prefetch's deferred
// cancel and wait.
func TestAPrefetchThatStopsLeavesNoFetchBehind(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := &pager{total: 5000, failAt: -1}
	e.handle("GET /access-request-status", p.ServeHTTP)
	var started, ended atomic.Int64
	base := e.srv.Client().Transport
	held := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == "/oauth/token" {
			return base.RoundTrip(r)
		}
		started.Add(1)
		defer ended.Add(1)
		if off, _ := strconv.Atoi(r.URL.Query().Get("offset")); off >= 500 {
			<-r.Context().Done() // held until the listing gives it up
			return nil, r.Context().Err()
		}
		return base.RoundTrip(r)
	})
	c := e.client(facade.WithHTTPClient(&http.Client{Transport: held}))
	n := 0
	for _, err := range c.ListStatus(context.Background(), facade.ListStatusParams{Prefetch: 3}) {
		require.NoError(t, noteErr(err))
		if n++; n == 251 { // the first item of the second page
			break
		}
	}
	assert.EqualValues(t, 4, started.Load(), "the first page, then three in flight")
	assert.Equal(t, started.Load(), ended.Load(), "every fetch ended before the loop returned")
}

// SodMessages reads nothing from a status without a message, or with a message of neither
// shape (not an object, not a list of them). Guards its nil check and its last shape check.
func TestSodMessagesOfNoneOrAnotherShapeAreNone(t *testing.T) {
	assert.Nil(t, facade.SodMessages(facade.Status{}))
	var st facade.Status
	require.NoError(t, json.Unmarshal([]byte(`{"accessRequestId":"r1","sodViolationContext":{"violationCheckResult":{"message":42}}}`), &st))
	assert.Nil(t, facade.SodMessages(st))
}
