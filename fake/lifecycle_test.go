package fake_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/fake"
	"github.com/sailkit/accessrequests/gen"
)

// states lists one request through each listing in turn and returns the states it was shown in.
func (w *wire) states(id string, listings ...string) []string {
	w.t.Helper()
	var out []string
	for _, l := range listings {
		rows := w.rows(l, url.Values{"filters": {`accessRequestId eq "` + id + `"`}})
		require.Len(w.t, rows, 1, l)
		out = append(out, string(rows[0].State))
	}
	return out
}

func TestAScriptedLifeMovesOnAsTheRequestIsListed(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	ids := w.srv.SeedStatuses(2, alice, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	require.True(t, w.srv.Script(ids[0], fake.Step{Polls: 2, Outcome: fake.Approve}, fake.Step{Polls: 1, Outcome: fake.Complete}))
	assert.Equal(t, []string{"EXECUTING", "EXECUTING", "EXECUTING", "REQUEST_COMPLETED", "REQUEST_COMPLETED"},
		w.states(ids[0], betaStatus, v1Status, adminStatus, betaStatus, v1Status), "polls count in every listing")
	st, _ := w.srv.Status(ids[0])
	require.Len(t, st.ApprovalDetails, 1, "approved once, then completed")
	assert.EqualValues(t, "APPROVED", st.ApprovalDetails[0].Status)
	assert.False(t, st.Cancelable)
	assert.False(t, st.Modified.IsZero())
	other, _ := w.srv.Status(ids[1])
	assert.EqualValues(t, "EXECUTING", other.State, "only the scripted request moves")

	assert.False(t, w.srv.Script("no-such-request", fake.Step{Outcome: fake.Complete}))
}

func TestEachOutcome(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	for _, tc := range []struct {
		outcome    fake.Outcome
		state      string
		approval   string
		cancelable bool
	}{
		{fake.Approve, "EXECUTING", "APPROVED", false},
		{fake.Reject, "REJECTED", "REJECTED", false},
		{fake.Complete, "REQUEST_COMPLETED", "APPROVED", false},
		{fake.Fail, "PROVISIONING_FAILED", "APPROVED", false},
	} {
		t.Run(tc.outcome.String(), func(t *testing.T) {
			id := w.srv.SeedStatuses(1, bob, time.Now())[0]
			require.True(t, w.srv.Script(id, fake.Step{Outcome: tc.outcome}), "at once")
			st, _ := w.srv.Status(id)
			assert.EqualValues(t, tc.state, st.State)
			require.Len(t, st.ApprovalDetails, 1)
			assert.EqualValues(t, tc.approval, st.ApprovalDetails[0].Status)
			assert.Equal(t, tc.cancelable, st.Cancelable)
			if tc.outcome == fake.Fail {
				require.Len(t, st.ErrorMessages, 1)
				assert.Contains(t, st.ErrorMessages[0][0].Text, "provisioning failed")
			}
			status, _, body := w.call("POST", "/access-requests/v1/cancel", map[string]string{"accountActivityId": id, "comment": "late"})
			assert.Equal(t, http.StatusBadRequest, status, "past its approval, a request can no longer be cancelled: %s", body)
		})
	}
	assert.Equal(t, "Outcome(9)", fake.Outcome(9).String())
}

func TestScriptNewGivesEveryNewRequestItsLife(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	w.srv.ScriptNew(fake.Step{Polls: 1, Outcome: fake.Fail})
	_, _, body := w.call("POST", "/access-requests/v1", grantBody([]string{alice}, "role-1"))
	viaV1 := created(t, body)[0]
	_, _, body = w.call("POST", "/beta/access-requests", grantBody([]string{alice}, "role-2"))
	viaBeta := created(t, body)[0]
	seeded := w.srv.SeedStatuses(1, alice, time.Now())[0]
	assert.Equal(t, []string{"EXECUTING", "PROVISIONING_FAILED"}, w.states(viaV1, v1Status, betaStatus))
	assert.Equal(t, []string{"EXECUTING", "PROVISIONING_FAILED"}, w.states(viaBeta, betaStatus, v1Status))
	assert.Equal(t, []string{"EXECUTING", "EXECUTING"}, w.states(seeded, betaStatus, betaStatus), "seeded requests are not created through an API")

	w.srv.ScriptNew(fake.Step{Outcome: fake.Complete})
	status, _, body := w.call("POST", "/access-requests/v1", grantBody([]string{bob}, "role-1"))
	require.Equal(t, http.StatusAccepted, status)
	st, _ := w.srv.Status(created(t, body)[0])
	assert.EqualValues(t, "REQUEST_COMPLETED", st.State, "a step of Polls 0 happens as the request is created")

	w.srv.ScriptNew()
	_, _, body = w.call("POST", "/access-requests/v1", grantBody([]string{bob}, "role-2"))
	id := created(t, body)[0]
	assert.Equal(t, []string{"EXECUTING", "EXECUTING"}, w.states(id, v1Status, v1Status), "no steps: requests stay as created")
}

func TestAScriptEndsWhenTheRequestEndsOtherwise(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	ids := w.srv.SeedStatuses(4, alice, time.Now())
	for _, id := range ids {
		require.True(t, w.srv.Script(id, fake.Step{Polls: 1, Outcome: fake.Complete}))
	}
	status, _, _ := w.call("POST", "/beta/access-requests/cancel", map[string]string{"accountActivityId": ids[0], "comment": "x"})
	require.Equal(t, http.StatusAccepted, status)
	status, _, _ = w.call("POST", "/access-requests/v1/close", map[string]any{"accessRequestIds": ids[1:2]})
	require.Equal(t, http.StatusAccepted, status)
	status, _, _ = w.call("POST", "/access-requests/v1/bulk-cancel", map[string]any{"accessRequestIds": ids[2:3], "comment": "x"})
	require.Equal(t, http.StatusAccepted, status)
	require.True(t, w.srv.SetState(ids[3], fake.StateError))
	for range 3 {
		w.rows(v1Status, nil)
	}
	for i, want := range []string{"CANCELLED", "TERMINATED", "CANCELLED", "ERROR"} {
		st, _ := w.srv.Status(ids[i])
		assert.EqualValues(t, want, st.State, "request %d", i)
	}
	require.True(t, w.srv.Script(ids[0], fake.Step{Outcome: fake.Complete}))
	st, _ := w.srv.Status(ids[0])
	assert.EqualValues(t, "CANCELLED", st.State, "a script does not move a request that has ended")
	require.True(t, w.srv.SetState(ids[3], fake.StateExecuting))
	st, _ = w.srv.Status(ids[3])
	assert.True(t, st.Cancelable, "EXECUTING again, cancelable again")
	assert.False(t, w.srv.SetState("no-such-request", fake.StateError))
}

func TestAddStatusReplacesTheStatusWithTheSameID(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	ids := w.srv.SeedStatuses(3, alice, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	require.True(t, w.srv.Script(ids[1], fake.Step{Polls: 1, Outcome: fake.Complete}))
	w.srv.AddStatus(fake.Status{AccessRequestID: ids[1], State: gen.StateExecuting, Name: "replaced",
		RequestedFor: gen.AccessItemRequestedFor{ID: bob}})
	assert.Equal(t, ids, w.list(nil), "in its place, not added")
	assert.Len(t, w.srv.Statuses(), 3)
	w.list(nil)
	st, ok := w.srv.Status(ids[1])
	require.True(t, ok)
	assert.Equal(t, "replaced", st.Name)
	assert.Equal(t, bob, st.RequestedFor.ID)
	assert.EqualValues(t, "EXECUTING", st.State, "the script of the status replaced is over")
	assert.Equal(t, []string{ids[1]}, w.list(url.Values{"requested-for": {bob}}))
	assert.Empty(t, w.list(url.Values{"requested-for": {alice}, "filters": {`accessRequestId eq "` + ids[1] + `"`}}))
}
