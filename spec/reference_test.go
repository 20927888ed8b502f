package spec_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/spec"
)

// update rewrites the committed vendor facts from the vendor's documents:
//
//	go test ./spec -run TestVendorFactsAreCurrent -update
//
// It is the first step when the vendor publishes a new version (see the README).
var update = flag.Bool("update", false, "rewrite spec/testdata from the vendor's documents")

const (
	// factsFile holds the vendor document's wire facts, flattened by facts below.
	factsFile = "testdata/vendor-wirefacts.json"
	// exampleFile holds the create example of the vendor's SDK page: the request body that
	// page tells users to send.
	exampleFile = "testdata/vendor-sdk-create-example.json"
)

// The vendor's documents are not part of this repository; only the facts above, extracted
// from them, are. Developers and the project's CI have the documents beside the checkout;
// SPEC_REFERENCE and SEED_SDK_PAGE point elsewhere.
func referencePath() string {
	if p := os.Getenv("SPEC_REFERENCE"); p != "" {
		return p
	}
	return filepath.Join("..", "..", "shared", "reference", "access-requests.beta.upstream.yaml")
}

func sdkPagePath() string {
	if p := os.Getenv("SEED_SDK_PAGE"); p != "" {
		return p
	}
	return filepath.Join("..", "..", "shared", "seeds", "000_7896c1e08b41b34f.txt")
}

// facts flattens a document into its wire facts: for each operation its id, deprecation,
// security, parameters, request body and responses (headers and bodies), every schema resolved
// in place. Prose, examples, titles, component names and extensions are not wire facts.
func facts(doc *openapi3.T) map[string]string {
	out := map[string]string{}
	for _, s := range doc.Servers {
		out["server"] = s.URL
		for name, v := range s.Variables {
			out["server.var."+name] = v.Default
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			p := method + " " + path
			out[p+" operationId"] = op.OperationID
			if op.Deprecated {
				out[p+" deprecated"] = "true"
			}
			if op.Security != nil {
				for _, req := range *op.Security {
					for scheme, scopes := range req {
						s := slices.Clone(scopes)
						sort.Strings(s)
						out[p+" security."+scheme] = strings.Join(s, ",")
					}
				}
			}
			for _, param := range op.Parameters {
				pp := fmt.Sprintf("%s param.%s.%s", p, param.Value.In, param.Value.Name)
				out[pp+".required"] = fmt.Sprint(param.Value.Required)
				schemaFacts(out, pp+".schema", param.Value.Schema)
			}
			if rb := op.RequestBody; rb != nil {
				out[p+" body.required"] = fmt.Sprint(rb.Value.Required)
				for mt, c := range rb.Value.Content {
					schemaFacts(out, p+" body."+mt, c.Schema)
				}
			}
			for code, r := range op.Responses.Map() {
				rp := p + " response." + code
				out[rp] = "declared"
				for name, h := range r.Value.Headers {
					schemaFacts(out, rp+".header."+name, h.Value.Schema)
				}
				for mt, c := range r.Value.Content {
					schemaFacts(out, rp+"."+mt, c.Schema)
				}
			}
		}
	}
	for name, s := range doc.Components.SecuritySchemes {
		v := s.Value
		out["securityScheme."+name+".type"] = v.Type
		if v.Flows != nil {
			for flow, f := range map[string]*openapi3.OAuthFlow{"clientCredentials": v.Flows.ClientCredentials, "authorizationCode": v.Flows.AuthorizationCode} {
				if f == nil {
					continue
				}
				fp := "securityScheme." + name + "." + flow
				out[fp+".tokenUrl"] = f.TokenURL
				out[fp+".authorizationUrl"] = f.AuthorizationURL
				scopes := make([]string, 0, len(f.Scopes))
				for s := range f.Scopes {
					scopes = append(scopes, s)
				}
				sort.Strings(scopes)
				out[fp+".scopes"] = strings.Join(scopes, ",")
			}
		}
	}
	for k, v := range out {
		if v == "" {
			delete(out, k)
		}
	}
	return out
}

func schemaFacts(out map[string]string, p string, ref *openapi3.SchemaRef) {
	if ref == nil || ref.Value == nil {
		return
	}
	s := ref.Value
	if s.Type != nil {
		out[p+".type"] = strings.Join(s.Type.Slice(), ",")
	}
	out[p+".format"] = s.Format
	if len(s.Enum) > 0 {
		vals := make([]string, len(s.Enum))
		for i, e := range s.Enum {
			vals[i] = fmt.Sprint(e)
			if e == nil {
				vals[i] = "null"
			}
		}
		out[p+".enum"] = strings.Join(vals, ",")
	}
	if s.Nullable {
		out[p+".nullable"] = "true"
	}
	if s.ReadOnly {
		out[p+".readOnly"] = "true"
	}
	if len(s.Required) > 0 {
		r := slices.Clone(s.Required)
		sort.Strings(r)
		out[p+".required"] = strings.Join(r, ",")
	}
	if s.Min != nil {
		out[p+".minimum"] = fmt.Sprint(*s.Min)
	}
	if s.Max != nil {
		out[p+".maximum"] = fmt.Sprint(*s.Max)
	}
	if s.MinItems != 0 {
		out[p+".minItems"] = fmt.Sprint(s.MinItems)
	}
	if s.MaxItems != nil {
		out[p+".maxItems"] = fmt.Sprint(*s.MaxItems)
	}
	if s.Default != nil {
		out[p+".default"] = fmt.Sprint(s.Default)
	}
	schemaFacts(out, p+".items", s.Items)
	for name, prop := range s.Properties {
		schemaFacts(out, p+".properties."+name, prop)
	}
	if s.AdditionalProperties.Schema != nil {
		schemaFacts(out, p+".additionalProperties", s.AdditionalProperties.Schema)
	}
	for kind, list := range map[string]openapi3.SchemaRefs{"allOf": s.AllOf, "anyOf": s.AnyOf, "oneOf": s.OneOf} {
		for i, sub := range list {
			schemaFacts(out, fmt.Sprintf("%s.%s.%d", p, kind, i), sub)
		}
	}
}

// fix is one deliberate difference from the vendor's document, described in CHANGES.md under
// its id. apply rewrites the reference's facts the way our spec differs and reports how many
// facts it touched; a fix that touches nothing is stale and fails the test.
type fix struct {
	id    string
	apply func(ref map[string]string) int
}

var fixes = []fix{
	{"F1", func(ref map[string]string) int { // null inside enums
		n := 0
		for k, v := range ref {
			if strings.HasSuffix(k, ".enum") && strings.Contains(","+v+",", ",null,") {
				vals := slices.DeleteFunc(strings.Split(v, ","), func(s string) bool { return s == "null" })
				ref[k] = strings.Join(vals, ",")
				n++
			}
		}
		return n
	}},
	{"F2", func(ref map[string]string) int { // allOf [X, {nullable: true}] means "X or null"
		n := 0
		for k, v := range maps(ref) {
			if i := strings.Index(k, ".allOf.1.nullable"); i >= 0 && strings.HasSuffix(k, ".allOf.1.nullable") {
				delete(ref, k)
				ref[k[:i]+".nullable"] = v
				n++
			}
		}
		for k, v := range maps(ref) {
			if strings.Contains(k, ".allOf.0.") || strings.HasSuffix(k, ".allOf.0") {
				delete(ref, k)
				ref[strings.Replace(k, ".allOf.0", "", 1)] = v
			}
		}
		return n
	}},
	{"F3", func(ref map[string]string) int { // attributesHash is wider than int32
		n := 0
		for k, v := range ref {
			if strings.HasSuffix(k, ".properties.attributesHash.format") && v == "int32" {
				ref[k] = "int64"
				n++
			}
		}
		return n
	}},
	{"F4", func(ref map[string]string) int { // untyped properties of the 401 and 429 bodies
		n := 0
		for k := range maps(ref) {
			for _, suffix := range []string{"response.401.application/json.type", "response.429.application/json.type"} {
				if strings.HasSuffix(k, suffix) {
					prop := "error"
					if strings.Contains(k, "429") {
						prop = "message"
					}
					ref[strings.TrimSuffix(k, ".type")+".properties."+prop+".type"] = "string"
					n++
				}
			}
		}
		return n
	}},
	{"F5", func(ref map[string]string) int { // requestedFor and requestedItems not always required
		const body = "POST /access-requests body.application/json"
		if ref[body+".required"] != "requestedFor,requestedItems" {
			return 0
		}
		delete(ref, body+".required")
		ref[body+".anyOf.0.required"] = "requestedFor,requestedItems"
		ref[body+".anyOf.1.required"] = "requestedForWithRequestedItems"
		return 1
	}},
	{"F6", func(ref map[string]string) int { // request-state accepts only EXECUTING
		const k = "GET /access-request-status param.query.request-state.schema.enum"
		if _, ok := ref[k]; ok {
			return 0
		}
		ref[k] = "EXECUTING"
		return 1
	}},
	{"F7", func(ref map[string]string) int { // X-Total-Count on the list response
		const k = "GET /access-request-status response.200.header.X-Total-Count"
		if _, ok := ref[k+".type"]; ok {
			return 0
		}
		ref[k+".type"], ref[k+".format"] = "integer", "int32"
		return 1
	}},
	{"F8", func(ref map[string]string) int { // Retry-After on every 429
		n := 0
		for k := range maps(ref) {
			if strings.HasSuffix(k, " response.429") {
				ref[k+".header.Retry-After.type"] = "string"
				n++
			}
		}
		return n
	}},
	{"F10", func(ref map[string]string) int { // violationCheckResult.message: one message or a list
		const at = ".violationCheckResult.properties.message"
		n := 0
		for k, v := range maps(ref) {
			i := strings.Index(k, at+".")
			if i < 0 {
				continue
			}
			prefix, rest := k[:i+len(at)], k[i+len(at):]
			delete(ref, k)
			ref[prefix+".oneOf.0"+rest] = v
			ref[prefix+".oneOf.1.items"+rest] = v
			ref[prefix+".oneOf.1.type"] = "array"
			n++
		}
		return n
	}},
}

func maps(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func load(t *testing.T, data []byte) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(data)
	require.NoError(t, err)
	return doc
}

// TestWireFactsMatchReference compares our spec with the vendor's committed wire facts, fact
// by fact. The only differences allowed are the fixes above, each documented in CHANGES.md.
// It needs nothing beside the clone, so it runs everywhere.
func TestWireFactsMatchReference(t *testing.T) {
	t.Parallel()
	ref := readFacts(t)
	changes, err := os.ReadFile("CHANGES.md")
	require.NoError(t, err)

	ours := facts(load(t, spec.YAML))
	for _, f := range fixes {
		require.Containsf(t, string(changes), "## "+f.id+" ", "fix %s is not described in CHANGES.md", f.id)
		if n := f.apply(ref); n == 0 {
			t.Errorf("fix %s changed nothing: it is stale, or the vendor fixed the defect", f.id)
		}
	}

	var diffs []string
	for k, v := range ref {
		if o, ok := ours[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("missing from ours: %s = %s", k, v))
		} else if o != v {
			diffs = append(diffs, fmt.Sprintf("differs: %s: reference %q, ours %q", k, v, o))
		}
	}
	for k, v := range ours {
		if _, ok := ref[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("only in ours: %s = %s", k, v))
		}
	}
	sort.Strings(diffs)
	for _, d := range diffs {
		t.Error(d)
	}
	t.Logf("compared %d wire facts of ours with %d of the vendor's (%s)", len(ours), len(ref), factsFile)
}

// TestVendorFactsAreCurrent checks that spec/testdata holds exactly what the vendor's documents
// say, when they are beside the clone; with -update it rewrites spec/testdata from them. Where
// the documents are absent (a plain clone, the GitHub workflow) it skips, saying so, unless
// REQUIRE_VENDOR_DOCS is set (the project's CI, which has them, sets it).
func TestVendorFactsAreCurrent(t *testing.T) {
	refData := readVendor(t, referencePath())
	pageData := readVendor(t, sdkPagePath())

	f, err := json.MarshalIndent(facts(load(t, refData)), "", "  ")
	require.NoError(t, err)
	example := sdkCreateExample(t, pageData)
	want := map[string][]byte{factsFile: append(f, '\n'), exampleFile: example}
	for _, name := range []string{factsFile, exampleFile} {
		if *update {
			require.NoError(t, os.WriteFile(name, want[name], 0o644))
			t.Logf("wrote %s", name)
			continue
		}
		got, err := os.ReadFile(name)
		require.NoError(t, err)
		if !bytes.Equal(got, want[name]) {
			t.Errorf("%s is stale: the vendor's documents say otherwise; run go test ./spec -run TestVendorFactsAreCurrent -update and review the diff", name)
		}
	}
}

func readVendor(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		if *update || os.Getenv("REQUIRE_VENDOR_DOCS") != "" {
			t.Fatalf("vendor document not found at %s", path)
		}
		t.Skipf("vendor document not found at %s: the committed facts in testdata/ are used as they are", path)
	}
	require.NoError(t, err)
	return data
}

func readFacts(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(factsFile)
	require.NoError(t, err)
	var m map[string]string
	require.NoError(t, json.Unmarshal(data, &m))
	require.NotEmpty(t, m)
	return m
}

// sdkCreateExample cuts the create example out of the vendor's SDK page: the JSON object the
// page assigns to access_request between triple quotes, re-indented, so no prose comes along.
func sdkCreateExample(t *testing.T, page []byte) []byte {
	t.Helper()
	m := regexp.MustCompile(`(?s)\baccess_request = '''(\{.*?\})'''`).FindSubmatch(page)
	require.NotNil(t, m, "the create example is in the SDK page")
	var out bytes.Buffer
	require.NoError(t, json.Indent(&out, m[1], "", "  "))
	require.True(t, json.Valid(out.Bytes()))
	return append(out.Bytes(), '\n')
}

func TestSpecIsValidWithExamples(t *testing.T) {
	t.Parallel()
	doc := load(t, spec.YAML)
	require.NoError(t, doc.Validate(context.Background(), openapi3.EnableExamplesValidation()))
}
