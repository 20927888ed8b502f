package facade

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestABaseURLIsRequestedAsWritten: the URLs a client requests keep the base URL's escaped
// path segments whether or not it ends in /beta, and an empty query ("https://host/?") adds
// nothing to them: a listing's parameters stay its query (before, "a%2Fb/beta" was requested
// as "a/b/beta", and "/?" made "access-request-status??limit=250&…", whose limit and offset
// the server does not see), in both generations.
func TestABaseURLIsRequestedAsWritten(t *testing.T) {
	listing := map[API]string{APIBeta: "/beta/access-request-status", APIV1: "/access-request-status/v1"}
	for _, tc := range []struct{ base, root string }{
		{"https://gw.example.com/a%2Fb/beta", "/a%2Fb"},
		{"https://gw.example.com/a%2Fb/beta/", "/a%2Fb"},
		{"https://gw.example.com/a%2Fb", "/a%2Fb"},
		{"https://gw.example.com/a%20b/beta", "/a%20b"},
		{"https://gw.example.com/%62eta", ""},
		{"https://gw.example.com/?", ""},
		{"https://gw.example.com/sail/beta?", "/sail"},
	} {
		for _, api := range APIs() {
			t.Run(string(api)+" "+tc.base, func(t *testing.T) {
				rt := &capture{status: 200, body: `[]`}
				c, err := New(WithAPI(api), WithBaseURL(tc.base), WithAccessToken("test-token-0123456789"), WithoutRetries(),
					WithHTTPClient(&http.Client{Transport: rt}))
				require.NoError(t, err)
				for _, err := range c.ListStatus(context.Background(), ListStatusParams{PageSize: 7}) {
					require.NoError(t, err)
				}
				got, _ := rt.last(t)
				assert.Equal(t, tc.root+listing[api], got.URL.EscapedPath())
				assert.Equal(t, "7", got.URL.Query().Get("limit"), "the query %q", got.URL.RawQuery)
				assert.Equal(t, "0", got.URL.Query().Get("offset"), "the query %q", got.URL.RawQuery)
			})
		}
	}
}
