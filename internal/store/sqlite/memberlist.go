package sqlite

import (
	"database/sql"
	"errors"

	"github.com/timdhq/timd/internal/im"
)

// listSelect is memberSelect for ListMembers, which reads many rows at a time (a page of
// get_group_member_info, a whole group for an export): the six integers of a row come as
// one text column, "seq join_time msg_seq last_send_msg_time unread_msg_num until". The
// driver reads every column with two calls into SQLite that each take and release the
// connection's mutex, which was most of a page's cost; five columns fewer per row make
// a page cheaper (BenchmarkListMembers; BENCHMARKS.md, Reads). listScanner scans it.
const listSelect = `SELECT m.account, m.role, m.msg_flag, m.name_card, m.app_data,
		printf('%d %d %d %d %d %d', m.seq, m.join_time, m.msg_seq, m.last_send_msg_time,
			m.unread_msg_num, COALESCE(u.until, 0))
	FROM members m` + muteJoin

// errPackedInts is the error of a packed integer column that is not six integers.
var errPackedInts = errors.New("members row: the packed integers are not six integers")

// listScanner scans rows of listSelect, reusing its buffer from row to row.
type listScanner struct {
	data sql.NullString
	ints sql.RawBytes
	v    [6]int64
}

// scan scans the current row of rows into a member of group.
func (s *listScanner) scan(rows *sql.Rows, group string) (im.Member, error) {
	m := im.Member{Group: group}
	err := rows.Scan(&m.Account, (*string)(&m.Role), (*string)(&m.MsgFlag), &m.NameCard, &s.data, &s.ints)
	if err != nil {
		return im.Member{}, err
	}
	if err := parseInts(s.ints, s.v[:]); err != nil {
		return im.Member{}, err
	}
	m.Seq, m.JoinTime, m.MsgSeq, m.LastSendMsgTime, m.UnreadMsgNum, m.MuteUntil = s.v[0], s.v[1], s.v[2], s.v[3], s.v[4], s.v[5]
	if m.AppData, err = decodeData(s.data); err != nil {
		return im.Member{}, err
	}
	return m, nil
}

// parseInts parses len(v) decimal integers separated by single spaces, as SQLite's
// printf('%d') writes them, into v.
func parseInts(b []byte, v []int64) error {
	k, digits, neg := 0, 0, false
	v[0] = 0
	for i, c := range b {
		switch {
		case '0' <= c && c <= '9':
			v[k] = v[k]*10 + int64(c-'0')
			digits++
		case c == '-' && digits == 0 && !neg:
			neg = true
		case c == ' ' && digits > 0 && k+1 < len(v) && i+1 < len(b):
			if neg {
				v[k] = -v[k]
			}
			k, digits, neg = k+1, 0, false
			v[k] = 0
		default:
			return errPackedInts
		}
	}
	if digits == 0 || k+1 != len(v) {
		return errPackedInts
	}
	if neg {
		v[k] = -v[k]
	}
	return nil
}
