package account

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/timdhq/timd/internal/im"
)

// Standard profile tags (Tencent's profile page, docs/compatibility.md §11). Nick and
// Image are an account's Nick and FaceUrl, which account_import sets too.
const (
	TagNick            = "Tag_Profile_IM_Nick"
	TagImage           = "Tag_Profile_IM_Image"
	TagGender          = "Tag_Profile_IM_Gender"
	TagBirthDay        = "Tag_Profile_IM_BirthDay"
	TagLocation        = "Tag_Profile_IM_Location"
	TagSelfSignature   = "Tag_Profile_IM_SelfSignature"
	TagAllowType       = "Tag_Profile_IM_AllowType"
	TagLanguage        = "Tag_Profile_IM_Language"
	TagAdminForbidType = "Tag_Profile_IM_AdminForbidType"
	TagLevel           = "Tag_Profile_IM_Level"
	TagRole            = "Tag_Profile_IM_Role"
	// CustomTagPrefix starts the tag of a custom profile field.
	CustomTagPrefix = "Tag_Profile_Custom_"
)

// Profile value limits: a string of at most maxProfileText bytes, a Location of at most
// maxLocation.
const (
	maxProfileText = 500
	maxLocation    = 16
)

// tagDef is what a profile tag holds: a string (of at most max bytes, or one of values),
// or an unsigned 32-bit integer; and its value before it is ever set.
type tagDef struct {
	number bool
	max    int
	values []string
	unset  string
}

// standardTags are the standard profile fields.
var standardTags = map[string]tagDef{
	TagNick:            {max: maxProfileText},
	TagImage:           {max: maxProfileText},
	TagGender:          {values: []string{"Gender_Type_Unknown", "Gender_Type_Female", "Gender_Type_Male"}, unset: "Gender_Type_Unknown"},
	TagBirthDay:        {number: true, unset: "0"},
	TagLocation:        {max: maxLocation},
	TagSelfSignature:   {max: maxProfileText},
	TagAllowType:       {values: []string{"AllowType_Type_NeedConfirm", "AllowType_Type_AllowAny", "AllowType_Type_DenyAny"}, unset: "AllowType_Type_NeedConfirm"},
	TagLanguage:        {number: true, unset: "0"},
	TagAdminForbidType: {values: []string{"AdminForbid_Type_None", "AdminForbid_Type_SendOut"}, unset: "AdminForbid_Type_None"},
	TagLevel:           {number: true, unset: "0"},
	TagRole:            {number: true, unset: "0"},
}

// tag returns the definition of tag for app: a standard field, or a custom field the app
// declares; 40009 for any other.
func tag(app *im.App, tag string) (tagDef, error) {
	if d, ok := standardTags[tag]; ok {
		return d, nil
	}
	if key, ok := strings.CutPrefix(tag, CustomTagPrefix); ok && slices.Contains(app.ProfileFields, key) {
		return tagDef{max: maxProfileText}, nil
	}
	return tagDef{}, im.Errorf(im.CodeProfileNoTag, "profile tag %q is neither standard nor declared by this app", tag)
}

// ProfileItem is one field of a portrait_set request as the adapter read it: a JSON
// string (IsString, with Text), or a JSON number (Number, as written); a value of any
// other JSON type is neither.
type ProfileItem struct {
	Tag      string
	IsString bool
	Text     string
	Number   string
}

// SetProfile is portrait_set: the fields given are set on an imported account, all of
// them or none. The checks run in order, first failure winning (docs/compatibility.md
// §11): From_Account (40001), ProfileItem not empty (40001), then each item in order:
// its tag (40009, or 40001 given twice), its JSON type (40610), its value (40001 for text
// that is not UTF-8 or holds a NUL, 40601 over its length, 40605 outside its set or
// range); last the account is imported (40003).
func (s *Service) SetProfile(ctx context.Context, c im.Caller, account string, items []ProfileItem) error {
	if !im.ValidUserID(c.App.Limits, account) {
		return im.Errorf(im.CodeProfileParam, "From_Account %q must be 1 to %d bytes of printable ASCII", account, c.App.Limits.UserIDMax)
	}
	if len(items) == 0 {
		return im.Errorf(im.CodeProfileParam, "ProfileItem is required")
	}
	values := make([]im.KV, len(items))
	for i, it := range items {
		if slices.ContainsFunc(items[:i], func(o ProfileItem) bool { return o.Tag == it.Tag }) {
			return im.Errorf(im.CodeProfileParam, "profile tag %q is given twice", it.Tag)
		}
		v, err := profileValue(c.App, it)
		if err != nil {
			return err
		}
		values[i] = im.KV{Key: it.Tag, Value: v}
	}
	return s.store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		a, err := tx.GetAccount(ctx, c.App.SDKAppID, account)
		if errors.Is(err, im.ErrNotFound) {
			return im.Errorf(im.CodeProfileNoAccount, "account %q has not been imported", account)
		}
		if err != nil {
			return fmt.Errorf("load account %q: %w", account, err)
		}
		nick, face := a.Nick, a.FaceURL
		var fields []im.KV
		for _, kv := range values {
			switch kv.Key {
			case TagNick:
				a.Nick = kv.Value
			case TagImage:
				a.FaceURL = kv.Value
			default:
				fields = append(fields, kv)
			}
		}
		if a.Nick != nick || a.FaceURL != face {
			if err := tx.PutAccount(ctx, a); err != nil {
				return fmt.Errorf("put account %q: %w", account, err)
			}
		}
		return tx.SetProfileFields(ctx, c.App.SDKAppID, account, fields)
	})
}

// profileValue checks one item and returns the value to keep: the text of a string
// field, the decimal digits of a number field.
func profileValue(app *im.App, it ProfileItem) (string, error) {
	d, err := tag(app, it.Tag)
	if err != nil {
		return "", err
	}
	if d.number {
		return numberValue(it)
	}
	if !it.IsString {
		return "", im.Errorf(im.CodeProfileBadType, "the value of %s must be a string", it.Tag)
	}
	limit := d.max
	if it.Tag == TagNick || it.Tag == TagImage {
		limit = app.Limits.AccountTextMax
	}
	switch {
	case !utf8.ValidString(it.Text) || strings.IndexByte(it.Text, 0) >= 0:
		return "", im.Errorf(im.CodeProfileParam, "the value of %s is not UTF-8 text without NUL", it.Tag)
	case d.values != nil && !slices.Contains(d.values, it.Text):
		return "", im.Errorf(im.CodeProfileBadValue, "the value of %s is none of %s", it.Tag, strings.Join(d.values, ", "))
	case d.values == nil && len(it.Text) > limit:
		return "", im.Errorf(im.CodeProfileTooLong, "the value of %s is %d bytes, over the limit of %d", it.Tag, len(it.Text), limit)
	}
	return it.Text, nil
}

// numberValue reads the value of a number field: an integer from 0 to 4294967295.
func numberValue(it ProfileItem) (string, error) {
	if it.Number == "" {
		return "", im.Errorf(im.CodeProfileBadType, "the value of %s must be a number", it.Tag)
	}
	n, err := strconv.ParseInt(it.Number, 10, 64)
	if err != nil && !strings.ContainsAny(it.Number, ".eE") {
		return "", im.Errorf(im.CodeProfileBadValue, "the value of %s, %s, is not from 0 to 4294967295", it.Tag, it.Number)
	}
	if err != nil {
		return "", im.Errorf(im.CodeProfileBadType, "the value of %s must be an integer", it.Tag)
	}
	if n < 0 || n > 4294967295 {
		return "", im.Errorf(im.CodeProfileBadValue, "the value of %s, %d, is not from 0 to 4294967295", it.Tag, n)
	}
	return strconv.FormatInt(n, 10), nil
}

// ProfileOut is one field of an account in portrait_get: Text for a string field, Number
// for a number field.
type ProfileOut struct {
	Tag      string
	IsNumber bool
	Text     string
	Number   int64
}

// ProfileResult is one account of portrait_get: its fields in TagList order, or Code
// 40003 with Info for an account that was never imported.
type ProfileResult struct {
	Account string
	Code    im.Code
	Info    string
	Items   []ProfileOut
}

// Profiles is portrait_get: the fields of TagList of each account of To_Account, in
// request order; a field never set answers its unset value ("" for a string, 0 for a
// number, the first value of a set: Gender_Type_Unknown, AllowType_Type_NeedConfirm,
// AdminForbid_Type_None). To_Account missing is 40002, over 100 accounts 40001, TagList
// missing 40001, a tag neither standard nor declared 40009; an account never imported
// (or no UserID at all) is answered on its own, 40003.
func (s *Service) Profiles(ctx context.Context, c im.Caller, accounts, tags []string) ([]ProfileResult, error) {
	if len(accounts) == 0 {
		return nil, im.Errorf(im.CodeProfileNoAccounts, "To_Account is required")
	}
	if len(accounts) > c.App.Limits.AccountBatch {
		return nil, im.Errorf(im.CodeProfileParam, "To_Account has %d accounts, over the limit of %d", len(accounts), c.App.Limits.AccountBatch)
	}
	if len(tags) == 0 {
		return nil, im.Errorf(im.CodeProfileParam, "TagList is required")
	}
	defs := make([]tagDef, len(tags))
	for i, t := range tags {
		d, err := tag(c.App, t)
		if err != nil {
			return nil, err
		}
		defs[i] = d
	}
	out := make([]ProfileResult, len(accounts))
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		for i, id := range accounts {
			r, err := s.profile(ctx, tx, c, id, tags, defs)
			if err != nil {
				return err
			}
			out[i] = r
		}
		return nil
	})
	return out, err
}

// profile reads one account's fields of tags inside tx.
func (s *Service) profile(ctx context.Context, tx im.Tx, c im.Caller, id string, tags []string, defs []tagDef) (ProfileResult, error) {
	r := ProfileResult{Account: id}
	missing := func() (ProfileResult, error) {
		r.Code, r.Info = im.CodeProfileNoAccount, fmt.Sprintf("account %q has not been imported", id)
		return r, nil
	}
	if !im.ValidUserID(c.App.Limits, id) {
		return missing()
	}
	a, err := tx.GetAccount(ctx, c.App.SDKAppID, id)
	if errors.Is(err, im.ErrNotFound) {
		return missing()
	}
	if err != nil {
		return r, fmt.Errorf("load account %q: %w", id, err)
	}
	fields, err := tx.ProfileFields(ctx, c.App.SDKAppID, id)
	if err != nil {
		return r, err
	}
	kept := map[string]string{TagNick: a.Nick, TagImage: a.FaceURL}
	for _, f := range fields {
		kept[f.Key] = f.Value
	}
	r.Items = make([]ProfileOut, len(tags))
	for i, t := range tags {
		v, ok := kept[t]
		if !ok {
			v = defs[i].unset
		}
		r.Items[i] = ProfileOut{Tag: t, IsNumber: defs[i].number, Text: v}
		if defs[i].number {
			r.Items[i].Number, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	return r, nil
}
