package facade

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A method whose operation the client's generation lacks is refused before anything is sent,
// with a *NotInAPIError naming the method. Both generations have create, cancel and close
// today, so a generation without them is made here by blanking their endpoints: the check each
// of these methods makes first still holds. Guards the endpoint checks of Create, SubmitBatch,
// PlanBatch, Cancel and CloseRequests.
func TestAMethodWhoseOperationTheGenerationLacksSendsNothing(t *testing.T) {
	t.Parallel()
	rt := &capture{status: http.StatusInternalServerError}
	c, err := New(WithAPI(APIV1), WithBaseURL("https://acme.api.identitynow.com"), WithAccessToken("test-token-0123456789"),
		WithHTTPClient(&http.Client{Transport: rt}))
	require.NoError(t, err)
	for _, op := range []operation{opCreate, opCancel, opClose} {
		c.urls[op] = endpoint{}
	}
	ctx := context.Background()
	pair := BatchPair{Identity: "id-1", Type: ItemTypeRole, ItemID: "role-1"}
	calls := map[string]func() error{
		"Create": func() error {
			out, err := c.Create(ctx, AccessRequest{RequestedFor: []string{"id-1"}, RequestedItems: []AccessRequestItem{{Type: ItemTypeRole, ID: "role-1"}}})
			assert.Nil(t, out)
			return err
		},
		"SubmitBatch": func() error {
			res, err := c.SubmitBatch(ctx, BatchParams{RequestType: RequestTypeGrant, Pairs: []BatchPair{pair}})
			assert.Nil(t, res)
			return err
		},
		"PlanBatch": func() error {
			plan, err := c.PlanBatch(BatchParams{RequestType: RequestTypeGrant, Pairs: []BatchPair{pair}})
			assert.Nil(t, plan)
			return err
		},
		"Cancel": func() error { return c.Cancel(ctx, CancelParams{ID: "ar-1", Comment: "not needed"}) },
		"CloseRequests": func() error {
			res, err := c.CloseRequests(ctx, CloseRequestsParams{IDs: []string{"ar-1"}})
			assert.Nil(t, res)
			return err
		},
	}
	for method, call := range calls {
		var notIn *NotInAPIError
		require.ErrorAs(t, call(), &notIn, method)
		assert.Equal(t, method, notIn.Method)
		assert.Equal(t, APIV1, notIn.API)
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	assert.Empty(t, rt.reqs, "nothing was sent")
}
