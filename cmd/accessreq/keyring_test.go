package main

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zalando/go-keyring"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// sail2Config writes a configuration file as sail 2.x does: the base URL only, the
// credentials being in the keyring. The environment's name keeps its case.
func sail2Config(t *testing.T, home, name string, srv *fake.Server) string {
	t.Helper()
	dir := filepath.Join(home, ".sailpoint")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	path := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte("activeenvironment: "+name+"\nenvironments:\n  "+name+":\n    baseurl: "+srv.URL+"\n"), 0o600))
	return path
}

// inKeyring stores the credentials as sail 2.x does, for the test's duration.
func inKeyring(t *testing.T, account, id, secret string) {
	t.Helper()
	require.NoError(t, keyring.Set(keyringClientID, account, id))
	require.NoError(t, keyring.Set(keyringClientSecret, account, secret))
	t.Cleanup(func() {
		_ = keyring.Delete(keyringClientID, account)
		_ = keyring.Delete(keyringClientSecret, account)
	})
}

// The credentials sail 2.x keeps in the keyring are read (the suite's keyring is
// go-keyring's in-memory mock), after the file and before the SAIL_* variables, and env show
// says where each came from.
func TestKeyringCredentialsAreReadAndTheirSourceShown(t *testing.T) {
	home := isolate(t)
	prod, sandbox := twoTenants(t)
	sail2Config(t, home, "Prod", prod)
	inKeyring(t, "Prod", prod.ClientID, profileSecret)

	r := cli(t, "status")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, 2, rows(r.out), "prod's requests:\n%s", r.out)

	r = cli(t, "env", "show")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Regexp(t, `client id:\s+prod-id\s+\(from keyring environments\.pat\.clientid, account Prod\)\n`, r.out)
	assert.Regexp(t, `client secret:\s+set, not shown\s+\(from keyring environments\.pat\.clientsecret, account Prod\)\n`, r.out)
	assert.NotContains(t, r.out, profileSecret)
	assert.NotContains(t, r.out, "keyring:", "no hint when the keyring was read")

	t.Setenv(facade.EnvClientID, sandbox.ClientID)
	t.Setenv(facade.EnvClientSecret, sandbox.ClientSecret)
	t.Setenv(facade.EnvBaseURL, sandbox.URL)
	r = cli(t, "env", "show")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Regexp(t, `client id:\s+sandbox-id\s+\(from SAIL_CLIENT_ID\)\n`, r.out, "the variables win over the keyring")
	r = cli(t, "status")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, 3, rows(r.out), "sandbox's requests")
}

// An account stored under the lower-case name is found too; a keyring entry wins over the
// credentials of an older sail in the file.
func TestKeyringAccountsAndPrecedenceOverTheFile(t *testing.T) {
	home := isolate(t)
	prod, _ := twoTenants(t)
	path := sailConfig(t, home, map[string]*fake.Server{"prod": prod}, "prod")
	inKeyring(t, "prod", "keyring-id", profileSecret+"-from-keyring")
	r := cli(t, "env", "show")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Regexp(t, `client id:\s+keyring-id\s+\(from keyring environments\.pat\.clientid, account prod\)\n`, r.out)
	assert.Regexp(t, `configuration file:\s+`+regexp.QuoteMeta(path), r.out)
}

// Without a keyring (a server with no D-Bus session) the other sources still apply, env show
// says so on one line, and a command missing its credentials says why on one line.
func TestNoKeyringGivesAOneLineHint(t *testing.T) {
	home := isolate(t)
	prod, _ := twoTenants(t)
	sail2Config(t, home, "prod", prod)
	keyring.MockInitWithError(errors.New(`exec: "dbus-launch": executable file not found in $PATH`))
	t.Cleanup(keyring.MockInit)

	r := cli(t, "env", "show")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Regexp(t, `\nkeyring:\s+the system keyring, where sail 2\.x keeps the client id and secret, could not be read `+
		`\(exec: "dbus-launch": executable file not found in \$PATH\): set SAIL_CLIENT_ID and SAIL_CLIENT_SECRET instead\n`, r.out)

	r = cli(t, "status")
	assert.Equal(t, exitUsage, r.code)
	assert.Regexp(t, `^accessreq status: missing client id .*; client secret .* \(the system keyring, where sail 2\.x keeps the client id and secret, could not be read .*\): set SAIL_CLIENT_ID and SAIL_CLIENT_SECRET instead\)\n$`, r.errOut)
	assert.Zero(t, apiCalls(prod))

	t.Setenv(facade.EnvClientID, prod.ClientID)
	t.Setenv(facade.EnvClientSecret, profileSecret)
	r = cli(t, "status")
	require.Equal(t, exitOK, r.code, "the variables need no keyring: %s", r.errOut)
	assert.Empty(t, r.errOut)
}

// An environment written with capitals ("Prod") finds credentials the keyring holds under its
// lower-case name too (the name the file's environments are looked up by). Guards the profile's
// second keyring account.
func TestKeyringAccountInLowerCaseIsFoundForACapitalisedEnvironment(t *testing.T) {
	home := isolate(t)
	prod, _ := twoTenants(t)
	sail2Config(t, home, "Prod", prod)
	inKeyring(t, "prod", "keyring-id", profileSecret)
	r := cli(t, "env", "show")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Regexp(t, `client id:\s+keyring-id\s+\(from keyring environments\.pat\.clientid, account prod\)\n`, r.out)
}
