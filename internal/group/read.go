package group

import (
	"context"
	"strconv"

	"github.com/timdhq/timd/internal/im"
)

// MembersQuery is a get_group_member_info request.
type MembersQuery struct {
	GroupID string
	Roles   []string // MemberRoleFilter: Owner, Admin, Member; empty for all
	Limit   int64    // page size; 0 for every member
	Offset  int64    // members to skip; above 0 is 10004 for Community groups, which page by Next
	Next    string   // Community only: "" for the first page, then the Next answered
}

// MemberPage is a page of a group's members.
type MemberPage struct {
	Type      im.GroupType
	MemberNum int64       // members in the group, whatever the filters
	Members   []im.Member // MuteUntil already reads 0 for expired mutes
	// Next is the cursor of the following page for Community groups ("" after the last
	// page); other types page by Offset and answer no Next.
	Next string
}

// GetMembers is get_group_member_info.
func (s *Service) GetMembers(ctx context.Context, c im.Caller, q MembersQuery) (MemberPage, error) {
	l := c.App.Limits
	if err := checkGroupID(l, q.GroupID); err != nil {
		return MemberPage{}, err
	}
	mq, err := memberQuery(l, q)
	if err != nil {
		return MemberPage{}, err
	}
	var page MemberPage
	err = s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadGroup(ctx, tx, c.App.SDKAppID, q.GroupID)
		if err != nil {
			return err
		}
		if err := allow(g.Type, OpListMembers, ""); err != nil {
			return err
		}
		page, err = s.memberPage(ctx, tx, g, mq)
		return err
	})
	return page, err
}

// memberQuery validates the filters and paging of q.
func memberQuery(l im.Limits, q MembersQuery) (im.MemberQuery, error) {
	var mq im.MemberQuery
	for _, r := range q.Roles {
		switch role := im.Role(r); role {
		case im.RoleOwner, im.RoleAdmin, im.RoleMember:
			mq.Roles = append(mq.Roles, role)
		default:
			return mq, im.Errorf(im.CodeInvalidParam, "MemberRoleFilter %q is not Owner, Admin or Member", r)
		}
	}
	if q.Limit < 0 || q.Limit > int64(l.MemberPageMax) {
		return mq, im.Errorf(im.CodeInvalidParam, "Limit %d is not from 0 to %d", q.Limit, l.MemberPageMax)
	}
	if q.Offset < 0 {
		return mq, im.Errorf(im.CodeInvalidParam, "Offset %d is negative", q.Offset)
	}
	if q.Next != "" {
		after, err := strconv.ParseInt(q.Next, 10, 64)
		if err != nil || after < 0 {
			return mq, im.Errorf(im.CodeInvalidParam, "Next %q is not a cursor this server answered", q.Next)
		}
		mq.AfterSeq = after
	}
	mq.Limit, mq.Offset = int(q.Limit), int(q.Offset)
	return mq, nil
}

// memberPage reads one page of g's members. Community groups page by cursor: one extra
// member is read to learn whether another page follows.
func (s *Service) memberPage(ctx context.Context, tx im.Tx, g im.Group, mq im.MemberQuery) (MemberPage, error) {
	page := MemberPage{Type: g.Type, MemberNum: g.MemberNum}
	community := g.Type == im.TypeCommunity
	if community {
		if mq.Offset > 0 {
			// Never a silent first page: a client paging by Offset would loop over it
			// (docs/compatibility.md §6).
			return page, im.Errorf(im.CodeInvalidParam, "Offset %d: a Community pages its members with Next, not Offset; send the Next of the previous answer", mq.Offset)
		}
		if mq.Limit > 0 {
			mq.Limit++
		}
	} else {
		mq.AfterSeq = 0
	}
	ms, err := tx.ListMembers(ctx, g.App, g.ID, mq)
	if err != nil {
		return page, err
	}
	if community && mq.Limit > 0 && len(ms) == mq.Limit {
		ms = ms[:len(ms)-1]
		page.Next = strconv.FormatInt(ms[len(ms)-1].Seq, 10)
	}
	now := s.now()
	for i := range ms {
		ms[i].MuteUntil = effectiveMute(ms[i].MuteUntil, now)
	}
	page.Members = ms
	return page, nil
}
