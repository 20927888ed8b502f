package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A repeated id names where it was first seen, as file:line, from a list and from a CSV; a CSV
// that does not parse names the line and column in their places; a CSV with spaces after its
// delimiters is read, a quoted field after them included. Each refusal comes before anything is sent. Guards the "file:line"
// labels of readLines and addCell, csvError's arguments, and readCSVHeader's TrimLeadingSpace.
func TestIDInputsNameWhereTheProblemIs(t *testing.T) {
	srv := tenant(t)
	r := cliIn(t, "id-aaaa\n\nid-aaaa\n", "close")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "<stdin>:3: id id-aaaa repeats <stdin>:1")

	csv := writeFile(t, "ids.csv", "accessRequestId,comment\nid-aaaa,x\nid-aaaa,y\n")
	r = cli(t, "close", "--from-csv", csv)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, csv+":3: id id-aaaa repeats "+csv+":2")

	bad := writeFile(t, "bad.csv", "accessRequestId,comment\nid-aaaa,\"x\n")
	r = cli(t, "close", "--from-csv", bad)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, bad+":2: not valid CSV (at line 2, column 12): extraneous or missing \" in quoted-field")

	spaced := writeFile(t, "spaced.csv", "comment, accessRequestId\nx, \"id-aaaa\"\n")
	r = cli(t, "close", "--from-csv", spaced, "--dry-run")
	assert.Equal(t, exitOK, r.code, r.errOut)
	assert.Zero(t, apiCalls(srv), "nothing was sent")
}

// A line longer than bufio's default token (64 KiB) is read whole, and so are the lines after
// it, rather than the list ending there with the ids before it taken as all of them. Guards
// readLines' Scanner.Buffer.
func TestALongLineInAnIDListDoesNotCutTheList(t *testing.T) {
	srv := tenant(t)
	long := strings.Repeat("x", 70_000)
	cliIn(t, "id-aaaa\n"+long+"\nid-bbbb\n", "close")
	var sent string
	for _, rec := range srv.Received() {
		if strings.HasSuffix(rec.Path, "/close") {
			sent = string(rec.Body)
		}
	}
	assert.Contains(t, sent, long, "the long line, whole")
	assert.Contains(t, sent, "id-bbbb", "and the id after it")
}
