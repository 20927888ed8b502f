package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// front puts a proxy before the fake and points SAIL_BASE_URL at it; hook may handle a request
// itself (returning true) using forward to pass it on.
func front(t *testing.T, srv *fake.Server, hook func(w http.ResponseWriter, r *http.Request, forward http.Handler) bool) {
	t.Helper()
	target, err := url.Parse(srv.URL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hook == nil || !hook(w, r, proxy) {
			proxy.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(p.Close)
	t.Setenv(facade.EnvBaseURL, p.URL)
}

// dropCall makes the nth call to path reach the fake (which acts on it) and then closes the
// connection without an answer.
func dropCall(path string, nth int32) func(http.ResponseWriter, *http.Request, http.Handler) bool {
	var calls atomic.Int32
	return func(w http.ResponseWriter, r *http.Request, forward http.Handler) bool {
		if r.Method != http.MethodPost || r.URL.Path != "/beta"+path || calls.Add(1) != nth {
			return false
		}
		forward.ServeHTTP(httptest.NewRecorder(), r)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
		return true
	}
}

func TestCloseWithTheSecondCallDroppedAccountsForEveryID(t *testing.T) {
	srv := tenant(t)
	ids := srv.SeedStatuses(1100, "id-alice", time.Now())
	front(t, srv, dropCall("/access-requests/close", 2))
	remaining := writeFile(t, "remaining.csv", "stale content\n")

	// --settle 0: the lost answer is not read back (TestACloseOrCancelWhoseAnswerIsLostIsReadBack does).
	r := cliIn(t, strings.Join(ids, "\n")+"\n", "close", "--yes", "--settle", "0", "--remaining", remaining)
	assert.Equal(t, exitAPI, r.code)
	assert.Contains(t, r.errOut, "outcome unknown")

	want := "closed 500 of 1100 in 2 call(s)\n" +
		"outcome unknown: the call failed after it was sent and the server may have acted; check these before sending them again (500):\n" +
		"  " + strings.Join(ids[500:1000], "\n  ") + "\n" +
		"not sent (100):\n" +
		"  " + strings.Join(ids[1000:], "\n  ") + "\n" +
		"wrote 600 id(s) to check or send again to " + remaining + "\n"
	assert.Equal(t, want, r.out)

	data, err := os.ReadFile(remaining)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	require.Len(t, lines, 601)
	assert.Equal(t, "accessRequestId,outcome", lines[0])
	for i, id := range ids[500:] {
		want := id + ",unknown"
		if i >= 500 {
			want = id + ",not-sent"
		}
		require.Equal(t, want, lines[i+1])
	}

	closed := 0
	for _, s := range srv.Statuses() {
		if s.State != facade.StateExecuting {
			closed++
		}
	}
	assert.Equal(t, 1000, closed, "the fake acted on the dropped call: its ids are rightly 'unknown', not 'not closed'")

	r = cli(t, "close", "--dry-run", "--from-csv", remaining)
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Contains(t, r.out, "dry run: 2 call(s) for 600 item(s)", "the file reads back with --from-csv")
}

func TestDryRunPrintsEveryCallAndSendsNothing(t *testing.T) {
	srv := tenant(t)
	ids := make([]string, 501)
	for i := range ids {
		ids[i] = fmt.Sprintf("id-%04d", i)
	}
	r := cliIn(t, strings.Join(ids, "\n"), "close", "--dry-run", "--message", "bulk")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Zero(t, len(srv.Received()), "the fake received nothing")
	assert.Zero(t, srv.TokenRequests(), "not even a token request")

	calls := strings.Split(r.out, "call ")
	require.Len(t, calls, 3, r.out)
	for i, chunk := range [][]string{ids[:500], ids[500:]} {
		head, body, ok := strings.Cut(calls[i+1], "\n")
		require.True(t, ok)
		assert.Equal(t, fmt.Sprintf("%d: POST %s/beta/access-requests/close", i+1, srv.URL), head)
		var sent struct {
			IDs       []string `json:"accessRequestIds"`
			Message   string   `json:"message"`
			Execution string   `json:"executionStatus"`
		}
		require.NoError(t, json.NewDecoder(strings.NewReader(body)).Decode(&sent))
		assert.Equal(t, chunk, sent.IDs)
		assert.Equal(t, "bulk", sent.Message)
		assert.Equal(t, "Terminated", sent.Execution)
	}
	assert.True(t, strings.HasSuffix(r.out, "dry run: 2 call(s) for 501 item(s) to "+strings.TrimPrefix(srv.URL, "http://")+"; nothing was sent\n"))

	for _, args := range [][]string{
		{"cancel", "--dry-run", "--comment", "c", "a", "b", "c", "d", "e", "f", "g"},
		{"revoke", "--dry-run", "--for", "id-a", "--comment", "c", "--role", "r1,r2,r3,r4,r5,r6"},
		{"grant", "--dry-run", "--for", "id-a", "--role", "r1"},
	} {
		r := cli(t, args...)
		require.Equal(t, exitOK, r.code, "%v: %s", args, r.errOut)
		assert.Contains(t, r.out, "nothing was sent", "%v", args)
	}
	assert.Zero(t, len(srv.Received()), "no dry run sent anything")
}

func TestDryRunNeedsNoCredentials(t *testing.T) {
	isolate(t)
	r := cli(t, "--base-url", "https://acme.api.identitynow.com", "cancel", "--dry-run", "--comment", "dup", "2c91808a")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, "call 1: POST https://acme.api.identitynow.com/beta/access-requests/cancel\n"+
		"{\n  \"accountActivityId\": \"2c91808a\",\n  \"comment\": \"dup\"\n}\n"+
		"dry run: 1 call(s) for 1 item(s) to acme.api.identitynow.com; nothing was sent\n", r.out)
}

func TestLargeBatchesWithoutATerminalNeedYes(t *testing.T) {
	srv := tenant(t)
	ids := srv.SeedStatuses(handful+1, "id-alice", time.Now())

	r := cli(t, append([]string{"close"}, ids...)...)
	assert.Equal(t, exitUsage, r.code)
	assert.Equal(t, fmt.Sprintf("accessreq close: refusing to close %d access requests on %s without confirmation: standard input is not a terminal, so add --yes\n",
		handful+1, strings.TrimPrefix(srv.URL, "http://")), r.errOut)
	assert.Zero(t, len(srv.Received()))

	for _, args := range [][]string{
		append([]string{"cancel", "--comment", "c"}, ids...),
		{"revoke", "--for", "id-a", "--comment", "c", "--role", "r1,r2,r3,r4,r5,r6"},
	} {
		r := cli(t, args...)
		assert.Equal(t, exitUsage, r.code, "%v", args)
		assert.Regexp(t, fmt.Sprintf("refusing to %s %d (access requests|items) on 127", args[0], handful+1), r.errOut)
	}
	r = cli(t, "close", "--yes", "--remaining", filepath.Join(t.TempDir(), "no", "such", "dir.csv"), ids[0])
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "--remaining: cannot write in the directory of ")
	assert.Zero(t, len(srv.Received()), "nothing sent before the resume file is known to be writable")

	r = cli(t, append([]string{"close"}, ids[:handful]...)...)
	require.Equal(t, exitOK, r.code, "a handful needs no confirmation: %s", r.errOut)

	r = cli(t, "close", "-y", ids[handful])
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, 2, srv.Count("POST", "/access-requests/close", http.StatusAccepted))
}

func TestIDInputIsReadRobustly(t *testing.T) {
	cases := []struct {
		name, csv string
		want      []string
	}{
		{"BOM and CRLF", "\ufeffAccess Request ID,State\r\nid-1,EXECUTING\r\nid-2,EXECUTING\r\n", []string{"id-1", "id-2"}},
		{"semicolons", "Name;Access Request ID;State\nAlice;id-1;EXECUTING\nBob;\"id-2\";EXECUTING\n", []string{"id-1", "id-2"}},
		{"tabs", "state\taccess_request_id\nEXECUTING\tid-1\n", []string{"id-1"}},
		{"quoted with separators inside", "\"Comment, long\";Request-ID\n\"a;b\";id-9\n", []string{"id-9"}},
		{"blank lines and spaces", "id\n\nid-1\n   \n  id-2  \n\n", []string{"id-1", "id-2"}},
		{"no header, one column", "id-1\nid-2\n", []string{"id-1", "id-2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s idSource
			require.NoError(t, s.readCSV(strings.NewReader(tc.csv), "x.csv"))
			assert.Equal(t, tc.want, s.ids)
		})
	}
}

func TestIDInputRefusalsNameFileLineAndRule(t *testing.T) {
	tenant(t)
	file := func(content string) string { return writeFile(t, "ids.csv", content) }
	cases := []struct {
		name  string
		stdin string
		args  func() []string
		want  string
	}{
		{"duplicate in a CSV", "", func() []string {
			f := file("Access Request ID\nid-1\nid-2\nid-1\n")
			return []string{"--from-csv", f}
		}, "ids.csv:4: id id-1 repeats "},
		{"empty cell", "", func() []string { return []string{"--from-csv", file("id;name\nid-1;a\n;b\n")} }, `ids.csv:3: the id is empty`},
		{"short row", "", func() []string { return []string{"--from-csv", file("name,id\na,id-1\nb\n")} }, "ids.csv:3: the row has 1 columns; the id is in column 2"},
		{"no id column", "", func() []string { return []string{"--from-csv", file("name,state\na,b\n")} }, `ids.csv:1: no column named like "Access Request ID" in the header "name,state"`},
		{"bad quoting", "", func() []string { return []string{"--from-csv", file("id\n\"id-1\nid-2\n")} }, "ids.csv:2: not valid CSV"},
		{"id with a space", "", func() []string { return []string{"--from-csv", file("id\nid 1\n")} }, `ids.csv:2: id "id 1" contains ' '`},
		{"empty file", "", func() []string { return []string{"--from-csv", file("")} }, "ids.csv:1: the file is empty"},
		{"stdin line with two values", "id-1\nid-2,id-3\n", func() []string { return []string{"-"} }, "<stdin>:2: more than one value on the line (for a CSV export use --from-csv)"},
		{"stdin duplicate of an argument", "id-2\n id-1 \r\n", func() []string { return []string{"id-1", "-"} }, "<stdin>:2: id id-1 repeats argument 1"},
		{"blank argument", "", func() []string { return []string{"id-1", "  "} }, "argument 2: the id is empty"},
		{"stdin twice", "id-1\n", func() []string { return []string{"-", "--from-csv", "-"} }, "standard input can be read only once"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := cliIn(t, tc.stdin, append([]string{"close", "--dry-run"}, tc.args()...)...)
			assert.Equal(t, exitUsage, r.code)
			assert.Contains(t, r.errOut, tc.want)
			assert.Empty(t, r.out)
		})
	}
}

func TestIDsFromEverySourceTogether(t *testing.T) {
	isolate(t)
	f := writeFile(t, "ids.csv", "id\nid-3\n")
	r := cliIn(t, "\"id-2\"\r\n\r\n", "--base-url", "https://acme.api.identitynow.com", "close", "--dry-run", " id-1 ", "-", "--from-csv", f)
	require.Equal(t, exitOK, r.code, r.errOut)
	var body struct {
		IDs []string `json:"accessRequestIds"`
	}
	_, rest, _ := strings.Cut(r.out, "\n")
	require.NoError(t, json.NewDecoder(strings.NewReader(rest)).Decode(&body))
	assert.Equal(t, []string{"id-1", "id-2", "id-3"}, body.IDs)
}
