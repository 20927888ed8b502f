package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer that a command writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveFake runs "accessreq fake" with args until the test ends, and returns the variables
// its output says to export.
func serveFake(t *testing.T, args ...string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"fake"}, args...), stdio{in: strings.NewReader(""), out: &out, err: &errOut})
	}()
	t.Cleanup(func() {
		cancel()
		assert.Equal(t, exitOK, <-done, errOut.String())
		assert.Contains(t, errOut.String(), "accessreq fake: stopped after ")
	})
	exports := map[string]string{}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline) && len(exports) == 0; time.Sleep(10 * time.Millisecond) {
		text := out.String()
		if !strings.Contains(text, "export SAIL_CLIENT_SECRET=") || strings.Contains(strings.Join(args, " "), "--tls") && !strings.Contains(text, "export "+envCACert) {
			continue
		}
		for _, line := range strings.Split(text, "\n") {
			if name, value, ok := strings.Cut(strings.TrimPrefix(line, "export "), "="); ok && strings.HasPrefix(line, "export ") {
				exports[name] = value
			}
		}
	}
	require.NotEmpty(t, exports, "the fake printed no exports: %q %q", out.String(), errOut.String())
	return exports
}

// "accessreq fake" serves a tenant (over TLS here, with seeded statuses and a deviation) that
// "accessreq status" lists with the lines it printed, until it is interrupted.
func TestFakeServesATenantThatStatusLists(t *testing.T) {
	isolate(t)
	exports := serveFake(t, "--tls", "--seed-statuses", "12", "--seed-for", "id-bob", "--deviate", "unknown-fields", "--claimed-total", "40")
	for _, name := range []string{"SAIL_BASE_URL", "SAIL_CLIENT_ID", "SAIL_CLIENT_SECRET", envCACert} {
		require.NotEmpty(t, exports[name], name)
		t.Setenv(name, exports[name])
	}
	assert.True(t, strings.HasPrefix(exports["SAIL_BASE_URL"], "https://127.0.0.1:"), exports["SAIL_BASE_URL"])
	cert, err := os.ReadFile(exports[envCACert])
	require.NoError(t, err)
	assert.Contains(t, string(cert), "-----BEGIN CERTIFICATE-----")

	r := cli(t, "status", "--limit", "5", "--count")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, 5, strings.Count(r.out, "  EXECUTING  EXTEND  id-bob  "), "seeded, with an enum value the spec lacks:\n%s", r.out)
	assert.Contains(t, r.out, "total: 40\n", "the claimed total")
	assert.Contains(t, r.errOut, "35 more exist")

	r = cli(t, "status", "--all", "-o", "ndjson")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, 12, strings.Count(r.out, "\n"))
	assert.Contains(t, r.out, `"requestType":"EXTEND_ACCESS"`, "the deviation is in force")

	t.Setenv(envCACert, "")
	r = cli(t, "status")
	assert.Equal(t, exitAPI, r.code, "without the certificate the fake is not trusted")
	assert.Contains(t, r.errOut, "certificate")

	for _, o := range outputs {
		assert.NotContains(t, o, exports["SAIL_CLIENT_SECRET"], "the fake's secret is printed to be exported, and nowhere else")
	}
}

func TestFakeOverPlainHTTPOnAChosenPort(t *testing.T) {
	isolate(t)
	exports := serveFake(t)
	assert.True(t, strings.HasPrefix(exports["SAIL_BASE_URL"], "http://127.0.0.1:"), exports["SAIL_BASE_URL"])
	assert.NotContains(t, exports, envCACert)
	for name, v := range exports {
		t.Setenv(name, v)
	}
	r := cli(t, "status")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, "ACCESS REQUEST ID  STATE  TYPE  FOR  CREATED (UTC)  ITEM\n", r.out, "an empty tenant")

	port := exports["SAIL_BASE_URL"][len("http://127.0.0.1:"):]
	r = cli(t, "fake", "--port", port)
	assert.Equal(t, exitUsage, r.code, "the port is taken")
	assert.Contains(t, r.errOut, "accessreq fake: --port "+port+": listen tcp 127.0.0.1:"+port+": bind: address already in use\n")
}
