package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// CreateGroup inserts a group with no members and the next Seq of the store (g.Seq is
// ignored). ErrConflict if a group with its ID exists; the ID of a destroyed group may be
// used again, and gets a new Seq.
func (t *tx) CreateGroup(ctx context.Context, g im.Group) error {
	if err := t.check(true); err != nil {
		return err
	}
	data, err := encodeData(g.AppData)
	if err != nil {
		return fmt.Errorf("create group %q: %w", g.ID, err)
	}
	// The insert takes the Seq after the counter's and runs before the counter moves, so a
	// conflict leaves nothing to undo.
	_, err = t.exec(ctx, `INSERT INTO groups (app, id, type, name, introduction, notification,
			face_url, owner, create_time, info_seq, last_info_time, last_msg_time, next_msg_seq,
			max_member_num, apply_join_option, invite_join_option, mute_all_member, app_data,
			support_topic, seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
			(SELECT value + 1 FROM counters WHERE name = 'group_seq'))`,
		appID(g.App), g.ID, string(g.Type), g.Name, g.Introduction, g.Notification,
		g.FaceURL, g.Owner, g.CreateTime, g.InfoSeq, g.LastInfoTime, g.LastMsgTime, g.NextMsgSeq,
		g.MaxMemberNum, g.ApplyJoinOption, g.InviteJoinOption, g.MuteAllMember, data, g.SupportTopic)
	if isConflict(err) {
		return fmt.Errorf("create group %q: %w", g.ID, im.ErrConflict)
	}
	if err == nil {
		err = t.execOne(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'group_seq'`)
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
			EXISTS (SELECT 1 FROM groups WHERE app = ?1 AND id = ?2)
			OR EXISTS (SELECT 1 FROM group_tombstones WHERE app = ?1 AND id = ?2)`,
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
func groupColumns(g *im.Group, data *sql.NullString) []any {
	return []any{&g.ID, &g.Type, &g.Name, &g.Introduction, &g.Notification, &g.FaceURL,
		&g.Owner, &g.CreateTime, &g.InfoSeq, &g.LastInfoTime, &g.LastMsgTime, &g.NextMsgSeq,
		&g.MaxMemberNum, &g.ApplyJoinOption, &g.InviteJoinOption, &g.MuteAllMember,
		data, &g.MemberNum, &g.Seq, &g.SupportTopic}
}

// scanGroup scans one row of groupSelect into a group of app.
func scanGroup(s scanner, app uint64) (im.Group, error) {
	g := im.Group{App: app}
	var data sql.NullString
	if err := s.Scan(groupColumns(&g, &data)...); err != nil {
		return im.Group{}, err
	}
	var err error
	if g.AppData, err = decodeData(data); err != nil {
		return im.Group{}, err
	}
	return g, nil
}

// GetGroup returns a group with its MemberNum and Seq, or ErrNotFound; in an Update, from
// the writer's groupCache when it holds the row. The single writer serializes every
// Update, so the row needs no further lock.
func (t *tx) GetGroup(ctx context.Context, app uint64, id string) (im.Group, error) {
	if err := t.check(false); err != nil {
		return im.Group{}, err
	}
	if t.groups != nil {
		if g, ok := t.groups.get(app, id); ok {
			return g, nil
		}
	}
	g, err := scanGroup(t.queryRow(ctx, groupSelect+` WHERE g.app = ? AND g.id = ?`, appID(app), id), app)
	if err != nil {
		return im.Group{}, fmt.Errorf("get group %q: %w", id, notFound(err))
	}
	if t.groups != nil {
		t.groups.put(g)
	}
	return g, nil
}

// The statements of ListGroups, of every type and of one. The limit is -1 for none.
const (
	listGroups = groupSelect + ` WHERE g.app = ? AND g.seq > ?
		ORDER BY g.seq LIMIT ?`
	listGroupsByType = groupSelect + ` WHERE g.app = ? AND g.seq > ? AND g.type = ?
		ORDER BY g.seq LIMIT ?`
)

// ListGroups returns the app's groups matching q, in Seq order, with MemberNum.
func (t *tx) ListGroups(ctx context.Context, app uint64, q im.GroupQuery) ([]im.Group, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	limit := int64(q.Limit)
	if limit <= 0 {
		limit = -1 // no limit
	}
	query, args := listGroups, []any{appID(app), q.AfterSeq, limit}
	if q.Type != "" {
		query, args = listGroupsByType, []any{appID(app), q.AfterSeq, string(q.Type), limit}
	}
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	defer rows.Close()
	var gs []im.Group
	for rows.Next() {
		g, err := scanGroup(rows, app)
		if err != nil {
			return nil, fmt.Errorf("list groups: %w", err)
		}
		gs = append(gs, g)
	}
	if err := rows.Err(); err != nil {
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
		err = t.queryRow(ctx, `SELECT COUNT(*) FROM groups WHERE app = ?`, appID(app)).Scan(&n)
	} else {
		err = t.queryRow(ctx, `SELECT COUNT(*) FROM groups WHERE app = ? AND type = ?`,
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
	err = t.execOne(ctx, `UPDATE groups SET type = ?, name = ?, introduction = ?,
			notification = ?, face_url = ?, owner = ?, create_time = ?, info_seq = ?,
			last_info_time = ?, last_msg_time = ?, next_msg_seq = ?, max_member_num = ?,
			apply_join_option = ?, invite_join_option = ?, mute_all_member = ?, app_data = ?
		WHERE app = ? AND id = ?`,
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
	err := t.execOne(ctx, `DELETE FROM groups WHERE app = ? AND id = ?`, appID(app), id)
	if err != nil {
		return fmt.Errorf("destroy group %q: %w", id, err)
	}
	for _, q := range []string{
		`DELETE FROM members WHERE app = ? AND group_id = ?`,
		`DELETE FROM mutes WHERE app = ? AND group_id = ?`,
		`DELETE FROM messages WHERE app = ? AND group_id = ?`,
		`DELETE FROM messages WHERE app = ?1 AND group_id IN (SELECT id FROM topics WHERE app = ?1 AND group_id = ?2)`,
		`DELETE FROM topics WHERE app = ? AND group_id = ?`,
		`DELETE FROM receipts WHERE app = ? AND group_id = ?`,
		`DELETE FROM group_attrs WHERE app = ? AND group_id = ?`,
		`DELETE FROM group_counters WHERE app = ? AND group_id = ?`,
		`DELETE FROM group_bans WHERE app = ? AND group_id = ?`,
		`INSERT INTO group_tombstones (app, id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
	} {
		if _, err := t.exec(ctx, q, appID(app), id); err != nil {
			return fmt.Errorf("destroy group %q: %w", id, err)
		}
	}
	return nil
}
