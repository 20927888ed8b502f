package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A dry run with --skip-final reads no states (it sends nothing, reads included, and has no
// credentials): it prints every write call for every id, says the states were not read, and
// exits 0. (It failed with "HTTP 202 response could not be decoded", exit 1: the state read
// went through the dry-run transport, which answers every call as a write.)
func TestDryRunWithSkipFinalShowsTheWritesWithoutReadingStates(t *testing.T) {
	isolate(t)
	for _, tc := range []struct {
		api  string
		args []string
		post string
	}{
		{"beta", []string{"close"}, "POST https://acme.api.identitynow.com/beta/access-requests/close"},
		{"v1", []string{"close"}, "POST https://acme.api.identitynow.com/access-requests/v1/close"},
		{"v1", []string{"cancel", "--comment", "c"}, "POST https://acme.api.identitynow.com/access-requests/v1/bulk-cancel"},
	} {
		args := append([]string{"--api", tc.api, "--base-url", "https://acme.api.identitynow.com"}, tc.args...)
		r := cli(t, append(args, "--dry-run", "--skip-final", "ar1", "ar2")...)
		require.Equal(t, exitOK, r.code, "%s %v: %s", tc.api, tc.args, r.errOut)
		assert.Contains(t, r.out, "call 1: "+tc.post+"\n", "%s %v", tc.api, tc.args)
		assert.NotContains(t, r.out, "GET ", "%s %v: a dry run reads no states", tc.api, tc.args)
		assert.Contains(t, r.out, "--skip-final", "%s %v: the output says the states were not read", tc.api, tc.args)
		assert.Contains(t, r.out, "dry run: 1 call(s) for 2 item(s)", "%s %v", tc.api, tc.args)
	}
}
