package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/timdhq/timd/internal/account"
	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// A seed (TIMD_SEED, -seed) is a Document loaded at start through the services, as the
// REST commands would load it, so that every rule applies: the fixtures of a development
// or CI server. Any export is a seed, and a seed is an export with most fields optional
// (docs/compatibility.md §9):
//
//   - format is required; sdkappid may be 0 for the server's first app; exported is
//     not read.
//   - An account needs user_id; nick and face_url are its profile; created is not read.
//   - A group needs id, type and name; owner, introduction, notification, face_url,
//     max_member_num, apply_join_option, invite_join_option, mute_all_member, app_data
//     and create_time (0 for now) are as import_group takes them (create_group for an
//     AVChatRoom). info_seq, last_info_time, last_msg_time and next_msg_seq are the
//     store's own and not read.
//   - A member needs account; role is Owner (the group's owner), Admin or Member (""
//     for Member); name_card, msg_flag, app_data and unread_msg_num are set as
//     modify_group_member_info and import_group_member would. A member whose join_time
//     is after the group's create_time joins then (import_group_member); the others
//     join with the group. msg_seq and last_send_msg_time are not read.
//   - messages (a seed's only: an export holds none) are sent in order as
//     send_group_msg sends them, now, before mute_all_member and the mute records
//     apply; random defaults to the message's place in the list, from 1.
//   - A mute record mutes a member of the group until until; one that has ended, or of
//     an account the file does not list as a member, is skipped.
//
// Loading is idempotent: an account or a group that exists is left as it is, so a
// restart with the same file changes nothing. The first entry that breaks a rule stops
// the load with an error naming it.

// SeedStats counts what a seed created and what it found already there.
type SeedStats struct {
	Accounts, Groups int // created
	Existing         int // accounts and groups that existed and were left alone
}

// ReadSeed reads the seed file at path: a Document of Format whose keys are all known.
func ReadSeed(path string) (*Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	d, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("seed %s: %w", path, err)
	}
	if d.Format != Format {
		return nil, fmt.Errorf("seed %s: format %q, want %q (the format of timd export)", path, d.Format, Format)
	}
	return d, nil
}

// Seed loads d through the services as c, an admin of d's app, at now (unix seconds, the
// services' clock: mute records that have ended by then are skipped). See the package
// documentation of seeds above for what it reads.
func Seed(ctx context.Context, groups *group.Service, accounts *account.Service, c im.Caller, d *Document, now int64) (SeedStats, error) {
	var st SeedStats
	for i := range d.Accounts {
		a := &d.Accounts[i]
		created, err := seedAccount(ctx, accounts, c, a)
		if err != nil {
			return st, fmt.Errorf("accounts[%d] %q: %w", i, a.UserID, described(err))
		}
		st.count(created, &st.Accounts)
	}
	for i := range d.Groups {
		g := &d.Groups[i]
		created, err := seedGroup(ctx, groups, c, g, now)
		if err != nil {
			return st, fmt.Errorf("groups[%d] %q: %w", i, g.ID, described(err))
		}
		st.count(created, &st.Groups)
	}
	return st, nil
}

// count notes an entry created (counted in kind), or found.
func (st *SeedStats) count(created bool, kind *int) {
	if created {
		*kind++
	} else {
		st.Existing++
	}
}

// described adds the Tencent code to err's text, as an API answer would show it.
func described(err error) error {
	var e *im.Error
	if errors.As(err, &e) {
		return fmt.Errorf("ErrorCode %d: %s", e.Code, im.InfoOf(err))
	}
	return err
}

// seedAccount imports a unless it exists; it reports whether it did.
func seedAccount(ctx context.Context, accounts *account.Service, c im.Caller, a *Account) (bool, error) {
	if a.UserID == "" {
		return false, errors.New("user_id is required")
	}
	res, err := accounts.Check(ctx, c, []string{a.UserID})
	if err != nil {
		return false, err
	}
	if len(res) == 1 && res[0].Status == account.StatusImported {
		return false, nil
	}
	p := account.Profile{UserID: a.UserID}
	if a.Nick != "" {
		p.Nick = &a.Nick
	}
	if a.FaceURL != "" {
		p.FaceURL = &a.FaceURL
	}
	return true, accounts.Import(ctx, c, p)
}
