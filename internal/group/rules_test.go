package group

import (
	"fmt"
	"testing"

	"github.com/timdhq/timd/internal/im"
)

// TestPermissionMatrix walks every (group type, operation, target role) and checks the
// code the matrix gives against the expected table, row by row.
func TestPermissionMatrix(t *testing.T) {
	const (
		ok  = im.CodeOK
		inv = im.CodeInvalidParam
		no  = im.CodeNotAllowed
	)
	targets := []im.Role{"", im.RoleOwner, im.RoleAdmin, im.RoleMember}
	// want[op][type] lists the code for targets "", Owner, Admin, Member.
	want := map[Op]map[im.GroupType][4]im.Code{
		OpModifyMember: {
			im.TypePrivate: {ok, ok, ok, ok}, im.TypePublic: {ok, ok, ok, ok}, im.TypeChatRoom: {ok, ok, ok, ok},
			im.TypeAVChatRoom: {no, no, no, no}, im.TypeCommunity: {ok, ok, ok, ok},
		},
		OpSetRole: {
			im.TypePrivate: {no, inv, no, no}, im.TypePublic: {ok, inv, ok, ok}, im.TypeChatRoom: {ok, inv, ok, ok},
			im.TypeAVChatRoom: {ok, inv, ok, ok}, im.TypeCommunity: {ok, inv, ok, ok},
		},
		OpMute: {
			im.TypePrivate: {no, no, no, no}, im.TypePublic: {ok, no, ok, ok}, im.TypeChatRoom: {ok, no, ok, ok},
			im.TypeAVChatRoom: {ok, no, ok, ok}, im.TypeCommunity: {ok, no, ok, ok},
		},
		OpAddMember: {
			im.TypePrivate: {ok, ok, ok, ok}, im.TypePublic: {ok, ok, ok, ok}, im.TypeChatRoom: {ok, ok, ok, ok},
			im.TypeAVChatRoom: {no, no, no, no}, im.TypeCommunity: {ok, ok, ok, ok},
		},
		OpSetAdminRole: {
			im.TypePrivate: {no, no, no, no}, im.TypePublic: {ok, ok, ok, ok}, im.TypeChatRoom: {ok, ok, ok, ok},
			im.TypeAVChatRoom: {no, no, no, no}, im.TypeCommunity: {ok, ok, ok, ok},
		},
		OpDeleteMember: {
			im.TypePrivate: {ok, inv, ok, ok}, im.TypePublic: {ok, inv, ok, ok}, im.TypeChatRoom: {ok, inv, ok, ok},
			im.TypeAVChatRoom: {inv, inv, inv, inv}, im.TypeCommunity: {ok, inv, ok, ok},
		},
		OpListMembers: {
			im.TypePrivate: {ok, ok, ok, ok}, im.TypePublic: {ok, ok, ok, ok}, im.TypeChatRoom: {ok, ok, ok, ok},
			im.TypeAVChatRoom: {no, no, no, no}, im.TypeCommunity: {ok, ok, ok, ok},
		},
		OpChangeOwner: {
			im.TypePrivate: {ok, ok, ok, ok}, im.TypePublic: {ok, ok, ok, ok}, im.TypeChatRoom: {ok, ok, ok, ok},
			im.TypeAVChatRoom: {no, no, no, no}, im.TypeCommunity: {ok, ok, ok, ok},
		},
		OpGetRole: {
			im.TypePrivate: {ok, ok, ok, ok}, im.TypePublic: {ok, ok, ok, ok}, im.TypeChatRoom: {ok, ok, ok, ok},
			im.TypeAVChatRoom: {no, no, no, no}, im.TypeCommunity: {ok, ok, ok, ok},
		},
		OpImport: {
			im.TypePrivate: {ok, ok, ok, ok}, im.TypePublic: {ok, ok, ok, ok}, im.TypeChatRoom: {ok, ok, ok, ok},
			im.TypeAVChatRoom: {no, no, no, no}, im.TypeCommunity: {ok, ok, ok, ok},
		},
		OpHistory: {
			im.TypePrivate: {ok, ok, ok, ok}, im.TypePublic: {ok, ok, ok, ok}, im.TypeChatRoom: {ok, ok, ok, ok},
			im.TypeAVChatRoom: {no, no, no, no}, im.TypeCommunity: {ok, ok, ok, ok},
		},
		OpWriteAttrs: {
			im.TypePrivate: {ok, ok, ok, ok}, im.TypePublic: {ok, ok, ok, ok}, im.TypeChatRoom: {ok, ok, ok, ok},
			im.TypeAVChatRoom: {ok, ok, ok, ok}, im.TypeCommunity: {ok, ok, ok, ok},
		},
		OpCounters: {
			im.TypePrivate: {ok, ok, ok, ok}, im.TypePublic: {ok, ok, ok, ok}, im.TypeChatRoom: {ok, ok, ok, ok},
			im.TypeAVChatRoom: {ok, ok, ok, ok}, im.TypeCommunity: {no, no, no, no},
		},
		OpBan: {
			im.TypePrivate: {no, no, no, no}, im.TypePublic: {no, no, no, no}, im.TypeChatRoom: {no, no, no, no},
			im.TypeAVChatRoom: {ok, no, ok, ok}, im.TypeCommunity: {no, no, no, no},
		},
		OpClearAttrs: {
			im.TypePrivate: {ok, ok, ok, ok}, im.TypePublic: {ok, ok, ok, ok}, im.TypeChatRoom: {ok, ok, ok, ok},
			im.TypeAVChatRoom: {ok, ok, ok, ok}, im.TypeCommunity: {no, no, no, no},
		},
	}
	rows := 0
	for op, byType := range want {
		for _, typ := range im.GroupTypes {
			codes, found := byType[typ]
			if !found {
				t.Fatalf("expected table has no row for %s on %s", op, typ)
			}
			for i, target := range targets {
				rows++
				t.Run(fmt.Sprintf("%s/%s/%s", op, typ, target), func(t *testing.T) {
					if got := im.CodeOf(allow(typ, op, target)); got != codes[i] {
						t.Errorf("allow(%s, %s, %q) = %d, want %d", typ, op, target, got, codes[i])
					}
				})
			}
		}
	}
	// Every rule of the matrix must be reachable from the table, so a new rule cannot
	// slip in untested.
	for _, r := range matrix {
		if _, found := want[r.Op]; !found {
			t.Errorf("matrix rule for %s has no rows in the expected table", r.Op)
		}
	}
	if rows != len(want)*len(im.GroupTypes)*len(targets) {
		t.Errorf("walked %d rows", rows)
	}
}
