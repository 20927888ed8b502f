package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sailkit/accessrequests/facade"
)

// envAPI names the variable --api defaults to.
const envAPI = "ACCESSREQ_API"

// apiChoice is --api: the API generation every command speaks, and where the choice came from.
type apiChoice struct {
	api    facade.API
	from   string // "--api", "$ACCESSREQ_API" or "default"
	envErr error  // $ACCESSREQ_API holds no generation: refused unless --api overrides it
}

// newAPIChoice starts from $ACCESSREQ_API, or the library's default.
func newAPIChoice() apiChoice {
	c := apiChoice{api: facade.DefaultAPI, from: "default"}
	if v := strings.TrimSpace(os.Getenv(envAPI)); v != "" {
		api, err := facade.ParseAPI(v)
		if err != nil {
			c.envErr = usagef("$%s is %q: the API generation is v1 or beta", envAPI, clean(v))
			return c
		}
		c.api, c.from = api, "$"+envAPI
	}
	return c
}

// get is the generation chosen: the library's default when nothing chose one.
func (c *apiChoice) get() facade.API {
	if c.api == "" {
		return facade.DefaultAPI
	}
	return c.api
}

// String, Set and Type make apiChoice a flag value.
func (c *apiChoice) String() string { return string(c.get()) }

// Set reads --api.
func (c *apiChoice) Set(s string) error {
	api, err := facade.ParseAPI(s)
	if err != nil {
		return fmt.Errorf("must be v1 or beta, got %q", clean(s))
	}
	c.api, c.from, c.envErr = api, "--api", nil
	return nil
}

// Type names the flag's values in help.
func (c *apiChoice) Type() string { return "v1|beta" }

// check refuses an unusable $ACCESSREQ_API that --api did not override.
func (c *apiChoice) check() error { return c.envErr }

// bindAPI adds --api to the root's persistent flags.
func (a *app) bindAPI(root *cobra.Command) {
	root.PersistentFlags().Var(&a.api, "api", `API generation: v1, the successor (/access-requests/v1, ...), or beta, which the vendor supports until Q1 2027 (default from $`+envAPI+`, else v1)`)
}

// listing is the status listing a status command reads: the generation's, or the
// administrators' with --admin.
func (a *app) listing(admin bool) facade.Listing {
	if admin {
		return facade.ListingAdmin
	}
	return a.api.get().StatusListing()
}

// onV1 refuses, before anything is sent, a flag or command only the successor has, naming how
// to reach it.
func (a *app) onV1(what string) error {
	if a.api.get() == facade.APIV1 {
		return nil
	}
	return usagef("%s is only in the successor's API, and the client speaks the beta (%s): use --api v1", what, a.api.from)
}
