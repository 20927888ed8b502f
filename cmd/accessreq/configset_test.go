package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// configuredTenant is a fake whose configuration differs from the defaults at every depth and
// carries settings this tool does not know (the fake's UnknownFields deviation), so that a
// reset of anything shows.
func configuredTenant(t *testing.T) (*fake.Server, *facade.Client) {
	t.Helper()
	srv := tenant(t)
	srv.SetDeviations(fake.Deviations{UnknownFields: true})
	c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret))
	require.NoError(t, err)
	three, two := int32(3), int32(2)
	var cfg facade.Config
	cfg.ApprovalsMustBeExternal = true
	cfg.ReauthorizationEnabled = true
	cfg.RequestOnBehalfOfConfig.AllowRequestOnBehalfOfAnyoneByAnyone = true
	cfg.ApprovalReminderAndEscalationConfig.MaxReminders = &three
	cfg.ApprovalReminderAndEscalationConfig.DaysUntilEscalation = &two
	cfg.ApprovalReminderAndEscalationConfig.FallbackApproverRef.ID = demoAlice
	cfg.EntitlementRequestConfig.AllowEntitlementRequest = true
	cfg.EntitlementRequestConfig.RequestCommentsRequired = true
	cfg.EntitlementRequestConfig.GrantRequestApprovalSchemes = "entitlementOwner,manager"
	_, err = c.SetConfig(context.Background(), cfg)
	require.NoError(t, err)
	return srv, c
}

// rawConfig is the tenant's configuration exactly as it answers a GET.
func rawConfig(t *testing.T, c *facade.Client) string {
	t.Helper()
	resp, err := c.Generated().GetAccessRequestConfigWithResponse(context.Background())
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode())
	return string(resp.Body)
}

// A file holding one setting changes that setting and nothing else: the tenant answers with
// the same bytes as before but for that one value, settings this tool does not know included.
func TestConfigSetWithAPartialFileKeepsEveryOtherSettingByteForByte(t *testing.T) {
	srv, c := configuredTenant(t)
	before := rawConfig(t, c)
	require.Contains(t, before, `"autoApprovalEnabled":false`)
	require.Contains(t, before, `"futureTopLevel":12345678901234567890123`)

	for _, args := range [][]string{
		{"--file", writeFile(t, "partial.json", `{"autoApprovalEnabled": true}`)},
		{"autoApprovalEnabled=true"},
	} {
		r := cli(t, append([]string{"config", "set", "--yes"}, args...)...)
		require.Equal(t, exitOK, r.code, r.errOut)
		after := rawConfig(t, c)
		assert.Equal(t, strings.Replace(before, `"autoApprovalEnabled":false`, `"autoApprovalEnabled":true`, 1), after, "%v", args)

		r = cli(t, "config", "set", "--yes", "autoApprovalEnabled=false")
		require.Equal(t, exitOK, r.code, r.errOut)
		assert.Equal(t, before, rawConfig(t, c), "back to the start")
	}
	assert.Equal(t, 5, srv.Count("PUT", "/access-request-config", http.StatusOK), "the setup's write, then one per change")
}

// KEY=VALUE reaches nested settings and reads JSON or text; a file and arguments combine.
func TestConfigSetKeyValueReachesNestedSettings(t *testing.T) {
	srv, _ := configuredTenant(t)
	r := cli(t, "config", "set", "--yes", "--file", writeFile(t, "p.json", `{"entitlementRequestConfig":{"deniedCommentsRequired":true}}`),
		"approvalReminderAndEscalationConfig.maxReminders=5", "entitlementRequestConfig.grantRequestApprovalSchemes=sourceOwner,manager")
	require.Equal(t, exitOK, r.code, r.errOut)
	cfg := srv.Config()
	assert.EqualValues(t, 5, *cfg.ApprovalReminderAndEscalationConfig.MaxReminders)
	assert.EqualValues(t, 2, *cfg.ApprovalReminderAndEscalationConfig.DaysUntilEscalation, "kept")
	assert.Equal(t, "sourceOwner,manager", cfg.EntitlementRequestConfig.GrantRequestApprovalSchemes)
	assert.True(t, cfg.EntitlementRequestConfig.DeniedCommentsRequired)
	assert.True(t, cfg.EntitlementRequestConfig.RequestCommentsRequired, "kept")
	assert.Equal(t, "on "+strings.TrimPrefix(srv.URL, "http://")+":\n"+
		"  approvalReminderAndEscalationConfig.maxReminders: 3 -> 5\n"+
		"  entitlementRequestConfig.deniedCommentsRequired: false -> true\n"+
		`  entitlementRequestConfig.grantRequestApprovalSchemes: "entitlementOwner,manager" -> "sourceOwner,manager"`+"\n", r.errOut)

	r = cli(t, "config", "set", "--yes", "autoApprovalEnabled=yes")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, `autoApprovalEnabled got string "yes", want boolean`)
}

// A misspelt setting is refused with the closest real one, exit 2, and nothing is written;
// --keep-unknown sends it on purpose.
func TestConfigSetRefusesAMisspeltSettingWithASuggestion(t *testing.T) {
	srv, c := configuredTenant(t)
	before := rawConfig(t, c)
	puts := srv.Count("PUT", "/access-request-config", http.StatusOK)
	file := writeFile(t, "typo.json", `{"autoApprovalEnabeld": true}`)
	r := cli(t, "config", "set", "--yes", "--file", file)
	assert.Equal(t, exitUsage, r.code)
	assert.Equal(t, `accessreq config set: unknown setting "autoApprovalEnabeld" (did you mean "autoApprovalEnabled"?): nothing was sent `+
		"(--keep-unknown autoApprovalEnabeld sends it on purpose)\n", r.errOut)
	assert.Empty(t, r.out)
	assert.Equal(t, puts, srv.Count("PUT", "/access-request-config", http.StatusOK), "nothing written")
	assert.Equal(t, before, rawConfig(t, c))

	r = cli(t, "config", "set", "--yes", "entitlementRequestConfig.requestCommentRequired=false")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, `(did you mean "entitlementRequestConfig.requestCommentsRequired"?)`)

	r = cli(t, "config", "set", "--yes", "--keep-unknown", "autoApprovalEnabeld", "--file", file)
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Contains(t, rawConfig(t, c), `"autoApprovalEnabeld":true`)

	r = cli(t, "config", "set", "--yes", "futureTopLevel=7")
	require.Equal(t, exitOK, r.code, "a setting the tenant has is known: %s", r.errOut)
	assert.Contains(t, r.errOut, "  futureTopLevel: 12345678901234567890123 -> 7\n")
}

// --dry-run shows the change as a diff of settings and sends nothing; without a terminal
// and without --yes a change is refused, naming the tenant and the settings; with --replace
// the file is the whole configuration.
func TestConfigSetDryRunConfirmationAndReplace(t *testing.T) {
	srv, c := configuredTenant(t)
	before := rawConfig(t, c)
	puts := srv.Count("PUT", "/access-request-config", http.StatusOK)
	host := strings.TrimPrefix(srv.URL, "http://")

	r := cli(t, "config", "set", "--dry-run", "autoApprovalEnabled=true", "approvalReminderAndEscalationConfig.maxReminders=4")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, "on "+host+":\n"+
		"  approvalReminderAndEscalationConfig.maxReminders: 3 -> 4\n"+
		"  autoApprovalEnabled: false -> true\n"+
		"dry run: nothing was sent\n", r.out)

	r = cli(t, "config", "set", "autoApprovalEnabled=true")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "accessreq config set: refusing to change 1 setting (autoApprovalEnabled) on "+host+
		" without confirmation: standard input is not a terminal, so add --yes\n")

	r = cli(t, "config", "set", "autoApprovalEnabled=false")
	require.Equal(t, exitOK, r.code, "no change needs no confirmation: %s", r.errOut)
	assert.Equal(t, "no setting changes on "+host+"; nothing was sent\n", r.errOut)
	assert.Equal(t, puts, srv.Count("PUT", "/access-request-config", http.StatusOK))
	assert.Equal(t, before, rawConfig(t, c))

	r = cli(t, "config", "set", "--dry-run", "--replace", "--file", writeFile(t, "whole.json", `{"autoApprovalEnabled":true}`))
	require.Equal(t, exitOK, r.code, r.errOut)
	for _, want := range []string{"  approvalsMustBeExternal: true -> false\n", "  futureTopLevel: 12345678901234567890123 -> (absent)\n",
		"  approvalReminderAndEscalationConfig.maxReminders: 3 -> (absent)\n"} {
		assert.Contains(t, r.out, want)
	}
	r = cli(t, "config", "set", "--yes", "--replace", "--file", writeFile(t, "whole.json", `{"autoApprovalEnabled":true}`))
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.False(t, srv.Config().ApprovalsMustBeExternal, "--replace resets what the file leaves out")
	assert.Nil(t, srv.Config().ApprovalReminderAndEscalationConfig.MaxReminders)
}

// On a terminal the change is listed and a question names the tenant and the settings.
func TestConfigSetAsksOnATerminal(t *testing.T) {
	srv, _ := configuredTenant(t)
	for _, tc := range []struct {
		answer string
		code   int
		want   bool
	}{{"n\n", exitUsage, false}, {"y\n", exitOK, true}} {
		var out, errOut bytes.Buffer
		a := newApp(stdio{in: strings.NewReader(tc.answer), out: &out, err: &errOut})
		a.inTerminal = true
		root := a.rootCommand()
		root.SetArgs([]string{"config", "set", "autoApprovalEnabled=true"})
		_, err := root.ExecuteC()
		code := exitOK
		if err != nil {
			code = a.report("accessreq config set", err)
		}
		outputs = append(outputs, out.String(), errOut.String())
		assert.Equal(t, tc.code, code, errOut.String())
		assert.Contains(t, errOut.String(), "  autoApprovalEnabled: false -> true\nChange 1 setting (autoApprovalEnabled) on "+
			strings.TrimPrefix(srv.URL, "http://")+"? [y/N] ")
		assert.Equal(t, tc.want, srv.Config().AutoApprovalEnabled)
	}
}
