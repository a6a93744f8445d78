package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/im"
)

// memberScenarios check AddMember, GetMember, UpdateMember, DeleteMember, ListMembers and
// CountMembers.
var memberScenarios = []scenario{
	{"AddMember/SeqOrder", testAddMemberSeqOrder},
	{"AddMember/Conflict", testAddMemberConflict},
	{"AddMember/RejoinGetsLaterSeq", testAddMemberRejoin},
	{"AddMembers/Bulk", testAddMembersBulk},
	{"AddMembers/ConflictAddsNothing", testAddMembersConflict},
	{"GetMember/RoundTrip", testGetMemberRoundTrip},
	{"GetMember/NotFound", testGetMemberNotFound},
	{"UpdateMember/RoundTrip", testUpdateMemberRoundTrip},
	{"UpdateMember/NotFound", testUpdateMemberNotFound},
	{"SetLastSendMsgTime", testSetLastSendMsgTime},
	{"DeleteMember", testDeleteMember},
	{"ListMembers/Query", testListMembersQuery},
	{"CountMembers", testCountMembers},
}

// testAddMemberSeqOrder adds members over several transactions, in an order unlike their
// names, and checks that Seq follows join order.
func testAddMemberSeqOrder(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	order := []string{"m", "c", "x", "a", "k"}
	mustAddMembers(t, s, app1, newMember("g", order[0], im.RoleOwner), newMember("g", order[1], im.RoleMember))
	for _, a := range order[2:] {
		mustAddMembers(t, s, app1, newMember("g", a, im.RoleMember))
	}
	ms := mustListMembers(t, s, app1, "g", im.MemberQuery{})
	if got := accounts(ms); !slices.Equal(got, order) {
		t.Fatalf("ListMembers order: got %v, want %v", got, order)
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].Seq <= ms[i-1].Seq {
			t.Errorf("Seq of %s (%d) not after Seq of %s (%d)", ms[i].Account, ms[i].Seq, ms[i-1].Account, ms[i-1].Seq)
		}
	}
	for _, m := range ms {
		if got := mustGetMember(t, s, app1, "g", m.Account).Seq; got != m.Seq {
			t.Errorf("GetMember(%s).Seq: got %d, want %d as listed", m.Account, got, m.Seq)
		}
	}
}

func testAddMemberConflict(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	first := newMember("g", "a", im.RoleOwner)
	mustAddMembers(t, s, app1, first)
	err := s.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
		return tx.AddMember(ctx, app1, newMember("g", "a", im.RoleMember))
	})
	if !errors.Is(err, im.ErrConflict) {
		t.Fatalf("AddMember of a member: got %v, want ErrConflict", err)
	}
	if got := mustGetMember(t, s, app1, "g", "a"); got.Role != im.RoleOwner {
		t.Errorf("Role after a conflicting AddMember: got %q, want %q", got.Role, im.RoleOwner)
	}
}

// testAddMemberRejoin removes the first member and adds it back: it is now after the others.
func testAddMemberRejoin(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAddMembers(t, s, app1, newMember("g", "a", im.RoleOwner), newMember("g", "b", im.RoleMember),
		newMember("g", "c", im.RoleMember))
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		return tx.DeleteMember(ctx, app1, "g", "a")
	})
	mustAddMembers(t, s, app1, newMember("g", "a", im.RoleMember))

	ms := mustListMembers(t, s, app1, "g", im.MemberQuery{})
	if got, want := accounts(ms), []string{"b", "c", "a"}; !slices.Equal(got, want) {
		t.Fatalf("ListMembers after rejoin: got %v, want %v", got, want)
	}
	if ms[2].Seq <= ms[1].Seq {
		t.Errorf("Seq of the rejoined member: got %d, want after %d", ms[2].Seq, ms[1].Seq)
	}
}

func testGetMemberRoundTrip(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	m := newMember("g", "a", im.RoleAdmin)
	m.MsgFlag = im.MsgAcceptNotNotifyExceptAt
	m.AppData = map[string]string{"bin": "a\x00\x01", "uni": "名片 ✓", "empty": ""}
	m.MuteUntil = 123 // writes ignore MuteUntil
	m.Seq = 456       // and Seq
	mustAddMembers(t, s, app1, m)
	mustSetMute(t, s, app1, "g", "a", 1800000000)

	got := mustGetMember(t, s, app1, "g", "a")
	m.MuteUntil = 1800000000
	if d := diff(m, got, ignoreSeq); d != "" {
		t.Errorf("GetMember (-want +got):\n%s", d)
	}
	if got.Seq <= 0 {
		t.Errorf("Seq: got %d, want > 0", got.Seq)
	}
}

func testGetMemberNotFound(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAddMembers(t, s, app1, newMember("g", "a", im.RoleOwner))
	mustSetMute(t, s, app1, "g", "b", im.MuteForever) // a mute record is no membership
	for _, tc := range []struct{ group, account string }{{"g", "b"}, {"h", "a"}} {
		if _, err := getMember(t, s, app1, tc.group, tc.account); !errors.Is(err, im.ErrNotFound) {
			t.Errorf("GetMember(%q, %q): got %v, want ErrNotFound", tc.group, tc.account, err)
		}
	}
}

// testUpdateMemberRoundTrip changes every field: the writable ones change, JoinTime, Seq and
// MuteUntil do not.
func testUpdateMemberRoundTrip(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAddMembers(t, s, app1, newMember("g", "a", im.RoleMember))
	mustSetMute(t, s, app1, "g", "a", 1900000000)
	before := mustGetMember(t, s, app1, "g", "a")

	m := im.Member{
		Group: "g", Account: "a", Role: im.RoleAdmin, JoinTime: 1, MsgSeq: 99,
		MsgFlag: im.MsgDiscard, LastSendMsgTime: 1800000000, NameCard: "新 card",
		AppData: map[string]string{"k": "v\x00"}, UnreadMsgNum: 7,
		MuteUntil: 5, Seq: before.Seq + 100,
	}
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		return tx.UpdateMember(ctx, app1, m)
	})
	want := m
	want.JoinTime, want.Seq, want.MuteUntil = before.JoinTime, before.Seq, before.MuteUntil
	if d := diff(want, mustGetMember(t, s, app1, "g", "a")); d != "" {
		t.Errorf("GetMember after UpdateMember (-want +got):\n%s", d)
	}

	m.AppData = nil
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		return tx.UpdateMember(ctx, app1, m)
	})
	if got := mustGetMember(t, s, app1, "g", "a"); len(got.AppData) != 0 {
		t.Errorf("AppData after UpdateMember with none: got %v, want empty", got.AppData)
	}
}

func testUpdateMemberNotFound(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	err := s.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
		return tx.UpdateMember(ctx, app1, newMember("g", "a", im.RoleMember))
	})
	if !errors.Is(err, im.ErrNotFound) {
		t.Errorf("UpdateMember of a non-member: got %v, want ErrNotFound", err)
	}
}

func testDeleteMember(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAddMembers(t, s, app1, newMember("g", "a", im.RoleOwner), newMember("g", "b", im.RoleMember))
	del := func() error {
		return s.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
			return tx.DeleteMember(ctx, app1, "g", "b")
		})
	}
	if err := del(); err != nil {
		t.Fatalf("DeleteMember: %v", err)
	}
	if _, err := getMember(t, s, app1, "g", "b"); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetMember after DeleteMember: got %v, want ErrNotFound", err)
	}
	if got := accounts(mustListMembers(t, s, app1, "g", im.MemberQuery{})); !slices.Equal(got, []string{"a"}) {
		t.Errorf("ListMembers after DeleteMember: got %v, want [a]", got)
	}
	if err := del(); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("DeleteMember of a non-member: got %v, want ErrNotFound", err)
	}
}

// testListMembersQuery lists ten members (owner m0, admins m2 and m5, the rest members)
// with each MemberQuery field alone and combined.
func testListMembersQuery(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	var all []im.Member
	for i := range 10 {
		role := im.RoleMember
		switch i {
		case 0:
			role = im.RoleOwner
		case 2, 5:
			role = im.RoleAdmin
		}
		all = append(all, newMember("g", fmt.Sprintf("m%d", i), role))
	}
	mustAddMembers(t, s, app1, all...)
	mustSetMute(t, s, app1, "g", "m3", im.MuteForever)
	listed := mustListMembers(t, s, app1, "g", im.MemberQuery{})
	all[3].MuteUntil = im.MuteForever
	if d := diff(all, listed, ignoreSeq); d != "" {
		t.Fatalf("ListMembers of all (-want +got):\n%s", d)
	}

	names := func(idx ...int) []string {
		var ns []string
		for _, i := range idx {
			ns = append(ns, fmt.Sprintf("m%d", i))
		}
		return ns
	}
	for _, tc := range []struct {
		name string
		q    im.MemberQuery
		want []string
	}{
		{"Roles admin", im.MemberQuery{Roles: []im.Role{im.RoleAdmin}}, names(2, 5)},
		{"Roles owner and admin", im.MemberQuery{Roles: []im.Role{im.RoleAdmin, im.RoleOwner}}, names(0, 2, 5)},
		{"Roles member", im.MemberQuery{Roles: []im.Role{im.RoleMember}}, names(1, 3, 4, 6, 7, 8, 9)},
		{"AfterSeq", im.MemberQuery{AfterSeq: listed[4].Seq}, names(5, 6, 7, 8, 9)},
		{"AfterSeq last", im.MemberQuery{AfterSeq: listed[9].Seq}, nil},
		{"Limit", im.MemberQuery{Limit: 3}, names(0, 1, 2)},
		{"Offset", im.MemberQuery{Offset: 7}, names(7, 8, 9)},
		{"Offset and Limit", im.MemberQuery{Offset: 3, Limit: 4}, names(3, 4, 5, 6)},
		{"Offset past the end", im.MemberQuery{Offset: 10, Limit: 4}, nil},
		{"Limit past the end", im.MemberQuery{Offset: 8, Limit: 5}, names(8, 9)},
		{"AfterSeq and Limit", im.MemberQuery{AfterSeq: listed[1].Seq, Limit: 2}, names(2, 3)},
		{"all fields", im.MemberQuery{Roles: []im.Role{im.RoleMember}, AfterSeq: listed[1].Seq, Offset: 1, Limit: 3}, names(4, 6, 7)},
	} {
		got := accounts(mustListMembers(t, s, app1, "g", tc.q))
		if !slices.Equal(got, tc.want) {
			t.Errorf("ListMembers %s %+v: got %v, want %v", tc.name, tc.q, got, tc.want)
		}
	}
	if got := accounts(mustListMembers(t, s, app1, "missing", im.MemberQuery{})); len(got) != 0 {
		t.Errorf("ListMembers of a missing group: got %v, want none", got)
	}
}

func testCountMembers(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAddMembers(t, s, app1, newMember("g", "o", im.RoleOwner),
		newMember("g", "a1", im.RoleAdmin), newMember("g", "a2", im.RoleAdmin),
		newMember("g", "m1", im.RoleMember), newMember("g", "m2", im.RoleMember), newMember("g", "m3", im.RoleMember))
	for role, want := range map[im.Role]int64{"": 6, im.RoleOwner: 1, im.RoleAdmin: 2, im.RoleMember: 3} {
		if got := mustCount(t, s, app1, "g", role); got != want {
			t.Errorf("CountMembers(%q): got %d, want %d", role, got, want)
		}
	}
	m := mustGetMember(t, s, app1, "g", "m1")
	m.Role = im.RoleAdmin
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		return tx.UpdateMember(ctx, app1, m)
	})
	if got := mustCount(t, s, app1, "g", im.RoleAdmin); got != 3 {
		t.Errorf("CountMembers(Admin) after a promotion: got %d, want 3", got)
	}
}

// testAddMembersBulk adds members one by one and in bulk, and checks that a bulk add keeps
// the order given after the members already there, stores every field, and counts.
func testAddMembersBulk(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAddMembers(t, s, app1, newMember("g", "owner", im.RoleOwner))
	bulk := []im.Member{newMember("", "m", im.RoleMember), newMember("", "c", im.RoleAdmin), newMember("", "x", im.RoleMember)}
	bulk[1].AppData = nil
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		if err := tx.AddMembers(ctx, app1, "g", nil); err != nil {
			return err
		}
		return tx.AddMembers(ctx, app1, "g", bulk)
	})
	mustAddMembers(t, s, app1, newMember("g", "a", im.RoleMember))
	ms := mustListMembers(t, s, app1, "g", im.MemberQuery{})
	if got, want := accounts(ms), []string{"owner", "m", "c", "x", "a"}; !slices.Equal(got, want) {
		t.Fatalf("ListMembers order: got %v, want %v", got, want)
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].Seq <= ms[i-1].Seq {
			t.Errorf("Seq of %q is %d, not after %q's %d", ms[i].Account, ms[i].Seq, ms[i-1].Account, ms[i-1].Seq)
		}
	}
	for _, want := range bulk {
		want.Group = "g"
		got := mustGetMember(t, s, app1, "g", want.Account)
		if diff := cmp.Diff(want, got, ignoreSeq); diff != "" {
			t.Errorf("member %q (-want +got):\n%s", want.Account, diff)
		}
	}
	if g := mustGetGroup(t, s, app1, "g"); g.MemberNum != 5 {
		t.Errorf("MemberNum: got %d, want 5", g.MemberNum)
	}
	if n := mustCount(t, s, app1, "g", im.RoleAdmin); n != 1 {
		t.Errorf("admins: got %d, want 1", n)
	}
}

// testAddMembersConflict checks the errors of AddMembers: an account given twice is
// ErrConflict with nothing added and the transaction usable; a missing group is
// ErrNotFound; a member already there is ErrConflict, and the Update adds nothing.
func testAddMembersConflict(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAddMembers(t, s, app1, newMember("g", "a", im.RoleOwner))
	batch := func(accounts ...string) []im.Member {
		var ms []im.Member
		for _, a := range accounts {
			ms = append(ms, newMember("g", a, im.RoleMember))
		}
		return ms
	}
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		if err := tx.AddMembers(ctx, app1, "g", batch("b", "c", "b")); !errors.Is(err, im.ErrConflict) {
			t.Errorf("AddMembers [b c b]: got %v, want ErrConflict", err)
		}
		if err := tx.AddMembers(ctx, app1, "missing", batch("b")); !errors.Is(err, im.ErrNotFound) {
			t.Errorf("AddMembers to a missing group: got %v, want ErrNotFound", err)
		}
		// The transaction goes on.
		return tx.AddMembers(ctx, app1, "g", batch("d"))
	})
	err := s.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
		return tx.AddMembers(ctx, app1, "g", batch("e", "a", "f"))
	})
	if !errors.Is(err, im.ErrConflict) {
		t.Errorf("AddMembers [e a f] with a a member: got %v, want ErrConflict", err)
	}
	if got, want := accounts(mustListMembers(t, s, app1, "g", im.MemberQuery{})), []string{"a", "d"}; !slices.Equal(got, want) {
		t.Errorf("members: got %v, want %v", got, want)
	}
	if g := mustGetGroup(t, s, app1, "g"); g.MemberNum != 2 {
		t.Errorf("MemberNum: got %d, want 2", g.MemberNum)
	}
}

// testSetLastSendMsgTime checks that SetLastSendMsgTime changes that field alone, and
// ErrNotFound for a non-member.
func testSetLastSendMsgTime(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAddMembers(t, s, app1, newMember("g", "a", im.RoleAdmin), newMember("g", "b", im.RoleMember))
	want := mustGetMember(t, s, app1, "g", "a")
	other := mustGetMember(t, s, app1, "g", "b")
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		if err := tx.SetLastSendMsgTime(ctx, app1, "g", "nobody", 5); !errors.Is(err, im.ErrNotFound) {
			t.Errorf("SetLastSendMsgTime of a non-member: got %v, want ErrNotFound", err)
		}
		return tx.SetLastSendMsgTime(ctx, app1, "g", "a", 1800000000)
	})
	want.LastSendMsgTime = 1800000000
	if d := diff(want, mustGetMember(t, s, app1, "g", "a")); d != "" {
		t.Errorf("member a (-want +got):\n%s", d)
	}
	if d := diff(other, mustGetMember(t, s, app1, "g", "b")); d != "" {
		t.Errorf("member b changed (-want +got):\n%s", d)
	}
}
