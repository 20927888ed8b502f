package facade

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The vendor limits requests per client id and API version (../shared/reference/README.md), so
// a Client keeps its rate-limit state per API version: the pause a 429 asks for, and the pace
// the client learns. Every goroutine of the client shares them; one version's 429s never hold
// or pace another's requests.
//
// The version a request is limited under is its API generation (API): every request a facade
// method sends carries its client's, so the successor's operations, whose paths carry versions
// of their own (/access-requests/v1, /access-request-config/v2), share the one learned limit of
// "v1", and the beta's share "beta". A request made through Generated is matched, by its path,
// to the generation whose operation it calls (generationOf), so a v1 client's raw beta call is
// limited with the beta's; any other path by its version segment (apiVersion).

// apiLimits is a Client's rate-limit state, one apiLimit per API version.
type apiLimits struct {
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
	fixed *rate.Limiter // WithRateLimit's, for every API version together; nil: learned
	prior *prior        // where the learning starts for a new API version; nil: unpaced
	root  string        // the path of the API root (the base URL's), before any version

	mu    sync.Mutex
	byKey map[string]*apiLimit
}

// apiLimit is one API version's state: the shared pause, and (unless a fixed limit is given)
// the learned pace.
type apiLimit struct {
	key string

	mu    sync.Mutex
	pause pause
	learn *learner // nil with WithRateLimit
}

// pause is the shared pause after a 429: no request of the API version leaves before until.
type pause struct {
	until time.Time
	asked time.Duration // the server's Retry-After that set it
	at    time.Time     // when that 429 came
}

// longPause is the shortest Retry-After that pauses every request of its API version whatever
// the limit (WithRateLimit's included, and while refusals look like a share refused whatever
// the pace): a wait that long is a back-off for the client, not a bucket refilling. The
// vendor's back-off tiers begin at 60 s.
const longPause = 10 * time.Second

// vendorRate is the vendor's documented limit, 100 requests per 10 s per client id and API
// version, as a pace: 10 a second in bursts of 10 (what WithVendorRateLimit gives).
var vendorRate = prior{rate: 10, burst: 10}

// priorFor is where the learned limit starts for a client of the API root: at the vendor's
// hosts ({tenant}.api.identitynow.com), its documented limit, which the learned pace never goes
// above; anywhere else (a proxy, a fake tenant, a gateway with limits of its own), unpaced
// until the first 429.
func priorFor(root *url.URL) *prior {
	if strings.HasSuffix(strings.ToLower(root.Hostname()), ".api.identitynow.com") {
		p := vendorRate
		return &p
	}
	return nil
}

func newAPILimits(now func() time.Time, sleep func(context.Context, time.Duration) error, fixed *rate.Limiter, p *prior, root string) *apiLimits {
	return &apiLimits{now: now, sleep: sleep, fixed: fixed, prior: p, root: strings.TrimSuffix(root, "/"), byKey: map[string]*apiLimit{}}
}

// get returns the state of one API version, made on first use.
func (l *apiLimits) get(key string) *apiLimit {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.byKey[key]
	if a == nil {
		a = &apiLimit{key: key}
		if l.fixed == nil {
			a.learn = newLearner(l.prior)
		}
		l.byKey[key] = a
	}
	return a
}

// generationOf is the API generation whose operation the request path calls ("beta" or "v1",
// as the path table has them), or the path's version segment when it names no operation.
func (l *apiLimits) generationOf(path string) string {
	rest := strings.TrimPrefix(strings.TrimPrefix(path, l.root), "/")
	for api, row := range routes {
		for _, r := range row {
			if r.path != "" && r.path == rest {
				return string(api)
			}
		}
	}
	return l.apiVersion(path)
}

// apiVersion is the API version a request's path is under, the unit the vendor limits by: the
// first segment after the API root that is "beta" or a version such as "v1" or "v2025";
// "" when there is none.
func (l *apiLimits) apiVersion(path string) string {
	rest := strings.TrimPrefix(path, l.root)
	for rest != "" {
		var seg string
		seg, rest, _ = strings.Cut(strings.TrimPrefix(rest, "/"), "/")
		if seg == "beta" || isVersion(seg) {
			return seg
		}
	}
	return ""
}

func isVersion(seg string) bool {
	if len(seg) < 2 || seg[0] != 'v' {
		return false
	}
	for _, c := range seg[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// turn is one request's passage through the limit: what it waited, and for what.
type turn struct {
	lim    *apiLimit
	ticket ticket
	waited time.Duration
	reason WaitReason
	pause  pause // the pause it waited for (WaitPause)
}

// wait holds a request of API version key until it may leave. A remaining pause longer than
// maxPause is not waited for (*WaitError matching ErrRateLimited), and neither is a wait the
// context's deadline would cut (*WaitError matching context.DeadlineExceeded), as
// rate.Limiter refuses one; a wait the context ends is a *WaitError matching its error. A
// pause that begins while a request waits for its turn holds it too.
func (l *apiLimits) wait(ctx context.Context, key string, maxPause time.Duration) (*turn, error) {
	lim := l.get(key)
	start := l.now()
	t := &turn{lim: lim}
	for {
		lim.mu.Lock()
		now := l.now()
		at := now
		if lim.pause.until.After(now) {
			at, t.reason, t.pause = lim.pause.until, WaitPause, lim.pause
		}
		fail := func(left time.Duration, err error) (*turn, error) {
			return nil, &WaitError{API: key, Reason: t.reason, Waited: l.now().Sub(start), Left: left,
				RetryAfter: t.pause.asked, AskedAt: t.pause.at, Err: err, maxPause: maxPause}
		}
		if left := at.Sub(now); left > maxPause && t.reason == WaitPause {
			lim.mu.Unlock()
			return fail(left, ErrRateLimited)
		}
		if lim.learn != nil {
			var paced time.Time
			paced, t.ticket = lim.learn.reserve(now, at)
			if paced.After(at) {
				if t.reason == WaitNone {
					t.reason = WaitPace
				}
				at = paced
			}
		}
		release := func() {
			if lim.learn != nil {
				lim.learn.release(t.ticket)
			}
		}
		if d, ok := ctx.Deadline(); ok && d.Sub(now) < at.Sub(now) {
			release()
			lim.mu.Unlock()
			return fail(at.Sub(now), context.DeadlineExceeded)
		}
		until := lim.pause.until
		lim.mu.Unlock()
		if at.After(now) {
			if err := l.sleep(ctx, at.Sub(now)); err != nil {
				lim.mu.Lock()
				release()
				lim.mu.Unlock()
				return fail(at.Sub(l.now()), err)
			}
		}
		lim.mu.Lock()
		again := lim.pause.until != until && lim.pause.until.After(l.now())
		if again {
			release() // a 429 paused the API version meanwhile: wait that out, then take a new turn
		}
		lim.mu.Unlock()
		if !again {
			break
		}
	}
	if l.fixed != nil {
		if err := l.fixed.Wait(ctx); err != nil {
			if ctx.Err() == nil {
				err = context.DeadlineExceeded // refused at once: the wait would outlast the deadline
			}
			if t.reason == WaitNone {
				t.reason = WaitLimit
			}
			return nil, &WaitError{API: key, Reason: t.reason, Waited: l.now().Sub(start), Err: err, maxPause: maxPause}
		}
		if t.reason == WaitNone {
			t.reason = WaitLimit
		}
	}
	if t.waited = l.now().Sub(start); t.waited <= 0 {
		t.waited, t.reason = 0, WaitNone
	}
	return t, nil
}

// answer tells the limit how the server answered the request: refused (a 429) with the
// server's Retry-After (hinted says it had one; a Retry-After of 0 asks nobody to wait and
// teaches nothing), or not. It reports whether the 429 paused every request of its API
// version (then the refused request's retry need not wait a backoff of its own: it waits on
// the pause and the pace).
func (t *turn) answer(now time.Time, refused bool, retryAfter time.Duration, hinted bool) (paused bool) {
	lim := t.lim
	lim.mu.Lock()
	defer lim.mu.Unlock()
	var shared bool
	wait := retryAfter
	if lim.learn != nil {
		shared, wait = lim.learn.answered(t.ticket, now, refused, retryAfter, hinted)
	}
	if !refused || (hinted && retryAfter == 0) {
		return false
	}
	if !shared && !(hinted && retryAfter >= longPause) {
		return false
	}
	if until := now.Add(wait); until.After(lim.pause.until) {
		lim.pause = pause{until: until, asked: retryAfter, at: now}
	}
	return true
}

// lost tells the limit that the request got no answer (a transport error, or its caller gave up).
func (t *turn) lost() {
	if t.lim.learn == nil {
		return
	}
	t.lim.mu.Lock()
	defer t.lim.mu.Unlock()
	t.lim.learn.forget(t.ticket)
}

// WaitReason says why a request waited on the client's own rate limit before it was sent.
type WaitReason string

// Reasons for a wait (Attempt.WaitedFor, WaitError.Reason).
const (
	WaitNone  WaitReason = ""      // it did not wait
	WaitPause WaitReason = "pause" // the shared pause a 429's Retry-After asked for (see New)
	WaitPace  WaitReason = "pace"  // the pace the client learned from the server's 429s
	WaitLimit WaitReason = "limit" // the limit given with WithRateLimit or WithVendorRateLimit
)

// WaitError is a call that ended on the client's own side of its rate limit: nothing was sent.
// It matches context.DeadlineExceeded when the wait would have outlasted the call's deadline
// (it is refused at once, as rate.Limiter refuses one), the context's error when the context
// ended during the wait, and ErrRateLimited when what is left of the shared pause after a 429
// is longer than RetryPolicy.MaxRetryAfter (the server asked the client to stay away that long:
// sending sooner would only be refused, and may lengthen the server's back-off).
type WaitError struct {
	Operation  string        // the name in the spec of the call
	API        string        // the API version whose limit it waited on: the generation, "beta" or "v1"
	Reason     WaitReason    // what it waited for
	Waited     time.Duration // how long it waited before it ended
	Left       time.Duration // how much of the wait was left
	RetryAfter time.Duration // for WaitPause: the Retry-After of the 429 that began the pause
	AskedAt    time.Time     // for WaitPause: when that 429 came
	Err        error         // context.DeadlineExceeded, the context's error, or ErrRateLimited

	maxPause time.Duration
}

// Error says what the call waited for, how long, and what ended it.
func (e *WaitError) Error() string {
	var b strings.Builder
	b.WriteString("accessrequests: ")
	if e.Operation != "" {
		b.WriteString(e.Operation + ": ")
	}
	api := e.API
	if api == "" {
		api = "this"
	}
	switch {
	case e.Reason == WaitPause && errors.Is(e.Err, ErrRateLimited):
		b.WriteString("rate limited: not sent: the client's shared pause for the " + api + " API has " + e.Left.Round(time.Second).String() +
			" left, more than RetryPolicy.MaxRetryAfter (" + e.maxPause.String() + ")")
	case e.Reason == WaitPause:
		b.WriteString("waited for the client's shared pause for the " + api + " API " + e.Waited.Round(time.Millisecond).String() +
			" with " + e.Left.Round(time.Millisecond).String() + " left")
	default:
		what := "the pace it learned"
		if e.Reason == WaitLimit {
			what = "its rate limit"
		}
		b.WriteString("waited for " + what + " for the " + api + " API " + e.Waited.Round(time.Millisecond).String() +
			" with " + e.Left.Round(time.Millisecond).String() + " left")
	}
	if e.Reason == WaitPause && e.RetryAfter > 0 {
		b.WriteString(" (a 429 asked for " + e.RetryAfter.String() + " at " + e.AskedAt.UTC().Format(time.RFC3339) + ")")
	}
	if e.Waited == 0 && errors.Is(e.Err, context.DeadlineExceeded) {
		b.WriteString("; the call's deadline comes first")
	}
	if e.Err != nil && !errors.Is(e.Err, ErrRateLimited) {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns Err.
func (e *WaitError) Unwrap() error { return e.Err }
