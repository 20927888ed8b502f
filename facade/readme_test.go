package facade_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
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

// readmeProgram is the program of the README's "Use it", as the README shows it.
func readmeProgram(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	_, use, ok := strings.Cut(string(readme), "## Use it\n")
	require.True(t, ok, "the README has its Use it section")
	m := regexp.MustCompile("(?s)```go\n(.*?)```").FindStringSubmatch(use)
	require.NotNil(t, m, "with a Go program")
	return m[1]
}

// onTheSuccessor is how the README's program makes its client; onTheBeta is the same with the
// one option that keeps a program on the beta.
const (
	onTheSuccessor = "facade.NewFromEnv(facade.WithVendorRateLimit())"
	onTheBeta      = "facade.NewFromEnv(facade.WithVendorRateLimit(), facade.WithAPI(facade.APIBeta))"
)

// buildProgram builds src as a command of this module and returns the binary.
func buildProgram(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o600))
	bin := filepath.Join(dir, "readme")
	out, err := exec.Command("go", "build", "-o", bin, filepath.Join(dir, "main.go")).CombinedOutput()
	require.NoError(t, err, "the README's program builds: %s", out)
	return bin
}

// runProgram runs bin with the SAIL_* variables naming a tenant, and returns what it printed.
func runProgram(t *testing.T, bin, baseURL, clientID, secret string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), facade.EnvBaseURL+"="+baseURL, facade.EnvClientID+"="+clientID, facade.EnvClientSecret+"="+secret)
	out, err := cmd.CombinedOutput()
	remember(string(out))
	return string(out), err
}

// TestTheREADMEProgramRunsOnEitherGeneration: the README's program, built from the README,
// runs as written on the successor and, with facade.WithAPI(facade.APIBeta) added to its one
// option, on the beta: against the fake tenant, and on the successor also against a test
// server behind the contract harness.
func TestTheREADMEProgramRunsOnEitherGeneration(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the README's program")
	}
	t.Parallel()
	src := readmeProgram(t)
	require.Equal(t, 1, strings.Count(src, onTheSuccessor), "the program makes its client with %s", onTheSuccessor)
	programs := map[facade.API]string{
		facade.APIV1:   buildProgram(t, src),
		facade.APIBeta: buildProgram(t, strings.Replace(src, onTheSuccessor, onTheBeta, 1)),
	}
	for _, api := range facade.APIs() {
		t.Run(string(api)+" against the fake", func(t *testing.T) {
			t.Parallel()
			srv := fake.NewServer()
			t.Cleanup(srv.Close)
			out, err := runProgram(t, programs[api], srv.URL, srv.ClientID, srv.ClientSecret)
			require.NoError(t, err, out)
			assert.Contains(t, out, "closed 1 of 1\n")
		})
	}
	t.Run("v1 against a successor behind the harness", func(t *testing.T) {
		t.Parallel()
		e := newEnvFor(t, facade.APIV1)
		e.handle("POST /access-requests", reply(202, `{"newRequests":[{"requestedFor":"2c9180835d191a86015d28455b4b00a1",
			"requestedItemsDetails":[{"type":"ROLE","id":"2c9180835d2e5168015d32f890ca1581"}],"accessRequestIds":["ar-readme"]}],"existingRequests":[]}`))
		e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
			assert.Equal(t, "2c9180835d191a86015d28455b4b00a1", r.URL.Query().Get("requested-for"))
			assert.Contains(t, r.URL.Query().Get("filters"), "created ge ")
			reply(200, fmt.Sprintf(`[{"id":"i-1","type":"ROLE","state":"EXECUTING","accessRequestId":"ar-readme","accountActivityItemId":"aai-1","created":%q,"identityType":"HUMAN"}]`,
				time.Now().UTC().Format(time.RFC3339)))(w, r)
		})
		var closed string
		e.handle("POST /access-requests/close", func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			closed = string(body)
			reply(202, `{}`)(w, r)
		})
		out, err := runProgram(t, programs[facade.APIV1], e.srv.URL, testClientID, testSecret)
		require.NoError(t, err, out)
		assert.Contains(t, out, "submitted [ar-readme]\n")
		assert.Contains(t, out, "ar-readme EXECUTING false\n")
		assert.Contains(t, out, "closed 1 of 1\n")
		assert.JSONEq(t, `{"accessRequestIds":["ar-readme"]}`, closed)
	})
}
