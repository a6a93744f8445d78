package postgres

import (
	"context"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// CreateGroup inserts a group with no members. ErrConflict if a group with its ID exists;
// the ID of a destroyed group may be used again. ON CONFLICT DO NOTHING turns the
// duplicate key into "no row inserted", so the transaction stays usable; when another
// transaction is inserting the same ID, the insert waits for it and then reports the
// conflict if that transaction committed.
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
			max_member_num, apply_join_option, invite_join_option, mute_all_member, app_data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		ON CONFLICT (app, id) DO NOTHING`,
		appID(g.App), g.ID, string(g.Type), g.Name, g.Introduction, g.Notification,
		g.FaceURL, g.Owner, g.CreateTime, g.InfoSeq, g.LastInfoTime, g.LastMsgTime, g.NextMsgSeq,
		g.MaxMemberNum, g.ApplyJoinOption, g.InviteJoinOption, g.MuteAllMember, data)
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

// GetGroup returns a group with its MemberNum, or ErrNotFound. In Update it locks the group
// row until commit, which serializes the writers of the group; a read that waited for the
// lock returns the row as the previous holder committed it.
func (t *tx) GetGroup(ctx context.Context, app uint64, id string) (im.Group, error) {
	if err := t.check(false); err != nil {
		return im.Group{}, err
	}
	g := im.Group{App: app, ID: id}
	var data *string
	err := t.queryRow(ctx, `SELECT type, name, introduction, notification, face_url, owner,
			create_time, info_seq, last_info_time, last_msg_time, next_msg_seq, max_member_num,
			apply_join_option, invite_join_option, mute_all_member, app_data, member_num
		FROM groups WHERE app = $1 AND id = $2`+t.lockClause(), appID(app), id).Scan(
		&g.Type, &g.Name, &g.Introduction, &g.Notification, &g.FaceURL, &g.Owner,
		&g.CreateTime, &g.InfoSeq, &g.LastInfoTime, &g.LastMsgTime, &g.NextMsgSeq, &g.MaxMemberNum,
		&g.ApplyJoinOption, &g.InviteJoinOption, &g.MuteAllMember, &data, &g.MemberNum)
	if err != nil {
		return im.Group{}, fmt.Errorf("get group %q: %w", id, err)
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

// DestroyGroup deletes a group with its members and mute records and remembers its ID in
// group_tombstones. ErrNotFound if it does not exist.
func (t *tx) DestroyGroup(ctx context.Context, app uint64, id string) error {
	if err := t.check(true); err != nil {
		return err
	}
	err := t.execOne(ctx, `DELETE FROM groups WHERE app = $1 AND id = $2`, appID(app), id)
	if err != nil {
		return fmt.Errorf("destroy group %q: %w", id, err)
	}
	for _, q := range []string{
		`DELETE FROM members WHERE app = $1 AND group_id = $2`,
		`DELETE FROM mutes WHERE app = $1 AND group_id = $2`,
		`INSERT INTO group_tombstones (app, id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
	} {
		if _, err := t.exec(ctx, q, appID(app), id); err != nil {
			return fmt.Errorf("destroy group %q: %w", id, err)
		}
	}
	return nil
}
