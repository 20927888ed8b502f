package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/gen"
)

// hostile are strings a server (or a file) may hold that act on a terminal: OSC 52 (writes
// the clipboard), a cursor movement, a newline that forges a table row, an 8-bit CSI, a
// right-to-left override, and a byte that is not UTF-8 (which JSON carries as U+FFFD).
var hostile = []string{
	"Payroll \x1b]52;c;ZXZpbA==\x07",
	"Finance\x1b[2A\x1b[2K",
	"Sales\n2c91808f0000000000000000000000ff  APPROVED",
	"HR \u009b31m",
	"Ops \u202edrow",
	"Bad \xff byte",
}

// assertTerminalSafe fails when s holds anything that acts on a terminal other than the line
// ends and tabs of the output's own layout.
func assertTerminalSafe(t *testing.T, s, where string) {
	t.Helper()
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				t.Errorf("%s: a byte that is not UTF-8 at %d: %q", where, i, s)
				return
			}
		}
		if r != '\n' && r != '\t' && unsafeRune(r) {
			t.Errorf("%s: %U reaches the terminal at %d: %q", where, r, i, s)
			return
		}
	}
}

// hostileTenant serves one status per hostile string, in its item name, requester's name and
// id column.
func hostileTenant(t *testing.T) {
	t.Helper()
	srv := tenant(t)
	for i, h := range hostile {
		srv.AddStatus(gen.Status{AccessRequestID: "ar-" + string(rune('a'+i)), AccountActivityItemID: "aai-" + string(rune('a'+i)),
			ID: "item-" + string(rune('a'+i)), Name: h, State: gen.StateExecuting, RequestType: gen.RequestTypeGrant,
			RequestedFor: gen.AccessItemRequestedFor{ID: "id-" + string(rune('a'+i)), Name: h},
			Created:      time.Date(2026, 1, 1, 0, 0, i, 123456789, time.UTC)})
	}
}

func TestTableShowsHostileTextEscapedOneRowPerStatus(t *testing.T) {
	hostileTenant(t)
	r := cli(t, "status", "--all")
	require.Equal(t, exitOK, r.code, r.errOut)
	assertTerminalSafe(t, r.out, "table")
	assert.Equal(t, len(hostile)+1, strings.Count(r.out, "\n"), "no forged row:\n%s", r.out)
	for _, want := range []string{`Payroll \x1b]52;c;ZXZpbA==\x07`, `Finance\x1b[2A\x1b[2K`, `Sales\n2c91808f`, `HR \u009b31m`, `Ops \u202edrow`, "Bad \ufffd byte"} {
		assert.Contains(t, r.out, want)
	}
}

func TestJSONAndNDJSONStayExactAndTerminalSafe(t *testing.T) {
	hostileTenant(t)
	for _, format := range []string{"json", "ndjson"} {
		r := cli(t, "status", "--all", "-o", format)
		require.Equal(t, exitOK, r.code, r.errOut)
		assertTerminalSafe(t, r.out, format)
		var got []facade.Status
		if format == "json" {
			require.NoError(t, json.Unmarshal([]byte(r.out), &got))
		} else {
			dec := json.NewDecoder(strings.NewReader(r.out))
			for dec.More() {
				var st facade.Status
				require.NoError(t, dec.Decode(&st))
				got = append(got, st)
			}
		}
		require.Len(t, got, len(hostile), format)
		for i, st := range got[:len(hostile)-1] {
			assert.Equal(t, hostile[i], st.Name, "%s: the value decodes exactly", format)
		}
		assert.Equal(t, "Bad \ufffd byte", got[len(hostile)-1].Name, "%s: as any JSON decoder reads a byte that is not UTF-8", format)
	}
}

// CSV cells are escaped like the table, and a cell a spreadsheet would run as a formula gets a
// quote in front (OWASP's rule), unless --csv-raw asks for the cells as received.
func TestCSVNeutralisesFormulasAndEscapes(t *testing.T) {
	srv := tenant(t)
	formulas := []string{"=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "plain", "a=b"}
	for i, f := range formulas {
		srv.AddStatus(gen.Status{AccessRequestID: "ar-" + string(rune('a'+i)), AccountActivityItemID: "aai",
			ID: "item", Name: f, State: gen.StateExecuting, Created: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)})
	}
	srv.AddStatus(gen.Status{AccessRequestID: "ar-z", AccountActivityItemID: "aai", Name: hostile[0], State: gen.StateExecuting,
		Created: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)})

	r := cli(t, "status", "--all", "-o", "csv")
	require.Equal(t, exitOK, r.code, r.errOut)
	assertTerminalSafe(t, r.out, "csv")
	records, err := csv.NewReader(strings.NewReader(r.out)).ReadAll()
	require.NoError(t, err)
	var names []string
	for _, rec := range records[1:] {
		names = append(names, rec[4])
	}
	assert.Equal(t, []string{`'=HYPERLINK("http://x")`, "'+1+1", "'-2+3", "'@SUM(A1)", `'\t=1`, `'\r=1`, "plain", "a=b",
		`Payroll \x1b]52;c;ZXZpbA==\x07`}, names)

	r = cli(t, "status", "--all", "-o", "csv", "--csv-raw")
	require.Equal(t, exitOK, r.code, r.errOut)
	records, err = csv.NewReader(strings.NewReader(r.out)).ReadAll()
	require.NoError(t, err)
	names = names[:0]
	for _, rec := range records[1:] {
		names = append(names, rec[4])
	}
	assert.Equal(t, append(formulas, hostile[0]), names, "--csv-raw: the cells exactly as received")
}

// An error message, the note about values left out, the answer to a grant and the changes of
// config set quote the server: each reaches the terminal escaped.
func TestServerTextInErrorsNotesAndAnswersIsEscaped(t *testing.T) {
	srv := tenant(t)
	srv.SeedStatuses(1, "id-alice", time.Now())
	front(t, srv, func(w http.ResponseWriter, r *http.Request, forward http.Handler) bool {
		rec := httptest.NewRecorder()
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/beta/access-requests/cancel":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			body, _ := json.Marshal(map[string]any{"detailCode": "400.1 Bad Request Content", "trackingId": "t\x1b[2J",
				"messages": []map[string]string{{"text": "no " + hostile[0] + hostile[2]}}})
			_, _ = w.Write(body)
			return true
		case r.URL.Path == "/beta/access-request-status":
			forward.ServeHTTP(rec, r)
			var list []map[string]any
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &list))
			for _, st := range list {
				st["clientMetadata"] = map[string]any{"k\x1b]52;c;x\x07": 1}
			}
			writeAny(w, list)
			return true
		case r.Method == http.MethodPost && r.URL.Path == "/beta/access-requests":
			forward.ServeHTTP(rec, r)
			var res map[string]any
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &res))
			for _, tr := range res["newRequests"].([]any) {
				tr.(map[string]any)["requestedFor"] = hostile[1]
			}
			writeAny(w, res)
			return true
		case r.URL.Path == "/beta/access-request-config" && r.Method == http.MethodGet:
			forward.ServeHTTP(rec, r)
			var cfg map[string]any
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &cfg))
			cfg["zz\u009bFuture"] = "x\u202e"
			writeAny(w, cfg)
			return true
		}
		return false
	})

	r := cli(t, "cancel", "--comment", "c", "ar-1")
	assert.Equal(t, exitAPI, r.code)
	assertTerminalSafe(t, r.errOut, "error")
	assert.Contains(t, r.errOut, `no Payroll \x1b]52;c;ZXZpbA==\x07Sales\n2c91808f`)
	assert.Contains(t, r.errOut, `t\x1b[2J`)
	assert.Equal(t, 1, strings.Count(r.errOut, "\n"), "one line: %q", r.errOut)

	r = cli(t, "status")
	require.Equal(t, exitOK, r.code, r.errOut)
	assertTerminalSafe(t, r.errOut, "note")
	assert.Contains(t, r.errOut, `were left out: clientMetadata.k\x1b]52;c;x\x07 (`)

	r = cli(t, "grant", "--for", "id-bob", "--role", "role-1")
	require.Equal(t, exitOK, r.code, r.errOut)
	assertTerminalSafe(t, r.out, "grant")
	assert.Contains(t, r.out, "new\tfor Finance\\x1b[2A\\x1b[2K\t")

	for _, args := range [][]string{{"config", "get"}, {"config", "set", "--dry-run", "zz\u009bFuture=y"}} {
		r = cli(t, args...)
		require.Equal(t, exitOK, r.code, "%v: %s", args, r.errOut)
		assertTerminalSafe(t, r.out, strings.Join(args, " "))
	}
	assert.Contains(t, r.out, `  zz\u009bFuture: "x\u202e" -> "y"`)
}

func writeAny(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Text from a file reaches the terminal escaped too: the sail configuration's environment
// names and values, and what a dry run prints of the user's own input.
func TestFileTextIsEscaped(t *testing.T) {
	home := isolate(t)
	dir := filepath.Join(home, ".sailpoint")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("activeenvironment: \"evil\\e[2J\"\nenvironments:\n"+
		"  \"evil\\e[2J\":\n    baseurl: \"https://acme.api.identitynow.com/\\e]52;c;x\\a\"\n"), 0o600))
	r := cli(t, "env", "list")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, "* evil\\x1b[2j\n", r.out, "names are read without case, as sail does")
	r = cli(t, "env", "show")
	require.Equal(t, exitOK, r.code, r.errOut)
	assertTerminalSafe(t, r.out, "env show")

	t.Setenv(facade.EnvBaseURL, "https://acme.api.identitynow.com")
	r = cli(t, "close", "--dry-run", "--message", "done \u009b2J \u202e", "ar-1")
	require.Equal(t, exitOK, r.code, r.errOut)
	assertTerminalSafe(t, r.out, "dry run")
	assert.Contains(t, r.out, `"message": "done \u009b2J \u202e"`)
}

func TestCleanEscapesWhatActsOnATerminal(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, ünïcödé and 表": "plain text, ünïcödé and 表",
		`back\slash`:                `back\slash`,
		"a\x1b[31mred":              `a\x1b[31mred`,
		"tab\tnl\ncr\r":             `tab\tnl\ncr\r`,
		"del\x7f nul\x00":           `del\x7f nul\x00`,
		"c1 \u0085 \u009b":          `c1 \u0085 \u009b`,
		"bidi \u202a\u202e\u2066\u2069\u200e\u200f\u061c": `bidi \u202a\u202e\u2066\u2069\u200e\u200f\u061c`,
		"sep \u2028\u2029": `sep \u2028\u2029`,
		"bad \xff\xfe":     `bad \xff\xfe`,
		"cut \xe2\x80":     `cut \xe2\x80`,
	} {
		assert.Equal(t, want, clean(in), "%q", in)
	}

	var b bytes.Buffer
	p := (&app{io: stdio{err: &b}, errTerminal: true}).progress("x\x1b[2J")
	p.bar(1, 2)
	assert.NotContains(t, b.String(), "\x1b", "a progress label is cleaned too")
}

// jsonSafe changes no value: a rune cut between two writes is held, and C0 white space of
// the JSON layout is left alone.
func TestJSONSafeKeepsTheValueAcrossWrites(t *testing.T) {
	in := "{\n  \"name\": \"a\u009bb\u202ec\u00e9\u8868\"\n}\n"
	for cut := range len(in) + 1 {
		var b bytes.Buffer
		w := &jsonSafe{w: &b}
		_, err := w.Write([]byte(in[:cut]))
		require.NoError(t, err)
		_, err = w.Write([]byte(in[cut:]))
		require.NoError(t, err)
		assert.Equal(t, "{\n  \"name\": \"a\\u009bb\\u202ec\u00e9\u8868\"\n}\n", b.String(), "cut at %d", cut)
	}
}
