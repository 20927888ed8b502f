package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/sailkit/accessrequests/facade"
)

// The sail CLI (2.x) keeps an environment's client id and secret in the operating system's
// keyring (the Secret Service over D-Bus on Linux, the Keychain on macOS, the Credential
// Manager on Windows), read with github.com/zalando/go-keyring, under these services with the
// environment's name as the account. accessreq reads them with the same library.
const (
	keyringClientID     = "environments.pat.clientid"
	keyringClientSecret = "environments.pat.clientsecret"
)

// keyringWait bounds one keyring read: a desktop keyring that asks to be unlocked, or a D-Bus
// that never answers, must not hold a job.
const keyringWait = 10 * time.Second

// readKeyring fills the client id and secret from the keyring entries of the environment in
// use, where no SAIL_* variable or flag will set them anyway (so a job that has them never
// touches the keyring). A keyring that cannot be read is remembered for a hint, not an error.
func (a *app) readKeyring(s *settings) {
	if len(s.accounts) == 0 {
		return
	}
	for _, k := range []struct {
		service string
		dst     *setting
		set     bool
	}{
		{keyringClientID, &s.clientID, os.Getenv(facade.EnvClientID) != "" || a.clientID != ""},
		{keyringClientSecret, &s.clientSecret, os.Getenv(facade.EnvClientSecret) != ""},
	} {
		if k.set {
			continue
		}
		for _, account := range s.accounts {
			v, err := keyringGet(k.service, account)
			if errors.Is(err, keyring.ErrNotFound) {
				continue
			}
			if err != nil {
				s.keyringErr = err
				return
			}
			s.overlay(k.dst, v, fmt.Sprintf("keyring %s, account %s", k.service, account))
			break
		}
	}
}

// keyringGet reads one entry, giving up after keyringWait.
func keyringGet(service, account string) (string, error) {
	type answer struct {
		v   string
		err error
	}
	got := make(chan answer, 1)
	go func() {
		v, err := keyring.Get(service, account)
		got <- answer{v, err}
	}()
	select {
	case a := <-got:
		return a.v, a.err
	case <-time.After(keyringWait):
		return "", fmt.Errorf("no answer within %v", keyringWait)
	}
}

// keyringHint says, on one line, that the keyring could not be read and what to do instead;
// "" when it was read or not needed.
func (s *settings) keyringHint() string {
	if s.keyringErr == nil {
		return ""
	}
	return clean(fmt.Sprintf("the system keyring, where sail 2.x keeps the client id and secret, could not be read (%v): set %s and %s instead",
		s.keyringErr, facade.EnvClientID, facade.EnvClientSecret))
}
