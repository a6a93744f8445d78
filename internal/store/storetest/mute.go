package storetest

import (
	"context"
	"testing"

	"github.com/timdhq/timd/internal/im"
)

// muteScenarios check SetMute and ListMutes, and the MuteUntil that reads report.
var muteScenarios = []scenario{
	{"SetMute/MuteUntil", testSetMuteMuteUntil},
	{"SetMute/SurvivesRejoin", testSetMuteSurvivesRejoin},
	{"ListMutes", testListMutes},
}

// testSetMuteMuteUntil sets, changes and deletes a mute and reads it through GetMember and
// ListMembers.
func testSetMuteMuteUntil(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAddMembers(t, s, app1, newMember("g", "a", im.RoleOwner), newMember("g", "b", im.RoleMember))
	check := func(when string, want int64) {
		t.Helper()
		if got := mustGetMember(t, s, app1, "g", "b").MuteUntil; got != want {
			t.Errorf("GetMember MuteUntil %s: got %d, want %d", when, got, want)
		}
		ms := mustListMembers(t, s, app1, "g", im.MemberQuery{})
		if len(ms) != 2 || ms[1].MuteUntil != want || ms[0].MuteUntil != 0 {
			t.Errorf("ListMembers MuteUntil %s: got %+v, want [0 %d]", when, ms, want)
		}
	}
	check("before any mute", 0)
	mustSetMute(t, s, app1, "g", "b", 1800000000)
	check("after SetMute", 1800000000)
	mustSetMute(t, s, app1, "g", "b", im.MuteForever)
	check("after SetMute forever", im.MuteForever)
	mustSetMute(t, s, app1, "g", "b", 0)
	check("after SetMute 0", 0)
	if got := mustListMutes(t, s, app1, "g", 0, false); len(got) != 0 {
		t.Errorf("ListMutes after SetMute 0: got %v, want none", got)
	}
	mustSetMute(t, s, app1, "g", "nobody", 0) // deleting no record is no error
}

// testSetMuteSurvivesRejoin checks that a mute belongs to (group, account), not to one
// membership.
func testSetMuteSurvivesRejoin(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAddMembers(t, s, app1, newMember("g", "a", im.RoleOwner), newMember("g", "b", im.RoleMember))
	mustSetMute(t, s, app1, "g", "b", 1800000000)
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		return tx.DeleteMember(ctx, app1, "g", "b")
	})
	want := []im.Mute{{Account: "b", Until: 1800000000}}
	if got := mustListMutes(t, s, app1, "g", 1000, true); len(got) != 0 {
		t.Errorf("ListMutes of members after b left: got %v, want none", got)
	}
	if d := diff(want, mustListMutes(t, s, app1, "g", 1000, false)); d != "" {
		t.Errorf("ListMutes of all after b left (-want +got):\n%s", d)
	}
	mustAddMembers(t, s, app1, newMember("g", "b", im.RoleMember))
	if got := mustGetMember(t, s, app1, "g", "b").MuteUntil; got != 1800000000 {
		t.Errorf("MuteUntil after rejoin: got %d, want 1800000000", got)
	}
	if d := diff(want, mustListMutes(t, s, app1, "g", 1000, true)); d != "" {
		t.Errorf("ListMutes of members after rejoin (-want +got):\n%s", d)
	}
}

// testListMutes lists mutes that end in the future, now, in the past and never, of members
// and of a non-member, added out of account order.
func testListMutes(t *testing.T, s im.Store) {
	const now = 1800000000
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustCreateGroup(t, s, newGroup(app1, "h"))
	for _, a := range []string{"e", "d", "c", "b", "a"} {
		mustAddMembers(t, s, app1, newMember("g", a, im.RoleMember))
	}
	for account, until := range map[string]int64{
		"d": now + 100, "a": now + 1, "b": im.MuteForever, "c": now, "e": now - 1, "x": now + 5,
	} {
		mustSetMute(t, s, app1, "g", account, until)
	}
	mustSetMute(t, s, app1, "h", "a", now+100) // another group's

	members := []im.Mute{mute("a", now+1), mute("b", im.MuteForever), mute("d", now+100)}
	if d := diff(members, mustListMutes(t, s, app1, "g", now, true)); d != "" {
		t.Errorf("ListMutes membersOnly (-want +got):\n%s", d)
	}
	all := []im.Mute{mute("a", now+1), mute("b", im.MuteForever), mute("d", now+100), mute("x", now+5)}
	if d := diff(all, mustListMutes(t, s, app1, "g", now, false)); d != "" {
		t.Errorf("ListMutes of all (-want +got):\n%s", d)
	}
	forever := []im.Mute{mute("b", im.MuteForever)}
	if d := diff(forever, mustListMutes(t, s, app1, "g", now+1000, false)); d != "" {
		t.Errorf("ListMutes long after (-want +got):\n%s", d)
	}
}

// mute returns a mute record.
func mute(account string, until int64) im.Mute {
	return im.Mute{Account: account, Until: until}
}
