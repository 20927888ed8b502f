// Package fake is an in-memory SailPoint tenant for tests: the access-request operations of
// both API generations (the beta's under /beta, and the per-service successor's:
// /access-requests/v1 and its relatives) over one state, and a client-credentials token
// endpoint, on a real loopback HTTP server, the way net/http/httptest serves handlers. A
// request created through one generation is listed, cancelled and closed through the other,
// and the configuration is one, seen through the beta's view and v2's.
//
//	srv := fake.NewServer()
//	defer srv.Close()
//	c, _ := facade.New(facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret))
//
// It is built on the server interface generated from spec/, and checks every incoming request
// against the spec (answering 400 in the vendor's error shape when one does not conform), as
// well as the vendor's rules the spec cannot say: limits, machine identities, forms, and the
// header experimental operations require. Deprecated operations answer with X-Deprecated: true.
// Tests can seed it (SeedStatuses, AddStatus, AddIdentity), script requests' lives (Script,
// ScriptNew, SetState), inspect what it received, and switch on faults: 429s, 5xx, latency, a
// rate limit, expired tokens, dropped connections and malformed bodies, drawn at random (with a
// seed) or set for the next calls (FailNext); and the ways real tenants depart from the spec
// (SetDeviations). WithTLS serves it over TLS with HTTP/2, where faults can also reset
// streams, answer as a failing gateway after acting, or redirect.
package fake

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/sailkit/accessrequests/gen/server"
	"github.com/sailkit/accessrequests/internal/contract"
)

// Default credentials the token endpoint accepts unless WithCredentials says otherwise.
const (
	DefaultClientID     = "fake-client-id"
	DefaultClientSecret = "fake-client-secret"
)

// CallerID is the identity the fake treats as the caller: the requester of every request it
// records, and what "me" means in list queries.
const CallerID = "2c9180835d191a86015d28455b4b0001"

// Server is a running fake tenant.
type Server struct {
	// URL is the tenant's API root (like SAIL_BASE_URL): the beta is under URL+"/beta", the
	// successor at URL+"/access-requests/v1" and its relatives, and tokens come from
	// URL+"/oauth/token".
	URL string
	// ClientID and ClientSecret are the credentials the token endpoint accepts.
	ClientID, ClientSecret string

	srv     *httptest.Server
	client  *http.Client
	pool    *x509.CertPool
	certPEM []byte
	harness *contract.Harness
	traits  map[string]operationTraits
	cfg     config

	mu       sync.Mutex
	rng      *rand.Rand
	tokens   map[string]time.Time // access token -> expiry
	tokenReq int
	received []*Received
	faults   Faults
	next     []NextFault
	buckets  [2]bucket // the rate limit's, one per generation
	state    *tenant
}

type config struct {
	clientID, secret string
	tokenTTL         time.Duration
	seed             uint64
	now              func() time.Time
	tls              bool
	listener         net.Listener
}

// Option configures a Server.
type Option func(*config)

// WithCredentials sets the client id and secret the token endpoint accepts.
func WithCredentials(id, secret string) Option {
	return func(c *config) { c.clientID, c.secret = id, secret }
}

// WithTokenLifetime sets how long issued tokens live (default one hour).
func WithTokenLifetime(d time.Duration) Option { return func(c *config) { c.tokenTTL = d } }

// WithSeed makes fault injection and generated ids repeatable.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithClock sets the fake's notion of now (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithListener serves on l (for example a loopback port chosen by the user) instead of a
// random loopback port; Close closes it.
func WithListener(l net.Listener) Option { return func(c *config) { c.listener = l } }

// NewServer starts a fake tenant on a loopback address. Close it when done.
func NewServer(opts ...Option) *Server {
	cfg := config{clientID: DefaultClientID, secret: DefaultClientSecret, tokenTTL: time.Hour, seed: 1, now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := contract.New(context.Background())
	var tr map[string]operationTraits
	if err == nil {
		tr, err = traits()
	}
	if err != nil {
		// The spec is embedded and tested; failing to load it is a build defect, not a runtime one.
		panic("fake: embedded spec does not load: " + err.Error())
	}
	s := &Server{
		ClientID: cfg.clientID, ClientSecret: cfg.secret, harness: h, traits: tr, cfg: cfg,
		rng:    rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x9e3779b97f4a7c15)),
		tokens: map[string]time.Time{},
	}
	s.state = newTenant(cfg.now, s.newID)
	s.srv = httptest.NewUnstartedServer(s.handler())
	if cfg.listener != nil {
		_ = s.srv.Listener.Close()
		s.srv.Listener = cfg.listener
	}
	if !cfg.tls {
		s.srv.Start()
		s.URL, s.client = s.srv.URL, s.srv.Client()
		return s
	}
	tlsCfg, pool, err := selfSigned()
	if err != nil {
		panic("fake: cannot make a certificate: " + err.Error())
	}
	s.certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsCfg.Certificates[0].Certificate[0]})
	s.srv.Listener = &tlsListener{Listener: s.srv.Listener, cfg: tlsCfg}
	s.srv.Config.Protocols = new(http.Protocols)
	s.srv.Config.Protocols.SetHTTP1(true)
	s.srv.Config.Protocols.SetUnencryptedHTTP2(true) // the listener has already done TLS
	s.srv.Config.ConnContext = connContext
	s.srv.Start()
	s.URL = "https://" + s.srv.Listener.Addr().String()
	s.pool = pool
	s.client = &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2: true,
	}}
	return s
}

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() {
	s.client.CloseIdleConnections()
	s.srv.Close()
	s.client.CloseIdleConnections()
}

// Client returns an *http.Client for this server (as httptest.Server.Client does). With WithTLS
// it trusts the server's certificate and speaks HTTP/2.
func (s *Server) Client() *http.Client { return s.client }

// handler assembles the layers every request passes through, outermost first: recording,
// faults, the token endpoint, authentication, the experimental and deprecation headers, spec
// validation, deviations, and the operations.
func (s *Server) handler() http.Handler {
	strict := server.NewStrictHandlerWithOptions(s.state, nil, server.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeError(w, http.StatusBadRequest, "400.1 Bad Request Content", err.Error())
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			var he *httpError
			if errors.As(err, &he) {
				writeError(w, he.status, he.code, he.msg)
				return
			}
			writeError(w, http.StatusInternalServerError, "500.0 Internal Fault", err.Error())
		},
	})
	// The spec's paths are rooted at the tenant: the beta's under /beta, the successor's beside.
	api := server.HandlerWithOptions(strict, server.StdHTTPServerOptions{
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeError(w, http.StatusBadRequest, "400.1 Bad Request Content", err.Error())
		},
	})
	served := s.authenticate(s.operationRules(s.validate(s.deviate(api))))
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", s.serveToken)
	mux.Handle(betaPrefix+"/", served)
	for _, root := range successorRoots {
		mux.Handle(root, served)
		mux.Handle(root+"/", served)
	}
	return s.record(s.injectFaults(mux))
}

// validate answers 400 in the vendor's shape when a request does not conform to the spec.
func (s *Server) validate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.harness.ValidateRequest(r); err != nil {
			if errors.Is(err, contract.ErrNoRoute) {
				writeError(w, http.StatusNotFound, "404 Not found", err.Error())
				return
			}
			writeError(w, http.StatusBadRequest, "400.1 Bad Request Content", err.Error())
			return
		}
		next.ServeHTTP(w, r)
	})
}

// newID returns a 32-hex-digit id like the vendor's.
func (s *Server) newID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	const hex = "0123456789abcdef"
	b := make([]byte, 32)
	for i := range b {
		b[i] = hex[s.rng.IntN(16)]
	}
	return string(b)
}
