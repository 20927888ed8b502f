package fake

// Which generation a path belongs to, and what the spec says of each operation that the fake
// enforces around it: the experimental header and the deprecation header.

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"github.com/sailkit/accessrequests/internal/contract"
)

// generation is one of the two API generations the fake serves.
type generation int

const (
	betaAPI      generation = iota // under /beta
	successorAPI                   // the per-service paths
)

// betaPrefix is the path prefix of the beta's operations.
const betaPrefix = contract.BasePath

// successorRoots are the roots of the successor's paths (they share no prefix, unlike the
// beta's /beta): its operations are at these paths and below them.
var successorRoots = []string{
	"/access-requests/v1", "/access-request-status/v1", "/access-request-administration/v1", "/access-request-config/v2",
}

// generationOf says which generation's API a path is in; ok is false for other paths (the
// token endpoint, or none).
func generationOf(path string) (g generation, ok bool) {
	if strings.HasPrefix(path, betaPrefix+"/") {
		return betaAPI, true
	}
	for _, root := range successorRoots {
		if path == root || strings.HasPrefix(path, root+"/") {
			return successorAPI, true
		}
	}
	return 0, false
}

// samePath reports whether a request path is the path a test named: the path itself, or a
// beta path named without its /beta (as Faults.Paths and Count take it).
func samePath(requestPath, named string) bool {
	return requestPath == named || requestPath == betaPrefix+named
}

// operationTraits are what the spec says of an operation that the fake enforces outside it.
type operationTraits struct {
	experimental bool // x-sailpoint-experimental: the X-SailPoint-Experimental header is required
	deprecated   bool // deprecated: answers carry X-Deprecated: true
}

// traits maps "METHOD path" to the operation's traits, read once from the embedded spec.
var traits = sync.OnceValues(func() (map[string]operationTraits, error) {
	doc, err := contract.Load(context.Background())
	if err != nil {
		return nil, err
	}
	out := map[string]operationTraits{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			experimental, _ := op.Extensions["x-sailpoint-experimental"].(bool)
			out[method+" "+path] = operationTraits{experimental: experimental, deprecated: op.Deprecated}
		}
	}
	return out, nil
})

// experimentalHeader is the header the vendor requires, set to true, on experimental operations.
const experimentalHeader = "X-SailPoint-Experimental"

// experimentalRefusal is the vendor's answer to an experimental operation called without the
// header (a 400 whose body is not the usual error body, as a trace of the vendor's API shows).
var experimentalRefusal = map[string]string{"error": "Experimental Header is missing or invalid."}

// operationRules refuses an experimental operation called without its header, as the vendor
// does, and marks every answer of a deprecated operation with X-Deprecated: true.
func (s *Server) operationRules(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr := s.traits[r.Method+" "+r.URL.Path]
		if tr.experimental && !strings.EqualFold(strings.TrimSpace(r.Header.Get(experimentalHeader)), "true") {
			writeJSON(w, http.StatusBadRequest, experimentalRefusal)
			return
		}
		if tr.deprecated {
			w.Header().Set("X-Deprecated", "true")
		}
		next.ServeHTTP(w, r)
	})
}
