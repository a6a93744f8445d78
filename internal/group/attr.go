package group

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/timdhq/timd/internal/im"
)

// GroupAttrs is get_group_attr: the group's custom attributes, in byte order of key
// (docs/compatibility.md §10).
func (s *Service) GroupAttrs(ctx context.Context, c im.Caller, groupID string) ([]im.KV, error) {
	if err := checkGroupID(c.App.Limits, groupID); err != nil {
		return nil, err
	}
	var out []im.KV
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		if _, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID); err != nil {
			return err
		}
		var err error
		out, err = tx.GroupAttrs(ctx, c.App.SDKAppID, groupID)
		return err
	})
	return out, err
}

// ModifyGroupAttrs is modify_group_attr: the attributes given are added or replace those
// of the same keys; the others stay.
func (s *Service) ModifyGroupAttrs(ctx context.Context, c im.Caller, groupID string, attrs []im.KV) error {
	if err := checkAttrRequest(c.App.Limits, groupID, attrs); err != nil {
		return err
	}
	return s.writeAttrs(ctx, c, groupID, OpWriteAttrs, func(old []im.KV) []im.KV {
		merged := make(map[string]string, len(old)+len(attrs))
		for _, kv := range slices.Concat(old, attrs) {
			merged[kv.Key] = kv.Value
		}
		return sortedKVs(merged)
	})
}

// SetGroupAttrs is set_group_attr: the attributes given replace all the group has.
func (s *Service) SetGroupAttrs(ctx context.Context, c im.Caller, groupID string, attrs []im.KV) error {
	if err := checkAttrRequest(c.App.Limits, groupID, attrs); err != nil {
		return err
	}
	return s.writeAttrs(ctx, c, groupID, OpWriteAttrs, func([]im.KV) []im.KV { return attrs })
}

// ClearGroupAttrs is clear_group_attr: the group keeps no attribute. A Community cannot
// be cleared (Tencent's page), which is 10007.
func (s *Service) ClearGroupAttrs(ctx context.Context, c im.Caller, groupID string) error {
	if err := checkGroupID(c.App.Limits, groupID); err != nil {
		return err
	}
	return s.writeAttrs(ctx, c, groupID, OpClearAttrs, func([]im.KV) []im.KV { return nil })
}

// writeAttrs replaces the attributes of a group by what next makes of them, after the
// checks of docs/compatibility.md §10 that need the store: the group exists (10010), op
// is allowed on its type (10007), the result holds at most GroupAttrKeys keys (10047)
// whose values total at most GroupAttrTotalMax bytes (10048), and the group's write rate
// allows one more (10049). A write refused for its size does not count against the rate.
func (s *Service) writeAttrs(ctx context.Context, c im.Caller, groupID string, op Op, next func(old []im.KV) []im.KV) error {
	l := c.App.Limits
	return s.store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID)
		if err != nil {
			return err
		}
		if err := allow(g.Type, op, ""); err != nil {
			return err
		}
		old, err := tx.GroupAttrs(ctx, g.App, g.ID)
		if err != nil {
			return fmt.Errorf("read attributes of %q: %w", g.ID, err)
		}
		attrs := next(old)
		if len(attrs) > l.GroupAttrKeys {
			return im.Errorf(im.CodeAttrTooMany, "group %q would hold %d attribute keys, over the limit of %d", g.ID, len(attrs), l.GroupAttrKeys)
		}
		total := 0
		for _, kv := range attrs {
			total += len(kv.Value)
		}
		if total > l.GroupAttrTotalMax {
			return im.Errorf(im.CodeAttrTooLarge, "group %q's attribute values would total %d bytes, over the limit of %d", g.ID, total, l.GroupAttrTotalMax)
		}
		if !s.attrWriteAllowed(c, g.ID) {
			return im.Errorf(im.CodeAttrRate, "group %q's attributes are written more than %d times a second", g.ID, l.GroupAttrWriteRate)
		}
		return tx.SetGroupAttrs(ctx, g.App, g.ID, attrs)
	})
}

// checkAttrRequest checks what a write of attributes can be judged on alone: the group
// ID (10015), then each entry in order, the first failure winning. A key is 1 to
// GroupAttrKeyMax bytes of UTF-8 without NUL (10004, over the limit 10045), given once
// (10004); a value is UTF-8 of at most GroupAttrValueMax bytes (10004, over the limit
// 10046), any character NUL included, as a group custom value may hold.
func checkAttrRequest(l im.Limits, groupID string, attrs []im.KV) error {
	if err := checkGroupID(l, groupID); err != nil {
		return err
	}
	if len(attrs) == 0 {
		return im.Errorf(im.CodeInvalidParam, "GroupAttr is required")
	}
	seen := make(map[string]bool, len(attrs))
	for _, kv := range attrs {
		switch {
		case kv.Key == "":
			return im.Errorf(im.CodeInvalidParam, "GroupAttr key is required")
		case !utf8.ValidString(kv.Key) || strings.IndexByte(kv.Key, 0) >= 0:
			return im.Errorf(im.CodeInvalidParam, "a GroupAttr key is not UTF-8 text without NUL")
		case len(kv.Key) > l.GroupAttrKeyMax:
			return im.Errorf(im.CodeAttrKeyTooLong, "a GroupAttr key is %d bytes, over the limit of %d", len(kv.Key), l.GroupAttrKeyMax)
		case seen[kv.Key]:
			return im.Errorf(im.CodeInvalidParam, "GroupAttr key %q is given twice", kv.Key)
		case !utf8.ValidString(kv.Value):
			return im.Errorf(im.CodeInvalidParam, "GroupAttr value of %q is not valid UTF-8", kv.Key)
		case len(kv.Value) > l.GroupAttrValueMax:
			return im.Errorf(im.CodeAttrValueTooLong, "GroupAttr value of %q is %d bytes, over the limit of %d", kv.Key, len(kv.Value), l.GroupAttrValueMax)
		}
		seen[kv.Key] = true
	}
	return nil
}
