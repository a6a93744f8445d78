package im

import (
	"slices"
	"sync/atomic"
)

// FieldKind says what a custom field belongs to.
type FieldKind string

// Kinds of custom fields.
const (
	FieldMember FieldKind = "Member" // a group member's AppMemberDefinedData
	FieldGroup  FieldKind = "Group"  // a group's AppDefinedData
)

// Valid reports whether k is FieldMember or FieldGroup.
func (k FieldKind) Valid() bool { return k == FieldMember || k == FieldGroup }

// Field is a custom-field key an app declared at run time (from the admin console), as
// Tencent's console declares them. Keys of the configuration file are not Fields: they
// live in App.MemberFields and App.GroupFields. A declaration is permanent.
type Field struct {
	App     uint64
	Kind    FieldKind
	Key     string // 1..16 bytes of A-Z a-z 0-9 _ (docs/compatibility.md, limits)
	Created int64  // unix seconds
}

// ValidFieldKey reports whether s can be a custom-field key: 1..16 bytes of A-Z a-z 0-9 _.
func ValidFieldKey(s string) bool {
	if len(s) < 1 || len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// FieldSet holds the custom-field keys an app declared at run time, for the rules to
// consult on every call. It is safe for concurrent use: readers never wait, and a
// declaration is visible to every call that starts after Add returns. The zero value
// is empty and ready; a nil *FieldSet is empty.
type FieldSet struct {
	keys atomic.Pointer[fieldKeys]
}

// fieldKeys is one immutable snapshot of a FieldSet.
type fieldKeys struct {
	member, group []string
}

// Has reports whether key is a declared key of kind.
func (s *FieldSet) Has(kind FieldKind, key string) bool {
	return slices.Contains(s.Keys(kind), key)
}

// Keys returns the declared keys of kind, in the order they were added. The caller must
// not change the slice.
func (s *FieldSet) Keys(kind FieldKind) []string {
	if s == nil {
		return nil
	}
	k := s.keys.Load()
	if k == nil {
		return nil
	}
	if kind == FieldMember {
		return k.member
	}
	return k.group
}

// Equal reports whether s and o hold the same keys in the same order; nil equals an
// empty set. It lets go-cmp compare Apps.
func (s *FieldSet) Equal(o *FieldSet) bool {
	return slices.Equal(s.Keys(FieldMember), o.Keys(FieldMember)) && slices.Equal(s.Keys(FieldGroup), o.Keys(FieldGroup))
}

// Add adds keys of kind that the set does not hold yet.
func (s *FieldSet) Add(kind FieldKind, keys ...string) {
	for {
		old := s.keys.Load()
		next := &fieldKeys{}
		if old != nil {
			*next = *old
		}
		list := &next.group
		if kind == FieldMember {
			list = &next.member
		}
		grown := slices.Clip(*list)
		for _, key := range keys {
			if !slices.Contains(grown, key) {
				grown = append(grown, key)
			}
		}
		if len(grown) == len(*list) {
			return
		}
		*list = grown
		if s.keys.CompareAndSwap(old, next) {
			return
		}
	}
}

// FieldKeys returns every custom-field key of kind the app defines: the configured ones
// first, then those declared at run time that the configuration does not also list.
func (a *App) FieldKeys(kind FieldKind) []string {
	configured := a.GroupFields
	if kind == FieldMember {
		configured = a.MemberFields
	}
	out := slices.Clone(configured)
	for _, k := range a.Declared.Keys(kind) {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}
