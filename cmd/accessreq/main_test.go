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
	"github.com/zalando/go-keyring"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// outputs keeps everything the CLI printed in this suite (stdout, stderr, a terminal) and
// every --remaining file it wrote, each labelled with where it went, for the secret scan in
// TestMain. The tests here are not parallel.
var outputs []string

// profileSecret is the client secret the profile tests put in a configuration file.
const profileSecret = "profile-secret-value"

// secrets are what the scan looks for: the fake's secret and tokens, and the secrets tests
// give the CLI.
var secrets = []string{fake.DefaultClientSecret, "fake-token-", "wrong-secret-value", profileSecret}

// leaksIn are the outputs holding a secret, each with the secret.
func leaksIn(outputs []string) []string {
	var out []string
	for _, o := range outputs {
		for _, secret := range secrets {
			if strings.Contains(o, secret) {
				out = append(out, fmt.Sprintf("%q printed: %s", secret, o))
			}
		}
	}
	return out
}

// TestMain puts an in-memory keyring in place of the system's, and fails the suite if a client
// secret or any token the fake issued appears in anything the CLI printed or wrote for its user,
// in process or as a built binary.
func TestMain(m *testing.M) {
	keyring.MockInit() // no test reads or writes the machine's keyring
	code := m.Run()
	leaks := leaksIn(outputs)
	for _, l := range leaks {
		fmt.Fprintf(os.Stderr, "secret scan: %s\n", l)
	}
	if len(leaks) > 0 {
		code = 1
	}
	fmt.Fprintf(os.Stderr, "secret scan: %d CLI outputs checked\n", len(outputs))
	cleanupBinary()
	os.Exit(code)
}

// result is what one run of the CLI did. The notes that an operation is deprecated (the fake's
// beta configuration answers so) are in notes, not in errOut.
type result struct {
	code        int
	out, errOut string
	notes       []string
}

// cli runs the command as main would, with an empty stdin that is not a terminal.
func cli(t *testing.T, args ...string) result {
	t.Helper()
	return cliIn(t, "", args...)
}

// cliIn runs the command with stdin.
func cliIn(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, stdio{in: strings.NewReader(stdin), out: &out, err: &errOut})
	outputs = append(outputs, "stdout: "+out.String(), "stderr: "+errOut.String())
	for i, a := range args { // the file --remaining wrote is printed too, and read back
		path, ok := strings.CutPrefix(a, "--remaining=")
		if !ok && a == "--remaining" && i+1 < len(args) {
			path, ok = args[i+1], true
		}
		if data, err := os.ReadFile(path); ok && err == nil {
			outputs = append(outputs, "file "+path+": "+string(data))
		}
	}
	r := result{code: code, out: out.String()}
	for _, line := range strings.SplitAfter(errOut.String(), "\n") {
		if strings.HasPrefix(line, deprecatedNote) {
			r.notes = append(r.notes, line)
		} else {
			r.errOut += line
		}
	}
	return r
}

// isolate points HOME at an empty directory and clears the SAIL_* variables and
// ACCESSREQ_CA_CERT, so no real configuration is read (these tests are therefore not parallel).
//
// It sets ACCESSREQ_API=beta: the tests written before the successor check the beta's paths,
// settings and operation names. The successor's side of the commands is tested where a test
// sets it otherwise or passes --api v1 (generations_test.go, and the fake-backed tests that run
// on both generations).
func isolate(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, v := range []string{facade.EnvBaseURL, facade.EnvClientID, facade.EnvClientSecret, envCACert} {
		t.Setenv(v, "")
	}
	t.Setenv(envAPI, string(facade.APIBeta))
	return home
}

// tenant starts a fake and points the SAIL_* variables at it (the commands speak the beta: see
// isolate).
func tenant(t *testing.T) *fake.Server {
	t.Helper()
	isolate(t)
	srv := fake.NewServer()
	t.Cleanup(srv.Close)
	t.Setenv(facade.EnvBaseURL, srv.URL)
	t.Setenv(facade.EnvClientID, srv.ClientID)
	t.Setenv(facade.EnvClientSecret, srv.ClientSecret)
	return srv
}

// writeFile writes a file in a fresh temporary directory and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// apiCalls counts what the fake received below /beta (token requests excluded).
func apiCalls(srv *fake.Server) int { return len(srv.Received()) - srv.TokenRequests() }

func TestDemoRunsTheWholeLifecycle(t *testing.T) {
	isolate(t)
	for _, api := range []string{"v1", "beta"} {
		r := cli(t, "demo", "--api", api)
		require.Equal(t, exitOK, r.code, r.errOut)
		for _, want := range []string{"speaking the " + api + " API", "1. Read and change", "already pending", "comment is required for REVOKE_ACCESS",
			"page at offset 10: 2 of 12 statuses", "is now CANCELLED", "HTTP 404", "closed 7 requests in 1 call(s)",
			"finished as REQUEST_COMPLETED", "Done:"} {
			assert.Contains(t, r.out, want, api)
		}
	}
}

// grant, revoke and cancel against the fake, on either generation (cancel is one call per id on
// the beta, bulk cancel on the successor: one call here either way).
func TestGrantRevokeCancel(t *testing.T) {
	for _, api := range []string{"v1", "beta"} {
		srv := tenant(t)
		t.Setenv(envAPI, api)
		r := cli(t, "grant", "--for", "id-a, id-b", "--role", "role-1", "--entitlement", "ent-1",
			"--remove-date", time.Now().AddDate(0, 1, 0).UTC().Format(time.RFC3339), "--comment", "project X")
		require.Equal(t, exitOK, r.code, r.errOut)
		assert.Equal(t, 2, strings.Count(r.out, "new\tfor "), r.out)
		assert.Contains(t, r.out, "new\tfor id-b\t")
		require.Len(t, srv.Statuses(), 4)

		r = cli(t, "revoke", "--for", "id-a", "--role", "role-1", "--comment", "left")
		require.Equal(t, exitOK, r.code, r.errOut)

		id := srv.Statuses()[0].AccessRequestID
		r = cli(t, "cancel", id, "--comment", "not needed")
		require.Equal(t, exitOK, r.code, r.errOut)
		assert.Equal(t, "cancelled 1 of 1 in 1 call(s)\n", r.out)
		st, _ := srv.Status(id)
		assert.Equal(t, facade.StateCancelled, st.State)
		assert.Equal(t, 1, srv.Count("POST", map[string]string{"v1": "/access-requests/v1/bulk-cancel", "beta": "/beta/access-requests/cancel"}[api], 0), api)
	}
}

func TestConfigGetAndSet(t *testing.T) {
	srv := tenant(t)
	file := writeFile(t, "cfg.json", "\ufeff"+`{"autoApprovalEnabled":true,"approvalsMustBeExternal":false}`)
	r := cli(t, "config", "set", "--yes", "--file", file)
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.True(t, srv.Config().AutoApprovalEnabled)
	assert.Equal(t, "on "+strings.TrimPrefix(srv.URL, "http://")+":\n  autoApprovalEnabled: false -> true\n", r.errOut, "the change, on stderr")
	require.Len(t, r.notes, 2, "the beta's configuration operations answer that they are deprecated, and it is said once each")
	assert.Contains(t, r.notes[0], "deprecated getAccessRequestConfig")
	assert.Contains(t, r.notes[1], "deprecated setAccessRequestConfig")

	r = cli(t, "config", "get")
	require.Equal(t, exitOK, r.code, r.errOut)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.out), &got))
	assert.Equal(t, true, got["autoApprovalEnabled"])
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
		{[]string{"status", "--output", "xml"}, `--output must be table, json, ndjson or csv, got "xml"`},
		{[]string{"status", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"status", "extra"}, `unknown command "extra" for "accessreq status"`},
		{[]string{"grant", "--role", "r"}, "--for is required"},
		{[]string{"grant", "--for", "a", "--role", "r", "--remove-date", "tomorrow"}, "--remove-date must be a date (2027-01-01, meaning midnight UTC) or an RFC 3339 date-time"},
		{[]string{"grant", "--for", "a", "--role", "r", "--remove-date", "2027-02-30"}, "--remove-date must be a date"},
		{[]string{"grant", "--for", "a", "--role", "r", "--start-date", "2027-1-1"}, "--start-date must be a date"},
		{[]string{"grant", "--for", "a", "--role", "r", "--remove-date", "2020-01-01T00:00:00Z"}, "removeDate must be in the future"},
		{[]string{"revoke", "--for", "a", "--role", "r"}, "--comment is required for a revoke"},
		{[]string{"revoke", "--for", "a,b", "--role", "r", "--comment", "c"}, "--for must name exactly one identity"},
		{[]string{"cancel", "--comment", "c"}, "no access request ids"},
		{[]string{"cancel", "id-1"}, "--comment is required"},
		{[]string{"close", "--execution", "Paused", "id-1"}, `--execution must be Terminated or Completed, got "Paused"`},
		{[]string{"close", "--completion", "Maybe", "id-1"}, `--completion must be Success, Incomplete or Failure, got "Maybe"`},
		{[]string{"close"}, "no access request ids: give them as arguments, with --from-csv FILE, or one per line on standard input"},
		{[]string{"close", "--from-csv", "/no/such/file.csv"}, "--from-csv: open /no/such/file.csv"},
		{[]string{"config", "delete"}, `unknown command "delete" for "accessreq config"`},
		{[]string{"config", "set"}, "name the settings to change: --file FILE, or KEY=VALUE arguments"},
		{[]string{"config", "set", "--replace", "a=1"}, "--replace needs --file"},
		{[]string{"config", "set", "autoApprovalEnabled"}, `argument 1: KEY=VALUE expected (e.g. autoApprovalEnabled=true), got "autoApprovalEnabled"`},
		{[]string{"config", "set", "a..b=1"}, `argument 1: KEY=VALUE expected`},
		{[]string{"revoke", "--role", "r", "--comment", "c"}, "--for is required: the one identity to revoke from"},
		{[]string{"revoke", "--for", "a", "--for", "b", "--role", "r", "--comment", "c"}, `--for takes one identity for a revoke, given twice`},
		{[]string{"status", "--filter", `name eq "x"`}, `--filter: filter field "name" is not supported by listAccessRequestStatus (supported: accessRequestId, accountActivityItemId, created)`},
		{[]string{"status", "--filter", `accessRequestId isnull`}, `--filter: filter accessRequestId: operator "isnull" is not supported`},
		{[]string{"status", "--filter", `created gt`}, `--filter: filter: created gt: expected a value`},
		{[]string{"--timeout", "0s", "status"}, "--timeout must be positive, got 0s"},
		{[]string{"--ca-cert", "/no/such/ca.pem", "status"}, "--ca-cert: open /no/such/ca.pem"},
		{[]string{"fake", "--deviate", "sometimes"}, `--deviate "sometimes": not one of end-offset-400, other-shapes, unknown-fields`},
		{[]string{"close", "=1+1"}, `argument 1: id "=1+1" starts with '=', which no access request id does`},
		{[]string{"frobnicate"}, `unknown command "frobnicate" for "accessreq"`},
	}
	for _, tc := range cases {
		r := cli(t, tc.args...)
		assert.Equal(t, exitUsage, r.code, "%v", tc.args)
		assert.Contains(t, r.errOut, tc.want, "%v", tc.args)
		assert.Empty(t, r.out, "%v", tc.args)
		assert.Equal(t, 1, strings.Count(r.errOut, "\n"), "one line: %q", r.errOut)
	}
	assert.Zero(t, len(srv.Received()), "nothing was sent for bad input")
}

func TestAPIErrorsExitOneWithTheVendorsDetails(t *testing.T) {
	tenant(t)
	r := cli(t, "cancel", "--comment", "c", "no-such-id")
	assert.Equal(t, exitAPI, r.code)
	assert.Regexp(t, `^accessreq cancel: cancelAccessRequest: HTTP 404 .*no access request no-such-id \(tracking id [0-9a-f]+\)\n$`, r.errOut)
	assert.Equal(t, "cancelled 0 of 1 in 1 call(s)\nrefused by the server, not changed (1):\n  no-such-id\n", r.out)
}

func TestMissingSettingsNameWhereToPutThem(t *testing.T) {
	isolate(t)
	r := cli(t, "config", "get")
	assert.Equal(t, exitUsage, r.code)
	assert.Equal(t, "accessreq config get: missing base URL (SAIL_BASE_URL, --base-url); client id (SAIL_CLIENT_ID, --client-id); client secret (SAIL_CLIENT_SECRET)\n", r.errOut)
}

func TestWrongSecretIsAnAPIErrorWithoutTheSecret(t *testing.T) {
	tenant(t)
	t.Setenv(facade.EnvClientSecret, "wrong-secret-value")
	r := cli(t, "config", "get")
	assert.Equal(t, exitAPI, r.code)
	assert.Contains(t, r.errOut, "refused the client credentials")
}

func TestDebugLogsEachAttemptWithoutSecrets(t *testing.T) {
	srv := tenant(t)
	srv.SeedStatuses(3, "id-alice", time.Now())
	r := cli(t, "--debug", "status")
	require.Equal(t, exitOK, r.code, r.errOut)
	for _, want := range []string{"level=DEBUG", "method=GET", "path=/beta/access-request-status", "status=200", "attempt=1", "duration="} {
		assert.Contains(t, r.errOut, want)
	}
	assert.NotContains(t, r.errOut, "Bearer")

	r = cli(t, "status")
	assert.NotContains(t, r.errOut, "method=GET", "no log without --debug")
}

func TestCloseFromCSVInChunks(t *testing.T) {
	srv := tenant(t)
	ids := srv.SeedStatuses(1200, "id-alice", time.Now())
	var csv strings.Builder
	csv.WriteString("\ufeffAccess Request ID,Requested For,State\r\n")
	for _, id := range ids {
		fmt.Fprintf(&csv, "%s,Alice,EXECUTING\r\n", id)
	}
	file := writeFile(t, "export.csv", csv.String())

	r := cli(t, "close", "--yes", "--from-csv", file, "--execution", "Completed", "--completion", "Success")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, "closed 1200 of 1200 in 3 call(s)\n", r.out)
	assert.Equal(t, 3, srv.Count("POST", "/access-requests/close", http.StatusAccepted))
	for _, s := range srv.Statuses() {
		require.Equal(t, facade.StateRequestCompleted, s.State)
	}
}

// The scan in TestMain reports each secret wherever the CLI puts it for its user: a run that
// is handed each secret as a request id prints it on stdout and writes it to the --remaining
// file, and the scan finds it in both. The run's outputs are then taken back out of the
// suite's, which would otherwise fail on them.
func TestSecretScanReportsEachSecretInEveryOutput(t *testing.T) {
	tenant(t)
	for _, secret := range secrets {
		remaining := writeFile(t, "remaining.csv", "")
		before := len(outputs)
		r := cli(t, "cancel", "--comment", "c", "--remaining", remaining, "id-"+secret)
		ours := append([]string(nil), outputs[before:]...)
		outputs = outputs[:before]
		require.Equal(t, exitAPI, r.code, r.errOut)
		leaks := strings.Join(leaksIn(ours), "\n")
		for _, where := range []string{"stdout: ", "file " + remaining + ": "} {
			assert.Contains(t, leaks, fmt.Sprintf("%q printed: %s", secret, where), "%s on %s", secret, where)
		}
	}
	assert.Empty(t, leaksIn([]string{"stdout: nothing secret here"}))
}
