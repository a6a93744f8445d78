package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/timdhq/timd/internal/im"
)

// memberSelect reads members m with the MuteUntil of their mute record u; scanMember scans
// its columns.
const memberSelect = `SELECT m.account, m.seq, m.role, m.join_time, m.msg_seq, m.msg_flag,
		m.last_send_msg_time, m.name_card, m.app_data, m.unread_msg_num, COALESCE(u.until, 0)
	FROM members m LEFT JOIN mutes u
		ON u.app = m.app AND u.group_id = m.group_id AND u.account = m.account`

// scanMember scans one row of memberSelect into a member of group.
func scanMember(s scanner, group string) (im.Member, error) {
	m := im.Member{Group: group}
	var data sql.NullString
	err := s.Scan(&m.Account, &m.Seq, &m.Role, &m.JoinTime, &m.MsgSeq, &m.MsgFlag,
		&m.LastSendMsgTime, &m.NameCard, &data, &m.UnreadMsgNum, &m.MuteUntil)
	if err != nil {
		return im.Member{}, err
	}
	if m.AppData, err = decodeData(data); err != nil {
		return im.Member{}, err
	}
	return m, nil
}

// AddMember inserts a membership with the next Seq of its group and counts it in the
// group's MemberNum. ErrConflict if the account is already a member; ErrNotFound if the
// group does not exist.
func (t *tx) AddMember(ctx context.Context, app uint64, m im.Member) error {
	if err := t.check(true); err != nil {
		return err
	}
	if err := t.addMember(ctx, app, m); err != nil {
		return fmt.Errorf("add member %q to group %q: %w", m.Account, m.Group, err)
	}
	return nil
}

// addMember does AddMember. The insert runs before the group update so a conflict leaves
// nothing to undo.
func (t *tx) addMember(ctx context.Context, app uint64, m im.Member) error {
	var seq int64
	err := t.queryRow(ctx, `SELECT member_seq FROM groups WHERE app = ? AND id = ?`,
		appID(app), m.Group).Scan(&seq)
	if err != nil {
		return notFound(err)
	}
	seq++
	data, err := encodeData(m.AppData)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO members (app, group_id, account, seq, role, join_time,
			msg_seq, msg_flag, last_send_msg_time, name_card, app_data, unread_msg_num)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		appID(app), m.Group, m.Account, seq, string(m.Role), m.JoinTime,
		m.MsgSeq, string(m.MsgFlag), m.LastSendMsgTime, m.NameCard, data, m.UnreadMsgNum)
	if isConflict(err) {
		return im.ErrConflict
	}
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `UPDATE groups SET member_num = member_num + 1, member_seq = ?
		WHERE app = ? AND id = ?`, seq, appID(app), m.Group)
	return err
}

// GetMember returns one membership with its MuteUntil, or ErrNotFound.
func (t *tx) GetMember(ctx context.Context, app uint64, group, account string) (im.Member, error) {
	if err := t.check(false); err != nil {
		return im.Member{}, err
	}
	row := t.queryRow(ctx, memberSelect+` WHERE m.app = ? AND m.group_id = ? AND m.account = ?`,
		appID(app), group, account)
	m, err := scanMember(row, group)
	if err != nil {
		return im.Member{}, fmt.Errorf("get member %q of group %q: %w", account, group, notFound(err))
	}
	return m, nil
}

// UpdateMember writes Role, MsgSeq, MsgFlag, LastSendMsgTime, NameCard, AppData and
// UnreadMsgNum of an existing membership. ErrNotFound if missing.
func (t *tx) UpdateMember(ctx context.Context, app uint64, m im.Member) error {
	if err := t.check(true); err != nil {
		return err
	}
	data, err := encodeData(m.AppData)
	if err != nil {
		return fmt.Errorf("update member %q of group %q: %w", m.Account, m.Group, err)
	}
	err = t.execOne(ctx, `UPDATE members SET role = ?, msg_seq = ?, msg_flag = ?,
			last_send_msg_time = ?, name_card = ?, app_data = ?, unread_msg_num = ?
		WHERE app = ? AND group_id = ? AND account = ?`,
		string(m.Role), m.MsgSeq, string(m.MsgFlag), m.LastSendMsgTime, m.NameCard, data,
		m.UnreadMsgNum, appID(app), m.Group, m.Account)
	if err != nil {
		return fmt.Errorf("update member %q of group %q: %w", m.Account, m.Group, err)
	}
	return nil
}

// DeleteMember removes a membership and uncounts it; its mute record stays. ErrNotFound if
// missing.
func (t *tx) DeleteMember(ctx context.Context, app uint64, group, account string) error {
	if err := t.check(true); err != nil {
		return err
	}
	err := t.execOne(ctx, `DELETE FROM members WHERE app = ? AND group_id = ? AND account = ?`,
		appID(app), group, account)
	if err == nil {
		_, err = t.exec(ctx, `UPDATE groups SET member_num = member_num - 1
			WHERE app = ? AND id = ?`, appID(app), group)
	}
	if err != nil {
		return fmt.Errorf("delete member %q of group %q: %w", account, group, err)
	}
	return nil
}

// ListMembers returns the group's members matching q, in Seq order, with MuteUntil.
func (t *tx) ListMembers(ctx context.Context, app uint64, group string, q im.MemberQuery) ([]im.Member, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	query, args := listMembersQuery(app, group, q)
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list members of group %q: %w", group, err)
	}
	defer rows.Close()
	var ms []im.Member
	for rows.Next() {
		m, err := scanMember(rows, group)
		if err != nil {
			return nil, fmt.Errorf("list members of group %q: %w", group, err)
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list members of group %q: %w", group, err)
	}
	return ms, nil
}

// listMembersQuery builds the statement and arguments of ListMembers.
func listMembersQuery(app uint64, group string, q im.MemberQuery) (string, []any) {
	var b strings.Builder
	b.WriteString(memberSelect)
	b.WriteString(` WHERE m.app = ? AND m.group_id = ? AND m.seq > ?`)
	args := []any{appID(app), group, q.AfterSeq}
	if len(q.Roles) > 0 {
		b.WriteString(` AND m.role IN (?` + strings.Repeat(`, ?`, len(q.Roles)-1) + `)`)
		for _, r := range q.Roles {
			args = append(args, string(r))
		}
	}
	b.WriteString(` ORDER BY m.seq LIMIT ? OFFSET ?`)
	limit := int64(q.Limit)
	if limit <= 0 {
		limit = -1 // no limit
	}
	return b.String(), append(args, limit, max(q.Offset, 0))
}

// CountMembers counts the group's members with role, or all members if role is "" (from
// the group's maintained member_num). A missing group has no members.
func (t *tx) CountMembers(ctx context.Context, app uint64, group string, role im.Role) (int64, error) {
	if err := t.check(false); err != nil {
		return 0, err
	}
	var n int64
	var err error
	if role == "" {
		err = t.queryRow(ctx, `SELECT member_num FROM groups WHERE app = ? AND id = ?`,
			appID(app), group).Scan(&n)
	} else {
		err = t.queryRow(ctx, `SELECT COUNT(*) FROM members
			WHERE app = ? AND group_id = ? AND role = ?`, appID(app), group, string(role)).Scan(&n)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("count members of group %q: %w", group, err)
	}
	return n, nil
}
