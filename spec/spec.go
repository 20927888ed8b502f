// Package spec holds the OpenAPI description this module is generated from: the access-request
// operations of the vendor's beta (under /beta) and of its per-service successor (v1, with
// configuration v2), in one document, so tests and the fake tenant load exactly the committed
// bytes.
package spec

import _ "embed"

// YAML is the OpenAPI 3 document in spec/access-requests.yaml, byte for byte.
//
//go:embed access-requests.yaml
var YAML []byte

// FileName is the name of the embedded document inside spec/.
const FileName = "access-requests.yaml"

// BetaPrefix is the path prefix of the beta operations; the successor's paths have none.
const BetaPrefix = "/beta"
