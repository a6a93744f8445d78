package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// messageSelect reads messages; scanMessage scans its columns.
const messageSelect = `SELECT seq, sender, random, priority, time, body, cloud_custom_data, tip,
		unread, state, need_receipt, to_accounts, at_info FROM messages`

// scanMessage scans one row of messageSelect into a message of stream (a group's ID or
// a topic's).
func scanMessage(s scanner, app uint64, stream string) (im.Message, error) {
	m := im.Message{App: app}
	m.Group, m.Topic = im.SplitStream(stream)
	var random int64
	var ccd []byte
	var tip, to, at sql.NullString
	err := s.Scan(&m.Seq, &m.From, &random, &m.Priority, &m.Time, &m.Body, &ccd, &tip, &m.Unread, &m.State, &m.NeedReceipt, &to, &at)
	if err != nil {
		return im.Message{}, err
	}
	if err := decodeTargets(&m, to.String, at.String); err != nil {
		return im.Message{}, err
	}
	m.Random, m.CloudCustomData = uint32(random), string(ccd)
	if m.Tip, err = decodeTip(tip.String, tip.Valid); err != nil {
		return im.Message{}, err
	}
	return m, nil
}

// encodeTip is how a tip is kept: its JSON by Go field names, or NULL for a message.
func encodeTip(t *im.Tip) (any, error) {
	if t == nil {
		return nil, nil
	}
	b, err := json.Marshal(t)
	return string(b), err
}

// decodeTip reads what encodeTip kept.
func decodeTip(s string, valid bool) (*im.Tip, error) {
	if !valid {
		return nil, nil
	}
	var t im.Tip
	if err := json.Unmarshal([]byte(s), &t); err != nil {
		return nil, fmt.Errorf("decode tip: %w", err)
	}
	return &t, nil
}

// encodeTargets is how a message's To and At are kept: JSON arrays, or NULL for none.
func encodeTargets(m im.Message) (to, at any) {
	if len(m.To) > 0 {
		b, _ := json.Marshal(m.To)
		to = string(b)
	}
	if len(m.At) > 0 {
		b, _ := json.Marshal(m.At)
		at = string(b)
	}
	return to, at
}

// decodeTargets reads what encodeTargets kept into m.
func decodeTargets(m *im.Message, to, at string) error {
	if to != "" {
		if err := json.Unmarshal([]byte(to), &m.To); err != nil {
			return fmt.Errorf("decode to_accounts: %w", err)
		}
	}
	if at != "" {
		if err := json.Unmarshal([]byte(at), &m.At); err != nil {
			return fmt.Errorf("decode at_info: %w", err)
		}
	}
	return nil
}

// blob keeps an empty text as an empty blob, not NULL.
func blob(s string) []byte { return []byte(s) }

// AppendMessage stores m in its stream and advances the NextMsgSeq and LastMsgTime of its
// group, or of its topic.
func (t *tx) AppendMessage(ctx context.Context, m im.Message) error {
	if err := t.check(true); err != nil {
		return err
	}
	tip, err := encodeTip(m.Tip)
	if err != nil {
		return err
	}
	to, at := encodeTargets(m)
	_, err = t.exec(ctx, `INSERT INTO messages (app, group_id, seq, sender, random, priority, time,
			body, cloud_custom_data, tip, unread, state, need_receipt, to_accounts, at_info)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		appID(m.App), m.Stream(), m.Seq, m.From, int64(m.Random), int(m.Priority), m.Time,
		m.Body, blob(m.CloudCustomData), tip, m.Unread, int(m.State), m.NeedReceipt, to, at)
	if isConflict(err) {
		return fmt.Errorf("append message %d to %q: %w", m.Seq, m.Stream(), im.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("append message %d to %q: %w", m.Seq, m.Stream(), err)
	}
	if m.Topic != "" {
		err = t.execOne(ctx, `UPDATE topics SET next_msg_seq = ?, last_msg_time = ? WHERE app = ? AND group_id = ? AND id = ?`,
			m.Seq+1, m.Time, appID(m.App), m.Group, m.Topic)
	} else {
		err = t.advanceGroup(ctx, m)
	}
	if err != nil {
		return fmt.Errorf("advance %q: %w", m.Stream(), err)
	}
	return nil
}

// advanceGroup writes the NextMsgSeq and LastMsgTime of m's group. The statement changes
// those two columns and nothing else (no trigger on groups), so a row the writer had
// cached, which the pre-update hook drops, is put back with the two values: a send keeps
// its group cached for the next.
func (t *tx) advanceGroup(ctx context.Context, m im.Message) error {
	var cached im.Group
	ok := false
	if t.groups != nil {
		cached, ok = t.groups.held(m.App, m.Group)
	}
	err := t.execOne(ctx, `UPDATE groups SET next_msg_seq = ?, last_msg_time = ? WHERE app = ? AND id = ?`,
		m.Seq+1, m.Time, appID(m.App), m.Group)
	if err == nil && ok {
		cached.NextMsgSeq, cached.LastMsgTime = m.Seq+1, m.Time
		t.groups.put(cached)
	}
	return err
}

// ListMessages returns a window of the group's stream, newest first: one range scan of
// the primary key.
func (t *tx) ListMessages(ctx context.Context, app uint64, group string, q im.MessageQuery) ([]im.Message, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	return t.messages(ctx, app, group, messageSelect+` WHERE app = ? AND group_id = ? AND seq <= ?
		ORDER BY seq DESC LIMIT ?`, appID(app), group, q.MaxSeq, q.Limit)
}

// messages runs a query of messageSelect over one group.
func (t *tx) messages(ctx context.Context, app uint64, group, query string, args ...any) ([]im.Message, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list messages of %q: %w", group, err)
	}
	defer rows.Close()
	var out []im.Message
	for rows.Next() {
		m, err := scanMessage(rows, app, group)
		if err != nil {
			return nil, fmt.Errorf("list messages of %q: %w", group, err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list messages of %q: %w", group, err)
	}
	return out, nil
}

// GetMessage returns one message, or ErrNotFound.
func (t *tx) GetMessage(ctx context.Context, app uint64, group string, seq int64) (im.Message, error) {
	if err := t.check(false); err != nil {
		return im.Message{}, err
	}
	row := t.queryRow(ctx, messageSelect+` WHERE app = ? AND group_id = ? AND seq = ?`, appID(app), group, seq)
	m, err := scanMessage(row, app, group)
	if err != nil {
		return im.Message{}, fmt.Errorf("get message %d of %q: %w", seq, group, notFound(err))
	}
	return m, nil
}

// FindSent returns the candidates of a retried send, through messages_random.
func (t *tx) FindSent(ctx context.Context, app uint64, group, sender string, random uint32, since int64) ([]im.Message, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	return t.messages(ctx, app, group, messageSelect+` INDEXED BY messages_random
		WHERE app = ? AND group_id = ? AND random = ? AND sender = ? AND time >= ?
		ORDER BY seq DESC`, appID(app), group, int64(random), sender, since)
}

// UpdateMessage writes Body, CloudCustomData and State of a message.
func (t *tx) UpdateMessage(ctx context.Context, m im.Message) error {
	if err := t.check(true); err != nil {
		return err
	}
	err := t.execOne(ctx, `UPDATE messages SET body = ?, cloud_custom_data = ?, state = ?
		WHERE app = ? AND group_id = ? AND seq = ?`,
		m.Body, blob(m.CloudCustomData), int(m.State), appID(m.App), m.Stream(), m.Seq)
	if err != nil {
		return fmt.Errorf("update message %d of %q: %w", m.Seq, m.Stream(), err)
	}
	return nil
}

// RecallSent marks recalled the normal messages of sender with Seq >= minSeq.
func (t *tx) RecallSent(ctx context.Context, app uint64, group, sender string, minSeq int64) (int64, error) {
	if err := t.check(true); err != nil {
		return 0, err
	}
	res, err := t.exec(ctx, `UPDATE messages SET state = ?
		WHERE app = ? AND group_id = ? AND seq >= ? AND sender = ? AND state = ? AND tip IS NULL`,
		int(im.MsgRecalled), appID(app), group, minSeq, sender, int(im.MsgNormal))
	if err != nil {
		return 0, fmt.Errorf("recall messages of %q in %q: %w", sender, group, err)
	}
	return res.RowsAffected()
}

// CountUnread counts the messages after afterSeq that count as unread.
func (t *tx) CountUnread(ctx context.Context, app uint64, group string, afterSeq int64) (int64, error) {
	if err := t.check(false); err != nil {
		return 0, err
	}
	var n int64
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM messages
		WHERE app = ? AND group_id = ? AND seq > ? AND unread = 1`, appID(app), group, afterSeq).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count unread of %q: %w", group, err)
	}
	return n, nil
}

// NthUnread returns the Seq of the n-th newest message that counts as unread, or 0.
func (t *tx) NthUnread(ctx context.Context, app uint64, group string, n int64) (int64, error) {
	if err := t.check(false); err != nil {
		return 0, err
	}
	var seq int64
	err := t.queryRow(ctx, `SELECT seq FROM messages WHERE app = ? AND group_id = ? AND unread = 1
		ORDER BY seq DESC LIMIT 1 OFFSET ?`, appID(app), group, n-1).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("find unread of %q: %w", group, err)
	}
	return seq, nil
}

// SetNoSpeaking records an account-wide mute; a zero one deletes the record.
func (t *tx) SetNoSpeaking(ctx context.Context, app uint64, account string, ns im.NoSpeaking) error {
	if err := t.check(true); err != nil {
		return err
	}
	var err error
	if ns == (im.NoSpeaking{}) {
		_, err = t.exec(ctx, `DELETE FROM nospeaking WHERE app = ? AND account = ?`, appID(app), account)
	} else {
		_, err = t.exec(ctx, `INSERT INTO nospeaking (app, account, c2c_until, group_until) VALUES (?, ?, ?, ?)
			ON CONFLICT (app, account) DO UPDATE SET c2c_until = excluded.c2c_until, group_until = excluded.group_until`,
			appID(app), account, ns.C2CUntil, ns.GroupUntil)
	}
	if err != nil {
		return fmt.Errorf("set nospeaking of %q: %w", account, err)
	}
	return nil
}

// GetNoSpeaking returns an account-wide mute, zero when there is none.
func (t *tx) GetNoSpeaking(ctx context.Context, app uint64, account string) (im.NoSpeaking, error) {
	if err := t.check(false); err != nil {
		return im.NoSpeaking{}, err
	}
	var ns im.NoSpeaking
	err := t.queryRow(ctx, `SELECT c2c_until, group_until FROM nospeaking WHERE app = ? AND account = ?`,
		appID(app), account).Scan(&ns.C2CUntil, &ns.GroupUntil)
	if errors.Is(err, sql.ErrNoRows) {
		return im.NoSpeaking{}, nil
	}
	if err != nil {
		return im.NoSpeaking{}, fmt.Errorf("get nospeaking of %q: %w", account, err)
	}
	return ns, nil
}

// NextBroadcastSeq takes the next number of the app's broadcast sequence.
func (t *tx) NextBroadcastSeq(ctx context.Context, app uint64) (int64, error) {
	if err := t.check(true); err != nil {
		return 0, err
	}
	var seq int64
	err := t.queryRow(ctx, `INSERT INTO broadcast_seqs (app, last) VALUES (?, 1)
		ON CONFLICT (app) DO UPDATE SET last = last + 1 RETURNING last`, appID(app)).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("next broadcast seq: %w", err)
	}
	return seq, nil
}
