package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/timdhq/timd/internal/im"
)

// messageSelect reads messages; scanMessage scans its columns.
const messageSelect = `SELECT seq, sender, random, priority, time, body, cloud_custom_data, tip,
		unread, state, need_receipt, to_accounts, at_info FROM messages`

// scanMessage scans one row of messageSelect into a message of stream (a group's ID or
// a topic's).
func scanMessage(s interface{ Scan(...any) error }, app uint64, stream string) (im.Message, error) {
	m := im.Message{App: app}
	m.Group, m.Topic = im.SplitStream(stream)
	var random int64
	var ccd []byte
	var tip, to, at *string
	err := s.Scan(&m.Seq, &m.From, &random, &m.Priority, &m.Time, &m.Body, &ccd, &tip, &m.Unread, &m.State, &m.NeedReceipt, &to, &at)
	if err != nil {
		return im.Message{}, err
	}
	if err := decodeTargets(&m, to, at); err != nil {
		return im.Message{}, err
	}
	m.Random, m.CloudCustomData = uint32(random), string(ccd)
	if tip != nil {
		m.Tip = new(im.Tip)
		if err := json.Unmarshal([]byte(*tip), m.Tip); err != nil {
			return im.Message{}, fmt.Errorf("decode tip: %w", err)
		}
	}
	return m, nil
}

// encodeTargets is how a message's To and At are kept: JSON arrays, or NULL for none.
func encodeTargets(m im.Message) (to, at *string) {
	if len(m.To) > 0 {
		b, _ := json.Marshal(m.To)
		s := string(b)
		to = &s
	}
	if len(m.At) > 0 {
		b, _ := json.Marshal(m.At)
		s := string(b)
		at = &s
	}
	return to, at
}

// decodeTargets reads what encodeTargets kept into m.
func decodeTargets(m *im.Message, to, at *string) error {
	if to != nil {
		if err := json.Unmarshal([]byte(*to), &m.To); err != nil {
			return fmt.Errorf("decode to_accounts: %w", err)
		}
	}
	if at != nil {
		if err := json.Unmarshal([]byte(*at), &m.At); err != nil {
			return fmt.Errorf("decode at_info: %w", err)
		}
	}
	return nil
}

// encodeTip is how a tip is kept: its JSON by Go field names, or NULL for a message.
func encodeTip(t *im.Tip) (*string, error) {
	if t == nil {
		return nil, nil
	}
	b, err := json.Marshal(t)
	s := string(b)
	return &s, err
}

// insertMessage is the first part of appendMessage and appendTopicMessage: ins, the
// message inserted ($1 to $15), or no row when its Seq is taken.
const insertMessage = `WITH ins AS (
		INSERT INTO messages (app, group_id, seq, sender, random, priority, time, body,
			cloud_custom_data, tip, unread, state, need_receipt, to_accounts, at_info)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (app, group_id, seq) DO NOTHING
		RETURNING seq
	)`

// advanceGroup is the part of appendMessage and appendHeldMessage after insertMessage:
// upd, the group advanced past the message inserted.
const advanceGroup = `, upd AS (
		UPDATE groups SET next_msg_seq = ins.seq + 1, last_msg_time = $7
		FROM ins WHERE groups.app = $1 AND groups.id = $2
		RETURNING 1
	)`

// appendMessage inserts a message unless its Seq is taken (ON CONFLICT keeps a duplicate
// from aborting the transaction) and advances the group only when it inserted, in one
// round trip. The result tells whether it inserted and whether the group was there.
const appendMessage = insertMessage + advanceGroup + `
	SELECT EXISTS (SELECT FROM ins), EXISTS (SELECT FROM upd)`

// appendHeldMessage is appendMessage for a group whose row the transaction holds, to be
// queued: it fails in the server (division by zero, see changesOne) unless it inserted
// and advanced the group, which under the group's lock it does but for a bug.
const appendHeldMessage = insertMessage + advanceGroup + `
	SELECT 1 / ((SELECT count(*) FROM ins) * (SELECT count(*) FROM upd))`

// appendTopicMessage is appendMessage for a message of a topic ($2, of group $16): it
// advances the topic.
const appendTopicMessage = insertMessage + `, upd AS (
		UPDATE topics SET next_msg_seq = ins.seq + 1, last_msg_time = $7
		FROM ins WHERE topics.app = $1 AND topics.group_id = $16 AND topics.id = $2
		RETURNING 1
	)
	SELECT EXISTS (SELECT FROM ins), EXISTS (SELECT FROM upd)`

// AppendMessage stores m in its stream and advances the NextMsgSeq and LastMsgTime of its
// group, or of its topic. A message of a group the Update holds (read with GetGroup, or
// GetGroupMember with WriteGroup) is written with the Update's next statement or its
// commit: its Seq, taken from the locked row, cannot be taken, and the row is there.
func (t *tx) AppendMessage(ctx context.Context, m im.Message) error {
	if err := t.check(true); err != nil {
		return err
	}
	tip, err := encodeTip(m.Tip)
	if err != nil {
		return err
	}
	var inserted, advanced bool
	to, at := encodeTargets(m)
	query, args := appendMessage, []any{appID(m.App), m.Stream(), m.Seq, m.From, int64(m.Random),
		int(m.Priority), m.Time, m.Body, []byte(m.CloudCustomData), tip, m.Unread, int(m.State), m.NeedReceipt, to, at}
	if _, held := t.heldGroups[heldGroup{m.App, m.Group}]; held && m.Topic == "" {
		return t.later(appendHeldMessage, args...)
	}
	if m.Topic != "" {
		query, args = appendTopicMessage, append(args, m.Group)
	}
	err = t.queryRow(ctx, query, args...).Scan(&inserted, &advanced)
	switch {
	case err != nil:
		return fmt.Errorf("append message %d to %q: %w", m.Seq, m.Stream(), err)
	case !inserted:
		return fmt.Errorf("append message %d to %q: %w", m.Seq, m.Stream(), im.ErrConflict)
	case !advanced:
		return fmt.Errorf("append message %d to %q: group or topic: %w", m.Seq, m.Stream(), im.ErrNotFound)
	}
	return nil
}

// messages runs a query of messageSelect over one group.
func (t *tx) messages(ctx context.Context, app uint64, group, sql string, args ...any) ([]im.Message, error) {
	out, err := collect(ctx, t, func(r pgx.CollectableRow) (im.Message, error) {
		return scanMessage(r, app, group)
	}, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("list messages of %q: %w", group, err)
	}
	return out, nil
}

// ListMessages returns a window of the group's stream, newest first: one range scan of
// the primary key.
func (t *tx) ListMessages(ctx context.Context, app uint64, group string, q im.MessageQuery) ([]im.Message, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	return t.messages(ctx, app, group, messageSelect+` WHERE app = $1 AND group_id = $2 AND seq <= $3
		ORDER BY seq DESC LIMIT $4`, appID(app), group, q.MaxSeq, q.Limit)
}

// GetMessage returns one message, or ErrNotFound.
func (t *tx) GetMessage(ctx context.Context, app uint64, group string, seq int64) (im.Message, error) {
	if err := t.check(false); err != nil {
		return im.Message{}, err
	}
	row := t.queryRow(ctx, messageSelect+` WHERE app = $1 AND group_id = $2 AND seq = $3`, appID(app), group, seq)
	m, err := scanMessage(row, app, group)
	if err != nil {
		return im.Message{}, fmt.Errorf("get message %d of %q: %w", seq, group, err)
	}
	return m, nil
}

// FindSent returns the candidates of a retried send, through messages_random.
func (t *tx) FindSent(ctx context.Context, app uint64, group, sender string, random uint32, since int64) ([]im.Message, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	return t.messages(ctx, app, group, messageSelect+`
		WHERE app = $1 AND group_id = $2 AND random = $3 AND sender = $4 AND time >= $5
		ORDER BY seq DESC`, appID(app), group, int64(random), sender, since)
}

// UpdateMessage writes Body, CloudCustomData and State of a message.
func (t *tx) UpdateMessage(ctx context.Context, m im.Message) error {
	if err := t.check(true); err != nil {
		return err
	}
	err := t.execOne(ctx, `UPDATE messages SET body = $1, cloud_custom_data = $2, state = $3
		WHERE app = $4 AND group_id = $5 AND seq = $6`,
		m.Body, []byte(m.CloudCustomData), int(m.State), appID(m.App), m.Stream(), m.Seq)
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
	tag, err := t.exec(ctx, `UPDATE messages SET state = $1
		WHERE app = $2 AND group_id = $3 AND seq >= $4 AND sender = $5 AND state = $6 AND tip IS NULL`,
		int(im.MsgRecalled), appID(app), group, minSeq, sender, int(im.MsgNormal))
	if err != nil {
		return 0, fmt.Errorf("recall messages of %q in %q: %w", sender, group, err)
	}
	return tag.RowsAffected(), nil
}

// CountUnread counts the messages after afterSeq that count as unread.
func (t *tx) CountUnread(ctx context.Context, app uint64, group string, afterSeq int64) (int64, error) {
	if err := t.check(false); err != nil {
		return 0, err
	}
	var n int64
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM messages
		WHERE app = $1 AND group_id = $2 AND seq > $3 AND unread`, appID(app), group, afterSeq).Scan(&n)
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
	err := t.queryRow(ctx, `SELECT seq FROM messages WHERE app = $1 AND group_id = $2 AND unread
		ORDER BY seq DESC LIMIT 1 OFFSET $3`, appID(app), group, n-1).Scan(&seq)
	if errors.Is(err, im.ErrNotFound) {
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
		_, err = t.exec(ctx, `DELETE FROM nospeaking WHERE app = $1 AND account = $2`, appID(app), account)
	} else {
		_, err = t.exec(ctx, `INSERT INTO nospeaking (app, account, c2c_until, group_until) VALUES ($1, $2, $3, $4)
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
	err := t.queryRow(ctx, `SELECT c2c_until, group_until FROM nospeaking WHERE app = $1 AND account = $2`,
		appID(app), account).Scan(&ns.C2CUntil, &ns.GroupUntil)
	if errors.Is(err, im.ErrNotFound) {
		return im.NoSpeaking{}, nil
	}
	if err != nil {
		return im.NoSpeaking{}, fmt.Errorf("get nospeaking of %q: %w", account, err)
	}
	return ns, nil
}

// NextBroadcastSeq takes the next number of the app's broadcast sequence; the row lock
// of the upsert orders concurrent broadcasts.
func (t *tx) NextBroadcastSeq(ctx context.Context, app uint64) (int64, error) {
	if err := t.check(true); err != nil {
		return 0, err
	}
	var seq int64
	err := t.queryRow(ctx, `INSERT INTO broadcast_seqs (app, last) VALUES ($1, 1)
		ON CONFLICT (app) DO UPDATE SET last = broadcast_seqs.last + 1 RETURNING last`, appID(app)).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("next broadcast seq: %w", err)
	}
	return seq, nil
}
