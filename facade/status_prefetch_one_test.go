package facade_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// A Prefetch of 1 is no prefetch: the listing pages one at a time as with 0, and sends the
// query the caller gave; only a window above 1 asks for the total (count=true) itself, as
// ListStatusParams.Prefetch documents. Guards status.go ListStatusPages `q.Prefetch > 1`.
func TestAPrefetchOfOneIsTheSequentialListing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		prefetch int
		count    string // the count parameter every request carries
	}{{0, ""}, {1, ""}, {2, "true"}} {
		e := newEnv(t)
		p := &pager{total: 25, failAt: -1}
		var (
			mu     sync.Mutex
			counts []string
		)
		e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			counts = append(counts, r.URL.Query().Get("count"))
			mu.Unlock()
			p.ServeHTTP(w, r)
		})
		var items int
		for page, err := range e.client().ListStatusPages(context.Background(), facade.ListStatusParams{PageSize: 10, Prefetch: tc.prefetch}) {
			require.NoError(t, noteErr(err))
			items += len(page.Items)
			assert.Equal(t, tc.count == "true", page.HasTotal, "prefetch %d: a total only when asked for", tc.prefetch)
		}
		assert.Equal(t, 25, items, "prefetch %d", tc.prefetch)
		if tc.prefetch > 1 {
			assert.ElementsMatch(t, []int{0, 10, 20}, p.asked(), "prefetch %d: pages in flight arrive in any order", tc.prefetch)
		} else {
			assert.Equal(t, []int{0, 10, 20}, p.asked(), "prefetch %d: one page at a time", tc.prefetch)
		}
		mu.Lock()
		assert.Equal(t, []string{tc.count, tc.count, tc.count}, counts, "prefetch %d: count=%q on every request", tc.prefetch, tc.count)
		mu.Unlock()
	}
}
