package facade

import (
	"cmp"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Credentials shorter than these cannot be removed from error text safely: a short one also
// occurs inside unrelated words (a secret "y" turns "identitynow" into "identit[redacted]now")
// and the redaction would point at it. New refuses them.
const (
	minSecretLength = 16 // the vendor issues 64-character client secrets
	minTokenLength  = 8  // the vendor's access tokens are JWTs of about a thousand characters
)

// maxHeldTokens bounds how many past access tokens a client remembers for scrubbing. A token
// older than that has been replaced at least that many times, so it has long expired.
const maxHeldTokens = 16

// scrubber removes this client's credentials from text that a server or the network wrote (an
// error page may echo the request's headers or form): the client secret in every form it
// travels in, and every access token the client has held, up to maxHeldTokens of them.
type scrubber struct {
	mu     sync.Mutex
	secret []string // the secret's forms, longest first
	tokens []string // oldest first
}

// newScrubber prepares the forms of a client secret (none when secret is empty): as is, form
// and path encoded, and inside the base64 of an HTTP Basic header with and without the form
// encoding that RFC 6749 asks for.
func newScrubber(clientID, secret string) *scrubber {
	s := &scrubber{}
	if secret == "" {
		return s
	}
	basic := func(id, secret string) string {
		return base64.StdEncoding.EncodeToString([]byte(id + ":" + secret))
	}
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret),
		basic(clientID, secret), basic(url.QueryEscape(clientID), url.QueryEscape(secret))}
	slices.SortFunc(forms, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	s.secret = slices.Compact(forms)
	return s
}

// hold remembers an access token for scrubbing.
func (s *scrubber) hold(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if token == "" || slices.Contains(s.tokens, token) {
		return
	}
	if len(s.tokens) == maxHeldTokens {
		s.tokens = slices.Delete(s.tokens, 0, 1)
	}
	s.tokens = append(s.tokens, token)
}

// scrub replaces every credential in text with "[redacted]".
func (s *scrubber) scrub(text string) string {
	if text == "" {
		return text
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, list := range [][]string{s.tokens, s.secret} {
		for _, c := range list {
			text = strings.ReplaceAll(text, c, "[redacted]")
		}
	}
	return text
}
