package fake_test

// The contract suite's successor half, and its tally. Until the facade speaks the successor,
// its operations are called through the generated client (Client.Generated), over the same
// transport, harness included, as the facade's own calls.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
	"github.com/sailkit/accessrequests/gen"
	"github.com/sailkit/accessrequests/internal/contract"
)

// contractTally counts, per protocol and generation, the requests and responses the harness
// checked, and which operations the suite called.
type contractTally struct {
	mu     sync.Mutex
	checks map[string]map[string]int  // protocol -> "beta" or "v1" -> checks
	ops    map[string]map[string]bool // protocol -> "METHOD path" -> called
}

func newContractTally() *contractTally {
	return &contractTally{checks: map[string]map[string]int{}, ops: map[string]map[string]bool{}}
}

// counting wraps a harness's transport: each call's checks are the harness's count before and
// after it, so calls through one test's harness are made one at a time (the contract tests
// make them one at a time anyway).
func (c *contractTally) counting(proto string, h *contract.Harness, next http.RoundTripper) http.RoundTripper {
	var one sync.Mutex
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		one.Lock()
		defer one.Unlock()
		before := h.Checked()
		resp, err := next.RoundTrip(req)
		checked := h.Checked() - before
		if checked == 0 {
			return resp, err // the token endpoint, which the spec does not describe
		}
		g := "v1"
		if strings.HasPrefix(req.URL.Path, contract.BasePath+"/") {
			g = "beta"
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.checks[proto] == nil {
			c.checks[proto], c.ops[proto] = map[string]int{}, map[string]bool{}
		}
		c.checks[proto][g] += checked
		c.ops[proto][req.Method+" "+req.URL.Path] = true
		return resp, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// report fails when a protocol missed an operation of the spec, and logs the checks.
func (c *contractTally) report(t *testing.T) {
	doc, err := contract.Load(context.Background())
	require.NoError(t, err)
	var all []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			all = append(all, method+" "+path)
		}
	}
	sort.Strings(all)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range protocols {
		var missed []string
		for _, op := range all {
			if !c.ops[p.name][op] {
				missed = append(missed, op)
			}
		}
		assert.Empty(t, missed, "%s: operations the contract suite never called", p.name)
		t.Logf("contract checks over %s: beta %d, v1 %d (%d operations)", p.name, c.checks[p.name]["beta"], c.checks[p.name]["v1"], len(c.ops[p.name]))
	}
}

// experimental is the header the successor's experimental operations need.
const experimental = "true"

func contractConfigV2(t *testing.T, p protocol) {
	srv, c, _ := tenantOver(t, p)
	raw := c.Generated()
	ctx := context.Background()
	got, err := raw.GetAccessRequestConfigV2WithResponse(ctx)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, got.StatusCode(), string(got.Body))
	cfg := *got.JSON200
	cfg.GovGroupVisibilityEnabled = true
	cfg.EntitlementRequestConfig.AccessRequestConfig.MaxPermittedAccessDuration = gen.AccessDuration{Value: 30, TimeUnit: gen.DurationUnitDays}
	cfg.EntitlementRequestConfig.RevocationRequestConfig.ApprovalSchemes = &[]gen.EntitlementApprovalScheme{
		{ApproverType: gen.EntitlementApproverTypeGovernanceGroup, ApproverID: "e3eab852-8315-467f-9de7-70eda97f63c8"}}
	set, err := raw.SetAccessRequestConfigV2WithResponse(ctx, cfg)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, set.StatusCode(), string(set.Body))
	assert.True(t, set.JSON200.GovGroupVisibilityEnabled)
	assert.EqualValues(t, 30, srv.ConfigV2().EntitlementRequestConfig.AccessRequestConfig.MaxPermittedAccessDuration.Value)
	assert.Empty(t, set.HTTPResponse.Header.Get("X-Deprecated"), "v2 is not deprecated")
}

func contractV1CreateCancelClose(t *testing.T, p protocol) {
	srv, c, _ := tenantOver(t, p)
	raw := c.Generated()
	ctx := context.Background()
	req := gen.AccessRequest{RequestType: gen.RequestTypeGrant, RequestedFor: []string{alice, bob},
		ClientMetadata: map[string]string{"ticket": "CHG-1"},
		RequestedItems: []gen.AccessRequestItem{{Type: gen.ItemTypeRole, ID: "role-1", FormInstanceID: "form-1"},
			{Type: gen.ItemTypeAccessProfile, ID: "ap-1", RemoveDate: time.Now().Add(24 * time.Hour).UTC().Truncate(time.Millisecond)}}}
	res, err := raw.CreateAccessRequestV1WithResponse(ctx, req)
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, res.StatusCode(), string(res.Body))
	require.Len(t, res.JSON202.NewRequests, 2)
	assert.Len(t, srv.Statuses(), 4)
	again, err := raw.CreateAccessRequestV1WithResponse(ctx, gen.AccessRequest{RequestedFor: []string{alice},
		RequestedItems: []gen.AccessRequestItem{{Type: gen.ItemTypeRole, ID: "role-1"}}})
	require.NoError(t, err)
	require.Len(t, again.JSON202.ExistingRequests, 1, "a pending duplicate is reported, not created")

	revoke, err := raw.CreateAccessRequestV1WithResponse(ctx, gen.AccessRequest{RequestType: gen.RequestTypeRevoke, RequestedFor: []string{alice},
		RequestedItems: []gen.AccessRequestItem{{Type: gen.ItemTypeRole, ID: "role-1", Comment: "gone", StartDate: time.Now().Add(time.Hour).UTC()}}})
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, revoke.StatusCode(), "a revoke has no start date")
	require.NotNil(t, revoke.JSON400)

	first := res.JSON202.NewRequests[0].AccessRequestIDs
	cancel, err := raw.CancelAccessRequestV1WithResponse(ctx, gen.CancelAccessRequest{AccountActivityID: first[0], Comment: "no longer needed"})
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, cancel.StatusCode(), string(cancel.Body))
	missing, err := raw.CancelAccessRequestV1WithResponse(ctx, gen.CancelAccessRequest{AccountActivityID: "no-such-id", Comment: "x"})
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, missing.StatusCode())

	closed, err := raw.CloseAccessRequestV1WithResponse(ctx, gen.CloseAccessRequest{AccessRequestIDs: first[1:],
		ExecutionStatus: gen.ExecutionStatusCompleted, CompletionStatus: gen.CompletionStatusSuccess, Message: "done"})
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, closed.StatusCode(), string(closed.Body))

	rest := res.JSON202.NewRequests[1].AccessRequestIDs
	bulk, err := raw.CancelAccessRequestInBulkV1WithResponse(ctx, gen.BulkCancelAccessRequest{AccessRequestIDs: append(rest, first[0]), Comment: "tidy up"})
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, bulk.StatusCode(), string(bulk.Body))
	unknown, err := raw.CancelAccessRequestInBulkV1WithResponse(ctx, gen.BulkCancelAccessRequest{AccessRequestIDs: []string{"no-such-id"}, Comment: "x"})
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, unknown.StatusCode())
	for id, want := range map[string]fake.State{first[0]: fake.StateCancelled, first[1]: fake.StateRequestCompleted, rest[0]: fake.StateCancelled, rest[1]: fake.StateCancelled} {
		st, _ := srv.Status(id)
		assert.Equal(t, want, st.State, id)
	}
}

func contractV1Machines(t *testing.T, p protocol) {
	srv, c, _ := tenantOver(t, p)
	raw := c.Generated()
	ctx := context.Background()
	srv.AddIdentity(fake.Identity{ID: machine, Name: "build-bot", Machine: true, Accounts: []fake.Account{
		{SourceID: "src-ad", SourceName: "Active Directory", ID: "acc-1", Name: "svc-build", NativeIdentity: "CN=svc-build", UUID: "{u-1}"}}})
	ask := func(sel ...gen.AccountSelection) gen.AccessRequest {
		return gen.AccessRequest{RequestType: gen.RequestTypeGrant, RequestedForWithRequestedItems: []gen.IdentityRequest{{
			IdentityID: machine, IdentityType: gen.IdentityTypeMachine,
			RequestedItems: []gen.IdentityItem{{Type: gen.ItemTypeEntitlement, ID: "ent-1", AccountSelection: sel}}}}}
	}
	choices, err := raw.LoadAccountSelectionsV1WithResponse(ctx, &gen.LoadAccountSelectionsV1Params{XSailPointExperimental: experimental}, ask())
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, choices.StatusCode(), string(choices.Body))
	who := choices.JSON200.Identities[0]
	require.True(t, who.AccountsSelectionRequired)
	acc := who.RequestedItems[0].Sources[0].Accounts[0]

	res, err := raw.CreateAccessRequestV1WithResponse(ctx, ask(gen.AccountSelection{
		SourceID: who.RequestedItems[0].Sources[0].ID, Accounts: []gen.AccountRef{{NativeIdentity: acc.NativeIdentity, AccountUUID: acc.UUID}}}))
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, res.StatusCode(), string(res.Body))
	res, err = raw.CreateAccessRequestV1WithResponse(ctx, gen.AccessRequest{RequestType: gen.RequestTypeRevoke,
		RequestedForWithRequestedItems: []gen.IdentityRequest{{IdentityID: machine, IdentityType: gen.IdentityTypeMachine,
			RequestedItems: []gen.IdentityItem{{Type: gen.ItemTypeEntitlement, ID: "ent-2", Comment: "gone", NativeIdentity: "CN=svc-build"}}}}})
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, res.StatusCode(), string(res.Body))
	refused, err := raw.CreateAccessRequestV1WithResponse(ctx, ask())
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, refused.StatusCode(), "no account selection")

	rows, err := raw.ListAccessRequestStatusV1WithResponse(ctx, &gen.ListAccessRequestStatusV1Params{RequestedFor: ptr(machine)})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, rows.StatusCode(), string(rows.Body))
	require.Len(t, *rows.JSON200, 2)
	for _, st := range *rows.JSON200 {
		assert.Equal(t, gen.IdentityTypeMachine, st.IdentityType)
	}
}

func contractV1Listings(t *testing.T, p protocol) {
	srv, c, _ := tenantOver(t, p)
	raw := c.Generated()
	ctx := context.Background()
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ids := srv.SeedStatuses(300, alice, from)
	srv.SeedStatuses(5, bob, from)
	srv.SetState(ids[7], fake.StateRejected)

	page, err := raw.ListAccessRequestStatusV1WithResponse(ctx, &gen.ListAccessRequestStatusV1Params{RequestedFor: ptr(alice),
		Count: ptr(true), Limit: ptr(int32(250)), Offset: ptr(int32(100)), Sorters: ptr("-created"), RequestState: ptr(gen.RequestStateFilterExecuting)})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, page.StatusCode(), string(page.Body))
	assert.Len(t, *page.JSON200, 199)
	assert.Equal(t, "299", page.HTTPResponse.Header.Get("X-Total-Count"), "one of alice's 300 is no longer EXECUTING")
	one, err := raw.ListAccessRequestStatusV1WithResponse(ctx, &gen.ListAccessRequestStatusV1Params{
		Filters: ptr(fmt.Sprintf("accessRequestId eq %q and created ge %s", ids[3], from.Format(time.RFC3339)))})
	require.NoError(t, err)
	require.Len(t, *one.JSON200, 1)
	refused, err := raw.ListAccessRequestStatusV1WithResponse(ctx, &gen.ListAccessRequestStatusV1Params{
		Filters: ptr(fmt.Sprintf("accessRequestId in (%q)", ids[3]))})
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, refused.StatusCode(), "no in on accessRequestId")
	require.NotNil(t, refused.JSON400)

	admin, err := raw.ListAdministratorsAccessRequestStatusV1WithResponse(ctx, &gen.ListAdministratorsAccessRequestStatusV1Params{
		XSailPointExperimental: experimental, Count: ptr(true), Sorters: ptr("accessRequestId"),
		Filters: ptr(fmt.Sprintf("status in (%q, %q) and accessRequestId in (%q, %q)", "REJECTED", "EXECUTING", ids[7], ids[8]))})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, admin.StatusCode(), string(admin.Body))
	got := []string{(*admin.JSON200)[0].AccessRequestID, (*admin.JSON200)[1].AccessRequestID}
	assert.True(t, slices.IsSorted(got))
	assert.ElementsMatch(t, ids[7:9], got)
	assert.Equal(t, "2", admin.HTTPResponse.Header.Get("X-Total-Count"))
}

// contractBothGenerations: the facade (beta) and the generated client (successor) on one
// tenant, one request and one configuration between them.
func contractBothGenerations(t *testing.T, p protocol) {
	srv, c, _ := tenantOver(t, p)
	raw := c.Generated()
	ctx := context.Background()
	res, err := raw.CreateAccessRequestV1WithResponse(ctx, gen.AccessRequest{RequestedFor: []string{alice},
		ClientMetadata: map[string]string{"settle": "key-1"}, RequestedItems: []gen.AccessRequestItem{{Type: gen.ItemTypeRole, ID: "role-1"}}})
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, res.StatusCode(), string(res.Body))
	id := res.JSON202.NewRequests[0].AccessRequestIDs[0]
	page, err := c.ListStatusPage(ctx, facade.ListStatusParams{RequestedFor: alice}, 0)
	require.NoError(t, err)
	require.Len(t, page.Items, 1, "created through v1, listed through the beta")
	assert.Equal(t, id, page.Items[0].AccessRequestID)
	assert.Equal(t, map[string]string{"settle": "key-1"}, page.Items[0].ClientMetadata)
	require.NoError(t, c.Cancel(ctx, facade.CancelParams{ID: id, Comment: "beta cancels it"}))
	rows, err := raw.ListAccessRequestStatusV1WithResponse(ctx, &gen.ListAccessRequestStatusV1Params{RequestedFor: ptr(alice)})
	require.NoError(t, err)
	assert.Equal(t, gen.StateCancelled, (*rows.JSON200)[0].State, "cancelled through the beta, seen through v1")

	_, err = c.UpdateConfig(ctx, func(cfg *facade.Config) error {
		cfg.ReauthorizationEnabled = true
		return nil
	})
	require.NoError(t, err)
	v2, err := raw.GetAccessRequestConfigV2WithResponse(ctx)
	require.NoError(t, err)
	assert.True(t, v2.JSON200.ReauthorizationEnabled, "one setting, two views")
	assert.True(t, srv.ConfigV2().ReauthorizationEnabled)
}
