package config

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Load builds the configuration from Default(), the config file, the environment and the
// command line, in that order of increasing precedence, and validates it.
//
// Load registers its flags on fs and then parses args with it, so a caller may register
// flags of its own on fs first and read them after Load returns; calling Load twice with
// the same fs panics, as redefining a flag does. The config file is named by -config,
// else by TIMD_CONFIG; with neither there is no file. lookupEnv is normally os.LookupEnv;
// nil means an empty environment. A variable set to the empty string counts as unset.
//
// A malformed value is an error naming the flag or variable; a command line fs cannot
// parse (an unknown flag, a malformed flag value, -h) is a *UsageError wrapping fs's
// error, flag.ErrHelp for -h. Load does not resolve secret keys; see ResolveSecrets.
func Load(fs *flag.FlagSet, args []string, lookupEnv func(string) (string, bool)) (Config, error) {
	if lookupEnv == nil {
		lookupEnv = func(string) (string, bool) { return "", false }
	}
	configFlag := fs.String("config", "", "config `file` (JSON); default none; env TIMD_CONFIG")
	for _, k := range knobs() {
		fs.Var(&knobValue{knob: k}, k.flag, k.usage+"; env "+k.env)
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, &UsageError{Err: err}
	}
	c := Default()
	if path := configPath(fs, *configFlag, lookupEnv); path != "" {
		if err := applyFile(&c, path); err != nil {
			return Config{}, err
		}
		c.File = path
	}
	if err := applyEnv(&c, lookupEnv); err != nil {
		return Config{}, err
	}
	applyFlags(&c, fs)
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// A UsageError is a command line that Load could not parse, as opposed to a
// configuration it parsed and found wrong.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the flag package's error.
func (e *UsageError) Unwrap() error { return e.Err }

// configPath returns the config file named by -config if it was given, else by
// TIMD_CONFIG.
func configPath(fs *flag.FlagSet, flagValue string, lookupEnv func(string) (string, bool)) string {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "config" })
	if given {
		return flagValue
	}
	path, _ := lookupEnv("TIMD_CONFIG")
	return path
}

// applyEnv applies every knob whose environment variable is set and not empty.
func applyEnv(c *Config, lookupEnv func(string) (string, bool)) error {
	for _, k := range knobs() {
		s, ok := lookupEnv(k.env)
		if !ok || s == "" {
			continue
		}
		set, err := k.parse(s)
		if err != nil {
			return fmt.Errorf("config: %s: %w", k.env, err)
		}
		set(c)
		noteKeySource(c, k, k.env)
	}
	return nil
}

// noteKeySource records origin as the first app's KeySource when k is the secret key.
func noteKeySource(c *Config, k knob, origin string) {
	if k.flag == "secret-key" {
		c.Apps[0].KeySource = origin
	}
}

// setting names the setting of a knob in all three of its forms, for messages:
// "tls_cert (TIMD_TLS_CERT, -tls-cert)".
func setting(flagName string) string {
	for _, k := range knobs() {
		if k.flag == flagName {
			return fmt.Sprintf("%s (%s, -%s)", k.key, k.env, k.flag)
		}
	}
	return "-" + flagName
}

// FlagNames returns the names of the configuration flags Load registers, -config first.
func FlagNames() []string {
	names := []string{"config"}
	for _, k := range knobs() {
		names = append(names, k.flag)
	}
	return names
}

// applyFlags applies every knob flag given on the command line.
func applyFlags(c *Config, fs *flag.FlagSet) {
	fs.Visit(func(f *flag.Flag) {
		if v, ok := f.Value.(*knobValue); ok && v.set != nil {
			v.set(c)
			noteKeySource(c, v.knob, "-"+v.knob.flag)
		}
	})
}

// A setter applies one parsed setting to a Config.
type setter func(c *Config)

// A knob is one setting that a flag and an environment variable both set.
type knob struct {
	flag, env, usage string
	key              string // the config file's name of the setting
	isBool           bool   // the flag may be given bare, as -name
	secret           bool   // the value must never be shown
	parse            func(s string) (setter, error)
}

// knobs lists the settings of flags and environment variables.
func knobs() []knob {
	return []knob{
		{flag: "listen", key: "listen", env: "TIMD_LISTEN", usage: "`host:port` to listen on; default " + defaultListen,
			parse: stringKnob(func(c *Config) *string { return &c.Listen })},
		{flag: "data", key: "data", env: "TIMD_DATA", usage: "data `directory`: SQLite database and key files; default " + defaultDataDir,
			parse: stringKnob(func(c *Config) *string { return &c.DataDir })},
		{flag: "postgres-dsn", key: "postgres_dsn", env: "TIMD_POSTGRES_DSN", usage: "PostgreSQL `dsn`; default none (SQLite under the data directory)",
			secret: true, parse: stringKnob(func(c *Config) *string { return &c.PostgresDSN })},
		{flag: "postgres-max-conns", key: "postgres_max_conns", env: "TIMD_POSTGRES_MAX_CONNS", usage: "`number` of PostgreSQL connections at most; default 32",
			parse: intKnob(func(c *Config) *int { return &c.PostgresMaxConns })},
		{flag: "postgres-min-conns", key: "postgres_min_conns", env: "TIMD_POSTGRES_MIN_CONNS", usage: "`number` of PostgreSQL connections kept open when idle; default 0",
			parse: intKnob(func(c *Config) *int { return &c.PostgresMinConns })},
		{flag: "log-level", key: "log_level", env: "TIMD_LOG_LEVEL", usage: "log `level`: debug, info, warn or error; default " + defaultLogLevel,
			parse: stringKnob(func(c *Config) *string { return &c.LogLevel })},
		{flag: "shutdown-timeout", key: "shutdown_timeout", env: "TIMD_SHUTDOWN_TIMEOUT", usage: "graceful shutdown `duration`; default 10s",
			parse: parseShutdownTimeout},
		{flag: "dev", key: "dev", env: "TIMD_DEV", usage: "enable development-only endpoints; default false",
			isBool: true, parse: parseDev},
		{flag: "strict", key: "strict", env: "TIMD_STRICT", usage: "strict mode for every app: refuse ignored fields, old names, a query without random or contenttype; default false",
			isBool: true, parse: parseStrict},
		{flag: "seed", key: "seed", env: "TIMD_SEED", usage: "fixtures `file` (the format of timd export) to load at start; default none",
			parse: stringKnob(func(c *Config) *string { return &c.Seed })},
		{flag: "debug-listen", key: "debug_listen", env: "TIMD_DEBUG_LISTEN", usage: "`host:port` serving pprof profiles (bind to loopback); default none",
			parse: stringKnob(func(c *Config) *string { return &c.DebugListen })},
		{flag: "tls-cert", key: "tls_cert", env: "TIMD_TLS_CERT", usage: "TLS certificate PEM `file`; default none (plain HTTP)",
			parse: stringKnob(func(c *Config) *string { return &c.TLSCert })},
		{flag: "tls-key", key: "tls_key", env: "TIMD_TLS_KEY", usage: "TLS key PEM `file`; default none (plain HTTP)",
			parse: stringKnob(func(c *Config) *string { return &c.TLSKey })},
		{flag: "sdkappid", key: "apps[0].sdkappid", env: "TIMD_SDKAPPID", usage: "`SDKAppID` of the first app; default 1400000000",
			parse: parseSDKAppID},
		{flag: "secret-key", key: "apps[0].secret_key", env: "TIMD_SECRET_KEY", usage: "secret `key` of the first app (prefer the env or file); default: key file in the data directory",
			secret: true, parse: stringKnob(func(c *Config) *string { return &c.Apps[0].SecretKey })},
		{flag: "admins", key: "apps[0].admins", env: "TIMD_ADMINS", usage: "comma `list` of the first app's admin accounts; default " + defaultAdmin,
			parse: listKnob(func(c *Config) *[]string { return &c.Apps[0].Admins })},
		{flag: "member-fields", key: "apps[0].member_fields", env: "TIMD_MEMBER_FIELDS", usage: "comma `list` of the first app's member custom-field keys; default none",
			parse: listKnob(func(c *Config) *[]string { return &c.Apps[0].MemberFields })},
		{flag: "callback-url", key: "apps[0].callback.url", env: "TIMD_CALLBACK_URL", usage: "`URL` of the first app's callbacks; default none",
			parse: stringKnob(func(c *Config) *string { return &c.Apps[0].Callback.URL })},
		{flag: "callback-token", key: "apps[0].callback.token", env: "TIMD_CALLBACK_TOKEN", usage: "`token` that signs the first app's callbacks; default none",
			secret: true, parse: stringKnob(func(c *Config) *string { return &c.Apps[0].Callback.Token })},
		{flag: "group-fields", key: "apps[0].group_fields", env: "TIMD_GROUP_FIELDS", usage: "comma `list` of the first app's group custom-field keys; default none",
			parse: listKnob(func(c *Config) *[]string { return &c.Apps[0].GroupFields })},
	}
}

// stringKnob returns a parser that stores its input in the string field picks.
func stringKnob(field func(c *Config) *string) func(string) (setter, error) {
	return func(s string) (setter, error) {
		return func(c *Config) { *field(c) = s }, nil
	}
}

// intKnob returns a parser that stores its decimal input in the int field picks.
func intKnob(field func(c *Config) *int) func(string) (setter, error) {
	return func(s string) (setter, error) {
		n, err := strconv.Atoi(s)
		return func(c *Config) { *field(c) = n }, err
	}
}

// listKnob returns a parser that stores its comma-separated input in the list field picks.
func listKnob(field func(c *Config) *[]string) func(string) (setter, error) {
	return func(s string) (setter, error) {
		items := splitList(s)
		return func(c *Config) { *field(c) = items }, nil
	}
}

func parseShutdownTimeout(s string) (setter, error) {
	d, err := time.ParseDuration(s)
	return func(c *Config) { c.ShutdownTimeout = d }, err
}

func parseDev(s string) (setter, error) {
	dev, err := strconv.ParseBool(s)
	return func(c *Config) { c.Dev = dev }, err
}

func parseStrict(s string) (setter, error) {
	strict, err := strconv.ParseBool(s)
	return func(c *Config) { c.Strict = strict }, err
}

func parseSDKAppID(s string) (setter, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	return func(c *Config) { c.Apps[0].SDKAppID = id }, err
}

// splitList splits a comma-separated list, trimming spaces and dropping empty items.
func splitList(s string) []string {
	items := []string{}
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// knobValue is the flag.Value of a knob. It parses when the flag is set, so a malformed
// value fails fs.Parse, and keeps the setter for applyFlags.
type knobValue struct {
	knob knob
	text string
	set  setter
}

// String returns the value given, or "" for a secret.
func (v *knobValue) String() string {
	if v == nil || v.knob.secret {
		return ""
	}
	return v.text
}

// Set parses s; a malformed s is an error that names the flag (through package flag).
func (v *knobValue) Set(s string) error {
	set, err := v.knob.parse(s)
	if err != nil {
		return err
	}
	v.text, v.set = s, set
	return nil
}

// IsBoolFlag lets a bool knob be given as a bare -name.
func (v *knobValue) IsBoolFlag() bool { return v.knob.isBool }
