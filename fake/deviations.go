package fake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// Deviations are ways real tenants depart from the spec. Switch them on (all at once if you
// like) to keep a client tolerant of them. They apply to both generations: to the three status
// listings (the beta's, the successor's and the administrators') and to both configuration
// views. The zero value serves exactly what the spec says.
type Deviations struct {
	// EndOffset400 answers 400 ("offset invalid") for a listing's offset at or past the end,
	// instead of an empty page (offset 0 still gets an empty page).
	EndOffset400 bool
	// UnknownFields adds fields the spec lacks: to every status (a number, an object, a list),
	// and to both configuration views (UnknownConfigFields, at the top and nested), unless the
	// view already has them. Like a newer tenant, it then also stores the settings
	// the spec lacks that a client writes, and serves them back as they were written (without
	// it, the fake serves the spec's settings only). Statuses also carry enum values the spec lacks
	// (requestType, type and requestedFor.type).
	UnknownFields bool
	// OtherShapes serves fields in shapes the spec does not give them: every status has a
	// sodViolationContext whose violationCheckResult.message is a list (the vendor's own
	// example), approvalIds as one comma-separated string, and clientMetadata with a number.
	OtherShapes bool
	// ClaimedTotal, when not 0, is sent as X-Total-Count instead of the true count.
	ClaimedTotal int32
}

// UnknownConfigFields are the settings UnknownFields adds to the configuration, by path ("."
// separates a nested object's name), with their JSON exactly as served.
var UnknownConfigFields = map[string]string{
	"futureTopLevel":                        `12345678901234567890123`,
	"futureObject":                          `{"mode":"strict","weights":[1e3,2.0]}`,
	"entitlementRequestConfig.futureNested": `["a",{"b":1.50}]`,
}

// SetDeviations replaces the deviations in force.
func (s *Server) SetDeviations(d Deviations) {
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	s.state.deviations = d
}

func (s *Server) deviations() Deviations {
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	return s.state.deviations
}

// listingPaths and configPaths are the paths whose answers the deviations rewrite.
var (
	listingPaths = []string{betaPrefix + "/access-request-status", "/access-request-status/v1", "/access-request-administration/v1"}
	configPaths  = []string{betaPrefix + "/access-request-config", "/access-request-config/v2"}
)

// deviate rewrites the bodies of successful status listings and configuration reads and
// writes, of both generations, as the deviations in force ask.
func (s *Server) deviate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := s.deviations()
		statuses := slices.Contains(listingPaths, r.URL.Path) && (d.UnknownFields || d.OtherShapes)
		config := slices.Contains(configPaths, r.URL.Path) && d.UnknownFields
		if !statuses && !config {
			next.ServeHTTP(w, r)
			return
		}
		buf := &bufferWriter{header: http.Header{}}
		next.ServeHTTP(buf, r)
		body := buf.body.Bytes()
		if buf.status == http.StatusOK {
			if statuses {
				body = rewrite(body, func(v any) { deviateStatuses(v, d) })
			} else {
				body = addUnknownConfig(body)
			}
			buf.header.Del("Content-Length")
		}
		for k, v := range buf.header {
			w.Header()[k] = v
		}
		w.WriteHeader(buf.status)
		_, _ = w.Write(body)
	})
}

// rewrite decodes body (numbers kept as written), lets change edit it, and encodes it again.
func rewrite(body []byte, change func(any)) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return body
	}
	change(v)
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

func deviateStatuses(v any, d Deviations) {
	list, _ := v.([]any)
	for _, x := range list {
		st, ok := x.(map[string]any)
		if !ok {
			continue
		}
		if d.UnknownFields {
			st["riskScore"] = json.Number("42")
			st["futureAttribute"] = map[string]any{"x": []any{json.Number("1"), json.Number("2")}}
			st["futureList"] = []any{"a", "b"}
			st["requestType"] = "EXTEND_ACCESS"
			st["type"] = "MACHINE_ACCOUNT"
			if rf, ok := st["requestedFor"].(map[string]any); ok {
				rf["type"] = "GOVERNANCE_GROUP"
			}
		}
		if d.OtherShapes {
			st["sodViolationContext"] = map[string]any{
				"state": "ERROR", "uuid": "f73d16e9-a038-46c5-b217-1246e15fdbdd",
				"violationCheckResult": map[string]any{"message": []any{map[string]any{
					"locale": "en-US", "localeOrigin": "DEFAULT", "text": "An error has occurred during the SOD violation check",
				}}},
			}
			st["approvalIds"] = "2c91808b7c28b350017c2a2ec5790aa1,2c91808b7c28b350017c2a2ec5790aa2"
			st["clientMetadata"] = map[string]any{"requestedAppName": "test-app", "attempt": json.Number("3")}
		}
	}
}

// addUnknownConfig adds UnknownConfigFields to a configuration body where it lacks them. It
// edits the body as raw members, so every other value is served back byte for byte (decoding
// it as rewrite does would, for one, turn a string's \u escapes into the characters).
func addUnknownConfig(body []byte) []byte {
	var cfg map[string]json.RawMessage
	if json.Unmarshal(body, &cfg) != nil {
		return body
	}
	for path, raw := range UnknownConfigFields {
		parent, name, nested := strings.Cut(path, ".")
		if !nested {
			if _, ok := cfg[parent]; !ok {
				cfg[parent] = json.RawMessage(raw)
			}
			continue
		}
		sub := map[string]json.RawMessage{}
		if r, ok := cfg[parent]; ok && json.Unmarshal(r, &sub) != nil {
			continue // not an object: left as it is
		}
		if _, ok := sub[name]; !ok {
			sub[name] = json.RawMessage(raw)
			cfg[parent] = rawJSON(sub)
		}
	}
	return rawJSON(cfg)
}

// rawJSON encodes members without escaping HTML characters, so raw values keep their bytes
// (json.Marshal would write < as \u003c); only insignificant white space goes.
func rawJSON(members map[string]json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(members) // raw members that were decoded from JSON always encode
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
