package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/demo-*.golden from the demo's output")

var (
	demoURL      = regexp.MustCompile(`http://127\.0\.0\.1:\d+`)
	demoTime     = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`)
	demoTracking = regexp.MustCompile(`tracking id [0-9a-f]+`)
	demoID       = regexp.MustCompile(`\b[0-9a-f]{32}\b`)
)

// normalDemo is the demo's output with what changes from run to run replaced: the fake's
// address, times, tracking ids, and the ids the fake makes up (the demo's own identities and
// items keep their names). The table's rows, ordered by their random ids, are sorted.
func normalDemo(out string) string {
	out = demoURL.ReplaceAllString(out, "http://<fake>")
	out = demoTime.ReplaceAllString(out, "<time>")
	out = demoTracking.ReplaceAllString(out, "tracking id <t>")
	named := map[string]string{demoAlice: "<alice>", demoBob: "<bob>", demoRole: "<role>", demoProfile: "<profile>", demoEnt: "<entitlement>"}
	out = demoID.ReplaceAllStringFunc(out, func(id string) string {
		if n, ok := named[id]; ok {
			return n
		}
		return "<id>"
	})
	lines := strings.Split(out, "\n")
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && strings.HasPrefix(lines[j], "   <id>  ") {
			j++
		}
		slices.Sort(lines[i:j])
		i = max(j, i+1)
	}
	return strings.Join(lines, "\n")
}

// The demo says, line for line, what it does on each generation (testdata/demo-*.golden, made
// with -update and read), and the request it cancels is Alice's first. Guards every line the
// demo prints and the order of its arguments, the settings demoConfig changes, and the early
// returns whose conditions would be always true, and the fake tenant's Close.
func TestTheDemoSaysEachStep(t *testing.T) {
	isolate(t)
	for _, api := range []string{"beta", "v1"} {
		t.Run(api, func(t *testing.T) {
			r := cli(t, "demo", "--api", api)
			require.Equal(t, exitOK, r.code, r.errOut)
			golden := filepath.Join("testdata", "demo-"+api+".golden")
			got := normalDemo(r.out)
			if *updateGolden {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.Equal(t, string(want), got)

			alice := regexp.MustCompile(`new requests for ` + demoAlice + `: \[([0-9a-f]{32}) `).FindStringSubmatch(r.out)
			require.NotNil(t, alice, r.out)
			assert.Contains(t, r.out, "   "+alice[1]+" is now CANCELLED\n", "the cancelled request is Alice's first")
			resp, err := http.Get(demoURL.FindString(r.out) + "/")
			if err == nil {
				_ = resp.Body.Close()
			}
			assert.Error(t, err, "the demo's fake tenant is closed when the demo ends")
		})
	}
}

// failNth answers the nth API call (token requests aside) with a 400 of its own, before the fake
// sees it; every other call goes through.
type failNth struct {
	n, seen atomic.Int32
}

func (f *failNth) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == "/oauth/token" || f.seen.Add(1) != f.n.Load() {
		return http.DefaultTransport.RoundTrip(r)
	}
	if r.Body != nil {
		_ = r.Body.Close()
	}
	body := `{"detailCode":"400.0 Bad Request","trackingId":"f00d","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"injected fault"}]}`
	return &http.Response{StatusCode: http.StatusBadRequest, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Request: r,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}, nil
}

// unknownCancel is the line of the demo's cancel of an unknown id, when the injected fault answers it.
var unknownCancel = regexp.MustCompile(`cancelling an unknown id: accessrequests: cancelAccessRequest(V1)?: HTTP 400.0 Bad Request: injected fault`)

// Whichever of the demo's calls fails, the demo stops there with that call's error (and with
// nothing printed for it), except the cancel of an unknown id, whose failure it prints as its
// point. Guards each of the demo's checks of a call's error.
func TestTheDemoStopsAtTheCallThatFails(t *testing.T) {
	isolate(t)
	for _, api := range []string{"beta", "v1"} {
		t.Setenv(envAPI, api)
		calls := 0
		for n := 1; ; n++ {
			f := &failNth{}
			f.n.Store(int32(n))
			var out, errOut bytes.Buffer
			a := &app{io: stdio{in: strings.NewReader(""), out: &out, err: &errOut}, api: newAPIChoice(), timeout: defaultTimeout,
				demoOptions: []facade.Option{facade.WithHTTPClient(&http.Client{Transport: f}), facade.WithoutRetries()}}
			err := a.demo(context.Background())
			if int(f.seen.Load()) < n { // fewer calls than n: every call was tried
				require.NoError(t, err)
				calls = n - 1
				break
			}
			name := fmt.Sprintf("%s, call %d", api, n)
			if unknownCancel.MatchString(out.String()) {
				assert.NoError(t, err, name)
				continue
			}
			require.Error(t, err, name)
			assert.Contains(t, err.Error(), "injected fault", name)
			assert.NotContains(t, out.String(), "Done:", name)
			assert.Equal(t, n, int(f.seen.Load()), "%s: nothing was called after it", name)
		}
		assert.GreaterOrEqual(t, calls, 12, "%s: the demo makes a dozen calls or more", api)
	}
}

// A choice of API generation never made (a zero apiChoice) is the library's default.
// Guards apiChoice.get's empty case.
func TestAnUnmadeAPIChoiceIsTheDefault(t *testing.T) {
	assert.Equal(t, facade.DefaultAPI, (&apiChoice{}).get())
}
