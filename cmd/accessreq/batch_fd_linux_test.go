package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A batch closes the CSV it read: no descriptor of this process still points at it once the
// command returns (a long-lived program running batches one after another would run out).
// Not parallel, so no other test holds the file; the collector is off while it runs, so that an
// *os.File's cleanup cannot close a leaked descriptor first. Guards readPairsFrom's deferred Close.
func TestABatchClosesItsCSV(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	tenant(t)
	file := writeFile(t, "pairs.csv", pairsCSV(1))
	r := cli(t, "grant", "--from-csv", file, "--yes")
	require.Equal(t, exitOK, r.code, r.errOut)
	assertNothingOpenOn(t, file)
}

// writePrivate closes the file it wrote and the directory it synced: no descriptor points at
// either once it returns (collector off, as above). Guards its Sync-and-Close, and its check
// that the directory opened.
func TestWritePrivateClosesTheFile(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	path := filepath.Join(t.TempDir(), "left.csv")
	require.NoError(t, writePrivate(path, []byte("x\n")))
	assertNothingOpenOn(t, path)
	assertNothingOpenOn(t, filepath.Dir(path)) // the directory opened to sync the rename is closed too
}

// assertNothingOpenOn fails when a descriptor of this process points at path.
func assertNothingOpenOn(t *testing.T, path string) {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil {
			assert.NotEqual(t, path, target, "descriptor %s is still open on it", fd.Name())
		}
	}
}
