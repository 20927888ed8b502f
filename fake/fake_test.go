package fake_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
	"github.com/sailkit/accessrequests/gen"
	"github.com/sailkit/accessrequests/internal/contract"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const alice, bob = "2c9180835d191a86015d28455b4b00a1", "2c9180835d191a86015d28455b4b00b2"

// tenant starts a fake and a facade client whose traffic the contract harness checks in both
// directions; any violation fails the test at cleanup.
func tenant(t *testing.T, opts ...facade.Option) (*fake.Server, *facade.Client, *contract.Harness) {
	t.Helper()
	return tenantOver(t, protocols[0], opts...)
}

// protocol is one way of reaching the fake: the contract suite runs over each.
type protocol struct {
	name  string
	opts  []fake.Option
	proto string         // what every request must arrive as
	tally *contractTally // counts the harness's checks, in the contract suite
}

// counted is the protocol with its traffic counted in tally.
func (p protocol) counted(tally *contractTally) protocol {
	p.tally = tally
	return p
}

var protocols = []protocol{
	{name: "HTTP1.1", proto: "HTTP/1.1"},
	{name: "TLS+HTTP2", opts: []fake.Option{fake.WithTLS()}, proto: "HTTP/2.0"},
}

// TestContract runs every contract test over every protocol, with the harness checking each
// request and response against the spec, and checks that together they call every operation
// of both generations over each protocol. It logs the number of checks per generation.
func TestContract(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(*testing.T, protocol)
	}{
		{"beta/config", contractConfig},
		{"beta/create, cancel and close", contractCreateCancelClose},
		{"beta/per-identity form and revoke", contractPerIdentityFormAndRevoke},
		{"beta/listing", contractListing},
		{"v1/config v2", contractConfigV2},
		{"v1/create, cancel, close and bulk cancel", contractV1CreateCancelClose},
		{"v1/machine identities and account selections", contractV1Machines},
		{"v1/listings", contractV1Listings},
		{"both/one state and one configuration", contractBothGenerations},
	}
	tally := newContractTally()
	t.Cleanup(func() { tally.report(t) })
	for _, p := range protocols {
		for _, tc := range tests {
			t.Run(p.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				tc.run(t, p.counted(tally))
			})
		}
	}
}

// tenantOver is tenant over the given protocol; at cleanup it also checks that every request
// arrived over it.
func tenantOver(t *testing.T, p protocol, opts ...facade.Option) (*fake.Server, *facade.Client, *contract.Harness) {
	t.Helper()
	srv := fake.NewServer(p.opts...)
	t.Cleanup(srv.Close)
	h, err := contract.New(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() {
		assert.Positive(t, h.Checked(), "the harness saw no traffic")
		for _, v := range h.Violations() {
			t.Errorf("contract violation: %v", v)
		}
		for _, r := range srv.Received() {
			assert.Equal(t, p.proto, r.Proto, "%s %s", r.Method, r.Path)
		}
	})
	var rt http.RoundTripper = h.RoundTripper(srv.Client().Transport)
	if p.tally != nil {
		rt = p.tally.counting(p.name, h, rt)
	}
	hc := &http.Client{Transport: rt, Timeout: 10 * time.Second}
	base := []facade.Option{facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret), facade.WithHTTPClient(hc)}
	c, err := facade.New(append(base, opts...)...)
	require.NoError(t, err)
	return srv, c, h
}

func grant(identities []string, items ...gen.AccessRequestItem) facade.AccessRequest {
	return facade.AccessRequest{RequestType: facade.RequestTypeGrant, RequestedFor: identities, RequestedItems: items}
}

func role(id string) gen.AccessRequestItem {
	return gen.AccessRequestItem{Type: gen.ItemTypeRole, ID: id}
}

func contractConfig(t *testing.T, p protocol) {
	srv, c, _ := tenantOver(t, p)
	ctx := context.Background()
	cfg, err := c.GetConfig(ctx)
	require.NoError(t, err)
	assert.False(t, cfg.AutoApprovalEnabled)

	updated, err := c.UpdateConfig(ctx, func(cfg *facade.Config) error {
		cfg.AutoApprovalEnabled = true
		cfg.ApprovalReminderAndEscalationConfig.MaxReminders = ptr(int32(3))
		return nil
	})
	require.NoError(t, err)
	assert.True(t, updated.AutoApprovalEnabled)
	assert.True(t, srv.Config().AutoApprovalEnabled)
	assert.EqualValues(t, 3, *srv.Config().ApprovalReminderAndEscalationConfig.MaxReminders)
}

func contractCreateCancelClose(t *testing.T, p protocol) {
	srv, c, _ := tenantOver(t, p)
	ctx := context.Background()

	res, err := c.Create(ctx, grant([]string{alice, bob}, role("role-1"), role("role-2")))
	require.NoError(t, err)
	require.Len(t, res.NewRequests, 2)
	assert.Empty(t, res.ExistingRequests)
	assert.Len(t, srv.Statuses(), 4, "one status per identity and item")

	again, err := c.Create(ctx, grant([]string{alice}, role("role-1")))
	require.NoError(t, err)
	assert.Empty(t, again.NewRequests)
	require.Len(t, again.ExistingRequests, 1, "a pending duplicate is reported, not created")

	first := res.NewRequests[0].AccessRequestIDs[0]
	require.NoError(t, c.Cancel(ctx, facade.CancelParams{ID: first, Comment: "no longer needed"}))
	st, _ := srv.Status(first)
	assert.Equal(t, facade.StateCancelled, st.State)
	assert.ErrorIs(t, c.Cancel(ctx, facade.CancelParams{ID: "no-such-id", Comment: "x"}), facade.ErrNotFound)
	assert.ErrorIs(t, c.Cancel(ctx, facade.CancelParams{ID: first, Comment: "again"}), facade.ErrBadRequest, "a cancelled request cannot be cancelled again")

	ids := res.NewRequests[1].AccessRequestIDs
	out, err := c.CloseRequests(ctx, facade.CloseRequestsParams{IDs: ids, ExecutionStatus: facade.ExecutionStatusCompleted, CompletionStatus: facade.CompletionStatusSuccess, Message: "done"})
	require.NoError(t, err)
	assert.Equal(t, ids, out.Accepted)
	for _, id := range ids {
		st, _ := srv.Status(id)
		assert.Equal(t, facade.StateRequestCompleted, st.State)
	}
}

func contractPerIdentityFormAndRevoke(t *testing.T, p protocol) {
	srv, c, _ := tenantOver(t, p)
	ctx := context.Background()
	_, err := c.Create(ctx, facade.AccessRequest{RequestType: facade.RequestTypeGrant, RequestedForWithRequestedItems: []facade.IdentityRequest{{
		IdentityID: alice,
		RequestedItems: []facade.IdentityItem{{Type: facade.ItemTypeEntitlement, ID: "ent-1",
			AccountSelection: []facade.AccountSelection{{SourceID: "src-1", Accounts: []facade.AccountRef{{NativeIdentity: "CN=alice"}}}}}},
	}}})
	require.NoError(t, err)

	_, err = c.Create(ctx, facade.AccessRequest{RequestType: facade.RequestTypeRevoke, RequestedFor: []string{alice},
		RequestedItems: []facade.AccessRequestItem{{Type: facade.ItemTypeEntitlement, ID: "ent-1", Comment: "left the team",
			AssignmentID: "assign-1", NativeIdentity: "CN=alice"}}})
	require.NoError(t, err)
	require.Len(t, srv.Statuses(), 2)
	assert.Equal(t, facade.RequestTypeRevoke, srv.Statuses()[1].RequestType)
}

func contractListing(t *testing.T, p protocol) {
	srv, c, _ := tenantOver(t, p)
	ctx := context.Background()
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ids := srv.SeedStatuses(600, alice, from)
	srv.SeedStatuses(5, bob, from)

	page, err := c.ListStatusPage(ctx, facade.ListStatusParams{RequestedFor: alice, Count: true}, 500)
	require.NoError(t, err)
	assert.Len(t, page.Items, 100)
	assert.True(t, page.HasTotal)
	assert.Equal(t, 600, page.Total)
	assert.True(t, page.Last)

	all, err := c.CollectStatus(ctx, facade.ListStatusParams{RequestedFor: alice, PageSize: 250}, 0)
	require.NoError(t, err)
	require.Len(t, all, 600)
	assert.Equal(t, ids[599], all[599].AccessRequestID)

	newest, err := c.ListStatusPage(ctx, facade.ListStatusParams{Sorters: []facade.SortKey{facade.Desc(facade.SortCreated)}, PageSize: 1}, 0)
	require.NoError(t, err)
	assert.Equal(t, from.Add(599*time.Second), newest.Items[0].Created)

	byID, err := c.ListStatusPage(ctx, facade.ListStatusParams{Filters: []facade.Condition{facade.AccessRequestID().In(ids[3], ids[7])}}, 0)
	require.NoError(t, err)
	assert.Len(t, byID.Items, 2)

	recent, err := c.CollectStatus(ctx, facade.ListStatusParams{RegardingIdentity: alice, OnlyExecuting: true,
		Filters: []facade.Condition{facade.Created().Ge(time.Date(2026, 1, 1, 0, 9, 0, 0, time.UTC))}}, 0)
	require.NoError(t, err)
	assert.Len(t, recent, 60)

	_, err = c.ListStatusPage(ctx, facade.ListStatusParams{RawFilters: `name eq "x"`}, 0)
	require.ErrorIs(t, err, facade.ErrBadRequest, "a field the server does not filter on")
	_, err = c.ListStatusPage(ctx, facade.ListStatusParams{Sorters: []facade.SortKey{facade.Asc("priority")}}, 0)
	require.ErrorIs(t, err, facade.ErrInvalidInput, "the client refuses it before sending")
	resp, err := c.Generated().ListAccessRequestStatusWithResponse(ctx, &gen.ListAccessRequestStatusParams{Sorters: ptr("priority")})
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode(), "and so does the server")
}

func TestFakeRefusesNonConformingRequests(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer()
	defer srv.Close()
	c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret))
	require.NoError(t, err)
	resp, err := c.Generated().ListAccessRequestStatusWithResponse(context.Background(), &gen.ListAccessRequestStatusParams{Limit: ptr(int32(251))})
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode())
	require.NotNil(t, resp.JSON400)
	assert.Contains(t, resp.JSON400.Messages[0].Text, "limit")
}

func TestTheHarnessNoticesABrokenResponseShape(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer()
	defer srv.Close()
	srv.SetFaults(fake.Faults{MalformedRatio: 1})
	h, err := contract.New(context.Background())
	require.NoError(t, err)
	c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret),
		facade.WithHTTPClient(&http.Client{Transport: h.RoundTripper(srv.Client().Transport)}))
	require.NoError(t, err)
	_, err = c.GetConfig(context.Background())
	require.ErrorIs(t, err, facade.ErrUndecodable)
	require.NotEmpty(t, h.Violations(), "a cut-short body must be a contract violation")
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer(fake.WithCredentials("id", "the-right-secret-0123"))
	defer srv.Close()
	c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithClientCredentials("id", "the-wrong-secret-0123"))
	require.NoError(t, err)
	_, err = c.GetConfig(context.Background())
	require.ErrorIs(t, err, facade.ErrToken)
	assert.Contains(t, err.Error(), "refused the client credentials")
	assert.Equal(t, 1, srv.TokenRequests())
}

func ptr[T any](v T) *T { return &v }
