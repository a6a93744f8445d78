package sqlite

import (
	"context"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// topicSelect reads topics; scanTopic scans its columns.
const topicSelect = `SELECT id, name, face_url, notification, introduction, custom_string,
		create_time, last_msg_time, next_msg_seq, mute_all_member FROM topics`

// scanTopic scans one row of topicSelect into a topic of group.
func scanTopic(s scanner, app uint64, group string) (im.Topic, error) {
	tp := im.Topic{App: app, Group: group}
	err := s.Scan(&tp.ID, &tp.Name, &tp.FaceURL, &tp.Notification, &tp.Introduction, &tp.CustomString,
		&tp.CreateTime, &tp.LastMsgTime, &tp.NextMsgSeq, &tp.MuteAllMember)
	return tp, err
}

// CreateTopic inserts a topic. ErrConflict if the group has one with its ID.
func (t *tx) CreateTopic(ctx context.Context, tp im.Topic) error {
	if err := t.check(true); err != nil {
		return err
	}
	_, err := t.exec(ctx, `INSERT INTO topics (app, group_id, id, name, face_url, notification,
			introduction, custom_string, create_time, last_msg_time, next_msg_seq, mute_all_member)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		appID(tp.App), tp.Group, tp.ID, tp.Name, tp.FaceURL, tp.Notification,
		tp.Introduction, tp.CustomString, tp.CreateTime, tp.LastMsgTime, tp.NextMsgSeq, tp.MuteAllMember)
	if isConflict(err) {
		return fmt.Errorf("create topic %q: %w", tp.ID, im.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create topic %q: %w", tp.ID, err)
	}
	return nil
}

// GetTopic returns one topic, or ErrNotFound. The single writer serializes every Update,
// so the row needs no further lock.
func (t *tx) GetTopic(ctx context.Context, app uint64, group, id string) (im.Topic, error) {
	if err := t.check(false); err != nil {
		return im.Topic{}, err
	}
	row := t.queryRow(ctx, topicSelect+` WHERE app = ? AND group_id = ? AND id = ?`, appID(app), group, id)
	tp, err := scanTopic(row, app, group)
	if err != nil {
		return im.Topic{}, fmt.Errorf("get topic %q: %w", id, notFound(err))
	}
	return tp, nil
}

// ListTopics returns the group's topics in byte order of ID.
func (t *tx) ListTopics(ctx context.Context, app uint64, group string) ([]im.Topic, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, topicSelect+` WHERE app = ? AND group_id = ? ORDER BY id`, appID(app), group)
	if err != nil {
		return nil, fmt.Errorf("list topics of %q: %w", group, err)
	}
	defer rows.Close()
	var out []im.Topic
	for rows.Next() {
		tp, err := scanTopic(rows, app, group)
		if err != nil {
			return nil, fmt.Errorf("list topics of %q: %w", group, err)
		}
		out = append(out, tp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list topics of %q: %w", group, err)
	}
	return out, nil
}

// UpdateTopic writes the texts and MuteAllMember of a topic.
func (t *tx) UpdateTopic(ctx context.Context, tp im.Topic) error {
	if err := t.check(true); err != nil {
		return err
	}
	err := t.execOne(ctx, `UPDATE topics SET name = ?, face_url = ?, notification = ?,
			introduction = ?, custom_string = ?, mute_all_member = ?
		WHERE app = ? AND group_id = ? AND id = ?`,
		tp.Name, tp.FaceURL, tp.Notification, tp.Introduction, tp.CustomString, tp.MuteAllMember,
		appID(tp.App), tp.Group, tp.ID)
	if err != nil {
		return fmt.Errorf("update topic %q: %w", tp.ID, err)
	}
	return nil
}

// DestroyTopic deletes a topic and its messages.
func (t *tx) DestroyTopic(ctx context.Context, app uint64, group, id string) error {
	if err := t.check(true); err != nil {
		return err
	}
	err := t.execOne(ctx, `DELETE FROM topics WHERE app = ? AND group_id = ? AND id = ?`, appID(app), group, id)
	if err != nil {
		return fmt.Errorf("destroy topic %q: %w", id, err)
	}
	if _, err := t.exec(ctx, `DELETE FROM messages WHERE app = ? AND group_id = ?`, appID(app), id); err != nil {
		return fmt.Errorf("destroy messages of topic %q: %w", id, err)
	}
	return nil
}
