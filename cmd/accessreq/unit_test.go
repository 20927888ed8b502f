package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

func TestWhichFailuresMayHaveActed(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"connection dropped after sending", &facade.OutcomeUnknownError{Operation: "closeAccessRequest", Err: errors.New("EOF")}, true},
		{"wrapped outcome unknown", fmt.Errorf("x: %w", facade.ErrOutcomeUnknown), true},
		{"server error", &facade.APIError{StatusCode: 500}, true},
		{"bad gateway", &facade.APIError{StatusCode: 502}, true},
		{"refused as invalid", &facade.APIError{StatusCode: 400}, false},
		{"rate limited", &facade.APIError{StatusCode: 429}, false},
		{"status 499", &facade.APIError{StatusCode: 499}, false},
		{"cancelled before sending", context.Canceled, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, mayHaveActed(tc.err))
		})
	}
}

func TestIsTerminal(t *testing.T) {
	null, err := os.Open(os.DevNull)
	require.NoError(t, err)
	defer func() { _ = null.Close() }()
	assert.False(t, isTerminal(null), "the null device is a character device, not a terminal")
	assert.False(t, isTerminal(&bytes.Buffer{}))
	assert.False(t, isTerminal((*os.File)(nil)))
	file, err := os.CreateTemp(t.TempDir(), "f")
	require.NoError(t, err)
	defer func() { _ = file.Close() }()
	assert.False(t, isTerminal(file))

	ptmx, tty, err := pty.Open()
	require.NoError(t, err)
	defer func() { _ = ptmx.Close(); _ = tty.Close() }()
	assert.True(t, isTerminal(tty))
}

func TestProgressDrawsOnlyOnATerminal(t *testing.T) {
	var b bytes.Buffer
	on := &app{io: stdio{err: &b}, errTerminal: true}
	p := on.progress("closing")
	p.bar(500, 1200)
	p.bar(7, -1)
	p.end()
	p.end()
	assert.Equal(t, "\rclosing [############                  ] 500/1200\rclosing 7\n", b.String())

	b.Reset()
	off := &app{io: stdio{err: &b}}
	q := off.progress("closing")
	q.bar(1, 2)
	q.end()
	assert.Empty(t, b.String())
}

func TestDetectDelimiter(t *testing.T) {
	for in, want := range map[string]rune{
		"a,b;c,d\n":          ',',
		"\n\n  \na;b;c\n":    ';',
		"a\tb\tc;d\n":        '\t',
		`"x;y;z",b` + "\n":   ',',
		"single\nvalue\n":    ',',
		`"a,b,c";d;e` + "\n": ';',
	} {
		assert.Equal(t, string(want), string(detectDelimiter([]byte(in))), "%q", in)
	}
}

func TestCheckID(t *testing.T) {
	assert.Empty(t, checkID("2c9180835d191a86015d28455b4b00a1"))
	for _, bad := range []string{"", "a b", "a\tb", "a,b", "a;b", `a"b`, "a'b", "a\x00b", "a\u00a0b"} {
		assert.NotEmpty(t, checkID(bad), "%q", bad)
	}
}
