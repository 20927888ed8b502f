package facade

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// BatchKey is the clientMetadata key each create of SubmitBatch carries: its value names the
// create in the batch's journal, so that a run started again after being killed can find, in
// the status listing, what a create it did not see answered became.
const BatchKey = "sailkit.accessrequests.batchKey"

// MaxBatchIdentities is the most identities SubmitBatch puts in one create; the vendor allows 10
// when any entitlement is requested, and SubmitBatch keeps to it whatever the items.
const MaxBatchIdentities = MaxIdentitiesWithEntitlements

// MaxBatchItems is the most items SubmitBatch puts in one create (the vendor's limit on
// requestedItems, and on entitlements).
const MaxBatchItems = MaxEntitlementsPerRequest

// BatchPair is one identity and one item of a batch: grant (or revoke) this item to (or from)
// this identity.
type BatchPair struct {
	Identity string   `json:"identity"`
	Type     ItemType `json:"type"`
	ItemID   string   `json:"item"`
	// Comment is the item's comment; a revoke needs one. Pairs packed into one create share
	// their identities' items, so a create only holds pairs whose comments are the same.
	Comment string `json:"comment,omitempty"`
}

func (p BatchPair) key() string { return p.Identity + "\x00" + string(p.Type) + "\x00" + p.ItemID }

// BatchParams asks SubmitBatch for many pairs.
type BatchParams struct {
	RequestType RequestType // RequestTypeGrant or RequestTypeRevoke
	Pairs       []BatchPair

	// Journal is the path of the batch's journal: an append-only file of JSON lines, synced
	// before each create is sent and after its answer. Running SubmitBatch again with the same
	// pairs and journal (after a crash, a signal, SIGKILL included) sends only what the journal
	// does not show as sent. Empty: no journal, and a run that is stopped cannot be resumed
	// safely.
	Journal string

	// ClientMetadata is put on every create, beside BatchKey (which it must not hold).
	ClientMetadata map[string]string

	// ResendUnsettled sends again the pairs of a create that an earlier run sent but never saw
	// answered, when the status listing shows neither its BatchKey nor a pending request for
	// the pair. The vendor's create is asynchronous, so "not listed" is strong evidence but not
	// proof that it was not acted on; without this, such pairs are reported Unknown.
	ResendUnsettled bool

	// Progress, when set, is called after each create with the counts so far.
	Progress func(BatchProgress)
}

// BatchProgress is where a batch stands.
type BatchProgress struct {
	Pairs, Sent, Skipped, Unknown, Refused, NotSent int
}

// BatchCreate is one create a batch made (in this run or, read from the journal, an earlier one).
type BatchCreate struct {
	Key   string      // its BatchKey value
	Pairs []BatchPair // what it asked for
	IDs   []string    // the access requests it made, as answered or found
	// How it is known to be sent: "answered" (the server's answer), "settled" (its answer was
	// lost and it was found in the status listing, by Create's lookup or by its BatchKey) or
	// "earlier run" (the journal shows it sent).
	How string
}

// BatchResult accounts for every pair of a batch: each is in exactly one of Sent (in its
// create), Skipped, Unknown, Refused and NotSent.
type BatchResult struct {
	Sent    []BatchCreate
	Skipped []BatchPair // a request for it was already pending (or the pair was given twice)
	Unknown []BatchPair // sent, and what became of it could not be found out; check these
	Refused []BatchPair // the server refused their create; it cannot have acted
	NotSent []BatchPair // never sent: the batch stopped first
	Calls   int         // creates sent in this run
	Err     error       // what stopped the batch (joined to the last refusal before it), or the last refusal; nil when every pair is settled
}

// journalEntry is one line of a batch's journal.
type journalEntry struct {
	Event string      `json:"event"` // "send", "sent", "refused", "unknown"
	Key   string      `json:"key"`
	Type  RequestType `json:"requestType,omitempty"`
	Pairs []BatchPair `json:"pairs,omitempty"`
	At    time.Time   `json:"at,omitzero"`
	IDs   []string    `json:"ids,omitempty"`
	How   string      `json:"how,omitempty"`
	Error string      `json:"error,omitempty"`
}

// batchJournal appends entries to a journal file, each synced to disk before append returns.
type batchJournal struct {
	f *os.File
}

// openJournal opens (or creates, mode 0600) the journal at path and reads what it holds.
func openJournal(path string) (*batchJournal, []journalEntry, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	// A last line without its newline was cut short by a crash while being written: its create
	// was never sent (an entry is synced before its send). It is cut off, so that the next
	// entry starts a line of its own.
	if whole := bytes.LastIndexByte(data, '\n') + 1; whole < len(data) {
		if err := f.Truncate(int64(whole)); err != nil {
			f.Close()
			return nil, nil, err
		}
		data = data[:whole]
	}
	var entries []journalEntry
	for i, line := range bytes.SplitAfter(data, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var e journalEntry
		if err := json.Unmarshal(line, &e); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("journal %s: line %d: %w", path, i+1, err)
		}
		entries = append(entries, e)
	}
	return &batchJournal{f: f}, entries, nil
}

func (j *batchJournal) append(e journalEntry) error {
	if j == nil {
		return nil
	}
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if _, err := j.f.Write(append(line, '\n')); err != nil {
		return err
	}
	return j.f.Sync()
}

func (j *batchJournal) close() error {
	if j == nil {
		return nil
	}
	return j.f.Close()
}

// SubmitBatch submits many (identity, item) pairs as few creates as the vendor's limits allow,
// and accounts for every pair.
//
// Pairs that already have a pending request of the same type (the identity's status listing,
// EXECUTING, the same item) are skipped, as the vendor advises. The rest are packed: pairs are
// grouped by identity, identities that ask for the same items share creates of at most
// MaxBatchIdentities identities and MaxBatchItems items; a revoke is one identity and at most
// one entitlement per create. Each create carries BatchKey with a value of its own.
//
// With a journal, each create is written there (its key and pairs) and synced before it is
// sent, and its outcome after. Run again with the same journal, SubmitBatch skips what it shows
// as sent, and for a create sent but never seen answered looks for its key in the status
// listing: found, its pairs are sent; not found, they are Unknown (or sent again with
// ResendUnsettled). A run killed at any point therefore sends nothing twice and leaves nothing
// out, provided it is run again until it reports no Unknown or NotSent pair.
//
// It goes on past a refused create (its pairs are Refused) and past one whose outcome stays
// unknown; it stops when ctx ends (the rest are NotSent). The returned error is the result's Err.
func (c *Client) SubmitBatch(ctx context.Context, p BatchParams) (*BatchResult, error) {
	e, err := c.endpoint(opCreate, "SubmitBatch")
	if err != nil {
		return nil, err
	}
	if err := checkBatch(p).err(e.op); err != nil {
		return nil, err
	}
	res := &BatchResult{}
	pairs, dups := dedupePairs(p.Pairs)
	res.Skipped = append(res.Skipped, dups...)

	var j *batchJournal
	var entries []journalEntry
	if p.Journal != "" {
		if j, entries, err = openJournal(p.Journal); err != nil {
			return nil, fmt.Errorf("accessrequests: SubmitBatch: %w", err)
		}
		defer j.close()
	}
	want := make(map[string]bool, len(pairs))
	for _, pr := range pairs {
		want[pr.key()] = true
	}
	done := map[string]bool{} // pairs settled by an earlier run
	inFlight := earlierRuns(entries, p.RequestType, want, done, res)

	// An earlier run's creates never seen answered: found by their keys, or pending, or unknown.
	for _, f := range inFlight {
		ids, err := c.findByMetadata(ctx, BatchKey, f.Key, identitiesOf(f.Pairs), f.At)
		if err != nil {
			res.Err = err
			res.NotSent = append(res.NotSent, remaining(pairs, done)...)
			return res, err
		}
		if len(ids) > 0 {
			// Found, its pairs are sent whether or not the journal can say so (a rerun would
			// find it again).
			res.Sent = append(res.Sent, BatchCreate{Key: f.Key, Pairs: f.Pairs, IDs: ids, How: "settled"})
			markDone(done, f.Pairs)
			if err := j.append(journalEntry{Event: "sent", Key: f.Key, IDs: ids, How: "settled"}); err != nil {
				res.NotSent = append(res.NotSent, remaining(pairs, done)...)
				return res, res.stoppedBy(journalErr(err))
			}
		}
	}

	pending, err := c.pendingPairs(ctx, p.RequestType, remaining(pairs, done))
	if err != nil {
		res.Err = err
		res.NotSent = append(res.NotSent, remaining(pairs, done)...)
		return res, err
	}
	var toSend []BatchPair
	inFlightPair := map[string]bool{}
	for _, f := range inFlight {
		for _, pr := range f.Pairs {
			inFlightPair[pr.key()] = true
		}
	}
	for _, pr := range remaining(pairs, done) {
		switch {
		case pending[pr.key()]:
			res.Skipped = append(res.Skipped, pr)
		case inFlightPair[pr.key()] && !p.ResendUnsettled:
			res.Unknown = append(res.Unknown, pr)
		default:
			toSend = append(toSend, pr)
		}
	}

	creates := packPairs(p.RequestType, toSend)
	progress := func() {
		if p.Progress != nil {
			p.Progress(BatchProgress{Pairs: len(p.Pairs), Sent: countPairs(res.Sent), Skipped: len(res.Skipped),
				Unknown: len(res.Unknown), Refused: len(res.Refused), NotSent: len(res.NotSent)})
		}
	}
	for i, group := range creates {
		if err := ctx.Err(); err != nil {
			for _, g := range creates[i:] {
				res.NotSent = append(res.NotSent, g...)
			}
			res.Err = err
			return res, err
		}
		key := newBatchKey()
		if err := j.append(journalEntry{Event: "send", Key: key, Type: p.RequestType, Pairs: group, At: c.tr.now().UTC()}); err != nil {
			for _, g := range creates[i:] {
				res.NotSent = append(res.NotSent, g...)
			}
			return res, res.stoppedBy(journalErr(err))
		}
		res.Calls++
		out, err := c.Create(ctx, batchRequest(p, group, key))
		switch {
		case err == nil:
			// An answer lost and then found by Create's own lookup (Settled) is as sent as
			// one answered: journaled so, a rerun does not look it up again.
			ids, how := createdIDs(out), "answered"
			if out != nil && out.Settled != nil {
				how = "settled"
			}
			res.Sent = append(res.Sent, BatchCreate{Key: key, Pairs: group, IDs: ids, How: how})
			err = j.append(journalEntry{Event: "sent", Key: key, IDs: ids, How: how})
		case errors.Is(err, ErrOutcomeUnknown):
			res.Unknown = append(res.Unknown, group...)
			res.Err = err
			err = j.append(journalEntry{Event: "unknown", Key: key, Error: err.Error()})
		default:
			res.Refused = append(res.Refused, group...)
			res.Err = err
			err = j.append(journalEntry{Event: "refused", Key: key, Error: err.Error()})
		}
		if err != nil {
			for _, g := range creates[i+1:] {
				res.NotSent = append(res.NotSent, g...)
			}
			return res, res.stoppedBy(journalErr(err))
		}
		progress()
	}
	if res.Err == nil && len(res.Unknown) > 0 {
		res.Err = fmt.Errorf("accessrequests: SubmitBatch: %d pairs were sent by an earlier run that never saw the answer, and the status listing shows neither their create nor a pending request (ResendUnsettled sends them again): %w", len(res.Unknown), ErrOutcomeUnknown)
	}
	return res, res.Err
}

// PlanBatch returns the creates SubmitBatch would send for p were no pair already pending and
// its journal empty, in order, each with a BatchKey of its own: what a dry run shows. It sends
// nothing and reads no journal; what SubmitBatch would refuse before sending it refuses alike.
func (c *Client) PlanBatch(p BatchParams) ([]AccessRequest, error) {
	e, err := c.endpoint(opCreate, "PlanBatch")
	if err != nil {
		return nil, err
	}
	if err := checkBatch(p).err(e.op); err != nil {
		return nil, err
	}
	pairs, _ := dedupePairs(p.Pairs)
	var out []AccessRequest
	for _, group := range packPairs(p.RequestType, pairs) {
		out = append(out, batchRequest(p, group, newBatchKey()))
	}
	return out, nil
}

func journalErr(err error) error { return fmt.Errorf("accessrequests: SubmitBatch: journal: %w", err) }

// stoppedBy makes err, what stopped the batch, the result's Err, joined to the error it held
// already (a create refused or of unknown outcome), so that both still match errors.Is.
func (r *BatchResult) stoppedBy(err error) error {
	if r.Err != nil {
		err = errors.Join(err, r.Err)
	}
	r.Err = err
	return err
}

// earlierRuns reads the journal's entries: the pairs of creates an earlier run saw answered (or
// settled) are done and listed in res.Sent; the creates it sent and never saw answered (or saw
// unknown) are returned. Creates the server refused are sent again: it cannot have acted on
// them. Only entries of this request type and of pairs asked for now count.
func earlierRuns(entries []journalEntry, kind RequestType, want, done map[string]bool, res *BatchResult) []journalEntry {
	sends := map[string]journalEntry{}
	var order []string
	for _, e := range entries {
		switch e.Event {
		case "send":
			if e.Type == kind {
				sends[e.Key] = e
				order = append(order, e.Key)
			}
		case "sent":
			if s, ok := sends[e.Key]; ok {
				delete(sends, e.Key)
				res.Sent = append(res.Sent, BatchCreate{Key: e.Key, Pairs: s.Pairs, IDs: e.IDs, How: "earlier run"})
				markDone(done, s.Pairs)
			}
		case "refused":
			delete(sends, e.Key)
		}
	}
	var out []journalEntry
	for _, k := range order {
		if s, ok := sends[k]; ok {
			var kept []BatchPair
			for _, pr := range s.Pairs {
				if want[pr.key()] && !done[pr.key()] {
					kept = append(kept, pr)
				}
			}
			if len(kept) > 0 {
				s.Pairs = kept
				out = append(out, s)
			}
		}
	}
	return out
}

func markDone(done map[string]bool, pairs []BatchPair) {
	for _, pr := range pairs {
		done[pr.key()] = true
	}
}

func remaining(pairs []BatchPair, done map[string]bool) []BatchPair {
	var out []BatchPair
	for _, pr := range pairs {
		if !done[pr.key()] {
			out = append(out, pr)
		}
	}
	return out
}

func countPairs(cs []BatchCreate) int {
	n := 0
	for _, c := range cs {
		n += len(c.Pairs)
	}
	return n
}

func identitiesOf(pairs []BatchPair) []string {
	var ids []string
	for _, pr := range pairs {
		if !slices.Contains(ids, pr.Identity) {
			ids = append(ids, pr.Identity)
		}
	}
	return ids
}

// checkBatch refuses, before anything is sent, what no create could carry.
func checkBatch(p BatchParams) problems {
	var pr problems
	switch p.RequestType {
	case RequestTypeGrant, RequestTypeRevoke:
	default:
		pr.add("requestType", "must be GRANT_ACCESS or REVOKE_ACCESS, got %q", p.RequestType)
	}
	if len(p.Pairs) == 0 {
		pr.add("pairs", "must hold at least one pair")
	}
	if _, ok := p.ClientMetadata[BatchKey]; ok {
		pr.add("clientMetadata", "must not hold %s, which SubmitBatch sets", BatchKey)
	}
	for i, x := range p.Pairs {
		field := fmt.Sprintf("pairs[%d]", i)
		if strings.TrimSpace(x.Identity) == "" {
			pr.add(field+".identity", "is empty")
		}
		if strings.TrimSpace(x.ItemID) == "" {
			pr.add(field+".item", "is empty")
		}
		switch x.Type {
		case ItemTypeRole, ItemTypeAccessProfile, ItemTypeEntitlement:
		default:
			pr.add(field+".type", "must be ROLE, ACCESS_PROFILE or ENTITLEMENT, got %q", x.Type)
		}
		if p.RequestType == RequestTypeRevoke && strings.TrimSpace(x.Comment) == "" {
			pr.add(field+".comment", "is required for REVOKE_ACCESS")
		}
	}
	return pr
}

// dedupePairs keeps the first of pairs given twice (the same identity, type and item) and
// returns the others apart.
func dedupePairs(pairs []BatchPair) (kept, dups []BatchPair) {
	seen := make(map[string]bool, len(pairs))
	for _, pr := range pairs {
		if seen[pr.key()] {
			dups = append(dups, pr)
			continue
		}
		seen[pr.key()] = true
		kept = append(kept, pr)
	}
	return kept, dups
}

// packPairs groups pairs into creates within the vendor's limits. For a grant, each identity's
// items (in the order given) are cut into runs of at most MaxBatchItems; identities whose run
// holds the same items (and comments) share a create, at most MaxBatchIdentities of them. A
// revoke is one identity per create, with at most one entitlement (roles and access profiles
// beside it, up to MaxBatchItems items).
func packPairs(kind RequestType, pairs []BatchPair) [][]BatchPair {
	byIdentity := map[string][]BatchPair{}
	var identities []string
	for _, pr := range pairs {
		if _, ok := byIdentity[pr.Identity]; !ok {
			identities = append(identities, pr.Identity)
		}
		byIdentity[pr.Identity] = append(byIdentity[pr.Identity], pr)
	}
	var runs [][]BatchPair // each one identity's items for one create
	for _, id := range identities {
		items := byIdentity[id]
		if kind == RequestTypeRevoke {
			var run []BatchPair
			ents := 0
			for _, pr := range items {
				isEnt := pr.Type == ItemTypeEntitlement
				if len(run) == MaxBatchItems || (isEnt && ents == MaxRevokeEntitlements) {
					runs = append(runs, run)
					run, ents = nil, 0
				}
				run = append(run, pr)
				if isEnt {
					ents++
				}
			}
			runs = append(runs, run)
			continue
		}
		for start := 0; start < len(items); start += MaxBatchItems {
			runs = append(runs, items[start:min(start+MaxBatchItems, len(items))])
		}
	}
	if kind == RequestTypeRevoke {
		return runs
	}
	// Identities whose runs ask for the same items go together.
	type group struct {
		items string
		pairs []BatchPair
		n     int
	}
	var groups []*group
	open := map[string]*group{}
	for _, run := range runs {
		sig := itemsSignature(run)
		g := open[sig]
		if g == nil || g.n == MaxBatchIdentities {
			g = &group{items: sig}
			groups = append(groups, g)
			open[sig] = g
		}
		g.pairs = append(g.pairs, run...)
		g.n++
	}
	out := make([][]BatchPair, len(groups))
	for i, g := range groups {
		out[i] = g.pairs
	}
	return out
}

func itemsSignature(run []BatchPair) string {
	var b strings.Builder
	for _, pr := range run {
		b.WriteString(string(pr.Type))
		b.WriteByte(0)
		b.WriteString(pr.ItemID)
		b.WriteByte(0)
		b.WriteString(pr.Comment)
		b.WriteByte(0)
	}
	return b.String()
}

// batchRequest is the create for one group: its identities and the items of its first
// identity (every identity of a group asks for the same items).
func batchRequest(p BatchParams, group []BatchPair, key string) AccessRequest {
	meta := make(map[string]string, len(p.ClientMetadata)+1)
	for k, v := range p.ClientMetadata {
		meta[k] = v
	}
	meta[BatchKey] = key
	req := AccessRequest{RequestType: p.RequestType, ClientMetadata: meta}
	first := group[0].Identity
	for _, pr := range group {
		if !slices.Contains(req.RequestedFor, pr.Identity) {
			req.RequestedFor = append(req.RequestedFor, pr.Identity)
		}
		if pr.Identity == first {
			req.RequestedItems = append(req.RequestedItems, AccessRequestItem{Type: pr.Type, ID: pr.ItemID, Comment: pr.Comment})
		}
	}
	return req
}

func createdIDs(out *CreateResult) []string {
	if out == nil {
		return nil
	}
	var ids []string
	for _, r := range append(slices.Clip(out.NewRequests), out.ExistingRequests...) {
		ids = append(ids, r.AccessRequestIDs...)
	}
	return ids
}

func newBatchKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// pendingPairs lists, for each identity of pairs, its executing requests of this type, and
// returns the keys of the pairs that one of them already asks for.
func (c *Client) pendingPairs(ctx context.Context, kind RequestType, pairs []BatchPair) (map[string]bool, error) {
	out := map[string]bool{}
	for _, id := range identitiesOf(pairs) {
		for st, err := range c.ListStatus(ctx, ListStatusParams{RequestedFor: id, OnlyExecuting: true}) {
			if err != nil {
				return nil, err
			}
			if IsFinal(st.State) || st.RequestType != kind {
				continue
			}
			out[BatchPair{Identity: id, Type: st.Type, ItemID: st.ID}.key()] = true
		}
	}
	return out, nil
}

// findByMetadata looks, in the status listings of identities, for requests created around at
// whose clientMetadata holds name=value, and returns their ids.
func (c *Client) findByMetadata(ctx context.Context, name, value string, identities []string, at time.Time) ([]string, error) {
	var ids []string
	for _, id := range identities {
		q := ListStatusParams{RequestedFor: id, Filters: []Condition{Created().Ge(at.Add(-lookupSkew)), Created().Le(at.Add(lookupSkew))}}
		for st, err := range c.ListStatus(ctx, q) {
			if err != nil {
				return nil, err
			}
			if st.ClientMetadata[name] == value && !slices.Contains(ids, st.AccessRequestID) {
				ids = append(ids, st.AccessRequestID)
			}
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// lookupSkew widens a lookup's created window on both sides, for the difference between this
// machine's clock and the server's, and the time a create takes to reach the listing.
const lookupSkew = 10 * time.Minute
