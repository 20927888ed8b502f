package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sailkit/accessrequests/facade"
)

// The vendor's CLI (sail) keeps its settings in ~/.sailpoint/config.yaml, written by viper with
// lower-case keys:
//
//	activeenvironment: acme
//	environments:
//	  acme:
//	    baseurl: https://acme.api.identitynow.com
//	    tenanturl: https://acme.identitynow.com
//	    pat:
//	      clientid: ...
//	      clientsecret: ...
//
// sail 2.x keeps the client id and secret in the operating system's keyring instead (see
// keyring.go), which accessreq reads after the file and before the SAIL_* variables.
//
// The YAML is read with go.yaml.in/yaml/v3, which was already in this module's graph (through
// kin-openapi and oapi-codegen) and is the YAML organisation's maintained continuation of
// gopkg.in/yaml.v3: no new code enters the build.
const (
	configDir  = ".sailpoint"
	configFile = "config.yaml"
	maxConfig  = 1 << 20
)

// vendorConfig is the part of the sail configuration file accessreq uses.
type vendorConfig struct {
	ActiveEnvironment string                       `yaml:"activeenvironment"`
	Environments      map[string]vendorEnvironment `yaml:"environments"`
}

type vendorEnvironment struct {
	BaseURL string `yaml:"baseurl"`
	Pat     struct {
		ClientID     string `yaml:"clientid"`
		ClientSecret string `yaml:"clientsecret"`
	} `yaml:"pat"`
}

// setting is one resolved value and where it came from.
type setting struct{ value, from string }

// settings are the connection settings after file, environment variables and flags.
type settings struct {
	file, env, envFrom              string // the file read ("" if none); the environment used and why
	looked                          string // where the file was looked for
	baseURL, clientID, clientSecret setting
	environments                    []string // every environment in the file, sorted
	active                          string   // the file's active environment
	accounts                        []string // the environment's names as keyring accounts
	keyringErr                      error    // the keyring could not be read (nil: read, or not needed)
}

// settings resolves the connection settings: the file's environment, then SAIL_* variables,
// then flags. The secret is read but never printed.
func (a *app) settings() (*settings, error) {
	s := &settings{}
	cfg, path, err := a.readVendorConfig()
	if err != nil {
		return nil, err
	}
	s.looked = path
	if cfg != nil {
		s.file, s.active = path, strings.ToLower(cfg.ActiveEnvironment)
		for name := range cfg.Environments {
			s.environments = append(s.environments, name)
		}
		slices.Sort(s.environments)
		if err := s.pickEnvironment(cfg, a.envName); err != nil {
			return nil, err
		}
	} else if a.envName != "" {
		return nil, usagef("--env %s: no sail configuration file at %s", a.envName, path)
	}
	a.readKeyring(s)
	s.overlay(&s.baseURL, os.Getenv(facade.EnvBaseURL), facade.EnvBaseURL)
	s.overlay(&s.clientID, os.Getenv(facade.EnvClientID), facade.EnvClientID)
	s.overlay(&s.clientSecret, os.Getenv(facade.EnvClientSecret), facade.EnvClientSecret)
	s.overlay(&s.baseURL, a.baseURL, "--base-url")
	s.overlay(&s.clientID, a.clientID, "--client-id")
	return s, nil
}

// overlay replaces a setting with a non-empty value.
func (s *settings) overlay(dst *setting, value, from string) {
	if strings.TrimSpace(value) != "" {
		*dst = setting{value: value, from: from}
	}
}

// pickEnvironment takes the named environment (or the active one) from the file.
func (s *settings) pickEnvironment(cfg *vendorConfig, flagEnv string) error {
	written, from := flagEnv, "--env"
	if written == "" {
		written, from = cfg.ActiveEnvironment, "activeenvironment"
	}
	name := strings.ToLower(written)
	if name == "" {
		return nil
	}
	env, ok := cfg.Environments[name]
	if !ok {
		return usagef("%s %q: no such environment in %s (it has: %s)", from, name, s.file, strings.Join(s.environments, ", "))
	}
	s.env, s.envFrom = name, from
	s.accounts = []string{written} // sail names the keyring's account after the environment as written
	if name != written {
		s.accounts = append(s.accounts, name)
	}
	key := "environments." + name
	s.overlay(&s.baseURL, env.BaseURL, key+".baseurl")
	s.overlay(&s.clientID, env.Pat.ClientID, key+".pat.clientid")
	s.overlay(&s.clientSecret, env.Pat.ClientSecret, key+".pat.clientsecret")
	return nil
}

// readVendorConfig reads the sail configuration file; (nil, path, nil) when the default file
// does not exist. Keys are matched without regard to case, as sail (viper) does.
func (a *app) readVendorConfig() (*vendorConfig, string, error) {
	path := a.configPath
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, "", nil // no home: only variables and flags
		}
		path = filepath.Join(home, configDir, configFile)
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && a.configPath == "" {
		return nil, path, nil
	}
	if err != nil {
		return nil, path, usagef("--sail-config: %v", err)
	}
	if len(data) > maxConfig {
		return nil, path, usagef("%s: larger than %d bytes: not a sail configuration file", path, maxConfig)
	}
	cfg, err := parseVendorConfig(data)
	if err != nil {
		return nil, path, usagef("%s: %v", path, err)
	}
	return cfg, path, nil
}

func parseVendorConfig(data []byte) (*vendorConfig, error) {
	var raw any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	lowered, err := yaml.Marshal(lowerKeys(raw))
	if err != nil {
		return nil, err
	}
	var cfg vendorConfig
	if err := yaml.Unmarshal(lowered, &cfg); err != nil {
		return nil, err
	}
	envs := make(map[string]vendorEnvironment, len(cfg.Environments))
	for name, env := range cfg.Environments {
		envs[strings.ToLower(name)] = env
	}
	cfg.Environments = envs
	return &cfg, nil
}

// lowerKeys lower-cases every mapping key, recursively.
func lowerKeys(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[strings.ToLower(k)] = lowerKeys(x)
		}
		return out
	case []any:
		for i, x := range t {
			t[i] = lowerKeys(x)
		}
	}
	return v
}

// missing names each required setting that is empty and where it could come from.
func (s *settings) missing(needCredentials bool) error {
	where := func(variable, key string) string {
		w := variable
		if s.env != "" {
			w += " or environments." + s.env + "." + key + " in " + s.file
			if strings.HasPrefix(key, "pat.") {
				w += " or the keyring"
			}
		}
		return w
	}
	var m []string
	if s.baseURL.value == "" {
		m = append(m, "base URL ("+where(facade.EnvBaseURL+", --base-url", "baseurl")+")")
	}
	if needCredentials && s.clientID.value == "" {
		m = append(m, "client id ("+where(facade.EnvClientID+", --client-id", "pat.clientid")+")")
	}
	if needCredentials && s.clientSecret.value == "" {
		m = append(m, "client secret ("+where(facade.EnvClientSecret, "pat.clientsecret")+")")
	}
	if len(m) == 0 {
		return nil
	}
	if hint := s.keyringHint(); hint != "" && needCredentials {
		return usagef("missing %s (%s)", strings.Join(m, "; "), hint)
	}
	return usagef("missing %s", strings.Join(m, "; "))
}

// tenant names the tenant for a confirmation: its host, and the environment when one is used.
func (s *settings) tenant() string {
	host := s.baseURL.value
	if u, err := url.Parse(host); err == nil && u.Host != "" {
		host = u.Host
	}
	if s.env != "" {
		return clean(fmt.Sprintf("%s (environment %q)", host, s.env))
	}
	return clean(host)
}
