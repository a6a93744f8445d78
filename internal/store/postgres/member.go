package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/store/paging"
)

// memberSelect reads members m with the MuteUntil of their mute record u; scanMember scans
// its columns.
const memberSelect = `SELECT m.account, m.seq, m.role, m.join_time, m.msg_seq, m.msg_flag,
		m.last_send_msg_time, m.name_card, m.app_data, m.unread_msg_num, COALESCE(u.until, 0)
	FROM members m LEFT JOIN mutes u
		ON u.app = m.app AND u.group_id = m.group_id AND u.account = m.account`

// memberColumns returns the scan destinations of memberSelect's columns, into m and data
// (the stored AppData, decoded by the caller).
func memberColumns(m *im.Member, data **string) []any {
	return []any{&m.Account, &m.Seq, &m.Role, &m.JoinTime, &m.MsgSeq, &m.MsgFlag,
		&m.LastSendMsgTime, &m.NameCard, data, &m.UnreadMsgNum, &m.MuteUntil}
}

// scanMember scans one row of memberSelect into a member of group.
func scanMember(s interface{ Scan(...any) error }, group string) (im.Member, error) {
	m := im.Member{Group: group}
	var data *string
	if err := s.Scan(memberColumns(&m, &data)...); err != nil {
		return im.Member{}, err
	}
	var err error
	if m.AppData, err = decodeData(data); err != nil {
		return im.Member{}, err
	}
	return m, nil
}

// addMember inserts a membership with the next Seq of its group and counts it, in one
// statement: g locks the group row and computes the Seq, ins inserts unless the account
// is a member already, and upd advances the group's counters only when ins inserted.
// ON CONFLICT keeps a duplicate from aborting the transaction. The result tells a missing
// group (no g row) from a conflict (no ins row).
const addMember = `WITH g AS (
		SELECT member_seq + 1 AS seq FROM groups WHERE app = $1 AND id = $2 FOR NO KEY UPDATE
	), ins AS (
		INSERT INTO members (app, group_id, account, seq, role, join_time, msg_seq, msg_flag,
			last_send_msg_time, name_card, app_data, unread_msg_num)
		SELECT $1, $2, $3, g.seq, $4::text, $5::bigint, $6::bigint, $7::text, $8::bigint,
			$9::text, $10::text, $11::bigint FROM g
		ON CONFLICT (app, group_id, account) DO NOTHING
		RETURNING seq
	), upd AS (
		UPDATE groups SET member_num = member_num + 1, member_seq = ins.seq
		FROM ins WHERE groups.app = $1 AND groups.id = $2
	)
	SELECT EXISTS (SELECT FROM g), EXISTS (SELECT FROM ins)`

// AddMember inserts a membership; its Seq is assigned after every existing member's, and
// it counts in the group's MemberNum. ErrConflict if the account is already a member;
// ErrNotFound if the group does not exist. It locks the group row.
func (t *tx) AddMember(ctx context.Context, app uint64, m im.Member) error {
	if err := t.check(true); err != nil {
		return err
	}
	data, err := encodeData(m.AppData)
	if err != nil {
		return fmt.Errorf("add member %q to group %q: %w", m.Account, m.Group, err)
	}
	var groupFound, inserted bool
	err = t.queryRow(ctx, addMember, appID(app), m.Group, m.Account, string(m.Role), m.JoinTime,
		m.MsgSeq, string(m.MsgFlag), m.LastSendMsgTime, m.NameCard, data, m.UnreadMsgNum,
	).Scan(&groupFound, &inserted)
	switch {
	case err != nil:
	case !groupFound:
		err = im.ErrNotFound
	case !inserted:
		err = im.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("add member %q to group %q: %w", m.Account, m.Group, err)
	}
	return nil
}

// GetMember returns one membership with its MuteUntil, or ErrNotFound. In Update it locks
// the membership row (not the mute record).
func (t *tx) GetMember(ctx context.Context, app uint64, group, account string) (im.Member, error) {
	if err := t.check(false); err != nil {
		return im.Member{}, err
	}
	lock := ""
	if !t.readOnly {
		// The mute side of the outer join cannot be locked, and need not be: SetMute
		// runs under the group's lock.
		lock = " FOR NO KEY UPDATE OF m"
	}
	row := t.queryRow(ctx, memberSelect+` WHERE m.app = $1 AND m.group_id = $2 AND m.account = $3`+lock,
		appID(app), group, account)
	m, err := scanMember(row, group)
	if err != nil {
		return im.Member{}, fmt.Errorf("get member %q of group %q: %w", account, group, err)
	}
	t.hold(app, group, account, 0)
	return m, nil
}

// getGroupMember is the statement of GetGroupMember: groupSelect's columns, then
// memberSelect's, of a group and one of its members; no row when either is missing.
// getGroupMemberVersion adds the member row's version (xmin) last.
const (
	getGroupMemberColumns = `SELECT ` + groupColumnList + `,
		m.account, m.seq, m.role, m.join_time, m.msg_seq, m.msg_flag, m.last_send_msg_time,
		m.name_card, m.app_data, m.unread_msg_num, COALESCE(u.until, 0)`
	getGroupMemberFrom = `
	FROM groups g
		JOIN members m ON m.app = g.app AND m.group_id = g.id AND m.account = $3
		LEFT JOIN mutes u ON u.app = g.app AND u.group_id = g.id AND u.account = $3
	WHERE g.app = $1 AND g.id = $2`
	getGroupMember        = getGroupMemberColumns + getGroupMemberFrom
	getGroupMemberVersion = getGroupMemberColumns + `, m.xmin` + getGroupMemberFrom
)

// GetGroupMember reads a group and one of its members in one statement, one round trip
// where GetGroup and GetMember take two. In Update it locks both rows: at READ COMMITTED
// a statement that waited for a lock re-reads the rows it locks, but not the others it
// joined, so the member must be locked too or it could be read as it was before the
// transaction that held the group committed. With KeepGroup only the member is locked:
// DestroyGroup deletes the group's members, so it waits for the member's lock like any
// other writer of the member, while writers of the group and of its other members go
// on. (Locking the group FOR KEY SHARE would keep them going too, but every such lock
// writes the hot group row's tuple header, and a busy group measured slower with it.)
// The group's columns may then be read as they were before a writer of the group that
// the member's lock waited for committed; a KeepGroup caller reads only what no writer
// changes (the type, the ID). When the statement finds no row, GetGroup tells a
// missing group from a non-member.
//
// In an Update's first attempt, KeepGroup locks nothing: the member is read with its
// version (xmin), outside the transaction block when it is the first statement, and
// held unlocked (see tx.held). Its write is then conditional on the version, as is a
// check at the commit if it is not written, and the Update runs fn again, with locks,
// when the row changed or went (a destroyed group deletes it) in between. A modify of a
// NameCard is then two statements of their own, the read and the UPDATE, with no BEGIN,
// no COMMIT and no lock, which would write the row's header and a WAL record.
func (t *tx) GetGroupMember(ctx context.Context, app uint64, group, account string, gl im.GroupLock) (im.Group, im.Member, bool, error) {
	if err := t.check(false); err != nil {
		return im.Group{}, im.Member{}, false, err
	}
	optimistic := !t.readOnly && gl == im.KeepGroup && t.optimistic
	locksGroup := !t.readOnly && gl != im.KeepGroup
	lock := ""
	switch {
	case locksGroup:
		lock = " FOR NO KEY UPDATE OF g, m"
	case !t.readOnly && !optimistic:
		lock = " FOR NO KEY UPDATE OF m"
	}
	g, m := im.Group{App: app}, im.Member{Group: group}
	var gdata, mdata *string
	var xmin uint32
	dest := append(groupColumns(&g, &gdata), memberColumns(&m, &mdata)...)
	var r row
	if optimistic {
		r = t.queryRowAlone(ctx, getGroupMemberVersion, appID(app), group, account)
		dest = append(dest, &xmin)
	} else {
		r = t.queryRow(ctx, getGroupMember+lock, appID(app), group, account)
	}
	err := r.Scan(dest...)
	if errors.Is(err, im.ErrNotFound) {
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
	t.hold(app, group, account, xmin)
	if locksGroup {
		t.holdGroup(app, group)
	}
	return g, m, true, nil
}

// SetLastSendMsgTime writes the LastSendMsgTime of a membership alone. ErrNotFound if
// missing. A membership the Update holds is written with its next statement or commit.
func (t *tx) SetLastSendMsgTime(ctx context.Context, app uint64, group, account string, at int64) error {
	if err := t.check(true); err != nil {
		return err
	}
	err := t.laterOne(ctx, app, group, account, `UPDATE members SET last_send_msg_time = $1
		WHERE app = $2 AND group_id = $3 AND account = $4`, at, appID(app), group, account)
	if err != nil {
		return fmt.Errorf("set last send time of %q in group %q: %w", account, group, err)
	}
	return nil
}

// UpdateMember writes Role, MsgSeq, MsgFlag, LastSendMsgTime, NameCard, AppData and
// UnreadMsgNum of an existing membership. ErrNotFound if missing. A membership the Update
// holds (read with GetMember or GetGroupMember) is written with the Update's next
// statement or its commit, one round trip fewer.
func (t *tx) UpdateMember(ctx context.Context, app uint64, m im.Member) error {
	if err := t.check(true); err != nil {
		return err
	}
	data, err := encodeData(m.AppData)
	if err != nil {
		return fmt.Errorf("update member %q of group %q: %w", m.Account, m.Group, err)
	}
	err = t.laterOne(ctx, app, m.Group, m.Account, `UPDATE members SET role = $1, msg_seq = $2, msg_flag = $3,
			last_send_msg_time = $4, name_card = $5, app_data = $6, unread_msg_num = $7
		WHERE app = $8 AND group_id = $9 AND account = $10`,
		string(m.Role), m.MsgSeq, string(m.MsgFlag), m.LastSendMsgTime, m.NameCard, data,
		m.UnreadMsgNum, appID(app), m.Group, m.Account)
	if err != nil {
		return fmt.Errorf("update member %q of group %q: %w", m.Account, m.Group, err)
	}
	return nil
}

// deleteMember removes a membership and uncounts it in one statement, and returns the
// number of memberships removed.
const deleteMember = `WITH gone AS (
		DELETE FROM members WHERE app = $1 AND group_id = $2 AND account = $3 RETURNING 1
	), upd AS (
		UPDATE groups SET member_num = member_num - 1
		WHERE app = $1 AND id = $2 AND EXISTS (SELECT FROM gone)
	)
	SELECT count(*) FROM gone`

// DeleteMember removes a membership and uncounts it; its mute record stays. ErrNotFound if
// missing.
func (t *tx) DeleteMember(ctx context.Context, app uint64, group, account string) error {
	if err := t.check(true); err != nil {
		return err
	}
	t.releaseMembers()
	var n int64
	err := t.queryRow(ctx, deleteMember, appID(app), group, account).Scan(&n)
	if err == nil && n == 0 {
		err = im.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete member %q of group %q: %w", account, group, err)
	}
	return nil
}

// The statements of ListMembers, without and with a role filter. $4 is the limit, NULL
// for none.
const (
	listMembers = memberSelect + ` WHERE m.app = $1 AND m.group_id = $2 AND m.seq > $3
		ORDER BY m.seq LIMIT $4 OFFSET $5`
	listMembersByRole = memberSelect + ` WHERE m.app = $1 AND m.group_id = $2 AND m.seq > $3
		AND m.role = ANY($6) ORDER BY m.seq LIMIT $4 OFFSET $5`
)

// ListMembers returns the group's members matching q, in Seq order, with MuteUntil.
func (t *tx) ListMembers(ctx context.Context, app uint64, group string, q im.MemberQuery) ([]im.Member, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	q, err := t.seekOffset(ctx, app, group, q)
	if err != nil {
		return nil, fmt.Errorf("list members of group %q: %w", group, err)
	}
	var limit *int64
	if q.Limit > 0 {
		limit = new(int64(q.Limit))
	}
	args := []any{appID(app), group, q.AfterSeq, limit, max(q.Offset, 0)}
	query := listMembers
	if len(q.Roles) > 0 {
		roles := make([]string, len(q.Roles))
		for i, r := range q.Roles {
			roles[i] = string(r)
		}
		query, args = listMembersByRole, append(args, roles)
	}
	scan := func(r pgx.CollectableRow) (im.Member, error) { return scanMember(r, group) }
	ms, err := collect(ctx, t, scan, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list members of group %q: %w", group, err)
	}
	return ms, nil
}

// seekOffset turns a deep Offset of q into a start (see package paging): it reads the
// group's member_buckets, walks them to the bucket that holds the member at Offset, and
// steps over the rest of the Offset inside that bucket on the members_seq index.
func (t *tx) seekOffset(ctx context.Context, app uint64, group string, q im.MemberQuery) (im.MemberQuery, error) {
	if !paging.Deep(q) {
		return q, nil
	}
	buckets, err := collect(ctx, t, pgx.RowToStructByPos[paging.Bucket], `SELECT bucket, n FROM member_buckets
		WHERE app = $1 AND group_id = $2 AND n > 0 ORDER BY bucket`, appID(app), group)
	if err != nil {
		return q, err
	}
	from, skip, ok := paging.SeekOffset(buckets, int64(q.Offset))
	if !ok {
		return paging.PastEnd(q), nil
	}
	var seq int64
	err = t.queryRow(ctx, `SELECT seq FROM members WHERE app = $1 AND group_id = $2 AND seq >= $3
		ORDER BY seq LIMIT 1 OFFSET $4`, appID(app), group, from, skip).Scan(&seq)
	if errors.Is(err, im.ErrNotFound) {
		return paging.PastEnd(q), nil
	}
	if err != nil {
		return q, err
	}
	return paging.StartAt(q, seq), nil
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
		err = t.queryRow(ctx, `SELECT COALESCE((SELECT member_num FROM groups
			WHERE app = $1 AND id = $2), 0)`, appID(app), group).Scan(&n)
	} else {
		err = t.queryRow(ctx, `SELECT count(*) FROM members
			WHERE app = $1 AND group_id = $2 AND role = $3`, appID(app), group, string(role)).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("count members of group %q: %w", group, err)
	}
	return n, nil
}

// getMembers is the statement of GetMembers. One array parameter keeps its text fixed
// whatever the number of accounts; = ANY tests membership of the array, so an account
// listed twice matches its row once. It locks nothing.
const getMembers = memberSelect + ` WHERE m.app = $1 AND m.group_id = $2 AND m.account = ANY($3)
	ORDER BY m.seq`

// GetMembers returns the memberships of the listed accounts that exist, with MuteUntil, in
// Seq order. Accounts listed twice are returned once.
func (t *tx) GetMembers(ctx context.Context, app uint64, group string, accounts []string) ([]im.Member, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	if len(accounts) == 0 {
		return nil, nil
	}
	scan := func(r pgx.CollectableRow) (im.Member, error) { return scanMember(r, group) }
	ms, err := collect(ctx, t, scan, getMembers, appID(app), group, accounts)
	if err != nil {
		return nil, fmt.Errorf("get members of group %q: %w", group, err)
	}
	return ms, nil
}

// listJoined is the statement of ListJoined: groupSelect's columns, then memberSelect's.
// It finds the account's memberships through members_account and each one's group by its
// primary key. It locks nothing.
const listJoined = `SELECT ` + groupColumnList + `,
		m.account, m.seq, m.role, m.join_time, m.msg_seq, m.msg_flag,
		m.last_send_msg_time, m.name_card, m.app_data, m.unread_msg_num, COALESCE(u.until, 0)
	FROM members m
		JOIN groups g ON g.app = m.app AND g.id = m.group_id
		LEFT JOIN mutes u ON u.app = m.app AND u.group_id = m.group_id AND u.account = m.account
	WHERE m.app = $1 AND m.account = $2
	ORDER BY g.seq`

// ListJoined returns every group account is a member of, with its membership (and
// MuteUntil), ordered by the group's Seq.
func (t *tx) ListJoined(ctx context.Context, app uint64, account string) ([]im.Joined, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	scan := func(r pgx.CollectableRow) (im.Joined, error) { return scanJoined(r, app) }
	js, err := collect(ctx, t, scan, listJoined, appID(app), account)
	if err != nil {
		return nil, fmt.Errorf("list groups of %q: %w", account, err)
	}
	return js, nil
}

// scanJoined scans one row of listJoined.
func scanJoined(s interface{ Scan(...any) error }, app uint64) (im.Joined, error) {
	j := im.Joined{Group: im.Group{App: app}}
	var gdata, mdata *string
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

// addMembers is the statement of AddMembers. g locks the group row and gives the Seq the
// new members follow; ins inserts the members from the arrays $3 to $11, numbered in
// array order; upd counts them in the group once. The result tells a missing group (no g
// row). No statement looks for members already there: with a table whose statistics
// predate the import, PostgreSQL planned such a check as a scan of every member, once
// per batch, which made a 200,000-member import quadratic.
const addMembers = `WITH g AS (
		SELECT member_seq FROM groups WHERE app = $1 AND id = $2 FOR NO KEY UPDATE
	), ins AS (
		INSERT INTO members (app, group_id, account, seq, role, join_time, msg_seq, msg_flag,
			last_send_msg_time, name_card, app_data, unread_msg_num)
		SELECT $1, $2, u.account, g.member_seq + u.n, u.role, u.join_time, u.msg_seq, u.msg_flag,
			u.last_send_msg_time, u.name_card, u.app_data, u.unread_msg_num
		FROM g, unnest($3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::bigint[],
				$9::text[], $10::text[], $11::bigint[])
			WITH ORDINALITY AS u(account, role, join_time, msg_seq, msg_flag, last_send_msg_time,
				name_card, app_data, unread_msg_num, n)
		RETURNING seq
	), upd AS (
		UPDATE groups SET member_num = member_num + (SELECT count(*) FROM ins),
			member_seq = (SELECT max(seq) FROM ins)
		WHERE app = $1 AND id = $2 AND EXISTS (SELECT FROM ins)
	)
	SELECT EXISTS (SELECT FROM g), (SELECT count(*) FROM ins)`

// AddMembers inserts memberships of group in bulk, in one statement: see addMembers. A
// member already there meets the primary key, which aborts the transaction and is
// reported as ErrConflict.
func (t *tx) AddMembers(ctx context.Context, app uint64, group string, ms []im.Member) error {
	if err := t.check(true); err != nil {
		return err
	}
	if len(ms) == 0 {
		return nil
	}
	cols, err := memberArrays(ms)
	if err != nil {
		return fmt.Errorf("add %d members to group %q: %w", len(ms), group, err)
	}
	var groupFound bool
	var n int64
	args := append([]any{appID(app), group}, cols...)
	err = t.queryRow(ctx, addMembers, args...).Scan(&groupFound, &n)
	switch {
	case err != nil:
	case !groupFound:
		err = im.ErrNotFound
	case n != int64(len(ms)):
		err = fmt.Errorf("inserted %d rows", n)
	}
	if err != nil {
		return fmt.Errorf("add %d members to group %q: %w", len(ms), group, err)
	}
	return nil
}

// memberArrays returns the column arrays of ms in addMembers' order ($3 to $11), or
// ErrConflict when an account is given twice.
func memberArrays(ms []im.Member) ([]any, error) {
	n := len(ms)
	accounts, roles, flags, cards := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	joins, seqs, sends, unread := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	data := make([]*string, n)
	seen := make(map[string]bool, n)
	for i, m := range ms {
		if seen[m.Account] {
			return nil, fmt.Errorf("account %q given twice: %w", m.Account, im.ErrConflict)
		}
		seen[m.Account] = true
		d, err := encodeData(m.AppData)
		if err != nil {
			return nil, err
		}
		accounts[i], roles[i], joins[i], seqs[i] = m.Account, string(m.Role), m.JoinTime, m.MsgSeq
		flags[i], sends[i], cards[i], data[i], unread[i] = string(m.MsgFlag), m.LastSendMsgTime, m.NameCard, d, m.UnreadMsgNum
	}
	return []any{accounts, roles, joins, seqs, flags, sends, cards, data, unread}, nil
}
