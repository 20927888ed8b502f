package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// fakeFlags are the flags of the fake command.
type fakeFlags struct {
	tls          bool
	port         int
	seed         int
	seedFor      string
	deviate      []string
	claimedTotal int
}

// deviations are the names --deviate takes, each switching on one of fake.Deviations.
var deviations = map[string]func(*fake.Deviations){
	"unknown-fields": func(d *fake.Deviations) { d.UnknownFields = true },
	"other-shapes":   func(d *fake.Deviations) { d.OtherShapes = true },
	"end-offset-400": func(d *fake.Deviations) { d.EndOffset400 = true },
}

func deviationNames() []string { return slices.Sorted(maps.Keys(deviations)) }

func (a *app) fakeCommand() *cobra.Command {
	var f fakeFlags
	c := &cobra.Command{
		Use:   "fake [--tls] [--port N] [--seed-statuses N] [--deviate NAME,...]",
		Short: "Serve a fake tenant in the foreground, until interrupted, to point commands at",
		Long: `Fake runs the in-memory fake tenant this project tests with (the access request operations
of both API generations, the beta and its successor, over one state, and a token endpoint,
checked against the spec) on a loopback port, prints the SAIL_* lines to
export in another shell, and serves until interrupted (Ctrl-C). The client id and secret are
made up for each run.

--tls serves HTTPS with HTTP/2 and a certificate made at start; the printed lines then also
export ACCESSREQ_CA_CERT, the certificate's file, which accessreq trusts (--ca-cert). The file
is removed when the fake stops.

--seed-statuses adds that many EXECUTING requests for --seed-for, created an hour before
start. --deviate makes the tenant depart from the spec the ways real tenants do:
unknown-fields (settings and fields the spec lacks), other-shapes (known fields in other
shapes), end-offset-400 (an offset past the end answered with 400); --claimed-total sends a
false X-Total-Count.`,
		Example: `  accessreq fake --tls --seed-statuses 12
      prints the lines to export; in another shell, after them:
  accessreq status --all --count`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runFake(cmd.Context(), f) },
	}
	fl := c.Flags()
	fl.BoolVar(&f.tls, "tls", false, "serve HTTPS (HTTP/2) with a certificate made at start")
	fl.IntVar(&f.port, "port", 0, "loopback port to serve on (default: any free port)")
	fl.IntVar(&f.seed, "seed-statuses", 0, "add this many EXECUTING requests at start")
	fl.StringVar(&f.seedFor, "seed-for", demoBob, "identity the seeded requests are for")
	fl.StringSliceVar(&f.deviate, "deviate", nil, "depart from the spec: "+strings.Join(deviationNames(), ", ")+" (repeat or comma-separate)")
	fl.IntVar(&f.claimedTotal, "claimed-total", 0, "send this X-Total-Count instead of the true count")
	return c
}

// runFake serves until ctx ends.
func (a *app) runFake(ctx context.Context, f fakeFlags) error {
	var dev fake.Deviations
	for _, name := range f.deviate {
		set, ok := deviations[strings.TrimSpace(name)]
		if !ok {
			return usagef("--deviate %q: not one of %s", name, strings.Join(deviationNames(), ", "))
		}
		set(&dev)
	}
	switch {
	case f.port < 0 || f.port > 65535:
		return usagef("--port must be between 0 and 65535, got %d", f.port)
	case f.seed < 0:
		return usagef("--seed-statuses must not be negative, got %d", f.seed)
	case f.claimedTotal < 0 || f.claimedTotal > 1<<31-1:
		return usagef("--claimed-total must be between 0 and %d, got %d", 1<<31-1, f.claimedTotal)
	}
	dev.ClaimedTotal = int32(f.claimedTotal)
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(f.port)))
	if err != nil {
		return usagef("--port %d: %v", f.port, err)
	}
	id, secret := randomHex(8), randomHex(24)
	opts := []fake.Option{fake.WithListener(l), fake.WithCredentials("fake-"+id, secret)}
	if f.tls {
		opts = append(opts, fake.WithTLS())
	}
	srv := fake.NewServer(opts...)
	defer srv.Close()
	srv.SetDeviations(dev)
	if f.seed > 0 {
		srv.SeedStatuses(f.seed, f.seedFor, time.Now().Add(-time.Hour))
	}
	out := a.io.out
	what := "HTTP/1.1"
	if f.tls {
		what = "TLS, HTTP/2"
	}
	fmt.Fprintf(out, "# accessreq fake: a fake tenant at %s (%s), %d statuses seeded; Ctrl-C stops it.\n", srv.URL, what, f.seed)
	fmt.Fprintf(out, "# In another shell:\n")
	fmt.Fprintf(out, "export %s=%s\nexport %s=%s\nexport %s=%s\n", facade.EnvBaseURL, srv.URL,
		facade.EnvClientID, srv.ClientID, facade.EnvClientSecret, srv.ClientSecret)
	if f.tls {
		dir, err := os.MkdirTemp("", "accessreq-fake-")
		if err != nil {
			return err
		}
		defer func() { _ = os.RemoveAll(dir) }()
		cert := filepath.Join(dir, "cert.pem")
		if err := os.WriteFile(cert, srv.CertificatePEM(), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(out, "export %s=%s\n", envCACert, cert)
	}
	<-ctx.Done()
	fmt.Fprintf(a.io.err, "accessreq fake: stopped after %d API calls and %d token requests\n",
		len(srv.Received())-srv.TokenRequests(), srv.TokenRequests())
	return nil
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
