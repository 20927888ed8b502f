package facade

import (
	"testing"
	"time"
)

// TestNewGivesTheDefaultHTTPClientATimeout: without WithHTTPClient, a server that never
// answers cannot hold a call forever. (Observing it from outside would take a minute.)
func TestNewGivesTheDefaultHTTPClientATimeout(t *testing.T) {
	t.Parallel()
	c, err := New(WithTenant("acme"), WithAccessToken("a-fixed-token"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.tr.hc.Timeout; got != 60*time.Second {
		t.Errorf("default HTTP client timeout = %v, want 60s", got)
	}
}
