package group_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// modifyCase is one case of modify_group_member_info's check table: a request on a fresh
// group of type typ (Public when ""), owned by "owner" with members "adm" (Admin), "bob",
// and "dave" imported but no member.
type modifyCase struct {
	name    string
	typ     im.GroupType
	destroy bool // destroy the group first
	req     func(groupID string) group.ModifyMemberRequest
	want    im.Code
}

// on returns a request for account of the case's group with the fields of f set.
func on(account string, f func(r *group.ModifyMemberRequest)) func(string) group.ModifyMemberRequest {
	return func(g string) group.ModifyMemberRequest {
		r := group.ModifyMemberRequest{GroupID: g, Account: account}
		if f != nil {
			f(&r)
		}
		return r
	}
}

func card(s string) func(*group.ModifyMemberRequest) {
	return func(r *group.ModifyMemberRequest) { r.NameCard = &s }
}

func role(s string) func(*group.ModifyMemberRequest) {
	return func(r *group.ModifyMemberRequest) { r.Role = &s }
}

func flag(s string) func(*group.ModifyMemberRequest) {
	return func(r *group.ModifyMemberRequest) { r.MsgFlag = &s }
}

func mute(n *group.Number) func(*group.ModifyMemberRequest) {
	return func(r *group.ModifyMemberRequest) { r.MuteTime = n }
}

func data(pairs ...string) func(*group.ModifyMemberRequest) {
	return func(r *group.ModifyMemberRequest) {
		for i := 0; i+1 < len(pairs); i += 2 {
			r.AppData = append(r.AppData, group.KV{Key: pairs[i], Value: pairs[i+1]})
		}
	}
}

// inexact is a number as a request may write it that is no 64-bit integer.
func inexact(text string) *group.Number { return &group.Number{Text: text} }

// modifyCases walks the check table of docs/compatibility.md §5, a case or more per
// row, then requests that break two rows and must get the earlier row's code.
var modifyCases = []modifyCase{
	{name: "1/GroupId empty", req: func(string) group.ModifyMemberRequest { return group.ModifyMemberRequest{Account: "bob"} }, want: im.CodeInvalidGroupID},
	{name: "1/GroupId not printable", req: func(string) group.ModifyMemberRequest {
		return group.ModifyMemberRequest{GroupID: "@TGS#2ABC\x01DEF", Account: "bob"}
	}, want: im.CodeInvalidGroupID},
	{name: "1/GroupId 49 bytes", req: func(string) group.ModifyMemberRequest {
		return group.ModifyMemberRequest{GroupID: strings.Repeat("g", 49), Account: "bob"}
	}, want: im.CodeInvalidGroupID},
	{name: "2/Member_Account empty", req: on("", card("x")), want: im.CodeInvalidParam},
	{name: "3/unknown group", req: func(string) group.ModifyMemberRequest {
		return group.ModifyMemberRequest{GroupID: "@TGS#2AAAAAAAA", Account: "bob"}
	}, want: im.CodeGroupNotFound},
	{name: "3/destroyed group", destroy: true, req: on("bob", card("x")), want: im.CodeGroupNotFound},
	{name: "4/AVChatRoom", typ: im.TypeAVChatRoom, req: on("bob", card("x")), want: im.CodeNotAllowed},
	{name: "4/AVChatRoom owner, empty change", typ: im.TypeAVChatRoom, req: on("owner", nil), want: im.CodeNotAllowed},
	{name: "5/not imported", req: on("ghost", card("x")), want: im.CodeAccountNotFound},
	{name: "5/malformed account", req: on("a\x00b", card("x")), want: im.CodeAccountNotFound},
	{name: "6/not a member", req: on("dave", card("x")), want: im.CodeNotAllowed},
	{name: "7/Role Owner", req: on("bob", role("Owner")), want: im.CodeInvalidParam},
	{name: "7/Role lower case", req: on("bob", role("admin")), want: im.CodeInvalidParam},
	{name: "8/owner Role Member", req: on("owner", role("Member")), want: im.CodeInvalidParam},
	{name: "9/Private Role", typ: im.TypePrivate, req: on("bob", role("Admin")), want: im.CodeNotAllowed},
	{name: "10/MsgFlag unknown", req: on("bob", flag("Bogus")), want: im.CodeInvalidParam},
	{name: "11/NameCard 51 bytes", req: on("bob", card(strings.Repeat("n", 51))), want: im.CodeInvalidParam},
	{name: "11/NameCard 17 Chinese characters", req: on("bob", card(strings.Repeat("群", 17))), want: im.CodeInvalidParam},
	{name: "11/NameCard invalid UTF-8", req: on("bob", card("b\xffo")), want: im.CodeInvalidParam},
	{name: "12/undeclared key", req: on("bob", data("Rank", "1")), want: im.CodeInvalidParam},
	{name: "12/value 65 bytes", req: on("bob", data("Level", strings.Repeat("v", 65))), want: im.CodeInvalidParam},
	{name: "12/key repeated", req: on("bob", data("Level", "8", "Level", "9")), want: im.CodeInvalidParam},
	{name: "13/Private mute", typ: im.TypePrivate, req: on("bob", mute(group.Int(60))), want: im.CodeNotAllowed},
	{name: "14/owner mute", req: on("owner", mute(group.Int(60))), want: im.CodeNotAllowed},
	{name: "14/owner unmute", req: on("owner", mute(group.Int(0))), want: im.CodeNotAllowed},
	{name: "15/MuteTime -1", req: on("bob", mute(group.Int(-1))), want: im.CodeInvalidParam},
	{name: "15/MuteTime 4294967296", req: on("bob", mute(group.Int(4294967296))), want: im.CodeInvalidParam},
	{name: "15/MuteTime 1e30", req: on("bob", mute(inexact("1e30"))), want: im.CodeInvalidParam},
	{name: "15/MuteTime 1.5", req: on("bob", mute(inexact("1.5"))), want: im.CodeInvalidParam},
	{name: "16/second admin", req: on("bob", role("Admin")), want: im.CodeInvalidParam},
	{name: "17/empty change", req: on("bob", nil), want: im.CodeOK},
	{name: "17/empty change in a Private group", typ: im.TypePrivate, req: on("bob", nil), want: im.CodeOK},

	// The earlier row wins.
	{name: "order/2 before 3", req: func(string) group.ModifyMemberRequest { return group.ModifyMemberRequest{GroupID: "@TGS#2AAAAAAAA"} }, want: im.CodeInvalidParam},
	{name: "order/4 before 5", typ: im.TypeAVChatRoom, req: on("ghost", card("x")), want: im.CodeNotAllowed},
	{name: "order/6 before 7", req: on("dave", role("Owner")), want: im.CodeNotAllowed},
	{name: "order/7 before 10", req: on("bob", func(r *group.ModifyMemberRequest) { role("Owner")(r); flag("Bogus")(r) }), want: im.CodeInvalidParam},
	{name: "order/9 before 11", typ: im.TypePrivate, req: on("bob", func(r *group.ModifyMemberRequest) { role("Admin")(r); card(strings.Repeat("n", 51))(r) }), want: im.CodeNotAllowed},
	{name: "order/12 before 13", typ: im.TypePrivate, req: on("bob", func(r *group.ModifyMemberRequest) { data("Rank", "1")(r); mute(group.Int(60))(r) }), want: im.CodeInvalidParam},
	{name: "order/14 before 15", req: on("owner", mute(group.Int(-1))), want: im.CodeNotAllowed},
	{name: "order/15 before 16", req: on("bob", func(r *group.ModifyMemberRequest) { role("Admin")(r); mute(group.Int(-1))(r) }), want: im.CodeInvalidParam},
}

// TestModifyChecks runs the check table against the service, and checks that a refused
// request changed nothing.
func TestModifyChecks(t *testing.T) {
	for _, tc := range modifyCases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "owner", "adm", "bob", "dave")
			e.caller.App.Limits.AdminsPerGroup = 1
			typ := tc.typ
			if typ == "" {
				typ = im.TypePublic
			}
			g := e.mustCreate(t, typ, "owner", "adm", "bob")
			if typ != im.TypePrivate && typ != im.TypeAVChatRoom {
				if err := e.svc.ModifyMember(t.Context(), e.caller, on("adm", role("Admin"))(g)); err != nil {
					t.Fatalf("make adm Admin: %v", err)
				}
			}
			if tc.destroy {
				if err := e.svc.DestroyGroup(t.Context(), e.caller, g); err != nil {
					t.Fatalf("destroy: %v", err)
				}
			}
			var before im.Member
			if !tc.destroy && typ != im.TypeAVChatRoom {
				before = e.member(t, g, "bob")
			}
			e.events.take()
			err := e.svc.ModifyMember(t.Context(), e.caller, tc.req(g))
			wantCode(t, "ModifyMember", err, tc.want)
			if tc.want == im.CodeOK || tc.destroy || typ == im.TypeAVChatRoom {
				return
			}
			if diff := cmp.Diff(before, e.member(t, g, "bob")); diff != "" {
				t.Errorf("a refused modify changed bob (-before +after):\n%s", diff)
			}
			if evs := e.events.take(); len(evs) != 0 {
				t.Errorf("a refused modify recorded %d events", len(evs))
			}
		})
	}
}

// TestModifyApplies checks that every field lands together, a mute ends when it should,
// and one MemberFieldChanged reports every changed field but MsgFlag.
func TestModifyApplies(t *testing.T) {
	e := newEnv(t, "owner", "bob")
	g := e.mustCreate(t, im.TypePublic, "owner", "bob")
	err := e.svc.ModifyMember(t.Context(), e.caller, on("bob", func(r *group.ModifyMemberRequest) {
		role("Admin")(r)
		flag("Discard")(r)
		card("Bob")(r)
		data("Level", "8")(r)
		mute(group.Int(60))(r)
	})(g))
	if err != nil {
		t.Fatalf("ModifyMember: %v", err)
	}
	now := e.clock.Now().Unix()
	got := e.member(t, g, "bob")
	if got.Role != im.RoleAdmin || got.MsgFlag != im.MsgDiscard || got.NameCard != "Bob" ||
		got.AppData["Level"] != "8" || got.MuteUntil != now+60 {
		t.Errorf("bob after modify: %+v", got)
	}
	want := []im.Event{im.MemberFieldChanged{
		EventHead: im.EventHead{Time: e.clock.Now().UnixMilli(), Operator: "admin"},
		Account:   "bob", Role: im.RoleAdmin, NameCard: ptr("Bob"), MuteTime: ptr(int64(60)),
		AppData: []im.KV{{Key: "Level", Value: "8"}},
	}}
	evs := e.events.take()
	for i := range evs { // the group is checked apart: its InfoSeq and times are not at issue
		if ev, ok := evs[i].(im.MemberFieldChanged); ok {
			if ev.Group.ID != g {
				t.Errorf("event group %q, want %q", ev.Group.ID, g)
			}
			ev.Group = im.Group{}
			evs[i] = ev
		}
	}
	if diff := cmp.Diff(want, evs); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	e.clock.advance(61 * time.Second)
	if m := e.member(t, g, "bob"); m.MuteUntil != 0 {
		t.Errorf("MuteUntil after the mute ended: got %d, want 0", m.MuteUntil)
	}
	// MsgFlag alone reports nothing; an empty Value deletes the key.
	if err := e.svc.ModifyMember(t.Context(), e.caller, on("bob", func(r *group.ModifyMemberRequest) {
		flag("AcceptAndNotify")(r)
	})(g)); err != nil {
		t.Fatal(err)
	}
	if evs := e.events.take(); len(evs) != 0 {
		t.Errorf("a MsgFlag change recorded %v", evs)
	}
	if err := e.svc.ModifyMember(t.Context(), e.caller, on("bob", data("Level", ""))(g)); err != nil {
		t.Fatal(err)
	}
	if m := e.member(t, g, "bob"); len(m.AppData) != 0 {
		t.Errorf("AppData after deleting Level: %v", m.AppData)
	}
	// MuteForever stays forever.
	if err := e.svc.ModifyMember(t.Context(), e.caller, on("bob", mute(group.Int(im.MuteForever)))(g)); err != nil {
		t.Fatal(err)
	}
	e.clock.advance(1000 * 24 * time.Hour)
	if m := e.member(t, g, "bob"); m.MuteUntil != im.MuteForever {
		t.Errorf("MuteUntil of a mute forever: got %d", m.MuteUntil)
	}
}

// TestAskCodes checks how the rules turn an app's verdict on a group creation into the
// caller's code (docs/compatibility.md §7): 10100-10200 pass through, any other refusal
// is 10016, a failed callback allows unless the app denies on failure.
func TestAskCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    im.Verdict
		want im.Code
	}{
		{"allow", im.Verdict{}, im.CodeOK},
		{"refuse with 1", im.Verdict{Refused: true, AppCode: 1}, im.CodeCallbackRefused},
		{"refuse with 2", im.Verdict{Refused: true, AppCode: 2}, im.CodeCallbackRefused},
		{"refuse with 10100", im.Verdict{Refused: true, AppCode: 10100}, 10100},
		{"refuse with 10200", im.Verdict{Refused: true, AppCode: 10200}, 10200},
		{"refuse with 10201", im.Verdict{Refused: true, AppCode: 10201}, im.CodeCallbackRefused},
		{"failed", im.Verdict{Failed: true}, im.CodeOK},
		{"failed, deny on failure", im.Verdict{Failed: true, DenyOnFailure: true}, im.CodeCallbackRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "owner")
			e.events.verdict = tc.v
			_, err := e.svc.CreateGroup(t.Context(), e.caller, group.CreateRequest{Type: "Public", Name: "g", Owner: "owner"})
			wantCode(t, "CreateGroup", err, tc.want)
			if len(e.events.asked) != 1 || e.events.asked[0].Kind() != im.KindCreatingGroup {
				t.Errorf("asked %v, want one CreatingGroup", e.events.asked)
			}
		})
	}
}

// lockSpy is an im.Store whose Updates report how GetGroupMember was asked to hold the
// group.
type lockSpy struct {
	im.Store
	mu    sync.Mutex
	locks []im.GroupLock
}

func (s *lockSpy) Update(ctx context.Context, fn func(context.Context, im.Tx) error) error {
	return s.Store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		return fn(ctx, spyTx{tx, s})
	})
}

// take returns the locks asked for since the last take.
func (s *lockSpy) take() []im.GroupLock {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.locks
	s.locks = nil
	return out
}

type spyTx struct {
	im.Tx
	s *lockSpy
}

func (t spyTx) GetGroupMember(ctx context.Context, app uint64, group, account string, lock im.GroupLock) (im.Group, im.Member, bool, error) {
	t.s.mu.Lock()
	t.s.locks = append(t.s.locks, lock)
	t.s.mu.Unlock()
	return t.Tx.GetGroupMember(ctx, app, group, account, lock)
}

// TestModifyGroupLock checks how a modify holds its group: only a change that writes the
// member alone and records no callback leaves the group's other writers free.
func TestModifyGroupLock(t *testing.T) {
	for _, tc := range []struct {
		name      string
		listening bool
		r         group.ModifyMemberRequest
		want      im.GroupLock
	}{
		{"NameCard", false, group.ModifyMemberRequest{NameCard: ptr("n")}, im.KeepGroup},
		{"MsgFlag", false, group.ModifyMemberRequest{MsgFlag: ptr("Discard")}, im.KeepGroup},
		{"custom field", false, group.ModifyMemberRequest{AppData: []group.KV{{Key: "Level", Value: "1"}}}, im.KeepGroup},
		{"MsgFlag, callbacks on", true, group.ModifyMemberRequest{MsgFlag: ptr("Discard")}, im.KeepGroup},
		{"NameCard, callbacks on", true, group.ModifyMemberRequest{NameCard: ptr("n")}, im.WriteGroup},
		{"custom field, callbacks on", true, group.ModifyMemberRequest{AppData: []group.KV{{Key: "Level", Value: "1"}}}, im.WriteGroup},
		{"Role", false, group.ModifyMemberRequest{Role: ptr("Admin")}, im.WriteGroup},
		{"MuteTime", false, group.ModifyMemberRequest{MuteTime: &group.Number{Int: 60, Exact: true, Text: "60"}}, im.WriteGroup},
		{"NameCard and MuteTime", false, group.ModifyMemberRequest{NameCard: ptr("n"), MuteTime: &group.Number{Exact: true, Text: "0"}}, im.WriteGroup},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "owner", "a")
			id := e.mustCreate(t, im.TypePublic, "owner", "a")
			spy := &lockSpy{Store: sharedStore}
			e.events.deaf = !tc.listening
			svc := group.New(spy, group.Options{Clock: e.clock, Events: e.events})
			r := tc.r
			r.GroupID, r.Account = id, "a"
			if err := svc.ModifyMember(t.Context(), e.caller, r); err != nil {
				t.Fatalf("ModifyMember: %v", err)
			}
			if got := spy.take(); len(got) != 1 || got[0] != tc.want {
				t.Errorf("GetGroupMember locks: got %v, want [%v]", got, tc.want)
			}
		})
	}
}
