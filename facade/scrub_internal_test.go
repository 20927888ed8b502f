package facade

import (
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The scrubber holds the last maxHeldTokens (16) tokens: the 17th pushes out the oldest, which is
// then no longer redacted while every later one still is. Guards hold's bound (its check, the
// delete, and the constant's value).
func TestTheScrubberHoldsTheLastSixteenTokens(t *testing.T) {
	s := newScrubber("", "")
	tok := func(i int) string { return fmt.Sprintf("access-token-%02d", i) }
	for i := range 17 {
		s.hold(tok(i))
	}
	require.Len(t, s.tokens, 16)
	assert.Equal(t, "old "+tok(0), s.scrub("old "+tok(0)), "the oldest was let go")
	for i := 1; i < 17; i++ {
		assert.Equal(t, "held [redacted]", s.scrub("held "+tok(i)), "token %d", i)
	}
}

// A token held again takes no second place (it would push out an older token still in use), and
// an empty token is not held (it would match between every two characters). Guards hold's
// first check, both halves.
func TestTheScrubberHoldsEachTokenOnceAndNeverAnEmptyOne(t *testing.T) {
	s := newScrubber("", "")
	s.hold("first-token-1")
	for range 20 {
		s.hold("second-token-2")
	}
	assert.Equal(t, "[redacted] [redacted]", s.scrub("first-token-1 second-token-2"))
	s.hold("")
	assert.Equal(t, "plain text", s.scrub("plain text"))
	assert.Len(t, s.tokens, 2)
}

// Holding and scrubbing from many goroutines at once (refreshes racing errors being built):
// under -race, a lock dropped from either is reported. Guards hold's and scrub's locks.
func TestTheScrubberIsSafeForConcurrentUse(t *testing.T) {
	s := newScrubber("client", strings.Repeat("s", minSecretLength))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range 50 {
				s.hold(fmt.Sprintf("token-%d-%03d", g, i))
			}
		}()
		go func() {
			defer wg.Done()
			for i := range 50 {
				out := s.scrub(fmt.Sprintf("echo token-%d-%03d", g, i))
				assert.NotContains(t, out, strings.Repeat("s", minSecretLength))
			}
		}()
	}
	wg.Wait()
	assert.Len(t, s.tokens, maxHeldTokens)
}

// A form of the secret can hold a shorter one: with this client ID, the Basic header's base64
// starts with the secret itself. Scrubbing the longer form first removes all of it; the other
// order would redact the secret inside it and leave the base64 of ":"+secret behind. Guards the
// longest-first order of newScrubber's forms.
func TestTheScrubberRemovesALongerFormThatHoldsTheSecretWhole(t *testing.T) {
	t.Parallel()
	const id, secret = "hello world!", "aGVsbG8gd29ybGQh" // secret is the base64 of id
	header := base64.StdEncoding.EncodeToString([]byte(id + ":" + secret))
	require.True(t, strings.HasPrefix(header, secret), "the case needs a header that starts with the secret")
	s := newScrubber(id, secret)
	assert.Equal(t, "echoed: Authorization: Basic [redacted]", s.scrub("echoed: Authorization: Basic "+header))
}
