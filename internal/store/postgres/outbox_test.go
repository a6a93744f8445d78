package postgres

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestQueryPlans fills a schema with 5000 groups of 10 members (one muted) and 20000
// events, analyzes it, and checks that the new lists and the claim find their rows through the indexes
// meant for them.
func TestQueryPlans(t *testing.T) {
	db := MustOpenFresh(t, Options{})
	_, err := db.pool.Exec(t.Context(), `
		INSERT INTO groups (app, id, type, name, introduction, notification, face_url, owner,
			create_time, info_seq, last_info_time, last_msg_time, next_msg_seq, max_member_num,
			apply_join_option, invite_join_option, mute_all_member)
		SELECT 1, 'g' || i, CASE WHEN i % 5 = 0 THEN 'Private' ELSE 'Public' END,
			'', '', '', '', '', 0, 0, 0, 0, 0, 0, 'FreeAccess', '', false
		FROM generate_series(1, 5000) i;
		INSERT INTO members (app, group_id, account, seq, role, join_time, msg_seq, msg_flag,
			last_send_msg_time, name_card, unread_msg_num)
		SELECT 1, 'g' || i, 'u' || ((i * 7 + j) % 5000), j, 'Member', 0, 0, 'AcceptAndNotify', 0, '', 0
		FROM generate_series(1, 5000) i, generate_series(1, 10) j;
		INSERT INTO mutes (app, group_id, account, until)
		SELECT 1, 'g' || i, 'u' || ((i * 7 + 1) % 5000), 4294967295 FROM generate_series(1, 5000) i;
		INSERT INTO outbox (app, group_id, command, client_ip, body, created, attempts,
			next_attempt, lease_until)
		SELECT 1, 'g' || (i % 500), 'c', '', '', 0, 0, 0, 0 FROM generate_series(1, 20000) i;
		ANALYZE`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		query string
		args  []any
		want  []string
	}{
		{"ListJoined", listJoined, []any{1, "u5"}, []string{"members_account", "groups_pkey"}},
		{"ListGroups", listGroups, []any{1, 100, 20}, []string{"groups_seq"}},
		{"ListGroups by type", listGroupsByType, []any{1, 100, 20, "Private"}, []string{"groups_"}},
		{"GetMembers", getMembers, []any{1, "g7", []string{"u50", "u51"}}, []string{"members_pkey"}},
		{"ClaimEvents", claimEvents, []any{1, 2, 10}, []string{"outbox_group", "outbox_pkey"}},
	} {
		rows, err := db.pool.Query(t.Context(), "EXPLAIN "+tc.query, tc.args...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		text := strings.Join(plan, "\n")
		t.Logf("%s:\n%s", tc.name, text)
		for _, want := range tc.want {
			if !strings.Contains(text, want) {
				t.Errorf("%s: plan does not use %s:\n%s", tc.name, want, text)
			}
		}
		if strings.Contains(text, "Seq Scan") {
			t.Errorf("%s: plan scans a table:\n%s", tc.name, text)
		}
	}
}
