package fake_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// tlsTenant starts a fake over TLS with HTTP/2 and a facade client that trusts it, with no
// contract harness in between (faults answer outside the spec on purpose).
func tlsTenant(t *testing.T, opts ...facade.Option) (*fake.Server, *facade.Client) {
	t.Helper()
	srv := fake.NewServer(fake.WithTLS())
	t.Cleanup(srv.Close)
	base := []facade.Option{facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret),
		facade.WithHTTPClient(srv.Client())}
	c, err := facade.New(append(base, opts...)...)
	require.NoError(t, err)
	return srv, c
}

// rawPost sends one POST whose body cannot be replayed (no GetBody), so that the transport
// reports the stream error instead of retrying.
func rawPost(t *testing.T, srv *fake.Server, path, body string) error {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/beta"+path, io.NopCloser(strings.NewReader(body)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err == nil {
		_ = resp.Body.Close()
	}
	return err
}

func TestTLSServerSpeaksHTTP2AndIsTrustedByItsClient(t *testing.T) {
	t.Parallel()
	srv, c := tlsTenant(t)
	require.True(t, strings.HasPrefix(srv.URL, "https://"), srv.URL)
	require.NotNil(t, srv.CertPool())
	_, err := c.GetConfig(context.Background())
	require.NoError(t, err)
	rec := srv.Received()
	require.NotEmpty(t, rec)
	for _, r := range rec {
		assert.Equal(t, "HTTP/2.0", r.Proto, "%s %s", r.Method, r.Path)
	}
}

func TestResetFaultsSendTheCodeTheySay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		faults fake.Faults
		code   string
	}{
		{"reset after processing", fake.Faults{ResetAfterProcessingRatio: 1}, "PROTOCOL_ERROR"},
		{"drop after processing", fake.Faults{DropAfterProcessingRatio: 1}, "INTERNAL_ERROR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake.NewServer(fake.WithTLS())
			defer srv.Close()
			srv.SetFaults(tc.faults)
			// Unauthenticated, the tenant answers 401: processed all the same, then the answer is lost.
			err := rawPost(t, srv, "/access-requests", `{}`)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.code)
			assert.Contains(t, err.Error(), "received from peer")
			rec := srv.Received()
			require.Len(t, rec, 1)
			assert.True(t, rec[0].Dropped)
			assert.Equal(t, http.StatusUnauthorized, rec[0].Status, "the tenant's own answer is kept")
		})
	}
}
