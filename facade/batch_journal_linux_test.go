//go:build linux

package facade_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// A journal that takes writes but cannot be synced (/dev/null: fsync fails) cannot hold a
// create safely, so none is sent: every pair NotSent, the sync's error returned. Guards
// batchJournal.append's Sync and write checks, and SubmitBatch's check of the send's entry.
func TestABatchWhoseJournalCannotBeSyncedSendsNothing(t *testing.T) {
	t.Parallel()
	srv, c := batchTenant(t, facade.APIV1)
	pairs := revokePairs("2c9180835d191a86015d28455b4c0001", 2)
	res, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeRevoke, Pairs: pairs, Journal: os.DevNull})
	require.ErrorIs(t, noteErr(err), syscall.EINVAL)
	assert.Contains(t, err.Error(), "accessrequests: SubmitBatch: journal: sync "+os.DevNull)
	assert.Equal(t, pairs, res.NotSent)
	assert.Zero(t, res.Calls)
	assert.Zero(t, srv.Creates())
}

// A journal that opens but cannot be read refuses the batch with the read's error, sends
// nothing, and is not left open. (/proc/self/clear_refs opens read-write and refuses reads.)
// Guards openJournal's read check and its Close.
func TestABatchWhoseJournalCannotBeReadSendsNothing(t *testing.T) {
	t.Parallel()
	journal := fmt.Sprintf("/proc/%d/clear_refs", os.Getpid())
	if f, err := os.OpenFile(journal, os.O_RDWR, 0); err != nil {
		t.Skipf("no %s to open: %v", journal, err)
	} else {
		f.Close()
	}
	srv, c := batchTenant(t, facade.APIV1)
	res, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeGrant,
		Pairs: batchPairs(1, entitlements(1)...), Journal: journal})
	require.Error(t, noteErr(err))
	assert.Nil(t, res)
	assert.Contains(t, err.Error(), "accessrequests: SubmitBatch: read "+journal)
	assert.Empty(t, srv.Received())
	assert.Equal(t, 0, openFilesOn(t, journal), "the journal is closed")
}

// setAppendOnly sets or clears a file's append-only attribute (chattr +a), or says why not.
func setAppendOnly(path string, on bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	const getFlags, setFlags, appendFl = 0x80086601, 0x40086602, 0x20
	var flags int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), getFlags, uintptr(unsafe.Pointer(&flags))); e != 0 {
		return e
	}
	if on {
		flags |= appendFl
	} else {
		flags &^= appendFl
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), setFlags, uintptr(unsafe.Pointer(&flags))); e != 0 {
		return e
	}
	return nil
}

// A journal whose last line was cut short by a crash is cut back to its last whole line before
// anything is sent; when it cannot be (the file is append-only), the batch is refused with the
// truncate's error, sends nothing, leaves the journal as it was and not open; an append-only
// journal of whole lines is not cut at all and takes the batch's entries. Guards openJournal's
// truncate (its condition, its check, its Close).
func TestABatchWhoseCutJournalCannotBeCutBackSendsNothing(t *testing.T) {
	t.Parallel()
	srv, c := batchTenant(t, facade.APIV1)
	pairs := batchPairs(1, entitlements(1)...)
	for _, cut := range []bool{true, false} {
		journal := filepath.Join(t.TempDir(), "batch.journal")
		text := journalLine(t, map[string]any{"event": "refused", "key": "k-0"})
		if cut {
			text += `{"event":"send","key":"k-cut","requestType":"GRANT_ACC`
		}
		require.NoError(t, os.WriteFile(journal, []byte(text), 0o600))
		if err := setAppendOnly(journal, true); err != nil {
			t.Skipf("cannot make %s append-only here: %v", journal, err)
		}
		t.Cleanup(func() { _ = setAppendOnly(journal, false) })
		res, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeGrant, Pairs: pairs, Journal: journal})
		if !cut {
			require.NoError(t, noteErr(err))
			assert.Equal(t, 1, res.Calls)
			continue
		}
		require.ErrorIs(t, noteErr(err), syscall.EPERM)
		assert.Contains(t, err.Error(), "accessrequests: SubmitBatch: truncate "+journal)
		assert.Nil(t, res)
		assert.Zero(t, srv.Creates())
		assert.Equal(t, 0, openFilesOn(t, journal), "the journal is closed")
		data, err := os.ReadFile(journal)
		require.NoError(t, err)
		assert.Equal(t, text, string(data))
	}
}

// journalLimit is a transport that, once a create has been answered, caps the size of the
// files this process may write at the journal's size then (RLIMIT_FSIZE), once: the journal's
// next entry fails (EFBIG; Go ignores SIGXFSZ). restore lifts the cap.
type journalLimit struct {
	next    http.RoundTripper
	journal string
	old     syscall.Rlimit
	set     bool // the cap is in force
	used    bool // the cap was set once: it is not set again
}

func (l *journalLimit) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	if err == nil && r.Method == http.MethodPost && r.URL.Path == wirePath(facade.APIV1, "/access-requests") && !l.used {
		l.used = true
		if fi, serr := os.Stat(l.journal); serr == nil && syscall.Getrlimit(syscall.RLIMIT_FSIZE, &l.old) == nil {
			capped := l.old
			capped.Cur = uint64(fi.Size())
			l.set = syscall.Setrlimit(syscall.RLIMIT_FSIZE, &capped) == nil
		}
	}
	return resp, err
}

func (l *journalLimit) restore() {
	if l.set {
		_ = syscall.Setrlimit(syscall.RLIMIT_FSIZE, &l.old)
		l.set = false
	}
}

// A journal that fails after a create was sent and answered (the disk refuses its outcome)
// stops the batch at once: that create is in Sent, the creates after it NotSent, the journal's
// error returned, also when that create was the batch's last. Run again, the create whose
// outcome the journal lacks is found by its key and not sent again; the rest are sent. Not
// parallel: the cap on file sizes is the process's. Guards batchJournal.append's write check
// and SubmitBatch's check of the outcome's entry.
func TestABatchWhoseJournalFailsAfterASendStopsAndResumesWithoutSendingTwice(t *testing.T) {
	for _, n := range []int{3, 1} {
		t.Run(fmt.Sprintf("%d creates", n), func(t *testing.T) {
			srv := fake.NewServer()
			t.Cleanup(srv.Close)
			journal := filepath.Join(t.TempDir(), "batch.journal")
			limit := &journalLimit{next: srv.Client().Transport, journal: journal}
			t.Cleanup(limit.restore)
			c := fakeClientFor(t, srv, facade.APIV1, facade.WithHTTPClient(&http.Client{Transport: limit}))
			pairs := revokePairs("2c9180835d191a86015d28455b4c0001", n)
			p := facade.BatchParams{RequestType: facade.RequestTypeRevoke, Pairs: pairs, Journal: journal}

			res, err := c.SubmitBatch(context.Background(), p)
			capped := limit.set
			limit.restore()
			require.True(t, capped, "the cap was set")
			require.ErrorIs(t, noteErr(err), syscall.EFBIG)
			assert.Contains(t, err.Error(), "accessrequests: SubmitBatch: journal: write "+journal)
			assert.Equal(t, err, res.Err, "the returned error is the result's")
			require.Len(t, res.Sent, 1)
			assert.Equal(t, pairs[:1], res.Sent[0].Pairs)
			if n > 1 {
				assert.Equal(t, pairs[1:], res.NotSent)
			} else {
				assert.Empty(t, res.NotSent)
			}
			assert.Equal(t, 1, srv.Creates())

			again, err := c.SubmitBatch(context.Background(), p)
			require.NoError(t, noteErr(err))
			require.NotEmpty(t, again.Sent)
			assert.Equal(t, facade.BatchCreate{Key: res.Sent[0].Key, Pairs: pairs[:1], IDs: res.Sent[0].IDs, How: "settled"}, again.Sent[0])
			assert.Equal(t, n-1, again.Calls)
			assert.Equal(t, n, srv.Creates(), "nothing acted on twice")
		})
	}
}

// A journal that fails after a create was refused stops the batch with an error that is both
// the journal's and the refusal's (errors.Is finds each), held in the result's Err too; the
// refused create's pairs are Refused, the rest NotSent. Not parallel: the cap on file sizes is
// the process's. Guards BatchResult.stoppedBy's join at SubmitBatch's check of the outcome's
// entry.
func TestABatchWhoseJournalFailsAfterARefusalKeepsBothErrors(t *testing.T) {
	srv := fake.NewServer()
	t.Cleanup(srv.Close)
	journal := filepath.Join(t.TempDir(), "batch.journal")
	refuse := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodPost && r.URL.Path == wirePath(facade.APIV1, "/access-requests") {
			return &http.Response{StatusCode: http.StatusBadRequest, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(`{"detailCode":"400.1 Bad Request Content","messages":[{"text":"refused"}]}`)), Request: r}, nil
		}
		return srv.Client().Transport.RoundTrip(r)
	})
	limit := &journalLimit{next: refuse, journal: journal}
	t.Cleanup(limit.restore)
	c := fakeClientFor(t, srv, facade.APIV1, facade.WithHTTPClient(&http.Client{Transport: limit}))
	pairs := revokePairs("2c9180835d191a86015d28455b4c0001", 3)

	res, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeRevoke, Pairs: pairs, Journal: journal})
	capped := limit.set
	limit.restore()
	require.True(t, capped, "the cap was set: %v", err)
	require.ErrorIs(t, noteErr(err), syscall.EFBIG)
	var apiErr *facade.APIError
	require.ErrorAs(t, err, &apiErr, "the refusal is still there")
	assert.True(t, strings.HasPrefix(err.Error(), "accessrequests: SubmitBatch: journal: write "+journal), "what stopped the batch comes first: %q", err)
	assert.Contains(t, err.Error(), "\n"+apiErr.Error(), "then the refusal")
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
	assert.Equal(t, err, res.Err)
	assert.Equal(t, pairs[:1], res.Refused)
	assert.Equal(t, pairs[1:], res.NotSent)
	assert.Empty(t, res.Sent)
	assert.Zero(t, srv.Creates())
}

// capFileSizes caps the size of the files this process may write at path's size now, until
// the test ends (see journalLimit).
func capFileSizes(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	var old syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old))
	capped := old
	capped.Cur = uint64(fi.Size())
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_FSIZE, &capped))
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old) })
}

// settledJournal is a journal of an earlier run's create, sent and never seen answered, that
// the tenant acted on: its pairs, found by its key.
func settledJournal(t *testing.T) (*fake.Server, *facade.Client, string, []facade.BatchPair) {
	t.Helper()
	srv, c := batchTenant(t, facade.APIV1)
	pairs := revokePairs("2c9180835d191a86015d28455b4c0001", 1)
	acted := facade.AccessRequest{RequestType: facade.RequestTypeRevoke, RequestedFor: []string{pairs[0].Identity},
		RequestedItems: []facade.AccessRequestItem{{Type: pairs[0].Type, ID: pairs[0].ItemID, Comment: pairs[0].Comment}},
		ClientMetadata: map[string]string{facade.BatchKey: "k-acted"}}
	_, err := c.Create(context.Background(), acted)
	require.NoError(t, err)
	journal := writeJournal(t, journalLine(t, map[string]any{"event": "send", "key": "k-acted", "requestType": "REVOKE_ACCESS", "pairs": pairs, "at": srv.Statuses()[0].Created}))
	return srv, c, journal, pairs
}

// An earlier run's create found by its key, whose finding the journal cannot take (the disk
// refuses it), stops the batch with the journal's error, and nothing is sent again. Not
// parallel: the cap on file sizes is the process's. Guards SubmitBatch's check of the settled
// create's entry.
func TestABatchThatCannotJournalAFoundCreateStops(t *testing.T) {
	srv, c, journal, pairs := settledJournal(t)
	capFileSizes(t, journal)
	_, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeRevoke, Pairs: pairs, Journal: journal})
	require.ErrorIs(t, noteErr(err), syscall.EFBIG)
	assert.Contains(t, err.Error(), "accessrequests: SubmitBatch: journal: write "+journal)
	assert.Equal(t, 1, srv.Creates(), "not sent again")
}

// The batch stopped there still accounts for every pair, as BatchResult promises: the found
// create's pairs are Sent (found is sent, journaled or not), the pairs of this run not yet sent
// NotSent. Guards the order at SubmitBatch's settling of an earlier run's creates (Sent, then
// the journal) and its NotSent on the journal's error.
func TestABatchThatCannotJournalAFoundCreateAccountsForEveryPair(t *testing.T) {
	_, c, journal, found := settledJournal(t)
	more := revokePairs("2c9180835d191a86015d28455b4c0002", 2)
	pairs := append(append([]facade.BatchPair{}, found...), more...)
	capFileSizes(t, journal)
	res, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeRevoke, Pairs: pairs, Journal: journal})
	require.ErrorIs(t, noteErr(err), syscall.EFBIG)
	require.NotNil(t, res)
	assert.Equal(t, err, res.Err)
	require.Len(t, res.Sent, 1)
	assert.Equal(t, "k-acted", res.Sent[0].Key)
	assert.Equal(t, found, res.Sent[0].Pairs)
	assert.Equal(t, more, res.NotSent)
	assert.Empty(t, res.Skipped)
	assert.Empty(t, res.Unknown)
	assert.Empty(t, res.Refused)
}
