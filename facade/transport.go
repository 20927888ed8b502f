package facade

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// idleConnsPerHost is how many idle connections the default transport keeps per host: the
// largest prefetch window and as many calls again beside it.
const idleConnsPerHost = 2 * MaxPrefetch

// defaultTransport is http.DefaultTransport's settings (proxy from the environment, dial and
// TLS timeouts, HTTP/2) with idle connections for the client's concurrency. It is a new
// transport: http.DefaultTransport itself is not changed.
func defaultTransport() http.RoundTripper {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport // replaced by the program; use what it chose
	}
	t := base.Clone()
	t.MaxIdleConnsPerHost = idleConnsPerHost
	t.MaxIdleConns = max(t.MaxIdleConns, idleConnsPerHost)
	return t
}

// transport sends every request of a Client, its own and those made through Generated (as the
// generated client's HttpRequestDoer): it authenticates, rate-limits, retries and logs them. A
// response it returns is the last one received, body unread, so the caller can build a typed
// error from it.
type transport struct {
	hc        *http.Client
	tokens    *tokenCache
	policy    RetryPolicy
	budget    *budget
	limits    *apiLimits // the rate limit per API version: pauses after 429s, and the pace
	log       *slog.Logger
	userAgent string
	uaValue   []string                  // userAgent as a header value
	auth      atomic.Pointer[authValue] // the Authorization value of the last token used
	now       func() time.Time
	sleep     func(context.Context, time.Duration) error
	hooks     Hooks
	scrub     *scrubber
}

// Do sends req, retrying as the policy allows. It is the generated client's HttpRequestDoer,
// for requests made through Generated.
func (t *transport) Do(req *http.Request) (*http.Response, error) {
	return t.do(req, &callState{op: "request", api: t.limits.generationOf(req.URL.Path)})
}

// do sends req as one operation's request (call), retrying as the policy allows.
func (t *transport) do(req *http.Request, call *callState) (*http.Response, error) {
	ctx := req.Context()
	op := call.op
	refreshed := false
	write := !idempotent(req.Method)
	if write && (req.Body == nil || req.Body == http.NoBody) {
		// Every write of this API takes a body. Without one, net/http's HTTP/2 transport sends
		// the request again by itself after a stream reset, without asking GetBody: nothing
		// below could keep it to one send.
		return nil, fmt.Errorf("accessrequests: %s: a %s request needs a body (every write of this API takes one): %w", op, req.Method, ErrInvalidInput)
	}
	getBody := req.GetBody
	if write {
		// net/http's transports rewind a body through GetBody to send a request again by
		// themselves, below this loop: HTTP/2 also after a stream reset (PROTOCOL_ERROR,
		// REFUSED_STREAM) that may follow the server acting on it. A write offers no GetBody,
		// so whether it is sent again is decided here alone, where the rule below holds. (A
		// 307 or 308 answer to it is then returned as it is, and becomes a RedirectError.)
		req.GetBody = nil
	}
	for attempt, sends := 1, 0; ; attempt, sends = attempt+1, sends+1 {
		start := t.now()
		resp, wrote, tok, paused, err := t.send(ctx, call, req, getBody, attempt, sends > 0)
		report := func(why RetryReason) { t.report(ctx, call, req.Method, attempt, t.now().Sub(start), resp, err, why) }
		var ns *notSentError
		if errors.As(err, &ns) {
			// Nothing went out: the rate limit or the token stopped this attempt before the
			// request was handed to the HTTP client. It is no HTTP attempt, so no Attempt hook
			// fires and the operation's Attempts do not count it. A wait on the client's own
			// limit says what it waited for (WaitError); waiting again would not help, so it is
			// not retried and spends no budget.
			var we *WaitError
			if errors.As(ns.err, &we) {
				we.Operation = op
				return nil, we
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, ns.err
		}
		if err != nil {
			if ctx.Err() != nil {
				report(RetryNone)
				if write && wrote {
					// The caller gave up after the write went out: it may have been acted on.
					return nil, &OutcomeUnknownError{Operation: op, Err: ctx.Err()}
				}
				return nil, ctx.Err()
			}
			var te *TokenError
			if errors.As(err, &te) {
				report(RetryNone)
				return nil, err
			}
			if write && !neverSent(err, wrote) {
				report(RetryNone)
				return nil, &OutcomeUnknownError{Operation: op, Err: err}
			}
			if !t.mayRetry(attempt) {
				report(RetryNone)
				return nil, err
			}
			report(RetryNetwork)
			if err := t.sleep(ctx, t.policy.backoff(attempt)); err != nil {
				return nil, err
			}
			continue
		}

		if resp.StatusCode == http.StatusUnauthorized && !refreshed && t.tokens.invalidate(tok) {
			// The server did not act on an unauthenticated request, so any method may be sent
			// again, once, with a fresh token.
			refreshed = true
			report(RetryUnauthorized)
			drain(resp)
			attempt--
			continue
		}
		if !retryableStatus(req.Method, resp.StatusCode) {
			report(RetryNone)
			if resp.StatusCode < 400 {
				t.budget.refund()
			}
			return resp, nil
		}
		delay := t.policy.backoff(attempt)
		ra, hinted := parseRetryAfter(resp.Header.Get("Retry-After"), t.now())
		if hinted {
			if ra > t.policy.MaxRetryAfter {
				report(RetryNone)
				return resp, nil // not worth waiting for: the caller gets the 429 with RetryAfter
			}
			delay = max(delay, ra)
		}
		// A 429 without Retry-After that paused the API version's requests: the retry waits on
		// that pause and on the pace the 429 lowered, not on a backoff of its own.
		onPause := paused && !hinted
		if !t.mayRetry(attempt) {
			report(RetryNone)
			return resp, nil
		}
		report(RetryStatus)
		drain(resp)
		if !onPause {
			if err := t.sleep(ctx, delay); err != nil {
				return nil, err
			}
		}
	}
}

// notSentError carries the error that stopped an attempt before its request was handed to the
// HTTP client (the rate limit's wait, the token): the server saw nothing of it.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// mayRetry reports whether another attempt is allowed, spending budget for it.
func (t *transport) mayRetry(attempt int) bool {
	return attempt < t.policy.MaxAttempts && t.budget.take()
}

// send makes one attempt. wrote reports whether a write may have reached the server (see
// writeTrace); tok is the token the attempt used; paused, whether a 429 paused every request
// of the API version.
func (t *transport) send(ctx context.Context, call *callState, req *http.Request, getBody func() (io.ReadCloser, error), attempt int, resend bool) (resp *http.Response, wrote bool, tok *oauth2.Token, paused bool, err error) {
	turn, err := t.waitTurn(ctx, call, req)
	if err != nil {
		return nil, false, nil, false, &notSentError{err}
	}
	tok, err = t.tokens.token(ctx)
	if err != nil {
		turn.lost()
		return nil, false, nil, false, &notSentError{err}
	}
	// The request was made for this call alone, so it is reused rather than cloned: the
	// previous attempt's response was closed before a retry, and a retry gets a fresh copy of
	// the body.
	if resend && getBody != nil {
		body, berr := getBody()
		if berr != nil {
			turn.lost()
			return nil, false, tok, false, berr
		}
		req.Body = body
	}
	// The values are shared, read-only slices: net/http only reads them.
	req.Header["Authorization"] = t.authorization(tok)
	req.Header["User-Agent"] = t.uaValue
	if req.Header.Get("Accept") == "" {
		req.Header["Accept"] = acceptJSON
	}
	var sent *writeTrace
	if !idempotent(req.Method) {
		sent = newWriteTrace()
		req = req.WithContext(httptrace.WithClientTrace(ctx, &sent.trace))
	}

	start := t.now()
	resp, err = t.hc.Do(req)
	if sent != nil {
		wrote = sent.mayHaveReached()
	}
	if err == nil {
		paused = t.learn(turn, resp)
	} else {
		turn.lost()
	}
	level := slog.LevelDebug
	switch {
	case err != nil:
		level = slog.LevelWarn
	case resp.StatusCode >= 400:
		level = slog.LevelInfo
	}
	if t.log.Enabled(ctx, level) {
		t.logAttempt(ctx, call, level, req, attempt, t.now().Sub(start), resp, err)
	}
	return resp, wrote, tok, paused, err
}

// writeTrace tells whether an attempt of a write may have reached the server: once its
// headers are written (to the connection's buffer, or as HTTP/2 HEADERS), the server may hold
// a request to act on. Before that it holds at most part of the request head, on which it
// cannot act. WroteHeaders is the signal; with WroteHeaderField, net/http would copy every
// header value for the trace. The absence of that signal is trusted only from a transport that
// reports its progress: net/http's transports call GetConn before they use a connection (HTTP/1
// for every request, HTTP/2 for every stream). A transport that reported nothing (a caller's
// RoundTripper that sends under a context of its own, or one that is not net/http's) may have
// written the request, so it is taken to have (TestAWriteThroughATransportThatDoesNotTraceIsNeverSentTwice).
type writeTrace struct {
	trace   httptrace.ClientTrace
	started atomic.Bool // GetConn was called: the transport reports its progress
	wrote   atomic.Bool // WroteHeaders was called
}

func newWriteTrace() *writeTrace {
	w := &writeTrace{}
	w.trace.GetConn = func(string) { w.started.Store(true) }
	w.trace.WroteHeaders = func() { w.wrote.Store(true) }
	return w
}

// mayHaveReached reports whether the server may hold the whole request head: its headers were
// written, or the transport never said how far it got.
func (w *writeTrace) mayHaveReached() bool {
	return w.wrote.Load() || !w.started.Load()
}

var acceptJSON = []string{"application/json"}

// authValue is the Authorization header value for one token.
type authValue struct {
	tok   *oauth2.Token
	value []string
}

// authorization is the Authorization header value for tok, built once per token.
func (t *transport) authorization(tok *oauth2.Token) []string {
	if a := t.auth.Load(); a != nil && a.tok == tok {
		return a.value
	}
	a := &authValue{tok: tok, value: []string{"Bearer " + tok.AccessToken}}
	t.auth.Store(a)
	return a.value
}

// waitTurn waits until the rate limit of the request's API version lets it leave. What it
// waited, and why, goes to the attempt's report, and to an info log line past a second.
func (t *transport) waitTurn(ctx context.Context, call *callState, req *http.Request) (*turn, error) {
	key := call.api // the generation: the client's for a facade call, its path's for Generated's
	if key == "" {
		key = t.limits.apiVersion(req.URL.Path)
	}
	turn, err := t.limits.wait(ctx, key, t.policy.MaxRetryAfter)
	if err != nil {
		var we *WaitError
		if errors.As(err, &we) {
			call.waited, call.waitedFor = we.Waited, we.Reason
		}
		return nil, err
	}
	call.waited, call.waitedFor = turn.waited, turn.reason
	if turn.waited > time.Second && t.log.Enabled(ctx, slog.LevelInfo) {
		attrs := []slog.Attr{slog.String("op", call.op), slog.String("api", key),
			slog.Duration("waited", turn.waited), slog.String("for", string(turn.reason))}
		if turn.reason == WaitPause {
			p := turn.pause
			attrs = append(attrs, slog.Duration("retry_after", p.asked), slog.Time("asked_at", p.at))
		}
		t.log.LogAttrs(ctx, slog.LevelInfo, "accessrequests: waited for the client's rate limit", attrs...)
	}
	return turn, nil
}

// learn tells the rate limit how the server answered a request, and reports whether a 429
// paused every request of its API version (see apiLimits).
func (t *transport) learn(turn *turn, resp *http.Response) bool {
	if resp.StatusCode != http.StatusTooManyRequests {
		turn.answer(t.now(), false, 0, false)
		return false
	}
	ra, hinted := parseRetryAfter(resp.Header.Get("Retry-After"), t.now())
	return turn.answer(t.now(), true, ra, hinted)
}

// logAttempt logs one attempt: never a header, a token or a secret.
func (t *transport) logAttempt(ctx context.Context, call *callState, level slog.Level, req *http.Request, attempt int, d time.Duration, resp *http.Response, err error) {
	attrs := []slog.Attr{
		slog.String("op", call.op),
		slog.String("method", req.Method),
		slog.String("path", req.URL.Path),
		slog.Int("attempt", attempt),
		slog.Duration("duration", d),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", t.scrub.scrub(err.Error())))
		t.log.LogAttrs(ctx, level, "accessrequests: request failed", attrs...)
		return
	}
	attrs = append(attrs, slog.Int("status", resp.StatusCode))
	t.log.LogAttrs(ctx, level, "accessrequests: response", attrs...)
}

// report records one attempt in the call's state and hands it to the Attempt hook.
func (t *transport) report(ctx context.Context, call *callState, method string, attempt int, d time.Duration, resp *http.Response, err error, why RetryReason) {
	call.attempts++
	call.status = 0
	if resp != nil {
		call.status = resp.StatusCode
	}
	if t.hooks.Attempt != nil {
		t.hooks.Attempt(ctx, Attempt{Operation: call.op, Number: attempt, Method: method, Status: call.status,
			Duration: d, Err: err, Retry: why, Waited: call.waited, WaitedFor: call.waitedFor})
	}
}

// drain reads what is left of a body we will not use (a bounded amount), so the connection can
// be reused, and closes it.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close()
}
