package filter

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want Expr
	}{
		{`accessRequestId eq "2c91"`, Expr{{Field: "accessRequestId", Op: "eq", Values: []string{"2c91"}}}},
		{`created GE 2026-01-01T00:00:00Z and accountActivityItemId isnull`, Expr{
			{Field: "created", Op: "ge", Values: []string{"2026-01-01T00:00:00Z"}},
			{Field: "accountActivityItemId", Op: "isnull"}}},
		{`accessRequestId in ("a", "b\"c", d)`, Expr{{Field: "accessRequestId", Op: "in", Values: []string{"a", `b"c`, "d"}}}},
		{`name eq "x and y" AND name sw "\\"`, Expr{
			{Field: "name", Op: "eq", Values: []string{"x and y"}},
			{Field: "name", Op: "sw", Values: []string{`\`}}}},
	}
	for _, tc := range cases {
		got, err := Parse(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		``, `accessRequestId`, `accessRequestId eq`, `accessRequestId eq "open`, `a eq "x" or b eq "y"`,
		`a eq "x" and`, `a in "x"`, `a in ("x"`, `a in ()`, `a eq "\n"`, `a eq "x\`, `(a eq "x")`, `a eq and`,
	} {
		_, err := Parse(in)
		assert.Error(t, err, "%q", in)
	}
}

func TestQuoteRoundTrips(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"", "plain", `a"b`, `a\b`, `\"`, `" and x eq "y`, "ünïcødé"} {
		expr, err := Parse("f eq " + Quote(v))
		require.NoError(t, err, v)
		require.Len(t, expr, 1)
		assert.Equal(t, []string{v}, expr[0].Values)
	}
}
