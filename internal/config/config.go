// Package config holds timd's configuration: the Config type, its defaults, loading it from
// flags, environment variables and a JSON file, validating it, and resolving the apps'
// secret keys.
//
// Settings are applied in this order, each overriding the one before: Default(), the
// config file, environment variables, then the flags given on the command line. A flag
// that is not given leaves the value from the layers below untouched.
//
//	flag                 environment              config file            default
//	-config              TIMD_CONFIG              -                      no file
//	-listen              TIMD_LISTEN              listen                 127.0.0.1:8080
//	-data                TIMD_DATA                data                   ./timd-data
//	-postgres-dsn        TIMD_POSTGRES_DSN        postgres_dsn           "" (SQLite under data)
//	-postgres-max-conns  TIMD_POSTGRES_MAX_CONNS  postgres_max_conns     32
//	-postgres-min-conns  TIMD_POSTGRES_MIN_CONNS  postgres_min_conns     0
//	-log-level           TIMD_LOG_LEVEL           log_level              info
//	-shutdown-timeout    TIMD_SHUTDOWN_TIMEOUT    shutdown_timeout       10s
//	-dev                 TIMD_DEV                 dev                    false
//	-strict              TIMD_STRICT              strict                 false
//	-seed                TIMD_SEED                seed                   "" (no fixtures)
//	-tls-cert            TIMD_TLS_CERT            tls_cert               "" (plain HTTP)
//	-tls-key             TIMD_TLS_KEY             tls_key                "" (plain HTTP)
//	-sdkappid            TIMD_SDKAPPID            apps[0].sdkappid       1400000000
//	-secret-key          TIMD_SECRET_KEY          apps[0].secret_key     "" (key file)
//	-admins              TIMD_ADMINS              apps[0].admins         administrator
//	-member-fields       TIMD_MEMBER_FIELDS       apps[0].member_fields  none
//	-group-fields        TIMD_GROUP_FIELDS        apps[0].group_fields   none
//	-callback-url        TIMD_CALLBACK_URL        apps[0].callback.url   "" (no callbacks)
//	-callback-token      TIMD_CALLBACK_TOKEN      apps[0].callback.token "" (unsigned)
//
// The app-shaped settings (sdkappid, secret key, admins, custom fields, callback URL and
// token) given by flag or environment apply to the first app: the one the config file
// lists first, or the development app when no file lists apps. List values are
// comma-separated; spaces around items are trimmed and empty items dropped. Booleans are
// 1, true, 0 or false (or another form strconv.ParseBool accepts). An environment
// variable set to "" counts as unset. Prefer TIMD_SECRET_KEY or the file to -secret-key,
// and TIMD_CALLBACK_TOKEN or the file to -callback-token: other users of the machine can
// see flags in the process list.
//
// # Config file
//
// The config file is JSON. Every key is optional; an unknown key is an error naming it.
// An app's limits and rate limits start from the defaults and the file overrides only the
// keys it gives; max_members and rate_limits.commands merge key by key over the defaults.
// A complete example (see also testdata/example.json):
//
//	{
//	  "listen": "127.0.0.1:8080",
//	  "data": "./timd-data",
//	  "postgres_dsn": "",
//	  "postgres_max_conns": 32,
//	  "postgres_min_conns": 0,
//	  "log_level": "info",
//	  "shutdown_timeout": "10s",
//	  "dev": false,
//	  "strict": false,
//	  "seed": "",
//	  "tls_cert": "",
//	  "tls_key": "",
//	  "apps": [
//	    {
//	      "sdkappid": 1400000001,
//	      "secret_key": "",
//	      "strict": false,
//	      "admins": ["administrator"],
//	      "member_fields": ["Level"],
//	      "group_fields": ["Topic"],
//	      "profile_fields": ["Test"],
//	      "rate_limits": {
//	        "default": 200,
//	        "commands": {"modify_group_member_info": 1000, "account_check": 100}
//	      },
//	      "limits": {
//	        "user_id_max": 32, "group_id_max": 48,
//	        "name_max": 100, "introduction_max": 400, "notification_max": 400,
//	        "face_url_max": 500, "name_card_max": 50,
//	        "member_fields_max": 5, "member_value_max": 64,
//	        "group_fields_max": 10, "group_value_max": 512,
//	        "add_member_batch": 300, "create_member_list": 500,
//	        "delete_member_batch": 100, "account_list_batch": 500,
//	        "group_info_batch": 50, "specified_members": 50,
//	        "member_page_max": 6000, "response_max": 1048576,
//	        "max_members": {"Private": 200, "Public": 2000, "ChatRoom": 6000,
//	                        "AVChatRoom": 0, "Community": 100000},
//	        "admins_per_group": 0,
//	        "account_batch": 100, "account_text_max": 500, "body_max": 1048576,
//	        "group_attr_key_max": 32, "group_attr_value_max": 4000,
//	        "group_attr_keys": 16, "group_attr_total_max": 16000,
//	        "group_attr_write_rate": 5,
//	        "group_counter_keys": 20, "group_counter_key_max": 128,
//	        "topics_per_community": 200, "receipt_members_max": 200
//	      },
//	      "messages": {"send_rate": 40, "retention_days": 7, "tips": true, "broadcast_rate": 1},
//	      "features": {"group_counters": true, "avchatroom_ban": true, "broadcast": true,
//	                   "member_online_status": true, "topics": true, "read_receipts": true},
//	      "callback": {
//	        "url": "https://example.com/timd-callback", "token": "",
//	        "commands": ["Group.CallbackAfterMemberFieldChanged"],
//	        "timeout": "2s", "deny_on_failure": false, "give_up_after": "24h",
//	        "retry_min": "1s", "retry_max": "5m", "concurrency": 8
//	      }
//	    }
//	  ]
//	}
//
// group_attr_write_rate caps the attribute writes of one group per second, counted by
// each process (0 turns it off); the other group_attr_ limits bound a group's attributes
// (docs/compatibility.md §10), as group_counter_keys and group_counter_key_max bound its
// counters. max_members is keyed by group type; the newer names Work (Private) and
// Meeting (ChatRoom) are accepted too. An empty secret_key means the key is read from, or
// created in, <data>/secret-<sdkappid>.key (see Config.ResolveSecrets;
// Config.ReadSecrets, for the commands that sign for a running server, reads it and never
// creates one).
//
// strict turns strict mode on for every app, and an app's own strict for that app alone
// (see Config.Strict).
//
// profile_fields declares the app's custom profile fields by keyword: "Test" is the tag
// Tag_Profile_Custom_Test of portrait_set and portrait_get.
//
// features turns off what Tencent sells with its Ultimate edition or behind a console
// switch; each is on unless set to false: group_counters (get_group_counter,
// update_group_counter and delete_group_counter answer 10059 when off), avchatroom_ban
// (ban_group_member, unban_group_member and get_group_ban_member answer 10007 when off),
// broadcast (send_broadcast_msg answers 10007 when off) and member_online_status
// (get_online_member_num answers 10007 for groups other than AVChatRooms when off).
//
// messages are the app's message settings: send_rate (messages stored per second per
// group, 0 off), retention_days (0 keeps messages forever), tips (tips of group changes
// in the message stream) and broadcast_rate (send_broadcast_msg calls per second, 0
// off; over it, 10023).
//
// callback configures the app's third-party callbacks: url (none turns them off), token
// (signs each call with RequestTime and Sign), commands (the CallbackCommands that are on;
// none listed means all), timeout of one call, deny_on_failure (a before-callback that
// fails refuses the call instead of allowing it), give_up_after (how long an
// after-callback is retried), retry_min and retry_max (the backoff between attempts), and
// concurrency (after-callbacks in flight at once). Defaults are those shown above.
package config

import (
	"maps"
	"slices"
	"time"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/webhook"
)

// Defaults of the settings that are not per app.
const (
	defaultListen          = "127.0.0.1:8080"
	defaultDataDir         = "./timd-data"
	defaultLogLevel        = "info"
	defaultShutdownTimeout = 10 * time.Second
	defaultPostgresMaxConn = 32
	devSDKAppID            = 1400000000
	defaultAdmin           = "administrator"
	defaultRate            = 200
	accountRate            = 100
)

// Config is timd's whole configuration. Default gives every default; Load builds one from
// flags, environment and a config file.
type Config struct {
	// Listen is the host:port the HTTP server listens on (TIMD_LISTEN, -listen);
	// default "127.0.0.1:8080".
	Listen string
	// DataDir holds the embedded SQLite database and the secret key files (TIMD_DATA,
	// -data); default "./timd-data".
	DataDir string
	// PostgresDSN selects PostgreSQL as the store (TIMD_POSTGRES_DSN, -postgres-dsn);
	// default "", meaning embedded SQLite under DataDir. It may hold a password, so it is
	// never put into an error message.
	PostgresDSN string
	// PostgresMaxConns caps the PostgreSQL connection pool (TIMD_POSTGRES_MAX_CONNS,
	// -postgres-max-conns); default 32. Requests that need a connection beyond it wait.
	PostgresMaxConns int
	// PostgresMinConns is the number of PostgreSQL connections kept open even when idle
	// (TIMD_POSTGRES_MIN_CONNS, -postgres-min-conns); default 0.
	PostgresMinConns int
	// LogLevel is one of "debug", "info", "warn", "error" (TIMD_LOG_LEVEL, -log-level);
	// default "info".
	LogLevel string
	// ShutdownTimeout bounds the graceful shutdown (TIMD_SHUTDOWN_TIMEOUT,
	// -shutdown-timeout, a Go duration); default 10s.
	ShutdownTimeout time.Duration
	// Dev enables the development-only control endpoints /dev/reset, /dev/clock and
	// /dev/requests, with an adjustable clock and a request journal (TIMD_DEV, -dev);
	// default false. They authenticate like the REST API; see httpapi.DevControl.
	Dev bool
	// Strict turns strict mode on for every app (TIMD_STRICT, -strict, strict); default
	// false. App.Strict turns it on for one app. In strict mode the REST API refuses what
	// Tencent accepts but may misread: a body field the command does not know or gives
	// under an old name (60003), a query without random or contenttype, or an old
	// command word (60002) (docs/compatibility.md §9).
	Strict bool
	// Seed names a JSON file of fixtures, in the format of `timd export`, that the server
	// loads at start through its services, every rule applying, into the app the file
	// names (TIMD_SEED, -seed, seed); default "", none. Loading is idempotent: what
	// exists is left alone. /dev/reset can reset an app to it (docs/compatibility.md §9).
	Seed string
	// TLSCert and TLSKey are the PEM files of the server's TLS certificate and key
	// (TIMD_TLS_CERT / TIMD_TLS_KEY, -tls-cert / -tls-key); default "", meaning plain
	// HTTP. Both or neither must be set.
	TLSCert, TLSKey string
	// DebugListen, when set, serves Go's pprof profiles (/debug/pprof/) on this
	// host:port, apart from the API. TIMD_DEBUG_LISTEN, -debug-listen; default "" (off).
	// Bind it to loopback: profiles are not authenticated.
	DebugListen string
	// Apps are the apps served; default one development app (see Default).
	Apps []App
	// File is the config file Load read (-config, TIMD_CONFIG), as it was named; default
	// "", none. It is for messages: Load has applied the file.
	File string
}

// App is one SDKAppID's settings.
type App struct {
	// SDKAppID identifies the app; the development app's is 1400000000.
	SDKAppID uint64
	// SecretKey signs and verifies the app's UserSigs; default "", meaning the key is read
	// from or created in <DataDir>/secret-<sdkappid>.key by ResolveSecrets.
	SecretKey string
	// KeySource says where SecretKey came from, for messages (never the key itself):
	// "TIMD_SECRET_KEY", "-secret-key", "apps[0].secret_key in timd.json", "key file
	// timd-data/secret-1400000000.key" or "new key file ..."; set by Load, ResolveSecrets
	// and ReadSecrets; default "".
	KeySource string
	// Admins are the app admin accounts, the only identifiers the REST API accepts;
	// default ["administrator"].
	Admins []string
	// MemberFields are the member custom-field keys the app defines; default none.
	MemberFields []string
	// GroupFields are the group custom-field keys the app defines; default none.
	GroupFields []string
	// ProfileFields are the custom profile fields the app declares, by keyword ("Test"
	// for Tag_Profile_Custom_Test): 1 to 8 bytes of A-Z a-z 0-9 _; default none.
	ProfileFields []string
	// Limits are the app's size limits; default im.DefaultLimits(). A config file may
	// override any field.
	Limits im.Limits
	// RateLimits are the app's per-command request rates; default DefaultRateLimits().
	RateLimits RateLimits
	// Messages are the app's message settings (per-group send rate, retention, tips);
	// default im.DefaultMessageSettings(). A config file may override any field.
	Messages im.MessageSettings
	// Features turn on or off what Tencent sells with its Ultimate edition or behind a
	// console switch; default im.DefaultFeatures(), every feature on.
	Features im.Features
	// Strict turns strict mode on for this app (the file's apps[i].strict); default
	// false. Config.Strict turns it on for every app.
	Strict bool
	// Callback is the app's third-party callback configuration; default none (no URL).
	// TIMD_CALLBACK_URL and TIMD_CALLBACK_TOKEN set the first app's URL and token.
	Callback webhook.Config
}

// RateLimits are per-command request rates of one app, in calls per second; 0 disables a
// limit.
type RateLimits struct {
	// Default is the rate of every command not in Commands; default 200.
	Default float64
	// Commands are the rates of single commands, by command word (e.g.
	// "modify_group_member_info"). Defaults: multiaccount_import, account_check and
	// account_delete 100.
	Commands map[string]float64
}

// DefaultRateLimits returns the rate limits of docs/compatibility.md §1: 200 calls per second, and
// 100 for the account commands Tencent documents at 100.
func DefaultRateLimits() RateLimits {
	return RateLimits{
		Default: defaultRate,
		Commands: map[string]float64{
			"multiaccount_import": accountRate,
			"account_check":       accountRate,
			"account_delete":      accountRate,
		},
	}
}

// For returns the rate of command: Commands[command] if present, else Default.
func (r RateLimits) For(command string) float64 {
	if rate, ok := r.Commands[command]; ok {
		return rate
	}
	return r.Default
}

// Domain returns the app as the rules of the group system see it. The result shares no
// slices or maps with a.
func (a App) Domain() *im.App {
	limits := a.Limits
	limits.MaxMembers = maps.Clone(a.Limits.MaxMembers)
	return &im.App{
		SDKAppID:      a.SDKAppID,
		Admins:        slices.Clone(a.Admins),
		MemberFields:  slices.Clone(a.MemberFields),
		GroupFields:   slices.Clone(a.GroupFields),
		ProfileFields: slices.Clone(a.ProfileFields),
		Limits:        limits,
		Messages:      a.Messages,
		Features:      a.Features,
	}
}

// Default returns the default configuration: every field's default and one development
// app with SDKAppID 1400000000, admin "administrator", no secret key (so ResolveSecrets
// reads or creates its key file), no custom fields, and the default limits and rates.
func Default() Config {
	return Config{
		Listen:           defaultListen,
		DataDir:          defaultDataDir,
		LogLevel:         defaultLogLevel,
		ShutdownTimeout:  defaultShutdownTimeout,
		PostgresMaxConns: defaultPostgresMaxConn,
		Apps:             []App{newApp(devSDKAppID)},
	}
}

// newApp returns an app with the given SDKAppID and every other setting at its default.
func newApp(sdkAppID uint64) App {
	return App{
		SDKAppID:   sdkAppID,
		Admins:     []string{defaultAdmin},
		Limits:     im.DefaultLimits(),
		RateLimits: DefaultRateLimits(),
		Messages:   im.DefaultMessageSettings(),
		Features:   im.DefaultFeatures(),
	}
}
