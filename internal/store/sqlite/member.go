package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/store/paging"
)

// memberSelect reads members m with the MuteUntil of their mute record u; scanMember scans
// its columns.
const memberSelect = memberColumnList + ` FROM members m` + muteJoin

// memberColumnList, muteJoin: the parts of memberSelect, for statements that must pin
// the index of members they read (by account: members_member).
const (
	memberColumnList = `SELECT m.account, m.seq, m.role, m.join_time, m.msg_seq, m.msg_flag,
		m.last_send_msg_time, m.name_card, m.app_data, m.unread_msg_num, COALESCE(u.until, 0)`
	muteJoin = ` LEFT JOIN mutes u
		ON u.app = m.app AND u.group_id = m.group_id AND u.account = m.account`
)

// memberColumns returns the scan destinations of memberSelect's columns, into m and data
// (the stored AppData, decoded by the caller).
func memberColumns(m *im.Member, data *sql.NullString) []any {
	return []any{&m.Account, &m.Seq, &m.Role, &m.JoinTime, &m.MsgSeq, &m.MsgFlag,
		&m.LastSendMsgTime, &m.NameCard, data, &m.UnreadMsgNum, &m.MuteUntil}
}

// scanMember scans one row of memberSelect into a member of group.
func scanMember(s scanner, group string) (im.Member, error) {
	m := im.Member{Group: group}
	var data sql.NullString
	if err := s.Scan(memberColumns(&m, &data)...); err != nil {
		return im.Member{}, err
	}
	var err error
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

// AddMembers inserts memberships of group in bulk: the group is read and counted once,
// and the members are inserted by one prepared statement inside a savepoint, which a
// member already there rolls back.
func (t *tx) AddMembers(ctx context.Context, app uint64, group string, ms []im.Member) error {
	if err := t.check(true); err != nil {
		return err
	}
	if len(ms) == 0 {
		return nil
	}
	if err := t.addMembers(ctx, app, group, ms); err != nil {
		return fmt.Errorf("add %d members to group %q: %w", len(ms), group, err)
	}
	return nil
}

// addMembers does AddMembers.
func (t *tx) addMembers(ctx context.Context, app uint64, group string, ms []im.Member) error {
	seen := make(map[string]bool, len(ms))
	for _, m := range ms {
		if seen[m.Account] {
			return fmt.Errorf("account %q given twice: %w", m.Account, im.ErrConflict)
		}
		seen[m.Account] = true
	}
	var seq int64
	err := t.queryRow(ctx, `SELECT member_seq FROM groups WHERE app = ? AND id = ?`, appID(app), group).Scan(&seq)
	if err != nil {
		return notFound(err)
	}
	if _, err := t.exec(ctx, `SAVEPOINT add_members`); err != nil {
		return err
	}
	err = t.insertMembers(ctx, app, group, seq, ms)
	if err == nil {
		_, err = t.exec(ctx, `UPDATE groups SET member_num = member_num + ?, member_seq = ?
			WHERE app = ? AND id = ?`, len(ms), seq+int64(len(ms)), appID(app), group)
	}
	if err != nil {
		_, _ = t.exec(ctx, `ROLLBACK TO add_members`)
	}
	if _, rerr := t.exec(ctx, `RELEASE add_members`); err == nil {
		err = rerr
	}
	return err
}

// insertMembers inserts ms into group with the Seqs after seq.
func (t *tx) insertMembers(ctx context.Context, app uint64, group string, seq int64, ms []im.Member) error {
	for i, m := range ms {
		data, err := encodeData(m.AppData)
		if err != nil {
			return err
		}
		_, err = t.exec(ctx, `INSERT INTO members (app, group_id, account, seq, role, join_time,
				msg_seq, msg_flag, last_send_msg_time, name_card, app_data, unread_msg_num)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			appID(app), group, m.Account, seq+int64(i)+1, string(m.Role), m.JoinTime,
			m.MsgSeq, string(m.MsgFlag), m.LastSendMsgTime, m.NameCard, data, m.UnreadMsgNum)
		if isConflict(err) {
			return fmt.Errorf("account %q: %w", m.Account, im.ErrConflict)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// GetMember returns one membership with its MuteUntil, or ErrNotFound.
func (t *tx) GetMember(ctx context.Context, app uint64, group, account string) (im.Member, error) {
	if err := t.check(false); err != nil {
		return im.Member{}, err
	}
	m, err := scanMember(t.queryRow(ctx, getMember, appID(app), group, account), group)
	if err != nil {
		return im.Member{}, fmt.Errorf("get member %q of group %q: %w", account, group, notFound(err))
	}
	return m, nil
}

// getGroupMember is the statement of GetGroupMember: groupSelect's columns, then
// memberSelect's, of a group and one of its members; no row when either is missing.
const getGroupMember = `SELECT ` + groupColumnList + `,
		m.account, m.seq, m.role, m.join_time, m.msg_seq, m.msg_flag, m.last_send_msg_time,
		m.name_card, m.app_data, m.unread_msg_num, COALESCE(u.until, 0)
	FROM groups g
		JOIN members m INDEXED BY members_member
			ON m.app = g.app AND m.group_id = g.id AND m.account = ?3
		LEFT JOIN mutes u ON u.app = g.app AND u.group_id = g.id AND u.account = ?3
	WHERE g.app = ?1 AND g.id = ?2`

// getMember is the statement of GetMember, and of GetGroupMember when the writer has the
// group's row: the member by members_member, with its mute.
const getMember = memberColumnList + ` FROM members m INDEXED BY members_member` + muteJoin +
	` WHERE m.app = ? AND m.group_id = ? AND m.account = ?`

// GetGroupMember reads a group and one of its members in one statement, where GetGroup
// and GetMember take two (a send and a modify start with it); in an Update whose writer
// holds the group's row (groupCache), it reads the member alone. When the statement finds
// no row, GetGroup tells a missing group from a non-member. The single writer serializes
// every Update, so the lock asked for changes nothing.
func (t *tx) GetGroupMember(ctx context.Context, app uint64, group, account string, _ im.GroupLock) (im.Group, im.Member, bool, error) {
	if err := t.check(false); err != nil {
		return im.Group{}, im.Member{}, false, err
	}
	if t.groups != nil {
		if g, ok := t.groups.get(app, group); ok {
			m, err := scanMember(t.queryRow(ctx, getMember, appID(app), group, account), group)
			if errors.Is(err, sql.ErrNoRows) {
				return g, im.Member{}, false, nil
			}
			if err != nil {
				return im.Group{}, im.Member{}, false, fmt.Errorf("get member %q of group %q: %w", account, group, err)
			}
			return g, m, true, nil
		}
	}
	g, m := im.Group{App: app}, im.Member{Group: group}
	var gdata, mdata sql.NullString
	dest := append(groupColumns(&g, &gdata), memberColumns(&m, &mdata)...)
	err := t.queryRow(ctx, getGroupMember, appID(app), group, account).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		g, err := t.GetGroup(ctx, app, group)
		return g, im.Member{}, false, err
	}
	if err == nil {
		g.AppData, err = decodeData(gdata)
	}
	if err == nil {
		m.AppData, err = decodeData(mdata)
	}
	if err != nil {
		return im.Group{}, im.Member{}, false, fmt.Errorf("get group %q and member %q: %w", group, account, err)
	}
	if t.groups != nil {
		t.groups.put(g)
	}
	return g, m, true, nil
}

// SetLastSendMsgTime writes the LastSendMsgTime of a membership alone. ErrNotFound if
// missing.
func (t *tx) SetLastSendMsgTime(ctx context.Context, app uint64, group, account string, at int64) error {
	if err := t.check(true); err != nil {
		return err
	}
	err := t.execOne(ctx, `UPDATE members INDEXED BY members_member SET last_send_msg_time = ?
		WHERE app = ? AND group_id = ? AND account = ?`, at, appID(app), group, account)
	if err != nil {
		return fmt.Errorf("set last send time of %q in group %q: %w", account, group, err)
	}
	return nil
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
	const set = `UPDATE members SET role = ?, msg_seq = ?, msg_flag = ?,
			last_send_msg_time = ?, name_card = ?, app_data = ?, unread_msg_num = ?
		WHERE app = ? AND group_id = ? AND `
	args := []any{string(m.Role), m.MsgSeq, string(m.MsgFlag), m.LastSendMsgTime, m.NameCard, data,
		m.UnreadMsgNum, appID(app), m.Group}
	// A member read by GetMember carries its Seq, which finds the row by the primary key in
	// one seek; the account is compared too, and a Seq that does not match (writes
	// ignore Seq) falls back to the lookup by account.
	err = im.ErrNotFound
	if m.Seq > 0 {
		err = t.execOne(ctx, set+`seq = ? AND account = ?`, append(args, m.Seq, m.Account)...)
	}
	if errors.Is(err, im.ErrNotFound) {
		err = t.execOne(ctx, set+`account = ?`, append(args, m.Account)...)
	}
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
	q, err := t.seekOffset(ctx, app, group, q)
	if err != nil {
		return nil, fmt.Errorf("list members of group %q: %w", group, err)
	}
	query, args := listMembersQuery(app, group, q)
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list members of group %q: %w", group, err)
	}
	defer rows.Close()
	var ms []im.Member
	if q.Limit > 0 {
		ms = make([]im.Member, 0, min(q.Limit, 1000)) // a page in one allocation
	}
	var s listScanner
	for rows.Next() {
		m, err := s.scan(rows, group)
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

// seekOffset turns a deep Offset of q into a start (see package paging): it reads the
// group's member_buckets, walks them to the bucket that holds the member at Offset, and
// steps over the rest of the Offset inside that bucket on the primary key alone.
func (t *tx) seekOffset(ctx context.Context, app uint64, group string, q im.MemberQuery) (im.MemberQuery, error) {
	if !paging.Deep(q) {
		return q, nil
	}
	buckets, err := t.memberBuckets(ctx, app, group)
	if err != nil {
		return q, err
	}
	from, skip, ok := paging.SeekOffset(buckets, int64(q.Offset))
	if !ok {
		return paging.PastEnd(q), nil
	}
	var seq int64
	err = t.queryRow(ctx, `SELECT seq FROM members
		WHERE app = ? AND group_id = ? AND seq >= ? ORDER BY seq LIMIT 1 OFFSET ?`,
		appID(app), group, from, skip).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return paging.PastEnd(q), nil
	}
	if err != nil {
		return q, err
	}
	return paging.StartAt(q, seq), nil
}

// memberBuckets returns the group's member_buckets in bucket order.
func (t *tx) memberBuckets(ctx context.Context, app uint64, group string) ([]paging.Bucket, error) {
	rows, err := t.query(ctx, `SELECT bucket, n FROM member_buckets
		WHERE app = ? AND group_id = ? ORDER BY bucket`, appID(app), group)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var buckets []paging.Bucket
	for rows.Next() {
		var b paging.Bucket
		if err := rows.Scan(&b.Index, &b.N); err != nil {
			return nil, err
		}
		buckets = append(buckets, b)
	}
	return buckets, rows.Err()
}

// listMembersQuery builds the statement and arguments of ListMembers.
func listMembersQuery(app uint64, group string, q im.MemberQuery) (string, []any) {
	var b strings.Builder
	b.WriteString(listSelect)
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

// The statements of CountMembers by role. members_role holds only the members whose role
// is not Member (migration 0015), so that writing a plain member back never touches it; a
// statement meant to use it repeats its condition, role <> 'Member', as SQLite requires,
// and the plain members are member_num less the others.
const (
	countRole = `SELECT COUNT(*) FROM members
		WHERE app = ? AND group_id = ? AND role = ? AND role <> 'Member'`
	countPlainMembers = `SELECT g.member_num - (SELECT COUNT(*) FROM members m
			WHERE m.app = g.app AND m.group_id = g.id AND m.role <> 'Member')
		FROM groups g WHERE g.app = ? AND g.id = ?`
)

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
	} else if role == im.RoleMember {
		err = t.queryRow(ctx, countPlainMembers, appID(app), group).Scan(&n)
	} else {
		err = t.queryRow(ctx, countRole, appID(app), group, string(role)).Scan(&n)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("count members of group %q: %w", group, err)
	}
	return n, nil
}

// getMembers is the statement of GetMembers. One JSON array parameter keeps its text fixed
// whatever the number of accounts; IN tests membership of the set, so an account listed
// twice matches its row once. It has no ORDER BY: to return rows in seq order SQLite
// would rather walk the group in key order than look each account up, so the statement
// pins members_member and GetMembers sorts the few rows itself.
const getMembers = memberColumnList + ` FROM members m INDEXED BY members_member` + muteJoin + `
	WHERE m.app = ? AND m.group_id = ? AND m.account IN (SELECT value FROM json_each(?))`

// GetMembers returns the memberships of the listed accounts that exist, with MuteUntil, in
// Seq order. Accounts listed twice are returned once.
func (t *tx) GetMembers(ctx context.Context, app uint64, group string, accounts []string) ([]im.Member, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	if len(accounts) == 0 {
		return nil, nil
	}
	list, err := json.Marshal(accounts)
	if err != nil {
		return nil, fmt.Errorf("get members of group %q: %w", group, err)
	}
	rows, err := t.query(ctx, getMembers, appID(app), group, string(list))
	if err != nil {
		return nil, fmt.Errorf("get members of group %q: %w", group, err)
	}
	defer rows.Close()
	var ms []im.Member
	for rows.Next() {
		m, err := scanMember(rows, group)
		if err != nil {
			return nil, fmt.Errorf("get members of group %q: %w", group, err)
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("get members of group %q: %w", group, err)
	}
	slices.SortFunc(ms, func(a, b im.Member) int { return cmp.Compare(a.Seq, b.Seq) })
	return ms, nil
}

// listJoined is the statement of ListJoined: groupSelect's columns, then memberSelect's.
// It finds the account's memberships through members_account and each one's group by its
// primary key, then sorts them. SQLite has no statistics here (the store runs no ANALYZE)
// and assumes an app holds few rows, so left to choose it walks every membership of the
// app by the primary key's (app) prefix, or every group of the app in seq order to save
// the sort: INDEXED BY and CROSS JOIN (which keeps members the outer loop) pin the plan.
const listJoined = `SELECT ` + groupColumnList + `,
		m.account, m.seq, m.role, m.join_time, m.msg_seq, m.msg_flag,
		m.last_send_msg_time, m.name_card, m.app_data, m.unread_msg_num, COALESCE(u.until, 0)
	FROM members m INDEXED BY members_account
		CROSS JOIN groups g ON g.app = m.app AND g.id = m.group_id
		LEFT JOIN mutes u ON u.app = m.app AND u.group_id = m.group_id AND u.account = m.account
	WHERE m.app = ? AND m.account = ?
	ORDER BY g.seq`

// ListJoined returns every group account is a member of, with its membership (and
// MuteUntil), ordered by the group's Seq.
func (t *tx) ListJoined(ctx context.Context, app uint64, account string) ([]im.Joined, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, listJoined, appID(app), account)
	if err != nil {
		return nil, fmt.Errorf("list groups of %q: %w", account, err)
	}
	defer rows.Close()
	var js []im.Joined
	for rows.Next() {
		j, err := scanJoined(rows, app)
		if err != nil {
			return nil, fmt.Errorf("list groups of %q: %w", account, err)
		}
		js = append(js, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list groups of %q: %w", account, err)
	}
	return js, nil
}

// scanJoined scans one row of listJoined.
func scanJoined(s scanner, app uint64) (im.Joined, error) {
	j := im.Joined{Group: im.Group{App: app}}
	var gdata, mdata sql.NullString
	if err := s.Scan(append(groupColumns(&j.Group, &gdata), memberColumns(&j.Self, &mdata)...)...); err != nil {
		return im.Joined{}, err
	}
	j.Self.Group = j.Group.ID
	var err error
	if j.Group.AppData, err = decodeData(gdata); err != nil {
		return im.Joined{}, err
	}
	if j.Self.AppData, err = decodeData(mdata); err != nil {
		return im.Joined{}, err
	}
	return j, nil
}
