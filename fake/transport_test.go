package fake_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
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
	base := []facade.Option{facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret),
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

// A client in another process trusts the fake through its PEM certificate alone, on the
// listener it was given.
func TestTheCertificatePEMAndAGivenListenerServeAnotherClient(t *testing.T) {
	t.Parallel()
	plain := fake.NewServer()
	defer plain.Close()
	assert.Nil(t, plain.CertificatePEM(), "plain HTTP has no certificate")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := fake.NewServer(fake.WithTLS(), fake.WithListener(l))
	defer srv.Close()
	assert.Equal(t, "https://"+l.Addr().String(), srv.URL)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(srv.CertificatePEM()))
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true}}
	defer hc.CloseIdleConnections()
	c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret), facade.WithHTTPClient(hc))
	require.NoError(t, err)
	_, err = c.GetConfig(context.Background())
	require.NoError(t, err)

	untrusting := &http.Client{Transport: &http.Transport{}}
	defer untrusting.CloseIdleConnections()
	_, err = untrusting.Get(srv.URL + "/beta/access-request-config")
	require.Error(t, err, "without the certificate the server is not trusted")
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

// http1OverTLS is a client for a WithTLS fake that speaks HTTP/1.1: a custom TLS config turns
// net/http's HTTP/2 off unless asked for.
func http1OverTLS(srv *fake.Server) *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CertPool(), MinVersion: tls.VersionTLS12}}}
}

// Every transport-level fault, and what the facade makes of it: a write that may have been
// acted on is sent once and reported as an unknown outcome; a redirect is never followed.
func TestTransportFaultsAndWhatTheClientMakesOfThem(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		http1  bool
		faults fake.Faults
		proto  string
		want   []error
		acted  int
	}{
		{"HTTP/2 reset with PROTOCOL_ERROR after processing", false, fake.Faults{ResetAfterProcessingRatio: 1}, "HTTP/2.0", []error{facade.ErrOutcomeUnknown}, 1},
		{"HTTP/2 reset with INTERNAL_ERROR after processing", false, fake.Faults{DropAfterProcessingRatio: 1}, "HTTP/2.0", []error{facade.ErrOutcomeUnknown}, 1},
		{"HTTP/1.1 connection closed after processing", true, fake.Faults{DropAfterProcessingRatio: 1}, "HTTP/1.1", []error{facade.ErrOutcomeUnknown}, 1},
		{"HTTP/1.1 reset fault closes the connection", true, fake.Faults{ResetAfterProcessingRatio: 1}, "HTTP/1.1", []error{facade.ErrOutcomeUnknown}, 1},
		{"502 after processing", false, fake.Faults{GatewayErrorRatio: 1}, "HTTP/2.0", []error{facade.ErrOutcomeUnknown, facade.ErrServer}, 1},
		{"504 after processing", false, fake.Faults{GatewayErrorRatio: 1, GatewayErrorStatus: 504}, "HTTP/2.0", []error{facade.ErrOutcomeUnknown, facade.ErrServer}, 1},
		{"API redirected", false, fake.Faults{RedirectAPITo: "http://127.0.0.1:9/elsewhere"}, "HTTP/2.0", []error{facade.ErrRedirect, facade.ErrOutcomeUnknown}, 0},
		{"token endpoint redirected", false, fake.Faults{RedirectTokenTo: "http://127.0.0.1:9/elsewhere"}, "HTTP/2.0", []error{facade.ErrToken, facade.ErrRedirect}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fake.NewServer(fake.WithTLS())
			defer srv.Close()
			hc := srv.Client()
			if tc.http1 {
				hc = http1OverTLS(srv)
			}
			c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret),
				facade.WithHTTPClient(hc), fastRetries, facade.WithoutSettling()) // every call meets the fault: the raw outcome is the point
			require.NoError(t, err)
			srv.SetFaults(tc.faults)
			_, err = c.Create(context.Background(), grant([]string{alice}, role("r1")))
			for _, want := range tc.want {
				require.ErrorIs(t, err, want)
			}
			assert.Equal(t, tc.acted, srv.Creates(), "creates the tenant acted on")
			sent := srv.Count("POST", "/access-requests", 0)
			assert.LessOrEqual(t, sent, 1, "a create is never sent twice")
			if tc.faults.RedirectTokenTo == "" {
				assert.Equal(t, 1, sent)
			} else {
				assert.Zero(t, sent, "no token, no call")
			}
			for _, r := range srv.Received() {
				assert.Equal(t, tc.proto, r.Proto)
			}
		})
	}
}

func TestAGatewayErrorOnAReadIsRetriedAndThenAServerError(t *testing.T) {
	t.Parallel()
	srv, c := tlsTenant(t, fastRetries)
	srv.SetFaults(fake.Faults{GatewayErrorRatio: 1, GatewayErrorStatus: http.StatusGatewayTimeout})
	_, err := c.GetConfig(context.Background())
	require.ErrorIs(t, err, facade.ErrServer)
	assert.NotErrorIs(t, err, facade.ErrOutcomeUnknown, "a read has no outcome to be unsure of")
	assert.Equal(t, 12, srv.Count("GET", "/access-request-config", 0), "every attempt the policy allows")
}
