package httpapi_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/timdhq/timd/timtest"
)

// forbid is a forbid_send_msg body.
func forbid(g string, muteTime any, accounts ...string) map[string]any {
	return map[string]any{"GroupId": g, "Members_Account": accounts, "MuteTime": muteTime}
}

// TestForbidSendMsg checks forbid_send_msg (Tencent's docs, see docs/compatibility.md Sources, docs/compatibility.md §6).
func TestForbidSendMsg(t *testing.T) {
	s := newServer(t, timtest.Options{})
	many := names("m", 501)
	s.MustImportAccounts(t, append([]string{"owner", "bob", "carol", "dave"}, many...)...)

	t.Run("mute and unmute", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Public", "owner", "bob", "carol")
		lo := s.Now().Unix() + 300
		mustCode(t, s, cmdForbid, forbid(g, 300, "bob", "carol"), codeOK)
		hi := s.Now().Unix() + 300
		for _, a := range []string{"bob", "carol"} {
			checkMuteUntil(t, mustMember(t, s, g, a), lo, hi)
		}
		mustCode(t, s, cmdForbid, forbid(g, 0, "carol"), codeOK)
		checkMuteUntil(t, mustMember(t, s, g, "carol"), 0, 0)
		checkMuteUntil(t, mustMember(t, s, g, "bob"), lo, hi)
		mustCode(t, s, cmdForbid, forbid(g, muteForever, "carol"), codeOK)
		checkMuteUntil(t, mustMember(t, s, g, "carol"), muteForever, muteForever)
	})
	t.Run("old name ShutUpTime", func(t *testing.T) {
		g := s.MustCreateGroup(t, "ChatRoom", "owner", "bob")
		lo := s.Now().Unix() + 120
		mustCode(t, s, cmdForbid, map[string]any{"GroupId": g, "Members_Account": []string{"bob"}, "ShutUpTime": 120}, codeOK)
		checkMuteUntil(t, mustMember(t, s, g, "bob"), lo, s.Now().Unix()+120)
		lo = s.Now().Unix() + 60
		mustCode(t, s, cmdForbid, map[string]any{"GroupId": g, "Members_Account": []string{"bob"}, "MuteTime": 60, "ShutUpTime": 9999}, codeOK)
		checkMuteUntil(t, mustMember(t, s, g, "bob"), lo, s.Now().Unix()+60)
	})
	t.Run("500 accounts", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Community", "owner")
		s.MustAddMembers(t, g, many...)
		mustCode(t, s, cmdForbid, forbid(g, 600, many...), codeOverLimit)
		if got := mutedList(t, s, g); len(got) != 0 {
			t.Errorf("muted after 10005: got %d accounts, want none", len(got))
		}
		mustCode(t, s, cmdForbid, forbid(g, 600, many[:500]...), codeOK)
		if got := mutedList(t, s, g); len(got) != 500 {
			t.Errorf("muted: got %d accounts, want 500", len(got))
		}
	})
	for _, tc := range []struct {
		name string
		typ  string
		body func(g string) any
		want int
	}{
		{"owner", "Public", func(g string) any { return forbid(g, 60, "bob", "owner") }, codeNotAllowed},
		{"Private", "Private", func(g string) any { return forbid(g, 60, "bob") }, codeNotAllowed},
		{"Private unmute", "Private", func(g string) any { return forbid(g, 0, "bob") }, codeNotAllowed},
		{"non-member", "Public", func(g string) any { return forbid(g, 60, "bob", "dave") }, codeNotAllowed},
		{"not imported", "Public", func(g string) any { return forbid(g, 60, "bob", "ghost") }, codeNoAccount},
		{"MuteTime -1", "Public", func(g string) any { return forbid(g, -1, "bob") }, codeInvalid},
		{"MuteTime 4294967296", "Public", func(g string) any { return forbid(g, 4294967296, "bob") }, codeInvalid},
		{"MuteTime 1.5", "Public", func(g string) any { return forbid(g, 1.5, "bob") }, codeInvalid},
		{"MuteTime missing", "Public", func(g string) any { return map[string]any{"GroupId": g, "Members_Account": []string{"bob"}} }, codeInvalid},
		{"MuteTime string", "Public", func(g string) any { return forbid(g, "60", "bob") }, codeBadJSON},
		{"no accounts", "Public", func(g string) any { return forbid(g, 60) }, codeInvalid},
		{"unknown group", "Public", func(string) any { return forbid(unknown, 60, "bob") }, codeNoGroup},
		{"bad group ID", "Public", func(string) any { return forbid("", 60, "bob") }, codeBadGroupID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := s.MustCreateGroup(t, tc.typ, "owner", "bob", "carol")
			if tc.typ != "Private" {
				mustCode(t, s, cmdForbid, forbid(g, 3600, "carol"), codeOK)
			}
			before := groupSnapshot(t, s, g)
			mustCode(t, s, cmdForbid, tc.body(g), tc.want)
			if diff := cmp.Diff(before, groupSnapshot(t, s, g)); diff != "" {
				t.Errorf("the group changed (-before +after):\n%s", diff)
			}
		})
	}
	t.Run("AVChatRoom", func(t *testing.T) {
		// AVChatRoom members join through the client SDK: any imported account but the
		// owner may be muted.
		g := s.MustCreateGroup(t, "AVChatRoom", "owner")
		mustCode(t, s, cmdForbid, forbid(g, 60, "bob", "owner"), codeNotAllowed)
		mustCode(t, s, cmdForbid, forbid(g, muteForever, "bob", "dave"), codeOK)
		if got, want := mutedList(t, s, g), map[string]int64{"bob": muteForever, "dave": muteForever}; !cmp.Equal(got, want) {
			t.Errorf("muted: got %v, want %v", got, want)
		}
	})
}

// TestGetGroupMutedAccount checks get_group_muted_account and its old alias
// get_group_shutted_uin (docs/compatibility.md §3 and §6).
func TestGetGroupMutedAccount(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner", "bob", "carol", "dave", "erin")
	g := s.MustCreateGroup(t, "Public", "owner", "bob", "carol", "dave", "erin")

	t.Run("none muted", func(t *testing.T) {
		r := mustCode(t, s, cmdMuted, map[string]any{"GroupId": g}, codeOK)
		if list, ok := r.Fields["MutedAccountList"].([]any); !ok || len(list) != 0 {
			t.Errorf("MutedAccountList: got %#v, want []", r.Fields["MutedAccountList"])
		}
		if r.Fields["GroupId"] != g {
			t.Errorf("GroupId: got %v, want %s", r.Fields["GroupId"], g)
		}
	})

	lo := s.Now().Unix()
	mustCode(t, s, cmdForbid, forbid(g, 60, "dave"), codeOK)
	mustCode(t, s, cmdForbid, forbid(g, 3600, "bob"), codeOK)
	mustCode(t, s, cmdForbid, forbid(g, muteForever, "carol"), codeOK)
	mustCode(t, s, cmdForbid, forbid(g, 3600, "erin"), codeOK)
	mustCode(t, s, cmdForbid, forbid(g, 0, "erin"), codeOK)
	hi := s.Now().Unix()

	// check wants exactly the accounts of want muted, each until about now+want[a]
	// (or forever), in account order, under the given names.
	check := func(t *testing.T, command, list, until string, want map[string]int64) {
		t.Helper()
		r := mustCode(t, s, command, map[string]any{"GroupId": g}, codeOK)
		wantFields := []string{"ActionStatus", "ErrorInfo", "ErrorCode", "GroupId", list}
		if diff := cmp.Diff(sorted(wantFields...), fieldNames(r.Fields)); diff != "" {
			t.Errorf("%s fields (-want +got):\n%s", command, diff)
		}
		entries, _ := r.Fields[list].([]any)
		var got []string
		for _, e := range entries {
			m, _ := e.(map[string]any)
			if diff := cmp.Diff(sorted("Member_Account", until), fieldNames(m)); diff != "" {
				t.Errorf("%s entry fields (-want +got):\n%s", command, diff)
				continue
			}
			a, _ := m["Member_Account"].(string)
			got = append(got, a)
			end, d := num(t, m, until), want[a]
			if d == muteForever && end != muteForever || d != muteForever && (end < lo+d || end > hi+d) {
				t.Errorf("%s %s of %s: got %d, want now+%d", command, until, a, end, d)
			}
		}
		if diff := cmp.Diff(slices.Sorted(maps.Keys(want)), got); diff != "" {
			t.Errorf("%s accounts (-want +got):\n%s", command, diff)
		}
	}
	t.Run("current names", func(t *testing.T) {
		check(t, cmdMuted, "MutedAccountList", "MutedUntil", map[string]int64{"bob": 3600, "carol": muteForever, "dave": 60})
	})
	t.Run("old names", func(t *testing.T) {
		check(t, cmdShutted, "ShuttedUinList", "ShuttedUntil", map[string]int64{"bob": 3600, "carol": muteForever, "dave": 60})
	})
	t.Run("expired mutes disappear", func(t *testing.T) {
		s.Advance(61 * time.Second)
		want := map[string]int64{"bob": 3600, "carol": muteForever}
		check(t, cmdMuted, "MutedAccountList", "MutedUntil", want)
		check(t, cmdShutted, "ShuttedUinList", "ShuttedUntil", want)
		checkMuteUntil(t, mustMember(t, s, g, "dave"), 0, 0)
	})
	t.Run("members only", func(t *testing.T) {
		mustCode(t, s, cmdDelete, map[string]any{"GroupId": g, "MemberToDel_Account": []string{"bob"}}, codeOK)
		check(t, cmdMuted, "MutedAccountList", "MutedUntil", map[string]int64{"carol": muteForever})
	})
	t.Run("AVChatRoom", func(t *testing.T) {
		av := s.MustCreateGroup(t, "AVChatRoom", "owner")
		mustCode(t, s, cmdForbid, forbid(av, muteForever, "dave"), codeOK)
		if got, want := mutedList(t, s, av), map[string]int64{"dave": muteForever}; !cmp.Equal(got, want) {
			t.Errorf("muted: got %v, want %v", got, want)
		}
	})
	t.Run("bad IDs", func(t *testing.T) {
		for _, c := range []string{cmdMuted, cmdShutted} {
			mustCode(t, s, c, map[string]any{"GroupId": ""}, codeBadGroupID)
			mustCode(t, s, c, map[string]any{"GroupId": unknown}, codeNoGroup)
		}
	})
}
