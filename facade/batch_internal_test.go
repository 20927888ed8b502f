package facade

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A create's clientMetadata is made once at its final size, the caller's entries and BatchKey:
// with as many of the caller's entries as fit a map's first group beside the key (7),
// batchRequest allocates no more than with none; past that group (8 or 15 entries, 9 or 16 with
// BatchKey), no more than with none by exactly what a map made with room for all of them does
// (one made a size too small, and grown when the key comes, allocates a table more). Not
// parallel: AllocsPerRun counts the whole process's allocations. Guards batch.go
// batchRequest's size hint, `len(p.ClientMetadata)+1`.
func TestABatchCreatesMetadataIsMadeAtItsSize(t *testing.T) {
	group := []BatchPair{{Identity: "id-1", Type: ItemTypeRole, ItemID: "role-1"}}
	params := func(entries int) BatchParams {
		p := BatchParams{RequestType: RequestTypeGrant, ClientMetadata: map[string]string{}}
		for i := range entries {
			p.ClientMetadata[fmt.Sprint("k", i)] = "v"
		}
		return p
	}
	allocs := func(entries int) float64 {
		p := params(entries)
		return testing.AllocsPerRun(100, func() { _ = batchRequest(p, group, "0123456789abcdef0123456789abcdef") })
	}
	atSize := func(entries int) float64 { // the metadata alone, made with room for the key
		src := params(entries).ClientMetadata
		return testing.AllocsPerRun(100, func() {
			m := make(map[string]string, len(src)+1)
			for k, v := range src {
				m[k] = v
			}
			m[BatchKey] = "0123456789abcdef0123456789abcdef"
			metadataSink = m
		})
	}
	assert.Equal(t, allocs(0), allocs(7))
	for _, entries := range []int{8, 15} {
		assert.Equal(t, atSize(entries)-atSize(0), allocs(entries)-allocs(0), "%d entries", entries)
	}
}

var metadataSink map[string]string

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
