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
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/sailkit/accessrequests/spec"
)

// update rewrites the committed vendor facts from the vendor's documents:
//
//	go test ./spec -run TestVendorFactsAreCurrent -update
//
// It is the first step when the vendor publishes a new version (see the README).
var update = flag.Bool("update", false, "rewrite spec/testdata from the vendor's documents")

// exampleFile holds the create example of the vendor's SDK page: the request body that page
// tells users to send.
const exampleFile = "testdata/vendor-sdk-create-example.json"

// generation is one API generation our document describes, compared with the vendor's own
// document for it.
type generation struct {
	name string
	// factsFile holds the vendor document's wire facts, flattened by facts below.
	factsFile string
	// env names the variable that points at the vendor's document instead of ../shared.
	env string
	// upstream is the vendor document's file name in ../shared/reference.
	upstream string
	// fixes are the deliberate differences, in the order they apply.
	fixes []fix
}

// generations are the beta (our paths under /beta) and its per-service successor (the other
// paths). Both live in spec/access-requests.yaml; each is compared with its own vendor document.
var generations = []generation{
	{name: "beta", factsFile: "testdata/vendor-wirefacts.json", env: "SPEC_REFERENCE",
		upstream: "access-requests.beta.upstream.yaml", fixes: betaFixes},
	{name: "v1", factsFile: "testdata/vendor-wirefacts.v1.json", env: "SPEC_REFERENCE_V1",
		upstream: "access-requests.v1.upstream.yaml", fixes: successorFixes},
}

// The vendor's documents are not part of this repository; only the facts extracted from them
// are. Developers and the project's CI have the documents beside the checkout; SPEC_REFERENCE,
// SPEC_REFERENCE_V1 and SEED_SDK_PAGE point elsewhere.
func (g generation) referencePath() string {
	if p := os.Getenv(g.env); p != "" {
		return p
	}
	return filepath.Join("..", "..", "shared", "reference", g.upstream)
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
	for i, s := range doc.Servers {
		key := "server"
		if i > 0 {
			key = fmt.Sprintf("server.%d", i)
		}
		out[key] = s.URL
		for name, v := range s.Variables {
			out[key+".var."+name] = v.Default
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
// facts it touched; a fix that touches nothing is stale and fails the test. vendor holds every
// generation's vendor facts as committed, for the fixes that give one generation a field the
// vendor declares on the other.
type fix struct {
	id    string
	apply func(ref map[string]string, vendor map[string]map[string]string) int
}

// plain adapts a fix that needs only the reference's facts.
func plain(f func(ref map[string]string) int) func(map[string]string, map[string]map[string]string) int {
	return func(ref map[string]string, _ map[string]map[string]string) int { return f(ref) }
}

// The listings of requested item statuses, per generation.
var (
	betaListings      = []string{"GET /access-request-status"}
	successorListings = []string{"GET /access-request-status/v1", "GET /access-request-administration/v1"}
)

const (
	// row is where a listing's response declares the properties of one status row.
	row = " response.200.application/json.items.properties."
	// createBody and its successor are the request bodies of the two submissions.
	createBody          = "POST /access-requests body.application/json"
	successorCreateBody = "POST /access-requests/v1 body.application/json"
)

// borrow copies the facts under from+prop (the property itself and everything below it) to
// to+prop, for each property, from src into ref. It counts the facts it wrote that ref did not
// already hold with the same value.
func borrow(ref, src map[string]string, from, to string, props ...string) int {
	n := 0
	for _, prop := range props {
		found := false
		for k, v := range src {
			rest, ok := strings.CutPrefix(k, from+prop)
			if !ok || (rest != "" && rest[0] != '.') {
				continue
			}
			found = true
			if ref[to+prop+rest] != v {
				ref[to+prop+rest] = v
				n++
			}
		}
		if !found {
			return 0 // the vendor no longer declares it where we borrow it from: the fix is stale
		}
	}
	return n
}

// Fixes that apply to both generations: the vendor's defects are the same in both documents.
var (
	fixNullInEnums = fix{"F1", plain(func(ref map[string]string) int { // null inside enums
		n := 0
		for k, v := range ref {
			if strings.HasSuffix(k, ".enum") && strings.Contains(","+v+",", ",null,") {
				vals := slices.DeleteFunc(strings.Split(v, ","), func(s string) bool { return s == "null" })
				ref[k] = strings.Join(vals, ",")
				n++
			}
		}
		return n
	})}
	fixNullableAllOf = fix{"F2", plain(func(ref map[string]string) int { // allOf [X, {nullable: true}] means "X or null"
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
	})}
	fixAttributesHash = fix{"F3", plain(func(ref map[string]string) int { // attributesHash is wider than int32
		n := 0
		for k, v := range ref {
			if strings.HasSuffix(k, ".properties.attributesHash.format") && v == "int32" {
				ref[k] = "int64"
				n++
			}
		}
		return n
	})}
	fixUntypedBodies = fix{"F4", plain(func(ref map[string]string) int { // untyped properties of the 401 and 429 bodies
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
	})}
	fixRetryAfter = fix{"F8", plain(func(ref map[string]string) int { // Retry-After on every 429
		n := 0
		for k := range maps(ref) {
			if strings.HasSuffix(k, " response.429") {
				ref[k+".header.Retry-After.type"] = "string"
				n++
			}
		}
		return n
	})}
	fixSodMessage = fix{"F10", plain(func(ref map[string]string) int { // violationCheckResult.message: one message or a list
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
	})}
)

// all is the sum of the counts of a fix's parts, or 0 (stale) when any part changed nothing.
func all(counts ...int) int {
	n := 0
	for _, c := range counts {
		if c == 0 {
			return 0
		}
		n += c
	}
	return n
}

// drop is a fix that leaves out of the comparison the reference's facts a match selects.
func drop(id string, match func(key string) bool) fix {
	return fix{id, plain(func(ref map[string]string) int {
		n := 0
		for k := range maps(ref) {
			if match(k) {
				delete(ref, k)
				n++
			}
		}
		return n
	})}
}

// declare is a fix that declares on each operation facts the vendor gives only in prose (keys
// below the operation, such as "response.200.header.X-Total-Count.type"); it is stale as soon
// as the vendor declares any of them itself.
func declare(id string, ops []string, add map[string]string) fix {
	return fix{id, plain(func(ref map[string]string) int {
		n := 0
		for _, op := range ops {
			for k, v := range add {
				if _, ok := ref[op+" "+k]; ok {
					return 0
				}
				ref[op+" "+k] = v
				n++
			}
		}
		return n
	})}
}

// fixRequestState (F6) gives each listing's request-state the enum it documents in prose.
func fixRequestState(listings []string) fix {
	return declare("F6", listings, map[string]string{"param.query.request-state.schema.enum": "EXECUTING"})
}

// fixTotalCount (F7) declares X-Total-Count on each listing's 200.
func fixTotalCount(listings []string) fix {
	return declare("F7", listings, map[string]string{
		"response.200.header.X-Total-Count.type": "integer", "response.200.header.X-Total-Count.format": "int32"})
}

var betaFixes = []fix{
	// Fixes that borrow the successor's declarations come first, so the defect fixes below
	// apply to what they borrowed as they do to the rest.
	{"F11", func(ref map[string]string, vendor map[string]map[string]string) int { // one status row for every listing
		v1 := vendor["v1"]
		to := betaListings[0] + row
		return all(
			borrow(ref, v1, successorListings[0]+row, to, "identityType", "jitDetails", "form", "id", "requestedFor"),
			borrow(ref, v1, successorListings[1]+row, to, "reauthorizationRequired"))
	}},
	{"F12", func(ref map[string]string, vendor map[string]map[string]string) int { // the successor's request fields
		v1 := vendor["v1"]
		items := ".properties.requestedItems.items.properties."
		perIdentity := ".properties.requestedForWithRequestedItems.items.properties."
		counts := []int{
			borrow(ref, v1, successorCreateBody+items, createBody+items, "formInstanceId"),
			borrow(ref, v1, successorCreateBody+perIdentity, createBody+perIdentity, "identityType"),
			borrow(ref, v1, successorCreateBody+perIdentity+"requestedItems.items.properties.",
				createBody+perIdentity+"requestedItems.items.properties.", "formInstanceId", "nativeIdentity"),
		}
		return all(counts...)
	}},
	{"F14", plain(func(ref map[string]string) int { // X-Deprecated on deprecated operations
		n := 0
		for k, v := range maps(ref) {
			if op, ok := strings.CutSuffix(k, " deprecated"); ok && v == "true" {
				if _, ok := ref[op+" response.200"]; ok {
					ref[op+" response.200.header.X-Deprecated.type"] = "string"
					ref[op+" response.200.header.X-Deprecated.enum"] = "true"
					n++
				}
			}
		}
		return n
	})},
	fixNullInEnums,
	fixNullableAllOf,
	fixAttributesHash,
	fixUntypedBodies,
	{"F5", plain(func(ref map[string]string) int { // requestedFor and requestedItems not always required
		if ref[createBody+".required"] != "requestedFor,requestedItems" {
			return 0
		}
		delete(ref, createBody+".required")
		ref[createBody+".anyOf.0.required"] = "requestedFor,requestedItems"
		ref[createBody+".anyOf.1.required"] = "requestedForWithRequestedItems"
		return 1
	})},
	fixRequestState(betaListings),
	fixTotalCount(betaListings),
	fixRetryAfter,
	fixSodMessage,
}

var successorFixes = []fix{
	{"F11", func(ref map[string]string, vendor map[string]map[string]string) int { // one status row for every listing
		v1, beta := vendor["v1"], vendor["beta"]
		user, admin := successorListings[0]+row, successorListings[1]+row
		approval := "approvalDetails.items.properties."
		counts := []int{
			borrow(ref, v1, admin, user, "reauthorizationRequired"),
			borrow(ref, v1, user, admin, "approvalIds", "requestedAccounts", "privilegeLevel", "jitDetails"),
			borrow(ref, beta, betaListings[0]+row+approval, user+approval, "approvalId"),
			borrow(ref, beta, betaListings[0]+row+approval, admin+approval, "approvalId"),
		}
		return all(counts...)
	}},
	{"F13", plain(func(ref map[string]string) int { // one of the two request forms is required
		n := 0
		for _, body := range []string{successorCreateBody, "POST /access-requests/v1/accounts-selection body.application/json"} {
			if _, ok := ref[body+".required"]; ok {
				return 0
			}
			if _, ok := ref[body+".type"]; !ok {
				return 0
			}
			ref[body+".anyOf.0.required"] = "requestedFor,requestedItems"
			ref[body+".anyOf.1.required"] = "requestedForWithRequestedItems"
			n++
		}
		return n
	})},
	// configuration v1 left out
	drop("F15", func(k string) bool { return strings.Contains(k, " /access-request-config/v1 ") }),
	{"F16", func(ref map[string]string, vendor map[string]map[string]string) int { // the security schemes the operations name
		n := 0
		for k, v := range vendor["beta"] {
			if strings.HasPrefix(k, "securityScheme.") {
				if _, ok := ref[k]; ok {
					return 0
				}
				ref[k] = v
				n++
			}
		}
		return n
	}},
	// the tenant's server only
	drop("F17", func(k string) bool { return strings.HasPrefix(k, "server.1") }),
	// at most 50 ids per bulk cancel
	declare("F18", []string{"POST /access-requests/v1/bulk-cancel"},
		map[string]string{"body.application/json.properties.accessRequestIds.maxItems": "50"}),
	fixNullInEnums,
	fixNullableAllOf,
	fixAttributesHash,
	fixUntypedBodies,
	fixRequestState(successorListings),
	fixTotalCount(successorListings),
	fixRetryAfter,
	fixSodMessage,
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

// split divides our document's facts between the generations: an operation under /beta is the
// beta's (compared without the prefix, which the vendor's beta document puts in its server
// URL), every other operation the successor's; document-wide facts (server, security schemes)
// belong to both, the beta's server URL ending in /beta.
func split(all map[string]string) map[string]map[string]string {
	out := map[string]map[string]string{"beta": {}, "v1": {}}
	for k, v := range all {
		method, rest, ok := strings.Cut(k, " ")
		if ok && strings.HasPrefix(rest, "/") && method == strings.ToUpper(method) {
			if after, ok := strings.CutPrefix(rest, spec.BetaPrefix+"/"); ok {
				out["beta"][method+" /"+after] = v
			} else {
				out["v1"][k] = v
			}
			continue
		}
		out["v1"][k] = v
		if k == "server" {
			v += spec.BetaPrefix
		}
		out["beta"][k] = v
	}
	return out
}

// TestWireFactsMatchReference compares each generation of our spec with the vendor's committed
// wire facts for it, fact by fact. The only differences allowed are the fixes above, each
// documented in CHANGES.md. It needs nothing beside the clone, so it runs everywhere.
func TestWireFactsMatchReference(t *testing.T) {
	t.Parallel()
	changes, err := os.ReadFile("CHANGES.md")
	require.NoError(t, err)
	vendor := map[string]map[string]string{}
	for _, g := range generations {
		vendor[g.name] = readFacts(t, g.factsFile)
	}
	ours := split(facts(load(t, spec.YAML)))
	for _, g := range generations {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			diffs, n := compare(ours[g.name], maps(vendor[g.name]), vendor, g.fixes, string(changes))
			for _, d := range diffs {
				t.Error(d)
			}
			t.Logf("%s: compared %d wire facts of ours with %d of the vendor's (%s)", g.name, len(ours[g.name]), n, g.factsFile)
		})
	}
}

// compare applies the fixes to ref (a copy of the vendor's facts) and lists every remaining
// difference with ours, every fix that changed nothing and every fix CHANGES.md does not
// describe. It returns the number of reference facts compared.
func compare(ours, ref map[string]string, vendor map[string]map[string]string, fixes []fix, changes string) ([]string, int) {
	var diffs []string
	for _, f := range fixes {
		if !strings.Contains(changes, "## "+f.id+" ") {
			diffs = append(diffs, fmt.Sprintf("fix %s is not described in CHANGES.md", f.id))
		}
		if n := f.apply(ref, vendor); n == 0 {
			diffs = append(diffs, fmt.Sprintf("fix %s changed nothing: it is stale, or the vendor fixed the defect", f.id))
		}
	}
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
	return diffs, len(ref)
}

// TestVendorFactsAreCurrent checks that spec/testdata holds exactly what the vendor's documents
// say, when they are beside the clone; with -update it rewrites spec/testdata from them. Where
// the documents are absent (a plain clone, the GitHub workflow) it skips, saying so, unless
// REQUIRE_VENDOR_DOCS is set (the project's CI, which has them, sets it): then a missing
// document of either generation fails.
func TestVendorFactsAreCurrent(t *testing.T) {
	want := map[string][]byte{}
	var names []string
	for _, g := range generations {
		refData := readVendor(t, g.referencePath())
		f, err := json.MarshalIndent(facts(load(t, refData)), "", "  ")
		require.NoError(t, err)
		want[g.factsFile] = append(f, '\n')
		names = append(names, g.factsFile)
	}
	want[exampleFile] = sdkCreateExample(t, readVendor(t, sdkPagePath()))
	names = append(names, exampleFile)
	for _, name := range names {
		if *update {
			require.NoError(t, os.WriteFile(name, want[name], 0o644))
			t.Logf("wrote %s", name)
			continue
		}
		got, err := os.ReadFile(name)
		require.NoError(t, err)
		if !bytes.Equal(got, want[name]) {
			t.Errorf("%s is stale: the vendor's documents say otherwise; run make vendor-facts and review the diff", name)
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

func readFacts(t *testing.T, name string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(name)
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

// TestProseNamesNoWireIDs: descriptions and summaries become Go doc comments, where a field is
// called by its Go name (AccessRequestID), so prose says "the access request's id" and never a
// wire name ending in Id or Ids: go doc shows such names only in JSON tags.
func TestProseNamesNoWireIDs(t *testing.T) {
	t.Parallel()
	var doc any
	require.NoError(t, yaml.Unmarshal(spec.YAML, &doc))
	wireID := regexp.MustCompile(`\b[a-z][A-Za-z]*I[dD]s?\b`)
	var found []string
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "description" || k == "summary" || k == "x-deprecated-reason") {
					for _, m := range wireID.FindAllString(s, -1) {
						found = append(found, path+"."+k+": "+m)
					}
				}
				walk(x, path+"."+k)
			}
		case []any:
			for i, x := range v {
				walk(x, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(doc, "")
	sort.Strings(found)
	assert.Empty(t, found, "wire names ending in Id in prose")
}
