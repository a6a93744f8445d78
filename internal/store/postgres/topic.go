package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/timdhq/timd/internal/im"
)

// topicSelect reads topics; scanTopic scans its columns.
const topicSelect = `SELECT id, name, face_url, notification, introduction, custom_string,
		create_time, last_msg_time, next_msg_seq, mute_all_member FROM topics`

// scanTopic scans one row of topicSelect into a topic of group.
func scanTopic(s interface{ Scan(...any) error }, app uint64, group string) (im.Topic, error) {
	tp := im.Topic{App: app, Group: group}
	err := s.Scan(&tp.ID, &tp.Name, &tp.FaceURL, &tp.Notification, &tp.Introduction, &tp.CustomString,
		&tp.CreateTime, &tp.LastMsgTime, &tp.NextMsgSeq, &tp.MuteAllMember)
	return tp, err
}

// CreateTopic inserts a topic. ON CONFLICT turns a duplicate ID into no row inserted, so
// the transaction stays usable: ErrConflict.
func (t *tx) CreateTopic(ctx context.Context, tp im.Topic) error {
	if err := t.check(true); err != nil {
		return err
	}
	tag, err := t.exec(ctx, `INSERT INTO topics (app, group_id, id, name, face_url, notification,
			introduction, custom_string, create_time, last_msg_time, next_msg_seq, mute_all_member)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (app, group_id, id) DO NOTHING`,
		appID(tp.App), tp.Group, tp.ID, tp.Name, tp.FaceURL, tp.Notification,
		tp.Introduction, tp.CustomString, tp.CreateTime, tp.LastMsgTime, tp.NextMsgSeq, tp.MuteAllMember)
	if err == nil && tag.RowsAffected() == 0 {
		err = im.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("create topic %q: %w", tp.ID, err)
	}
	return nil
}

// GetTopic returns one topic, or ErrNotFound; in Update it locks the row until commit,
// which serializes the sends into one topic.
func (t *tx) GetTopic(ctx context.Context, app uint64, group, id string) (im.Topic, error) {
	if err := t.check(false); err != nil {
		return im.Topic{}, err
	}
	row := t.queryRow(ctx, topicSelect+` WHERE app = $1 AND group_id = $2 AND id = $3`+t.lockClause(), appID(app), group, id)
	tp, err := scanTopic(row, app, group)
	if err != nil {
		return im.Topic{}, fmt.Errorf("get topic %q: %w", id, err)
	}
	return tp, nil
}

// ListTopics returns the group's topics in byte order of ID. It locks nothing.
func (t *tx) ListTopics(ctx context.Context, app uint64, group string) ([]im.Topic, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	out, err := collect(ctx, t, func(r pgx.CollectableRow) (im.Topic, error) {
		return scanTopic(r, app, group)
	}, topicSelect+` WHERE app = $1 AND group_id = $2 ORDER BY id`, appID(app), group)
	if err != nil {
		return nil, fmt.Errorf("list topics of %q: %w", group, err)
	}
	return out, nil
}

// UpdateTopic writes the texts and MuteAllMember of a topic.
func (t *tx) UpdateTopic(ctx context.Context, tp im.Topic) error {
	if err := t.check(true); err != nil {
		return err
	}
	err := t.execOne(ctx, `UPDATE topics SET name = $1, face_url = $2, notification = $3,
			introduction = $4, custom_string = $5, mute_all_member = $6
		WHERE app = $7 AND group_id = $8 AND id = $9`,
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
	err := t.execOne(ctx, `DELETE FROM topics WHERE app = $1 AND group_id = $2 AND id = $3`, appID(app), group, id)
	if err != nil {
		return fmt.Errorf("destroy topic %q: %w", id, err)
	}
	if _, err := t.exec(ctx, `DELETE FROM messages WHERE app = $1 AND group_id = $2`, appID(app), id); err != nil {
		return fmt.Errorf("destroy messages of topic %q: %w", id, err)
	}
	return nil
}
