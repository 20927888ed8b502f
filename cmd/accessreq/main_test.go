package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// outputs keeps everything the CLI printed in this suite, for the secret scan in TestMain.
var outputs []string

// TestMain fails the suite if the fake's client secret or any token it issued appears in
// anything the CLI printed.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, o := range outputs {
		for _, secret := range []string{fake.DefaultClientSecret, "fake-token-", "wrong-secret-value"} {
			if strings.Contains(o, secret) {
				fmt.Fprintf(os.Stderr, "secret scan: %q printed: %s\n", secret, o)
				code = 1
			}
		}
	}
	fmt.Fprintf(os.Stderr, "secret scan: %d CLI outputs checked\n", len(outputs))
	os.Exit(code)
}

// cli runs the command as main would, against the fake tenant named by the environment.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	outputs = append(outputs, out.String(), errOut.String())
	return code, out.String(), errOut.String()
}

// tenant starts a fake and points the SAIL_* variables at it (so these tests are not parallel).
func tenant(t *testing.T) *fake.Server {
	t.Helper()
	srv := fake.NewServer()
	t.Cleanup(srv.Close)
	t.Setenv("SAIL_BASE_URL", srv.URL)
	t.Setenv("SAIL_CLIENT_ID", srv.ClientID)
	t.Setenv("SAIL_CLIENT_SECRET", srv.ClientSecret)
	return srv
}

func TestDemoRunsTheWholeLifecycle(t *testing.T) {
	code, out, errOut := cli(t, "demo")
	require.Equal(t, exitOK, code, errOut)
	for _, want := range []string{"1. Read and change", "already pending", "comment is required for REVOKE_ACCESS",
		"page at offset 10: 2 of 12 statuses", "is now CANCELLED", "HTTP 404", "closed 7 requests in 1 call(s)",
		"finished as REQUEST_COMPLETED", "Done:"} {
		assert.Contains(t, out, want)
	}
}

func TestStatus(t *testing.T) {
	srv := tenant(t)
	ids := srv.SeedStatuses(260, "id-alice", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))

	code, out, errOut := cli(t, "status", "--for", "id-alice", "--limit", "2", "--count")
	require.Equal(t, exitOK, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 4, out)
	assert.True(t, strings.HasPrefix(lines[0], "ACCESS REQUEST ID"))
	assert.Contains(t, lines[1], ids[0])
	assert.Equal(t, "total: 260", lines[3])

	code, out, errOut = cli(t, "status", "--all", "--json", "--sort", "-created")
	require.Equal(t, exitOK, code, errOut)
	var got []facade.Status
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Len(t, got, 260)
	assert.Equal(t, ids[259], got[0].AccessRequestId)
}

func TestGrantRevokeCancel(t *testing.T) {
	srv := tenant(t)
	code, out, errOut := cli(t, "grant", "--for", "id-a,id-b", "--role", "role-1", "--entitlement", "ent-1",
		"--remove-date", time.Now().AddDate(0, 1, 0).UTC().Format(time.RFC3339), "--comment", "project X")
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, 2, strings.Count(out, "new\t"))
	require.Len(t, srv.Statuses(), 4)

	code, _, errOut = cli(t, "revoke", "--for", "id-a", "--role", "role-1", "--comment", "left")
	require.Equal(t, exitOK, code, errOut)

	id := srv.Statuses()[0].AccessRequestId
	code, out, errOut = cli(t, "cancel", id, "--comment", "not needed")
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, "cancelled "+id+"\n", out)
}

func TestConfigGetAndSet(t *testing.T) {
	srv := tenant(t)
	file := filepath.Join(t.TempDir(), "cfg.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"autoApprovalEnabled":true,"approvalsMustBeExternal":false}`), 0o600))
	code, _, errOut := cli(t, "config", "set", "--file", file)
	require.Equal(t, exitOK, code, errOut)
	assert.True(t, srv.Config().AutoApprovalEnabled)

	code, out, errOut := cli(t, "config", "get")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, `"autoApprovalEnabled": true`)
}

func TestCloseFromCSVInChunks(t *testing.T) {
	srv := tenant(t)
	ids := srv.SeedStatuses(1200, "id-alice", time.Now())
	var csv strings.Builder
	csv.WriteString("\ufeffAccess Request ID,Requested For,State\n")
	for _, id := range ids {
		fmt.Fprintf(&csv, "%s,Alice,EXECUTING\n", id)
	}
	file := filepath.Join(t.TempDir(), "export.csv")
	require.NoError(t, os.WriteFile(file, []byte(csv.String()), 0o600))

	code, out, errOut := cli(t, "close", "--from-csv", file, "--execution", "Completed", "--completion", "Success")
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, "closed 1200 of 1200 in 3 calls\n", out)
	assert.Equal(t, 3, srv.Count("POST", "/access-requests/close", http.StatusAccepted))
	for _, s := range srv.Statuses() {
		require.Equal(t, facade.StateRequestCompleted, s.State)
	}
}

func TestBadInputExitsTwoNamingTheFlag(t *testing.T) {
	srv := tenant(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"status", "--limit", "300"}, "--limit must be between 1 and 250, got 300"},
		{[]string{"status", "--regarding", "me", "--for", "x"}, "--regarding cannot be combined with --for or --by"},
		{[]string{"status", "--sort", "priority"}, `--sort: sorter "priority" is not supported`},
		{[]string{"status", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"grant", "--role", "r"}, "--for is required"},
		{[]string{"grant", "--for", "a", "--role", "r", "--remove-date", "tomorrow"}, "--remove-date must be an RFC 3339 date-time"},
		{[]string{"grant", "--for", "a", "--role", "r", "--remove-date", "2020-01-01T00:00:00Z"}, "removeDate must be in the future"},
		{[]string{"revoke", "--for", "a", "--role", "r"}, "--comment is required for a revoke"},
		{[]string{"revoke", "--for", "a,b", "--role", "r", "--comment", "c"}, "--for must name exactly one identity"},
		{[]string{"cancel", "--comment", "c"}, "give exactly one access request id, got 0"},
		{[]string{"cancel", "id-1"}, "--comment is required"},
		{[]string{"close", "--execution", "Paused", "id-1"}, `--execution must be Terminated or Completed, got "Paused"`},
		{[]string{"close"}, "give access request ids as arguments or with --from-csv"},
		{[]string{"close", "--from-csv", "/no/such/file.csv"}, "--from-csv: open /no/such/file.csv"},
		{[]string{"config", "delete"}, `expected "config get" or "config set --file FILE"`},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
	}
	for _, tc := range cases {
		code, out, errOut := cli(t, tc.args...)
		assert.Equal(t, exitUsage, code, "%v", tc.args)
		assert.Contains(t, errOut, tc.want, "%v", tc.args)
		assert.Empty(t, out, "%v", tc.args)
		if tc.args[0] != "frobnicate" {
			assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
		}
	}
	assert.Zero(t, len(srv.Received()), "nothing was sent for bad input")
}

func TestAPIErrorsExitOneWithTheVendorsDetails(t *testing.T) {
	tenant(t)
	code, out, errOut := cli(t, "cancel", "--comment", "c", "no-such-id")
	assert.Equal(t, exitAPI, code)
	assert.Empty(t, out)
	assert.Regexp(t, `^accessreq cancel: HTTP 404 404 Not found: no access request no-such-id \(tracking id [0-9a-f]+\)\n$`, errOut)
}

func TestMissingEnvironment(t *testing.T) {
	t.Setenv("SAIL_BASE_URL", "")
	t.Setenv("SAIL_CLIENT_ID", "")
	t.Setenv("SAIL_CLIENT_SECRET", "")
	code, _, errOut := cli(t, "config", "get")
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "accessreq config: missing environment variables: SAIL_BASE_URL, SAIL_CLIENT_ID, SAIL_CLIENT_SECRET\n", errOut)
}

func TestWrongSecretIsAnAPIErrorWithoutTheSecret(t *testing.T) {
	tenant(t)
	t.Setenv("SAIL_CLIENT_SECRET", "wrong-secret-value")
	code, _, errOut := cli(t, "config", "get")
	assert.Equal(t, exitAPI, code)
	assert.Contains(t, errOut, "refused the client credentials")
	assert.NotContains(t, errOut, "wrong-secret-value")
}

func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	progressBar(&b, 500, 1200)
	progressBar(&b, 1200, 1200)
	assert.Equal(t, "\rclosing [############                  ] 500/1200\rclosing [##############################] 1200/1200", b.String())
}
