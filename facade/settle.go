package facade

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// SettleKey is the clientMetadata key every create carries (unless WithoutSettling is given):
// its value is a random 32-digit hexadecimal string, new for each call of Create. The status
// listings echo clientMetadata, so when a create's answer is lost the client finds the requests
// it made by this key (see Create). It sits beside the caller's own metadata, which is kept as
// given; a request whose metadata (the request's or an item's) already holds this key is
// refused before anything is sent. The vendor documents no limit on clientMetadata's size or
// keys; the key uses letters and dots only.
const SettleKey = "sailkit.accessrequests.createKey"

// DefaultSettlePeriod is how long, by default, a create whose outcome is unknown is looked for
// in the status listing before the client gives up: the vendor's create is asynchronous (202)
// and its requests reach the listing some time after it answers; two minutes cover that and a
// Retry-After of the vendor's first back-off tier (60 s) during the lookups, and are still
// short enough to wait for at a terminal.
const DefaultSettlePeriod = 2 * time.Minute

// The pace of the lookups: the first is made at once, the next after settleFirstWait, each
// wait half again as long as the one before up to settleMaxWait, and one last lookup at the end
// of the period.
const (
	settleFirstWait = 2 * time.Second
	settleMaxWait   = 15 * time.Second
	// settleSkew widens the created window on both sides, for the difference between this
	// machine's clock and the server's.
	settleSkew = 5 * time.Minute
	// settleGrace is the least time a round of lookups is given, the last one included.
	settleGrace = 10 * time.Second
)

// settling is how a client settles creates: off, or on with a period.
type settling struct {
	off    bool
	period time.Duration // 0: DefaultSettlePeriod
}

// WithoutSettling turns settling off: a create carries no SettleKey, and one whose outcome is
// unknown ends with the error that says so (matching ErrOutcomeUnknown), as before settling
// existed. Checking what became of it, and sending it again, are then the caller's to do.
func WithoutSettling() Option {
	return func(o *options) error {
		o.settle = settling{off: true}
		return nil
	}
}

// WithSettlePeriod sets how long a create whose outcome is unknown is looked for in the status
// listing (DefaultSettlePeriod when not given); it must be positive. It bounds the lookups
// themselves: one still running at the period's end is cut (the last round of lookups is given
// at least 10 s). The caller's context bounds it too: a context that ends first ends the lookups.
func WithSettlePeriod(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("WithSettlePeriod: the period must be positive, got %s", d)
		}
		o.settle = settling{period: d}
		return nil
	}
}

func (s settling) periodOr() time.Duration {
	if s.period > 0 {
		return s.period
	}
	return DefaultSettlePeriod
}

// CreateResult says what became of a submitted request: the server's answer, or, when that
// answer was lost, what the client found in the status listing (Settled).
type CreateResult struct {
	// NewRequests lists the requests created by the call. When Settled is set, it lists the
	// requests found carrying the call's SettleKey, by identity, in the order the request named
	// them.
	NewRequests []RequestTracking `json:"newRequests,omitempty"`
	// ExistingRequests lists requests that were already pending for the same identity and item.
	// A lookup cannot tell them (they carry another call's metadata): when Settled is set it is
	// empty, and the items it would hold are in Settled.Unseen.
	ExistingRequests []RequestTracking `json:"existingRequests,omitempty"`

	// Settled is set when the server's answer was lost (the outcome was unknown) and the client
	// settled it by looking up its SettleKey in the status listing: the server did act on the
	// create. Nil when the server's answer arrived.
	Settled *Settlement `json:"-"`
}

// Settlement says how a create whose answer was lost was settled: by a lookup of its key in
// the status listing.
type Settlement struct {
	Key     string        // the value of SettleKey the create carried
	Lookup  LookupSummary // what was looked up, and how often
	Cause   error         // the error that left the outcome unknown (matching ErrOutcomeUnknown)
	Matched int           // how many status rows carried the key
	// Unseen lists, by identity, the items the request named that no row with the key showed
	// before the settle period ended: items the server found already pending (a pending request
	// is not created again and carries no key of this call), or rows not listed yet. Nil when
	// every item was found.
	Unseen []RequestTracking
}

// LookupSummary says what a settling lookup asked the status listing for: no secret is in it.
type LookupSummary struct {
	Listing      Listing   // the listing asked (the client's generation's)
	RequestedFor []string  // the identities listed, one listing each
	From, To     time.Time // the created window (filters created ge From and created le To)
	Lookups      int       // how many listings were made (pages not counted)
	Elapsed      time.Duration
}

// String says what was looked up, on one line.
func (l LookupSummary) String() string {
	return fmt.Sprintf("%s with requested-for %s and filters created ge %s and created le %s, %d listing(s) over %s",
		l.Listing, strings.Join(l.RequestedFor, ", "), l.From.UTC().Format(wireTime), l.To.UTC().Format(wireTime),
		l.Lookups, l.Elapsed.Round(time.Millisecond))
}

// UnsettledError is a create whose outcome stayed unknown: its answer was lost, and the settle
// period passed (or a lookup failed in a way that waiting would not mend) without a row in the
// status listing carrying its key. It matches ErrOutcomeUnknown: the create may still have been
// acted on (its requests not listed yet, or every item already pending). The client never
// sends it again itself; see Create.
type UnsettledError struct {
	Operation string        // the create's name in the spec
	Key       string        // the value of SettleKey the create carried
	Lookup    LookupSummary // what was looked up
	Cause     error         // the error that left the outcome unknown
	LookupErr error         // the last lookup's error, if the last lookup failed
}

// Error says what was looked up and that the outcome is still unknown.
func (e *UnsettledError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "accessrequests: %s: outcome unknown: no status carries clientMetadata %s=%s (looked up %s)",
		e.Operation, SettleKey, e.Key, e.Lookup)
	if e.LookupErr != nil {
		fmt.Fprintf(&b, "; the last lookup failed: %v", e.LookupErr)
	}
	b.WriteString("; the create may still have been acted on (not listed yet, or every item already pending): check before sending it again")
	if e.Cause != nil {
		fmt.Fprintf(&b, ": %v", e.Cause)
	}
	return b.String()
}

// Is matches ErrOutcomeUnknown.
func (e *UnsettledError) Is(target error) bool { return target == ErrOutcomeUnknown }

// Unwrap returns the error that left the outcome unknown and the last lookup's error.
func (e *UnsettledError) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.Cause, e.LookupErr} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// newSettleKey makes a create's key value.
func newSettleKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it panics on a broken source)
	return hex.EncodeToString(b[:])
}

// withSettleKey returns a copy of req whose metadata holds the key; the caller's map is not
// changed.
func withSettleKey(req AccessRequest, key string) AccessRequest {
	meta := maps.Clone(req.ClientMetadata)
	if meta == nil {
		meta = map[string]string{}
	}
	meta[SettleKey] = key
	req.ClientMetadata = meta
	return req
}

// checkSettleKey refuses metadata that holds SettleKey: the request's and every item's (the
// status listing merges them, so an item's would hide the request's).
func checkSettleKey(p *problems, req AccessRequest) {
	const rule = "must not hold the key %q: the client sets it on every create (see SettleKey)"
	if _, ok := req.ClientMetadata[SettleKey]; ok {
		p.add("clientMetadata", rule, SettleKey)
	}
	for j, it := range req.RequestedItems {
		if _, ok := it.ClientMetadata[SettleKey]; ok {
			p.add(fmt.Sprintf("requestedItems[%d].clientMetadata", j), rule, SettleKey)
		}
	}
	for i, e := range req.RequestedForWithRequestedItems {
		for j, it := range e.RequestedItems {
			if _, ok := it.ClientMetadata[SettleKey]; ok {
				p.add(fmt.Sprintf("requestedForWithRequestedItems[%d].requestedItems[%d].clientMetadata", i, j), rule, SettleKey)
			}
		}
	}
}

// pair is one (identity, item) a create names.
type pair struct{ identity, item string }

// named is a pair and its item's type.
type named struct {
	pair
	typ ItemType
}

// namedPairs lists the identities a request names, in order, and its (identity, item) pairs,
// in the request's order.
func namedPairs(req AccessRequest) (identities []string, want []named) {
	add := func(identity, item string, typ ItemType) {
		if !slices.Contains(identities, identity) {
			identities = append(identities, identity)
		}
		want = append(want, named{pair{identity, item}, typ})
	}
	for _, id := range req.RequestedFor {
		for _, it := range req.RequestedItems {
			add(id, it.ID, it.Type)
		}
	}
	for _, e := range req.RequestedForWithRequestedItems {
		for _, it := range e.RequestedItems {
			add(e.IdentityID, it.ID, it.Type)
		}
	}
	return identities, want
}

// allFound reports whether every pair of want for identity (every pair, when identity is
// empty) is in items.
func allFound(want []named, items map[pair]bool, identity string) bool {
	for _, n := range want {
		if (identity == "" || n.identity == identity) && !items[n.pair] {
			return false
		}
	}
	return true
}

// settleCreate looks for the create's key in the status listing, paced, until every item the
// request named is found or the settle period ends. cause is the error that left the outcome
// unknown; sent is when the create was sent. Every lookup is an ordinary listing: paced by the
// rate limit, retried within the retry budget, seen by the hooks.
func (c *Client) settleCreate(ctx context.Context, op string, req AccessRequest, key string, sent time.Time, cause error) (*CreateResult, error) {
	period := c.settle.periodOr()
	identities, want := namedPairs(req)
	sum := LookupSummary{Listing: c.api.StatusListing(), RequestedFor: identities,
		From: sent.Add(-settleSkew), To: sent.Add(period + settleSkew)}
	deadline := sent.Add(period)
	c.tr.log.InfoContext(ctx, "create outcome unknown: looking up its key in the status listing",
		"operation", op, "key", key, "period", period, "identities", len(identities))

	found := map[string]map[string]bool{} // identity -> access request ids found
	items := map[pair]bool{}              // pairs found
	matched := 0
	seen := map[string]bool{} // status rows counted, by access request and item activity ids
	wait := settleFirstWait
	var lookupErr error
	for {
		lookupErr = nil
		// The period bounds the lookups too: a listing that hangs (a read retried by the
		// transport without end) is cut at the period's end, or settleGrace from now for the
		// last round. The deadline is on the client's clock, which the rate limiter also reads.
		end := deadline
		if grace := c.tr.now().Add(settleGrace); grace.After(end) {
			end = grace
		}
		round, cancel := context.WithDeadline(ctx, end)
		for _, identity := range identities {
			if allFound(want, items, identity) {
				continue
			}
			sum.Lookups++
			q := ListStatusParams{RequestedFor: identity, Filters: []Condition{Created().Ge(sum.From), Created().Le(sum.To)}}
			for st, err := range c.ListStatus(round, q) {
				if err != nil {
					lookupErr = err
					break
				}
				if st.ClientMetadata[SettleKey] != key || st.RequestedFor.ID != identity {
					continue
				}
				if row := st.AccessRequestID + "/" + st.AccountActivityItemID; !seen[row] {
					seen[row] = true
					matched++
				}
				if found[identity] == nil {
					found[identity] = map[string]bool{}
				}
				found[identity][st.AccessRequestID] = true
				items[pair{identity, st.ID}] = true
			}
			if lookupErr != nil && !transientLookup(lookupErr) {
				break
			}
		}
		cancel()
		now := c.tr.now()
		sum.Elapsed = now.Sub(sent)
		complete := allFound(want, items, "")
		over := !now.Before(deadline) || lookupErr != nil && !transientLookup(lookupErr)
		// The end: what was found, if anything was; otherwise the outcome stays unknown.
		finish := func(err error) (*CreateResult, error) {
			if matched > 0 {
				return settledResult(identities, want, items, found, &Settlement{Key: key, Lookup: sum, Cause: cause, Matched: matched}), nil
			}
			return nil, &UnsettledError{Operation: op, Key: key, Lookup: sum, Cause: cause, LookupErr: err}
		}
		if complete || over {
			return finish(lookupErr)
		}
		if err := c.tr.sleep(ctx, min(wait, deadline.Sub(now))); err != nil {
			sum.Elapsed = c.tr.now().Sub(sent)
			return finish(err)
		}
		wait = min(wait+wait/2, settleMaxWait)
	}
}

// transientLookup reports whether a failed lookup may succeed later: a rate limit, a server
// error, a broken connection. A refusal (400, 401, 403, 404), input the listing refuses, a
// token that cannot be had, a redirect, or the caller's context ending will not mend by
// waiting.
func transientLookup(err error) bool {
	for _, permanent := range []error{ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrInvalidInput,
		ErrToken, ErrRedirect, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, permanent) {
			return false
		}
	}
	return true
}

// settledResult is the CreateResult a lookup found: by identity, in the request's order.
func settledResult(identities []string, want []named, items map[pair]bool, found map[string]map[string]bool, s *Settlement) *CreateResult {
	res := &CreateResult{Settled: s}
	for _, identity := range identities {
		unseen := RequestTracking{RequestedFor: identity}
		got := RequestTracking{RequestedFor: identity, AccessRequestIDs: slices.Sorted(maps.Keys(found[identity]))}
		for _, n := range want {
			if n.identity != identity {
				continue
			}
			d := RequestedItemDetails{ID: n.item, Type: n.typ}
			if items[n.pair] {
				got.RequestedItemsDetails = append(got.RequestedItemsDetails, d)
			} else {
				unseen.RequestedItemsDetails = append(unseen.RequestedItemsDetails, d)
			}
		}
		if len(got.AccessRequestIDs) > 0 {
			res.NewRequests = append(res.NewRequests, got)
		}
		if len(unseen.RequestedItemsDetails) > 0 {
			s.Unseen = append(s.Unseen, unseen)
		}
	}
	return res
}
