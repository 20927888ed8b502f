package facade

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A create's clientMetadata is made at its final size, the caller's entries and BatchKey: with
// as many of the caller's entries as fit a map's first group beside the key (7), batchRequest
// allocates no more than with none. Not parallel: AllocsPerRun counts the whole process's
// allocations. Guards batchRequest's size hint.
func TestABatchCreatesMetadataIsMadeAtItsSize(t *testing.T) {
	group := []BatchPair{{Identity: "id-1", Type: ItemTypeRole, ItemID: "role-1"}}
	allocs := func(entries int) float64 {
		p := BatchParams{RequestType: RequestTypeGrant, ClientMetadata: map[string]string{}}
		for i := range entries {
			p.ClientMetadata[fmt.Sprint("k", i)] = "v"
		}
		return testing.AllocsPerRun(100, func() { _ = batchRequest(p, group, "0123456789abcdef0123456789abcdef") })
	}
	assert.Equal(t, allocs(0), allocs(7))
}

// A request without a body (a GET) costs no allocation beyond what net/http's own request
// takes: no reader is made for an empty body. Not parallel: AllocsPerRun counts the whole
// process's allocations. Guards newRequest's check of the body.
func TestARequestWithoutABodyAllocatesNoReader(t *testing.T) {
	ctx := context.Background()
	const target = "https://acme.api.identitynow.com/beta/access-request-config"
	ours := testing.AllocsPerRun(100, func() { _, _ = newRequest(ctx, http.MethodGet, target, nil) })
	theirs := testing.AllocsPerRun(100, func() { _, _ = http.NewRequestWithContext(ctx, http.MethodGet, target, nil) })
	assert.Equal(t, theirs, ours)
}
