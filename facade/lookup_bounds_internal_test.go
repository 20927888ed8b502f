package facade

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An id whose lookup URL (at the longest offset, as asked for in a batch) is exactly
// MaxLookupURL bytes is looked up, one byte more is refused; two ids whose batch URL is exactly MaxLookupURL bytes share one
// listing, one byte more splits them. Guards idBatches' two bounds (`>` MaxLookupURL, not `>=`).
func TestALookupURLOfExactlyTheBoundIsKept(t *testing.T) {
	c, err := New(WithAPI(APIBeta), WithBaseURL("https://tenant.example"), WithAccessToken("a-fixed-token"))
	require.NoError(t, err)
	worst := func(ids ...string) int {
		t.Helper()
		b, err := c.idBatches(ids, false, "WaitAll")
		require.NoError(t, err)
		require.Len(t, b, 1)
		return b[0].worst
	}
	id := func(n int) string { return strings.Repeat("a", n) }

	// One id: the longest accepted and the first refused (found by growing it a character at a
	// time: its URL grows a byte a character) are either side of the bound, not short of it.
	n := MaxLookupURL - worst(id(1)) - 20 // a little short: the check reads the URL as a batch asks (with "in")
	for ; ; n++ {
		if _, err := c.idBatches([]string{id(n)}, false, "WaitAll"); err != nil {
			require.ErrorIs(t, err, ErrInvalidInput)
			assert.Contains(t, err.Error(), "makes a lookup URL of 8001 bytes, more than MaxLookupURL (8000)")
			break
		}
	}

	// Two ids: the second adds its escaped, quoted text and a comma.
	first := id(10)
	fill := id(1 + MaxLookupURL - worst(first, id(1)))
	assert.Equal(t, MaxLookupURL, worst(first, fill), "both in one listing, at the bound")
	b, err := c.idBatches([]string{first, fill + "a"}, false, "WaitAll")
	require.NoError(t, err)
	assert.Len(t, b, 2, "one byte past the bound: a listing each")
}
