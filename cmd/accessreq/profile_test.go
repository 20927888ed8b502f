package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// sailConfig writes a configuration file as the sail CLI does (lower-case keys) at
// ~/.sailpoint/config.yaml, with an environment per server, the first one active.
func sailConfig(t *testing.T, home string, envs map[string]*fake.Server, active string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("authtype: pat\nactiveenvironment: " + active + "\nenvironments:\n")
	for name, srv := range envs {
		b.WriteString("  " + name + ":\n    baseurl: " + srv.URL + "\n    tenanturl: " + srv.URL +
			"\n    pat:\n      clientid: " + srv.ClientID + "\n      clientsecret: " + srv.ClientSecret + "\n")
	}
	dir := filepath.Join(home, ".sailpoint")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	path := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))
	return path
}

// twoTenants starts two fakes with different credentials, seeded so a listing tells them apart.
func twoTenants(t *testing.T) (prod, sandbox *fake.Server) {
	t.Helper()
	prod = fake.NewServer(fake.WithCredentials("prod-id", profileSecret))
	sandbox = fake.NewServer(fake.WithCredentials("sandbox-id", profileSecret+"-2"))
	t.Cleanup(prod.Close)
	t.Cleanup(sandbox.Close)
	prod.SeedStatuses(2, "id-prod", time.Now())
	sandbox.SeedStatuses(3, "id-sandbox", time.Now())
	return prod, sandbox
}

func rows(out string) int { return strings.Count(out, "\n") - 1 }

func TestProfileFileSelectsTheTenant(t *testing.T) {
	home := isolate(t)
	prod, sandbox := twoTenants(t)
	sailConfig(t, home, map[string]*fake.Server{"prod": prod, "sandbox": sandbox}, "prod")

	r := cli(t, "status")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, 2, rows(r.out), "the active environment, prod:\n%s", r.out)
	assert.Contains(t, r.out, "id-prod")

	r = cli(t, "status", "--env", "SANDBOX")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, 3, rows(r.out), "--env picks sandbox (names match without case):\n%s", r.out)
	assert.Equal(t, 1, apiCalls(prod), "prod saw only the first listing")
}

func TestVariablesAndFlagsOverrideTheFile(t *testing.T) {
	home := isolate(t)
	prod, sandbox := twoTenants(t)
	sailConfig(t, home, map[string]*fake.Server{"prod": prod}, "prod")

	t.Setenv(facade.EnvBaseURL, sandbox.URL)
	t.Setenv(facade.EnvClientID, sandbox.ClientID)
	t.Setenv(facade.EnvClientSecret, sandbox.ClientSecret)
	r := cli(t, "status")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, 3, rows(r.out), "SAIL_* variables win over the file")
	assert.Zero(t, len(prod.Received()))

	t.Setenv(facade.EnvBaseURL, "")
	t.Setenv(facade.EnvClientID, "")
	t.Setenv(facade.EnvClientSecret, "")
	r = cli(t, "status", "--base-url", sandbox.URL, "--client-id", sandbox.ClientID)
	assert.Equal(t, exitAPI, r.code, "flags win over the file; the file's secret is prod's, so sandbox refuses it")
	assert.Contains(t, r.errOut, "refused the client credentials")
	assert.Zero(t, len(prod.Received()))
}

func TestEnvShowNamesSourcesAndNeverTheSecret(t *testing.T) {
	home := isolate(t)
	prod, sandbox := twoTenants(t)
	path := sailConfig(t, home, map[string]*fake.Server{"prod": prod, "sandbox": sandbox}, "prod")
	t.Setenv(facade.EnvClientID, "from-variable")

	r := cli(t, "env", "show", "--env", "sandbox")
	require.Equal(t, exitOK, r.code, r.errOut)
	for _, want := range []string{
		`configuration file:\s+` + regexp.QuoteMeta(path) + `\n`,
		`environment:\s+sandbox\s+\(from --env\)\n`,
		`base URL:\s+` + regexp.QuoteMeta(sandbox.URL) + `\s+\(from environments\.sandbox\.baseurl\)\n`,
		`client id:\s+from-variable\s+\(from SAIL_CLIENT_ID\)\n`,
		`client secret:\s+set, not shown\s+\(from environments\.sandbox\.pat\.clientsecret\)\n`,
	} {
		assert.Regexp(t, want, r.out)
	}
	assert.NotContains(t, r.out, profileSecret)

	r = cli(t, "env", "list")
	assert.Equal(t, "* prod\n  sandbox\n", r.out)

	require.NoError(t, os.Remove(path))
	r = cli(t, "env", "show")
	assert.Regexp(t, `configuration file:\s+\(none at `+regexp.QuoteMeta(path)+`\)\n`, r.out)
	assert.Regexp(t, `client secret:\s+\(not set\)\n`, r.out)
	r = cli(t, "env", "list")
	assert.Equal(t, "no sail configuration file; settings come from SAIL_* variables and flags\n", r.out)
}

func TestProfileRefusals(t *testing.T) {
	home := isolate(t)
	prod, _ := twoTenants(t)
	path := sailConfig(t, home, map[string]*fake.Server{"prod": prod}, "prod")

	r := cli(t, "status", "--env", "staging")
	assert.Equal(t, exitUsage, r.code)
	assert.Equal(t, `accessreq status: --env "staging": no such environment in `+path+" (it has: prod)\n", r.errOut)

	bad := writeFile(t, "config.yaml", "environments: [not, a, map]\n")
	r = cli(t, "status", "--config", bad)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, bad+": yaml:")

	r = cli(t, "status", "--config", filepath.Join(home, "missing.yaml"))
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "--sail-config: open ", "--config is the old name of --sail-config")

	noSecret := writeFile(t, "config.yaml", "activeenvironment: prod\nenvironments:\n  prod:\n    baseurl: "+prod.URL+"\n")
	r = cli(t, "status", "--config", noSecret)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "client secret (SAIL_CLIENT_SECRET or environments.prod.pat.clientsecret in "+noSecret+" or the keyring)")
	assert.Zero(t, apiCalls(prod))
}

func TestConfigKeysMatchWithoutCase(t *testing.T) {
	cfg, err := parseVendorConfig([]byte("ActiveEnvironment: Acme\nEnvironments:\n  Acme:\n    baseURL: https://acme.api.identitynow.com\n    PAT:\n      clientID: 12345\n"))
	require.NoError(t, err)
	assert.Equal(t, "Acme", cfg.ActiveEnvironment)
	env := cfg.Environments["acme"]
	assert.Equal(t, "https://acme.api.identitynow.com", env.BaseURL)
	assert.Equal(t, "12345", env.Pat.ClientID, "a numeric id is read as text")
}

// A password in the base URL's user information is a secret like any other: env show and a
// refused URL hide it.
func TestABaseURLPasswordIsNeverPrinted(t *testing.T) {
	isolate(t)
	t.Setenv(facade.EnvBaseURL, "https://admin:"+profileSecret+"@acme.api.identitynow.com")
	r := cli(t, "env", "show")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Regexp(t, `base URL:\s+https://admin:xxxxx@acme\.api\.identitynow\.com\s+\(from SAIL_BASE_URL\)\n`, r.out)

	t.Setenv(facade.EnvBaseURL, "admin:"+profileSecret+"@acme.api.identitynow.com")
	r = cli(t, "env", "show")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.NotContains(t, r.out, profileSecret, "a URL without // is opaque to url.Parse: its user is not seen")
	assert.Contains(t, r.out, "not a valid URL")

	t.Setenv(facade.EnvBaseURL, "https://admin:"+profileSecret+"@acme.api.identitynow.com/?q=1")
	r = cli(t, "close", "--dry-run", "ar-1")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "https://admin:xxxxx@acme.api.identitynow.com/?q=1")
}
