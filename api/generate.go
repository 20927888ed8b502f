// Package api holds the oapi-codegen configuration of each generated file in gen/ and the
// generate directives that produce them. Run "make generate" (or "go generate ./api") after
// any change to spec/.
package api

// The generator runs with this folder as its working directory, so the "output:" paths in the
// configuration files are relative to api/.

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config models.yaml ../spec/access-requests.beta.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config client.yaml ../spec/access-requests.beta.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config server.yaml ../spec/access-requests.beta.yaml

// The facade re-exports the models a user works with, under the generator's names, so that
// nobody needs to import gen for ordinary work: the request and result models, and every enum
// a user meets reading a Status or a Config.
//go:generate go run ../internal/reexport -in ../gen/models.gen.go -out ../facade/models.gen.go AccessRequest AccessRequestItem RequestType ItemType IdentityRequest IdentityItem AccountSelection AccountRef CreateResult RequestTracking Status State WorkItemState Config ExecutionStatus CompletionStatus PhaseState PhaseResult ApprovalScheme OwnerType ObjectType ReassignmentType PreApprovalDecision LocaleOrigin SodCheckState SodPolicyType
