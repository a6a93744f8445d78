package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// CreateGroup inserts a group with no members. ErrConflict if a group with its ID exists;
// the ID of a destroyed group may be used again.
func (t *tx) CreateGroup(ctx context.Context, g im.Group) error {
	if err := t.check(true); err != nil {
		return err
	}
	data, err := encodeData(g.AppData)
	if err != nil {
		return fmt.Errorf("create group %q: %w", g.ID, err)
	}
	_, err = t.exec(ctx, `INSERT INTO groups (app, id, type, name, introduction, notification,
			face_url, owner, create_time, info_seq, last_info_time, last_msg_time, next_msg_seq,
			max_member_num, apply_join_option, invite_join_option, mute_all_member, app_data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		appID(g.App), g.ID, string(g.Type), g.Name, g.Introduction, g.Notification,
		g.FaceURL, g.Owner, g.CreateTime, g.InfoSeq, g.LastInfoTime, g.LastMsgTime, g.NextMsgSeq,
		g.MaxMemberNum, g.ApplyJoinOption, g.InviteJoinOption, g.MuteAllMember, data)
	if isConflict(err) {
		return fmt.Errorf("create group %q: %w", g.ID, im.ErrConflict)
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

// GetGroup returns a group with its MemberNum, or ErrNotFound. The single writer serializes
// every Update, so the row needs no further lock.
func (t *tx) GetGroup(ctx context.Context, app uint64, id string) (im.Group, error) {
	if err := t.check(false); err != nil {
		return im.Group{}, err
	}
	g := im.Group{App: app, ID: id}
	var data sql.NullString
	err := t.queryRow(ctx, `SELECT type, name, introduction, notification, face_url, owner,
			create_time, info_seq, last_info_time, last_msg_time, next_msg_seq, max_member_num,
			apply_join_option, invite_join_option, mute_all_member, app_data, member_num
		FROM groups WHERE app = ? AND id = ?`, appID(app), id).Scan(
		&g.Type, &g.Name, &g.Introduction, &g.Notification, &g.FaceURL, &g.Owner,
		&g.CreateTime, &g.InfoSeq, &g.LastInfoTime, &g.LastMsgTime, &g.NextMsgSeq, &g.MaxMemberNum,
		&g.ApplyJoinOption, &g.InviteJoinOption, &g.MuteAllMember, &data, &g.MemberNum)
	if err != nil {
		return im.Group{}, fmt.Errorf("get group %q: %w", id, notFound(err))
	}
	if g.AppData, err = decodeData(data); err != nil {
		return im.Group{}, fmt.Errorf("get group %q: %w", id, err)
	}
	return g, nil
}

// UpdateGroup writes every base field of g (not MemberNum). ErrNotFound if missing.
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

// DestroyGroup deletes a group with its members and mute records and remembers its ID in
// group_tombstones. ErrNotFound if it does not exist.
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
		`INSERT INTO group_tombstones (app, id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
	} {
		if _, err := t.exec(ctx, q, appID(app), id); err != nil {
			return fmt.Errorf("destroy group %q: %w", id, err)
		}
	}
	return nil
}
