package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

func TestStatusOnePageSaysMoreExist(t *testing.T) {
	srv := tenant(t)
	ids := srv.SeedStatuses(260, "id-alice", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))

	r := cli(t, "status", "--for", "id-alice", "--limit", "2", "--count")
	require.Equal(t, exitOK, r.code, r.errOut)
	lines := strings.Split(strings.TrimSuffix(r.out, "\n"), "\n")
	require.Len(t, lines, 4, r.out)
	assert.True(t, strings.HasPrefix(lines[0], "ACCESS REQUEST ID"))
	assert.True(t, strings.HasPrefix(lines[1], ids[0]+"  EXECUTING"), lines[1])
	assert.Equal(t, "total: 260", lines[3])
	assert.Equal(t, "showing 2 from offset 0; 258 more exist: use --all for every match, or --offset 2 for the next page\n", r.errOut)

	r = cli(t, "status", "--limit", "2", "--offset", "2")
	assert.Equal(t, "showing 2 from offset 2; more may exist: use --all for every match, or --offset 4 for the next page\n", r.errOut)

	front(t, srv, func(w http.ResponseWriter, r *http.Request, forward http.Handler) bool {
		w.Header().Set("X-Total-Count", "260") // sent although not asked for
		return false
	})
	r = cli(t, "status", "--limit", "250", "--offset", "250")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Empty(t, r.errOut, "the last page has no hint")
	assert.Equal(t, 11, strings.Count(r.out, "\n"), "no total without --count:\n%s", r.out)
}

func TestStatusAllInEveryFormat(t *testing.T) {
	srv := tenant(t)
	ids := srv.SeedStatuses(260, "id-alice", time.Now())

	r := cli(t, "status", "--all", "--output", "json", "--sort", "-created", "--count")
	require.Equal(t, exitOK, r.code, r.errOut)
	var got []facade.Status
	require.NoError(t, json.Unmarshal([]byte(r.out), &got))
	require.Len(t, got, 260)
	assert.Equal(t, ids[259], got[0].AccessRequestID)
	assert.Equal(t, "total: 260\n", r.errOut, "the total goes to stderr so stdout stays JSON")

	r = cli(t, "status", "--all", "-o", "ndjson", "--limit", "100")
	require.Equal(t, exitOK, r.code, r.errOut)
	lines := strings.Split(strings.TrimSuffix(r.out, "\n"), "\n")
	require.Len(t, lines, 260)
	var one facade.Status
	require.NoError(t, json.Unmarshal([]byte(lines[259]), &one))
	assert.Equal(t, ids[259], one.AccessRequestID)

	r = cli(t, "status", "--all", "-o", "csv")
	require.Equal(t, exitOK, r.code, r.errOut)
	records, err := csv.NewReader(strings.NewReader(r.out)).ReadAll()
	require.NoError(t, err)
	require.Len(t, records, 261)
	assert.Equal(t, []string{"accessRequestId", "state", "requestType", "itemId", "itemName", "itemType",
		"requestedForId", "requestedForName", "created"}, records[0])
	assert.Equal(t, []string{ids[0], "EXECUTING", "GRANT_ACCESS"}, records[1][:3])
	assert.Equal(t, "id-alice", records[1][6])

	r = cli(t, "status", "--all", "--for", "nobody", "-o", "json")
	assert.Equal(t, "[]\n", r.out)
}

// A listing that fails part-way prints what it received, then the error.
func TestStatusAllPrintsWhatItGotBeforeTheError(t *testing.T) {
	srv := tenant(t)
	ids := srv.SeedStatuses(300, "id-alice", time.Now())
	var pages atomic.Int32
	front(t, srv, func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		if r.URL.Path != "/beta/access-request-status" || pages.Add(1) < 3 {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"detailCode":"403 Forbidden","trackingId":"abc","messages":[{"text":"no more for you"}]}`))
		return true
	})
	for _, format := range []string{"json", "ndjson", "table"} {
		pages.Store(0)
		r := cli(t, "status", "--all", "--limit", "100", "-o", format)
		assert.Equal(t, exitAPI, r.code, format)
		assert.Contains(t, r.errOut, "HTTP 403", format)
		assert.Contains(t, r.out, ids[199], format)
		assert.NotContains(t, r.out, ids[200], format)
		if format == "json" {
			var got []facade.Status
			require.NoError(t, json.Unmarshal([]byte(r.out), &got), "the array is closed")
			assert.Len(t, got, 200)
		}
	}
}

// A listing that fails before any row prints nothing on stdout (no "[]", no header): only the
// error, so a script cannot take the output for an empty answer.
func TestStatusThatFailsBeforeAnyRowPrintsNothing(t *testing.T) {
	srv := tenant(t)
	srv.SeedStatuses(3, "id-alice", time.Now())
	front(t, srv, func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		if r.URL.Path != "/beta/access-request-status" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"detailCode":"403 Forbidden","trackingId":"abc","messages":[{"text":"no"}]}`))
		return true
	})
	for _, format := range []string{"json", "ndjson", "table", "csv"} {
		for _, all := range []bool{false, true} {
			args := []string{"status", "-o", format}
			if all {
				args = append(args, "--all")
			}
			r := cli(t, args...)
			assert.Equal(t, exitAPI, r.code, args)
			assert.Contains(t, r.errOut, "HTTP 403", args)
			assert.Empty(t, r.out, args)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestStatusReportsAFailedWrite(t *testing.T) {
	tenant(t)
	var errOut bytes.Buffer
	code := run(context.Background(), []string{"status", "--all", "--for", "nobody"}, stdio{in: strings.NewReader(""), out: failingWriter{}, err: &errOut})
	outputs = append(outputs, "stderr: "+errOut.String())
	assert.Equal(t, exitAPI, code)
	assert.Equal(t, "accessreq status: disk full\n", errOut.String())
}

// A tenant that departs from the spec in every way the fake knows still lists completely, with
// no error, whether or not the total is a multiple of the page size.
func TestStatusAllAgainstADeviatingTenant(t *testing.T) {
	srv := tenant(t)
	srv.SetDeviations(fake.Deviations{EndOffset400: true, UnknownFields: true, OtherShapes: true})
	for _, n := range []int{300, 50} {
		srv.SeedStatuses(n, "id-alice", time.Now())
		total := len(srv.Statuses())
		for _, args := range [][]string{{"-o", "ndjson"}, {"-o", "ndjson", "--count"}, {"-o", "table", "--count"}} {
			r := cli(t, append([]string{"status", "--all", "--limit", "100"}, args...)...)
			require.Equal(t, exitOK, r.code, "%d %v: %s", total, args, r.errOut)
			rows := strings.Count(r.out, "\n")
			if args[1] == "table" {
				rows -= 2 // the header and the total
			}
			assert.Equal(t, total, rows, "%d %v", total, args)
		}
	}
}

// Values the server sends in a shape the spec does not give them are left out of the rows: the
// user is told on stderr how many, and where, so output that lacks them does not pass silently.
func TestStatusSaysWhenValuesWereSetAside(t *testing.T) {
	srv := tenant(t)
	srv.SeedStatuses(3, "id-alice", time.Now())
	srv.SetDeviations(fake.Deviations{OtherShapes: true})
	r := cli(t, "status", "--all", "-o", "ndjson")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, 3, strings.Count(r.out, "\n"), "stdout holds the rows only")
	assert.Equal(t, "accessreq: note: 6 values from the server did not match the spec and were left out: "+
		"approvalIds, clientMetadata.attempt (--debug logs each response)\n", r.errOut)

	srv.SetDeviations(fake.Deviations{})
	r = cli(t, "status", "--all", "-o", "ndjson")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Empty(t, r.errOut, "nothing to say when every value matched")
}

// A total that is lower than the rows already seen (the count lags, or the server lies) never
// makes the hint say a negative number of rows is left.
// With --all on a table, each page's rows share their column widths, and a later page's wider
// value widens only what follows. Guards the table's flush when a page's rows are all in
// (`len(rows) >= block`).
func TestStatusTableWidthsFollowEachPage(t *testing.T) {
	srv := tenant(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	srv.SeedStatuses(1, "id-a", t0)
	srv.SeedStatuses(1, "id-bbbbbbbbbb", t0.Add(time.Minute))
	srv.SeedStatuses(1, "id-cccccccccccccccccccc", t0.Add(2*time.Minute))
	r := cli(t, "status", "--all", "--limit", "2", "--sort", "created")
	require.Equal(t, exitOK, r.code, r.errOut)
	lines := strings.Split(strings.TrimSuffix(r.out, "\n"), "\n")
	require.Len(t, lines, 4, r.out)
	at := func(l string) int { return strings.Index(l, "2026-01-01 00:0") }
	assert.Equal(t, at(lines[1]), at(lines[2]), "a page's rows share widths:\n%s", r.out)
	assert.Greater(t, at(lines[3]), at(lines[2]), "the next page widens what follows:\n%s", r.out)
}

// A full page that ends exactly at the total is not the last one the server may have: the hint
// says more may exist, not "0 more exist". Guards the hint's `Total > NextOffset`.
func TestStatusOnePageEndingAtTheTotalSaysMoreMayExist(t *testing.T) {
	srv := tenant(t)
	srv.SeedStatuses(2, "id-alice", time.Now())
	r := cli(t, "status", "--limit", "2", "--count")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, "showing 2 from offset 0; more may exist: use --all for every match, or --offset 2 for the next page\n", r.errOut)
}

func TestStatusOnePageHintSurvivesATotalThatIsTooLow(t *testing.T) {
	srv := tenant(t)
	srv.SeedStatuses(30, "id-alice", time.Now())
	srv.SetDeviations(fake.Deviations{ClaimedTotal: 5})
	r := cli(t, "status", "--limit", "10", "--offset", "10", "--count")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, "showing 10 from offset 10; more may exist: use --all for every match, or --offset 20 for the next page\n", r.errOut)
}
