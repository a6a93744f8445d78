package group_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// bans returns every ban of the group in force, as the rules page them.
func (e *env) bans(tb testing.TB, groupID string) []im.Ban {
	tb.Helper()
	var out []im.Ban
	var offset int64
	for {
		page, err := e.svc.BannedMembers(tb.Context(), e.caller, groupID, 2, offset)
		if err != nil {
			tb.Fatalf("BannedMembers %q from %d: %v", groupID, offset, err)
		}
		out = append(out, page.Bans...)
		if page.Next == 0 {
			return out
		}
		offset = page.Next
	}
}

// sendText sends a text message to groupID as from and returns the send's error.
func (e *env) sendText(tb testing.TB, groupID, from string, random int64) error {
	tb.Helper()
	_, err := e.svc.SendMessage(tb.Context(), e.caller, group.SendRequest{
		GroupID: groupID, From: from, Random: group.Int(random),
		Body: im.MsgBody{Text: []byte(`[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]`), Types: []string{"TIMTextElem"}},
	})
	return err
}

// TestBanMembers checks ban, unban and the list of bans of an AVChatRoom, and that a
// banned account cannot send until its ban ends (docs/compatibility.md §10).
func TestBanMembers(t *testing.T) {
	e := newEnv(t, "owner", "bob", "carol", "dave")
	ctx := t.Context()
	g := e.mustCreate(t, im.TypeAVChatRoom, "owner")
	now := e.clock.Now().Unix()
	if err := e.sendText(t, g, "bob", 1); err != nil {
		t.Fatalf("bob's send before any ban: %v", err)
	}
	if err := e.svc.BanMembers(ctx, e.caller, g, []string{"dave", "bob"}, group.Int(60), "spam"); err != nil {
		t.Fatalf("ban: %v", err)
	}
	if err := e.svc.BanMembers(ctx, e.caller, g, []string{"carol"}, group.Int(4294967295), ""); err != nil {
		t.Fatalf("ban for the longest: %v", err)
	}
	want := []im.Ban{{Account: "bob", Until: now + 60, Description: "spam"}, {Account: "carol", Until: now + 4294967295},
		{Account: "dave", Until: now + 60, Description: "spam"}}
	if d := cmp.Diff(want, e.bans(t, g)); d != "" {
		t.Errorf("bans, paged by 2 (-want +got):\n%s", d)
	}
	wantCode(t, "bob's send while banned", e.sendText(t, g, "bob", 2), im.CodeMuted)
	if err := e.sendText(t, g, "", 3); err != nil {
		t.Errorf("the admin's own send: %v", err)
	}
	wantCode(t, "unban with the owner", e.svc.UnbanMembers(ctx, e.caller, g, []string{"dave", "owner"}), im.CodeNotAllowed)
	if err := e.svc.UnbanMembers(ctx, e.caller, g, []string{"dave"}); err != nil {
		t.Fatalf("unban: %v", err)
	}
	if err := e.svc.UnbanMembers(ctx, e.caller, g, []string{"dave"}); err != nil {
		t.Errorf("unban of an account not banned: %v", err)
	}
	if err := e.sendText(t, g, "dave", 4); err != nil {
		t.Errorf("dave's send after unban: %v", err)
	}
	e.clock.advance(61 * time.Second)
	if err := e.sendText(t, g, "bob", 5); err != nil {
		t.Errorf("bob's send after his ban ended: %v", err)
	}
	if d := cmp.Diff(want[1:2], e.bans(t, g)); d != "" {
		t.Errorf("bans after one ended and one was lifted (-want +got):\n%s", d)
	}
}

// TestBanChecks checks the codes of the ban commands in their order; nothing changes when
// a call is refused.
func TestBanChecks(t *testing.T) {
	e := newEnv(t, "owner", "bob")
	ctx := t.Context()
	av := e.mustCreate(t, im.TypeAVChatRoom, "owner")
	pub := e.mustCreate(t, im.TypePublic, "owner", "bob")
	many := make([]string, 21)
	for i := range many {
		many[i] = fmt.Sprintf("u%d", i)
	}
	for _, tc := range []struct {
		name     string
		group    string
		accounts []string
		duration *group.Number
		desc     string
		want     im.Code
	}{
		{"no GroupId", "", []string{"bob"}, group.Int(60), "", im.CodeInvalidGroupID},
		{"no accounts", av, nil, group.Int(60), "", im.CodeInvalidParam},
		{"21 accounts", av, many, group.Int(60), "", im.CodeBatchTooLarge},
		{"malformed account", av, []string{strings.Repeat("x", 33)}, group.Int(60), "", im.CodeInvalidParam},
		{"no Duration", av, []string{"bob"}, nil, "", im.CodeInvalidParam},
		{"Duration 0", av, []string{"bob"}, group.Int(0), "", im.CodeInvalidParam},
		{"Duration 2^32", av, []string{"bob"}, group.Int(4294967296), "", im.CodeInvalidParam},
		{"Duration a fraction", av, []string{"bob"}, &group.Number{Text: "1.5"}, "", im.CodeInvalidParam},
		{"Description 1001 bytes", av, []string{"bob"}, group.Int(60), strings.Repeat("d", 1001), im.CodeInvalidParam},
		{"Description not UTF-8", av, []string{"bob"}, group.Int(60), "\xff", im.CodeInvalidParam},
		{"no such group", "nosuch", []string{"bob"}, group.Int(60), "", im.CodeGroupNotFound},
		{"not an AVChatRoom", pub, []string{"bob"}, group.Int(60), "", im.CodeNotAllowed},
		{"not imported", av, []string{"bob", "nobody"}, group.Int(60), "", im.CodeAccountNotFound},
		{"the owner", av, []string{"bob", "owner"}, group.Int(60), "", im.CodeNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, "ban", e.svc.BanMembers(ctx, e.caller, tc.group, tc.accounts, tc.duration, tc.desc), tc.want)
			if got := e.bans(t, av); len(got) != 0 {
				t.Errorf("bans after a refused ban: %v", got)
			}
		})
	}
	wantCode(t, "unban in a Public group", e.svc.UnbanMembers(ctx, e.caller, pub, []string{"bob"}), im.CodeNotAllowed)
	wantCode(t, "unban of 21", e.svc.UnbanMembers(ctx, e.caller, av, many), im.CodeBatchTooLarge)
	for _, tc := range []struct {
		name          string
		group         string
		limit, offset int64
		want          im.Code
	}{
		{"no GroupId", "", 0, 0, im.CodeInvalidGroupID},
		{"Limit 101", av, 101, 0, im.CodeInvalidParam},
		{"Limit -1", av, -1, 0, im.CodeInvalidParam},
		{"Offset -1", av, 0, -1, im.CodeInvalidParam},
		{"no such group", "nosuch", 0, 0, im.CodeGroupNotFound},
		{"not an AVChatRoom", pub, 0, 0, im.CodeNotAllowed},
		{"Limit 100, Offset past the end", av, 100, 500, im.CodeOK},
	} {
		_, err := e.svc.BannedMembers(ctx, e.caller, tc.group, tc.limit, tc.offset)
		wantCode(t, "get_group_ban_member/"+tc.name, err, tc.want)
	}
}

// TestBanFeature checks that an app with AVChatRoom bans turned off gets 10007 from the
// three commands before any other check.
func TestBanFeature(t *testing.T) {
	e := newEnv(t, "owner")
	ctx := t.Context()
	e.caller.App.Features.AVChatRoomBan = false
	wantCode(t, "ban", e.svc.BanMembers(ctx, e.caller, "", nil, nil, ""), im.CodeNotAllowed)
	wantCode(t, "unban", e.svc.UnbanMembers(ctx, e.caller, "", nil), im.CodeNotAllowed)
	_, err := e.svc.BannedMembers(ctx, e.caller, "", -1, 0)
	wantCode(t, "list", err, im.CodeNotAllowed)
}
