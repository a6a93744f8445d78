// Package field declares custom-field keys at run time, as Tencent's console does:
// member keys (AppMemberDefinedData) and group keys (AppDefinedData), stored per app and
// applied to the app's im.FieldSet at once, so the next call may use them. The keys of
// the configuration file still count: the custom-field limits of docs/compatibility.md
// (at most 5 member and 10 group keys by default) hold for both together.
package field

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/timdhq/timd/internal/im"
)

// Service declares and lists custom-field keys on a store.
type Service struct {
	store im.Store
	clock im.Clock
}

// New returns a Service on store; a nil clock means im.SystemClock.
func New(store im.Store, clock im.Clock) *Service {
	if clock == nil {
		clock = im.SystemClock{}
	}
	return &Service{store: store, clock: clock}
}

// Key is one custom-field key an app defines.
type Key struct {
	Kind       im.FieldKind
	Key        string
	Configured bool  // listed in the configuration file
	Declared   int64 // unix seconds when it was declared at run time; 0 if it was not
}

// Load reads the declarations of every app from the store into the app's Declared set,
// creating the set if the app has none. A server calls it when it starts, before the
// apps serve calls (the set must not be created while they do), and then now and again
// (Refresh), so that keys another replica declared reach this one.
func (s *Service) Load(ctx context.Context, apps []*im.App) error {
	for _, app := range apps {
		var fs []im.Field
		err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) (err error) {
			fs, err = tx.ListFields(ctx, app.SDKAppID)
			return err
		})
		if err != nil {
			return fmt.Errorf("load custom fields of app %d: %w", app.SDKAppID, err)
		}
		apply(app, fs)
	}
	return nil
}

// Refresh calls Load every interval until ctx ends, logging nothing: a failed load
// leaves the keys already known in place and is tried again at the next tick.
func (s *Service) Refresh(ctx context.Context, apps []*im.App, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = s.Load(ctx, apps)
		}
	}
}

// apply adds fs to the app's Declared set.
func apply(app *im.App, fs []im.Field) {
	if app.Declared == nil {
		app.Declared = new(im.FieldSet)
	}
	for _, f := range fs {
		app.Declared.Add(f.Kind, f.Key)
	}
}

// List returns every custom-field key of the caller's app, of both kinds, groups first:
// the configured keys in their order, then the declared ones in the order declared. It
// reads the store, so it also picks up keys declared on another replica.
func (s *Service) List(ctx context.Context, c im.Caller) ([]Key, error) {
	var fs []im.Field
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) (err error) {
		fs, err = tx.ListFields(ctx, c.App.SDKAppID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list custom fields: %w", err)
	}
	apply(c.App, fs)
	return keys(c.App, fs), nil
}

// keys merges the configured keys of app with its declarations fs.
func keys(app *im.App, fs []im.Field) []Key {
	var out []Key
	for _, kind := range []im.FieldKind{im.FieldGroup, im.FieldMember} {
		configured := app.GroupFields
		if kind == im.FieldMember {
			configured = app.MemberFields
		}
		for _, k := range configured {
			out = append(out, Key{Kind: kind, Key: k, Configured: true})
		}
		for _, f := range fs {
			if f.Kind != kind {
				continue
			}
			if i := slices.IndexFunc(out, func(k Key) bool { return k.Kind == kind && k.Key == f.Key }); i >= 0 {
				out[i].Declared = f.Created
				continue
			}
			out = append(out, Key{Kind: kind, Key: f.Key, Declared: f.Created})
		}
	}
	return out
}

// Declare declares key as a custom field of kind for the caller's app and reports
// whether it is new: a key the app already defines, by configuration or declaration,
// is left as it is. The app may define at most Limits.MemberFieldsMax member keys and
// Limits.GroupFieldsMax group keys, configured and declared together. Errors: 10004 for
// a kind other than Member or Group, a key that is not 1..16 bytes of A-Z a-z 0-9 _, or
// a key beyond the limit.
//
// The declaration is stored before the app's set learns it, so a key the rules accept
// is never lost by a restart.
func (s *Service) Declare(ctx context.Context, c im.Caller, kind im.FieldKind, key string) (bool, error) {
	if !kind.Valid() {
		return false, im.Errorf(im.CodeInvalidParam, "Kind must be Member or Group, not %q", kind)
	}
	if !im.ValidFieldKey(key) {
		return false, im.Errorf(im.CodeInvalidParam, "Key %q is not a custom-field key: 1 to 16 bytes of A-Z a-z 0-9 _", key)
	}
	app := c.App
	var fs []im.Field
	added := false
	err := s.store.Update(ctx, func(ctx context.Context, tx im.Tx) (err error) {
		added = false
		if fs, err = tx.ListFields(ctx, app.SDKAppID); err != nil {
			return err
		}
		defined := defined(app, fs, kind)
		if slices.Contains(defined, key) {
			return nil
		}
		if limit := maxKeys(app, kind); len(defined) >= limit {
			return im.Errorf(im.CodeInvalidParam, "Key %q would be %s custom field %d; an app may define at most %d (%s)",
				key, kind, len(defined)+1, limit, listKeys(defined))
		}
		f := im.Field{App: app.SDKAppID, Kind: kind, Key: key, Created: s.clock.Now().Unix()}
		if err := tx.PutField(ctx, f); err != nil {
			return err
		}
		fs, added = append(fs, f), true
		return nil
	})
	if err != nil {
		return false, err
	}
	apply(app, fs)
	return added, nil
}

// defined returns the keys of kind the app defines: configured, then declared in fs.
func defined(app *im.App, fs []im.Field, kind im.FieldKind) []string {
	out := slices.Clone(app.GroupFields)
	if kind == im.FieldMember {
		out = slices.Clone(app.MemberFields)
	}
	for _, f := range fs {
		if f.Kind == kind && !slices.Contains(out, f.Key) {
			out = append(out, f.Key)
		}
	}
	return out
}

// maxKeys returns how many keys of kind the app may define.
func maxKeys(app *im.App, kind im.FieldKind) int {
	if kind == im.FieldMember {
		return app.Limits.MemberFieldsMax
	}
	return app.Limits.GroupFieldsMax
}

// listKeys lists keys for an ErrorInfo.
func listKeys(keys []string) string { return fmt.Sprintf("defined: %q", keys) }
