package facade_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// problemsOf is the broken rules of err, a *ValidationError, as "field rule" lines.
func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	var ve *facade.ValidationError
	require.ErrorAs(t, err, &ve)
	out := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		out[i] = p.Field + " " + p.Rule
	}
	return out
}

// The documented rules name the field and the rule exactly: an unknown request type (with
// the value given), the per-identity form's entries (an entry without an identity, one without
// items, an item's field under its own entry and index, more than 10 identities when
// entitlements are asked), a machine beside people, counted each, and a revoke naming one
// machine and a person, and a machine's item named by its entry's index and its own (0 and 1).
// Guards validateRequest, itemView.field and checkMachines (its field's arguments too).
func TestTheRulesOfARequestNameEachFieldAndCount(t *testing.T) {
	t.Parallel()
	now := time.Now()
	role := func(id string) []facade.IdentityItem {
		return []facade.IdentityItem{{Type: facade.ItemTypeRole, ID: id}}
	}
	eleven := make([]facade.IdentityRequest, 11)
	for i := range eleven {
		eleven[i] = facade.IdentityRequest{IdentityID: fmt.Sprintf("p-%d", i), RequestedItems: []facade.IdentityItem{{Type: facade.ItemTypeEntitlement, ID: "e-1"}}}
	}
	machineItems := []facade.IdentityItem{{Type: facade.ItemTypeEntitlement, ID: "e-1",
		AccountSelection: []facade.AccountSelection{{SourceID: "src-1"}}}}
	for _, tc := range []struct {
		name string
		req  facade.AccessRequest
		want []string
	}{
		{"an unknown request type", facade.AccessRequest{RequestType: "BOGUS", RequestedFor: []string{"p-1"}, RequestedItems: []facade.AccessRequestItem{{Type: facade.ItemTypeRole, ID: "r"}}},
			[]string{`requestType must be GRANT_ACCESS, REVOKE_ACCESS or MODIFY_ACCESS, got "BOGUS"`}},
		{"entries without an identity or items", facade.AccessRequest{RequestedForWithRequestedItems: []facade.IdentityRequest{
			{IdentityID: "p-0", RequestedItems: role("r")}, {RequestedItems: role(" ")}, {IdentityID: "p-2"}}},
			[]string{"requestedForWithRequestedItems[1].identityId is required", "requestedForWithRequestedItems[2].requestedItems must have at least one item",
				"requestedForWithRequestedItems[1].requestedItems[0].id is required"}},
		{"eleven identities with entitlements", facade.AccessRequest{RequestedForWithRequestedItems: eleven},
			[]string{"requestedFor names 11 identities; at most 10 are allowed when entitlements are requested"}},
		{"one machine beside two people", facade.AccessRequest{RequestedForWithRequestedItems: []facade.IdentityRequest{
			{IdentityID: "m-1", IdentityType: facade.IdentityTypeMachine, RequestedItems: machineItems},
			{IdentityID: "p-1", RequestedItems: role("r")}, {IdentityID: "p-2", RequestedItems: role("r")}}},
			[]string{"requestedForWithRequestedItems names 1 machine identities beside 2 other identities; machine identities are never requested for beside people"}},
		{"a machine's second item a role", facade.AccessRequest{RequestedForWithRequestedItems: []facade.IdentityRequest{
			{IdentityID: "m-1", IdentityType: facade.IdentityTypeMachine, RequestedItems: append(slices.Clone(machineItems),
				facade.IdentityItem{Type: facade.ItemTypeRole, ID: "r", AccountSelection: []facade.AccountSelection{{SourceID: "src-1"}}})}}},
			[]string{"requestedForWithRequestedItems[0].requestedItems[1].type must be ENTITLEMENT for a machine identity (machines get entitlements only), got ROLE"}},
		// Guards checkMachines' `machines > 0` before the revoke's one-machine rule: people alone
		// are refused by the form's own rule, never as if they were machines.
		{"a revoke for two people in the per-identity form", facade.AccessRequest{RequestType: facade.RequestTypeRevoke,
			RequestedForWithRequestedItems: []facade.IdentityRequest{
				{IdentityID: "p-1", RequestedItems: []facade.IdentityItem{{Type: facade.ItemTypeRole, ID: "r", Comment: "left"}}},
				{IdentityID: "p-2", RequestedItems: []facade.IdentityItem{{Type: facade.ItemTypeRole, ID: "r", Comment: "left"}}}}},
			[]string{"requestedForWithRequestedItems is only allowed for GRANT_ACCESS (or for machine identities), not REVOKE_ACCESS"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, problemsOf(t, facade.ValidateAccessRequest(tc.req, now)))
		})
	}
	revoke := facade.AccessRequest{RequestType: facade.RequestTypeRevoke, RequestedForWithRequestedItems: []facade.IdentityRequest{
		{IdentityID: "m-1", IdentityType: facade.IdentityTypeMachine, RequestedItems: []facade.IdentityItem{{Type: facade.ItemTypeEntitlement, ID: "e-1", Comment: "rotated"}}},
		{IdentityID: "p-1", RequestedItems: []facade.IdentityItem{{Type: facade.ItemTypeRole, ID: "r", Comment: "left"}}}}}
	assert.Contains(t, problemsOf(t, facade.ValidateAccessRequest(revoke, now)),
		"requestedForWithRequestedItems must name exactly one machine identity for REVOKE_ACCESS, got 2", "one machine's revoke beside a person")
}

// A beta client refuses the successor's fields, each named by its own entry and item index,
// with the rule that says which of the successor's features it is. Guards API.requestRules.
func TestABetaClientNamesEachSuccessorFieldItRefuses(t *testing.T) {
	t.Parallel()
	e := newEnvFor(t, facade.APIBeta)
	c := e.client()
	const only = "is only in the successor's API (a client made with WithAPI(APIV1)); the beta has no "
	role := facade.AccessRequestItem{Type: facade.ItemTypeRole, ID: "r"}
	form := role
	form.FormInstanceID = "f-1"
	_, err := c.Create(context.Background(), facade.AccessRequest{RequestedFor: []string{"p-1"}, RequestedItems: []facade.AccessRequestItem{role, form}})
	assert.Equal(t, []string{"requestedItems[1].formInstanceId " + only + "forms"}, problemsOf(t, noteErr(err)))

	items := []facade.IdentityItem{{Type: facade.ItemTypeRole, ID: "r"}, {Type: facade.ItemTypeRole, ID: "r2", FormInstanceID: "f-1"}}
	_, err = c.Create(context.Background(), facade.AccessRequest{RequestedForWithRequestedItems: []facade.IdentityRequest{{IdentityID: "p-1", RequestedItems: items}}})
	assert.Equal(t, []string{"requestedForWithRequestedItems[0].requestedItems[1].formInstanceId " + only + "forms"}, problemsOf(t, noteErr(err)))

	machine := []facade.IdentityItem{{Type: facade.ItemTypeEntitlement, ID: "e", Comment: "rotated"}, {Type: facade.ItemTypeEntitlement, ID: "e2", Comment: "rotated", NativeIdentity: "CN=bot"}}
	_, err = c.Create(context.Background(), facade.AccessRequest{RequestType: facade.RequestTypeRevoke,
		RequestedForWithRequestedItems: []facade.IdentityRequest{{IdentityID: "m-1", IdentityType: facade.IdentityTypeMachine, RequestedItems: machine}}})
	got := problemsOf(t, noteErr(err))
	assert.Contains(t, got, "requestedForWithRequestedItems[0].identityType "+only+"machine identities")
	assert.Contains(t, got, "requestedForWithRequestedItems[0].requestedItems[1].nativeIdentity "+only+"machine identities")
	assert.Zero(t, e.calls.Load(), "nothing was sent")
}

// An error answer is read to at most 64 KiB: a JSON error body within it is decoded (its
// tracking id kept), one past it is cut, so it is not decoded and only the start of it is kept
// as the error's body. Guards maxErrorBody.
func TestAnErrorBodyIsReadToAtMost64KiB(t *testing.T) {
	t.Parallel()
	for _, size := range []int{60 << 10, 70 << 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t).lax()
			body := `{"trackingId":"track-big","messages":[{"locale":"en-US","text":"` + strings.Repeat("x", size) + `"}]}`
			e.handle("GET /access-request-config", reply(400, body))
			err := getConfig(context.Background(), e.client())
			var apiErr *facade.APIError
			require.True(t, errors.As(noteErr(err), &apiErr), "%v", err)
			if size < 64<<10 {
				assert.Equal(t, "track-big", apiErr.TrackingID)
				return
			}
			assert.Empty(t, apiErr.TrackingID, "cut, so not decoded")
			assert.True(t, strings.HasPrefix(apiErr.Body, `{"trackingId":"track-big"`), apiErr.Body[:min(len(apiErr.Body), 80)])
		})
	}
}
