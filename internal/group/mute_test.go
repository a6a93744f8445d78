package group_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// TestForbidSendMsg checks forbid_send_msg: the whole batch is checked first (an owner or
// a non-member refuses it all), then every account is muted until now + MuteTime.
func TestForbidSendMsg(t *testing.T) {
	e := newEnv(t, "owner", "bob", "carol", "dave")
	g := e.mustCreate(t, im.TypePublic, "owner", "bob", "carol")
	for _, tc := range []struct {
		name     string
		accounts []string
		n        *group.Number
		want     im.Code
	}{
		{"owner in the batch", []string{"bob", "owner"}, group.Int(60), im.CodeNotAllowed},
		{"non-member in the batch", []string{"bob", "dave"}, group.Int(60), im.CodeNotAllowed},
		{"not imported", []string{"bob", "ghost"}, group.Int(60), im.CodeAccountNotFound},
		{"MuteTime missing", []string{"bob"}, nil, im.CodeInvalidParam},
		{"MuteTime negative", []string{"bob"}, group.Int(-5), im.CodeInvalidParam},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, "ForbidSendMsg", e.svc.ForbidSendMsg(t.Context(), e.caller, g, tc.accounts, tc.n), tc.want)
			if m := e.member(t, g, "bob"); m.MuteUntil != 0 {
				t.Errorf("bob muted until %d by a refused batch", m.MuteUntil)
			}
		})
	}
	if err := e.svc.ForbidSendMsg(t.Context(), e.caller, g, []string{"bob", "carol"}, group.Int(100)); err != nil {
		t.Fatal(err)
	}
	muted, err := e.svc.MutedAccounts(t.Context(), e.caller, g)
	if err != nil {
		t.Fatal(err)
	}
	until := e.clock.Now().Unix() + 100
	if diff := cmp.Diff([]im.Mute{{Account: "bob", Until: until}, {Account: "carol", Until: until}}, muted); diff != "" {
		t.Errorf("muted (-want +got):\n%s", diff)
	}
	wantCode(t, "Private group", e.svc.ForbidSendMsg(t.Context(), e.caller, e.mustCreate(t, im.TypePrivate, "owner", "bob"), []string{"bob"}, group.Int(1)), im.CodeNotAllowed)
}
