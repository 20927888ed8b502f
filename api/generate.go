// Package api holds the oapi-codegen configuration of each generated file in gen/ and the
// generate directives that produce them. Run "make generate" (or "go generate ./api") after
// any change to spec/.
package api

// The generator runs with this folder as its working directory, so the "output:" paths in the
// configuration files are relative to api/.

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config models.yaml ../spec/access-requests.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config client.yaml ../spec/access-requests.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config server.yaml ../spec/access-requests.yaml

// The facade re-exports the models a user works with, under the generator's names, so that
// nobody needs to import gen for ordinary work. The types named here are the roots (what the
// facade's calls take and return); internal/reexport adds every model their fields reach, and
// facade's TestEveryModelAFacadeUserMeetsIsNamedInFacade checks that nothing is missed.
// ConfigV2 and AccountChoices are the successor's (configuration v2 and the accounts-selection
// answer); Status and AccessRequest reach the successor's fields (IdentityType, ItemForm, JITDetail).
//go:generate go run ../internal/reexport -in ../gen/models.gen.go -out ../facade/models.gen.go AccessRequest RequestTracking Status Config ExecutionStatus CompletionStatus ConfigV2 AccountChoices

// fake's API takes and returns a few models; it names them too, so that its documentation
// reads Status, Config, ConfigV2 and State (the very types facade's names stand for).
//go:generate go run ../internal/reexport -only -pkg fake -in ../gen/models.gen.go -out ../fake/models.gen.go Status Config ConfigV2 State
