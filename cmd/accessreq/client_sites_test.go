package main

import (
	"crypto/x509"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/fake"
)

// --ca-cert trusts its file besides the system's roots, not instead of them: a tenant behind a
// public CA stays reachable when a proxy's CA is added. Guards the transport's use of the
// system pool when it loads.
func TestCACertIsTrustedBesideTheSystemRoots(t *testing.T) {
	sys, err := x509.SystemCertPool()
	if err != nil || sys.Equal(x509.NewCertPool()) {
		t.Skip("no system roots on this machine")
	}
	srv := fake.NewServer(fake.WithTLS())
	t.Cleanup(srv.Close)
	a := &app{timeout: defaultTimeout, caCert: writeFile(t, "ca.pem", string(srv.CertificatePEM()))}
	rt, err := a.transport()
	require.NoError(t, err)
	require.True(t, sys.AppendCertsFromPEM(srv.CertificatePEM()))
	tr, ok := rt.(*http.Transport)
	require.True(t, ok)
	assert.True(t, tr.TLSClientConfig.RootCAs.Equal(sys), "the system's roots and the file's")
}
