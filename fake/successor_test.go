package fake_test

// What the fake promises on the wire for the successor, and for the two generations together:
// one state, the successor's own rules, the experimental and deprecation headers.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/fake"
	"github.com/sailkit/accessrequests/gen"
)

const machine = "a1111111bc6d4ff38365c2d44f2c68d6"

// grantBody is a create of roles for identities in the flat form.
func grantBody(identities []string, roles ...string) map[string]any {
	items := make([]map[string]any, len(roles))
	for i, r := range roles {
		items[i] = map[string]any{"type": "ROLE", "id": r}
	}
	return map[string]any{"requestedFor": identities, "requestedItems": items}
}

// created returns the access request ids a 202 create answer names as new.
func created(t *testing.T, body []byte) []string {
	t.Helper()
	var res struct {
		NewRequests []struct {
			AccessRequestIDs []string `json:"accessRequestIds"`
		} `json:"newRequests"`
	}
	require.NoError(t, json.Unmarshal(body, &res), string(body))
	var out []string
	for _, n := range res.NewRequests {
		out = append(out, n.AccessRequestIDs...)
	}
	return out
}

func TestBothGenerationsServeOneState(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	status, _, body := w.call("POST", "/access-requests/v1", grantBody([]string{alice}, "role-v1"))
	require.Equal(t, http.StatusAccepted, status, string(body))
	viaV1 := created(t, body)
	require.Len(t, viaV1, 1)
	status, _, body = w.call("POST", "/beta/access-requests", grantBody([]string{alice}, "role-beta"))
	require.Equal(t, http.StatusAccepted, status, string(body))
	viaBeta := created(t, body)
	require.Len(t, viaBeta, 1)
	both := []string{viaV1[0], viaBeta[0]}
	for _, l := range []string{betaStatus, v1Status, adminStatus} {
		assert.Equal(t, both, ids(w.rows(l, nil)), "%s lists what either generation created", l)
	}

	status, _, body = w.call("POST", "/access-requests/v1", grantBody([]string{alice}, "role-beta"))
	require.Equal(t, http.StatusAccepted, status, string(body))
	assert.Empty(t, created(t, body), "a request pending through the beta is pending for the successor too")
	assert.Contains(t, string(body), viaBeta[0])

	status, _, body = w.call("POST", "/beta/access-requests/cancel", map[string]string{"accountActivityId": viaV1[0], "comment": "beta cancels v1's"})
	require.Equal(t, http.StatusAccepted, status, string(body))
	assert.JSONEq(t, `{}`, string(body), "a 202 is an empty object, as the vendor's")
	status, _, body = w.call("POST", "/access-requests/v1/cancel", map[string]string{"accountActivityId": viaBeta[0], "comment": "v1 cancels beta's"})
	require.Equal(t, http.StatusAccepted, status, string(body))
	for _, l := range []string{betaStatus, v1Status, adminStatus} {
		for _, row := range w.rows(l, nil) {
			assert.EqualValues(t, "CANCELLED", row.State, "%s %s", l, row.AccessRequestID)
			assert.False(t, row.Cancelable)
		}
	}
	status, _, _ = w.call("POST", "/access-requests/v1/cancel", map[string]string{"accountActivityId": viaV1[0], "comment": "again"})
	assert.Equal(t, http.StatusBadRequest, status, "cancelled through the beta, seen cancelled by the successor")

	seeded := w.srv.SeedStatuses(2, bob, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	status, _, body = w.call("POST", "/access-requests/v1/close", map[string]any{"accessRequestIds": seeded, "executionStatus": "Completed", "completionStatus": "Success"})
	require.Equal(t, http.StatusAccepted, status, string(body))
	for _, row := range w.rows(betaStatus, url.Values{"requested-for": {bob}}) {
		assert.EqualValues(t, "REQUEST_COMPLETED", row.State)
	}
	assert.Equal(t, 3, w.srv.Creates(), "creates through both generations are counted")
}

func TestEachListingSendsItsGenerationsRow(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	w.srv.AddStatus(fake.Status{AccessRequestID: "ar-1", State: "EXECUTING", Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		IdentityType: "MACHINE", ApprovalIDs: []string{"appr-1"}, PrivilegeLevel: "High", ReauthorizationRequired: true,
		ApprovalDetails: []gen.ApprovalStatus{{ApprovalID: "appr-1", Status: "PENDING"}}})
	raw := func(listing string) map[string]any {
		status, _, body := w.call("GET", listing, nil, "X-SailPoint-Experimental", "true")
		require.Equal(t, http.StatusOK, status, string(body))
		var rows []map[string]any
		require.NoError(t, json.Unmarshal(body, &rows))
		require.Len(t, rows, 1)
		return rows[0]
	}
	beta, v1, admin := raw(betaStatus), raw(v1Status), raw(adminStatus)
	assert.NotContains(t, beta, "identityType", "the beta has no identity types")
	assert.Equal(t, "appr-1", beta["approvalDetails"].([]any)[0].(map[string]any)["approvalId"])
	assert.Equal(t, "MACHINE", v1["identityType"])
	assert.NotContains(t, v1["approvalDetails"].([]any)[0], "approvalId", "the successor dropped the approval's id")
	assert.Equal(t, []any{"appr-1"}, v1["approvalIds"])
	assert.Equal(t, false, v1["reauthorizationRequired"], "the administrators' listing only")
	assert.NotContains(t, admin, "approvalIds")
	assert.NotContains(t, admin, "privilegeLevel")
	assert.Equal(t, true, admin["reauthorizationRequired"])
	st, _ := w.srv.Status("ar-1")
	assert.Equal(t, []string{"appr-1"}, st.ApprovalIDs, "the stored status is untouched by the views")
}

func TestBulkCancel(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	ids := w.srv.SeedStatuses(51, alice, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	bulk := func(ids []string) (int, []byte) {
		status, _, body := w.call("POST", "/access-requests/v1/bulk-cancel", map[string]any{"accessRequestIds": ids, "comment": "mistake"})
		return status, body
	}
	status, body := bulk(ids)
	assert.Equal(t, http.StatusBadRequest, status, "51 ids: %s", body)
	assert.Contains(t, string(body), "accessRequestIds")
	status, _ = bulk([]string{})
	assert.Equal(t, http.StatusBadRequest, status, "no id")

	status, body = bulk([]string{ids[0], "no-such-request", ids[1]})
	assert.Equal(t, http.StatusNotFound, status, string(body))
	assert.Contains(t, string(body), "no-such-request")
	st, _ := w.srv.Status(ids[0])
	assert.EqualValues(t, "EXECUTING", st.State, "an unknown id cancels nothing")

	require.True(t, w.srv.SetState(ids[2], fake.StateRequestCompleted))
	require.True(t, w.srv.Script(ids[3], fake.Step{Outcome: fake.Approve}))
	status, body = bulk(ids[:50])
	require.Equal(t, http.StatusAccepted, status, string(body))
	assert.JSONEq(t, `{}`, string(body), "nothing said per id: the states say it")
	want := map[string]string{ids[2]: "REQUEST_COMPLETED", ids[3]: "EXECUTING", ids[50]: "EXECUTING"}
	for i, id := range ids {
		st, _ := w.srv.Status(id)
		exp, ok := want[id]
		if !ok {
			exp = "CANCELLED"
			assert.Equal(t, "mistake", st.CancelledRequestDetails.Comment, "id %d", i)
		}
		assert.EqualValues(t, exp, st.State, "id %d", i)
	}
}

func TestTheExperimentalHeaderIsRequiredAsTheVendorDoes(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	selection := grantBody([]string{alice}, "role-1")
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{"GET", adminStatus, nil},
		{"POST", "/access-requests/v1/accounts-selection", selection},
	} {
		for _, header := range []string{"", "false", "yes"} {
			status, _, body := w.call(tc.method, tc.path, tc.body, "X-SailPoint-Experimental", header)
			assert.Equal(t, http.StatusBadRequest, status, "%s with %q", tc.path, header)
			assert.JSONEq(t, `{"error":"Experimental Header is missing or invalid."}`, string(body))
		}
		for _, header := range []string{"true", "TRUE"} {
			status, _, body := w.call(tc.method, tc.path, tc.body, "X-SailPoint-Experimental", header)
			assert.Equal(t, http.StatusOK, status, "%s with %q: %s", tc.path, header, body)
		}
	}
	status, _, body := w.call("GET", v1Status, nil)
	assert.Equal(t, http.StatusOK, status, "the user's listing is not experimental: %s", body)
}

func TestDeprecatedOperationsSayXDeprecated(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	cfg := map[string]any{"autoApprovalEnabled": true}
	for _, tc := range []struct {
		method, path string
		body         any
		deprecated   bool
	}{
		{"GET", "/beta/access-request-config", nil, true},
		{"PUT", "/beta/access-request-config", cfg, true},
		{"GET", "/access-request-config/v2", nil, false},
		{"PUT", "/access-request-config/v2", map[string]any{}, false},
		{"GET", betaStatus, nil, false},
		{"GET", v1Status, nil, false},
		{"POST", "/access-requests/v1", grantBody([]string{alice}, "r"), false},
	} {
		status, h, body := w.call(tc.method, tc.path, tc.body)
		require.Less(t, status, 300, "%s %s: %s", tc.method, tc.path, body)
		want := ""
		if tc.deprecated {
			want = "true"
		}
		assert.Equal(t, want, h.Get("X-Deprecated"), "%s %s", tc.method, tc.path)
	}
	status, h, _ := w.call("PUT", "/beta/access-request-config", map[string]any{"approvalReminderAndEscalationConfig": map[string]any{"maxReminders": 0}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "true", h.Get("X-Deprecated"), "every answer of a deprecated operation says it")
}

func TestTheV1ListingsFiltersAreTheVendors(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ids := w.srv.SeedStatuses(3, alice, from)
	st, _ := w.srv.Status(ids[1])
	refused := func(listing, filters, sorters, want string) {
		t.Helper()
		q := url.Values{}
		if filters != "" {
			q.Set("filters", filters)
		}
		if sorters != "" {
			q.Set("sorters", sorters)
		}
		status, _, body := w.call("GET", listing+"?"+q.Encode(), nil, "X-SailPoint-Experimental", "true")
		assert.Equal(t, http.StatusBadRequest, status, "%s %s %s: %s", listing, filters, sorters, body)
		assert.Contains(t, string(body), want)
		assert.Contains(t, string(body), `"detailCode":"400.1 Bad Request Content"`, "the vendor's error body")
	}
	in := fmt.Sprintf("accessRequestId in (%q, %q)", ids[0], ids[2])
	refused(v1Status, in, "", `operator \"in\" is not supported for accessRequestId`)
	refused(v1Status, `accountActivityItemId lt "x"`, "", `operator \"lt\" is not supported for accountActivityItemId`)
	refused(v1Status, "created isnull", "", `operator \"isnull\" is not supported for created`)
	refused(v1Status, `status eq "EXECUTING"`, "", `field \"status\" is not supported`)
	refused(v1Status, "", "accessRequestId", `\"accessRequestId\" is not a sortable field`)
	refused(adminStatus, `accessRequestId isnull`, "", `operator \"isnull\" is not supported for accessRequestId`)

	assert.Equal(t, []string{ids[0], ids[2]}, ids2(w.rows(betaStatus, url.Values{"filters": {in}})), "the beta takes it")
	assert.Equal(t, []string{ids[0], ids[2]}, ids2(w.rows(adminStatus, url.Values{"filters": {in}})), "and the administrators' listing")
	assert.Equal(t, []string{ids[1]}, ids2(w.rows(v1Status, url.Values{"filters": {fmt.Sprintf("accessRequestId eq %q", ids[1])}})))
	assert.Equal(t, []string{ids[1]}, ids2(w.rows(v1Status, url.Values{"filters": {fmt.Sprintf("accountActivityItemId in (%q)", st.AccountActivityItemID)}})))
	assert.Equal(t, ids[1:], ids2(w.rows(v1Status, url.Values{"filters": {"created ge " + from.Add(time.Second).Format(time.RFC3339)}})))
}

// ids2 is ids, for a test whose local variable hides it.
func ids2(rows []fake.Status) []string { return ids(rows) }

func TestTheAdministratorsListingFiltersOnStatusAndSortsOnTheRequestsID(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	ids := w.srv.SeedStatuses(4, alice, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	w.srv.SetState(ids[1], fake.StateCancelled)
	w.srv.SetState(ids[2], fake.StateRejected)
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{`status eq "CANCELLED"`, ids[1:2]},
		{`status ne "EXECUTING"`, ids[1:3]},
		{`status in ("REJECTED", "EXECUTING")`, []string{ids[0], ids[2], ids[3]}},
		{fmt.Sprintf(`status eq "EXECUTING" and accessRequestId in (%q, %q)`, ids[3], ids[1]), ids[3:4]},
	} {
		assert.Equal(t, tc.want, ids2(w.rows(adminStatus, url.Values{"filters": {tc.filter}})), tc.filter)
	}
	sorted := append([]string(nil), ids...)
	for i := range sorted {
		for j := i + 1; j < len(sorted); j++ {
			if sorted[j] < sorted[i] {
				sorted[i], sorted[j] = sorted[j], sorted[i]
			}
		}
	}
	assert.Equal(t, sorted, ids2(w.rows(adminStatus, url.Values{"sorters": {"accessRequestId"}})))
	status, h, _ := w.call("GET", adminStatus+"?count=true&limit=1", nil, "X-SailPoint-Experimental", "true")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "4", h.Get("X-Total-Count"))
}

// machineGrant is a per-identity grant of one entitlement for identity, typed as given, with an
// account selection when sel is not nil.
func machineGrant(kind, identity, identityType string, sel []map[string]any, items ...map[string]any) map[string]any {
	if len(items) == 0 {
		items = []map[string]any{{"type": "ENTITLEMENT", "id": "ent-1"}}
	}
	for _, it := range items {
		if sel != nil {
			it["accountSelection"] = sel
		}
	}
	entry := map[string]any{"identityId": identity, "requestedItems": items}
	if identityType != "" {
		entry["identityType"] = identityType
	}
	return map[string]any{"requestType": kind, "requestedForWithRequestedItems": []map[string]any{entry}}
}

func TestMachineIdentitiesFollowTheVendorsRules(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	w.srv.AddIdentity(fake.Identity{ID: machine, Name: "build-bot", Machine: true, Accounts: []fake.Account{
		{SourceID: "src-ad", SourceName: "Active Directory", ID: "acc-1", Name: "svc-build", NativeIdentity: "CN=svc-build"}}})
	w.srv.AddIdentity(fake.Identity{ID: bob, Name: "Bob"})
	sel := []map[string]any{{"sourceId": "src-ad", "accounts": []map[string]any{{"nativeIdentity": "CN=svc-build"}}}}
	other := "b2222222bc6d4ff38365c2d44f2c68d6"
	two := machineGrant("GRANT_ACCESS", machine, "MACHINE", sel)
	two["requestedForWithRequestedItems"] = append(two["requestedForWithRequestedItems"].([]map[string]any),
		map[string]any{"identityId": other, "identityType": "MACHINE", "requestedItems": []map[string]any{{"type": "ENTITLEMENT", "id": "ent-1", "accountSelection": sel}}})
	mixed := machineGrant("GRANT_ACCESS", machine, "MACHINE", sel)
	mixed["requestedForWithRequestedItems"] = append(mixed["requestedForWithRequestedItems"].([]map[string]any),
		map[string]any{"identityId": alice, "requestedItems": []map[string]any{{"type": "ENTITLEMENT", "id": "ent-1"}}})
	revokeTwo := machineGrant("REVOKE_ACCESS", machine, "MACHINE", nil, map[string]any{"type": "ENTITLEMENT", "id": "ent-1", "comment": "gone"})
	revokeTwo["requestedForWithRequestedItems"] = append(revokeTwo["requestedForWithRequestedItems"].([]map[string]any),
		map[string]any{"identityId": other, "identityType": "MACHINE", "requestedItems": []map[string]any{{"type": "ENTITLEMENT", "id": "ent-1", "comment": "gone"}}})
	for _, tc := range []struct {
		name string
		body map[string]any
		want string // "" when accepted
	}{
		{"a grant with an account selection", machineGrant("GRANT_ACCESS", machine, "MACHINE", sel), ""},
		{"a modify with an account selection", machineGrant("MODIFY_ACCESS", machine, "MACHINE", sel), ""},
		{"a grant for two machines", two, ""},
		{"a revoke for one machine", machineGrant("REVOKE_ACCESS", machine, "MACHINE", nil,
			map[string]any{"type": "ENTITLEMENT", "id": "ent-1", "comment": "gone", "nativeIdentity": "CN=svc-build"}), ""},
		{"a grant without an account selection", machineGrant("GRANT_ACCESS", machine, "MACHINE", nil), "accountSelection is required"},
		{"a modify without an account selection", machineGrant("MODIFY_ACCESS", machine, "MACHINE", nil), "accountSelection is required"},
		{"an empty account selection", machineGrant("GRANT_ACCESS", machine, "MACHINE", []map[string]any{{"sourceId": "src-ad", "accounts": []any{}}}), "accountSelection is required"},
		{"an account the machine does not have", machineGrant("GRANT_ACCESS", machine, "MACHINE",
			[]map[string]any{{"sourceId": "src-ad", "accounts": []map[string]any{{"nativeIdentity": "CN=someone-else"}}}}), "is not one of identity"},
		{"a role for a machine", machineGrant("GRANT_ACCESS", machine, "MACHINE", sel, map[string]any{"type": "ROLE", "id": "role-1"}), "entitlements only"},
		{"a machine beside a person", mixed, "same request as human identities"},
		{"a revoke for two machines", revokeTwo, "REVOKE_ACCESS takes exactly one identity"},
		{"a known machine named as a person", machineGrant("GRANT_ACCESS", machine, "HUMAN", sel), "is a machine identity"},
		{"a known machine with no type", machineGrant("GRANT_ACCESS", machine, "", sel), "is a machine identity"},
		{"a known machine in the flat form", map[string]any{"requestedFor": []string{machine}, "requestedItems": []map[string]any{{"type": "ENTITLEMENT", "id": "ent-1"}}}, "is a machine identity"},
		{"a known person named as a machine", machineGrant("GRANT_ACCESS", bob, "MACHINE", sel), "is not a machine identity"},
		{"a person's revoke in the per-identity form", machineGrant("REVOKE_ACCESS", alice, "", nil, map[string]any{"type": "ROLE", "id": "r", "comment": "x"}), "only supported for GRANT_ACCESS"},
		{"an identity type the vendor lacks", machineGrant("GRANT_ACCESS", alice, "ROBOT", sel), "ROBOT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := w.call("POST", "/access-requests/v1", tc.body)
			if tc.want == "" {
				assert.Equal(t, http.StatusAccepted, status, string(body))
				return
			}
			assert.Equal(t, http.StatusBadRequest, status, string(body))
			assert.Contains(t, string(body), tc.want)
		})
	}
	rows := w.rows(v1Status, url.Values{"requested-for": {machine}})
	require.NotEmpty(t, rows)
	assert.EqualValues(t, "MACHINE", rows[0].IdentityType)
	assert.EqualValues(t, "MACHINE_IDENTITY", rows[0].RequestedFor.Type)
	assert.Equal(t, "build-bot", rows[0].RequestedFor.Name)
	require.Len(t, rows[0].RequestedAccounts, 1)
	assert.Equal(t, "CN=svc-build", rows[0].RequestedAccounts[0].AccountID)
	assert.Equal(t, "Active Directory", rows[0].RequestedAccounts[0].SourceName)

	status, _, body := w.call("POST", "/beta/access-requests", machineGrant("GRANT_ACCESS", other, "MACHINE", sel))
	assert.Equal(t, http.StatusBadRequest, status, "the beta has no machine identities: %s", body)
	assert.Contains(t, string(body), "identityType is not supported by this API version")
}

func TestFormsDatesAndTheSuccessorsOtherRules(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	w := newWire(t, fake.WithClock(func() time.Time { return start }))
	withForm := func(role string, v any) map[string]any {
		b := grantBody([]string{alice}, role)
		b["requestedItems"].([]map[string]any)[0]["formInstanceId"] = v
		return b
	}
	nested := map[string]any{"requestedForWithRequestedItems": []map[string]any{{"identityId": alice,
		"requestedItems": []map[string]any{{"type": "ROLE", "id": "role-2", "formInstanceId": ""}}}}}
	dated := func(kind string, field, at string) map[string]any {
		b := grantBody([]string{bob}, "role-3")
		b["requestType"] = kind
		b["requestedItems"].([]map[string]any)[0]["comment"] = "c"
		b["requestedItems"].([]map[string]any)[0][field] = at
		return b
	}
	for _, tc := range []struct {
		name string
		path string
		body map[string]any
		want string
	}{
		{"an empty form instance", "/access-requests/v1", withForm("role-1", ""), "formInstanceId must not be empty"},
		{"a blank form instance", "/access-requests/v1", withForm("role-1", "  "), "formInstanceId must not be empty"},
		{"an empty form instance in the per-identity form", "/access-requests/v1", nested, "formInstanceId must not be empty"},
		{"a null form instance", "/access-requests/v1", withForm("role-0", nil), ""},
		{"a form instance", "/access-requests/v1", withForm("role-1", "form-1"), ""},
		{"a form instance on the beta", "/beta/access-requests", withForm("role-2", "form-2"), "formInstanceId is not supported by this API version"},
		{"a revoke's start date", "/access-requests/v1", dated("REVOKE_ACCESS", "startDate", "2026-07-01T00:00:00Z"), "startDate is not allowed"},
		{"a past remove date", "/access-requests/v1", dated("GRANT_ACCESS", "removeDate", "2026-05-01T00:00:00Z"), "not in the future"},
		{"a remove date now", "/access-requests/v1", dated("GRANT_ACCESS", "removeDate", "2026-06-01T00:00:00Z"), "not in the future"},
		{"a date not in UTC", "/access-requests/v1", dated("GRANT_ACCESS", "removeDate", "2026-07-01T02:00:00+02:00"), "not in UTC"},
		{"a future UTC date", "/access-requests/v1", dated("GRANT_ACCESS", "removeDate", "2026-07-01T00:00:00Z"), ""},
		{"a past date on the beta", "/beta/access-requests", dated("GRANT_ACCESS", "startDate", "2020-01-01T00:00:00Z"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := w.call("POST", tc.path, tc.body)
			if tc.want == "" {
				assert.Equal(t, http.StatusAccepted, status, string(body))
				return
			}
			assert.Equal(t, http.StatusBadRequest, status, string(body))
			assert.Contains(t, string(body), tc.want)
		})
	}
	rows := w.rows(v1Status, url.Values{"requested-for": {alice}})
	forms := map[string]string{}
	for _, r := range rows {
		forms[r.ID] = r.Form.FormInstanceID
	}
	assert.Equal(t, "form-1", forms["role-1"], "the successor's row shows the item's form")
	for _, r := range w.rows(betaStatus, url.Values{"requested-for": {alice}}) {
		assert.Empty(t, r.Form.FormInstanceID, "the beta's row has no form")
	}
}

func TestAccountSelectionsAreAnsweredFromTheKnownIdentities(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	w.srv.AddIdentity(fake.Identity{ID: alice, Name: "Alice", Accounts: []fake.Account{
		{SourceID: "src-ad", SourceName: "Active Directory", ID: "a1", Name: "alice", NativeIdentity: "CN=alice"},
		{SourceID: "src-ad", SourceName: "Active Directory", ID: "a2", Name: "alice-admin", NativeIdentity: "CN=alice-admin"},
		{SourceID: "src-db", SourceName: "Database", ID: "a3", Name: "ALICE", NativeIdentity: "alice", UUID: "{u-3}"},
	}})
	w.srv.AddIdentity(fake.Identity{ID: bob, Name: "Bob", Accounts: []fake.Account{{SourceID: "src-ad", SourceName: "Active Directory", ID: "b1", NativeIdentity: "CN=bob"}}})
	w.srv.AddIdentity(fake.Identity{ID: machine, Name: "build-bot", Machine: true, Accounts: []fake.Account{{SourceID: "src-ad", ID: "m1", NativeIdentity: "CN=svc"}}})
	selection := func(body map[string]any) (int, []byte) {
		status, _, b := w.call("POST", "/access-requests/v1/accounts-selection", body, "X-SailPoint-Experimental", "true")
		return status, b
	}
	status, body := selection(grantBody([]string{alice, bob, "c3333333bc6d4ff38365c2d44f2c68d6"}, "role-1", "role-2"))
	require.Equal(t, http.StatusOK, status, string(body))
	var got gen.AccountChoices
	require.NoError(t, json.Unmarshal(body, &got))
	require.Len(t, got.Identities, 3)
	a, b, unknown := got.Identities[0], got.Identities[1], got.Identities[2]
	assert.Equal(t, alice, a.ID)
	assert.Equal(t, "Alice", a.Name)
	assert.True(t, a.AccountsSelectionRequired, "two accounts on one source: a choice to make")
	require.Len(t, a.RequestedItems, 2)
	require.Len(t, a.RequestedItems[1].Sources, 2)
	assert.Equal(t, "Active Directory", a.RequestedItems[1].Sources[0].Name)
	assert.Len(t, a.RequestedItems[1].Sources[0].Accounts, 2)
	assert.Equal(t, "{u-3}", a.RequestedItems[1].Sources[1].Accounts[0].UUID)
	assert.False(t, b.AccountsSelectionRequired, "one account per source: nothing to choose")
	assert.Empty(t, unknown.RequestedItems[0].Sources, "an identity the tenant does not know has no accounts")

	status, body = selection(machineGrant("GRANT_ACCESS", machine, "MACHINE", nil))
	require.Equal(t, http.StatusOK, status, "asked before accounts are chosen: %s", body)
	require.NoError(t, json.Unmarshal(body, &got))
	assert.True(t, got.Identities[0].AccountsSelectionRequired, "a machine's grant needs a selection")
	assert.EqualValues(t, "MACHINE_IDENTITY", got.Identities[0].ObjectType)

	status, body = selection(machineGrant("GRANT_ACCESS", machine, "MACHINE", nil, map[string]any{"type": "ROLE", "id": "r"}))
	assert.Equal(t, http.StatusBadRequest, status, "the machine rules hold: %s", body)
	assert.Empty(t, w.srv.Statuses(), "a selection records nothing")
}

func TestClientMetadataIsEchoedOnEveryListing(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	for _, path := range []string{"/access-requests/v1", "/beta/access-requests"} {
		body := grantBody([]string{alice}, "role"+path)
		body["clientMetadata"] = map[string]string{"settle-key": "k" + path, "ticket": "CHG-1"}
		body["requestedItems"].([]map[string]any)[0]["clientMetadata"] = map[string]string{"item": "i1", "ticket": "CHG-2"}
		status, _, resp := w.call("POST", path, body)
		require.Equal(t, http.StatusAccepted, status, string(resp))
	}
	for _, l := range []string{betaStatus, v1Status, adminStatus} {
		rows := w.rows(l, nil)
		require.Len(t, rows, 2, l)
		for _, r := range rows {
			origin := strings.TrimPrefix(r.ID, "role")
			assert.Equal(t, map[string]string{"settle-key": "k" + origin, "ticket": "CHG-2", "item": "i1"}, r.ClientMetadata,
				"%s, created through %s: the request's metadata and the item's (which wins)", l, origin)
		}
	}
}
