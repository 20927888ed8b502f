package facade_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// A listing whose identity parameter or raw sorters are far longer than the base URL is sent
// as given, each value whole in its place in the query (no part of the query is limited in
// length). Guards endpoint.go pageURL's size hint `b.Grow(len(base) + 96 + len(q.RequestedFor) +
// len(q.RequestedBy) + len(q.RegardingIdentity) + len(q.AssignedTo) + 2*len(l.filters) +
// len(l.sorters))`: a term subtracted instead of added makes the hint negative for such a
// value, and strings.Builder.Grow panics on it.
func TestAListingsLongQueryValuesAreSentWhole(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("2c9180835d2e5168015d32f890ca1581", 32) // 1024 bytes
	for _, tc := range []struct {
		param string
		q     facade.ListStatusParams
	}{
		{"requested-for", facade.ListStatusParams{RequestedFor: long}},
		{"requested-by", facade.ListStatusParams{RequestedBy: long}},
		{"regarding-identity", facade.ListStatusParams{RegardingIdentity: long}},
		{"assigned-to", facade.ListStatusParams{AssignedTo: long}},
		{"sorters", facade.ListStatusParams{RawSorters: "-" + long}},
	} {
		t.Run(tc.param, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t).lax() // the raw sorter names no field the harness knows
			var (
				mu  sync.Mutex
				got []string
			)
			e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				got = append(got, r.URL.Query().Get(tc.param))
				mu.Unlock()
				reply(200, `[]`)(w, r)
			})
			var pages int
			for _, err := range e.client().ListStatusPages(context.Background(), tc.q) {
				require.NoError(t, noteErr(err))
				pages++
			}
			assert.Equal(t, 1, pages)
			mu.Lock()
			defer mu.Unlock()
			require.Len(t, got, 1)
			want := long
			if tc.param == "sorters" {
				want = "-" + long
			}
			assert.Equal(t, want, got[0])
		})
	}
}
