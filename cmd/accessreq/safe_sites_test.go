package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/fake"
)

// A text that starts with a control is cleaned from its first byte. Guards clean's `i < 0`.
func TestCleanEscapesAControlAtTheStart(t *testing.T) {
	assert.Equal(t, `\x1b[2Jsafe`, clean("\x1b[2Jsafe"))
}

// A text made only of bytes that are not UTF-8 (and the replacement rune) is escaped too: the
// search for the first byte to escape finds it. Guards clean's `r == utf8.RuneError` check.
func TestCleanEscapesATextOfInvalidBytesOnly(t *testing.T) {
	assert.Equal(t, `\xff`, clean("\xff"))
	assert.Equal(t, `\xff\xfe`, clean("\xff\xfe"))
	assert.Equal(t, "\ufffd"+`\xff`, clean("\ufffd\xff"))
}

// jsonSafe writes a byte that is not UTF-8 as the replacement rune's escape, reports every byte
// of a write as taken, forgets a held rune once it is written (a third write is not preceded by
// it again), and returns its writer's error. Guards the invalid-byte case, the reset of held,
// and both outcomes of the write's error check.
func TestJSONSafeEscapesBadBytesAndReportsItsWrites(t *testing.T) {
	var b bytes.Buffer
	w := &jsonSafe{w: &b}
	n, err := w.Write([]byte("\"a\xffb\""))
	require.NoError(t, err)
	assert.Equal(t, 5, n, "every byte of the write is taken")
	assert.Equal(t, `"a\ufffdb"`, b.String())

	b.Reset()
	for _, part := range []string{"\"\xc3", "\xa9\"", "\"x\""} { // é cut in two, then a write of its own
		n, err := w.Write([]byte(part))
		require.NoError(t, err)
		assert.Equal(t, len(part), n)
	}
	assert.Equal(t, "\"\u00e9\"\"x\"", b.String())

	n, err = (&jsonSafe{w: failingWriter{}}).Write([]byte("{}"))
	assert.EqualError(t, err, "disk full")
	assert.Zero(t, n)
}

// The exit codes are the numbers the help and README give: 0 done, 1 the API or network
// failed, 2 bad input, nothing sent. Guards the values of exitAPI and exitUsage (tests
// elsewhere compare with the constants, which would follow a change).
func TestTheExitCodesAreTheDocumentedNumbers(t *testing.T) {
	srv := tenant(t)
	assert.Equal(t, 2, cli(t, "status", "--no-such-flag").code)
	srv.FailNext(fake.NextFault{Method: "GET", Status: 400})
	assert.Equal(t, 1, cli(t, "status").code)
	assert.Equal(t, 0, cli(t, "status").code)
}

// The root's help describes --sail-config, with no default of its own (the default is the
// sail CLI's file, said in the text). Guards the order of its StringVar's default and usage.
func TestTheSailConfigFlagIsDescribed(t *testing.T) {
	isolate(t)
	assert.Regexp(t, `--sail-config string +the sail CLI's configuration file, where the tenant's URL is found \(default ~/.sailpoint/config.yaml\)\n`, cli(t, "--help").out)
}
