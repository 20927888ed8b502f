// Package spec holds the OpenAPI description of the six beta access-request operations that
// this module is generated from, so tests and the fake tenant load exactly the committed bytes.
package spec

import _ "embed"

// YAML is the OpenAPI 3 document in spec/access-requests.beta.yaml, byte for byte.
//
//go:embed access-requests.beta.yaml
var YAML []byte

// FileName is the name of the embedded document inside spec/.
const FileName = "access-requests.beta.yaml"
