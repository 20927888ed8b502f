package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/sailkit/accessrequests/facade"
)

// session is a configured client and what the command needs to know about its tenant.
type session struct {
	c        *facade.Client
	settings *settings
	dryRun   *dryRun        // set when nothing may be sent
	totals   *totalObserver // the last X-Total-Count seen
}

// session makes the client for a command, with the command's own options (extra) last. With
// dryRun, requests are printed and answered locally: no credentials are needed and nothing
// leaves the machine.
func (a *app) session(dry bool, extra ...facade.Option) (*session, error) {
	s, err := a.settings()
	if err != nil {
		return nil, err
	}
	if err := s.missing(!dry); err != nil {
		return nil, err
	}
	tr, err := a.transport()
	if err != nil {
		return nil, err
	}
	sess := &session{settings: s, totals: &totalObserver{next: tr}}
	opts := []facade.Option{facade.WithAPI(a.api.get()), facade.WithBaseURL(s.baseURL.value), facade.WithUserAgent("accessreq"),
		facade.WithWarningHandler(a.setAside.add), facade.WithTimeout(a.timeout)}
	if a.debug {
		h := slog.NewTextHandler(a.io.err, &slog.HandlerOptions{Level: slog.LevelDebug})
		opts = append(opts, facade.WithLogger(slog.New(h)))
	}
	if dry {
		sess.dryRun = &dryRun{w: a.io.out}
		opts = append(opts, facade.WithAccessToken("dry-run-sends-nothing"), facade.WithoutRetries(),
			facade.WithHTTPClient(&http.Client{Transport: sess.dryRun}))
	} else {
		opts = append(opts, facade.WithClientCredentials(s.clientID.value, s.clientSecret.value),
			facade.WithVendorRateLimit(), facade.WithHTTPClient(&http.Client{Transport: sess.totals}))
	}
	sess.c, err = facade.New(append(opts, extra...)...)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return sess, nil
}

// transport is what requests go through: net/http's default transport, trusting the
// certificates of --ca-cert besides the system's when it is given.
func (a *app) transport() (http.RoundTripper, error) {
	if a.timeout <= 0 {
		return nil, usagef("--timeout must be positive, got %v", a.timeout)
	}
	if a.caCert == "" {
		return http.DefaultTransport, nil
	}
	pem, err := os.ReadFile(a.caCert)
	if err != nil {
		return nil, usagef("--ca-cert: %v", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, usagef("--ca-cert %s: no PEM certificate in the file", a.caCert)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return tr, nil
}

// dryRun is a transport that prints each request (method, URL, indented JSON body) and answers
// it locally with an empty success, so the library builds exactly what it would send.
type dryRun struct {
	w     io.Writer
	calls int
}

func (d *dryRun) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	d.calls++
	fmt.Fprintf(d.w, "call %d: %s %s\n", d.calls, req.Method, clean(req.URL.Redacted()))
	if len(body) > 0 {
		var pretty bytes.Buffer
		if json.Indent(&pretty, body, "", "  ") != nil {
			pretty.Reset()
			pretty.WriteString(clean(string(body)))
		}
		pretty.WriteByte('\n')
		_, _ = (&jsonSafe{w: d.w}).Write(pretty.Bytes())
	}
	const status, answer = http.StatusAccepted, "{}" // only writes are dry-run
	return &http.Response{
		StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"application/json"}},
		Body:    io.NopCloser(strings.NewReader(answer)),
		Request: req, ContentLength: int64(len(answer)),
	}, nil
}

// totalObserver remembers the last X-Total-Count received (only listings send one), so a
// command can show the total of a listing it streams through the library's iterator.
type totalObserver struct {
	next  http.RoundTripper
	mu    sync.Mutex
	total int
	known bool
}

func (o *totalObserver) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := o.next.RoundTrip(req)
	if err == nil {
		if n, perr := strconv.Atoi(strings.TrimSpace(resp.Header.Get("X-Total-Count"))); perr == nil && n >= 0 {
			o.mu.Lock()
			o.total, o.known = n, true
			o.mu.Unlock()
		}
	}
	return resp, err
}

// last returns the last total seen and whether one was.
func (o *totalObserver) last() (int, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.total, o.known
}

// setAside counts the values the library set aside while reading answers (each a
// facade.Warning), so that output lacking them does not pass silently. The configuration's are
// not counted: it keeps such values and prints and sends them as they came. It also keeps the
// library's report that an operation is deprecated, to say so once the command has run.
type setAside struct {
	mu         sync.Mutex
	n          int
	paths      []string         // in the order first seen, indexes left out
	seen       map[string]bool  // the paths, to add each in constant time however many there are
	deprecated []facade.Warning // WarningDeprecated, once per operation
}

var anyIndex = regexp.MustCompile(`\[[0-9]+\]`)

func (s *setAside) add(w facade.Warning) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.Kind == facade.WarningDeprecated {
		s.deprecated = append(s.deprecated, w)
		return
	}
	if strings.Contains(w.Operation, "AccessRequestConfig") {
		return
	}
	if w.Omitted > 0 { // the library's count of the call's values it did not keep
		s.n += w.Omitted
		return
	}
	s.n++
	if p := anyIndex.ReplaceAllString(w.Path, "[]"); !s.seen[p] {
		if s.seen == nil {
			s.seen = map[string]bool{}
		}
		s.seen[p] = true
		s.paths = append(s.paths, p)
	}
}

// deprecatedNote starts the note that an operation is deprecated.
const deprecatedNote = "accessreq: note: the vendor has deprecated "

// note prints, once a command has run, which operations the vendor said are deprecated (on the
// beta, with how to reach their successor: onBeta), and how many values were left out and where.
func (s *setAside) note(w io.Writer, onBeta bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.deprecated {
		fmt.Fprintf(w, "%s%s (it answered X-Deprecated: true); it keeps working for two years after its deprecation", deprecatedNote, clean(d.Operation))
		if onBeta {
			fmt.Fprint(w, "; --api v1 uses its successor")
		}
		fmt.Fprintln(w)
	}
	if s.n == 0 {
		return
	}
	fmt.Fprintf(w, "accessreq: note: %d values from the server did not match the spec and were left out: %s (--debug logs each response)\n",
		s.n, clean(strings.Join(s.paths, ", ")))
}
