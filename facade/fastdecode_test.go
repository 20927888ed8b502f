package facade_test

// The clean path decodes with github.com/goccy/go-json and falls back to encoding/json on any
// error or panic (see decodeBody). These tests hold the fast decoder to encoding/json: whatever
// body it accepts, encoding/json accepts too, into an equal value. A body it refuses costs a
// second decode, never a different result.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// decodedTypes are the types the client decodes responses into.
var decodedTypes = []reflect.Type{
	reflect.TypeFor[[]facade.Status](),
	reflect.TypeFor[facade.Config](),
	reflect.TypeFor[facade.CreateResult](),
}

// fastAgrees decodes body into every decoded type with the fast decoder and with encoding/json.
// Where the fast decoder succeeds, encoding/json must succeed with an equal value. It reports
// how many types the fast decoder took.
func fastAgrees(t *testing.T, body []byte) (took int) {
	t.Helper()
	for _, typ := range decodedTypes {
		fast := reflect.New(typ)
		if !facade.FastUnmarshal(body, fast.Interface()) {
			continue
		}
		took++
		std := reflect.New(typ)
		if err := json.Unmarshal(body, std.Interface()); err != nil {
			t.Fatalf("into %v the fast decoder accepts %q, encoding/json does not: %v", typ, snip(body), err)
		}
		if !reflect.DeepEqual(fast.Interface(), std.Interface()) {
			t.Fatalf("into %v the decoders differ on %q:\nfast %#v\nstd  %#v", typ, snip(body), fast.Elem(), std.Elem())
		}
	}
	return took
}

func snip(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// hostileBodies are bodies on which JSON decoders are known to part ways.
func hostileBodies() []string {
	deep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	return []string{
		`[{"ACCESSREQUESTID":"x","Cancelable":true,"accessrequestid":"y"}]`, // case-insensitive names
		`[{"id":"a","id":"b"}]`,                         // duplicate names: the last wins
		`[{"clientMetadata":{"k":"1","k":"2"}}]`,        // duplicate map keys
		"[{\"id\":\"a\xffb\",\"name\":\"\xc3\"}]",       // invalid UTF-8
		`[{"id":"\ud800","name":"\udc00\ud83d\ude00"}]`, // lone surrogates, a pair
		"[{\"id\":\"a\tb\"}]",                           // a raw control character
		"[{\"id\":\"a\x00b\"}]",                         // a raw NUL
		`[{"id":"a"}] x`,                                // trailing garbage
		`[{"id":"a"}][]`,                                // two values
		"\xef\xbb\xbf[]",                                // a byte order mark
		`[{"id":"a"`,                                    // truncated
		`[{"created":"2026-01-02T03:04:05+70:00"}]`,     // an offset time.Time refuses
		`[{"created":"2026-01-02T03:04:05.123456789123Z"}]`,
		`[{"created":"2026-01-02t03:04:05z"}]`,
		`[{"created":12345}]`,
		`[{"cancelable":"yes","id":"after"}]`, // wrong shape, then more
		`[{"attributesHash":9223372036854775808}]`,
		`[{"attributesHash":1.5}]`,
		`[{"attributesHash":1e2}]`,
		`[{"attributesHash":-0}]`,
		`[{"attributesHash":01}]`,
		`[{"attributesHash":"1"}]`,
		`{"approvalReminderAndEscalationConfig":{"maxReminders":3000000000}}`,
		`{"approvalReminderAndEscalationConfig":{"maxReminders":3,"extra":[1, 2]},"newKey":{"a" : null}}`,
		`{"approvalReminderAndEscalationConfig":null,"autoApprovalEnabled":null}`,
		`{"newRequests":[{"accessRequestIds":["a"]}],"unknown":1}`,
		`{"newRequests":null}`,
		`[{"zzz":` + deep + `}]`,
		`[{"clientMetadata":null,"approvalDetails":null,"requester":null}]`,
		`[{"\u0069d":"escaped name","n\u0061me":"x"}]`,
		"[{\"\u212ad\":\"kelvin\"}]", // K (Kelvin sign) folds to k in encoding/json's matching
		`null`, `[]`, `{}`, `""`, `0`, `true`, ``, ` `,
		`[null,{"id":"a"},null]`,
		`{"\`, `[{"\`, `[{"id\`, `[{"\u`, `[{"approvalIds":["a","b"],"\`, // dangling escapes in names (goccy/go-json#604)
		`[{"id":"a","approvalIds":"x,y","sodViolationContext":{"violationCheckResult":{"message":[{"text":"t"}]}}}]`,
		// review r41: a name given twice (maps, structs and slices of structs merge in encoding/json)
		`[{"clientMetadata":{"k":"v"},"clientMetadata":{"j":"w"}}]`,
		`[{"requester":{"id":"a","name":"n"},"requester":{"id":"b"}}]`,
		`[{"approvalIds":["a","b"],"approvalIds":["c"]}]`,
		`[{"id":"a","id":null}]`,
		`[{"requester":{"id":"a"},"requester":null}]`,
		`[{"clientMetadata":{"k":"v"},"clientMetadata":null}]`,
		`[{"approvalIds":["a"],"approvalIds":null}]`,
		`[{"created":"2026-01-02T03:04:05Z","created":null}]`,
		`[{"sodViolationContext":{"violationCheckResult":{"message":[{"text":"x"}]}},"sodViolationContext":{"state":"SUCCESS"}}]`,
		`[{"sodViolationContext":{"violationCheckResult":{"message":[{"text":"x"}]}},"sodViolationContext":{"violationCheckResult":{"message":null}}}]`,
		`[{"requester":{"id":"a","name":"n"},"REQUESTER":{"id":"b"}}]`,
		`[{"approvalDetails":[{"approvalId":"x","status":"PENDING"}],"approvalDetails":[{"approvalId":"y"}]}]`,
		`[{"errorMessages":[[{"text":"a","locale":"en"}]],"errorMessages":[[{"text":"b"}]]}]`,
		`{"newRequests":[{"accessRequestIds":["a"],"id":"x"}],"newRequests":[{"id":"y"}]}`,
		`{"existingRequests":[{"attributesHash":5,"id":"x"}],"existingRequests":[{"id":"y"}]}`,
		// review r41: empty vs absent, null inside containers, numbers into the one integer
		// (existingRequests[].attributesHash), invalid JSON inside skipped values, escaped and folded names
		`[{"clientMetadata":{},"id":"a"}]`,
		`[{"approvalIds":[],"id":"a"}]`,
		`[{"clientMetadata":{"k":null},"id":"a"}]`,
		`[{"approvalIds":["a",null],"id":"a"}]`,
		`[{"errorMessages":[[],[null],null,[{}]],"id":"a"}]`,
		`[{"attributesHash":1E2}]`, `[{"attributesHash":1e+2}]`, `[{"attributesHash":-1e2}]`,
		`[{"attributesHash":18446744073709551616}]`, `[{"attributesHash":99999999999999999999999}]`,
		`[{"attributesHash":-9223372036854775809}]`, `[{"attributesHash":1.0}]`, `[{"attributesHash":1.}]`,
		`[{"attributesHash":.5}]`, `[{"attributesHash":+1}]`, `[{"attributesHash":0x10}]`, `[{"attributesHash":NaN}]`,
		`[{"attributesHash":-}]`, `[{"attributesHash":1e}]`, `[{"attributesHash":--1}]`,
		`{"approvalReminderAndEscalationConfig":{"maxReminders":1e1}}`,
		`{"approvalReminderAndEscalationConfig":{"maxReminders":2147483648}}`,
		`[{"zzz":[1,,2],"id":"a"}]`, `[{"zzz":{"a" 1},"id":"a"}]`, `[{"zzz":tru,"id":"a"}]`, `[{"zzz":"\q","id":"a"}]`,
		`[{"zzz":01,"id":"a"}]`, `[{"zzz":1.,"id":"a"}]`, `[{"zzz":-,"id":"a"}]`, `[{"zzz":nul,"id":"a"}]`,
		`[{"zzz":[}],"id":"a"}]`, `[{"zzz":{"a":1,},"id":"a"}]`, `[{"zzz":[1,],"id":"a"}]`, `[{"zzz":"\u12","id":"a"}]`,
		"[{\"zzz\":\"a\x01\",\"id\":\"a\"}]", `[{"zzz":{1:2},"id":"a"}]`,
		`[{"cancelable":tru}]`, `[{"cancelable":nul}]`, `[{"cancelable":TRUE}]`, `[{"id":nul}]`, `[{"id":"\q"}]`, `[{"id":"\U0041"}]`,
		`[{"id":"a",}]`, `[{"id":"a"},]`, `[{,"id":"a"}]`, `[{"id" "a"}]`, `[{"id":"a" "state":"b"}]`,
		"[\f]", "[{\"id\":\"a\"}\v]", "\x00[]", "[]\x00", "[{\"id\":\"a\"}]\n\n", "[{\"id\":\"a\"}] \x00",
		`[{"\u017ftate":"EXECUTING"}]`, `[{"state":"A","STATE":"B"}]`, `[{"STATE":"B","state":"A"}]`,
		`[{"I\u0044":"x"}]`, `[{"id\u0000":"x"}]`, `[{"i\/d":"x"}]`, `[{"id":"a\/b\u00e9\n"}]`,
		`[{"created":"2026-01-02T03:04:05Z","modified":null}]`, `[{"created":null}]`, `[{"created":""}]`,
		`[{"created":"2026-01-02T03:04:05.Z"}]`, `[{"created":"2026-01-02T24:00:00Z"}]`, `[{"created":"2026-01-02 03:04:05Z"}]`,
		`[{"sodViolationContext":{"violationCheckResult":{"message":null}}}]`,
		`[{"sodViolationContext":{"violationCheckResult":{"message":{}}}}]`,
		`[{"sodViolationContext":{"violationCheckResult":{"message":"x"}}}]`,
		`[{"sodViolationContext":{"violationCheckResult":{"message":[1,2]}}}]`,
		`[{"sodViolationContext":{"violationCheckResult":{"message":[1,,2]}}}]`,
		`[{"sodViolationContext":{"violationCheckResult":{"message":tru}}}]`,
		`{"approvalReminderAndEscalationConfig":{"x":[1,,2]}}`,
		`{"approvalReminderAndEscalationConfig":{"x":tru}}`,
		`{"zz":tru}`, `{"zz":[1,,2]}`,
		`{"newRequests":[{"accessRequestIds":["a"],"zz":tru}]}`,
		`{"newRequests":[{"accessRequestIds":{}}]}`,
		`{"newRequests":{}}`,
		`[{"clientMetadata":{"k":1}}]`, `[{"clientMetadata":{"k":"v","k2":tru}}]`,
		`[{"id":"a"},{"id":"b"}`, `[{"id":"a"},{"id":"b"}]]`, `[[]]`, `[1]`, `["x"]`, `[true]`,
		`{"id":"a"}`,
		`{"existingRequests":[{"attributesHash":18446744073709551616,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":9223372036854775808,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":-9223372036854775809,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":99999999999999999999999,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":1e2,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":1E2,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":1.0,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":1.5,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":-0,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":1e400,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":-0.0,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":2.0e0,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":1e-2,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":0.1e1,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":9223372036854775807,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":-9223372036854775808,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":1e18,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":9.223372036854775807e18,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":null,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":"1","id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":true,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":[],"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":{},"id":"x"}]}`,
	}
}

// TestFastDecodeAgreesOnHostileBodies: on every body above, for every type the client decodes,
// the fast decoder either refuses or gives encoding/json's value. The bodies are decoded one
// after another in several orders: the fast decoder keeps state between calls in pools, and
// malformed bodies in sequence have broken it before (goccy/go-json#604).
func TestFastDecodeAgreesOnHostileBodies(t *testing.T) {
	t.Parallel()
	bodies := hostileBodies()
	took := 0
	for round := range 7 {
		for i := range bodies {
			took += fastAgrees(t, []byte(bodies[(i*(round+1)+round)%len(bodies)]))
		}
	}
	if took == 0 {
		t.Fatal("the fast decoder took none of the bodies: nothing was compared")
	}
}

// bodyRecorder keeps a copy of every response body that passes through it.
type bodyRecorder struct {
	next   http.RoundTripper
	mu     sync.Mutex
	bodies [][]byte
}

func (r *bodyRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	r.bodies = append(r.bodies, body)
	r.mu.Unlock()
	return resp, nil
}

// TestFastDecodeAgreesOnTheFakesDeviations: every body the fake tenant serves, as the spec says
// and with every deviation it knows, is decoded alike by both decoders into every type; the
// deviations (fields of other shapes) make the fast decoder refuse and the fallback decide.
func TestFastDecodeAgreesOnTheFakesDeviations(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, dev := range []fake.Deviations{{}, {EndOffset400: true, UnknownFields: true, OtherShapes: true}} {
			srv := fake.NewServer()
			t.Cleanup(srv.Close)
			srv.SeedStatuses(600, fake.CallerID, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			srv.SetDeviations(dev)
			rec := &bodyRecorder{next: http.DefaultTransport.(*http.Transport).Clone()}
			c := fakeClientFor(t, srv, api, facade.WithHTTPClient(&http.Client{Transport: rec}))
			n := 0
			for _, err := range c.ListStatus(context.Background(), facade.ListStatusParams{}) {
				require.NoError(t, noteErr(err))
				n++
			}
			require.Equal(t, 600, n)
			require.NoError(t, noteErr(getConfig(context.Background(), c)))

			took, refused := 0, 0
			for _, body := range rec.bodies {
				var page []facade.Status
				if !facade.FastUnmarshal(body, &page) && json.Unmarshal(body, &[]json.RawMessage{}) == nil {
					refused++ // a list the fast decoder would not take into statuses
				}
				took += fastAgrees(t, body)
			}
			if took == 0 {
				t.Fatalf("%+v: the fast decoder took none of %d bodies", dev, len(rec.bodies))
			}
			if dev.OtherShapes && refused == 0 {
				t.Fatalf("%+v: the fast decoder took every page, fields of other shapes included", dev)
			}
			if !dev.OtherShapes && refused != 0 {
				t.Fatalf("%+v: the fast decoder refused %d pages that match the spec", dev, refused)
			}
		}
	})
}

// FuzzFastDecodeAgrees: for any body, the fast decoder refuses it or decodes it as encoding/json
// does, into every type the client decodes. Seeds: the bodies above, FuzzDecodeStatus's seeds
// and its committed corpus.
func FuzzFastDecodeAgrees(f *testing.F) {
	for _, b := range hostileBodies() {
		f.Add(b)
	}
	for _, b := range []string{
		`[{"id":"a","state":"EXECUTING","created":"2026-01-02T03:04:05Z","cancelable":true}]`,
		`[{"attributesHash":2843118224,"clientMetadata":{"k":"v"},"errorMessages":[[{"text":"x","localeOrigin":null}]]}]`,
		`[{"state":"SOMETHING_NEW","type":null,"sodViolationContext":null}]`,
	} {
		f.Add(b)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzDecodeStatus", "*"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if s, ok := strings.CutPrefix(line, "string("); ok {
				body, err := strconv.Unquote(strings.TrimSuffix(s, ")"))
				if err != nil {
					f.Fatalf("%s: %v", name, err)
				}
				f.Add(body)
			}
		}
	}
	f.Fuzz(func(t *testing.T, body string) {
		fastAgrees(t, []byte(body))
	})
}
