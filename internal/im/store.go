package im

import "context"

// Store is a transactional home for accounts, groups, members and mutes. Implementations:
// internal/store/sqlite and internal/store/postgres, both checked by internal/store/storetest.
//
// Stores run plain reads and writes and report storage conditions with the sentinels
// ErrNotFound and ErrConflict (wrapped); they never decide a Tencent error code. Their
// other errors are their own: the text, and sentinels such as each store's ErrClosed,
// differ between stores, and the contract promises only that such a call fails.
type Store interface {
	// Update runs fn in a read-write transaction and commits it if fn returns nil. A store
	// may call fn more than once (to retry a serialization failure) and may commit several
	// callers' transactions together, so fn must not act outside tx. Update returns only
	// after the commit is durable. Rows fn reads through GetGroup, GetMember and
	// GetAccount are locked against concurrent Updates until the commit; lists and counts
	// lock nothing, so a caller that needs them stable locks the group with GetGroup first
	// (every group command does).
	//
	// Update returns fn's error unchanged when fn fails, and ctx.Err() without running fn
	// when ctx is done before fn starts. When fn panics, its writes are rolled back and
	// the store goes on serving; the panic reaches the caller either as itself (postgres)
	// or as an error that names the panic value and wraps it when it is an error (sqlite,
	// which runs fn on its writer goroutine). An Update of the same store inside fn fails
	// rather than wait for the transaction its caller holds. tx is fn's alone: once fn
	// returns, every method of tx fails.
	Update(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
	// View runs fn in a read-only transaction with a consistent snapshot and returns fn's
	// error unchanged. Once fn returns, every method of tx fails.
	View(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// Close releases the store. Later calls of Update (and UpdateOutbox), View and Ping
	// fail without running fn; a second Close returns what the first returned.
	Close() error
}

// GroupLock is how an Update's GetGroupMember holds the group row until commit.
type GroupLock int

const (
	// WriteGroup excludes every other writer of the group, as GetGroup does: for a
	// transaction that writes the group (its MsgSeq, a tip, its counts) or needs its
	// members' roles and mutes to stay as read (an admin count, a mute).
	WriteGroup GroupLock = iota
	// KeepGroup locks the member only, which keeps the group from being destroyed (that
	// deletes its members) but lets its other writers go on: for a transaction that
	// writes the member alone (a NameCard, MsgFlag or custom-field change), so that
	// writes to different members of one group do not wait for each other. The group's
	// mutable fields (MsgSeq, counts, MuteAllMember) may be read stale and must not be
	// relied on. On a store with one writer it is the same as WriteGroup. A store may
	// also read the member unlocked and check at its write, or at the commit, that it
	// is unchanged, running the Update's fn again if it changed: to fn and to every
	// other transaction this is the same as the member locked from the read.
	KeepGroup
)

// Tx is the work one transaction can do. app is always the SDKAppID the rows belong to:
// data of different apps never mix. Write methods fail inside View. ErrNotFound and
// ErrConflict leave the transaction usable (a store must not let them abort it).
type Tx interface {
	// PutAccount inserts a or replaces the account with the same (App, UserID).
	PutAccount(ctx context.Context, a Account) error
	// PutAccounts is PutAccount for many accounts of one app, in bulk: a few statements
	// however many there are. UserIDs must be distinct.
	PutAccounts(ctx context.Context, app uint64, as []Account) error
	// GetAccount returns one account, or ErrNotFound.
	GetAccount(ctx context.Context, app uint64, userID string) (Account, error)
	// ExistingAccounts returns the subset of ids that are imported accounts.
	ExistingAccounts(ctx context.Context, app uint64, ids []string) (map[string]bool, error)
	// DeleteAccount deletes an account, its profile fields, memberships, mute records,
	// bans and account-wide mute, and clears it as owner of any group (which becomes
	// ownerless). ErrNotFound if it does not exist.
	DeleteAccount(ctx context.Context, app uint64, userID string) error
	// ProfileFields returns the account's profile fields (portrait_set) other than its
	// Nick and FaceURL, by Key (the tag) in byte order; none for an account that has none
	// or does not exist.
	ProfileFields(ctx context.Context, app uint64, account string) ([]KV, error)
	// SetProfileFields sets the listed profile fields of the account, keeping the others;
	// the keys of fields are distinct. A Value may hold any bytes.
	SetProfileFields(ctx context.Context, app uint64, account string, fields []KV) error
	// ListAccounts returns up to limit of the app's accounts whose UserID sorts after
	// afterUserID, in byte order of UserID; limit 0 means no limit. Paging with the last
	// UserID of one page as the next afterUserID visits every account once.
	ListAccounts(ctx context.Context, app uint64, afterUserID string, limit int) ([]Account, error)
	// DeleteApp deletes every account, profile field, group, membership, mute record, ban,
	// message, read receipt, group attribute and counter, topic, account-wide mute, destroyed group ID and
	// outbox event of app, as if the app had never been used; other apps' rows stay.
	// Deleting an app without data is not an error.
	DeleteApp(ctx context.Context, app uint64) error

	// CreateGroup inserts a group. ErrConflict if a group with its ID exists.
	CreateGroup(ctx context.Context, g Group) error
	// GroupIDUsed reports whether id is taken by a group or was ever taken by a group
	// that has been destroyed.
	GroupIDUsed(ctx context.Context, app uint64, id string) (bool, error)
	// GetGroup returns a group with its MemberNum, or ErrNotFound. In Update it locks the
	// group row until commit, which serializes writers of the same group.
	GetGroup(ctx context.Context, app uint64, id string) (Group, error)
	// UpdateGroup writes every base field of g (not MemberNum). ErrNotFound if missing.
	UpdateGroup(ctx context.Context, g Group) error
	// DestroyGroup deletes a group with its members, mute records, bans, messages, custom
	// attributes and counters, read receipts, topics and their messages, and remembers
	// its ID as used.
	// ErrNotFound if it does not exist.
	DestroyGroup(ctx context.Context, app uint64, id string) error

	// GetGroupMember returns a group as GetGroup does (with MemberNum) and account's
	// membership of it as GetMember does; found is false when the account is not a
	// member. ErrNotFound if the group does not exist. In Update both rows are locked
	// until commit: the member against every other writer (or, with KeepGroup, checked
	// unchanged at its write or the commit, as KeepGroup allows), the group as lock
	// says. Stores may read both in one statement.
	GetGroupMember(ctx context.Context, app uint64, group, account string, lock GroupLock) (g Group, m Member, found bool, err error)
	// AddMember inserts a membership; its Seq is assigned after every existing member's.
	// ErrConflict if the account is already a member.
	AddMember(ctx context.Context, app uint64, m Member) error
	// AddMembers inserts memberships of group in bulk, in the order given, with Seqs after
	// every existing member's, and counts them in its MemberNum once: a few statements
	// however many there are. ErrNotFound if the group does not exist. The accounts must
	// be distinct and none a member yet, which a caller that holds the group's lock and
	// has read its memberships knows: an account given twice is ErrConflict with nothing
	// added, but one already a member is ErrConflict that may abort the transaction (it
	// is a caller's bug, and a store does not look for it). Each m.Group is ignored.
	AddMembers(ctx context.Context, app uint64, group string, ms []Member) error
	// SetLastSendMsgTime writes the LastSendMsgTime of a membership alone, as a send does.
	// ErrNotFound if missing.
	SetLastSendMsgTime(ctx context.Context, app uint64, group, account string, at int64) error
	// GetMember returns one membership with its MuteUntil, or ErrNotFound.
	GetMember(ctx context.Context, app uint64, group, account string) (Member, error)
	// UpdateMember writes Role, MsgSeq, MsgFlag, LastSendMsgTime, NameCard, AppData and
	// UnreadMsgNum of an existing membership. ErrNotFound if missing.
	UpdateMember(ctx context.Context, app uint64, m Member) error
	// DeleteMember removes a membership (its mute record stays). ErrNotFound if missing.
	DeleteMember(ctx context.Context, app uint64, group, account string) error
	// ListMembers returns the group's members matching q, in Seq order, with MuteUntil.
	ListMembers(ctx context.Context, app uint64, group string, q MemberQuery) ([]Member, error)
	// CountMembers counts the group's members with role, or all members if role is "".
	CountMembers(ctx context.Context, app uint64, group string, role Role) (int64, error)

	// GetMembers returns the memberships of the listed accounts that exist, with
	// MuteUntil, in any order.
	GetMembers(ctx context.Context, app uint64, group string, accounts []string) ([]Member, error)

	// ListGroups returns the app's groups matching q, in Seq order, with MemberNum.
	ListGroups(ctx context.Context, app uint64, q GroupQuery) ([]Group, error)
	// CountGroups counts the app's groups of type t, or all groups if t is "".
	CountGroups(ctx context.Context, app uint64, t GroupType) (int64, error)
	// ListJoined returns every group account is a member of, with its membership (and
	// MuteUntil), ordered by the group's Seq.
	ListJoined(ctx context.Context, app uint64, account string) ([]Joined, error)

	// SetMute records that account is muted in group until the given unix time
	// (MuteForever for no end); until 0 deletes the record.
	SetMute(ctx context.Context, app uint64, group, account string, until int64) error
	// ListMutes returns the group's mute records whose end is after now (MuteForever
	// included), ordered by account; with membersOnly, only those of current members.
	ListMutes(ctx context.Context, app uint64, group string, now int64, membersOnly bool) ([]Mute, error)

	// SetBan records that b.Account is banned from group until b.Until; an Until of 0
	// deletes the record. A ban needs no membership.
	SetBan(ctx context.Context, app uint64, group string, b Ban) error
	// GetBan returns account's ban record in group, whatever its end, or ErrNotFound.
	GetBan(ctx context.Context, app uint64, group, account string) (Ban, error)
	// ListBans returns the group's bans whose end is after now, ordered by account,
	// skipping the first offset of them and returning at most limit.
	ListBans(ctx context.Context, app uint64, group string, now int64, offset, limit int) ([]Ban, error)

	// NextBroadcastSeq takes the next number of the app's broadcast sequence (1, 2, 3,
	// ...; send_broadcast_msg), which DeleteApp does not reset.
	NextBroadcastSeq(ctx context.Context, app uint64) (int64, error)

	// The message methods below take the ID of a stream as group: a group's ID for its own
	// stream, a topic's ID for the topic's (see SplitStream). Messages read back have
	// Group and Topic set from it.

	// AppendMessage stores m in its stream (m.Stream()) and advances the stream's owner,
	// the group or, when m.Topic is set, the topic: NextMsgSeq to m.Seq+1 and LastMsgTime
	// to m.Time. The caller takes m.Seq from the NextMsgSeq of the group (or topic) it has
	// locked in this Update (GetGroup, GetTopic), which keeps each stream's Seq gap-free
	// and in commit order across processes. ErrConflict if the stream holds m.Seq already.
	AppendMessage(ctx context.Context, m Message) error
	// ListMessages returns the stream's messages with Seq <= q.MaxSeq, newest first, at
	// most q.Limit, in one range scan.
	ListMessages(ctx context.Context, app uint64, group string, q MessageQuery) ([]Message, error)
	// GetMessage returns one message, or ErrNotFound.
	GetMessage(ctx context.Context, app uint64, group string, seq int64) (Message, error)
	// FindSent returns the group's messages from sender with Random random sent at or
	// after since (unix seconds), newest first: the candidates of a retried send.
	FindSent(ctx context.Context, app uint64, group, sender string, random uint32, since int64) ([]Message, error)
	// UpdateMessage writes Body, CloudCustomData and State of an existing message of
	// m.Stream(). ErrNotFound if missing.
	UpdateMessage(ctx context.Context, m Message) error
	// RecallSent marks recalled every normal message of sender in the group with Seq >=
	// minSeq, and returns how many it marked. One statement does what reading and
	// writing each message would.
	RecallSent(ctx context.Context, app uint64, group, sender string, minSeq int64) (int64, error)
	// CountUnread counts the group's messages with Seq > afterSeq that count as unread.
	CountUnread(ctx context.Context, app uint64, group string, afterSeq int64) (int64, error)
	// NthUnread returns the Seq of the n-th newest message of the group that counts as
	// unread (n >= 1), or 0 when there are fewer than n.
	NthUnread(ctx context.Context, app uint64, group string, n int64) (int64, error)

	// SetNoSpeaking records an account's account-wide mute; a zero ns deletes it.
	SetNoSpeaking(ctx context.Context, app uint64, account string, ns NoSpeaking) error
	// GetNoSpeaking returns an account's account-wide mute, zero when it has none.
	GetNoSpeaking(ctx context.Context, app uint64, account string) (NoSpeaking, error)

	// GroupAttrs returns the group's custom attributes (group_open_attr_http_svc), in
	// byte order of Key; none is an empty result, also for a group that does not exist.
	GroupAttrs(ctx context.Context, app uint64, group string) ([]KV, error)
	// SetGroupAttrs replaces every custom attribute of the group by attrs (none deletes
	// them all). The keys of attrs are distinct; a Value may hold any bytes.
	SetGroupAttrs(ctx context.Context, app uint64, group string, attrs []KV) error
	// GroupCounters returns the group's counters in byte order of Key; none is an empty
	// result, also for a group that does not exist.
	GroupCounters(ctx context.Context, app uint64, group string) ([]Counter, error)
	// SetGroupCounters replaces every counter of the group by counters (none deletes them
	// all). The keys of counters are distinct.
	SetGroupCounters(ctx context.Context, app uint64, group string, counters []Counter) error

	// PutReceipts records that account has read the messages seqs of a group's stream
	// (group_msg_receipt); a receipt recorded already stays as it is.
	PutReceipts(ctx context.Context, app uint64, group, account string, seqs []int64) error
	// ReceiptReaders returns the accounts that have read message seq of a group's stream,
	// in byte order.
	ReceiptReaders(ctx context.Context, app uint64, group string, seq int64) ([]string, error)

	// CreateTopic inserts a topic of a group. ErrConflict if the group has a topic with
	// its ID.
	CreateTopic(ctx context.Context, t Topic) error
	// GetTopic returns one topic of a group, or ErrNotFound. In Update it locks the topic
	// row until commit.
	GetTopic(ctx context.Context, app uint64, group, id string) (Topic, error)
	// ListTopics returns every topic of a group, in byte order of ID.
	ListTopics(ctx context.Context, app uint64, group string) ([]Topic, error)
	// UpdateTopic writes Name, FaceURL, Notification, Introduction, CustomString and
	// MuteAllMember of an existing topic. ErrNotFound if missing.
	UpdateTopic(ctx context.Context, t Topic) error
	// DestroyTopic deletes a topic of a group with its messages. ErrNotFound if missing.
	DestroyTopic(ctx context.Context, app uint64, group, id string) error

	// Enqueue appends e to the outbox of after-callbacks (see Outbox); its ID is assigned by
	// the store, increasing across the whole store. Fields ID, Attempts and LeaseUntil of e
	// are ignored.
	Enqueue(ctx context.Context, e OutboxEntry) error

	// Custom fields declared at run time (field.go). Kept apart so that this block can
	// move to an interface of its own.

	// PutField records a declared custom-field key; f.App, f.Kind and f.Key identify it.
	// ErrConflict if the app has already declared that key for that kind.
	PutField(ctx context.Context, f Field) error
	// ListFields returns every field app has declared, ordered by Kind and then in the
	// order of the PutFields that declared them. In Update it also locks the app's
	// declarations until commit, so that a transaction that counts them before PutField
	// cannot race another doing the same.
	ListFields(ctx context.Context, app uint64) ([]Field, error)
}

// String returns the lock's Go name.
func (l GroupLock) String() string {
	if l == KeepGroup {
		return "KeepGroup"
	}
	return "WriteGroup"
}
