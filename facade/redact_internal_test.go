package facade

import "testing"

func TestRedactURLHidesOnlyThePassword(t *testing.T) {
	cases := []struct{ name, raw, want string }{
		{"a URL that parses keeps its user name", "https://ann:hunter22@acme.api.identitynow.com/beta", "https://ann:xxxxx@acme.api.identitynow.com/beta"},
		{"a URL that does not parse loses all of its user information", "https://ann:hun ter%zz@acme.api.identitynow.com", "https://xxxxx@acme.api.identitynow.com"},
		{"the last @ ends the user information", "https://a@b:pw%zz@host", "https://xxxxx@host"},
		{"no scheme: everything before the @ goes", "ann:pw%zz@host", "xxxxx@host"},
		{"a // after the @ is not the scheme's", "ann:pw%zz@host//path", "xxxxx@host//path"},
		{"a scheme-relative URL keeps its //", "//ann:pw%zz@host", "//xxxxx@host"},
		{"an empty user information is still marked as cut", "@host%zz", "xxxxx@host%zz"},
		{"nothing to hide in a URL that does not parse", "https://acme%zz.example", "https://acme%zz.example"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := redactURL(tc.raw); got != tc.want {
				t.Errorf("redactURL(%q) = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
}
