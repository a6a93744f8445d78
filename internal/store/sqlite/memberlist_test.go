package sqlite

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/store/storetest"
)

func TestParseInts(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int64
	}{
		{"1 2 3", []int64{1, 2, 3}},
		{"0 -1 9223372036854775807", []int64{0, -1, math.MaxInt64}},
		{"-9223372036854775807 0 0", []int64{-math.MaxInt64, 0, 0}},
		{"-9223372036854775808 -0 7", []int64{math.MinInt64, 0, 7}},
	} {
		got := make([]int64, 3)
		if err := parseInts([]byte(tc.in), got); err != nil || !cmp.Equal(got, tc.want) {
			t.Errorf("parseInts(%q): got %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "1 2", "1 2 3 4", "1  2 3", "1 2 3 ", " 1 2 3", "1 - 3", "1 2 --3", "1 2 3-", "1 x 3", "1,2,3"} {
		if err := parseInts([]byte(in), make([]int64, 3)); err == nil {
			t.Errorf("parseInts(%q): got nil error, want one", in)
		}
	}
}

// TestListMembersMatchesGetMember reads members with every field set, extreme integers
// included, with ListMembers (listSelect, the packed integers) and with GetMember
// (memberSelect, a column each), and wants the same members.
func TestListMembersMatchesGetMember(t *testing.T) {
	db := MustOpen(t, tempPath(t), Options{})
	members := []im.Member{
		{Account: "a", Role: im.RoleOwner, JoinTime: 1, MsgSeq: 2, MsgFlag: "AcceptAndNotify", LastSendMsgTime: 3, NameCard: "名片 \"x\"", UnreadMsgNum: 4},
		{Account: "b b", Role: im.RoleAdmin, JoinTime: math.MaxInt64, MsgSeq: math.MaxInt64, MsgFlag: "Discard", LastSendMsgTime: math.MaxInt64, UnreadMsgNum: math.MaxInt64, AppData: map[string]string{"F1": "v 1", "F2": ""}},
		{Account: "c", Role: im.RoleMember, JoinTime: -5, MsgSeq: 0, LastSendMsgTime: -1, UnreadMsgNum: -7},
		{Account: "d", Role: im.RoleMember},
	}
	mutes := map[string]int64{"a": 1764700000, "b b": im.MuteForever, "c": -3}
	storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error {
		if err := tx.CreateGroup(ctx, group("g")); err != nil {
			return err
		}
		for _, m := range members {
			m.Group = "g"
			if err := tx.AddMember(ctx, 1, m); err != nil {
				return err
			}
		}
		for account, until := range mutes {
			if err := tx.SetMute(ctx, 1, "g", account, until); err != nil {
				return err
			}
		}
		return nil
	})
	storetest.MustView(t, db, func(ctx context.Context, tx im.Tx) error {
		listed, err := tx.ListMembers(ctx, 1, "g", im.MemberQuery{})
		if err != nil {
			t.Fatalf("ListMembers: %v", err)
		}
		if len(listed) != len(members) {
			t.Fatalf("ListMembers: got %d members, want %d", len(listed), len(members))
		}
		for i, got := range listed {
			want, err := tx.GetMember(ctx, 1, "g", members[i].Account)
			if err != nil {
				t.Fatalf("GetMember(%q): %v", members[i].Account, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("member %q: ListMembers differs from GetMember (-GetMember +ListMembers):\n%s", want.Account, diff)
			}
			if got.MuteUntil != mutes[got.Account] || got.UnreadMsgNum != members[i].UnreadMsgNum {
				t.Errorf("member %q: MuteUntil %d, UnreadMsgNum %d; want %d, %d", got.Account, got.MuteUntil, got.UnreadMsgNum, mutes[got.Account], members[i].UnreadMsgNum)
			}
		}
		return nil
	})
}

// BenchmarkListMembers reads a page of 100 members of a 100-member group in a View, as
// get_group_member_info does: the store's part of a read.
func BenchmarkListMembers(b *testing.B) {
	db := MustOpen(b, tempPath(b), Options{})
	storetest.MustUpdate(b, db, func(ctx context.Context, tx im.Tx) error {
		if err := tx.CreateGroup(ctx, group("g")); err != nil {
			return err
		}
		for i := range 100 {
			m := im.Member{Group: "g", Account: fmt.Sprintf("tb%d", 100000+i), Role: im.RoleMember,
				JoinTime: 1764700000 + int64(i), MsgFlag: "AcceptAndNotify", NameCard: fmt.Sprintf("r1x2-%d", i)}
			if err := tx.AddMember(ctx, 1, m); err != nil {
				return err
			}
		}
		return nil
	})
	b.ReportAllocs()
	for b.Loop() {
		err := db.View(context.Background(), func(ctx context.Context, tx im.Tx) error {
			ms, err := tx.ListMembers(ctx, 1, "g", im.MemberQuery{Limit: 100})
			if err == nil && len(ms) != 100 {
				err = fmt.Errorf("got %d members, want 100", len(ms))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
