package group

import (
	"context"

	"github.com/timdhq/timd/internal/im"
)

// JoinedQuery is a get_joined_group_list request.
type JoinedQuery struct {
	Account        string
	WithHugeGroups bool   // include AVChatRoom groups
	Type           string // only this group type; "" for all
	Limit          int64  // 0 for all
	Offset         int64
}

// JoinedPage is a page of the groups an account is in.
type JoinedPage struct {
	Total  int64 // groups matching the query, whatever Limit and Offset
	Groups []im.Joined
}

// JoinedGroups is get_joined_group_list: the groups account is a member of, in creation
// order. AVChatRoom groups are left out unless WithHugeGroups, even when GroupType names
// them (Tencent's docs, see docs/compatibility.md Sources: 0 means they are not fetched). timd has no notion of a
// Private group that is not yet active, so WithNoActiveGroups changes nothing. An account
// that was never imported is in no group.
func (s *Service) JoinedGroups(ctx context.Context, c im.Caller, q JoinedQuery) (JoinedPage, error) {
	l := c.App.Limits
	if err := checkAccount(l, "Member_Account", q.Account); err != nil {
		return JoinedPage{}, err
	}
	var only im.GroupType
	if q.Type != "" {
		t, ok := im.ParseGroupType(q.Type)
		if !ok {
			return JoinedPage{}, im.Errorf(im.CodeInvalidParam, "GroupType %q is not a group type", q.Type)
		}
		only = t
	}
	if q.Limit < 0 || q.Offset < 0 {
		return JoinedPage{}, im.Errorf(im.CodeInvalidParam, "Limit and Offset must not be negative")
	}
	var all []im.Joined
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		var err error
		all, err = tx.ListJoined(ctx, c.App.SDKAppID, q.Account)
		return err
	})
	if err != nil {
		return JoinedPage{}, err
	}
	now := s.now()
	matching := all[:0]
	for _, j := range all {
		if (only != "" && j.Group.Type != only) || (j.Group.Type == im.TypeAVChatRoom && !q.WithHugeGroups) {
			continue
		}
		j.Self.MuteUntil = effectiveMute(j.Self.MuteUntil, now)
		matching = append(matching, j)
	}
	return JoinedPage{Total: int64(len(matching)), Groups: page(matching, q.Offset, q.Limit)}, nil
}

// page returns the part of items from offset, at most limit long (0: no limit).
func page[T any](items []T, offset, limit int64) []T {
	if offset >= int64(len(items)) {
		return nil
	}
	items = items[offset:]
	if limit > 0 && limit < int64(len(items)) {
		items = items[:limit]
	}
	return items
}

// AppGroupsQuery is a get_appid_group_list request.
type AppGroupsQuery struct {
	Limit int64  // 0 for the most, 10000
	Next  int64  // 0 for the first page, then the Next answered
	Type  string // only this group type; "" for all
}

// AppGroups is a page of an app's group IDs.
type AppGroups struct {
	Total int64 // groups of the type asked for (all types if none)
	IDs   []string
	Next  int64 // 0 after the last page
}

// appGroupsMax is the most group IDs get_appid_group_list answers at once.
const appGroupsMax = 10000

// ListAppGroups is get_appid_group_list: every group of the app, in creation order,
// paged by the Next cursor.
func (s *Service) ListAppGroups(ctx context.Context, c im.Caller, q AppGroupsQuery) (AppGroups, error) {
	var only im.GroupType
	if q.Type != "" {
		t, ok := im.ParseGroupType(q.Type)
		if !ok {
			return AppGroups{}, im.Errorf(im.CodeInvalidParam, "GroupType %q is not a group type", q.Type)
		}
		only = t
	}
	if q.Limit < 0 || q.Limit > appGroupsMax || q.Next < 0 {
		return AppGroups{}, im.Errorf(im.CodeInvalidParam, "Limit must be from 0 to %d and Next not negative", appGroupsMax)
	}
	limit := int(q.Limit)
	if limit == 0 {
		limit = appGroupsMax
	}
	var out AppGroups
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		gs, err := tx.ListGroups(ctx, c.App.SDKAppID, im.GroupQuery{Type: only, AfterSeq: q.Next, Limit: limit + 1})
		if err != nil {
			return err
		}
		if len(gs) > limit {
			gs = gs[:limit]
			out.Next = gs[limit-1].Seq
		}
		out.IDs = make([]string, len(gs))
		for i, g := range gs {
			out.IDs[i] = g.ID
		}
		out.Total, err = tx.CountGroups(ctx, c.App.SDKAppID, only)
		return err
	})
	return out, err
}
