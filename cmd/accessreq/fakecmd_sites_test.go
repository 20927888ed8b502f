package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// "accessreq fake" says, line for line, what it serves and how to reach it (its client id is
// "fake-" and 16 hex digits, its secret 48), serves the statuses it seeded (one is enough),
// counts the calls it got when it stops, and leaves nothing behind: its certificate's directory
// is removed and its port closed. Guards runFake's lines and their arguments, the TLS label,
// `f.seed > 0`, the credentials' order, and its two deferred clean-ups.
func TestFakeSaysWhatItServesAndCleansUp(t *testing.T) {
	isolate(t)
	out, errOut, stop := startFake(t, "export "+envCACert+"=", "--tls", "--seed-statuses", "1")
	text := out.String()
	want := regexp.MustCompile(`^# accessreq fake: a fake tenant at (https://127\.0\.0\.1:\d+) \(TLS, HTTP/2\), 1 statuses seeded; Ctrl-C stops it\.\n` +
		`# In another shell:\n` +
		`export SAIL_BASE_URL=(https://127\.0\.0\.1:\d+)\n` +
		`export SAIL_CLIENT_ID=(fake-[0-9a-f]{16})\n` +
		`export SAIL_CLIENT_SECRET=([0-9a-f]{48})\n` +
		`export ` + regexp.QuoteMeta(envCACert) + `=(\S+/cert\.pem)\n$`)
	m := want.FindStringSubmatch(text)
	require.NotNil(t, m, "%q", text)
	assert.Equal(t, m[1], m[2])
	t.Setenv("SAIL_BASE_URL", m[2])
	t.Setenv("SAIL_CLIENT_ID", m[3])
	t.Setenv("SAIL_CLIENT_SECRET", m[4])
	t.Setenv(envCACert, m[5])
	r := cli(t, "status", "--all", "--limit", "1", "--output", "ndjson")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, 1, strings.Count(r.out, "\n"), "the one status seeded: %s", r.out)
	pem, err := os.ReadFile(m[5])
	require.NoError(t, err)

	require.Equal(t, exitOK, stop())
	assert.Equal(t, "accessreq fake: stopped after 2 API calls and 1 token requests\n", errOut.String(), "a page, an empty page, one token")
	_, err = os.Stat(m[5])
	assert.ErrorIs(t, err, os.ErrNotExist, "the certificate's directory is removed")
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if resp, err := client.Get(m[1] + "/"); err == nil {
		_ = resp.Body.Close()
		t.Error("the fake still answers after it stopped")
	}

	// Over plain HTTP the line says so, and nothing is seeded by default.
	out2, _, stop2 := startFake(t, "export SAIL_CLIENT_SECRET=")
	assert.Regexp(t, `^# accessreq fake: a fake tenant at http://127\.0\.0\.1:\d+ \(HTTP/1\.1\), 0 statuses seeded; Ctrl-C stops it\.\n`, out2.String())
	assert.NotContains(t, out2.String(), envCACert)
	require.Equal(t, exitOK, stop2())
}

// startFake runs "accessreq fake" with args until stop is called (or the test ends), and
// returns once its output holds marker (or a minute has passed); stop returns its exit code.
func startFake(t *testing.T, marker string, args ...string) (out, errOut *syncBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	out, errOut = &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"fake"}, args...), stdio{in: strings.NewReader(""), out: out, err: errOut})
	}()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline) && !strings.Contains(out.String(), marker); {
		time.Sleep(10 * time.Millisecond)
	}
	return out, errOut, func() int { cancel(); return <-done }
}

// The largest --claimed-total a 32-bit header takes is accepted. Guards the bound's value.
func TestFakeTakesTheLargestClaimedTotal(t *testing.T) {
	isolate(t)
	exports := serveFake(t, "--claimed-total", "2147483647")
	assert.NotEmpty(t, exports["SAIL_BASE_URL"])
}

// Flags out of range are refused before anything is served, each naming the flag and its range.
// Guards runFake's three range checks (and the largest --claimed-total's value).
func TestFakeRefusesFlagsOutOfRange(t *testing.T) {
	isolate(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--port", "-1"}, "--port must be between 0 and 65535, got -1"},
		{[]string{"--port", "65536"}, "--port must be between 0 and 65535, got 65536"},
		{[]string{"--seed-statuses", "-1"}, "--seed-statuses must not be negative, got -1"},
		{[]string{"--claimed-total", "-1"}, "--claimed-total must be between 0 and 2147483647, got -1"},
		{[]string{"--claimed-total", "2147483648"}, "--claimed-total must be between 0 and 2147483647, got 2147483648"},
	} {
		r := cli(t, append([]string{"fake"}, tc.args...)...)
		assert.Equal(t, exitUsage, r.code, "%v", tc.args)
		assert.Equal(t, "accessreq fake: "+tc.want+"\n", r.errOut, "%v", tc.args)
	}
}

// --seed-for's help gives the demo's Bob as its default. Guards the order of its StringVar's
// default and usage.
func TestFakeSeedForDefaultsToBob(t *testing.T) {
	isolate(t)
	assert.Regexp(t, `--seed-for string +identity the seeded requests are for \(default "`+demoBob+`"\)`, cli(t, "fake", "--help").out)
}

// The statuses "accessreq fake --seed-statuses" serves were created an hour before it started,
// as its help says, not an hour after. Guards the seeding's creation time.
func TestFakeSeedsStatusesCreatedAnHourBefore(t *testing.T) {
	isolate(t)
	started := time.Now()
	for name, v := range serveFake(t, "--seed-statuses", "1") {
		t.Setenv(name, v)
	}
	r := cli(t, "status", "-o", "ndjson")
	require.Equal(t, exitOK, r.code, r.errOut)
	var st struct {
		Created time.Time `json:"created"`
	}
	require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(r.out)), &st), r.out)
	assert.WithinDuration(t, started.Add(-time.Hour), st.Created, 5*time.Minute, "seeded an hour before start")
}
