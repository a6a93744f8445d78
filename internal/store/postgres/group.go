package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/timdhq/timd/internal/im"
)

// CreateGroup inserts a group with no members; its Seq is the column's default, the next
// value of group_seq (g.Seq is ignored). ErrConflict if a group with its ID exists; the ID
// of a destroyed group may be used again, and gets a new Seq. ON CONFLICT DO NOTHING
// turns the duplicate key into "no row inserted", so the transaction stays usable; when
// another transaction is inserting the same ID, the insert waits for it and then reports
// the conflict if that transaction committed.
func (t *tx) CreateGroup(ctx context.Context, g im.Group) error {
	if err := t.check(true); err != nil {
		return err
	}
	data, err := encodeData(g.AppData)
	if err != nil {
		return fmt.Errorf("create group %q: %w", g.ID, err)
	}
	tag, err := t.exec(ctx, `INSERT INTO groups (app, id, type, name, introduction, notification,
			face_url, owner, create_time, info_seq, last_info_time, last_msg_time, next_msg_seq,
			max_member_num, apply_join_option, invite_join_option, mute_all_member, app_data,
			support_topic)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		ON CONFLICT (app, id) DO NOTHING`,
		appID(g.App), g.ID, string(g.Type), g.Name, g.Introduction, g.Notification,
		g.FaceURL, g.Owner, g.CreateTime, g.InfoSeq, g.LastInfoTime, g.LastMsgTime, g.NextMsgSeq,
		g.MaxMemberNum, g.ApplyJoinOption, g.InviteJoinOption, g.MuteAllMember, data, g.SupportTopic)
	if err == nil && tag.RowsAffected() == 0 {
		err = im.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("create group %q: %w", g.ID, err)
	}
	return nil
}

// GroupIDUsed reports whether id is taken by a group or was taken by a destroyed one.
func (t *tx) GroupIDUsed(ctx context.Context, app uint64, id string) (bool, error) {
	if err := t.check(false); err != nil {
		return false, err
	}
	var used bool
	err := t.queryRow(ctx, `SELECT
			EXISTS (SELECT 1 FROM groups WHERE app = $1 AND id = $2)
			OR EXISTS (SELECT 1 FROM group_tombstones WHERE app = $1 AND id = $2)`,
		appID(app), id).Scan(&used)
	if err != nil {
		return false, fmt.Errorf("group id used %q: %w", id, err)
	}
	return used, nil
}

// groupSelect reads groups g with every field; scanGroup scans its columns.
const groupSelect = `SELECT ` + groupColumnList + ` FROM groups g`

// groupColumnList is groupSelect's columns, for statements that join groups g to more.
const groupColumnList = `g.id, g.type, g.name, g.introduction, g.notification, g.face_url,
		g.owner, g.create_time, g.info_seq, g.last_info_time, g.last_msg_time, g.next_msg_seq,
		g.max_member_num, g.apply_join_option, g.invite_join_option, g.mute_all_member,
		g.app_data, g.member_num, g.seq, g.support_topic`

// groupColumns returns the scan destinations of groupSelect's columns, into g and data
// (the stored AppData, decoded by the caller).
func groupColumns(g *im.Group, data **string) []any {
	return []any{&g.ID, &g.Type, &g.Name, &g.Introduction, &g.Notification, &g.FaceURL,
		&g.Owner, &g.CreateTime, &g.InfoSeq, &g.LastInfoTime, &g.LastMsgTime, &g.NextMsgSeq,
		&g.MaxMemberNum, &g.ApplyJoinOption, &g.InviteJoinOption, &g.MuteAllMember,
		data, &g.MemberNum, &g.Seq, &g.SupportTopic}
}

// scanGroup scans one row of groupSelect into a group of app.
func scanGroup(s interface{ Scan(...any) error }, app uint64) (im.Group, error) {
	g := im.Group{App: app}
	var data *string
	if err := s.Scan(groupColumns(&g, &data)...); err != nil {
		return im.Group{}, err
	}
	var err error
	if g.AppData, err = decodeData(data); err != nil {
		return im.Group{}, err
	}
	return g, nil
}

// GetGroup returns a group with its MemberNum and Seq, or ErrNotFound. In Update it locks
// the group row until commit, which serializes the writers of the group; a read that
// waited for the lock returns the row as the previous holder committed it.
func (t *tx) GetGroup(ctx context.Context, app uint64, id string) (im.Group, error) {
	if err := t.check(false); err != nil {
		return im.Group{}, err
	}
	row := t.queryRow(ctx, groupSelect+` WHERE g.app = $1 AND g.id = $2`+t.lockClause(), appID(app), id)
	g, err := scanGroup(row, app)
	if err != nil {
		return im.Group{}, fmt.Errorf("get group %q: %w", id, err)
	}
	t.holdGroup(app, id)
	return g, nil
}

// The statements of ListGroups, of every type and of one. $3 is the limit, NULL for none.
// They lock nothing.
const (
	listGroups = groupSelect + ` WHERE g.app = $1 AND g.seq > $2
		ORDER BY g.seq LIMIT $3`
	listGroupsByType = groupSelect + ` WHERE g.app = $1 AND g.seq > $2 AND g.type = $4
		ORDER BY g.seq LIMIT $3`
)

// ListGroups returns the app's groups matching q, in Seq order, with MemberNum.
func (t *tx) ListGroups(ctx context.Context, app uint64, q im.GroupQuery) ([]im.Group, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	var limit *int64
	if q.Limit > 0 {
		limit = new(int64(q.Limit))
	}
	query, args := listGroups, []any{appID(app), q.AfterSeq, limit}
	if q.Type != "" {
		query, args = listGroupsByType, append(args, string(q.Type))
	}
	scan := func(r pgx.CollectableRow) (im.Group, error) { return scanGroup(r, app) }
	gs, err := collect(ctx, t, scan, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	return gs, nil
}

// CountGroups counts the app's groups of type typ, or all groups if typ is "".
func (t *tx) CountGroups(ctx context.Context, app uint64, typ im.GroupType) (int64, error) {
	if err := t.check(false); err != nil {
		return 0, err
	}
	var n int64
	var err error
	if typ == "" {
		err = t.queryRow(ctx, `SELECT count(*) FROM groups WHERE app = $1`, appID(app)).Scan(&n)
	} else {
		err = t.queryRow(ctx, `SELECT count(*) FROM groups WHERE app = $1 AND type = $2`,
			appID(app), string(typ)).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("count groups: %w", err)
	}
	return n, nil
}

// UpdateGroup writes every base field of g (not MemberNum or Seq). ErrNotFound if missing.
func (t *tx) UpdateGroup(ctx context.Context, g im.Group) error {
	if err := t.check(true); err != nil {
		return err
	}
	data, err := encodeData(g.AppData)
	if err != nil {
		return fmt.Errorf("update group %q: %w", g.ID, err)
	}
	err = t.execOne(ctx, `UPDATE groups SET type = $1, name = $2, introduction = $3,
			notification = $4, face_url = $5, owner = $6, create_time = $7, info_seq = $8,
			last_info_time = $9, last_msg_time = $10, next_msg_seq = $11, max_member_num = $12,
			apply_join_option = $13, invite_join_option = $14, mute_all_member = $15, app_data = $16
		WHERE app = $17 AND id = $18`,
		string(g.Type), g.Name, g.Introduction, g.Notification, g.FaceURL, g.Owner,
		g.CreateTime, g.InfoSeq, g.LastInfoTime, g.LastMsgTime, g.NextMsgSeq, g.MaxMemberNum,
		g.ApplyJoinOption, g.InviteJoinOption, g.MuteAllMember, data, appID(g.App), g.ID)
	if err != nil {
		return fmt.Errorf("update group %q: %w", g.ID, err)
	}
	return nil
}

// DestroyGroup deletes a group with its members, mute records, bans, messages,
// attributes and counters, and remembers its ID in group_tombstones. ErrNotFound if it
// does not exist.
func (t *tx) DestroyGroup(ctx context.Context, app uint64, id string) error {
	if err := t.check(true); err != nil {
		return err
	}
	t.releaseAll()
	err := t.execOne(ctx, `DELETE FROM groups WHERE app = $1 AND id = $2`, appID(app), id)
	if err != nil {
		return fmt.Errorf("destroy group %q: %w", id, err)
	}
	for _, q := range []string{
		`DELETE FROM members WHERE app = $1 AND group_id = $2`,
		`DELETE FROM mutes WHERE app = $1 AND group_id = $2`,
		`DELETE FROM messages WHERE app = $1 AND group_id = $2`,
		`DELETE FROM messages WHERE app = $1 AND group_id IN (SELECT id FROM topics WHERE app = $1 AND group_id = $2)`,
		`DELETE FROM topics WHERE app = $1 AND group_id = $2`,
		`DELETE FROM receipts WHERE app = $1 AND group_id = $2`,
		`DELETE FROM group_attrs WHERE app = $1 AND group_id = $2`,
		`DELETE FROM group_counters WHERE app = $1 AND group_id = $2`,
		`DELETE FROM group_bans WHERE app = $1 AND group_id = $2`,
		`INSERT INTO group_tombstones (app, id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
	} {
		if _, err := t.exec(ctx, q, appID(app), id); err != nil {
			return fmt.Errorf("destroy group %q: %w", id, err)
		}
	}
	return nil
}
