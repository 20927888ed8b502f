package facade

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors, matched with errors.Is against any error a Client returns.
var (
	// ErrBadRequest: the server refused the request as invalid (HTTP 400).
	ErrBadRequest = errors.New("bad request")
	// ErrUnauthorized: the token was missing, invalid or expired, even after a refresh (HTTP 401).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: the caller may not use this operation (HTTP 403).
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound: nothing exists under the id that was sent (HTTP 404).
	ErrNotFound = errors.New("not found")
	// ErrRateLimited: the server's rate limit was hit and retries did not get past it (HTTP 429).
	ErrRateLimited = errors.New("rate limited")
	// ErrServer: the server failed (HTTP 5xx).
	ErrServer = errors.New("server error")
	// ErrUndecodable: the server answered with a body that does not decode. When the status was
	// 2xx the server accepted the call: see ResponseError.Accepted.
	ErrUndecodable = errors.New("response could not be decoded")
	// ErrOutcomeUnknown: a write (create, cancel, close) may or may not have been acted on.
	// Check the server's state before sending it again. It is matched when the connection or
	// stream failed after the request was sent, when the caller's context ended after that,
	// and when a write was answered 408 or any 5xx (a gateway's 502 or 504 can come after the
	// backend acted; such an error also matches ErrServer), or with a redirect.
	ErrOutcomeUnknown = errors.New("outcome unknown")
	// ErrInvalidInput: the request was refused before anything was sent.
	ErrInvalidInput = errors.New("invalid input")
	// ErrInconsistentPage: a listing's pages contradict each other (the same entries served at
	// two offsets); the listing stops rather than loop.
	ErrInconsistentPage = errors.New("inconsistent paging")
	// ErrToken: no access token could be obtained.
	ErrToken = errors.New("token")
	// ErrRedirect: the server answered with a redirect, which the client never follows: it
	// would carry the token or the client secret to another URL. See RedirectError.
	ErrRedirect = errors.New("redirect not followed")
)

// maxErrorBody bounds how much of an error response is read; maxSnippet how much of a non-JSON
// body is kept for the error message.
const (
	maxErrorBody = 64 << 10
	maxSnippet   = 512
)

// Message is one localized message of an error response.
type Message struct {
	Locale       string // BCP 47 tag, may be empty
	LocaleOrigin string // DEFAULT or REQUEST (or a value added later), may be empty
	Text         string // the message itself
}

// APIError is a response with a non-2xx status. Inspect it with errors.As; match its kind with
// errors.Is and the sentinels (ErrNotFound, ErrRateLimited, ...).
type APIError struct {
	StatusCode int           // HTTP status
	Operation  string        // the operation's name in the spec, e.g. "createAccessRequest"
	DetailCode string        // the vendor's fine-grained code, e.g. "400.1 Bad Request Content"
	TrackingID string        // quote this to the vendor's support
	Messages   []Message     // localized reasons
	Causes     []Message     // further detail
	RetryAfter time.Duration // from Retry-After on 429 and 503; 0 when absent
	Body       string        // a bounded snippet of a body that was not the vendor's JSON (e.g. a proxy's HTML)

	write bool // the request was a write (POST)
}

// OutcomeUnknown reports whether the failed call was a write that the server may have acted on
// all the same: a 408 or a 5xx, which a gateway can send after the backend acted.
func (e *APIError) OutcomeUnknown() bool {
	return e.write && (e.StatusCode == http.StatusRequestTimeout || e.StatusCode >= 500 && e.StatusCode <= 599)
}

// Error summarises the failure on one line.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "accessrequests: %s: HTTP ", e.Operation)
	// The vendor's detail codes start with the status ("404 Not found", "400.1 Bad Request
	// Content"): say the status once.
	status := strconv.Itoa(e.StatusCode)
	switch rest, ok := strings.CutPrefix(e.DetailCode, status); {
	case ok && (rest == "" || rest[0] == ' ' || rest[0] == '.'):
		b.WriteString(e.DetailCode)
	case e.DetailCode != "":
		fmt.Fprintf(&b, "%s %s", status, e.DetailCode)
	default:
		b.WriteString(status)
	}
	for _, m := range e.Messages {
		if m.Text != "" {
			fmt.Fprintf(&b, ": %s", m.Text)
			break
		}
	}
	if e.TrackingID != "" {
		fmt.Fprintf(&b, " (tracking id %s)", e.TrackingID)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.Body != "" {
		fmt.Fprintf(&b, ": body %q", e.Body)
	}
	if e.OutcomeUnknown() {
		b.WriteString(" (outcome unknown: the write may have been acted on; check before sending it again)")
	}
	return b.String()
}

// Is matches the sentinel for the error's status.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	case ErrOutcomeUnknown:
		return e.OutcomeUnknown()
	}
	return false
}

// errorBody is the union of the vendor's error shapes: ErrorResponseDto (400, 403, 404, 500),
// {"error": ...} (401) and {"message": ...} (429).
type errorBody struct {
	DetailCode string `json:"detailCode"`
	TrackingID string `json:"trackingId"`
	Messages   []struct {
		Locale       *string `json:"locale"`
		LocaleOrigin *string `json:"localeOrigin"`
		Text         string  `json:"text"`
	} `json:"messages"`
	Causes []struct {
		Locale       *string `json:"locale"`
		LocaleOrigin *string `json:"localeOrigin"`
		Text         string  `json:"text"`
	} `json:"causes"`
	Error   any `json:"error"`
	Message any `json:"message"`
}

// newAPIError reads (a bounded amount of) a non-2xx response and closes its body. Everything
// kept from the body passes through scrub first (a proxy's error page may echo the request's
// headers), and only then is cut to a snippet, so a cut never leaves part of a credential.
func newAPIError(op string, resp *http.Response, now time.Time, scrub func(string) string) *APIError {
	e := &APIError{StatusCode: resp.StatusCode, Operation: op, write: resp.Request != nil && !idempotent(resp.Request.Method)}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
			e.RetryAfter = d
		}
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close()
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return e
	}
	var body errorBody
	if err := json.Unmarshal(data, &body); err != nil {
		e.Body = snippet([]byte(scrub(string(data))))
		return e
	}
	e.DetailCode, e.TrackingID = scrub(body.DetailCode), scrub(body.TrackingID)
	for _, m := range body.Messages {
		e.Messages = append(e.Messages, Message{Locale: deref(m.Locale), LocaleOrigin: deref(m.LocaleOrigin), Text: scrub(m.Text)})
	}
	for _, m := range body.Causes {
		e.Causes = append(e.Causes, Message{Locale: deref(m.Locale), LocaleOrigin: deref(m.LocaleOrigin), Text: scrub(m.Text)})
	}
	for _, extra := range []any{body.Error, body.Message} {
		if s := textOf(extra, scrub); s != "" {
			e.Messages = append(e.Messages, Message{Text: s})
		}
	}
	return e
}

// textOf renders the loosely typed "error" and "message" fields of the 401 and 429 bodies.
func textOf(v any, scrub func(string) string) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(scrub(v))
	default:
		b, _ := json.Marshal(v)
		return snippet([]byte(scrub(string(b))))
	}
}

// snippet keeps the start of a body, as valid UTF-8, for an error message.
func snippet(b []byte) string {
	if len(b) <= maxSnippet {
		return strings.ToValidUTF8(string(b), "?")
	}
	// A character the limit cuts in two is left out whole; any other byte that is not UTF-8
	// becomes "?" below, and what follows it is kept.
	cut := maxSnippet
	for i := cut - 1; i > cut-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if _, size := utf8.DecodeRune(b[i:]); i+size > cut {
				cut = i
			}
			break
		}
	}
	return strings.ToValidUTF8(string(b[:cut]), "?") + "…"
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ResponseError is a response whose body could not be read or decoded. When Accepted reports
// true the server took the call (2xx): do not send a write again.
type ResponseError struct {
	Operation  string // the name in the spec of the call
	StatusCode int    // the status the server answered with
	Err        error  // what went wrong reading or decoding the body
}

// Accepted reports whether the server answered 2xx, that is, acted on the call.
func (e *ResponseError) Accepted() bool { return e.StatusCode >= 200 && e.StatusCode <= 299 }

// Error says what failed and, for a write the server accepted, that it must not be sent again.
func (e *ResponseError) Error() string {
	if e.Accepted() && !readOnly[e.Operation] {
		return fmt.Sprintf("accessrequests: %s: the server accepted the call (HTTP %d) but its response could not be decoded; do not resubmit: %v",
			e.Operation, e.StatusCode, e.Err)
	}
	return fmt.Sprintf("accessrequests: %s: HTTP %d response could not be decoded: %v", e.Operation, e.StatusCode, e.Err)
}

// readOnly are the operations that change nothing, in either generation: sending one again is
// harmless (the account selections are asked for with a POST, and change nothing either).
var readOnly = map[string]bool{
	"listAccessRequestStatus": true, "getAccessRequestConfig": true,
	"listAccessRequestStatusV1": true, "listAdministratorsAccessRequestStatusV1": true,
	"getAccessRequestConfigV2": true, "loadAccountSelectionsV1": true,
}

// Unwrap returns the decoding error.
func (e *ResponseError) Unwrap() error { return e.Err }

// Is matches ErrUndecodable.
func (e *ResponseError) Is(target error) bool { return target == ErrUndecodable }

// OutcomeUnknownError is a write whose request may have reached the server before the
// connection failed. It was not retried, since it could act twice.
type OutcomeUnknownError struct {
	Operation string // the name in the spec of the write
	Err       error  // the transport error that cut the exchange short
}

// Error explains that the write may have happened.
func (e *OutcomeUnknownError) Error() string {
	return fmt.Sprintf("accessrequests: %s: outcome unknown, the request may have reached the server; check before sending it again: %v",
		e.Operation, e.Err)
}

// Unwrap returns the transport's error.
func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// Is matches ErrOutcomeUnknown.
func (e *OutcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// RedirectError is a redirect the client did not follow: credentials go only to the URLs given
// to New, and a redirect (a 307 re-sends the body, and net/http keeps the Authorization header
// for the same host even from https to http) would carry them elsewhere. It matches ErrRedirect,
// and for a write also ErrOutcomeUnknown, since a server may act before redirecting (303).
type RedirectError struct {
	Operation  string // the name in the spec of the call, or "token" for the token endpoint
	StatusCode int    // the redirect status, e.g. 302 or 307
	Location   string // where the server pointed, credentials removed

	write bool
}

// Error names the redirect and where it pointed.
func (e *RedirectError) Error() string {
	msg := fmt.Sprintf("%s: the server redirected (HTTP %d) to %q; redirects are not followed", e.Operation, e.StatusCode, e.Location)
	if e.Operation != "token" {
		msg = "accessrequests: " + msg // a token error says it already
	}
	if e.write {
		msg += " (outcome unknown: check before sending the write again)"
	}
	return msg
}

// Is matches ErrRedirect, and ErrOutcomeUnknown for a write.
func (e *RedirectError) Is(target error) bool {
	return target == ErrRedirect || target == ErrOutcomeUnknown && e.write
}

// ValidationError lists every rule a request broke. From a call, nothing was sent; from a
// builder's Build or ValidateAccessRequest, no call was made.
type ValidationError struct {
	Operation string       // the name in the spec of the call whose input broke the rules
	Problems  []FieldError // every broken rule, in field order

	checkOnly bool // from a check made before any call, not from a call refused
}

// FieldError is one broken rule, naming the field.
type FieldError struct {
	Field string // e.g. "requestedItems[2].comment"
	Rule  string // e.g. "is required for REVOKE_ACCESS"
}

// Error lists the problems.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + " " + p.Rule
	}
	if e.checkOnly {
		return fmt.Sprintf("accessrequests: invalid input for %s: %s", e.Operation, strings.Join(parts, "; "))
	}
	return fmt.Sprintf("accessrequests: %s: invalid input, nothing was sent: %s", e.Operation, strings.Join(parts, "; "))
}

// Is matches ErrInvalidInput.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidInput }

// problems collects FieldErrors; err returns nil when there are none.
type problems []FieldError

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Rule: fmt.Sprintf(format, args...)})
}

func (p problems) err(op string) error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Operation: op, Problems: p}
}

// checkErr is err for a check made before any call (a builder, ValidateAccessRequest).
func (p problems) checkErr(op string) error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Operation: op, Problems: p, checkOnly: true}
}
