package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"time"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/webhook"
)

// fileConfig is the config file's shape (see the package doc). Pointer fields tell a key
// that is absent, which keeps the value below it, from one set to its zero value.
type fileConfig struct {
	Listen           *string   `json:"listen"`
	Data             *string   `json:"data"`
	PostgresDSN      *string   `json:"postgres_dsn"`
	PostgresMaxConns *int      `json:"postgres_max_conns"`
	PostgresMinConns *int      `json:"postgres_min_conns"`
	LogLevel         *string   `json:"log_level"`
	ShutdownTimeout  *string   `json:"shutdown_timeout"`
	Dev              *bool     `json:"dev"`
	Strict           *bool     `json:"strict"`
	Seed             *string   `json:"seed"`
	TLSCert          *string   `json:"tls_cert"`
	TLSKey           *string   `json:"tls_key"`
	DebugListen      *string   `json:"debug_listen"`
	Apps             []fileApp `json:"apps"`
}

type fileApp struct {
	SDKAppID      uint64        `json:"sdkappid"`
	SecretKey     string        `json:"secret_key"`
	Strict        bool          `json:"strict"`
	Admins        *[]string     `json:"admins"`
	MemberFields  []string      `json:"member_fields"`
	GroupFields   []string      `json:"group_fields"`
	ProfileFields []string      `json:"profile_fields"`
	RateLimits    *fileRates    `json:"rate_limits"`
	Limits        *fileLimits   `json:"limits"`
	Messages      *fileMessages `json:"messages"`
	Features      *fileFeatures `json:"features"`
	Callback      *fileCallback `json:"callback"`
}

// fileFeatures turn an app's features on and off; absent keys keep their defaults (on).
type fileFeatures struct {
	GroupCounters      *bool `json:"group_counters"`
	AVChatRoomBan      *bool `json:"avchatroom_ban"`
	Broadcast          *bool `json:"broadcast"`
	MemberOnlineStatus *bool `json:"member_online_status"`
	Topics             *bool `json:"topics"`
	ReadReceipts       *bool `json:"read_receipts"`
}

// apply sets the features ff gives in f.
func (ff *fileFeatures) apply(f *im.Features) {
	set(&f.GroupCounters, ff.GroupCounters)
	set(&f.AVChatRoomBan, ff.AVChatRoomBan)
	set(&f.Broadcast, ff.Broadcast)
	set(&f.MemberOnlineStatus, ff.MemberOnlineStatus)
	set(&f.Topics, ff.Topics)
	set(&f.ReadReceipts, ff.ReadReceipts)
}

// fileMessages are an app's message settings; absent keys keep their defaults.
type fileMessages struct {
	SendRate      *int   `json:"send_rate"`
	RetentionDays *int64 `json:"retention_days"`
	Tips          *bool  `json:"tips"`
	BroadcastRate *int   `json:"broadcast_rate"`
}

// apply sets the settings fm gives in m.
func (fm *fileMessages) apply(m *im.MessageSettings) error {
	if fm.SendRate != nil && *fm.SendRate < 0 {
		return fmt.Errorf("send_rate %d is negative; 0 turns the per-group cap off", *fm.SendRate)
	}
	if fm.BroadcastRate != nil && *fm.BroadcastRate < 0 {
		return fmt.Errorf("broadcast_rate %d is negative; 0 turns the cap off", *fm.BroadcastRate)
	}
	if fm.RetentionDays != nil && *fm.RetentionDays < 0 {
		return fmt.Errorf("retention_days %d is negative; 0 keeps messages forever", *fm.RetentionDays)
	}
	set(&m.SendRate, fm.SendRate)
	if fm.RetentionDays != nil {
		m.Retention = *fm.RetentionDays * 24 * 3600
	}
	set(&m.Tips, fm.Tips)
	set(&m.BroadcastRate, fm.BroadcastRate)
	return nil
}

type fileCallback struct {
	URL           string   `json:"url"`
	Token         string   `json:"token"`
	Commands      []string `json:"commands"`
	Timeout       string   `json:"timeout"`
	DenyOnFailure bool     `json:"deny_on_failure"`
	GiveUpAfter   string   `json:"give_up_after"`
	RetryMin      string   `json:"retry_min"`
	RetryMax      string   `json:"retry_max"`
	Concurrency   int      `json:"concurrency"`
}

// config returns the callback configuration fc describes; durations are Go durations
// ("2s", "24h"), and absent ones keep their defaults.
func (fc *fileCallback) config() (webhook.Config, error) {
	c := webhook.Config{URL: fc.URL, Token: fc.Token, Commands: fc.Commands, DenyOnFailure: fc.DenyOnFailure, Concurrency: fc.Concurrency}
	for _, d := range []struct {
		name string
		text string
		to   *time.Duration
	}{{"timeout", fc.Timeout, &c.Timeout}, {"give_up_after", fc.GiveUpAfter, &c.GiveUpAfter}, {"retry_min", fc.RetryMin, &c.RetryMin}, {"retry_max", fc.RetryMax, &c.RetryMax}} {
		if d.text == "" {
			continue
		}
		v, err := time.ParseDuration(d.text)
		if err != nil {
			return c, fmt.Errorf("%s: %w", d.name, err)
		}
		*d.to = v
	}
	return c.WithDefaults(), nil
}

type fileRates struct {
	Default  *float64           `json:"default"`
	Commands map[string]float64 `json:"commands"`
}

type fileLimits struct {
	UserIDMax         *int             `json:"user_id_max"`
	GroupIDMax        *int             `json:"group_id_max"`
	NameMax           *int             `json:"name_max"`
	IntroductionMax   *int             `json:"introduction_max"`
	NotificationMax   *int             `json:"notification_max"`
	FaceURLMax        *int             `json:"face_url_max"`
	NameCardMax       *int             `json:"name_card_max"`
	MemberFieldsMax   *int             `json:"member_fields_max"`
	MemberValueMax    *int             `json:"member_value_max"`
	GroupFieldsMax    *int             `json:"group_fields_max"`
	GroupValueMax     *int             `json:"group_value_max"`
	AddMemberBatch    *int             `json:"add_member_batch"`
	CreateMemberList  *int             `json:"create_member_list"`
	DeleteMemberBatch *int             `json:"delete_member_batch"`
	AccountListBatch  *int             `json:"account_list_batch"`
	GroupInfoBatch    *int             `json:"group_info_batch"`
	SpecifiedMembers  *int             `json:"specified_members"`
	MemberPageMax     *int             `json:"member_page_max"`
	ResponseMax       *int             `json:"response_max"`
	MaxMembers        map[string]int64 `json:"max_members"`
	AdminsPerGroup    *int             `json:"admins_per_group"`
	AccountBatch      *int             `json:"account_batch"`
	AccountTextMax    *int             `json:"account_text_max"`
	BodyMax           *int             `json:"body_max"`
	GroupAttrKeyMax   *int             `json:"group_attr_key_max"`
	GroupAttrValueMax *int             `json:"group_attr_value_max"`
	GroupAttrKeys     *int             `json:"group_attr_keys"`
	GroupAttrTotalMax *int             `json:"group_attr_total_max"`
	GroupAttrRate     *int             `json:"group_attr_write_rate"`
	GroupCounterKeys  *int             `json:"group_counter_keys"`
	GroupCounterKey   *int             `json:"group_counter_key_max"`
	TopicsPerGroup    *int             `json:"topics_per_community"`
	ReceiptMembers    *int             `json:"receipt_members_max"`
}

// applyFile reads the config file at path and applies it over c.
func applyFile(c *Config, path string) error {
	f, err := readFile(path)
	if err != nil {
		return fmt.Errorf("config: file %s: %w", path, err)
	}
	if err := f.apply(c); err != nil {
		return fmt.Errorf("config: file %s: %w", path, err)
	}
	for i := range c.Apps {
		if c.Apps[i].SecretKey != "" {
			c.Apps[i].KeySource = fmt.Sprintf("apps[%d].secret_key in %s", i, path)
		}
	}
	return nil
}

// readFile decodes the config file at path, rejecting unknown keys and trailing data.
func readFile(path string) (*fileConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f fileConfig
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the top-level JSON object")
	}
	return &f, nil
}

// apply sets every setting f gives on c.
func (f *fileConfig) apply(c *Config) error {
	set(&c.Listen, f.Listen)
	set(&c.DataDir, f.Data)
	set(&c.PostgresDSN, f.PostgresDSN)
	set(&c.PostgresMaxConns, f.PostgresMaxConns)
	set(&c.PostgresMinConns, f.PostgresMinConns)
	set(&c.LogLevel, f.LogLevel)
	set(&c.Dev, f.Dev)
	set(&c.Strict, f.Strict)
	set(&c.Seed, f.Seed)
	set(&c.TLSCert, f.TLSCert)
	set(&c.TLSKey, f.TLSKey)
	set(&c.DebugListen, f.DebugListen)
	if f.ShutdownTimeout != nil {
		d, err := time.ParseDuration(*f.ShutdownTimeout)
		if err != nil {
			return fmt.Errorf("shutdown_timeout: %w", err)
		}
		c.ShutdownTimeout = d
	}
	return f.applyApps(c)
}

// applyApps replaces c's apps by the file's, when the file lists any.
func (f *fileConfig) applyApps(c *Config) error {
	if f.Apps == nil {
		return nil
	}
	if len(f.Apps) == 0 {
		return errors.New("apps: empty list; leave apps out to serve the development app")
	}
	c.Apps = make([]App, len(f.Apps))
	for i, fa := range f.Apps {
		a, err := fa.app()
		if err != nil {
			return fmt.Errorf("apps[%d].%w", i, err)
		}
		c.Apps[i] = a
	}
	return nil
}

// app returns the App fa describes, with defaults where fa is silent.
func (fa *fileApp) app() (App, error) {
	a := newApp(fa.SDKAppID)
	a.SecretKey = fa.SecretKey
	a.Strict = fa.Strict
	set(&a.Admins, fa.Admins)
	a.MemberFields = fa.MemberFields
	a.GroupFields = fa.GroupFields
	a.ProfileFields = fa.ProfileFields
	if fa.RateLimits != nil {
		set(&a.RateLimits.Default, fa.RateLimits.Default)
		maps.Copy(a.RateLimits.Commands, fa.RateLimits.Commands)
	}
	if fa.Limits != nil {
		if err := fa.Limits.apply(&a.Limits); err != nil {
			return App{}, fmt.Errorf("limits.%w", err)
		}
	}
	if fa.Messages != nil {
		if err := fa.Messages.apply(&a.Messages); err != nil {
			return App{}, fmt.Errorf("messages.%w", err)
		}
	}
	if fa.Features != nil {
		fa.Features.apply(&a.Features)
	}
	if fa.Callback != nil {
		cb, err := fa.Callback.config()
		if err != nil {
			return App{}, fmt.Errorf("callback.%w", err)
		}
		a.Callback = cb
	}
	return a, nil
}

// apply sets every limit fl gives on l.
func (fl *fileLimits) apply(l *im.Limits) error {
	set(&l.UserIDMax, fl.UserIDMax)
	set(&l.GroupIDMax, fl.GroupIDMax)
	set(&l.NameMax, fl.NameMax)
	set(&l.IntroductionMax, fl.IntroductionMax)
	set(&l.NotificationMax, fl.NotificationMax)
	set(&l.FaceURLMax, fl.FaceURLMax)
	set(&l.NameCardMax, fl.NameCardMax)
	set(&l.MemberFieldsMax, fl.MemberFieldsMax)
	set(&l.MemberValueMax, fl.MemberValueMax)
	set(&l.GroupFieldsMax, fl.GroupFieldsMax)
	set(&l.GroupValueMax, fl.GroupValueMax)
	set(&l.AddMemberBatch, fl.AddMemberBatch)
	set(&l.CreateMemberList, fl.CreateMemberList)
	set(&l.DeleteMemberBatch, fl.DeleteMemberBatch)
	set(&l.AccountListBatch, fl.AccountListBatch)
	set(&l.GroupInfoBatch, fl.GroupInfoBatch)
	set(&l.SpecifiedMembers, fl.SpecifiedMembers)
	set(&l.MemberPageMax, fl.MemberPageMax)
	set(&l.ResponseMax, fl.ResponseMax)
	set(&l.AdminsPerGroup, fl.AdminsPerGroup)
	set(&l.AccountBatch, fl.AccountBatch)
	set(&l.AccountTextMax, fl.AccountTextMax)
	set(&l.BodyMax, fl.BodyMax)
	set(&l.GroupAttrKeyMax, fl.GroupAttrKeyMax)
	set(&l.GroupAttrValueMax, fl.GroupAttrValueMax)
	set(&l.GroupAttrKeys, fl.GroupAttrKeys)
	set(&l.GroupAttrTotalMax, fl.GroupAttrTotalMax)
	set(&l.GroupAttrWriteRate, fl.GroupAttrRate)
	set(&l.GroupCounterKeys, fl.GroupCounterKeys)
	set(&l.GroupCounterKeyMax, fl.GroupCounterKey)
	set(&l.TopicsPerCommunity, fl.TopicsPerGroup)
	set(&l.ReceiptMembersMax, fl.ReceiptMembers)
	return mergeMaxMembers(l.MaxMembers, fl.MaxMembers)
}

// mergeMaxMembers sets the member counts given by group type name on dst. A type named
// twice (Private and Work, ChatRoom and Meeting) is an error.
func mergeMaxMembers(dst map[im.GroupType]int64, given map[string]int64) error {
	seen := map[im.GroupType]string{}
	for name, n := range given {
		t, ok := im.ParseGroupType(name)
		if !ok {
			return fmt.Errorf("max_members: unknown group type %q", name)
		}
		if other, dup := seen[t]; dup {
			return fmt.Errorf("max_members: %q and %q name the same group type", other, name)
		}
		seen[t] = name
		dst[t] = n
	}
	return nil
}

// set stores *from in *to when from is not nil.
func set[T any](to *T, from *T) {
	if from != nil {
		*to = *from
	}
}
