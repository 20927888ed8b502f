package fake

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sailkit/accessrequests/gen"
)

// Faults are failures the server injects into API calls of either generation (never into the
// token endpoint, except RedirectTokenTo). The zero value injects nothing. Ratios are between 0
// and 1 and drawn per request, from the seed WithSeed sets.
type Faults struct {
	Methods []string // only requests with these methods are affected; all when empty
	// Paths limits the faults to these paths; all when empty. A beta path may be given without
	// its /beta ("/access-requests" is /beta/access-requests), a successor's path as it is
	// ("/access-requests/v1").
	Paths []string

	RateLimitedRatio  float64       // answered 429 with Retry-After
	RetryAfter        string        // the Retry-After of those 429s; "1" when empty
	ServerErrorRatio  float64       // answered ServerErrorStatus, without acting
	ServerErrorStatus int           // 503 when 0
	Latency           time.Duration // added before each request is handled

	// RateLimit requests per RateWindow are allowed, as a token bucket holding RateBurst
	// (RateLimit when 0); a request finding the bucket empty gets 429 with the Retry-After the
	// next token needs. Each generation has its own bucket, as the vendor limits per API
	// version: the beta's calls never use up the successor's, nor the other way round.
	RateLimit  int
	RateWindow time.Duration // one second when 0
	RateBurst  int           // the bucket's size; RateLimit when 0

	// The faults below act after the tenant has processed the request in full: its answer is
	// lost or replaced, and Received keeps the answer it would have given.

	// DropAfterProcessingRatio: over HTTP/1.1 the connection is closed unanswered; over HTTP/2
	// the stream is reset (RST_STREAM with INTERNAL_ERROR, as when a handler aborts).
	DropAfterProcessingRatio float64
	// ResetAfterProcessingRatio: over HTTP/2 the stream is reset with PROTOCOL_ERROR, which
	// net/http's client transport takes as "send it again" when the request can be replayed;
	// over HTTP/1.1 the connection is closed, as with DropAfterProcessingRatio.
	ResetAfterProcessingRatio float64
	// GatewayErrorRatio: answered GatewayErrorStatus (502 when 0; 504 is the other usual one)
	// with a gateway's HTML page, as a proxy does when the backend's answer does not reach it.
	GatewayErrorRatio  float64
	GatewayErrorStatus int

	MalformedRatio float64 // a 2xx answer whose body is cut short

	// RedirectAPITo answers every API call (that Methods and Paths select) with RedirectStatus
	// and this Location, without acting; RedirectTokenTo does the same for token requests.
	RedirectAPITo   string
	RedirectTokenTo string
	RedirectStatus  int // 307 when 0
}

// SetFaults replaces the faults in force.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.buckets = [2]bucket{}
}

// NextFault answers the next calls that Method and Path select in a way set in advance,
// whatever the ratios of Faults draw: with a status, before the tenant acts or after; or by
// losing the answer after the tenant acted, as ResetAfterProcessingRatio does. Queued with
// FailNext, each answers Times calls, in the order queued.
type NextFault struct {
	Method string // only calls with this method; any when empty
	Path   string // only calls to this path (as in Faults.Paths); any API call when empty
	Times  int    // how many calls it answers; 1 when 0

	// Status is the status answered: before the tenant acts, in the vendor's error shape (a
	// 429 with Retry-After); with AfterProcessing, after the tenant acted, as a gateway's HTML
	// page. 503 when 0.
	Status          int
	RetryAfter      string // the Retry-After of a 429 before processing; "1" when empty
	AfterProcessing bool   // answer Status after the tenant acted (see Status)

	// Reset loses the answer after the tenant acted instead: over HTTP/2 the stream is reset
	// with PROTOCOL_ERROR, over HTTP/1.1 the connection is closed. Status is then unused.
	Reset bool
}

// FailNext queues faults for the next calls they select (see NextFault). They apply before the
// faults SetFaults sets, and SetFaults leaves them queued.
func (s *Server) FailNext(faults ...NextFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range faults {
		f.Times = max(f.Times, 1)
		s.next = append(s.next, f)
	}
}

// takeNext uses up one call of the first queued fault that selects the request.
func (s *Server) takeNext(r *http.Request) (NextFault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.next {
		if (f.Method != "" && f.Method != r.Method) || (f.Path != "" && !samePath(r.URL.Path, f.Path)) {
			continue
		}
		if s.next[i].Times--; s.next[i].Times == 0 {
			s.next = append(s.next[:i:i], s.next[i+1:]...)
		}
		return f, true
	}
	return NextFault{}, false
}

// bucket is the server's rate limit: tokens refill continuously at rate per second.
type bucket struct {
	tokens float64
	last   time.Time
	init   bool
}

// take spends a token if there is one; otherwise it says how long until there is.
func (b *bucket) take(now time.Time, perSecond float64, burst int) (bool, time.Duration) {
	if !b.init {
		b.tokens, b.last, b.init = float64(burst), now, true
	}
	b.tokens = min(float64(burst), b.tokens+now.Sub(b.last).Seconds()*perSecond)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / perSecond * float64(time.Second))
}

func (f *Faults) applies(r *http.Request) bool {
	if len(f.Methods) > 0 && !slices.Contains(f.Methods, r.Method) {
		return false
	}
	return len(f.Paths) == 0 || slices.ContainsFunc(f.Paths, func(p string) bool { return samePath(r.URL.Path, p) })
}

// Received is one request the server got, and what it did with it.
type Received struct {
	Method  string // HTTP method
	Path    string // URL path, as sent (/beta included)
	Query   string // raw query string
	Body    []byte // request body; nil when empty
	Proto   string // "HTTP/1.1" or "HTTP/2.0"
	Status  int    // the tenant's answer (for a fault after processing, the answer it would have given)
	Dropped bool   // the answer was lost: the connection was closed or the stream reset
	// Fault is the fault injected, if any: "429", "5xx", "drop", "reset", "gateway",
	// "malformed", "redirect", or "status" (a NextFault's status before processing; after
	// processing it is "gateway", and its Reset "reset").
	Fault string
}

// Received returns every request received so far, token requests included, in arrival order.
func (s *Server) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Received, len(s.received))
	for i, r := range s.received {
		out[i] = *r
	}
	return out
}

// TokenRequests counts requests to the token endpoint.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenReq
}

// Count returns how many requests with this method and path got this status (as
// Received.Status: for a fault after processing, the tenant's own answer); status 0 counts them
// whatever the answer. A beta path may be given without its /beta, as in Faults.Paths.
func (s *Server) Count(method, path string, status int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.received {
		if r.Method == method && samePath(r.Path, path) && (status == 0 || r.Status == status) {
			n++
		}
	}
	return n
}

// RevokeTokens invalidates every token issued so far, as if they had expired early: the next
// API call with one of them gets 401.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// statusWriter records the status on the request's record before the answer leaves, so a
// client that has its answer always finds it counted.
type statusWriter struct {
	http.ResponseWriter
	s      *Server
	rec    *Received
	status int
}

func (w *statusWriter) note(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	w.s.mu.Lock()
	if w.rec.Status == 0 {
		w.rec.Status = code
	}
	w.s.mu.Unlock()
}

func (w *statusWriter) WriteHeader(code int) {
	w.note(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.note(http.StatusOK)
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// record keeps every request, from its arrival, with the status it got once answered.
func (s *Server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.ContentLength != 0 {
			read, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
			body = bytes.Clone(read) // keep exactly the bytes, not ReadAll's spare capacity
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &Received{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: body, Proto: r.Proto}
		sw := &statusWriter{ResponseWriter: w, s: s, rec: rec}
		s.mu.Lock()
		s.received = append(s.received, rec)
		s.mu.Unlock()
		next.ServeHTTP(sw, r.WithContext(withReceived(r.Context(), rec)))
	})
}

// injectFaults applies the faults in force to API calls, and token redirects.
func (s *Server) injectFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		f := s.faults
		s.mu.Unlock()
		g, api := generationOf(r.URL.Path)
		if !api {
			if r.URL.Path == "/oauth/token" && f.RedirectTokenTo != "" {
				s.redirect(w, r, f, f.RedirectTokenTo)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if nf, ok := s.takeNext(r); ok {
			s.answerNext(w, r, next, nf)
			return
		}
		if !f.applies(r) {
			next.ServeHTTP(w, r)
			return
		}
		fault, retryAfter := s.draw(f, g)
		if f.Latency > 0 {
			t := time.NewTimer(f.Latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		switch fault {
		case "redirect":
			s.redirect(w, r, f, f.RedirectAPITo)
		case "429":
			s.noteFault(r, fault, 0)
			w.Header().Set("Retry-After", retryAfter)
			writeJSON(w, http.StatusTooManyRequests, gen.RateLimitedBody{Message: " Rate Limit Exceeded "})
		case "5xx":
			s.noteFault(r, fault, 0)
			status := cmp.Or(f.ServerErrorStatus, http.StatusServiceUnavailable)
			writeError(w, status, fmt.Sprintf("%d.0 Injected Fault", status), "fault injected by the fake tenant")
		case "drop", "reset":
			s.loseAfter(w, r, next, fault)
		case "gateway":
			s.gatewayAfter(w, r, next, cmp.Or(f.GatewayErrorStatus, http.StatusBadGateway))
		case "malformed":
			buf := &bufferWriter{header: http.Header{}}
			next.ServeHTTP(buf, r)
			s.noteFault(r, fault, 0)
			for k, v := range buf.header {
				w.Header()[k] = v
			}
			body := buf.body.Bytes()
			if buf.status >= 200 && buf.status < 300 && len(body) > 1 {
				body = body[:len(body)/2]
				w.Header().Del("Content-Length")
			}
			w.WriteHeader(buf.status)
			_, _ = w.Write(body)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// answerNext answers a request as a NextFault says.
func (s *Server) answerNext(w http.ResponseWriter, r *http.Request, next http.Handler, nf NextFault) {
	status := cmp.Or(nf.Status, http.StatusServiceUnavailable)
	switch {
	case nf.Reset:
		s.loseAfter(w, r, next, "reset")
	case nf.AfterProcessing:
		s.gatewayAfter(w, r, next, status)
	case status == http.StatusTooManyRequests:
		s.noteFault(r, "status", 0)
		w.Header().Set("Retry-After", cmp.Or(nf.RetryAfter, "1"))
		writeJSON(w, status, gen.RateLimitedBody{Message: " Rate Limit Exceeded "})
	default:
		s.noteFault(r, "status", 0)
		writeError(w, status, fmt.Sprintf("%d.0 Injected Fault", status), "fault injected by the fake tenant")
	}
}

// loseAfter lets the tenant act, then loses its answer (fault "drop" or "reset": see
// loseAnswer).
func (s *Server) loseAfter(w http.ResponseWriter, r *http.Request, next http.Handler, fault string) {
	buf := &bufferWriter{header: http.Header{}}
	next.ServeHTTP(buf, r)
	s.noteFault(r, fault, buf.status)
	loseAnswer(w, r, fault == "reset")
}

// gatewayAfter lets the tenant act, then answers status with a gateway's HTML page, as a proxy
// does when the backend's answer does not reach it.
func (s *Server) gatewayAfter(w http.ResponseWriter, r *http.Request, next http.Handler, status int) {
	buf := &bufferWriter{header: http.Header{}}
	next.ServeHTTP(buf, r)
	s.noteFault(r, "gateway", buf.status)
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "<html><body><h1>%d %s</h1><p>The upstream server did not answer in time.</p></body></html>\n", status, http.StatusText(status))
}

// draw decides which fault, if any, a request to generation g gets.
func (s *Server) draw(f Faults, g generation) (fault, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.RedirectAPITo != "" {
		return "redirect", ""
	}
	if f.RateLimit > 0 {
		window := cmp.Or(f.RateWindow, time.Second)
		if ok, wait := s.buckets[g].take(s.cfg.now(), float64(f.RateLimit)/window.Seconds(), cmp.Or(f.RateBurst, f.RateLimit)); !ok {
			return "429", strconv.Itoa(int((wait + time.Second - 1) / time.Second))
		}
	}
	if s.rng.Float64() < f.RateLimitedRatio {
		return "429", cmp.Or(f.RetryAfter, "1")
	}
	// Every ratio is drawn, so that switching one fault on does not change the others' draws.
	erred := s.rng.Float64() < f.ServerErrorRatio
	drop := s.rng.Float64() < f.DropAfterProcessingRatio
	malformed := s.rng.Float64() < f.MalformedRatio
	reset := s.rng.Float64() < f.ResetAfterProcessingRatio
	gateway := s.rng.Float64() < f.GatewayErrorRatio
	switch {
	case erred:
		return "5xx", ""
	case drop:
		return "drop", ""
	case reset:
		return "reset", ""
	case gateway:
		return "gateway", ""
	case malformed:
		return "malformed", ""
	}
	return "", ""
}

// noteFault records the fault on the request's record, and the tenant's own answer when the
// fault came after processing.
func (s *Server) noteFault(r *http.Request, fault string, status int) {
	rec := receivedOf(r.Context())
	if rec == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Fault = fault
	if status != 0 {
		rec.Status = status
		rec.Dropped = fault == "drop" || fault == "reset"
	}
}

// redirect answers with a redirect to location, without acting.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, f Faults, location string) {
	s.noteFault(r, "redirect", 0)
	w.Header().Set("Location", location)
	w.WriteHeader(cmp.Or(f.RedirectStatus, http.StatusTemporaryRedirect))
}

// loseAnswer makes sure the client gets no answer: over HTTP/1.1 the connection is closed; over
// HTTP/2 the stream is reset, with PROTOCOL_ERROR when protocolError is set (see frameConn).
func loseAnswer(w http.ResponseWriter, r *http.Request, protocolError bool) {
	if r.ProtoMajor == 1 {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	if fc := connOf(r); fc != nil && protocolError && fc.http2() {
		fc.resetNextWithProtocolError()
	}
	panic(http.ErrAbortHandler) // the HTTP/2 server resets the stream; HTTP/1.1 closes the connection
}

// bufferWriter holds a response back so a fault can change or drop it.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }
func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// serveToken is the client-credentials token endpoint.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.tokenReq++
	s.mu.Unlock()
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if g := r.PostForm.Get("grant_type"); g != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	if id != s.ClientID || secret != s.ClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Bad credentials"})
		return
	}
	token := "fake-token-" + s.newID()
	s.mu.Lock()
	s.tokens[token] = s.cfg.now().Add(s.cfg.tokenTTL)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": token, "token_type": "bearer", "scope": "sp:scopes:all",
		"expires_in": int(s.cfg.tokenTTL / time.Second),
	})
}

// authenticate answers 401 in the vendor's shape unless the request carries a live token.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		s.mu.Lock()
		expiry, known := s.tokens[token]
		now := s.cfg.now()
		s.mu.Unlock()
		switch {
		case !strings.EqualFold(scheme, "Bearer") || token == "":
			writeJSON(w, http.StatusUnauthorized, gen.UnauthorizedBody{Error: "JWT validation failed: no token"})
		case !known || !now.Before(expiry):
			writeJSON(w, http.StatusUnauthorized, gen.UnauthorizedBody{Error: "JWT validation failed: JWT is expired"})
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// httpError is an operation's refusal, turned into the vendor's error body.
type httpError struct {
	status    int
	code, msg string
}

func (e *httpError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.msg) }

func badRequest(format string, args ...any) error {
	return &httpError{status: http.StatusBadRequest, code: "400.1 Bad Request Content", msg: fmt.Sprintf(format, args...)}
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	origin := gen.LocaleOriginDefault
	writeJSON(w, status, gen.ErrorResponse{
		DetailCode: code,
		TrackingID: strconv.FormatInt(time.Now().UnixNano(), 16),
		Messages:   []gen.ErrorMessage{{Locale: "en-US", LocaleOrigin: origin, Text: msg}},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func ptr[T any](v T) *T { return &v }
