package facade

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A page's URL is written into one buffer made at its size: a value of a kilobyte or more, in
// any of the identity parameters, the filters or the sorters, costs pageURL only what escaping
// it costs (url.QueryEscape), never a larger buffer. Not parallel: AllocsPerRun counts the
// whole process's allocations. Guards endpoint.go pageURL's `b.Grow(...)` and each of its terms.
func TestAPageURLIsWrittenIntoOneBuffer(t *testing.T) {
	c, err := New(WithBaseURL("https://acme.api.identitynow.com"), WithAccessToken("test-token-0123456789"))
	require.NoError(t, err)
	allocs := func(q ListStatusParams) float64 {
		l, err := c.listing(q, 0, "test")
		require.NoError(t, err)
		return testing.AllocsPerRun(50, func() { _ = l.pageURL(l.e.url, 250) })
	}
	escaping := func(v string) float64 { return testing.AllocsPerRun(50, func() { _ = url.QueryEscape(v) }) }
	id := "2c9180835d2e5168015d32f890ca1581"
	long := strings.Repeat(id, 40) // 1,280 bytes
	// Quotes, commas and brackets escape to three bytes each: the filters' term is twice their length.
	in := `accessRequestId in ("` + strings.Repeat(id+`", "`, 40) + id + `")`
	bare := allocs(ListStatusParams{RawSorters: "-created"})
	for _, tc := range []struct {
		name  string
		q     ListStatusParams
		value string
	}{
		{"requested-for", ListStatusParams{RequestedFor: long, RawSorters: "-created"}, long},
		{"requested-by", ListStatusParams{RequestedBy: long, RawSorters: "-created"}, long},
		{"regarding-identity", ListStatusParams{RegardingIdentity: long, RawSorters: "-created"}, long},
		{"assigned-to", ListStatusParams{AssignedTo: long, RawSorters: "-created"}, long},
		{"filters", ListStatusParams{RawFilters: in, RawSorters: "-created"}, in},
		{"sorters", ListStatusParams{RawSorters: "-created," + long}, "-created," + long},
	} {
		want := bare + escaping(tc.value)
		if tc.name == "sorters" {
			want -= escaping("-created") // the one sorter value replaced
		}
		assert.Equal(t, want, allocs(tc.q), tc.name)
	}
}
