package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// pairsCSV is a CSV of every identity id-00 .. id-(n-1) with role-1 and ent-1.
func pairsCSV(n int) string {
	var b strings.Builder
	b.WriteString("identity,type,item\n")
	for i := range n {
		fmt.Fprintf(&b, "id-%02d,role,role-1\nid-%02d,entitlement,ent-1\n", i, i)
	}
	return b.String()
}

// rowsFor counts the fake's rows of kind, by identity and item.
func rowsFor(srv *fake.Server, kind facade.RequestType) map[string]int {
	out := map[string]int{}
	for _, st := range srv.Statuses() {
		if st.RequestType == kind {
			out[st.RequestedFor.ID+" "+st.ID]++
		}
	}
	return out
}

func TestReadPairsTakesTheShapesOfExports(t *testing.T) {
	cases := []struct {
		name, in string
		want     []facade.BatchPair
	}{
		{"plain", "identity,type,item\nid-a,role,role-1\n",
			[]facade.BatchPair{{Identity: "id-a", Type: facade.ItemTypeRole, ItemID: "role-1"}}},
		// guards pairOf's cell bound: a row may stop before the comment column
		{"a comment column the row stops short of", "identity,type,item,comment\nid-a,role,role-1\n",
			[]facade.BatchPair{{Identity: "id-a", Type: facade.ItemTypeRole, ItemID: "role-1"}}},
		{"BOM, CRLF, semicolons, other names and order, blank lines, quotes",
			"\ufeffItem ID;Identity ID;Item_Type;Comment\r\n\r\n\"ap-1\"; 'id-a' ;ACCESS_PROFILE;\"joins; team\"\r\nent-1;id-b;Entitlement;\r\n",
			[]facade.BatchPair{{Identity: "id-a", Type: facade.ItemTypeAccessProfile, ItemID: "ap-1", Comment: "joins; team"},
				{Identity: "id-b", Type: facade.ItemTypeEntitlement, ItemID: "ent-1"}}},
		{"tabs, requestedFor, a --remaining file's outcome column", "requestedFor\ttype\titem\tcomment\toutcome\nid-a\taccessProfile\tap-1\tleft\tunknown\n",
			[]facade.BatchPair{{Identity: "id-a", Type: facade.ItemTypeAccessProfile, ItemID: "ap-1", Comment: "left"}}},
	}
	for _, tc := range cases {
		rows, err := readPairs(strings.NewReader(tc.in), "f.csv")
		require.NoError(t, err, tc.name)
		var got []facade.BatchPair
		for _, r := range rows {
			got = append(got, r.BatchPair)
		}
		assert.Equal(t, tc.want, got, tc.name)
	}
}

// Every line is checked before anything is sent: a bad one exits 2 naming the file, the line
// and the rule, and the tenant receives nothing (not even a token request).
func TestABadCSVLineExitsTwoAndSendsNothing(t *testing.T) {
	srv := tenant(t)
	cases := []struct {
		name, in, want string
		revoke         bool
	}{
		{"empty", "", ":1: the file is empty", false},
		{"no header", "id-a,role,role-1\n", `:1: the header must name the columns identity, type and item (and optionally comment), got "id-a,role,role-1"`, false},
		{"header only", "identity,type,item\n", ":1: no pairs after the header", false},
		{"bad type", "identity,type,item\nid-a,role,r\nid-b,app,x\n", `:3: type "app" is not role, accessProfile or entitlement`, false},
		{"short row", "identity,type,item\nid-a,role\n", ":2: the row has 2 column(s); the header names 3", false},
		{"empty identity", "identity,type,item\n,role,r\n", ":2: the identity is empty", false},
		{"formula", "identity,type,item\n=cmd(),role,r\n", `:2: identity "=cmd()" starts with '=', which no identity id does`, false},
		{"space in item", "identity,type,item\nid-a,role,r 1\n", `:2: item "r 1" contains ' ', which no item id has`, false},
		{"repeated", "identity,type,item\nid-a,role,r\n\nid-a,ROLE,r\n", ":4: the pair repeats line 2", false},
		{"bad quotes", "identity,type,item\nid-a,role,\"r\n", ":2: not valid CSV", false},
		{"revoke without comment", "identity,type,item,comment\nid-a,role,r,left\nid-b,role,r,\n", ":3: a revoke needs a comment: give --comment, or fill the comment column", true},
	}
	for _, tc := range cases {
		file := writeFile(t, "pairs.csv", tc.in)
		verb := "grant"
		if tc.revoke {
			verb = "revoke"
		}
		r := cli(t, verb, "--from-csv", file, "--yes")
		assert.Equal(t, exitUsage, r.code, tc.name)
		assert.Equal(t, "accessreq "+verb+": "+file+tc.want, strings.SplitN(strings.TrimSuffix(r.errOut, "\n"), " (at", 2)[0], tc.name)
		assert.Empty(t, r.out, tc.name)
		_, err := os.Stat(file + ".journal")
		assert.ErrorIs(t, err, os.ErrNotExist, "%s: no journal for a refused file", tc.name)
	}
	assert.Empty(t, srv.Received(), "nothing was sent")
}

func TestBatchFlagsAreRefusedTogetherBeforeSending(t *testing.T) {
	srv := tenant(t)
	file := writeFile(t, "pairs.csv", pairsCSV(1))
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"grant", "--from-csv", file, "--for", "id-a"}, "--from-csv cannot be combined with --for: the CSV names the identities and items"},
		{[]string{"grant", "--from-csv", file, "--role", "r", "--remove-date", "2030-01-01"}, "--from-csv cannot be combined with --role, --remove-date"},
		{[]string{"revoke", "--from-csv", file, "--for", "id-a", "--comment", "c"}, "--from-csv cannot be combined with --for"},
		{[]string{"grant", "--for", "id-a", "--role", "r", "--journal", "j"}, "--journal needs --from-csv"},
		{[]string{"revoke", "--for", "id-a", "--role", "r", "--comment", "c", "--remaining", "r.csv"}, "--remaining needs --from-csv"},
		{[]string{"grant", "--from-csv", "-"}, "--journal FILE is required when the CSV comes from stdin"},
		{[]string{"grant", "--from-csv", file, "--journal", file}, "is the CSV itself: name another file"},
		{[]string{"grant", "--from-csv", file, "--settle", "-1s"}, "--settle must be 0"},
		{[]string{"grant", "--from-csv", writeFile(t, "big.csv", pairsCSV(3))}, "refusing to grant 6 identity-item pairs on " + strings.TrimPrefix(srv.URL, "http://") + " without confirmation"},
	}
	for _, tc := range cases[:len(cases)-1] {
		r := cliIn(t, pairsCSV(1), tc.args...)
		assert.Equal(t, exitUsage, r.code, "%v", tc.args)
		assert.Contains(t, r.errOut, tc.want, "%v", tc.args)
	}
	r := cli(t, cases[len(cases)-1].args...) // more than a handful, stdin not a terminal, no --yes
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, cases[len(cases)-1].want)
	assert.Zero(t, apiCalls(srv), "nothing was sent")
}

// A grant and a revoke from CSV files against the fake, on both generations: every pair once,
// one summary line per outcome; the same command again sends nothing (the journal shows it all).
func TestGrantAndRevokeFromCSV(t *testing.T) {
	for _, api := range []string{"beta", "v1"} {
		t.Run(api, func(t *testing.T) {
			srv := tenant(t)
			t.Setenv(envAPI, api)
			file := writeFile(t, "joiners.csv", pairsCSV(12))
			r := cli(t, "grant", "--from-csv", file, "--comment", "Q3 joiners", "--yes")
			require.Equal(t, exitOK, r.code, r.errOut)
			assert.Equal(t, "sent: 24 pair(s) in 2 create(s)\nskipped, already pending: 0 pair(s)\nunknown, check these: 0 pair(s)\nrefused: 0 pair(s)\nnot sent: 0 pair(s)\n", r.out)
			assert.Equal(t, 2, srv.Creates(), "10 identities asking for the same 2 items, then 2")
			rows := rowsFor(srv, facade.RequestTypeGrant)
			assert.Len(t, rows, 24)
			for k, n := range rows {
				assert.Equal(t, 1, n, k)
			}
			for _, st := range srv.Statuses() {
				assert.Equal(t, "Q3 joiners", st.RequesterComment.Comment)
			}

			r = cli(t, "grant", "--from-csv", file, "--yes")
			require.Equal(t, exitOK, r.code, r.errOut)
			assert.Equal(t, "sent: 24 pair(s) in 2 create(s) (24 pair(s) in 2 create(s) by an earlier run, from the journal)\n", strings.SplitAfter(r.out, "\n")[0])
			assert.Equal(t, 2, srv.Creates(), "nothing sent again")

			leavers := writeFile(t, "leavers.csv", "identity;type;item;comment\nid-00;role;role-1;\nid-00;entitlement;ent-1;\nid-01;entitlement;ent-1;moved\n")
			r = cli(t, "revoke", "--from-csv", leavers, "--comment", "left")
			require.Equal(t, exitOK, r.code, r.errOut)
			assert.Equal(t, "sent: 3 pair(s) in 2 create(s)\n", strings.SplitAfter(r.out, "\n")[0], "one identity and one entitlement per revoke")
			assert.Len(t, rowsFor(srv, facade.RequestTypeRevoke), 3)
			for _, st := range srv.Statuses() {
				if st.RequestType == facade.RequestTypeRevoke {
					want := map[string]string{"id-00": "left", "id-01": "moved"}[st.RequestedFor.ID]
					assert.Equal(t, want, st.RequesterComment.Comment, "the cell's comment, else --comment")
				}
			}
		})
	}
}

// A create whose answer is lost after the tenant acted: with --settle 0 its pairs end unknown
// (exit 1, check these), and the same command run again finds it by its key and sends nothing
// twice; with a settle period the first run finds it itself, and a rerun makes no call at all.
func TestABatchRerunAfterALostAnswerSendsNothingTwice(t *testing.T) {
	for _, api := range []string{"beta", "v1"} {
		for _, fault := range []fake.NextFault{{Reset: true}, {Status: http.StatusBadGateway, AfterProcessing: true}} {
			t.Run(fmt.Sprintf("%s %+v", api, fault), func(t *testing.T) {
				srv, _ := failCreates(t, api, fault, 1)
				file := writeFile(t, "joiners.csv", pairsCSV(12))
				r := cli(t, "grant", "--from-csv", file, "--yes", "--settle", "0")
				assert.Equal(t, exitAPI, r.code, r.errOut)
				assert.Contains(t, r.out, "sent: 4 pair(s) in 1 create(s)\n")
				assert.Contains(t, r.out, "unknown, check these: 20 pair(s)\n")
				assert.Contains(t, r.out, "  accessreq status --for id-09\n")
				assert.Contains(t, r.out, "journal: "+file+".journal; run the same command again to resume")
				require.Equal(t, 2, srv.Creates())
				for _, st := range srv.Statuses() { // no longer pending: only the journal and the key find them
					srv.SetState(st.AccessRequestID, facade.StateRequestCompleted)
				}

				r = cli(t, "grant", "--from-csv", file, "--yes", "--settle", "0")
				require.Equal(t, exitOK, r.code, r.errOut)
				assert.Contains(t, r.out, "sent: 24 pair(s) in 2 create(s) (4 pair(s) in 1 create(s) by an earlier run, from the journal)\n")
				assert.Equal(t, 2, srv.Creates(), "the lost create was found by its key, not sent again")
				for k, n := range rowsFor(srv, facade.RequestTypeGrant) {
					assert.Equal(t, 1, n, k)
				}
				assert.Len(t, rowsFor(srv, facade.RequestTypeGrant), 24)
			})
		}
		t.Run(api+" settled in the run", func(t *testing.T) {
			srv, _ := failCreates(t, api, fake.NextFault{Reset: true}, 1)
			file := writeFile(t, "joiners.csv", pairsCSV(3))
			r := cli(t, "grant", "--from-csv", file, "--yes", "--settle", "5s")
			require.Equal(t, exitOK, r.code, r.errOut)
			assert.Contains(t, r.errOut, "1 create(s) whose answer was lost were found in the status listing: sent once")
			before := apiCalls(srv)
			r = cli(t, "grant", "--from-csv", file, "--yes", "--settle", "5s")
			require.Equal(t, exitOK, r.code, r.errOut)
			assert.Equal(t, before, apiCalls(srv), "the journal shows it sent: nothing is sent or looked up")
			assert.Len(t, srv.Statuses(), 6)
		})
	}
}

// The pairs a refusal left are written to --remaining in the CSV shape --from-csv reads; sent
// again from there with the same journal, each pair ends pending once.
func TestBatchRemainingRoundTrip(t *testing.T) {
	srv, _ := failCreates(t, "v1", fake.NextFault{Status: http.StatusBadRequest}, 1)
	dir := t.TempDir()
	file := filepath.Join(dir, "leavers.csv")
	require.NoError(t, os.WriteFile(file, []byte("identity,type,item\nid-a,role,role-1\nid-a,entitlement,ent-1\nid-b,accessProfile,ap-1\n"), 0o600))
	journal := filepath.Join(dir, "leavers.journal")
	left := filepath.Join(dir, "left.csv")
	r := cli(t, "revoke", "--from-csv", file, "--journal", journal, "--remaining", left, "--comment", "=left, with a comma")
	assert.Equal(t, exitAPI, r.code, r.errOut)
	assert.Contains(t, r.out, "refused: 2 pair(s)\n")
	assert.Contains(t, r.out, "wrote 2 pair(s) to check or send again to "+left+" (resume with --from-csv "+left+" --journal "+journal+")\n")
	assert.Equal(t, "identity,type,item,comment,outcome\nid-a,role,role-1,\"=left, with a comma\",refused\nid-a,entitlement,ent-1,\"=left, with a comma\",refused\n", readFile(t, left))
	fi, err := os.Stat(left)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	r = cli(t, "revoke", "--from-csv", left, "--journal", journal, "--remaining", left)
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, "identity,type,item,comment,outcome\n", readFile(t, left), "nothing left")
	rows := rowsFor(srv, facade.RequestTypeRevoke)
	assert.Equal(t, map[string]int{"id-a role-1": 1, "id-a ent-1": 1, "id-b ap-1": 1}, rows)
	for _, st := range srv.Statuses() {
		assert.Equal(t, "=left, with a comma", st.RequesterComment.Comment, "the comment came back from the file")
	}
}

func TestABatchDryRunSendsNothing(t *testing.T) {
	srv := tenant(t)
	t.Setenv(envAPI, "v1")
	file := writeFile(t, "leavers.csv", "identity,type,item\nid-a,entitlement,ent-1\nid-a,entitlement,ent-2\nid-a,role,role-1\n")
	r := cli(t, "revoke", "--from-csv", file, "--comment", "left", "--dry-run")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, 2, strings.Count(r.out, "POST "+srv.URL+"/access-requests/v1\n"), "one entitlement per revoke: 2 creates\n%s", r.out)
	assert.Contains(t, r.out, facade.BatchKey)
	assert.Contains(t, r.out, "dry run: 2 call(s) for 3 item(s)")
	assert.Empty(t, srv.Received())
	_, err := os.Stat(file + ".journal")
	assert.ErrorIs(t, err, os.ErrNotExist, "a dry run writes no journal")
}
