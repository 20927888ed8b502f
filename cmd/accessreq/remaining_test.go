package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/fake"
)

// refuseNextClose makes the next close call be refused (400) before the tenant acts, so its ids
// are left to write.
func refuseNextClose(srv *fake.Server) {
	srv.FailNext(fake.NextFault{Method: "POST", Path: "/access-requests/close", Status: 400})
}

func TestRemainingIsReplacedWholeWithMode0600(t *testing.T) {
	srv := tenant(t)
	ids := srv.SeedStatuses(3, "id-alice", time.Now())
	dir := t.TempDir()
	path := filepath.Join(dir, "left.csv")
	require.NoError(t, os.WriteFile(path, []byte("an older, longer run's ids\n"), 0o644))
	require.NoError(t, os.Chmod(path, 0o644)) // whatever the umask

	refuseNextClose(srv)
	r := cli(t, append([]string{"close", "--remaining", path}, ids...)...)
	require.Equal(t, exitAPI, r.code, r.errOut)
	fi, err := os.Lstat(path)
	require.NoError(t, err)
	assert.True(t, fi.Mode().IsRegular())
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the ids are for the owner only, even over a file that was 0644")
	assert.Equal(t, "accessRequestId,outcome\n"+ids[0]+",refused\n"+ids[1]+",refused\n"+ids[2]+",refused\n", readFile(t, path))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left beside it")
}

func TestRemainingNeverWritesThroughASymlink(t *testing.T) {
	t.Run("refused before anything is sent", func(t *testing.T) {
		srv := tenant(t)
		ids := srv.SeedStatuses(3, "id-alice", time.Now())
		target := writeFile(t, "precious", "keep me\n")
		link := filepath.Join(t.TempDir(), "left.csv")
		require.NoError(t, os.Symlink(target, link))

		for _, command := range [][]string{{"close"}, {"cancel", "--comment", "x"}} {
			r := cli(t, append(append(command, "--remaining", link), ids...)...)
			assert.Equal(t, exitUsage, r.code, r.out)
			assert.Equal(t, "accessreq "+command[0]+": --remaining: "+link+" is a symbolic link, which is not written through: name the file itself\n", r.errOut)
		}
		assert.Zero(t, apiCalls(srv), "nothing was sent")
		assert.Equal(t, "keep me\n", readFile(t, target))
		dest, err := os.Readlink(link)
		require.NoError(t, err)
		assert.Equal(t, target, dest)
	})

	t.Run("one that appears after the check is replaced, not followed", func(t *testing.T) {
		target := writeFile(t, "precious", "keep me\n")
		link := filepath.Join(t.TempDir(), "left.csv")
		require.NoError(t, os.Symlink(target, link))
		require.NoError(t, outcome{unknown: []string{"id-1"}}.writeRemaining(link))
		assert.Equal(t, "keep me\n", readFile(t, target))
		fi, err := os.Lstat(link)
		require.NoError(t, err)
		assert.True(t, fi.Mode().IsRegular(), "the link itself was replaced by the file")
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		assert.Equal(t, "accessRequestId,outcome\nid-1,unknown\n", readFile(t, link))
	})
}

func TestRemainingRefusesWhatIsNotAFile(t *testing.T) {
	srv := tenant(t)
	ids := srv.SeedStatuses(1, "id-alice", time.Now())
	dir := t.TempDir()
	for path, want := range map[string]string{
		dir:                                    "is not a regular file",
		filepath.Join(dir, "missing", "x.csv"): "cannot write in the directory of",
	} {
		r := cli(t, "close", "--remaining", path, ids[0])
		assert.Equal(t, exitUsage, r.code, r.out)
		assert.True(t, strings.HasPrefix(r.errOut, "accessreq close: --remaining: "), r.errOut)
		assert.Contains(t, r.errOut, want)
	}
	assert.Zero(t, apiCalls(srv))
}
