package config

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/webhook"
)

// Validate reports every problem of c, each as an error naming the field, such as
// "config: apps[1].sdkappid: 0 is not a valid SDKAppID", joined with errors.Join. It
// returns nil for a usable configuration. Secret keys and the PostgreSQL DSN never appear
// in its errors.
func (c *Config) Validate() error {
	var p problems
	c.validateServer(&p)
	if len(c.Apps) == 0 {
		p.addf("apps", "no apps configured")
	}
	seen := map[uint64]int{}
	for i := range c.Apps {
		a := &c.Apps[i]
		field := fmt.Sprintf("apps[%d]", i)
		if first, dup := seen[a.SDKAppID]; dup && a.SDKAppID != 0 {
			p.addf(field+".sdkappid", "%d is also the SDKAppID of apps[%d]", a.SDKAppID, first)
		}
		seen[a.SDKAppID] = i
		a.validate(&p, field)
	}
	return errors.Join(p...)
}

// validateServer checks the settings that are not per app.
func (c *Config) validateServer(p *problems) {
	if err := checkListen(c.Listen); err != nil {
		p.addf("listen", "%q is not host:port: %v", c.Listen, err)
	}
	if c.DataDir == "" {
		p.addf("data", "empty; the data directory must be named")
	}
	if !validLogLevel(c.LogLevel) {
		p.addf("log_level", "%q is not one of debug, info, warn, error", c.LogLevel)
	}
	if c.ShutdownTimeout <= 0 {
		p.addf("shutdown_timeout", "%v is not positive", c.ShutdownTimeout)
	}
	if c.DebugListen != "" {
		if err := checkListen(c.DebugListen); err != nil {
			p.addf("debug_listen", "%q is not host:port: %v", c.DebugListen, err)
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		p.addf("tls_cert, tls_key", "give both or neither (%s, %s)", setting("tls-cert"), setting("tls-key"))
	}
	checkDSN(p, c.PostgresDSN)
	if c.PostgresMaxConns < 1 || c.PostgresMaxConns > math.MaxInt32 {
		p.addf("postgres_max_conns", "%d is not from 1 to %d", c.PostgresMaxConns, math.MaxInt32)
	}
	if c.PostgresMinConns < 0 || c.PostgresMinConns > c.PostgresMaxConns {
		p.addf("postgres_min_conns", "%d is not from 0 to postgres_max_conns (%d)", c.PostgresMinConns, c.PostgresMaxConns)
	}
}

func validLogLevel(s string) bool {
	switch s {
	case "debug", "info", "warn", "error":
		return true
	}
	return false
}

// checkListen checks that s is host:port with a numeric port; the host may be empty.
func checkListen(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return err
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return nil
}

// validate checks one app; field names it, as "apps[i]".
func (a *App) validate(p *problems, field string) {
	if a.SDKAppID == 0 {
		p.addf(field+".sdkappid", "0 is not a valid SDKAppID")
	}
	if len(a.Admins) == 0 {
		p.addf(field+".admins", "no admin accounts; at least one is needed")
	}
	for j, admin := range a.Admins {
		if !validUserID(admin, a.Limits.UserIDMax) {
			p.addf(fmt.Sprintf("%s.admins[%d]", field, j),
				"%q is not a UserID (1..%d bytes of printable ASCII)", admin, a.Limits.UserIDMax)
		}
	}
	checkFieldKeys(p, field+".member_fields", a.MemberFields, a.Limits.MemberFieldsMax)
	checkFieldKeys(p, field+".group_fields", a.GroupFields, a.Limits.GroupFieldsMax)
	checkProfileFields(p, field+".profile_fields", a.ProfileFields)
	checkLimits(p, field+".limits", &a.Limits)
	checkRates(p, field+".rate_limits", a.RateLimits)
	checkCallback(p, field+".callback", a.Callback)
}

// checkCallback checks an app's callback configuration.
func checkCallback(p *problems, field string, c webhook.Config) {
	if c.URL == "" {
		return
	}
	if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.addf(field+".url", "must be an http:// or https:// URL")
	}
	c = c.WithDefaults()
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"timeout", c.Timeout}, {"give_up_after", c.GiveUpAfter}, {"retry_min", c.RetryMin}, {"retry_max", c.RetryMax}} {
		if d.v <= 0 {
			p.addf(field+"."+d.name, "%s is not a positive duration", d.v)
		}
	}
	if c.RetryMax < c.RetryMin {
		p.addf(field+".retry_max", "%s is below retry_min %s", c.RetryMax, c.RetryMin)
	}
	if c.Concurrency < 0 {
		p.addf(field+".concurrency", "%d is negative", c.Concurrency)
	}
	// A misspelt command would silently turn that callback off.
	for i, cmd := range c.Commands {
		if !webhook.Known(cmd) {
			p.addf(fmt.Sprintf("%s.commands[%d]", field, i), "%q is not a callback timd sends", cmd)
		}
	}
}

// validUserID reports whether s is 1..limit bytes of printable ASCII (0x20-0x7e).
func validUserID(s string, limit int) bool {
	if len(s) == 0 || len(s) > limit {
		return false
	}
	for i := range len(s) {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// checkFieldKeys checks a list of custom-field keys: each valid, none repeated, at most
// limit of them.
func checkFieldKeys(p *problems, field string, keys []string, limit int) {
	if len(keys) > limit {
		p.addf(field, "%d keys, more than the limit of %d", len(keys), limit)
	}
	for j, key := range keys {
		if !validFieldKey(key) {
			p.addf(fmt.Sprintf("%s[%d]", field, j), "%q is not a custom-field key (1..16 bytes of A-Z a-z 0-9 _)", key)
		}
		if slices.Contains(keys[:j], key) {
			p.addf(fmt.Sprintf("%s[%d]", field, j), "%q is repeated", key)
		}
	}
}

// checkProfileFields checks the keywords of custom profile fields: each 1 to 8 bytes of
// A-Z a-z 0-9 _ (Tencent's rule is letters only; timd is lenient), none repeated.
func checkProfileFields(p *problems, field string, keys []string) {
	for j, key := range keys {
		if len(key) > 8 || !validFieldKey(key) {
			p.addf(fmt.Sprintf("%s[%d]", field, j), "%q is not a profile field keyword (1..8 bytes of A-Z a-z 0-9 _)", key)
		}
		if slices.Contains(keys[:j], key) {
			p.addf(fmt.Sprintf("%s[%d]", field, j), "%q is repeated", key)
		}
	}
}

// validFieldKey reports whether s is 1..16 bytes of A-Z a-z 0-9 _: the rule of keys
// declared at run time too.
func validFieldKey(s string) bool { return im.ValidFieldKey(s) }

// checkLimits checks that every limit is positive, except those where 0 means unlimited.
func checkLimits(p *problems, field string, l *im.Limits) {
	for _, lim := range positiveLimits(l) {
		if lim.value <= 0 {
			p.addf(field+"."+lim.name, "%d is not positive", lim.value)
		}
	}
	if l.AdminsPerGroup < 0 {
		p.addf(field+".admins_per_group", "%d is negative (0 means unlimited)", l.AdminsPerGroup)
	}
	if l.GroupAttrWriteRate < 0 {
		p.addf(field+".group_attr_write_rate", "%d is negative (0 turns the cap off)", l.GroupAttrWriteRate)
	}
	for _, t := range slices.Sorted(maps.Keys(l.MaxMembers)) {
		n := l.MaxMembers[t]
		if !slices.Contains(im.GroupTypes, t) {
			p.addf(field+".max_members", "unknown group type %q", t)
		}
		if n < 0 {
			p.addf(field+".max_members."+string(t), "%d is negative (0 means unlimited)", n)
		}
	}
}

// namedLimit is one limit with its config file name.
type namedLimit struct {
	name  string
	value int
}

// positiveLimits lists the limits that must be positive, by their config file names.
func positiveLimits(l *im.Limits) []namedLimit {
	return []namedLimit{
		{"user_id_max", l.UserIDMax}, {"group_id_max", l.GroupIDMax},
		{"name_max", l.NameMax}, {"introduction_max", l.IntroductionMax},
		{"notification_max", l.NotificationMax}, {"face_url_max", l.FaceURLMax},
		{"name_card_max", l.NameCardMax},
		{"member_fields_max", l.MemberFieldsMax}, {"member_value_max", l.MemberValueMax},
		{"group_fields_max", l.GroupFieldsMax}, {"group_value_max", l.GroupValueMax},
		{"add_member_batch", l.AddMemberBatch}, {"create_member_list", l.CreateMemberList},
		{"delete_member_batch", l.DeleteMemberBatch}, {"account_list_batch", l.AccountListBatch},
		{"group_info_batch", l.GroupInfoBatch}, {"specified_members", l.SpecifiedMembers},
		{"member_page_max", l.MemberPageMax}, {"response_max", l.ResponseMax},
		{"account_batch", l.AccountBatch}, {"account_text_max", l.AccountTextMax},
		{"body_max", l.BodyMax},
		{"group_attr_key_max", l.GroupAttrKeyMax}, {"group_attr_value_max", l.GroupAttrValueMax},
		{"group_attr_keys", l.GroupAttrKeys}, {"group_attr_total_max", l.GroupAttrTotalMax},
		{"group_counter_keys", l.GroupCounterKeys}, {"group_counter_key_max", l.GroupCounterKeyMax},
		{"topics_per_community", l.TopicsPerCommunity}, {"receipt_members_max", l.ReceiptMembersMax},
	}
}

// checkRates checks that every rate is a finite number >= 0.
func checkRates(p *problems, field string, r RateLimits) {
	if !validRate(r.Default) {
		p.addf(field+".default", "%v is not a rate >= 0", r.Default)
	}
	for _, command := range slices.Sorted(maps.Keys(r.Commands)) {
		rate := r.Commands[command]
		if command == "" {
			p.addf(field+".commands", "empty command word")
		}
		if !validRate(rate) {
			p.addf(field+".commands."+command, "%v is not a rate >= 0", rate)
		}
	}
}

func validRate(r float64) bool { return r >= 0 && !math.IsInf(r, 1) }

// problems collects the errors Validate finds.
type problems []error

// add records a problem.
func (p *problems) add(err error) { *p = append(*p, err) }

// addf records a problem of the named field.
func (p *problems) addf(field, format string, args ...any) {
	*p = append(*p, fmt.Errorf("config: %s: %s", field, fmt.Sprintf(format, args...)))
}
