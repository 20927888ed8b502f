package facade

import (
	"context"
	"io"
	"net/http"
	"strings"
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

// TestBackoffWaitsAreDrawnFromTheUpperHalfOfTheirWindow: every wait lies in [window/2, window],
// and both ends are reached. A window of 2 ns has three possible waits, so a thousand draws see
// each end (a wait past the window would be 3 ns). Guards backoff's `window/2+1`.
func TestBackoffWaitsAreDrawnFromTheUpperHalfOfTheirWindow(t *testing.T) {
	t.Parallel()
	p := RetryPolicy{MaxAttempts: 2, BaseDelay: 2, MaxDelay: 2}
	seen := map[time.Duration]bool{}
	for range 1000 {
		d := p.backoff(1)
		if d < 1 || d > 2 {
			t.Fatalf("backoff in a window of 2ns = %v, want 1ns or 2ns", d)
		}
		seen[d] = true
	}
	if !seen[1] || !seen[2] {
		t.Errorf("a thousand draws saw %v, want both 1ns and 2ns", seen)
	}
}

// TestTheDefaultBackoffNeverWaitsPastTwentySeconds: DefaultRetryPolicy's doc says the window
// doubles up to 20 s, so however late the retry, its wait is at most 20 s and at least 10 s.
// Guards DefaultRetryPolicy's MaxDelay.
func TestTheDefaultBackoffNeverWaitsPastTwentySeconds(t *testing.T) {
	t.Parallel()
	p := DefaultRetryPolicy()
	for n := 1; n <= 12; n++ {
		for range 50 {
			if d := p.backoff(n); d > 20*time.Second {
				t.Fatalf("default backoff before retry %d = %v, want at most 20s", n, d)
			}
		}
	}
	for range 50 {
		if d := p.backoff(12); d < 10*time.Second {
			t.Fatalf("default backoff before retry 12 = %v, want at least 10s (the upper half of 20s)", d)
		}
	}
}

// TestTheDefaultUserAgentIsTheLibraryAlone: without WithUserAgent the header is exactly the
// library and its version, as the request leaves the client (a server would trim a trailing
// space; a transport or hook sees it). Guards New's `uaSuffix != ""`.
func TestTheDefaultUserAgentIsTheLibraryAlone(t *testing.T) {
	t.Parallel()
	var got string
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r.Header.Get("User-Agent")
		return &http.Response{StatusCode: 400, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	})}
	c, err := New(WithAPI(APIBeta), WithTenant("acme"), WithAccessToken("a-fixed-token"), WithHTTPClient(hc), WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.GetConfig(context.Background())
	if want := "accessrequests-go/" + Version; got != want {
		t.Errorf("User-Agent %q, want %q", got, want)
	}
}
