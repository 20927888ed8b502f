package fake

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"sync"
	"time"
)

// WithTLS serves over TLS, offering HTTP/2 and HTTP/1.1 by ALPN (as httptest's StartTLS with
// EnableHTTP2 does), with a certificate for 127.0.0.1 and localhost made at start. URL is then
// https; CertPool and Client trust the certificate, and Client speaks HTTP/2.
func WithTLS() Option { return func(c *config) { c.tls = true } }

// CertPool returns a pool holding the server's certificate (nil when it serves plain HTTP), for
// building an *http.Client of your own.
func (s *Server) CertPool() *x509.CertPool { return s.pool }

// CertificatePEM returns the server's certificate, PEM-encoded (nil when it serves plain HTTP),
// for a client in another process: write it to a file that client trusts.
func (s *Server) CertificatePEM() []byte { return s.certPEM }

// selfSigned makes a certificate for the loopback addresses and the pool that trusts it.
func selfSigned() (*tls.Config, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{Organization: []string{"fake tenant"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	cfg := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}},
		NextProtos:   []string{"h2", "http/1.1"},
		MinVersion:   tls.VersionTLS12,
	}
	return cfg, pool, nil
}

// Why the fake terminates TLS itself: net/http's HTTP/2 server gives a handler no way to reset
// its stream with a chosen code. A handler that panics with http.ErrAbortHandler makes it send
// RST_STREAM with INTERNAL_ERROR, but gateways also send PROTOCOL_ERROR, the code net/http's
// client transport answers by sending the request again. So the listener below does the TLS
// handshake, hands the plaintext to the HTTP server as unencrypted HTTP/2 (or HTTP/1.1, as ALPN
// chose), and on the way out can turn an INTERNAL_ERROR reset into a PROTOCOL_ERROR one.

// tlsListener accepts TCP connections and wraps them in TLS and a frameConn.
type tlsListener struct {
	net.Listener
	cfg *tls.Config
}

func (l *tlsListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &frameConn{Conn: tls.Server(c, l.cfg)}, nil
}

// frameConn is one TLS connection as the HTTP server sees it. For HTTP/2 it follows the frames
// the server writes, so that it can change the error code of RST_STREAM frames.
type frameConn struct {
	net.Conn // a *tls.Conn

	mu       sync.Mutex
	h2       int    // 0 not known yet, 1 HTTP/2, -1 HTTP/1.1
	protoErr int    // how many of the next INTERNAL_ERROR resets go out as PROTOCOL_ERROR
	hdr      []byte // the current frame's header, while incomplete
	left     int    // payload bytes of the current frame still to come
	rst      bool   // the current frame is a RST_STREAM whose code may change
	off      int    // offset in the current payload
}

const (
	frameHeaderLength = 9
	frameRSTStream    = 0x3
	errCodeProtocol   = 0x1
	errCodeInternal   = 0x2
)

// http2 reports whether the connection speaks HTTP/2.
func (c *frameConn) http2() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.isH2Locked()
}

func (c *frameConn) isH2Locked() bool {
	if c.h2 == 0 {
		st := c.Conn.(*tls.Conn).ConnectionState()
		if !st.HandshakeComplete {
			return false
		}
		c.h2 = -1
		if st.NegotiatedProtocol == "h2" {
			c.h2 = 1
		}
	}
	return c.h2 == 1
}

// resetNextWithProtocolError makes the next stream the server resets with INTERNAL_ERROR (a
// handler that panicked) go out with PROTOCOL_ERROR. Concurrent faults on one connection may
// swap codes between their streams; both streams are reset either way.
func (c *frameConn) resetNextWithProtocolError() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.protoErr++
}

func (c *frameConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	out := p
	if c.isH2Locked() {
		if c.protoErr > 0 || c.rst {
			out = bytes.Clone(p) // the caller's buffer is not ours to change
		}
		c.follow(p, out)
	}
	c.mu.Unlock()
	return c.Conn.Write(out)
}

// follow walks p through the frame parser, changing the code of a RST_STREAM marked for it in
// out (a copy of p whenever a change is possible).
func (c *frameConn) follow(p, out []byte) {
	for i := 0; i < len(p); {
		if c.left == 0 {
			n := min(frameHeaderLength-len(c.hdr), len(p)-i)
			c.hdr = append(c.hdr, p[i:i+n]...)
			i += n
			if len(c.hdr) < frameHeaderLength {
				return
			}
			c.left = int(c.hdr[0])<<16 | int(c.hdr[1])<<8 | int(c.hdr[2])
			c.off = 0
			c.rst = c.hdr[3] == frameRSTStream && c.left == 4 && c.protoErr > 0
			c.hdr = c.hdr[:0]
			continue
		}
		n := min(c.left, len(p)-i)
		if c.rst && c.off <= 3 && c.off+n > 3 && p[i+3-c.off] == errCodeInternal {
			out[i+3-c.off] = errCodeProtocol
			c.protoErr--
		}
		c.off += n
		c.left -= n
		i += n
		if c.left == 0 {
			c.rst = false
		}
	}
}

type connKey struct{}

// connOf finds the frameConn a request arrived on (nil over plain HTTP).
func connOf(r *http.Request) *frameConn {
	c, _ := r.Context().Value(connKey{}).(*frameConn)
	return c
}

func connContext(ctx context.Context, c net.Conn) context.Context {
	if fc, ok := c.(*frameConn); ok {
		return context.WithValue(ctx, connKey{}, fc)
	}
	return ctx
}
