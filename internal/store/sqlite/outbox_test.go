package sqlite

import (
	"strings"
	"testing"
)

// TestQueryPlans checks that the lists, the claim and account deletion find their rows
// through the indexes meant for them rather than by scanning a table or an app.
func TestQueryPlans(t *testing.T) {
	db := MustOpen(t, tempPath(t), Options{})
	for _, tc := range []struct {
		name  string
		query string
		args  []any
		want  []string // each a line of the plan, or the start of one
	}{
		{"DeleteAccount members", deleteAccountStatements[0], []any{1, "u"}, []string{
			"SEARCH groups USING PRIMARY KEY (app=? AND id=?)",
			"SEARCH members USING COVERING INDEX members_account (app=? AND account=?)",
		}},
		{"DeleteAccount memberships", deleteAccountStatements[1], []any{1, "u"}, []string{
			"SEARCH members USING INDEX members_account (app=? AND account=?)",
		}},
		{"DeleteAccount mutes", deleteAccountStatements[2], []any{1, "u"}, []string{
			"SEARCH mutes USING INDEX mutes_account (app=? AND account=?)",
		}},
		{"DeleteAccount account-wide mute", deleteAccountStatements[3], []any{1, "u"}, []string{
			"SEARCH nospeaking USING PRIMARY KEY (app=? AND account=?)",
		}},
		{"DeleteAccount owned groups", deleteAccountStatements[4], []any{1, "u"}, []string{
			"SEARCH groups USING INDEX groups_owner (app=? AND owner=?)",
		}},
		{"DeleteAccount bans", deleteAccountStatements[5], []any{1, "u"}, []string{
			"SEARCH group_bans USING INDEX group_bans_account (app=? AND account=?)",
		}},
		{"DeleteAccount profile", deleteAccountStatements[6], []any{1, "u"}, []string{
			"SEARCH profiles USING PRIMARY KEY (app=? AND account=?)",
		}},
		{"ListJoined", listJoined, []any{1, "u"}, []string{
			"SEARCH m USING INDEX members_account (app=? AND account=?)",
			"SEARCH g USING PRIMARY KEY (app=? AND id=?)",
			"SEARCH u USING PRIMARY KEY (app=? AND group_id=? AND account=?)",
		}},
		{"ListGroups", listGroups, []any{1, 0, -1}, []string{
			"SEARCH g USING INDEX groups_seq (app=? AND seq>?)",
		}},
		{"ListGroups by type", listGroupsByType, []any{1, 0, "Public", -1}, []string{
			"SEARCH g USING INDEX groups_type (app=? AND type=? AND seq>?)",
		}},
		{"GetMembers", getMembers, []any{1, "g", `["a"]`}, []string{
			"SEARCH m USING INDEX members_member (app=? AND group_id=? AND account=?)",
		}},
		{"GetGroupMember", getGroupMember, []any{1, "g", "a"}, []string{
			"SEARCH g USING PRIMARY KEY (app=? AND id=?)",
			"SEARCH m USING INDEX members_member (app=? AND group_id=? AND account=?)",
			"SEARCH u USING PRIMARY KEY (app=? AND group_id=? AND account=?)",
		}},
		{"CountMembers by role", countRole, []any{1, "g", "Admin"}, []string{
			"SEARCH members USING COVERING INDEX members_role (app=? AND group_id=? AND role=?)",
		}},
		{"CountMembers of role Member", countPlainMembers, []any{1, "g"}, []string{
			"SEARCH g USING PRIMARY KEY (app=? AND id=?)",
			"SEARCH m USING COVERING INDEX members_role (app=? AND group_id=?)",
		}},
		{"GetMember", getMember, []any{1, "g", "a"}, []string{
			"SEARCH m USING INDEX members_member (app=? AND group_id=? AND account=?)",
			"SEARCH u USING PRIMARY KEY (app=? AND group_id=? AND account=?)",
		}},
		{"ClaimEvents", claimEvents, []any{0, 1, 10}, []string{
			// The events are read in ID order (SCAN e, the rowid order), up to the limit.
			"SCAN e",
			"SEARCH o USING COVERING INDEX outbox_group (app=? AND group_id=? AND id<?)",
		}},
	} {
		rows, err := db.rdb.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+tc.query, tc.args...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		t.Logf("%s:\n%s", tc.name, text)
		if strings.Contains(text, "TEMP B-TREE") && tc.name != "ListJoined" {
			t.Errorf("%s: plan sorts:\n%s", tc.name, text)
		}
		for _, want := range tc.want {
			if !strings.Contains(text, want) {
				t.Errorf("%s: plan lacks %q:\n%s", tc.name, want, text)
			}
		}
		for _, line := range plan {
			if strings.HasPrefix(line, "SCAN ") && line != "SCAN e" && !strings.Contains(line, "json_each") {
				t.Errorf("%s: plan scans a table: %q in\n%s", tc.name, line, text)
			}
		}
	}
}
