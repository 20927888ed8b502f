package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// A journal that cannot be the batch's own file is refused, each with its own sentence, before
// anything is sent and before the journal is made: a symbolic link, a directory, a path whose
// parent is a file (lstat fails with other than "does not exist"), a path in a directory that
// does not exist (the open fails), and another name of the CSV itself. Guards journalPath's
// four checks and usagef's argument order in the CSV-itself sentence.
func TestABatchRefusesAJournalItCannotOwnBeforeSending(t *testing.T) {
	srv := tenant(t)
	file := writeFile(t, "pairs.csv", pairsCSV(1))
	dir := t.TempDir()
	link := filepath.Join(dir, "link.journal")
	require.NoError(t, os.Symlink(filepath.Join(dir, "target"), link))
	other := filepath.Join(dir, "other-name.csv")
	require.NoError(t, os.Link(file, other))
	cases := []struct{ journal, want string }{
		{link, "--journal: " + link + " is a symbolic link: name the file itself"},
		{dir, "--journal: " + dir + " is not a regular file"},
		{filepath.Join(file, "j"), "--journal: lstat " + filepath.Join(file, "j") + ": not a directory"},
		{filepath.Join(dir, "missing", "j"), "--journal: open " + filepath.Join(dir, "missing", "j") + ": no such file or directory"},
		{other, "--journal " + other + " is the CSV itself: name another file"},
	}
	for _, tc := range cases {
		r := cli(t, "grant", "--from-csv", file, "--journal", tc.journal, "--yes")
		assert.Equal(t, exitUsage, r.code, tc.journal)
		assert.Equal(t, "accessreq grant: "+tc.want+"\n", r.errOut, tc.journal)
	}
	_, err := os.Lstat(filepath.Join(dir, "target"))
	assert.ErrorIs(t, err, os.ErrNotExist, "the link was not followed")
	assert.Zero(t, apiCalls(srv), "nothing was sent")
}

// sameFile is true for two spellings of one path even when nothing is there yet, and for two
// names of one file; false for two files. Guards its path comparison and its result.
func TestSameFileByPathOrByTheFileItself(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.csv")
	assert.True(t, sameFile(a, filepath.Join(dir, "x", "..", "a.csv")), "one path, nothing there")
	require.NoError(t, os.WriteFile(a, []byte("x"), 0o600))
	b := filepath.Join(dir, "b.csv")
	require.NoError(t, os.Link(a, b))
	assert.True(t, sameFile(a, b), "two names of one file")
	c := writeFile(t, "a.csv", "x")
	assert.False(t, sameFile(a, c), "two files")
}

// A CSV read from stdin is refused like a file, named <stdin>; a CSV that cannot be opened is a
// usage error naming the flag; neither sends anything. Guards readPairsFrom's two error returns.
func TestABatchRefusesACSVItCannotRead(t *testing.T) {
	srv := tenant(t)
	journal := filepath.Join(t.TempDir(), "j")
	r := cliIn(t, "identity,type,item\n", "grant", "--from-csv", "-", "--journal", journal, "--yes")
	assert.Equal(t, exitUsage, r.code)
	assert.Equal(t, "accessreq grant: <stdin>:1: no pairs after the header", strings.SplitN(strings.TrimSuffix(r.errOut, "\n"), " (at", 2)[0])

	missing := filepath.Join(t.TempDir(), "missing.csv")
	r = cli(t, "grant", "--from-csv", missing, "--yes")
	assert.Equal(t, exitUsage, r.code)
	assert.Equal(t, "accessreq grant: --from-csv: open "+missing+": no such file or directory\n", r.errOut)
	assert.Zero(t, apiCalls(srv), "nothing was sent")
}

// readPairs finds the type column wherever the header puts it, the first place included, and
// passes over a line of spaces (which encoding/csv reads as a record of one field). Guards
// `cols[1] < 0` and the blank-line skip.
func TestReadPairsFindsEveryColumnAndSkipsALineOfSpaces(t *testing.T) {
	rows, err := readPairs(strings.NewReader("type,identity,item\nrole,id-a,role-1\n   \nentitlement,id-b,ent-1\n"), "f.csv")
	require.NoError(t, err)
	var got []facade.BatchPair
	for _, r := range rows {
		got = append(got, r.BatchPair)
	}
	assert.Equal(t, []facade.BatchPair{{Identity: "id-a", Type: facade.ItemTypeRole, ItemID: "role-1"},
		{Identity: "id-b", Type: facade.ItemTypeEntitlement, ItemID: "ent-1"}}, got)
	assert.Equal(t, 4, rows[1].line, "the line is counted past the blank one")
}

// grant's and revoke's help each state their own request limits. Guards batchHelp's revoke case.
func TestBatchHelpStatesEachVerbsLimits(t *testing.T) {
	isolate(t)
	grant := cli(t, "grant", "--help").out
	revoke := cli(t, "revoke", "--help").out
	assert.Contains(t, grant, "(up to 10 identities and 25 items each)")
	assert.Contains(t, grant, "(--comment fills the empty ones); comma")
	assert.Contains(t, revoke, "(one identity and at most one entitlement each)")
	assert.Contains(t, revoke, "(--comment fills the empty ones; every revoke needs one); comma")
}

// A batch whose client cannot be made (here --timeout 0), or whose --remaining is a symbolic
// link, stops before the journal is made and before anything is sent. Guards runBatch's checks
// of session's and checkRemaining's errors.
func TestABatchStopsAtABadSettingBeforeTheJournal(t *testing.T) {
	srv := tenant(t)
	file := writeFile(t, "pairs.csv", pairsCSV(1))
	r := cli(t, "--timeout", "0", "grant", "--from-csv", file, "--yes")
	assert.Equal(t, exitUsage, r.code)
	assert.Equal(t, "accessreq grant: --timeout must be positive, got 0s\n", r.errOut)
	_, err := os.Stat(file + ".journal")
	assert.ErrorIs(t, err, os.ErrNotExist, "no journal")

	link := filepath.Join(t.TempDir(), "left.csv")
	require.NoError(t, os.Symlink(filepath.Join(t.TempDir(), "target"), link))
	r = cli(t, "grant", "--from-csv", file, "--remaining", link, "--yes")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "--remaining: "+link+" is a symbolic link")
	assert.Zero(t, apiCalls(srv), "nothing was sent")
}

// On a terminal a batch draws a bar labelled with its verb, one step per pair decided, and ends
// it; a single pair left over is enough for the line that says how to resume. Guards runBatch's
// progress label, its Progress hook and its arguments (by the revoke's 1/2), bar.end, and `len(left) > 0`.
func TestABatchDrawsProgressAndSaysHowToResumeASinglePair(t *testing.T) {
	for _, tc := range []struct {
		verb  string
		kind  facade.RequestType
		label string
		steps []int // a grant sends both pairs in one create, a revoke one pair a create
	}{{"grant", facade.RequestTypeGrant, "granting", []int{2}}, {"revoke", facade.RequestTypeRevoke, "revoking", []int{1, 2}}} {
		t.Run(tc.verb, func(t *testing.T) {
			srv := tenant(t)
			file := writeFile(t, "pairs.csv", "identity,type,item,comment\nid-a,entitlement,ent-1,left\nid-b,entitlement,ent-1,left\n")
			a, out, errOut := onTerminal(false)
			require.NoError(t, a.runBatch(context.Background(), &itemFlags{bulk: bulkFlags{csvPath: file, yes: true}}, tc.kind, tc.verb))
			assert.Equal(t, bars(tc.label, 2, tc.steps...), errOut.String())
			assert.NotContains(t, out.String(), "journal:")

			srv.FailNext(fake.NextFault{Method: "POST", Path: "/access-requests", Status: 400})
			file = writeFile(t, "one.csv", "identity,type,item,comment\nid-c,entitlement,ent-1,left\n")
			a, out, _ = onTerminal(false)
			err := a.runBatch(context.Background(), &itemFlags{bulk: bulkFlags{csvPath: file, yes: true}}, tc.kind, tc.verb)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "HTTP 400", "the library's refusal is what is reported")
			assert.NotContains(t, err.Error(), "neither sent nor skipped")
			assert.Contains(t, out.String(), "refused: 1 pair(s)\n")
			assert.Contains(t, out.String(), "journal: "+file+".journal; run the same command again to resume")
		})
	}
}

// A pair skipped because it is already pending counts as decided on the bar, as a sent one
// does. Guards the Progress hook's sum of the decided pairs.
func TestABatchCountsASkippedPairAsDecided(t *testing.T) {
	srv := tenant(t)
	require.Equal(t, exitOK, cli(t, "grant", "--for", "id-a", "--role", "role-1").code) // now pending
	apiCallsBefore := apiCalls(srv)
	file := writeFile(t, "mixed.csv", "identity,type,item\nid-a,role,role-1\nid-b,role,role-1\n")
	a, out, errOut := onTerminal(false)
	require.NoError(t, a.runBatch(context.Background(), &itemFlags{bulk: bulkFlags{csvPath: file, yes: true}}, facade.RequestTypeGrant, "grant"))
	assert.Contains(t, out.String(), "skipped, already pending: 1 pair(s)\n")
	assert.Equal(t, bars("granting", 2, 2), errOut.String(), "a skipped pair counts as decided")
	assert.Greater(t, apiCalls(srv), apiCallsBefore)
}

// Pairs whose create's outcome is unknown (the connection was reset after it was sent) count
// as decided on the bar too. Guards the Progress hook's sum of the unknown pairs.
func TestABatchCountsUnknownPairsAsDecided(t *testing.T) {
	srv, _ := failCreates(t, "v1", fake.NextFault{Reset: true}, 1)
	file := writeFile(t, "pairs.csv", pairsCSV(1)) // two pairs of one identity: one create
	a, _, errOut := onTerminal(false)
	err := a.runBatch(context.Background(), &itemFlags{bulk: bulkFlags{csvPath: file, yes: true}}, facade.RequestTypeGrant, "grant")
	require.Error(t, err)
	assert.Equal(t, bars("granting", 2, 2), errOut.String(), "unknown pairs count as decided")
	assert.Equal(t, 1, srv.Creates())
}

// A --remaining file that cannot be written after all (its directory removed while the batch
// ran) is an error joined to the batch's own, not a line claiming it was written. Guards
// runBatch's check of writeRemainingPairs' error, and the order of the two.
func TestABatchSaysWhenItsRemainingFileCannotBeWritten(t *testing.T) {
	srv := tenant(t)
	dir := t.TempDir()
	remaining := filepath.Join(dir, "left.csv")
	front(t, srv, removeOnPost(dir, "/access-requests"))
	srv.FailNext(fake.NextFault{Method: "POST", Path: "/access-requests", Status: 400})
	file := writeFile(t, "pairs.csv", pairsCSV(1))
	r := cli(t, "grant", "--from-csv", file, "--remaining", remaining, "--yes")
	assert.Equal(t, exitAPI, r.code, r.errOut)
	assert.Contains(t, r.out, "refused: 2 pair(s)\n")
	assert.NotContains(t, r.out, "wrote ")
	assert.Contains(t, r.errOut, "HTTP 400", "the batch's own error")
	assert.Contains(t, r.errOut, "--remaining: open "+dir+"/", "and the write's, joined to it")
	assert.Less(t, strings.Index(r.errOut, "HTTP 400"), strings.Index(r.errOut, "--remaining: open"), "the batch's first")
	assert.Contains(t, r.errOut, "no such file or directory")
}

// A journal the library cannot take (here one that is not a journal at all) ends the command
// with the library's error before anything is sent, and prints no summary. Guards runBatch's
// `res == nil` return.
func TestABatchWhoseJournalIsNotOneSendsNothing(t *testing.T) {
	srv := tenant(t)
	file := writeFile(t, "pairs.csv", pairsCSV(1))
	require.NoError(t, os.WriteFile(file+".journal", []byte("these are my notes, not a journal\n"), 0o600))
	r := cli(t, "grant", "--from-csv", file, "--yes")
	assert.NotEqual(t, exitOK, r.code)
	assert.Contains(t, r.errOut, "accessreq grant: SubmitBatch: journal "+file+".journal: line 1: ")
	assert.Empty(t, r.out, "no summary")
	assert.Zero(t, apiCalls(srv), "nothing was sent")
}

// A dry run of a batch says what it does not read, after the creates it prints. Guards
// dryRunBatch's closing line.
func TestABatchDryRunSaysWhatItDoesNotRead(t *testing.T) {
	srv := tenant(t)
	file := writeFile(t, "pairs.csv", pairsCSV(1))
	r := cli(t, "grant", "--from-csv", file, "--dry-run")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Contains(t, r.out, "dry run: pending requests and the journal are not read; a run skips the pairs they show, and each request gets a key of its own\n")
	assert.Zero(t, apiCalls(srv), "nothing was sent")
}

// One identity whose pairs end unknown is named once in the lines to check. Guards printBatch's
// dedupe and its `len(identities) > 0`.
func TestABatchNamesEachUnknownIdentityOnce(t *testing.T) {
	srv, _ := failCreates(t, "v1", fake.NextFault{Reset: true}, 1)
	file := writeFile(t, "pairs.csv", pairsCSV(1)) // two pairs of id-00, one create
	r := cli(t, "grant", "--from-csv", file, "--yes", "--settle", "0")
	assert.Equal(t, exitAPI, r.code, r.errOut)
	assert.Contains(t, r.out, "unknown, check these: 2 pair(s)\n")
	assert.Equal(t, 1, strings.Count(r.out, "  accessreq status --for id-00\n"), r.out)
	assert.Equal(t, 1, srv.Creates())
}
