package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

func TestDryRunPrintsABodylessCallWithoutABlankLine(t *testing.T) {
	var b bytes.Buffer
	d := &dryRun{w: &b}
	req, err := http.NewRequest(http.MethodGet, "https://acme.example/beta/x", nil)
	require.NoError(t, err)
	_, err = d.RoundTrip(req)
	require.NoError(t, err)
	req, err = http.NewRequest(http.MethodPost, "https://acme.example/beta/y", strings.NewReader("not json"))
	require.NoError(t, err)
	_, err = d.RoundTrip(req)
	require.NoError(t, err)
	assert.Equal(t, "call 1: GET https://acme.example/beta/x\ncall 2: POST https://acme.example/beta/y\nnot json\n", b.String())
}

func TestCountShowsATotalOfZero(t *testing.T) {
	tenant(t)
	r := cli(t, "status", "--count")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, 2, strings.Count(r.out, "\n"), r.out)
	assert.True(t, strings.HasSuffix(r.out, "\ntotal: 0\n"), r.out)

	r = cli(t, "status", "--all", "--count", "-o", "json")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, "[]\n", r.out, "an empty listing is an empty JSON array")
	assert.Equal(t, "total: 0\n", r.errOut)
}

func TestStatusFlagBoundaries(t *testing.T) {
	srv := tenant(t)
	srv.SeedStatuses(2, "id-alice", time.Now())
	for _, ok := range [][]string{
		{"status", "--limit", "1"},
		{"status", "--limit", "250"},
		{"status", "--regarding", "me"},
		{"status", "--all", "--offset", "0"},
	} {
		r := cli(t, ok...)
		assert.Equal(t, exitOK, r.code, "%v: %s", ok, r.errOut)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"status", "--limit", "0"}, "--limit must be between 1 and 250, got 0"},
		{[]string{"status", "--limit", "251"}, "--limit must be between 1 and 250, got 251"},
		{[]string{"status", "--offset", "-1"}, "--offset must not be negative, got -1"},
		{[]string{"status", "--all", "--offset", "5"}, "--offset cannot be combined with --all"},
		{[]string{"status", "--regarding", "me", "--by", "x"}, "--regarding cannot be combined with --for or --by"},
	} {
		r := cli(t, bad.args...)
		assert.Equal(t, exitUsage, r.code, "%v", bad.args)
		assert.Equal(t, "accessreq status: "+bad.want+"\n", r.errOut, "%v", bad.args)
	}
}

func TestTableShowsTheItemNameOrElseItsID(t *testing.T) {
	var b bytes.Buffer
	w := &tableWriter{w: &b}
	require.NoError(t, w.row(facade.Status{AccessRequestID: "ar-1", ID: "item-1", Name: "Payments role"}))
	require.NoError(t, w.row(facade.Status{AccessRequestID: "ar-2", ID: "item-2"}))
	require.NoError(t, w.end())
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	require.Len(t, lines, 3, b.String())
	assert.True(t, strings.HasSuffix(lines[1], "  Payments role"), lines[1])
	assert.True(t, strings.HasSuffix(lines[2], "  item-2"), lines[2])
}

func TestReadAllTakesExactlyTheLimit(t *testing.T) {
	data, err := readAll(io.LimitReader(zeros{}, maxInput), "big")
	require.NoError(t, err)
	assert.Len(t, data, maxInput)
	_, err = readAll(io.LimitReader(zeros{}, maxInput+1), "big")
	require.Error(t, err)
	assert.Equal(t, "big: larger than 64 MiB", err.Error())
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestUnquote(t *testing.T) {
	for in, want := range map[string]string{
		`"id-1"`: "id-1", `'id-1'`: "id-1", `" id-1 "`: "id-1", `""`: "", `''`: "",
		`"id-1'`: `"id-1'`, `x-id-x`: "x-id-x", `"`: `"`, `'`: `'`, `a`: "a", ``: "",
	} {
		assert.Equal(t, want, unquote(in), "%q", in)
	}
}

func TestDetectDelimiterBreaksTiesTowardsComma(t *testing.T) {
	for in, want := range map[string]rune{
		"a,b;c\n":   ',',
		"a;b\tc\n":  ';',
		"a,b\tc\n":  ',',
		"a\tb\tc\n": '\t',
	} {
		assert.Equal(t, string(want), string(detectDelimiter([]byte(in))), "%q", in)
	}
}

func TestAnEmptyCSVDoesNotFallBackToStdin(t *testing.T) {
	isolate(t)
	f := writeFile(t, "ids.csv", "Access Request ID\n")
	r := cliIn(t, "id-1\n", "--base-url", "https://acme.example", "close", "--dry-run", "--from-csv", f)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "no access request ids")
	assert.Empty(t, r.out)
}

func TestConfigSetFromStdinAndRefusals(t *testing.T) {
	srv := tenant(t)
	r := cliIn(t, "\ufeff"+`{"autoApprovalEnabled":true}`, "config", "set", "--yes", "--file", "-")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.True(t, srv.Config().AutoApprovalEnabled)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.out), &got))
	assert.Equal(t, true, got["autoApprovalEnabled"])

	r = cli(t, "config", "set", "--file", filepath.Join(t.TempDir(), "missing.json"))
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "accessreq config set: --file: open ")

	r = cli(t, "config", "set", "--yes", "--file", writeFile(t, "bad.json", "[1]"))
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "not an access request configuration")
	assert.Equal(t, 1, srv.Count("PUT", "/access-request-config", http.StatusOK), "only the good file was sent")
}

func TestAConfigFileOfExactlyTheLimitIsRead(t *testing.T) {
	isolate(t)
	head := "activeenvironment: acme\nenvironments:\n  acme:\n    baseurl: https://acme.api.identitynow.com\n#"
	exact := head + strings.Repeat("x", maxConfig-len(head)-1) + "\n"
	path := writeFile(t, "config.yaml", exact)
	r := cli(t, "--config", path, "env", "show")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Contains(t, r.out, "https://acme.api.identitynow.com")

	path = writeFile(t, "config.yaml", exact+"\n")
	r = cli(t, "--config", path, "env", "show")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "larger than 1048576 bytes")
}

func TestConfirmationNamesTheEnvironment(t *testing.T) {
	home := isolate(t)
	prod, _ := twoTenants(t)
	sailConfig(t, home, map[string]*fake.Server{"prod": prod}, "prod")
	r := cli(t, "cancel", "--comment", "c", "a", "b", "c", "d", "e", "f")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "refusing to cancel 6 access requests on "+strings.TrimPrefix(prod.URL, "http://")+` (environment "prod") without confirmation`)
}

func TestItemCountsInDryRunsAndConfirmations(t *testing.T) {
	isolate(t)
	r := cli(t, "--base-url", "https://acme.example", "revoke", "--dry-run", "--for", "id-a", "--comment", "c",
		"--role", "r1", "--access-profile", "p1", "--entitlement", "e1")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.True(t, strings.HasSuffix(r.out, "dry run: 1 call(s) for 3 item(s) to acme.example; nothing was sent\n"), r.out)

	r = cli(t, "--base-url", "https://acme.example", "grant", "--dry-run", "--for", "id-a,id-b", "--role", "r1,r2", "--access-profile", "p1")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.True(t, strings.HasSuffix(r.out, "dry run: 1 call(s) for 6 item(s) to acme.example; nothing was sent\n"), r.out)

	r = cli(t, "--base-url", "https://acme.example", "grant", "--for", "id-a", "--role", "r1")
	assert.Equal(t, exitUsage, r.code, "a grant needs credentials: it is sent")

	srv := tenant(t)
	r = cli(t, "grant", "--for", "id-a", "--role", "r1,r2,r3,r4,r5,r6")
	require.Equal(t, exitOK, r.code, "a grant is not confirmed, whatever its size: %s", r.errOut)
	assert.Equal(t, 6, len(srv.Statuses()))

	r = cli(t, "revoke", "--for", "id-a", "--comment", "c", "--role", "r1,r2,r3,r4,r5", "--access-profile", "p1")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "refusing to revoke 6 items on ")
}

func TestGrantTwiceSaysAlreadyPending(t *testing.T) {
	srv := tenant(t)
	r := cli(t, "grant", "--for", "id-a", "--role", "r1")
	require.Equal(t, exitOK, r.code, r.errOut)
	id := srv.Statuses()[0].AccessRequestID
	assert.Equal(t, "new\tfor id-a\t"+id+"\n", r.out)
	r = cli(t, "grant", "--for", "id-a", "--role", "r1")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, "already pending\tfor id-a\t"+id+"\n", r.out)
}

func TestProgressWithATotalOfZero(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b, label: "x"}
	p.bar(0, 0)
	assert.Equal(t, "\rx [                              ] 0/0", b.String())
}

func TestIndentPrefixesEveryLine(t *testing.T) {
	var b bytes.Buffer
	w := newIndent(&b)
	for _, s := range []string{"one\ntw", "o\n", "\nthree"} {
		n, err := w.Write([]byte(s))
		require.NoError(t, err)
		assert.Equal(t, len(s), n)
	}
	assert.Equal(t, "   one\n   two\n   \n   three", b.String())
}

func TestDemoTellsTheWholeStory(t *testing.T) {
	isolate(t)
	r := cli(t, "demo")
	require.Equal(t, exitOK, r.code, r.errOut)
	m := regexp.MustCompile(`\n   new requests for ` + demoAlice + `: \[([0-9a-f]+) ([0-9a-f]+)\]\n`).FindStringSubmatch(r.out)
	require.NotNil(t, m, r.out)
	assert.Contains(t, r.out, "\n   new requests for "+demoBob+": [")
	assert.Contains(t, r.out, "\n   the iterator over Alice's requests yields 2:\n   ACCESS REQUEST ID ")
	assert.Regexp(t, `\n   `+m[1]+`  EXECUTING +GRANT +`+demoAlice+`  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  Role 2c918083\n`, r.out)
	assert.Contains(t, r.out, "\n5. Cancel Alice's role request\n   "+m[1]+" is now CANCELLED\n", "the cancelled request is Alice's")
	assert.Contains(t, r.out, "\n   page at offset 0: 5 of 12 statuses\n   page at offset 5: 5 of 12 statuses\n   page at offset 10: 2 of 12 statuses\n")
	assert.True(t, strings.HasSuffix(r.out, "\nDone: 4 requests still executing; the fake received 14 API calls and issued 1 token(s).\n"), r.out)
}

func TestEnvWithoutAConfigurationFileIsRefused(t *testing.T) {
	srv := tenant(t)
	r := cli(t, "status", "--env", "prod")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "accessreq status: --env prod: no sail configuration file at ")
	assert.Zero(t, len(srv.Received()))
}
