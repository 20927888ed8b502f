package facade_test

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sailkit/accessrequests/facade"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A call's shape warnings are logged as one warn-level line naming the operation, how many
// values were set aside, their paths with indexes left out, and the first warning. Guards
// Client.warnAll's log line and its attributes.
func TestShapeWarningsAreLoggedAsOneLine(t *testing.T) {
	t.Parallel()
	e := newEnv(t).lax()
	e.handle("GET /access-request-status", reply(200, oddPage))
	logs := &logWriter{}
	_, err := e.client(facade.WithLogger(slog.New(slog.NewTextHandler(logs, nil)))).ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
	require.NoError(t, noteErr(err))
	line := regexp.MustCompile(`level=WARN msg="response values do not match the spec; they were set aside and the rest kept" operation=(\S+) values=(\d+) paths=(\S+) first="(.+)"\n`)
	m := line.FindStringSubmatch(logs.String())
	require.NotNil(t, m, "the warn-level line:\n%s", logs)
	assert.Equal(t, "listAccessRequestStatus", m[1])
	assert.Equal(t, "4", m[2])
	assert.ElementsMatch(t, []string{"created", "requester", "approvalDetails[].comment", "sodViolationContext.violationCheckResult.violatedPolicies"},
		strings.Split(m[3], ","))
	assert.True(t, strings.HasPrefix(m[4], "listAccessRequestStatus: item [1]."), "first: %s", m[4])
	assert.Equal(t, 1, strings.Count(logs.String(), "level=WARN"), "one line for the call")
}

// Without a warning handler, shape warnings and a deprecation are logged and the call succeeds;
// a nil handler is refused by New. Guards Client.warnAll's and Client.reportDeprecated's checks
// for a handler, and WithWarningHandler's nil check.
func TestWarningsWithoutAHandlerAreLogged(t *testing.T) {
	t.Parallel()
	e := newEnv(t).lax()
	e.handle("GET /access-request-status", reply(200, oddPage, "X-Deprecated", "true"))
	logs := &logWriter{}
	c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(e.srv.URL), facade.WithClientCredentials(testClientID, testSecret),
		facade.WithHTTPClient(e.srv.Client()), facade.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	require.NoError(t, err)
	page, err := c.ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
	require.NoError(t, noteErr(err))
	assert.Len(t, page.Warnings, 4)
	assert.Equal(t, 2, strings.Count(logs.String(), "level=WARN"), "the shape warnings' line and the deprecation's:\n%s", logs)

	_, err = facade.New(facade.WithBaseURL(e.srv.URL), facade.WithAccessToken("a-fixed-token"), facade.WithWarningHandler(nil))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "WithWarningHandler: handler is nil")
}

// A deprecation is logged as one warn-level line naming the operation, the generation and the
// problem, which names the successor only when there is one. Guards Client.reportDeprecated's
// log line, its attributes and its check for a successor.
func TestADeprecationIsLoggedWithWhatToUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", reply(200, configJSON, "X-Deprecated", "true"))
	e.handle("GET /access-request-status", reply(200, `[]`, "X-Deprecated", "true"))
	logs := &logWriter{}
	var mu sync.Mutex
	var warnings []facade.Warning
	c := e.client(facade.WithLogger(slog.New(slog.NewTextHandler(logs, nil))), facade.WithWarningHandler(func(w facade.Warning) {
		mu.Lock()
		defer mu.Unlock()
		warnings = append(warnings, w)
	}))
	_, err := c.GetConfig(context.Background())
	require.NoError(t, noteErr(err))
	_, err = c.ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
	require.NoError(t, noteErr(err))
	const problem = "the vendor has deprecated this operation (X-Deprecated: true); it keeps working for two years after the deprecation, then is turned off"
	const use = "; use GetConfigV2 (the successor's configuration) on a client made with WithAPI(APIV1)"
	assert.Contains(t, logs.String(), `level=WARN msg="accessrequests: deprecated operation" operation=getAccessRequestConfig api=beta problem="`+problem+use+`"`+"\n")
	assert.Contains(t, logs.String(), `level=WARN msg="accessrequests: deprecated operation" operation=listAccessRequestStatus api=beta problem="`+problem+`"`+"\n")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, warnings, 2)
	assert.Equal(t, problem+use, warnings[0].Problem)
	assert.Equal(t, problem, warnings[1].Problem, "no successor to name")
}

// overlap is a warning handler that tells whether two of its calls ever ran at once: the first
// call waits (a while, or until a second call comes in beside it).
type overlap struct {
	calls, inside atomic.Int32
	seen          atomic.Bool
	both          chan struct{}
	once          sync.Once
}

func newOverlap() *overlap { return &overlap{both: make(chan struct{})} }

func (o *overlap) handle(facade.Warning) {
	if o.inside.Add(1) > 1 {
		o.seen.Store(true)
		o.once.Do(func() { close(o.both) })
	}
	if o.calls.Add(1) == 1 {
		select {
		case <-o.both:
		case <-time.After(500 * time.Millisecond):
		}
	}
	o.inside.Add(-1)
}

// The warning handler is never called by two goroutines at once: not for the shape warnings of
// calls made together, nor for deprecations of two operations answered together. Guards the
// lock in Client.warnAll and in Client.reportDeprecated.
func TestTheWarningHandlerIsCalledOneAtATime(t *testing.T) {
	t.Parallel()
	for _, deprecated := range []bool{false, true} {
		e := newEnv(t).lax()
		if deprecated {
			e.handle("GET /access-request-status", reply(200, `[]`, "X-Deprecated", "true"))
			e.handle("GET /access-request-config", reply(200, configJSON, "X-Deprecated", "true"))
		} else {
			e.handle("GET /access-request-status", reply(200, oddPage))
		}
		o := newOverlap()
		c := e.client(facade.WithWarningHandler(o.handle))
		var wg sync.WaitGroup
		wg.Go(func() {
			_, err := c.ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
			assert.NoError(t, noteErr(err))
		})
		wg.Go(func() {
			var err error
			if deprecated {
				_, err = c.GetConfig(context.Background())
			} else {
				_, err = c.ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
			}
			assert.NoError(t, noteErr(err))
		})
		wg.Wait()
		assert.False(t, o.seen.Load(), "deprecated %v: two calls of the handler at once", deprecated)
		assert.Positive(t, o.calls.Load())
	}
}
